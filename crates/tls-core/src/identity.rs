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
    /// The OCSP response stapled with it (DER), when there is one (the `ocsp` module staples them).
    pub ocsp: Option<Vec<u8>>,
}

impl Identity {
    /// `chain` and its `key`, with no OCSP response.
    pub fn new(chain: Vec<CertificateDer<'static>>, key: PrivateKeyDer<'static>) -> Self {
        Self { chain, key, ocsp: None }
    }
}

impl Clone for Identity {
    fn clone(&self) -> Self {
        Self {
            chain: self.chain.clone(),
            key: self.key.clone_key(),
            ocsp: self.ocsp.clone(),
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

/// The size of the leaf's RSA key when it is below 2048 bits, which no current client accepts.
pub(crate) fn weak_rsa_bits(chain: &[CertificateDer<'static>]) -> Option<u32> {
    let key = inspect::inspect(chain.first()?, Position::Leaf).ok()?.public_key;
    key.bits.filter(|&bits| key.algorithm == "RSA" && bits < 2048)
}
