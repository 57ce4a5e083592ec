//! Connecting, verifying, and echo round trips, each phase with its own timeout.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rustls::ClientConfig;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio_rustls::TlsConnector;

use crate::address::ToAddress;
use crate::diagnose::{self, Side};
use crate::echo::{Echo, Mode};
use crate::error::{Diagnosis, Error, Hint, Result, Step};
use crate::remedy::Remedy;
use crate::session::SessionInfo;
use crate::verifier;
use crate::xray::{Capture, Direction, Tap, Trace};

mod exchange;

use exchange::Exchange;

/// Time limits for each phase of a client session.
#[derive(Debug, Clone, Copy)]
pub struct ClientOptions {
    /// TCP connect.
    pub connect_timeout: Duration,
    /// TLS handshake.
    pub handshake_timeout: Duration,
    /// Each write and each wait for the echo.
    pub io_timeout: Duration,
}

impl ClientOptions {
    /// Every phase bounded by `limit` (the programs' `--timeout`).
    pub fn each(limit: Duration) -> Self {
        Self {
            connect_timeout: limit,
            handshake_timeout: limit,
            io_timeout: limit,
        }
    }
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self::each(Duration::from_secs(10))
    }
}

/// The host part of `HOST:PORT` (`[::1]:7777` gives `::1`), as the name to verify the server against.
///
/// # Errors
/// [`Error::InvalidAddress`] when `addr` is not `HOST:PORT`, [`Error::InvalidServerName`] when the host
/// is neither a DNS name nor an IP address.
pub fn server_name_for(addr: impl ToAddress) -> Result<ServerName<'static>> {
    let address = addr.to_address()?;
    parse_server_name(&address.host)
}

pub use crate::config::parse_server_name;
/// The TLS stream [`Connection::into_stream`] gives (tokio-rustls'), re-exported for callers.
pub use tokio_rustls::client::TlsStream;

/// An established, verified TLS session with an echo server.
#[derive(Debug)]
pub struct Connection {
    stream: TlsStream<Tap>,
    peer: SocketAddr,
    info: SessionInfo,
    options: ClientOptions,
    /// The server's echo rule, mirrored to know what the answer must be.
    expected: Echo,
    /// Recorded for the x-ray, which then waits for the server's FIN on closing.
    traced: bool,
}

/// How long a client that has said goodbye (its close_notify) waits for the server's: its close_notify,
/// then, traced, its FIN. A server that closes answers at once; one that keeps the connection open
/// costs the user no more than this (or `--timeout`, when shorter).
const CLOSE_WAIT: Duration = Duration::from_secs(1);

/// Connects to `addr`, completes the handshake and verifies the server as `server_name`.
///
/// # Errors
/// [`Error::InvalidAddress`] for text that is not `HOST:PORT`, [`Error::Connect`] (with a hint when
/// nothing listens), [`Error::Timeout`] naming the phase, or [`Error::Handshake`] whose reason explains
/// a rejected certificate in words.
pub async fn connect(
    addr: impl ToAddress,
    server_name: ServerName<'static>,
    config: Arc<ClientConfig>,
    options: ClientOptions,
) -> Result<Connection> {
    connect_with(addr, server_name, config, options, None).await
}

/// A connection recorded for the x-ray, as [`connect_traced`] gives it.
#[derive(Debug)]
pub struct TracedConnection {
    /// The connection, or why there is none.
    pub connected: Result<Connection>,
    /// Its bytes both ways and its secrets, whatever happened: a failed handshake can be looked at too.
    pub capture: Capture,
}

/// As [`connect`], recording the connection for the x-ray: its bytes both ways and its secrets, kept in
/// memory. The capture comes back whatever happened, so a failed handshake can be looked at too.
pub async fn connect_traced(
    addr: impl ToAddress,
    server_name: ServerName<'static>,
    config: Arc<ClientConfig>,
    options: ClientOptions,
) -> TracedConnection {
    let capture = Capture::new();
    let connected = connect_recorded(addr, server_name, config, options, &capture).await;
    TracedConnection { connected, capture }
}

/// As [`connect_traced`], recording into `capture`, which the caller holds all along: what was
/// recorded is there even when this future is dropped half-way (the user gave up, say).
///
/// # Errors
/// As [`connect`].
pub async fn connect_recorded(
    addr: impl ToAddress,
    server_name: ServerName<'static>,
    config: Arc<ClientConfig>,
    options: ClientOptions,
    capture: &Capture,
) -> Result<Connection> {
    capture.forward_to(config.key_log.clone());
    let mut traced = (*config).clone();
    traced.key_log = Arc::new(capture.clone());
    connect_with(addr, server_name, Arc::new(traced), options, Some(capture.clone())).await
}

/// A TCP connection to `address`: for a name under `localhost`, 127.0.0.1 then ::1, without asking
/// the system (whose hosts file may give `localhost` one of them only).
async fn tcp_connect(address: &crate::address::HostPort) -> std::io::Result<TcpStream> {
    match address.under_localhost() {
        Some(loopback) => TcpStream::connect(&loopback[..]).await,
        None => TcpStream::connect((address.host.as_str(), address.port)).await,
    }
}

async fn connect_with(
    addr: impl ToAddress,
    server_name: ServerName<'static>,
    config: Arc<ClientConfig>,
    options: ClientOptions,
    capture: Option<Capture>,
) -> Result<Connection> {
    let address = addr.to_address()?;
    let connect_error = |cause: std::io::Error| {
        let hint = match cause.kind() {
            std::io::ErrorKind::ConnectionRefused => Hint::Says("is the server running, and on that port?"),
            _ => Hint::None,
        };
        Error::Connect {
            addr: address.to_string(),
            cause,
            hint,
        }
    };
    let tcp = tokio::time::timeout(options.connect_timeout, tcp_connect(&address))
        .await
        .map_err(|_| {
            connect_error(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!(
                    "no answer within {}",
                    crate::error::fmt_duration(options.connect_timeout)
                ),
            ))
        })?
        .map_err(connect_error)?;
    let peer = tcp.peer_addr().map_err(connect_error)?;
    if let Some(capture) = &capture {
        capture.restart_clock();
    }
    let _ = tcp.set_nodelay(true);
    let traced = capture.is_some();
    let watching = capture.clone();
    let sends_a_certificate = config.client_auth_cert_resolver.has_certs();
    // What the client sends as SNI: rustls sends a DNS name, never an IP address.
    let sni = match &server_name {
        ServerName::DnsName(name) if config.enable_sni => Some(name.as_ref().to_owned()),
        _ => None,
    };
    // A refused certificate's explanation comes aside, so rustls sends the alert that fits it.
    let handshake =
        verifier::explained(TlsConnector::from(config).connect(server_name, Tap::new(tcp, capture, Direction::Client)));
    let (shaken, (refused, stapled)) = tokio::time::timeout(options.handshake_timeout, handshake)
        .await
        .map_err(|_| Error::Timeout {
            phase: Step::Handshake,
            peer,
            after: options.handshake_timeout,
        })?;
    let stream = shaken.map_err(|cause| {
        // Traced, the handshake says whether the server asked for a client certificate that was not
        // sent: over TLS 1.2 its alert (handshake_failure, decode_error) would not say so.
        let (asked, sent_none) = watching.as_ref().map(Capture::trace).map_or((false, false), |trace| {
            (trace.client_certificate_requested(), trace.client_sent_no_certificate())
        });
        let reason = match (refused, diagnose::alert_received(&cause)) {
            (Some(refused), _) => Diagnosis::from(&refused.refusal),
            (None, Some(alert)) if asked && sent_none => {
                let name = crate::names::alert(u8::from(alert));
                if sends_a_certificate {
                    Diagnosis::says(format!(
                        "the server requires a client certificate (it sent CertificateRequest), and ours is not of a kind it asked for (the key types and signature schemes its request lists), so none was sent and it ended the handshake (alert {name})"
                    ))
                } else {
                    Diagnosis::with(
                        format!(
                            "the server requires a client certificate (it sent CertificateRequest) and none was sent, so it ended the handshake (alert {name})"
                        ),
                        Remedy::ClientCertificateFromTrustedCa,
                    )
                }
            }
            (None, Some(rustls::AlertDescription::HandshakeFailure)) if sends_a_certificate => {
                Diagnosis::says("the server ended the handshake (alert handshake_failure): it found no cipher suite, key exchange or signature scheme in common, or, over TLS 1.2, it refused our client certificate or found it not of a kind it asked for")
            }
            (None, _) => diagnose::handshake_error(&cause, Side::Client),
        };
        Error::Handshake { peer, reason, cause }
    })?;
    let info = SessionInfo {
        stapled,
        ..SessionInfo::from_connection(stream.get_ref().1, sni.as_deref())
    };
    Ok(Connection {
        stream,
        peer,
        info,
        options,
        expected: Echo::new(Mode::Line),
        traced,
    })
}

impl Connection {
    /// What the session negotiated; `peer_subject` is the server certificate's subject.
    pub fn info(&self) -> &SessionInfo {
        &self.info
    }

    /// The server's address.
    pub fn peer(&self) -> SocketAddr {
        self.peer
    }

    /// The certificates the server presented, its own first.
    pub fn peer_chain(&self) -> Vec<CertificateDer<'static>> {
        self.stream
            .get_ref()
            .1
            .peer_certificates()
            .map(<[_]>::to_vec)
            .unwrap_or_default()
    }

    /// Uses `mode`'s rule to know what the echo must be: a raw-mode server needs [`Mode::Raw`].
    pub fn set_mode(&mut self, mode: Mode) {
        self.expected = Echo::new(mode);
    }

    /// Sends `data` and reads back its echo, which must be exactly what the server's rule gives for it
    /// (in line mode, all of it up to an empty line). Reads while it writes, so data of any size fits
    /// through the two sides' buffers.
    ///
    /// # Errors
    /// [`Error::Timeout`], [`Error::Truncated`] when the server closes before the whole echo came
    /// back, [`Error::NotAnEcho`] when the answer differs, [`Error::AnsweredHttp`] when the server took
    /// the session for HTTP, or [`Error::Session`]. After an error the session is over: close_notify
    /// has been sent, where TLS still allowed one.
    pub async fn echo(&mut self, data: &[u8]) -> Result<Vec<u8>> {
        let mut received = Vec::with_capacity(data.len());
        self.echo_into(data, &mut received).await?;
        Ok(received)
    }

    /// As [`Connection::echo`], appending the echo to `received` as it comes, so what did come back is
    /// there even when the echo then fails.
    ///
    /// # Errors
    /// As [`Connection::echo`].
    pub async fn echo_into(&mut self, data: &[u8], received: &mut Vec<u8>) -> Result<()> {
        self.exchange(data, received, false).await.map(|_| ())
    }

    /// After a failed exchange the session is over: it ends as TLS asks, with close_notify before the
    /// write side closes (rustls sends none after a fatal alert of its own), then, traced, the server's
    /// FIN is waited for. Bounded; any failure here changes nothing.
    async fn goodbye(&mut self) {
        // A server that closed first sent its FIN with its close_notify: read now, it is timed (and
        // shown) before ours, as it came.
        self.read_fin(Duration::ZERO).await;
        let _ = tokio::time::timeout(self.close_wait(), self.stream.shutdown()).await;
        self.await_fin().await;
    }

    fn close_wait(&self) -> Duration {
        CLOSE_WAIT.min(self.options.io_timeout)
    }

    /// Sends everything `input` gives, writing the echo to `output` as it comes, then ends the session:
    /// close_notify once the input ends (or, in line mode, once an empty line has ended the session),
    /// and the rest of the echo until the server closes. Byte-exact: any bytes, nothing added.
    ///
    /// # Errors
    /// As [`Connection::echo`], and [`Error::Input`] or [`Error::Output`] when `input` or `output`
    /// fail.
    pub async fn echo_stream<R, W>(mut self, input: R, output: W) -> Result<Streamed>
    where
        R: AsyncRead + Unpin,
        W: AsyncWrite + Unpin,
    {
        self.exchange(input, output, true).await
    }

    /// Writes `input` and reads its echo at the same time (a large input would otherwise fill both
    /// sides' buffers and stall), checking each byte against what the echo rule says must come back.
    /// With `to_end`, also sends close_notify after the input and reads until the server closes. A
    /// failure ends the session ([`Connection::goodbye`]).
    async fn exchange<R, W>(&mut self, input: R, output: W, to_end: bool) -> Result<Streamed>
    where
        R: AsyncRead + Unpin,
        W: AsyncWrite + Unpin,
    {
        let exchanged = self.exchange_once(input, output, to_end).await;
        match &exchanged {
            Err(_) => self.goodbye().await,
            // A server that has not closed the session will not send its FIN either.
            Ok(streamed) if to_end && streamed.unclosed_after.is_none() => self.await_fin().await,
            Ok(_) => {}
        }
        exchanged
    }

    /// Drives an [`Exchange`] over the stream: one TLS record's worth at a time each way, the sending
    /// and the reading at once.
    async fn exchange_once<R, W>(&mut self, input: R, mut output: W, to_end: bool) -> Result<Streamed>
    where
        R: AsyncRead + Unpin,
        W: AsyncWrite + Unpin,
    {
        let (peer, limit) = (self.peer, self.options.io_timeout);
        let close_wait = self.close_wait();
        let alpn_http = self.info.alpn.as_deref() == Some("http/1.1");
        // Shared by the two sides, each holding it only between awaits.
        let exchange = Mutex::new(Exchange::new(peer, &mut self.expected, alpn_http));
        // Says to the reading side that more echo is owed, or that the input is over.
        let progress = Notify::new();
        let (reader, writer) = tokio::io::split(&mut self.stream);
        let timing = Timing {
            peer,
            limit,
            close_wait,
        };
        let sending = send_all(input, writer, &exchange, &progress, timing, to_end);
        let receiving = receive_all(reader, &mut output, &exchange, &progress, timing, to_end);
        let joined = tokio::try_join!(sending, receiving);
        // What did come back is written out even when the session then failed.
        let flushed = output.flush().await.map_err(|cause| Error::Output { cause });
        let ((cut_short, send_failed, close_failed), server_closed) = joined?;
        flushed?;
        // A close_notify that could not go out because the server had already closed (or reset) the
        // connection, once everything came back, takes nothing from the echo.
        if let Some(err) = send_failed.or(close_failed.filter(|_| !server_closed)) {
            return Err(err);
        }
        let exchange = exchange.into_inner().unwrap_or_else(PoisonError::into_inner);
        Ok(Streamed {
            sent: exchange.sent(),
            received: exchange.received(),
            cut_short,
            unclosed_after: (!server_closed).then_some(close_wait),
        })
    }

    /// The TLS stream itself, for callers that want to drive it directly.
    pub fn into_stream(self) -> TlsStream<Tap> {
        self.stream
    }

    /// Ends the session: sends close_notify and waits up to a second (or the I/O timeout, when shorter)
    /// for the server to close its side. Traced (the x-ray), it then waits as long again for the
    /// server's FIN, so the timeline shows how the server ended the connection too;
    /// [`Connection::echo_stream`] does the same.
    ///
    /// # Errors
    /// [`Error::Timeout`] or [`Error::Session`] when close_notify cannot be sent, [`Error::Handshake`]
    /// when the server answers it with a fatal alert (a TLS 1.3 server refusing the client's
    /// certificate says so only after the client's handshake is done).
    pub async fn close(mut self) -> Result<()> {
        timed(
            Step::SendingCloseNotify,
            self.peer,
            self.options.io_timeout,
            self.stream.shutdown(),
        )
        .await?;
        let mut buf = [0u8; 1024];
        // Whatever the server still sends is not an echo we asked for; its close (clean or not) ends
        // it, or a second of waiting for that.
        let wait = self.close_wait();
        let stream = &mut self.stream;
        let closed = tokio::time::timeout(wait, async {
            loop {
                match stream.read(&mut buf).await {
                    Ok(0) => return Ok(()),
                    Err(err) => return Err(err),
                    Ok(_) => {}
                }
            }
        })
        .await;
        match closed {
            Ok(Ok(())) => self.await_fin().await,
            // A fatal alert instead of the server's close_notify: over TLS 1.3 the server judges the
            // client's certificate after the client has finished its handshake, and says so here.
            Ok(Err(cause)) if diagnose::alert_received(&cause).is_some() => {
                return Err(Error::Handshake {
                    peer: self.peer,
                    reason: diagnose::handshake_error(&cause, Side::Client),
                    cause,
                });
            }
            _ => {}
        }
        Ok(())
    }

    /// Traced, once the session has ended: waits (bounded) for the server's FIN. rustls ends the
    /// session at the server's close_notify; the connection ends at its FIN, which only a read of the
    /// socket itself sees (the tap records it for the x-ray).
    async fn await_fin(&mut self) {
        self.read_fin(self.close_wait()).await;
    }

    /// Traced, reads the socket itself for up to `wait` (none: only what is there already), until the
    /// server's FIN or an error.
    async fn read_fin(&mut self, wait: Duration) {
        if !self.traced {
            return;
        }
        let mut buf = [0u8; 1024];
        let socket = self.stream.get_mut().0;
        let _ = tokio::time::timeout(wait, async { while let Ok(1..) = socket.read(&mut buf).await {} }).await;
    }
}

/// The limits an exchange runs under.
#[derive(Debug, Clone, Copy)]
struct Timing {
    peer: SocketAddr,
    /// Each write, and each wait for echo owed.
    limit: Duration,
    /// The wait for the server's close once everything is back and the input is over.
    close_wait: Duration,
}

/// Runs `f` on the exchange both sides share; neither holds it across an await.
fn with<'a, T>(exchange: &Mutex<Exchange<'a>>, f: impl FnOnce(&mut Exchange<'a>) -> T) -> T {
    f(&mut exchange.lock().unwrap_or_else(PoisonError::into_inner))
}

/// The sending side: reads `input`, says each chunk to `exchange` before writing what it takes, then
/// (with `to_end`) sends close_notify. Gives back whether input followed the empty line that ended the
/// session, and the failures kept: the write's, close_notify's.
async fn send_all<R, W>(
    mut input: R,
    mut writer: W,
    exchange: &Mutex<Exchange<'_>>,
    progress: &Notify,
    timing: Timing,
    to_end: bool,
) -> Result<(bool, Option<Error>, Option<Error>)>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let Timing { peer, limit, .. } = timing;
    let mut buf = vec![0u8; 16 * 1024];
    let mut send_failed = None;
    let cut_short = loop {
        let n = match input.read(&mut buf).await {
            Ok(n) => n,
            Err(cause) => {
                with(exchange, Exchange::stop_sending);
                progress.notify_one();
                return Err(Error::Input { cause });
            }
        };
        if n == 0 {
            with(exchange, |x| x.end_of_input(to_end));
            break false;
        }
        let outgoing = with(exchange, |x| x.send(&buf[..n]));
        progress.notify_one();
        // A failed write is kept, not returned at once: the server that stopped taking data has mostly
        // said why (an alert, a close), which the reading side reports better.
        if let Err(err) = timed(Step::Sending, peer, limit, writer.write_all(&buf[..outgoing.send])).await {
            send_failed = Some(err);
            break false;
        }
        if outgoing.ended {
            // Whatever follows the empty line is not part of the session. (Only what came in the same
            // read is known: waiting for more would hang on a terminal.)
            break outgoing.send < n;
        }
    };
    with(exchange, Exchange::stop_sending);
    progress.notify_one();
    let mut close_failed = None;
    if to_end && send_failed.is_none() {
        if let Err(err) = timed(Step::SendingCloseNotify, peer, limit, writer.shutdown()).await {
            close_failed = Some(err);
        }
    }
    Ok((cut_short, send_failed, close_failed))
}

/// The reading side: checks what comes back with `exchange`, writing the echo to `output` as it comes,
/// until everything owed is back and the input is over (with `to_end`, until the server closes too).
/// Gives back whether the server closed.
async fn receive_all<R, W>(
    mut reader: R,
    output: &mut W,
    exchange: &Mutex<Exchange<'_>>,
    progress: &Notify,
    timing: Timing,
    to_end: bool,
) -> Result<bool>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let Timing {
        peer,
        limit,
        close_wait,
    } = timing;
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let (owes, input_over) = with(exchange, |x| (x.owes(), x.input_over()));
        if !owes && input_over && !to_end {
            return Ok(false);
        }
        // Everything is back and the input is over: only the server's close is awaited, briefly.
        let closing = to_end && input_over && !owes;
        // An idle wait is bounded only once something is owed or the input has ended: a person typing
        // may pause as long as they like.
        let read = reader.read(&mut buf);
        let read = if !owes && !input_over {
            tokio::select! {
                read = read => read,
                () = progress.notified() => continue,
            }
        } else {
            match tokio::time::timeout(if closing { close_wait } else { limit }, read).await {
                Ok(read) => read,
                Err(_) if closing => return Ok(false),
                Err(_) => return Err(with(exchange, |x| x.timed_out(limit))),
            }
        };
        // tokio-rustls reads 0 bytes after close_notify, UnexpectedEof after a bare TCP close.
        let close_notify = matches!(read, Ok(0));
        let reset = matches!(&read, Err(cause) if cause.kind() == std::io::ErrorKind::ConnectionReset);
        let n = match read {
            Ok(n) => n,
            // A bare TCP close; or a reset, which is how a close looks when our close_notify was still
            // unread on the server's side.
            Err(cause)
                if matches!(
                    cause.kind(),
                    std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::ConnectionReset
                ) =>
            {
                0
            }
            Err(cause) => {
                return Err(Error::Session {
                    step: Step::ReadingEcho,
                    peer,
                    reason: diagnose::io_error(&cause, Side::Client),
                    cause,
                });
            }
        };
        if n == 0 {
            return with(exchange, |x| x.closed(close_notify, reset)).map(|()| true);
        }
        let checked = with(exchange, |x| x.check(&buf[..n]));
        // What matched did come back: it is written out before any error.
        output
            .write_all(&buf[..checked.good])
            .await
            .map_err(|cause| Error::Output { cause })?;
        if let Some(problem) = checked.problem {
            return Err(problem);
        }
    }
}

/// What [`Connection::echo_stream`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Streamed {
    /// Bytes sent.
    pub sent: u64,
    /// Bytes of echo received (all of them: anything short of that is an error).
    pub received: u64,
    /// In line mode, whether input followed the empty line that ended the session (and was not sent).
    pub cut_short: bool,
    /// `None` when the server closed the session once everything had come back; else how long it was
    /// waited for after that (a second, or the I/O timeout when shorter), before giving up on it.
    pub unclosed_after: Option<Duration>,
}

/// Bounds one step of an established session and names it in the error.
async fn timed<T>(
    step: Step,
    peer: SocketAddr,
    limit: Duration,
    fut: impl Future<Output = std::io::Result<T>>,
) -> Result<T> {
    match tokio::time::timeout(limit, fut).await {
        Err(_) => Err(Error::Timeout {
            phase: step,
            peer,
            after: limit,
        }),
        Ok(Err(cause)) => Err(Error::Session {
            step,
            peer,
            reason: diagnose::io_error(&cause, Side::Client),
            cause,
        }),
        Ok(Ok(value)) => Ok(value),
    }
}

/// What [`fetch_chain`] saw of a server.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The certificates the server presented, in the order it sent them.
    pub chain: Vec<CertificateDer<'static>>,
    /// What the session negotiated.
    pub session: SessionInfo,
    /// The OCSP response the server stapled, unchecked, when it stapled one.
    pub staple: Option<Vec<u8>>,
    /// The handshake as the x-ray read it from the connection's own bytes:
    /// [`Trace::server_certificate`] is the message that carried `chain`.
    pub trace: Trace,
}

/// Fetches the certificate chain `addr` presents, without trusting it (so untrusted and broken servers
/// can be examined), what the session negotiated, and the handshake as it crossed the socket. Sends
/// no data; closes with close_notify.
///
/// # Errors
/// As [`connect`]; certificate problems do not stop it.
pub async fn fetch_chain(
    addr: impl ToAddress,
    server_name: ServerName<'static>,
    tls: &crate::config::TlsOptions,
    options: ClientOptions,
) -> Result<Fetched> {
    let config = crate::config::inspection_client_config(tls)?;
    let (traced, staple) = crate::noting::noting(
        &verifier::RAW_STAPLE,
        connect_traced(addr, server_name, config, options),
    )
    .await;
    let TracedConnection { connected, capture } = traced;
    let conn = connected?;
    let chain = conn.peer_chain();
    let session = conn.info().clone();
    // The chain is what was asked for; a server that answers the goodbye badly changes nothing.
    let _ = conn.close().await;
    Ok(Fetched {
        chain,
        session,
        staple,
        trace: capture.trace(),
    })
}

/// Connects, sends `message`, reads back its echo and closes with close_notify: the lab's client in one
/// call.
///
/// # Errors
/// Any error of [`connect`], [`Connection::echo`] or [`Connection::close`].
pub async fn round_trip(
    addr: impl ToAddress,
    server_name: ServerName<'static>,
    config: Arc<ClientConfig>,
    message: &[u8],
    options: ClientOptions,
) -> Result<Vec<u8>> {
    let mut conn = connect(addr, server_name, config, options).await?;
    let echoed = conn.echo(message).await?;
    conn.close().await?;
    Ok(echoed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_name_is_the_host_part() {
        assert_eq!(
            server_name_for("127.0.0.1:7777").ok(),
            parse_server_name("127.0.0.1").ok()
        );
        assert_eq!(server_name_for("[::1]:7777").ok(), parse_server_name("::1").ok());
        assert_eq!(server_name_for("localhost:1").ok(), parse_server_name("localhost").ok());
        assert!(matches!(
            server_name_for("bad!name:1"),
            Err(Error::InvalidServerName(_))
        ));
        assert!(matches!(
            server_name_for("bad name:1"),
            Err(Error::InvalidAddress { .. })
        ));
        assert!(matches!(server_name_for("::1"), Err(Error::InvalidAddress { .. })));
    }
}
