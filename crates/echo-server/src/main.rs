//! `echo-server`: a TLS echo server. Parses flags, sets up logging, and hands over to tls-core.

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use tls_core::config::{self, TlsOptions};
use tls_core::pki_types::CertificateDer;
use tls_core::revocation::Crls;
use tls_core::rustls::ServerConfig;
use tls_core::server::ServerOptions;
use tls_core::{CertStore, HostPort, scenario};

mod certificates;
mod gallery;
mod json_log;
mod reload;
mod serving;
mod signals;

/// TLS echo server: echoes every byte back until an empty line or the end of the stream.
#[derive(Debug, Parser)]
#[command(version, about, allow_negative_numbers = true, after_help = AFTER_HELP)]
#[command(group(clap::ArgGroup::new("made").args(["scenario", "gallery"])))]
struct Args {
    #[command(flatten)]
    extras: tls_echo_cli::Extras,
    /// Address to listen on, HOST:PORT (port 0 picks a free port; the real one is printed; 0.0.0.0 or
    /// `[::]` for every address)
    #[arg(long, default_value = "127.0.0.1:7777", value_name = "ADDR", value_parser = HostPort::parse)]
    listen: HostPort,
    /// Certificate chain, PEM or DER, server certificate first [default: certs/server.pem]. Repeat
    /// with --key for several: each client gets the one whose names match what it asks for (SNI), else
    /// the first
    #[arg(long, value_name = "FILE")]
    cert: Vec<PathBuf>,
    /// Private key of the --cert in the same position: PKCS#8, PKCS#1 or SEC1 [default: certs/server.key;
    /// with --cert but no --key, each --cert file holds its key after its certificates, as HAProxy's do]
    #[arg(long, value_name = "FILE")]
    key: Vec<PathBuf>,
    /// Require client certificates signed by a CA in FILE (mutual TLS)
    #[arg(long, value_name = "FILE")]
    client_ca: Option<PathBuf>,
    /// Staple this OCSP response (DER, as tls-cert ocsp writes it) to the certificate it answers for;
    /// reloaded with the certificates; repeat for several
    #[arg(long = "ocsp-response", value_name = "FILE", conflicts_with = "scenario")]
    ocsp_response: Vec<PathBuf>,
    /// Refuse client certificates this CRL revokes (certificate_revoked), PEM or DER; reloaded with
    /// the certificates, so a revocation takes effect without a restart; repeat for several files
    #[arg(long, value_name = "FILE", requires = "client_ca")]
    crl: Vec<PathBuf>,
    /// ALPN protocol to accept; repeat for several, most preferred first [default: http/1.1 and http/1.0, for the page]
    #[arg(long = "alpn", value_name = "PROTO", value_parser = tls_echo_cli::values::alpn)]
    alpn: Vec<String>,
    /// Share the port with other echo-server processes started with --reuse-port (SO_REUSEPORT): the
    /// kernel spreads connections among them
    #[arg(long)]
    reuse_port: bool,
    /// Echo only: no HTTPS page for browsers and curl on this port
    #[arg(long)]
    no_page: bool,
    /// CA certificate the page offers at /ca.pem [default: certs/ca.pem with the default certificate]
    #[arg(long, value_name = "FILE")]
    serve_ca: Option<PathBuf>,
    /// Serve a certificate made at start and broken on purpose: good, expired, not-yet-valid, wrong-host,
    /// self-signed, untrusted-root, incomplete-chain, ca-as-leaf
    #[arg(long, value_name = "NAME", conflicts_with_all = ["cert", "key"])]
    scenario: Option<scenario::Kind>,
    /// A local badssl: every certificate and protocol broken on purpose on this one port, each at its
    /// own name (`https://expired.localhost:7777/`), and at `https://localhost:7777/` a table of what each
    /// client says to each; made at start, signed by --scenario-ca
    #[arg(long, conflicts_with_all = ["cert", "key", "scenario", "client_ca", "crl", "ocsp_response", "serve_ca", "no_page", "tls13_only", "alpn", "reuse_port"])]
    gallery: bool,
    /// CA that signs the certificates of --scenario or --gallery [default: certs/ca.pem]
    #[arg(long, value_name = "FILE", requires = "made")]
    scenario_ca: Option<PathBuf>,
    /// Private key of --scenario-ca [default: certs/ca.key]
    #[arg(long, value_name = "FILE", requires = "made")]
    scenario_ca_key: Option<PathBuf>,
    /// Refuse TLS 1.2
    #[arg(long)]
    tls13_only: bool,
    /// Echo everything until the end of the stream (no empty-line rule), for binary data
    #[arg(long)]
    raw: bool,
    /// Absolute limit on the TLS handshake
    #[arg(long, default_value = "10", value_name = "SECS", value_parser = tls_echo_cli::values::positive_seconds)]
    handshake_timeout: Duration,
    /// Close a session after this long without data
    #[arg(long, default_value = "60", value_name = "SECS", value_parser = tls_echo_cli::values::positive_seconds)]
    idle_timeout: Duration,
    /// Connections served at once; more are refused at once
    #[arg(long, default_value = "10000", value_name = "N", value_parser = tls_echo_cli::values::count)]
    max_connections: usize,
    /// On Ctrl-C or SIGTERM, how long live sessions may finish before they are closed (0: close them at
    /// once)
    #[arg(long, default_value = "10", value_name = "SECS", value_parser = tls_echo_cli::values::seconds)]
    shutdown_grace: Duration,
    /// Log every byte received, too
    #[arg(short, long, conflicts_with = "quiet")]
    verbose: bool,
    /// Log no per-session lines, only warnings and errors
    #[arg(short, long)]
    quiet: bool,
    /// text for people, or json: one object per line (per session), for log pipelines
    #[arg(long, default_value = "text", value_name = "FORMAT", value_parser = ["text", "json"])]
    log_format: String,
}

const AFTER_HELP: &str = "Examples:
  echo-server                              certs/server.pem on 127.0.0.1:7777, the lab's setup
  echo-server --listen [::]:8443 --cert site.pem --key site.key
  echo-server --gallery                    broken on purpose, each by name; https://localhost:7777/ lists all

Exit codes: 0 success; 1 the operation or check failed; 2 bad usage or input that cannot be used.";

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(code) = args.extras.handle(<Args as clap::CommandFactory>::command()) {
        return code;
    }
    let files = args
        .cert
        .iter()
        .chain(&args.key)
        .chain(&args.client_ca)
        .chain(&args.crl)
        .chain(&args.serve_ca);
    let files = files.chain(&args.scenario_ca).chain(&args.scenario_ca_key);
    if files.filter(|path| certificates::is_stdin(path)).count() > 1 {
        use clap::CommandFactory as _;
        Args::command()
            .error(
                clap::error::ErrorKind::ArgumentConflict,
                "standard input is one file at most (-): give the others by their names",
            )
            .exit();
    }
    // slow-handshake waits SLOW before it answers; the rest of its handshake needs time too.
    let least = tls_core::gallery::SLOW + Duration::from_secs(2);
    if args.gallery && args.handshake_timeout < least {
        use clap::CommandFactory as _;
        Args::command()
            .error(
                clap::error::ErrorKind::ValueValidation,
                format!(
                    "--handshake-timeout must be {} s or more with --gallery: its slow-handshake exhibit waits {} s before it answers",
                    least.as_secs(),
                    tls_core::gallery::SLOW.as_secs()
                ),
            )
            .exit();
    }
    // No --key at all: each --cert file holds its key too (HAProxy's combined PEM).
    if !args.key.is_empty() && args.cert.len() != args.key.len() {
        use clap::CommandFactory as _;
        Args::command()
            .error(
                clap::error::ErrorKind::WrongNumberOfValues,
                format!(
                    "give one --key for each --cert, in the same order, or none when each --cert file holds its key too ({} certificates, {} keys)",
                    args.cert.len(),
                    args.key.len()
                ),
            )
            .exit();
    }
    let level = if args.verbose {
        "debug"
    } else if args.quiet {
        "warn"
    } else {
        "info"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("{level},rustls=warn")));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if args.log_format == "json" {
        logs.event_format(json_log::JsonLines).init();
    } else {
        logs.with_ansi(std::io::stderr().is_terminal()).init();
    }
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", err.report());
            ExitCode::from(err.exit_code())
        }
    }
}

/// Flags to settings once, then: certificates, page, TLS configuration, reload, listener, serve.
async fn run(args: Args) -> tls_echo_cli::Result<()> {
    if args.gallery {
        return gallery::run(&args).await;
    }
    let chosen = certificates::choose(&certificates::Flags {
        cert: &args.cert,
        key: &args.key,
        serve_ca: args.serve_ca.as_deref(),
        no_page: args.no_page,
        scenario: args.scenario,
        scenario_ca: args.scenario_ca.as_deref(),
        scenario_ca_key: args.scenario_ca_key.as_deref(),
        ocsp: &args.ocsp_response,
    })?;
    let page = certificates::page(args.no_page, args.scenario, chosen.serve_ca.as_deref())?;
    let staple_due = reload::Due::new(i64::MAX.into());
    certificates::set_due(&staple_due, &chosen.identities);
    let certs = Arc::new(CertStore::new(chosen.identities)?);
    let (client_ca, crls) = certificates::client_trust(args.client_ca.as_deref(), &args.crl)?;
    let config = tls_config(
        &args,
        certs.clone(),
        page.is_some(),
        (client_ca.as_deref(), crls.as_ref().map(|files| files.crls.clone())),
    )?;
    let reloaded = certificates::Reloaded {
        certs: certs.clone(),
        pairs: chosen.pairs,
        staples: chosen.staples,
        staple_due,
        served_ca: page.clone().zip(chosen.serve_ca.clone()),
        crls,
    };
    match args.scenario {
        None => {
            tokio::spawn(certificates::reload_when_asked(reloaded));
        }
        Some(kind) => {
            tokio::spawn(certificates::no_reload(format!("scenario {kind}")));
        }
    }
    let (listener, local) = serving::listen(&args).await?;
    let options = ServerOptions {
        page,
        certs: Some(certs.clone()),
        ..serving::server_options(&args)
    };
    serving::serve_until_stopped((listener, local), config, options, || {
        tracing::info!(
            cert = %chosen.described,
            client_ca = %args.client_ca.as_ref().map_or_else(|| "none".to_owned(), |p| p.display().to_string()),
            serve_ca = %chosen.serve_ca.as_ref().map_or_else(|| "none".to_owned(), |p| p.display().to_string()),
            mode = if args.raw { "raw" } else { "line" },
            https_page = !args.no_page,
            "serving {}",
            certs.subjects().join(" and ")
        );
    })
    .await;
    Ok(())
}

/// The rustls configuration: `certs` by SNI, client certificates from `client_ca` when --client-ca
/// (checked against `crls`, --crl), ALPN (http/1.1 and http/1.0 for the page unless --alpn says
/// otherwise).
fn tls_config(
    args: &Args,
    certs: Arc<CertStore>,
    page: bool,
    (client_ca, crls): (Option<&[CertificateDer<'static>]>, Option<Arc<Crls>>),
) -> tls_core::Result<Arc<ServerConfig>> {
    let alpn = if args.alpn.is_empty() && page {
        vec![b"http/1.1".to_vec(), b"http/1.0".to_vec()]
    } else {
        args.alpn.iter().map(|proto| proto.clone().into_bytes()).collect()
    };
    let tls = TlsOptions {
        alpn,
        tls13_only: args.tls13_only,
        key_log: true,
        crls,
        ..TlsOptions::default()
    };
    config::server_config_with(certs, client_ca, &tls)
}
