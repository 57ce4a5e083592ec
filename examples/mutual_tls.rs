//! Mutual TLS with tls-core: the server asks for a client certificate signed by its CA, admits a
//! client that has one, and refuses one that does not, with the reason in words.
//!
//! ```text
//! cargo run --example mutual_tls
//! ```

use tls_core::client::{self, ClientOptions};
use tls_core::config::{self, TlsOptions};
use tls_core::generate::DemoPki;
use tls_core::server::{self, ServerOptions};

#[tokio::main]
async fn main() -> tls_core::Result<()> {
    let pki = DemoPki::new()?;
    let ca = [pki.ca.issued.cert.clone()];

    // `Some(&ca)`: client certificates must chain to this CA.
    let server_config = config::server_config(pki.server.identity(), Some(&ca), &TlsOptions::default())?;
    let server = server::spawn("127.0.0.1:0", server_config, ServerOptions::default()).await?;
    let addr = server.local_addr();

    let name = client::parse_server_name("127.0.0.1")?;
    for (label, identity) in [("with", Some(pki.client.identity())), ("without", None)] {
        let roots = config::root_store(&ca, false)?;
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
            Err(err) => println!("{label} a client certificate: refused: {err}"),
        }
    }

    server.stop().await;
    Ok(())
}
