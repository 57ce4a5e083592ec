//! TLS echo building blocks over rustls: load certificates and keys, build configurations, serve the
//! echo protocol, and connect to it, with errors that say which file, address or step failed.
//!
//! # Layout
//! The modules, by what they handle; the items of the internal ones are re-exported at the root
//! ([`Identity`], [`CertStore`], [`SessionInfo`], [`Pin`], [`HostPort`], the verifiers, ...).
//!
//! Certificates (none of these reaches a socket; `tests/architecture.rs` keeps it so):
//! - [`pem`]: reading certificate chains, private keys and CA bundles from PEM or DER files, and
//!   telling what a file holds ([`pem::identify`]: certificates, CSR, CRL, PKCS#7, PKCS#12)
//! - [`x509`]: reading one certificate: names (one RFC 4514 rendering), SANs, dates, who signed it
//! - [`inspect`]: every field of a certificate (every extension, typed), a CSR, a CRL or a PKCS#12
//!   file, fingerprints and pins, as text or JSON
//! - [`generate`]: making a CA and leaf certificates (rcgen), in memory; writing them is the program's
//! - [`verify`]: verifying a certificate file as the client would, with the reason in words
//! - [`export`]: a certificate and its key as a PKCS#12 file for browsers, Java and Windows (feature
//!   `pkcs12`)
//! - [`ocsp`]: OCSP responses read and checked against a certificate, stapled, answered (a CA's, with
//!   `generate`)
//! - [`revocation`]: CRLs consulted by the verifiers (replaceable while a server runs), the entry that
//!   revoked a certificate, revocation reasons as a type
//! - [`scenario`]: certificate chains broken on purpose (expired, wrong host, incomplete chain, ...)
//! - [`sign`]: a certificate signing request signed by a CA, keeping only what a leaf may carry
//! - (internal) `identity`: a chain and its key, and the checks that they match; `preflight`: checks on
//!   the server's chain at start; `crypto`: the one crypto provider (aws-lc-rs, post-quantum first)
//!
//! TLS:
//! - [`config`]: rustls `ServerConfig` / `ClientConfig` and root stores from loaded material
//! - (internal) `verifier`: verifiers that explain their rejections, and pins; `certstore`: the server's
//!   certificates by SNI, replaced on reload (when to reload is the program's: echo-server's
//!   `reload.rs` watches SIGHUP and the files);
//!   `session`: what a session negotiated; `diagnose`: rustls and socket errors in words
//! - [`xray`]: one connection's bytes and secrets captured, every record and handshake message decoded,
//!   TLS 1.3 decrypted, both Finished values recomputed
//! - [`scan`]: what a server speaks (versions, cipher suites and their order, TLS 1.3 groups), asked
//!   with ClientHellos built byte by byte and answered through the x-ray's decoder
//!
//! Network:
//! - [`echo`]: the echo protocol as a sans-IO state machine, and the async loop that drives it
//! - [`server`]: the accept loop `serve(listener, config, options, shutdown)` and `spawn` for a handle;
//!   `server/session.rs` is one connection (first bytes, handshake, echo or page, its log line)
//! - [`client`]: connect, verify, echo round trips, close; `client/exchange.rs` is the client's side of
//!   the echo as a sans-IO machine (what is owed, what came back, how it ended), which the async
//!   driver feeds
//! - [`page`]: the HTTPS page on the echo port (HTML, JSON, /ca.pem, POST /echo) for browsers and curl
//! - [`gallery`]: a local badssl: every exhibit (a certificate or protocol broken on purpose) on one
//!   port by name, each connection's whole configuration chosen from its ClientHello (`generate` and
//!   `page`)
//! - (internal) `address`: `HOST:PORT` parsed once ([`HostPort`])
//!
//! And [`error`]: the one [`Error`] type, with the parts its variants carry.
//!
//! # Features
//! The default is the certificate half, with no async runtime, no HTTP and no certificate maker: `pem`,
//! `x509`, `inspect`, `verify`, `config` and the verifiers. The rest is opt-in:
//! - `generate`: [`generate`], [`scenario`] and [`sign`] (rcgen)
//! - `net`: [`server`], [`client`] and [`echo`] on tokio (with `xray`, which they record for)
//! - `xray`: [`xray`], a connection's handshake decoded
//! - `scan`: [`scan`], what a server speaks (with `xray`; threads and sockets, no async runtime)
//! - `page`: the HTTPS page the server shows browsers on the echo port ([`page`], hyper)
//! - `webpki-roots`: Mozilla's root CAs, for [`config::root_store_with_mozilla`]
//! - `pkcs12`: reading `.p12`/`.pfx` files in [`inspect`], writing them in [`export`]
//!
//! Nothing here installs a signal handler (echo-server's SIGHUP reload is its own) or reads standard
//! input (files are read by their names; the programs take `-` for standard input and hand its bytes
//! to [`pem::parse_identity`] and the other `parse_` functions), and session secrets go to
//! `SSLKEYLOGFILE` only when [`config::TlsOptions::key_log`] asks for it, as in rustls.
//!
//! # Example
//! A server and a client in one process (features `net` and `generate`), with certificates made in
//! memory; [`pem::load_identity`]`("server.pem", "server.key")` reads them from files instead:
//! ```
//! use tls_core::generate::{CertificateAuthority, Usage, Validity};
//! use tls_core::{client, config, server};
//!
//! # async fn demo() -> tls_core::Result<()> {
//! let ca = CertificateAuthority::new("Example CA", Validity::days_from_now(30))?;
//! let leaf = ca.issue(&["localhost"], Usage::Server, Validity::days_from_now(30))?;
//!
//! let server_config = config::server_config(leaf.identity(), None, &Default::default())?;
//! let server = server::spawn("127.0.0.1:0", server_config, Default::default()).await?;
//! let addr = server.local_addr().to_string();
//!
//! let roots = config::root_store(std::slice::from_ref(&ca.issued.cert))?;
//! let client_config = config::client_config(roots, None, &Default::default())?;
//! let name = client::parse_server_name("localhost")?;
//! let echoed = client::round_trip(&addr, name, client_config, b"Hello World!", Default::default()).await?;
//! assert_eq!(echoed, b"Hello World!");
//!
//! server.stop().await;
//! # Ok(())
//! # }
//! # tokio::runtime::Runtime::new().unwrap().block_on(demo()).unwrap();
//! ```
#![warn(missing_docs)]

// Certificates.
mod crypto;
#[cfg(feature = "pkcs12")]
pub mod export;
#[cfg(all(feature = "generate", feature = "page"))]
pub mod gallery;
#[cfg(feature = "generate")]
pub mod generate;
mod identity;
pub mod inspect;
pub mod ocsp;
pub mod pem;
mod preflight;
pub mod revocation;
#[cfg(feature = "generate")]
pub mod scenario;
#[cfg(feature = "generate")]
pub mod sign;
pub mod verify;
pub mod x509;

// TLS.
mod certstore;
pub mod config;
mod constraints;
mod diagnose;
mod explain;
mod fault;
// The tables of TLS numbers' names; the x-ray reads most of them.
#[cfg_attr(not(feature = "xray"), allow(dead_code))]
mod names;
mod noting;
mod refusal;
mod remedy;
#[cfg(feature = "scan")]
pub mod scan;
mod session;
mod verifier;
#[cfg(feature = "xray")]
pub mod xray;

// Network.
mod address;
#[cfg(feature = "net")]
pub mod client;
#[cfg(feature = "net")]
pub mod echo;
#[cfg(feature = "page")]
pub mod page;
#[cfg(feature = "net")]
pub mod server;

pub mod error;
/// The properties the fuzz targets in `fuzz/` check (and the corpus replay test runs); behind the
/// `fuzzing` feature, not part of the library's surface.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;

pub use address::{HostPort, ToAddress};
pub use certstore::{CertStore, Served};
pub use crypto::provider;
pub use diagnose::{Side, handshake_error, io_error};
pub use error::{Diagnosis, Error, Result};
pub use identity::{Identity, check_key_matches};
pub use inspect::key_belongs_to;
pub use names::Named;
pub use preflight::{Finding, Severity, check as preflight, served_chain_warnings};
pub use refusal::{Constraint, Dates, NameBreach, NameKind, Place, Presenter, Reason, Refusal};
pub use remedy::Remedy;
/// rustls itself, for callers that hold its configurations.
pub use rustls;
/// The certificate and key types of the API (rustls-pki-types), re-exported for callers.
pub use rustls::pki_types;
pub use session::SessionInfo;
/// The date type of [`generate::Validity`] (the `time` crate), re-exported for callers.
#[cfg(feature = "generate")]
pub use time;
pub use verifier::{CertificateRejected, Pin, explaining_verifier, explaining_verifier_with};
