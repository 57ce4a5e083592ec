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
}

/// The signature schemes every probe offers: all that TLS 1.2 and 1.3 servers sign with.
const SCHEMES: [u16; 16] = [
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
    body.extend([1, 0]);
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
        let schemes: Vec<u8> = SCHEMES.iter().flat_map(|scheme| scheme.to_be_bytes()).collect();
        let mut list = Vec::new();
        vector16(&mut list, &schemes);
        extension(&mut extensions, 0x000d, &list);
        extension(&mut extensions, 0xff01, &[0]);
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
    },
    /// An alert, or the connection closed with no answer: the server will not do what was offered.
    Refused(String),
    /// No answer that says either way: a timeout, a reset, bytes that are not TLS.
    Unknown(String),
}

/// The most bytes read for one answer: a ServerHello comes first, well within it.
const MOST: usize = 64 * 1024;

/// How far a probe reads the server's first flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Until {
    /// Its ServerHello (or HelloRetryRequest).
    ServerHello,
    /// TLS 1.2's ServerKeyExchange, for the group it names (or ServerHelloDone, when there is none).
    KeyExchange,
}

/// Sends `hello` to `addr` on a new connection and reads the server's answer as far as `until`, all
/// within `timeout`.
pub(crate) fn probe(addr: SocketAddr, hello: &Hello<'_>, timeout: Duration, until: Until) -> Answer {
    let deadline = Instant::now() + timeout;
    let mut stream = match TcpStream::connect_timeout(&addr, timeout) {
        Ok(stream) => stream,
        Err(err) => return Answer::Unknown(format!("cannot connect: {err}")),
    };
    let sent = client_hello(hello);
    if let Err(err) = stream.write_all(&sent) {
        return Answer::Unknown(format!("cannot send the ClientHello: {err}"));
    }
    let mut received = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return Answer::Unknown(format!("no answer within {} ms", timeout.as_millis()));
        }
        match stream.read(&mut buf) {
            Ok(0) if received.is_empty() => {
                return Answer::Refused("it closed the connection without an answer".to_owned());
            }
            Ok(0) => return read_answer(&sent, &received, true, until),
            Ok(n) => received.extend_from_slice(&buf[..n]),
            Err(err)
                if matches!(
                    err.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return Answer::Unknown(format!("no answer within {} ms", timeout.as_millis()));
            }
            Err(err) => return Answer::Unknown(format!("the connection failed: {err}")),
        }
        match read_answer(&sent, &received, received.len() >= MOST, until) {
            Answer::Unknown(why) if why.is_empty() => continue,
            answer => return answer,
        }
    }
}

/// The server's answer in `received` (after `sent`), read by the x-ray's decoder as far as `until`;
/// an empty `Unknown` while more bytes may complete it, unless `ended`.
fn read_answer(sent: &[u8], received: &[u8], ended: bool, until: Until) -> Answer {
    let chunks = [
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
    ];
    let trace = decode(&chunks, &[], 0);
    let server_messages = trace
        .records
        .iter()
        .filter(|record| record.direction == Direction::Server)
        .flat_map(|record| &record.messages);
    let mut chose = None;
    for message in server_messages {
        match (&message.kind, &message.body) {
            (_, Body::ServerKeyExchange(exchange)) => {
                if let Some(Answer::Chose { version, suite, .. }) = chose {
                    return Answer::Chose {
                        version,
                        suite,
                        group: Some(u16::from(exchange.group)),
                    };
                }
            }
            (MessageKind::Handshake(rustls::HandshakeType::ServerHelloDone), _) if chose.is_some() => {
                return chose.unwrap_or(Answer::Unknown(String::new()));
            }
            (_, Body::ServerHello(hello)) => {
                let mut version = u16::from(hello.legacy_version);
                let mut group = None;
                for extension in hello.extensions.iter().flatten() {
                    match &extension.data {
                        ExtensionData::SelectedVersion { version: chosen } => version = u16::from(*chosen),
                        ExtensionData::ServerKeyShare(share) => group = Some(u16::from(share.group)),
                        ExtensionData::RetryGroup { selected_group } => group = Some(u16::from(*selected_group)),
                        _ => {}
                    }
                }
                let answer = Answer::Chose {
                    version,
                    suite: u16::from(hello.cipher_suite),
                    group,
                };
                if until == Until::ServerHello || version >= 0x0304 {
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
