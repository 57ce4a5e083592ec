//! Shared by the integration tests: certificates made in memory, an in-process server on port 0, and
//! bounded waits.
#![allow(dead_code, unreachable_pub)]

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls::{ClientConfig, ServerConfig};
use tls_core::config::{self, TlsOptions};
use tls_core::generate::{CertificateAuthority, DemoPki, Issued};
use tls_core::pem::Identity;
use tls_core::server::{self, ServerOptions};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The longest any single wait in a test may take.
pub const WAIT: Duration = Duration::from_secs(20);

/// Awaits `fut`, failing the test with `what` if it takes longer than [`WAIT`].
pub async fn bounded<T>(what: &str, fut: impl Future<Output = T>) -> T {
    match tokio::time::timeout(WAIT, fut).await {
        Ok(value) => value,
        Err(_) => panic!("{what} did not finish within {WAIT:?}"),
    }
}

pub fn pki() -> DemoPki {
    DemoPki::new().expect("rcgen makes the demo PKI")
}

pub fn server_config(identity: Identity) -> Arc<ServerConfig> {
    config::server_config(identity, None, &TlsOptions::default()).expect("server config builds")
}

pub fn client_config(ca: &CertificateAuthority) -> Arc<ClientConfig> {
    client_config_with(ca, None)
}

pub fn client_config_with(ca: &CertificateAuthority, identity: Option<Identity>) -> Arc<ClientConfig> {
    let roots = config::root_store(std::slice::from_ref(&ca.issued.cert), false).expect("CA is a valid anchor");
    config::client_config(roots, identity, &TlsOptions::default()).expect("client config builds")
}

/// A tls-core server running in this process on 127.0.0.1 and a port from the OS.
pub struct RunningServer {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl RunningServer {
    pub async fn start(config: Arc<ServerConfig>, options: ServerOptions) -> Self {
        let listener = server::bind("127.0.0.1:0").await.expect("bind port 0");
        let addr = listener.local_addr().expect("bound");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server::serve(listener, config, options, async {
            let _ = stopped.await;
        }));
        Self {
            addr,
            stop: Some(stop),
            task,
        }
    }

    /// The server's address as text, for `client::connect`.
    pub fn address(&self) -> String {
        self.addr.to_string()
    }

    /// Asks the server to stop, without waiting.
    pub fn request_stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Stops the server and waits (bounded) until it has drained.
    pub async fn stop(mut self) {
        self.request_stop();
        bounded("server shutdown", self.task)
            .await
            .expect("server task ends without panic");
    }

    /// Waits (bounded) for a server whose stop was requested to finish.
    pub async fn finished(self) {
        bounded("server shutdown", self.task)
            .await
            .expect("server task ends without panic");
    }
}

/// Writes `pem` into `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write test file");
    path
}

/// Writes the certificate and key of `issued` as `stem.pem` and `stem.key` in `dir`.
pub fn write_issued(dir: &Path, stem: &str, issued: &Issued) -> (PathBuf, PathBuf) {
    (
        write(dir, &format!("{stem}.pem"), &issued.cert_pem),
        write(dir, &format!("{stem}.key"), &issued.key_pem),
    )
}
