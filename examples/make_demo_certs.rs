//! Makes the demo PKI of `certs/`: a CA, a server certificate for 127.0.0.1, ::1 and localhost, and a
//! client certificate for mutual TLS, all ECDSA P-256, keys written with mode 0600.
//!
//! ```text
//! cargo run --example make_demo_certs -- [DIR] [--force]     # DIR defaults to certs/
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use tls_core::certinfo;
use tls_core::generate::DemoPki;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let force = args.iter().any(|a| a == "--force");
    let dir = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .map_or_else(default_dir, PathBuf::from);
    let written = DemoPki::new().and_then(|pki| pki.write(&dir, force).map(|files| (pki, files)));
    match written {
        Ok((pki, files)) => {
            for file in files {
                println!("wrote {}", file.display());
            }
            if let Some((_, until)) = certinfo::validity(&pki.server.cert) {
                println!(
                    "server certificate {} valid until {until}",
                    certinfo::subject(&pki.server.cert)
                );
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// `certs/` at the root of the checkout this example was built from (crates/tls-core is two levels down).
fn default_dir() -> PathBuf {
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.ancestors().nth(2).unwrap_or(manifest).join("certs")
}
