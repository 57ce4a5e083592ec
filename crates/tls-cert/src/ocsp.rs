//! `tls-cert ocsp` and `tls-cert ocsp-responder`: a CA folder's answer to "is this certificate
//! revoked?", signed by its CA from what its index.txt records: as a file a server staples, or over
//! HTTP (RFC 6960's POST, and GET with the request in base64) to `openssl ocsp -url` and browsers.

use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tls_core::HostPort;
use tls_core::ocsp::{self, CertId, CertStatus, Issuer};
use tls_core::x509;

use crate::revoke::CaFolder;
use crate::{Stdout, files, refuse};

/// Hours an answer is current for, over HTTP: clients ask again after that.
const ANSWER_HOURS: u64 = 24;
/// Largest request body read: an OCSP request for a few certificates is a few hundred bytes.
const MAX_REQUEST: usize = 64 * 1024;

/// Flags of `tls-cert ocsp`.
#[derive(Debug, clap::Args)]
pub(crate) struct OcspArgs {
    /// The certificate to answer for (PEM or DER; the first certificate of the file)
    #[arg(value_name = "CERT")]
    cert: PathBuf,
    /// The CA folder that signed it (ca.pem, ca.key and the index.txt tls-cert revoke keeps)
    #[arg(long, value_name = "DIR")]
    ca_dir: PathBuf,
    /// Where to write the response (DER), for echo-server --ocsp-response
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Days the response is current for (its next update): make it again before then
    #[arg(long, default_value_t = 7, value_name = "N", value_parser = crate::revoke::list_days)]
    days: u64,
    /// Replace --out when it exists (at once: a server reloading it sees the old file or the new one)
    #[arg(long)]
    force: bool,
}

/// Flags of `tls-cert ocsp-responder`.
#[derive(Debug, clap::Args)]
pub(crate) struct ResponderArgs {
    /// The CA folder to answer for; its index.txt is read at each request, so a revocation counts at once
    #[arg(long, value_name = "DIR")]
    ca_dir: PathBuf,
    /// Address to listen on, HOST:PORT (port 0 picks a free one; the real one is printed)
    #[arg(long, default_value = "127.0.0.1:8888", value_name = "ADDR", value_parser = HostPort::parse)]
    listen: HostPort,
}

/// The status the folder's index gives the certificate with `serial` (big-endian, as its INTEGER):
/// revoked when it records so, else good (a CA answers good for what it has not revoked, as its CRL
/// would).
fn status_of(folder: &CaFolder, serial: &[u8]) -> CertStatus {
    match folder
        .line_for(x509::serial_number(serial))
        .and_then(|line| line.revoked)
    {
        Some((date, reason)) => CertStatus::Revoked {
            date,
            reason: Some(reason),
        },
        None => CertStatus::Good,
    }
}

/// Writes the folder's signed answer for `args.cert`.
pub(crate) fn run(args: &OcspArgs) -> ExitCode {
    let folder = match CaFolder::open(&args.ca_dir) {
        Ok(folder) => folder,
        Err(why) => return refuse(&why),
    };
    let cert_der = match folder.issued_certificate(&args.cert) {
        Ok(cert) => cert,
        Err(code) => return code,
    };
    let issuer = Issuer::of(&folder.ca.issued.cert);
    let Some(id) = issuer.and_then(|issuer| CertId::of(&cert_der, &issuer, false)) else {
        return refuse(&format!("{} cannot be read as a certificate", args.cert.display()));
    };
    let status = status_of(&folder, &id.serial);
    // Current no longer than the CA: refused as a certificate of that many days would be.
    if let Err(err) = folder.ca.within_its_dates(args.days) {
        return crate::fail(&err);
    }
    let hours = args.days.saturating_mul(24);
    let response = match folder.ca.ocsp_response(&[(id, status)], hours, None) {
        Ok(response) => response,
        Err(err) => return crate::fail(&err),
    };
    let folder_files = files::ca_folder_files(&folder.dir);
    let mut inputs: Vec<(&str, &Path)> = folder_files
        .iter()
        .map(|(what, path)| (*what, path.as_path()))
        .collect();
    inputs.push(("the certificate", &args.cert));
    if let Err(why) = files::not_an_input(&args.out, &inputs) {
        return refuse(&why);
    }
    if args.out.is_dir() {
        return refuse(&format!("--out {} is a folder: give a file name", args.out.display()));
    }
    if !args.force && args.out.exists() {
        return refuse(&format!(
            "{} exists: give --force to replace it (a server stapling it reloads it), or another --out",
            args.out.display()
        ));
    }
    if let Err(err) = files::replace(&args.out, &response) {
        return crate::fail(&err);
    }
    let mut out = Stdout::default();
    out.line(&format!(
        "wrote {}: OCSP response for {}, serial {}: {status}; signed by {}, current for {} (make it again before then)",
        args.out.display(),
        x509::subject(&cert_der),
        x509::serial_hex(&cert_der),
        x509::subject(&folder.ca.issued.cert),
        x509::span(i64::try_from(hours.saturating_mul(3600)).unwrap_or(i64::MAX))
    ));
    let (cert, response, ca) = (
        crate::generate::shell_word(&args.cert),
        crate::generate::shell_word(&args.out),
        crate::generate::shell_word(&folder.dir.join("ca.pem")),
    );
    if crate::revoke::for_servers(&cert_der) {
        out.line(&format!(
            "staple it: echo-server --cert {cert} --key KEY --ocsp-response {response}"
        ));
    }
    out.line(&format!(
        "check it: openssl ocsp -respin {response} -issuer {ca} -CAfile {ca} -cert {cert}"
    ));
    ExitCode::SUCCESS
}

/// Answers OCSP requests over HTTP until stopped.
pub(crate) async fn serve(args: &ResponderArgs) -> ExitCode {
    // Opened once to refuse a folder that is none; read again at each request.
    if let Err(why) = CaFolder::open(&args.ca_dir) {
        return refuse(&why);
    }
    let listener = match tls_core::server::bind_with(&args.listen, false).await {
        Ok(listener) => listener,
        Err(err) => return crate::fail(&err),
    };
    let local = match listener.local_addr() {
        Ok(local) => local,
        Err(err) => return refuse(&format!("cannot read the address listened on: {err}")),
    };
    let mut out = Stdout::default();
    out.line(&format!("listening on {local}"));
    out.line(&format!(
        "answering for the CA of {dir} at http://{local}/ (openssl ocsp -url http://{local}/ -issuer {ca} -CAfile {ca} -cert CERT)",
        dir = args.ca_dir.display(),
        ca = args.ca_dir.join("ca.pem").display()
    ));
    let dir = Arc::new(args.ca_dir.clone());
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    eprintln!("accept failed: {err}");
                    continue;
                }
            },
            _ = tokio::signal::ctrl_c() => return ExitCode::SUCCESS,
        };
        let dir = dir.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| answer(request, dir.clone(), peer));
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(Duration::from_secs(10))
                .max_buf_size(16 * 1024)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// One HTTP request: the OCSP request from its body (POST) or its path (GET, base64), answered.
async fn answer(
    request: Request<Incoming>,
    dir: Arc<PathBuf>,
    peer: std::net::SocketAddr,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    let asked = match parts.method {
        Method::POST => Limited::new(body, MAX_REQUEST)
            .collect()
            .await
            .map(|body| body.to_bytes().to_vec())
            .map_err(|_| format!("a body over {MAX_REQUEST} bytes")),
        Method::GET => from_path(parts.uri.path()),
        _ => {
            let mut response = Response::new(Full::new(Bytes::from_static(b"OCSP: POST a request, or GET /BASE64\n")));
            *response.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
            return Ok(response);
        }
    };
    let (said, bytes) = match asked.and_then(|bytes| ocsp::read_request(&bytes)) {
        Ok(request) => respond(&dir, &request),
        Err(why) => (format!("malformedRequest ({why})"), ocsp::refusal(1)),
    };
    eprintln!("{peer}: {said}");
    let mut response = Response::new(Full::new(Bytes::from(bytes)));
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/ocsp-response"),
    );
    Ok(response)
}

/// The signed answer to `request` from the folder in `dir` as it is now, and what it says in words.
fn respond(dir: &Path, request: &ocsp::Request) -> (String, Vec<u8>) {
    let folder = match CaFolder::open(dir) {
        Ok(folder) => folder,
        Err(why) => return (format!("internalError ({why})"), ocsp::refusal(2)),
    };
    let Some(issuer) = Issuer::of(&folder.ca.issued.cert) else {
        return (
            "internalError (the CA certificate does not parse)".into(),
            ocsp::refusal(2),
        );
    };
    if let Some(other) = request.ids.iter().find(|id| !id.issued_by(&issuer)) {
        return (
            format!(
                "unauthorized (serial {} is not from {})",
                other.serial_hex(),
                x509::subject(&folder.ca.issued.cert)
            ),
            ocsp::refusal(6),
        );
    }
    let answers: Vec<ocsp::Answer> = request
        .ids
        .iter()
        .map(|id| (id.clone(), status_of(&folder, &id.serial)))
        .collect();
    let said: Vec<String> = answers
        .iter()
        .map(|(id, status)| format!("serial {}: {status}", id.serial_hex()))
        .collect();
    match folder
        .ca
        .ocsp_response(&answers, ANSWER_HOURS, request.nonce.as_deref())
    {
        Ok(bytes) => (said.join("; "), bytes),
        Err(err) => (format!("internalError ({err})"), ocsp::refusal(2)),
    }
}

/// The request a GET carries: the end of its path, percent-decoded, as base64, after the responder's
/// own path when its URL has one (`/ocsp/BASE64`).
fn from_path(path: &str) -> Result<Vec<u8>, String> {
    let mut starts = path.match_indices('/').map(|(at, _)| at + 1);
    let whole = decoded(path.trim_start_matches('/'));
    if whole.as_deref().is_ok_and(|bytes| ocsp::read_request(bytes).is_ok()) {
        return whole;
    }
    // A responder URL with a path of its own: the request is what follows one of its slashes.
    starts
        .find_map(|start| {
            decoded(&path[start..])
                .ok()
                .filter(|bytes| ocsp::read_request(bytes).is_ok())
        })
        .map_or(whole, Ok)
}

/// `encoded`, percent-decoded, as base64.
fn decoded(encoded: &str) -> Result<Vec<u8>, String> {
    use base64::Engine as _;
    let mut decoded = String::with_capacity(encoded.len());
    let mut chars = encoded.chars();
    while let Some(c) = chars.next() {
        if c == '%' {
            let hex: String = chars.by_ref().take(2).collect();
            let byte = u8::from_str_radix(&hex, 16).map_err(|_| format!("a bad escape %{hex} in the path"))?;
            decoded.push(char::from(byte));
        } else {
            decoded.push(c);
        }
    }
    base64::engine::general_purpose::STANDARD
        .decode(decoded.as_bytes())
        .map_err(|_| "a path that is not base64".to_owned())
}
