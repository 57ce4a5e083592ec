//! Building rustls `ServerConfig` and `ClientConfig` from loaded material.
//!
//! Functions here take DER values, not paths, so tests can hand in certificates made in memory. The
//! crypto provider is named explicitly (aws-lc-rs, with the post-quantum hybrid X25519MLKEM768 preferred),
//! so no process-wide default has to be installed first.

use std::sync::Arc;

use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{CipherSuite, ClientConfig, KeyLogFile, RootCertStore, ServerConfig, SupportedProtocolVersion};

use crate::certstore::{self, CertStore};
use crate::error::{Error, Result};
use crate::identity::Identity;
use crate::refusal::Presenter;
use crate::revocation::Crls;
use crate::verifier::{self, Pin};

/// Choices shared by both sides.
#[derive(Debug, Clone, Default)]
pub struct TlsOptions {
    /// ALPN protocols to offer (client) or accept (server), most preferred first.
    pub alpn: Vec<Vec<u8>>,
    /// Refuse TLS 1.2.
    pub tls13_only: bool,
    /// Offer only classic key exchange (X25519, P-256), not the post-quantum hybrid X25519MLKEM768.
    pub classic_kx: bool,
    /// Write each session's secrets to the file `SSLKEYLOGFILE` names, when it is set, as browsers and
    /// curl do, so Wireshark can decrypt a capture. Off by default, as in rustls: secrets leave the
    /// process only when a program chooses so (the tls-echo programs do).
    pub key_log: bool,
    /// CRLs to check the peer's certificate against (its issuer's list is then required): the
    /// server's client certificates, the client's server certificate. A server reads the current ones
    /// at each handshake, so replacing them takes effect at once.
    pub crls: Option<Arc<Crls>>,
}

use crate::crypto::provider;

/// Parses a DNS name or IP address to verify the server's certificate against.
///
/// # Errors
/// [`Error::InvalidServerName`] when it is neither.
pub fn parse_server_name(name: &str) -> Result<ServerName<'static>> {
    ServerName::try_from(name.to_owned()).map_err(|_| Error::InvalidServerName(name.to_owned()))
}

fn versions(options: &TlsOptions) -> &'static [&'static SupportedProtocolVersion] {
    static TLS13_ONLY: [&SupportedProtocolVersion; 1] = [&rustls::version::TLS13];
    if options.tls13_only {
        &TLS13_ONLY
    } else {
        rustls::ALL_VERSIONS
    }
}

/// Why the file named by `SSLKEYLOGFILE` cannot take the session keys, when it is set and cannot
/// (rustls then logs nothing, silently); programs that turn on [`TlsOptions::key_log`] say it once at
/// start.
pub fn key_log_file_problem() -> Option<String> {
    let path = std::env::var_os("SSLKEYLOGFILE")?;
    if path.is_empty() {
        return None;
    }
    let opened = std::fs::OpenOptions::new().append(true).create(true).open(&path);
    opened.err().map(|err| {
        format!(
            "SSLKEYLOGFILE={} cannot be written ({err}): no session keys will be logged; name a file in a directory you can write to",
            std::path::Path::new(&path).display()
        )
    })
}

/// A server configuration presenting `identity`, requiring client certificates signed by `client_ca`
/// when given (mutual TLS).
///
/// Issues session tickets; writes session secrets to `SSLKEYLOGFILE` when `options.key_log` says so.
///
/// # Errors
/// [`Error::KeyMismatch`] when the key is not the certificate's, [`Error::Config`] when rustls refuses
/// the material.
pub fn server_config(
    identity: Identity,
    client_ca: Option<&[CertificateDer<'static>]>,
    options: &TlsOptions,
) -> Result<Arc<ServerConfig>> {
    let certs = Arc::new(CertStore::new(vec![identity])?);
    server_config_with(certs, client_ca, options)
}

/// As [`server_config`], presenting the certificates of `certs` (chosen by SNI, replaceable while
/// the server runs).
///
/// # Errors
/// [`Error::Config`] when rustls refuses the options.
pub fn server_config_with(
    certs: Arc<CertStore>,
    client_ca: Option<&[CertificateDer<'static>]>,
    options: &TlsOptions,
) -> Result<Arc<ServerConfig>> {
    let shape = Shape {
        versions: versions(options),
        groups: None,
        client_auth: match client_ca {
            Some(cas) => Some(verifier::explaining_client_verifier(
                root_store(cas)?,
                options.crls.clone(),
                true,
            )?),
            None => None,
        },
    };
    shaped_server_config(certs, shape, options)
}

/// What a server configuration is made of beyond [`TlsOptions`]: the gallery's exhibits change these.
pub(crate) struct Shape {
    /// The protocol versions it speaks.
    pub(crate) versions: &'static [&'static SupportedProtocolVersion],
    /// The key exchange groups it offers, in its order of preference; `None`: the provider's.
    pub(crate) groups: Option<Vec<&'static dyn rustls::crypto::SupportedKxGroup>>,
    /// How it checks client certificates; `None` asks for none.
    pub(crate) client_auth: Option<Arc<dyn rustls::server::danger::ClientCertVerifier>>,
}

/// A server configuration presenting `certs`, of `shape`, with `options`' ALPN and key log.
pub(crate) fn shaped_server_config(
    certs: Arc<CertStore>,
    shape: Shape,
    options: &TlsOptions,
) -> Result<Arc<ServerConfig>> {
    let config_error = |cause| Error::Config { side: "server", cause };
    let mut provider = provider();
    // AES-128-GCM first, whatever the client prefers: the same 128-bit security TLS aims at, a SHA-256 key
    // schedule instead of SHA-384, and faster bulk encryption (measured in BENCHMARKS.md).
    provider.cipher_suites.sort_by_key(|suite| {
        !matches!(
            suite.suite(),
            CipherSuite::TLS13_AES_128_GCM_SHA256
                | CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
                | CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
        )
    });
    if let Some(groups) = shape.groups {
        provider.kx_groups = groups;
    }
    let provider = Arc::new(provider);
    let builder = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(shape.versions)
        .map_err(config_error)?;
    let builder = match shape.client_auth {
        Some(verifier) => builder.with_client_cert_verifier(verifier),
        None => builder.with_no_client_auth(),
    };
    let mut config = builder.with_cert_resolver(certs);
    config.alpn_protocols.clone_from(&options.alpn);
    if options.key_log {
        config.key_log = Arc::new(KeyLogFile::new());
    }
    config.ignore_client_order = true;
    // Tickets name the certificate of the session they resume (for the page and the log); resumption by
    // session ID, whose server-side cache could not, is off: TLS 1.2 clients without tickets do full
    // handshakes.
    config.ticketer = Arc::new(certstore::NamingTickets(
        rustls::crypto::aws_lc_rs::Ticketer::new().map_err(config_error)?,
    ));
    config.session_storage = Arc::new(rustls::server::NoServerSessionStorage {});
    // One ticket per handshake is enough to resume once; rustls' default of two doubles the work.
    config.send_tls13_tickets = 1;
    Ok(Arc::new(config))
}

/// A client configuration trusting `roots`, presenting `identity` when the server asks for a client
/// certificate.
///
/// Verification is rustls' own (webpki); failures come back explained in words: which names the
/// certificate holds, its dates, who signed it and whether the chain looks incomplete.
///
/// # Errors
/// [`Error::Config`] when rustls refuses the material.
pub fn client_config(
    roots: Arc<RootCertStore>,
    identity: Option<Identity>,
    options: &TlsOptions,
) -> Result<Arc<ClientConfig>> {
    pinned_client_config(Some(roots), &[], identity, options)
}

/// As [`client_config`], also requiring the server's public key to match one of `pins` when there are
/// any. With `roots` as well, both must hold; with pins alone, the pin is the whole trust (as curl's
/// `--pinnedpubkey` and Chromium's `--ignore-certificate-errors-spki-list`): no CA, name or date check.
///
/// # Errors
/// [`Error::Config`] when there is neither a root nor a pin, or rustls refuses the material.
pub fn pinned_client_config(
    roots: Option<Arc<RootCertStore>>,
    pins: &[Pin],
    identity: Option<Identity>,
    options: &TlsOptions,
) -> Result<Arc<ClientConfig>> {
    let config_error = |cause| Error::Config { side: "client", cause };
    let mut provider = provider();
    if options.classic_kx {
        provider.kx_groups = vec![
            rustls::crypto::aws_lc_rs::kx_group::X25519,
            rustls::crypto::aws_lc_rs::kx_group::SECP256R1,
        ];
    }
    let provider = Arc::new(provider);
    let crls = options.crls.as_ref().map(|crls| crls.current()).unwrap_or_default();
    let verified = roots
        .as_ref()
        .map(|roots| verifier::explaining_verifier_with(roots.clone(), Presenter::Server, false, &crls))
        .transpose()?;
    let verifier: Arc<dyn ServerCertVerifier> = match (verified, pins.is_empty()) {
        (Some(verifier), true) => verifier,
        // A pin may name the key of the CA that vouches for the chain, too (as HTTP public-key pinning did).
        (inner, false) => verifier::pinned_verifier(
            pins,
            inner,
            roots.as_deref(),
            provider.signature_verification_algorithms,
        ),
        (None, true) => {
            return Err(config_error(rustls::Error::General(
                "nothing to trust: give CA certificates or a pin".into(),
            )));
        }
    };
    let builder = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions(options))
        .map_err(config_error)?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let mut config = match identity {
        Some(id) => builder.with_client_auth_cert(id.chain, id.key).map_err(config_error)?,
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols.clone_from(&options.alpn);
    if options.key_log {
        config.key_log = Arc::new(KeyLogFile::new());
    }
    Ok(Arc::new(config))
}

/// A client configuration that accepts any certificate, for looking at what a server presents
/// (`tls-cert inspect --connect`), never for sending data. Handshake signatures are still checked, so
/// the server proves it holds the key of the certificate it shows.
///
/// # Errors
/// [`Error::Config`] when rustls refuses the options.
pub fn inspection_client_config(options: &TlsOptions) -> Result<Arc<ClientConfig>> {
    let provider = Arc::new(provider());
    let verifier = verifier::accept_any(provider.signature_verification_algorithms);
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions(options))
        .map_err(|cause| Error::Config { side: "client", cause })?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    config.alpn_protocols.clone_from(&options.alpn);
    Ok(Arc::new(config))
}

/// A root store holding `ca_certs`.
///
/// # Errors
/// [`Error::Config`] when a certificate cannot be a trust anchor (files loaded by
/// [`crate::pem::load_ca_certs`] were checked already).
pub fn root_store(ca_certs: &[CertificateDer<'static>]) -> Result<Arc<RootCertStore>> {
    roots_with(RootCertStore::empty(), ca_certs)
}

/// A root store holding Mozilla's root CAs (webpki-roots) and `ca_certs`: what a browser trusts, and
/// the caller's own.
///
/// # Errors
/// As [`root_store`].
#[cfg(feature = "webpki-roots")]
pub fn root_store_with_mozilla(ca_certs: &[CertificateDer<'static>]) -> Result<Arc<RootCertStore>> {
    let mut store = RootCertStore::empty();
    store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    roots_with(store, ca_certs)
}

fn roots_with(mut store: RootCertStore, ca_certs: &[CertificateDer<'static>]) -> Result<Arc<RootCertStore>> {
    for cert in ca_certs {
        store
            .add(cert.clone())
            .map_err(|cause| Error::Config { side: "client", cause })?;
    }
    Ok(Arc::new(store))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{CertificateAuthority, Usage, Validity};

    /// Secrets go to SSLKEYLOGFILE only when asked: rustls' own default is no key log at all.
    #[test]
    fn session_secrets_are_logged_only_when_asked() {
        let ca = CertificateAuthority::new("Key Log CA", Validity::days_from_now(30)).expect("CA");
        let leaf = ca
            .issue(&["localhost"], Usage::Server, Validity::days_from_now(30))
            .expect("leaf");
        let roots = root_store(std::slice::from_ref(&ca.issued.cert)).expect("roots");
        for key_log in [false, true] {
            let options = TlsOptions {
                key_log,
                ..TlsOptions::default()
            };
            let server = server_config(leaf.identity(), None, &options).expect("server config");
            let client = client_config(roots.clone(), None, &options).expect("client config");
            assert_eq!(server.key_log.will_log("CLIENT_RANDOM"), key_log);
            assert_eq!(client.key_log.will_log("CLIENT_RANDOM"), key_log);
        }
    }
}
