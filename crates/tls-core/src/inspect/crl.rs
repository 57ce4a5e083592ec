//! A certificate revocation list: its issuer, dates, number, every revoked serial with its date and
//! reason, and whether its signature verifies against a CA the user gives.

use std::fmt::{self, Write as _};

use rustls_pki_types::CertificateDer;
use serde::Serialize;
use x509_parser::revocation_list::CertificateRevocationList;

use super::extension::{self, Extension, ExtensionValue};
use super::{ParseError, hex, key, serial_hex, signature_algorithm};
use crate::x509;

/// Everything `tls-cert inspect` shows about a CRL; field names are the JSON keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CrlInfo {
    /// 2 for a CRL with extensions (v2), 1 otherwise.
    pub version: u32,
    /// The CA that issued it, RFC 4514.
    pub issuer: String,
    /// thisUpdate, RFC 3339.
    pub this_update: String,
    /// nextUpdate, RFC 3339: a client may use the list until then.
    pub next_update: Option<String>,
    /// Seconds from now until nextUpdate; negative once the list is out of date.
    pub next_update_in_seconds: Option<i64>,
    /// The CRL number (decimal), when it has one.
    pub crl_number: Option<String>,
    /// The list's extensions, in its order.
    pub extensions: Vec<Extension>,
    /// Every revoked certificate, in the list's order.
    pub revoked: Vec<Revoked>,
    /// The signature algorithm, as openssl names it.
    pub signature_algorithm: String,
    /// The signature, lowercase hex.
    pub signature: String,
    /// Whether the signature verifies against the CAs given; absent when none were given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature_check: Option<SignatureCheck>,
    /// Problems, in words (out of date, not valid yet, signed by another CA).
    pub warnings: Vec<String>,
}

/// One revoked certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Revoked {
    /// Its serial number, lowercase hex.
    pub serial: String,
    /// When it was revoked, RFC 3339.
    pub date: String,
    /// The reason's RFC name (`keyCompromise`), when the entry gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    /// The entry's extensions (reason, invalidity date, ...), in its order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extensions: Vec<Extension>,
}

/// The outcome of checking a CRL's signature against given CA certificates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignatureCheck {
    /// Whether one of them verifies it.
    pub verified: bool,
    /// In words: which CA verified it, or why none did.
    pub detail: String,
}

/// Reads a DER CRL; its signature is checked against `cas` when there are any, its dates against `now`
/// (seconds since the Unix epoch).
///
/// # Errors
/// [`ParseError`] when the bytes are not a CRL.
pub fn read_crl(der: &[u8], cas: &[CertificateDer<'_>], now: i64) -> Result<CrlInfo, ParseError> {
    let (_, crl) = x509_parser::parse_x509_crl(der).map_err(|err| ParseError(err.to_string()))?;
    let extensions = extension::read_all(crl.extensions());
    let crl_number = extensions.iter().find_map(|e| match &e.value {
        ExtensionValue::CrlNumber { number, .. } => Some(number.clone()),
        _ => None,
    });
    let revoked = crl
        .iter_revoked_certificates()
        .map(|entry| Revoked {
            serial: serial_hex(entry.raw_serial()),
            date: x509::unix_to_rfc3339(entry.revocation_date.timestamp()),
            reason: entry.reason_code().map(|(_, code)| extension::reason_name(code.0)),
            extensions: extension::read_all(entry.extensions()),
        })
        .collect();
    let next = crl.next_update().map(|t| t.timestamp());
    let mut info = CrlInfo {
        version: crl.version().map_or(1, |v| v.0 + 1),
        issuer: x509::dn_string(crl.issuer()),
        this_update: x509::unix_to_rfc3339(crl.last_update().timestamp()),
        next_update: next.map(x509::unix_to_rfc3339),
        next_update_in_seconds: next.map(|t| t.saturating_sub(now)),
        crl_number,
        extensions,
        revoked,
        signature_algorithm: signature_algorithm(&crl.signature_algorithm),
        signature: hex(&crl.signature_value.data),
        signature_check: (!cas.is_empty()).then(|| check_signature(&crl, cas)),
        warnings: Vec::new(),
    };
    info.warnings = warnings(&info, crl.last_update().timestamp(), now);
    Ok(info)
}

fn check_signature(crl: &CertificateRevocationList<'_>, cas: &[CertificateDer<'_>]) -> SignatureCheck {
    let issuer = crl.issuer().as_raw();
    let mut same_name = Vec::new();
    for ca in cas {
        let Ok((_, cert)) = x509_parser::parse_x509_certificate(ca) else {
            continue;
        };
        if cert.subject().as_raw() != issuer {
            continue;
        }
        let signer = x509::dn_string(cert.subject());
        let key = key::read(cert.public_key());
        match super::signature_outcome(crl.verify_signature(cert.public_key()), &crl.signature_algorithm, &key) {
            (Some(true), _) => {
                // RFC 5280: a CRL's signer is a CA (basicConstraints CA:TRUE) allowed to sign CRLs.
                let is_ca = cert.basic_constraints().ok().flatten().is_some_and(|bc| bc.value.ca);
                let may_sign = cert.key_usage().ok().flatten().is_none_or(|ku| ku.value.crl_sign());
                if !is_ca || !may_sign {
                    return SignatureCheck {
                        verified: false,
                        detail: format!(
                            "the signature is {signer}'s, but {signer} may not sign CRLs ({}): clients refuse it",
                            if is_ca {
                                "its key usage lacks cRLSign"
                            } else {
                                "it is not a CA"
                            }
                        ),
                    };
                }
                return SignatureCheck {
                    verified: true,
                    detail: format!("verified with the key of {signer}"),
                };
            }
            (None, why) => {
                return SignatureCheck {
                    verified: false,
                    detail: format!("not checked: {}", why.unwrap_or_default()),
                };
            }
            (Some(false), _) => {}
        }
        same_name.push(x509::dn_string(cert.subject()));
    }
    let names: Vec<String> = cas.iter().map(x509::subject).collect();
    SignatureCheck {
        verified: false,
        detail: if same_name.is_empty() {
            format!(
                "no CA given is its issuer {} (given: {}); give the CA that issued the CRL",
                x509::dn_string(crl.issuer()),
                names.join("; ")
            )
        } else {
            format!(
                "does NOT verify with the key of {}: the CRL was changed, or signed by another CA of the same name",
                same_name.join("; ")
            )
        },
    }
}

fn warnings(info: &CrlInfo, this_update: i64, now: i64) -> Vec<String> {
    let mut out = Vec::new();
    match info.next_update_in_seconds {
        Some(left) if left < 0 => out.push(format!(
            "out of date since {} ({} ago): clients that check revocation refuse it; the CA must publish a new one",
            info.next_update.as_deref().unwrap_or("?"),
            x509::span(left)
        )),
        None => out.push("no nextUpdate: RFC 5280 requires one, and clients cannot tell when it is stale".into()),
        _ => {}
    }
    if this_update > now {
        out.push(format!("not valid yet: issued for {}", info.this_update));
    }
    if let Some(check) = info.signature_check.as_ref().filter(|c| !c.verified) {
        out.push(format!("signature check failed: {}", check.detail));
    }
    out
}

/// Text in the layout of `certtool --crl-info`.
impl fmt::Display for CrlInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::from("X.509 Certificate Revocation List Information:\n");
        let _ = writeln!(text, "\tVersion: {}", self.version);
        let _ = writeln!(text, "\tIssuer: {}", self.issuer);
        text.push_str("\tUpdate dates:\n");
        let _ = writeln!(text, "\t\tIssued: {}", self.this_update);
        match (&self.next_update, self.next_update_in_seconds) {
            (Some(next), Some(left)) if left < 0 => {
                let _ = writeln!(text, "\t\tNext at: {next} (OUT OF DATE {} ago)", x509::span(left));
            }
            (Some(next), Some(left)) => {
                let _ = writeln!(text, "\t\tNext at: {next} (in {})", x509::span(left));
            }
            _ => text.push_str("\t\tNext at: none given\n"),
        }
        if !self.extensions.is_empty() {
            text.push_str("\tExtensions:\n");
            for extension in &self.extensions {
                extension.write_text(&mut text, 2);
            }
        }
        let _ = writeln!(text, "\tRevoked certificates ({}):", self.revoked.len());
        for entry in &self.revoked {
            let _ = writeln!(text, "\t\tSerial Number (hex): {}", entry.serial);
            let _ = writeln!(text, "\t\tRevoked at: {}", entry.date);
            for extension in &entry.extensions {
                extension.write_text(&mut text, 3);
            }
        }
        let _ = writeln!(text, "\tSignature Algorithm: {}", self.signature_algorithm);
        text.push_str("\tSignature:\n");
        key::hex_block(&mut text, "\t\t", &self.signature);
        if let Some(check) = &self.signature_check {
            let _ = writeln!(
                text,
                "\tSignature check: {}",
                if check.verified { &check.detail } else { "FAILED" }
            );
        }
        if self.warnings.is_empty() {
            text.push_str("\tWarnings: none\n");
        } else {
            text.push_str("\tWarnings:\n");
            for warning in &self.warnings {
                let _ = writeln!(text, "\t\t{warning}");
            }
        }
        f.write_str(&text)
    }
}
