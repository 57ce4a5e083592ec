//! `tls-cert pkcs12`: a certificate, its key and its CA in one password-protected PKCS#12 file, for
//! browsers, Java, macOS and Windows.

use std::path::PathBuf;
use std::process::ExitCode;

use tls_core::export::{self, Encryption};
use tls_core::x509;

use crate::{Stdout, files, refuse};

/// Flags of `tls-cert pkcs12`.
#[derive(Debug, clap::Args)]
pub(crate) struct Pkcs12Args {
    /// The certificate, and its intermediates after it (PEM or DER)
    #[arg(long, value_name = "FILE")]
    cert: PathBuf,
    /// Its private key [default: the --cert file, when it holds the key too]
    #[arg(long, value_name = "FILE")]
    key: Option<PathBuf>,
    /// CA certificates to put in the file after the chain (the root a browser or Java should see)
    #[arg(long, value_name = "FILE")]
    ca: Vec<PathBuf>,
    /// Where to write the .p12 file (mode 0600: it holds the private key)
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// The password, in the first line of FILE (- for standard input); never on the command line,
    /// where other users see it
    #[arg(long, value_name = "FILE")]
    password_file: PathBuf,
    /// 3DES and a SHA-1 MAC instead of AES-256 and SHA-256, for readers that refuse AES (macOS
    /// Keychain before 14, Windows before 10, Java before 8u301)
    #[arg(long)]
    legacy: bool,
    /// Replace --out when it exists
    #[arg(long)]
    force: bool,
}

/// Writes the file, and says what it holds and how it is protected; never the password.
pub(crate) fn run(args: &Pkcs12Args) -> ExitCode {
    let mut inputs = vec![
        ("the certificate", args.cert.as_path()),
        ("the password file", args.password_file.as_path()),
    ];
    inputs.extend(args.key.as_deref().map(|key| ("the key", key)));
    inputs.extend(args.ca.iter().map(|ca| ("a CA file", ca.as_path())));
    if let Err(why) = files::not_an_input(&args.out, &inputs) {
        return refuse(&why);
    }
    let password = match files::read_password(&args.password_file) {
        Ok(password) if password.is_empty() => {
            return refuse(&format!(
                "the password in {} is empty: an empty password protects nothing, and Java and macOS refuse it; put one on its first line",
                args.password_file.display()
            ));
        }
        Ok(password) => password,
        Err(why) => return refuse(&why),
    };
    let identity = match &args.key {
        Some(key) => tls_echo_cli::input::load_identity(&args.cert, key),
        None => tls_echo_cli::input::load_combined(&args.cert),
    };
    let identity = match identity {
        Ok(identity) => identity,
        Err(err) => return crate::fail(&err),
    };
    let mut cas = Vec::new();
    for path in &args.ca {
        match tls_echo_cli::input::load_ca_certs(path) {
            Ok(loaded) => cas.extend(loaded),
            Err(err) => return crate::fail(&err),
        }
    }
    let encryption = if args.legacy {
        Encryption::Legacy
    } else {
        Encryption::Modern
    };
    let bytes = match export::pkcs12(&identity, &cas, &password, encryption) {
        Ok(bytes) => bytes,
        Err(err) => return crate::fail(&err),
    };
    if let Err(err) = files::write_secret(&args.out, &bytes, args.force) {
        eprintln!("error: {}", err.report());
        return ExitCode::from(err.exit_code());
    }
    let mut out = Stdout::default();
    let held: Vec<String> = identity
        .chain
        .iter()
        .chain(cas.iter().filter(|ca| !identity.chain.contains(ca)))
        .map(x509::subject)
        .collect();
    out.line(&format!(
        "wrote {} (mode 0600: it holds the private key)",
        args.out.display()
    ));
    out.line(&format!(
        "  holds: the key of {}, and {}",
        held[0],
        held.join(", then ")
    ));
    out.line(&format!("  protected with: {}", encryption.words()));
    out.line(&format!(
        "check it: tls-cert inspect {} --password-file {}",
        args.out.display(),
        args.password_file.display()
    ));
    ExitCode::SUCCESS
}
