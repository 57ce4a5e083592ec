//! Reading every field of a certificate into one model, [`CertificateInfo`], that renders both as text
//! (laid out like `certtool -i`) and as JSON (serde).
//!
//! Fingerprints and key IDs are hashed with aws-lc-rs, the library rustls already uses. Values follow
//! what `certtool -i` and `openssl x509 -text -fingerprint` print, so they can be compared line by line.

mod crl;
pub(crate) mod der;
mod extension;
mod key;
pub(crate) use key::refused as refused_key;
#[cfg(feature = "pkcs12")]
mod pkcs12;
mod request;

use std::fmt::{self, Write as _};
use std::net::IpAddr;

use aws_lc_rs::digest;
use base64::Engine as _;
use rustls_pki_types::CertificateDer;
use serde::Serialize;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::signature_algorithm::RsaSsaPssParams;
use x509_parser::time::ASN1Time;

pub(crate) use self::crl::revoked;
pub use self::crl::{CrlInfo, Revoked, SignatureCheck, read_crl};
pub(crate) use self::extension::reason_name;
pub use self::extension::{
    Access, DistributionPoint, Extension, ExtensionValue, Name, OtherName, Policy, Purpose, Qualifier, Sct, TlsFeature,
};
pub use self::key::{PssParameters, PublicKeyInfo, key_belongs_to};
#[cfg(feature = "pkcs12")]
pub use self::pkcs12::{Pkcs12Error, Pkcs12Info, Pkcs12Key, read_pkcs12};
pub use self::request::{RequestAttribute, RequestInfo, read_request};
use crate::x509;
pub(crate) use crate::x509::hex;

/// The extensions rustls-webpki reads; a critical extension outside this list makes it refuse the
/// certificate.
pub(crate) const WEBPKI_PROCESSES: [&str; 6] = [
    "2.5.29.15",
    "2.5.29.17",
    "2.5.29.19",
    "2.5.29.30",
    "2.5.29.31",
    "2.5.29.37",
];

/// Leaves valid longer than this are refused by macOS and iOS (and flagged here).
pub const MAX_LEAF_DAYS: i64 = 825;

/// Everything `tls-cert inspect` shows about one certificate. Field names are the JSON keys, which are
/// stable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertificateInfo {
    /// X.509 version: 3 for every modern certificate.
    pub version: u32,
    /// Serial number, lowercase hex without colons or leading zero bytes.
    pub serial: String,
    /// Whether the serial's DER INTEGER is negative (its first bit set): RFC 5280 forbids it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub serial_negative: bool,
    /// Subject distinguished name, RFC 4514 (most specific first: `CN=x,O=y`).
    pub subject: String,
    /// Issuer distinguished name, RFC 4514.
    pub issuer: String,
    /// Start of validity, RFC 3339.
    pub not_before: String,
    /// End of validity, RFC 3339.
    pub not_after: String,
    /// Whole days from now until `not_after`, counted toward zero as the text says them ("EXPIRED 3
    /// days ago" is -3); negative once a whole day past it.
    pub expires_in_days: i64,
    /// Seconds from now until `not_after`; negative once expired.
    pub expires_in_seconds: i64,
    /// issuerUniqueID (v2 and v3 only; rare), lowercase hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer_unique_id: Option<String>,
    /// subjectUniqueID, lowercase hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_unique_id: Option<String>,
    /// Subject alternative names.
    pub san: SubjectAltNames,
    /// The public key.
    pub public_key: PublicKeyInfo,
    /// Whether it may act as a CA: basicConstraints says CA:TRUE (false when it has no basicConstraints;
    /// [`extensions`](Self::extensions) says which).
    pub is_ca: bool,
    /// basicConstraints pathLenConstraint, when present.
    pub path_len: Option<u32>,
    /// Key usage bits set, such as `digitalSignature`, `keyCertSign` (empty without keyUsage).
    pub key_usage: Vec<String>,
    /// Extended key usages, such as `serverAuth`, `clientAuth` (others as dotted OIDs).
    pub extended_key_usage: Vec<String>,
    /// Subject key identifier as embedded, lowercase hex.
    pub subject_key_id: Option<String>,
    /// Authority key identifier (its keyIdentifier), lowercase hex.
    pub authority_key_id: Option<String>,
    /// Every extension, in the certificate's order, with its criticality and values. The fields above
    /// summarise a few of them; this is what the certificate holds.
    pub extensions: Vec<Extension>,
    /// Signature algorithm, as openssl names it (`ecdsa-with-SHA256`, `sha256WithRSAEncryption`, `ED25519`).
    pub signature_algorithm: String,
    /// RSA-PSS parameters of the signature, when it is `rsassaPss`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature_pss: Option<PssParameters>,
    /// The signature, lowercase hex.
    pub signature: String,
    /// SHA-1 over the certificate DER, lowercase hex.
    pub fingerprint_sha1: String,
    /// SHA-256 over the certificate DER, lowercase hex.
    pub fingerprint_sha256: String,
    /// SHA-1 over the SubjectPublicKeyInfo DER (GnuTLS's "Public Key ID").
    pub public_key_id_sha1: String,
    /// SHA-256 over the SubjectPublicKeyInfo DER.
    pub public_key_id_sha256: String,
    /// base64 of SHA-256 over the SubjectPublicKeyInfo DER: what `curl --pinnedpubkey sha256//` and
    /// Chromium's `--ignore-certificate-errors-spki-list` take.
    pub pin_sha256: String,
    /// Problems a client or browser will have with it, in words.
    pub warnings: Vec<String>,
}

/// Subject alternative names by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SubjectAltNames {
    /// dNSName entries.
    pub dns: Vec<String>,
    /// iPAddress entries.
    pub ip: Vec<String>,
    /// rfc822Name entries.
    pub email: Vec<String>,
    /// uniformResourceIdentifier entries.
    pub uri: Vec<String>,
}

/// Where a certificate sits, which changes what deserves a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// Alone in its file: judged by what it says it is.
    Alone,
    /// First of a chain: the end-entity (leaf) certificate.
    Leaf,
    /// Later in a chain: an intermediate or root.
    Issuer,
}

/// Why a certificate could not be read.
#[derive(Debug, thiserror::Error)]
#[error("not a valid X.509 certificate: {0}")]
pub struct ParseError(String);

impl From<ParseError> for crate::error::Error {
    fn from(err: ParseError) -> Self {
        Self::NotACertificate { reason: err.0 }
    }
}

/// Reads every field of `der`.
///
/// # Errors
/// [`ParseError`] when the bytes are not an X.509 certificate.
pub fn inspect(der: &CertificateDer<'_>, position: Position) -> Result<CertificateInfo, ParseError> {
    inspect_at(der, position, ASN1Time::now().timestamp())
}

/// As [`inspect`], judging validity at `now` (seconds since the Unix epoch).
///
/// # Errors
/// [`ParseError`] when the bytes are not an X.509 certificate.
pub fn inspect_at(der: &CertificateDer<'_>, position: Position, now: i64) -> Result<CertificateInfo, ParseError> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).map_err(|err| ParseError(err.to_string()))?;
    let spki = cert.public_key().raw;
    let not_before = cert.validity().not_before.timestamp();
    let not_after = cert.validity().not_after.timestamp();
    let (is_ca, path_len) = match cert.basic_constraints() {
        Ok(Some(bc)) => (bc.value.ca, bc.value.path_len_constraint),
        _ => (false, None),
    };
    let mut info = CertificateInfo {
        version: cert.version().0 + 1,
        serial: serial_hex(cert.raw_serial()),
        serial_negative: cert.raw_serial().first().is_some_and(|b| b & 0x80 != 0),
        subject: x509::dn_string(cert.subject()),
        issuer: x509::dn_string(cert.issuer()),
        not_before: x509::unix_to_rfc3339(not_before),
        not_after: x509::unix_to_rfc3339(not_after),
        expires_in_days: (not_after - now) / 86_400,
        expires_in_seconds: not_after.saturating_sub(now),
        issuer_unique_id: cert.tbs_certificate.issuer_uid.as_ref().map(|id| hex(&id.0.data)),
        subject_unique_id: cert.tbs_certificate.subject_uid.as_ref().map(|id| hex(&id.0.data)),
        san: alt_names(&cert),
        public_key: key::read(cert.public_key()),
        is_ca,
        path_len,
        key_usage: key_usage(&cert),
        extended_key_usage: extended_key_usage(&cert),
        subject_key_id: None,
        authority_key_id: None,
        extensions: extension::read_all(cert.extensions()),
        signature_algorithm: signature_algorithm(&cert.signature_algorithm),
        signature_pss: signature_pss(&cert.signature_algorithm),
        signature: hex(&cert.signature_value.data),
        fingerprint_sha1: hex(digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, der).as_ref()),
        fingerprint_sha256: hex(digest::digest(&digest::SHA256, der).as_ref()),
        public_key_id_sha1: hex(digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, spki).as_ref()),
        public_key_id_sha256: hex(digest::digest(&digest::SHA256, spki).as_ref()),
        pin_sha256: pin_sha256_of_spki(spki),
        warnings: Vec::new(),
    };
    for ext in cert.extensions() {
        match ext.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(id) => info.subject_key_id = Some(hex(id.0)),
            ParsedExtension::AuthorityKeyIdentifier(aki) => {
                info.authority_key_id = aki.key_identifier.as_ref().map(|id| hex(id.0));
            }
            _ => {}
        }
    }
    info.warnings = warnings(&info, position, now, not_before, not_after);
    Ok(info)
}

/// pin-sha256 of a certificate's public key: base64 of SHA-256 over its SubjectPublicKeyInfo.
///
/// # Errors
/// [`ParseError`] when the bytes are not an X.509 certificate.
pub fn pin_sha256(der: &CertificateDer<'_>) -> Result<String, ParseError> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).map_err(|err| ParseError(err.to_string()))?;
    Ok(pin_sha256_of_spki(cert.public_key().raw))
}

/// pin-sha256 of a DER SubjectPublicKeyInfo.
pub fn pin_of_spki(spki: &[u8]) -> String {
    pin_sha256_of_spki(spki)
}

fn pin_sha256_of_spki(spki: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(digest::digest(&digest::SHA256, spki))
}

/// The serial as its integer value in hex: DER's sign-padding zero bytes are dropped, as openssl does.
/// An extension's name by its dotted OID, as `inspect` shows it (`Unknown extension` for one nobody
/// here knows).
#[cfg(feature = "generate")]
pub(crate) fn extension_name(oid: &str) -> &'static str {
    extension::name_of(oid)
}

fn serial_hex(raw: &[u8]) -> String {
    hex(key::unsigned(raw))
}

fn alt_names(cert: &X509Certificate<'_>) -> SubjectAltNames {
    let mut names = SubjectAltNames::default();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for name in &san.value.general_names {
            match name {
                GeneralName::DNSName(n) => names.dns.push((*n).to_owned()),
                GeneralName::IPAddress(bytes) => names.ip.push(extension::ip_address(bytes)),
                GeneralName::RFC822Name(n) => names.email.push((*n).to_owned()),
                GeneralName::URI(n) => names.uri.push((*n).to_owned()),
                _ => {}
            }
        }
    }
    names
}

/// A signature check's outcome: verified, refused, or not checked (`None`) with why. The crypto library
/// here lacks some algorithms (Ed448, brainpool, DSA) and some RSA-PSS parameters: those are not
/// checked, rather than called forged.
fn signature_outcome(
    result: Result<(), x509_parser::error::X509Error>,
    algorithm: &x509_parser::x509::AlgorithmIdentifier<'_>,
    key: &PublicKeyInfo,
) -> (Option<bool>, Option<String>) {
    use x509_parser::error::X509Error;
    let pss = algorithm.algorithm.to_id_string() == key::OID_RSA_PSS;
    match result {
        Ok(()) => (Some(true), None),
        Err(X509Error::SignatureUnsupportedAlgorithm) => (
            None,
            Some(format!(
                "{} with a key of type {key} is not supported by this build's crypto library",
                signature_algorithm(algorithm)
            )),
        ),
        Err(_) if pss => (
            None,
            Some("RSA-PSS with these parameters cannot be checked by this build's crypto library".into()),
        ),
        Err(err) => (Some(false), Some(err.to_string())),
    }
}

/// The signature's RSA-PSS parameters, when it is RSA-PSS.
fn signature_pss(algorithm: &x509_parser::x509::AlgorithmIdentifier<'_>) -> Option<PssParameters> {
    if algorithm.algorithm.to_id_string() != key::OID_RSA_PSS {
        return None;
    }
    let params = RsaSsaPssParams::try_from(algorithm.parameters.as_ref()?).ok()?;
    Some(key::pss_parameters(&params))
}

fn key_usage(cert: &X509Certificate<'_>) -> Vec<String> {
    let Ok(Some(ku)) = cert.key_usage() else {
        return Vec::new();
    };
    let ku = ku.value;
    [
        (ku.digital_signature(), "digitalSignature"),
        (ku.non_repudiation(), "nonRepudiation"),
        (ku.key_encipherment(), "keyEncipherment"),
        (ku.data_encipherment(), "dataEncipherment"),
        (ku.key_agreement(), "keyAgreement"),
        (ku.key_cert_sign(), "keyCertSign"),
        (ku.crl_sign(), "cRLSign"),
        (ku.encipher_only(), "encipherOnly"),
        (ku.decipher_only(), "decipherOnly"),
    ]
    .into_iter()
    .filter(|(set, _)| *set)
    .map(|(_, name)| name.to_owned())
    .collect()
}

fn extended_key_usage(cert: &X509Certificate<'_>) -> Vec<String> {
    let Ok(Some(eku)) = cert.extended_key_usage() else {
        return Vec::new();
    };
    let eku = eku.value;
    let mut out: Vec<String> = [
        (eku.server_auth, "serverAuth"),
        (eku.client_auth, "clientAuth"),
        (eku.code_signing, "codeSigning"),
        (eku.email_protection, "emailProtection"),
        (eku.time_stamping, "timeStamping"),
        (eku.ocsp_signing, "OCSPSigning"),
        (eku.any, "anyExtendedKeyUsage"),
    ]
    .into_iter()
    .filter(|(set, _)| *set)
    .map(|(_, name)| name.to_owned())
    .collect();
    out.extend(eku.other.iter().map(|oid| oid.to_id_string()));
    out
}

/// A signature algorithm as openssl names it, or its OID.
fn signature_algorithm(algorithm: &x509_parser::x509::AlgorithmIdentifier<'_>) -> String {
    let oid = algorithm.algorithm.to_id_string();
    match oid.as_str() {
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.113549.1.1.10" => "rsassaPss",
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        "1.2.840.10040.4.3" => "dsaWithSHA1",
        "2.16.840.1.101.3.4.3.2" => "dsa_with_SHA256",
        key::OID_ED25519 => "ED25519",
        key::OID_ED448 => "ED448",
        _ => return oid,
    }
    .to_owned()
}

/// What clients say of the key and the signature.
fn crypto_warnings(info: &CertificateInfo) -> Vec<String> {
    let mut out = Vec::new();
    if info.public_key.algorithm.starts_with("RSA") && info.public_key.bits.is_some_and(|b| b < 2048) {
        out.push(format!(
            "RSA key of {} bits: TLS clients refuse RSA keys under 2048 bits",
            info.public_key.bits.unwrap_or(0)
        ));
    }
    if info.signature_algorithm.to_ascii_lowercase().contains("sha1")
        || info.signature_pss.as_ref().is_some_and(|pss| pss.hash == "sha1")
    {
        out.push("signed with SHA-1, which TLS clients no longer accept".into());
    }
    if info.public_key.algorithm == "DSA" {
        out.push("DSA key: TLS 1.3 has no DSA, and rustls, browsers and curl refuse it in TLS 1.2 too".into());
    }
    match info.public_key.curve.as_deref() {
        Some("P-256" | "P-384" | "P-521" | "Ed25519" | "Ed448") | None => {}
        Some(curve) => out.push(format!(
            "EC key on {curve}: rustls, browsers and curl accept only P-256 and P-384 (and P-521 in some)"
        )),
    }
    out
}

/// What RFC 5280 and the TLS libraries say of the certificate's make-up: its version, an extension twice,
/// the serial, its dates' order, a critical extension rustls does not process.
fn structure_warnings(info: &CertificateInfo, not_before: i64, not_after: i64) -> Vec<String> {
    let mut out = Vec::new();
    if info.version == 1 && !info.extensions.is_empty() {
        out.push(
            "a version 1 certificate with extensions: only version 3 may have them (RFC 5280); GnuTLS refuses to read it".into(),
        );
    }
    if info.version != 3 {
        out.push(format!(
            "a version {} certificate: rustls refuses any but version 3 (UnsupportedCertVersion), and RFC 5280 wants version 3 for extensions",
            info.version
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for extension in &info.extensions {
        if !seen.insert(extension.oid.as_str()) {
            out.push(format!(
                "the extension {} ({}) appears twice: RFC 5280 forbids it, and rustls and GnuTLS refuse the certificate",
                extension.oid, extension.name
            ));
        }
    }
    if info.serial.trim_start_matches('0').is_empty() {
        out.push("serial number 0: RFC 5280 wants a positive serial; some clients refuse it".into());
    } else if info.serial_negative {
        out.push("a negative serial number: RFC 5280 wants a positive one; some clients refuse it".into());
    } else if info.serial.len() > 40 {
        out.push(format!(
            "a serial number of {} bytes: RFC 5280 allows 20 at most; some clients refuse it",
            info.serial.len() / 2
        ));
    }
    if not_before > not_after {
        out.push(format!(
            "its dates are the wrong way round: valid from {} to {}, so it is valid at no time",
            info.not_before, info.not_after
        ));
    }
    for extension in info
        .extensions
        .iter()
        .filter(|e| e.critical && !WEBPKI_PROCESSES.contains(&e.oid.as_str()))
    {
        let name = if extension.name == extension::UNKNOWN {
            "an unknown extension"
        } else {
            extension.name
        };
        out.push(format!(
            "critical extension {} ({name}) that rustls does not process: rustls refuses the certificate (UnsupportedCriticalExtension)",
            extension.oid
        ));
    }
    out
}

fn warnings(info: &CertificateInfo, position: Position, now: i64, not_before: i64, not_after: i64) -> Vec<String> {
    let mut out = Vec::new();
    if now > not_after {
        out.push(format!("{}, on {}", x509::expiry(not_after - now), info.not_after));
    }
    if now < not_before {
        out.push(format!("not valid yet: valid from {}", info.not_before));
    }
    out.extend(crypto_warnings(info));
    out.extend(structure_warnings(info, not_before, not_after));
    let names_a_server = !info.san.dns.is_empty() || !info.san.ip.is_empty();
    let is_leaf = match position {
        Position::Leaf => true,
        Position::Issuer => false,
        Position::Alone => !info.is_ca || names_a_server || info.extended_key_usage.iter().any(|e| e == "serverAuth"),
    };
    if is_leaf && info.is_ca {
        out.push(
            "leaf certificate with CA:TRUE: TLS clients reject a CA certificate as a server's own (CaUsedAsEndEntity)"
                .into(),
        );
    }
    for dns in &info.san.dns {
        if dns.parse::<IpAddr>().is_ok() {
            out.push(format!(
                "{dns} is written as a DNS name: rustls, Python and GnuTLS only accept an IP address in an IP address SAN"
            ));
        }
    }
    let days = (not_after - not_before).div_euclid(86_400);
    if is_leaf && !info.is_ca && days > MAX_LEAF_DAYS {
        out.push(format!(
            "valid for {days} days: macOS and iOS refuse server certificates valid longer than {MAX_LEAF_DAYS} days"
        ));
    }
    out
}

/// Text in the layout of `certtool -i`, one certificate.
impl fmt::Display for CertificateInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let expiry = x509::expiry(self.expires_in_seconds);
        writeln!(f, "X.509 Certificate Information:")?;
        writeln!(f, "\tVersion: {}", self.version)?;
        writeln!(f, "\tSerial Number (hex): {}", self.serial)?;
        writeln!(f, "\tIssuer: {}", self.issuer)?;
        writeln!(f, "\tValidity:")?;
        writeln!(f, "\t\tNot Before: {}", self.not_before)?;
        writeln!(f, "\t\tNot After: {} ({expiry})", self.not_after)?;
        writeln!(f, "\tSubject: {}", self.subject)?;
        writeln!(f, "\tSubject Public Key Algorithm: {}", self.public_key)?;
        let mut text = String::new();
        self.public_key.write_numbers(&mut text, 2);
        // After the key, where RFC 5280 has them (and openssl shows them).
        for (label, id) in [("Issuer", &self.issuer_unique_id), ("Subject", &self.subject_unique_id)] {
            if let Some(id) = id {
                let _ = writeln!(text, "\t{label} Unique ID: {id}");
            }
        }
        // A v1 certificate has no extensions field, and a v3 one may have none: no section then, as
        // certtool does.
        if !self.extensions.is_empty() {
            text.push_str("\tExtensions:\n");
            for extension in &self.extensions {
                extension.write_text(&mut text, 2);
            }
        }
        let _ = writeln!(text, "\tSignature Algorithm: {}", self.signature_algorithm);
        if let Some(pss) = &self.signature_pss {
            let _ = writeln!(text, "\t\tRSA-PSS: {pss}");
        }
        text.push_str("\tSignature:\n");
        key::hex_block(&mut text, "\t\t", &self.signature);
        f.write_str(&text)?;
        writeln!(f, "Other Information:")?;
        writeln!(f, "\tFingerprint:")?;
        writeln!(f, "\t\tsha1:{}", self.fingerprint_sha1)?;
        writeln!(f, "\t\tsha256:{}", self.fingerprint_sha256)?;
        writeln!(f, "\tPublic Key ID:")?;
        writeln!(f, "\t\tsha1:{}", self.public_key_id_sha1)?;
        writeln!(f, "\t\tsha256:{}", self.public_key_id_sha256)?;
        writeln!(f, "\tPublic Key PIN:")?;
        writeln!(f, "\t\tpin-sha256:{}", self.pin_sha256)?;
        if self.warnings.is_empty() {
            writeln!(f, "\tWarnings: none")?;
        } else {
            writeln!(f, "\tWarnings:")?;
            for warning in &self.warnings {
                writeln!(f, "\t\t{warning}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes that are not a certificate, from inspect, are the crate's own error: a bad input (exit 2).
    #[test]
    fn a_parse_error_is_an_error_of_the_crate() {
        let not_a_certificate = CertificateDer::from(vec![0x30, 0x03, 0x02, 0x01, 0x00]);
        let err: crate::Error = inspect(&not_a_certificate, Position::Alone)
            .expect_err("not a certificate")
            .into();
        assert!(matches!(err, crate::Error::NotACertificate { .. }), "{err:?}");
        assert!(err.to_string().starts_with("not a valid X.509 certificate: "), "{err}");
        assert!(err.is_input_problem());
    }

    #[test]
    fn serial_drops_sign_padding_only() {
        assert_eq!(serial_hex(&[0x00, 0x9a, 0x01]), "9a01");
        assert_eq!(serial_hex(&[0x01, 0x00]), "0100");
        assert_eq!(serial_hex(&[0x00]), "00");
    }

    /// The JSON's day count and the text's agree: 3 days and 20 seconds past the end is -3 and "EXPIRED
    /// 3 days ago", 6 days and 23 hours before it is 6 and "expires in 6 days".
    #[test]
    fn days_are_counted_as_the_text_says_them() {
        let ca = crate::generate::CertificateAuthority::new("Days CA", crate::generate::Validity::days_from_now(30))
            .expect("CA");
        let (_, not_after) = x509::validity_unix(&ca.issued.cert).expect("dates");
        for (now, days, text) in [
            (not_after + 3 * 86_400 + 20, -3, "EXPIRED 3 days ago"),
            (not_after - 7 * 86_400 + 3_600, 6, "expires in 6 days"),
        ] {
            let info = inspect_at(&ca.issued.cert, Position::Alone, now).expect("a certificate");
            assert_eq!(info.expires_in_days, days);
            assert_eq!(x509::expiry(info.expires_in_seconds), text);
        }
    }
}
