//! `tls-cert sign`: a certificate signing request signed by a CA, with what was kept of it and what
//! was not.

use std::path::PathBuf;
use std::process::ExitCode;

use tls_core::generate::{self, CertificateAuthority};
use tls_core::pki_types::CertificateSigningRequestDer;
use tls_core::pki_types::pem::PemObject as _;

use crate::{Stdout, files, refuse};

/// Flags of `tls-cert sign`.
#[derive(Debug, clap::Args)]
pub(crate) struct SignArgs {
    /// The certificate signing request (PKCS#10, PEM or DER; `-` for standard input), as openssl req
    /// -new or step make it
    #[arg(value_name = "REQ.csr")]
    request: PathBuf,
    /// The CA certificate that signs (a root or an intermediate; its file may hold its chain)
    #[arg(long, value_name = "FILE")]
    ca: PathBuf,
    /// The CA's private key
    #[arg(long, value_name = "FILE")]
    ca_key: PathBuf,
    /// Where to write the certificate (with the CA's chain below its root, when the CA is not a root)
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Lifetime of the certificate, in days (825 is the most macOS and iOS accept)
    #[arg(long, default_value_t = generate::LEAF_DAYS, value_name = "N", value_parser = crate::generate::days)]
    days: u64,
    /// Replace --out when it exists
    #[arg(long)]
    force: bool,
}

/// Checks the request's signature, signs what a leaf may carry of it, writes it, and says what was
/// kept, dropped and added. Nothing is written when anything is refused.
pub(crate) fn run(args: &SignArgs) -> ExitCode {
    // Read as inspect reads files: bounded, `-` for standard input, an empty file refused by name.
    let bytes = match tls_echo_cli::input::read_file(&args.request) {
        Ok(bytes) => bytes,
        Err(err) => return crate::fail(&err),
    };
    // PEM when it holds a request block, else the bytes as DER.
    let der = CertificateSigningRequestDer::from_pem_slice(&bytes)
        .map(|der| der.as_ref().to_vec())
        .unwrap_or(bytes);
    let inputs = [
        ("the request", args.request.as_path()),
        ("the CA certificate", args.ca.as_path()),
        ("the CA's key", args.ca_key.as_path()),
    ];
    if let Err(why) = files::not_an_input(&args.out, &inputs) {
        return refuse(&why);
    }
    let ca = match CertificateAuthority::load(&args.ca, &args.ca_key) {
        Ok(ca) => ca,
        Err(err) => return crate::fail(&err),
    };
    let signed = match ca.sign_request(&der, args.days) {
        Ok(signed) => signed,
        Err(tls_core::Error::BadRequest { problem, remedy: None }) => {
            return refuse(&format!(
                "{} is not signed: {problem}; nothing was written",
                args.request.display()
            ));
        }
        Err(err) => return crate::fail(&err),
    };
    if let Err(err) = files::write_one(&args.out, &signed.pem, args.force) {
        eprintln!("error: {}", err.report());
        return ExitCode::from(err.exit_code());
    }
    let mut out = Stdout::default();
    out.line(&format!("wrote {}", args.out.display()));
    out.line(&format!(
        "signed: {}, by {}, valid until {}",
        tls_core::x509::subject(&signed.cert),
        tls_core::x509::subject(&ca.issued.cert),
        tls_core::x509::validity(&signed.cert)
            .map(|(_, to)| to)
            .unwrap_or_default()
    ));
    for (said, items) in [
        ("kept", &signed.kept),
        ("dropped", &signed.dropped),
        ("added", &signed.added),
    ] {
        for item in items.iter() {
            out.line(&format!("  {said}: {item}"));
        }
    }
    let sent = ca.chain_to_send();
    if !sent.is_empty() {
        let names: Vec<String> = sent.iter().map(tls_core::x509::subject).collect();
        out.line(&format!(
            "chain: {} holds it, then {}",
            args.out.display(),
            names.join(", then ")
        ));
    }
    ExitCode::SUCCESS
}
