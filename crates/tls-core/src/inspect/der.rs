//! A minimal DER reader (tag, length, contents) for the few structures x509-parser does not read for us:
//! telling PKCS#7 and PKCS#12 files apart, a PKCS#7 bundle's certificates, a PKCS#8 key's algorithm. Every
//! length is checked against what is there; nothing is trusted.

/// One DER element.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tlv<'a> {
    /// The tag byte (one-byte tags only: every structure read here uses them).
    pub(crate) tag: u8,
    /// The contents.
    pub(crate) content: &'a [u8],
    /// The whole element, tag and length included.
    pub(crate) whole: &'a [u8],
}

/// The first element of `input` and what follows it, or `None` when it is not a whole definite-length
/// DER element.
pub(crate) fn element(input: &[u8]) -> Option<(&[u8], Tlv<'_>)> {
    let (&tag, rest) = input.split_first()?;
    if tag & 0x1f == 0x1f {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    let (length, rest) = match first {
        0..=0x7f => (usize::from(first), rest),
        0x81..=0x84 => {
            let count = usize::from(first & 0x7f);
            if rest.len() < count {
                return None;
            }
            let (bytes, rest) = rest.split_at(count);
            (bytes.iter().fold(0usize, |n, &b| (n << 8) | usize::from(b)), rest)
        }
        // Indefinite lengths (BER) and lengths over 4 GiB are not DER files we read.
        _ => return None,
    };
    if rest.len() < length {
        return None;
    }
    let (content, after) = rest.split_at(length);
    let header = input.len() - rest.len();
    Some((
        after,
        Tlv {
            tag,
            content,
            whole: &input[..header + length],
        },
    ))
}

/// Every element of `content`, which must be whole elements and nothing else.
pub(crate) fn elements(mut content: &[u8]) -> Option<Vec<Tlv<'_>>> {
    let mut out = Vec::new();
    while !content.is_empty() {
        let (rest, item) = element(content)?;
        out.push(item);
        content = rest;
    }
    Some(out)
}

/// An OBJECT IDENTIFIER element as dotted text.
pub(crate) fn oid_text(item: &Tlv<'_>) -> Option<String> {
    if item.tag != 0x06 || item.content.is_empty() {
        return None;
    }
    let mut arcs: Vec<u64> = Vec::new();
    let mut value: u64 = 0;
    for &byte in item.content {
        value = value.checked_mul(128)? | u64::from(byte & 0x7f);
        if byte & 0x80 == 0 {
            arcs.push(value);
            value = 0;
        }
    }
    if item.content.last()? & 0x80 != 0 {
        return None;
    }
    let first = arcs.first().copied()?;
    let (a, b) = match first {
        0..40 => (0, first),
        40..80 => (1, first - 40),
        _ => (2, first - 80),
    };
    let mut text = format!("{a}.{b}");
    for arc in &arcs[1..] {
        text.push_str(&format!(".{arc}"));
    }
    Some(text)
}

/// The content type OID of a ContentInfo (PKCS#7 / CMS) or of a PFX's authSafe, and the content's
/// elements: `None` when `der` is not such a structure.
pub(crate) fn content_info(der: &[u8]) -> Option<(String, Tlv<'_>)> {
    let (rest, outer) = element(der)?;
    if !rest.is_empty() || outer.tag != 0x30 {
        return None;
    }
    let items = elements(outer.content)?;
    let oid = oid_text(items.first()?)?;
    Some((oid, *items.get(1)?))
}

/// PKCS#7 signedData.
pub(crate) const OID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
/// PKCS#7 data.
pub(crate) const OID_DATA: &str = "1.2.840.113549.1.7.1";

/// Whether `der` is a PFX (PKCS#12): SEQUENCE { INTEGER 3, ContentInfo of data, ... }.
pub(crate) fn is_pfx(der: &[u8]) -> bool {
    let pfx = || -> Option<bool> {
        let (rest, outer) = element(der)?;
        if !rest.is_empty() || outer.tag != 0x30 {
            return None;
        }
        let items = elements(outer.content)?;
        let version = items.first()?;
        let (oid, _) = content_info(items.get(1)?.whole)?;
        Some(version.tag == 0x02 && version.content == [3] && oid == OID_DATA)
    };
    pfx().unwrap_or(false)
}

/// What a PKCS#7 bundle carries: its certificates and its CRLs, each DER, each in the bundle's order.
pub(crate) type Bundle = (Vec<Vec<u8>>, Vec<Vec<u8>>);

/// The certificates and CRLs of a PKCS#7 (CMS) signedData bundle (`.p7b`), each in its order.
pub(crate) fn pkcs7_contents(der: &[u8]) -> Result<Bundle, String> {
    let (oid, explicit) = content_info(der).ok_or("not a PKCS#7 ContentInfo")?;
    if oid != OID_SIGNED_DATA {
        return Err(format!(
            "a PKCS#7 ContentInfo of type {oid}, not signedData (a certificate bundle)"
        ));
    }
    let (_, signed) = element(explicit.content).ok_or("its signedData does not decode")?;
    let fields = elements(signed.content).ok_or("its signedData does not decode")?;
    // version, digestAlgorithms, encapContentInfo, then certificates [0] and crls [1] IMPLICIT when
    // present.
    let field = |tag: u8| -> Result<Vec<Vec<u8>>, String> {
        let Some(set) = fields.iter().skip(3).find(|f| f.tag == tag) else {
            return Ok(Vec::new());
        };
        let items = elements(set.content).ok_or("its certificates or CRLs do not decode")?;
        Ok(items
            .iter()
            .filter(|c| c.tag == 0x30)
            .map(|c| c.whole.to_vec())
            .collect())
    };
    Ok((field(0xa0)?, field(0xa1)?))
}

/// The largest iteration count a PKCS#12 file asks for: every INTEGER that follows an OCTET STRING (a
/// salt) in a SEQUENCE, as in MacData and in PBKDF2 and PKCS#12 PBE parameters, searched through
/// constructed elements and through OCTET STRINGs that hold DER, to a bounded depth. A file that asks
/// for billions of iterations would keep a reader busy for hours; this lets it be refused first.
#[cfg(feature = "pkcs12")]
pub(crate) fn largest_iteration_count(der: &[u8]) -> u64 {
    fn walk(input: &[u8], depth: u8, largest: &mut u64) {
        let Some(items) = elements(input) else {
            return;
        };
        for pair in items.windows(2) {
            if pair[0].tag == 0x04 && pair[1].tag == 0x02 {
                let value = super::key::unsigned(pair[1].content);
                let count = if value.len() > 8 {
                    u64::MAX
                } else {
                    value.iter().fold(0u64, |n, &b| (n << 8) | u64::from(b))
                };
                *largest = (*largest).max(count);
            }
        }
        if depth == 0 {
            return;
        }
        for item in items {
            if item.tag & 0x20 != 0 || item.tag == 0x04 {
                walk(item.content, depth - 1, largest);
            }
        }
    }
    let mut largest = 0;
    walk(der, 16, &mut largest);
    largest
}

/// A certificate's SubjectPublicKeyInfo as its AlgorithmIdentifier's contents (what rustls'
/// `public_key_alg_id` gives) and the key's bytes (the BIT STRING without its unused-bits byte).
pub(crate) fn spki_parts(cert: &[u8]) -> Option<(&[u8], &[u8])> {
    let (_, certificate) = element(cert)?;
    let (_, tbs) = element(certificate.content)?;
    let fields = elements(tbs.content)?;
    // version [0] is optional: the SubjectPublicKeyInfo is the sixth field with it, the fifth without.
    let at = if fields.first()?.tag == 0xa0 { 6 } else { 5 };
    let spki = fields.get(at)?;
    let parts = elements(spki.content)?;
    let key = parts.get(1).filter(|bits| bits.tag == 0x03)?.content.get(1..)?;
    Some((parts.first()?.content, key))
}

/// An RSA private key's public half, modulus and exponent (unsigned, big-endian), from PKCS#1
/// (`pkcs1`) or PKCS#8 DER; `None` for another kind of key. The private numbers are not read.
pub(crate) fn rsa_public_numbers(der: &[u8], pkcs1: bool) -> Option<(Vec<u8>, Vec<u8>)> {
    let rsa_key = if pkcs1 {
        der
    } else {
        let (_, info) = element(der)?;
        let items = elements(info.content)?;
        let (_, algorithm) = element(items.get(1)?.whole)?;
        let oid = oid_text(elements(algorithm.content)?.first()?)?;
        if oid != super::key::OID_RSA && oid != super::key::OID_RSA_PSS {
            return None;
        }
        items.get(2)?.content
    };
    let (_, sequence) = element(rsa_key)?;
    let fields = elements(sequence.content)?;
    let number = |i: usize| fields.get(i).map(|f| super::key::unsigned(f.content).to_vec());
    Some((number(1)?, number(2)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_past_the_end_are_refused() {
        assert!(element(&[0x30, 0x05, 0x01]).is_none());
        assert!(element(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).is_none());
        assert!(element(&[0x30, 0x80, 0x00, 0x00]).is_none(), "indefinite length");
        let (rest, tlv) = element(&[0x04, 0x81, 0x01, 0xaa, 0xbb]).expect("a long-form length");
        assert_eq!((tlv.tag, tlv.content, rest), (0x04, &[0xaa][..], &[0xbb][..]));
    }

    #[test]
    fn oids_read_as_dotted_text() {
        let oid = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
        let (_, tlv) = element(&oid).expect("an OID");
        assert_eq!(oid_text(&tlv).as_deref(), Some(OID_SIGNED_DATA));
        let (_, unfinished) = element(&[0x06, 0x01, 0x81]).expect("an element");
        assert_eq!(oid_text(&unfinished), None);
    }
}
