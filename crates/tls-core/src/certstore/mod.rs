//! The server's certificates: several, chosen by the name the client asks for (SNI), and replaceable
//! while the server runs (reload) without touching sessions already established.
//!
//! What a connection was given is known exactly, not looked up again later (a reload in between would
//! name the wrong certificate): a handshake run inside [`recording`] notes the certificate the resolver
//! hands out. A session ticket carries that certificate's fingerprint ([`NamingTickets`]), so a resumed
//! session, which sends no certificate, names the one of the session it resumes.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use aws_lc_rs::digest;
use rustls::server::{ClientHello, ProducesTickets, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::CertificateDer;

use crate::error::{Error, Result};
use crate::identity::Identity;
use crate::x509;

/// A certificate with its subject, read once for the session log, and the SHA-256 of its DER, which
/// identifies it in session tickets.
#[derive(Debug)]
struct Entry {
    key: Arc<CertifiedKey>,
    subject: String,
    fingerprint: [u8; 32],
}

/// What one handshake chose, noted by the resolver, the ticketer and the client-certificate verifier
/// while it runs.
#[derive(Debug, Default)]
struct Noted {
    served: Option<Arc<Entry>>,
    /// The certificate fingerprint carried by the ticket a resuming client presented.
    resumed: Option<[u8; 32]>,
    /// Why the client's certificate was refused, in words.
    client_problem: Option<crate::refusal::Refusal>,
    /// The name the client asked for (SNI), once its ClientHello was read.
    server_name: Option<String>,
}

/// Notes, for the handshake this task drives, why the client's certificate was refused.
pub(crate) fn note_client_certificate_problem(refusal: crate::refusal::Refusal) {
    note(|noted| noted.client_problem = Some(refusal));
}

/// What [`recording`] saw of one handshake.
#[derive(Debug, Default)]
#[cfg(feature = "net")]
pub(crate) struct Handshake {
    /// The certificate the resolver chose: the one sent, unless the session resumed (rustls chooses one
    /// before it knows whether it will resume).
    pub chosen: Option<Served>,
    /// The certificate named by the ticket the client offered, when one was offered and that
    /// certificate is still loaded: the one a resumed session was sent, back when it began.
    pub ticket_certificate: Option<Served>,
    /// Why the client's certificate was refused, when it was.
    pub client_certificate_problem: Option<crate::refusal::Refusal>,
    /// The name the client asked for (SNI), when its ClientHello got that far.
    pub server_name: Option<String>,
}

#[cfg(feature = "net")]
impl Handshake {
    /// The certificate this session was sent: for a resumed session the one of the session it resumes
    /// (`None` when a reload has removed it since), else the one the resolver chose.
    pub(crate) fn served(self, resumed: bool) -> Option<Served> {
        if resumed { self.ticket_certificate } else { self.chosen }
    }
}

crate::noting::slot! {
    /// The handshake this task is driving, when it runs inside [`recording`].
    static HANDSHAKE: Mutex<Noted>;
}

fn note(f: impl FnOnce(&mut Noted)) {
    crate::noting::note(&HANDSHAKE, f);
}

/// The certificate one connection was given: its chain exactly as sent.
#[derive(Debug, Clone)]
pub struct Served(Arc<Entry>);

impl Served {
    /// The chain as sent, leaf first.
    pub fn chain(&self) -> &[CertificateDer<'static>] {
        &self.0.key.cert
    }

    /// The leaf's subject, as the session log shows it.
    pub fn subject(&self) -> &str {
        &self.0.subject
    }

    /// The leaf's SHA-256 fingerprint, lowercase hex, which tells apart two certificates of one subject.
    pub fn fingerprint(&self) -> String {
        self.0.fingerprint.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Runs a server handshake, noting the certificate a [`CertStore`] resolver sends on it or, for a
/// resumed session, the one its ticket names (looked up in `certs`), and why a client certificate was
/// refused.
#[cfg(feature = "net")]
pub(crate) async fn recording<F: Future>(certs: Option<&CertStore>, handshake: F) -> (F::Output, Handshake) {
    let (output, noted) = crate::noting::noting(&HANDSHAKE, handshake).await;
    let seen = Handshake {
        chosen: noted.served.map(Served),
        ticket_certificate: noted
            .resumed
            .zip(certs)
            .and_then(|(fingerprint, certs)| certs.by_fingerprint(&fingerprint)),
        client_certificate_problem: noted.client_problem,
        server_name: noted.server_name,
    };
    (output, seen)
}

/// Session tickets that also carry the fingerprint of the certificate sent in the session they resume,
/// so a resumed session can name it. The ticket is sealed by `inner`, as before; the fingerprint rides
/// inside the sealed part.
#[derive(Debug)]
pub(crate) struct NamingTickets(pub Arc<dyn ProducesTickets>);

impl ProducesTickets for NamingTickets {
    fn enabled(&self) -> bool {
        self.0.enabled()
    }

    fn lifetime(&self) -> u32 {
        self.0.lifetime()
    }

    fn encrypt(&self, plain: &[u8]) -> Option<Vec<u8>> {
        let mut fingerprint = [0u8; 32];
        // A resumed session's new tickets name the certificate it was sent when it began, not the one
        // the resolver picked for this handshake (rustls picks one even when it then resumes).
        note(|noted| {
            if let Some(resumed) = noted.resumed {
                fingerprint = resumed;
            } else if let Some(entry) = &noted.served {
                fingerprint = entry.fingerprint;
            }
        });
        self.0.encrypt(&[plain, &fingerprint].concat())
    }

    fn decrypt(&self, cipher: &[u8]) -> Option<Vec<u8>> {
        let mut plain = self.0.decrypt(cipher)?;
        let at = plain.len().checked_sub(32)?;
        let fingerprint: [u8; 32] = plain[at..].try_into().ok()?;
        plain.truncate(at);
        note(|noted| noted.resumed = Some(fingerprint));
        Some(plain)
    }
}

/// One set of certificates: the first is the default, the others are picked by SNI.
#[derive(Debug)]
struct Snapshot {
    default: Arc<Entry>,
    /// Lowercase DNS names (`*.example.test` for wildcards) to their certificate.
    by_name: HashMap<String, Arc<Entry>>,
    /// Every certificate, in the order given.
    all: Vec<Arc<Entry>>,
}

/// The certificates a server presents, chosen per connection by SNI, replaceable at run time.
#[derive(Debug)]
pub struct CertStore {
    current: RwLock<Arc<Snapshot>>,
}

impl CertStore {
    /// A store of `identities`; the first is the default for clients that ask for no name or an
    /// unknown one.
    ///
    /// # Errors
    /// [`Error::KeyMismatch`] or [`Error::Config`] when a key does not fit its certificate, or
    /// [`Error::NoCertificate`] when `identities` is empty.
    pub fn new(identities: Vec<Identity>) -> Result<Self> {
        Ok(Self {
            current: RwLock::new(Arc::new(snapshot(identities)?)),
        })
    }

    /// Replaces every certificate at once: new handshakes get the new ones, established sessions keep
    /// theirs. On error nothing changes.
    ///
    /// # Errors
    /// As [`CertStore::new`].
    pub fn replace(&self, identities: Vec<Identity>) -> Result<()> {
        let fresh = Arc::new(snapshot(identities)?);
        match self.current.write() {
            Ok(mut current) => *current = fresh,
            // A panic elsewhere while holding the lock cannot leave a half-written Arc: take it over.
            Err(poisoned) => *poisoned.into_inner() = fresh,
        }
        Ok(())
    }

    /// The subject of the certificate a client asking for `sni` gets.
    pub fn subject_for(&self, sni: Option<&str>) -> String {
        self.pick(sni).subject.clone()
    }

    /// The subjects of every certificate, the default first, for the start-up and reload log lines.
    pub fn subjects(&self) -> Vec<String> {
        self.snapshot().all.iter().map(|entry| entry.subject.clone()).collect()
    }

    #[cfg(feature = "net")]
    fn by_fingerprint(&self, fingerprint: &[u8; 32]) -> Option<Served> {
        self.snapshot()
            .all
            .iter()
            .find(|entry| &entry.fingerprint == fingerprint)
            .map(|entry| Served(entry.clone()))
    }

    fn snapshot(&self) -> Arc<Snapshot> {
        match self.current.read() {
            Ok(current) => current.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn pick(&self, sni: Option<&str>) -> Arc<Entry> {
        let snapshot = self.snapshot();
        let Some(name) = sni.map(str::to_ascii_lowercase) else {
            return snapshot.default.clone();
        };
        let wildcard = name.split_once('.').map(|(_, rest)| format!("*.{rest}"));
        snapshot
            .by_name
            .get(&name)
            .or_else(|| wildcard.and_then(|w| snapshot.by_name.get(&w)))
            .unwrap_or(&snapshot.default)
            .clone()
    }
}

impl ResolvesServerCert for CertStore {
    fn resolve(&self, client_hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let entry = self.pick(client_hello.server_name());
        note(|noted| {
            noted.served = Some(entry.clone());
            noted.server_name = client_hello.server_name().map(str::to_owned);
        });
        Some(entry.key.clone())
    }
}

fn snapshot(identities: Vec<Identity>) -> Result<Snapshot> {
    let provider = crate::crypto::provider();
    let mut keys = Vec::with_capacity(identities.len());
    for identity in identities {
        crate::identity::check_key_matches(&identity.chain, &identity.key)?;
        let names: Vec<String> = identity
            .chain
            .first()
            .map(x509::alt_names)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|n| n.strip_prefix("DNS ").map(str::to_ascii_lowercase))
            .collect();
        let subject = identity.chain.first().map_or_else(|| "(none)".into(), x509::subject);
        let mut fingerprint = [0u8; 32];
        if let Some(leaf) = identity.chain.first() {
            fingerprint.copy_from_slice(digest::digest(&digest::SHA256, leaf).as_ref());
        }
        let mut key = CertifiedKey::from_der(identity.chain, identity.key, &provider)
            .map_err(|cause| Error::Config { side: "server", cause })?;
        key.ocsp = identity.ocsp;
        keys.push((
            names,
            Arc::new(Entry {
                key: Arc::new(key),
                subject,
                fingerprint,
            }),
        ));
    }
    let default = keys.first().map(|(_, key)| key.clone()).ok_or(Error::NoCertificate {
        step: "a certificate store",
    })?;
    let mut by_name = HashMap::new();
    let mut all = Vec::with_capacity(keys.len());
    // The first certificate naming a host wins, as the order on the command line says.
    for (names, key) in keys {
        for name in names {
            by_name.entry(name).or_insert_with(|| key.clone());
        }
        all.push(key);
    }
    Ok(Snapshot { default, by_name, all })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{CertificateAuthority, Usage, Validity};

    #[test]
    fn names_pick_their_certificate_and_others_get_the_first() {
        let ca = CertificateAuthority::new("Store CA", Validity::days_from_now(30)).expect("CA");
        let leaf = |names: &[&str]| {
            ca.issue(names, Usage::Server, Validity::days_from_now(30))
                .expect("leaf")
                .identity()
        };
        let store = CertStore::new(vec![leaf(&["localhost"]), leaf(&["api.test", "*.apps.test"])]).expect("store");
        assert_eq!(store.subject_for(None), "CN=localhost");
        assert_eq!(store.subject_for(Some("API.test")), "CN=api.test");
        assert_eq!(store.subject_for(Some("one.apps.test")), "CN=api.test");
        assert_eq!(store.subject_for(Some("unknown.test")), "CN=localhost");
        store.replace(vec![leaf(&["new.test"])]).expect("replace");
        assert_eq!(store.subject_for(Some("api.test")), "CN=new.test");
    }
}
