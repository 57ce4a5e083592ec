//! A captured connection read back: bytes into records (type, version, length), records into handshake
//! messages (a message may span records, a record may hold several), each message's fields by name,
//! TLS 1.3 records opened with the keys the logged secrets give, and both Finished values recomputed.

use rustls::{AlertDescription, ContentType, HandshakeType, ProtocolVersion};

use super::finished;
use super::keys::{self, RecordKeys, Suite, Suite12};
use super::message::{AlertLevel, Body, ExtensionData, ServerHello};
use super::model::{
    Closed, DecodeError, Finished, FinishedCheck, KeyDerivation, Message, MessageKind, Record, Stop, Trace, bytes,
};
use super::read::{self, Notes};
use super::{Chunk, Direction, Secret};
use crate::x509::hex;

/// The largest handshake message read (rustls accepts no larger): past it, the decoder stops there.
const LARGEST_MESSAGE: usize = 64 * 1024;

/// Application data records shown one by one per direction; the rest are counted.
const SHOWN_APPLICATION_RECORDS: usize = 8;

/// One direction of the connection as the decoder goes.
struct Side {
    direction: Direction,
    /// Bytes not yet cut into records.
    pending: Vec<u8>,
    /// Bytes of this side's stream before `pending`: where its next record begins.
    consumed: u64,
    /// Handshake bytes not yet cut into messages.
    handshake: Vec<u8>,
    /// Handshake messages of this direction that span records: how many records the current one took.
    spans: usize,
    keys: Option<RecordKeys>,
    /// A ChangeCipherSpec was seen: under TLS 1.2, what follows is encrypted.
    changed_cipher: bool,
    application_records: usize,
    /// It sent close_notify; a record of it could not be read (so whether it did is not known).
    sent_close_notify: bool,
    /// The fatal alert it sent, when it sent one.
    sent_fatal: Option<AlertDescription>,
    unread: bool,
}

struct Decoder<'a> {
    secrets: &'a [Secret],
    trace: Trace,
    client_random: Option<Vec<u8>>,
    suite: Option<Suite>,
    tls13: bool,
    /// Every handshake message in order, for the transcript hash.
    transcript: Vec<u8>,
    /// The ServerHello being read is a HelloRetryRequest.
    retry: bool,
    /// Keys the client's records use from its next record on (set when the server's hello is read).
    client_keys: Option<RecordKeys>,
    /// TLS 1.2: the suite, the server's random, and each side's keys until its ChangeCipherSpec.
    suite12: Option<Suite12>,
    server_random: Option<Vec<u8>>,
    keys12: [Option<RecordKeys>; 2],
}

/// Decodes the runs of bytes of one connection, with the secrets its TLS library logged.
pub fn decode(chunks: &[Chunk], secrets: &[Secret], dropped: usize) -> Trace {
    let mut decoder = Decoder {
        secrets,
        trace: Trace {
            version: None,
            cipher_suite: None,
            group: None,
            records: Vec::new(),
            finished: Finished {
                client: FinishedCheck::NotSeen,
                server: FinishedCheck::NotSeen,
            },
            ja4: None,
            ja4_r: None,
            certificate_verify_transcript: None,
            key_derivation: Vec::new(),
            more_application_records: 0,
            more_application_after: 0,
            closed: Vec::new(),
            resumed: false,
            bytes_not_captured: dropped,
            capture_limit: super::LIMIT,
            problem: None,
        },
        client_random: None,
        suite: None,
        tls13: false,
        transcript: Vec::new(),
        retry: false,
        client_keys: None,
        suite12: None,
        server_random: None,
        keys12: [None, None],
    };
    let mut client = Side::new(Direction::Client);
    let mut server = Side::new(Direction::Server);
    for chunk in chunks {
        let side = match chunk.direction {
            Direction::Client => &mut client,
            Direction::Server => &mut server,
        };
        if chunk.bytes.is_empty() {
            decoder.trace.closed.push(Closed {
                direction: chunk.direction,
                offset_us: chunk.offset_us,
                reset: chunk.reset,
                // Not known when some of its records were not read, or not captured (past the limit).
                close_notify_first: (!side.unread && dropped == 0).then_some(side.sent_close_notify),
                after_fatal_alert: side.sent_fatal,
                after_records: decoder.trace.records.len(),
            });
            continue;
        }
        side.pending.extend_from_slice(&chunk.bytes);
        if let Err(problem) = decoder.records(side, chunk.offset_us) {
            decoder.trace.problem = Some(problem);
            break;
        }
    }
    decoder.trace.resumed = decoder.trace.was_resumed();
    // A record the limit cut was not read: its bytes count with those not kept.
    if dropped > 0 && decoder.trace.problem.is_none() {
        decoder.trace.bytes_not_captured += client.pending.len() + server.pending.len();
    }
    // A record cut by the capture's own limit is the limit, said as such below, not a problem.
    if decoder.trace.problem.is_none() && dropped == 0 {
        for side in [&client, &server] {
            let last = &side.pending;
            decoder.trace.problem = match last.get(3..5) {
                _ if last.is_empty() => continue,
                Some(length) => Some(stopped(
                    side,
                    Stop::UnfinishedRecord {
                        have: last.len(),
                        promised: u16::from_be_bytes([length[0], length[1]]),
                    },
                )),
                None => Some(stopped(side, Stop::NoRecordHeader { have: last.len() })),
            };
        }
    }
    decoder.trace
}

/// Why `side` could not be read past its next record.
fn stopped(side: &Side, reason: Stop) -> DecodeError {
    DecodeError {
        direction: side.direction,
        offset: side.consumed,
        reason,
    }
}

impl Side {
    fn new(direction: Direction) -> Self {
        Self {
            direction,
            pending: Vec::new(),
            consumed: 0,
            handshake: Vec::new(),
            spans: 0,
            keys: None,
            changed_cipher: false,
            application_records: 0,
            sent_close_notify: false,
            sent_fatal: None,
            unread: false,
        }
    }
}

impl Decoder<'_> {
    fn secret(&self, label: &str) -> Option<&[u8]> {
        let random = self.client_random.as_deref()?;
        self.secrets
            .iter()
            .rev()
            .find(|s| s.label == label && s.client_random == random)
            .map(|s| s.secret.as_slice())
    }

    /// Keys for `label`'s secret, and a line saying how they were derived.
    fn keys_for(&mut self, label: &str) -> Option<RecordKeys> {
        let suite = self.suite?;
        let secret = self.secret(label)?.to_vec();
        let keys = RecordKeys::new(suite, &secret, label)?;
        self.trace.key_derivation.push(KeyDerivation::Traffic {
            secret: label.to_owned(),
            key_len: suite.key_len,
            iv_len: 12,
            hash: suite.hash.name().to_owned(),
        });
        Some(keys)
    }

    /// Cuts `side`'s pending bytes into records and reads each.
    fn records(&mut self, side: &mut Side, offset_us: u64) -> Result<(), DecodeError> {
        loop {
            if side.pending.len() < 5 {
                return Ok(());
            }
            let header = [
                side.pending[0],
                side.pending[1],
                side.pending[2],
                side.pending[3],
                side.pending[4],
            ];
            if !(20..=24).contains(&header[0]) {
                // Shown as text too when they read as text: an HTTP answer, an SSH banner, an HTML page.
                // Line ends are shown escaped: `HTTP/1.0 200 OK\r\n` is the most common answer of all.
                let start = &side.pending[..side.pending.len().min(16)];
                let text = start
                    .iter()
                    .all(|b| b.is_ascii_graphic() || matches!(b, b' ' | b'\r' | b'\n' | b'\t'))
                    .then(|| String::from_utf8_lossy(start).escape_debug().to_string());
                return Err(stopped(
                    side,
                    Stop::NotTls {
                        first: [header[0], header[1]],
                        text,
                    },
                ));
            }
            let length = usize::from(u16::from_be_bytes([header[3], header[4]]));
            if length > 16384 + 256 {
                return Err(stopped(side, Stop::RecordTooLong { length }));
            }
            if side.pending.len() < 5 + length {
                return Ok(());
            }
            let body: Vec<u8> = side.pending[5..5 + length].to_vec();
            side.pending.drain(..5 + length);
            let read = self.record(side, offset_us, header, &body);
            side.consumed += 5 + length as u64;
            read?;
        }
    }

    fn record(&mut self, side: &mut Side, offset_us: u64, header: [u8; 5], body: &[u8]) -> Result<(), DecodeError> {
        if side.direction == Direction::Client && self.client_keys.is_some() {
            side.keys = self.client_keys.take();
        }
        let mut record = Record {
            direction: side.direction,
            offset_us,
            content_type: ContentType::from(header[0]),
            version: ProtocolVersion::from(u16::from_be_bytes([header[1], header[2]])),
            length: body.len(),
            encrypted: false,
            decrypted_with: None,
            inner_content_type: None,
            messages: Vec::new(),
            note: None,
        };
        let Some((content_type, plain)) = self.open(side, &mut record, header, body) else {
            self.trace.records.push(record);
            return Ok(());
        };
        match content_type {
            22 => {
                side.handshake.extend_from_slice(&plain);
                side.spans += 1;
                self.messages(side, &mut record)?;
            }
            21 => record.messages.push(alert(side, plain)),
            20 => self.change_cipher_spec(side, &mut record),
            23 => {
                side.application_records += 1;
                if side.application_records > SHOWN_APPLICATION_RECORDS {
                    if self.trace.more_application_records == 0 {
                        self.trace.more_application_after = self.trace.records.len();
                    }
                    self.trace.more_application_records += 1;
                    return Ok(());
                }
                record.note = Some(format!("{} of application data", bytes(plain.len())));
            }
            _ => {}
        }
        self.trace.records.push(record);
        Ok(())
    }

    /// The record's content, opened with its side's keys when it is protected: `None` (with the
    /// record's note saying why) when it cannot be read.
    fn open(&mut self, side: &mut Side, record: &mut Record, header: [u8; 5], body: &[u8]) -> Option<(u8, Vec<u8>)> {
        let protected = if self.tls13 {
            header[0] == 23
        } else {
            side.changed_cipher
        };
        let opened = match header[0] {
            _ if protected && side.keys.is_some() => {
                record.encrypted = true;
                let keys = side.keys.as_mut()?;
                match keys.open(&header, body) {
                    Some((inner, plain)) => {
                        record.decrypted_with = Some(keys.label.clone());
                        if self.tls13 {
                            record.inner_content_type = Some(ContentType::from(inner));
                        }
                        (inner, plain)
                    }
                    None => {
                        side.unread = true;
                        record.note = Some(format!(
                            "does not open with the keys of {} (record {}): shown as it is, not guessed",
                            keys.label, keys.sequence
                        ));
                        return None;
                    }
                }
            }
            20 => (20, body.to_vec()),
            _ if side.changed_cipher || (header[0] == 23 && !self.tls13) => {
                record.encrypted = true;
                side.unread = true;
                record.note = Some(if self.tls13 {
                    "encrypted; no secret was logged for it".to_owned()
                } else {
                    "encrypted; no CLIENT_RANDOM secret was logged for it, or the suite is not an AEAD one".to_owned()
                });
                return None;
            }
            23 => {
                record.encrypted = true;
                side.unread = true;
                record.note = Some("encrypted; no secret was logged for it".to_owned());
                return None;
            }
            other => (other, body.to_vec()),
        };
        Some(opened)
    }

    /// A ChangeCipherSpec: in TLS 1.2, this side encrypts from here on (its keys derived now when the
    /// other side's are not yet); in TLS 1.3, nothing.
    fn change_cipher_spec(&mut self, side: &mut Side, record: &mut Record) {
        side.changed_cipher = !self.tls13;
        if !self.tls13 {
            let at = usize::from(side.direction == Direction::Server);
            if self.keys12[at].is_none() && self.keys12[1 - at].is_none() {
                self.derive_tls12_keys();
            }
            side.keys = self.keys12[at].take();
        }
        record.note = Some(if self.tls13 {
            "middlebox compatibility (RFC 8446 D.4): no meaning in TLS 1.3".to_owned()
        } else {
            "what this side sends from here on is encrypted".to_owned()
        });
    }

    /// Cuts the handshake bytes of `side` into messages, reads each into `record`.
    fn messages(&mut self, side: &mut Side, record: &mut Record) -> Result<(), DecodeError> {
        while side.handshake.len() >= 4 {
            let kind = side.handshake[0];
            let length = usize::from(side.handshake[1]) << 16
                | usize::from(side.handshake[2]) << 8
                | usize::from(side.handshake[3]);
            if length > LARGEST_MESSAGE {
                return Err(stopped(
                    side,
                    Stop::MessageTooLong {
                        kind: HandshakeType::from(kind),
                        length,
                    },
                ));
            }
            if side.handshake.len() < 4 + length {
                return Ok(());
            }
            let bytes: Vec<u8> = side.handshake.drain(..4 + length).collect();
            let spans_records = side.spans.max(1);
            side.spans = usize::from(!side.handshake.is_empty());
            let notes = Notes::default();
            let before_tls12 = self
                .trace
                .version
                .is_some_and(|version| u16::from(version) < u16::from(ProtocolVersion::TLSv1_2));
            let (body, problem) = read::handshake(&bytes, self.tls13, before_tls12, &notes);
            let (annotations, grease) = notes.into_parts();
            let mut message = Message {
                kind: MessageKind::Handshake(HandshakeType::from(kind)),
                length,
                spans_records,
                body,
                problem,
                bytes,
                annotations,
                grease,
            };
            self.act_on(side, &mut message);
            record.messages.push(message);
        }
        Ok(())
    }

    /// What a handshake message changes: the transcript, the keys, what was agreed, the Finished checks.
    fn act_on(&mut self, side: &mut Side, message: &mut Message) {
        let kind = message.bytes[0];
        if kind == 2 {
            self.retry = false;
        }
        // Post-handshake messages (TLS 1.3's tickets, key updates) are not part of the transcript.
        let in_transcript = !(self.tls13 && matches!(kind, 4 | 24)) && kind != 0;
        let before = self.transcript.len();
        if kind == 1 {
            // From the bytes, not the typed hello: a hello damaged after its random still has the
            // random that opens the records after it, and JA4 reads the bytes it can.
            if self.trace.ja4.is_none() {
                if let Some((ja4, raw)) = super::ja4::fingerprint(&message.bytes[4..]) {
                    self.trace.ja4 = Some(ja4);
                    self.trace.ja4_r = Some(raw);
                }
            }
            if let Some(random) = message.bytes.get(6..38) {
                self.client_random = Some(random.to_vec());
            }
        }
        match &mut message.body {
            // A ServerHello whose extensions could not be read agrees nothing: its version may be there.
            Body::ServerHello(hello) if message.problem.is_none() => self.server_hello(hello),
            Body::ServerKeyExchange(exchange) => self.trace.group = Some(exchange.group),
            Body::Finished {
                transcript_hash, check, ..
            } => {
                let (hash, checked) = self.finished(side, &message.bytes[4..]);
                *transcript_hash = hash;
                *check = checked;
            }
            _ => {}
        }
        if kind == 2 && self.retry {
            // RFC 8446 4.4.1: the first ClientHello is replaced by a message_hash of it.
            if let Some(suite) = self.suite {
                let first = suite.hash.digest(&self.transcript[..before]);
                let mut synthetic = vec![254, 0, 0, u8::try_from(first.len()).unwrap_or(0)];
                synthetic.extend_from_slice(&first);
                self.transcript = synthetic;
            }
        }
        if in_transcript {
            self.transcript.extend_from_slice(&message.bytes);
        }
        if kind == 11 && side.direction == Direction::Server {
            if let Some(suite) = self.suite {
                self.trace.certificate_verify_transcript = Some(hex(&suite.hash.digest(&self.transcript)));
            }
        }
        if kind == 2 && self.tls13 && !self.retry {
            // After the ServerHello, both sides protect records with their handshake traffic keys.
            side.keys = self.keys_for("SERVER_HANDSHAKE_TRAFFIC_SECRET");
            self.client_keys = self.keys_for("CLIENT_HANDSHAKE_TRAFFIC_SECRET");
        }
        if kind == 24 {
            if let (Some(keys), Some(suite)) = (side.keys.as_ref(), self.suite) {
                let next = keys::expand_label(suite.hash, &keys.secret, "traffic upd", &[], suite.hash.len());
                let label = format!("{} (updated)", keys.label);
                side.keys = RecordKeys::new(suite, &next, &label);
            }
        }
    }

    /// What a ServerHello agrees: the version (TLS 1.3 by supported_versions), the suite, the group
    /// of the server's key share (a HelloRetryRequest's key_share names the group it asks for instead).
    fn server_hello(&mut self, hello: &ServerHello) {
        self.retry = hello.hello_retry_request;
        let mut version = hello.legacy_version;
        for extension in hello.extensions.iter().flatten() {
            match &extension.data {
                ExtensionData::SelectedVersion { version: selected } if *selected == ProtocolVersion::TLSv1_3 => {
                    version = *selected;
                }
                ExtensionData::ServerKeyShare(share) => self.trace.group = Some(share.group),
                _ => {}
            }
        }
        let suite = u16::from(hello.cipher_suite);
        self.trace.cipher_suite = Some(hello.cipher_suite);
        self.trace.version = Some(version);
        self.tls13 = version == ProtocolVersion::TLSv1_3;
        self.suite = if self.tls13 { Suite::tls13(suite) } else { None };
        self.suite12 = if self.tls13 { None } else { Suite12::new(suite) };
        self.server_random = Some(hello.random.to_vec());
    }
}

impl Decoder<'_> {
    /// TLS 1.2's record keys from the master secret (the CLIENT_RANDOM line) and the two randoms.
    fn derive_tls12_keys(&mut self) {
        let (Some(suite), Some(server_random), Some(client_random)) =
            (self.suite12, self.server_random.clone(), self.client_random.clone())
        else {
            return;
        };
        let Some(master) = self.secret("CLIENT_RANDOM").map(<[u8]>::to_vec) else {
            return;
        };
        if let Some((client, server)) = keys::tls12_keys(suite, &master, &client_random, &server_random) {
            self.keys12 = [Some(client), Some(server)];
            self.trace.key_derivation.push(KeyDerivation::KeyBlock {
                hash: suite.hash.name().to_owned(),
            });
        }
    }

    /// Checks `side`'s Finished against the one recomputed from the transcript so far (its hash, hex,
    /// and the check; not seen without the secrets); then, in TLS 1.3, its records go over to the
    /// application traffic keys.
    fn finished(&mut self, side: &mut Side, verify_data: &[u8]) -> (Option<String>, FinishedCheck) {
        let keying = if self.tls13 {
            let label = match side.direction {
                Direction::Server => "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                Direction::Client => "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
            };
            self.suite
                .zip(self.secret(label))
                .map(|(suite, traffic_secret)| finished::Keying::Tls13 { suite, traffic_secret })
        } else {
            self.suite12
                .zip(self.secret("CLIENT_RANDOM"))
                .map(|(suite, master_secret)| finished::Keying::Tls12 { suite, master_secret })
        };
        let (hash, check) = match keying {
            Some(keying) => {
                let (hash, check) = finished::check(keying, side.direction, &self.transcript, verify_data);
                (Some(hex(&hash)), check)
            }
            None => (None, FinishedCheck::NotSeen),
        };
        match side.direction {
            Direction::Server => self.trace.finished.server = check,
            Direction::Client => self.trace.finished.client = check,
        }
        if self.tls13 {
            let application_label = match side.direction {
                Direction::Server => "SERVER_TRAFFIC_SECRET_0",
                Direction::Client => "CLIENT_TRAFFIC_SECRET_0",
            };
            side.keys = self.keys_for(application_label);
        }
        (hash, check)
    }
}

/// An alert record's message: its level and description (a fatal one, and close_notify, noted for the
/// side that sent it).
fn alert(side: &mut Side, plain: Vec<u8>) -> Message {
    let notes = Notes::default();
    let (body, problem) = match read::alert(&plain, &notes) {
        Ok(alert) => {
            side.sent_close_notify |= alert.description == AlertDescription::CloseNotify;
            if alert.level == AlertLevel::Fatal {
                side.sent_fatal = Some(alert.description);
            }
            (Body::Alert(alert), None)
        }
        Err(problem) => (Body::Unread, Some(problem)),
    };
    let (annotations, grease) = notes.into_parts();
    Message {
        kind: MessageKind::Alert,
        length: plain.len(),
        spans_records: 1,
        body,
        problem,
        bytes: plain,
        annotations,
        grease,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real rustls ClientHello (post-quantum key share, GREASE-free), as the first record.
    fn client_hello() -> Vec<u8> {
        let config = crate::config::inspection_client_config(&Default::default()).expect("a client config");
        let name = rustls::pki_types::ServerName::try_from("localhost").expect("a name");
        let mut conn = rustls::ClientConnection::new(config, name).expect("a client");
        let mut hello = Vec::new();
        while conn.wants_write() {
            conn.write_tls(&mut hello).expect("write to a Vec");
        }
        hello
    }

    fn client(bytes: &[u8]) -> Vec<Chunk> {
        vec![Chunk {
            direction: Direction::Client,
            offset_us: 0,
            bytes: bytes.to_vec(),
            reset: false,
        }]
    }

    /// A ClientHello record offering TLS_AES_128_GCM_SHA256, with `extensions` as its extension list.
    fn hello_with(extensions: &[u8]) -> Vec<u8> {
        let mut body = vec![3, 3];
        body.extend([7; 32]);
        body.extend([0, 0, 2, 0x13, 0x01, 1, 0]);
        body.extend(u16::try_from(extensions.len()).expect("short").to_be_bytes());
        body.extend(extensions);
        let mut message = vec![1, 0];
        message.extend(u16::try_from(body.len()).expect("short").to_be_bytes());
        message.extend(body);
        let mut record = vec![22, 3, 1];
        record.extend(u16::try_from(message.len()).expect("short").to_be_bytes());
        record.extend(message);
        record
    }

    fn only_message(trace: &Trace) -> &Message {
        assert_eq!(trace.problem, None);
        let messages: Vec<&Message> = trace.messages().collect();
        assert_eq!(messages.len(), 1, "{messages:?}");
        messages[0]
    }

    #[test]
    fn a_client_hello_reads_whole_and_its_fingerprint_is_tls_1_3_with_sni() {
        let trace = decode(&client(&client_hello()), &[], 0);
        let hello = only_message(&trace);
        assert_eq!(hello.kind, HandshakeType::ClientHello);
        assert_eq!(hello.problem, None);
        let Body::ClientHello(body) = &hello.body else {
            panic!("not read as a ClientHello: {hello:?}");
        };
        assert_eq!(body.legacy_version, ProtocolVersion::TLSv1_2);
        assert!(
            body.cipher_suites
                .contains(&rustls::CipherSuite::TLS13_AES_128_GCM_SHA256)
        );
        let data: Vec<&ExtensionData> = hello.extensions().iter().map(|e| &e.data).collect();
        assert!(
            data.contains(&&ExtensionData::ServerName {
                host_names: vec!["localhost".into()]
            }),
            "{data:?}"
        );
        assert!(
            data.contains(&&ExtensionData::SupportedVersions {
                versions: vec![ProtocolVersion::TLSv1_3, ProtocolVersion::TLSv1_2]
            }),
            "{data:?}"
        );
        let shares = data.iter().find_map(|d| match d {
            ExtensionData::KeyShares { shares } => Some(shares),
            _ => None,
        });
        assert_eq!(
            shares.and_then(|s| s.first()),
            Some(&super::super::KeyShare {
                group: rustls::NamedGroup::X25519MLKEM768,
                key_exchange_bytes: 1216
            })
        );
        assert!(hello.extensions().iter().all(|e| e.problem.is_none()), "{hello:?}");
        assert!(
            trace.ja4.as_deref().is_some_and(|j| j.starts_with("t13d")),
            "{:?}",
            trace.ja4
        );
    }

    /// An extension the decoder does not read keeps its code and bytes, and its JSON says its name
    /// and size; GREASE ones are counted; one whose content breaks says where, and the others still read.
    #[test]
    fn unknown_grease_and_broken_extensions_are_kept_as_they_are() {
        let extensions = [
            &[0x12, 0x34, 0, 3, 1, 2, 3][..],
            &[0x0a, 0x0a, 0, 0],
            // supported_groups whose list says 8 bytes and holds 2.
            &[0, 10, 0, 4, 0, 8, 0, 0x1d],
            &[0, 43, 0, 3, 2, 3, 4],
        ]
        .concat();
        let trace = decode(&client(&hello_with(&extensions)), &[], 0);
        let hello = only_message(&trace);
        assert_eq!(hello.problem, None);
        assert_eq!(hello.grease, 1);
        let all = hello.extensions();
        assert_eq!(
            all[0],
            super::super::Extension {
                code: 0x1234,
                bytes: 3,
                data: ExtensionData::Unknown {
                    code: 0x1234,
                    bytes: vec![1, 2, 3]
                },
                problem: None
            }
        );
        assert_eq!(
            serde_json::to_value(&all[0]).expect("JSON"),
            serde_json::json!({"name": "0x1234", "bytes": 3})
        );
        assert_eq!(
            all[2].problem,
            Some(super::super::ReadError::EndsEarly {
                what: "extension",
                at: 64,
                expected: 8,
                there: 2
            })
        );
        assert!(matches!(all[2].data, ExtensionData::Unknown { code: 10, .. }));
        assert_eq!(
            all[3].data,
            ExtensionData::SupportedVersions {
                versions: vec![ProtocolVersion::TLSv1_3]
            }
        );
    }

    /// A hello whose extension list breaks keeps the fields read before it, and says where it broke.
    #[test]
    fn a_hello_with_a_broken_extension_list_keeps_what_came_before() {
        let mut record = hello_with(&[0, 43, 0, 3, 2, 3, 4]);
        // The list's length says 9 bytes; 7 follow (the record and message lengths still agree).
        let at = record.len() - 9;
        record[at..at + 2].copy_from_slice(&[0, 9]);
        let trace = decode(&client(&record), &[], 0);
        let hello = only_message(&trace);
        let Body::ClientHello(body) = &hello.body else {
            panic!("not read as a ClientHello: {hello:?}");
        };
        assert_eq!(body.cipher_suites, vec![rustls::CipherSuite::TLS13_AES_128_GCM_SHA256]);
        assert_eq!(body.extensions, None);
        assert_eq!(
            hello.problem,
            Some(super::super::ReadError::EndsEarly {
                what: "ClientHello",
                at: 47,
                expected: 9,
                there: 7
            })
        );
        assert!(
            trace.to_string().contains(
                "problem the ClientHello ends early: 9 more bytes expected at byte 47 of the message, 7 there"
            ),
            "{trace}"
        );
    }

    /// `--trace=full` names every byte of a real ClientHello: the annotations follow one another from
    /// the message's first byte to its last, each cipher suite and group on a line of its own.
    #[test]
    fn every_byte_of_a_client_hello_is_annotated_in_order() {
        let trace = decode(&client(&client_hello()), &[], 0);
        let hello = &trace.records[0].messages[0];
        let mut at = 0;
        for note in &hello.annotations {
            assert_eq!(note.at, at, "a gap or an overlap before {note:?}");
            at += note.len;
        }
        assert_eq!(at, hello.bytes.len());
        let full = trace.render(true, false);
        for row in [
            "0000  01                                               msg_type client_hello",
            "0004  03 03                                            legacy_version TLSv1.2",
            "  13 01                                            cipher_suite TLS_AES_128_GCM_SHA256",
            "  11 ec                                            named_group X25519MLKEM768",
            "  04 c0                                            key_exchange length 1216",
            "  host_name localhost",
        ] {
            assert!(full.contains(row), "no {row:?} in\n{full}");
        }
    }

    /// A server that answers in plain text is shown as text, and a header of a failed handshake says
    /// nothing was agreed (no version, no "not shown" line about secrets that never existed).
    #[test]
    fn a_plain_text_answer_and_an_unfinished_record_are_said_as_they_are() {
        let mut chunks = client(&client_hello());
        chunks.push(Chunk {
            direction: Direction::Server,
            offset_us: 1,
            bytes: b"HTTP/1.0 400 Bad Request\r\n\r\n".to_vec(),
            reset: false,
        });
        let text = decode(&chunks, &[], 0).to_string();
        assert!(
            text.starts_with(
                "handshake x-ray: no ServerHello was read, so no version, cipher suite or key exchange was agreed\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("(they begin with 0x48 0x54, \"HTTP/1.0 400 Bad\" as text): it does not speak TLS"),
            "{text}"
        );
        assert!(!text.contains("not shown"), "{text}");
        // The commonest answer of all ends its status line within the 16 bytes shown: escaped, still text.
        chunks[1].bytes = b"HTTP/1.0 200 OK\r\n\r\n".to_vec();
        let text = decode(&chunks, &[], 0).to_string();
        assert!(
            text.contains("(they begin with 0x48 0x54, \"HTTP/1.0 200 OK\\r\" as text)"),
            "{text}"
        );
        chunks[1].bytes = [&[22, 3, 3, 0, 64][..], &[0; 16]].concat();
        let trace = decode(&chunks, &[], 0);
        let problem = trace.problem.expect("a reason");
        assert_eq!(
            problem,
            DecodeError {
                direction: Direction::Server,
                offset: 0,
                reason: Stop::UnfinishedRecord { have: 21, promised: 64 }
            }
        );
        assert_eq!(
            problem.to_string(),
            "the server's last 21 bytes are an unfinished record: its header promises 64 bytes, 16 came"
        );
        // After a whole record, the next one's offset: where in the server's stream decoding stopped.
        chunks[1].bytes = [&[21, 3, 3, 0, 2, 1, 0][..], &[22, 3]].concat();
        let trace = decode(&chunks, &[], 0);
        assert_eq!(
            trace.problem,
            Some(DecodeError {
                direction: Direction::Server,
                offset: 7,
                reason: Stop::NoRecordHeader { have: 2 }
            })
        );
        assert_eq!(
            serde_json::to_value(&trace).expect("JSON")["problem"],
            "the server's last 2 bytes are not even a record header (5 bytes)",
            "the JSON keeps the sentence"
        );
    }

    /// A FIN after the capture was cut claims nothing about close_notify: the records before it may
    /// not have been kept.
    #[test]
    fn a_fin_after_the_cut_does_not_say_whether_close_notify_came() {
        let mut chunks = client(&client_hello());
        chunks.push(Chunk {
            direction: Direction::Client,
            offset_us: 2,
            bytes: Vec::new(),
            reset: false,
        });
        let whole = decode(&chunks, &[], 0);
        assert_eq!(whole.closed[0].close_notify_first, Some(false));
        let cut = decode(&chunks, &[], 100);
        assert_eq!(cut.closed[0].close_notify_first, None);
        // The cut is said where it happened in the timeline, before the FIN.
        let text = cut.to_string();
        let at = text.find("(the capture's 256 KiB were full here: the 100 bytes after are not read)");
        assert!(at.is_some_and(|at| Some(at) < text.find("FIN: ")), "{text}");
        assert!(
            cut.to_string()
                .contains("FIN: the client closed its side of the connection, whether after a close_notify is not known: not all of its records were captured and read\n"),
            "{cut}"
        );
    }

    /// Annotations of damaged input still lie inside the message, in order, without overlapping, so
    /// the hex beside each name is the field's own.
    fn assert_annotations_in_bounds(trace: &Trace) {
        for message in trace.records.iter().flat_map(|r| &r.messages) {
            let mut end = 0;
            for note in &message.annotations {
                assert!(
                    note.at >= end && note.at + note.len <= message.bytes.len(),
                    "{note:?} in {message:?}"
                );
                end = note.at + note.len;
            }
        }
    }

    /// A connection that exchanged nothing says so in one line; a record cut by the capture's own limit
    /// is the limit (said as such), not a problem.
    #[test]
    fn nothing_exchanged_and_a_full_capture_are_said_plainly() {
        assert_eq!(
            decode(&[], &[], 0).to_string(),
            "handshake x-ray: nothing was exchanged (no TLS record crossed the connection)\n"
        );
        let hello = client_hello();
        let cut = decode(&client(&hello[..hello.len() - 10]), &[], 10);
        assert_eq!(cut.problem, None);
        assert!(
            cut.to_string().contains(&format!(
                "{} bytes past the capture's 256 KiB limit were not read",
                hello.len()
            )),
            "{cut}"
        );
    }

    /// Every byte flipped in turn and every truncation: a decoded prefix and a reason, never a panic.
    #[test]
    fn a_damaged_client_hello_gives_a_prefix_and_a_reason() {
        let hello = client_hello();
        for at in 0..hello.len() {
            let mut flipped = hello.clone();
            flipped[at] ^= 0xff;
            let trace = decode(&client(&flipped), &[], 0);
            let _ = trace.render(true, false);
            assert_annotations_in_bounds(&trace);
            let cut = decode(&client(&hello[..at]), &[], 0);
            assert!(at == 0 || cut.problem.is_some(), "cut at {at}: no reason given");
        }
    }
}
