//! What only a whole handshake shows, made with rustls over a plain socket: the certificate chain the
//! server presents (one per key type, when it has several), the signature schemes it signs with,
//! whether it staples an OCSP response, what it does without SNI or with a name it does not know,
//! whether the chain verifies (against the CA given, or the system's store), the ALPN protocols it
//! takes, and how it resumes a session (TLS 1.3 tickets, TLS 1.2 session IDs and tickets, 0-RTT).

use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rustls::client::Resumption as SessionCache;
use rustls::client::Tls12Resumption;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, SignatureScheme, SupportedProtocolVersion};
use serde::Serialize;

use super::Version;
use crate::refusal::Presenter;

/// One certificate of a chain the server presented.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Certificate {
    /// Its subject.
    pub subject: String,
    /// Its issuer.
    pub issuer: String,
    /// Its public key (`EC P-256`, `RSA 2048 bits`).
    pub key: String,
    /// The algorithm its issuer signed it with (`ecdsa-with-SHA256`, `sha1WithRSAEncryption`).
    pub signature: String,
    /// The end of its validity (RFC 3339).
    pub not_after: String,
    /// Its subject alternative names (`DNS localhost`, `IP 127.0.0.1`).
    pub names: Vec<String>,
    /// It carries RFC 7633's TLS feature status_request: OCSP must-staple.
    pub must_staple: bool,
}

/// How the server resumes sessions, each `null` when it could not be asked (the version is not
/// accepted, or rustls does not speak its suites) or got no answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Resumption {
    /// TLS 1.3: a second connection resumed from the first's ticket (PSK).
    #[serde(rename = "TLSv1.3")]
    pub tls13: Option<bool>,
    /// TLS 1.3: the second connection's early data (0-RTT) was accepted.
    pub early_data: Option<bool>,
    /// TLS 1.2: resumed by session ID alone (no ticket offered).
    #[serde(rename = "TLSv1.2 session ID")]
    pub tls12_session_id: Option<bool>,
    /// TLS 1.2: resumed with tickets offered too.
    #[serde(rename = "TLSv1.2 ticket")]
    pub tls12_ticket: Option<bool>,
}

/// What the server answers a ClientHello whose name is not the scan's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "answer", rename_all = "snake_case")]
pub enum NameAnswer {
    /// The same chain as for the name scanned.
    Same,
    /// Another certificate.
    Other {
        /// Its subject.
        subject: String,
    },
    /// No handshake.
    Refused {
        /// What went wrong, as rustls says it.
        why: String,
    },
}

/// Another chain the server presents (for another key type), and whether it verifies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Chain {
    /// Its certificates, the server's own first.
    pub certificates: Vec<Certificate>,
    /// Whether it verifies, as [`Trust`] says it for the first chain.
    pub trust: Option<Trust>,
}

/// A verdict on the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Trust {
    /// What it was checked against: `the CA given (PATH)`, `the system store (PATH)`.
    pub store: String,
    /// Whether it verifies.
    pub valid: bool,
    /// What `tls-cert verify` says of it.
    pub said: String,
}

/// What whole handshakes showed.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sessions {
    pub(crate) certificates: Vec<Certificate>,
    /// The chains presented for other key types (asked by signature scheme).
    pub(crate) more_chains: Vec<Chain>,
    /// The schemes each version's handshake was signed with, each asked alone.
    pub(crate) signature_schemes: BTreeMap<&'static str, Vec<String>>,
    /// Whether the server stapled an OCSP response.
    pub(crate) stapled: bool,
    /// What the stapled response says of the certificate, checked against its issuer in the chain.
    pub(crate) staple_says: Option<String>,
    /// What the server answers without SNI, and with a name it cannot know.
    pub(crate) without_sni: Option<NameAnswer>,
    pub(crate) unknown_name: Option<NameAnswer>,
    pub(crate) trust: Option<Trust>,
    /// The ALPN protocols the server takes, each offered alone.
    pub(crate) alpn: Vec<String>,
    /// The one it picks when all are offered, in the order h2, http/1.1, http/1.0.
    pub(crate) alpn_picked: Option<String>,
    pub(crate) resumption: Resumption,
    /// What could not be learned, and why.
    pub(crate) unknown: Vec<String>,
}

/// The protocols asked for one at a time.
const PROTOCOLS: [&str; 3] = ["h2", "http/1.1", "http/1.0"];

/// The signature schemes asked one at a time: every one rustls can take (an unnamed one, such as
/// rsa_pss_pss_sha256, fails its handshake whatever the server does).
const SCHEMES: [SignatureScheme; 13] = [
    SignatureScheme::ECDSA_NISTP256_SHA256,
    SignatureScheme::ECDSA_NISTP384_SHA384,
    SignatureScheme::ECDSA_NISTP521_SHA512,
    SignatureScheme::ED25519,
    SignatureScheme::ED448,
    SignatureScheme::RSA_PSS_SHA256,
    SignatureScheme::RSA_PSS_SHA384,
    SignatureScheme::RSA_PSS_SHA512,
    SignatureScheme::RSA_PKCS1_SHA256,
    SignatureScheme::RSA_PKCS1_SHA384,
    SignatureScheme::RSA_PKCS1_SHA512,
    SignatureScheme::RSA_PKCS1_SHA1,
    SignatureScheme::ECDSA_SHA1_Legacy,
];

/// Where and as whom the handshakes connect.
pub(crate) struct Target<'a> {
    pub(crate) addr: SocketAddr,
    pub(crate) name: &'a ServerName<'static>,
    /// The name was chosen (a DNS name sent as SNI), not the address.
    pub(crate) sends_sni: bool,
    pub(crate) timeout: Duration,
    /// The CA file given, and its certificates.
    pub(crate) ca: Option<(&'a str, &'a [CertificateDer<'static>])>,
}

/// Handshakes with the target: for the chain (and the stapled response), the signature schemes and
/// key types, names, ALPN and resumption. `versions`: the versions it accepts of TLS 1.2 and 1.3.
pub(crate) fn sessions(target: &Target<'_>, versions: &[Version]) -> Sessions {
    let mut found = Sessions::default();
    let all = Settings::default();
    let chain = match handshake(target, &all) {
        Ok(done) => done.chain,
        Err(why) => {
            found.unknown.push(format!(
                "whole handshakes (ALPN, resumption, answers without SNI, a chain per key type): rustls could not complete one: {why}"
            ));
            return found;
        }
    };
    found.certificates = chain.iter().map(describe).collect();
    found.stapled = all.recorder.stapled();
    found.staple_says = all.recorder.staple().map(|staple| staple_says(&staple, &chain));
    found.trust = trust(target, &chain);
    schemes(target, versions, &chain, &mut found);
    names(target, &chain, &mut found);
    alpn(target, &mut found);
    resumption(target, versions, &mut found);
    found
}

/// What a handshake is made with.
struct Settings {
    versions: &'static [&'static SupportedProtocolVersion],
    recorder: Arc<Recorder>,
    alpn: Vec<Vec<u8>>,
    sni: bool,
    resumption: Option<Tls12Resumption>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            versions: rustls::ALL_VERSIONS,
            recorder: Arc::new(Recorder::new(SCHEMES.to_vec())),
            alpn: Vec::new(),
            sni: true,
            resumption: None,
        }
    }
}

impl Settings {
    fn only(version: Version) -> &'static [&'static SupportedProtocolVersion] {
        static TLS13: [&SupportedProtocolVersion; 1] = [&rustls::version::TLS13];
        static TLS12: [&SupportedProtocolVersion; 1] = [&rustls::version::TLS12];
        if version == Version::Tls13 { &TLS13 } else { &TLS12 }
    }

    fn config(&self) -> Result<Arc<ClientConfig>, String> {
        let mut config = ClientConfig::builder_with_provider(Arc::new(crate::crypto::provider()))
            .with_protocol_versions(self.versions)
            .map_err(|err| err.to_string())?
            .dangerous()
            .with_custom_certificate_verifier(Arc::clone(&self.recorder) as Arc<dyn ServerCertVerifier>)
            .with_no_client_auth();
        config.alpn_protocols.clone_from(&self.alpn);
        config.enable_sni = self.sni;
        config.resumption = match self.resumption {
            Some(tls12) => SessionCache::in_memory_sessions(4).tls12_resumption(tls12),
            None => SessionCache::disabled(),
        };
        config.enable_early_data = self.resumption.is_some();
        Ok(Arc::new(config))
    }
}

/// A finished handshake: what it showed.
struct Done {
    chain: Vec<CertificateDer<'static>>,
    alpn: Option<Vec<u8>>,
    resumed: bool,
    early_data: bool,
}

/// A whole handshake with rustls over a socket, within `timeout` for each read and write; `config`
/// made once, when resuming.
fn handshake_with(target: &Target<'_>, config: &Arc<ClientConfig>, sni: bool) -> Result<Done, String> {
    // Early data is asked for exactly when sessions are kept (`Settings::config`).
    let keep_tickets = config.enable_early_data;
    let timeout = target.timeout;
    let mut stream =
        TcpStream::connect_timeout(&target.addr, timeout).map_err(|err| format!("cannot connect: {err}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|()| stream.set_write_timeout(Some(timeout)))
        .map_err(|err| err.to_string())?;
    // Without SNI, rustls still needs a name: one that verifies nothing, as the verifier checks none.
    let name = if sni {
        target.name.clone()
    } else {
        ServerName::IpAddress(target.addr.ip().into())
    };
    let mut conn = ClientConnection::new(Arc::clone(config), name).map_err(|err| err.to_string())?;
    while conn.is_handshaking() {
        conn.complete_io(&mut stream).map_err(|err| match err.kind() {
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
                format!("no answer within {} ms", timeout.as_millis())
            }
            _ => err.to_string(),
        })?;
    }
    // The tickets of TLS 1.3 come after the handshake: read what has come, briefly, when resuming.
    if keep_tickets && conn.protocol_version() == Some(rustls::ProtocolVersion::TLSv1_3) {
        let _ = stream.set_read_timeout(Some(timeout.min(Duration::from_millis(200))));
        let _ = conn.complete_io(&mut stream);
    }
    conn.send_close_notify();
    let _ = conn.complete_io(&mut stream);
    Ok(Done {
        chain: conn.peer_certificates().unwrap_or_default().to_vec(),
        alpn: conn.alpn_protocol().map(<[u8]>::to_vec),
        resumed: conn.handshake_kind() == Some(rustls::HandshakeKind::Resumed),
        early_data: conn.is_early_data_accepted(),
    })
}

fn handshake(target: &Target<'_>, settings: &Settings) -> Result<Done, String> {
    handshake_with(target, &settings.config()?, settings.sni)
}

/// The chains the server presents for each key type, and the schemes TLS 1.3 signs with, by
/// handshakes offering one scheme each, in the newest version accepted (TLS 1.2's schemes come from
/// probes that read its ServerKeyExchange, which offer what rustls cannot).
fn schemes(target: &Target<'_>, versions: &[Version], first: &[CertificateDer<'static>], found: &mut Sessions) {
    let Some(&version) = versions.iter().max() else {
        return;
    };
    let mut seen = vec![first.to_vec()];
    let mut signed = Vec::new();
    for scheme in SCHEMES {
        let settings = Settings {
            versions: Settings::only(version),
            recorder: Arc::new(Recorder::new(vec![scheme])),
            ..Settings::default()
        };
        let Ok(done) = handshake(target, &settings) else {
            continue;
        };
        signed.push(crate::names::Named::name(&scheme));
        if !seen.contains(&done.chain) {
            found.more_chains.push(Chain {
                certificates: done.chain.iter().map(describe).collect(),
                trust: trust(target, &done.chain),
            });
            seen.push(done.chain);
        }
    }
    if version == Version::Tls13 && !signed.is_empty() {
        found.signature_schemes.insert(version.name(), signed);
    }
}

/// What the server answers without SNI, and with a name it cannot know (`.invalid`, RFC 2606).
fn names(target: &Target<'_>, chain: &[CertificateDer<'static>], found: &mut Sessions) {
    let answer = |done: Result<Done, String>| match done {
        Ok(done) if done.chain == chain => NameAnswer::Same,
        Ok(done) => NameAnswer::Other {
            subject: done.chain.first().map(crate::x509::subject).unwrap_or_default(),
        },
        Err(why) => NameAnswer::Refused { why },
    };
    if target.sends_sni {
        let settings = Settings {
            sni: false,
            ..Settings::default()
        };
        found.without_sni = Some(answer(handshake(target, &settings)));
    }
    if let Ok(name) = ServerName::try_from("tls-scan.invalid") {
        let unknown = Target { name: &name, ..*target };
        found.unknown_name = Some(answer(handshake(&unknown, &Settings::default())));
    }
}

/// The ALPN protocols the server takes, each offered alone; then the one it picks of all of them.
fn alpn(target: &Target<'_>, found: &mut Sessions) {
    let all = Settings {
        alpn: PROTOCOLS.iter().map(|protocol| protocol.as_bytes().to_vec()).collect(),
        ..Settings::default()
    };
    if let Ok(done) = handshake(target, &all) {
        found.alpn_picked = done.alpn.map(|picked| String::from_utf8_lossy(&picked).into_owned());
    }
    for protocol in PROTOCOLS {
        let settings = Settings {
            alpn: vec![protocol.as_bytes().to_vec()],
            ..Settings::default()
        };
        match handshake(target, &settings) {
            Ok(done) if done.alpn.as_deref() == Some(protocol.as_bytes()) => found.alpn.push(protocol.to_owned()),
            Ok(_) => {}
            // A server that takes none of the protocols offered refuses the handshake (RFC 7301's
            // no_application_protocol): the protocol is not taken.
            Err(why) if why.contains("no_application_protocol") || why.contains("NoApplicationProtocol") => {}
            Err(why) => found.unknown.push(format!("ALPN {protocol}: {why}")),
        }
    }
}

/// Two connections with one client's session cache: TLS 1.3 (the ticket, and 0-RTT when the ticket
/// allows it), TLS 1.2 by session ID alone, TLS 1.2 with tickets.
fn resumption(target: &Target<'_>, versions: &[Version], found: &mut Sessions) {
    let runs = [
        (Version::Tls13, Tls12Resumption::SessionIdOrTickets),
        (Version::Tls12, Tls12Resumption::SessionIdOnly),
        (Version::Tls12, Tls12Resumption::SessionIdOrTickets),
    ];
    for (version, tls12) in runs {
        if !versions.contains(&version) {
            continue;
        }
        let settings = Settings {
            versions: Settings::only(version),
            resumption: Some(tls12),
            ..Settings::default()
        };
        let again = settings.config().and_then(|config| {
            handshake_with(target, &config, true).and_then(|_| handshake_with(target, &config, true))
        });
        let (resumed, early) = match again {
            Ok(done) => (Some(done.resumed), Some(done.early_data)),
            Err(why) => {
                found.unknown.push(format!("{} resumption: {why}", version.name()));
                (None, None)
            }
        };
        let said = &mut found.resumption;
        match (version, tls12) {
            (Version::Tls13, _) => (said.tls13, said.early_data) = (resumed, early),
            (_, Tls12Resumption::SessionIdOnly) => said.tls12_session_id = resumed,
            _ => said.tls12_ticket = resumed,
        }
    }
}

/// The chain against the CA given; without one, against the system's store, when it has one.
pub(crate) fn trust(target: &Target<'_>, chain: &[CertificateDer<'static>]) -> Option<Trust> {
    let system;
    let (store, ca) = match target.ca {
        Some((path, ca)) => (format!("the CA given ({path})"), ca),
        None => {
            let path = system_store()?;
            system = crate::pem::load_ca_certs(&path).ok()?;
            (format!("the system store ({})", path.display()), system.as_slice())
        }
    };
    let name = target.name.to_str();
    let (valid, said) = match crate::verify::verify(ca, chain, Some(&name), None, Presenter::Server, &[]) {
        Ok(Ok(verified)) => (true, format!("valid for {}", verified.name)),
        Ok(Err(invalid)) => (false, format!("invalid: {invalid}")),
        Err(err) => (false, format!("not checked: {err}")),
    };
    Some(Trust { store, valid, said })
}

/// The system's CA bundle: `SSL_CERT_FILE`, or where Debian, Fedora and Alpine keep it.
fn system_store() -> Option<std::path::PathBuf> {
    let named = std::env::var_os("SSL_CERT_FILE").map(std::path::PathBuf::from);
    named
        .into_iter()
        .chain(
            [
                "/etc/ssl/certs/ca-certificates.crt",
                "/etc/pki/tls/certs/ca-bundle.crt",
                "/etc/ssl/cert.pem",
            ]
            .map(std::path::PathBuf::from),
        )
        .find(|path| path.is_file())
}

pub(crate) fn describe(der: &CertificateDer<'_>) -> Certificate {
    let info = crate::inspect::inspect(der, crate::inspect::Position::Alone).ok();
    let must_staple = info.as_ref().is_some_and(|info| {
        info.extensions.iter().any(|extension| match &extension.value {
            crate::inspect::ExtensionValue::TlsFeatures { features } => features.iter().any(|feature| feature.id == 5),
            _ => false,
        })
    });
    Certificate {
        subject: crate::x509::subject(der),
        issuer: crate::x509::issuer(der),
        key: info
            .as_ref()
            .map(|info| info.public_key.to_string())
            .unwrap_or_default(),
        signature: info
            .as_ref()
            .map(|info| info.signature_algorithm.clone())
            .unwrap_or_default(),
        not_after: crate::x509::validity(der).map(|(_, to)| to).unwrap_or_default(),
        names: crate::x509::alt_names(der),
        must_staple,
    }
}

/// What a stapled OCSP response says of `chain`'s leaf (`good`, `revoked on ...`), checked against its
/// issuer, the chain's second certificate; or why it cannot be used.
fn staple_says(staple: &[u8], chain: &[CertificateDer<'static>]) -> String {
    let (Some(leaf), Some(issuer)) = (chain.first(), chain.get(1).and_then(crate::ocsp::Issuer::of)) else {
        return "not checked: the server sends no issuer after its certificate".to_owned();
    };
    let now = i64::try_from(UnixTime::now().as_secs()).unwrap_or(i64::MAX);
    match crate::ocsp::read_response(staple).and_then(|response| response.check(leaf, &issuer, now)) {
        Ok(checked) => checked.status.to_string(),
        Err(why) => format!("unusable: {why}"),
    }
}

/// A verifier for looking, not for sending data: it takes any chain (the verdict is
/// [`trust`]'s), offers the schemes it is given, checks each handshake signature it can against the
/// certificate's key (a scheme the TLS library cannot check, such as SHA-1 or Ed448, is taken on the
/// server's word: the scan only reports it), and keeps the OCSP response stapled.
#[derive(Debug)]
struct Recorder {
    schemes: Vec<SignatureScheme>,
    algorithms: WebPkiSupportedAlgorithms,
    stapled: AtomicBool,
    staple: std::sync::Mutex<Option<Vec<u8>>>,
}

impl Recorder {
    fn new(schemes: Vec<SignatureScheme>) -> Self {
        Self {
            schemes,
            algorithms: crate::crypto::provider().signature_verification_algorithms,
            stapled: AtomicBool::new(false),
            staple: std::sync::Mutex::new(None),
        }
    }

    fn stapled(&self) -> bool {
        self.stapled.load(Ordering::Relaxed)
    }

    /// The OCSP response stapled in the last handshake, when there was one.
    fn staple(&self) -> Option<Vec<u8>> {
        self.staple
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn check(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        if self.algorithms.mapping.iter().any(|(scheme, _)| *scheme == dss.scheme) {
            crate::verifier::signed_by_key_of(message, cert, dss, &self.algorithms)
        } else {
            Ok(HandshakeSignatureValid::assertion())
        }
    }
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.stapled.store(!ocsp_response.is_empty(), Ordering::Relaxed);
        *self.staple.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
            (!ocsp_response.is_empty()).then(|| ocsp_response.to_vec());
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.check(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.check(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.schemes.clone()
    }
}
