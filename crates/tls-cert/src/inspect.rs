//! `tls-cert inspect`: every field of the certificates in files, or in the chain a server presents.

use std::path::PathBuf;
use std::process::ExitCode;

use tls_core::SessionInfo;
use tls_core::client::{self, ClientOptions};
use tls_core::config::TlsOptions;
use tls_core::inspect::{self, Position};
use tls_core::pki_types::CertificateDer;
use tls_core::xray::{Message, Record};

use crate::{Stdout, address, fail, refuse};

mod documents;

#[derive(Debug, clap::Args)]
pub(crate) struct InspectArgs {
    /// Files to read, PEM or DER: certificates (chains too), CSRs, CRLs, PKCS#7 bundles, PKCS#12
    #[arg(
        value_name = "FILE",
        required_unless_present_any = ["connect", "key_matches"],
        conflicts_with_all = ["connect", "key_matches"]
    )]
    pub(crate) files: Vec<PathBuf>,
    /// Whether KEY is the private key of CERT's certificate: exit 0 yes, 1 no
    #[arg(long, num_args = 2, value_names = ["CERT", "KEY"], conflicts_with = "connect")]
    pub(crate) key_matches: Option<Vec<PathBuf>>,
    /// CA certificates to check a CRL's signature against
    #[arg(long, value_name = "CA_FILE", conflicts_with = "connect")]
    pub(crate) ca: Option<PathBuf>,
    /// The password of a PKCS#12 file, in the first line of FILE (- for standard input)
    #[arg(long, value_name = "FILE", conflicts_with = "connect")]
    pub(crate) password_file: Option<PathBuf>,
    /// Fetch the chain a TLS server presents, without trusting it
    #[arg(long, value_name = "HOST:PORT", value_parser = address)]
    pub(crate) connect: Option<String>,
    /// Name to send as SNI with --connect [default: the host of --connect]
    #[arg(long, value_name = "NAME", requires = "connect")]
    pub(crate) server_name: Option<String>,
    /// One JSON object per certificate, one per line, instead of text
    #[arg(long)]
    pub(crate) json: bool,
    /// Limit on each phase of --connect: connect, handshake, the server's goodbye [default: 10]
    #[arg(long, value_name = "SECS", requires = "connect", value_parser = tls_echo_cli::values::positive_seconds)]
    pub(crate) timeout: Option<std::time::Duration>,
}

/// One certificate with where it came from, as printed.
#[derive(serde::Serialize)]
struct Inspected<'a> {
    source: &'a str,
    kind: &'static str,
    index: usize,
    #[serde(flatten)]
    info: &'a inspect::CertificateInfo,
    #[serde(skip_serializing_if = "Option::is_none")]
    tls: Option<&'a SessionInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sent: Option<Sent<'a>>,
}

/// How a certificate crossed the wire, read from the connection's own bytes by the x-ray.
#[derive(serde::Serialize)]
struct Sent<'a> {
    /// The certificate's DER as sent.
    certificate_bytes: usize,
    /// The Certificate message that carried the chain (its length field).
    message_bytes: usize,
    /// The record the message ended in: when it arrived (µs after connecting), whether it was
    /// encrypted, and with which secret's keys the x-ray opened it.
    record_offset_us: u64,
    encrypted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    opened_with: Option<&'a str>,
    /// How many records the message took.
    records: usize,
}

/// The chain's way across the wire: the server's Certificate message as the x-ray read it, when its
/// certificates are the ones the TLS library presents (they always should be).
fn sent_as(fetched: &client::Fetched) -> Result<(&Record, &Message), &'static str> {
    let (record, message) = fetched
        .trace
        .server_certificate()
        .ok_or("the capture holds no Certificate message from the server")?;
    if message.certificates() != fetched.chain {
        return Err("the Certificate message read from the capture differs from the chain the TLS library took");
    }
    Ok((record, message))
}

/// The line that says how the chain was sent.
fn sent_line(record: &Record, message: &Message) -> String {
    let sizes: Vec<String> = message.certificates().iter().map(|der| der.len().to_string()).collect();
    let how = match (&record.decrypted_with, &record.inner_content_type) {
        (Some(label), Some(_)) => format!("encrypted, opened with {label}'s keys"),
        (Some(label), None) => format!("encrypted, opened with the {label}"),
        _ => "in the clear".to_owned(),
    };
    format!(
        "# as sent: one Certificate message of {} bytes in {}, {how}, {:.1} ms after connecting: {} certificate{} of {} bytes, in this order\n",
        message.length,
        match message.spans_records {
            1 => "one record".to_owned(),
            n => format!("{n} records"),
        },
        record.offset_us as f64 / 1000.0,
        sizes.len(),
        if sizes.len() == 1 { "" } else { "s" },
        sizes.join(", ")
    )
}

pub(crate) async fn run(args: InspectArgs) -> ExitCode {
    if args.server_name.is_some() && args.connect.is_none() {
        return refuse(
            &"--server-name goes with --connect (it is the name sent to the server); a file's certificates are read as they are",
        );
    }
    if args.timeout.is_some() && args.connect.is_none() {
        return refuse(&"--timeout goes with --connect (it bounds the connection); a file is read at once");
    }
    if let Some(paths) = &args.key_matches {
        return documents::key_matches(&paths[0], &paths[1], args.json);
    }
    let Some(addr) = &args.connect else {
        return documents::inspect_files(&args);
    };
    let name = match &args.server_name {
        Some(name) => client::parse_server_name(name),
        None => client::server_name_for(addr),
    };
    let asked = name.as_ref().ok().cloned();
    let fetched = match name {
        Ok(name) => {
            client::fetch_chain(
                addr,
                name,
                &TlsOptions::default(),
                args.timeout.map_or_else(ClientOptions::default, ClientOptions::each),
            )
            .await
        }
        Err(err) => Err(err),
    };
    match fetched {
        Ok(fetched) => print(
            &args,
            vec![Source {
                name: addr,
                chain: Ok(&fetched.chain),
                fetched: Some(&fetched),
                served_to: asked.as_ref(),
            }],
            false,
        ),
        Err(err) => fail(&err),
    }
}

/// Where certificates came from: a file, or a server with what the connection showed.
pub(crate) struct Source<'a> {
    pub(crate) name: &'a str,
    pub(crate) chain: Result<&'a [CertificateDer<'static>], &'a tls_core::Error>,
    pub(crate) fetched: Option<&'a client::Fetched>,
    /// The name the chain was asked for, when it came from a server: its chain is checked for it.
    pub(crate) served_to: Option<&'a tls_core::pki_types::ServerName<'static>>,
}

/// Prints every certificate of `sources`; `several` says a heading names each, as more than one file or
/// source is shown.
pub(crate) fn print(args: &InspectArgs, sources: Vec<Source>, several: bool) -> ExitCode {
    let mut code = ExitCode::SUCCESS;
    let mut out = Stdout::default();
    for source in &sources {
        let chain = match source.chain {
            Ok(chain) => chain,
            Err(err) => {
                code = fail(err);
                continue;
            }
        };
        let sent = source.fetched.map(sent_as);
        if let (Some(fetched), false) = (source.fetched, args.json) {
            out.line(&format!("# {}: {}", source.name, fetched.session));
            match &sent {
                Some(Ok((record, message))) => out.line(&sent_line(record, message)),
                Some(Err(why)) => out.line(&format!("# as sent: not shown: {why}\n")),
                None => {}
            }
            if fetched.trace.client_certificate_requested() {
                out.line(
                    "# the server asked for a client certificate (CertificateRequest): none was sent, so it may end the session once its own chain, shown here, is sent (mutual TLS)\n",
                );
            }
        }
        for (index, der) in chain.iter().enumerate() {
            let position = match (chain.len(), index) {
                (1, _) => Position::Alone,
                (_, 0) => Position::Leaf,
                _ => Position::Issuer,
            };
            let info = match inspect::inspect(der, position) {
                Ok(mut info) => {
                    if let (0, Some(name)) = (index, source.served_to) {
                        info.warnings.extend(tls_core::served_chain_warnings(chain, name));
                    }
                    info
                }
                Err(err) => {
                    code = refuse(&format_args!("{}: certificate #{}: {err}", source.name, index + 1));
                    continue;
                }
            };
            if args.json {
                let record = Inspected {
                    source: source.name,
                    kind: "certificate",
                    index,
                    info: &info,
                    tls: source.fetched.map(|fetched| &fetched.session),
                    sent: match &sent {
                        Some(Ok((record, message))) => Some(Sent {
                            certificate_bytes: der.len(),
                            message_bytes: message.length,
                            record_offset_us: record.offset_us,
                            encrypted: record.encrypted,
                            opened_with: record.decrypted_with.as_deref(),
                            records: message.spans_records,
                        }),
                        _ => None,
                    },
                };
                match serde_json::to_string(&record) {
                    Ok(line) => out.line(&line),
                    Err(err) => code = refuse(&err),
                }
            } else {
                if chain.len() > 1 || several {
                    out.line(&format!(
                        "# {}: certificate {} of {}",
                        source.name,
                        index + 1,
                        chain.len()
                    ));
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
