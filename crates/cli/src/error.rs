//! The programs' errors: the library's, and the two that only a command line has (a default file that
//! is not there, files that a flag would have to allow replacing), with the exit code each program
//! returns and the flags it names in its hints.

use std::path::PathBuf;

use tls_core::Remedy;

/// An error as the programs meet it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The library's error.
    #[error(transparent)]
    Core(#[from] tls_core::Error),
    /// A default file (the demo `certs/`) is not where it is looked for.
    #[error(
        "no {flags} given, and the default {file} is not in this folder, a folder above it, or beside the program: give {flags} (tls-cert generate --out DIR makes a set)"
    )]
    NoDefault {
        /// The default, such as `certs/ca.pem`.
        file: &'static str,
        /// The flags that name the file instead, such as `--ca FILE`.
        flags: &'static str,
    },
    /// Files would be replaced without `--force`.
    #[error("{} {} already; pass --force to replace {} (and nothing else)",
        paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "),
        if paths.len() == 1 { "exists" } else { "exist" },
        if paths.len() == 1 { "it" } else { "them" })]
    Exists {
        /// The files.
        paths: Vec<PathBuf>,
    },
}

/// A program's result.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// The exit code: 2 for a problem in what the user gave (the library's
    /// [`is_input_problem`](tls_core::Error::is_input_problem), a missing default, files in the way),
    /// else 1.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Core(err) => exit_code(err),
            Self::NoDefault { .. } | Self::Exists { .. } => 2,
        }
    }

    /// The whole error as a person reads it: the message, its causes, the hint (see
    /// [`tls_core::error::Report`]).
    pub fn report(&self) -> String {
        match self {
            Self::Core(err) => err.report_with(advice).to_string(),
            other => other.to_string(),
        }
    }
}

/// The exit code for a library error: 2 when it is in what the user gave
/// ([`is_input_problem`](tls_core::Error::is_input_problem)), else 1.
pub fn exit_code(err: &tls_core::Error) -> u8 {
    if err.is_input_problem() { 2 } else { 1 }
}

/// A [`Remedy`] said with the programs' flags: what the library says in its own words, the programs
/// say as the flag to give.
pub fn advice(remedy: Remedy) -> String {
    match remedy {
        Remedy::SharePort => "the program there did not set --reuse-port: every process sharing the port must".to_owned(),
        Remedy::FreePort => "another program already listens there: stop it or pass --listen with another port".to_owned(),
        Remedy::GiveKey => "with no --key, the certificate file must hold its key too: give --key FILE".to_owned(),
        Remedy::MatchKey => "that is a private key, not a certificate, and inspect does not show keys; to check it belongs to a certificate: tls-cert inspect --key-matches CERT KEY".to_owned(),
        Remedy::StrongerKey => "make a new key and certificate: tls-cert generate --out NEW_DIR --key-type rsa2048 (or the default, ecdsa-p256)".to_owned(),
        Remedy::ServerInLineMode => "drop --raw, or start the server with --raw".to_owned(),
        Remedy::ServerInRawMode => "for a raw-mode server (echo-server --raw), add --raw".to_owned(),
        Remedy::NotHttp { alpn: true } => "drop --alpn http/1.1, or (an echo-server) start the server with --no-page".to_owned(),
        Remedy::NotHttp { alpn: false } => {
            "start the message differently, or (an echo-server) start the server with --no-page".to_owned()
        }
        Remedy::OfferAnotherProtocol => "give --alpn a protocol the server speaks, or drop --alpn".to_owned(),
        Remedy::PinSelfSigned => "if it is a server's own certificate, trust it by its key instead (echo-client --pin sha256//PIN, with the pin-sha256 that tls-cert inspect prints for it); if it is a CA, check the server's certificate against it".to_owned(),
        Remedy::RenewForName => {
            "make a new one that holds the name (tls-cert generate --ca CA.pem --ca-key CA.key --san NAME --out NEW_DIR)".to_owned()
        }
        Remedy::TrustIfKnown => "trust it with --ca FILE only if you know where it comes from".to_owned(),
        Remedy::TrustCa => "pass --ca with its certificate, if you trust it".to_owned(),
        Remedy::TrustTheSigningCa => "pass --ca with the CA that signed it".to_owned(),
        Remedy::TrustClientCa => {
            "trust the CA that signed it for clients (echo-server --client-ca; tls-cert verify --purpose client --ca), if you trust it".to_owned()
        }
        Remedy::UseAHeldName => "connect with a name it holds (--server-name) or make a certificate for this one".to_owned(),
        Remedy::RenewCertificate => {
            "make a new one with the names it holds (tls-cert generate --ca CA.pem --ca-key CA.key --san NAME --out NEW_DIR)".to_owned()
        }
        Remedy::ClientCertificate => {
            "make a client certificate with tls-cert generate --ca CA.pem --ca-key CA.key --client NAME --out DIR".to_owned()
        }
        Remedy::CheckPins => "give --pin one of these keys' pins, if this is the server you expect".to_owned(),
        Remedy::SendClientCertificate => "pass --cert and --key".to_owned(),
        Remedy::ClientTrustsCa => "give it that CA (curl --cacert, echo-client --ca)".to_owned(),
        Remedy::ServerTrustsClientCa => "use a certificate from a CA it trusts (echo-server's --client-ca)".to_owned(),
        Remedy::ClientTrustsCertificate => "give it the certificate itself as its CA (curl --cacert, echo-client --ca)".to_owned(),
        Remedy::MaybeSendClientCertificate => "if it wants a client certificate, pass --cert and --key".to_owned(),
        Remedy::ClientCertificateFromTrustedCa => {
            "give the client one from a CA the server trusts (echo-client: --cert and --key)".to_owned()
        }
        Remedy::CheckTheLeaf => "give the server's certificate to check, and the CA with --ca".to_owned(),
        Remedy::LeafDaysAtLeast { days } => format!("give --days {days} or more"),
        Remedy::CaDaysAtLeast { days } => format!("give --ca-days {days} or more"),
        Remedy::FitTheCa { days, ca_days: Some(ca_days) } => format!("give --days {days} or less, or --ca-days {ca_days} or more"),
        Remedy::FitTheCa { days, ca_days: None } => format!("give --days {days} or less, or use a CA that lasts longer"),
        Remedy::ReplaceRevoked => "a revoked certificate stays revoked: its holder needs a new one (tls-cert generate --out NEW_DIR --ca CA.pem --ca-key CA.key, or tls-cert sign a new request), and a new key if the old one was compromised".to_owned(),
        Remedy::CrlOfIssuer => "give --crl the current CRL of the CA that signed it (for a CA folder of tls-cert: tls-cert crl --ca-dir DIR writes DIR/crl.pem)".to_owned(),
        Remedy::FreshStaple => "the server must staple a fresh OCSP response from its CA, or none (for a CA folder of tls-cert: tls-cert ocsp CERT --ca-dir DIR --out FILE, served with echo-server --ocsp-response FILE)".to_owned(),
        Remedy::FreshCrl => "get a fresh CRL from that CA (for a CA folder of tls-cert: tls-cert crl --ca-dir DIR writes a new DIR/crl.pem)".to_owned(),
        // A remedy this version does not know: the library's own words.
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The programs say each remedy with a flag of theirs (or a command to run), and never in the
    /// library's words for it.
    #[test]
    fn every_remedy_is_said_with_the_programs_flags() {
        let remedies = [
            Remedy::SharePort,
            Remedy::FreePort,
            Remedy::GiveKey,
            Remedy::MatchKey,
            Remedy::StrongerKey,
            Remedy::ServerInLineMode,
            Remedy::ServerInRawMode,
            Remedy::NotHttp { alpn: true },
            Remedy::NotHttp { alpn: false },
            Remedy::CrlOfIssuer,
            Remedy::FreshCrl,
            Remedy::FreshStaple,
            Remedy::LeafDaysAtLeast { days: 1 },
            Remedy::CaDaysAtLeast { days: 1 },
            Remedy::FitTheCa {
                days: 10,
                ca_days: Some(20),
            },
            Remedy::FitTheCa {
                days: 10,
                ca_days: None,
            },
        ];
        for remedy in remedies {
            let said = advice(remedy);
            assert!(said.contains("--"), "{remedy:?}: {said}");
            assert_ne!(said, remedy.to_string());
        }
        assert_eq!(
            advice(Remedy::FitTheCa {
                days: 10,
                ca_days: Some(20)
            }),
            "give --days 10 or less, or --ca-days 20 or more"
        );
    }

    /// A missing default and files in the way are the user's to fix: exit 2, as the library's input
    /// problems; an operation that failed is 1.
    #[test]
    fn exit_codes_follow_whose_problem_it_is() {
        let missing = Error::NoDefault {
            file: "certs/ca.pem",
            flags: "--ca FILE",
        };
        assert_eq!(missing.exit_code(), 2);
        assert_eq!(
            Error::Exists {
                paths: vec!["a".into()]
            }
            .exit_code(),
            2
        );
        let refused = Error::from(tls_core::Error::Connect {
            addr: "127.0.0.1:1".into(),
            cause: std::io::Error::from(std::io::ErrorKind::ConnectionRefused),
            hint: tls_core::error::Hint::None,
        });
        assert_eq!(refused.exit_code(), 1);
        assert!(
            refused.report().starts_with("cannot connect to 127.0.0.1:1: "),
            "{}",
            refused.report()
        );
    }
}
