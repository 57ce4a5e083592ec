//! A PKCS#12 (`.p12`, `.pfx`) file opened with its password: its certificates, and for each private key
//! its type and which certificate it belongs to. The key itself is never shown.

use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde::Serialize;

use super::der::{element, elements};

/// Real files use 2,048 (OpenSSL) to 600,000 (password managers) iterations of their key derivation.
const MOST_ITERATIONS: u64 = 10_000_000;

/// What a PKCS#12 file holds; field names are the JSON keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pkcs12Info {
    /// The certificates, in the file's order.
    #[serde(skip)]
    pub certificates: Vec<CertificateDer<'static>>,
    /// Each certificate's friendly name (alias), when it has one, by position.
    pub certificate_names: Vec<Option<String>>,
    /// The private keys: their type and the certificate each belongs to; never the key.
    pub keys: Vec<Pkcs12Key>,
    /// The integrity check (MAC): its hash and iteration count; `None` when the file has none.
    pub mac: Option<String>,
    /// The encryptions its parts use, in the file's order (`AES-256-CBC (PBES2)`, `RC2-40-CBC (legacy)`).
    pub encryptions: Vec<String>,
}

/// A private key held in a PKCS#12 file, described without its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pkcs12Key {
    /// `RSA 2048 bits`, `EC P-256`, `Ed25519`, or the algorithm's OID.
    pub kind: String,
    /// Its friendly name (alias), when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The position (0-based) of the certificate whose public key it is, when one is.
    pub certificate: Option<usize>,
}

/// Why a PKCS#12 file could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum Pkcs12Error {
    /// The password does not open it (its MAC does not verify, or a bag does not decrypt).
    #[error(
        "the password does not open it, or the file was changed after it was made (its integrity check fails with that password)"
    )]
    WrongPassword,
    /// A part does not decrypt with the password, in a file with no integrity check (MAC).
    #[error(
        "the password does not open it: its parts do not decrypt with it (the file has no integrity check, so a wrong password and a changed file look the same)"
    )]
    NotDecrypted,
    /// An encryption or MAC algorithm this reader lacks.
    #[error(
        "it uses an encryption this reader lacks ({0}); convert it with: openssl pkcs12 -in FILE -nodes -legacy | openssl pkcs12 -export -out NEW.p12"
    )]
    Unsupported(String),
    /// Not PKCS#12, or broken.
    #[error("it is not a readable PKCS#12 file ({0})")]
    Broken(String),
}

/// Opens a DER PKCS#12 file with `password`.
///
/// # Errors
/// [`Pkcs12Error`] for a wrong password, an encryption not supported, or a broken file.
pub fn read_pkcs12(der: &[u8], password: &str) -> Result<Pkcs12Info, Pkcs12Error> {
    use p12_keystore::error::Error as E;
    let iterations = super::der::largest_iteration_count(der);
    if iterations > MOST_ITERATIONS {
        return Err(Pkcs12Error::Broken(format!(
            "it asks for {iterations} key-derivation iterations, more than the {MOST_ITERATIONS} any real file uses; reading it would take hours"
        )));
    }
    let archive = p12_keystore::Pkcs12Archive::from_pkcs12(der, password).map_err(|err| match err {
        E::MacError(_) | E::UnpadError | E::InvalidPrivateKey => Pkcs12Error::WrongPassword,
        // Without a MAC, a wrong password shows only when a part does not decrypt.
        E::Pkcs5Error(ref why) if why.contains("decrypt") => Pkcs12Error::NotDecrypted,
        E::UnsupportedEncryptionScheme | E::UnsupportedMacAlgorithm | E::UnsupportedContentType => {
            Pkcs12Error::Unsupported(err.to_string())
        }
        other => Pkcs12Error::Broken(other.to_string()),
    })?;
    let certificates: Vec<CertificateDer<'static>> = archive
        .certs
        .iter()
        .map(|bag| CertificateDer::from(bag.cert.as_der().to_vec()))
        .collect();
    let keys = archive
        .keys
        .iter()
        .map(|bag| {
            let pkcs8 = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(bag.key.as_der().to_vec()));
            Pkcs12Key {
                kind: key_kind(bag.key.as_der()),
                name: bag.friendly_name.clone(),
                certificate: certificates
                    .iter()
                    .position(|cert| super::key::key_belongs_to(cert, &pkcs8).unwrap_or(false)),
            }
        })
        .collect();
    let (mac, encryptions) = protection(der);
    Ok(Pkcs12Info {
        mac,
        encryptions,
        certificate_names: archive.certs.iter().map(|bag| bag.friendly_name.clone()).collect(),
        certificates,
        keys,
    })
}

/// The MAC (hash, iterations) and the encryptions a PFX uses, read from its clear parts.
fn protection(der: &[u8]) -> (Option<String>, Vec<String>) {
    use super::der::oid_text;
    let mac = || -> Option<String> {
        let (_, pfx) = element(der)?;
        let items = elements(pfx.content)?;
        let mac_data = elements(items.get(2)?.content)?;
        let digest_info = elements(mac_data.first()?.content)?;
        let algorithm = elements(digest_info.first()?.content)?;
        let hash = match oid_text(algorithm.first()?)?.as_str() {
            "1.3.14.3.2.26" => "SHA-1".to_owned(),
            "2.16.840.1.101.3.4.2.1" => "SHA-256".to_owned(),
            "2.16.840.1.101.3.4.2.2" => "SHA-384".to_owned(),
            "2.16.840.1.101.3.4.2.3" => "SHA-512".to_owned(),
            other => other.to_owned(),
        };
        let iterations = mac_data.get(2).map_or(1, |n| {
            super::key::unsigned(n.content)
                .iter()
                .fold(0u64, |v, &b| v.saturating_mul(256) | u64::from(b))
        });
        Some(format!("HMAC-{hash}, {iterations} iterations"))
    };
    let mut found = Vec::new();
    collect_oids(der, 16, &mut found);
    let mut encryptions: Vec<String> = Vec::new();
    for oid in found {
        let name = match oid.as_str() {
            "1.2.840.113549.1.12.1.1" => "RC4-128 (legacy)",
            "1.2.840.113549.1.12.1.3" => "3DES-CBC (legacy)",
            "1.2.840.113549.1.12.1.6" => "RC2-40-CBC (legacy)",
            "2.16.840.1.101.3.4.1.2" => "AES-128-CBC (PBES2)",
            "2.16.840.1.101.3.4.1.22" => "AES-192-CBC (PBES2)",
            "2.16.840.1.101.3.4.1.42" => "AES-256-CBC (PBES2)",
            _ => continue,
        };
        if !encryptions.iter().any(|e| e == name) {
            encryptions.push(name.to_owned());
        }
    }
    (mac(), encryptions)
}

/// Every OID in `input`, through constructed elements and OCTET STRINGs that hold DER, to `depth`.
fn collect_oids(input: &[u8], depth: u8, out: &mut Vec<String>) {
    let Some(items) = elements(input) else {
        return;
    };
    for item in items {
        if let Some(oid) = super::der::oid_text(&item) {
            out.push(oid);
        } else if depth > 0 && (item.tag & 0x20 != 0 || item.tag == 0x04) {
            collect_oids(item.content, depth - 1, out);
        }
    }
}

/// A PKCS#8 key's type, read from its AlgorithmIdentifier (and an RSA key's size from its modulus);
/// nothing secret is read into the result.
fn key_kind(pkcs8: &[u8]) -> String {
    let algorithm = || -> Option<(String, Option<String>, &[u8])> {
        let (_, info) = element(pkcs8)?;
        let items = elements(info.content)?;
        let (_, algorithm) = element(items.get(1)?.whole)?;
        let parts = elements(algorithm.content)?;
        let oid = super::der::oid_text(parts.first()?)?;
        let parameter = parts.get(1).and_then(super::der::oid_text);
        Some((oid, parameter, items.get(2)?.content))
    };
    let Some((oid, parameter, private)) = algorithm() else {
        return "(unreadable key)".into();
    };
    match oid.as_str() {
        super::key::OID_RSA | super::key::OID_RSA_PSS => {
            // RSAPrivateKey ::= SEQUENCE { version, modulus, ... }: the modulus is public.
            let bits = element(private)
                .and_then(|(_, seq)| elements(seq.content))
                .and_then(|fields| fields.get(1).map(|m| super::key::unsigned_bits(m.content)));
            match bits {
                Some(bits) => format!("RSA {bits} bits"),
                None => "RSA".into(),
            }
        }
        "1.2.840.10045.2.1" => match parameter.as_deref() {
            Some("1.2.840.10045.3.1.7") => "EC P-256".into(),
            Some("1.3.132.0.34") => "EC P-384".into(),
            Some("1.3.132.0.35") => "EC P-521".into(),
            Some(curve) => format!("EC {curve}"),
            None => "EC".into(),
        },
        super::key::OID_ED25519 => "Ed25519".into(),
        super::key::OID_ED448 => "Ed448".into(),
        other => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PFX whose MAC asks for 2^31 - 1 iterations is refused at once, before any key derivation.
    #[test]
    fn a_file_asking_for_billions_of_iterations_is_refused_unread() {
        let data_oid = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];
        let mut content_info = vec![0x30, (data_oid.len() + 4) as u8];
        content_info.extend(data_oid);
        content_info.extend([0xa0, 0x02, 0x04, 0x00]);
        let mac_data = [
            0x30, 0x0c, 0x30, 0x00, 0x04, 0x02, 0xaa, 0xbb, 0x02, 0x04, 0x7f, 0xff, 0xff, 0xff,
        ];
        let mut body = vec![0x02, 0x01, 0x03];
        body.extend(&content_info);
        body.extend(mac_data);
        let mut pfx = vec![0x30, body.len() as u8];
        pfx.extend(body);
        assert!(super::super::der::is_pfx(&pfx));
        assert_eq!(super::super::der::largest_iteration_count(&pfx), 0x7fff_ffff);
        let err = read_pkcs12(&pfx, "").expect_err("refused");
        assert!(
            err.to_string().contains("2147483647 key-derivation iterations"),
            "{err}"
        );
    }
}
