//! The x-ray's model: a decoded connection ([`Trace`]), its records and messages. The values a caller
//! decides on are typed, with rustls' enums as the vocabulary ([`ProtocolVersion`], [`CipherSuite`],
//! [`NamedGroup`], [`ContentType`], [`HandshakeType`], each with an `Unknown` arm); their names are
//! made where they are shown: in JSON (serde, as the IANA registries write them), and in the text of
//! `render.rs`. A message's fields are named values, in the order the message holds them.

use std::fmt;

use super::Direction;
use super::message::{Body, Extension, ExtensionData, ReadError};
use crate::names;
use crate::names::Named;
use rustls::{AlertDescription, CipherSuite, ContentType, HandshakeType, NamedGroup, ProtocolVersion};
use serde::{Serialize, Serializer};

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
    /// How each record key was derived, for redoing it with any HKDF tool (in JSON, each as a
    /// sentence).
    pub key_derivation: Vec<KeyDerivation>,
    /// Application data records decoded but not shown one by one (past the first few each way).
    /// Records past the capture's limit are not counted: they are in `bytes_not_captured`.
    pub more_application_records: usize,
    /// How many records were listed when the first of those came (where the timeline counts them).
    #[serde(skip)]
    pub more_application_after: usize,
    /// Bytes past the capture's limit: those it did not keep, and those of a record the limit cut.
    pub bytes_not_captured: usize,
    /// The most bytes the capture kept ([`LIMIT`](super::LIMIT), or less for a page's).
    pub capture_limit: usize,
    /// Each side that closed its half of the connection (its TCP FIN), in the order they did.
    pub closed: Vec<Closed>,
    /// Whether the handshake resumed an earlier session: TLS 1.3's ServerHello took a
    /// pre_shared_key; TLS 1.2's server answered its hello with no Certificate and no key exchange.
    pub resumed: bool,
    /// Why decoding stopped early, when it did: where, and in one sentence why.
    pub problem: Option<DecodeError>,
}

/// How one set of record keys was derived from a secret the TLS library logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyDerivation {
    /// TLS 1.3: a traffic secret's key and IV, each by HKDF-Expand-Label (RFC 8446 7.3).
    Traffic {
        /// The secret, by its key log label (`SERVER_HANDSHAKE_TRAFFIC_SECRET`, ...).
        secret: String,
        /// The key's length in bytes.
        key_len: usize,
        /// The IV's length in bytes.
        iv_len: usize,
        /// The suite's hash (`SHA-256`).
        hash: String,
    },
    /// TLS 1.2: the key block, by the PRF from the master secret and both randoms (RFC 5246 6.3).
    KeyBlock {
        /// The suite's hash, the PRF's.
        hash: String,
    },
}

impl KeyDerivation {
    /// Whether the keys protect the handshake (TLS 1.3's handshake traffic secrets), not application data.
    pub fn is_handshake(&self) -> bool {
        matches!(self, Self::Traffic { secret, .. } if secret.contains("HANDSHAKE"))
    }
}

impl fmt::Display for KeyDerivation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Traffic {
                secret,
                key_len,
                iv_len,
                hash,
            } => write!(
                f,
                "{secret}: key = HKDF-Expand-Label({secret}, \"key\", \"\", {key_len}) and iv = HKDF-Expand-Label({secret}, \"iv\", \"\", {iv_len}), with HKDF-{hash}"
            ),
            Self::KeyBlock { hash } => write!(
                f,
                "key block = PRF-{hash}(the master secret of the CLIENT_RANDOM line, \"key expansion\", server random + client random): client key, server key, client IV, server IV (RFC 5246 6.3)"
            ),
        }
    }
}

impl Serialize for KeyDerivation {
    /// The sentence, as the JSON has always had it.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
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
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "optional_name")]
    pub after_fatal_alert: Option<AlertDescription>,
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

/// One handshake message (or alert) and what it holds.
#[derive(Debug, Clone, Serialize)]
pub struct Message {
    /// A handshake message of its type, or an alert; named as RFC 8446 does (`client_hello`,
    /// `server_hello`, ..., `alert`).
    #[serde(rename = "type", serialize_with = "name")]
    pub kind: MessageKind,
    /// The message's own length field.
    pub length: usize,
    /// How many records it took (1 when it fit in one).
    #[serde(skip_serializing_if = "is_one")]
    pub spans_records: usize,
    /// What it holds, by its type.
    #[serde(flatten)]
    pub body: Body,
    /// Why it could not be read to its end, when it could not: its body is then [`Body::Unread`], or a
    /// hello without its extensions; the annotated hex shows every field read before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<ReadError>,
    /// The message's bytes as sent (header included), for the annotated hex view.
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

fn is_one(n: &usize) -> bool {
    *n == 1
}

impl Message {
    /// The extensions it holds (a hello's, EncryptedExtensions', a TLS 1.3 CertificateRequest's or
    /// ticket's), in the order sent.
    pub fn extensions(&self) -> &[Extension] {
        self.body.extensions()
    }

    /// A Certificate message's certificates, each as the DER bytes sent, in the order sent.
    pub fn certificates(&self) -> Vec<rustls::pki_types::CertificateDer<'static>> {
        match &self.body {
            Body::Certificate(message) => message.certificates.iter().map(|entry| entry.der.clone()).collect(),
            _ => Vec::new(),
        }
    }

    /// Whether it is a HelloRetryRequest.
    pub fn is_hello_retry_request(&self) -> bool {
        matches!(&self.body, Body::ServerHello(hello) if hello.hello_retry_request)
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
            .find(|m| m.kind == HandshakeType::ServerHello && !m.is_hello_retry_request());
        let Some(hello) = hello else {
            return false;
        };
        let took_psk = hello
            .extensions()
            .iter()
            .any(|e| matches!(e.data, ExtensionData::PskSelected { .. }));
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

/// What one run of a message's bytes is, for the annotated hex view.
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

pub(super) fn name<T: Named, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&value.name())
}

/// Each value's name, as a list.
pub(super) fn names<T: Named, S: Serializer>(values: &[T], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(values.iter().map(Named::name))
}

pub(super) fn optional_name<T: Named, S: Serializer>(value: &Option<T>, serializer: S) -> Result<S::Ok, S::Error> {
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
    /// Why.
    pub reason: Stop,
}

/// Why decoding a side's bytes stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// Its bytes are not a TLS record: their first two bytes, and the first few as text when they read
    /// as text (an HTTP answer, an SSH banner).
    NotTls {
        /// The first two bytes.
        first: [u8; 2],
        /// Up to 16 bytes as text, when they are printable ASCII.
        text: Option<String>,
    },
    /// A record header whose length is more than TLS allows (2^14 + 256).
    RecordTooLong {
        /// The header's length field.
        length: usize,
    },
    /// A handshake message longer than the decoder reads (64 KiB, as rustls).
    MessageTooLong {
        /// Its type.
        kind: HandshakeType,
        /// Its length field.
        length: usize,
    },
    /// The side's last bytes are a record cut short.
    UnfinishedRecord {
        /// How many bytes there are, header included.
        have: usize,
        /// The length its header promises.
        promised: u16,
    },
    /// The side's last bytes are fewer than a record header.
    NoRecordHeader {
        /// How many.
        have: usize,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let who = match self.direction {
            Direction::Client => "client",
            Direction::Server => "server",
        };
        match &self.reason {
            Stop::NotTls { first, text } => {
                let text = text
                    .as_ref()
                    .map(|text| format!(", \"{text}\" as text"))
                    .unwrap_or_default();
                write!(
                    f,
                    "the {who} sent bytes that are not a TLS record (they begin with 0x{:02x} 0x{:02x}{text}): it does not speak TLS",
                    first[0], first[1]
                )
            }
            Stop::RecordTooLong { length } => write!(
                f,
                "the {who} sent a record of {length} bytes, more than TLS allows (16,640)"
            ),
            Stop::MessageTooLong { kind, length } => write!(
                f,
                "the {who} sent a {} of {length} bytes, more than the 64 KiB the decoder reads",
                names::handshake_type(u8::from(*kind))
            ),
            Stop::UnfinishedRecord { have, promised } => write!(
                f,
                "the {who}'s last {} are an unfinished record: its header promises {promised} bytes, {} came",
                bytes(*have),
                have.saturating_sub(5)
            ),
            Stop::NoRecordHeader { have } => write!(
                f,
                "the {who}'s last {} are not even a record header (5 bytes)",
                bytes(*have)
            ),
        }
    }
}

impl std::error::Error for DecodeError {}

impl Serialize for DecodeError {
    /// The sentence, as the JSON has always had it.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// `n bytes`, or `1 byte`.
pub(crate) fn bytes(n: usize) -> String {
    if n == 1 {
        "1 byte".to_owned()
    } else {
        format!("{n} bytes")
    }
}
