//! Verifying a certificate file the way the echo client verifies a server: rustls' webpki, the same
//! roots, the same explanations, at a time of your choosing.

use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::{CertificateError, Error as TlsError};

use crate::config;
use crate::error::{Error, Result};
use crate::refusal::{Place, Presenter, Reason, Refusal};
use crate::remedy::Remedy;
use crate::revocation::Crl;
use crate::verifier::{self, CertificateRejected};
use crate::x509;

/// A chain that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The name it was checked against.
    pub name: String,
    /// Whether that name was given, or taken from the certificate's first SAN.
    pub name_given: bool,
    /// Subjects along the path checked, from the certificate up to the last intermediate, in that
    /// order whatever the file's order (a trusted CA the file holds too is [`Verified::trusted`]).
    pub chain: Vec<String>,
    /// The trusted CA the path ends at, by its subject.
    pub trusted: Option<String>,
    /// When the chain stops verifying, RFC 3339: the earliest notAfter on the path.
    pub not_after: String,
    /// The intermediate that expires then, when it is not the certificate itself.
    pub ends_with: Option<String>,
    /// What holds but is worth knowing: a trusted CA of the chain outside its dates
    /// ([`trust_anchor_dates`]).
    pub notes: Vec<String>,
}

/// Says so when `ca`, a trusted CA certificate, is outside its dates at `now`: rustls still trusts it, as RFC 5280 lets a trust anchor's dates go unchecked, but OpenSSL
/// and curl refuse every chain up to it.
pub fn trust_anchor_dates(ca: &CertificateDer<'_>, now: UnixTime) -> Option<String> {
    let now = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
    let (not_before, not_after) = x509::validity_unix(ca)?;
    let (when, fix) = if now > not_after {
        (
            format!(
                "expired on {} ({} ago)",
                x509::unix_to_rfc3339(not_after),
                x509::span(now - not_after)
            ),
            "make a new CA",
        )
    } else if now < not_before {
        (
            format!(
                "is not valid until {} (in {})",
                x509::unix_to_rfc3339(not_before),
                x509::span(not_before - now)
            ),
            "wait until then, or check this machine's clock",
        )
    } else {
        return None;
    };
    Some(format!(
        "the trusted CA {} {when}: rustls still trusts it (RFC 5280 does not check a trust anchor's dates), but OpenSSL (and curl, built on it) refuses every certificate it signed; {fix}",
        x509::subject(ca)
    ))
}

/// A chain that did not verify: why, with the facts, and rustls' classification when it gave one.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", refusal.said_with(|remedy| remedy.to_string()))]
pub struct Invalid {
    /// What is wrong and what to do.
    pub refusal: Refusal,
    /// rustls' classification, when it gave one.
    pub kind: Option<CertificateError>,
}

impl Invalid {
    /// The sentence, the remedy in `words` (a program's flags).
    pub fn said_with(&self, words: fn(Remedy) -> String) -> String {
        self.refusal.said_with(words)
    }
}

/// Verifies `chain` (end-entity certificate first) against `ca_certs` for `name` at `at` (default:
/// now), as a TLS client would; with `crls`, the certificate is checked against its issuer's list. Without `name`, the certificate's first subject alternative name is
/// used, so only the chain, dates and usage are really checked. `presenter` says where the chain came
/// from, for the wording of explanations.
///
/// # Errors
/// The outer [`Error`] for unusable input (no certificates, an invalid name, no trust anchors); the
/// inner [`Invalid`] for a certificate that does not verify.
pub fn verify(
    ca_certs: &[CertificateDer<'static>],
    chain: &[CertificateDer<'static>],
    name: Option<&str>,
    at: Option<UnixTime>,
    presenter: Presenter,
    crls: &[Crl],
) -> Result<Result<Verified, Invalid>> {
    verify_served(ca_certs, (chain, &[]), name, at, presenter, crls)
}

/// As [`verify`], for a chain a server sent with `staple`, the OCSP response it stapled (empty: none),
/// checked as a client checks it: a revoked status refuses the certificate, as does a response that
/// cannot be used.
///
/// # Errors
/// As [`verify`].
pub fn verify_served(
    ca_certs: &[CertificateDer<'static>],
    (chain, staple): (&[CertificateDer<'static>], &[u8]),
    name: Option<&str>,
    at: Option<UnixTime>,
    presenter: Presenter,
    crls: &[Crl],
) -> Result<Result<Verified, Invalid>> {
    let Some((end_entity, intermediates)) = chain.split_first() else {
        return Err(Error::NoCertificate { step: "verifying" });
    };
    if let Some(out_of_order) = leaf_not_first(chain) {
        return Ok(Err(out_of_order));
    }
    let (name, name_given) = match name {
        Some(name) => (name.to_owned(), true),
        None => match first_name(end_entity) {
            Some(name) => (name, false),
            None => {
                let reason = if x509::is_ca(end_entity) {
                    Reason::CaToCheck
                } else {
                    Reason::NoNames
                };
                return Ok(Err(Invalid {
                    refusal: Refusal {
                        place: Place::Peer,
                        subject: x509::subject(end_entity),
                        reason,
                        within_its_dates: None,
                    },
                    kind: None,
                }));
            }
        },
    };
    let server_name = config::parse_server_name(&name)?;
    // A time the user chose is never blamed on a wrong clock.
    let verifier = verifier::explaining_verifier_with(config::root_store(ca_certs)?, presenter, at.is_some(), crls)?;
    let now = at.unwrap_or_else(UnixTime::now);
    Ok(
        match verifier.verify_server_cert(end_entity, intermediates, &server_name, staple, now) {
            Ok(_) => Ok(verified(ca_certs, chain, (name, name_given), now, false)),
            Err(err) => Err(invalid(err, end_entity)),
        },
    )
}

fn invalid(err: TlsError, end_entity: &CertificateDer<'_>) -> Invalid {
    match CertificateRejected::find(&err) {
        Some(rejected) => Invalid {
            refusal: rejected.refusal.clone(),
            kind: Some(rejected.kind.clone()),
        },
        None => Invalid {
            refusal: Refusal {
                place: Place::Peer,
                subject: x509::subject(end_entity),
                reason: Reason::Other {
                    detail: err.to_string(),
                },
                within_its_dates: None,
            },
            kind: None,
        },
    }
}

/// What a chain that verified is: the path checked, its end, and the notes on the trusted CAs it was
/// checked up to and on the certificates of the file that are not on it.
fn verified(
    ca_certs: &[CertificateDer<'static>],
    chain: &[CertificateDer<'static>],
    (name, name_given): (String, bool),
    now: UnixTime,
    client: bool,
) -> Verified {
    let order = x509::path_order(&chain[0], &chain[1..]);
    let mut path: Vec<&CertificateDer<'static>> = std::iter::once(&chain[0])
        .chain(order.iter().map(|at| &chain[at + 1]))
        .collect();
    let top = path[path.len() - 1];
    // The trusted CA: the top itself when the file holds it, else the one that signed the top (by
    // its key; by its name when the key's algorithm is one x509-parser cannot check).
    let trusted = ca_certs
        .iter()
        .find(|ca| ca.as_ref() == top.as_ref())
        .or_else(|| ca_certs.iter().find(|ca| x509::issued(ca, top)))
        .or_else(|| {
            let issuer = x509::issuer_der(top)?;
            ca_certs
                .iter()
                .find(|ca| x509::subject_der(ca).as_ref() == Some(&issuer))
        });
    // A trusted CA the file holds too is the chain's trusted end, not one of its links.
    if path.len() > 1 && trusted.is_some_and(|ca| ca.as_ref() == top.as_ref()) {
        path.pop();
    }
    // The trusted CAs that signed a certificate of the chain: the anchors it was checked up to.
    let anchors = ca_certs
        .iter()
        .filter(|ca| chain.iter().any(|cert| x509::issued(ca, cert)))
        .filter_map(|ca| trust_anchor_dates(ca, now));
    let usage = key_usage_notes(chain, &order, trusted, client);
    // A trusted certificate that is not a root: rustls stops there; OpenSSL looks further up.
    let partial = trusted.filter(|ca| !x509::is_self_issued(ca)).map(|ca| {
        format!(
            "the trusted CA {} is not self-signed: rustls trusts it as given, but OpenSSL (and curl) look for the CA that signed it too, and refuse the chain without it (unless told -partial_chain)",
            x509::subject(ca)
        )
    });
    let usage = usage
        .into_iter()
        .chain(partial)
        .chain(trusted.into_iter().flat_map(|ca| anchor_notes(ca, path.len() - 1)));
    let (not_after, ends_with) = chain_end(&path);
    Verified {
        name,
        name_given,
        chain: path.iter().map(|cert| x509::subject(cert)).collect(),
        trusted: trusted.map(x509::subject),
        not_after,
        ends_with,
        notes: anchors.chain(usage).chain(file_notes(chain, &order)).collect(),
    }
}

/// What rustls does not check in a trusted CA (it keeps only its name, key and name constraints) and
/// OpenSSL does: a pathLenConstraint the `intermediates` below it exceed; an extension marked critical
/// that is not read.
fn anchor_notes(ca: &CertificateDer<'_>, intermediates: usize) -> Vec<String> {
    use x509_parser::extensions::ParsedExtension;
    let Ok((_, parsed)) = x509_parser::parse_x509_certificate(ca) else {
        return Vec::new();
    };
    let subject = x509::subject(ca);
    let mut notes = Vec::new();
    let allowed = parsed
        .basic_constraints()
        .ok()
        .flatten()
        .and_then(|constraints| constraints.value.path_len_constraint);
    if let Some(allowed) =
        allowed.filter(|allowed| usize::try_from(*allowed).is_ok_and(|allowed| allowed < intermediates))
    {
        notes.push(format!(
            "the trusted CA {subject} allows {allowed} intermediate CA(s) below it (its pathLenConstraint), and the chain has {intermediates}: rustls does not check a trusted CA's pathLenConstraint, but OpenSSL (and curl) refuse the chain"
        ));
    }
    for extension in parsed.extensions().iter().filter(|extension| extension.critical) {
        if matches!(
            extension.parsed_extension(),
            ParsedExtension::UnsupportedExtension { .. }
        ) {
            notes.push(format!(
                "the trusted CA {subject} has an extension marked critical that is not read, {}: rustls does not look at a trusted CA's extensions, but OpenSSL (and curl) refuse every chain up to it",
                extension.oid.to_id_string()
            ));
        }
    }
    notes
}

/// When the path stops verifying: its earliest notAfter, and the intermediate's subject when that is
/// not the certificate's own.
fn chain_end(path: &[&CertificateDer<'static>]) -> (String, Option<String>) {
    let first = path
        .iter()
        .enumerate()
        .filter_map(|(at, cert)| Some((x509::validity_unix(cert)?.1, at)))
        .min_by_key(|(to, at)| (*to, *at));
    match first {
        Some((to, 0)) => (x509::unix_to_rfc3339(to), None),
        Some((to, at)) => (x509::unix_to_rfc3339(to), Some(x509::subject(path[at]))),
        None => (String::new(), None),
    }
}

/// What the file itself gets wrong though the chain verifies: certificates off the path (a second
/// copy, a stray CA; more than three said at once), and a path listed out of order.
fn file_notes(chain: &[CertificateDer<'static>], order: &[usize]) -> Vec<String> {
    let mut notes = Vec::new();
    let off: Vec<usize> = (1..chain.len()).filter(|at| !order.contains(&(at - 1))).collect();
    let copies: Vec<(usize, usize)> = off
        .iter()
        .filter_map(|&at| Some((at, chain[..at].iter().position(|earlier| earlier == &chain[at])?)))
        .collect();
    let strays: Vec<usize> = off
        .iter()
        .copied()
        .filter(|at| !copies.iter().any(|(copy, _)| copy == at))
        .collect();
    for &(at, of) in copies.iter().take(3) {
        notes.push(format!(
            "certificate {} of the file is a second copy of certificate {} ({}): a peer need not send it twice",
            at + 1,
            of + 1,
            x509::subject(&chain[at])
        ));
    }
    for &at in strays.iter().take(3) {
        notes.push(format!(
            "certificate {} of the file, {}, is not on the path checked (it signed none of the certificates on it): a peer need not send it",
            at + 1,
            x509::subject(&chain[at])
        ));
    }
    let unsaid = copies.len().saturating_sub(3) + strays.len().saturating_sub(3);
    if unsaid > 0 {
        notes.push(format!(
            "and {unsaid} more certificates of the file are not on the path checked (copies or strays)"
        ));
    }
    if order.iter().enumerate().any(|(step, at)| step != *at) {
        notes.push(
            "the file lists the chain out of order: this check (and rustls) finds the path anyway, but some clients do not, and echo-server refuses to serve it so; list the certificate first, then each CA after the one it signed".to_owned(),
        );
    }
    notes
}

/// What fails later or elsewhere though the chain verifies: a leaf key rustls will not check a
/// handshake signature with; and what rustls accepts and OpenSSL refuses in the key usage of the
/// path checked (rustls-webpki does not read key usage): a CA, the trusted one included, whose key
/// usage lacks keyCertSign; a leaf whose key usage allows no TLS handshake (none of digitalSignature, keyEncipherment and
/// keyAgreement for a server; of digitalSignature and keyAgreement for a client).
fn key_usage_notes(
    chain: &[CertificateDer<'static>],
    order: &[usize],
    trusted: Option<&CertificateDer<'static>>,
    client: bool,
) -> Vec<String> {
    const OPENSSL: &str =
        "rustls accepts it (rustls-webpki does not read key usage), but OpenSSL, and curl and Python built on it,";
    let usage = |cert: &CertificateDer<'_>| {
        let (_, parsed) = x509_parser::parse_x509_certificate(cert).ok()?;
        let usage = parsed.key_usage().ok()??;
        Some(*usage.value)
    };
    let mut notes = Vec::new();
    let leaf_key = x509_parser::parse_x509_certificate(&chain[0])
        .ok()
        .and_then(|(_, parsed)| crate::inspect::refused_key(parsed.tbs_certificate.subject_pki.raw));
    if let Some(key) = leaf_key {
        notes.push(format!(
            "certificate {} has a key rustls will not check a handshake signature with ({key}): the chain verifies, but a TLS connection with it fails (OpenSSL at its default security level refuses it too); make a new key and certificate",
            x509::subject(&chain[0])
        ));
    }
    if let Some(leaf) = usage(&chain[0]) {
        let handshake = leaf.digital_signature() || leaf.key_agreement() || (!client && leaf.key_encipherment());
        if !handshake {
            let allowed = if client {
                "digitalSignature or keyAgreement"
            } else {
                "digitalSignature, keyEncipherment or keyAgreement"
            };
            notes.push(format!(
                "certificate {} has a key usage without {allowed}, so its key may not be used in a TLS handshake: {OPENSSL} refuse it; make it again with digitalSignature in its key usage",
                x509::subject(&chain[0])
            ));
        }
    }
    let cas = order
        .iter()
        .map(|at| {
            (
                format!(
                    "the intermediate {} (certificate {} of the file)",
                    x509::subject(&chain[at + 1]),
                    at + 2
                ),
                &chain[at + 1],
            )
        })
        // The trusted CA, unless the file held it too (then it was named as an intermediate).
        .chain(
            trusted
                .filter(|ca| order.last().is_none_or(|at| chain[at + 1].as_ref() != ca.as_ref()))
                .map(|ca| (format!("the trusted CA {}", x509::subject(ca)), ca)),
        );
    for (named, ca) in cas {
        if usage(ca).is_some_and(|usage| !usage.key_cert_sign()) {
            notes.push(format!(
                "{named} has a key usage without keyCertSign, so it may not sign certificates: {OPENSSL} refuse every chain through it; make it again with keyCertSign in its key usage"
            ));
        }
    }
    notes
}

/// A chain whose first certificate is a CA while a later one is not: the end-entity certificate is
/// in the file, just not first.
fn leaf_not_first(chain: &[CertificateDer<'static>]) -> Option<Invalid> {
    let first = chain.first()?;
    if !x509::is_ca(first) {
        return None;
    }
    let (at, leaf) = chain.iter().enumerate().skip(1).find(|(_, cert)| !x509::is_ca(cert))?;
    Some(Invalid {
        refusal: Refusal {
            place: Place::Peer,
            subject: x509::subject(first),
            reason: Reason::LeafNotFirst {
                leaf: x509::subject(leaf),
                position: at + 1,
            },
            within_its_dates: None,
        },
        kind: None,
    })
}

/// Verifies `chain` (end-entity certificate first) as a client certificate against `ca_certs` at
/// `at` (default: now), as a server trusting those CAs for its clients (and consulting `crls`) does:
/// the chain, the dates, the clientAuth usage and revocation; no name. `Verified::name` is the certificate's subject.
///
/// # Errors
/// As [`verify`].
pub fn verify_client(
    ca_certs: &[CertificateDer<'static>],
    chain: &[CertificateDer<'static>],
    at: Option<UnixTime>,
    crls: &[Crl],
) -> Result<Result<Verified, Invalid>> {
    let Some((end_entity, intermediates)) = chain.split_first() else {
        return Err(Error::NoCertificate { step: "verifying" });
    };
    if let Some(out_of_order) = leaf_not_first(chain) {
        return Ok(Err(out_of_order));
    }
    let now = at.unwrap_or_else(UnixTime::now);
    let checked = verifier::verify_client_certificate(
        config::root_store(ca_certs)?,
        (end_entity, intermediates),
        crls,
        now,
        at.is_some(),
    )?;
    Ok(match checked {
        Ok(()) => Ok(verified(ca_certs, chain, (x509::subject(end_entity), false), now, true)),
        Err(refusal) => Err(Invalid { refusal, kind: None }),
    })
}

/// The first DNS or IP subject alternative name, as a name to verify against.
fn first_name(der: &CertificateDer<'_>) -> Option<String> {
    x509::alt_names(der).into_iter().find_map(|n| {
        n.strip_prefix("DNS ")
            .or_else(|| n.strip_prefix("IP "))
            // A wildcard stands for any one label: check it with one.
            .map(|n| n.replacen("*.", "wildcard.", 1))
    })
}

/// `YYYY-MM-DD`.
fn plain_date(text: &str) -> Option<time::Date> {
    let mut parts = text.splitn(3, '-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    if year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return None;
    }
    let month = time::Month::try_from(month.parse::<u8>().ok()?).ok()?;
    time::Date::from_calendar_date(year.parse().ok()?, month, day.parse().ok()?).ok()
}

/// Parses a time to verify at: a date such as `2030-01-01` (midnight UTC) or an RFC 3339 time such as
/// `2030-01-01T12:00:00Z`.
///
/// # Errors
/// A sentence naming the text when it is neither, or is before 1970.
pub fn parse_time(text: &str) -> std::result::Result<UnixTime, String> {
    let text = text.trim();
    let parsed = plain_date(text)
        .map(|day| day.midnight().assume_utc())
        .ok_or(())
        .or_else(|()| time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339))
        .map_err(|_| format!("{text:?} is not a date such as 2030-01-01 or a time such as 2030-01-01T12:00:00Z"))?;
    u64::try_from(parsed.unix_timestamp())
        .map(|secs| UnixTime::since_unix_epoch(std::time::Duration::from_secs(secs)))
        .map_err(|_| format!("{text:?} is before 1970"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{CertificateAuthority, Usage, Validity};
    use crate::refusal::{Dates, Place};

    fn at(text: &str) -> UnixTime {
        parse_time(text).expect("a time")
    }

    /// A refusal is a value with its facts: the names held, the dates against the time checked, who
    /// signed; the sentence and the JSON are made from them.
    #[test]
    fn refusals_carry_their_facts() {
        let ca = CertificateAuthority::new("Facts CA", Validity::days_from_now(30)).expect("a CA");
        let leaf = ca
            .issue(&["good.example"], Usage::Server, Validity::days_from_now(10))
            .expect("a leaf");
        let (from, to) = x509::validity(&leaf.cert).expect("dates");
        let check = |name: &str, time: Option<UnixTime>| {
            verify(
                std::slice::from_ref(&ca.issued.cert),
                std::slice::from_ref(&leaf.cert),
                Some(name),
                time,
                Presenter::File,
                &[],
            )
            .expect("usable input")
            .expect_err("refused")
        };

        let wrong = check("other.example", None);
        assert_eq!(wrong.refusal.subject, "CN=good.example");
        assert_eq!(
            wrong.refusal.reason,
            Reason::WrongName {
                name: "other.example".into(),
                held: vec!["DNS good.example".into()],
                ip_written_as_dns: false
            }
        );
        assert_eq!(wrong.refusal.remedy(), Some(Remedy::UseAHeldName));

        // Past its end, at a time the user chose: the dates and that time; within its dates the name
        // is right, so nothing more is said.
        let expired = check("good.example", Some(at("2100-01-01")));
        assert_eq!(
            expired.refusal.reason,
            Reason::Expired {
                dates: Dates {
                    not_before: Some(from.clone()),
                    not_after: Some(to.clone()),
                    checked_at: "2100-01-01T00:00:00Z".into(),
                    time_given: true,
                },
                presenter: Presenter::File,
                client: false,
            }
        );
        assert_eq!(expired.refusal.within_its_dates, None);
        assert_eq!(
            expired.to_string(),
            format!(
                "certificate CN=good.example has expired: it is valid from {from} to {to}, and the time checked is 2100-01-01T00:00:00Z; make a new one"
            )
        );
        // Expired and for another name: the name is told too, as what would fail next.
        let both = check("other.example", Some(at("2100-01-01")));
        assert!(matches!(
            both.refusal.within_its_dates.as_deref().map(|next| &next.reason),
            Some(Reason::WrongName { .. })
        ));
        assert_eq!(
            both.refusal.remedy(),
            Some(Remedy::RenewForName),
            "a new one must hold the name too"
        );
        let json = serde_json::to_value(&both.refusal).expect("JSON");
        assert_eq!(json["reason"], "expired");
        assert_eq!(json["dates"]["checked_at"], "2100-01-01T00:00:00Z");
        assert_eq!(json["within_its_dates"]["reason"], "wrong_name");
        assert_eq!(json["within_its_dates"]["held"][0], "DNS good.example");

        // The CA itself given as the certificate to check.
        let ca_checked = verify(
            std::slice::from_ref(&ca.issued.cert),
            std::slice::from_ref(&ca.issued.cert),
            None,
            None,
            Presenter::File,
            &[],
        )
        .expect("usable input")
        .expect_err("refused");
        assert_eq!(ca_checked.refusal.reason, Reason::CaToCheck);
        assert_eq!(ca_checked.refusal.remedy(), Some(Remedy::CheckTheLeaf));
    }

    /// A client's chain is judged as a server's: the expired intermediate is the one blamed, with its
    /// dates against the time given; an intermediate signed by another CA of the trusted CA's name is
    /// blamed as such, in a server's chain and in a client's.
    #[test]
    fn the_certificate_at_fault_is_named_in_a_clients_chain_too() {
        let root = CertificateAuthority::new("Root", Validity::days_from_now(30)).expect("a CA");
        let inter = root
            .intermediate("Inter", Validity::days_from_now(2))
            .expect("an intermediate");
        let client = inter
            .issue(&["client"], Usage::Client, Validity::days_from_now(20))
            .expect("a client certificate");
        let chain = [client.cert.clone(), inter.issued.cert.clone()];
        let later = UnixTime::since_unix_epoch(std::time::Duration::from_secs(UnixTime::now().as_secs() + 5 * 86_400));
        let refused = verify_client(std::slice::from_ref(&root.issued.cert), &chain, Some(later), &[])
            .expect("usable input")
            .expect_err("refused");
        assert_eq!(refused.refusal.place, Place::Intermediate { index: 1 });
        assert_eq!(refused.refusal.subject, "CN=Inter");
        match &refused.refusal.reason {
            Reason::Expired {
                dates,
                presenter,
                client,
            } => {
                assert!(
                    dates.time_given && *client && *presenter == Presenter::File,
                    "{dates:?}"
                );
                assert_eq!(
                    dates.not_after.as_deref(),
                    x509::validity(&inter.issued.cert).map(|(_, to)| to).as_deref()
                );
            }
            other => panic!("{other:?}"),
        }

        // Another CA named Root signs the intermediate: the intermediate is the certificate at fault.
        let twin = CertificateAuthority::new("Root", Validity::days_from_now(30)).expect("a CA");
        let other_inter = twin
            .intermediate("Inter", Validity::days_from_now(30))
            .expect("an intermediate");
        let leaf = other_inter
            .issue(&["good.example"], Usage::Server, Validity::days_from_now(20))
            .expect("a leaf");
        let chain = [leaf.cert.clone(), other_inter.issued.cert.clone()];
        let refused = verify(
            std::slice::from_ref(&root.issued.cert),
            &chain,
            Some("good.example"),
            None,
            Presenter::File,
            &[],
        )
        .expect("usable input")
        .expect_err("refused");
        assert_eq!(refused.refusal.place, Place::Intermediate { index: 1 });
        assert_eq!(
            refused.refusal.reason,
            Reason::SameNameOtherKey {
                issuer: "CN=Root".into(),
                client: false
            }
        );

        // The intermediate first, the leaf second: said as an order to fix, not as a CA used as a leaf.
        let swapped = [other_inter.issued.cert.clone(), leaf.cert.clone()];
        let refused = verify(
            std::slice::from_ref(&root.issued.cert),
            &swapped,
            Some("good.example"),
            None,
            Presenter::File,
            &[],
        )
        .expect("usable input")
        .expect_err("refused");
        assert_eq!(
            refused.refusal.reason,
            Reason::LeafNotFirst {
                leaf: "CN=good.example".into(),
                position: 2
            }
        );
    }

    /// A self-signed CA certificate served as the server's own (what `openssl req -x509` makes) is
    /// refused even when it is the trusted one: said as such, with trusting its key as the way forward.
    #[test]
    fn a_self_signed_ca_as_the_servers_own_is_told_to_be_pinned() {
        let ca = CertificateAuthority::new("selfie", Validity::days_from_now(30)).expect("a CA");
        let refused = verify(
            std::slice::from_ref(&ca.issued.cert),
            std::slice::from_ref(&ca.issued.cert),
            Some("selfie"),
            None,
            Presenter::Server,
            &[],
        )
        .expect("usable input")
        .expect_err("refused");
        assert_eq!(
            refused.refusal.reason,
            Reason::CaAsLeaf {
                self_signed: true,
                trusted_itself: true,
                client: false
            }
        );
        assert_eq!(refused.refusal.remedy(), Some(Remedy::PinSelfSigned));
        assert!(
            refused
                .to_string()
                .starts_with("certificate CN=selfie is self-signed and made as a CA"),
            "{refused}"
        );
    }
}
