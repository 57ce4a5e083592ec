//! Why a certificate was refused, as a value: the certificate by its subject, the facts (the names it
//! holds, its dates and the time checked, who signed it, what was presented and trusted), and what
//! to do as a [`Remedy`]. This module alone turns it into the sentence; the remedy is said in the
//! library's words ([`Remedy`]'s `Display`) or a program's ([`Refusal::said_with`]).

use std::fmt;

use serde::Serialize;

use crate::remedy::Remedy;

/// Who handed over the chain being verified, for the wording of explanations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Presenter {
    /// A TLS server, during the handshake.
    Server,
    /// A file given to `tls-cert verify`.
    File,
}

/// A refused certificate and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    /// The subject of the certificate checked (the server's, or the client's), as a distinguished name.
    pub subject: String,
    /// What is wrong.
    #[serde(flatten)]
    pub reason: Reason,
    /// For a certificate outside its dates: what would be refused next, checked at the middle of
    /// them (another CA, another name), so whoever renews it hears of it now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub within_its_dates: Option<Box<Self>>,
}

/// When a date was checked against: the clock's time, or one the user chose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dates {
    /// The certificate's notBefore (RFC 3339), when it could be read.
    pub not_before: Option<String>,
    /// Its notAfter.
    pub not_after: Option<String>,
    /// The time checked (RFC 3339).
    pub checked_at: String,
    /// The time checked was chosen (`--at`), not the clock's: never blamed on a wrong clock.
    pub time_given: bool,
}

/// What is wrong with a certificate, with the facts that show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Reason {
    /// A self-signed certificate that is not trusted.
    SelfSigned {
        /// The name asked for.
        name: String,
    },
    /// The chain ends at a root that is not trusted.
    UntrustedRoot {
        /// The name asked for.
        name: String,
        /// The root's subject.
        root: String,
        /// The trusted CAs by name, when there are a few (none listed for a large store).
        trusted: Vec<String>,
    },
    /// The chain's CA has the name of a trusted CA, but another key: a CA made again with the same name.
    SameNameOtherKey {
        /// The name asked for (empty for a client certificate).
        name: String,
        /// The CA's name.
        issuer: String,
        /// Whose certificate: a client's (checked against the server's client CAs) or a server's.
        client: bool,
    },
    /// The issuer is neither trusted nor presented.
    UnknownIssuer {
        /// The name asked for (empty for a client certificate).
        name: String,
        /// Who signed the certificate the presented chain ends at.
        issuer: String,
        /// The trusted CAs by name, when there are a few.
        trusted: Vec<String>,
        /// Who presented the chain.
        presenter: Presenter,
        /// The subject the presented chain ends at, when it is not the certificate itself (an
        /// intermediate came with it); with who signed the certificate itself.
        chain_end: Option<(String, String)>,
        /// Whose certificate: a client's or a server's.
        client: bool,
    },
    /// The certificate does not hold the name asked for.
    WrongName {
        /// The name asked for.
        name: String,
        /// The names it holds (`DNS localhost`, `IP 127.0.0.1`).
        held: Vec<String>,
        /// The name is an IP address that the certificate writes as a DNS name.
        ip_written_as_dns: bool,
    },
    /// The certificate has expired.
    Expired {
        /// Its dates and the time checked.
        dates: Dates,
        /// Who presented it.
        presenter: Presenter,
        /// Whose certificate: a client's or a server's.
        client: bool,
    },
    /// The certificate is not valid yet.
    NotValidYet {
        /// Its dates and the time checked.
        dates: Dates,
        /// Who presented it.
        presenter: Presenter,
        /// Whose certificate.
        client: bool,
    },
    /// Its extended key usage does not allow the role it was used in.
    WrongPurpose {
        /// Whose certificate: a client's (lacks clientAuth) or a server's (lacks serverAuth).
        client: bool,
    },
    /// Its signature does not verify against its issuer.
    BadSignature {
        /// The issuer named in it.
        issuer: String,
    },
    /// A CA certificate used as the server's own.
    CaAsLeaf,
    /// A certificate without CA:TRUE in the place of an intermediate CA.
    NotACa,
    /// A name the certificate holds is outside what a CA above it may certify.
    NameConstraint {
        /// Which name broke which constraint of which CA, when it could be told.
        breach: Option<String>,
    },
    /// The chain is longer than a CA's pathLenConstraint allows.
    PathLength,
    /// Not an X.509 version 3 certificate.
    OldVersion,
    /// A certificate of the chain has a critical extension the verifier does not know.
    UnknownCriticalExtension,
    /// No chain to a trusted CA within the verifier's limits.
    TooDeep,
    /// A certificate of the chain is signed with an algorithm the verifier does not accept.
    UnsupportedAlgorithm,
    /// A certificate of the chain is not well-formed DER.
    BadDer,
    /// No key of the chain has one of the pins given.
    PinMismatch {
        /// The pins given (`sha256//...`).
        pins: Vec<String>,
        /// Each key of the chain: whose, and its pin.
        keys: Vec<(String, String)>,
    },
    /// A CA certificate given as the certificate to check.
    CaToCheck,
    /// A certificate with no DNS or IP subject alternative name: no server name is valid for it.
    NoNames,
    /// Something else, in the verifier's words.
    Other {
        /// rustls' or webpki's words.
        detail: String,
    },
}

impl Refusal {
    /// What to do about it, when there is something to say (for a certificate outside its dates with
    /// nothing to say about that, what to do about the next refusal).
    pub fn remedy(&self) -> Option<Remedy> {
        let own = match &self.reason {
            Reason::SelfSigned { .. } => Some(Remedy::TrustIfKnown),
            Reason::UntrustedRoot { .. } | Reason::UnknownIssuer { client: false, .. } => Some(Remedy::TrustCa),
            Reason::SameNameOtherKey { client: false, .. } => Some(Remedy::TrustTheSigningCa),
            Reason::UnknownIssuer { client: true, .. } | Reason::SameNameOtherKey { client: true, .. } => {
                Some(Remedy::TrustClientCa)
            }
            Reason::WrongName { .. } => Some(Remedy::UseAHeldName),
            Reason::Expired {
                presenter: Presenter::File,
                client: false,
                ..
            } => Some(Remedy::RenewCertificate),
            Reason::WrongPurpose { client: true } => Some(Remedy::ClientCertificate),
            Reason::PinMismatch { .. } => Some(Remedy::CheckPins),
            Reason::CaToCheck => Some(Remedy::CheckTheLeaf),
            _ => None,
        };
        own.or_else(|| self.within_its_dates.as_ref().and_then(|next| next.remedy()))
    }

    /// The whole sentence, the remedy in `words` (a program's flags) instead of the library's.
    pub fn said_with(&self, words: fn(Remedy) -> String) -> String {
        match self.remedy() {
            Some(remedy) => format!("{self}; {}", words(remedy)),
            None => self.to_string(),
        }
    }
}

impl fmt::Display for Refusal {
    /// What is wrong, without what to do ([`Refusal::remedy`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&facts(&self.subject, &self.reason))?;
        if let Some(next) = &self.within_its_dates {
            write!(f, "; and within its dates too, {next}")?;
        }
        Ok(())
    }
}

/// ` (CN=a; CN=b)`, or nothing for no names.
fn listed(trusted: &[String]) -> String {
    if trusted.is_empty() {
        String::new()
    } else {
        format!(" ({})", trusted.join("; "))
    }
}

fn whose(client: bool) -> &'static str {
    if client {
        "the client's certificate"
    } else {
        "certificate"
    }
}

/// `it is valid from A to B, and today is C` (or `the time checked is C`).
fn validity(dates: &Dates, presenter: Presenter) -> String {
    let today = if presenter == Presenter::Server && !dates.time_given {
        "today is"
    } else {
        "the time checked is"
    };
    match (&dates.not_before, &dates.not_after) {
        (Some(from), Some(to)) => format!("it is valid from {from} to {to}, and {today} {}", dates.checked_at),
        _ => format!("{today} {}", dates.checked_at),
    }
}

/// What is wrong, without the remedy.
fn facts(subject: &str, reason: &Reason) -> String {
    match reason {
        Reason::SelfSigned { name } => {
            format!("certificate for {name} is self-signed ({subject}) and is not in the trusted roots")
        }
        Reason::UntrustedRoot { name, root, trusted } => format!(
            "certificate for {name} chains up to {root}, which is not in the trusted roots{}",
            listed(trusted)
        ),
        Reason::SameNameOtherKey {
            name,
            issuer,
            client: false,
        } => format!(
            "certificate for {name} is signed by a CA named {issuer}, but not by the trusted certificate of that name (was the CA made again?)"
        ),
        Reason::SameNameOtherKey {
            issuer, client: true, ..
        } => format!(
            "the client's certificate {subject} names {issuer} as its CA, and the server trusts a CA of that name for clients, but not the one that signed it (was the CA made again with the same name?)"
        ),
        Reason::UnknownIssuer {
            issuer, client: true, ..
        } => format!(
            "the client's certificate {subject} is signed by {issuer}, which is not among the CAs the server trusts for clients"
        ),
        Reason::UnknownIssuer {
            name,
            issuer,
            trusted,
            presenter,
            chain_end,
            client: false,
        } => unknown_issuer(name, issuer, trusted, *presenter, chain_end.as_ref()),
        Reason::WrongName {
            name,
            held,
            ip_written_as_dns,
        } => {
            let held = if held.is_empty() {
                "no subject alternative names at all".to_owned()
            } else {
                held.join(", ")
            };
            let ip = if *ip_written_as_dns {
                format!(" (it writes {name} as a DNS name; an IP address must be in an IP subject alternative name)")
            } else {
                String::new()
            };
            format!("certificate {subject} is valid for {held}, not for {name}{ip}")
        }
        Reason::Expired {
            dates,
            presenter,
            client,
        } => {
            let fix = match (presenter, client) {
                (Presenter::Server, false) => "; the server needs a new one",
                _ => "",
            };
            format!(
                "{} {subject} has expired: {}{fix}",
                whose(*client),
                validity(dates, *presenter)
            )
        }
        Reason::NotValidYet {
            dates,
            presenter,
            client,
        } => {
            let clock = if dates.time_given { "" } else { " (is a clock wrong?)" };
            format!(
                "{} {subject} is not valid yet: {}{clock}",
                whose(*client),
                validity(dates, *presenter)
            )
        }
        other => chain_facts(subject, other),
    }
}

/// What is wrong with the chain's structure, a signature or a pin, without the remedy.
fn chain_facts(subject: &str, reason: &Reason) -> String {
    match reason {
        Reason::WrongPurpose { client: false } => {
            format!("certificate {subject} is not meant for TLS servers (its extended key usage lacks serverAuth)")
        }
        Reason::WrongPurpose { client: true } => format!(
            "the client's certificate {subject} is not meant for clients (its extended key usage lacks clientAuth; a server certificate?)"
        ),
        Reason::BadSignature { issuer } => {
            format!("certificate {subject} carries a signature that does not verify against its issuer {issuer}")
        }
        Reason::CaAsLeaf => format!(
            "certificate {subject} is a CA certificate (CA:TRUE) used as the server's own certificate; the server must present a leaf certificate signed by that CA"
        ),
        Reason::NotACa => format!(
            "the chain of {subject} has a certificate without CA:TRUE in the place of an intermediate CA; the intermediate must be made with basicConstraints CA:TRUE"
        ),
        Reason::NameConstraint { breach: Some(breach) } => breach.clone(),
        Reason::NameConstraint { breach: None } => format!(
            "certificate {subject} holds a name that a CA above it may not certify (that CA's name constraints)"
        ),
        Reason::PathLength => format!(
            "the chain of {subject} is longer than a CA in it allows (its basicConstraints pathLenConstraint): an intermediate sits below a CA that may have fewer or none"
        ),
        Reason::OldVersion => format!(
            "certificate {subject} is not an X.509 version 3 certificate (a version 1 certificate has no extensions, so no names or usage a TLS client can check); make it again as v3"
        ),
        Reason::UnknownCriticalExtension => format!(
            "a certificate of the chain of {subject} has an extension marked critical that the verifier does not know, and a critical extension it cannot read must be refused"
        ),
        Reason::TooDeep => format!(
            "no chain from {subject} to a trusted CA was found within the verifier's limits on chain length and search"
        ),
        Reason::UnsupportedAlgorithm => {
            format!("a certificate of the chain of {subject} is signed with an algorithm the verifier does not accept")
        }
        Reason::BadDer => format!("a certificate of the chain of {subject} is not well-formed DER"),
        Reason::PinMismatch { pins, keys } => {
            let keys: Vec<String> = keys
                .iter()
                .map(|(whose, pin)| format!("{whose} sha256//{pin}"))
                .collect();
            format!(
                "no key of the server's chain has a pin given ({}); the chain's keys: {}",
                pins.join(", "),
                keys.join("; ")
            )
        }
        Reason::CaToCheck => format!("{subject} is a CA certificate (CA:TRUE), not a server's"),
        Reason::NoNames => format!(
            "certificate {subject} has no DNS or IP subject alternative name, so TLS clients accept it for no server name"
        ),
        Reason::Other { detail } => format!("{} {subject} was rejected: {detail}", whose(false)),
        // Told by `facts`.
        Reason::SelfSigned { .. }
        | Reason::UntrustedRoot { .. }
        | Reason::SameNameOtherKey { .. }
        | Reason::UnknownIssuer { .. }
        | Reason::WrongName { .. }
        | Reason::Expired { .. }
        | Reason::NotValidYet { .. } => facts(subject, reason),
    }
}

/// A server's certificate whose issuer is neither trusted nor presented: an incomplete chain, or a CA
/// not trusted yet.
fn unknown_issuer(
    name: &str,
    issuer: &str,
    trusted: &[String],
    presenter: Presenter,
    chain_end: Option<&(String, String)>,
) -> String {
    let (who, fix, alone) = match presenter {
        Presenter::Server => (
            "the server",
            "it must send its intermediates",
            "the server sent only its own certificate",
        ),
        Presenter::File => (
            "the file",
            "put the intermediates in the file, after the certificate",
            "the file holds only the certificate itself",
        ),
    };
    match chain_end {
        None => format!(
            "certificate for {name} is signed by {issuer}, which is not in the trusted roots{} and not in what {who} presented ({alone}): either the chain is incomplete ({fix}) or {issuer} is a CA not trusted yet",
            listed(trusted)
        ),
        // The certificate is signed by what came with it, not by the issuer the chain ends at.
        Some((end, signer)) => format!(
            "certificate for {name} is signed by {signer}; the chain {who} presented ends at {end}, signed by {issuer}, which is not in the trusted roots{} and was not presented: either {issuer} is a CA not trusted yet, or an intermediate is missing between them ({fix})",
            listed(trusted)
        ),
    }
}
