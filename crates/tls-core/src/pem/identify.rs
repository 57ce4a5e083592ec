//! What a file handed to `tls-cert inspect` holds: certificates, a CSR, a CRL, a PKCS#12 or a PKCS#7
//! bundle, told apart by PEM label or by DER structure. A file that holds none of these is named for what
//! it is (its PEM labels, or its first bytes), because a wrong guess costs a student an hour.

use std::path::Path;

use rustls_pki_types::CertificateDer;
use x509_parser::prelude::FromDer;

use crate::error::{Error, Hint, LoadProblem, Material, Result};
use crate::inspect::der;
use crate::remedy::Remedy;

/// One thing in a file, in the file's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// Certificates: a chain (consecutive CERTIFICATE blocks or a DER certificate), the first the leaf.
    Certificates(Vec<CertificateDer<'static>>),
    /// A PKCS#7 bundle (`.p7b`): its certificates, in the bundle's order (not necessarily a chain), and
    /// its CRLs (DER).
    Pkcs7 {
        /// The certificates.
        certificates: Vec<CertificateDer<'static>>,
        /// The CRLs.
        crls: Vec<Vec<u8>>,
    },
    /// A certificate with OpenSSL's trust settings (a `TRUSTED CERTIFICATE` block).
    Trusted {
        /// The certificate alone.
        certificate: CertificateDer<'static>,
        /// What OpenSSL is told to trust it for.
        settings: TrustSettings,
    },
    /// A certificate signing request, DER.
    Request(Vec<u8>),
    /// A certificate revocation list, DER.
    Crl(Vec<u8>),
    /// A PKCS#12 file, DER: it needs its password to be read.
    Pkcs12(Vec<u8>),
    /// A PEM block beside the others that inspect does not show (a private key, say): its label and
    /// the line it starts at.
    NotShown {
        /// The block's label.
        label: String,
        /// 1-based line of its BEGIN line.
        line: usize,
    },
}

/// OpenSSL's trust settings for a certificate (its `X509_CERT_AUX`): not part of the certificate, read
/// only by OpenSSL.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct TrustSettings {
    /// Purposes it is trusted for, by their RFC names (`serverAuth`) or OID.
    pub trusted: Vec<String>,
    /// Purposes it is refused for.
    pub rejected: Vec<String>,
    /// Its alias (friendly name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
}

fn trust_settings(aux: &[u8]) -> std::result::Result<TrustSettings, String> {
    let unreadable = || "its trust settings do not decode".to_owned();
    let (_, sequence) = der::element(aux).ok_or_else(unreadable)?;
    let mut settings = TrustSettings::default();
    let purposes = |content: &[u8]| -> Option<Vec<String>> {
        der::elements(content)?
            .iter()
            .map(|oid| der::oid_text(oid).map(|text| purpose_name(&text)))
            .collect()
    };
    for field in der::elements(sequence.content).ok_or_else(unreadable)? {
        match field.tag {
            0x30 => settings.trusted = purposes(field.content).ok_or_else(unreadable)?,
            0xa0 => settings.rejected = purposes(field.content).ok_or_else(unreadable)?,
            0x0c => settings.alias = Some(String::from_utf8_lossy(field.content).into_owned()),
            _ => {}
        }
    }
    Ok(settings)
}

fn purpose_name(oid: &str) -> String {
    match oid {
        "1.3.6.1.5.5.7.3.1" => "serverAuth",
        "1.3.6.1.5.5.7.3.2" => "clientAuth",
        "1.3.6.1.5.5.7.3.3" => "codeSigning",
        "1.3.6.1.5.5.7.3.4" => "emailProtection",
        "1.3.6.1.5.5.7.3.8" => "timeStamping",
        "1.3.6.1.5.5.7.3.9" => "OCSPSigning",
        "2.5.29.37.0" => "anyExtendedKeyUsage",
        other => return other.to_owned(),
    }
    .to_owned()
}

/// Labels a PEM certificate block has.
const CERTIFICATE_LABELS: [&str; 3] = ["CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"];
const REQUEST_LABELS: [&str; 2] = ["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"];
const WANTED: &str = "certificate, CSR (CERTIFICATE REQUEST), CRL (X509 CRL), PKCS#7 or PKCS#12";

/// Tells what `bytes` (the contents of `name`) hold.
///
/// # Errors
/// [`Error::Load`] naming the file when it holds nothing inspect reads, saying what it does hold (its PEM
/// labels, a private key, or its first bytes), or when a block of a known kind does not parse.
pub fn identify(name: &Path, bytes: &[u8]) -> Result<Vec<Item>> {
    let fail = |problem| Error::Load {
        what: Material::Inspectable,
        path: name.to_owned(),
        problem,
    };
    let Some(blocks) = super::labeled_blocks(name, bytes)? else {
        return identify_der(bytes).map(|item| vec![item]).map_err(fail);
    };
    let mut items: Vec<Item> = Vec::new();
    let mut others = Vec::new();
    for block in &blocks {
        let label = block.label.as_str();
        let bad = |detail: String| {
            fail(LoadProblem::Unparsable {
                label: label.to_owned(),
                line: block.line,
                detail,
            })
        };
        if CERTIFICATE_LABELS.contains(&label) {
            let (rest, _) =
                x509_parser::parse_x509_certificate(&block.der).map_err(|e| bad(crate::x509::parse_failure(&e)))?;
            // The certificate alone: OpenSSL's TRUSTED CERTIFICATE appends its trust settings, which
            // are no part of the certificate (nor of its fingerprint).
            let der = CertificateDer::from(block.der[..block.der.len() - rest.len()].to_vec());
            if label == "TRUSTED CERTIFICATE" && !rest.is_empty() {
                items.push(Item::Trusted {
                    certificate: der,
                    settings: trust_settings(rest).map_err(bad)?,
                });
                continue;
            }
            match items.last_mut() {
                Some(Item::Certificates(chain)) => chain.push(der),
                _ => items.push(Item::Certificates(vec![der])),
            }
        } else if REQUEST_LABELS.contains(&label) {
            x509_parser::certification_request::X509CertificationRequest::from_der(&block.der)
                .map_err(|e| bad(crate::x509::parse_failure(&e)))?;
            items.push(Item::Request(block.der.clone()));
        } else if label == "X509 CRL" {
            x509_parser::parse_x509_crl(&block.der).map_err(|e| bad(crate::x509::parse_failure(&e)))?;
            items.push(Item::Crl(block.der.clone()));
        } else if label == "PKCS7" || label == "CMS" {
            items.push(pkcs7(&block.der).map_err(bad)?);
        } else if label == "PKCS12" {
            items.push(Item::Pkcs12(block.der.clone()));
        } else {
            // Keys and other blocks beside certificates (HAProxy's combined PEM) are named, not shown.
            others.push((block.label.clone(), block.line));
        }
    }
    if !items.is_empty() {
        items.extend(others.into_iter().map(|(label, line)| Item::NotShown { label, line }));
    }
    if items.is_empty() {
        let labels: Vec<&str> = blocks.iter().map(|b| b.label.as_str()).collect();
        return Err(fail(LoadProblem::NotFound {
            wanted: WANTED,
            found: super::summarize(labels.iter().copied()),
            hint: hint_for(&labels),
        }));
    }
    Ok(items)
}

fn identify_der(bytes: &[u8]) -> std::result::Result<Item, LoadProblem> {
    if x509_parser::parse_x509_certificate(bytes).is_ok_and(|(rest, _)| rest.is_empty()) {
        return Ok(Item::Certificates(vec![CertificateDer::from(bytes.to_vec())]));
    }
    if x509_parser::certification_request::X509CertificationRequest::from_der(bytes).is_ok() {
        return Ok(Item::Request(bytes.to_vec()));
    }
    if x509_parser::parse_x509_crl(bytes).is_ok() {
        return Ok(Item::Crl(bytes.to_vec()));
    }
    if der::is_pfx(bytes) {
        return Ok(Item::Pkcs12(bytes.to_vec()));
    }
    if let Some((oid, _)) = der::content_info(bytes) {
        return pkcs7(bytes).map_err(|detail| LoadProblem::NotFound {
            wanted: WANTED,
            found: format!("a DER ContentInfo of type {oid}: {detail}"),
            hint: Hint::None,
        });
    }
    let whole = der::element(bytes).is_some_and(|(rest, _)| rest.is_empty());
    let found = if whole && rustls_pki_types::PrivateKeyDer::try_from(bytes).is_ok() {
        return Err(LoadProblem::NotFound {
            wanted: WANTED,
            found: "a DER private key".into(),
            hint: KEY_HINT,
        });
    } else if let Some((rest, whole)) = der::element(bytes) {
        let extra = if rest.is_empty() {
            String::new()
        } else {
            format!(" and {} bytes after it", rest.len())
        };
        format!(
            "bytes that are neither PEM nor DER of these kinds: a DER element of {} bytes (tag 0x{:02x}){extra}",
            whole.whole.len(),
            whole.tag
        )
    } else if let Some(announced) = cut_short(bytes) {
        format!(
            "a DER structure cut short: it announces {announced} bytes and the file has {} (an interrupted download or copy?)",
            bytes.len()
        )
    } else if std::str::from_utf8(bytes).is_ok() {
        let first: String = String::from_utf8_lossy(bytes).chars().take(24).collect();
        format!("text with no -----BEGIN line, starting {first:?}")
    } else {
        let first: Vec<String> = bytes.iter().take(8).map(|b| format!("{b:02x}")).collect();
        format!(
            "{} bytes that are neither PEM nor DER, starting {}",
            bytes.len(),
            first.join(" ")
        )
    };
    Err(LoadProblem::NotFound {
        wanted: WANTED,
        found,
        hint: Hint::None,
    })
}

fn pkcs7(der: &[u8]) -> std::result::Result<Item, String> {
    let (certificates, crls) = der::pkcs7_contents(der)?;
    for (i, cert) in certificates.iter().enumerate() {
        x509_parser::parse_x509_certificate(cert)
            .map_err(|e| format!("its certificate #{} is not valid X.509 ({e})", i + 1))?;
    }
    for (i, crl) in crls.iter().enumerate() {
        x509_parser::parse_x509_crl(crl).map_err(|e| format!("its CRL #{} does not parse ({e})", i + 1))?;
    }
    Ok(Item::Pkcs7 {
        certificates: certificates.into_iter().map(CertificateDer::from).collect(),
        crls,
    })
}

/// The length a DER SEQUENCE at the start of `bytes` announces, when it is more than the file holds.
fn cut_short(bytes: &[u8]) -> Option<usize> {
    let (&tag, rest) = bytes.split_first()?;
    let (&first, rest) = rest.split_first()?;
    if tag != 0x30 || !(0x81..=0x84).contains(&first) {
        return None;
    }
    let count = usize::from(first & 0x7f);
    let length = rest
        .get(..count)?
        .iter()
        .fold(0usize, |n, &b| (n << 8) | usize::from(b));
    let announced = 2 + count + length;
    (announced > bytes.len()).then_some(announced)
}

const KEY_HINT: Hint = Hint::Do(Remedy::MatchKey);

fn hint_for(labels: &[&str]) -> Hint {
    if labels.iter().any(|l| l.contains("PRIVATE KEY")) {
        KEY_HINT
    } else if labels.contains(&"PUBLIC KEY") {
        Hint::Says("a public key alone has no certificate fields; inspect the certificate it came from")
    } else {
        Hint::None
    }
}
