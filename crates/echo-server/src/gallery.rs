//! `echo-server --gallery`: every exhibit of `tls_core::gallery` on one port, signed by --scenario-ca.

use std::sync::Arc;

use tls_core::config::TlsOptions;
use tls_core::gallery::{self, Gallery};
use tls_core::server::ServerOptions;

use crate::{Args, certificates};

/// Makes the gallery for the port bound, and serves it until stopped.
///
/// # Errors
/// The CA cannot be loaded, a certificate cannot be made, or --listen cannot be bound.
pub(crate) async fn run(args: &Args) -> tls_echo_cli::Result<()> {
    let (ca, ca_file) = certificates::scenario_ca(args.scenario_ca.as_deref(), args.scenario_ca_key.as_deref())?;
    let (listener, local) = crate::serving::listen(args).await?;
    if !local.ip().is_loopback() && !local.ip().is_unspecified() {
        tracing::warn!(
            "the exhibits' names under {} reach the loopback addresses only, and this server listens on {} alone: clients asking for them will not find it; listen on 127.0.0.1, [::1], 0.0.0.0 or [::]",
            gallery::DOMAIN,
            local.ip()
        );
    }
    let options = TlsOptions {
        alpn: vec![b"http/1.1".to_vec(), b"http/1.0".to_vec()],
        key_log: true,
        ..TlsOptions::default()
    };
    let made = Gallery::new(&ca, local.port(), &options)?;
    let (config, page) = made.index();
    let certs = made.certs();
    let exhibits = gallery::CATALOGUE.iter().filter(|exhibit| exhibit.served).count();
    tokio::spawn(certificates::no_reload("the gallery".to_owned()));
    let options = ServerOptions {
        page: Some(page),
        certs: Some(certs),
        choose: Some(Arc::new(made)),
        ..crate::serving::server_options(args)
    };
    let port = local.port();
    crate::serving::serve_until_stopped((listener, local), config, options, || {
        tracing::info!(
            ca = %ca_file.display(),
            "serving the gallery: {exhibits} exhibits, each at https://NAME.{}:{port}/; the list at https://{}:{port}/",
            gallery::DOMAIN,
            gallery::DOMAIN,
        );
    })
    .await;
    Ok(())
}
