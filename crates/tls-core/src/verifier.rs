//! Verifiers that explain: rustls' webpki verifiers for both sides, whose rejections come back as
//! sentences a person can act on (which names a certificate holds, its dates, who signed it, whether
//! the chain looks incomplete or a CA was made again with the same name); and public-key pins.
//!
//! The `config` module builds configurations with them; `tls-cert verify` uses
//! [`explaining_verifier_with`] on its own.

use std::fmt;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::danger::ClientCertVerifier;
use rustls::{CertificateError, DigitallySignedStruct, OtherError, RootCertStore, SignatureScheme};

use crate::certstore;
use crate::crypto::provider;
use crate::error::{Error, Result};
use crate::fault::{Chain, Found};
use crate::refusal::{Dates, Place, Presenter, Reason, Refusal};
use crate::x509;

/// A public-key pin: base64 of SHA-256 over a certificate's SubjectPublicKeyInfo, as
/// `tls-cert inspect` prints it (pin-sha256).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin(String);

impl std::str::FromStr for Pin {
    type Err = String;

    /// Takes `sha256//BASE64` (curl's form) or the bare base64.
    fn from_str(text: &str) -> std::result::Result<Self, String> {
        use base64::Engine as _;
        let value = text.strip_prefix("sha256//").unwrap_or(text);
        match base64::engine::general_purpose::STANDARD.decode(value) {
            Ok(bytes) if bytes.len() == 32 => Ok(Self(value.to_owned())),
            _ => Err(format!(
                "{text:?} is not a pin: give sha256// and the base64 SHA-256 of the public key (the certificate's pin-sha256)"
            )),
        }
    }
}

impl fmt::Display for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256//{}", self.0)
    }
}

/// A verifier that judges the server's certificate by its key, and always checks that the handshake
/// was signed with that key.
#[derive(Debug)]
struct KeyVerifier {
    check: KeyCheck,
    algorithms: rustls::crypto::WebPkiSupportedAlgorithms,
}

#[derive(Debug)]
enum KeyCheck {
    /// Any certificate: for looking at what a server presents, never for sending data.
    AcceptAny,
    /// `inner`, when there is one, must accept the chain, and one key of the chain must have one of
    /// the pins: the server's own, that of a certificate it sent that signed the one before it, or
    /// that of one of `anchors` that signed the top of the chain.
    Pins {
        pins: Vec<Pin>,
        inner: Option<Arc<dyn ServerCertVerifier>>,
        anchors: Vec<Anchor>,
    },
}

/// rustls' webpki client-certificate verifier, whose rejections are explained in the server's log
/// (through [`certstore::recording`]): which CA the certificate names, whether a CA of that name is trusted but did not sign it, and
/// a server certificate offered as a client's.
#[derive(Debug)]
struct ExplainingClientVerifier {
    inner: Arc<dyn ClientCertVerifier>,
    anchors: Vec<Anchor>,
}

impl ClientCertVerifier for ExplainingClientVerifier {
    fn root_hint_subjects(&self) -> &[rustls::DistinguishedName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> std::result::Result<rustls::server::danger::ClientCertVerified, rustls::Error> {
        self.inner
            .verify_client_cert(end_entity, intermediates, now)
            .inspect_err(|err| {
                // The error itself stays rustls' own, so the client gets the alert that fits
                // (decrypt_error, unsupported_certificate, ...); the words go to the server's log.
                if let rustls::Error::InvalidCertificate(kind) = err {
                    certstore::note_client_certificate_problem(self.explain(kind, end_entity, intermediates, now));
                }
            })
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

impl ExplainingClientVerifier {
    fn explain(
        &self,
        kind: &CertificateError,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Refusal {
        let last = intermediates.last().unwrap_or(end_entity);
        let issuer = x509::issuer(last);
        let issuer_der = x509::issuer_der(last);
        let same_name = self.anchors.iter().any(|a| Some(&a.name) == issuer_der.as_ref());
        let reason = match kind {
            CertificateError::BadSignature | CertificateError::UnknownIssuer if same_name => Reason::SameNameOtherKey {
                name: String::new(),
                issuer,
                client: true,
            },
            CertificateError::UnknownIssuer => Reason::UnknownIssuer {
                name: String::new(),
                issuer,
                trusted: Vec::new(),
                presenter: Presenter::Server,
                chain_end: None,
                client: true,
            },
            CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
                Reason::WrongPurpose { client: true }
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => Reason::Expired {
                dates: dates(end_entity, now, false),
                presenter: Presenter::Server,
                client: true,
            },
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => Reason::NotValidYet {
                dates: dates(end_entity, now, false),
                presenter: Presenter::Server,
                client: true,
            },
            other => Reason::Other {
                detail: crate::names::words(&format!("{other:?}")),
            },
        };
        Refusal {
            place: Place::Peer,
            subject: x509::subject(end_entity),
            reason,
            within_its_dates: None,
        }
    }
}

/// `cert`'s dates and the time checked.
fn dates(cert: &CertificateDer<'_>, now: UnixTime, time_given: bool) -> Dates {
    let (not_before, not_after) = x509::validity(cert).unzip();
    Dates {
        not_before,
        not_after,
        checked_at: x509::unix_to_rfc3339(i64::try_from(now.as_secs()).unwrap_or(i64::MAX)),
        time_given,
    }
}

/// A CA's name and key (DER Name and SubjectPublicKeyInfo): enough to check what it signed, and its pin.
#[derive(Debug, Clone)]
struct Anchor {
    name: Vec<u8>,
    spki: Vec<u8>,
}

fn anchors(roots: &RootCertStore) -> Vec<Anchor> {
    roots
        .roots
        .iter()
        .map(|anchor| {
            let (name, spki) =
                x509::anchor_name_and_key(anchor.subject.as_ref(), anchor.subject_public_key_info.as_ref());
            Anchor { name, spki }
        })
        .collect()
}

/// The keys that vouch for `end_entity`, as (whose, pin): its own, then that of each sent certificate
/// or anchor that signed the one before, in order.
fn vouching_keys(
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    anchors: &[Anchor],
) -> Vec<(String, String)> {
    let mut keys = Vec::new();
    let mut last = end_entity;
    let mut used = vec![false; intermediates.len()];
    loop {
        if let Ok(pin) = crate::inspect::pin_sha256(last) {
            keys.push((x509::subject(last), pin));
        }
        let next = (0..intermediates.len()).find(|&i| !used[i] && x509::issued(&intermediates[i], last));
        if let Some(i) = next {
            used[i] = true;
            last = &intermediates[i];
            continue;
        }
        if let Some(anchor) = anchors.iter().find(|a| x509::signed_by(last, &a.name, &a.spki)) {
            let whose = x509::name_from_der(&anchor.name).unwrap_or_else(|| "(trust anchor)".into());
            keys.push((whose, crate::inspect::pin_of_spki(&anchor.spki)));
        }
        return keys;
    }
}

impl ServerCertVerifier for KeyVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        let KeyCheck::Pins { pins, inner, anchors } = &self.check else {
            return Ok(ServerCertVerified::assertion());
        };
        crate::inspect::pin_sha256(end_entity).map_err(|_| CertificateError::BadEncoding)?;
        // The chain first: a pin never excuses a certificate the CA does not vouch for.
        let verified = match inner {
            Some(inner) => inner.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)?,
            None => ServerCertVerified::assertion(),
        };
        let keys = vouching_keys(end_entity, intermediates, anchors);
        if keys.iter().any(|(_, key)| pins.iter().any(|pin| &pin.0 == key)) {
            return Ok(verified);
        }
        Err(refused(CertificateRejected {
            kind: CertificateError::ApplicationVerificationFailure,
            refusal: Refusal {
                place: Place::Peer,
                subject: x509::subject(end_entity),
                reason: Reason::PinMismatch {
                    pins: pins.iter().map(Pin::to_string).collect(),
                    keys,
                },
                within_its_dates: None,
            },
        }))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        match self.check {
            KeyCheck::AcceptAny => signed_by_key_of(message, cert, dss, &self.algorithms),
            KeyCheck::Pins { .. } => rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms),
        }
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        match self.check {
            // TLS 1.3 allows no PKCS#1 v1.5 and no SHA-1 signatures (RFC 8446 4.2.3).
            KeyCheck::AcceptAny
                if matches!(
                    dss.scheme,
                    SignatureScheme::ECDSA_NISTP256_SHA256
                        | SignatureScheme::ECDSA_NISTP384_SHA384
                        | SignatureScheme::ECDSA_NISTP521_SHA512
                        | SignatureScheme::ED25519
                        | SignatureScheme::ED448
                        | SignatureScheme::RSA_PSS_SHA256
                        | SignatureScheme::RSA_PSS_SHA384
                        | SignatureScheme::RSA_PSS_SHA512
                ) =>
            {
                signed_by_key_of(message, cert, dss, &self.algorithms)
            }
            _ => rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms),
        }
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// Whether the handshake was signed with the key in `cert`, read from its SubjectPublicKeyInfo alone.
/// rustls' own check first parses the certificate as webpki would judge it, which refuses a v1
/// certificate or one with a critical extension it does not process: looking at such a server (what
/// `inspect --connect` is for) needs only its key.
fn signed_by_key_of(
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
    algorithms: &rustls::crypto::WebPkiSupportedAlgorithms,
) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
    let (algorithm, key) = crate::inspect::der::spki_parts(cert).ok_or(CertificateError::BadEncoding)?;
    let candidates = algorithms
        .mapping
        .iter()
        .find(|(scheme, _)| *scheme == dss.scheme)
        .map(|(_, candidates)| *candidates)
        .ok_or(rustls::PeerMisbehaved::SignedHandshakeWithUnadvertisedSigScheme)?;
    let fitting = candidates
        .iter()
        .filter(|alg| alg.public_key_alg_id().as_ref() == algorithm)
        .collect::<Vec<_>>();
    if fitting.is_empty() {
        return Err(rustls::Error::InvalidCertificate(
            CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext {
                signature_algorithm_id: Vec::new(),
                public_key_algorithm_id: algorithm.to_vec(),
            },
        ));
    }
    if fitting
        .iter()
        .any(|alg| alg.verify_signature(key, message, dss.signature()).is_ok())
    {
        Ok(HandshakeSignatureValid::assertion())
    } else {
        Err(rustls::Error::InvalidCertificate(CertificateError::BadSignature))
    }
}

/// rustls' webpki client-certificate verifier `inner` for a server trusting `roots`, with its rejections
/// explained in the server's log.
pub(crate) fn explaining_client_verifier(
    inner: Arc<dyn ClientCertVerifier>,
    roots: &RootCertStore,
) -> Arc<dyn ClientCertVerifier> {
    Arc::new(ExplainingClientVerifier {
        inner,
        anchors: anchors(roots),
    })
}

/// Verifies `end_entity` (with `intermediates`) as a client certificate, as a server trusting `roots`
/// for its clients does (rustls' webpki client verifier), the refusal explained.
///
/// # Errors
/// [`Error::Config`] when the roots are unusable (none at all, for example).
pub(crate) fn verify_client_certificate(
    roots: Arc<RootCertStore>,
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    now: UnixTime,
) -> Result<std::result::Result<(), Refusal>> {
    let inner = rustls::server::WebPkiClientVerifier::builder_with_provider(roots.clone(), Arc::new(provider()))
        .build()
        .map_err(|err| Error::Config {
            side: "server",
            cause: rustls::Error::General(err.to_string()),
        })?;
    let kind = match inner.verify_client_cert(end_entity, intermediates, now) {
        Ok(_) => return Ok(Ok(())),
        Err(rustls::Error::InvalidCertificate(kind)) => kind,
        Err(other) => CertificateError::Other(OtherError(Arc::new(other))),
    };
    // webpki's finer refusals say the same of a client's chain as of a server's.
    if let CertificateError::Other(other) = &kind {
        if let Some(refused) = other.0.downcast_ref::<webpki::Error>() {
            let chain = Chain {
                leaf: end_entity,
                intermediates,
                anchors: &roots.roots,
            };
            return Ok(Err(webpki_refusal(refused, &chain, Presenter::Server)));
        }
    }
    let explaining = ExplainingClientVerifier {
        inner,
        anchors: anchors(&roots),
    };
    Ok(Err(explaining.explain(&kind, end_entity, intermediates, now)))
}

/// A verifier requiring one key of the server's chain to have one of `pins`, after `inner` (when given)
/// accepted the chain; a pin may also name the key of a CA of `roots` that vouches for the chain.
pub(crate) fn pinned_verifier(
    pins: &[Pin],
    inner: Option<Arc<dyn ServerCertVerifier>>,
    roots: Option<&RootCertStore>,
    algorithms: rustls::crypto::WebPkiSupportedAlgorithms,
) -> Arc<dyn ServerCertVerifier> {
    Arc::new(KeyVerifier {
        check: KeyCheck::Pins {
            pins: pins.to_vec(),
            inner,
            anchors: roots.map(anchors).unwrap_or_default(),
        },
        algorithms,
    })
}

/// A verifier accepting any certificate whose key signed the handshake: for looking, never for sending
/// data.
pub(crate) fn accept_any(algorithms: rustls::crypto::WebPkiSupportedAlgorithms) -> Arc<dyn ServerCertVerifier> {
    Arc::new(KeyVerifier {
        check: KeyCheck::AcceptAny,
        algorithms,
    })
}

/// rustls' webpki server-certificate verifier trusting `roots`, whose rejections come back as
/// [`CertificateRejected`] explanations.
///
/// # Errors
/// [`Error::Config`] when the roots are unusable (none at all, for example).
pub fn explaining_verifier(roots: Arc<RootCertStore>, presenter: Presenter) -> Result<Arc<dyn ServerCertVerifier>> {
    explaining_verifier_with(roots, presenter, false)
}

/// As [`explaining_verifier`]; with `time_given`, the time checked is one the user chose, so
/// explanations say "the time checked" and never blame a clock.
///
/// # Errors
/// As [`explaining_verifier`].
pub fn explaining_verifier_with(
    roots: Arc<RootCertStore>,
    presenter: Presenter,
    time_given: bool,
) -> Result<Arc<dyn ServerCertVerifier>> {
    let inner = WebPkiServerVerifier::builder_with_provider(roots.clone(), Arc::new(provider()))
        .build()
        .map_err(|err| Error::Config {
            side: "client",
            cause: rustls::Error::General(err.to_string()),
        })?;
    Ok(Arc::new(ExplainingVerifier {
        inner,
        roots,
        presenter,
        time_given,
    }))
}

/// Why a certificate was rejected: rustls' classification and the [`Refusal`] with its facts.
///
/// A handshake run by this crate's `client` module gets it aside, and the rustls error is `kind` itself, so the
/// alert the server is sent says what was wrong (unknown_ca, certificate_expired, bad_certificate).
/// Elsewhere (`tls-cert verify`, or a connector of the caller's own) it is carried inside
/// `CertificateError::Other` so it survives the trip through rustls and tokio-rustls; rustls sends that
/// as certificate_unknown. `kind` keeps rustls' own classification for programs.
#[derive(Debug)]
pub struct CertificateRejected {
    /// rustls' classification of the failure.
    pub kind: CertificateError,
    /// What is wrong, with its facts, and what to do.
    pub refusal: Refusal,
}

impl CertificateRejected {
    /// The explanation inside a rustls error, when the error came from this crate's verifier.
    pub fn find(err: &rustls::Error) -> Option<&Self> {
        match err {
            rustls::Error::InvalidCertificate(CertificateError::Other(other)) => other.0.downcast_ref::<Self>(),
            _ => None,
        }
    }
}

impl fmt::Display for CertificateRejected {
    /// The refusal and what to do, in the library's words.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.refusal.remedy() {
            Some(remedy) => write!(f, "{}; {remedy}", self.refusal),
            None => write!(f, "{}", self.refusal),
        }
    }
}

impl std::error::Error for CertificateRejected {}

crate::noting::slot! {
    /// Why the server's certificate was refused, for the handshake this task drives inside
    /// [`explained`].
    static REFUSED: Mutex<Option<CertificateRejected>>;
}

/// Runs a client handshake, giving back with its outcome the explanation of the server certificate
/// it refused, when it refused one.
#[cfg(feature = "net")]
pub(crate) async fn explained<F: Future>(handshake: F) -> (F::Output, Option<CertificateRejected>) {
    crate::noting::noting(&REFUSED, handshake).await
}

/// The verifier's error for `rejected`: rustls' own kind inside [`explained`], the explanation noted
/// aside; the explanation itself, inside `CertificateError::Other`, anywhere else.
fn refused(rejected: CertificateRejected) -> rustls::Error {
    let kind = rejected.kind.clone();
    let mut carried = Some(rejected);
    crate::noting::note(&REFUSED, |noted| *noted = carried.take());
    match carried {
        None => rustls::Error::InvalidCertificate(kind),
        Some(rejected) => rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(rejected)))),
    }
}

/// rustls' webpki verifier, with each rejection rewritten as a [`CertificateRejected`].
#[derive(Debug)]
struct ExplainingVerifier {
    inner: Arc<WebPkiServerVerifier>,
    roots: Arc<RootCertStore>,
    presenter: Presenter,
    /// The time checked is the user's choice, not the clock's.
    time_given: bool,
}

impl ExplainingVerifier {
    /// webpki stops at the first problem, and checks the dates before the chain's trust and the name:
    /// a certificate outside its dates is checked again at the middle of them, so the one who renews
    /// it hears of what would fail next (another CA, another name) now, not after renewing.
    fn beyond_the_dates(
        &self,
        kind: &CertificateError,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
    ) -> Option<Refusal> {
        let dated = |kind: &CertificateError| {
            matches!(
                kind,
                CertificateError::Expired
                    | CertificateError::ExpiredContext { .. }
                    | CertificateError::NotValidYet
                    | CertificateError::NotValidYetContext { .. }
            )
        };
        let (from, to) = x509::validity_unix(end_entity).filter(|_| dated(kind))?;
        let middle = UnixTime::since_unix_epoch(std::time::Duration::from_secs(u64::try_from(from / 2 + to / 2).ok()?));
        match self
            .inner
            .verify_server_cert(end_entity, intermediates, server_name, &[], middle)
        {
            // Another date (an intermediate's) would be told as of that made-up time: left out.
            Err(rustls::Error::InvalidCertificate(other)) if !dated(&other) => {
                Some(explain(&other, end_entity, intermediates, server_name, middle, self))
            }
            _ => None,
        }
    }
}

impl ServerCertVerifier for ExplainingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        self.inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            .map_err(|err| match err {
                rustls::Error::InvalidCertificate(kind) => {
                    let mut refusal = explain(&kind, end_entity, intermediates, server_name, now, self);
                    refusal.within_its_dates = self
                        .beyond_the_dates(&kind, end_entity, intermediates, server_name)
                        .map(Box::new);
                    refused(CertificateRejected { kind, refusal })
                }
                other => other,
            })
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

fn explain(
    kind: &CertificateError,
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    server_name: &ServerName<'_>,
    now: UnixTime,
    verifier: &ExplainingVerifier,
) -> Refusal {
    let name = server_name.to_str().into_owned();
    let chain = Chain {
        leaf: end_entity,
        intermediates,
        anchors: &verifier.roots.roots,
    };
    let peer = (Place::Peer, x509::subject(end_entity));
    let at = |(place, subject): Found, reason| Refusal {
        place,
        subject,
        reason,
        within_its_dates: None,
    };
    let last = intermediates.last().unwrap_or(end_entity);
    if matches!(
        kind,
        CertificateError::BadSignature | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. }
    ) && verifier.trusts_a_ca_named_as_issuer_of(last)
    {
        return same_name(&chain, last, name, kind);
    }
    // The certificate outside its dates, found by the date the verifier names.
    let dated = |time: Option<UnixTime>, ends: bool| {
        let found = time
            .and_then(|time| chain.dated(time, ends))
            .unwrap_or_else(|| peer.clone());
        let cert = chain.at(found.0).unwrap_or(end_entity);
        (found, dates(cert, now, verifier.time_given))
    };
    match kind {
        CertificateError::UnknownIssuer => at(peer, unknown_issuer(end_entity, intermediates, name, verifier)),
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            at(peer, wrong_name(end_entity, server_name, name))
        }
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            let not_after = match kind {
                CertificateError::ExpiredContext { not_after, .. } => Some(*not_after),
                _ => None,
            };
            let (found, dates) = dated(not_after, true);
            let (presenter, client) = (verifier.presenter, false);
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
            let (presenter, client) = (verifier.presenter, false);
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
            Some(refused) => webpki_refusal(refused, &chain, verifier.presenter),
            None => at(
                peer,
                Reason::Other {
                    detail: crate::names::words(&other.to_string()),
                },
            ),
        },
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            at(peer, Reason::WrongPurpose { client: false })
        }
        other => signature_or_encoding(other, &chain),
    }
}

/// The refusals about a certificate's signature, key, encoding, revocation and extensions, each at
/// the certificate the chain shows at fault.
fn signature_or_encoding(kind: &CertificateError, chain: &Chain<'_>) -> Refusal {
    let end_entity = chain.leaf;
    let peer = (Place::Peer, x509::subject(end_entity));
    let at = |(place, subject): Found, reason| Refusal {
        place,
        subject,
        reason,
        within_its_dates: None,
    };
    match kind {
        CertificateError::BadSignature => {
            let found = chain.bad_signature().unwrap_or(peer);
            let issuer = chain.at(found.0).map_or_else(|| x509::issuer(end_entity), x509::issuer);
            at(found, Reason::BadSignature { issuer })
        }
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
        CertificateError::Revoked => at(peer, Reason::Revoked),
        CertificateError::UnknownRevocationStatus => at(peer, Reason::RevocationUnknown),
        CertificateError::ExpiredRevocationList | CertificateError::ExpiredRevocationListContext { .. } => {
            at(peer, Reason::ExpiredCrl)
        }
        CertificateError::InvalidOcspResponse => at(peer, Reason::BadOcspResponse),
        CertificateError::UnhandledCriticalExtension => {
            let (place, subject, extension) = chain
                .unknown_critical()
                .map_or((peer.0, peer.1, None), |(place, subject, ext)| {
                    (place, subject, Some(ext))
                });
            at((place, subject), Reason::UnknownCriticalExtension { extension })
        }
        other => at(
            peer,
            Reason::Other {
                detail: crate::names::words(&format!("{other:?}")),
            },
        ),
    }
}

/// The names `end_entity` holds, none of them `name`.
fn wrong_name(end_entity: &CertificateDer<'_>, server_name: &ServerName<'_>, name: String) -> Reason {
    let held = x509::alt_names(end_entity);
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

/// The certificate the chain ends at names a trusted CA as its issuer, but that CA's key did not
/// check its signature: a CA made again with the same name and another key, unless the trusted CA's
/// key is the one that signed it and the verifier cannot use that key (a weak or odd key).
fn same_name(chain: &Chain<'_>, last: &CertificateDer<'_>, name: String, kind: &CertificateError) -> Refusal {
    let issuer = x509::issuer(last);
    let issuer_der = x509::issuer_der(last).unwrap_or_default();
    if let Some(refused) = unusable_key(chain) {
        return refused;
    }
    let signed_by_trusted = chain
        .anchors
        .iter()
        .filter(|anchor| x509::anchor_name(anchor.subject.as_ref()) == issuer_der)
        .any(|anchor| {
            let (_, spki) = x509::anchor_name_and_key(anchor.subject.as_ref(), anchor.subject_public_key_info.as_ref());
            x509::signed_by(last, &issuer_der, &spki)
        });
    let unusable = matches!(
        kind,
        CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. }
    );
    if signed_by_trusted || unusable {
        return Refusal {
            place: Place::TrustAnchor,
            subject: issuer,
            reason: Reason::UnusableKey { key: None },
            within_its_dates: None,
        };
    }
    Refusal {
        place: Place::Peer,
        subject: x509::subject(chain.leaf),
        reason: Reason::SameNameOtherKey {
            name,
            issuer,
            client: false,
        },
        within_its_dates: None,
    }
}

/// A CA of the chain whose key the verifier cannot use, when there is one.
fn unusable_key(chain: &Chain<'_>) -> Option<Refusal> {
    let (place, subject, key) = chain.refused_key()?;
    Some(Refusal {
        place,
        subject,
        reason: Reason::UnusableKey { key: Some(key) },
        within_its_dates: None,
    })
}

/// What webpki refused, for the refusals rustls passes on as they are.
fn webpki_refusal(refused: &webpki::Error, chain: &Chain<'_>, presenter: Presenter) -> Refusal {
    let peer = (Place::Peer, x509::subject(chain.leaf));
    let (found, reason) = match refused {
        webpki::Error::CaUsedAsEndEntity => (
            peer,
            Reason::CaAsLeaf {
                self_signed: x509::is_self_issued(chain.leaf),
                presenter,
            },
        ),
        webpki::Error::EndEntityUsedAsCa => (chain.not_a_ca().unwrap_or(peer), Reason::NotACa),
        webpki::Error::NameConstraintViolation => {
            let breach = crate::constraints::breach(chain.leaf, chain.intermediates, chain.anchors);
            let found = match &breach {
                Some(breach) => (chain.place_of(&breach.ca), breach.ca.clone()),
                None => chain.constraining_ca().unwrap_or(peer),
            };
            (
                found,
                Reason::NameConstraint {
                    breach: breach.map(|breach| breach.sentence),
                },
            )
        }
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
                    allowed_and_below: Some((allowed, below)),
                },
            ),
            None => (
                peer,
                Reason::PathLength {
                    allowed_and_below: None,
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
    Refusal {
        place: found.0,
        subject: found.1,
        reason,
        within_its_dates: None,
    }
}

impl ExplainingVerifier {
    /// The trusted CAs by name when there are a few (a CA file), none for a large store (Mozilla's
    /// roots).
    fn trusted_names(&self) -> Vec<String> {
        let roots = &self.roots.roots;
        if roots.len() > 3 {
            return Vec::new();
        }
        roots
            .iter()
            .filter_map(|anchor| x509::name_from_der_contents(anchor.subject.as_ref()))
            .collect()
    }

    /// Whether a trusted CA has the name `cert` gives as its issuer (compared as DER, so multi-part names
    /// match however they are written).
    fn trusts_a_ca_named_as_issuer_of(&self, cert: &CertificateDer<'_>) -> bool {
        let Some(issuer) = x509::issuer_der(cert) else {
            return false;
        };
        self.roots
            .roots
            .iter()
            .any(|anchor| x509::anchor_name(anchor.subject.as_ref()) == issuer)
    }
}

fn unknown_issuer(
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    name: String,
    verifier: &ExplainingVerifier,
) -> Reason {
    if x509::is_self_issued(end_entity) {
        return Reason::SelfSigned { name };
    }
    let last = intermediates.last().unwrap_or(end_entity);
    let issuer = x509::issuer(last);
    if x509::is_self_issued(last) {
        return Reason::UntrustedRoot {
            name,
            root: x509::subject(last),
            trusted: verifier.trusted_names(),
        };
    }
    if verifier.trusts_a_ca_named_as_issuer_of(last) {
        return Reason::SameNameOtherKey {
            name,
            issuer,
            client: false,
        };
    }
    Reason::UnknownIssuer {
        name,
        issuer,
        trusted: verifier.trusted_names(),
        presenter: verifier.presenter,
        chain_end: (!intermediates.is_empty()).then(|| (x509::subject(last), x509::issuer(end_entity))),
        client: false,
    }
}
