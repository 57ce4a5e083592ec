//! What a user can do about a failure, as a value: the library says it in its own words; a program
//! says it with its own flags. Nothing here names a flag.

/// What the user can do about an error, as a value: the library says it in its own words (`Display`);
/// a program says it with its flags instead (the tls-echo programs: `tls_echo_cli`'s report).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Remedy {
    /// The port is taken by a listener that did not ask to share it: every one sharing it must set
    /// SO_REUSEPORT.
    SharePort,
    /// The port is taken: stop what listens there, or listen on another port.
    FreePort,
    /// A certificate file given without a key file must hold the key too.
    GiveKey,
    /// A private key was given to be inspected: keys are not shown; it can be matched to a certificate.
    MatchKey,
    /// The key is too weak for rustls (RSA under 2048 bits): a new key and certificate.
    StrongerKey,
    /// The server ended the session at an empty line: it is in line mode.
    ServerInLineMode,
    /// The server echoed past an empty line: it is in raw mode.
    ServerInRawMode,
    /// The server answered with its HTTPS page: `alpn`, because http/1.1 was offered by ALPN (else the
    /// message looked like an HTTP request).
    NotHttp {
        /// Whether ALPN agreed on http/1.1.
        alpn: bool,
    },
    /// A self-signed certificate: trust it only if its origin is known.
    TrustIfKnown,
    /// A CA not trusted yet: trust it, if it is the right one.
    TrustCa,
    /// A CA made again with the same name: trust the one that signed the certificate.
    TrustTheSigningCa,
    /// A client certificate from a CA the server does not trust for clients.
    TrustClientCa,
    /// A name the certificate does not hold: connect with one it holds, or make one for this name.
    UseAHeldName,
    /// An expired certificate in a file: make a new one.
    RenewCertificate,
    /// A certificate not made for clients used as a client's: make a client certificate.
    ClientCertificate,
    /// No key of the chain has a pin given: compare the pins with the chain's keys.
    CheckPins,
    /// A server that requires a client certificate, and none was sent.
    SendClientCertificate,
    /// A client that does not trust the server's CA: give it that CA.
    ClientTrustsCa,
    /// A server that does not trust our client certificate's CA: use one from a CA it trusts.
    ServerTrustsClientCa,
    /// A self-signed server certificate the client does not trust: give it the certificate itself.
    ClientTrustsCertificate,
    /// A server that ended the handshake, perhaps for want of a client certificate.
    MaybeSendClientCertificate,
    /// A server that requires a client certificate from a CA it trusts, and none was sent.
    ClientCertificateFromTrustedCa,
    /// A CA certificate given where the certificate to check was expected.
    CheckTheLeaf,
    /// A server that speaks none of the ALPN protocols offered: offer another, or none.
    OfferAnotherProtocol,
    /// A self-signed certificate made as a CA (OpenSSL's default): trust it by its key instead.
    PinSelfSigned,
    /// An expired certificate in a file that does not hold the name asked for either: a new one that
    /// holds it.
    RenewForName,
    /// A CA's pathLenConstraint is exceeded: fewer intermediates, or a CA that allows more.
    ShortenChain,
    /// A name a CA may not certify: a name it may, or a CA without that constraint.
    NameTheCaAllows,
    /// A CA constrains a type of name the verifier does not check: a CA that constrains only DNS
    /// names and IP addresses, or none.
    CheckedConstraintsOnly,
    /// An extension marked critical that the verifier does not read.
    DropCriticalExtension,
    /// A CA whose key the verifier refuses: a CA with a key it accepts.
    StrongerCaKey,
    /// A CA whose extended key usage lacks serverAuth (clientAuth, `client`): issued again with it, or
    /// with none.
    CaExtendedKeyUsage {
        /// The chain is a client's.
        client: bool,
    },
    /// A server certificate without serverAuth in its extended key usage.
    ServerAuthUsage,
    /// A revoked certificate stays revoked: its holder needs a new one.
    ReplaceRevoked,
    /// No usable CRL from the certificate's issuer was given: give that CA's own.
    CrlOfIssuer,
    /// A CRL past its next update: a fresh one from its CA.
    FreshCrl,
    /// A stapled OCSP response that cannot be used: the server must staple a fresh one, or none.
    FreshStaple,
    /// Not valid yet by the clock: check the clock.
    CheckClock,
    /// Ask for certificates valid for at least `days`.
    LeafDaysAtLeast {
        /// The fewest days that work.
        days: u64,
    },
    /// Ask for a CA valid for at least `days`.
    CaDaysAtLeast {
        /// The fewest days that work.
        days: u64,
    },
    /// Ask for certificates that end before their CA: at most `days`, or (a new CA) a CA valid for at
    /// least `ca_days`.
    FitTheCa {
        /// The most days a certificate can have.
        days: u64,
        /// The fewest days a new CA needs for the days asked (`None`: the CA exists already).
        ca_days: Option<u64>,
    },
}

impl std::fmt::Display for Remedy {
    /// In the library's words, naming no program's flags.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::SharePort => {
                f.write_str("the program there did not set SO_REUSEPORT: every process sharing the port must")
            }
            Self::FreePort => f.write_str("another program already listens there: stop it or listen on another port"),
            Self::GiveKey => f.write_str("a certificate file given without its key file must hold the key too"),
            Self::MatchKey => f.write_str(
                "that is a private key, not a certificate, and keys are not shown; it can be matched to a certificate",
            ),
            Self::StrongerKey => f.write_str("make a new key and certificate, ECDSA P-256 or RSA of 2048 bits or more"),
            Self::ServerInLineMode => f.write_str("send in line mode, or run the server in raw mode"),
            Self::ServerInRawMode => f.write_str("for a raw-mode server, send in raw mode"),
            Self::NotHttp { alpn: true } => {
                f.write_str("do not offer http/1.1 by ALPN, or run the server without its HTTPS page")
            }
            Self::NotHttp { alpn: false } => {
                f.write_str("start the message differently, or run the server without its HTTPS page")
            }
            Self::TrustIfKnown => f.write_str("trust it only if you know where it comes from"),
            Self::TrustCa => f.write_str("trust that CA, if you know it"),
            Self::TrustTheSigningCa => f.write_str("trust the CA that signed it"),
            Self::TrustClientCa => f.write_str("trust its CA for clients, if you know it"),
            Self::UseAHeldName => f.write_str("connect with a name it holds or make a certificate for this one"),
            Self::RenewCertificate => f.write_str("make a new one"),
            Self::ClientCertificate => f.write_str("make a certificate for clients (extended key usage clientAuth)"),
            Self::CheckPins => f.write_str("pin one of these keys, if this is the server you expect"),
            Self::SendClientCertificate => f.write_str("send a client certificate and its key"),
            Self::ClientTrustsCa => f.write_str("give the client that CA"),
            Self::ServerTrustsClientCa => f.write_str("use a client certificate from a CA the server trusts"),
            Self::ClientTrustsCertificate => f.write_str("give the client the certificate itself as its CA"),
            Self::MaybeSendClientCertificate => f.write_str("if it wants a client certificate, send one and its key"),
            Self::ClientCertificateFromTrustedCa => {
                f.write_str("give the client a certificate from a CA the server trusts, and its key")
            }
            Self::CheckTheLeaf => f.write_str("give the server's certificate to check, and the CA as the trusted one"),
            Self::OfferAnotherProtocol => f.write_str("offer a protocol the server speaks by ALPN, or none"),
            Self::PinSelfSigned => f.write_str("trust it by its key (a pin) instead of as a CA"),
            Self::RenewForName => f.write_str("make a new one that holds the name asked for"),
            Self::ShortenChain => f.write_str(
                "issue the chain again with fewer intermediate CAs below that CA, or from a CA whose pathLenConstraint allows them",
            ),
            Self::NameTheCaAllows => {
                f.write_str("use a name that CA may certify, or have the certificate issued by a CA without that constraint")
            }
            Self::CaExtendedKeyUsage { client } => write!(
                f,
                "its CA must issue it again with {} in its extended key usage, or with no extended key usage",
                if *client { "clientAuth" } else { "serverAuth" }
            ),
            Self::CheckedConstraintsOnly => f.write_str(
                "have the certificate issued by a CA whose name constraints are on DNS names and IP addresses only (the types the verifier checks), or that has none",
            ),
            Self::DropCriticalExtension => {
                f.write_str("make that certificate again without the extension, or with it not marked critical")
            }
            Self::StrongerCaKey => f.write_str("replace that CA with one whose key is ECDSA P-256, P-384 or P-521, or RSA of 2048 bits or more"),
            Self::ServerAuthUsage => {
                f.write_str("make it again with serverAuth in its extended key usage (or with no extended key usage)")
            }
            Self::ReplaceRevoked => f.write_str(
                "a revoked certificate stays revoked: its holder needs a new certificate (and a new key, if the old one was compromised)",
            ),
            Self::CrlOfIssuer => f.write_str("give the current CRL of the CA that signed it"),
            Self::FreshCrl => f.write_str("get a fresh CRL from that CA"),
            Self::FreshStaple => f.write_str("the server must staple a fresh OCSP response for it from its CA, or none"),
            Self::CheckClock => f.write_str("check this machine's clock, or wait until the certificate's start"),
            Self::LeafDaysAtLeast { days } => write!(f, "ask for certificates valid for {days} day(s) or more"),
            Self::CaDaysAtLeast { days } => write!(f, "ask for a CA valid for {days} day(s) or more"),
            Self::FitTheCa {
                days,
                ca_days: Some(ca_days),
            } => {
                write!(
                    f,
                    "ask for {days} day(s) or fewer, or for a CA valid for {ca_days} days or more"
                )
            }
            Self::FitTheCa { days, ca_days: None } => {
                write!(f, "ask for {days} day(s) or fewer, or use a CA that lasts longer")
            }
        }
    }
}
