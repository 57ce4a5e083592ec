//! `tls-cert generate`: a CA (or the one given, or the one already in --out), a server certificate and
//! client certificates, written as files by [`crate::files`].

use std::path::PathBuf;
use std::process::ExitCode;

use tls_core::generate::{self, CertificateAuthority, KeyType, Pki, PkiRequest};
use tls_core::inspect::{self, Position};
use tls_core::pem;

use crate::{Stdout, files, refuse};

#[derive(Debug, clap::Args)]
pub(crate) struct GenerateArgs {
    /// Folder to write into (made if missing)
    #[arg(long, value_name = "DIR")]
    pub(crate) out: PathBuf,
    /// A name for the server certificate: an IP address becomes an IP SAN, anything else a DNS SAN; the
    /// first is also its CN. Repeat for several [default: 127.0.0.1, ::1, localhost]
    #[arg(long = "san", value_name = "NAME")]
    pub(crate) sans: Vec<String>,
    /// Key type for every new key: ecdsa-p256, ecdsa-p384, ed25519, rsa2048, rsa3072, rsa4096
    #[arg(long, default_value = "ecdsa-p256", value_name = "TYPE")]
    pub(crate) key_type: KeyType,
    /// Lifetime of the server and client certificates, in days (825 is the most macOS and iOS accept)
    #[arg(long, default_value_t = generate::LEAF_DAYS, value_name = "N", value_parser = days)]
    pub(crate) days: u64,
    /// Lifetime of a new CA, in days [default: 3650]
    #[arg(long, value_name = "N", value_parser = days)]
    pub(crate) ca_days: Option<u64>,
    /// Also make a client certificate (clientAuth) with this name, written as NAME.pem and NAME.key
    #[arg(long = "client", value_name = "NAME")]
    pub(crate) clients: Vec<String>,
    /// Sign with this existing CA certificate instead of making a new CA
    #[arg(long, value_name = "FILE", requires = "ca_key")]
    pub(crate) ca: Option<PathBuf>,
    /// Private key of --ca
    #[arg(long, value_name = "FILE", requires = "ca")]
    pub(crate) ca_key: Option<PathBuf>,
    /// Common name of a new CA [default: "tls-echo demo CA", the date and a random suffix, so two PKIs
    /// never share a CA name]
    #[arg(long, value_name = "NAME", conflicts_with = "ca")]
    pub(crate) ca_name: Option<String>,
    /// Make a new CA even when DIR holds one already (then ca.pem and ca.key are written too)
    #[arg(long, conflicts_with = "ca")]
    pub(crate) new_ca: bool,
    /// Replace files that exist already, and only the ones this command writes
    #[arg(long)]
    pub(crate) force: bool,
    /// Make an intermediate CA named NAME instead, signed by --ca, into --out (ca.pem, ca.key): a CA
    /// folder that signs, revokes and answers OCSP like the root's, limited to the --permit names
    #[arg(long, value_name = "NAME", requires_all = ["ca", "permit"], conflicts_with_all = ["clients", "sans", "new_ca", "ca_name"])]
    pub(crate) intermediate: Option<String>,
    /// A name the --intermediate may certify (repeat): a domain with every name below it
    /// (example.test), an IP address, or a range (10.0.0.0/8); written as critical name constraints
    #[arg(long, value_name = "NAME", requires = "intermediate")]
    pub(crate) permit: Vec<generate::Permitted>,
    /// The CA's OCSP responder, written into each certificate (authority information access), as
    /// tls-cert ocsp-responder serves it: http://HOST:PORT/
    #[arg(long, value_name = "URL", value_parser = url)]
    pub(crate) ocsp_url: Option<String>,
    /// Where the CA's CRL is published, written into each certificate (CRL distribution points)
    #[arg(long, value_name = "URL", value_parser = url)]
    pub(crate) crl_url: Option<String>,
}

/// A number of days from 1 to [`generate::MAX_DAYS`].
/// An http:// or https:// URL to write into certificates: printable ASCII (IA5String), no spaces.
pub(crate) fn url(text: &str) -> Result<String, String> {
    let rest = text
        .strip_prefix("http://")
        .or_else(|| text.strip_prefix("https://"))
        .ok_or_else(|| format!("{text:?} is not an http:// or https:// URL (clients fetch OCSP and CRLs over HTTP)"))?;
    if rest.is_empty() || !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(format!(
            "{text:?} is not a URL a certificate can carry: give a host after http://, in printable ASCII without spaces"
        ));
    }
    Ok(text.to_owned())
}

pub(crate) fn days(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(0) => Err("a certificate valid for 0 days has expired before it is used; give 1 or more".into()),
        Ok(n) if n > generate::MAX_DAYS => Err(format!(
            "{n} days is more than {} (100 years); give fewer",
            generate::MAX_DAYS
        )),
        Ok(n) => Ok(n),
        Err(_) if text.trim().starts_with('-') => {
            Err(format!("{text:?} days is negative: a certificate needs 1 day or more"))
        }
        Err(_) => Err(format!("{text:?} is not a whole number of days")),
    }
}

pub(crate) fn run(args: &GenerateArgs) -> ExitCode {
    if let Some(name) = &args.intermediate {
        return crate::intermediate::run(args, name);
    }
    let ca_files = match signing_ca(args) {
        Ok(files) => files,
        Err(why) => return refuse(&why),
    };
    // Certificates in --out signed by a CA that --new-ca is about to replace: said after writing.
    let orphans = if args.new_ca && args.force {
        signed_by_the_ca_in(&args.out)
    } else {
        Vec::new()
    };
    let request = pki_request(args, ca_files.is_some());
    let pki = match &ca_files {
        Some((cert, key)) => CertificateAuthority::load(cert, key).and_then(|ca| Pki::with_ca(ca, &request)),
        None => Pki::new(&request),
    };
    let written = pki
        .map_err(tls_echo_cli::Error::from)
        .and_then(|pki| files::write_pki(&pki, &args.out, args.force).map(|files| (pki, files)));
    let (pki, files) = match written {
        Ok(done) => done,
        Err(err) => {
            eprintln!("error: {}", err.report());
            return ExitCode::from(err.exit_code());
        }
    };
    tell(args, &request, &pki, &files, ca_files.as_ref());
    for orphan in orphans.iter().filter(|path| !files.contains(path)) {
        eprintln!(
            "warning: {} was signed by the CA just replaced, and no longer chains to {}/ca.pem: make it again with --client",
            orphan.display(),
            args.out.display()
        );
    }
    ExitCode::SUCCESS
}

/// The CA that signs (certificate and key files): the one given, or the one already in --out unless
/// --new-ca; `None` for a new CA. An existing PKI in --out is added to, not replaced: its CA signs the
/// new certificates, and only the files asked for are written.
///
/// # Errors
/// Why the request cannot be met, in words with a way out that overwrites nothing.
fn signing_ca(args: &GenerateArgs) -> Result<Option<(PathBuf, PathBuf)>, String> {
    let (in_out_ca, in_out_key) = (args.out.join("ca.pem"), args.out.join("ca.key"));
    let ca_files = match (&args.ca, &args.ca_key) {
        (Some(cert), Some(key)) => Some((cert.clone(), key.clone())),
        _ if !args.new_ca && in_out_ca.is_file() && in_out_key.is_file() => {
            Some((in_out_ca.clone(), in_out_key.clone()))
        }
        _ => None,
    };
    if args.ca.is_none() && !args.new_ca && in_out_ca.is_file() != in_out_key.is_file() {
        let (here, missing) = if in_out_ca.is_file() {
            (&in_out_ca, &in_out_key)
        } else {
            (&in_out_key, &in_out_ca)
        };
        return Err(format!(
            "{} is here but {} is missing, so the CA cannot sign: give the CA with --ca FILE --ca-key FILE, or use a new folder",
            here.display(),
            missing.display()
        ));
    }
    // --out itself, or a folder on the way to it, that is a file (`--out notes.txt/pki`).
    if let Some(file) = args.out.ancestors().find(|path| path.exists() && !path.is_dir()) {
        return Err(format!(
            "{} is a file, not a folder: give --out a folder",
            file.display()
        ));
    }
    // Settings of a new CA, while an existing one signs: refused, with a way that overwrites nothing.
    let new_ca_flag = match (&args.ca_name, args.ca_days) {
        (Some(_), _) => Some("--ca-name"),
        (None, Some(_)) => Some("--ca-days"),
        (None, None) => None,
    };
    if let (Some(flag), Some((cert, _))) = (new_ca_flag, &ca_files) {
        return Err(format!(
            "{flag} is for a new CA, but the CA in {} signs what is made here; for a PKI with a new CA, give a new folder: tls-cert generate --out NEW_DIR {flag} ...",
            cert.display()
        ));
    }
    // A folder with its CA and server certificate, asked for nothing new: nothing to make.
    let complete = ca_files.is_some() && args.ca.is_none() && args.out.join("server.pem").exists();
    if complete && args.clients.is_empty() && args.sans.is_empty() && !args.force {
        return Err(format!(
            "{} already has a CA and a server certificate: nothing to make (--client NAME adds a client, --san NAME makes the server certificate again)",
            args.out.display()
        ));
    }
    Ok(ca_files)
}

/// What to make, from the flags; `existing_ca` when a CA signs that is not made now.
fn pki_request(args: &GenerateArgs, existing_ca: bool) -> PkiRequest {
    let adding_clients = !args.clients.is_empty() && args.sans.is_empty();
    PkiRequest {
        names: if args.sans.is_empty() {
            generate::LOCAL_NAMES.iter().map(|n| (*n).to_owned()).collect()
        } else {
            args.sans.clone()
        },
        key_type: args.key_type,
        leaf_days: args.days,
        ca_days: args.ca_days.unwrap_or(generate::CA_DAYS),
        ca_name: args.ca_name.clone().unwrap_or_else(unique_ca_name),
        clients: args.clients.clone(),
        published: generate::Published {
            ocsp_url: args.ocsp_url.clone(),
            crl_url: args.crl_url.clone(),
        },
        // `--client NAME` alone adds a client to a PKI that has its server certificate already.
        server: !(adding_clients && existing_ca && args.out.join("server.pem").exists()),
    }
}

/// Says what was written and made, and the commands that serve and trust it.
fn tell(
    args: &GenerateArgs,
    request: &PkiRequest,
    pki: &Pki,
    files: &[PathBuf],
    ca_files: Option<&(PathBuf, PathBuf)>,
) {
    let mut out = Stdout::default();
    if let (Some((cert, key)), None) = (ca_files, &args.ca) {
        out.line(&format!(
            "using the CA already in {} (its key {}); --new-ca makes another",
            cert.display(),
            key.display()
        ));
    }
    for file in files {
        out.line(&format!("wrote {}", file.display()));
    }
    let describe = |out: &mut Stdout, label: &str, der| match inspect::inspect(der, Position::Alone) {
        Ok(info) => {
            out.line(&format!(
                "{label}: {} ({}), valid until {}",
                info.subject, info.public_key, info.not_after
            ));
            out.line(&format!("  sha256 fingerprint: {}", info.fingerprint_sha256));
            out.line(&format!("  pin-sha256: {}", info.pin_sha256));
        }
        Err(err) => out.line(&format!("{label}: {err}")),
    };
    describe(
        &mut out,
        if pki.ca_is_new { "new CA" } else { "signed by CA" },
        &pki.ca.issued.cert,
    );
    // Commands a user pastes as they are: paths quoted for the shell where they need it.
    let file = |name: &str| shell_word(&args.out.join(name));
    if let Some(server) = &pki.server {
        describe(&mut out, "server", &server.cert);
        out.line(&format!("  names: {}", request.names.join(", ")));
        // With the CA named, the page the server shows browsers offers it at /ca.pem, as it links to.
        let ca_cert = ca_files.map_or_else(|| file("ca.pem"), |(cert, _)| shell_word(cert));
        // The page offers the CA to trust, which for an intermediate is its root, in another file.
        let serve_ca = if pki.ca.is_root() {
            format!(" --serve-ca {ca_cert}")
        } else {
            " --serve-ca ROOT_FILE".to_owned()
        };
        out.line(&format!(
            "serve it:  echo-server --cert {} --key {}{serve_ca}",
            file("server.pem"),
            file("server.key")
        ));
    }
    for (name, client) in &pki.clients {
        describe(&mut out, &format!("client {name}"), &client.cert);
    }
    chain(&mut out, pki, ca_files);
    if pki.ca_is_new {
        // The client connects to 127.0.0.1 unless told otherwise, and checks that name unless given
        // another: a certificate without it is checked as its first name.
        let server_name = match request.names.first() {
            Some(first) if pki.server.is_some() && !request.names.iter().any(|n| n == "127.0.0.1") => {
                format!(" --server-name {}", shell_word(std::path::Path::new(first)))
            }
            _ => String::new(),
        };
        out.line(&format!("trust it:  echo-client --ca {}{server_name}", file("ca.pem")));
        out.line(&format!(
            "  (the CA key {} signs anything: keep it private)",
            args.out.join("ca.key").display()
        ));
    }
}

/// When the CA is not a root: what the certificate files hold after their own certificate, and the
/// root clients must trust.
fn chain(out: &mut Stdout, pki: &Pki, ca_files: Option<&(PathBuf, PathBuf)>) {
    let sent = pki.ca.chain_to_send();
    if sent.is_empty() {
        return;
    }
    let names: Vec<String> = sent.iter().map(tls_core::x509::subject).collect();
    out.line(&format!(
        "chain: each certificate file holds its certificate, then {} (the CA's chain up to its root), as servers must send it",
        names.join(", then ")
    ));
    let ca_file = ca_files.map_or_else(String::new, |(cert, _)| cert.display().to_string());
    match pki.ca.root() {
        Some(root) => out.line(&format!(
            "clients must trust the root {} (the last certificate of {ca_file})",
            tls_core::x509::subject(root)
        )),
        None => out.line(&format!(
            "clients must trust the root that issued {}: {ca_file} does not hold it",
            sent.last().map(tls_core::x509::subject).unwrap_or_default()
        )),
    }
}

/// `path` as one shell word: as it is when it holds only characters no shell treats specially, else
/// in single quotes (a quote inside written as '\'').
pub(crate) fn shell_word(path: &std::path::Path) -> String {
    let text = path.display().to_string();
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./:@%+=,-".contains(c));
    if plain {
        text
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// The certificate files in `dir` (other than the CA's own) that the CA in `dir/ca.pem` signed.
fn signed_by_the_ca_in(dir: &std::path::Path) -> Vec<PathBuf> {
    let Ok(ca) = pem::load_ca_certs(dir.join("ca.pem")) else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut signed: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "pem") && !path.ends_with("ca.pem"))
        .filter(|path| {
            pem::load_cert_chain(path)
                .ok()
                .and_then(|chain| chain.first().cloned())
                .is_some_and(|leaf| ca.iter().any(|ca| tls_core::x509::issued(ca, &leaf)))
        })
        .collect();
    signed.sort();
    signed
}

/// A CA name no other PKI made here shares (two CAs of one name confuse every client that trusts one
/// of them): the date and six random hex digits.
fn unique_ca_name() -> String {
    use std::hash::{BuildHasher as _, Hasher as _};
    // std's hasher keys are random per process: enough to tell two PKIs apart, with no new dependency.
    let random = std::collections::hash_map::RandomState::new().build_hasher().finish();
    let today = tls_core::x509::unix_to_rfc3339(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64),
    );
    format!(
        "tls-echo demo CA {} {:06x}",
        &today[..10.min(today.len())],
        random & 0xff_ffff
    )
}
