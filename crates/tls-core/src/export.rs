//! A certificate and its key written for other programs: PKCS#12 (`.p12`, `.pfx`), which browsers,
//! Java, macOS and Windows import. The writing is p12-keystore's (the crate `inspect` reads PKCS#12
//! with); this module chooses the encryption and turns keys into the PKCS#8 form PKCS#12 holds.

use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::{Error, Result};
use crate::identity::Identity;
use crate::x509;

/// How the file's key and certificates are protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encryption {
    /// AES-256-CBC (PBES2, PBKDF2 with HMAC-SHA256) and an HMAC-SHA256 MAC, as OpenSSL 3 writes it.
    #[default]
    Modern,
    /// Triple DES (PBE with SHA-1) and an HMAC-SHA1 MAC, for readers that refuse AES (macOS Keychain
    /// before 14, Windows before 10, Java before 8u301).
    Legacy,
}

impl Encryption {
    /// In words, as `tls-cert inspect` names them.
    pub fn words(self) -> &'static str {
        match self {
            Self::Modern => "AES-256-CBC (PBES2, PBKDF2-HMAC-SHA256), MAC HMAC-SHA256",
            Self::Legacy => "3DES (PBE-SHA1-3DES), MAC HMAC-SHA1",
        }
    }
}

/// A PKCS#12 file holding `identity` (its key, then its chain) and `more` certificates after them
/// (the CA's), named by the certificate's subject, protected with `password` as `encryption` says.
///
/// # Errors
/// [`Error::Generate`] when the key cannot be put in PKCS#8 form or the writer fails.
pub fn pkcs12(
    identity: &Identity,
    more: &[CertificateDer<'static>],
    password: &str,
    encryption: Encryption,
) -> Result<Vec<u8>> {
    let failed = |cause: Box<dyn std::error::Error + Send + Sync>| Error::Generate {
        step: "the PKCS#12 file",
        cause,
    };
    let leaf = identity
        .chain
        .first()
        .ok_or(Error::NoCertificate { step: "a PKCS#12 file" })?;
    let key = p12_keystore::PrivateKey::from_der(&pkcs8(&identity.key)?).map_err(|err| failed(Box::new(err)))?;
    let certs = identity
        .chain
        .iter()
        .chain(more.iter().filter(|extra| !identity.chain.contains(extra)))
        .map(|cert| p12_keystore::Certificate::from_der(cert))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|err| failed(Box::new(err)))?;
    // The key's id is the leaf's SHA-1 fingerprint, as OpenSSL makes it.
    let id = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, leaf);
    let chain = p12_keystore::PrivateKeyChain::new(id.as_ref(), key, certs);
    let mut store = p12_keystore::KeyStore::new();
    store.add_entry(
        &x509::subject(leaf),
        p12_keystore::KeyStoreEntry::PrivateKeyChain(chain),
    );
    let writer = store.writer(password);
    let writer = match encryption {
        Encryption::Modern => writer
            .encryption_algorithm(p12_keystore::EncryptionAlgorithm::PbeWithHmacSha256AndAes256)
            .mac_algorithm(p12_keystore::MacAlgorithm::HmacSha256),
        Encryption::Legacy => writer
            .encryption_algorithm(p12_keystore::EncryptionAlgorithm::PbeWithShaAnd3KeyTripleDesCbc)
            .mac_algorithm(p12_keystore::MacAlgorithm::HmacSha1),
    };
    writer.write().map_err(|err| failed(Box::new(err)))
}

/// `key` as PKCS#8: as it is, or a PKCS#1 RSA key or a SEC1 EC key wrapped.
fn pkcs8(key: &PrivateKeyDer<'_>) -> Result<Vec<u8>> {
    let unusable = |what: &str| Error::Generate {
        step: "the PKCS#12 file",
        cause: format!("the key cannot be put in PKCS#8 form: {what}").into(),
    };
    match key {
        PrivateKeyDer::Pkcs8(pkcs8) => Ok(pkcs8.secret_pkcs8_der().to_vec()),
        PrivateKeyDer::Pkcs1(rsa) => {
            // PrivateKeyInfo: version 0, rsaEncryption with NULL parameters, the RSAPrivateKey.
            let algorithm = x509::der_element(
                0x30,
                &[
                    &[0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01][..],
                    &[0x05, 0x00],
                ]
                .concat(),
            );
            let body = [
                vec![0x02, 0x01, 0x00],
                algorithm,
                x509::der_element(0x04, rsa.secret_pkcs1_der()),
            ]
            .concat();
            Ok(x509::der_element(0x30, &body))
        }
        PrivateKeyDer::Sec1(ec) => {
            use aws_lc_rs::signature::{self, EcdsaKeyPair};
            [
                &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
                &signature::ECDSA_P384_SHA384_ASN1_SIGNING,
                &signature::ECDSA_P521_SHA512_ASN1_SIGNING,
            ]
            .into_iter()
            .find_map(|algorithm| EcdsaKeyPair::from_private_key_der(algorithm, ec.secret_sec1_der()).ok())
            .and_then(|pair| pair.to_pkcs8v1().ok())
            .map(|document| document.as_ref().to_vec())
            .ok_or_else(|| unusable("an EC key on a curve other than P-256, P-384 and P-521"))
        }
        _ => Err(unusable("a kind of key this does not know")),
    }
}
