//! Revocation by CRL: the lists a verifier consults (on either side, replaceable while a server runs,
//! so a revocation takes effect at the next reload), the entry that revoked a certificate (its serial,
//! date and reason, for the sentence), and RFC 5280's reasons as a type. Making a CRL is the CA's
//! (the `sign` module, feature `generate`).

use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, PoisonError, RwLock};

use rustls_pki_types::{CertificateDer, CertificateRevocationListDer};

use crate::inspect::Revoked;

/// A certificate revocation list, DER.
pub type Crl = CertificateRevocationListDer<'static>;

/// The CRLs a verifier consults, replaced while a server runs (echo-server reloads them with its
/// certificates): each check reads the ones current then.
#[derive(Debug, Default)]
pub struct Crls(RwLock<Arc<Vec<Crl>>>);

impl Crls {
    /// The lists `crls`.
    pub fn new(crls: Vec<Crl>) -> Self {
        Self(RwLock::new(Arc::new(crls)))
    }

    /// Replaces the lists; checks from now on read the new ones.
    pub fn replace(&self, crls: Vec<Crl>) {
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(crls);
    }

    /// The lists now.
    pub fn current(&self) -> Arc<Vec<Crl>> {
        self.0.read().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

/// Why a certificate was revoked (RFC 5280 5.3.1), by the names RFC 5280 gives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(into = "&'static str")]
pub enum RevocationReason {
    /// No reason given.
    Unspecified,
    /// The certificate's private key is known to others.
    KeyCompromise,
    /// The CA's private key is known to others.
    CaCompromise,
    /// The subject's name or affiliation changed.
    AffiliationChanged,
    /// A new certificate replaces it.
    Superseded,
    /// It is no longer needed.
    CessationOfOperation,
    /// On hold, for now: it may be taken off the list.
    CertificateHold,
    /// Taken off the list (delta CRLs).
    RemoveFromCrl,
    /// A privilege it carried was withdrawn.
    PrivilegeWithdrawn,
    /// The attribute authority's key is known to others.
    AaCompromise,
}

impl RevocationReason {
    /// Every reason, in code order.
    pub const ALL: [Self; 10] = [
        Self::Unspecified,
        Self::KeyCompromise,
        Self::CaCompromise,
        Self::AffiliationChanged,
        Self::Superseded,
        Self::CessationOfOperation,
        Self::CertificateHold,
        Self::RemoveFromCrl,
        Self::PrivilegeWithdrawn,
        Self::AaCompromise,
    ];

    /// Its CRLReason code (7 is not assigned).
    pub fn code(self) -> u8 {
        match self {
            Self::Unspecified => 0,
            Self::KeyCompromise => 1,
            Self::CaCompromise => 2,
            Self::AffiliationChanged => 3,
            Self::Superseded => 4,
            Self::CessationOfOperation => 5,
            Self::CertificateHold => 6,
            Self::RemoveFromCrl => 8,
            Self::PrivilegeWithdrawn => 9,
            Self::AaCompromise => 10,
        }
    }

    /// The reason of CRLReason code `code`, when RFC 5280 assigns it.
    pub fn from_code(code: u64) -> Option<Self> {
        Self::ALL.into_iter().find(|reason| u64::from(reason.code()) == code)
    }

    /// Its name in RFC 5280 (`keyCompromise`, `cACompromise`).
    pub fn name(self) -> &'static str {
        crate::inspect::reason_name(u64::from(self.code())).unwrap_or("unspecified")
    }
}

impl From<RevocationReason> for &'static str {
    fn from(reason: RevocationReason) -> Self {
        reason.name()
    }
}

impl fmt::Display for RevocationReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for RevocationReason {
    type Err = String;

    /// RFC 5280's names, in any case (OpenSSL writes `CACompromise`); `-` and `_` ignored.
    fn from_str(text: &str) -> Result<Self, String> {
        let plain = |name: &str| name.replace(['-', '_'], "").to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|reason| plain(reason.name()) == plain(text))
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|reason| reason.name()).collect();
                format!("{text:?} is not a revocation reason: one of {}", names.join(", "))
            })
    }
}

/// One certificate a CA revoked, as it records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    /// Its serial number, big-endian, as the certificate holds it.
    pub serial: Vec<u8>,
    /// When it was revoked, seconds since the Unix epoch.
    pub date: i64,
    /// Why.
    pub reason: RevocationReason,
}

impl Revocation {
    /// `cert` revoked now for `reason`; `None` when it is not a certificate.
    pub fn now(cert: &CertificateDer<'_>, reason: RevocationReason) -> Option<Self> {
        let (_, parsed) = x509_parser::parse_x509_certificate(cert).ok()?;
        Some(Self {
            serial: crate::x509::serial_number(parsed.raw_serial()).to_vec(),
            date: i64::try_from(rustls_pki_types::UnixTime::now().as_secs()).ok()?,
            reason,
        })
    }
}

/// `crls` with, of several from one CA, only the one with the highest CRL number (the newest): a
/// verifier given an older list beside the newer one would read the first it finds.
pub fn newest(crls: Vec<Crl>) -> Vec<Crl> {
    // Each list's issuer (DER) and number (big-endian).
    let key = |crl: &Crl| -> Option<(Vec<u8>, Vec<u8>)> {
        let (_, parsed) = x509_parser::parse_x509_crl(crl).ok()?;
        let number = parsed.crl_number().map(|n| n.to_bytes_be()).unwrap_or_default();
        Some((parsed.issuer().as_raw().to_vec(), number))
    };
    let keyed: Vec<_> = crls.into_iter().map(|crl| (key(&crl), crl)).collect();
    let newer = |a: &[u8], b: &[u8]| (a.len(), a) > (b.len(), b);
    keyed
        .iter()
        .filter(|(mine, _)| {
            let Some((issuer, number)) = mine else { return true };
            !keyed.iter().any(|(other, _)| {
                other
                    .as_ref()
                    .is_some_and(|(other_issuer, other_number)| other_issuer == issuer && newer(other_number, number))
            })
        })
        .map(|(_, crl)| crl.clone())
        .collect()
}

/// The entry of `crls` that revokes `cert`: in a list whose issuer is the certificate's, for its
/// serial number.
pub fn revoked_entry(crls: &[Crl], cert: &CertificateDer<'_>) -> Option<Revoked> {
    let (_, cert) = x509_parser::parse_x509_certificate(cert).ok()?;
    crls.iter().find_map(|crl| {
        let (_, crl) = x509_parser::parse_x509_crl(crl).ok()?;
        if crl.issuer().as_raw() != cert.issuer().as_raw() {
            return None;
        }
        crl.iter_revoked_certificates()
            .find(|entry| entry.raw_serial() == cert.raw_serial())
            .map(crate::inspect::revoked)
    })
}

/// A CRL that cannot be used, in words: carried to the explanation inside `CertificateError::Other`.
#[derive(Debug)]
pub(crate) struct UnusableCrl(pub(crate) String);

impl fmt::Display for UnusableCrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UnusableCrl {}

/// rustls' classification of rustls-webpki's refusal to read a CRL.
pub(crate) fn crl_problem(err: &webpki::Error) -> rustls::CertRevocationListError {
    use rustls::CertRevocationListError as E;
    match err {
        webpki::Error::UnsupportedIndirectCrl => E::UnsupportedIndirectCrl,
        webpki::Error::UnsupportedDeltaCrl => E::UnsupportedDeltaCrl,
        webpki::Error::UnsupportedCriticalExtension => E::UnsupportedCriticalExtension,
        webpki::Error::UnsupportedCrlVersion => E::UnsupportedCrlVersion,
        webpki::Error::InvalidCrlNumber => E::InvalidCrlNumber,
        webpki::Error::InvalidSerialNumber => E::InvalidRevokedCertSerialNumber,
        webpki::Error::UnsupportedRevocationReason => E::UnsupportedRevocationReason,
        _ => E::ParseError,
    }
}

/// What is wrong with a CRL, as a clause after "the CRL from its issuer".
pub(crate) fn crl_words(problem: &rustls::CertRevocationListError) -> String {
    use rustls::CertRevocationListError as E;
    match problem {
        E::BadSignature => "does not verify against that CA's key (changed since it was signed, or signed by another CA of the same name)".to_owned(),
        E::IssuerInvalidForCrl => "is signed by a CA whose key usage does not allow signing CRLs (no cRLSign)".to_owned(),
        E::InvalidCrlNumber => "has a CRL number that is not a valid one".to_owned(),
        E::InvalidRevokedCertSerialNumber => "lists a serial number that is not a valid one".to_owned(),
        E::ParseError => "is not a well-formed CRL".to_owned(),
        E::UnsupportedCriticalExtension => "has an extension marked critical that the verifier does not read".to_owned(),
        E::UnsupportedCrlVersion => "is of a version the verifier does not read (only v2 is)".to_owned(),
        E::UnsupportedDeltaCrl => "is a delta CRL, which the verifier does not read".to_owned(),
        E::UnsupportedIndirectCrl => "is an indirect CRL, which the verifier does not read".to_owned(),
        E::UnsupportedRevocationReason => "gives a revocation reason the verifier does not know".to_owned(),
        E::UnsupportedSignatureAlgorithmContext { .. } | E::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
            "is signed with an algorithm the verifier does not accept".to_owned()
        }
        other => format!("cannot be used ({})", crate::names::words(&format!("{other:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_read_by_their_rfc_names_in_any_case() {
        for reason in RevocationReason::ALL {
            assert_eq!(reason.name().parse::<RevocationReason>(), Ok(reason));
            assert_eq!(RevocationReason::from_code(u64::from(reason.code())), Some(reason));
        }
        assert_eq!("CACompromise".parse(), Ok(RevocationReason::CaCompromise));
        assert_eq!("key-compromise".parse(), Ok(RevocationReason::KeyCompromise));
        assert_eq!(RevocationReason::from_code(7), None);
        let refused = "stolen".parse::<RevocationReason>().expect_err("not a reason");
        assert!(refused.contains("keyCompromise"), "{refused}");
    }
}
