//! Certificate chains broken on purpose, made in memory at start, so a person can see what each client
//! says about each mistake: `echo-server --scenario NAME`.
//!
//! The chains are signed by a CA you give (the demo CA by default), so a client that trusts that CA sees
//! exactly the one thing that is wrong.

use std::fmt;
use std::str::FromStr;

use crate::error::Result;
use crate::generate::{self, CertificateAuthority, Usage, Validity};
use crate::identity::Identity;

/// The names the scenario certificates are made for (except `wrong-host`).
const NAMES: [&str; 3] = generate::LOCAL_NAMES;

/// One way for a server certificate to be right or wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Nothing wrong: the baseline.
    Good,
    /// Validity ended two days ago.
    Expired,
    /// Validity starts in 30 days.
    NotYetValid,
    /// Valid for another host name only.
    WrongHost,
    /// Self-signed: no CA vouches for it.
    SelfSigned,
    /// Chains to a root nobody trusts.
    UntrustedRoot,
    /// Signed by an intermediate the server does not send.
    IncompleteChain,
    /// The server presents a CA certificate as its own.
    CaAsLeaf,
}

impl Kind {
    /// Every scenario with its command-line name.
    pub const ALL: [(Self, &'static str); 8] = [
        (Self::Good, "good"),
        (Self::Expired, "expired"),
        (Self::NotYetValid, "not-yet-valid"),
        (Self::WrongHost, "wrong-host"),
        (Self::SelfSigned, "self-signed"),
        (Self::UntrustedRoot, "untrusted-root"),
        (Self::IncompleteChain, "incomplete-chain"),
        (Self::CaAsLeaf, "ca-as-leaf"),
    ];

    /// The command-line name.
    pub fn name(self) -> &'static str {
        Self::ALL.iter().find(|(k, _)| *k == self).map_or("?", |(_, n)| n)
    }

    /// Two sentences for the page and the log: what is wrong, and what a client does about it.
    pub fn explanation(self) -> &'static str {
        match self {
            Self::Good => {
                "Nothing is wrong here: the certificate names this host, is within its dates and chains to the CA. A client that trusts that CA connects without a warning."
            }
            Self::Expired => {
                "The certificate's validity ended two days ago, so every client refuses it even though the rest is right. Browsers show NET::ERR_CERT_DATE_INVALID; the fix is a new certificate, never a changed clock."
            }
            Self::NotYetValid => {
                "The certificate only becomes valid in 30 days, which usually means a clock is wrong on one side. Browsers show NET::ERR_CERT_DATE_INVALID until the date arrives or the clock is fixed."
            }
            Self::WrongHost => {
                "The certificate is valid for wrong.example only, not for the name you connected to. Browsers show NET::ERR_CERT_COMMON_NAME_INVALID: the certificate may be genuine, but it is somebody else's."
            }
            Self::SelfSigned => {
                "The certificate signed itself, so no CA vouches for it. Browsers show NET::ERR_CERT_AUTHORITY_INVALID; trust it only by pinning its key after checking its fingerprint out of band."
            }
            Self::UntrustedRoot => {
                "The chain ends at a root CA that no client has been told to trust. Browsers show NET::ERR_CERT_AUTHORITY_INVALID: anyone can make a root, so an unknown one proves nothing."
            }
            Self::IncompleteChain => {
                "The certificate is signed by an intermediate CA that the server does not send, so clients cannot link it to the root they trust. The fix is on the server: send the intermediate after the certificate."
            }
            Self::CaAsLeaf => {
                "The server presents a CA certificate (CA:TRUE) as its own: rustls clients refuse it, while curl (OpenSSL) and Chromium let it through. A server needs a leaf certificate signed by the CA, not the CA itself, or some clients will fail."
            }
        }
    }
}

impl FromStr for Kind {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Self, String> {
        Self::ALL
            .iter()
            .find(|(_, n)| *n == text)
            .map(|(k, _)| *k)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|(_, n)| *n).collect();
                format!("unknown scenario {text:?}; choose one of {}", names.join(", "))
            })
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Makes the certificate chain and key of scenario `kind`, signed (where it is signed at all) by `ca`.
/// The chain includes `ca`'s certificate after the leaf where a real server would send it, so a browser
/// given the CA's pin recognises the chain.
///
/// # Errors
/// [`crate::Error::Generate`] when rcgen fails.
pub fn make(kind: Kind, ca: &CertificateAuthority) -> Result<Identity> {
    let soon = Validity::days_from_now(30);
    let with_ca =
        |leaf: generate::Issued| Identity::new(vec![leaf.cert.clone(), ca.issued.cert.clone()], leaf.key.clone_key());
    Ok(match kind {
        Kind::Good => with_ca(ca.issue(&NAMES, Usage::Server, soon)?),
        Kind::Expired => with_ca(ca.issue(&NAMES, Usage::Server, Validity::expired_days_ago(2))?),
        Kind::NotYetValid => with_ca(ca.issue(&NAMES, Usage::Server, Validity::starting_in_days(30))?),
        Kind::WrongHost => with_ca(ca.issue(&["wrong.example"], Usage::Server, soon)?),
        Kind::SelfSigned => generate::self_signed_leaf(&NAMES, soon)?.identity(),
        Kind::UntrustedRoot => {
            let stranger = CertificateAuthority::new("Untrusted Root CA", soon)?;
            let leaf = stranger.issue(&NAMES, Usage::Server, soon)?;
            Identity::new(
                vec![leaf.cert.clone(), stranger.issued.cert.clone()],
                leaf.key.clone_key(),
            )
        }
        Kind::IncompleteChain => {
            let intermediate = ca.intermediate("tls-echo scenario intermediate", soon)?;
            intermediate.issue(&NAMES, Usage::Server, soon)?.identity()
        }
        Kind::CaAsLeaf => with_ca(ca.issue_ca_as_leaf(&NAMES, soon)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_parses_back_to_its_kind() {
        for (kind, name) in Kind::ALL {
            assert_eq!(name.parse::<Kind>(), Ok(kind));
            assert!(!kind.explanation().is_empty());
        }
        assert!(
            "fine"
                .parse::<Kind>()
                .unwrap_err()
                .contains("choose one of good, expired")
        );
    }
}
