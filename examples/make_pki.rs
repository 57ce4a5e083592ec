//! Making certificates with tls-core: a CA, a server certificate for two names and a client
//! certificate, written to a folder (keys with mode 0600), then one more server certificate signed by
//! the same CA loaded back from those files, verified as a client would (`tls_core::verify`). What
//! `tls-cert generate` and `tls-cert verify` do, as a library.
//!
//! ```text
//! cargo run --example make_pki -- [DIR]        # DIR defaults to a new temporary folder
//! ```

use std::io::Write as _;
use std::path::{Path, PathBuf};

use tls_core::Presenter;
use tls_core::generate::{CertificateAuthority, KeyType, Pki, PkiRequest, Usage, Validity};
use tls_core::inspect::{self, Position};
use tls_core::verify;

fn main() -> tls_core::Result<()> {
    let dir = std::env::args().nth(1).map_or_else(
        || std::env::temp_dir().join(format!("tls-echo-pki-{}", std::process::id())),
        PathBuf::from,
    );

    let request = PkiRequest {
        names: vec!["localhost".into(), "127.0.0.1".into()],
        key_type: KeyType::EcdsaP256,
        clients: vec!["alice".into()],
        ..PkiRequest::default()
    };
    let pki = Pki::new(&request)?;
    // The library makes the files' contents; where and how to write them is the program's choice.
    std::fs::create_dir_all(&dir).map_err(|cause| tls_core::Error::Write {
        path: dir.clone(),
        cause,
    })?;
    for file in pki.files() {
        let path = dir.join(&file.name);
        write_new(&path, &file.contents, file.secret).map_err(|cause| tls_core::Error::Write {
            path: path.clone(),
            cause,
        })?;
        println!("wrote {}", path.display());
    }

    // Later: sign another server certificate with the CA kept on disk.
    let ca = CertificateAuthority::load(&dir.join("ca.pem"), &dir.join("ca.key"))?;
    let extra = ca.issue(&["api.localhost"], Usage::Server, Validity::days_from_now(90))?;
    match inspect::inspect(&extra.cert, Position::Alone) {
        Ok(info) => println!(
            "also signed {} for {:?}, valid until {}",
            info.subject, info.san.dns, info.not_after
        ),
        Err(err) => eprintln!("cannot read back what was made: {err}"),
    }

    // Would a client connecting to api.localhost accept it? And to another name?
    let roots = [ca.issued.cert.clone()];
    for name in ["api.localhost", "localhost"] {
        match verify::verify(
            &roots,
            std::slice::from_ref(&extra.cert),
            Some(name),
            None,
            Presenter::File,
            &[], // no CRLs
        )? {
            Ok(verified) => println!("valid for {}", verified.name),
            Err(invalid) => println!("invalid for {name}: {invalid}"),
        }
    }
    Ok(())
}

/// Writes a file that must not exist yet; a key (`secret`) readable by its owner only from the start.
fn write_new(path: &Path, contents: &str, secret: bool) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, if secret { 0o600 } else { 0o644 });
    options.open(path)?.write_all(contents.as_bytes())
}
