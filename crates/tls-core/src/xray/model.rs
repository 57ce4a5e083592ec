//! The x-ray's model: a decoded connection ([`Trace`]), its records and messages. The values a caller
//! decides on are typed, with rustls' enums as the vocabulary ([`ProtocolVersion`], [`CipherSuite`],
//! [`NamedGroup`], [`ContentType`], [`HandshakeType`], each with an `Unknown` arm); their names are
//! made where they are shown: in JSON (serde, as the IANA registries write them), and in the text of
//! `render.rs`. A message's fields are named values, in the order the message holds them.

use std::fmt;

use rustls::{CipherSuite, ContentType, HandshakeType, NamedGroup, ProtocolVersion};
use serde::{Serialize, Serializer};
use serde_json::Value;

use super::Direction;
use crate::names;
use crate::names::Named;

/// A decoded connection.
#[derive(Debug, Clone, Serialize)]
pub struct Trace {
    /// The version the server chose, once its ServerHello was read.
    #[serde(serialize_with = "optional_name")]
    pub version: Option<ProtocolVersion>,
    /// The cipher suite the server chose.
    #[serde(serialize_with = "optional_name")]
    pub cipher_suite: Option<CipherSuite>,
    /// The key exchange group: of the server's key share (TLS 1.3), of its ServerKeyExchange (TLS 1.2).
    #[serde(serialize_with = "optional_name")]
    pub group: Option<NamedGroup>,
    /// Every record, in the order they crossed the socket.
    pub records: Vec<Record>,
    /// Whether each side's Finished matched the one recomputed from the transcript.
    pub finished: Finished,
    /// The ClientHello's JA4 fingerprint (FoxIO's specification).
    pub ja4: Option<String>,
    /// JA4's raw form: the readable part, then the sorted suites, the sorted extensions and the
    /// signature algorithms that its hashes are of.
    pub ja4_r: Option<String>,
    /// The transcript hash that the server's CertificateVerify signs (ClientHello to Certificate), hex.
    pub certificate_verify_transcript: Option<String>,
    /// How each record key was derived, for redoing it with any HKDF tool.
    pub key_derivation: Vec<String>,
    /// Application data records decoded but not shown one by one (past the first few each way).
    /// Records past the capture's limit are not counted: they are in `bytes_not_captured`.
    pub more_application_records: usize,
    /// How many records were listed when the first of those came (where the timeline counts them).
    #[serde(skip)]
    pub more_application_after: usize,
    /// Bytes the capture did not keep (past its limit).
    pub bytes_not_captured: usize,
    /// Each side that closed its half of the connection (its TCP FIN), in the order they did.
    pub closed: Vec<Closed>,
    /// Whether the handshake resumed an earlier session: TLS 1.3's ServerHello took a
    /// pre_shared_key; TLS 1.2's server answered its hello with no Certificate and no key exchange.
    pub resumed: bool,
    /// Why decoding stopped early, when it did: where, and in one sentence why.
    pub problem: Option<DecodeError>,
}

/// Both Finished checks.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Finished {
    /// The client's Finished.
    pub client: FinishedCheck,
    /// The server's Finished.
    pub server: FinishedCheck,
}

/// A side's end of the connection: its FIN, or its reset (RST) of the whole connection.
#[derive(Debug, Clone, Serialize)]
pub struct Closed {
    /// Who closed.
    pub direction: Direction,
    /// When, µs since the connection began.
    pub offset_us: u64,
    /// A reset (RST), not a FIN: whatever it had sent that was not read yet on this side is lost.
    pub reset: bool,
    /// Whether it sent close_notify first (`None`: some of its records could not be read, or the capture
    /// was cut before the end, so it is not known). Without it, the other side cannot tell a goodbye from a cut connection.
    pub close_notify_first: Option<bool>,
    /// The fatal alert it sent before, which says why it closed, when it sent one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_fatal_alert: Option<String>,
    /// How many records came before it (where it goes in the timeline).
    #[serde(skip)]
    pub after_records: usize,
}

/// The result of recomputing one Finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum FinishedCheck {
    /// It matches.
    #[serde(rename = "verified")]
    Verified,
    /// It does not match.
    #[serde(rename = "mismatch")]
    Mismatch,
    /// It was not seen (not sent yet, not decrypted, or not TLS 1.3).
    #[serde(rename = "not seen")]
    NotSeen,
}

impl fmt::Display for FinishedCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Verified => "verified",
            Self::Mismatch => "DOES NOT MATCH",
            Self::NotSeen => "not seen",
        })
    }
}

/// One TLS record.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    /// Who sent it.
    pub direction: Direction,
    /// When the bytes it ends in arrived, µs since the connection began.
    pub offset_us: u64,
    /// The record's content type.
    #[serde(serialize_with = "name")]
    pub content_type: ContentType,
    /// The record header's version field.
    #[serde(serialize_with = "name")]
    pub version: ProtocolVersion,
    /// The record's length field.
    pub length: usize,
    /// Whether its content is protected.
    pub encrypted: bool,
    /// The secret whose keys opened it, when it was opened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decrypted_with: Option<String>,
    /// The content type inside a protected TLS 1.3 record.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "optional_name")]
    pub inner_content_type: Option<ContentType>,
    /// The handshake messages that end in this record, or its alert.
    pub messages: Vec<Message>,
    /// Something to say about it: application data's size, a record that did not open.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One handshake message (or alert) and its fields.
#[derive(Debug, Clone, Serialize)]
pub struct Message {
    /// A handshake message of its type, or an alert; named as RFC 8446 does (`client_hello`,
    /// `server_hello`, ..., `alert`).
    #[serde(rename = "type", serialize_with = "name")]
    pub kind: MessageKind,
    /// The message's own length field.
    pub length: usize,
    /// Its fields, by name, in the order the message holds them.
    #[serde(flatten)]
    pub fields: Fields,
    /// The message's bytes as sent (header included), for `--trace=full`.
    #[serde(skip)]
    pub bytes: Vec<u8>,
    /// What each run of `bytes` is, in order, as far as the decoder read them.
    #[serde(skip)]
    pub annotations: Vec<Annotation>,
    /// How many of its codes (cipher suites, extension types, groups, versions, ...) were GREASE
    /// values (RFC 8701), which a client sends so that servers keep tolerating unknown ones.
    #[serde(skip)]
    pub grease: usize,
}

impl Message {
    /// A hello's (or EncryptedExtensions') extension `name`, with the fields the decoder read from it.
    pub fn extension(&self, name: &str) -> Option<&Value> {
        self.fields
            .get("extensions")
            .and_then(Value::as_array)
            .and_then(|all| all.iter().find(|e| e["name"] == name))
    }

    /// How many records the message took (1 when it fit in one).
    pub fn records_taken(&self) -> u64 {
        self.fields.get("spans_records").and_then(Value::as_u64).unwrap_or(1)
    }

    /// A Certificate message's certificates, each as the DER bytes sent, in the order sent.
    pub fn certificates(&self) -> Vec<rustls::pki_types::CertificateDer<'static>> {
        self.annotations
            .iter()
            .filter(|note| self.kind == HandshakeType::Certificate && note.field == "cert_data")
            .filter_map(|note| self.bytes.get(note.at..note.at + note.len))
            .map(|der| rustls::pki_types::CertificateDer::from(der.to_vec()))
            .collect()
    }
}

impl Trace {
    /// Every message read, each record's in turn.
    pub fn messages(&self) -> impl Iterator<Item = &Message> {
        self.records.iter().flat_map(|record| &record.messages)
    }

    /// Whether the server asked for a client certificate (a CertificateRequest: mutual TLS).
    pub fn client_certificate_requested(&self) -> bool {
        self.messages().any(|m| m.kind == HandshakeType::CertificateRequest)
    }

    /// Whether the client answered with a Certificate message holding no certificate: rustls sends one
    /// when it has none, or none of a kind the server's request allows.
    pub fn client_sent_no_certificate(&self) -> bool {
        self.records
            .iter()
            .filter(|record| record.direction == Direction::Client)
            .flat_map(|record| &record.messages)
            .any(|m| m.kind == HandshakeType::Certificate && m.certificates().is_empty())
    }

    /// See [`Trace::resumed`].
    pub(super) fn was_resumed(&self) -> bool {
        let hello = self
            .messages()
            .find(|m| m.kind == HandshakeType::ServerHello && m.fields.get("hello_retry_request").is_none());
        let Some(hello) = hello else {
            return false;
        };
        let took_psk = hello.extension("pre_shared_key").is_some();
        took_psk
            || (self.version == Some(ProtocolVersion::TLSv1_2)
                && !self
                    .messages()
                    .any(|m| m.kind == HandshakeType::Certificate || m.kind == HandshakeType::ServerKeyExchange))
    }

    /// The server's Certificate message and the record it ended in.
    pub fn server_certificate(&self) -> Option<(&Record, &Message)> {
        self.records
            .iter()
            .filter(|record| record.direction == Direction::Server)
            .find_map(|record| {
                let message = record.messages.iter().find(|m| m.kind == HandshakeType::Certificate)?;
                Some((record, message))
            })
    }
}

/// Named values in the order they were read (a JSON object keeps that order too).
#[derive(Debug, Clone, Default)]
pub struct Fields(Vec<(String, Value)>);

impl Fields {
    pub(super) fn insert(&mut self, name: String, value: Value) {
        self.0.push((name, value));
    }

    /// The value named `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// Every name and value, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl Serialize for Fields {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// What one run of a message's bytes is, for `--trace=full`'s annotated hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    /// Where the run begins in the message's bytes (its header included).
    pub at: usize,
    /// How many bytes it is.
    pub len: usize,
    /// The field, as the RFC's structure names it (`legacy_version`, `cipher_suites length`, ...).
    pub field: String,
    /// What it holds, when that is short: a number, a name; empty for bytes shown as they are.
    pub value: String,
}

/// What a message is: a handshake message of its type, or an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    /// A handshake message.
    Handshake(HandshakeType),
    /// An alert.
    Alert,
}

impl PartialEq<HandshakeType> for MessageKind {
    fn eq(&self, other: &HandshakeType) -> bool {
        *self == Self::Handshake(*other)
    }
}

impl fmt::Display for MessageKind {
    /// As RFC 8446 names it: `client_hello`, `server_hello`, ..., `alert`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Handshake(kind) => f.write_str(&names::handshake_type(u8::from(*kind))),
            Self::Alert => f.write_str("alert"),
        }
    }
}

impl Named for MessageKind {
    fn name(&self) -> String {
        self.to_string()
    }
}

fn name<T: Named, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&value.name())
}

fn optional_name<T: Named, S: Serializer>(value: &Option<T>, serializer: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(value) => serializer.serialize_str(&value.name()),
        None => serializer.serialize_none(),
    }
}

/// Where decoding stopped, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// The side whose bytes could not be read further.
    pub direction: Direction,
    /// Where the record that could not be read begins, in bytes of that side's stream from the start
    /// of the connection.
    pub offset: u64,
    /// Why, in one sentence.
    pub reason: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for DecodeError {}

impl Serialize for DecodeError {
    /// The sentence, as the JSON has always had it.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.reason)
    }
}
