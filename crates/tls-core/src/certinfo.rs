//! Reading the few certificate fields that messages and the session log need: subject, issuer, names
//! and validity. x509-parser does the parsing; unparsable input gives placeholder text, never a panic,
//! because these strings only ever decorate another message.

use std::net::IpAddr;

use rustls_pki_types::CertificateDer;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;
use x509_parser::time::ASN1Time;

use crate::inspect::dn_string;

fn with_cert<T>(der: &CertificateDer<'_>, fallback: T, f: impl FnOnce(&X509Certificate<'_>) -> T) -> T {
    match x509_parser::parse_x509_certificate(der) {
        Ok((_, cert)) => f(&cert),
        Err(_) => fallback,
    }
}

fn name_or_placeholder(name: String) -> String {
    if name.is_empty() {
        "(empty subject)".into()
    } else {
        name
    }
}

/// The subject as `CN=…, O=…`, or a placeholder when the certificate does not parse.
pub fn subject(der: &CertificateDer<'_>) -> String {
    with_cert(der, "(unparsable certificate)".into(), |c| {
        name_or_placeholder(c.subject().to_string())
    })
}

/// The issuer as `CN=…, O=…`, or a placeholder when the certificate does not parse.
pub fn issuer(der: &CertificateDer<'_>) -> String {
    with_cert(der, "(unparsable certificate)".into(), |c| {
        name_or_placeholder(c.issuer().to_string())
    })
}

/// A distinguished name given as the contents of its DER SEQUENCE (as webpki trust anchors hold it),
/// as `CN=…, O=…`.
pub fn name_from_der_contents(contents: &[u8]) -> Option<String> {
    use x509_parser::prelude::FromDer;
    let mut der = vec![0x30];
    let len = contents.len();
    if len < 0x80 {
        der.push(len as u8);
    } else {
        let bytes: Vec<u8> = len.to_be_bytes().into_iter().skip_while(|b| *b == 0).collect();
        der.push(0x80 | bytes.len() as u8);
        der.extend(bytes);
    }
    der.extend_from_slice(contents);
    x509_parser::x509::X509Name::from_der(&der)
        .ok()
        .map(|(_, name)| name_or_placeholder(dn_string(&name)))
}

/// Whether subject and issuer are the same name (a root, or a self-signed leaf).
pub fn is_self_issued(der: &CertificateDer<'_>) -> bool {
    with_cert(der, false, |c| c.subject().as_raw() == c.issuer().as_raw())
}

/// The subject alternative names as "DNS localhost", "IP 127.0.0.1", "email a@b", "URI …".
pub fn alt_names(der: &CertificateDer<'_>) -> Vec<String> {
    with_cert(der, Vec::new(), |c| {
        let Ok(Some(san)) = c.subject_alternative_name() else {
            return Vec::new();
        };
        san.value
            .general_names
            .iter()
            .filter_map(|name| match name {
                GeneralName::DNSName(n) => Some(format!("DNS {n}")),
                GeneralName::IPAddress(bytes) => ip_from_bytes(bytes).map(|ip| format!("IP {ip}")),
                GeneralName::RFC822Name(n) => Some(format!("email {n}")),
                GeneralName::URI(n) => Some(format!("URI {n}")),
                _ => None,
            })
            .collect()
    })
}

fn ip_from_bytes(bytes: &[u8]) -> Option<IpAddr> {
    match bytes.len() {
        4 => <[u8; 4]>::try_from(bytes).ok().map(IpAddr::from),
        16 => <[u8; 16]>::try_from(bytes).ok().map(IpAddr::from),
        _ => None,
    }
}

/// Not-before and not-after as RFC 3339 strings, when the certificate parses.
pub fn validity(der: &CertificateDer<'_>) -> Option<(String, String)> {
    with_cert(der, None, |c| {
        let v = c.validity();
        Some((rfc3339(&v.not_before), rfc3339(&v.not_after)))
    })
}

fn rfc3339(t: &ASN1Time) -> String {
    unix_to_rfc3339(t.timestamp())
}

/// Formats seconds since the Unix epoch as RFC 3339 in UTC, such as `2026-11-24T23:59:59Z`.
pub fn unix_to_rfc3339(secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| format!("{secs} s after 1970"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_matches_known_instants() {
        assert_eq!(unix_to_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(unix_to_rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(unix_to_rfc3339(1_795_564_799), "2026-11-24T23:59:59Z");
        assert_eq!(unix_to_rfc3339(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn garbage_gives_placeholders_not_panics() {
        let der = CertificateDer::from(vec![0x30, 0x03, 0x01, 0x01, 0xff]);
        assert_eq!(subject(&der), "(unparsable certificate)");
        assert!(alt_names(&der).is_empty());
        assert!(validity(&der).is_none());
    }
}
