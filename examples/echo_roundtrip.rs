//! The smallest complete use of tls-core: an echo server and a client in one process.
//!
//! The certificates are made in memory (a CA and a server certificate for 127.0.0.1); a real program
//! would load them with `tls_core::pem::load_identity` and `tls_core::pem::load_ca_certs`.
//!
//! ```text
//! cargo run --example echo_roundtrip
//! ```

use tls_core::client::{self, ClientOptions};
use tls_core::config::{self, TlsOptions};
use tls_core::generate::{CertificateAuthority, Usage, Validity};
use tls_core::server::{self, ServerOptions};

#[tokio::main]
async fn main() -> tls_core::Result<()> {
    // A CA, and a certificate it signs for the server (127.0.0.1), valid for a day.
    let ca = CertificateAuthority::new("Example CA", Validity::days_from_now(1))?;
    let server_cert = ca.issue(&["127.0.0.1"], Usage::Server, Validity::days_from_now(1))?;

    // Server: configuration from a certificate and key, listening on a port the OS picks.
    let server_config = config::server_config(server_cert.identity(), None, &TlsOptions::default())?;
    let server = server::spawn("127.0.0.1:0", server_config, ServerOptions::default()).await?;
    let addr = server.local_addr();
    println!("server listening on {addr}");

    // Client: trust the CA, verify the server as 127.0.0.1, send, read the echo, close_notify.
    let roots = config::root_store(std::slice::from_ref(&ca.issued.cert))?;
    let client_config = config::client_config(roots, None, &TlsOptions::default())?;
    let mut conn = client::connect(
        &addr.to_string(),
        client::parse_server_name("127.0.0.1")?,
        client_config,
        ClientOptions::default(),
    )
    .await?;
    println!("negotiated {}", conn.info());
    let echoed = conn.echo(b"Hello World!").await?;
    println!("echoed: {}", String::from_utf8_lossy(&echoed));
    conn.close().await?;

    server.stop().await;
    Ok(())
}
