//! The server's certificates: several, chosen by the name the client asks for (SNI), and replaceable
//! while the server runs (reload) without touching sessions already established.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

use crate::certinfo;
use crate::error::{Error, Result};
use crate::pem::Identity;

/// A certificate with its subject, read once for the session log.
#[derive(Debug)]
struct Entry {
    key: Arc<CertifiedKey>,
    subject: String,
}

/// One set of certificates: the first is the default, the others are picked by SNI.
#[derive(Debug)]
struct Snapshot {
    default: Arc<Entry>,
    /// Lowercase DNS names (`*.example.test` for wildcards) to their certificate.
    by_name: HashMap<String, Arc<Entry>>,
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
    /// [`Error::InvalidServerName`] when `identities` is empty.
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
        Some(self.pick(client_hello.server_name()).key.clone())
    }
}

fn snapshot(identities: Vec<Identity>) -> Result<Snapshot> {
    let provider = crate::config::provider();
    let mut keys = Vec::with_capacity(identities.len());
    for identity in identities {
        crate::pem::check_key_matches(&identity.chain, &identity.key)?;
        let names: Vec<String> = identity
            .chain
            .first()
            .map(certinfo::alt_names)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|n| n.strip_prefix("DNS ").map(str::to_ascii_lowercase))
            .collect();
        let subject = identity
            .chain
            .first()
            .map_or_else(|| "(none)".into(), certinfo::subject);
        let key = CertifiedKey::from_der(identity.chain, identity.key, &provider)
            .map_err(|cause| Error::Config { side: "server", cause })?;
        keys.push((
            names,
            Arc::new(Entry {
                key: Arc::new(key),
                subject,
            }),
        ));
    }
    let default = keys
        .first()
        .map(|(_, key)| key.clone())
        .ok_or_else(|| Error::InvalidServerName("(no certificate given)".into()))?;
    let mut by_name = HashMap::new();
    // The first certificate naming a host wins, as the order on the command line says.
    for (names, key) in keys {
        for name in names {
            by_name.entry(name).or_insert_with(|| key.clone());
        }
    }
    Ok(Snapshot { default, by_name })
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
