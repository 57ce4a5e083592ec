//! Where to connect and whom to trust, shared by the echo and by `bench`: the flags, and the client
//! configuration, server name and time limits they give.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tls_core::HostPort;
use tls_core::client::{self, ClientOptions};
use tls_core::config::{self, TlsOptions};
use tls_echo_cli::input;

/// Where to connect and whom to trust: shared by the echo and by `bench`.
#[derive(Debug, clap::Args)]
pub(crate) struct Target {
    /// Server address, HOST:PORT
    #[arg(long, default_value = "127.0.0.1:7777", value_name = "ADDR", value_parser = tls_echo_cli::values::connect_address)]
    pub(crate) connect: HostPort,
    /// Name to verify the certificate against (and send as SNI) [default: the host of --connect]
    #[arg(long, value_name = "NAME")]
    pub(crate) server_name: Option<String>,
    /// CA certificates to trust, PEM or DER; repeat for several files [default: certs/ca.pem, unless
    /// only --webpki-roots or --pin is given]; curl's --cacert is taken as --ca
    #[arg(long, value_name = "FILE", alias = "cacert")]
    pub(crate) ca: Vec<PathBuf>,
    /// Trust Mozilla's public roots (webpki-roots) too
    #[arg(long)]
    pub(crate) webpki_roots: bool,
    /// Accept the server only if its public key has this pin (sha256//BASE64, from `tls-cert inspect`);
    /// repeat for several. With --ca both must hold; alone, the pin is the whole trust
    #[arg(long = "pin", value_name = "sha256//BASE64")]
    pub(crate) pins: Vec<tls_core::Pin>,
    /// Refuse a server certificate this CRL revokes (PEM or DER; its issuer's CRL is then required,
    /// and one past its next update is refused); repeat for several files
    #[arg(long, value_name = "FILE")]
    pub(crate) crl: Vec<PathBuf>,
    /// Client certificate for mutual TLS
    #[arg(long, value_name = "FILE")]
    pub(crate) cert: Option<PathBuf>,
    /// Private key of --cert [default: the --cert file itself, when it holds the key too]
    #[arg(long, value_name = "FILE", requires = "cert")]
    pub(crate) key: Option<PathBuf>,
    /// ALPN protocol to offer; repeat for several
    #[arg(long = "alpn", value_name = "PROTO", value_parser = tls_echo_cli::values::alpn)]
    pub(crate) alpn: Vec<String>,
    /// Refuse TLS 1.2
    #[arg(long)]
    pub(crate) tls13_only: bool,
    /// Offer only classic key exchange (X25519, P-256), not the post-quantum hybrid: to compare with
    /// servers that have no ML-KEM, on equal terms
    #[arg(long)]
    pub(crate) classic_kx: bool,
    /// Limit on each phase: connect, handshake, each write and each wait for the echo
    #[arg(long, default_value = "10", value_name = "SECS", value_parser = tls_echo_cli::values::positive_seconds)]
    pub(crate) timeout: Duration,
}

pub(crate) use tls_echo_cli::input::is_stdin;

/// The client configuration, server name and time limits `target` asks for.
pub(crate) fn connection_setup(
    args: Target,
    verbose: bool,
) -> tls_echo_cli::Result<(
    Arc<tls_core::rustls::ClientConfig>,
    tls_core::pki_types::ServerName<'static>,
    ClientOptions,
)> {
    // The demo CA is the default trust only when nothing else was asked for.
    let ca_paths = match (args.ca.is_empty(), args.webpki_roots || !args.pins.is_empty()) {
        (false, _) => args.ca.clone(),
        (true, true) => Vec::new(),
        (true, false) => vec![tls_echo_cli::defaults::default_file("certs/ca.pem", "--ca FILE")?],
    };
    let mut ca_certs = None::<Vec<_>>;
    for path in &ca_paths {
        let loaded = input::load_ca_certs(path)?;
        for note in loaded
            .iter()
            .filter_map(|ca| tls_core::verify::trust_anchor_dates(ca, tls_core::pki_types::UnixTime::now()))
        {
            eprintln!("warning: --ca {}: {note}", path.display());
        }
        ca_certs.get_or_insert_default().extend(loaded);
    }
    if verbose {
        for path in &ca_paths {
            let shown = if is_stdin(path) {
                "standard input".into()
            } else {
                path.display().to_string()
            };
            eprintln!("trusting the CA certificates in {shown}");
        }
        if ca_paths.is_empty() && !args.webpki_roots {
            eprintln!("trusting no CA: only the pins given");
        }
        if args.webpki_roots {
            eprintln!("trusting Mozilla's root CAs (webpki-roots)");
        }
    }
    let roots = match (ca_certs, args.webpki_roots) {
        (None, false) => None,
        (ca, false) => Some(config::root_store(&ca.unwrap_or_default())?),
        (ca, true) => Some(config::root_store_with_mozilla(&ca.unwrap_or_default())?),
    };
    let identity = match (&args.cert, &args.key) {
        (Some(cert), Some(key)) => Some(input::load_identity(cert, key)?),
        (Some(combined), None) => Some(input::load_combined(combined)?),
        _ => None,
    };
    let crls = input::load_crl_files(&args.crl)?;
    let crls = (!args.crl.is_empty()).then(|| Arc::new(tls_core::revocation::Crls::new(crls)));
    if verbose {
        for path in &args.crl {
            eprintln!("checking revocation against the CRL in {}", path.display());
        }
    }
    let tls = TlsOptions {
        alpn: args.alpn.into_iter().map(String::into_bytes).collect(),
        tls13_only: args.tls13_only,
        classic_kx: args.classic_kx,
        key_log: true,
        crls,
    };
    let config = config::pinned_client_config(roots, &args.pins, identity, &tls)?;
    if let Some(problem) = config::key_log_file_problem() {
        eprintln!("warning: {problem}");
    }
    let server_name = match &args.server_name {
        Some(name) => client::parse_server_name(name)?,
        None => client::parse_server_name(&args.connect.host)?,
    };
    Ok((config, server_name, ClientOptions::each(args.timeout)))
}
