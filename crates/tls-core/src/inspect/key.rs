//! A public key with its numbers: an RSA modulus and exponent, an EC curve and point, an EdDSA key's
//! bytes, and RSA-PSS parameters, laid out as `certtool -i` does (hex, 16 bytes a line).

use std::fmt::{self, Write as _};

use serde::Serialize;
use x509_parser::public_key::PublicKey;
use x509_parser::signature_algorithm::RsaSsaPssParams;
use x509_parser::x509::{AlgorithmIdentifier, SubjectPublicKeyInfo};

use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use super::hex;
use crate::error::{Error, Result};

/// The public key's algorithm, strength and numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicKeyInfo {
    /// `RSA`, `RSA-PSS`, `EC`, `Ed25519`, `Ed448`, `DSA`, or the dotted OID.
    pub algorithm: String,
    /// Modulus size, for RSA.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bits: Option<u32>,
    /// Curve, for EC keys (`P-256`, `brainpoolP256r1`, or the OID) and EdDSA (`Ed25519`, `Ed448`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub curve: Option<String>,
    /// RSA modulus, lowercase hex, without leading zero bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modulus: Option<String>,
    /// RSA public exponent, lowercase hex (`010001` is 65537).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exponent: Option<String>,
    /// EC point's X coordinate, lowercase hex (the curve's full width).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    /// EC point's Y coordinate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
    /// The key as its bytes, lowercase hex, where it is not a pair of numbers: an EdDSA key, a compressed
    /// EC point, a DSA key's Y, or a key of an algorithm not known here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// DSA domain parameters P, Q and G, lowercase hex (the key itself, Y, is `key`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dsa: Option<[String; 3]>,
    /// RSA-PSS parameters the key is restricted to, when the key says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pss: Option<PssParameters>,
}

/// RSASSA-PSS parameters (RFC 4055), with their defaults filled in as the RFC says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PssParameters {
    /// The hash (`sha256`).
    pub hash: String,
    /// The mask generation function's hash (`sha256`).
    pub mgf1_hash: String,
    /// The salt length in bytes.
    pub salt_length: u32,
}

const OID_EC: &str = "1.2.840.10045.2.1";
pub(super) const OID_RSA: &str = "1.2.840.113549.1.1.1";
pub(super) const OID_RSA_PSS: &str = "1.2.840.113549.1.1.10";
pub(super) const OID_ED25519: &str = "1.3.101.112";
pub(super) const OID_ED448: &str = "1.3.101.113";
const OID_DSA: &str = "1.2.840.10040.4.1";

/// Reads the key of a SubjectPublicKeyInfo.
pub(crate) fn read(spki: &SubjectPublicKeyInfo<'_>) -> PublicKeyInfo {
    let oid = spki.algorithm.algorithm.to_id_string();
    let mut info = PublicKeyInfo {
        algorithm: oid.clone(),
        bits: None,
        curve: None,
        modulus: None,
        exponent: None,
        x: None,
        y: None,
        key: None,
        dsa: None,
        pss: None,
    };
    let bytes = &spki.subject_public_key.data;
    match oid.as_str() {
        OID_RSA | OID_RSA_PSS => {
            info.algorithm = if oid == OID_RSA { "RSA" } else { "RSA-PSS" }.into();
            // x509-parser reads rsaEncryption keys only; an RSA-PSS key holds the same RSAPublicKey.
            use x509_parser::prelude::FromDer;
            match x509_parser::public_key::RSAPublicKey::from_der(bytes) {
                Ok((_, rsa)) => {
                    let modulus = unsigned(rsa.modulus);
                    info.bits = Some(unsigned_bits(modulus));
                    info.modulus = Some(hex(modulus));
                    info.exponent = Some(hex(unsigned(rsa.exponent)));
                }
                Err(_) => info.key = Some(hex(bytes)),
            }
            if oid == OID_RSA_PSS {
                info.pss = spki
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|p| RsaSsaPssParams::try_from(p).ok().map(|params| pss_parameters(&params)));
            }
        }
        OID_EC => {
            info.algorithm = "EC".into();
            info.curve = Some(curve(&spki.algorithm));
            match spki.parsed() {
                // An uncompressed point: 04, X, Y.
                Ok(PublicKey::EC(point)) if point.data().first() == Some(&4) && point.data().len() % 2 == 1 => {
                    let (x, y) = point.data()[1..].split_at(point.data().len() / 2);
                    info.x = Some(hex(x));
                    info.y = Some(hex(y));
                }
                _ => info.key = Some(hex(bytes)),
            }
        }
        OID_ED25519 | OID_ED448 => {
            let name = if oid == OID_ED25519 { "Ed25519" } else { "Ed448" };
            info.algorithm = name.into();
            info.curve = Some(name.into());
            info.key = Some(hex(bytes));
        }
        "1.3.101.110" | "1.3.101.111" => {
            // X25519 and X448 keys agree on keys and sign nothing: no TLS server certificate holds one.
            info.algorithm = if oid == "1.3.101.110" { "X25519" } else { "X448" }.into();
            info.key = Some(hex(bytes));
        }
        OID_DSA => {
            info.algorithm = "DSA".into();
            info.dsa = spki.algorithm.parameters.as_ref().and_then(|p| {
                let numbers = super::der::elements(p.data)?;
                let hex_of = |i: usize| numbers.get(i).map(|n| hex(unsigned(n.content)));
                Some([hex_of(0)?, hex_of(1)?, hex_of(2)?])
            });
            info.key = Some(match spki.parsed() {
                Ok(PublicKey::DSA(y)) => hex(unsigned(y)),
                _ => hex(bytes),
            });
        }
        _ => info.key = Some(hex(bytes)),
    }
    info
}

/// Why a verifier cannot use the key of `spki` (a whole DER SubjectPublicKeyInfo) to check signatures,
/// in words (`RSA 1024 bits, under the 2048 bits rustls accepts`), or `None` for a key it can use.
pub(crate) fn refused(spki: &[u8]) -> Option<String> {
    use x509_parser::prelude::FromDer as _;
    let Ok((_, parsed)) = SubjectPublicKeyInfo::from_der(spki) else {
        return Some("a key that cannot be read".into());
    };
    let info = read(&parsed);
    match (info.algorithm.as_str(), info.bits, info.curve.as_deref()) {
        ("RSA" | "RSA-PSS", Some(bits), _) if bits < 2048 => {
            Some(format!("{info}, under the 2048 bits rustls accepts"))
        }
        ("RSA" | "RSA-PSS", None, _) => Some("an RSA key that cannot be read".into()),
        ("EC", _, Some("P-256" | "P-384" | "P-521")) | ("Ed25519", ..) | ("RSA" | "RSA-PSS", ..) => None,
        ("EC", _, Some("explicit parameters")) => Some(
            "an EC key whose curve is spelled out (explicit parameters) instead of named, which the verifier does not accept"
                .into(),
        ),
        ("EC", _, Some(curve)) => Some(format!("an EC key on {curve}, which the verifier does not accept")),
        (algorithm, ..) => Some(format!("a {algorithm} key, which the verifier does not accept")),
    }
}

/// The curve of an EC key by name (`P-256`, `brainpoolP384r1`), its OID when it has no name here, or
/// `explicit parameters` when the key spells out its curve (RFC 5480 forbids that; no TLS client takes it).
fn curve(algorithm: &AlgorithmIdentifier<'_>) -> String {
    let Some(parameters) = &algorithm.parameters else {
        return "(no curve given)".into();
    };
    // A curve given by OID; anything else (a SEQUENCE) spells the curve out.
    let oid = match parameters.as_oid() {
        Ok(oid) if parameters.tag().0 == 6 => oid,
        _ => return "explicit parameters".into(),
    };
    let oid = oid.to_id_string();
    match oid.as_str() {
        "1.2.840.10045.3.1.7" => "P-256",
        "1.3.132.0.34" => "P-384",
        "1.3.132.0.35" => "P-521",
        "1.3.132.0.33" => "P-224",
        "1.2.840.10045.3.1.1" => "P-192",
        "1.3.132.0.10" => "secp256k1",
        "1.3.36.3.3.2.8.1.1.7" => "brainpoolP256r1",
        "1.3.36.3.3.2.8.1.1.11" => "brainpoolP384r1",
        "1.3.36.3.3.2.8.1.1.13" => "brainpoolP512r1",
        "1.2.156.10197.1.301" => "SM2",
        _ => return oid,
    }
    .into()
}

/// RSA-PSS parameters, with RFC 4055's defaults (SHA-1, MGF1 with SHA-1, 20 bytes) where absent.
pub(super) fn pss_parameters(params: &RsaSsaPssParams<'_>) -> PssParameters {
    let hash = hash_name(&params.hash_algorithm_oid().to_id_string());
    let mgf1_hash = params
        .mask_gen_algorithm()
        .map_or_else(|_| "(unreadable)".into(), |mgf| hash_name(&mgf.hash.to_id_string()));
    PssParameters {
        hash,
        mgf1_hash,
        salt_length: params.salt_length(),
    }
}

fn hash_name(oid: &str) -> String {
    match oid {
        "1.3.14.3.2.26" => "sha1",
        "2.16.840.1.101.3.4.2.4" => "sha224",
        "2.16.840.1.101.3.4.2.1" => "sha256",
        "2.16.840.1.101.3.4.2.2" => "sha384",
        "2.16.840.1.101.3.4.2.3" => "sha512",
        _ => return oid.to_owned(),
    }
    .into()
}

/// A DER INTEGER's bytes as an unsigned number: its sign-padding zero bytes dropped (one zero kept for 0).
pub(super) fn unsigned(bytes: &[u8]) -> &[u8] {
    let first = bytes
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(bytes.len().saturating_sub(1));
    &bytes[first..]
}

/// Bits in a big-endian unsigned integer, leading zeros not counted.
pub(super) fn unsigned_bits(bytes: &[u8]) -> u32 {
    let Some(first) = bytes.iter().position(|&b| b != 0) else {
        return 0;
    };
    (bytes.len() - first) as u32 * 8 - bytes[first].leading_zeros()
}

/// Hex bytes as certtool and openssl show them: colon-separated, 16 bytes a line, each line behind
/// `indent`.
pub(super) fn hex_block(out: &mut String, indent: &str, hex: &str) {
    for line in hex.as_bytes().chunks(32) {
        let pairs: Vec<&str> = line.chunks(2).filter_map(|p| std::str::from_utf8(p).ok()).collect();
        let _ = writeln!(out, "{indent}{}", pairs.join(":"));
    }
}

impl PublicKeyInfo {
    /// The key's numbers in certtool's layout, each heading at `depth` tabs and its bytes one deeper.
    pub(super) fn write_numbers(&self, out: &mut String, depth: usize) {
        let tabs = "\t".repeat(depth);
        let inner = format!("{tabs}\t");
        if let (Some(modulus), Some(bits)) = (&self.modulus, self.bits) {
            let _ = writeln!(out, "{tabs}Modulus (bits {bits}):");
            // As a DER INTEGER, the way certtool and openssl print it: a zero byte before a high bit.
            let signed = if modulus.as_bytes().first().is_some_and(|c| *c >= b'8') {
                format!("00{modulus}")
            } else {
                modulus.clone()
            };
            hex_block(out, &inner, &signed);
        }
        if let Some(exponent) = &self.exponent {
            match u64::from_str_radix(exponent, 16) {
                Ok(value) => {
                    let _ = writeln!(out, "{tabs}Exponent: {value} (0x{value:x})");
                }
                Err(_) => {
                    let _ = writeln!(out, "{tabs}Exponent:");
                    hex_block(out, &inner, exponent);
                }
            }
        }
        if let Some(pss) = &self.pss {
            let _ = writeln!(out, "{tabs}Restricted to RSA-PSS: {pss}");
        }
        if let Some(curve) = &self.curve {
            let _ = writeln!(out, "{tabs}Curve: {curve}");
        }
        for (label, value) in [("X", &self.x), ("Y", &self.y)] {
            if let Some(value) = value {
                let _ = writeln!(out, "{tabs}{label}:");
                hex_block(out, &inner, value);
            }
        }
        if let Some(numbers) = &self.dsa {
            for (label, value) in ["P", "Q", "G"].iter().zip(numbers) {
                let _ = writeln!(out, "{tabs}{label}:");
                hex_block(out, &inner, value);
            }
        }
        if let Some(key) = &self.key {
            let _ = writeln!(out, "{tabs}{}:", if self.dsa.is_some() { "Y" } else { "Key" });
            hex_block(out, &inner, key);
        }
    }
}

impl fmt::Display for PssParameters {
    /// `hash sha256, MGF1 with sha256, salt 32 bytes`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "hash {}, MGF1 with {}, salt {} bytes",
            self.hash, self.mgf1_hash, self.salt_length
        )
    }
}

impl fmt::Display for PublicKeyInfo {
    /// `EC P-256`, `RSA 2048 bits`, `Ed25519`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.algorithm)?;
        match (&self.bits, &self.curve) {
            (Some(bits), _) => write!(f, " {bits} bits"),
            (None, Some(curve)) if curve != &self.algorithm => write!(f, " {curve}"),
            _ => Ok(()),
        }
    }
}

/// Whether `key` is the private key of `cert`: the public key derived from `key` is the certificate's.
/// Unlike `check_key_matches` (which builds what rustls serves with), the certificate is not judged:
/// a critical extension rustls does not process, say, does not stop the comparison.
///
/// # Errors
/// [`Error::Config`] when the crypto library cannot load the key (an RSA key under 2048 bits, an
/// unsupported algorithm).
pub fn key_belongs_to(cert: &CertificateDer<'_>, key: &PrivateKeyDer<'static>) -> Result<bool> {
    // An RSA key is compared by its modulus and exponent, which it holds: this works for keys the
    // crypto library refuses to load (under 2048 bits), which a student may well hold.
    let pkcs1 = matches!(key, PrivateKeyDer::Pkcs1(_));
    if let Some((modulus, exponent)) = super::der::rsa_public_numbers(key.secret_der(), pkcs1) {
        let Ok(info) = super::inspect(cert, super::Position::Alone) else {
            return Ok(false);
        };
        return Ok(info.public_key.modulus == Some(hex(&modulus)) && info.public_key.exponent == Some(hex(&exponent)));
    }
    let signing = crate::crypto::provider()
        .key_provider
        .load_private_key(key.clone_key())
        .map_err(|cause| Error::Config { side: "server", cause })?;
    let public = signing.public_key().ok_or_else(|| Error::Config {
        side: "server",
        cause: rustls::Error::General("the crypto library gives no public key for this key".into()),
    })?;
    let Ok((_, parsed)) = x509_parser::parse_x509_certificate(cert) else {
        return Ok(false);
    };
    // The key itself (the point, the EdDSA bytes), not the whole SubjectPublicKeyInfo: a certificate
    // may spell its curve out (explicit parameters) where the derived key names it.
    use x509_parser::prelude::FromDer;
    let Ok((_, derived)) = SubjectPublicKeyInfo::from_der(public.as_ref()) else {
        return Ok(false);
    };
    Ok(parsed.public_key().subject_public_key.data == derived.subject_public_key.data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modulus_bits_ignore_leading_zeros() {
        assert_eq!(unsigned_bits(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(unsigned_bits(&[0x01, 0xff]), 9);
        assert_eq!(unsigned(&[0x00, 0x9a, 0x01]), &[0x9a, 0x01]);
        assert_eq!(unsigned(&[0x00]), &[0x00]);
    }

    #[test]
    fn hex_blocks_are_sixteen_bytes_a_line() {
        let mut out = String::new();
        hex_block(&mut out, "\t", &"ab".repeat(17));
        assert_eq!(out, format!("\t{}\n\tab\n", ["ab"; 16].join(":")));
    }
}
