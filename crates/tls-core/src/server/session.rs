//! One connection, from its first byte to its close: the first bytes checked (TLS, or plain HTTP and
//! SSLv2 answered and named), the handshake (noting the certificate sent), the choice between the
//! echo and the page, and one log line at the end.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufRead, AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::OwnedSemaphorePermit;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

use super::ServerOptions;
use crate::certstore::{self, Served};
use crate::diagnose::{self, Side};
use crate::echo::{self, Escaped};
use crate::error::{Diagnosis, fmt_duration};
#[cfg(feature = "page")]
use crate::page;
use crate::session::SessionInfo;
use crate::xray::{Capture, Direction, SecretStore, Tap};

/// What every session of a server shares.
pub(super) struct Session<'a> {
    pub(super) acceptor: &'a TlsAcceptor,
    pub(super) options: &'a ServerOptions,
    pub(super) cancel: &'a CancellationToken,
    /// Where rustls put the sessions' secrets, with the page on (for /handshake).
    pub(super) secrets: Option<&'a std::sync::Arc<SecretStore>>,
}

/// The most of a connection kept for /handshake: its handshake and its first requests.
const KEPT_FOR_THE_PAGE: usize = 32 * 1024;

impl Session<'_> {
    /// One connection, from first byte to close; logs one line at the end. `place` is the connection's
    /// place under the connection limit: given back as soon as the socket is closed, before the log
    /// line, so a client that reads the log and connects again finds it free.
    pub(super) async fn run(self, tcp: TcpStream, peer: SocketAddr, place: OwnedSemaphorePermit) {
        let started = Instant::now();
        // Each phase's future is boxed: the session's task then holds only the one running now (an idle
        // session is most of what a server holds), not room for the largest of them all.
        match Box::pin(self.handshake(tcp)).await {
            Ok(accepted) => self.serve(accepted, peer, started, place).await,
            Err((reason, sni)) => {
                // The handshake, and with it the socket, is gone by now.
                drop(place);
                if reason.is_empty() {
                    tracing::debug!(%peer, "closed before sending anything");
                } else {
                    let elapsed_ms = started.elapsed().as_millis() as u64;
                    tracing::info!(%peer, sni = sni.as_deref(), elapsed_ms, "handshake failed: {reason}");
                }
            }
        }
    }

    /// The first bytes checked and the handshake, bounded by the handshake timeout; when it fails, the
    /// reason in words (empty for a client that closed before sending anything) and the name the
    /// client asked for, when its ClientHello was read.
    async fn handshake(&self, tcp: TcpStream) -> Result<Accepted, (String, Option<String>)> {
        let options = self.options;
        let deadline = tokio::time::Instant::now() + options.handshake_timeout;
        let capture = self.secrets.map(|_| Capture::with_limit(KEPT_FOR_THE_PAGE));
        // A failure's reason, and whether the client refused our certificate's CA (unknown_ca), which the
        // chain it was sent says more about.
        // The name a chosen configuration was picked by, kept past a timeout (which drops what the
        // handshake noted).
        let asked = std::sync::OnceLock::new();
        let handshake = async {
            check_first_bytes(&tcp).await.map_err(|reason| (reason, false))?;
            let tap = Tap::new(tcp, capture.clone(), Direction::Server);
            let accepted = match &options.choose {
                None => self.acceptor.accept(tap).await.map(|tls| (tls, None)),
                Some(chooser) => self.accept_chosen(chooser.as_ref(), tap, &asked).await,
            };
            accepted
                // On the heap once, not in each of the places the session's future moves it through.
                .map(|(tls, choice)| (Box::new(tls), choice))
                .map_err(|err| {
                    let unknown_ca = diagnose::alert_received(&err) == Some(rustls::AlertDescription::UnknownCA);
                    (
                        diagnose::handshake_error(&err, Side::Server).said_with(options.advice),
                        unknown_ca,
                    )
                })
        };
        // The certificate this client was sent (or, resumed, the one its ticket names), noted during the
        // handshake itself: the log and the page name it even if a reload replaces it meanwhile.
        // Each phase's future is boxed: the session's task then holds only the one running now (an idle
        // session is most of what a server holds), not room for the largest of them all (hyper's).
        let handshake = Box::pin(certstore::recording(options.certs.as_deref(), handshake));
        let (result, seen) = tokio::select! {
            () = self.cancel.cancelled() => (Err(("server shutting down".to_owned(), false)), Default::default()),
            result = tokio::time::timeout_at(deadline, handshake) => result.unwrap_or_else(|_| {
                let reason = format!("no complete TLS handshake within {}", fmt_duration(options.handshake_timeout));
                (Err((reason, false)), Default::default())
            }),
        };
        let (mut tls, choice) = match result {
            Ok(accepted) => accepted,
            Err((reason, unknown_ca)) => {
                let sent = seen.chosen.as_ref().map(Served::chain).filter(|_| unknown_ca);
                let said = |diagnosis: Diagnosis| diagnosis.said_with(options.advice);
                let reason = seen
                    .client_certificate_problem
                    .map(|refusal| said(Diagnosis::from(&refusal)))
                    .or_else(|| sent.map(diagnose::unknown_ca).map(said))
                    .unwrap_or(reason);
                return Err((reason, seen.server_name.or_else(|| asked.get().cloned())));
            }
        };
        let info = {
            let (_, conn) = tls.get_ref();
            SessionInfo::from_connection(conn, conn.server_name())
        };
        let served = seen.served(info.resumed);
        let capture = self.kept_for_the_page(capture, &info);
        if capture.is_none() {
            tls.get_mut().0.stop();
        }
        #[cfg(feature = "page")]
        let page = choice.and_then(|choice| choice.page).or_else(|| options.page.clone());
        #[cfg(not(feature = "page"))]
        drop(choice);
        Ok(Accepted {
            tls,
            info,
            served,
            capture,
            #[cfg(feature = "page")]
            page,
        })
    }

    /// Reads the ClientHello, lets `chooser` pick the configuration (waiting as long as it says), and
    /// goes on with the handshake on it; its secrets go where the other sessions' go.
    async fn accept_chosen(
        &self,
        chooser: &dyn super::ChoosesConfig,
        tap: Tap,
        asked: &std::sync::OnceLock<String>,
    ) -> std::io::Result<(tokio_rustls::server::TlsStream<Tap>, Option<super::Choice>)> {
        let start = tokio_rustls::LazyConfigAcceptor::new(rustls::server::Acceptor::default(), tap).await?;
        let hello = start.client_hello();
        if let Some(name) = hello.server_name() {
            let _ = asked.set(name.to_owned());
        }
        let choice = chooser.choose(&hello);
        if !choice.delay.is_zero() {
            tokio::time::sleep(choice.delay).await;
        }
        let config = match self.secrets {
            Some(store) => {
                let mut tapped = (*choice.config).clone();
                tapped.key_log = store.clone();
                std::sync::Arc::new(tapped)
            }
            None => choice.config.clone(),
        };
        let tls = start.into_stream(config).await?;
        Ok((tls, Some(choice)))
    }

    /// The session's own secrets are taken from the store either way (so it never fills), and kept, with
    /// the capture, only for a session that agreed on http/1.1 by ALPN (browsers, curl): one that may
    /// ask for /handshake. Decided before anything else is read, so a quiet session holds neither.
    fn kept_for_the_page(&self, capture: Option<Capture>, info: &SessionInfo) -> Option<Capture> {
        let (capture, store) = capture.zip(self.secrets)?;
        let own = capture
            .client_random()
            .map(|random| store.take(&random))
            .unwrap_or_default();
        agreed_http(info).then(|| {
            capture.add_secrets(own);
            capture
        })
    }

    /// An established session: the echo, or the page, until it ends; then its log line.
    async fn serve(&self, accepted: Accepted, peer: SocketAddr, started: Instant, place: OwnedSemaphorePermit) {
        let Accepted {
            mut tls,
            info,
            served,
            capture,
            #[cfg(feature = "page")]
            page,
        } = accepted;
        #[cfg(not(feature = "page"))]
        let page = None::<()>;
        let (options, cancel) = (self.options, self.cancel);
        let (protocol, replay) = tokio::select! {
            chosen = Box::pin(choose_protocol(&mut tls, &info, options, page.is_some())) => chosen,
            // At shutdown the echo loop (which watches `cancel` too) ends it with close_notify.
            () = cancel.cancelled() => (Protocol::Echo, Replay::default()),
        };
        let mut stream = Rewind::new(replay, tls);
        let log = SessionLog {
            peer,
            info: &info,
            served: served.as_ref(),
            started,
        };
        #[cfg(feature = "page")]
        if let (Protocol::Http, Some(page)) = (protocol, page) {
            let session = page::Session {
                info: info.clone(),
                served: served.clone(),
                peer,
                handshake: capture,
            };
            let outcome = Box::pin(page::serve(stream, session, page, options.idle_timeout, cancel)).await;
            drop(place);
            log.https(&outcome);
            return;
        }
        #[cfg(not(feature = "page"))]
        drop(capture);
        let outcome = if protocol == Protocol::Idle {
            // As the echo loop ends an idle session: close_notify, bounded.
            let _ = tokio::time::timeout(Duration::from_secs(1), tokio::io::AsyncWriteExt::shutdown(&mut stream)).await;
            echo::Outcome {
                bytes_in: 0,
                bytes_out: 0,
                end: echo::End::IdleTimeout(options.idle_timeout),
                preview: Vec::new(),
            }
        } else {
            echo::drive(&mut stream, options.mode, options.idle_timeout, cancel).await
        };
        drop(stream);
        drop(place);
        log.echo(&outcome);
    }
}

/// A session whose handshake is done.
struct Accepted {
    tls: Box<tokio_rustls::server::TlsStream<Tap>>,
    info: SessionInfo,
    /// The certificate it was sent.
    served: Option<Served>,
    /// Its bytes and secrets, kept for the page's /handshake.
    capture: Option<Capture>,
    /// The page HTTP clients are shown on it, when there is one.
    #[cfg(feature = "page")]
    page: Option<std::sync::Arc<page::PageInfo>>,
}

/// The fields both kinds of session log, written once.
struct SessionLog<'a> {
    peer: SocketAddr,
    info: &'a SessionInfo,
    served: Option<&'a Served>,
    started: Instant,
}

/// Logs one session line: the shared fields, then the ones of its kind. Absent values are empty
/// (`None`), which the JSON log writes as null and the text log leaves out.
macro_rules! session_line {
    ($log:expr, $message:literal, $($field:tt)*) => {
        tracing::info!(
            peer = %$log.peer,
            tls = %$log.info.version_name(),
            cipher = %$log.info.cipher_suite_name(),
            group = %$log.info.group_name(),
            resumed = $log.info.resumed,
            sni = $log.info.sni.as_deref(),
            alpn = $log.info.alpn.as_deref(),
            client_cert = $log.info.peer_subject.as_deref(),
            cert = $log.cert(),
            cert_sha256 = $log.served.map(Served::fingerprint),
            duration_ms = $log.started.elapsed().as_millis() as u64,
            $($field)*
            $message
        )
    };
}

impl SessionLog<'_> {
    /// The certificate's subject; for a session resumed from a certificate a reload has replaced since,
    /// says so rather than leave it out.
    fn cert(&self) -> Option<&str> {
        match (self.served, self.info.resumed) {
            (Some(served), _) => Some(served.subject()),
            (None, true) => Some("(a resumed session's; replaced by a reload since)"),
            (None, false) => None,
        }
    }

    #[cfg(feature = "page")]
    fn https(&self, outcome: &page::HttpOutcome) {
        session_line!(
            self,
            "https session",
            http_requests = outcome.requests,
            end = %outcome.error.as_deref().unwrap_or("closed"),
        );
    }

    fn echo(&self, outcome: &echo::Outcome) {
        session_line!(self, "session",
            bytes_in = outcome.bytes_in,
            bytes_out = outcome.bytes_out,
            end = %outcome.end,
            preview = %Escaped(&outcome.preview),
        );
    }
}

/// How long bytes that begin like an HTTP request line may wait for the rest of the line before they
/// are taken for echo.
#[cfg(feature = "page")]
const SNIFF_GRACE: Duration = Duration::from_millis(200);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(feature = "page"), allow(dead_code))]
enum Protocol {
    Echo,
    Http,
    /// Nothing arrived for the idle timeout: the session ends without either.
    Idle,
}

/// Whether the session agreed by ALPN on HTTP/1.x (`http/1.1`, or `http/1.0` as `curl --http1.0` asks).
fn agreed_http(info: &SessionInfo) -> bool {
    matches!(info.alpn.as_deref(), Some("http/1.1" | "http/1.0"))
}

/// Without the page, every session is echo.
#[cfg(not(feature = "page"))]
async fn choose_protocol(
    _tls: &mut tokio_rustls::server::TlsStream<Tap>,
    _info: &SessionInfo,
    _options: &ServerOptions,
    _page: bool,
) -> (Protocol, Replay) {
    (Protocol::Echo, Replay::default())
}

/// HTTP when the client agreed to `http/1.1` by ALPN or starts with an HTTP/1.x request line (and the
/// server has a page to show); echo otherwise. Returns what was read to decide, to be replayed.
#[cfg(feature = "page")]
async fn choose_protocol(
    tls: &mut tokio_rustls::server::TlsStream<Tap>,
    info: &SessionInfo,
    options: &ServerOptions,
    page: bool,
) -> (Protocol, Replay) {
    let mut replay = Replay::default();
    if !page {
        return (Protocol::Echo, replay);
    }
    if agreed_http(info) {
        return (Protocol::Http, replay);
    }
    if options.mode == echo::Mode::Raw {
        return (Protocol::Echo, replay);
    }
    let mut head = Vec::new();
    loop {
        match echo::sniff(&head, page::MAX_HEAD) {
            echo::Sniff::Http => return (Protocol::Http, replay),
            echo::Sniff::Echo => return (Protocol::Echo, replay),
            echo::Sniff::Undecided => {}
        }
        // An HTTP client sends its request line at once; bytes that only begin like one ("GET x", typed
        // or sent without a newline) are echo after a short wait, not held until the idle timeout.
        let wait = if head.is_empty() {
            options.idle_timeout
        } else {
            SNIFF_GRACE
        };
        match tokio::time::timeout(wait, echo::fill_flushing(tls)).await {
            Ok(Ok([])) => return (Protocol::Echo, replay),
            Ok(Ok(chunk)) => {
                let chunk = chunk.to_vec();
                std::pin::Pin::new(&mut *tls).consume(chunk.len());
                head.extend_from_slice(&chunk);
                replay.chunks.push_back(chunk);
            }
            // The TLS layer reports a bad record once, when it reads it (having sent its alert), and
            // then waits for bytes that may never come: the error ends the session, through the echo
            // loop that reads it next, at once.
            Ok(Err(err)) => {
                replay.end = Some(err);
                return (Protocol::Echo, replay);
            }
            Err(_) if head.is_empty() => return (Protocol::Idle, replay),
            Err(_) => return (Protocol::Echo, replay),
        }
    }
}

/// What the protocol sniff took from the stream: the chunks it read, each as it came (one TLS record
/// each), then the read error that ended it, if one did.
#[derive(Debug, Default)]
struct Replay {
    chunks: VecDeque<Vec<u8>>,
    end: Option<std::io::Error>,
}

/// A stream that first gives back what the sniff took from it, chunk by chunk (so each record is still
/// echoed as one), then the error that ended the sniff, then the stream itself.
struct Rewind<S> {
    replay: Replay,
    /// How much of the first chunk has been given already.
    offset: usize,
    inner: S,
}

impl<S> Rewind<S> {
    fn new(replay: Replay, inner: S) -> Self {
        Self {
            replay,
            offset: 0,
            inner,
        }
    }

    /// Takes `n` bytes of the chunk being replayed, if one is.
    fn consume_replayed(&mut self, n: usize) -> bool {
        let Some(front) = self.replay.chunks.front() else {
            return false;
        };
        self.offset += n;
        if self.offset >= front.len() {
            self.replay.chunks.pop_front();
            self.offset = 0;
        }
        true
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Rewind<S> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let this = &mut *self;
        if let Some(front) = this.replay.chunks.front() {
            let n = buf.remaining().min(front.len() - this.offset);
            buf.put_slice(&front[this.offset..this.offset + n]);
            this.consume_replayed(n);
            return std::task::Poll::Ready(Ok(()));
        }
        if let Some(err) = this.replay.end.take() {
            return std::task::Poll::Ready(Err(err));
        }
        std::pin::Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncBufRead + Unpin> AsyncBufRead for Rewind<S> {
    fn poll_fill_buf(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<&[u8]>> {
        let this = self.get_mut();
        if let Some(err) = this.replay.chunks.is_empty().then(|| this.replay.end.take()).flatten() {
            return std::task::Poll::Ready(Err(err));
        }
        match this.replay.chunks.front() {
            Some(front) => std::task::Poll::Ready(Ok(&front[this.offset..])),
            None => std::pin::Pin::new(&mut this.inner).poll_fill_buf(cx),
        }
    }

    fn consume(mut self: std::pin::Pin<&mut Self>, n: usize) {
        if !self.consume_replayed(n) {
            std::pin::Pin::new(&mut self.inner).consume(n);
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Rewind<S> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        data: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.inner).poll_write(cx, data)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Answers a plain-HTTP request on the TLS port with a plaintext 400 saying so (as nginx does), so a
/// browser or curl shows why instead of a reset connection. The request head is read first (bounded in
/// size; the handshake deadline bounds the time): closing with unread bytes would reset the connection
/// and lose the answer.
async fn answer_plain_http(tcp: &TcpStream) {
    const BODY: &str = "This port speaks HTTPS (TLS), not plain HTTP: use https:// in the address.\n";
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    while head.len() < 16 * 1024 && !head.windows(4).any(|w| w == b"\r\n\r\n") && !head.windows(2).any(|w| w == b"\n\n")
    {
        if tcp.readable().await.is_err() {
            return;
        }
        match tcp.try_read(&mut buf) {
            Ok(0) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
            Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(_) => return,
        }
    }
    let answer = format!(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{BODY}",
        BODY.len()
    );
    let mut written = 0;
    while written < answer.len() {
        if tcp.writable().await.is_err() {
            return;
        }
        match tcp.try_write(&answer.as_bytes()[written..]) {
            Ok(n) => written += n,
            Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(_) => return,
        }
    }
}

/// Refuses, with a reason, a client whose first bytes are not a TLS record, so plain HTTP or
/// an SSLv2 hello is named in the log instead of showing up as a parse error. `Err("")` means the
/// client closed without sending anything (a port probe or health check).
async fn check_first_bytes(tcp: &TcpStream) -> Result<(), String> {
    let mut head = [0u8; 8];
    let n = tcp
        .peek(&mut head)
        .await
        .map_err(|err| diagnose::io_error(&err, Side::Server).to_string())?;
    let head = &head[..n];
    match head {
        [] => Err(String::new()),
        // A TLS record of any type: a handshake, or a ChangeCipherSpec, alert or application data out
        // of place, which rustls answers as TLS says (unexpected_message), not a reset.
        [0x16, ..] | [0x14..=0x18] | [0x14..=0x18, 0x03, ..] => Ok(()),
        [b, _, 0x01, ..] if b & 0x80 != 0 => {
            // A fatal protocol_version alert in a TLS record, as tlsfuzzer expects; best effort, since
            // the socket is about to close anyway.
            let _ = tcp.try_write(&[0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46]);
            Err("client sent an SSLv2-style hello; this server speaks TLS 1.2 and 1.3 only".into())
        }
        _ if head.iter().all(|b| b.is_ascii_uppercase() || *b == b' ' || *b == b'/') => {
            let reason = format!("not TLS (plain HTTP?): it began with \"{}\"", Escaped(head));
            answer_plain_http(tcp).await;
            Err(reason)
        }
        _ => Err(format!("not TLS: it began with \"{}\"", Escaped(head))),
    }
}
