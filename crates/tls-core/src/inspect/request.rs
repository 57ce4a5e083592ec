//! A certificate signing request (PKCS#10): its subject, public key with numbers, the extensions it asks
//! for, its other attributes, and whether its signature verifies with its own key.

use std::fmt::{self, Write as _};

use aws_lc_rs::digest;
use serde::Serialize;
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::cri_attributes::ParsedCriAttribute;
use x509_parser::prelude::FromDer;

use super::extension::{self, Extension};
use super::key::{self, PublicKeyInfo};
use super::{ParseError, hex, pin_sha256_of_spki, signature_algorithm};
use crate::x509;

/// Everything `tls-cert inspect` shows about a CSR; field names are the JSON keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestInfo {
    /// The version as certtool shows it: 1 for the only version there is (field value 0).
    pub version: u32,
    /// The subject asked for, RFC 4514.
    pub subject: String,
    /// The public key to be certified.
    pub public_key: PublicKeyInfo,
    /// The extensions asked for (the extensionRequest attribute), in the request's order.
    pub extensions: Vec<Extension>,
    /// Every other attribute (a challenge password, say), by OID.
    pub attributes: Vec<RequestAttribute>,
    /// The signature algorithm, as openssl names it.
    pub signature_algorithm: String,
    /// Whether the signature verifies with the request's own key (proof that the requester holds the
    /// private key); `None` when it could not be checked here (an algorithm the crypto library lacks:
    /// Ed448, brainpool, DSA, some RSA-PSS parameters).
    pub signature_verified: Option<bool>,
    /// Why it does not verify, or why it was not checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature_error: Option<String>,
    /// SHA-1 over the SubjectPublicKeyInfo, lowercase hex.
    pub public_key_id_sha1: String,
    /// SHA-256 over the SubjectPublicKeyInfo, lowercase hex.
    pub public_key_id_sha256: String,
    /// base64 of SHA-256 over the SubjectPublicKeyInfo.
    pub pin_sha256: String,
}

/// A CSR attribute other than the extension request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestAttribute {
    /// Dotted OID.
    pub oid: String,
    /// Its name when known (`challengePassword`, `unstructuredName`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'static str>,
    /// The value when it is one string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The attribute's values (the SET), lowercase hex.
    pub hex: String,
}

const OID_EXTENSION_REQUEST: &str = "1.2.840.113549.1.9.14";

/// Reads a DER CSR.
///
/// # Errors
/// [`ParseError`] when the bytes are not a PKCS#10 request.
pub fn read_request(der: &[u8]) -> Result<RequestInfo, ParseError> {
    let (_, csr) = X509CertificationRequest::from_der(der).map_err(|err| ParseError(err.to_string()))?;
    let info = &csr.certification_request_info;
    let spki = info.subject_pki.raw;
    let mut extensions = Vec::new();
    let mut attributes = Vec::new();
    for attribute in info.attributes() {
        let oid = attribute.oid.to_id_string();
        match attribute.parsed_attribute() {
            ParsedCriAttribute::ExtensionRequest(request) if oid == OID_EXTENSION_REQUEST => {
                extensions.extend(extension::read_all(&request.extensions));
            }
            _ => attributes.push(RequestAttribute {
                name: match oid.as_str() {
                    "1.2.840.113549.1.9.7" => Some("challengePassword"),
                    "1.2.840.113549.1.9.2" => Some("unstructuredName"),
                    _ => None,
                },
                text: set_of_one_string(attribute.value),
                hex: hex(attribute.value),
                oid,
            }),
        }
    }
    let verified = super::signature_outcome(csr.verify_signature(), &csr.signature_algorithm);
    Ok(RequestInfo {
        version: info.version.0 + 1,
        subject: x509::dn_string(&info.subject),
        public_key: key::read(&info.subject_pki),
        extensions,
        attributes,
        signature_algorithm: signature_algorithm(&csr.signature_algorithm),
        signature_verified: verified.0,
        signature_error: verified.1,
        public_key_id_sha1: hex(digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, spki).as_ref()),
        public_key_id_sha256: hex(digest::digest(&digest::SHA256, spki).as_ref()),
        pin_sha256: pin_sha256_of_spki(spki),
    })
}

/// The string inside a SET holding one string, as attribute values are.
fn set_of_one_string(value: &[u8]) -> Option<String> {
    let (_, set) = x509_parser::der_parser::der::parse_der(value).ok()?;
    match &set.content {
        x509_parser::der_parser::ber::BerObjectContent::Set(items) if items.len() == 1 => {
            extension::string_of(&items[0])
        }
        _ => None,
    }
}

/// Text in the layout of `certtool --crq-info`.
impl fmt::Display for RequestInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::from("PKCS #10 Certificate Request Information:\n");
        let _ = writeln!(text, "\tVersion: {}", self.version);
        let _ = writeln!(text, "\tSubject: {}", self.subject);
        let _ = writeln!(text, "\tSubject Public Key Algorithm: {}", self.public_key);
        self.public_key.write_numbers(&mut text, 2);
        let _ = writeln!(text, "\tSignature Algorithm: {}", self.signature_algorithm);
        if !self.extensions.is_empty() || !self.attributes.is_empty() {
            text.push_str("\tAttributes:\n");
        }
        if !self.extensions.is_empty() {
            text.push_str("\t\tExtensions:\n");
            for extension in &self.extensions {
                extension.write_text(&mut text, 3);
            }
        }
        for attribute in &self.attributes {
            let name = attribute
                .name
                .map_or_else(|| attribute.oid.clone(), |n| format!("{n} ({})", attribute.oid));
            match &attribute.text {
                Some(value) => {
                    let _ = writeln!(text, "\t\t{name}: {value}");
                }
                None => {
                    let _ = writeln!(text, "\t\t{name}: {}", attribute.hex);
                }
            }
        }
        text.push_str("Other Information:\n\tPublic Key ID:\n");
        let _ = writeln!(text, "\t\tsha1:{}", self.public_key_id_sha1);
        let _ = writeln!(text, "\t\tsha256:{}", self.public_key_id_sha256);
        let _ = writeln!(text, "\tPublic Key PIN:\n\t\tpin-sha256:{}", self.pin_sha256);
        match (self.signature_verified, &self.signature_error) {
            (Some(true), _) => text.push_str("\nSelf signature: verified\n"),
            (None, why) => {
                let _ = writeln!(
                    text,
                    "\nSelf signature: not checked: {} (openssl req -verify checks it)",
                    why.as_deref().unwrap_or("not supported here")
                );
            }
            (Some(false), why) => {
                let why = why.as_deref().unwrap_or("it does not verify");
                let _ = writeln!(
                    text,
                    "\nSelf signature: FAILED ({why}): the request was changed after it was signed, or signed with another key"
                );
            }
        }
        f.write_str(&text)
    }
}
