//! `echo-client`: connects to a TLS echo server, verifies it, sends a message and prints the echo.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use tls_core::client::{self, ClientOptions, Connection};
use tls_core::config::{self, TlsOptions};
use tls_core::pem;
use tokio::io::AsyncBufReadExt as _;

/// TLS echo client: verifies the server, sends a message, prints what comes back.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Server address, HOST:PORT
    #[arg(long, default_value = "127.0.0.1:7777", value_name = "ADDR")]
    connect: String,
    /// Name to verify the certificate against (and send as SNI) [default: the host of --connect]
    #[arg(long, value_name = "NAME")]
    server_name: Option<String>,
    /// CA certificates to trust, PEM or DER [default: certs/ca.pem, unless only --webpki-roots is given]
    #[arg(long, value_name = "FILE")]
    ca: Option<PathBuf>,
    /// Trust Mozilla's public roots (webpki-roots) too
    #[arg(long)]
    webpki_roots: bool,
    /// Accept the server only if its public key has this pin (sha256//BASE64, from `tls-cert inspect`);
    /// repeat for several. With --ca both must hold; alone, the pin is the whole trust
    #[arg(long = "pin", value_name = "sha256//BASE64")]
    pins: Vec<config::Pin>,
    /// Client certificate for mutual TLS
    #[arg(long, value_name = "FILE", requires = "key")]
    cert: Option<PathBuf>,
    /// Private key of --cert
    #[arg(long, value_name = "FILE", requires = "cert")]
    key: Option<PathBuf>,
    /// Text to send
    #[arg(long, default_value = "Hello World!", value_name = "TEXT", conflicts_with = "stdin")]
    message: String,
    /// Send each line read from standard input and print its echo; an empty line ends the session
    #[arg(long)]
    stdin: bool,
    /// ALPN protocol to offer; repeat for several
    #[arg(long = "alpn", value_name = "PROTO")]
    alpn: Vec<String>,
    /// Refuse TLS 1.2
    #[arg(long)]
    tls13_only: bool,
    /// Limit on each phase: connect, handshake, each write and each wait for the echo
    #[arg(long, default_value = "10", value_name = "SECS", value_parser = tls_core::args::seconds)]
    timeout: Duration,
    /// Print the negotiated version, cipher suite, group, ALPN and the server's certificate subject
    #[arg(short, long)]
    verbose: bool,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> tls_core::Result<()> {
    // The demo CA is the default trust only when nothing else was asked for.
    let ca_path = match (&args.ca, args.webpki_roots || !args.pins.is_empty()) {
        (Some(path), _) => Some(path.clone()),
        (None, true) => None,
        (None, false) => Some(pem::default_path("certs/ca.pem")),
    };
    let ca_certs = ca_path.as_deref().map(pem::load_ca_certs).transpose()?;
    let roots = match (ca_certs, args.webpki_roots) {
        (None, false) => None,
        (ca, webpki) => Some(config::root_store(&ca.unwrap_or_default(), webpki)?),
    };
    let identity = match (&args.cert, &args.key) {
        (Some(cert), Some(key)) => Some(pem::load_identity(cert, key)?),
        _ => None,
    };
    let tls = TlsOptions {
        alpn: args.alpn.into_iter().map(String::into_bytes).collect(),
        tls13_only: args.tls13_only,
    };
    let config = config::pinned_client_config(roots, &args.pins, identity, &tls)?;
    let server_name = match &args.server_name {
        Some(name) => client::parse_server_name(name)?,
        None => client::server_name_for(&args.connect)?,
    };
    let options = ClientOptions {
        connect_timeout: args.timeout,
        handshake_timeout: args.timeout,
        io_timeout: args.timeout,
    };
    let mut conn = client::connect(&args.connect, server_name, config, options).await?;
    if args.verbose {
        let info = conn.info();
        eprintln!(
            "connected to {}: {info}; server certificate {}",
            conn.peer(),
            info.peer_subject.as_deref().unwrap_or("(none)")
        );
    }
    if args.stdin {
        echo_lines(&mut conn).await?;
    } else {
        let echoed = conn.echo(args.message.as_bytes()).await?;
        print_echo(&echoed);
    }
    conn.close().await
}

/// Sends each line typed or piped in and prints its echo; an empty line or the end of input ends it.
async fn echo_lines(conn: &mut Connection) -> tls_core::Result<()> {
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let echoed = conn.echo(format!("{line}\n").as_bytes()).await?;
        if line.is_empty() {
            break;
        }
        print_echo(&echoed);
    }
    Ok(())
}

fn print_echo(echoed: &[u8]) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(echoed);
    if !echoed.ends_with(b"\n") {
        let _ = out.write_all(b"\n");
    }
    let _ = out.flush();
}
