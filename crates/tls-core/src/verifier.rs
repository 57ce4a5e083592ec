//! Verifiers that explain: rustls' webpki verifiers for both sides, whose rejections come back as
//! sentences a person can act on (which names a certificate holds, its dates, who signed it, whether
//! the chain looks incomplete or a CA was made again with the same name); and public-key pins.
//!
//! The `config` module builds configurations with them; `tls-cert verify` uses
//! [`explaining_verifier_with`] on its own.

use std::fmt;
use std::sync::{Arc, Mutex};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::danger::ClientCertVerifier;
use rustls::{CertificateError, DigitallySignedStruct, OtherError, RootCertStore, SignatureScheme};

use crate::certstore;
use crate::crypto::provider;
use crate::error::{Error, Result};
use crate::explain::{self, Context};
use crate::fault::Chain;
use crate::ocsp;
use crate::refusal::{Place, Presenter, Reason, Refusal};
use crate::revocation::{Crl, Crls, UnusableCrl, crl_words};
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
/// a server certificate offered as a client's. With CRLs, each check reads the current ones (a server
/// replaces them on reload); rustls' verifier is built again when they change.
#[derive(Debug)]
struct ExplainingClientVerifier {
    roots: Arc<RootCertStore>,
    crls: Option<Arc<Crls>>,
    /// rustls' verifier, and the CRLs it was built with.
    built: Mutex<Built>,
    hints: Vec<rustls::DistinguishedName>,
    /// Whether a client without a certificate is refused (else it is let in without one).
    mandatory: bool,
}

/// rustls' client-certificate verifier, and the CRLs it was built with.
type Built = (Arc<Vec<Crl>>, Arc<dyn ClientCertVerifier>);

impl ExplainingClientVerifier {
    fn new(roots: Arc<RootCertStore>, crls: Option<Arc<Crls>>) -> Result<Self> {
        let current = crls.as_ref().map(|crls| crls.current()).unwrap_or_default();
        let inner = client_webpki(roots.clone(), &current)?;
        Ok(Self {
            hints: inner.root_hint_subjects().to_vec(),
            roots,
            crls,
            built: Mutex::new((current, inner)),
            mandatory: true,
        })
    }

    /// rustls' verifier for the CRLs current now, and those CRLs.
    fn current(&self) -> std::result::Result<Built, rustls::Error> {
        let mut built = self.built.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(now) = self.crls.as_ref().map(|crls| crls.current()) {
            if !Arc::ptr_eq(&now, &built.0) {
                let inner = client_webpki(self.roots.clone(), &now).map_err(|err| match err {
                    Error::Config { cause, .. } => cause,
                    other => rustls::Error::General(other.to_string()),
                })?;
                *built = (now, inner);
            }
        }
        Ok(built.clone())
    }
}

/// `$builder`, rustls' webpki verifier builder of either side, checking the end entity against `$crls`
/// when there are any, its issuer's list required, and refusing a list past its next update (the two
/// builders share these methods, not a trait).
macro_rules! checking_crls {
    ($builder:expr, $crls:expr) => {
        if $crls.is_empty() {
            $builder
        } else {
            $builder
                .with_crls($crls.iter().cloned())
                .only_check_end_entity_revocation()
                .enforce_revocation_expiration()
        }
    };
}

/// rustls' webpki client-certificate verifier trusting `roots`, checking the end entity against
/// `crls` when there are any (and refusing a list past its next update).
fn client_webpki(roots: Arc<RootCertStore>, crls: &[Crl]) -> Result<Arc<dyn ClientCertVerifier>> {
    let builder = rustls::server::WebPkiClientVerifier::builder_with_provider(roots, Arc::new(provider()));
    checking_crls!(builder, crls).build().map_err(|err| Error::Config {
        side: "server",
        cause: rustls::Error::General(err.to_string()),
    })
}

impl ClientCertVerifier for ExplainingClientVerifier {
    fn root_hint_subjects(&self) -> &[rustls::DistinguishedName] {
        &self.hints
    }

    fn client_auth_mandatory(&self) -> bool {
        self.mandatory
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> std::result::Result<rustls::server::danger::ClientCertVerified, rustls::Error> {
        let (crls, inner) = self.current()?;
        inner
            .verify_client_cert(end_entity, intermediates, now)
            .inspect_err(|err| {
                // The error itself stays rustls' own, so the client gets the alert that fits
                // (decrypt_error, unsupported_certificate, certificate_revoked, ...); the words go to the
                // server's log.
                if let Some(kind) = certificate_error(err) {
                    certstore::note_client_certificate_problem(self.explain(
                        &kind,
                        (end_entity, intermediates, &crls),
                        now,
                        CLIENT_IN_HANDSHAKE,
                    ));
                }
            })
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.current()?.1.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.current()?.1.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.built
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .1
            .supported_verify_schemes()
    }
}

impl ExplainingClientVerifier {
    /// Why `kind` refused the client's chain (its certificate, its intermediates, the CRLs consulted),
    /// `context` saying who presented it and when it was checked.
    fn explain(
        &self,
        kind: &CertificateError,
        (end_entity, intermediates, crls): (&CertificateDer<'_>, &[CertificateDer<'_>], &[Crl]),
        now: UnixTime,
        context: Context,
    ) -> Refusal {
        let chain = Chain {
            leaf: end_entity,
            intermediates,
            anchors: &self.roots.roots,
            crls,
        };
        explain::explain(kind, &chain, None, now, context)
    }
}

/// The certificate's refusal in `err`: rustls' own classification, or a CRL that cannot be used
/// (whether the certificate is revoked cannot be told then).
fn certificate_error(err: &rustls::Error) -> Option<CertificateError> {
    match err {
        rustls::Error::InvalidCertificate(kind) => Some(kind.clone()),
        rustls::Error::InvalidCertRevocationList(problem) => Some(CertificateError::Other(OtherError(Arc::new(
            UnusableCrl(crl_words(problem)),
        )))),
        _ => None,
    }
}

/// A client's chain checked during a handshake: the client presented it, by the clock.
const CLIENT_IN_HANDSHAKE: Context = Context {
    presenter: Presenter::Server,
    time_given: false,
    client: true,
};

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
            if !ocsp_response.is_empty() {
                crate::noting::note(&RAW_STAPLE, |staple| *staple = Some(ocsp_response.to_vec()));
            }
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
        .map_err(|err| unusable_key(err, cert))
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
        .map_err(|err| unusable_key(err, cert))
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// Whether the handshake was signed with the key in `cert`, read from its SubjectPublicKeyInfo alone.
/// rustls' own check first parses the certificate as webpki would judge it, which refuses a v1
/// certificate or one with a critical extension it does not process: looking at such a server (what
/// `inspect --connect` is for) needs only its key.
pub(crate) fn signed_by_key_of(
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

/// rustls' webpki client-certificate verifier for a server trusting `roots` for its clients and
/// consulting `crls` (read at each check: a server replaces them on reload), with its rejections
/// explained in the server's log.
///
/// # Errors
/// [`Error::Config`] when the roots are unusable (none at all), or rustls refuses a CRL.
pub(crate) fn explaining_client_verifier(
    roots: Arc<RootCertStore>,
    crls: Option<Arc<Crls>>,
    mandatory: bool,
) -> Result<Arc<dyn ClientCertVerifier>> {
    let mut verifier = ExplainingClientVerifier::new(roots, crls)?;
    verifier.mandatory = mandatory;
    Ok(Arc::new(verifier))
}

/// Verifies `end_entity` (with `intermediates`) as a client certificate, as a server trusting `roots`
/// for its clients and consulting `crls` does (rustls' webpki client verifier), the refusal explained.
///
/// # Errors
/// [`Error::Config`] when the roots are unusable (none at all, for example).
pub(crate) fn verify_client_certificate(
    roots: Arc<RootCertStore>,
    (end_entity, intermediates): (&CertificateDer<'_>, &[CertificateDer<'_>]),
    crls: &[Crl],
    now: UnixTime,
    time_given: bool,
) -> Result<std::result::Result<(), Refusal>> {
    let explaining = ExplainingClientVerifier::new(roots, Some(Arc::new(Crls::new(crls.to_vec()))))?;
    let (crls, inner) = explaining
        .current()
        .map_err(|cause| Error::Config { side: "server", cause })?;
    let kind = match inner.verify_client_cert(end_entity, intermediates, now) {
        Ok(_) => return Ok(Ok(())),
        Err(err) => certificate_error(&err).unwrap_or_else(|| CertificateError::Other(OtherError(Arc::new(err)))),
    };
    let context = Context {
        presenter: Presenter::File,
        time_given,
        client: true,
    };
    Ok(Err(explaining.explain(
        &kind,
        (end_entity, intermediates, &crls),
        now,
        context,
    )))
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
    explaining_verifier_with(roots, presenter, false, &[])
}

/// As [`explaining_verifier`]; with `time_given`, the time checked is one the user chose, so
/// explanations say "the time checked" and never blame a clock. With `crls`, the server's certificate
/// is checked against them (its issuer's list is required, and refused past its next update).
///
/// # Errors
/// As [`explaining_verifier`].
pub fn explaining_verifier_with(
    roots: Arc<RootCertStore>,
    presenter: Presenter,
    time_given: bool,
    crls: &[Crl],
) -> Result<Arc<dyn ServerCertVerifier>> {
    let builder = WebPkiServerVerifier::builder_with_provider(roots.clone(), Arc::new(provider()));
    let inner = checking_crls!(builder, crls).build().map_err(|err| Error::Config {
        side: "client",
        cause: rustls::Error::General(err.to_string()),
    })?;
    Ok(Arc::new(ExplainingVerifier {
        inner,
        roots,
        presenter,
        time_given,
        crls: crls.to_vec(),
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

crate::noting::slot! {
    /// What the server's stapled OCSP response said, for the handshake inside [`explained`].
    static STAPLED: Mutex<Option<ocsp::Checked>>;
}

crate::noting::slot! {
    /// The OCSP response the server stapled, as it came, for a handshake that accepts any
    /// certificate ([`accept_any`]): checked later, with the chain.
    pub(crate) static RAW_STAPLE: Mutex<Option<Vec<u8>>>;
}

/// What a client handshake's verifier found aside: the explanation of the server certificate it
/// refused, and what the stapled OCSP response said.
#[cfg(feature = "net")]
pub(crate) type Found = (Option<CertificateRejected>, Option<ocsp::Checked>);

/// Runs a client handshake, giving back with its outcome what its verifier found.
#[cfg(feature = "net")]
pub(crate) async fn explained<F: Future>(handshake: F) -> (F::Output, Found) {
    let ((output, refused), stapled) =
        crate::noting::noting(&STAPLED, crate::noting::noting(&REFUSED, handshake)).await;
    (output, (refused, stapled))
}

/// The verifier's error for `rejected`: rustls' own kind inside [`explained`], the explanation noted
/// aside; the explanation itself, inside `CertificateError::Other`, anywhere else.
/// A handshake signature that does not verify because the verifier refuses the certificate's key
/// (RSA under 2048 bits, say): said so, since the chain above it verified and nothing is forged.
fn unusable_key(err: rustls::Error, cert: &CertificateDer<'_>) -> rustls::Error {
    let rustls::Error::InvalidCertificate(CertificateError::BadSignature) = err else {
        return err;
    };
    let words = x509_parser::parse_x509_certificate(cert)
        .ok()
        .and_then(|(_, parsed)| crate::inspect::refused_key(parsed.tbs_certificate.subject_pki.raw));
    match words {
        Some(key) => refused(CertificateRejected {
            kind: CertificateError::BadSignature,
            refusal: Refusal {
                place: Place::Peer,
                subject: x509::subject(cert),
                reason: Reason::UnusableKey { key: Some(key) },
                within_its_dates: None,
            },
        }),
        None => err,
    }
}

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
    /// The CRLs consulted.
    crls: Vec<Crl>,
}

impl ExplainingVerifier {
    /// Why `kind` refused the server's chain.
    fn explain(
        &self,
        kind: &CertificateError,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        now: UnixTime,
    ) -> Refusal {
        let chain = Chain {
            leaf: end_entity,
            intermediates,
            anchors: &self.roots.roots,
            crls: &self.crls,
        };
        let context = Context {
            presenter: self.presenter,
            time_given: self.time_given,
            client: false,
        };
        explain::explain(kind, &chain, Some(server_name), now, context)
    }

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
                Some(self.explain(&other, end_entity, intermediates, server_name, middle))
            }
            _ => None,
        }
    }
}

impl ExplainingVerifier {
    /// Checks `response`, the OCSP response the server stapled for `end_entity` (none: nothing to
    /// check): a revoked status refuses the certificate, a response that cannot be used refuses it
    /// too (out of date, for another certificate, signed by another key), a good one is noted for the
    /// session.
    fn stapled(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<(), rustls::Error> {
        if response.is_empty() {
            return Ok(());
        }
        let issuer = intermediates
            .iter()
            .find(|cert| x509::issued(cert, end_entity))
            .and_then(ocsp::Issuer::of)
            .or_else(|| {
                self.roots
                    .roots
                    .iter()
                    .map(ocsp::Issuer::of_anchor)
                    .find(|issuer| x509::signed_by(end_entity, &issuer.name, &issuer.spki))
            });
        let now = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
        let checked = issuer
            .ok_or_else(|| "the key of the CA that signed the certificate is not known here".to_owned())
            .and_then(|issuer| ocsp::read_response(response)?.check(end_entity, &issuer, now));
        let refusal = |reason| Refusal {
            place: Place::Peer,
            subject: x509::subject(end_entity),
            reason,
            within_its_dates: None,
        };
        match checked {
            Ok(ocsp::Checked {
                status: ocsp::CertStatus::Revoked { date, reason },
                ..
            }) => Err(refused(CertificateRejected {
                kind: CertificateError::Revoked,
                refusal: refusal(Reason::Revoked {
                    serial: x509::serial_hex(end_entity),
                    date: Some(x509::unix_to_rfc3339(date)),
                    why: reason.map(|reason| reason.name().to_owned()),
                    client: false,
                }),
            })),
            Ok(checked) => {
                crate::noting::note(&STAPLED, |noted| *noted = Some(checked));
                Ok(())
            }
            Err(detail) => Err(refused(CertificateRejected {
                kind: CertificateError::InvalidOcspResponse,
                refusal: refusal(Reason::BadOcspResponse { detail }),
            })),
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
        let verified = self
            .inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            .map_err(|err| match certificate_error(&err) {
                Some(kind) => {
                    let mut refusal = self.explain(&kind, end_entity, intermediates, server_name, now);
                    refusal.within_its_dates = self
                        .beyond_the_dates(&kind, end_entity, intermediates, server_name)
                        .map(Box::new);
                    refused(CertificateRejected { kind, refusal })
                }
                None => err,
            })?;
        // The chain first; then what the server stapled (explained where it is checked).
        self.stapled(end_entity, intermediates, ocsp_response, now)?;
        Ok(verified)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner
            .verify_tls12_signature(message, cert, dss)
            .map_err(|err| unusable_key(err, cert))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner
            .verify_tls13_signature(message, cert, dss)
            .map_err(|err| unusable_key(err, cert))
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}
