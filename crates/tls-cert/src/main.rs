//! `tls-cert`: make, read and verify X.509 certificates. Parses flags and hands over to tls-core.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tls_core::client::{self, ClientOptions};
use tls_core::config::TlsOptions;
use tls_core::inspect::{self, Position};
use tls_core::pem;
use tls_core::session::SessionInfo;

/// Make, read and verify X.509 certificates.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show every field of the certificates in PEM/DER files, or in the chain a server presents
    Inspect(InspectArgs),
}

#[derive(Debug, clap::Args)]
struct InspectArgs {
    /// Certificate files, PEM (chains too) or DER
    #[arg(value_name = "FILE", required_unless_present = "connect", conflicts_with = "connect")]
    files: Vec<PathBuf>,
    /// Fetch the chain a TLS server presents, without trusting it
    #[arg(long, value_name = "HOST:PORT")]
    connect: Option<String>,
    /// Name to send as SNI with --connect [default: the host of --connect]
    #[arg(long, value_name = "NAME", requires = "connect")]
    server_name: Option<String>,
    /// One JSON object per certificate, one per line, instead of text
    #[arg(long)]
    json: bool,
}

/// Exit codes: 0 done (or valid), 1 invalid, 2 bad usage or unreadable input.
const UNREADABLE: u8 = 2;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match Args::parse().command {
        Command::Inspect(args) => run_inspect(args).await,
    }
}

fn fail(err: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("error: {err}");
    ExitCode::from(UNREADABLE)
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
                    code = fail(&format_args!("{source}: certificate #{}: {err}", index + 1));
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
                    Err(err) => code = fail(&err),
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
        if writeln!(out, "{text}").and_then(|()| out.flush()).is_err() {
            self.closed = true;
        }
    }
}
