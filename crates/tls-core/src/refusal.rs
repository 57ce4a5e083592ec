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

/// Where a certificate sits in the chain a peer presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Place {
    /// The peer's own certificate (the server's, the client's, the file's first).
    Peer,
    /// An intermediate CA the peer presented: 1 is the one right above its own certificate.
    Intermediate {
        /// Its place, counted from the peer's certificate.
        index: usize,
    },
    /// A trusted CA (a trust anchor).
    TrustAnchor,
}

/// A refused certificate and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    /// Where the certificate at fault sits in the chain.
    pub place: Place,
    /// Its subject, as a distinguished name (`CN=localhost`).
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
    /// The time checked was chosen by the user, not the clock's: never blamed on a wrong clock.
    pub time_given: bool,
}

/// A name that a CA may not certify: which certificate holds it, the name, and the constraint of
/// the CA that it broke.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NameBreach {
    /// Where the certificate holding the name sits in the chain.
    pub holder_place: Place,
    /// Its subject.
    pub holder: String,
    /// The name's type.
    pub kind: NameKind,
    /// The name as a person reads it (`www.example.com`, `192.0.2.1`, `CN=leaf`).
    pub name: String,
    /// The name is the certificate's subject (checked as a directory name), not one of its subject
    /// alternative names.
    pub is_subject: bool,
    /// The constraint it broke.
    #[serde(flatten)]
    pub constraint: Constraint,
}

/// The type of a name in a certificate (RFC 5280's GeneralName).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NameKind {
    /// dNSName.
    Dns,
    /// iPAddress.
    Ip,
    /// rfc822Name.
    Email,
    /// uniformResourceIdentifier.
    Uri,
    /// directoryName, or the subject.
    Directory,
    /// otherName, by its type's OID.
    OtherName,
    /// registeredID.
    RegisteredId,
    /// x400Address.
    X400Address,
    /// ediPartyName.
    EdiPartyName,
}

impl NameKind {
    /// The types rustls-webpki matches against name constraints; under a constraint on another
    /// type it refuses every name of that type.
    pub fn is_checked(self) -> bool {
        matches!(self, Self::Dns | Self::Ip)
    }

    /// The type's name, several of them (`DNS names`).
    fn plural(self) -> &'static str {
        match self {
            Self::Dns => "DNS names",
            Self::Ip => "IP addresses",
            Self::Email => "e-mail addresses",
            Self::Uri => "URIs",
            Self::Directory => "directory names",
            Self::OtherName => "otherNames",
            Self::RegisteredId => "registered IDs",
            Self::X400Address => "X.400 addresses",
            Self::EdiPartyName => "EDI party names",
        }
    }
}

impl fmt::Display for NameKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Dns => "DNS name",
            Self::Ip => "IP address",
            Self::Email => "e-mail address",
            Self::Uri => "URI",
            Self::Directory => "directory name",
            Self::OtherName => "otherName",
            Self::RegisteredId => "registered ID",
            Self::X400Address => "X.400 address",
            Self::EdiPartyName => "EDI party name",
        })
    }
}

/// The name constraint a name broke.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Constraint {
    /// The CA permits only these subtrees of the name's type, and the name is in none of them.
    Permitted {
        /// The permitted subtrees of its type (`example.com`, `10.0.0.0/8`).
        only: Vec<String>,
    },
    /// The CA excludes a subtree the name is in.
    Excluded {
        /// That subtree.
        by: String,
    },
    /// The CA constrains names of this type, which the verifier does not check: it refuses every
    /// such name below that CA.
    NotChecked,
}

/// What is wrong with a certificate, with the facts that show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Reason {
    /// A self-signed certificate that is not trusted.
    SelfSigned {
        /// The name asked for (none for a client's certificate).
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    /// The chain ends at a root that is not trusted.
    UntrustedRoot {
        /// The name asked for (none for a client's certificate).
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// The root's subject.
        root: String,
        /// The trusted CAs by name, when there are a few (none listed for a large store).
        trusted: Vec<String>,
    },
    /// The chain's CA has the name of a trusted CA, but another key: a CA made again with the same name.
    SameNameOtherKey {
        /// The CA's name.
        issuer: String,
        /// Whose certificate: a client's (checked against the server's client CAs) or a server's.
        client: bool,
    },
    /// The issuer is neither trusted nor presented.
    UnknownIssuer {
        /// The name asked for (none for a client's certificate).
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<String>,
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
    /// Its signature does not verify against its issuer's key.
    BadSignature {
        /// The issuer named in it.
        issuer: String,
    },
    /// A CA certificate used as the server's own.
    CaAsLeaf {
        /// It is self-signed too (as OpenSSL's `req -x509` makes one): it can be trusted by its key.
        self_signed: bool,
        /// It is itself one of the trusted certificates.
        trusted_itself: bool,
        /// Whose certificate: a client's or a server's.
        client: bool,
    },
    /// A certificate without CA:TRUE in the place of an intermediate CA.
    NotACa,
    /// A name the certificate holds is outside what a CA above it may certify.
    NameConstraint {
        /// Which name of which certificate broke which constraint, when it could be told (the CA
        /// is the refusal's certificate).
        breach: Option<NameBreach>,
    },
    /// A CA's name constraints are not well formed (a DNS constraint with a wildcard, say).
    MalformedNameConstraint,
    /// A CA's IP address constraint has a mask that is not a network mask.
    BadNetworkMask,
    /// A name of the certificate is not a valid DNS name, so it cannot be checked against name
    /// constraints.
    MalformedDnsName,
    /// A name of the certificate is of a type the verifier cannot check against name constraints.
    UncheckableNameType,
    /// Checking the certificate's names against its CAs' name constraints took more comparisons than
    /// the verifier allows (a defence against chains made to exhaust it).
    TooManyNameComparisons,
    /// The chain has more intermediate CAs below a CA than its pathLenConstraint allows.
    PathLength {
        /// How many intermediate CAs the CA allows below it, when the CA was found.
        #[serde(skip_serializing_if = "Option::is_none")]
        allowed: Option<u32>,
        /// How many there are below it.
        #[serde(skip_serializing_if = "Option::is_none")]
        below: Option<usize>,
    },
    /// Not an X.509 version 3 certificate.
    OldVersion,
    /// The certificate has an extension marked critical that the verifier does not read.
    UnknownCriticalExtension {
        /// The extension's OID and name, when the certificate was found.
        extension: Option<String>,
    },
    /// Its extended key usage extension lists no usage at all.
    EmptyEku,
    /// An extension's value cannot be read (such as the same extension twice).
    UnreadableExtension,
    /// Its notBefore is after its notAfter.
    InvertedDates,
    /// Its serial number is not a positive number of at most 20 bytes.
    BadSerialNumber,
    /// No chain to a trusted CA within the verifier's limits.
    TooDeep,
    /// The certificate is signed with an algorithm the verifier does not accept.
    UnsupportedAlgorithm {
        /// The algorithm, when it could be told.
        algorithm: Option<String>,
    },
    /// The signature algorithm named inside the certificate is not the one its signature uses.
    MismatchedAlgorithms,
    /// A key that cannot check the signature made with it: a key type or size the verifier refuses.
    UnusableKey {
        /// The key and why it is refused, when it was found.
        key: Option<String>,
    },
    /// The certificate is not well-formed DER.
    BadDer,
    /// A CRL says the certificate is revoked.
    Revoked {
        /// Its serial number, lowercase hex.
        serial: String,
        /// When it was revoked, RFC 3339, as the CRL says.
        date: Option<String>,
        /// Why, by RFC 5280's name (`keyCompromise`), when the CRL says.
        why: Option<String>,
        /// The certificate is a client's.
        client: bool,
    },
    /// Whether the certificate is revoked could not be told: no CRL given is from its issuer.
    RevocationUnknown {
        /// The CA that signed it, whose CRL is wanted.
        issuer: String,
    },
    /// The CRL that says whether the certificate is revoked is past its next update.
    ExpiredCrl {
        /// Its nextUpdate, RFC 3339.
        next_update: Option<String>,
    },
    /// The CRL from the certificate's issuer cannot be used (its signature, its signer, its form).
    BadCrl {
        /// What is wrong with it, in words.
        detail: String,
    },
    /// The OCSP response stapled for the certificate cannot be used.
    BadOcspResponse {
        /// Why, in words.
        detail: String,
    },
    /// A trust store marks the certificate as distrusted.
    Distrusted,
    /// No key of the chain has one of the pins given.
    PinMismatch {
        /// The pins given (`sha256//...`).
        pins: Vec<String>,
        /// Each key of the chain: whose, and its pin.
        keys: Vec<(String, String)>,
    },
    /// Every signature of the chain checks with a key of it, yet the verifier found no chain it accepts
    /// (a self-issued CA between the certificate and the trusted one, as in a key rollover).
    NoAcceptedPath,
    /// The chain begins with a CA; its end-entity certificate comes later.
    LeafNotFirst {
        /// The end-entity certificate's subject.
        leaf: String,
        /// Its place in the chain (1 is the first).
        position: usize,
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

impl Reason {
    /// Whether the certificate checked is a client's.
    fn is_client(&self) -> bool {
        match self {
            Self::SameNameOtherKey { client, .. }
            | Self::UnknownIssuer { client, .. }
            | Self::Expired { client, .. }
            | Self::NotValidYet { client, .. }
            | Self::WrongPurpose { client }
            | Self::CaAsLeaf { client, .. }
            | Self::Revoked { client, .. } => *client,
            Self::SelfSigned { name } | Self::UntrustedRoot { name, .. } => name.is_none(),
            _ => false,
        }
    }
}

impl Refusal {
    /// What to do about it, when there is something to say (for a certificate outside its dates with
    /// nothing to say about that, what to do about the next refusal).
    pub fn remedy(&self) -> Option<Remedy> {
        let own = match &self.reason {
            Reason::SelfSigned { name: Some(_) } => Some(Remedy::TrustIfKnown),
            Reason::SelfSigned { name: None } => Some(Remedy::TrustClientCa),
            Reason::UntrustedRoot { name: Some(_), .. } | Reason::UnknownIssuer { client: false, .. } => {
                Some(Remedy::TrustCa)
            }
            Reason::UntrustedRoot { name: None, .. } => Some(Remedy::TrustClientCa),
            Reason::SameNameOtherKey { client: false, .. } => Some(Remedy::TrustTheSigningCa),
            Reason::UnknownIssuer { client: true, .. } | Reason::SameNameOtherKey { client: true, .. } => {
                Some(Remedy::TrustClientCa)
            }
            Reason::WrongName { .. } => Some(Remedy::UseAHeldName),
            Reason::Expired {
                presenter: Presenter::File,
                client: false,
                ..
            } if self.place == Place::Peer => {
                let wrong_name = self
                    .within_its_dates
                    .as_ref()
                    .is_some_and(|next| matches!(next.reason, Reason::WrongName { .. }));
                Some(if wrong_name {
                    Remedy::RenewForName
                } else {
                    Remedy::RenewCertificate
                })
            }
            Reason::WrongPurpose { client } if self.place != Place::Peer => {
                Some(Remedy::CaExtendedKeyUsage { client: *client })
            }
            Reason::WrongPurpose { client: true } => Some(Remedy::ClientCertificate),
            Reason::PinMismatch { .. } => Some(Remedy::CheckPins),
            Reason::CaAsLeaf {
                self_signed: true,
                client: false,
                ..
            } => Some(Remedy::PinSelfSigned),
            Reason::PathLength { .. } => Some(Remedy::ShortenChain),
            Reason::NameConstraint {
                breach:
                    Some(NameBreach {
                        constraint: Constraint::NotChecked,
                        ..
                    }),
            } => Some(Remedy::CheckedConstraintsOnly),
            Reason::NameConstraint { .. } => Some(Remedy::NameTheCaAllows),
            Reason::UnknownCriticalExtension { .. } => Some(Remedy::DropCriticalExtension),
            Reason::UnusableKey { key: Some(_) } if self.place != Place::Peer => Some(Remedy::StrongerCaKey),
            Reason::UnusableKey { key: Some(_) } => Some(Remedy::StrongerKey),
            Reason::WrongPurpose { client: false } => Some(Remedy::ServerAuthUsage),
            Reason::NotValidYet { dates, .. } if !dates.time_given => Some(Remedy::CheckClock),
            Reason::CaToCheck => Some(Remedy::CheckTheLeaf),
            Reason::Revoked { .. } => Some(Remedy::ReplaceRevoked),
            Reason::RevocationUnknown { .. } | Reason::BadCrl { .. } => Some(Remedy::CrlOfIssuer),
            Reason::ExpiredCrl { .. } => Some(Remedy::FreshCrl),
            Reason::BadOcspResponse { .. } => Some(Remedy::FreshStaple),
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
        f.write_str(&facts(self.place, &self.subject, &self.reason))?;
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

/// The certificate at fault as the sentence names it: `certificate CN=a`, `the client's certificate
/// CN=a`, `the intermediate CN=b (certificate 2 of the chain)`, `the trusted CA CN=c`.
fn named(place: Place, subject: &str, client: bool) -> String {
    match place {
        Place::Peer if client => format!("the client's certificate {}", shortened(subject)),
        Place::Peer => format!("certificate {}", shortened(subject)),
        Place::Intermediate { index } => {
            format!(
                "the intermediate {} (certificate {} of the chain)",
                shortened(subject),
                index + 1
            )
        }
        Place::TrustAnchor => format!("the trusted CA {}", shortened(subject)),
    }
}

/// A subject as a sentence shows it: whole up to 200 characters, else its start and its length (a
/// subject of 2,048 e-mail addresses, made to exhaust verifiers, would fill pages).
fn shortened(subject: &str) -> String {
    match subject.char_indices().nth(200) {
        Some((at, _)) => format!("{}… (a name of {} characters)", &subject[..at], subject.chars().count()),
        None => subject.to_owned(),
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
fn facts(place: Place, subject: &str, reason: &Reason) -> String {
    let who = named(place, subject, reason.is_client());
    match reason {
        Reason::SelfSigned { .. } => format!("{who} is self-signed and is not in the trusted roots"),
        Reason::UntrustedRoot { root, trusted, .. } => format!(
            "{who} chains up to {root}, which is not in the trusted roots{}",
            listed(trusted)
        ),
        Reason::SameNameOtherKey { issuer, .. } => format!(
            "{who} is signed by a CA named {issuer}, but not by the trusted certificate of that name (was the CA made again with the same name?)"
        ),
        Reason::UnknownIssuer {
            issuer,
            trusted,
            presenter,
            chain_end,
            ..
        } => unknown_issuer(
            &who,
            issuer,
            trusted,
            *presenter,
            chain_end.as_ref(),
            reason.is_client(),
        ),
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
            // Clients do not look at the CN any more (RFC 6125): one that holds the name is no help.
            let cn = if subject.split(',').any(|part| part.trim() == format!("CN={name}")) {
                format!(" (its CN {name} is not looked at: TLS clients match subject alternative names only)")
            } else {
                String::new()
            };
            format!("{who} is valid for {held}, not for {name}{ip}{cn}")
        }
        Reason::Expired {
            dates,
            presenter,
            client,
        } => {
            let fix = match (place, presenter, client) {
                (Place::Peer, Presenter::Server, false) => "; the server needs a new one",
                (Place::Intermediate { .. }, Presenter::Server, false) => {
                    "; its CA must issue it again, and the server send the new one"
                }
                (Place::Intermediate { .. }, Presenter::Server, true) => {
                    "; its CA must issue it again, and the client send the new one"
                }
                (Place::Intermediate { .. }, Presenter::File, _) => {
                    "; its CA must issue it again, and the file must hold the new one"
                }
                _ => "",
            };
            let within = if place == Place::Peer {
                ""
            } else {
                " (the certificate it vouches for is within its own dates)"
            };
            format!(
                "{} has expired: {}{within}{fix}",
                named(place, subject, *client),
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
                "{} is not valid yet: {}{clock}",
                named(place, subject, *client),
                validity(dates, *presenter)
            )
        }
        Reason::WrongPurpose { client } if place != Place::Peer => format!(
            "{who} has an extended key usage without {}, and a CA's extended key usage limits what the certificates below it may be used for",
            if *client { "clientAuth" } else { "serverAuth" }
        ),
        other => chain_facts(&who, other),
    }
}

/// What is wrong with the certificate `who` names (its structure, a signature, a pin), without the
/// remedy.
fn chain_facts(who: &str, reason: &Reason) -> String {
    match reason {
        Reason::WrongPurpose { client: false } => {
            format!("{who} is not meant for TLS servers (its extended key usage lacks serverAuth)")
        }
        Reason::WrongPurpose { client: true } => format!(
            "the client's {} is not meant for clients (its extended key usage lacks clientAuth; a server certificate?)",
            who.trim_start_matches("the client's ")
        ),
        Reason::BadSignature { issuer } => {
            format!("{who} carries a signature that does not verify against the key of its issuer {issuer}")
        }
        Reason::NameConstraint { .. }
        | Reason::MalformedNameConstraint
        | Reason::BadNetworkMask
        | Reason::MalformedDnsName
        | Reason::UncheckableNameType
        | Reason::TooManyNameComparisons => names_facts(who, reason),
        Reason::CaAsLeaf { .. }
        | Reason::NotACa
        | Reason::PathLength { .. }
        | Reason::OldVersion
        | Reason::UnknownCriticalExtension { .. }
        | Reason::EmptyEku
        | Reason::UnreadableExtension
        | Reason::InvertedDates
        | Reason::BadSerialNumber => structure_facts(who, reason),
        Reason::TooDeep => format!(
            "no chain from {who} to a trusted CA was found within the verifier's limits on chain length and search"
        ),
        Reason::UnsupportedAlgorithm { .. } | Reason::MismatchedAlgorithms | Reason::UnusableKey { .. } => {
            signature_facts(who, reason)
        }
        Reason::BadDer => format!("{who} is not well-formed DER"),
        Reason::Revoked { serial, date, why, .. } => format!(
            "{who} (serial {serial}) was revoked{}, {}",
            date.as_ref().map(|date| format!(" on {date}")).unwrap_or_default(),
            why.as_ref()
                .map_or_else(|| "no reason given".to_owned(), |reason| format!("reason {reason}"))
        ),
        Reason::RevocationUnknown { issuer } => {
            format!("whether {who} is revoked could not be told: no CRL given is from its issuer {issuer}")
        }
        Reason::BadCrl { detail } => {
            format!("whether {who} is revoked could not be told: the CRL from its issuer {detail}")
        }
        Reason::Distrusted => format!("{who} is marked as distrusted"),
        Reason::ExpiredCrl { next_update } => format!(
            "whether {who} is revoked could not be told: the CRL from its issuer is out of date (its next update was {})",
            next_update.as_deref().unwrap_or("due")
        ),
        Reason::BadOcspResponse { detail } => {
            format!("the OCSP response stapled for {who} cannot be used: {detail}")
        }
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
        Reason::NoAcceptedPath => format!(
            "each signature from {who} up to a trusted CA checks with the key of a certificate given, yet the verifier found no chain it accepts (a self-issued CA between them, as in a key rollover, is one it does not build)"
        ),
        Reason::LeafNotFirst { leaf, position } => format!(
            "{who} comes first but is a CA (CA:TRUE); the end-entity certificate {leaf} comes at place {position}: put it first, then each certificate's issuer after it"
        ),
        Reason::CaToCheck => format!(
            "{} is a CA certificate (CA:TRUE), not a server's",
            who.trim_start_matches("certificate ")
        ),
        Reason::NoNames => {
            format!("{who} has no DNS or IP subject alternative name, so TLS clients accept it for no server name")
        }
        Reason::Other { detail } => format!("{who} was refused by the verifier: {detail}"),
        // Said by `facts`, which knows whose certificate it is.
        Reason::SelfSigned { .. }
        | Reason::UntrustedRoot { .. }
        | Reason::SameNameOtherKey { .. }
        | Reason::UnknownIssuer { .. }
        | Reason::WrongName { .. }
        | Reason::Expired { .. }
        | Reason::NotValidYet { .. } => format!("{who} was refused"),
    }
}

/// What is wrong with how `who` is made: its basic constraints, version, extensions, dates, serial.
fn structure_facts(who: &str, reason: &Reason) -> String {
    match reason {
        Reason::CaAsLeaf {
            self_signed: false,
            client,
            ..
        } => {
            let role = if *client { "client" } else { "server" };
            format!(
                "{who} is a CA certificate (CA:TRUE) used as the {role}'s own certificate; the {role} must present a leaf certificate signed by that CA"
            )
        }
        Reason::CaAsLeaf {
            self_signed: true,
            trusted_itself,
            client,
        } => format!(
            "{who} is self-signed and made as a CA (CA:TRUE, as openssl req -x509 makes one), and a CA certificate is not accepted as the {}'s own{}",
            if *client { "client" } else { "server" },
            if *trusted_itself {
                ", even though it is itself trusted"
            } else {
                ""
            }
        ),
        Reason::NotACa => format!(
            "{who} is in the place of a CA but is not one (no basicConstraints CA:TRUE); an intermediate must be made with CA:TRUE"
        ),
        Reason::PathLength {
            allowed: Some(allowed),
            below: Some(below),
        } => format!(
            "{who} allows {allowed} intermediate CA(s) below it (its basicConstraints pathLenConstraint), and the chain has {below}"
        ),
        Reason::PathLength { .. } => {
            format!("the chain of {who} is longer than a CA in it allows (its basicConstraints pathLenConstraint)")
        }
        Reason::OldVersion => format!(
            "{who} is not an X.509 version 3 certificate (a version 1 certificate has no extensions, so no names or usage a TLS client can check); make it again as v3"
        ),
        Reason::UnknownCriticalExtension {
            extension: Some(extension),
        } => format!(
            "{who} has an extension marked critical that the verifier does not read, {extension}, and a critical extension it cannot read must be refused"
        ),
        Reason::UnknownCriticalExtension { extension: None } => format!(
            "a certificate of the chain of {who} has an extension marked critical that the verifier does not read, and a critical extension it cannot read must be refused"
        ),
        Reason::EmptyEku => {
            format!("{who} has an extended key usage extension that lists no usage, so it is valid for none")
        }
        Reason::UnreadableExtension => {
            format!("{who} has an extension whose value cannot be read (or the same extension twice)")
        }
        Reason::InvertedDates => format!("{who} has a notBefore date after its notAfter date"),
        Reason::BadSerialNumber => {
            format!("{who} has a serial number that is not a positive number of at most 20 bytes")
        }
        _ => format!("{who} is not made as the verifier requires"),
    }
}

/// What is wrong with how `who` is signed, or with its key.
fn signature_facts(who: &str, reason: &Reason) -> String {
    match reason {
        Reason::UnsupportedAlgorithm {
            algorithm: Some(algorithm),
        } => {
            format!("{who} is signed with {algorithm}, an algorithm the verifier does not accept")
        }
        Reason::UnsupportedAlgorithm { algorithm: None } => {
            format!("{who} is signed with an algorithm the verifier does not accept")
        }
        Reason::MismatchedAlgorithms => format!(
            "{who} names one signature algorithm inside it and another beside its signature; the two must be the same"
        ),
        Reason::UnusableKey { key: Some(key) } => {
            format!("{who} has a key the verifier cannot check signatures with: {key}")
        }
        Reason::UnusableKey { key: None } => format!(
            "{who} has a key the verifier cannot check signatures with (a key type or size it refuses, such as RSA under 2048 bits, P-192 or an explicitly given curve)"
        ),
        _ => format!("{who} is signed in a way the verifier does not accept"),
    }
}

/// Which name of which certificate broke which constraint of `ca`.
fn breach_facts(ca: &str, breach: &NameBreach) -> String {
    let holder = named(breach.holder_place, &breach.holder, false);
    let (kind, name) = (breach.kind, shortened(&breach.name));
    let holds = if breach.is_subject {
        format!("{holder} has the subject (a directory name) {name}")
    } else {
        format!("{holder} holds {kind} {name}")
    };
    let wildcard = kind == NameKind::Dns && name.starts_with("*.");
    match &breach.constraint {
        Constraint::Permitted { only } => {
            let only: Vec<String> = only.iter().map(|base| format!("{kind} {base}")).collect();
            let outside = if wildcard {
                "a wildcard that stands for names outside those"
            } else {
                "outside the names"
            };
            format!(
                "{holds}, {outside} {ca} may certify (its name constraints permit only {})",
                only.join(", ")
            )
        }
        Constraint::Excluded { by } => {
            let name = if wildcard {
                "a wildcard that stands for names"
            } else {
                "a name"
            };
            format!("{holds}, {name} {ca} may not certify (its name constraints exclude {kind} {by})")
        }
        Constraint::NotChecked => format!(
            "{holds}, and {ca} has name constraints on {}, which the verifier does not check: it refuses every certificate below such a CA that holds one",
            kind.plural()
        ),
    }
}

/// What is wrong with the names of the chain below `who` against name constraints.
fn names_facts(who: &str, reason: &Reason) -> String {
    match reason {
        Reason::NameConstraint { breach: Some(breach) } => breach_facts(who, breach),
        Reason::NameConstraint { breach: None } if who.starts_with("certificate ") => {
            format!("{who} holds a name that a CA above it may not certify (that CA's name constraints)")
        }
        Reason::NameConstraint { breach: None } => format!(
            "a name of the chain below {who} breaks its name constraints as the verifier reads them (a directory name, an e-mail address, or a name of another type than DNS and IP; rustls-webpki checks these strictly or not at all)"
        ),
        Reason::MalformedNameConstraint => format!(
            "{who} has name constraints that are not well formed (such as a DNS name constraint with a wildcard), so no name below it can be checked"
        ),
        Reason::BadNetworkMask => format!(
            "{who} has an IP address name constraint whose mask is not a network mask (its one bits are not all at the front)"
        ),
        Reason::MalformedDnsName => format!(
            "{who} holds a DNS name that is not a valid DNS name, so it cannot be checked against its CAs' name constraints"
        ),
        Reason::UncheckableNameType => {
            format!("{who} holds a name of a type the verifier cannot check against its CAs' name constraints")
        }
        Reason::TooManyNameComparisons => format!(
            "checking the names of {who} against its CAs' name constraints took more comparisons than the verifier allows (a limit against chains made to exhaust it)"
        ),
        _ => format!("{who} holds a name its CAs' name constraints do not allow"),
    }
}

/// A server's certificate whose issuer is neither trusted nor presented: an incomplete chain, or a CA
/// not trusted yet.
fn unknown_issuer(
    who: &str,
    issuer: &str,
    trusted: &[String],
    presenter: Presenter,
    chain_end: Option<&(String, String)>,
    client: bool,
) -> String {
    let (sender, fix, alone) = match (presenter, client) {
        (Presenter::Server, false) => (
            "the server",
            "it must send its intermediates",
            "the server sent only its own certificate",
        ),
        (Presenter::Server, true) => (
            "the client",
            "it must send its intermediates after its certificate",
            "the client sent only its own certificate",
        ),
        (Presenter::File, _) => (
            "the file",
            "put the intermediates in the file, after the certificate",
            "the file holds only the certificate itself",
        ),
    };
    match chain_end {
        None => format!(
            "{who} is signed by {issuer}, which is not in the trusted roots{} and not in what {sender} presented ({alone}): either the chain is incomplete ({fix}) or {issuer} is a CA not trusted yet",
            listed(trusted)
        ),
        // The certificate is signed by what came with it, not by the issuer the chain ends at.
        Some((end, signer)) => format!(
            "{who} is signed by {signer}; the chain {sender} presented ends at {end}, signed by {issuer}, which is not in the trusted roots{} and was not presented: either {issuer} is a CA not trusted yet, or an intermediate is missing between them ({fix})",
            listed(trusted)
        ),
    }
}
