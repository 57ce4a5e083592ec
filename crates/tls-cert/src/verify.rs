//! `tls-cert verify`: a certificate file, or the chain a server presents, verified as a TLS client
//! would, with the reason in words when it fails.

use std::path::PathBuf;
use std::process::ExitCode;

use tls_core::Presenter;
use tls_core::client::{self, ClientOptions};
use tls_core::config::TlsOptions;
use tls_core::verify::{Invalid, Verified};

use crate::{INVALID, Stdout, UNREADABLE, address};

#[derive(Debug, clap::Args)]
pub(crate) struct VerifyArgs {
    /// CA certificates to trust
    #[arg(long, value_name = "CA_FILE")]
    pub(crate) ca: PathBuf,
    /// The certificate, followed by its intermediates, PEM or DER
    #[arg(
        value_name = "CERT_FILE",
        required_unless_present = "connect",
        conflicts_with = "connect"
    )]
    pub(crate) cert: Option<PathBuf>,
    /// Verify the chain a TLS server presents instead of a file
    #[arg(long, value_name = "HOST:PORT", value_parser = address)]
    pub(crate) connect: Option<String>,
    /// The DNS name or IP address a client would connect to [default: the host of --connect, else the
    /// certificate's first SAN] (--name is an older spelling)
    #[arg(long, value_name = "HOST_OR_IP", alias = "name")]
    pub(crate) server_name: Option<String>,
    /// Check the certificate against this CRL (PEM or DER; its issuer's CRL is then required, and one
    /// past its next update is refused); repeat for several files
    #[arg(long, value_name = "CRL_FILE")]
    pub(crate) crl: Vec<PathBuf>,
    /// Verify as of this time instead of now, RFC 3339 (2030-01-01T00:00:00Z)
    #[arg(long, value_name = "RFC3339", value_parser = tls_core::verify::parse_time)]
    pub(crate) at: Option<tls_core::pki_types::UnixTime>,
    /// Limit on each phase of --connect: connect, handshake, the server's goodbye [default: 10]
    #[arg(long, value_name = "SECS", requires = "connect", value_parser = tls_echo_cli::values::positive_seconds)]
    pub(crate) timeout: Option<std::time::Duration>,
    /// Check the certificate as a server's (for a name) or as a client's (as echo-server --client-ca
    /// does: the chain, the dates, clientAuth; no name)
    #[arg(long, value_enum, default_value_t = Purpose::Server, conflicts_with = "connect")]
    pub(crate) purpose: Purpose,
    /// One JSON object on standard output: the verdict, and for a refusal its facts (the certificate
    /// at fault by its place in the chain, the reason and what shows it)
    #[arg(long)]
    pub(crate) json: bool,
}

/// Whose certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Purpose {
    /// A TLS server's, for the name a client connects to.
    Server,
    /// A TLS client's, for mutual TLS.
    Client,
}

pub(crate) async fn run(args: &VerifyArgs) -> ExitCode {
    if args.timeout.is_some() && args.connect.is_none() {
        return unusable(
            args,
            "--timeout goes with --connect (it bounds the connection); a file is read at once".into(),
            UNREADABLE,
        );
    }
    if args.purpose == Purpose::Client && args.server_name.is_some() {
        return unusable(
            args,
            "--server-name is for --purpose server: a client certificate is checked for no name".into(),
            UNREADABLE,
        );
    }
    let (source, chain, name, presenter) = match (&args.cert, &args.connect) {
        (Some(path), _) => (
            path.display().to_string(),
            tls_echo_cli::input::load_cert_chain(path).map(|chain| (chain, Vec::new())),
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
                Ok(server_name) => client::fetch_chain(
                    addr,
                    server_name,
                    &TlsOptions::default(),
                    args.timeout.map_or_else(ClientOptions::default, ClientOptions::each),
                )
                .await
                .map(|fetched| (fetched.chain, fetched.staple.unwrap_or_default())),
                Err(err) => Err(err),
            };
            (addr.clone(), fetched, name, Presenter::Server)
        }
        (None, None) => return unusable(args, "give CERT_FILE or --connect HOST:PORT".into(), UNREADABLE),
    };
    let loaded = tls_echo_cli::input::load_ca_certs(&args.ca)
        .and_then(|ca| Ok((ca, tls_echo_cli::input::load_crl_files(&args.crl)?, chain?)));
    // A server's stapled OCSP response is checked as a client checks it; a file has none.
    let verdict = loaded.and_then(|(ca, crls, (chain, staple))| match args.purpose {
        Purpose::Server => {
            tls_core::verify::verify_served(&ca, (&chain, &staple), name.as_deref(), args.at, presenter, &crls)
        }
        Purpose::Client => tls_core::verify::verify_client(&ca, &chain, args.at, &crls),
    });
    match verdict {
        Err(err) => unusable(
            args,
            err.report_with(tls_echo_cli::advice).to_string(),
            tls_echo_cli::exit_code(&err),
        ),
        Ok(verdict) if args.json => json(args, &source, &verdict),
        Ok(verdict) => text(args, &source, verdict),
    }
}

/// Input that cannot be checked: said on standard error, and with `--json` as one JSON object too
/// (`valid` null, `error`), so a script reading standard output always gets one.
fn unusable(args: &VerifyArgs, message: String, code: u8) -> ExitCode {
    if args.json {
        Stdout::default().line(&serde_json::json!({"valid": null, "error": message}).to_string());
    }
    eprintln!("error: {message}");
    ExitCode::from(code)
}

/// The verdict as one JSON object: `valid`, and the chain checked or the refusal with its facts.
fn json(args: &VerifyArgs, source: &str, verdict: &Result<Verified, Invalid>) -> ExitCode {
    let purpose = match args.purpose {
        Purpose::Server => "server",
        Purpose::Client => "client",
    };
    let (value, code) = match verdict {
        Ok(verified) => (
            serde_json::json!({
                "valid": true,
                "source": source,
                "purpose": purpose,
                "name": (args.purpose == Purpose::Server).then_some(&verified.name),
                "name_given": verified.name_given,
                "chain": verified.chain,
                "trusted_ca": verified.trusted,
                "trusted_ca_file": args.ca.display().to_string(),
                "not_after": verified.not_after,
                "ends_with": verified.ends_with,
                "notes": verified.notes,
            }),
            ExitCode::SUCCESS,
        ),
        Err(invalid) => (
            serde_json::json!({
                "valid": false,
                "source": source,
                "purpose": purpose,
                "sentence": invalid.said_with(tls_echo_cli::advice),
                "refusal": invalid.refusal,
            }),
            ExitCode::from(INVALID),
        ),
    };
    Stdout::default().line(&value.to_string());
    code
}

/// When the chain stops verifying, and which certificate ends it when it is not the first.
fn expires(verified: &Verified) -> String {
    match &verified.ends_with {
        Some(intermediate) => format!(
            "{}, when the intermediate {intermediate} does (before the certificate itself)",
            verified.not_after
        ),
        None => verified.not_after.clone(),
    }
}

/// The path checked, up to the trusted CA: `CN=leaf -> CN=Inter -> CN=Root (trusted, from ca.pem)`.
fn path_line(verified: &Verified, ca_file: &std::path::Path) -> String {
    let mut path = verified.chain.clone();
    let from = format!("(trusted, from {})", ca_file.display());
    path.push(verified.trusted.clone().unwrap_or_else(|| "a trusted CA".to_owned()));
    format!("{} {from}", path.join(" -> "))
}

/// The verdict as lines: `valid: ...` with the chain, or `invalid: ...` and why.
fn text(args: &VerifyArgs, source: &str, verdict: Result<Verified, Invalid>) -> ExitCode {
    let mut out = Stdout::default();
    match verdict {
        Ok(verified) => {
            let checked = match (&args.purpose, verified.name_given) {
                (Purpose::Client, _) => format!("as a client certificate ({})", verified.name),
                (Purpose::Server, true) => format!("for {}", verified.name),
                // A wildcard is checked with one name it stands for.
                (Purpose::Server, false) if verified.name.starts_with("wildcard.") => format!(
                    "for {} (a name its first, *.{}, stands for; give --server-name to check another)",
                    verified.name,
                    &verified.name["wildcard.".len()..]
                ),
                (Purpose::Server, false) => format!(
                    "for {} (its first name; give --server-name to check another)",
                    verified.name
                ),
            };
            out.line(&format!("valid: {source} {checked}"));
            out.line(&format!("  chain: {}", path_line(&verified, &args.ca)));
            out.line(&format!("  expires: {}", expires(&verified)));
            for note in &verified.notes {
                out.line(&format!("  note: {note}"));
            }
            ExitCode::SUCCESS
        }
        Err(invalid) => {
            out.line(&format!(
                "invalid: {source}: {}",
                invalid.said_with(tls_echo_cli::advice)
            ));
            ExitCode::from(INVALID)
        }
    }
}
