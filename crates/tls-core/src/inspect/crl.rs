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
    /// The reason's number (RFC 5280 5.3.1), when the entry gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason_code: Option<u64>,
    /// Its RFC name (`keyCompromise`), when the entry gives a reason RFC 5280 defines.
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
    let revoked = crl.iter_revoked_certificates().map(revoked).collect();
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
    info.warnings.extend(structure_warnings(&info, crl.version().is_none()));
    Ok(info)
}

/// One entry of a CRL, read.
pub(crate) fn revoked(entry: &x509_parser::revocation_list::RevokedCertificate<'_>) -> Revoked {
    let extensions = extension::read_all(entry.extensions());
    let (reason_code, reason) = extensions
        .iter()
        .find_map(|e| match e.value {
            ExtensionValue::ReasonCode { code, reason } => Some((Some(code), reason)),
            _ => None,
        })
        .unwrap_or((None, None));
    Revoked {
        serial: serial_hex(entry.raw_serial()),
        date: x509::unix_to_rfc3339(entry.revocation_date.timestamp()),
        reason_code,
        reason,
        extensions,
    }
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

/// What RFC 5280 says of the list's make-up: a serial listed twice, a version 1 list with
/// extensions, dates the wrong way round, a delta CRL read as if it were whole.
fn structure_warnings(info: &CrlInfo, version_1: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::with_capacity(info.revoked.len());
    let twice: Vec<&str> = info
        .revoked
        .iter()
        .filter(|entry| !seen.insert(entry.serial.as_str()))
        .map(|entry| entry.serial.as_str())
        .collect();
    if let Some(first) = twice.first() {
        out.push(format!(
            "{} serial{} listed more than once (the first: {first}): RFC 5280 lists each revoked certificate once",
            twice.len(),
            if twice.len() == 1 { "" } else { "s" }
        ));
    }
    let has_extensions = !info.extensions.is_empty() || info.revoked.iter().any(|e| !e.extensions.is_empty());
    if version_1 && has_extensions {
        out.push("a version 1 CRL with extensions: only version 2 may have them (RFC 5280 5.1.2.1)".into());
    }
    if info
        .next_update
        .as_deref()
        .is_some_and(|next| next < info.this_update.as_str())
    {
        out.push(format!(
            "its dates are the wrong way round: issued {} for use until {}",
            info.this_update,
            info.next_update.as_deref().unwrap_or("?")
        ));
    }
    if let Some(base) = info.extensions.iter().find(|e| e.oid == "2.5.29.27") {
        if let ExtensionValue::CrlNumber { number, .. } = &base.value {
            out.push(format!(
                "a delta CRL: it lists only what changed since CRL number {number}; a client needs that full CRL as well"
            ));
        }
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `contents` as one DER element with `tag`.
    fn der(tag: u8, contents: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        match contents.len() {
            n @ 0..0x80 => out.push(n as u8),
            n @ 0x80..0x100 => out.extend([0x81, n as u8]),
            n => out.extend([0x82, (n >> 8) as u8, n as u8]),
        }
        out.extend(contents);
        out
    }

    /// A CRL (unsigned: reading does not check signatures) whose entries are (serial, reason code).
    fn crl(entries: &[(u8, u8)], this_update: &str, next_update: &str, delta: Option<u8>) -> Vec<u8> {
        let ecdsa_sha256 = der(0x30, &der(0x06, &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]));
        let cn = [der(0x06, &[0x55, 0x04, 0x03]), der(0x0c, b"Test CA")].concat();
        let issuer = der(0x30, &der(0x31, &der(0x30, &cn)));
        let revoked: Vec<u8> = entries
            .iter()
            .flat_map(|&(serial, reason)| {
                let reason_ext = der(
                    0x30,
                    &[der(0x06, &[0x55, 0x1d, 0x15]), der(0x04, &der(0x0a, &[reason]))].concat(),
                );
                der(
                    0x30,
                    &[
                        der(0x02, &[serial]),
                        der(0x17, b"260101000000Z"),
                        der(0x30, &reason_ext),
                    ]
                    .concat(),
                )
            })
            .collect();
        let mut tbs = [
            der(0x02, &[1]),
            ecdsa_sha256.clone(),
            issuer,
            der(0x17, this_update.as_bytes()),
            der(0x17, next_update.as_bytes()),
            der(0x30, &revoked),
        ]
        .concat();
        if let Some(base) = delta {
            let indicator = der(
                0x30,
                &[
                    der(0x06, &[0x55, 0x1d, 0x1b]),
                    der(0x01, &[0xff]),
                    der(0x04, &der(0x02, &[base])),
                ]
                .concat(),
            );
            tbs.extend(der(0xa0, &der(0x30, &indicator)));
        }
        let signature = der(0x03, &[0x00, 0x30, 0x00]);
        der(0x30, &[der(0x30, &tbs), ecdsa_sha256, signature].concat())
    }

    #[test]
    fn every_reason_code_twice_listed_serials_and_delta_crls_are_said() {
        let now = 1_767_225_600; // 2026-01-01T00:00:00Z
        let info = read_crl(
            &crl(&[(1, 1), (2, 99), (1, 7)], "251231000000Z", "260131000000Z", Some(41)),
            &[],
            now,
        )
        .expect("a CRL");
        let reasons: Vec<(Option<u64>, Option<&str>)> =
            info.revoked.iter().map(|r| (r.reason_code, r.reason)).collect();
        assert_eq!(
            reasons,
            [(Some(1), Some("keyCompromise")), (Some(99), None), (Some(7), None)]
        );
        assert!(
            info.to_string().contains("99 (not a reason RFC 5280 defines)"),
            "{info}"
        );
        let warnings = info.warnings.join("\n");
        assert!(
            warnings.contains("1 serial listed more than once (the first: 01)"),
            "{warnings}"
        );
        assert!(
            warnings.contains("a delta CRL: it lists only what changed since CRL number 41"),
            "{warnings}"
        );
        assert!(!warnings.contains("wrong way round"), "{warnings}");

        let inverted = read_crl(&crl(&[], "260131000000Z", "251231000000Z", None), &[], now).expect("a CRL");
        assert!(
            inverted
                .warnings
                .iter()
                .any(|w| w.starts_with("its dates are the wrong way round")),
            "{:?}",
            inverted.warnings
        );
    }
}
