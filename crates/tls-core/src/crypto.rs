//! The one crypto provider every configuration, key check and certificate store here uses:
//! aws-lc-rs with its default suites and groups (the post-quantum hybrid X25519MLKEM768 first). Its own
//! module so certificate code can check keys without depending on the TLS configuration builders.

use rustls::crypto::CryptoProvider;

/// aws-lc-rs with its default cipher suites and key-exchange groups.
pub fn provider() -> CryptoProvider {
    rustls::crypto::aws_lc_rs::default_provider()
}
