//! The accept loop: one task per connection, each phase bounded, a cap on connections, and graceful
//! shutdown.
//!
//! The caller binds the socket and decides when to stop ([`serve`] takes both), so tests bind port 0
//! and the binary binds `--listen`.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::ServerConfig;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, oneshot};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
/// The token type of [`ServerOptions::force_stop`] (tokio-util's), re-exported for callers.
pub use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::address::ToAddress;
use crate::certstore::CertStore;
use crate::echo::Mode;
use crate::error::{Error, Hint, Result, fmt_duration};
#[cfg(feature = "page")]
use crate::page::PageInfo;
use crate::remedy::Remedy;

mod session;

/// How the server treats its clients.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Line echo (ends at an empty line) or raw echo.
    pub mode: Mode,
    /// Absolute limit on the TLS handshake, from accept to its end; not reset by each byte.
    pub handshake_timeout: Duration,
    /// Limit on each wait for data from the client, and on each echo write.
    pub idle_timeout: Duration,
    /// Connections served at once; more are refused at once.
    pub max_connections: usize,
    /// At shutdown, how long live sessions may go on before they are closed.
    pub shutdown_grace: Duration,
    /// The HTTPS page to show HTTP clients on the same port; `None` serves echo only.
    #[cfg(feature = "page")]
    pub page: Option<Arc<PageInfo>>,
    /// The certificates the config presents, so the session log can name the one each client got.
    pub certs: Option<Arc<CertStore>>,
    /// Cancelled during the shutdown grace period (a second Ctrl-C, say): close every live session with
    /// close_notify now instead of waiting for the rest of the period.
    pub force_stop: CancellationToken,
    /// How the log says what a client can do about its failure: the library's words by default, a
    /// program's flags when it gives its own (echo-server: `tls_echo_cli::advice`).
    pub advice: fn(Remedy) -> String,
    /// Picks a whole configuration per connection from its ClientHello (`echo-server --gallery`);
    /// `None` serves every connection with the configuration given to [`serve`].
    pub choose: Option<Arc<dyn ChoosesConfig>>,
}

/// Picks the whole configuration for one connection once its ClientHello has been read: certificates,
/// protocol versions, groups, client authentication, ALPN, and the page behind it.
pub trait ChoosesConfig: Send + Sync + std::fmt::Debug {
    /// What the client that sent `hello` is served.
    fn choose(&self, hello: &rustls::server::ClientHello<'_>) -> Choice;
}

/// One connection's configuration, as a [`ChoosesConfig`] picked it.
#[derive(Debug, Clone)]
pub struct Choice {
    /// The configuration the handshake goes on with.
    pub config: Arc<ServerConfig>,
    /// The page HTTP clients are shown; `None` keeps [`ServerOptions::page`].
    #[cfg(feature = "page")]
    pub page: Option<Arc<PageInfo>>,
    /// How long the server waits before it answers the ClientHello (a slow server on purpose); the
    /// handshake timeout counts it.
    pub delay: Duration,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            mode: Mode::Line,
            handshake_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 10_000,
            shutdown_grace: Duration::from_secs(10),
            #[cfg(feature = "page")]
            page: None,
            certs: None,
            force_stop: CancellationToken::new(),
            advice: |remedy| remedy.to_string(),
            choose: None,
        }
    }
}

/// Binds a TCP listener on `addr` (such as `127.0.0.1:7777`, `[::1]:0` or `localhost:7777`).
///
/// # Errors
/// [`Error::InvalidAddress`] for text that is not `HOST:PORT`; [`Error::Bind`] naming the address, with
/// a hint when the port is taken or needs privileges.
pub async fn bind(addr: impl ToAddress) -> Result<TcpListener> {
    bind_with(addr, false).await
}

/// As [`bind`]; with `reuse_port`, SO_REUSEPORT lets several processes listen on the same port, and the
/// kernel spreads new connections among them (Linux).
///
/// # Errors
/// [`Error::InvalidAddress`] for text that is not `HOST:PORT`; [`Error::Bind`] naming the address, with
/// a hint when the port is taken or needs privileges.
pub async fn bind_with(addr: impl ToAddress, reuse_port: bool) -> Result<TcpListener> {
    let address = addr.to_address()?;
    let bind_error = |cause: std::io::Error| {
        let hint = match cause.kind() {
            std::io::ErrorKind::AddrInUse if reuse_port => Hint::Do(Remedy::SharePort),
            std::io::ErrorKind::AddrInUse => Hint::Do(Remedy::FreePort),
            std::io::ErrorKind::PermissionDenied => {
                Hint::Says("ports below 1024 need privileges: use a port above 1024")
            }
            std::io::ErrorKind::AddrNotAvailable => Hint::Says("that address is not on this machine: try 127.0.0.1"),
            _ => Hint::None,
        };
        Error::Bind {
            addr: address.to_string(),
            cause,
            hint,
        }
    };
    let resolved = tokio::net::lookup_host((address.lookup_host(), address.port))
        .await
        .map_err(bind_error)?
        .next()
        .ok_or_else(|| {
            bind_error(std::io::Error::new(
                std::io::ErrorKind::AddrNotAvailable,
                "no address found",
            ))
        })?;
    let socket = if resolved.is_ipv4() {
        tokio::net::TcpSocket::new_v4()
    } else {
        tokio::net::TcpSocket::new_v6()
    }
    .map_err(bind_error)?;
    socket.set_reuseaddr(true).map_err(bind_error)?;
    #[cfg(unix)]
    if reuse_port {
        socket.set_reuseport(true).map_err(bind_error)?;
    }
    socket.bind(resolved).map_err(bind_error)?;
    // A deep backlog: bursts of thousands of connects are queued, not refused.
    socket.listen(4096).map_err(bind_error)
}

/// The address `listener` is bound to, with the real port when port 0 was asked for.
///
/// # Errors
/// [`Error::Bind`] in the rare case the OS cannot say.
pub fn local_addr(listener: &TcpListener) -> Result<SocketAddr> {
    listener.local_addr().map_err(|cause| Error::Bind {
        addr: "the listening socket".to_owned(),
        cause,
        hint: Hint::None,
    })
}

/// A server started by [`spawn`]: where it listens, and how to stop it.
#[derive(Debug)]
pub struct ServerHandle {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

/// Binds `addr` and serves on a task of its own until [`ServerHandle::stop`].
///
/// # Errors
/// [`Error::Bind`] as for [`bind`].
pub async fn spawn(addr: impl ToAddress, config: Arc<ServerConfig>, options: ServerOptions) -> Result<ServerHandle> {
    let listener = bind(addr).await?;
    let addr = local_addr(&listener)?;
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(listener, config, options, async {
        // A dropped handle stops the server too.
        let _ = stopped.await;
    }));
    Ok(ServerHandle {
        addr,
        stop: Some(stop),
        task,
    })
}

impl ServerHandle {
    /// The address it listens on, with the real port when port 0 was asked for.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Starts a graceful shutdown without waiting for it.
    pub fn request_stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Shuts down gracefully (as [`serve`] does) and waits until every session has ended.
    pub async fn stop(mut self) {
        self.request_stop();
        self.finished().await;
    }

    /// Waits until the server, asked to stop, has ended.
    pub async fn finished(self) {
        if let Err(err) = self.task.await {
            tracing::error!("the server task failed: {err}");
        }
    }
}

/// Connects once to `listener`'s own address (loopback for a wildcard address), so an address that
/// clients cannot reach is reported at start, not by the first client. The test connection is accepted
/// and closed here, so it never takes one of the accept loop's `--max-connections` places. (With
/// `--reuse-port` another process may get it instead; that one logs it at debug level only.)
///
/// # Errors
/// [`Error::Unreachable`] when the connection fails within 2 seconds.
pub async fn check_reachable(listener: &TcpListener) -> Result<()> {
    let mut addr = local_addr(listener)?;
    if addr.ip().is_unspecified() {
        addr.set_ip(if addr.is_ipv4() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    let attempt = tokio::time::timeout(Duration::from_secs(2), TcpStream::connect(addr)).await;
    match attempt {
        Ok(Ok(_connected)) => {
            // Already in the accept queue once connect returns, unless another --reuse-port process
            // was given it: then there is nothing to take, and the wait ends at its short limit.
            let _ = tokio::time::timeout(Duration::from_millis(200), listener.accept()).await;
            Ok(())
        }
        Ok(Err(cause)) => Err(Error::Unreachable { addr, cause }),
        Err(_) => Err(Error::Unreachable {
            addr,
            cause: std::io::Error::new(std::io::ErrorKind::TimedOut, "no answer within 2 s"),
        }),
    }
}

/// Whether HTTP clients are shown the page (and sessions keep their handshake for /handshake).
fn shows_a_page(options: &ServerOptions) -> bool {
    #[cfg(feature = "page")]
    return options.page.is_some();
    #[cfg(not(feature = "page"))]
    {
        let _ = options;
        false
    }
}

/// Serves TLS echo on `listener` until `shutdown` completes, then drains live sessions for up to
/// `options.shutdown_grace` and closes the rest with close_notify.
///
/// Every accepted socket gets TCP_NODELAY: without it, handshake flights wait on delayed ACKs.
pub async fn serve(
    listener: TcpListener,
    config: Arc<ServerConfig>,
    options: ServerOptions,
    shutdown: impl Future<Output = ()>,
) {
    // With the page on, each session keeps its handshake for /handshake: the secrets rustls derives go
    // to a store (and on to SSLKEYLOGFILE as before) where the session takes its own.
    let secrets = shows_a_page(&options).then(|| Arc::new(crate::xray::SecretStore::new(config.key_log.clone())));
    let config = match &secrets {
        Some(store) => {
            let mut tapped = (*config).clone();
            tapped.key_log = store.clone();
            Arc::new(tapped)
        }
        None => config,
    };
    let acceptor = TlsAcceptor::from(config);
    let limit = Arc::new(Semaphore::new(options.max_connections));
    let tracker = TaskTracker::new();
    let cancel = CancellationToken::new();
    let options = Arc::new(options);
    let (mut accept_errors, mut refusals) = (RateLimitedLog::default(), RateLimitedLog::default());
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let (tcp, peer) = match accepted {
            Ok(pair) => pair,
            Err(err) => {
                // EMFILE and friends: say so now and then, and back off so the loop does not spin.
                if let Some(not_shown) = accept_errors.allow() {
                    let hint = if err.raw_os_error() == Some(24) {
                        " (out of file descriptors: raise `ulimit -n` or allow fewer connections)"
                    } else {
                        ""
                    };
                    tracing::warn!("accept failed: {err}{hint}; {not_shown} similar error(s) not shown");
                }
                tokio::select! {
                    () = &mut shutdown => break,
                    () = tokio::time::sleep(Duration::from_millis(100)) => continue,
                }
            }
        };
        let Ok(permit) = limit.clone().try_acquire_owned() else {
            if let Some(not_shown) = refusals.allow() {
                tracing::warn!(
                    %peer,
                    "refusing connection: {} connections already open, the most allowed; {not_shown} other refusal(s) not shown",
                    options.max_connections
                );
            }
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let (acceptor, options, cancel, secrets) = (acceptor.clone(), options.clone(), cancel.clone(), secrets.clone());
        tracker.spawn(async move {
            let session = session::Session {
                acceptor: &acceptor,
                options: &options,
                cancel: &cancel,
                secrets: secrets.as_ref(),
            };
            session.run(tcp, peer, permit).await;
        });
    }
    drop(listener);
    tracker.close();
    if !tracker.is_empty() {
        tracing::info!(
            "shutting down: letting {} session(s) finish for up to {}",
            tracker.len(),
            fmt_duration(options.shutdown_grace)
        );
    }
    let drained = tokio::select! {
        waited = tokio::time::timeout(options.shutdown_grace, tracker.wait()) => waited.is_ok(),
        () = options.force_stop.cancelled() => tracker.is_empty(),
    };
    if !drained {
        let why = if options.force_stop.is_cancelled() {
            "asked to stop now"
        } else {
            "grace period over"
        };
        tracing::info!("{why}: closing {} session(s) with close_notify", tracker.len());
        cancel.cancel();
        // Each session's own close is bounded, so this wait is too.
        tracker.wait().await;
    }
}

/// At most one line a second for events that come in floods (failed accepts, refused connections), each
/// line counting the ones not shown since the last, so an attack cannot turn into a log storm.
#[derive(Default)]
struct RateLimitedLog {
    last: Option<Instant>,
    suppressed: u64,
}

impl RateLimitedLog {
    /// `Some(count of events not shown)` when this one may be logged, `None` when it is counted instead.
    fn allow(&mut self) -> Option<u64> {
        let now = Instant::now();
        if self
            .last
            .is_some_and(|t| now.duration_since(t) < Duration::from_secs(1))
        {
            self.suppressed += 1;
            return None;
        }
        self.last = Some(now);
        Some(std::mem::take(&mut self.suppressed))
    }
}
