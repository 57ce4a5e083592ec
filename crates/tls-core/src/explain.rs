//! A verifier's refusal turned into a [`Refusal`]: rustls' and rustls-webpki's error, read together
//! with the chain itself (`fault.rs`), gives the certificate at fault, its place and the facts. One
//! function serves a server's certificate and a client's, presented in a handshake or in a file.

use rustls::CertificateError;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};

use crate::fault::{Chain, Found};
use crate::refusal::{Dates, Place, Presenter, Reason, Refusal};
use crate::x509;

/// Who is asking, besides the error and the chain.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Context {
    /// Who presented the chain: a peer in a handshake, or a file.
    pub(crate) presenter: Presenter,
    /// The time checked was chosen by the user, not the clock's.
    pub(crate) time_given: bool,
    /// The chain is a client's (checked for clientAuth and no name).
    pub(crate) client: bool,
}

/// Explains `kind`, rustls' refusal of a certificate chain of our own (`chain`, the leaf first) when
/// it was loaded: no peer, no trusted CA.
pub(crate) fn own_chain(kind: &CertificateError, chain: &[CertificateDer<'_>]) -> Option<Refusal> {
    let (leaf, intermediates) = chain.split_first()?;
    let chain = Chain {
        leaf,
        intermediates,
        anchors: &[],
        crls: &[],
    };
    let cx = Context {
        presenter: Presenter::File,
        time_given: false,
        client: false,
    };
    Some(explain(kind, &chain, None, UnixTime::now(), cx))
}

/// Explains `kind`, rustls' refusal of `chain` for `server_name` (none for a client) at `now`.
pub(crate) fn explain(
    kind: &CertificateError,
    chain: &Chain<'_>,
    server_name: Option<&ServerName<'_>>,
    now: UnixTime,
    cx: Context,
) -> Refusal {
    let name = server_name.map(|name| name.to_str().into_owned());
    let peer = (Place::Peer, x509::subject(chain.leaf));
    let last = chain.intermediates.last().unwrap_or(chain.leaf);
    if matches!(
        kind,
        CertificateError::BadSignature
            | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. }
            | CertificateError::UnknownIssuer
    ) && chain.trusts_a_ca_named_as_issuer_of(last)
    {
        return same_name(chain, last, kind, cx);
    }
    // The certificate outside its dates, found by the date the verifier names.
    let dated = |time: Option<UnixTime>, ends: bool| {
        let found = time
            .and_then(|time| chain.dated(time, ends))
            .unwrap_or_else(|| peer.clone());
        let cert = chain.at(found.0).unwrap_or(chain.leaf);
        (found, dates(cert, now, cx.time_given))
    };
    let (presenter, client) = (cx.presenter, cx.client);
    match kind {
        CertificateError::UnknownIssuer => at(peer, unknown_issuer(chain, name, cx)),
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => match server_name {
            Some(server_name) => at(peer, wrong_name(chain.leaf, server_name)),
            None => signature_or_encoding(kind, chain),
        },
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            let not_after = match kind {
                CertificateError::ExpiredContext { not_after, .. } => Some(*not_after),
                _ => None,
            };
            let (found, dates) = dated(not_after, true);
            at(
                found,
                Reason::Expired {
                    dates,
                    presenter,
                    client,
                },
            )
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            let not_before = match kind {
                CertificateError::NotValidYetContext { not_before, .. } => Some(*not_before),
                _ => None,
            };
            let (found, dates) = dated(not_before, false);
            at(
                found,
                Reason::NotValidYet {
                    dates,
                    presenter,
                    client,
                },
            )
        }
        // webpki's finer errors reach us wrapped in `Other`, as its own values.
        CertificateError::Other(other) => match other.0.downcast_ref::<webpki::Error>() {
            Some(refused) => webpki_refusal(refused, chain, cx),
            None if other.0.is::<crate::revocation::UnusableCrl>() => at(
                peer,
                Reason::BadCrl {
                    detail: other.0.to_string(),
                },
            ),
            None => at(
                peer,
                Reason::Other {
                    detail: crate::names::words(&other.to_string()),
                },
            ),
        },
        // The certificate whose extended key usage lacks it: the peer's, or a CA's above it.
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => at(
            chain.lacks_usage(client).unwrap_or(peer),
            Reason::WrongPurpose { client },
        ),
        CertificateError::Revoked => at(peer, revoked(chain, client)),
        other => signature_or_encoding(other, chain),
    }
}

/// A refusal of the certificate at `found`.
fn at((place, subject): Found, reason: Reason) -> Refusal {
    Refusal {
        place,
        subject,
        reason,
        within_its_dates: None,
    }
}

/// `cert`'s dates and the time checked.
pub(crate) fn dates(cert: &CertificateDer<'_>, now: UnixTime, time_given: bool) -> Dates {
    let (not_before, not_after) = x509::validity(cert).unzip();
    Dates {
        not_before,
        not_after,
        checked_at: x509::unix_to_rfc3339(i64::try_from(now.as_secs()).unwrap_or(i64::MAX)),
        time_given,
    }
}

/// The refusals about a certificate's signature, key, encoding, revocation and extensions, each at
/// the certificate the chain shows at fault.
fn signature_or_encoding(kind: &CertificateError, chain: &Chain<'_>) -> Refusal {
    let peer = (Place::Peer, x509::subject(chain.leaf));
    match kind {
        CertificateError::BadSignature => match chain.bad_signature() {
            Some(found) => {
                let issuer = chain.at(found.0).map_or_else(|| x509::issuer(chain.leaf), x509::issuer);
                at(found, Reason::BadSignature { issuer })
            }
            // Every signature checks with a key of the chain: the path the verifier tried is the fault.
            None => at(peer, Reason::NoAcceptedPath),
        },
        CertificateError::UnsupportedSignatureAlgorithmContext {
            signature_algorithm_id, ..
        } => {
            let oid = oid_of(signature_algorithm_id);
            let algorithm = oid.map(crate::fault::algorithm_words);
            at(
                oid.and_then(|oid| chain.signed_with(oid)).unwrap_or(peer),
                Reason::UnsupportedAlgorithm { algorithm },
            )
        }
        CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => unusable_key(chain)
            .unwrap_or_else(|| at(chain.bad_signature().unwrap_or(peer), Reason::UnusableKey { key: None })),
        CertificateError::BadEncoding => at(chain.unreadable().unwrap_or(peer), Reason::BadDer),
        CertificateError::UnknownRevocationStatus => at(
            peer,
            Reason::RevocationUnknown {
                issuer: x509::issuer(chain.leaf),
            },
        ),
        CertificateError::ExpiredRevocationList => at(peer, Reason::ExpiredCrl { next_update: None }),
        CertificateError::ExpiredRevocationListContext { next_update, .. } => at(
            peer,
            Reason::ExpiredCrl {
                next_update: i64::try_from(next_update.as_secs()).ok().map(x509::unix_to_rfc3339),
            },
        ),
        CertificateError::InvalidOcspResponse => at(
            peer,
            Reason::BadOcspResponse {
                detail: "rustls refused it".to_owned(),
            },
        ),
        CertificateError::UnhandledCriticalExtension => match chain.unknown_critical() {
            Some((place, subject, extension)) => at(
                (place, subject),
                Reason::UnknownCriticalExtension {
                    extension: Some(extension),
                },
            ),
            None => at(peer, Reason::UnknownCriticalExtension { extension: None }),
        },
        other => at(
            peer,
            Reason::Other {
                detail: crate::names::words(&format!("{other:?}")),
            },
        ),
    }
}

/// The peer's certificate, revoked: its entry in the CRLs consulted (serial, date, reason).
fn revoked(chain: &Chain<'_>, client: bool) -> Reason {
    match crate::revocation::revoked_entry(chain.crls, chain.leaf) {
        Some(entry) => Reason::Revoked {
            serial: entry.serial,
            date: Some(entry.date),
            why: entry.reason.map(str::to_owned),
            client,
        },
        None => Reason::Revoked {
            serial: x509::serial_hex(chain.leaf),
            date: None,
            why: None,
            client,
        },
    }
}

/// The names `leaf` holds, none of them the name asked for.
fn wrong_name(leaf: &CertificateDer<'_>, server_name: &ServerName<'_>) -> Reason {
    let name = server_name.to_str().into_owned();
    let held = x509::alt_names(leaf);
    let ip_written_as_dns =
        matches!(server_name, ServerName::IpAddress(_)) && held.iter().any(|n| n == &format!("DNS {name}"));
    Reason::WrongName {
        name,
        held,
        ip_written_as_dns,
    }
}

/// The OID inside a DER AlgorithmIdentifier's contents (its first element), as DER contents.
fn oid_of(algorithm: &[u8]) -> Option<&[u8]> {
    match algorithm {
        [6, len, rest @ ..] if usize::from(*len) <= rest.len() && *len < 0x80 => Some(&rest[..usize::from(*len)]),
        _ => None,
    }
}

/// `last`, the certificate the chain ends at, names a trusted CA as its issuer, yet the verifier did
/// not accept it: the trusted CA's key is one the verifier refuses; or that key does not check
/// `last`'s signature (a CA made again with the same name, another key); or it does, and the fault is
/// elsewhere in how the chain is built.
fn same_name(chain: &Chain<'_>, last: &CertificateDer<'_>, kind: &CertificateError, cx: Context) -> Refusal {
    if let Some(refused) = unusable_key(chain) {
        return refused;
    }
    let issuer = x509::issuer(last);
    let issuer_der = x509::issuer_der(last).unwrap_or_default();
    let signed_by_trusted = chain
        .anchors
        .iter()
        .filter(|anchor| x509::anchor_name(anchor.subject.as_ref()) == issuer_der)
        .any(|anchor| {
            let (_, spki) = x509::anchor_name_and_key(anchor.subject.as_ref(), anchor.subject_public_key_info.as_ref());
            x509::signed_by(last, &issuer_der, &spki)
        });
    let place = chain.place_of_der(last);
    if signed_by_trusted {
        return match kind {
            CertificateError::UnknownIssuer => at((place, x509::subject(last)), Reason::NoAcceptedPath),
            _ => signature_or_encoding(kind, chain),
        };
    }
    at(
        (place, x509::subject(last)),
        Reason::SameNameOtherKey {
            issuer,
            client: cx.client,
        },
    )
}

/// A CA of the chain whose key the verifier cannot use, when there is one.
fn unusable_key(chain: &Chain<'_>) -> Option<Refusal> {
    let (place, subject, key) = chain.refused_key()?;
    Some(at((place, subject), Reason::UnusableKey { key: Some(key) }))
}

/// The issuer of the chain's last certificate is neither trusted nor presented.
fn unknown_issuer(chain: &Chain<'_>, name: Option<String>, cx: Context) -> Reason {
    if x509::is_self_issued(chain.leaf) {
        return Reason::SelfSigned { name };
    }
    let last = chain.intermediates.last().unwrap_or(chain.leaf);
    if x509::is_self_issued(last) {
        return Reason::UntrustedRoot {
            name,
            root: x509::subject(last),
            trusted: chain.trusted_names(),
        };
    }
    Reason::UnknownIssuer {
        name,
        issuer: x509::issuer(last),
        trusted: chain.trusted_names(),
        presenter: cx.presenter,
        chain_end: (!chain.intermediates.is_empty()).then(|| (x509::subject(last), x509::issuer(chain.leaf))),
        client: cx.client,
    }
}

/// What webpki refused, for the refusals rustls passes on as they are.
fn webpki_refusal(refused: &webpki::Error, chain: &Chain<'_>, cx: Context) -> Refusal {
    let peer = (Place::Peer, x509::subject(chain.leaf));
    let (found, reason) = match refused {
        webpki::Error::CaUsedAsEndEntity => (
            peer,
            Reason::CaAsLeaf {
                self_signed: x509::is_self_issued(chain.leaf),
                trusted_itself: chain.trusts(chain.leaf),
                client: cx.client,
            },
        ),
        webpki::Error::EndEntityUsedAsCa => (chain.not_a_ca().unwrap_or(peer), Reason::NotACa),
        webpki::Error::NameConstraintViolation => match crate::constraints::breach(chain) {
            Some((ca, breach)) => (ca, Reason::NameConstraint { breach: Some(breach) }),
            None => (
                chain.constraining_ca().unwrap_or(peer),
                Reason::NameConstraint { breach: None },
            ),
        },
        webpki::Error::MalformedNameConstraint => {
            (chain.constraining_ca().unwrap_or(peer), Reason::MalformedNameConstraint)
        }
        webpki::Error::InvalidNetworkMaskConstraint => {
            (chain.constraining_ca().unwrap_or(peer), Reason::BadNetworkMask)
        }
        webpki::Error::MalformedDnsIdentifier => (peer, Reason::MalformedDnsName),
        webpki::Error::UnsupportedNameType => (peer, Reason::UncheckableNameType),
        webpki::Error::MaximumNameConstraintComparisonsExceeded => (peer, Reason::TooManyNameComparisons),
        webpki::Error::PathLenConstraintViolated => match chain.path_length() {
            Some((place, subject, allowed, below)) => (
                (place, subject),
                Reason::PathLength {
                    allowed: Some(allowed),
                    below: Some(below),
                },
            ),
            None => (
                peer,
                Reason::PathLength {
                    allowed: None,
                    below: None,
                },
            ),
        },
        webpki::Error::UnsupportedCertVersion => (peer, Reason::OldVersion),
        webpki::Error::UnsupportedCriticalExtension => match chain.unknown_critical() {
            Some((place, subject, extension)) => (
                (place, subject),
                Reason::UnknownCriticalExtension {
                    extension: Some(extension),
                },
            ),
            None => (peer, Reason::UnknownCriticalExtension { extension: None }),
        },
        webpki::Error::EmptyEkuExtension => (chain.empty_eku().unwrap_or(peer), Reason::EmptyEku),
        webpki::Error::ExtensionValueInvalid | webpki::Error::MalformedExtensions => {
            (chain.unreadable().unwrap_or(peer), Reason::UnreadableExtension)
        }
        webpki::Error::InvalidCertValidity => (peer, Reason::InvertedDates),
        webpki::Error::InvalidSerialNumber => (peer, Reason::BadSerialNumber),
        webpki::Error::CertDistrusted => (peer, Reason::Distrusted),
        webpki::Error::MaximumPathDepthExceeded
        | webpki::Error::MaximumPathBuildCallsExceeded
        | webpki::Error::MaximumSignatureChecksExceeded => (peer, Reason::TooDeep),
        webpki::Error::SignatureAlgorithmMismatch => (
            chain.mismatched_algorithms().unwrap_or(peer),
            Reason::MismatchedAlgorithms,
        ),
        webpki::Error::UnsupportedSignatureAlgorithmContext(_) => {
            (peer, Reason::UnsupportedAlgorithm { algorithm: None })
        }
        webpki::Error::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => match unusable_key(chain) {
            Some(refused) => return refused,
            None => (chain.bad_signature().unwrap_or(peer), Reason::UnusableKey { key: None }),
        },
        webpki::Error::BadDer | webpki::Error::BadDerTime | webpki::Error::TrailingData(_) => {
            (chain.unreadable().unwrap_or(peer), Reason::BadDer)
        }
        other => (
            peer,
            Reason::Other {
                detail: format!("rustls-webpki: {}", crate::names::words(&format!("{other:?}"))),
            },
        ),
    };
    at(found, reason)
}
