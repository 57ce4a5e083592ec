//! Parsing: a handshake message's (or an alert's) bytes into the typed [`Body`], noting what each run
//! of bytes is for `--trace=full`'s annotated hex. Nothing here decrypts, derives keys or checks
//! Finished: `decode.rs` does that with what these functions return.
//!
//! Why not `tls-parser` (rusticata, 0.12.2, measured on this workspace in December 2026): the annotated
//! hex needs the offset and length of every field, each length prefix included, and tls-parser keeps
//! neither (its nom structs hold values and a few borrowed slices). It leaves key_share and
//! pre_shared_key as raw bytes, reads neither TLS 1.3's HelloRetryRequest nor EncryptedExtensions, and
//! on damaged input gives `Incomplete` with no offset or drops the last extension without a word, where
//! the x-ray says where and why. It decrypts nothing and checks no Finished, so it would replace only
//! this file, for 14 more crates in the lock file (syn 1 and toml_edit among them).

use std::cell::{Cell, RefCell};

use rustls::{CipherSuite, NamedGroup, ProtocolVersion, SignatureScheme};

use super::message::{
    Alert, AlertLevel, Body, Certificate, CertificateEntry, CertificateRequest, CertificateSummary, ClientHello,
    Extension, ExtensionData, KeyShare, NewSessionTicket, PskMode, ReadError, ServerHello, ServerKeyExchange,
};
use super::model::{Annotation, FinishedCheck};
use crate::names::{self, Named};

/// SHA-256("HelloRetryRequest"): the random of a HelloRetryRequest (RFC 8446 4.1.3).
pub(super) const RETRY_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11,
    0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// What the readers of one message (and of its nested lists) note as they go: each run of bytes, and
/// how many GREASE values (RFC 8701) the message's codes held.
#[derive(Default)]
pub(super) struct Notes {
    annotations: RefCell<Vec<Annotation>>,
    grease: Cell<usize>,
}

impl Notes {
    /// The runs noted, in order, and the GREASE count.
    pub(super) fn into_parts(self) -> (Vec<Annotation>, usize) {
        (self.annotations.into_inner(), self.grease.get())
    }
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
    fn take(&mut self, n: usize, field: &str) -> Result<&'a [u8], ReadError> {
        if self.data.len() < n {
            return Err(ReadError::EndsEarly {
                what: self.what,
                at: self.at,
                expected: n,
                there: self.data.len(),
            });
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
    fn number(&mut self, n: usize, field: &str) -> Result<usize, ReadError> {
        let bytes = self.take(n, "")?;
        let value = bytes.iter().fold(0, |value, &b| value << 8 | usize::from(b));
        self.note(self.at - n, n, field, value.to_string());
        Ok(value)
    }

    fn u8(&mut self, field: &str) -> Result<u8, ReadError> {
        let value = self.take(1, "")?[0];
        self.note(self.at - 1, 1, field, value.to_string());
        Ok(value)
    }

    fn u16(&mut self, field: &str) -> Result<u16, ReadError> {
        let b = self.take(2, "")?;
        let value = u16::from_be_bytes([b[0], b[1]]);
        self.note(self.at - 2, 2, field, value.to_string());
        Ok(value)
    }

    fn u32(&mut self, field: &str) -> Result<u32, ReadError> {
        let b = self.take(4, "")?;
        let value = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        self.note(self.at - 4, 4, field, value.to_string());
        Ok(value)
    }

    /// Says what the field read last holds (a name rather than its number).
    fn named(&self, value: String) {
        if let Some(last) = self.notes.annotations.borrow_mut().last_mut() {
            last.value = value;
        }
    }

    /// A two-byte code as its type, noted by its name; GREASE values counted.
    fn code<T: From<u16> + Named>(&mut self, field: &str) -> Result<T, ReadError> {
        let code = self.u16(field)?;
        if names::is_grease(code) {
            self.notes.grease.set(self.notes.grease.get() + 1);
        }
        let value = T::from(code);
        self.named(value.name());
        Ok(value)
    }

    /// A one-byte value as its type, noted by its name.
    fn byte_as<T: From<u8> + Named>(&mut self, field: &str) -> Result<T, ReadError> {
        let value = T::from(self.u8(field)?);
        self.named(value.name());
        Ok(value)
    }

    /// Two-byte codes to the end, each noted by its name.
    fn codes<T: From<u16> + Named>(&mut self, field: &str) -> Result<Vec<T>, ReadError> {
        let mut out = Vec::new();
        while !self.is_empty() {
            out.push(self.code(field)?);
        }
        Ok(out)
    }

    /// Bytes after a length of `width` bytes: the length noted as `field length`, the bytes as `field`.
    fn vec(&mut self, width: usize, field: &str) -> Result<&'a [u8], ReadError> {
        let n = self.number(width, &format!("{field} length"))?;
        self.take(n, field)
    }

    fn vec8(&mut self, field: &str) -> Result<&'a [u8], ReadError> {
        self.vec(1, field)
    }

    fn vec16(&mut self, field: &str) -> Result<&'a [u8], ReadError> {
        self.vec(2, field)
    }

    fn vec24(&mut self, field: &str) -> Result<&'a [u8], ReadError> {
        self.vec(3, field)
    }

    /// A list after a length of `width` bytes, read by a reader of its own whose reads note its items.
    fn list(&mut self, width: usize, field: &str, what: &'static str) -> Result<Self, ReadError> {
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

    fn list8(&mut self, field: &str, what: &'static str) -> Result<Self, ReadError> {
        self.list(1, field, what)
    }

    fn list16(&mut self, field: &str, what: &'static str) -> Result<Self, ReadError> {
        self.list(2, field, what)
    }

    fn list24(&mut self, field: &str, what: &'static str) -> Result<Self, ReadError> {
        self.list(3, field, what)
    }

    /// The bytes not read yet.
    fn rest(&self) -> &'a [u8] {
        self.data
    }

    fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

/// A handshake message (`message`, its 4-byte header included), read by its type, and why it could not
/// be read to its end when it could not: then the body is [`Body::Unread`], or a hello whose fields
/// before its extension list read (without extensions). A Finished comes back unchecked (`decode.rs`
/// checks it).
pub(super) fn handshake(message: &[u8], tls13: bool, before_tls12: bool, notes: &Notes) -> (Body, Option<ReadError>) {
    let mut r = Reader::new(message, "handshake message", notes);
    let read = r.u8("msg_type").and_then(|kind| {
        r.named(names::handshake_type(kind));
        r.number(3, "length")?;
        match kind {
            1 => client_hello(r).map(|(hello, problem)| (Body::ClientHello(hello), problem)),
            2 => server_hello(r).map(|(hello, problem)| (Body::ServerHello(hello), problem)),
            _ => body(kind, r, tls13, before_tls12).map(|body| (body, None)),
        }
    });
    read.unwrap_or_else(|problem| (Body::Unread, Some(problem)))
}

/// The body of a message other than a hello.
/// `before_tls12`: the version chosen is TLS 1.0 or 1.1, whose ServerKeyExchange and
/// CertificateRequest name no signature scheme.
fn body(kind: u8, mut r: Reader, tls13: bool, before_tls12: bool) -> Result<Body, ReadError> {
    Ok(match kind {
        8 => {
            r.what = "EncryptedExtensions";
            let list = r.list16("extensions", "extension list")?;
            Body::EncryptedExtensions {
                extensions: extensions(list, Hello::Other)?,
            }
        }
        11 => Body::Certificate(certificate(r, tls13)?),
        13 => Body::CertificateRequest(certificate_request(r, tls13, before_tls12)?),
        15 => {
            r.what = "CertificateVerify";
            Body::CertificateVerify {
                scheme: r.code("algorithm")?,
                signature_bytes: r.vec16("signature")?.len(),
            }
        }
        12 => Body::ServerKeyExchange(server_key_exchange(r, before_tls12)?),
        16 => Body::ClientKeyExchange {
            public_key_bytes: r.vec8("public")?.len(),
        },
        4 => Body::NewSessionTicket(new_session_ticket(r, tls13)?),
        24 => {
            let request = r.u8("request_update")?;
            r.named(
                (if request == 1 {
                    "update_requested"
                } else {
                    "update_not_requested"
                })
                .to_owned(),
            );
            Body::KeyUpdate {
                request_update: request == 1,
            }
        }
        20 => Body::Finished {
            verify_data_bytes: r.take(r.rest().len(), "verify_data")?.len(),
            transcript_hash: None,
            check: FinishedCheck::NotSeen,
        },
        _ => Body::Unread,
    })
}

/// A ClientHello, and why its extension list could not be read when it could not.
fn client_hello(mut r: Reader) -> Result<(ClientHello, Option<ReadError>), ReadError> {
    r.what = "ClientHello";
    let legacy_version = r.code("legacy_version")?;
    let random = random(&mut r)?;
    let session_id_bytes = r.vec8("legacy_session_id")?.len();
    let cipher_suites = r.list16("cipher_suites", "cipher suite list")?.codes("cipher_suite")?;
    let compression_methods = r.vec8("legacy_compression_methods")?.len();
    let (extensions, problem) = hello_extensions(r, Hello::Client);
    let hello = ClientHello {
        legacy_version,
        random,
        session_id_bytes,
        cipher_suites,
        compression_methods,
        extensions,
    };
    Ok((hello, problem))
}

/// A hello's extension list, when it has one, or why it could not be read.
fn hello_extensions(mut r: Reader, hello: Hello) -> (Option<Vec<Extension>>, Option<ReadError>) {
    if r.is_empty() {
        return (None, None);
    }
    match r
        .list16("extensions", "extension list")
        .and_then(|list| extensions(list, hello))
    {
        Ok(extensions) => (Some(extensions), None),
        Err(problem) => (None, Some(problem)),
    }
}

/// A ServerHello, and why its extension list could not be read when it could not.
fn server_hello(mut r: Reader) -> Result<(ServerHello, Option<ReadError>), ReadError> {
    r.what = "ServerHello";
    let legacy_version = r.code("legacy_version")?;
    let random = random(&mut r)?;
    let hello_retry_request = random == RETRY_RANDOM;
    if hello_retry_request {
        r.named("SHA-256(\"HelloRetryRequest\"): a HelloRetryRequest".to_owned());
    }
    let session_id_bytes = r.vec8("legacy_session_id_echo")?.len();
    let cipher_suite: CipherSuite = r.code("cipher_suite")?;
    let compression_method = r.u8("legacy_compression_method")?;
    let kind = if hello_retry_request {
        Hello::Retry
    } else {
        Hello::Server
    };
    let (extensions, problem) = hello_extensions(r, kind);
    let hello = ServerHello {
        legacy_version,
        hello_retry_request,
        random,
        session_id_bytes,
        cipher_suite,
        compression_method,
        extensions,
    };
    Ok((hello, problem))
}

fn random(r: &mut Reader) -> Result<[u8; 32], ReadError> {
    let bytes = r.take(32, "random")?;
    Ok(bytes.try_into().unwrap_or([0; 32]))
}

/// Which hello an extension list belongs to: the same code means different things in each.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Hello {
    Client,
    Server,
    Retry,
    /// EncryptedExtensions, CertificateRequest, tickets.
    Other,
}

fn extensions(mut r: Reader, hello: Hello) -> Result<Vec<Extension>, ReadError> {
    let mut out = Vec::new();
    while !r.is_empty() {
        let code = r.u16("extension_type")?;
        let name = names::extension(code);
        r.named(name.clone());
        if names::is_grease(code) {
            r.notes.grease.set(r.notes.grease.get() + 1);
        }
        let mut body = r.list16(&name, "extension")?;
        let bytes = body.rest();
        // What an extension holds is read when it is one rustls speaks; a malformed one says so.
        let (data, problem) = match extension_data(code, &mut body, hello) {
            Ok(data) => (data, None),
            Err(problem) => (unknown(code, bytes), Some(problem)),
        };
        body.take(body.rest().len(), &format!("{name} extension_data"))?;
        out.push(Extension {
            code,
            bytes: bytes.len(),
            data,
            problem,
        });
    }
    Ok(out)
}

fn unknown(code: u16, bytes: &[u8]) -> ExtensionData {
    ExtensionData::Unknown {
        code,
        bytes: bytes.to_vec(),
    }
}

fn extension_data(code: u16, r: &mut Reader, hello: Hello) -> Result<ExtensionData, ReadError> {
    Ok(match (code, hello) {
        (0, Hello::Client) => {
            let mut names = r.list16("server_name_list", "server_name list")?;
            let mut host_names = Vec::new();
            while !names.is_empty() {
                let kind = names.u8("name_type")?;
                let name = names.vec16("host_name")?;
                if kind == 0 {
                    let name = String::from_utf8_lossy(name).into_owned();
                    names.named(name.clone());
                    host_names.push(name);
                }
            }
            ExtensionData::ServerName { host_names }
        }
        (10, _) => ExtensionData::SupportedGroups {
            groups: r
                .list16("named_group_list", "supported_groups list")?
                .codes("named_group")?,
        },
        (13 | 50, _) => ExtensionData::SignatureAlgorithms {
            schemes: r
                .list16("supported_signature_algorithms", "signature scheme list")?
                .codes::<SignatureScheme>("signature_scheme")?,
        },
        (16, _) => {
            let mut list = r.list16("protocol_name_list", "ALPN list")?;
            let mut protocols = Vec::new();
            while !list.is_empty() {
                let protocol = String::from_utf8_lossy(list.vec8("protocol_name")?).into_owned();
                list.named(protocol.clone());
                protocols.push(protocol);
            }
            ExtensionData::Alpn { protocols }
        }
        (43, Hello::Client) => ExtensionData::SupportedVersions {
            versions: r.list8("versions", "supported_versions list")?.codes("version")?,
        },
        (43, Hello::Server | Hello::Retry) => ExtensionData::SelectedVersion {
            version: r.code::<ProtocolVersion>("selected_version")?,
        },
        (45, _) => {
            let mut list = r.list8("ke_modes", "psk_key_exchange_modes list")?;
            let mut modes = Vec::new();
            while !list.is_empty() {
                modes.push(list.byte_as::<PskMode>("ke_mode")?);
            }
            ExtensionData::PskModes { modes }
        }
        (51, Hello::Client) => {
            let mut list = r.list16("client_shares", "key_share list")?;
            let mut shares = Vec::new();
            while !list.is_empty() {
                shares.push(key_share(&mut list)?);
            }
            ExtensionData::KeyShares { shares }
        }
        (51, Hello::Server) => ExtensionData::ServerKeyShare(key_share(r)?),
        (51, Hello::Retry) => ExtensionData::RetryGroup {
            selected_group: r.code::<NamedGroup>("selected_group")?,
        },
        (41, Hello::Client) => {
            let mut list = r.list16("identities", "PSK identities")?;
            let mut identities = 0;
            while !list.is_empty() {
                list.vec16("identity")?;
                list.u32("obfuscated_ticket_age")?;
                identities += 1;
            }
            ExtensionData::PskOffer {
                identities,
                binders_bytes: r.vec16("binders")?.len(),
            }
        }
        (41, Hello::Server) => ExtensionData::PskSelected {
            selected_identity: r.u16("selected_identity")?,
        },
        (42, Hello::Other) if r.rest().len() == 4 => ExtensionData::EarlyData {
            max_early_data_size: r.u32("max_early_data_size")?,
        },
        _ => unknown(code, r.rest()),
    })
}

fn key_share(r: &mut Reader) -> Result<KeyShare, ReadError> {
    Ok(KeyShare {
        group: r.code("group")?,
        key_exchange_bytes: r.vec16("key_exchange")?.len(),
    })
}

fn certificate(mut r: Reader, tls13: bool) -> Result<Certificate, ReadError> {
    r.what = "Certificate";
    let request_context_bytes = if tls13 {
        Some(r.vec8("certificate_request_context")?.len())
    } else {
        None
    };
    let mut list = r.list24("certificate_list", "certificate list")?;
    let mut certificates = Vec::new();
    while !list.is_empty() {
        let der = rustls::pki_types::CertificateDer::from(list.vec24("cert_data")?.to_vec());
        let position = if certificates.is_empty() {
            crate::inspect::Position::Leaf
        } else {
            crate::inspect::Position::Issuer
        };
        let summary = match crate::inspect::inspect(&der, position) {
            Ok(info) => {
                list.named(format!(
                    "X.509 certificate: subject {}, issuer {}",
                    info.subject, info.issuer
                ));
                CertificateSummary::Read {
                    subject: info.subject,
                    issuer: info.issuer,
                    key: info.public_key.to_string(),
                    not_before: info.not_before,
                    not_after: info.not_after,
                }
            }
            Err(err) => CertificateSummary::Unreadable {
                problem: err.to_string(),
            },
        };
        if tls13 {
            list.vec16("extensions")?;
        }
        certificates.push(CertificateEntry {
            summary,
            bytes: der.len(),
            der,
        });
    }
    Ok(Certificate {
        request_context_bytes,
        certificates,
    })
}

fn certificate_request(mut r: Reader, tls13: bool, before_tls12: bool) -> Result<CertificateRequest, ReadError> {
    r.what = "CertificateRequest";
    if tls13 {
        let request_context_bytes = r.vec8("certificate_request_context")?.len();
        let list = r.list16("extensions", "extension list")?;
        Ok(CertificateRequest::Tls13 {
            request_context_bytes,
            extensions: extensions(list, Hello::Other)?,
        })
    } else {
        let certificate_types = r.vec8("certificate_types")?.len();
        let schemes = if before_tls12 {
            Vec::new()
        } else {
            r.list16("supported_signature_algorithms", "signature scheme list")?
                .codes("signature_scheme")?
        };
        r.vec16("certificate_authorities")?;
        Ok(CertificateRequest::Tls12 {
            certificate_types,
            schemes,
        })
    }
}

/// A ServerKeyExchange for named-curve ECDHE (the only kind rustls speaks); `before_tls12`: TLS 1.0
/// or 1.1's, whose signature names no scheme.
fn server_key_exchange(mut r: Reader, before_tls12: bool) -> Result<ServerKeyExchange, ReadError> {
    r.what = "ServerKeyExchange";
    let curve_type = r.u8("curve_type")?;
    if curve_type != 3 {
        return Err(ReadError::NotNamedCurve { curve_type });
    }
    r.named("named_curve".to_owned());
    let group = r.code("namedcurve")?;
    let public_key_bytes = r.vec8("public")?.len();
    let scheme: Option<SignatureScheme> = if before_tls12 { None } else { Some(r.code("algorithm")?) };
    // ecdsa_secp384r1_sha384 with a P-256 key is right in TLS 1.2: only TLS 1.3 ties the curve.
    let scheme_in_tls_1_2 = scheme
        .map(|scheme| scheme.name())
        .as_deref()
        .and_then(|name| name.strip_prefix("ecdsa_secp"))
        .and_then(|rest| rest.split('_').nth(1))
        .map(|hash| {
            format!(
                "ECDSA with {}, on the certificate key's curve whatever the name says (only TLS 1.3 ties the curve to the name)",
                hash.to_uppercase()
            )
        });
    Ok(ServerKeyExchange {
        group,
        public_key_bytes,
        scheme,
        scheme_in_tls_1_2,
        signature_bytes: r.vec16("signature")?.len(),
    })
}

fn new_session_ticket(mut r: Reader, tls13: bool) -> Result<NewSessionTicket, ReadError> {
    r.what = "NewSessionTicket";
    let lifetime_s = r.u32("ticket_lifetime")?;
    let (age_add, nonce_bytes) = if tls13 {
        (Some(r.u32("ticket_age_add")?), Some(r.vec8("ticket_nonce")?.len()))
    } else {
        (None, None)
    };
    let ticket_bytes = r.vec16("ticket")?.len();
    let extensions = if tls13 {
        let list = r.list16("extensions", "extension list")?;
        Some(extensions(list, Hello::Other)?)
    } else {
        None
    };
    Ok(NewSessionTicket {
        lifetime_s,
        age_add,
        nonce_bytes,
        ticket_bytes,
        extensions,
    })
}

/// An alert record's content.
pub(super) fn alert(plain: &[u8], notes: &Notes) -> Result<Alert, ReadError> {
    let mut r = Reader::new(plain, "alert", notes);
    let level: AlertLevel = r.byte_as("level")?;
    let description = r.byte_as("description")?;
    Ok(Alert { level, description })
}
