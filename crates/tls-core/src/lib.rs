//! TLS echo building blocks over rustls: load certificates and keys, build configurations, serve the
//! echo protocol, and connect to it, with errors that say which file, address or step failed.
//!
//! # Layout
//! - [`pem`]: reading certificate chains, private keys and CA bundles from PEM or DER files
//! - [`crypto`]: the one crypto provider (aws-lc-rs, post-quantum hybrid first)
//! - [`config`]: rustls `ServerConfig` / `ClientConfig` from loaded material; verification explained
//! - [`echo`]: the echo protocol as a sans-IO state machine, and the async loop that drives it
//! - [`server`]: the accept loop `serve(listener, config, options, shutdown)` and `spawn` for a handle;
//!   `server/session.rs` is one connection (first bytes, handshake, echo or page, its log line)
//! - [`page`]: the HTTPS page on the echo port (HTML, JSON, /ca.pem, POST /echo) for browsers and curl
//! - [`scenario`]: certificate chains broken on purpose (expired, wrong host, incomplete chain, ...)
//! - [`preflight`]: checks on the server's chain at start (order, leaf, usage, dates)
//! - [`client`]: connect, verify, echo round trips, close
//! - [`session`]: what a session negotiated (version, suite, group, SNI, ALPN, peer certificate)
//! - [`diagnose`]: rustls and socket errors turned into sentences
//! - [`generate`]: making a demo CA and leaf certificates (rcgen), also broken ones for tests
//! - [`inspect`]: every field of a certificate, fingerprints and pins, as text or JSON
//! - [`verify`]: verifying a certificate file as the client would, with the reason in words
//! - [`certstore`]: the server's certificates, chosen by SNI and replaceable while it runs
//! - [`certinfo`]: the certificate fields messages need (subject, issuer, names, dates)
//! - [`args`]: parsing command-line values the programs share
//! - [`error`]: the one [`Error`] type
//!
//! # Example
//! A server and a client in one process, with a certificate made in memory:
//! ```
//! # async fn demo() -> tls_core::Result<()> {
//! use tls_core::{client, config, pem::Identity, server};
//! # let made = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
//! # let cert = made.cert.der().clone();
//! # let key = rustls::pki_types::PrivateKeyDer::Pkcs8(made.signing_key.serialize_der().into());
//! // `cert` and `key` would usually come from pem::load_identity("server.pem", "server.key").
//! let identity = Identity { chain: vec![cert.clone()], key };
//! let server_config = config::server_config(identity, None, &Default::default())?;
//! let server = server::spawn("127.0.0.1:0", server_config, Default::default()).await?;
//! let addr = server.local_addr().to_string();
//!
//! let roots = config::root_store(&[cert], false)?;
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

pub mod args;
pub mod certinfo;
pub mod certstore;
pub mod client;
pub mod config;
pub mod crypto;
pub mod diagnose;
pub mod echo;
pub mod error;
/// The properties the fuzz targets in `fuzz/` check (and the corpus replay test runs); behind the
/// `fuzzing` feature, not part of the library's surface.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod generate;
pub mod inspect;
pub mod page;
pub mod pem;
pub mod preflight;
pub mod scenario;
pub mod server;
pub mod session;
pub mod verify;

pub use error::{Error, Result};
/// rustls itself, for callers that hold its configurations.
pub use rustls;
/// The certificate and key types of the API (rustls-pki-types), re-exported for callers.
pub use rustls::pki_types;
