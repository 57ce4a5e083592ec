//! `tls-cert`: make, read and verify X.509 certificates. Parses flags and hands over to tls-core.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tls_core::client::{self, ClientOptions};
use tls_core::config::{Presenter, TlsOptions};
use tls_core::generate::{self, CertificateAuthority, KeyType, Pki, PkiRequest};
use tls_core::inspect::{self, Position};
use tls_core::pem;
use tls_core::session::SessionInfo;

/// Make, read and verify X.509 certificates.
#[derive(Debug, Parser)]
#[command(version, about, after_help = AFTER_HELP)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    extras: tls_echo_cli::Extras,
}

const AFTER_HELP: &str = "Examples:
  tls-cert generate --out mypki --client alice
  tls-cert inspect certs/server.pem
  tls-cert verify --ca certs/ca.pem --connect 127.0.0.1:7777

Exit codes: 0 done or valid; 1 invalid, or the operation failed; 2 bad usage or input that cannot be used.";

#[derive(Debug, Subcommand)]
enum Command {
    /// Make a CA (or use yours), a server certificate it signs, and client certificates
    #[command(after_help = "Examples:
  tls-cert generate --out mypki                      a new CA, and a server certificate for this machine
  tls-cert generate --out mypki --client bob         add a client certificate, signed by mypki/ca.pem
  tls-cert generate --out site --ca mypki/ca.pem --ca-key mypki/ca.key --san app.test

Exit codes: 0 done; 1 writing failed; 2 bad usage, a file that exists (see --force), or unusable input.")]
    Generate(GenerateArgs),
    /// Show every field of the certificates in PEM/DER files, or in the chain a server presents
    #[command(after_help = "Examples:
  tls-cert inspect certs/server.pem certs/ca.pem
  tls-cert inspect --connect example.test:443 --json
  openssl s_client -connect host:443 </dev/null 2>/dev/null | tls-cert inspect -

Exit codes: 0 done; 1 the server could not be reached; 2 bad usage or a file that cannot be read.")]
    Inspect(InspectArgs),
    /// Verify a certificate (chain) as a TLS client would, and say why it fails
    #[command(after_help = "Examples:
  tls-cert verify --ca certs/ca.pem certs/server.pem --server-name localhost
  tls-cert verify --ca certs/ca.pem --connect 127.0.0.1:7777
  tls-cert verify --ca certs/ca.pem certs/server.pem --at 2030-01-01

Exit codes: 0 valid; 1 invalid, or the server could not be reached; 2 bad usage or unreadable input.")]
    Verify(VerifyArgs),
}

#[derive(Debug, clap::Args)]
struct VerifyArgs {
    /// CA certificates to trust
    #[arg(long, value_name = "CA_FILE")]
    ca: PathBuf,
    /// The certificate, followed by its intermediates, PEM or DER
    #[arg(
        value_name = "CERT_FILE",
        required_unless_present = "connect",
        conflicts_with = "connect"
    )]
    cert: Option<PathBuf>,
    /// Verify the chain a TLS server presents instead of a file
    #[arg(long, value_name = "HOST:PORT", value_parser = address)]
    connect: Option<String>,
    /// The DNS name or IP address a client would connect to [default: the host of --connect, else the
    /// certificate's first SAN] (--name is an older spelling)
    #[arg(long, value_name = "HOST_OR_IP", alias = "name")]
    server_name: Option<String>,
    /// Verify as of this time instead of now, RFC 3339 (2030-01-01T00:00:00Z)
    #[arg(long, value_name = "RFC3339", value_parser = tls_core::verify::parse_time)]
    at: Option<tls_core::pki_types::UnixTime>,
}

#[derive(Debug, clap::Args)]
struct GenerateArgs {
    /// Folder to write into (made if missing)
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// A name for the server certificate: an IP address becomes an IP SAN, anything else a DNS SAN; the
    /// first is also its CN. Repeat for several [default: 127.0.0.1, ::1, localhost]
    #[arg(long = "san", value_name = "NAME")]
    sans: Vec<String>,
    /// Key type for every new key: ecdsa-p256, ecdsa-p384, ed25519, rsa2048, rsa3072, rsa4096
    #[arg(long, default_value = "ecdsa-p256", value_name = "TYPE")]
    key_type: KeyType,
    /// Lifetime of the server and client certificates, in days (825 is the most macOS and iOS accept)
    #[arg(long, default_value_t = generate::LEAF_DAYS, value_name = "N", value_parser = days)]
    days: u64,
    /// Lifetime of a new CA, in days [default: 3650]
    #[arg(long, value_name = "N", value_parser = days)]
    ca_days: Option<u64>,
    /// Also make a client certificate (clientAuth) with this name, written as NAME.pem and NAME.key
    #[arg(long = "client", value_name = "NAME")]
    clients: Vec<String>,
    /// Sign with this existing CA certificate instead of making a new CA
    #[arg(long, value_name = "FILE", requires = "ca_key")]
    ca: Option<PathBuf>,
    /// Private key of --ca
    #[arg(long, value_name = "FILE", requires = "ca")]
    ca_key: Option<PathBuf>,
    /// Common name of a new CA [default: "tls-echo demo CA", the date and a random suffix, so two PKIs
    /// never share a CA name]
    #[arg(long, value_name = "NAME", conflicts_with = "ca")]
    ca_name: Option<String>,
    /// Make a new CA even when DIR holds one already (then ca.pem and ca.key are written too)
    #[arg(long, conflicts_with = "ca")]
    new_ca: bool,
    /// Replace files that exist already, and only the ones this command writes
    #[arg(long)]
    force: bool,
}

#[derive(Debug, clap::Args)]
struct InspectArgs {
    /// Certificate files, PEM (chains too) or DER
    #[arg(value_name = "FILE", required_unless_present = "connect", conflicts_with = "connect")]
    files: Vec<PathBuf>,
    /// Fetch the chain a TLS server presents, without trusting it
    #[arg(long, value_name = "HOST:PORT", value_parser = address)]
    connect: Option<String>,
    /// Name to send as SNI with --connect [default: the host of --connect]
    #[arg(long, value_name = "NAME", requires = "connect")]
    server_name: Option<String>,
    /// One JSON object per certificate, one per line, instead of text
    #[arg(long)]
    json: bool,
}

/// Exit codes: 0 done (or valid), 1 invalid, 2 bad usage or unreadable input.
const INVALID: u8 = 1;
const UNREADABLE: u8 = 2;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    let mut command = <Args as clap::CommandFactory>::command();
    if let Some(code) = args.extras.handle(command.clone()) {
        return code;
    }
    match args.command {
        Some(Command::Generate(args)) => run_generate(&args),
        Some(Command::Inspect(args)) => run_inspect(args).await,
        Some(Command::Verify(args)) => run_verify(&args).await,
        None => {
            let _ = command.write_help(&mut std::io::stderr());
            ExitCode::from(UNREADABLE)
        }
    }
}

/// A `HOST:PORT` to connect to, checked as echo-client checks `--connect`.
fn address(text: &str) -> Result<String, String> {
    tls_core::args::connect_address(text).map(|_| text.to_owned())
}

/// A number of days from 1 to [`generate::MAX_DAYS`].
fn days(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(0) => Err("a certificate valid for 0 days has expired before it is used; give 1 or more".into()),
        Ok(n) if n > generate::MAX_DAYS => Err(format!(
            "{n} days is more than {} (100 years); give fewer",
            generate::MAX_DAYS
        )),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("{text:?} is not a whole number of days")),
    }
}

/// Says what failed and gives its exit code: 2 for input that cannot be used, 1 for an operation that
/// failed (a server that cannot be reached, say).
fn fail(err: &tls_core::Error) -> ExitCode {
    eprintln!("error: {err}");
    ExitCode::from(err.exit_code())
}

/// Says why the input cannot be used; exit code 2.
fn refuse(why: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("error: {why}");
    ExitCode::from(UNREADABLE)
}

async fn run_verify(args: &VerifyArgs) -> ExitCode {
    let (source, chain, name, presenter) = match (&args.cert, &args.connect) {
        (Some(path), _) => (
            path.display().to_string(),
            pem::load_cert_chain(path),
            args.server_name.clone(),
            Presenter::File,
        ),
        (None, Some(addr)) => {
            let server_name = match &args.server_name {
                Some(name) => client::parse_server_name(name),
                None => client::server_name_for(addr),
            };
            let name = server_name.as_ref().ok().map(|name| name.to_str().into_owned());
            let fetched = match server_name {
                Ok(server_name) => {
                    client::fetch_chain(addr, server_name, &TlsOptions::default(), ClientOptions::default())
                        .await
                        .map(|(chain, _)| chain)
                }
                Err(err) => Err(err),
            };
            (addr.clone(), fetched, name, Presenter::Server)
        }
        (None, None) => return refuse(&"give CERT_FILE or --connect HOST:PORT"),
    };
    let loaded = pem::load_ca_certs(&args.ca).and_then(|ca| Ok((ca, chain?)));
    let verdict =
        loaded.and_then(|(ca, chain)| tls_core::verify::verify(&ca, &chain, name.as_deref(), args.at, presenter));
    let mut out = Stdout::default();
    match verdict {
        Err(err) => fail(&err),
        Ok(Ok(verified)) => {
            let name = if verified.name_given {
                verified.name.clone()
            } else {
                format!(
                    "{} (its first name; give --server-name to check another)",
                    verified.name
                )
            };
            out.line(&format!("valid: {source} for {name}"));
            out.line(&format!(
                "  chain: {} -> trusted CA from {}",
                verified.chain.join(" -> "),
                args.ca.display()
            ));
            out.line(&format!("  expires: {}", verified.not_after));
            ExitCode::SUCCESS
        }
        Ok(Err(invalid)) => {
            out.line(&format!("invalid: {source}: {invalid}"));
            ExitCode::from(INVALID)
        }
    }
}

fn run_generate(args: &GenerateArgs) -> ExitCode {
    // An existing PKI in --out is added to, not replaced: its CA signs the new certificates, and only
    // the files asked for are written.
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
        return refuse(&format_args!(
            "{} is here but {} is missing, so the CA cannot sign: give the CA with --ca FILE --ca-key FILE, or use a new folder",
            here.display(),
            missing.display()
        ));
    }
    if args.out.exists() && !args.out.is_dir() {
        return refuse(&format_args!(
            "{} is a file, not a folder: give --out a folder",
            args.out.display()
        ));
    }
    // Settings of a new CA, while an existing one signs: refused, with a way that overwrites nothing.
    let new_ca_flag = match (&args.ca_name, args.ca_days) {
        (Some(_), _) => Some("--ca-name"),
        (None, Some(_)) => Some("--ca-days"),
        (None, None) => None,
    };
    if let (Some(flag), Some((cert, _))) = (new_ca_flag, &ca_files) {
        return refuse(&format_args!(
            "{flag} is for a new CA, but the CA in {} signs what is made here; for a PKI with a new CA, give a new folder: tls-cert generate --out NEW_DIR {flag} ...",
            cert.display()
        ));
    }
    // A folder with its CA and server certificate, asked for nothing new: nothing to make.
    let complete = ca_files.is_some() && args.ca.is_none() && args.out.join("server.pem").exists();
    if complete && args.clients.is_empty() && args.sans.is_empty() && !args.force {
        return refuse(&format_args!(
            "{} already has a CA and a server certificate: nothing to make (--client NAME adds a client, --san NAME makes the server certificate again)",
            args.out.display()
        ));
    }
    // Certificates in --out signed by a CA that --new-ca is about to replace: said after writing.
    let orphans = if args.new_ca && args.force {
        signed_by_the_ca_in(&args.out)
    } else {
        Vec::new()
    };
    let adding_clients = !args.clients.is_empty() && args.sans.is_empty();
    let request = PkiRequest {
        names: if args.sans.is_empty() {
            generate::DEMO_SERVER_NAMES.iter().map(|n| (*n).to_owned()).collect()
        } else {
            args.sans.clone()
        },
        key_type: args.key_type,
        leaf_days: args.days,
        ca_days: args.ca_days.unwrap_or(generate::CA_DAYS),
        ca_name: args.ca_name.clone().unwrap_or_else(unique_ca_name),
        clients: args.clients.clone(),
        // `--client NAME` alone adds a client to a PKI that has its server certificate already.
        server: !(adding_clients && ca_files.is_some() && args.out.join("server.pem").exists()),
    };
    let pki = match &ca_files {
        Some((cert, key)) => CertificateAuthority::load(cert, key).and_then(|ca| Pki::with_ca(ca, &request)),
        None => Pki::new(&request),
    };
    let written = pki.and_then(|pki| pki.write(&args.out, args.force).map(|files| (pki, files)));
    let (pki, files) = match written {
        Ok(done) => done,
        Err(err) => return fail(&err),
    };
    let mut out = Stdout::default();
    if let (Some((cert, key)), None) = (&ca_files, &args.ca) {
        out.line(&format!(
            "using the CA already in {} (its key {}); --new-ca makes another",
            cert.display(),
            key.display()
        ));
    }
    for file in &files {
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
    let dir = args.out.display();
    if let Some(server) = &pki.server {
        describe(&mut out, "server", &server.cert);
        out.line(&format!("  names: {}", request.names.join(", ")));
        out.line(&format!(
            "serve it:  echo-server --cert {dir}/server.pem --key {dir}/server.key"
        ));
    }
    for (name, client) in &pki.clients {
        describe(&mut out, &format!("client {name}"), &client.cert);
    }
    if pki.ca_is_new {
        out.line(&format!(
            "trust it:  echo-client --ca {dir}/ca.pem   (the CA key {dir}/ca.key signs anything: keep it private)"
        ));
    }
    for orphan in orphans.iter().filter(|path| !files.contains(path)) {
        eprintln!(
            "warning: {} was signed by the CA just replaced, and no longer chains to {dir}/ca.pem: make it again with --client",
            orphan.display()
        );
    }
    ExitCode::SUCCESS
}

/// The certificate files in `dir` (other than the CA's own) that the CA in `dir/ca.pem` signed.
fn signed_by_the_ca_in(dir: &std::path::Path) -> Vec<PathBuf> {
    let Ok(ca) = pem::load_ca_certs(&dir.join("ca.pem")) else {
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
                .is_some_and(|leaf| ca.iter().any(|ca| tls_core::certinfo::issued(ca, &leaf)))
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
    let today = tls_core::certinfo::unix_to_rfc3339(
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

/// One certificate with where it came from, as printed.
#[derive(serde::Serialize)]
struct Inspected<'a> {
    source: &'a str,
    index: usize,
    #[serde(flatten)]
    info: &'a inspect::CertificateInfo,
    #[serde(skip_serializing_if = "Option::is_none")]
    tls: Option<&'a SessionInfo>,
}

async fn run_inspect(args: InspectArgs) -> ExitCode {
    if args.server_name.is_some() && args.connect.is_none() {
        return refuse(
            &"--server-name goes with --connect (it is the name sent to the server); a file's certificates are read as they are",
        );
    }
    let sources: Vec<(String, Result<_, tls_core::Error>, Option<SessionInfo>)> = match &args.connect {
        Some(addr) => {
            let name = match &args.server_name {
                Some(name) => client::parse_server_name(name),
                None => client::server_name_for(addr),
            };
            let fetched = match name {
                Ok(name) => client::fetch_chain(addr, name, &TlsOptions::default(), ClientOptions::default()).await,
                Err(err) => Err(err),
            };
            match fetched {
                Ok((chain, session)) => vec![(addr.clone(), Ok(chain), Some(session))],
                Err(err) => return fail(&err),
            }
        }
        None => args
            .files
            .iter()
            .map(|path| (path.display().to_string(), pem::load_cert_chain(path), None))
            .collect(),
    };
    let mut code = ExitCode::SUCCESS;
    let mut out = Stdout::default();
    for (source, chain, session) in &sources {
        let chain = match chain {
            Ok(chain) => chain,
            Err(err) => {
                code = fail(err);
                continue;
            }
        };
        if let (Some(session), false) = (session, args.json) {
            out.line(&format!("# {source}: {session}\n"));
        }
        for (index, der) in chain.iter().enumerate() {
            let position = match (chain.len(), index) {
                (1, _) => Position::Alone,
                (_, 0) => Position::Leaf,
                _ => Position::Issuer,
            };
            let info = match inspect::inspect(der, position) {
                Ok(info) => info,
                Err(err) => {
                    code = refuse(&format_args!("{source}: certificate #{}: {err}", index + 1));
                    continue;
                }
            };
            if args.json {
                let record = Inspected {
                    source,
                    index,
                    info: &info,
                    tls: session.as_ref(),
                };
                match serde_json::to_string(&record) {
                    Ok(line) => out.line(&line),
                    Err(err) => code = refuse(&err),
                }
            } else {
                if chain.len() > 1 || sources.len() > 1 {
                    out.line(&format!("# {source}: certificate {} of {}", index + 1, chain.len()));
                }
                out.line(&info.to_string());
            }
            if out.closed {
                return code;
            }
        }
    }
    code
}

/// Standard output that stops quietly when the reader goes away (`tls-cert inspect ... | head`).
#[derive(Default)]
struct Stdout {
    closed: bool,
}

impl Stdout {
    fn line(&mut self, text: &str) {
        use std::io::Write as _;
        if self.closed {
            return;
        }
        let mut out = std::io::stdout().lock();
        match writeln!(out, "{text}").and_then(|()| out.flush()) {
            Ok(()) => {}
            // The reader went away (`| head`): stop quietly.
            Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => self.closed = true,
            // A full disk or another failure loses output: that is an error.
            Err(err) => {
                eprintln!("error: cannot write to standard output: {err}");
                std::process::exit(1);
            }
        }
    }
}
