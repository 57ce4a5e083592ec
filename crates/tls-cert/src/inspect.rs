//! `tls-cert inspect`: every field of the certificates in files, or in the chain a server presents.

use std::path::PathBuf;
use std::process::ExitCode;

use tls_core::SessionInfo;
use tls_core::client::{self, ClientOptions};
use tls_core::config::TlsOptions;
use tls_core::inspect::{self, Position};
use tls_core::pem;

use crate::{Stdout, address, fail, refuse};

#[derive(Debug, clap::Args)]
pub(crate) struct InspectArgs {
    /// Certificate files, PEM (chains too) or DER
    #[arg(value_name = "FILE", required_unless_present = "connect", conflicts_with = "connect")]
    pub(crate) files: Vec<PathBuf>,
    /// Fetch the chain a TLS server presents, without trusting it
    #[arg(long, value_name = "HOST:PORT", value_parser = address)]
    pub(crate) connect: Option<String>,
    /// Name to send as SNI with --connect [default: the host of --connect]
    #[arg(long, value_name = "NAME", requires = "connect")]
    pub(crate) server_name: Option<String>,
    /// One JSON object per certificate, one per line, instead of text
    #[arg(long)]
    pub(crate) json: bool,
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

pub(crate) async fn run(args: InspectArgs) -> ExitCode {
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
