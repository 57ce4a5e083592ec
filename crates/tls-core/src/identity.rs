//! The server's identity: a certificate chain and the private key of its first certificate, and the
//! checks that they belong together and are strong enough to serve.

use rustls::sign::CertifiedKey;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::{Error, Result};
use crate::inspect::{self, Position};
use crate::x509;

/// A certificate chain and the private key that goes with its first certificate.
#[derive(Debug)]
pub struct Identity {
    /// End-entity certificate first, then intermediates.
    pub chain: Vec<CertificateDer<'static>>,
    /// The private key of `chain[0]`.
    pub key: PrivateKeyDer<'static>,
}

impl Clone for Identity {
    fn clone(&self) -> Self {
        Self {
            chain: self.chain.clone(),
            key: self.key.clone_key(),
        }
    }
}

/// Checks that `key` is the private key of `chain[0]`.
///
/// # Errors
/// [`Error::KeyMismatch`] when it is not; [`Error::Config`] when rustls cannot use the key at all.
pub fn check_key_matches(chain: &[CertificateDer<'static>], key: &PrivateKeyDer<'static>) -> Result<()> {
    let provider = crate::crypto::provider();
    match CertifiedKey::from_der(chain.to_vec(), key.clone_key(), &provider) {
        Ok(_) => Ok(()),
        Err(rustls::Error::InconsistentKeys(_)) => Err(Error::KeyMismatch {
            key: "given".into(),
            subject: chain.first().map_or_else(|| "(none)".into(), |c| x509::subject(c)),
            cert: String::new(),
        }),
        Err(cause) => Err(Error::Config { side: "server", cause }),
    }
}

/// Whether `key` is the private key of `cert`: the public key derived from `key` is the certificate's.
/// Unlike [`check_key_matches`], the certificate is not judged (a critical extension rustls does not
/// process, say, does not stop the comparison).
///
/// # Errors
/// [`Error::Config`] when the crypto library cannot load the key (an RSA key under 2048 bits, an
/// unsupported algorithm).
pub fn key_belongs_to(cert: &CertificateDer<'_>, key: &PrivateKeyDer<'static>) -> Result<bool> {
    // An RSA key is compared by its modulus and exponent, which it holds: this works for keys the
    // crypto library refuses to load (under 2048 bits), which a student may well hold.
    let pkcs1 = matches!(key, PrivateKeyDer::Pkcs1(_));
    if let Some((modulus, exponent)) = inspect::rsa_public_numbers(key.secret_der(), pkcs1) {
        let Ok(info) = inspect::inspect(cert, Position::Alone) else {
            return Ok(false);
        };
        let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
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
    let Ok((_, derived)) = x509_parser::x509::SubjectPublicKeyInfo::from_der(public.as_ref()) else {
        return Ok(false);
    };
    Ok(parsed.public_key().subject_public_key.data == derived.subject_public_key.data)
}

/// The size of the leaf's RSA key when it is below 2048 bits, which no current client accepts.
pub(crate) fn weak_rsa_bits(chain: &[CertificateDer<'static>]) -> Option<u32> {
    let key = inspect::inspect(chain.first()?, Position::Leaf).ok()?.public_key;
    key.bits.filter(|&bits| key.algorithm == "RSA" && bits < 2048)
}
