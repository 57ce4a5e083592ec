//! One probe: a ClientHello built byte by byte (any version from SSLv3 to TLS 1.3, any cipher suites,
//! any groups, and for TLS 1.3 an empty key_share, so no key is ever made), sent on a fresh
//! connection, and the server's first answer read by the x-ray's decoder, stopping at the ServerHello.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use crate::xray::{Body, Chunk, Direction, ExtensionData, MessageKind, decode};

/// What one ClientHello offers.
pub(crate) struct Hello<'a> {
    /// The version offered: 0x0300 (SSLv3) to 0x0303 (TLS 1.2) as the hello's own version; 0x0304 as
    /// TLS 1.3 does it (0x0303 in the hello, 0x0304 in supported_versions).
    pub(crate) version: u16,
    /// The cipher suites, in the order offered.
    pub(crate) suites: &'a [u16],
    /// The groups (supported_groups), in the order offered.
    pub(crate) groups: &'a [u16],
    /// The name sent as SNI, when one is (a DNS name, not an address).
    pub(crate) server_name: Option<&'a str>,
    /// The signature schemes offered (none: [`SCHEMES`], all of them).
    pub(crate) schemes: &'a [u16],
    /// Ask for what TLS 1.0 to 1.2 may add (extended master secret, encrypt-then-MAC, heartbeat,
    /// session tickets, OCSP stapling) and offer DEFLATE compression, to read which the server takes.
    pub(crate) features: bool,
}

/// What a probe asking for the features learns: the extensions the server's ServerHello carries.
pub(crate) mod code {
    pub(crate) const STATUS_REQUEST: u16 = 0x0005;
    pub(crate) const HEARTBEAT: u16 = 0x000f;
    pub(crate) const ENCRYPT_THEN_MAC: u16 = 0x0016;
    pub(crate) const EXTENDED_MASTER_SECRET: u16 = 0x0017;
    pub(crate) const SESSION_TICKET: u16 = 0x0023;
    pub(crate) const RENEGOTIATION_INFO: u16 = 0xff01;
    /// TLS_FALLBACK_SCSV (RFC 7507), the suite that says "this is a retry at a lower version".
    pub(crate) const FALLBACK_SCSV: u16 = 0x5600;
}

/// The signature schemes a probe offers unless told: all that TLS 1.2 and 1.3 servers sign with.
pub(crate) const SCHEMES: [u16; 16] = [
    0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0804, 0x0805, 0x0806, 0x0809, 0x080a, 0x080b, 0x0401, 0x0501, 0x0601,
    0x0201, 0x0203,
];

/// The ClientHello's bytes, as a record: SSLv3 with no extensions; TLS 1.0 to 1.2 with SNI, the
/// groups, point formats, signature algorithms and renegotiation_info; TLS 1.3 with
/// supported_versions and an empty key_share too.
pub(crate) fn client_hello(hello: &Hello<'_>) -> Vec<u8> {
    let tls13 = hello.version >= 0x0304;
    let legacy = hello.version.min(0x0303);
    let mut body = Vec::with_capacity(1024);
    body.extend(legacy.to_be_bytes());
    // A random that is not random: it protects nothing, and a probe needs no secret.
    body.extend((0u8..32).map(|i| i.wrapping_mul(37).wrapping_add(11)));
    body.push(0);
    vector16(
        &mut body,
        &hello
            .suites
            .iter()
            .flat_map(|suite| suite.to_be_bytes())
            .collect::<Vec<u8>>(),
    );
    if hello.features {
        // DEFLATE first, then none: a server that compresses takes DEFLATE.
        body.extend([2, 1, 0]);
    } else {
        body.extend([1, 0]);
    }
    if hello.version > 0x0300 {
        let mut extensions = Vec::new();
        if let Some(name) = hello.server_name {
            let mut entry = vec![0];
            vector16(&mut entry, name.as_bytes());
            let mut list = Vec::new();
            vector16(&mut list, &entry);
            extension(&mut extensions, 0x0000, &list);
        }
        let groups: Vec<u8> = hello.groups.iter().flat_map(|group| group.to_be_bytes()).collect();
        let mut list = Vec::new();
        vector16(&mut list, &groups);
        extension(&mut extensions, 0x000a, &list);
        extension(&mut extensions, 0x000b, &[1, 0]);
        let offered = if hello.schemes.is_empty() {
            &SCHEMES[..]
        } else {
            hello.schemes
        };
        let schemes: Vec<u8> = offered.iter().flat_map(|scheme| scheme.to_be_bytes()).collect();
        let mut list = Vec::new();
        vector16(&mut list, &schemes);
        extension(&mut extensions, 0x000d, &list);
        extension(&mut extensions, code::RENEGOTIATION_INFO, &[0]);
        if hello.features {
            extension(&mut extensions, code::EXTENDED_MASTER_SECRET, &[]);
            extension(&mut extensions, code::ENCRYPT_THEN_MAC, &[]);
            extension(&mut extensions, code::SESSION_TICKET, &[]);
            // peer_allowed_to_send (RFC 6520).
            extension(&mut extensions, code::HEARTBEAT, &[1]);
            // ocsp, no responder IDs, no request extensions (RFC 6066 8).
            extension(&mut extensions, code::STATUS_REQUEST, &[1, 0, 0, 0, 0]);
        }
        if tls13 {
            extension(&mut extensions, 0x002b, &[2, 0x03, 0x04]);
            // No share: the server answers with a HelloRetryRequest naming the group it wants.
            extension(&mut extensions, 0x0033, &[0, 0]);
            extension(&mut extensions, 0x002d, &[1, 1]);
        }
        vector16(&mut body, &extensions);
    }
    let mut message = vec![1];
    message.extend(&u32::try_from(body.len()).unwrap_or(0).to_be_bytes()[1..]);
    message.extend(body);
    let mut record = vec![0x16];
    record.extend(legacy.clamp(0x0300, 0x0301).to_be_bytes());
    record.extend(u16::try_from(message.len()).unwrap_or(u16::MAX).to_be_bytes());
    record.extend(message);
    record
}

fn vector16(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend(u16::try_from(bytes.len()).unwrap_or(u16::MAX).to_be_bytes());
    out.extend(bytes);
}

fn extension(out: &mut Vec<u8>, code: u16, data: &[u8]) {
    out.extend(code.to_be_bytes());
    vector16(out, data);
}

/// What the server answered one probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Answer {
    /// A ServerHello, or a HelloRetryRequest: the version, suite and (TLS 1.3) group it chose.
    Chose {
        /// The version it chose.
        version: u16,
        /// The cipher suite it chose.
        suite: u16,
        /// The group of its key share, or the one its HelloRetryRequest asks for.
        group: Option<u16>,
        /// What else its ServerHello says.
        hello: Said,
    },
    /// An alert, or the connection closed with no answer: the server will not do what was offered.
    Refused(String),
    /// No answer that says either way: a timeout, a reset, bytes that are not TLS.
    Unknown(String),
}

/// What a ServerHello says beyond the version, suite and group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Said {
    /// The extensions it carries, by number.
    pub(crate) extensions: Vec<u16>,
    /// The compression method it chose (1: DEFLATE).
    pub(crate) compression: u8,
    /// Its random ends with RFC 8446's downgrade sentinel: a TLS 1.3 server answering a lower version.
    pub(crate) downgrade_sentinel: bool,
    /// The finite-field group of a DHE ServerKeyExchange, when one was read.
    pub(crate) dh: Option<DhGroup>,
    /// The signature scheme of a TLS 1.2 ServerKeyExchange, when one was read.
    pub(crate) signed_with: Option<u16>,
    /// The chain of the Certificate message (TLS 1.0 to 1.2 send it in plain text), when one was read.
    pub(crate) certificates: Vec<rustls::pki_types::CertificateDer<'static>>,
}

/// A finite-field Diffie-Hellman group, as a DHE ServerKeyExchange sends it (its prime).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DhGroup {
    /// The prime's size.
    pub bits: usize,
    /// Its name, when it is a published group: `ffdhe2048` (RFC 7919), `modp2048` (RFC 3526 and
    /// RFC 2409); none for a prime of the server's own.
    pub name: Option<String>,
}

/// A DHE ServerKeyExchange's body (dh_p, dh_g, dh_Ys, then in TLS 1.2 the signature's scheme): its
/// group, and its scheme when `tls12`.
fn dhe_exchange(body: &[u8], tls12: bool) -> (Option<DhGroup>, Option<u16>) {
    let mut at = 0;
    let mut vector = || {
        let length = usize::from(u16::from_be_bytes([*body.get(at)?, *body.get(at + 1)?]));
        let bytes = body.get(at + 2..at + 2 + length)?;
        at += 2 + length;
        Some(bytes)
    };
    let group = vector().and_then(DhGroup::read);
    let scheme = (vector().is_some() && vector().is_some() && tls12)
        .then(|| Some(u16::from_be_bytes([*body.get(at)?, *body.get(at + 1)?])))
        .flatten();
    (group, scheme)
}

impl DhGroup {
    /// The group of a DHE ServerKeyExchange's prime (dh_p).
    fn read(prime: &[u8]) -> Option<Self> {
        let first = prime.iter().position(|&byte| byte != 0)?;
        let prime = &prime[first..];
        let bits = prime.len() * 8 - usize::try_from(prime[0].leading_zeros()).unwrap_or(0);
        // Both families' primes start with 64 one bits; the digits after are e's in RFC 7919's
        // and pi's in the MODP groups', and they end with 64 one bits.
        let ones = |bytes: &[u8]| bytes.iter().all(|&byte| byte == 0xff);
        let published = prime.len() > 24 && ones(&prime[..8]) && ones(&prime[prime.len() - 8..]);
        let name = match prime.get(8..12) {
            Some([0xad, 0xf8, 0x54, 0x58]) if published => Some(format!("ffdhe{bits}")),
            Some([0xc9, 0x0f, 0xda, 0xa2]) if published => Some(format!("modp{bits}")),
            _ => None,
        };
        Some(Self { bits, name })
    }

    /// Its number as a TLS group (RFC 7919's only).
    pub(crate) fn code(&self) -> Option<u16> {
        let bits = self.name.as_deref()?.strip_prefix("ffdhe")?;
        match bits {
            "2048" => Some(0x0100),
            "3072" => Some(0x0101),
            "4096" => Some(0x0102),
            "6144" => Some(0x0103),
            "8192" => Some(0x0104),
            _ => None,
        }
    }
}

/// The last 8 bytes of a TLS 1.3 server's random when it answers TLS 1.2 (`...01`) or lower (`...00`).
const DOWNGRADE: [u8; 7] = *b"DOWNGRD";

/// The most bytes read for one answer: a ServerHello comes first, well within it.
const MOST: usize = 64 * 1024;

/// How far a probe reads the server's first flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Until {
    /// Its ServerHello (or HelloRetryRequest).
    ServerHello,
    /// TLS 1.2's ServerKeyExchange, for the group it names (or ServerHelloDone, when there is none).
    KeyExchange,
    /// ServerHelloDone: the server's whole first flight (TLS 1.2 and earlier).
    HelloDone,
}

/// One probe's exchange: the answer, and the bytes each side sent.
pub(crate) struct Asked {
    /// The connection, still open, when one was made.
    stream: Option<TcpStream>,
    pub(crate) answer: Answer,
    sent: Vec<u8>,
    received: Vec<u8>,
    /// When the server's first bytes came, after the ClientHello was sent.
    answered_after: Duration,
}

impl Asked {
    /// The exchange as the x-ray shows it, headed by what was offered and answered.
    pub(crate) fn trace(&self, offered: &str) -> String {
        let mut chunks = chunks(&self.sent, &self.received);
        chunks[1].offset_us = u64::try_from(self.answered_after.as_micros()).unwrap_or(u64::MAX);
        let shown = decode(&chunks, &[], 0).render(false, false);
        // A probe makes no key at all, which the x-ray's line on secrets does not know.
        let lines: Vec<&str> = shown.lines().filter(|line| !line.starts_with("not shown:")).collect();
        format!(
            "probe: {offered}: {}\n{}\nno keys: a probe reads the server's first answer and makes none\n",
            self.answer,
            lines.join("\n")
        )
    }
}

impl std::fmt::Display for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Chose {
                version, suite, group, ..
            } => {
                write!(
                    f,
                    "chose {} and {}",
                    crate::names::version(*version),
                    crate::names::cipher_suite(*suite)
                )?;
                match group {
                    Some(group) => write!(f, " with {}", crate::names::group(*group)),
                    None => Ok(()),
                }
            }
            Self::Refused(why) => write!(f, "refused: {why}"),
            Self::Unknown(why) => write!(f, "unknown: {why}"),
        }
    }
}

/// Sends `hello` to `addr` on a new connection and reads the server's answer as far as `until`, all
/// within `timeout`, keeping the connection open for what follows.
pub(crate) fn probe(addr: SocketAddr, hello: &Hello<'_>, timeout: Duration, until: Until) -> Asked {
    let deadline = Instant::now() + timeout;
    let sent = client_hello(hello);
    let unknown = |why: String, sent: Vec<u8>| Asked {
        stream: None,
        answer: Answer::Unknown(why),
        sent,
        received: Vec::new(),
        answered_after: Duration::ZERO,
    };
    let mut stream = match TcpStream::connect_timeout(&addr, timeout) {
        Ok(stream) => stream,
        Err(err) => return unknown(format!("cannot connect: {err}"), sent),
    };
    if let Err(err) = stream.write_all(&sent) {
        return unknown(format!("cannot send the ClientHello: {err}"), sent);
    }
    let mut received = Vec::new();
    let sent_at = Instant::now();
    let mut answered_after = Duration::ZERO;
    let answer = loop {
        let read = read_some(&mut stream, &mut received, deadline, timeout);
        if answered_after.is_zero() && !received.is_empty() {
            answered_after = sent_at.elapsed();
        }
        match read {
            Err(why) => break Answer::Unknown(why),
            Ok(0) if received.is_empty() => {
                break Answer::Refused("it closed the connection without an answer".to_owned());
            }
            Ok(0) => break read_answer(&sent, &received, true, until),
            Ok(_) => match read_answer(&sent, &received, received.len() >= MOST, until) {
                Answer::Unknown(why) if why.is_empty() => {}
                answer => break answer,
            },
        }
    };
    Asked {
        stream: Some(stream),
        answer,
        sent,
        received,
        answered_after,
    }
}

/// Reads what has come into `received`, waiting until `deadline` at most; the count read (0: the
/// server closed), or why nothing could be.
fn read_some(
    stream: &mut TcpStream,
    received: &mut Vec<u8>,
    deadline: Instant,
    timeout: Duration,
) -> Result<usize, String> {
    let no_answer = || format!("no answer within {} ms", timeout.as_millis());
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
        return Err(no_answer());
    }
    let mut buf = [0u8; 16 * 1024];
    match stream.read(&mut buf) {
        Ok(n) => {
            received.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        Err(err)
            if matches!(
                err.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ) =>
        {
            Err(no_answer())
        }
        Err(err) if err.kind() == std::io::ErrorKind::ConnectionReset => Err(format!(
            "the server reset the connection after {} bytes of its answer",
            received.len()
        )),
        Err(err) => Err(format!("the connection failed: {err}")),
    }
}

/// Whether the server leaks memory through a heartbeat (Heartbleed, CVE-2014-0160): after its first
/// flight, one heartbeat request that claims 16 KiB of payload and carries none, then close_notify. A
/// server that answers it with a heartbeat response (of bytes it never got) leaks; one that drops it,
/// alerts or closes does not. An error: no answer either way within `timeout`.
pub(crate) fn heartbleed(addr: SocketAddr, hello: &Hello<'_>, timeout: Duration) -> Result<bool, String> {
    let asked = probe(addr, hello, timeout, Until::HelloDone);
    let (Some(mut stream), Answer::Chose { version, .. }) = (asked.stream, asked.answer) else {
        return Err("the server did not finish its first flight".to_owned());
    };
    let [major, minor] = version.to_be_bytes();
    // heartbeat record: type 1 (request), payload_length 0x4000, no payload, no padding.
    let mut asked = vec![24, major, minor, 0, 3, 1, 0x40, 0x00];
    // close_notify, so that a server that drops the request closes instead of waiting.
    asked.extend([21, major, minor, 0, 2, 1, 0]);
    stream
        .write_all(&asked)
        .map_err(|err| format!("cannot send the heartbeat: {err}"))?;
    let deadline = Instant::now() + timeout;
    let mut received = Vec::new();
    loop {
        match read_some(&mut stream, &mut received, deadline, timeout) {
            // Its first record says: a heartbeat (type 24) can only be the leak's answer, as the
            // request was one no server may answer (RFC 6520 4); an alert or a close is a refusal.
            Ok(_) if received.len() >= 5 => return Ok(received[0] == 24),
            Ok(0) => return Ok(false),
            Ok(_) => {}
            Err(why) if Instant::now() >= deadline => return Err(why),
            // A reset after the close_notify is a close.
            Err(_) => return Ok(false),
        }
    }
}

/// A server that sends its key exchange or ends its flight before saying which version and suite it
/// chose: not an answer either way, whatever comes next.
fn out_of_order() -> Answer {
    Answer::Unknown("it sent the rest of its first flight before its ServerHello".to_owned())
}

/// A probe's bytes as the x-ray's decoder takes them: the ClientHello, then the server's answer.
fn chunks(sent: &[u8], received: &[u8]) -> [Chunk; 2] {
    [
        Chunk {
            direction: Direction::Client,
            offset_us: 0,
            bytes: sent.to_vec(),
            reset: false,
        },
        Chunk {
            direction: Direction::Server,
            offset_us: 1,
            bytes: received.to_vec(),
            reset: false,
        },
    ]
}

/// What a ServerHello (or HelloRetryRequest) chose and says.
fn chosen(hello: &crate::xray::ServerHello) -> Answer {
    let mut version = u16::from(hello.legacy_version);
    let mut group = None;
    let mut extensions = Vec::new();
    for extension in hello.extensions.iter().flatten() {
        extensions.push(extension.code);
        match &extension.data {
            ExtensionData::SelectedVersion { version: chosen } => version = u16::from(*chosen),
            ExtensionData::ServerKeyShare(share) => group = Some(u16::from(share.group)),
            ExtensionData::RetryGroup { selected_group } => group = Some(u16::from(*selected_group)),
            _ => {}
        }
    }
    Answer::Chose {
        version,
        suite: u16::from(hello.cipher_suite),
        group,
        hello: Said {
            extensions,
            compression: hello.compression_method,
            downgrade_sentinel: hello.random[24..31] == DOWNGRADE,
            dh: None,
            signed_with: None,
            certificates: Vec::new(),
        },
    }
}

/// The server's answer in `received` to `hello`, as [`read_answer`] reads it (for the fuzz target).
#[cfg(feature = "fuzzing")]
pub(crate) fn read_answer_of(hello: &Hello<'_>, received: &[u8], ended: bool, until: Until) -> Answer {
    read_answer(&client_hello(hello), received, ended, until)
}

/// The server's answer in `received` (after `sent`), read by the x-ray's decoder as far as `until`;
/// an empty `Unknown` while more bytes may complete it, unless `ended`.
fn read_answer(sent: &[u8], received: &[u8], ended: bool, until: Until) -> Answer {
    let trace = decode(&chunks(sent, received), &[], 0);
    let server_messages = trace
        .records
        .iter()
        .filter(|record| record.direction == Direction::Server)
        .flat_map(|record| &record.messages);
    let mut chose = None;
    for message in server_messages {
        match (&message.kind, &message.body) {
            (_, Body::ServerKeyExchange(exchange)) => {
                if let Some(Answer::Chose { group, hello, .. }) = chose.as_mut() {
                    *group = Some(u16::from(exchange.group));
                    hello.signed_with = exchange.scheme.map(u16::from);
                }
                if until == Until::KeyExchange {
                    return chose.unwrap_or_else(out_of_order);
                }
            }
            // A DHE key exchange, which the decoder does not read: its prime says the group.
            (MessageKind::Handshake(rustls::HandshakeType::ServerKeyExchange), Body::Unread) => {
                if let Some(Answer::Chose { version, hello, .. }) = chose.as_mut() {
                    (hello.dh, hello.signed_with) =
                        dhe_exchange(message.bytes.get(4..).unwrap_or_default(), *version == 0x0303);
                }
                if until == Until::KeyExchange {
                    return chose.unwrap_or_else(out_of_order);
                }
            }
            (_, Body::Certificate(certificate)) => {
                if let Some(Answer::Chose { hello, .. }) = chose.as_mut() {
                    hello.certificates = certificate.certificates.iter().map(|entry| entry.der.clone()).collect();
                }
            }
            (MessageKind::Handshake(rustls::HandshakeType::ServerHelloDone), _) => {
                return chose.unwrap_or_else(out_of_order);
            }
            (_, Body::ServerHello(hello)) => {
                let answer = chosen(hello);
                if until == Until::ServerHello || matches!(answer, Answer::Chose { version: 0x0304.., .. }) {
                    return answer;
                }
                chose = Some(answer);
            }
            (MessageKind::Alert, Body::Alert(alert)) => {
                return Answer::Refused(format!(
                    "it answered with the alert {}",
                    crate::names::Named::name(&alert.description)
                ));
            }
            _ => {}
        }
    }
    match &trace.problem {
        Some(problem)
            if !matches!(
                problem.reason,
                crate::xray::Stop::UnfinishedRecord { .. } | crate::xray::Stop::NoRecordHeader { .. }
            ) =>
        {
            Answer::Unknown(problem.to_string())
        }
        _ if ended => Answer::Unknown("it answered with no ServerHello and no alert".to_owned()),
        _ => Answer::Unknown(String::new()),
    }
}
