//! A captured connection read back: bytes into records (type, version, length), records into handshake
//! messages (a message may span records, a record may hold several), each message's fields by name,
//! TLS 1.3 records opened with the keys the logged secrets give, and both Finished values recomputed.

use std::cell::RefCell;
use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use rustls::{CipherSuite, ContentType, HandshakeType, NamedGroup, ProtocolVersion};

use super::keys::{self, RecordKeys, Suite, Suite12};
use super::model::{
    Annotation, Closed, DecodeError, Fields, Finished, FinishedCheck, Message, MessageKind, Record, Trace,
};
use super::{Chunk, Direction, Secret};
use crate::names;

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
    /// The fatal alert it sent, by name, when it sent one.
    sent_fatal: Option<String>,
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
                after_fatal_alert: side.sent_fatal.clone(),
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
    // A record cut by the capture's own limit is the limit, said as such below, not a problem.
    if decoder.trace.problem.is_none() && dropped == 0 {
        for side in [&client, &server] {
            let last = &side.pending;
            decoder.trace.problem = match last.get(3..5) {
                _ if last.is_empty() => continue,
                Some(length) => Some(stopped(
                    side,
                    format!(
                        "the {}'s last {} are an unfinished record: its header promises {} bytes, {} came",
                        who(side.direction),
                        bytes(last.len()),
                        u16::from_be_bytes([length[0], length[1]]),
                        last.len() - 5
                    ),
                )),
                None => Some(stopped(
                    side,
                    format!(
                        "the {}'s last {} are not even a record header (5 bytes)",
                        who(side.direction),
                        bytes(last.len())
                    ),
                )),
            };
        }
    }
    decoder.trace
}

/// `n bytes`, or `1 byte`.
pub(crate) fn bytes(n: usize) -> String {
    if n == 1 {
        "1 byte".to_owned()
    } else {
        format!("{n} bytes")
    }
}

/// Why `side` could not be read past its next record.
fn stopped(side: &Side, reason: String) -> DecodeError {
    DecodeError {
        direction: side.direction,
        offset: side.consumed,
        reason,
    }
}

fn who(direction: Direction) -> &'static str {
    match direction {
        Direction::Client => "client",
        Direction::Server => "server",
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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// What the readers of one message (and of its nested lists) note as they go: each run of bytes, and
/// how many GREASE values (RFC 8701) the message's codes held.
#[derive(Default)]
struct Notes {
    annotations: RefCell<Vec<Annotation>>,
    grease: std::cell::Cell<usize>,
}

/// A cursor over a message's bytes that says what it could not read and notes what each field is.
struct Reader<'a, 'n> {
    data: &'a [u8],
    /// Where `data` begins in the message.
    at: usize,
    what: &'static str,
    notes: &'n Notes,
}

impl<'a, 'n> Reader<'a, 'n> {
    fn new(data: &'a [u8], what: &'static str, notes: &'n Notes) -> Self {
        Self {
            data,
            at: 0,
            what,
            notes,
        }
    }

    fn note(&self, at: usize, len: usize, field: &str, value: String) {
        self.notes.annotations.borrow_mut().push(Annotation {
            at,
            len,
            field: field.to_owned(),
            value,
        });
    }

    /// The next `n` bytes, noted as `field` unless it is empty.
    fn take(&mut self, n: usize, field: &str) -> Result<&'a [u8], String> {
        if self.data.len() < n {
            return Err(format!(
                "the {} ends early: {} more bytes expected, {} there",
                self.what,
                n,
                self.data.len()
            ));
        }
        let (head, rest) = self.data.split_at(n);
        if !field.is_empty() && n > 0 {
            self.note(self.at, n, field, String::new());
        }
        self.data = rest;
        self.at += n;
        Ok(head)
    }

    /// A big-endian number of `n` bytes, noted as `field` with its value.
    fn number(&mut self, n: usize, field: &str) -> Result<usize, String> {
        let bytes = self.take(n, "")?;
        let value = bytes.iter().fold(0, |value, &b| value << 8 | usize::from(b));
        self.note(self.at - n, n, field, value.to_string());
        Ok(value)
    }

    fn u8(&mut self, field: &str) -> Result<u8, String> {
        let value = self.take(1, "")?[0];
        self.note(self.at - 1, 1, field, value.to_string());
        Ok(value)
    }

    fn u16(&mut self, field: &str) -> Result<u16, String> {
        let b = self.take(2, "")?;
        let value = u16::from_be_bytes([b[0], b[1]]);
        self.note(self.at - 2, 2, field, value.to_string());
        Ok(value)
    }

    fn u32(&mut self, field: &str) -> Result<u32, String> {
        let b = self.take(4, "")?;
        let value = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        self.note(self.at - 4, 4, field, value.to_string());
        Ok(value)
    }

    /// Says what the field read last holds (a name rather than its number); gives `value` back.
    fn named(&self, value: String) -> String {
        if let Some(last) = self.notes.annotations.borrow_mut().last_mut() {
            last.value.clone_from(&value);
        }
        value
    }

    /// A two-byte code, noted by the name `name` gives it.
    fn code(&mut self, field: &str, name: fn(u16) -> String) -> Result<String, String> {
        self.code_and_name(field, name).map(|(_, name)| name)
    }

    /// As [`Reader::code`], with the code itself.
    fn code_and_name(&mut self, field: &str, name: fn(u16) -> String) -> Result<(u16, String), String> {
        let code = self.u16(field)?;
        if names::is_grease(code) {
            self.notes.grease.set(self.notes.grease.get() + 1);
        }
        Ok((code, self.named(name(code))))
    }

    /// Two-byte codes to the end, each noted by its name.
    fn codes(&mut self, field: &str, name: fn(u16) -> String) -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        while !self.is_empty() {
            out.push(self.code(field, name)?);
        }
        Ok(out)
    }

    /// Bytes after a length of `width` bytes: the length noted as `field length`, the bytes as `field`.
    fn vec(&mut self, width: usize, field: &str) -> Result<&'a [u8], String> {
        let n = self.number(width, &format!("{field} length"))?;
        self.take(n, field)
    }

    fn vec8(&mut self, field: &str) -> Result<&'a [u8], String> {
        self.vec(1, field)
    }

    fn vec16(&mut self, field: &str) -> Result<&'a [u8], String> {
        self.vec(2, field)
    }

    fn vec24(&mut self, field: &str) -> Result<&'a [u8], String> {
        self.vec(3, field)
    }

    /// A list after a length of `width` bytes, read by a reader of its own whose reads note its items.
    fn list(&mut self, width: usize, field: &str, what: &'static str) -> Result<Self, String> {
        let n = self.number(width, &format!("{field} length"))?;
        let at = self.at;
        let data = self.take(n, "")?;
        Ok(Reader {
            data,
            at,
            what,
            notes: self.notes,
        })
    }

    fn list8(&mut self, field: &str, what: &'static str) -> Result<Self, String> {
        self.list(1, field, what)
    }

    fn list16(&mut self, field: &str, what: &'static str) -> Result<Self, String> {
        self.list(2, field, what)
    }

    fn list24(&mut self, field: &str, what: &'static str) -> Result<Self, String> {
        self.list(3, field, what)
    }

    /// The bytes not read yet.
    fn rest(&self) -> &'a [u8] {
        self.data
    }

    fn len(&self) -> usize {
        self.data.len()
    }

    fn is_empty(&self) -> bool {
        self.data.is_empty()
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
        self.trace.key_derivation.push(format!(
            "{label}: key = HKDF-Expand-Label({label}, \"key\", \"\", {}) and iv = HKDF-Expand-Label({label}, \"iv\", \"\", 12), with HKDF-{}",
            suite.key_len,
            suite.hash.name()
        ));
        Some(keys)
    }

    /// Cuts `side`'s pending bytes into records and reads each.
    fn records(&mut self, side: &mut Side, offset_us: u64) -> Result<(), DecodeError> {
        loop {
            if side.pending.len() < 5 {
                return Ok(());
            }
            let header: [u8; 5] = side.pending[..5]
                .try_into()
                .map_err(|_| stopped(side, "a record header".to_owned()))?;
            if !(20..=24).contains(&header[0]) {
                // Shown as text too when they read as text: an HTTP answer, an SSH banner, an HTML page.
                let start = &side.pending[..side.pending.len().min(16)];
                let text = if start.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
                    format!(", \"{}\" as text", String::from_utf8_lossy(start))
                } else {
                    String::new()
                };
                return Err(stopped(
                    side,
                    format!(
                        "the {} sent bytes that are not a TLS record (they begin with 0x{:02x} 0x{:02x}{text}): it does not speak TLS",
                        who(side.direction),
                        header[0],
                        header[1]
                    ),
                ));
            }
            let length = usize::from(u16::from_be_bytes([header[3], header[4]]));
            if length > 16384 + 256 {
                return Err(stopped(
                    side,
                    format!(
                        "the {} sent a record of {length} bytes, more than TLS allows (16,640)",
                        who(side.direction)
                    ),
                ));
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
            21 => record.messages.push(alert(side, &plain)),
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
                    format!(
                        "the {} sent a {} of {length} bytes, more than the 64 KiB the decoder reads",
                        who(side.direction),
                        names::handshake_type(kind)
                    ),
                ));
            }
            if side.handshake.len() < 4 + length {
                return Ok(());
            }
            let message: Vec<u8> = side.handshake.drain(..4 + length).collect();
            let mut fields = Fields::default();
            if side.spans > 1 {
                fields.insert("spans_records".into(), json!(side.spans));
            }
            side.spans = usize::from(!side.handshake.is_empty());
            let notes = Notes::default();
            let read = self.message(side, &message, &mut fields, &notes);
            if let Err(problem) = read {
                fields.insert("problem".into(), json!(problem));
            }
            record.messages.push(Message {
                kind: MessageKind::Handshake(HandshakeType::from(kind)),
                length,
                fields,
                bytes: message,
                grease: notes.grease.get(),
                annotations: notes.annotations.into_inner(),
            });
        }
        Ok(())
    }

    /// Reads one handshake message (`message` with its 4-byte header) and acts on it: the transcript,
    /// the keys that change after it, the Finished checks.
    fn message(&mut self, side: &mut Side, message: &[u8], fields: &mut Fields, notes: &Notes) -> Result<(), String> {
        let mut r = Reader::new(message, "handshake message", notes);
        let kind = r.u8("msg_type")?;
        r.named(names::handshake_type(kind));
        r.number(3, "length")?;
        let body = r.rest();
        // Post-handshake messages (TLS 1.3's tickets, key updates) are not part of the transcript.
        let in_transcript = !(self.tls13 && matches!(kind, 4 | 24)) && kind != 0;
        let before = self.transcript.len();
        let result = match kind {
            1 => self.client_hello(r, fields),
            2 => self.server_hello(r, fields),
            8 => extensions_only(r, fields),
            11 => certificate(r, fields, self.tls13),
            13 => certificate_request(r, fields, self.tls13),
            15 => certificate_verify(r, fields),
            12 => {
                let group = server_key_exchange(r, fields)?;
                self.trace.group = Some(NamedGroup::from(group));
                Ok(())
            }
            16 => r.vec8("public").map(|key| {
                fields.insert("public_key_bytes".into(), json!(key.len()));
            }),
            4 => new_session_ticket(r, fields, self.tls13),
            24 => r.u8("request_update").map(|request| {
                r.named(
                    (if request == 1 {
                        "update_requested"
                    } else {
                        "update_not_requested"
                    })
                    .to_owned(),
                );
                fields.insert("request_update".into(), json!(request == 1));
            }),
            20 => r.take(body.len(), "verify_data").map(|verify_data| {
                fields.insert("verify_data_bytes".into(), json!(verify_data.len()));
            }),
            _ => Ok(()),
        };
        if kind == 2 && self.retry {
            // RFC 8446 4.4.1: the first ClientHello is replaced by a message_hash of it.
            if let Some(suite) = self.suite {
                let first = suite.hash.digest(&self.transcript[..before]);
                let mut synthetic = vec![254, 0, 0, u8::try_from(first.len()).unwrap_or(0)];
                synthetic.extend_from_slice(&first);
                self.transcript = synthetic;
            }
        }
        if kind == 20 {
            self.finished(side, body, fields);
        }
        if in_transcript {
            self.transcript.extend_from_slice(message);
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
        result
    }
}

impl Decoder<'_> {
    fn client_hello(&mut self, mut r: Reader, fields: &mut Fields) -> Result<(), String> {
        if self.trace.ja4.is_none() {
            if let Some((ja4, raw)) = super::ja4::fingerprint(r.rest()) {
                self.trace.ja4 = Some(ja4);
                self.trace.ja4_r = Some(raw);
            }
        }
        r.what = "ClientHello";
        fields.insert(
            "legacy_version".into(),
            json!(r.code("legacy_version", names::version)?),
        );
        let random = r.take(32, "random")?;
        self.client_random = Some(random.to_vec());
        fields.insert("random".into(), json!(hex(random)));
        fields.insert("session_id_bytes".into(), json!(r.vec8("legacy_session_id")?.len()));
        let mut suites = r.list16("cipher_suites", "cipher suite list")?;
        fields.insert(
            "cipher_suites".into(),
            json!(suites.codes("cipher_suite", names::cipher_suite)?),
        );
        fields.insert(
            "compression_methods".into(),
            json!(r.vec8("legacy_compression_methods")?.len()),
        );
        if !r.is_empty() {
            let extensions = r.list16("extensions", "extension list")?;
            fields.insert(
                "extensions".into(),
                Value::Array(read_extensions(extensions, Hello::Client)?),
            );
        }
        Ok(())
    }

    fn server_hello(&mut self, mut r: Reader, fields: &mut Fields) -> Result<(), String> {
        /// SHA-256("HelloRetryRequest"): the random of a HelloRetryRequest (RFC 8446 4.1.3).
        const RETRY: [u8; 32] = [
            0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2,
            0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
        ];
        r.what = "ServerHello";
        let legacy = r.u16("legacy_version")?;
        fields.insert("legacy_version".into(), json!(r.named(names::version(legacy))));
        let random = r.take(32, "random")?;
        self.retry = random == RETRY;
        if self.retry {
            r.named("SHA-256(\"HelloRetryRequest\"): a HelloRetryRequest".to_owned());
            fields.insert("hello_retry_request".into(), json!(true));
        }
        fields.insert("random".into(), json!(hex(random)));
        fields.insert(
            "session_id_bytes".into(),
            json!(r.vec8("legacy_session_id_echo")?.len()),
        );
        let suite = r.u16("cipher_suite")?;
        fields.insert("cipher_suite".into(), json!(r.named(names::cipher_suite(suite))));
        self.trace.cipher_suite = Some(CipherSuite::from(suite));
        r.u8("legacy_compression_method")?;
        let mut version = legacy;
        if !r.is_empty() {
            let extensions = r.list16("extensions", "extension list")?;
            let raw = extensions.rest();
            let read = read_extensions(extensions, if self.retry { Hello::Retry } else { Hello::Server })?;
            // supported_versions selects TLS 1.3; the key_share of a ServerHello (not a
            // HelloRetryRequest, whose key_share names the group it asks for) is the group agreed.
            if leading_u16(raw, 43) == Some(0x0304) {
                version = 0x0304;
            }
            if let Some(group) = leading_u16(raw, 51).filter(|_| !self.retry) {
                self.trace.group = Some(NamedGroup::from(group));
            }
            fields.insert("extensions".into(), Value::Array(read));
        }
        self.trace.version = Some(ProtocolVersion::from(version));
        self.tls13 = version == 0x0304;
        self.suite = if self.tls13 { Suite::tls13(suite) } else { None };
        self.suite12 = if self.tls13 { None } else { Suite12::new(suite) };
        self.server_random = Some(random.to_vec());
        Ok(())
    }

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
            self.trace.key_derivation.push(format!(
                "key block = PRF-{}(the master secret of the CLIENT_RANDOM line, \"key expansion\", server random + client random): client key, server key, client IV, server IV (RFC 5246 6.3)",
                suite.hash.name()
            ));
        }
    }

    /// The Finished `direction` must send, and the transcript hash it covers: TLS 1.3's HMAC keyed by
    /// the side's handshake traffic secret (RFC 8446 4.4.4), or TLS 1.2's PRF(master secret, "client
    /// finished" or "server finished", the handshake hash), 12 bytes (RFC 5246 7.4.9).
    fn expected_finished(&self, direction: Direction) -> Option<(Vec<u8>, Vec<u8>)> {
        if self.tls13 {
            let suite = self.suite?;
            let label = match direction {
                Direction::Server => "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                Direction::Client => "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
            };
            let transcript = suite.hash.digest(&self.transcript);
            let expected = keys::finished(suite.hash, self.secret(label)?, &transcript);
            Some((transcript, expected))
        } else {
            let suite = self.suite12?;
            let label = match direction {
                Direction::Client => "client finished",
                Direction::Server => "server finished",
            };
            let transcript = suite.hash.digest(&self.transcript);
            let expected = keys::prf(suite.hash, self.secret("CLIENT_RANDOM")?, label, &transcript, 12);
            Some((transcript, expected))
        }
    }

    /// Recomputes `side`'s Finished from the transcript so far; then, in TLS 1.3, its records go over
    /// to the application traffic keys.
    fn finished(&mut self, side: &mut Side, verify_data: &[u8], fields: &mut Fields) {
        let check = match self.expected_finished(side.direction) {
            Some((transcript, expected)) => {
                fields.insert("transcript_hash".into(), json!(hex(&transcript)));
                if expected == verify_data {
                    FinishedCheck::Verified
                } else {
                    FinishedCheck::Mismatch
                }
            }
            None => FinishedCheck::NotSeen,
        };
        fields.insert("check".into(), json!(check));
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
    }
}

/// An alert record's message: its level and description (a fatal one, and close_notify, noted for the
/// side that sent it).
fn alert(side: &mut Side, plain: &[u8]) -> Message {
    let mut fields = Fields::default();
    let notes = Notes::default();
    let mut r = Reader::new(plain, "alert", &notes);
    if let Ok(level) = r.u8("level") {
        let level = r.named((if level == 1 { "warning" } else { "fatal" }).to_owned());
        fields.insert("level".into(), json!(level));
        if let Ok(description) = r.u8("description") {
            side.sent_close_notify |= description == 0;
            if level == "fatal" {
                side.sent_fatal = Some(names::alert(description));
            }
            fields.insert("description".into(), json!(r.named(names::alert(description))));
        }
    }
    Message {
        kind: MessageKind::Alert,
        length: plain.len(),
        fields,
        bytes: plain.to_vec(),
        grease: 0,
        annotations: notes.annotations.into_inner(),
    }
}

/// The first two bytes of extension `code`'s data in an extension list, when it holds one.
fn leading_u16(mut list: &[u8], code: u16) -> Option<u16> {
    while let [a, b, c, d, rest @ ..] = list {
        let (this, len) = (u16::from_be_bytes([*a, *b]), usize::from(u16::from_be_bytes([*c, *d])));
        let data = rest.get(..len)?;
        if this == code {
            return data.get(..2).map(|v| u16::from_be_bytes([v[0], v[1]]));
        }
        list = &rest[len..];
    }
    None
}

/// Which hello an extension list belongs to: the same code means different things in each.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Hello {
    Client,
    Server,
    Retry,
    /// EncryptedExtensions, CertificateRequest, tickets, certificate entries.
    Other,
}

fn read_extensions(mut r: Reader, hello: Hello) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    while !r.is_empty() {
        let (code, name) = r.code_and_name("extension_type", names::extension)?;
        let mut body = r.list16(&name, "extension")?;
        let mut fields = Map::new();
        fields.insert("name".into(), json!(name));
        fields.insert("bytes".into(), json!(body.len()));
        // What an extension holds is read when it is one rustls speaks; a malformed one says so.
        if let Err(problem) = extension_fields(code, &mut body, hello, &mut fields) {
            fields.insert("problem".into(), json!(problem));
        }
        body.take(body.len(), &format!("{name} extension_data"))?;
        out.push(Value::Object(fields));
    }
    Ok(out)
}

fn extension_fields(code: u16, r: &mut Reader, hello: Hello, fields: &mut Map<String, Value>) -> Result<(), String> {
    match (code, hello) {
        (0, Hello::Client) => {
            let mut names = r.list16("server_name_list", "server_name list")?;
            let mut hosts = Vec::new();
            while !names.is_empty() {
                let kind = names.u8("name_type")?;
                let name = names.vec16("host_name")?;
                if kind == 0 {
                    hosts.push(names.named(String::from_utf8_lossy(name).into_owned()));
                }
            }
            fields.insert("host_name".into(), json!(hosts.join(", ")));
        }
        (10, _) => {
            let mut groups = r.list16("named_group_list", "supported_groups list")?;
            fields.insert("groups".into(), json!(groups.codes("named_group", names::group)?));
        }
        (13 | 50, _) => {
            let mut list = r.list16("supported_signature_algorithms", "signature scheme list")?;
            fields.insert(
                "schemes".into(),
                json!(list.codes("signature_scheme", names::signature_scheme)?),
            );
        }
        (16, _) => {
            let mut list = r.list16("protocol_name_list", "ALPN list")?;
            let mut protocols = Vec::new();
            while !list.is_empty() {
                let protocol = list.vec8("protocol_name")?;
                protocols.push(list.named(String::from_utf8_lossy(protocol).into_owned()));
            }
            fields.insert("protocols".into(), json!(protocols));
        }
        (43, Hello::Client) => {
            let mut versions = r.list8("versions", "supported_versions list")?;
            fields.insert("versions".into(), json!(versions.codes("version", names::version)?));
        }
        (43, Hello::Server | Hello::Retry) => {
            fields.insert("version".into(), json!(r.code("selected_version", names::version)?));
        }
        (45, _) => {
            let mut list = r.list8("ke_modes", "psk_key_exchange_modes list")?;
            let mut modes = Vec::new();
            while !list.is_empty() {
                let mode = list.u8("ke_mode")?;
                modes.push(list.named((if mode == 1 { "psk_dhe_ke" } else { "psk_ke" }).to_owned()));
            }
            fields.insert("modes".into(), json!(modes));
        }
        (51, Hello::Client) => {
            let mut shares = r.list16("client_shares", "key_share list")?;
            let mut out = Vec::new();
            while !shares.is_empty() {
                let group = shares.code("group", names::group)?;
                let key = shares.vec16("key_exchange")?;
                out.push(json!({"group": group, "key_exchange_bytes": key.len()}));
            }
            fields.insert("shares".into(), Value::Array(out));
        }
        (51, Hello::Server) => {
            fields.insert("group".into(), json!(r.code("group", names::group)?));
            fields.insert("key_exchange_bytes".into(), json!(r.vec16("key_exchange")?.len()));
        }
        (51, Hello::Retry) => {
            fields.insert("selected_group".into(), json!(r.code("selected_group", names::group)?));
        }
        (41, Hello::Client) => {
            let mut identities = r.list16("identities", "PSK identities")?;
            let mut count = 0;
            while !identities.is_empty() {
                identities.vec16("identity")?;
                identities.u32("obfuscated_ticket_age")?;
                count += 1;
            }
            fields.insert("identities".into(), json!(count));
            fields.insert("binders_bytes".into(), json!(r.vec16("binders")?.len()));
        }
        (41, Hello::Server) => {
            fields.insert("selected_identity".into(), json!(r.u16("selected_identity")?));
        }
        (42, Hello::Other) if r.len() == 4 => {
            fields.insert("max_early_data_size".into(), json!(r.u32("max_early_data_size")?));
        }
        _ => {}
    }
    Ok(())
}

fn extensions_only(mut r: Reader, fields: &mut Fields) -> Result<(), String> {
    r.what = "EncryptedExtensions";
    let extensions = r.list16("extensions", "extension list")?;
    fields.insert(
        "extensions".into(),
        Value::Array(read_extensions(extensions, Hello::Other)?),
    );
    Ok(())
}

fn certificate(mut r: Reader, fields: &mut Fields, tls13: bool) -> Result<(), String> {
    r.what = "Certificate";
    if tls13 {
        fields.insert(
            "request_context_bytes".into(),
            json!(r.vec8("certificate_request_context")?.len()),
        );
    }
    let mut list = r.list24("certificate_list", "certificate list")?;
    let mut certificates = Vec::new();
    while !list.is_empty() {
        let der = rustls::pki_types::CertificateDer::from(list.vec24("cert_data")?.to_vec());
        let position = if certificates.is_empty() {
            crate::inspect::Position::Leaf
        } else {
            crate::inspect::Position::Issuer
        };
        let mut entry = Map::new();
        match crate::inspect::inspect(&der, position) {
            Ok(info) => {
                list.named(format!(
                    "X.509 certificate: subject {}, issuer {}",
                    info.subject, info.issuer
                ));
                entry.insert("subject".into(), json!(info.subject));
                entry.insert("issuer".into(), json!(info.issuer));
                entry.insert("key".into(), json!(info.public_key.to_string()));
                entry.insert("not_before".into(), json!(info.not_before));
                entry.insert("not_after".into(), json!(info.not_after));
            }
            Err(err) => {
                entry.insert("problem".into(), json!(err.to_string()));
            }
        }
        entry.insert("bytes".into(), json!(der.len()));
        if tls13 {
            list.vec16("extensions")?;
        }
        certificates.push(Value::Object(entry));
    }
    fields.insert("certificates".into(), Value::Array(certificates));
    Ok(())
}

fn certificate_request(mut r: Reader, fields: &mut Fields, tls13: bool) -> Result<(), String> {
    r.what = "CertificateRequest";
    if tls13 {
        fields.insert(
            "request_context_bytes".into(),
            json!(r.vec8("certificate_request_context")?.len()),
        );
        let extensions = r.list16("extensions", "extension list")?;
        fields.insert(
            "extensions".into(),
            Value::Array(read_extensions(extensions, Hello::Other)?),
        );
    } else {
        fields.insert("certificate_types".into(), json!(r.vec8("certificate_types")?.len()));
        let mut list = r.list16("supported_signature_algorithms", "signature scheme list")?;
        fields.insert(
            "schemes".into(),
            json!(list.codes("signature_scheme", names::signature_scheme)?),
        );
        r.vec16("certificate_authorities")?;
    }
    Ok(())
}

fn certificate_verify(mut r: Reader, fields: &mut Fields) -> Result<(), String> {
    r.what = "CertificateVerify";
    fields.insert("scheme".into(), json!(r.code("algorithm", names::signature_scheme)?));
    fields.insert("signature_bytes".into(), json!(r.vec16("signature")?.len()));
    Ok(())
}

/// A TLS 1.2 ServerKeyExchange: its fields, and the group it names.
fn server_key_exchange(mut r: Reader, fields: &mut Fields) -> Result<u16, String> {
    r.what = "ServerKeyExchange";
    if r.u8("curve_type")? != 3 {
        return Err("not a named-curve ECDHE key exchange".into());
    }
    r.named("named_curve".to_owned());
    let group = r.u16("namedcurve")?;
    fields.insert("group".into(), json!(r.named(names::group(group))));
    fields.insert("public_key_bytes".into(), json!(r.vec8("public")?.len()));
    let scheme = r.code("algorithm", names::signature_scheme)?;
    fields.insert("scheme".into(), json!(scheme));
    // ecdsa_secp384r1_sha384 with a P-256 key is right in TLS 1.2: only TLS 1.3 ties the curve.
    if let Some(hash) = scheme
        .strip_prefix("ecdsa_secp")
        .and_then(|rest| rest.split('_').nth(1))
    {
        fields.insert(
            "scheme_in_tls_1_2".into(),
            json!(format!(
                "ECDSA with {}, on the certificate key's curve whatever the name says (only TLS 1.3 ties the curve to the name)",
                hash.to_uppercase()
            )),
        );
    }
    fields.insert("signature_bytes".into(), json!(r.vec16("signature")?.len()));
    Ok(group)
}

fn new_session_ticket(mut r: Reader, fields: &mut Fields, tls13: bool) -> Result<(), String> {
    r.what = "NewSessionTicket";
    fields.insert("lifetime_s".into(), json!(r.u32("ticket_lifetime")?));
    if tls13 {
        fields.insert("age_add".into(), json!(r.u32("ticket_age_add")?));
        fields.insert("nonce_bytes".into(), json!(r.vec8("ticket_nonce")?.len()));
    }
    fields.insert("ticket_bytes".into(), json!(r.vec16("ticket")?.len()));
    if tls13 {
        let extensions = r.list16("extensions", "extension list")?;
        fields.insert(
            "extensions".into(),
            Value::Array(read_extensions(extensions, Hello::Other)?),
        );
    }
    Ok(())
}

/// A field's value in a line: strings as they are, lists joined, objects as `name k=v`.
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

    #[test]
    fn a_client_hello_reads_whole_and_its_fingerprint_is_tls_1_3_with_sni() {
        let trace = decode(&client(&client_hello()), &[], 0);
        assert_eq!(trace.problem, None);
        let hello = &trace.records[0].messages[0];
        assert_eq!(hello.kind, HandshakeType::ClientHello);
        assert!(
            trace.ja4.as_deref().is_some_and(|j| j.starts_with("t13d")),
            "{:?}",
            trace.ja4
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
        chunks[1].bytes = [&[22, 3, 3, 0, 64][..], &[0; 16]].concat();
        let trace = decode(&chunks, &[], 0);
        assert_eq!(
            trace.problem,
            Some(DecodeError {
                direction: Direction::Server,
                offset: 0,
                reason: "the server's last 21 bytes are an unfinished record: its header promises 64 bytes, 16 came"
                    .into()
            })
        );
        // After a whole record, the next one's offset: where in the server's stream decoding stopped.
        chunks[1].bytes = [&[21, 3, 3, 0, 2, 1, 0][..], &[22, 3]].concat();
        let trace = decode(&chunks, &[], 0);
        assert_eq!(
            trace.problem,
            Some(DecodeError {
                direction: Direction::Server,
                offset: 7,
                reason: "the server's last 2 bytes are not even a record header (5 bytes)".into()
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
        let at = text.find("(the capture's 256 KiB were full here: the 100 bytes after are not captured)");
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
            cut.to_string()
                .contains("10 bytes after the first 256 KiB were not captured"),
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
