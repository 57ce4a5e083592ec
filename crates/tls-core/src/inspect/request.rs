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
    /// Every other attribute (a challenge password, say), by OID, in the request's order.
    pub attributes: Vec<RequestAttribute>,
    /// Where the extension request stands among the attributes (how many come before it).
    #[serde(skip)]
    pub extensions_at: usize,
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
    /// The attribute's values (the SET's contents), lowercase hex.
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
    for attribute in info.attributes() {
        if let ParsedCriAttribute::ExtensionRequest(request) = attribute.parsed_attribute() {
            extensions.extend(extension::read_all(&request.extensions));
        }
    }
    // The other attributes are read from the request's own bytes: x509-parser keeps only the header
    // of an attribute it does not parse.
    let (attributes, extensions_at) = raw_attributes(info.raw);
    let public_key = key::read(&info.subject_pki);
    let verified = super::signature_outcome(csr.verify_signature(), &csr.signature_algorithm, &public_key);
    Ok(RequestInfo {
        version: info.version.0 + 1,
        subject: x509::dn_string(&info.subject),
        public_key,
        extensions,
        attributes,
        extensions_at,
        signature_algorithm: signature_algorithm(&csr.signature_algorithm),
        signature_verified: verified.0,
        signature_error: verified.1,
        public_key_id_sha1: hex(digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, spki).as_ref()),
        public_key_id_sha256: hex(digest::digest(&digest::SHA256, spki).as_ref()),
        pin_sha256: pin_sha256_of_spki(spki),
    })
}

/// The attributes of a CertificationRequestInfo other than the extension request, in order, and how
/// many of them come before the extension request.
fn raw_attributes(info: &[u8]) -> (Vec<RequestAttribute>, usize) {
    use super::der::{element, elements, oid_text};
    let listed = || -> Option<Vec<(String, &[u8])>> {
        let (_, sequence) = element(info)?;
        let fields = elements(sequence.content)?;
        let set = fields.iter().find(|f| f.tag == 0xa0)?;
        elements(set.content)?
            .iter()
            .map(|attribute| {
                let parts = elements(attribute.content)?;
                Some((oid_text(parts.first()?)?, parts.get(1)?.content))
            })
            .collect()
    };
    let mut attributes = Vec::new();
    let mut extensions_at = None;
    for (oid, values) in listed().unwrap_or_default() {
        if oid == OID_EXTENSION_REQUEST {
            extensions_at.get_or_insert(attributes.len());
            continue;
        }
        let text = match elements(values).as_deref() {
            Some([one]) => x509_parser::der_parser::der::parse_der(one.whole)
                .ok()
                .and_then(|(_, object)| extension::string_of(&object)),
            _ => None,
        };
        attributes.push(RequestAttribute {
            name: match oid.as_str() {
                "1.2.840.113549.1.9.7" => Some("challengePassword"),
                "1.2.840.113549.1.9.2" => Some("unstructuredName"),
                _ => None,
            },
            text,
            hex: hex(values),
            oid,
        });
    }
    let count = attributes.len();
    (attributes, extensions_at.unwrap_or(count))
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
        let attribute = |text: &mut String, attribute: &RequestAttribute| {
            let name = attribute
                .name
                .map_or_else(|| attribute.oid.clone(), |n| format!("{n} ({})", attribute.oid));
            let value = attribute
                .text
                .as_deref()
                .map_or_else(|| attribute.hex.clone(), |t| x509::visible(t).into_owned());
            let _ = writeln!(text, "\t\t{name}: {value}");
        };
        for a in &self.attributes[..self.extensions_at.min(self.attributes.len())] {
            attribute(&mut text, a);
        }
        if !self.extensions.is_empty() {
            text.push_str("\t\tExtensions:\n");
            for extension in &self.extensions {
                extension.write_text(&mut text, 3);
            }
        }
        for a in &self.attributes[self.extensions_at.min(self.attributes.len())..] {
            attribute(&mut text, a);
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
