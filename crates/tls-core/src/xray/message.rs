//! What a handshake message or an alert holds, typed: each message a struct of rustls' values
//! ([`ProtocolVersion`], [`CipherSuite`], [`NamedGroup`], [`SignatureScheme`], [`AlertDescription`]) or
//! of ours where rustls has none ([`AlertLevel`], [`PskMode`]); each extension the decoder reads a
//! variant of [`ExtensionData`] with its content, any other kept as [`ExtensionData::Unknown`] with its
//! code and bytes. The serde derives write the JSON a user reads (`--trace-json`, `/handshake.json`):
//! field names as RFC 8446 writes them, numbers by their registry names.

use std::fmt;

use rustls::{AlertDescription, CipherSuite, NamedGroup, ProtocolVersion, SignatureScheme};
use serde::{Serialize, Serializer};

use super::model::{FinishedCheck, name, names, optional_name};
use crate::names::Named;

/// What a message holds, by its type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Body {
    /// A ClientHello.
    ClientHello(ClientHello),
    /// A ServerHello, or a HelloRetryRequest (TLS 1.3's ServerHello with the special random).
    ServerHello(ServerHello),
    /// TLS 1.3's EncryptedExtensions.
    EncryptedExtensions {
        /// The extensions, in the order sent.
        extensions: Vec<Extension>,
    },
    /// A Certificate message.
    Certificate(Certificate),
    /// A CertificateRequest: the server asks for a client certificate.
    CertificateRequest(CertificateRequest),
    /// A CertificateVerify: the signature over the transcript.
    CertificateVerify {
        /// The signature's scheme.
        #[serde(serialize_with = "name")]
        scheme: SignatureScheme,
        /// The signature's size.
        signature_bytes: usize,
    },
    /// TLS 1.2's ServerKeyExchange (named-curve ECDHE).
    ServerKeyExchange(ServerKeyExchange),
    /// TLS 1.2's ClientKeyExchange.
    ClientKeyExchange {
        /// The size of the client's public key.
        public_key_bytes: usize,
    },
    /// A NewSessionTicket.
    NewSessionTicket(NewSessionTicket),
    /// TLS 1.3's KeyUpdate.
    KeyUpdate {
        /// Whether the sender asks the peer to update its keys too.
        request_update: bool,
    },
    /// A Finished, checked against the one recomputed from the transcript.
    Finished {
        /// The size of its verify_data.
        verify_data_bytes: usize,
        /// The transcript hash it covers, hex, when the secrets to recompute it were logged.
        #[serde(skip_serializing_if = "Option::is_none")]
        transcript_hash: Option<String>,
        /// Whether it matched.
        check: FinishedCheck,
    },
    /// An alert.
    Alert(Alert),
    /// A message whose content the decoder does not read (hello_request, server_hello_done,
    /// end_of_early_data, an unknown type), or could not read (see [`Message::problem`](super::Message::problem)).
    Unread,
}

/// A ClientHello.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientHello {
    /// legacy_version (TLS 1.2 in a TLS 1.3 hello: the versions offered are in supported_versions).
    #[serde(serialize_with = "name")]
    pub legacy_version: ProtocolVersion,
    /// The client's random.
    #[serde(serialize_with = "hex")]
    pub random: [u8; 32],
    /// The size of legacy_session_id.
    pub session_id_bytes: usize,
    /// The cipher suites offered, in the client's order of preference.
    #[serde(serialize_with = "names")]
    pub cipher_suites: Vec<CipherSuite>,
    /// How many compression methods it lists.
    pub compression_methods: usize,
    /// Its extensions in the order sent (`None`: the hello ends before the list, as SSLv3's could).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extensions: Option<Vec<Extension>>,
}

/// A ServerHello (or a HelloRetryRequest).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerHello {
    /// legacy_version.
    #[serde(serialize_with = "name")]
    pub legacy_version: ProtocolVersion,
    /// It is a HelloRetryRequest: its random is SHA-256("HelloRetryRequest") (RFC 8446 4.1.3).
    #[serde(skip_serializing_if = "is_false")]
    pub hello_retry_request: bool,
    /// The server's random.
    #[serde(serialize_with = "hex")]
    pub random: [u8; 32],
    /// The size of legacy_session_id_echo.
    pub session_id_bytes: usize,
    /// The cipher suite chosen.
    #[serde(serialize_with = "name")]
    pub cipher_suite: CipherSuite,
    /// legacy_compression_method: 0 (none), as TLS 1.3 requires; 1 is DEFLATE (RFC 3749).
    pub compression_method: u8,
    /// Its extensions in the order sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extensions: Option<Vec<Extension>>,
}

/// A Certificate message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Certificate {
    /// TLS 1.3: the size of certificate_request_context (empty from a server).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_context_bytes: Option<usize>,
    /// The certificates, the sender's own first.
    pub certificates: Vec<CertificateEntry>,
}

/// One certificate of a Certificate message, and what it says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertificateEntry {
    /// Its subject, issuer, key and dates, or why they could not be read.
    #[serde(flatten)]
    pub summary: CertificateSummary,
    /// Its size.
    pub bytes: usize,
    /// The certificate as sent (DER).
    #[serde(skip)]
    pub der: rustls::pki_types::CertificateDer<'static>,
}

/// What a certificate in a Certificate message says, in short.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum CertificateSummary {
    /// It reads as X.509.
    Read {
        /// Its subject, as a distinguished name (`CN=localhost`).
        subject: String,
        /// Its issuer.
        issuer: String,
        /// Its public key (`ECDSA P-256`, `RSA 2048 bits`).
        key: String,
        /// The start of its validity (RFC 3339).
        not_before: String,
        /// The end of its validity.
        not_after: String,
    },
    /// It does not read as X.509: why.
    Unreadable {
        /// Why.
        problem: String,
    },
}

/// A CertificateRequest, as each version writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum CertificateRequest {
    /// TLS 1.3's: a context and extensions (signature_algorithms among them).
    Tls13 {
        /// The size of certificate_request_context.
        request_context_bytes: usize,
        /// Its extensions in the order sent.
        extensions: Vec<Extension>,
    },
    /// TLS 1.2's (and 1.0's and 1.1's): certificate types, signature schemes (from TLS 1.2 on), CA
    /// names.
    Tls12 {
        /// How many certificate types it lists.
        certificate_types: usize,
        /// The signature schemes it accepts (none before TLS 1.2, which has no such list).
        #[serde(serialize_with = "names")]
        schemes: Vec<SignatureScheme>,
    },
}

/// TLS 1.2's ServerKeyExchange for named-curve ECDHE.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerKeyExchange {
    /// The curve.
    #[serde(serialize_with = "name")]
    pub group: NamedGroup,
    /// The size of the server's public key.
    pub public_key_bytes: usize,
    /// The signature's scheme (none before TLS 1.2, whose signatures are named by the key alone).
    #[serde(serialize_with = "optional_name", skip_serializing_if = "Option::is_none")]
    pub scheme: Option<SignatureScheme>,
    /// What an ECDSA scheme means in TLS 1.2, where its name's curve binds nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheme_in_tls_1_2: Option<String>,
    /// The signature's size.
    pub signature_bytes: usize,
}

/// A NewSessionTicket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewSessionTicket {
    /// ticket_lifetime, seconds.
    pub lifetime_s: u32,
    /// TLS 1.3's ticket_age_add.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age_add: Option<u32>,
    /// TLS 1.3: the size of ticket_nonce.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce_bytes: Option<usize>,
    /// The size of the ticket.
    pub ticket_bytes: usize,
    /// TLS 1.3: its extensions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extensions: Option<Vec<Extension>>,
}

/// An alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Alert {
    /// Warning or fatal.
    #[serde(serialize_with = "name")]
    pub level: AlertLevel,
    /// What it says.
    #[serde(serialize_with = "name")]
    pub description: AlertDescription,
}

/// An alert's level (rustls keeps its own private).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertLevel {
    /// 1.
    Warning,
    /// 2: the connection ends.
    Fatal,
    /// Any other value.
    Unknown(u8),
}

impl From<u8> for AlertLevel {
    fn from(value: u8) -> Self {
        match value {
            1 => Self::Warning,
            2 => Self::Fatal,
            other => Self::Unknown(other),
        }
    }
}

impl Named for AlertLevel {
    fn name(&self) -> String {
        match self {
            Self::Warning => "warning".to_owned(),
            Self::Fatal => "fatal".to_owned(),
            Self::Unknown(level) => format!("level {level}"),
        }
    }
}

/// One extension: its type, its size, and its content when the decoder reads that type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Extension {
    /// Its type (`server_name`, `key_share`, ..., GREASE as such).
    #[serde(rename = "name", serialize_with = "extension_name")]
    pub code: u16,
    /// The size of its extension_data.
    pub bytes: usize,
    /// Its content.
    #[serde(flatten)]
    pub data: ExtensionData,
    /// Why its content could not be read, when it could not (it is then [`ExtensionData::Unknown`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<ReadError>,
}

/// An extension's content: one variant per extension (and hello) the decoder reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ExtensionData {
    /// server_name: the host names (a client sends one).
    ServerName {
        /// The host names, as sent (lossy UTF-8).
        #[serde(rename = "host_name", serialize_with = "joined")]
        host_names: Vec<String>,
    },
    /// supported_groups.
    SupportedGroups {
        /// The groups, in the sender's order.
        #[serde(serialize_with = "names")]
        groups: Vec<NamedGroup>,
    },
    /// signature_algorithms or signature_algorithms_cert.
    SignatureAlgorithms {
        /// The schemes, in the sender's order.
        #[serde(serialize_with = "names")]
        schemes: Vec<SignatureScheme>,
    },
    /// application_layer_protocol_negotiation (ALPN).
    Alpn {
        /// The protocols (lossy UTF-8).
        protocols: Vec<String>,
    },
    /// supported_versions in a ClientHello: the versions offered.
    SupportedVersions {
        /// The versions, in the client's order.
        #[serde(serialize_with = "names")]
        versions: Vec<ProtocolVersion>,
    },
    /// supported_versions in a ServerHello: the version chosen.
    SelectedVersion {
        /// The version.
        #[serde(serialize_with = "name")]
        version: ProtocolVersion,
    },
    /// psk_key_exchange_modes.
    PskModes {
        /// The modes.
        #[serde(serialize_with = "names")]
        modes: Vec<PskMode>,
    },
    /// key_share in a ClientHello: the shares offered.
    KeyShares {
        /// The shares, in the client's order.
        shares: Vec<KeyShare>,
    },
    /// key_share in a ServerHello: the server's share.
    ServerKeyShare(KeyShare),
    /// key_share in a HelloRetryRequest: the group the server asks for.
    RetryGroup {
        /// The group.
        #[serde(serialize_with = "name")]
        selected_group: NamedGroup,
    },
    /// pre_shared_key in a ClientHello.
    PskOffer {
        /// How many identities (tickets) it offers.
        identities: usize,
        /// The size of the binders.
        binders_bytes: usize,
    },
    /// pre_shared_key in a ServerHello: which identity the server took.
    PskSelected {
        /// Its index in the client's list.
        selected_identity: u16,
    },
    /// early_data in a NewSessionTicket.
    EarlyData {
        /// How much early data the ticket allows.
        max_early_data_size: u32,
    },
    /// An extension whose content the decoder does not read (or could not: see [`Extension::problem`]).
    Unknown {
        /// Its type.
        #[serde(skip)]
        code: u16,
        /// Its extension_data.
        #[serde(skip)]
        bytes: Vec<u8>,
    },
}

/// One key share: its group and the size of its public value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyShare {
    /// The group.
    #[serde(serialize_with = "name")]
    pub group: NamedGroup,
    /// The size of key_exchange.
    pub key_exchange_bytes: usize,
}

/// A psk_key_exchange_modes value (RFC 8446 4.2.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PskMode {
    /// psk_ke: resumption without a new key exchange.
    PskKe,
    /// psk_dhe_ke: resumption with a new (EC)DHE exchange.
    PskDheKe,
    /// Any other value.
    Unknown(u8),
}

impl From<u8> for PskMode {
    fn from(value: u8) -> Self {
        match value {
            0 => Self::PskKe,
            1 => Self::PskDheKe,
            other => Self::Unknown(other),
        }
    }
}

impl Named for PskMode {
    fn name(&self) -> String {
        match self {
            Self::PskKe => "psk_ke".to_owned(),
            Self::PskDheKe => "psk_dhe_ke".to_owned(),
            Self::Unknown(mode) => format!("mode {mode}"),
        }
    }
}

/// Why a message, or an extension's content, could not be read to its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// It ends before a field does.
    EndsEarly {
        /// What was being read (`ClientHello`, `cipher suite list`, ...).
        what: &'static str,
        /// Where the field begins, in bytes from the message's first byte (its header included).
        at: usize,
        /// How many bytes the field needed.
        expected: usize,
        /// How many were left.
        there: usize,
    },
    /// A ServerKeyExchange that is not named-curve ECDHE (curve_type 3), which is all the decoder reads.
    NotNamedCurve {
        /// Its curve_type.
        curve_type: u8,
    },
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EndsEarly {
                what,
                at,
                expected,
                there,
            } => write!(
                f,
                "the {what} ends early: {expected} more bytes expected at byte {at} of the message, {there} there"
            ),
            Self::NotNamedCurve { curve_type } => write!(
                f,
                "not a named-curve ECDHE key exchange (curve_type {curve_type}; the decoder reads 3, named_curve)"
            ),
        }
    }
}

impl std::error::Error for ReadError {}

impl Serialize for ReadError {
    /// The sentence.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl Extension {
    /// The groups of a supported_groups extension.
    pub fn groups(&self) -> Option<&[NamedGroup]> {
        match &self.data {
            ExtensionData::SupportedGroups { groups } => Some(groups),
            _ => None,
        }
    }
}

impl Body {
    /// The extensions of a hello, EncryptedExtensions, TLS 1.3 CertificateRequest or ticket.
    pub fn extensions(&self) -> &[Extension] {
        let list = match self {
            Self::ClientHello(hello) => hello.extensions.as_deref(),
            Self::ServerHello(hello) => hello.extensions.as_deref(),
            Self::EncryptedExtensions { extensions }
            | Self::CertificateRequest(CertificateRequest::Tls13 { extensions, .. }) => Some(extensions.as_slice()),
            Self::NewSessionTicket(ticket) => ticket.extensions.as_deref(),
            _ => None,
        };
        list.unwrap_or_default()
    }
}

fn is_false(value: &bool) -> bool {
    !value
}

fn hex<S: Serializer>(bytes: &[u8; 32], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&crate::x509::hex(bytes))
}

fn joined<S: Serializer>(values: &[String], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&values.join(", "))
}

fn extension_name<S: Serializer>(code: &u16, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&crate::names::extension(*code))
}
