//! The Finished checks: the Finished each side must send, recomputed from the transcript and the
//! secrets its TLS library logged, compared with the one it sent. TLS 1.3's is an HMAC keyed by the
//! side's handshake traffic secret (RFC 8446 4.4.4); TLS 1.2's is PRF(master secret, "client finished"
//! or "server finished", the handshake hash), 12 bytes (RFC 5246 7.4.9).

use super::Direction;
use super::keys::{self, Suite, Suite12};
use super::model::FinishedCheck;

/// What a side's Finished is keyed by.
pub(super) enum Keying<'a> {
    /// TLS 1.3: the side's handshake traffic secret.
    Tls13 { suite: Suite, traffic_secret: &'a [u8] },
    /// TLS 1.2: the master secret (the CLIENT_RANDOM line).
    Tls12 { suite: Suite12, master_secret: &'a [u8] },
}

/// The transcript hash `direction`'s Finished covers (of `transcript`, every handshake message before
/// it), and whether `verify_data` is the Finished it must be.
pub(super) fn check(
    keying: Keying,
    direction: Direction,
    transcript: &[u8],
    verify_data: &[u8],
) -> (Vec<u8>, FinishedCheck) {
    let (hash, expected) = match keying {
        Keying::Tls13 { suite, traffic_secret } => {
            let hash = suite.hash.digest(transcript);
            let expected = keys::finished(suite.hash, traffic_secret, &hash);
            (hash, expected)
        }
        Keying::Tls12 { suite, master_secret } => {
            let label = match direction {
                Direction::Client => "client finished",
                Direction::Server => "server finished",
            };
            let hash = suite.hash.digest(transcript);
            let expected = keys::prf(suite.hash, master_secret, label, &hash, 12);
            (hash, expected)
        }
    };
    let check = if expected == verify_data {
        FinishedCheck::Verified
    } else {
        FinishedCheck::Mismatch
    };
    (hash, check)
}
