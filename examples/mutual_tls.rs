//! Mutual TLS with tls-core: the server asks for a client certificate signed by its CA, admits a
//! client that has one, and refuses one that does not, with the reason in words.
//!
//! ```text
//! cargo run --example mutual_tls
//! ```

use tls_core::client::{self, ClientOptions};
use tls_core::config::{self, TlsOptions};
use tls_core::generate::{CertificateAuthority, Usage, Validity};
use tls_core::server::{self, ServerOptions};

#[tokio::main]
async fn main() -> tls_core::Result<()> {
    // A CA, and certificates it signs for the server (127.0.0.1) and a client, valid for a day.
    let ca = CertificateAuthority::new("Example CA", Validity::days_from_now(1))?;
    let server_cert = ca.issue(&["127.0.0.1"], Usage::Server, Validity::days_from_now(1))?;
    let client_cert = ca.issue(&["client"], Usage::Client, Validity::days_from_now(1))?;
    let ca = [ca.issued.cert.clone()];

    // `Some(&ca)`: client certificates must chain to this CA.
    let server_config = config::server_config(server_cert.identity(), Some(&ca), &TlsOptions::default())?;
    let server = server::spawn("127.0.0.1:0", server_config, ServerOptions::default()).await?;
    let addr = server.local_addr();

    let name = client::parse_server_name("127.0.0.1")?;
    for (label, identity) in [("with", Some(client_cert.identity())), ("without", None)] {
        let roots = config::root_store(&ca)?;
        let client_config = config::client_config(roots, identity, &TlsOptions::default())?;
        let result = client::round_trip(
            &addr.to_string(),
            name.clone(),
            client_config,
            b"Hello World!",
            ClientOptions::default(),
        )
        .await;
        match result {
            Ok(echoed) => println!(
                "{label} a client certificate: echoed {}",
                String::from_utf8_lossy(&echoed)
            ),
            Err(err) => println!("{label} a client certificate: refused: {}", err.report()),
        }
    }

    server.stop().await;
    Ok(())
}
