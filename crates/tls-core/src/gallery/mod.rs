//! A local badssl: every exhibit (a certificate or protocol broken on purpose, or a good one to compare)
//! on one port, each at its own name under `localhost` (`expired.localhost`), chosen from the
//! ClientHello's SNI before the handshake goes on. `localhost` itself, or no name, gets the index: a
//! table of the exhibits and what each client says to them.
//!
//! Everything is made at start, signed by the CA given (so trusting that CA makes the good exhibits
//! good, and each broken one shows exactly its own problem); nothing is written to disk.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use rustls::server::ClientHello;
use rustls::{RootCertStore, ServerConfig, SupportedProtocolVersion};

use crate::certstore::CertStore;
use crate::config::{Shape, TlsOptions};
use crate::error::Result;
use crate::generate::{CertificateAuthority, Usage, Validity};
use crate::identity::Identity;
use crate::page::PageInfo;
use crate::server::{Choice, ChoosesConfig};

mod catalogue;
mod index;
mod make;

pub use catalogue::{CATALOGUE, Exhibit, Expect};

/// The domain every exhibit's name is under: `expired.localhost`. Chromium and curl send names under
/// it to the loopback address without asking DNS.
pub const DOMAIN: &str = "localhost";

/// How long `slow-handshake` waits before it answers the ClientHello.
pub const SLOW: Duration = Duration::from_secs(3);

/// The gallery: a configuration per exhibit name, and the index for every other name.
#[derive(Debug)]
pub struct Gallery {
    by_name: HashMap<&'static str, Choice>,
    index: Choice,
    certs: Arc<CertStore>,
}

/// A file a page offers: its path, content type and body.
type File = (String, &'static str, Vec<u8>);

/// How one exhibit's server differs from a plain one.
struct Setup {
    identity: Identity,
    versions: &'static [&'static SupportedProtocolVersion],
    groups: Option<Vec<&'static dyn rustls::crypto::SupportedKxGroup>>,
    /// Client certificates asked for: `Some(true)` required, `Some(false)` optional.
    client_auth: Option<bool>,
    alpn: Option<Vec<Vec<u8>>>,
    delay: Duration,
    /// Files offered for this exhibit, on its page and the index (the revoked one's CRL).
    files: Vec<File>,
}

impl Setup {
    fn serving(identity: Identity) -> Self {
        Self {
            identity,
            versions: rustls::ALL_VERSIONS,
            groups: None,
            client_auth: None,
            alpn: None,
            delay: Duration::ZERO,
            files: Vec::new(),
        }
    }
}

impl Gallery {
    /// Makes every exhibit of [`CATALOGUE`] that can be served, signed by `ca`, for a server on `port`
    /// (the index's addresses name it); ALPN, when an exhibit does not set its own, and the key log are
    /// `options`'.
    ///
    /// # Errors
    /// [`crate::Error::BadRequest`] naming the CA when it cannot sign what the index promises (not
    /// valid yet or ending within a day, an intermediate without its root, name constraints, an
    /// Ed25519 key); [`crate::Error::Generate`] when a certificate cannot be made;
    /// [`crate::Error::Config`] when rustls refuses a configuration.
    pub fn new(ca: &CertificateAuthority, port: u16, options: &TlsOptions) -> Result<Self> {
        let days = make::days(ca)?;
        let ca_certs = vec![ca.root().unwrap_or(&ca.issued.cert).clone()];
        let roots = crate::config::root_store(&ca_certs)?;
        let mut by_name = HashMap::new();
        let mut identities = Vec::new();
        let mut files = Vec::new();
        for exhibit in CATALOGUE.iter().filter(|exhibit| exhibit.served) {
            let setup = make::setup(exhibit.name, ca, days)?;
            identities.push(setup.identity.clone());
            files.extend(setup.files.iter().cloned());
            // Its files are on its own page too, where its words point.
            let page = PageInfo::new(ca_certs.clone()).with_scenario(exhibit.name, exhibit.what);
            let page = offering(page, &setup.files);
            let choice = choice(setup, &roots, Arc::new(page), options)?;
            by_name.insert(exhibit.name, choice);
        }
        // localhost first: it is the certificate's common name, which clients show for it.
        let names = [DOMAIN, "127.0.0.1", "::1"];
        let front = ca.issue(&names, Usage::Server, Validity::days_from_now(days))?;
        let sent = std::iter::once(front.cert.clone()).chain(make::tail(ca)).collect();
        let front = Identity::new(sent, front.key.clone_key());
        identities.insert(0, front.clone());
        let page = PageInfo::new(ca_certs.clone())
            .with_file("/", "text/html; charset=utf-8", index::html(port).into_bytes())
            .with_file("/gallery.json", "application/json", index::json(port).into_bytes());
        let page = offering(page, &files);
        let index = choice(Setup::serving(front), &roots, Arc::new(page), options)?;
        Ok(Self {
            by_name,
            index,
            certs: Arc::new(CertStore::new(identities)?),
        })
    }

    /// Every certificate served, the index's first: for the session log and resumed sessions.
    pub fn certs(&self) -> Arc<CertStore> {
        self.certs.clone()
    }

    /// The index's configuration and page: what a client asking for no exhibit gets.
    pub fn index(&self) -> (Arc<ServerConfig>, Arc<PageInfo>) {
        let page = self.index.page.clone().unwrap_or_default();
        (self.index.config.clone(), page)
    }

    /// The exhibit a client asking for `server_name` gets: its name under [`DOMAIN`], else `None`
    /// (the index).
    pub fn exhibit_for(server_name: Option<&str>) -> Option<&'static Exhibit> {
        let name = server_name?.trim_end_matches('.').to_ascii_lowercase();
        let name = name.strip_suffix(DOMAIN)?.strip_suffix('.')?;
        CATALOGUE.iter().find(|exhibit| exhibit.served && exhibit.name == name)
    }
}

impl ChoosesConfig for Gallery {
    fn choose(&self, hello: &ClientHello<'_>) -> Choice {
        let exhibit = Self::exhibit_for(hello.server_name()).and_then(|exhibit| self.by_name.get(exhibit.name));
        if let (None, Some(name)) = (exhibit, hello.server_name()) {
            if !name.eq_ignore_ascii_case(DOMAIN) {
                tracing::info!(
                    "a client asked for {name}, which no exhibit is: it gets the index's certificate (for {DOMAIN}), and a name mismatch"
                );
            }
        }
        exhibit.unwrap_or(&self.index).clone()
    }
}

/// `page` serving `files` too.
fn offering(page: PageInfo, files: &[File]) -> PageInfo {
    files.iter().fold(page, |page, (path, content_type, body)| {
        page.with_file(path, content_type, body.clone())
    })
}

/// The configuration of `setup`: its certificate alone, client certificates checked against `roots`
/// where it asks for them.
fn choice(setup: Setup, roots: &Arc<RootCertStore>, page: Arc<PageInfo>, options: &TlsOptions) -> Result<Choice> {
    let client_auth = match setup.client_auth {
        Some(mandatory) => Some(crate::verifier::explaining_client_verifier(
            roots.clone(),
            None,
            mandatory,
        )?),
        None => None,
    };
    let shape = Shape {
        versions: setup.versions,
        groups: setup.groups,
        client_auth,
    };
    let mut options = options.clone();
    if let Some(alpn) = setup.alpn {
        options.alpn = alpn;
    }
    let certs = Arc::new(CertStore::new(vec![setup.identity])?);
    let config: Arc<ServerConfig> = crate::config::shaped_server_config(certs, shape, &options)?;
    Ok(Choice {
        config,
        page: Some(page),
        delay: setup.delay,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_exhibit_served_is_made_and_chosen_by_its_name() {
        let ca = CertificateAuthority::new("Gallery test CA", Validity::days_from_now(60)).expect("CA");
        let mut failed = Vec::new();
        for exhibit in CATALOGUE.iter().filter(|exhibit| exhibit.served) {
            let made = make::setup(exhibit.name, &ca, 60).and_then(|setup| CertStore::new(vec![setup.identity]));
            if let Err(err) = made {
                failed.push(format!("{}: {err}", exhibit.name));
            }
            assert_eq!(
                Gallery::exhibit_for(Some(&format!("{}.LOCALHOST.", exhibit.name))).map(|e| e.name),
                Some(exhibit.name)
            );
        }
        assert!(failed.is_empty(), "{failed:#?}");
        // The one the index says rustls cannot load: it is made, and refused.
        let huge = make::setup("10000-sans", &ca, 60).expect("10000 names");
        assert!(
            huge.identity.chain[0].len() > 100_000,
            "{}",
            huge.identity.chain[0].len()
        );
        let refused = CertStore::new(vec![huge.identity]).expect_err("over 64 KB");
        assert!(refused.to_string().contains("TLS server configuration"), "{refused}");
    }

    #[test]
    fn certificates_last_as_long_as_their_ca_has_left_and_a_ca_ending_today_is_refused() {
        let short = CertificateAuthority::new("Short CA", Validity::days_from_now(20)).expect("CA");
        // It started an hour ago: 19 whole days are left.
        assert_eq!(make::days(&short).expect("days"), 19);
        let long = CertificateAuthority::new("Long CA", Validity::days_from_now(3650)).expect("CA");
        assert_eq!(make::days(&long).expect("days"), 90);
        let now = time::OffsetDateTime::now_utc();
        let ending = Validity {
            not_before: now - Duration::from_secs(86_400),
            not_after: now + Duration::from_secs(3600),
        };
        let ending = CertificateAuthority::new("Ending CA", ending).expect("CA");
        let refused = make::days(&ending).expect_err("less than a day left").to_string();
        assert!(
            refused.contains("CN=Ending CA") && refused.contains("a day at least"),
            "{refused}"
        );
        for other in [
            None,
            Some("localhost"),
            Some("sha1-signature.localhost"),
            Some("good.example"),
            Some("good"),
            Some("a.good.localhost"),
            Some(".localhost"),
        ] {
            assert!(Gallery::exhibit_for(other).is_none(), "{other:?}");
        }
    }
}

#[cfg(test)]
mod cas {
    use super::*;
    use crate::generate::{KeyType, Permitted};

    fn refused(ca: &CertificateAuthority) -> String {
        make::days(ca).expect_err("refused").to_string()
    }

    #[test]
    fn a_ca_that_cannot_sign_what_the_index_promises_is_refused_in_words() {
        let root = CertificateAuthority::new("Gallery Root", Validity::days_from_now(365)).expect("root");
        let later = CertificateAuthority::new("Later CA", Validity::starting_in_days(2)).expect("CA");
        assert!(
            refused(&later).contains("CN=Later CA is not valid until"),
            "{}",
            refused(&later)
        );
        let edwards = CertificateAuthority::with_key_type("Edwards CA", Validity::days_from_now(365), KeyType::Ed25519)
            .expect("CA");
        assert!(refused(&edwards).contains("Ed25519 key"), "{}", refused(&edwards));
        let permitted = [Permitted::Domain("example.test".to_owned())];
        let constrained = root
            .constrained_intermediate("Team CA", Validity::days_from_now(300), &permitted, KeyType::default())
            .expect("intermediate");
        assert!(
            refused(&constrained).contains("name constraints"),
            "{}",
            refused(&constrained)
        );
        let mut orphan = root
            .intermediate("Orphan CA", Validity::days_from_now(300))
            .expect("intermediate");
        orphan.issuers.clear();
        assert!(
            refused(&orphan).contains("without the root above it"),
            "{}",
            refused(&orphan)
        );
    }

    #[test]
    fn under_an_intermediate_ca_every_chain_reaches_the_root_but_the_incomplete_one() {
        let root = CertificateAuthority::new("Gallery Root", Validity::days_from_now(365)).expect("root");
        let team = root
            .intermediate("Team CA", Validity::days_from_now(300))
            .expect("intermediate");
        let days = make::days(&team).expect("usable");
        for name in [
            "good",
            "long-chain",
            "reversed-chain",
            "name-constraint-violation",
            "revoked",
        ] {
            let chain = make::setup(name, &team, days).expect(name).identity.chain;
            assert_eq!(
                chain.last(),
                Some(&team.issued.cert),
                "{name} ends with the CA that is no root"
            );
        }
        let incomplete = make::setup("incomplete-chain", &team, days)
            .expect("incomplete")
            .identity
            .chain;
        assert_eq!(incomplete.len(), 1);
        Gallery::new(&team, 0, &TlsOptions::default()).expect("a gallery under an intermediate CA");
    }
}
