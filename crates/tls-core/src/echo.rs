//! The echo protocol: a sans-IO state machine ([`Echo`]) and the async loop that drives it over a
//! stream ([`drive`]).
//!
//! In [`Mode::Line`] every byte is echoed as soon as it arrives, and an empty line (`\n` or `\r\n` at
//! the very start of the stream or right after a `\n`) ends the session without being echoed. In
//! [`Mode::Raw`] everything is echoed until the end of the stream. The one byte ever held back is a `\r`
//! at the start of a line, until the next byte says whether it begins an empty line.

use std::fmt;
use std::io;
use std::time::Duration;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

/// Which echo rule applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Echo, and end the session at an empty line (the lab's protocol).
    #[default]
    Line,
    /// Echo everything until the end of the stream, for binary data.
    Raw,
}

/// Whether the session goes on after some input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// More input is welcome.
    Continue,
    /// An empty line arrived: the session is over and later input is ignored.
    Finished,
}

/// The echo state machine: bytes in, bytes to send back out, no I/O.
#[derive(Debug, Clone)]
pub struct Echo {
    mode: Mode,
    at_line_start: bool,
    held_cr: bool,
    finished: bool,
}

impl Echo {
    /// A machine at the start of a stream.
    pub fn new(mode: Mode) -> Self {
        Self {
            mode,
            at_line_start: true,
            held_cr: false,
            finished: false,
        }
    }

    /// Whether this machine echoes everything ([`Mode::Raw`]).
    pub fn is_raw(&self) -> bool {
        self.mode == Mode::Raw
    }

    /// Whether an empty line has ended the session.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Feeds received bytes, appending what must be echoed to `out`.
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> Progress {
        self.feed_counted(input, out).0
    }

    /// As [`Echo::feed`], also saying how many bytes of `input` the session took: all of them, or those
    /// up to and including the empty line that ended it.
    pub fn feed_counted(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> (Progress, usize) {
        let total = input.len();
        if self.finished {
            return (Progress::Finished, 0);
        }
        if self.mode == Mode::Raw {
            out.extend_from_slice(input);
            return (Progress::Continue, total);
        }
        while let Some((&first, rest)) = input.split_first() {
            if self.held_cr {
                self.held_cr = false;
                if first == b'\n' {
                    return (self.finish_session(), total - rest.len());
                }
                out.push(b'\r');
                self.at_line_start = false;
            } else if self.at_line_start {
                match first {
                    b'\n' => return (self.finish_session(), total - rest.len()),
                    b'\r' => {
                        self.held_cr = true;
                        input = rest;
                        continue;
                    }
                    _ => self.at_line_start = false,
                }
            }
            // Mid-line: everything up to and including the next newline goes out as it is.
            match memchr::memchr(b'\n', input) {
                Some(end) => {
                    out.extend_from_slice(&input[..=end]);
                    input = &input[end + 1..];
                    self.at_line_start = true;
                }
                None => {
                    out.extend_from_slice(input);
                    input = &[];
                }
            }
        }
        (Progress::Continue, total)
    }

    /// The stream ended: releases a `\r` held back at the start of a line.
    pub fn end_of_stream(&mut self, out: &mut Vec<u8>) {
        if self.held_cr && !self.finished {
            out.push(b'\r');
        }
        self.held_cr = false;
    }

    fn finish_session(&mut self) -> Progress {
        self.finished = true;
        Progress::Finished
    }
}

/// Why an echo session ended.
#[derive(Debug)]
pub enum End {
    /// The client sent an empty line.
    EmptyLine,
    /// The client sent close_notify.
    CloseNotify,
    /// The TCP connection closed without close_notify (Python's `ssl` client closes this way).
    EofWithoutCloseNotify,
    /// Nothing arrived for the idle timeout.
    IdleTimeout(Duration),
    /// The client did not take the echo within the timeout.
    WriteTimeout(Duration),
    /// The server is shutting down.
    Shutdown,
    /// Reading or writing failed.
    Failed(String),
}

impl fmt::Display for End {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EmptyLine => f.write_str("client sent an empty line"),
            Self::CloseNotify => f.write_str("client sent close_notify"),
            Self::EofWithoutCloseNotify => f.write_str("client closed TCP without close_notify"),
            Self::IdleTimeout(d) => write!(f, "idle for {}", crate::error::fmt_duration(*d)),
            Self::WriteTimeout(d) => write!(f, "client did not read its echo for {}", crate::error::fmt_duration(*d)),
            Self::Shutdown => f.write_str("server shutting down"),
            Self::Failed(reason) => write!(f, "failed: {reason}"),
        }
    }
}

/// Runs a fresh machine over `chunks`, as if each arrived in one read, then the end of the stream; returns
/// the echo and whether the session finished at an empty line.
pub fn echo_of(mode: Mode, chunks: &[&[u8]]) -> (Vec<u8>, bool) {
    let mut machine = Echo::new(mode);
    let mut out = Vec::new();
    for chunk in chunks {
        if machine.feed(chunk, &mut out) == Progress::Finished {
            return (out, true);
        }
    }
    machine.end_of_stream(&mut out);
    (out, machine.is_finished())
}

/// What an echo session did.
#[derive(Debug)]
pub struct Outcome {
    /// Bytes received (including any terminator).
    pub bytes_in: u64,
    /// Bytes echoed.
    pub bytes_out: u64,
    /// Why it ended.
    pub end: End,
    /// The first bytes received, for the session log.
    pub preview: Vec<u8>,
}

/// How many received bytes the session log shows.
pub const PREVIEW_LEN: usize = 64;

/// Runs the echo protocol over `stream` until it ends, then closes the stream with close_notify.
///
/// Each chunk the stream gives ([`AsyncBufReadExt::fill_buf`]: for a TLS stream, one record's plaintext)
/// goes back in one write, so a record of up to 16 KiB comes back as one record. The session holds no
/// read buffer of its own: received data waits in the TLS layer's, and the echo is built in a buffer
/// that stays empty while the peer is quiet.
///
/// `idle` bounds each wait for data and each write, so a peer can neither sit silent nor refuse to read
/// its echo for longer; `cancel` ends the session early (server shutdown). A read error (a bad record,
/// after which the TLS layer has sent its alert) ends the session at once. Received data is logged at
/// debug level.
pub async fn drive<S>(stream: &mut S, mode: Mode, idle: Duration, cancel: &CancellationToken) -> Outcome
where
    S: AsyncBufRead + AsyncWrite + Unpin,
{
    let mut machine = Echo::new(mode);
    let mut out = Vec::new();
    let mut outcome = Outcome {
        bytes_in: 0,
        bytes_out: 0,
        end: End::Shutdown,
        preview: Vec::new(),
    };
    // What a look ahead found that is not data: the next turn ends the session with it (a TLS stream
    // reports a read error once).
    let mut stashed: Option<io::Error> = None;
    outcome.end = loop {
        let ready = match stashed.take() {
            Some(err) => Ok(Err(err)),
            None => tokio::select! {
                () = cancel.cancelled() => break End::Shutdown,
                ready = tokio::time::timeout(idle, fill_flushing(stream)) => ready,
            },
        };
        out.clear();
        let data = match ready {
            Err(_) => break End::IdleTimeout(idle),
            Ok(Ok([])) => {
                machine.end_of_stream(&mut out);
                break End::CloseNotify;
            }
            Ok(Ok(data)) => data,
            Ok(Err(err)) if err.kind() == io::ErrorKind::UnexpectedEof => {
                machine.end_of_stream(&mut out);
                break End::EofWithoutCloseNotify;
            }
            Ok(Err(err)) => {
                break End::Failed(crate::diagnose::io_error(&err, crate::diagnose::Side::Server).to_string());
            }
        };
        let n = data.len();
        let mut progress = take(&mut machine, data, &mut out, &mut outcome);
        let mut full = n == FULL_RECORD;
        std::pin::Pin::new(&mut *stream).consume(n);
        // Full records that are already here go out in one write, which the TLS layer cuts at the same
        // 16 KiB boundaries they came in (a shorter record ends the batch, as the last of the write): one
        // system call for a burst, and every record still comes back as one.
        let mut quiet = false;
        while full && progress == Progress::Continue && out.len() < BATCH {
            match next_now(stream) {
                Some(Ok(0)) => break,
                Some(Ok(_)) => {
                    let data = stream.fill_buf().await.unwrap_or_default();
                    progress = take(&mut machine, data, &mut out, &mut outcome);
                    full = data.len() == FULL_RECORD;
                    let n = data.len();
                    std::pin::Pin::new(&mut *stream).consume(n);
                }
                Some(Err(err)) => {
                    stashed = Some(err);
                    break;
                }
                None => {
                    quiet = true;
                    break;
                }
            }
        }
        if let Err(end) = write_out(stream, &out, idle).await {
            break end;
        }
        outcome.bytes_out += out.len() as u64;
        if progress == Progress::Finished {
            break End::EmptyLine;
        }
        // A burst is over when nothing more is there; what it grew is given back then, so a quiet
        // session holds no echo buffer.
        if (quiet || !full) && out.capacity() > HELD_BETWEEN_READS {
            out = Vec::new();
        }
    };
    // A held `\r` released at end of stream still goes back, best effort: the peer may be gone.
    if matches!(outcome.end, End::CloseNotify | End::EofWithoutCloseNotify)
        && !out.is_empty()
        && write_out(stream, &out, idle).await.is_ok()
    {
        outcome.bytes_out += out.len() as u64;
    }
    if !matches!(outcome.end, End::EofWithoutCloseNotify | End::Failed(_)) {
        // close_notify; bounded, because a peer that stopped reading could hold it forever.
        let _ = tokio::time::timeout(idle.min(Duration::from_secs(5)), stream.shutdown()).await;
    }
    outcome
}

/// The largest echo buffer a session keeps between two bursts: a typed line's, not a stream's.
const HELD_BETWEEN_READS: usize = 1024;

/// The largest TLS record's plaintext (2^14 bytes, RFC 8446 5.1): the size the TLS layer cuts writes at.
const FULL_RECORD: usize = 16 * 1024;

/// The most echo built up before it is written, in full records.
const BATCH: usize = 4 * FULL_RECORD;

/// Counts and previews `data` in `outcome` and feeds it to the machine, the echo into `out`.
fn take(machine: &mut Echo, data: &[u8], out: &mut Vec<u8>, outcome: &mut Outcome) -> Progress {
    outcome.bytes_in += data.len() as u64;
    let room = PREVIEW_LEN.saturating_sub(outcome.preview.len());
    outcome.preview.extend_from_slice(&data[..room.min(data.len())]);
    tracing::debug!(received = %Escaped(data), "data");
    machine.feed(data, out)
}

/// What the stream has now, without waiting: the length of its next chunk (0 at its end), its error, or
/// `None` when nothing is there yet.
fn next_now<S: AsyncBufRead + Unpin>(stream: &mut S) -> Option<io::Result<usize>> {
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    match std::pin::Pin::new(stream).poll_fill_buf(&mut cx) {
        std::task::Poll::Ready(result) => Some(result.map(<[u8]>::len)),
        std::task::Poll::Pending => None,
    }
}

/// Waits like `stream.fill_buf()`, and while no data is there, sends what the TLS layer queued on its
/// own in answer to what it read: a TLS 1.2 renegotiation request gets a no_renegotiation alert, which
/// would otherwise wait for the next echo while the peer waits for the alert. An empty chunk is the end
/// of the stream.
pub(crate) async fn fill_flushing<S>(stream: &mut S) -> io::Result<&[u8]>
where
    S: AsyncBufRead + AsyncWrite + Unpin,
{
    // Polled without holding the chunk: the borrow it carries starts only once data is there.
    std::future::poll_fn(|cx| match std::pin::Pin::new(&mut *stream).poll_fill_buf(cx) {
        std::task::Poll::Pending => {
            // A failed or blocked flush shows up in the next read or write; the read decides.
            let _ = std::pin::Pin::new(&mut *stream).poll_flush(cx);
            std::task::Poll::Pending
        }
        std::task::Poll::Ready(result) => std::task::Poll::Ready(result.map(<[u8]>::len)),
    })
    .await?;
    // Ready now, without waiting: the same chunk, or the same end.
    stream.fill_buf().await
}

async fn write_out<S: AsyncWrite + Unpin>(stream: &mut S, data: &[u8], limit: Duration) -> Result<(), End> {
    if data.is_empty() {
        return Ok(());
    }
    let write = async {
        stream.write_all(data).await?;
        stream.flush().await
    };
    match tokio::time::timeout(limit, write).await {
        Err(_) => Err(End::WriteTimeout(limit)),
        Ok(Err(err)) => Err(End::Failed(
            crate::diagnose::io_error(&err, crate::diagnose::Side::Server).to_string(),
        )),
        Ok(Ok(())) => Ok(()),
    }
}

/// Shows bytes as escaped ASCII (`Hello\r\n` shows as `Hello\r\n`), shortened to [`PREVIEW_LEN`]
/// bytes with `…` after.
#[derive(Debug, Clone, Copy)]
pub struct Escaped<'a>(pub &'a [u8]);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = &self.0[..self.0.len().min(PREVIEW_LEN)];
        write!(f, "{}", shown.escape_ascii())?;
        if self.0.len() > PREVIEW_LEN {
            f.write_str("…")?;
        }
        Ok(())
    }
}

/// HTTP methods whose request line marks a session as HTTP instead of echo.
const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"];

/// Whether the first bytes of a session are, or may still become, an HTTP/1.x request line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniff {
    /// A request line: `METHOD SP target SP HTTP/1.x`.
    Http,
    /// Not HTTP: echo them.
    Echo,
    /// Too few bytes to tell: read more.
    Undecided,
}

/// Looks at the first bytes of a session. A line is needed to tell `GET /x HTTP/1.1` from a person
/// typing `GET lucky`, so bytes that start like a method wait for their newline (bounded by `limit`).
pub fn sniff(head: &[u8], limit: usize) -> Sniff {
    let could_be_method = METHODS.iter().any(|m| {
        let m = m.as_bytes();
        let n = head.len().min(m.len() + 1);
        let candidate = &head[..n];
        candidate.len() <= m.len() && m.starts_with(candidate)
            || candidate.len() == m.len() + 1 && candidate.starts_with(m) && candidate[m.len()] == b' '
    });
    if !could_be_method {
        return Sniff::Echo;
    }
    let Some(end) = head.iter().position(|&b| b == b'\n') else {
        return if head.len() >= limit {
            Sniff::Echo
        } else {
            Sniff::Undecided
        };
    };
    let line = head[..end].strip_suffix(b"\r").unwrap_or(&head[..end]);
    let mut parts = line.split(|&b| b == b' ');
    let (method, target, version) = (parts.next(), parts.next(), parts.next());
    match (method, target, version, parts.next()) {
        (Some(m), Some(t), Some(v), None)
            if METHODS.iter().any(|known| known.as_bytes() == m) && !t.is_empty() && v.starts_with(b"HTTP/1.") =>
        {
            Sniff::Http
        }
        _ => Sniff::Echo,
    }
}

/// Inputs that try every rule of the echo (empty lines, a held `\r`, binary, nothing), for the tests
/// of both sides' machines (this one and the client's).
#[cfg(test)]
pub(crate) const TEST_INPUTS: &[&[u8]] = &[
    b"Hello World!",
    b"Hello\nWorld\n\nignored",
    b"a\r\n\r\nafter",
    b"\n",
    b"\r\n",
    b"\r",
    b"\rx\n",
    b"\r\r\n\n",
    b"ab\r\ncd\n\r\n",
    b"line\n\rmore\n",
    b"\x00\xff\n\x01\n\n",
    b"no newline at all",
    b"",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_lines_are_http_and_everything_else_is_echo() {
        assert_eq!(sniff(b"GET / HTTP/1.1\r\nHost: x\r\n", 8192), Sniff::Http);
        assert_eq!(sniff(b"POST /echo HTTP/1.0\n", 8192), Sniff::Http);
        assert_eq!(sniff(b"Hello World!", 8192), Sniff::Echo);
        assert_eq!(sniff(b"GET lucky\n", 8192), Sniff::Echo);
        assert_eq!(sniff(b"GETTING\n", 8192), Sniff::Echo);
        assert_eq!(sniff(b"\n", 8192), Sniff::Echo);
    }

    #[test]
    fn a_prefix_of_a_request_line_waits_for_more() {
        assert_eq!(sniff(b"GE", 8192), Sniff::Undecided);
        assert_eq!(sniff(b"GET /very/long", 8192), Sniff::Undecided);
        assert_eq!(sniff(b"GET /very/long", 10), Sniff::Echo);
    }

    fn run(mode: Mode, chunks: &[&[u8]]) -> (Vec<u8>, bool) {
        echo_of(mode, chunks)
    }

    /// Every way of cutting `input` into consecutive non-empty pieces.
    fn all_splits(input: &[u8]) -> Vec<Vec<&[u8]>> {
        let cuts = input.len().saturating_sub(1);
        (0u32..1 << cuts)
            .map(|mask| {
                let mut pieces = Vec::new();
                let mut start = 0;
                for i in 0..cuts {
                    if mask & (1 << i) != 0 {
                        pieces.push(&input[start..=i]);
                        start = i + 1;
                    }
                }
                pieces.push(&input[start..]);
                pieces
            })
            .collect()
    }

    #[test]
    fn every_split_of_every_input_gives_the_same_echo() {
        for mode in [Mode::Line, Mode::Raw] {
            for input in TEST_INPUTS {
                let whole = run(mode, &[input]);
                for split in all_splits(input) {
                    assert_eq!(
                        run(mode, &split),
                        whole,
                        "mode {mode:?}, input {input:?}, split {split:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn line_mode_echoes_up_to_the_empty_line_and_drops_it() {
        assert_eq!(run(Mode::Line, &[b"Hello World!"]), (b"Hello World!".to_vec(), false));
        assert_eq!(
            run(Mode::Line, &[b"Hello\nWorld\n\nignored"]),
            (b"Hello\nWorld\n".to_vec(), true)
        );
        assert_eq!(run(Mode::Line, &[b"a\r\n\r\nafter"]), (b"a\r\n".to_vec(), true));
    }

    #[test]
    fn empty_line_first_ends_at_once() {
        assert_eq!(run(Mode::Line, &[b"\n", b"more"]), (Vec::new(), true));
        assert_eq!(run(Mode::Line, &[b"\r", b"\n"]), (Vec::new(), true));
    }

    #[test]
    fn carriage_return_not_followed_by_newline_is_echoed() {
        assert_eq!(run(Mode::Line, &[b"\rx\n"]), (b"\rx\n".to_vec(), false));
        assert_eq!(run(Mode::Line, &[b"\r"]), (b"\r".to_vec(), false));
        assert_eq!(run(Mode::Line, &[b"\r\r\n\n"]), (b"\r\r\n".to_vec(), true));
    }

    #[test]
    fn raw_mode_has_no_empty_line_rule() {
        assert_eq!(run(Mode::Raw, &[b"\n\r\n\n", b"x"]), (b"\n\r\n\nx".to_vec(), false));
    }

    #[test]
    fn held_cr_is_not_echoed_before_its_next_byte() {
        let mut machine = Echo::new(Mode::Line);
        let mut out = Vec::new();
        assert_eq!(machine.feed(b"\r", &mut out), Progress::Continue);
        assert!(out.is_empty());
        machine.feed(b"z", &mut out);
        assert_eq!(out, b"\rz");
    }

    #[test]
    fn preview_escapes_and_shortens() {
        assert_eq!(Escaped(b"Hello World!\r\n").to_string(), "Hello World!\\r\\n");
        let long = [b'a'; 100];
        assert_eq!(Escaped(&long).to_string(), format!("{}…", "a".repeat(PREVIEW_LEN)));
    }
}
