//! `echo-server`: a TLS echo server. Parses flags, sets up logging, and hands over to tls-core.

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;

mod json_log;
use tls_core::args::HostPort;
use tls_core::certstore::CertStore;
use tls_core::config::{self, TlsOptions};
use tls_core::echo::Mode;
use tls_core::generate::CertificateAuthority;
use tls_core::page::PageInfo;
use tls_core::pem::Identity;
use tls_core::server::{self, ServerOptions};
use tls_core::{pem, scenario};

/// TLS echo server: echoes every byte back until an empty line or the end of the stream.
#[derive(Debug, Parser)]
#[command(version, about, allow_negative_numbers = true, after_help = AFTER_HELP)]
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
    /// ALPN protocol to accept; repeat for several, most preferred first [default: http/1.1, for the page]
    #[arg(long = "alpn", value_name = "PROTO", value_parser = tls_core::args::alpn)]
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
    /// CA that signs the scenario's certificates [default: certs/ca.pem]
    #[arg(long, value_name = "FILE", requires = "scenario")]
    scenario_ca: Option<PathBuf>,
    /// Private key of --scenario-ca [default: certs/ca.key]
    #[arg(long, value_name = "FILE", requires = "scenario")]
    scenario_ca_key: Option<PathBuf>,
    /// Refuse TLS 1.2
    #[arg(long)]
    tls13_only: bool,
    /// Echo everything until the end of the stream (no empty-line rule), for binary data
    #[arg(long)]
    raw: bool,
    /// Absolute limit on the TLS handshake
    #[arg(long, default_value = "10", value_name = "SECS", value_parser = tls_core::args::positive_seconds)]
    handshake_timeout: Duration,
    /// Close a session after this long without data
    #[arg(long, default_value = "60", value_name = "SECS", value_parser = tls_core::args::positive_seconds)]
    idle_timeout: Duration,
    /// Connections served at once; more are refused at once
    #[arg(long, default_value = "10000", value_name = "N", value_parser = tls_core::args::count)]
    max_connections: usize,
    /// On Ctrl-C or SIGTERM, how long live sessions may finish before they are closed (0: close them at
    /// once)
    #[arg(long, default_value = "10", value_name = "SECS", value_parser = tls_core::args::seconds)]
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
  echo-server --scenario expired           a certificate broken on purpose, to see what clients say

Exit codes: 0 success; 1 the operation or check failed; 2 bad usage or input that cannot be used.";

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(code) = args.extras.handle(<Args as clap::CommandFactory>::command()) {
        return code;
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
            eprintln!("error: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}

async fn run(args: Args) -> tls_core::Result<()> {
    // The demo CA goes with the demo certificate; with your own certificate, only the CA you name.
    let serve_ca = match (&args.serve_ca, args.cert.is_empty(), args.no_page) {
        (Some(path), _, false) => Some(path.clone()),
        // Without it, the page offers no CA (404 at /ca.pem, with the reason).
        (None, true, false) => pem::default_file("certs/ca.pem", "--serve-ca FILE").ok(),
        _ => None,
    };
    // Each certificate with its key's file; no key file: the certificate file holds the key too.
    let pairs: Vec<(PathBuf, Option<PathBuf>)> = if args.scenario.is_some() {
        Vec::new()
    } else if args.cert.is_empty() {
        vec![(
            pem::default_file("certs/server.pem", "--cert FILE --key FILE")?,
            Some(pem::default_file("certs/server.key", "--cert FILE --key FILE")?),
        )]
    } else if args.key.is_empty() {
        args.cert.iter().map(|cert| (cert.clone(), None)).collect()
    } else {
        args.cert
            .iter()
            .cloned()
            .zip(args.key.iter().cloned().map(Some))
            .collect()
    };
    let (identities, cert, serve_ca) = match args.scenario {
        Some(kind) => {
            let flags = "--scenario-ca FILE --scenario-ca-key FILE";
            let ca_cert = match args.scenario_ca {
                Some(path) => path,
                None => pem::default_file("certs/ca.pem", flags)?,
            };
            let ca_key = match args.scenario_ca_key {
                Some(path) => path,
                None => pem::default_file("certs/ca.key", flags)?,
            };
            let ca = CertificateAuthority::load(&ca_cert, &ca_key)?;
            tracing::warn!("scenario {kind}: {}", kind.explanation());
            let serve_ca = (!args.no_page).then(|| ca_cert.clone());
            (vec![scenario::make(kind, &ca)?], format!("(scenario {kind})"), serve_ca)
        }
        None => {
            let files = pairs.iter().map(|(cert, _)| cert.display().to_string());
            (load_checked(&pairs)?, files.collect::<Vec<_>>().join(", "), serve_ca)
        }
    };
    let client_ca = args.client_ca.as_deref().map(pem::load_ca_certs).transpose()?;
    let page = if args.no_page {
        None
    } else {
        // Served as PEM whatever the file's format, so a DER CA works too.
        let ca_certs = match &serve_ca {
            Some(path) => pem::load_ca_certs(path)?,
            None => Vec::new(),
        };
        let page = PageInfo::new(ca_certs);
        Some(Arc::new(match args.scenario {
            Some(kind) => page.with_scenario(kind.name(), kind.explanation()),
            None => page,
        }))
    };
    let alpn = match (args.alpn.is_empty(), &page) {
        (true, Some(_)) => vec![b"http/1.1".to_vec()],
        _ => args.alpn.into_iter().map(String::into_bytes).collect(),
    };
    let tls = TlsOptions {
        alpn,
        tls13_only: args.tls13_only,
        ..TlsOptions::default()
    };
    let certs = Arc::new(CertStore::new(identities)?);
    let config = config::server_config_with(certs.clone(), client_ca.as_deref(), &tls)?;
    if args.scenario.is_none() {
        let served_ca = page.clone().zip(serve_ca.clone());
        tokio::spawn(reload_when_asked(certs.clone(), pairs, served_ca));
    }
    if let Some(problem) = config::key_log_file_problem() {
        tracing::warn!("{problem}");
    }
    if let Err(err) = tls_echo_cli::raise_fd_limit() {
        tracing::warn!("cannot raise the open-file limit ({err}): connections beyond it will be refused");
    }
    let listener = server::bind_with(&args.listen.to_string(), args.reuse_port).await?;
    let local = server::local_addr(&listener)?;
    server::check_reachable(&listener).await?;
    // Listening for Ctrl-C and SIGTERM before saying so: a signal right after this line is handled.
    let mut signals = StopSignals::listen();
    println!("listening on {local}");
    tracing::info!(
        cert = %cert,
        client_ca = args.client_ca.as_ref().map(|p| p.display().to_string()),
        serve_ca = serve_ca.as_ref().map(|p| p.display().to_string()),
        mode = if args.raw { "raw" } else { "line" },
        https_page = !args.no_page,
        "serving {}",
        certs.subjects().join(" and ")
    );
    let force_stop = server::CancellationToken::new();
    let shutdown = {
        let force_stop = force_stop.clone();
        async move {
            let signal = signals.next().await;
            tracing::info!("{signal}: shutdown requested (the same again closes every session now)");
            tokio::spawn(async move {
                let signal = signals.next().await;
                tracing::info!("{signal} again: closing every session now");
                force_stop.cancel();
            });
        }
    };
    let options = ServerOptions {
        force_stop,
        mode: if args.raw { Mode::Raw } else { Mode::Line },
        handshake_timeout: args.handshake_timeout,
        idle_timeout: args.idle_timeout,
        max_connections: args.max_connections,
        shutdown_grace: args.shutdown_grace,
        page,
        certs: Some(certs),
    };
    server::serve(listener, config, options, shutdown).await;
    tracing::info!("stopped");
    Ok(())
}

/// Loads every --cert/--key pair and checks each (preflight).
fn load_checked(pairs: &[(PathBuf, Option<PathBuf>)]) -> tls_core::Result<Vec<Identity>> {
    pairs
        .iter()
        .map(|(cert, key)| {
            let identity = match key {
                Some(key) => pem::load_identity(cert, key)?,
                None => pem::load_combined(cert)?,
            };
            preflight(&identity.chain, cert)?;
            Ok(identity)
        })
        .collect()
}

/// Reloads the certificates on SIGHUP and when their files change (checked every second, following
/// symlinks, so atomic renames and symlink swaps are seen). A bad new file keeps the old certificates
/// and says why; sessions already established are never touched.
///
/// The SIGHUP handler is installed here, before the returned future first runs: a SIGHUP that arrives
/// as soon as the server says it listens must reload, not end the process (SIGHUP's default).
fn reload_when_asked(
    certs: Arc<CertStore>,
    pairs: Vec<(PathBuf, Option<PathBuf>)>,
    served_ca: Option<(Arc<PageInfo>, PathBuf)>,
) -> impl Future<Output = ()> {
    #[cfg(unix)]
    let hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
    #[cfg(not(unix))]
    let hangup: Option<()> = None;
    watch(certs, pairs, served_ca, hangup)
}

#[cfg(unix)]
type Hangup = Option<tokio::signal::unix::Signal>;
#[cfg(not(unix))]
type Hangup = Option<()>;

async fn watch(
    certs: Arc<CertStore>,
    pairs: Vec<(PathBuf, Option<PathBuf>)>,
    served_ca: Option<(Arc<PageInfo>, PathBuf)>,
    mut hangup: Hangup,
) {
    // The page's CA file (--serve-ca) is watched with the certificates: a rotated CA is offered with
    // the certificates it signed.
    let ca_file = served_ca.as_ref().map(|(_, path)| path.clone());
    let stamp = |pairs: &[(PathBuf, Option<PathBuf>)]| -> Vec<Option<(std::time::SystemTime, u64, u64)>> {
        pairs
            .iter()
            .flat_map(|(c, k)| std::iter::once(c).chain(k))
            .chain(&ca_file)
            .map(|path| {
                let meta = std::fs::metadata(path).ok()?;
                #[cfg(unix)]
                let inode = std::os::unix::fs::MetadataExt::ino(&meta);
                #[cfg(not(unix))]
                let inode = 0;
                Some((meta.modified().ok()?, meta.len(), inode))
            })
            .collect()
    };
    let mut seen = stamp(&pairs);
    let mut ticks = tokio::time::interval(Duration::from_secs(1));
    loop {
        #[cfg(unix)]
        let asked = async {
            match hangup.as_mut() {
                Some(signal) => signal.recv().await,
                None => std::future::pending().await,
            }
        };
        #[cfg(not(unix))]
        let asked = std::future::pending::<Option<()>>();
        let why = tokio::select! {
            _ = asked => "SIGHUP",
            _ = ticks.tick() => {
                let now = stamp(&pairs);
                if now == seen {
                    continue;
                }
                "files changed"
            }
        };
        if pairs
            .iter()
            .flat_map(|(c, k)| std::iter::once(c).chain(k))
            .any(|path| path.as_os_str() == "-")
        {
            tracing::warn!(
                "not reloading certificates ({why}): they were read from standard input, which cannot be read again"
            );
            continue;
        }
        // One reload per change: a SIGHUP after editing the files is not followed by a second reload
        // when the next tick sees the same change.
        seen = stamp(&pairs);
        if let Some((page, path)) = &served_ca {
            match pem::load_ca_certs(path) {
                Ok(ca_certs) => page.replace_ca_certs(ca_certs),
                Err(err) => tracing::error!("not reloading the page's CA ({why}): {err}; keeping the one in use"),
            }
        }
        match load_checked(&pairs).and_then(|identities| certs.replace(identities)) {
            Ok(()) => tracing::info!(
                "reloaded certificates ({why}): new connections get {}",
                certs.subjects().join(" and ")
            ),
            Err(err) => tracing::error!("not reloading certificates ({why}): {err}; keeping the ones in use"),
        }
    }
}

/// Refuses to start with a chain every client would reject; warns about the rest, expiry included.
fn preflight(chain: &[tls_core::pki_types::CertificateDer<'static>], cert: &std::path::Path) -> tls_core::Result<()> {
    let findings = tls_core::preflight::check(chain, 30);
    let (errors, warnings): (Vec<_>, Vec<_>) = findings
        .into_iter()
        .partition(|f| f.severity == tls_core::preflight::Severity::Error);
    for warning in warnings {
        tracing::warn!("{}: {}; {}", cert.display(), warning.text, renewal_hint(chain));
    }
    if errors.is_empty() {
        return Ok(());
    }
    Err(tls_core::Error::Preflight {
        source_name: cert.display().to_string(),
        problems: errors.into_iter().map(|f| f.text).collect::<Vec<_>>().join("; "),
    })
}

/// How to make a new certificate like the one in `chain`, into a new folder: its names, signed by the
/// CA that signed it. Never a command that overwrites files the user did not name.
fn renewal_hint(chain: &[tls_core::pki_types::CertificateDer<'static>]) -> String {
    let Some(leaf) = chain.first() else {
        return String::new();
    };
    let sans: Vec<String> = tls_core::certinfo::alt_names(leaf)
        .iter()
        .filter_map(|name| name.strip_prefix("DNS ").or_else(|| name.strip_prefix("IP ")))
        .map(|name| format!(" --san {name}"))
        .collect();
    format!(
        "make a new one into a new folder with: tls-cert generate --out NEW_DIR{} --ca CA.pem --ca-key CA.key (CA.pem being {}, which signed it), then serve NEW_DIR/server.pem and NEW_DIR/server.key",
        sans.concat(),
        tls_core::certinfo::issuer(leaf)
    )
}

/// Ctrl-C (SIGINT) and, on Unix, SIGTERM, listened for from the moment this is made, so a signal
/// that arrives before anyone waits is kept, not lost (or, for SIGTERM, fatal).
struct StopSignals {
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
}

impl StopSignals {
    fn listen() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Self {
                interrupt: signal(SignalKind::interrupt()).ok(),
                terminate: signal(SignalKind::terminate()).ok(),
            }
        }
        #[cfg(not(unix))]
        Self {}
    }

    /// The next stop signal, by name.
    async fn next(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            async fn recv(signal: Option<&mut tokio::signal::unix::Signal>) {
                match signal {
                    Some(signal) => {
                        signal.recv().await;
                    }
                    None => std::future::pending().await,
                }
            }
            tokio::select! {
                () = recv(self.interrupt.as_mut()) => "Ctrl-C (SIGINT)",
                () = recv(self.terminate.as_mut()) => "SIGTERM",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        }
    }
}
