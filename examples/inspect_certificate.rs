//! Reading a certificate with tls-core: load a PEM or DER file, then print its fields as text (the
//! layout of `certtool -i`) and the few values scripts usually want from the JSON model.
//!
//! ```text
//! cargo run --example inspect_certificate -- [FILE]      # FILE defaults to certs/server.pem
//! ```

use std::path::PathBuf;

use tls_core::inspect::{self, Position};
use tls_core::pem;

fn main() -> tls_core::Result<()> {
    let path = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("certs/server.pem"), PathBuf::from);
    let chain = pem::load_cert_chain(&path)?;
    for (index, der) in chain.iter().enumerate() {
        let position = if chain.len() == 1 {
            Position::Alone
        } else if index == 0 {
            Position::Leaf
        } else {
            Position::Issuer
        };
        match inspect::inspect(der, position) {
            Ok(info) => {
                println!("{info}");
                println!("pin for curl --pinnedpubkey: sha256//{}", info.pin_sha256);
                println!(
                    "warnings: {}",
                    if info.warnings.is_empty() {
                        "none".to_owned()
                    } else {
                        info.warnings.join("; ")
                    }
                );
            }
            Err(err) => eprintln!("{}: certificate #{}: {err}", path.display(), index + 1),
        }
    }
    Ok(())
}
