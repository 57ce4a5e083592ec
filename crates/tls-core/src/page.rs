//! The HTTPS page on the echo port: what a browser (or curl) sees after the handshake. HTTP/1.1 is
//! hyper's; this module decides when a session is HTTP, and renders the session as HTML and JSON.
//!
//! Routes: `GET /` (HTML: "your TLS session"), `GET /json` (the same as JSON), `POST /echo` (the body
//! back), `GET /ca.pem` (the CA to compare and trust), anything else 404. Keep-alive, 400 on a malformed
//! request (hyper), limits on header and body sizes.

use std::convert::Infallible;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use rustls_pki_types::CertificateDer;
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_util::sync::CancellationToken;

use crate::certstore::Served;
use crate::inspect::{self, Position};
use crate::session::SessionInfo;
use crate::x509;
use crate::xray::escape;

/// Largest request head (request line and headers) accepted; hyper answers 431 above it.
pub const MAX_HEAD: usize = 16 * 1024;
/// Largest request body accepted by `POST /echo`; 413 above it.
pub const MAX_BODY: usize = 1024 * 1024;

/// What the page shows besides the session: the CA certificates it may offer, and, for a scenario,
/// what is wrong on purpose. The server's certificate is not here: each session shows the one it was
/// sent.
#[derive(Debug, Default)]
pub struct PageInfo {
    /// Replaced when the server reloads its files, as its certificates are.
    ca_certs: std::sync::RwLock<Arc<Vec<CertificateDer<'static>>>>,
    scenario: Option<(String, String)>,
    /// Pages of its own at their paths (the gallery's index), before the routes below.
    files: Vec<File>,
}

/// A page given whole: its path, content type and body.
#[derive(Debug)]
struct File {
    path: String,
    content_type: &'static str,
    body: Bytes,
}

impl PageInfo {
    /// A page offering, at `/ca.pem`, whichever of `ca_certs` issued the certificate a session got.
    pub fn new(ca_certs: Vec<CertificateDer<'static>>) -> Self {
        Self {
            ca_certs: std::sync::RwLock::new(Arc::new(ca_certs)),
            scenario: None,
            files: Vec::new(),
        }
    }

    /// Replaces the CA certificates offered (the file was reloaded); sessions from now on see the new ones.
    pub fn replace_ca_certs(&self, ca_certs: Vec<CertificateDer<'static>>) {
        let fresh = Arc::new(ca_certs);
        match self.ca_certs.write() {
            Ok(mut current) => *current = fresh,
            Err(poisoned) => *poisoned.into_inner() = fresh,
        }
    }

    fn ca_certs(&self) -> Arc<Vec<CertificateDer<'static>>> {
        match self.ca_certs.read() {
            Ok(current) => current.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Adds a broken-certificate scenario: its name and two sentences on what a client will say.
    #[must_use]
    pub fn with_scenario(mut self, name: &str, explanation: &str) -> Self {
        self.scenario = Some((name.to_owned(), explanation.to_owned()));
        self
    }

    /// Serves `body` at `path` (GET and HEAD), in place of what the page would show there.
    #[must_use]
    pub fn with_file(mut self, path: &str, content_type: &'static str, body: Vec<u8>) -> Self {
        self.files.push(File {
            path: path.to_owned(),
            content_type,
            body: Bytes::from(body),
        });
        self
    }
}

/// What an HTTP session did, for the session log.
#[derive(Debug, Default)]
pub struct HttpOutcome {
    /// Requests answered.
    pub requests: u64,
    /// Why it ended, when not a plain close.
    pub error: Option<String>,
}

/// The TLS session a page describes: what was negotiated, the certificate this client was sent, and
/// who the client is.
#[derive(Debug, Clone)]
pub struct Session {
    /// What the session negotiated.
    pub info: SessionInfo,
    /// The certificate the server sent on this session (for a resumed session, the one of the session
    /// it resumes); `None` when it is not known.
    pub served: Option<Served>,
    /// The client's address.
    pub peer: SocketAddr,
    /// This connection's bytes and secrets, for `/handshake`, when they were kept.
    pub handshake: Option<crate::xray::Capture>,
}

/// Serves HTTP/1.1 on an established TLS session until the client closes it, `idle` passes without a
/// request, or `cancel` fires (then in-flight requests finish and the connection closes).
pub async fn serve<S>(
    io: S,
    session: Session,
    page: Arc<PageInfo>,
    idle: Duration,
    cancel: &CancellationToken,
) -> HttpOutcome
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let counter = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let context = Arc::new(Context { session, page });
    let requests = counter.clone();
    let service = hyper::service::service_fn(move |request| {
        requests.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        respond(request, context.clone())
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(idle)
        .keep_alive(true)
        .max_buf_size(MAX_HEAD.max(8192))
        // Head and body in one write: an answer that fits one TLS record goes out as one.
        .writev(false)
        .serve_connection(TokioIo::new(io), service);
    tokio::pin!(connection);
    let result = tokio::select! {
        result = connection.as_mut() => result,
        () = cancel.cancelled() => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    HttpOutcome {
        requests: counter.load(std::sync::atomic::Ordering::Relaxed),
        error: result.err().map(|err| err.to_string()),
    }
}

#[derive(Debug)]
struct Context {
    session: Session,
    page: Arc<PageInfo>,
}

impl Context {
    /// This connection's handshake, decoded now (with the requests so far).
    fn handshake(&self) -> Option<crate::xray::Trace> {
        self.session.handshake.as_ref().map(crate::xray::Capture::trace)
    }

    /// The served leaf, read at the time of the request (so "expired" is about now).
    fn certificate(&self) -> Option<inspect::CertificateInfo> {
        let leaf = self.session.served.as_ref()?.chain().first()?;
        inspect::inspect(leaf, Position::Leaf).ok()
    }

    /// Seconds until the served leaf becomes valid, when it is not valid yet.
    fn not_valid_yet(&self) -> Option<i64> {
        let leaf = self.session.served.as_ref()?.chain().first()?;
        let (start, _) = x509::validity_unix(leaf)?;
        let now = i64::try_from(rustls_pki_types::UnixTime::now().as_secs()).ok()?;
        (start > now).then_some(start - now)
    }

    /// `/ca.pem`: the CA certificates given to the page that issued the chain this session got (its last
    /// certificate's issuer, or that certificate itself when the chain ends in its root), as PEM.
    fn ca_pem(&self) -> Result<String, String> {
        let ca_certs = self.page.ca_certs();
        if ca_certs.is_empty() {
            return Err("this server was started without a CA to offer\n".to_owned());
        }
        let Some(served) = &self.session.served else {
            return Err(
                "the certificate of this connection is not known, so neither is its CA: reconnect\n".to_owned(),
            );
        };
        let Some(top) = served.chain().last() else {
            return Err("this connection was sent no certificate\n".to_owned());
        };
        let issued: String = ca_certs
            .iter()
            .filter(|ca| *ca == top || x509::issued(ca, top))
            .map(crate::pem::certificate_pem)
            .collect();
        if issued.is_empty() {
            Err(format!(
                "none of the CA certificates this server offers issued the certificate this connection got ({}, issued by {}): there is no CA to download for it\n",
                x509::subject(&served.chain()[0]),
                x509::issuer(top)
            ))
        } else {
            Ok(issued)
        }
    }
}

async fn respond(request: Request<Incoming>, context: Arc<Context>) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    let echoed = EchoedRequest::new(&parts);
    let path = parts.uri.path();
    if let Some(file) = context.page.files.iter().find(|file| file.path == path) {
        if !matches!(parts.method, Method::GET | Method::HEAD) {
            let only = format!("GET {path}\n");
            return Ok(reply(StatusCode::METHOD_NOT_ALLOWED, "text/plain; charset=utf-8", only));
        }
        return Ok(reply(StatusCode::OK, file.content_type, file.body.clone()));
    }
    let response = match (&parts.method, path) {
        (&Method::GET | &Method::HEAD, "/") => {
            reply(StatusCode::OK, "text/html; charset=utf-8", html(&context, &echoed))
        }
        (&Method::GET | &Method::HEAD, "/json") => {
            let json = serde_json::to_string_pretty(&report(&context, &echoed))
                .unwrap_or_else(|err| format!("{{\"error\":\"{err}\"}}"));
            reply(StatusCode::OK, "application/json", json + "\n")
        }
        (&Method::GET | &Method::HEAD, "/handshake") => match context.handshake() {
            Some(trace) => reply(StatusCode::OK, "text/html; charset=utf-8", handshake_html(&trace)),
            None => reply(StatusCode::NOT_FOUND, "text/plain; charset=utf-8", NOT_KEPT.to_owned()),
        },
        (&Method::GET | &Method::HEAD, "/handshake.json") => match context.handshake() {
            Some(trace) => {
                let json =
                    serde_json::to_string_pretty(&trace).unwrap_or_else(|err| format!("{{\"error\":\"{err}\"}}"));
                reply(StatusCode::OK, "application/json", json + "\n")
            }
            None => reply(StatusCode::NOT_FOUND, "text/plain; charset=utf-8", NOT_KEPT.to_owned()),
        },
        (&Method::GET | &Method::HEAD, "/ca.pem") => match context.ca_pem() {
            Ok(pem) => reply(StatusCode::OK, "application/x-pem-file", pem),
            Err(why) => reply(StatusCode::NOT_FOUND, "text/plain; charset=utf-8", why),
        },
        (&Method::POST, "/echo") => {
            let too_large = || {
                reply(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "text/plain; charset=utf-8",
                    format!("bodies up to {MAX_BODY} bytes are echoed\n"),
                )
            };
            // Refused on its Content-Length before any of the body is read, so a client waiting on
            // `Expect: 100-continue` gets the answer instead of sending megabytes to a closed door.
            let declared = parts
                .headers
                .get(hyper::header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            if declared.is_some_and(|len| len > MAX_BODY as u64) {
                too_large()
            } else {
                match Limited::new(body, MAX_BODY).collect().await {
                    Ok(collected) => {
                        let content_type = parts
                            .headers
                            .get(CONTENT_TYPE)
                            .cloned()
                            .unwrap_or_else(|| HeaderValue::from_static("application/octet-stream"));
                        let mut response = Response::new(Full::new(collected.to_bytes()));
                        response.headers_mut().insert(CONTENT_TYPE, content_type);
                        secure(&mut response);
                        response
                    }
                    Err(_) => too_large(),
                }
            }
        }
        (_, "/" | "/json" | "/handshake" | "/handshake.json" | "/ca.pem" | "/echo") => reply(
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain; charset=utf-8",
            "GET /, GET /json, GET /handshake, GET /handshake.json, GET /ca.pem, POST /echo\n".to_owned(),
        ),
        _ => {
            let own: String = context
                .page
                .files
                .iter()
                .filter(|file| file.path != "/")
                .map(|file| format!("{}, ", file.path))
                .collect();
            reply(
                StatusCode::NOT_FOUND,
                "text/plain; charset=utf-8",
                format!("no page at {path}: try {own}/, /json, /handshake, /handshake.json, /ca.pem or POST /echo\n"),
            )
        }
    };
    Ok(response)
}

fn reply(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    secure(&mut response);
    response
}

/// Headers that keep the page inert: no scripts or outside resources, no framing, no sniffing, no
/// referrer. No HSTS: it would pin HTTPS for localhost in the browser for every other local server.
fn secure(response: &mut Response<Full<Bytes>>) {
    let headers = response.headers_mut();
    for (name, value) in [
        (
            "content-security-policy",
            "default-src 'none'; style-src 'unsafe-inline'",
        ),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        ("cache-control", "no-store"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
}

/// The request as the server received it, up to [`REFLECTED`] bytes of headers: a request head may be
/// 16 KiB, and reflected whole it would push the answer past one TLS record.
#[derive(Debug, Clone, Serialize)]
struct EchoedRequest {
    method: String,
    path: String,
    version: String,
    headers: Vec<(String, String)>,
    /// What was left out, when something was: "N bytes of the request not shown: the page shows the first 4096".
    #[serde(skip_serializing_if = "Option::is_none")]
    cut: Option<String>,
}

/// How many bytes of the request's target and headers the page and /json show back.
const REFLECTED: usize = 4096;

impl EchoedRequest {
    fn new(parts: &hyper::http::request::Parts) -> Self {
        let mut room = REFLECTED;
        let mut left_out = 0;
        let mut take = |text: String| -> String {
            let shown = shortened(&text, room);
            room -= shown.len();
            left_out += text.len() - shown.len();
            shown.to_owned()
        };
        let path = take(parts.uri.to_string());
        let headers = parts
            .headers
            .iter()
            .map(|(name, value)| (name.to_string(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
            .map(|(name, value)| (take(name), take(value)))
            .filter(|(name, _)| !name.is_empty())
            .collect();
        Self {
            method: parts.method.to_string(),
            path,
            version: format!("{:?}", parts.version),
            headers,
            cut: (left_out > 0)
                .then(|| format!("{left_out} bytes of the request not shown: the page shows the first {REFLECTED}")),
        }
    }
}

/// The longest prefix of `text` of at most `limit` bytes that ends on a character boundary.
fn shortened(text: &str, limit: usize) -> &str {
    let mut end = limit.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// `GET /json`.
#[derive(Debug, Serialize)]
struct Report<'a> {
    tls: &'a SessionInfo,
    post_quantum: bool,
    client: String,
    server_certificate: Option<ServerCertificate>,
    scenario: Option<Scenario<'a>>,
    request: &'a EchoedRequest,
}

#[derive(Debug, Serialize)]
struct ServerCertificate {
    subject: String,
    issuer: String,
    not_after: String,
    expired: bool,
    expires_in_seconds: i64,
    fingerprint_sha256: String,
    pin_sha256: String,
}

#[derive(Debug, Serialize)]
struct Scenario<'a> {
    name: &'a str,
    explanation: &'a str,
}

fn report<'a>(context: &'a Context, request: &'a EchoedRequest) -> Report<'a> {
    Report {
        tls: &context.session.info,
        post_quantum: context.session.info.is_post_quantum(),
        client: context.session.peer.to_string(),
        server_certificate: context.certificate().map(|c| ServerCertificate {
            expired: c.expires_in_seconds < 0,
            expires_in_seconds: c.expires_in_seconds,
            subject: c.subject,
            issuer: c.issuer,
            not_after: c.not_after,
            fingerprint_sha256: c.fingerprint_sha256,
            pin_sha256: c.pin_sha256,
        }),
        scenario: context
            .page
            .scenario
            .as_ref()
            .map(|(name, explanation)| Scenario { name, explanation }),
        request,
    }
}

/// Why there is no /handshake for a session.
const NOT_KEPT: &str = "this connection's handshake was not kept: the server keeps it for connections that agree on http/1.1 or http/1.0 by ALPN, as browsers and curl do\n";

/// `GET /handshake`: this connection's own handshake, seen from the server, as the x-ray's page.
fn handshake_html(trace: &crate::xray::Trace) -> String {
    trace.html(&crate::xray::HtmlPage {
        title: "Your TLS handshake".to_owned(),
        intro: "Every record of this connection as it crossed the server's socket, decrypted with the secrets the server derived for it; both Finished values recomputed.".to_owned(),
        rows: Vec::new(),
        links: vec![
            ("/handshake.json".to_owned(), "The same as JSON: /handshake.json".to_owned()),
            ("/".to_owned(), "Back to your session".to_owned()),
        ],
    })
}

/// `GET /`: plain HTML, no scripts, no external resources (the machine may be offline).
fn html(context: &Context, request: &EchoedRequest) -> String {
    let info = &context.session.info;
    let mut rows: Vec<(&str, String)> = vec![
        ("TLS version", info.version_name()),
        ("Cipher suite", info.cipher_suite_name()),
        (
            "Key exchange",
            if info.is_post_quantum() {
                format!("{} (post-quantum hybrid: ML-KEM-768 with X25519)", info.group_name())
            } else {
                info.group_name()
            },
        ),
        ("SNI", info.sni.clone().unwrap_or_else(|| "(none sent)".into())),
        ("ALPN", info.alpn.clone().unwrap_or_else(|| "(none)".into())),
        (
            "Client certificate",
            info.peer_subject.clone().unwrap_or_else(|| "(none)".into()),
        ),
        ("Your address", context.session.peer.to_string()),
    ];
    match context.certificate() {
        Some(cert) => {
            rows.push(("Server certificate", cert.subject));
            rows.push(("Issued by", cert.issuer));
            if let Some(starts_in) = context.not_valid_yet() {
                rows.push((
                    "Valid from",
                    format!(
                        "{} (NOT VALID YET: it starts in {})",
                        cert.not_before,
                        x509::span(starts_in)
                    ),
                ));
            }
            rows.push((
                "Valid until",
                format!("{} ({})", cert.not_after, x509::expiry(cert.expires_in_seconds)),
            ));
            rows.push(("SHA-256 fingerprint", cert.fingerprint_sha256));
            rows.push(("pin-sha256", cert.pin_sha256));
        }
        None if info.resumed => rows.push((
            "Server certificate",
            "(not sent on this connection, which resumed an earlier session; its certificate has been replaced since)"
                .into(),
        )),
        None => rows.push((
            "Server certificate",
            "(not known: the server was not given its certificate store)".into(),
        )),
    }
    let mut body = String::new();
    let _ = write!(
        body,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Your TLS session</title>\n\
         <style>body{{font-family:sans-serif;max-width:50em;margin:2em auto;line-height:1.4}}\
         th{{text-align:left;padding-right:1em;vertical-align:top}}td{{font-family:monospace;word-break:break-all}}\
         .scenario{{border-left:4px solid #c60;padding:.2em 1em;background:#fff4e8}}pre{{white-space:pre-wrap;word-break:break-all}}</style></head>\n<body>\n\
         <h1>Your TLS session</h1>\n"
    );
    if let Some((name, explanation)) = &context.page.scenario {
        let _ = writeln!(
            body,
            "<div class=\"scenario\"><h2>Scenario: {}</h2><p>{}</p></div>",
            escape(name),
            escape(explanation)
        );
    }
    body.push_str("<table>\n");
    for (label, value) in &rows {
        let _ = writeln!(body, "<tr><th>{}</th><td>{}</td></tr>", escape(label), escape(value));
    }
    body.push_str("</table>\n<h2>Your request</h2>\n<pre>");
    let _ = writeln!(
        body,
        "{} {} {}",
        escape(&request.method),
        escape(&request.path),
        escape(&request.version)
    );
    for (name, value) in &request.headers {
        let _ = writeln!(body, "{}: {}", escape(name), escape(value));
    }
    if let Some(cut) = &request.cut {
        let _ = writeln!(body, "({})", escape(cut));
    }
    body.push_str(
        "</pre>\n<p>Also here: <a href=\"/handshake\">/handshake</a> (your handshake, every record decoded and decrypted), \
         <a href=\"/json\">/json</a> (this page as JSON), <a href=\"/ca.pem\">/ca.pem</a> \
         (the CA: compare its fingerprint with <code>tls-cert inspect</code> before trusting it), \
         and <code>POST /echo</code>.</p>\n</body></html>\n",
    );
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_what_the_client_sent() {
        assert_eq!(escape("<script>&\"'"), "&lt;script&gt;&amp;&quot;&#39;");
    }
}
