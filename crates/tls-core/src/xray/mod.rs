//! The handshake x-ray: one connection's bytes, both ways, as they crossed the socket, and the secrets
//! its TLS library derived, then every record and handshake message decoded, decrypted (TLS 1.3) and
//! checked (both Finished values recomputed).
//!
//! - [`Capture`] keeps what a [`Tap`] around the socket sees, with the direction and the time since the
//!   connection began, and is the rustls `KeyLog` that keeps this connection's secrets in memory (never
//!   a file); bounded by [`LIMIT`].
//! - [`Capture::pcapng`] writes it as a pcapng file with its secrets inside, for Wireshark.
//! - [`decode`] reads a capture into a [`Trace`]: records, messages with their fields, what was
//!   decrypted with which secret, the Finished checks. Bad or strange input gives the decoded prefix and
//!   one sentence in [`Trace::problem`], never a panic.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Instant, SystemTime};

mod decode;
mod finished;
mod html;
mod ja4;
mod keys;
mod message;
mod model;
mod read;

mod pcap;
mod render;
#[cfg(feature = "net")]
mod tap;

pub use decode::decode;
pub use html::HtmlPage;
#[cfg(feature = "page")]
pub(crate) use html::escape;
pub use message::{
    Alert, AlertLevel, Body, Certificate, CertificateEntry, CertificateRequest, CertificateSummary, ClientHello,
    Extension, ExtensionData, KeyShare, NewSessionTicket, PskMode, ReadError, ServerHello, ServerKeyExchange,
};
#[cfg(feature = "fuzzing")]
pub(crate) use model::bytes;
pub use model::{
    Annotation, Closed, DecodeError, Finished, FinishedCheck, KeyDerivation, Message, MessageKind, Record, Stop, Trace,
};
#[cfg(feature = "net")]
pub use tap::Tap;

/// The most bytes a capture keeps, both directions together: a handshake and the first echoes.
pub const LIMIT: usize = 256 * 1024;

/// The most runs of bytes a capture keeps apart, each with its own time; past it (a peer writing a
/// byte at a time), a direction's next bytes join its last run and take that run's time.
const MOST_RUNS: usize = 8192;

/// Who sent a run of bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// The TLS client.
    Client,
    /// The TLS server.
    Server,
}

/// Bytes as they crossed the socket in one read or write; no bytes: that side ended its half of the
/// connection then (a FIN), or the whole connection (a reset).
#[derive(Debug, Clone)]
pub struct Chunk {
    /// Who sent them.
    pub direction: Direction,
    /// Microseconds since the capture began (the connection was made).
    pub offset_us: u64,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// With no bytes: the end was a reset (RST), not a FIN.
    pub reset: bool,
}

/// A secret the TLS library logged, as in an SSLKEYLOGFILE line.
#[derive(Clone)]
pub struct Secret {
    /// `CLIENT_HANDSHAKE_TRAFFIC_SECRET`, `SERVER_TRAFFIC_SECRET_0`, `CLIENT_RANDOM`, ...
    pub label: String,
    /// The ClientHello's random, which names the connection.
    pub client_random: Vec<u8>,
    /// The secret itself.
    pub secret: Vec<u8>,
}

impl std::fmt::Debug for Secret {
    // Never the secret itself: a Debug print must not leak it to a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secret")
            .field("label", &self.label)
            .field("len", &self.secret.len())
            .finish_non_exhaustive()
    }
}

#[derive(Debug)]
struct Recorded {
    started: Instant,
    /// `started` on the wall clock, for the times in a pcapng file.
    started_at: SystemTime,
    chunks: Vec<Chunk>,
    secrets: Vec<Secret>,
    kept: usize,
    /// The most bytes this capture keeps.
    limit: usize,
    /// Bytes that arrived after `limit` and were not kept.
    dropped: usize,
    /// The key log this capture stands in for (`SSLKEYLOGFILE`), which still gets every line.
    forward: Option<Arc<dyn rustls::KeyLog>>,
}

/// One connection's bytes and secrets, shared by the [`Tap`] that records them and the TLS
/// configuration that logs the secrets. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Capture(Arc<Mutex<Recorded>>);

impl Default for Capture {
    fn default() -> Self {
        Self::new()
    }
}

impl Capture {
    /// An empty capture keeping up to [`LIMIT`] bytes; its clock starts now.
    pub fn new() -> Self {
        Self::with_limit(LIMIT)
    }

    /// An empty capture keeping up to `limit` bytes.
    pub fn with_limit(limit: usize) -> Self {
        Self(Arc::new(Mutex::new(Recorded {
            started: Instant::now(),
            started_at: SystemTime::now(),
            chunks: Vec::new(),
            secrets: Vec::new(),
            kept: 0,
            limit,
            dropped: 0,
            forward: None,
        })))
    }

    fn with<T>(&self, f: impl FnOnce(&mut Recorded) -> T) -> T {
        f(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Keeps `bytes` sent by `direction` now, while the capture has room.
    pub fn record(&self, direction: Direction, bytes: &[u8]) {
        self.record_at(direction, bytes, Instant::now());
    }

    /// Keeps `bytes` sent by `direction` at `at`, while the capture has room.
    pub fn record_at(&self, direction: Direction, bytes: &[u8], at: Instant) {
        if bytes.is_empty() {
            return;
        }
        self.with(|recorded| {
            let room = recorded.limit.saturating_sub(recorded.kept);
            let kept = bytes.len().min(room);
            recorded.dropped += bytes.len() - kept;
            if kept == 0 {
                return;
            }
            recorded.kept += kept;
            let since = at.saturating_duration_since(recorded.started);
            let offset_us = u64::try_from(since.as_micros()).unwrap_or(u64::MAX);
            let crowded = recorded.chunks.len() >= MOST_RUNS;
            match recorded.chunks.last_mut() {
                // Each read and write is a run of its own, stamped when it crossed the socket (so a
                // record is timed by the read it ends in), unless it is the same instant anyway.
                Some(last)
                    if last.direction == direction
                        && !last.bytes.is_empty()
                        && (last.offset_us == offset_us || crowded) =>
                {
                    last.bytes.extend_from_slice(&bytes[..kept]);
                }
                _ => recorded.chunks.push(Chunk {
                    direction,
                    offset_us,
                    bytes: bytes[..kept].to_vec(),
                    reset: false,
                }),
            }
        });
    }

    /// Notes that `direction` ended its half of the connection (its FIN): the end of its bytes, once.
    /// Nothing after a reset: a reset connection carries nothing more, either way (closing the socket
    /// then sends no FIN).
    pub fn end(&self, direction: Direction) {
        self.close(direction, false);
    }

    /// Notes that `direction` reset the connection (RST), once; after its FIN too (a socket closed for
    /// good answers anything sent to it with a reset).
    pub fn reset(&self, direction: Direction) {
        self.close(direction, true);
    }

    fn close(&self, direction: Direction, reset: bool) {
        self.with(|recorded| {
            let ended = |c: &Chunk| c.bytes.is_empty() && (c.reset || (c.direction == direction && !reset));
            if recorded.chunks.iter().any(ended) {
                return;
            }
            let offset_us = u64::try_from(recorded.started.elapsed().as_micros()).unwrap_or(u64::MAX);
            recorded.chunks.push(Chunk {
                direction,
                offset_us,
                bytes: Vec::new(),
                reset,
            });
        });
    }

    /// Passes every secret on to `inner` too: the key log the capture replaces in a configuration
    /// (`SSLKEYLOGFILE` goes on working with the x-ray on).
    pub fn forward_to(&self, inner: Arc<dyn rustls::KeyLog>) {
        self.with(|recorded| recorded.forward = Some(inner));
    }

    /// Adds secrets logged elsewhere (a server's, by [`SecretStore`]) to this connection's.
    pub fn add_secrets(&self, secrets: Vec<Secret>) {
        self.with(|recorded| recorded.secrets.extend(secrets));
    }

    /// The ClientHello's random, which names the connection in key logs, once the client sent it.
    pub fn client_random(&self) -> Option<Vec<u8>> {
        self.with(|recorded| {
            // A handshake record (5 bytes), a ClientHello (1 + 3), its version (2), then the random:
            // the client's first 43 bytes, whichever writes they came in.
            let head: Vec<u8> = recorded
                .chunks
                .iter()
                .filter(|c| c.direction == Direction::Client)
                .flat_map(|c| c.bytes.iter().copied())
                .take(5 + 4 + 2 + 32)
                .collect();
            match head.get(..5 + 4 + 2 + 32) {
                Some(head) if head[0] == 22 && head[5] == 1 => Some(head[11..].to_vec()),
                _ => None,
            }
        })
    }

    /// Starts the clock again: offsets count from now (the connection was made).
    pub fn restart_clock(&self) {
        self.with(|recorded| {
            recorded.started = Instant::now();
            recorded.started_at = SystemTime::now();
        });
    }

    /// What was recorded so far: the runs of bytes, the secrets, and how many bytes did not fit.
    pub fn snapshot(&self) -> (Vec<Chunk>, Vec<Secret>, usize) {
        self.with(|recorded| (recorded.chunks.clone(), recorded.secrets.clone(), recorded.dropped))
    }

    /// The recorded connection as a pcapng file that Wireshark and tshark open decrypted (the secrets
    /// are in it); `comment`, such as where it was captured, goes in the file.
    pub fn pcapng(&self, comment: &str) -> Vec<u8> {
        let (chunks, secrets, dropped) = self.snapshot();
        let comment = if dropped > 0 {
            format!(
                "{comment}. The capture kept the first {} KiB: {dropped} more bytes crossed the connection and are not in this file, which ends there but for each side's FIN or reset",
                self.with(|recorded| recorded.limit) / 1024
            )
        } else {
            comment.to_owned()
        };
        let epoch_us = self.with(|recorded| {
            recorded
                .started_at
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |since| u64::try_from(since.as_micros()).unwrap_or(0))
        });
        pcap::pcapng(&chunks, &secrets, &comment, epoch_us)
    }

    /// The recorded connection decoded: see [`decode`].
    pub fn trace(&self) -> Trace {
        let (chunks, secrets, dropped) = self.snapshot();
        let mut trace = decode(&chunks, &secrets, dropped);
        trace.capture_limit = self.with(|recorded| recorded.limit);
        trace
    }
}

impl rustls::KeyLog for Capture {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        if let Some(inner) = self.with(|recorded| recorded.forward.clone()) {
            inner.log(label, client_random, secret);
        }
        self.with(|recorded| {
            recorded.secrets.push(Secret {
                label: label.to_owned(),
                client_random: client_random.to_vec(),
                secret: secret.to_vec(),
            });
        });
    }

    fn will_log(&self, _label: &str) -> bool {
        true
    }
}

/// A server's key log that keeps each connection's secrets in memory, by client random, until the
/// connection takes them ([`SecretStore::take`]); bounded (the oldest connections' secrets go first),
/// and passing every line on to the key log it replaced (`SSLKEYLOGFILE`).
pub struct SecretStore {
    kept: Mutex<Kept>,
    inner: Arc<dyn rustls::KeyLog>,
}

/// Secrets by client random, and the randoms in arrival order, for dropping the oldest.
#[derive(Default)]
struct Kept {
    by_random: std::collections::HashMap<Vec<u8>, Vec<Secret>>,
    order: std::collections::VecDeque<Vec<u8>>,
}

/// The most connections a [`SecretStore`] keeps secrets for: handshakes in flight, not yet taken.
const KEPT_CONNECTIONS: usize = 4096;

impl std::fmt::Debug for SecretStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretStore").finish_non_exhaustive()
    }
}

impl SecretStore {
    /// A store passing lines on to `inner` too.
    pub fn new(inner: Arc<dyn rustls::KeyLog>) -> Self {
        Self {
            kept: Mutex::new(Kept::default()),
            inner,
        }
    }

    /// The secrets of the connection whose ClientHello had `client_random`, taken out of the store.
    pub fn take(&self, client_random: &[u8]) -> Vec<Secret> {
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        kept.by_random.remove(client_random).unwrap_or_default()
    }
}

impl rustls::KeyLog for SecretStore {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        self.inner.log(label, client_random, secret);
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        let Kept { by_random, order } = &mut *kept;
        let secrets = by_random.entry(client_random.to_vec()).or_insert_with(|| {
            order.push_back(client_random.to_vec());
            Vec::new()
        });
        secrets.push(Secret {
            label: label.to_owned(),
            client_random: client_random.to_vec(),
            secret: secret.to_vec(),
        });
        // Connections that never took theirs (a handshake that failed) go, oldest first.
        while order.len() > KEPT_CONNECTIONS {
            if let Some(oldest) = order.pop_front() {
                by_random.remove(&oldest);
            }
        }
    }

    fn will_log(&self, _label: &str) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One direction's writes at two moments are two runs, each with its own time: a record is timed
    /// by the write it ends in, not by the first of a direction's writes in a row.
    #[test]
    fn writes_at_different_moments_keep_their_own_times() {
        let capture = Capture::new();
        capture.record(Direction::Server, b"first");
        let (chunks, _, _) = capture.snapshot();
        let first = chunks[0].offset_us;
        // Until the clock has moved on by a microsecond or more (bounded, no sleep).
        let deadline = Instant::now() + std::time::Duration::from_secs(1);
        while capture.with(|recorded| recorded.started.elapsed().as_micros()) <= u128::from(first) {
            assert!(Instant::now() < deadline, "the clock did not move in a second");
        }
        capture.record(Direction::Server, b"second");
        let (chunks, _, _) = capture.snapshot();
        assert_eq!(chunks.len(), 2, "{chunks:?}");
        assert!(chunks[1].offset_us > first, "{chunks:?}");
        assert_eq!(chunks[1].bytes, b"second");
    }
}
