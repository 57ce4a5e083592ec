//! `tls-cert generate --intermediate NAME`: an intermediate CA signed by `--ca`, limited by critical
//! name constraints to the names it may certify and by pathLenConstraint 0 to signing leaves, written
//! as a CA folder (`ca.pem` with its chain, `ca.key`) that `generate --ca`, `sign`, `revoke` and `ocsp`
//! use as they use the root's.

use std::process::ExitCode;

use tls_core::generate::CertificateAuthority;
use tls_core::x509;

use crate::generate::GenerateArgs;
use crate::{Stdout, files, refuse};

/// Makes the intermediate and writes it; refuses, writing nothing, when a file it would write exists
/// (without --force) or the parent cannot sign.
pub(crate) fn run(args: &GenerateArgs, name: &str) -> ExitCode {
    if name.trim().is_empty() {
        return refuse(&"--intermediate needs a name for the CA (its common name), such as \"Team CA\"");
    }
    let (Some(parent_cert), Some(parent_key)) = (&args.ca, &args.ca_key) else {
        return refuse(&"--intermediate is signed by the CA given with --ca FILE --ca-key FILE");
    };
    let parent = match CertificateAuthority::load(parent_cert, parent_key) {
        Ok(parent) => parent,
        Err(err) => return crate::fail(&err),
    };
    let days = args.ca_days.unwrap_or(args.days.max(tls_core::generate::LEAF_DAYS));
    let validity = match parent.within_its_dates(days) {
        Ok(validity) => validity,
        Err(err) => return crate::fail(&err),
    };
    let made = parent.constrained_intermediate(name, validity, &args.permit, args.key_type);
    let ca = match made {
        Ok(ca) => ca,
        Err(err) => return crate::fail(&err),
    };
    if let Some(file) = args.out.ancestors().find(|path| path.exists() && !path.is_dir()) {
        return refuse(&format!(
            "{} is a file, not a folder: give --out a folder",
            file.display()
        ));
    }
    let (cert_path, key_path) = (args.out.join("ca.pem"), args.out.join("ca.key"));
    let inputs = [
        ("the signing CA", parent_cert.as_path()),
        ("the signing CA's key", parent_key.as_path()),
    ];
    for written in [&cert_path, &key_path] {
        if let Err(why) = files::not_an_input(written, &inputs) {
            return refuse(&format!("{why} (an intermediate goes into a folder of its own)"));
        }
    }
    let existing: Vec<_> = [&cert_path, &key_path]
        .into_iter()
        .filter(|path| path.exists())
        .collect();
    if !args.force && !existing.is_empty() {
        let names: Vec<String> = existing.iter().map(|path| path.display().to_string()).collect();
        return refuse(&format!(
            "{} exist already: give another --out, or --force to replace exactly these",
            names.join(" and ")
        ));
    }
    // The intermediate, then every CA above it: the folder knows its chain and its root.
    let pem: String = std::iter::once(ca.issued.cert_pem.clone())
        .chain(ca.issuers.iter().map(tls_core::pem::certificate_pem))
        .collect();
    let written = std::fs::create_dir_all(&args.out)
        .map_err(|cause| tls_core::Error::Write {
            path: args.out.clone(),
            cause,
        })
        .map_err(tls_echo_cli::Error::from)
        .and_then(|()| files::write_secret(&key_path, ca.issued.key_pem.as_bytes(), true))
        .and_then(|()| files::write_one(&cert_path, &pem, true));
    if let Err(err) = written {
        eprintln!("error: {}", err.report());
        return ExitCode::from(err.exit_code());
    }
    tell(args, &ca);
    ExitCode::SUCCESS
}

fn tell(args: &GenerateArgs, ca: &CertificateAuthority) {
    let (cert_path, key_path) = (args.out.join("ca.pem"), args.out.join("ca.key"));
    let mut out = Stdout::default();
    out.line(&format!(
        "wrote {} (the intermediate, then the CAs above it)",
        cert_path.display()
    ));
    out.line(&format!("wrote {} (mode 0600)", key_path.display()));
    out.line(&format!(
        "intermediate CA: {}, signed by {}, valid until {}",
        x509::subject(&ca.issued.cert),
        x509::issuer(&ca.issued.cert),
        x509::validity(&ca.issued.cert).map(|(_, to)| to).unwrap_or_default()
    ));
    let permitted: Vec<String> = args.permit.iter().map(ToString::to_string).collect();
    out.line(&format!(
        "  may certify only: {} (name constraints, critical); no CA below it (pathLenConstraint 0)",
        permitted.join(", ")
    ));
    if let Some(root) = ca.root() {
        out.line(&format!("  clients must trust the root: {}", x509::subject(root)));
    }
    let dir = args.out.display();
    out.line(&format!(
        "issue from it: tls-cert generate --out SITE --ca {dir}/ca.pem --ca-key {dir}/ca.key --san NAME (the certificate files then hold it too); revoke: tls-cert revoke CERT --ca-dir {dir}"
    ));
}
