//! Listening and serving until stopped, shared by every way echo-server serves (its certificates, a
//! scenario, the gallery).

use std::sync::Arc;

use tls_core::config;
use tls_core::echo::Mode;
use tls_core::rustls::ServerConfig;
use tls_core::server::{self, ServerOptions};

use crate::Args;
use crate::signals::StopSignals;

/// Binds --listen (with --reuse-port), checked reachable, after the warnings that go before serving.
///
/// # Errors
/// The address cannot be bound or reached.
pub(crate) async fn listen(args: &Args) -> tls_core::Result<(tokio::net::TcpListener, std::net::SocketAddr)> {
    if let Some(problem) = config::key_log_file_problem() {
        tracing::warn!("{problem}");
    }
    if let Err(err) = tls_echo_cli::raise_fd_limit() {
        tracing::warn!("cannot raise the open-file limit ({err}): connections beyond it will be refused");
    }
    let listener = server::bind_with(&args.listen, args.reuse_port).await?;
    let local = server::local_addr(&listener)?;
    server::check_reachable(&listener).await?;
    Ok((listener, local))
}

/// The flags every way of serving shares: echo mode, limits, and the program's advice.
pub(crate) fn server_options(args: &Args) -> ServerOptions {
    ServerOptions {
        mode: if args.raw { Mode::Raw } else { Mode::Line },
        handshake_timeout: args.handshake_timeout,
        idle_timeout: args.idle_timeout,
        max_connections: args.max_connections,
        shutdown_grace: args.shutdown_grace,
        advice: tls_echo_cli::advice,
        ..ServerOptions::default()
    }
}

/// Says where it listens (after `serving` has logged what), serves until a stop signal, and drains.
pub(crate) async fn serve_until_stopped(
    (listener, local): (tokio::net::TcpListener, std::net::SocketAddr),
    config: Arc<ServerConfig>,
    mut options: ServerOptions,
    serving: impl FnOnce(),
) {
    // Listening for Ctrl-C and SIGTERM before saying so: a signal right after this line is handled.
    let signals = StopSignals::listen();
    println!("listening on {local}");
    serving();
    let force_stop = server::CancellationToken::new();
    options.force_stop = force_stop.clone();
    server::serve(listener, config, options, shutdown(signals, force_stop)).await;
    tracing::info!("stopped");
}

/// Resolves at the first stop signal; the second one closes every session at once (`force_stop`).
async fn shutdown(mut signals: StopSignals, force_stop: server::CancellationToken) {
    let signal = signals.next().await;
    tracing::info!("{signal}: shutdown requested (the same again closes every session now)");
    tokio::spawn(async move {
        let signal = signals.next().await;
        tracing::info!("{signal} again: closing every session now");
        force_stop.cancel();
    });
}
