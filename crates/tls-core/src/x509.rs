//! Reading the few certificate fields that messages and the session log need: subject, issuer, names
//! and validity. x509-parser does the parsing; unparsable input gives placeholder text, never a panic,
//! because these strings only ever decorate another message.

use std::net::IpAddr;

use rustls_pki_types::CertificateDer;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;
use x509_parser::time::ASN1Time;

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

/// The subject as `CN=…,O=…` (RFC 4514, the most specific part first), or a placeholder when the certificate does not parse.
pub fn subject(der: &CertificateDer<'_>) -> String {
    with_cert(der, "(unparsable certificate)".into(), |c| {
        name_or_placeholder(dn_string(c.subject()))
    })
}

/// The issuer as `CN=…,O=…` (RFC 4514, the most specific part first), or a placeholder when the certificate does not parse.
pub fn issuer(der: &CertificateDer<'_>) -> String {
    with_cert(der, "(unparsable certificate)".into(), |c| {
        name_or_placeholder(dn_string(c.issuer()))
    })
}

/// The one rendering of a distinguished name everywhere (messages, logs, inspect, the page): RFC 4514,
/// as `openssl x509 -nameopt RFC2253` prints it. Relative names from the most specific (last) to the first, `,` between them, `+` inside a
/// multi-valued one, special characters escaped.
pub(crate) fn dn_string(name: &x509_parser::x509::X509Name<'_>) -> String {
    let mut rdns: Vec<String> = name.iter_rdn().map(rdn_string).collect();
    // X.509 stores the least specific first; RFC 4514 writes the most specific first.
    rdns.reverse();
    rdns.join(",")
}

/// One relative distinguished name, RFC 4514: its attributes `TYPE=value`, `+` between them.
pub(crate) fn rdn_string(rdn: &x509_parser::x509::RelativeDistinguishedName<'_>) -> String {
    rdn.iter()
        .map(|attr| {
            let Ok(key) = x509_parser::objects::oid2abbrev(attr.attr_type(), x509_parser::objects::oid_registry())
            else {
                // RFC 4514 2.4: a type written as a dotted OID has its value as #hex of its DER.
                return format!(
                    "{}=#{}",
                    attr.attr_type().to_id_string(),
                    value_der_hex(attr.attr_value())
                );
            };
            let value = match attr
                .as_str()
                .map(str::to_owned)
                .or_else(|_| wide_string(attr.attr_value()))
            {
                Ok(text) => escape_dn_value(&text),
                // RFC 4514 2.4: the value's whole DER, tag and length included.
                Err(()) => format!("#{}", value_der_hex(attr.attr_value())),
            };
            format!("{key}={value}")
        })
        .collect::<Vec<_>>()
        .join("+")
}

/// An attribute value's whole DER (tag, length, contents) in hex, for RFC 4514's `#` form.
fn value_der_hex(value: &x509_parser::der_parser::asn1_rs::Any<'_>) -> String {
    hex(&der_element(value.tag().0 as u8, value.data))
}

/// Lowercase hex, no separators.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// A BMPString (UTF-16), UniversalString (UTF-32) or T61String (Latin-1) value as text: x509-parser reads only the 8-bit
/// string types, and a name such as `CN=日本語` made by a Windows CA would otherwise show as hex.
fn wide_string(value: &x509_parser::der_parser::asn1_rs::Any<'_>) -> Result<String, ()> {
    let bytes = value.data;
    match value.tag().0 {
        30 => bmp_text(bytes).ok_or(()),
        // T61String: read as Latin-1, as OpenSSL does.
        20 => Ok(bytes.iter().map(|&b| char::from(b)).collect()),
        28 => universal_text(bytes).ok_or(()),
        _ => Err(()),
    }
}

/// A BMPString's contents (UTF-16, big-endian) as text, when they are valid.
pub(crate) fn bmp_text(bytes: &[u8]) -> Option<String> {
    if bytes.len() % 2 != 0 {
        return None;
    }
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|p| u16::from_be_bytes([p[0], p[1]]))
        .collect();
    String::from_utf16(&units).ok()
}

/// A UniversalString's contents (UTF-32, big-endian) as text, when they are valid.
pub(crate) fn universal_text(bytes: &[u8]) -> Option<String> {
    if bytes.len() % 4 != 0 {
        return None;
    }
    bytes
        .chunks_exact(4)
        .map(|q| char::from_u32(u32::from_be_bytes([q[0], q[1], q[2], q[3]])))
        .collect()
}

fn escape_dn_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for (i, c) in value.chars().enumerate() {
        let at_edge = i == 0 && (c == ' ' || c == '#') || i + 1 == value.chars().count() && c == ' ';
        if c.is_control() {
            // RFC 4514's \XX: a name can hold any byte, and printed raw a newline or an escape sequence
            // would forge lines of our output.
            for byte in c.to_string().bytes() {
                out.push_str(&format!("\\{byte:02X}"));
            }
            continue;
        }
        if at_edge || matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `text` with every control character (newline, escape, NUL, ...) written as `\XX`, the way names
/// escape them (RFC 4514), for values from a file or a peer printed on a terminal: they cannot start a
/// line of their own or recolour one.
pub fn visible(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            for byte in c.to_string().bytes() {
                out.push_str(&format!("\\{byte:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// What a parser's error means, in words: x509-parser's own (`Parsing Error: Der(UnexpectedTag {
/// expected: Some(Tag(16)), actual: Tag(6) })`) are tokens a person cannot act on.
pub(crate) fn parse_failure(err: &dyn std::fmt::Display) -> String {
    let token = err.to_string();
    let said = [
        ("InvalidDate", "a date that is not a valid date"),
        ("InvalidVersion", "a version number it cannot have"),
        ("InvalidSerial", "a serial number that is not a valid INTEGER"),
        ("InvalidExtensions", "extensions that do not decode"),
        ("InvalidSignatureValue", "a signature field that does not decode"),
        (
            "UnexpectedTag",
            "DER that does not have the structure of this kind of file",
        ),
        ("Incomplete", "DER cut short"),
    ];
    said.iter().find(|(key, _)| token.contains(key)).map_or_else(
        || "DER that does not decode as this kind of file".into(),
        |(_, words)| (*words).into(),
    )
}

/// `contents` wrapped in a DER element with `tag`.
pub(crate) fn der_element(tag: u8, contents: &[u8]) -> Vec<u8> {
    let mut der = vec![tag];
    let len = contents.len();
    if len < 0x80 {
        der.push(len as u8);
    } else {
        let bytes: Vec<u8> = len.to_be_bytes().into_iter().skip_while(|b| *b == 0).collect();
        der.push(0x80 | bytes.len() as u8);
        der.extend(bytes);
    }
    der.extend_from_slice(contents);
    der
}

/// A DER distinguished name as `CN=…, O=…`.
pub fn name_from_der(der: &[u8]) -> Option<String> {
    use x509_parser::prelude::FromDer;
    x509_parser::x509::X509Name::from_der(der)
        .ok()
        .map(|(_, name)| name_or_placeholder(dn_string(&name)))
}

/// A distinguished name given as the contents of its DER SEQUENCE (as webpki trust anchors hold it),
/// as `CN=…, O=…`.
pub fn name_from_der_contents(contents: &[u8]) -> Option<String> {
    name_from_der(&anchor_name(contents))
}

/// A trust anchor's subject and SubjectPublicKeyInfo (each as the contents of its SEQUENCE, as webpki
/// holds them) as whole DER elements, the form [`signed_by`] takes.
pub fn anchor_name_and_key(subject: &[u8], spki: &[u8]) -> (Vec<u8>, Vec<u8>) {
    (anchor_name(subject), der_element(0x30, spki))
}

/// A trust anchor's subject (the contents of its SEQUENCE) as a whole DER Name, comparable with a
/// certificate's issuer ([`issuer_der`]).
pub fn anchor_name(subject: &[u8]) -> Vec<u8> {
    der_element(0x30, subject)
}

/// A trust anchor's subject (the contents of its SEQUENCE), RFC 4514 as [`subject`] writes it.
pub(crate) fn anchor_subject(subject: &[u8]) -> String {
    use x509_parser::prelude::FromDer as _;
    let name = anchor_name(subject);
    x509_parser::x509::X509Name::from_der(&name)
        .map_or_else(|_| "(an unreadable name)".to_owned(), |(_, name)| dn_string(&name))
}

/// Whether basicConstraints says CA:TRUE.
pub fn is_ca(der: &CertificateDer<'_>) -> bool {
    with_cert(der, false, |c| {
        c.basic_constraints().ok().flatten().is_some_and(|bc| bc.value.ca)
    })
}

/// Whether subject and issuer are the same name (a root, or a self-signed leaf).
pub fn is_self_issued(der: &CertificateDer<'_>) -> bool {
    with_cert(der, false, |c| c.subject().as_raw() == c.issuer().as_raw())
}

/// The subject name of `cert` as DER.
pub(crate) fn subject_der(cert: &CertificateDer<'_>) -> Option<Vec<u8>> {
    with_cert(cert, None, |c| Some(c.subject().as_raw().to_vec()))
}

/// The issuer name of `cert` as DER.
pub fn issuer_der(cert: &CertificateDer<'_>) -> Option<Vec<u8>> {
    with_cert(cert, None, |c| Some(c.issuer().as_raw().to_vec()))
}

/// Whether `ca` issued `cert`: its subject is `cert`'s issuer and its key verifies `cert`'s signature
/// (two CAs may share a name, so the name alone does not tell).
pub fn issued(ca: &CertificateDer<'_>, cert: &CertificateDer<'_>) -> bool {
    with_cert(ca, false, |ca| {
        signed_by(cert, ca.subject().as_raw(), ca.public_key().raw)
    })
}

/// The intermediates of a chain in the order of the path up from `leaf`, by their index in
/// `intermediates`: each the one that signed the certificate before it (the one merely named as its
/// issuer when none did). Those that issued none of them are left out: a duplicate, a stray
/// certificate, another branch.
pub fn path_order(leaf: &CertificateDer<'_>, intermediates: &[CertificateDer<'_>]) -> Vec<usize> {
    // Names are compared first (read once each); signatures only among the CAs of the right name.
    let subjects: Vec<Option<Vec<u8>>> = intermediates.iter().map(subject_der).collect();
    let mut path: Vec<usize> = Vec::new();
    let mut current = leaf;
    while !is_self_issued(current) {
        let issuer = issuer_der(current);
        let named: Vec<usize> = (0..intermediates.len())
            .filter(|at| !path.contains(at) && issuer.is_some() && subjects[*at] == issuer)
            .collect();
        let next = named
            .iter()
            .copied()
            .find(|&at| issued(&intermediates[at], current))
            .or(named.first().copied());
        let Some(next) = next else { break };
        path.push(next);
        current = &intermediates[next];
    }
    path
}

/// Whether `cert` names `issuer` (a DER Name) as its issuer and its signature verifies with `spki` (a
/// DER SubjectPublicKeyInfo).
pub fn signed_by(cert: &CertificateDer<'_>, issuer: &[u8], spki: &[u8]) -> bool {
    use x509_parser::prelude::FromDer;
    let Ok((_, key)) = x509_parser::x509::SubjectPublicKeyInfo::from_der(spki) else {
        return false;
    };
    with_cert(cert, false, |cert| {
        cert.issuer().as_raw() == issuer && cert.verify_signature(Some(&key)).is_ok()
    })
}

/// A serial number's bytes without the leading zeros DER adds to keep it positive (one stays for 0).
pub fn serial_number(raw: &[u8]) -> &[u8] {
    let first = raw
        .iter()
        .position(|byte| *byte != 0)
        .unwrap_or(raw.len().saturating_sub(1));
    &raw[first..]
}

/// The serial number in lowercase hex, as `tls-cert inspect` writes it.
pub fn serial_hex(der: &CertificateDer<'_>) -> String {
    with_cert(der, String::new(), |cert| hex(serial_number(cert.raw_serial())))
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

/// Whether the certificate's subject alternative names hold `name` as webpki matches them: a DNS name
/// equal but for case, or under a wildcard `*.` that stands for exactly one label; an IP address equal.
/// The common name is not looked at, as no current client does.
pub fn holds_name(der: &CertificateDer<'_>, name: &rustls_pki_types::ServerName<'_>) -> bool {
    with_cert(der, false, |c| {
        let Ok(Some(san)) = c.subject_alternative_name() else {
            return false;
        };
        san.value.general_names.iter().any(|general| match (general, name) {
            (GeneralName::DNSName(held), rustls_pki_types::ServerName::DnsName(asked)) => {
                let (held, asked) = (held.to_ascii_lowercase(), asked.as_ref().to_ascii_lowercase());
                match held.strip_prefix("*.") {
                    Some(suffix) => asked
                        .split_once('.')
                        .is_some_and(|(label, rest)| !label.is_empty() && rest == suffix),
                    None => held.trim_end_matches('.') == asked.trim_end_matches('.'),
                }
            }
            (GeneralName::IPAddress(bytes), rustls_pki_types::ServerName::IpAddress(asked)) => {
                ip_from_bytes(bytes) == Some(IpAddr::from(*asked))
            }
            _ => false,
        })
    })
}

/// An IPv4 or IPv6 address from its 4 or 16 bytes.
pub(crate) fn ip_from_bytes(bytes: &[u8]) -> Option<IpAddr> {
    match bytes.len() {
        4 => <[u8; 4]>::try_from(bytes).ok().map(IpAddr::from),
        16 => <[u8; 16]>::try_from(bytes).ok().map(IpAddr::from),
        _ => None,
    }
}

/// Not-before and not-after in seconds since the Unix epoch, when the certificate parses.
pub fn validity_unix(der: &CertificateDer<'_>) -> Option<(i64, i64)> {
    with_cert(der, None, |c| {
        let v = c.validity();
        Some((v.not_before.timestamp(), v.not_after.timestamp()))
    })
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

/// A span of time in its largest whole unit: `1 second`, `5 minutes`, `1 hour`, `3 days`; the sign is
/// ignored, so callers say "ago" or "in".
pub fn span(seconds: i64) -> String {
    let seconds = seconds.unsigned_abs();
    let (count, unit) = match seconds {
        0..60 => (seconds, "second"),
        60..3_600 => (seconds / 60, "minute"),
        3_600..86_400 => (seconds / 3_600, "hour"),
        _ => (seconds / 86_400, "day"),
    };
    let plural = if count == 1 { "" } else { "s" };
    format!("{count} {unit}{plural}")
}

/// `EXPIRED 2 hours ago` or `expires in 3 days`, for a certificate whose end is `left` seconds away.
pub fn expiry(left: i64) -> String {
    if left < 0 {
        format!("EXPIRED {} ago", span(left))
    } else {
        format!("expires in {}", span(left))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dn_values_are_escaped_per_rfc4514() {
        assert_eq!(escape_dn_value("a\nfake: line\u{1b}[31m"), "a\\0Afake: line\\1B[31m");
        assert_eq!(visible("x\ny\u{0}"), "x\\0Ay\\00");
        assert_eq!(escape_dn_value("a,b+c"), "a\\,b\\+c");
        assert_eq!(escape_dn_value(" #x "), "\\ #x\\ ");
    }

    #[test]
    fn spans_count_in_their_largest_unit() {
        assert_eq!(span(0), "0 seconds");
        assert_eq!(span(1), "1 second");
        assert_eq!(span(-3_599), "59 minutes");
        assert_eq!(span(3_600), "1 hour");
        assert_eq!(span(-86_399), "23 hours");
        assert_eq!(span(2 * 86_400 + 5), "2 days");
        assert_eq!(expiry(-3_600), "EXPIRED 1 hour ago");
        assert_eq!(expiry(86_400), "expires in 1 day");
        assert_eq!(span(i64::MIN), "106751991167300 days");
    }

    #[test]
    fn rfc3339_matches_known_instants() {
        assert_eq!(unix_to_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(unix_to_rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(unix_to_rfc3339(1_795_564_799), "2026-11-24T23:59:59Z");
        assert_eq!(unix_to_rfc3339(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn names_match_as_webpki_matches_them() {
        let made =
            rcgen::generate_simple_self_signed(vec!["*.lab.example".into(), "Exact.Example".into(), "10.0.0.1".into()])
                .expect("rcgen");
        let der = made.cert.der();
        let name = |text: &str| rustls_pki_types::ServerName::try_from(text.to_owned()).expect("a name");
        for (asked, held) in [
            ("a.lab.example", true),
            ("A.LAB.EXAMPLE", true),
            ("lab.example", false),
            ("a.b.lab.example", false),
            ("exact.example", true),
            ("10.0.0.1", true),
            ("10.0.0.2", false),
        ] {
            assert_eq!(holds_name(der, &name(asked)), held, "{asked}");
        }
    }

    #[test]
    fn garbage_gives_placeholders_not_panics() {
        let der = CertificateDer::from(vec![0x30, 0x03, 0x01, 0x01, 0xff]);
        assert_eq!(subject(&der), "(unparsable certificate)");
        assert!(alt_names(&der).is_empty());
        assert!(validity(&der).is_none());
    }
}
