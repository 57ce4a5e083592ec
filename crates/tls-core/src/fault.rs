//! Which certificate of a chain is at fault, where the verifier's error does not say: read from the
//! chain itself (its dates, extensions, basic constraints, signatures), so a refusal names the
//! certificate that broke the rule, by its place, not always the one at the bottom.

use rustls::pki_types::{CertificateDer, TrustAnchor, UnixTime};
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer as _;

use crate::refusal::Place;
use crate::x509;

/// A chain as the verifier was given it: the peer's certificate, the intermediates presented (in
/// order), the trust anchors.
pub(crate) struct Chain<'a> {
    pub(crate) leaf: &'a CertificateDer<'a>,
    pub(crate) intermediates: &'a [CertificateDer<'a>],
    pub(crate) anchors: &'a [TrustAnchor<'a>],
    /// The CRLs the verifier consulted.
    pub(crate) crls: &'a [crate::revocation::Crl],
}

/// A certificate at fault: where it sits, and its subject.
pub(crate) type Found = (Place, String);

impl<'a> Chain<'a> {
    /// The presented certificates with their places: the peer's, then each intermediate.
    fn presented(&self) -> impl Iterator<Item = (Place, &'a CertificateDer<'a>)> {
        std::iter::once((Place::Peer, self.leaf)).chain(
            self.intermediates
                .iter()
                .enumerate()
                .map(|(at, cert)| (Place::Intermediate { index: at + 1 }, cert)),
        )
    }

    /// The presented certificates along the path up from the peer's (each the one that signed the one
    /// before, whatever the order presented), with their places; those off the path left out.
    pub(crate) fn path(&self) -> Vec<(Place, &'a CertificateDer<'a>)> {
        std::iter::once((Place::Peer, self.leaf))
            .chain(
                x509::path_order(self.leaf, self.intermediates)
                    .into_iter()
                    .map(|at| (Place::Intermediate { index: at + 1 }, &self.intermediates[at])),
            )
            .collect()
    }

    /// The first certificate on the path whose extended key usage is there and lacks serverAuth
    /// (clientAuth, `client`) and anyExtendedKeyUsage: a CA's limits the certificates below it.
    pub(crate) fn lacks_usage(&self, client: bool) -> Option<Found> {
        self.path().into_iter().find_map(|(place, der)| {
            let (_, cert) = X509Certificate::from_der(der.as_ref()).ok()?;
            let eku = cert.extended_key_usage().ok()??;
            let allowed = if client {
                eku.value.client_auth
            } else {
                eku.value.server_auth
            };
            (!allowed && !eku.value.any).then(|| (place, x509::subject(der)))
        })
    }

    /// The presented certificates as x509-parser reads them, with their places and subjects.
    fn parsed(&self) -> impl Iterator<Item = (Place, String, X509Certificate<'a>)> {
        self.presented().filter_map(|(place, der)| {
            let (_, cert) = X509Certificate::from_der(der.as_ref()).ok()?;
            Some((place, x509::subject(der), cert))
        })
    }

    /// The presented certificate at `place` (none for a trust anchor).
    pub(crate) fn at(&self, place: Place) -> Option<&'a CertificateDer<'a>> {
        self.presented().find(|(at, _)| *at == place).map(|(_, der)| der)
    }

    /// The place of `cert`, one of the presented certificates (the peer's when it is none of them).
    pub(crate) fn place_of_der(&self, cert: &CertificateDer<'_>) -> Place {
        self.presented()
            .find(|(_, der)| der.as_ref() == cert.as_ref())
            .map_or(Place::Peer, |(place, _)| place)
    }

    /// The trusted CAs by name when there are a few (a CA file), none for a large store (Mozilla's).
    pub(crate) fn trusted_names(&self) -> Vec<String> {
        if self.anchors.len() > 3 {
            return Vec::new();
        }
        self.anchors
            .iter()
            .filter_map(|anchor| x509::name_from_der_contents(anchor.subject.as_ref()))
            .collect()
    }

    /// Whether a trusted CA has the name `cert` gives as its issuer (compared as DER, so multi-part
    /// names match however they are written).
    pub(crate) fn trusts_a_ca_named_as_issuer_of(&self, cert: &CertificateDer<'_>) -> bool {
        let Some(issuer) = x509::issuer_der(cert) else {
            return false;
        };
        self.anchors
            .iter()
            .any(|anchor| x509::anchor_name(anchor.subject.as_ref()) == issuer)
    }

    /// Whether `cert` itself is trusted: a trust anchor has its name and its key.
    pub(crate) fn trusts(&self, cert: &CertificateDer<'_>) -> bool {
        let Ok((_, parsed)) = X509Certificate::from_der(cert.as_ref()) else {
            return false;
        };
        let (name, key) = (parsed.subject().as_raw(), parsed.tbs_certificate.subject_pki.raw);
        self.anchors.iter().any(|anchor| {
            let (anchor_name, anchor_key) =
                x509::anchor_name_and_key(anchor.subject.as_ref(), anchor.subject_public_key_info.as_ref());
            anchor_name == name && anchor_key == key
        })
    }

    /// The certificate whose notAfter (or notBefore, `ends` false) is `time`: the one the verifier found
    /// outside its dates.
    pub(crate) fn dated(&self, time: UnixTime, ends: bool) -> Option<Found> {
        let secs = i64::try_from(time.as_secs()).ok()?;
        self.presented().find_map(|(place, der)| {
            let (from, to) = x509::validity_unix(der)?;
            (if ends { to } else { from } == secs).then(|| (place, x509::subject(der)))
        })
    }

    /// The first certificate with an extension marked critical that rustls-webpki does not read, and
    /// that extension (`2.5.29.36 policyConstraints`, say).
    pub(crate) fn unknown_critical(&self) -> Option<(Place, String, String)> {
        self.parsed().find_map(|(place, subject, cert)| {
            let unknown = cert.extensions().iter().find(|ext| {
                ext.critical && !crate::inspect::WEBPKI_PROCESSES.contains(&ext.oid.to_id_string().as_str())
            })?;
            Some((place, subject, oid_words(&unknown.oid)))
        })
    }

    /// The first intermediate that is not a CA (no basicConstraints CA:TRUE).
    pub(crate) fn not_a_ca(&self) -> Option<Found> {
        self.parsed()
            .filter(|(place, ..)| *place != Place::Peer)
            .find(|(_, _, cert)| !cert.basic_constraints().ok().flatten().is_some_and(|bc| bc.value.ca))
            .map(|(place, subject, _)| (place, subject))
    }

    /// The first CA whose pathLenConstraint allows fewer intermediates below it than the chain has:
    /// it, how many it allows, how many there are.
    pub(crate) fn path_length(&self) -> Option<(Place, String, u32, usize)> {
        // Along the path, the CA at step `below + 1` has `below` intermediates between it and the peer's.
        self.path()
            .into_iter()
            .enumerate()
            .skip(1)
            .find_map(|(step, (place, der))| {
                let (_, cert) = X509Certificate::from_der(der.as_ref()).ok()?;
                let allowed = cert.basic_constraints().ok().flatten()?.value.path_len_constraint?;
                let below = step - 1;
                (usize::try_from(allowed).is_ok_and(|allowed| allowed < below))
                    .then(|| (place, x509::subject(der), allowed, below))
            })
    }

    /// The first presented certificate that names an issuer present in the chain (presented or
    /// trusted), none of whose keys checks its signature.
    pub(crate) fn bad_signature(&self) -> Option<Found> {
        let presented: Vec<(Place, &CertificateDer<'_>)> = self.presented().collect();
        presented.iter().find_map(|(place, cert)| {
            let issuer = x509::issuer_der(cert)?;
            let named: Vec<&&CertificateDer<'_>> = presented
                .iter()
                .map(|(_, other)| other)
                .filter(|other| {
                    other.as_ref() != cert.as_ref() && x509::subject_der(other).as_deref() == Some(issuer.as_slice())
                })
                .collect();
            let anchors: Vec<&TrustAnchor<'_>> = self
                .anchors
                .iter()
                .filter(|anchor| x509::anchor_name(anchor.subject.as_ref()) == issuer)
                .collect();
            if named.is_empty() && anchors.is_empty() {
                return None;
            }
            let by_presented = named.iter().any(|other| x509::issued(other, cert));
            let by_anchor = anchors.iter().any(|anchor| {
                let (_, spki) =
                    x509::anchor_name_and_key(anchor.subject.as_ref(), anchor.subject_public_key_info.as_ref());
                x509::signed_by(cert, &issuer, &spki)
            });
            (!by_presented && !by_anchor).then(|| (*place, x509::subject(cert)))
        })
    }

    /// The first CA (a presented intermediate, then a trust anchor) whose key the verifier cannot use,
    /// and why.
    pub(crate) fn refused_key(&self) -> Option<(Place, String, String)> {
        let presented = self
            .parsed()
            .filter(|(place, ..)| *place != Place::Peer)
            .find_map(|(place, subject, cert)| {
                let why = crate::inspect::refused_key(cert.tbs_certificate.subject_pki.raw)?;
                Some((place, subject, why))
            });
        presented.or_else(|| {
            self.anchors.iter().find_map(|anchor| {
                let (_, spki) =
                    x509::anchor_name_and_key(anchor.subject.as_ref(), anchor.subject_public_key_info.as_ref());
                let why = crate::inspect::refused_key(&spki)?;
                Some((Place::TrustAnchor, x509::anchor_subject(anchor.subject.as_ref()), why))
            })
        })
    }

    /// The first presented certificate signed with the algorithm `oid` (DER contents of the OID).
    pub(crate) fn signed_with(&self, oid: &[u8]) -> Option<Found> {
        self.parsed()
            .find(|(_, _, cert)| cert.signature_algorithm.algorithm.as_bytes() == oid)
            .map(|(place, subject, _)| (place, subject))
    }

    /// The first presented certificate whose two signature algorithm fields differ.
    pub(crate) fn mismatched_algorithms(&self) -> Option<Found> {
        self.parsed()
            .find(|(_, _, cert)| cert.signature_algorithm != cert.tbs_certificate.signature)
            .map(|(place, subject, _)| (place, subject))
    }

    /// The first presented certificate with an extended key usage extension that lists nothing.
    pub(crate) fn empty_eku(&self) -> Option<Found> {
        self.parsed()
            .find(|(_, _, cert)| {
                cert.extended_key_usage().ok().flatten().is_some_and(|eku| {
                    let eku = &eku.value;
                    !(eku.any
                        || eku.server_auth
                        || eku.client_auth
                        || eku.code_signing
                        || eku.email_protection
                        || eku.time_stamping
                        || eku.ocsp_signing)
                        && eku.other.is_empty()
                })
            })
            .map(|(place, subject, _)| (place, subject))
    }

    /// The first CA with name constraints: a presented intermediate, else a trust anchor.
    pub(crate) fn constraining_ca(&self) -> Option<Found> {
        let presented = self.parsed().find(|(place, _, cert)| {
            *place != Place::Peer
                && cert
                    .get_extension_unique(&x509_parser::oid_registry::OID_X509_EXT_NAME_CONSTRAINTS)
                    .ok()
                    .flatten()
                    .is_some()
        });
        presented.map(|(place, subject, _)| (place, subject)).or_else(|| {
            self.anchors
                .iter()
                .find(|anchor| anchor.name_constraints.is_some())
                .map(|anchor| (Place::TrustAnchor, x509::anchor_subject(anchor.subject.as_ref())))
        })
    }

    /// The first presented certificate x509-parser cannot read, or that has bytes after it.
    pub(crate) fn unreadable(&self) -> Option<Found> {
        self.presented()
            .find(|(_, der)| !X509Certificate::from_der(der.as_ref()).is_ok_and(|(rest, _)| rest.is_empty()))
            .map(|(place, der)| (place, x509::subject(der)))
    }
}

/// An OID with its name when x509-parser knows one: `2.5.29.36 (policyConstraints)`.
fn oid_words(oid: &x509_parser::der_parser::oid::Oid<'_>) -> String {
    match x509_parser::objects::oid2sn(oid, x509_parser::objects::oid_registry()) {
        Ok(name) => format!("{oid} ({name})"),
        Err(_) => oid.to_id_string(),
    }
}

/// Signature algorithms a verifier may meet and refuse, which x509-parser's registry does not name.
const ALGORITHMS: [(&str, &str); 6] = [
    ("1.2.840.10040.4.3", "DSA with SHA-1"),
    ("2.16.840.1.101.3.4.3.1", "DSA with SHA-224"),
    ("2.16.840.1.101.3.4.3.2", "DSA with SHA-256"),
    ("1.2.840.113549.1.1.4", "RSA with MD5"),
    ("1.2.840.113549.1.1.5", "RSA with SHA-1"),
    ("1.2.840.10045.4.1", "ECDSA with SHA-1"),
];

/// A signature algorithm's name from the DER contents of its OID (`1.2.840.10040.4.3` is DSA with
/// SHA-1, say), with the OID.
pub(crate) fn algorithm_words(oid: &[u8]) -> String {
    let oid = x509_parser::der_parser::oid::Oid::new(std::borrow::Cow::Borrowed(oid));
    let id = oid.to_id_string();
    match ALGORITHMS.iter().find(|(known, _)| *known == id) {
        Some((_, name)) => format!("{name} ({id})"),
        None => oid_words(&oid),
    }
}
