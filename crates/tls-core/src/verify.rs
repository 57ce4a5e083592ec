//! Verifying a certificate file the way the echo client verifies a server: rustls' webpki, the same
//! roots, the same explanations, at a time of your choosing.

use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::{CertificateError, Error as TlsError};

use crate::config;
use crate::error::{Error, Result};
use crate::verifier::{self, CertificateRejected, Presenter};
use crate::x509;

/// A chain that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The name it was checked against.
    pub name: String,
    /// Whether that name was given, or taken from the certificate's first SAN.
    pub name_given: bool,
    /// Subjects from the certificate up to its last intermediate.
    pub chain: Vec<String>,
    /// When the certificate expires, RFC 3339.
    pub not_after: String,
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

/// A chain that did not verify, with the reason in words.
#[derive(Debug, thiserror::Error)]
#[error("{explanation}")]
pub struct Invalid {
    /// One sentence saying what is wrong and what to do.
    pub explanation: String,
    /// rustls' classification, when it gave one.
    pub kind: Option<CertificateError>,
}

/// Verifies `chain` (end-entity certificate first) against `ca_certs` for `name` at `at` (default:
/// now), as a TLS client would. Without `name`, the certificate's first subject alternative name is
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
) -> Result<Result<Verified, Invalid>> {
    let Some((end_entity, intermediates)) = chain.split_first() else {
        return Err(Error::NoCertificate { step: "verifying" });
    };
    let (name, name_given) = match name {
        Some(name) => (name.to_owned(), true),
        None => match first_name(end_entity) {
            Some(name) => (name, false),
            None => {
                let subject = x509::subject(end_entity);
                let explanation = if x509::is_ca(end_entity) {
                    format!(
                        "{subject} is a CA certificate (CA:TRUE), not a server's: give the server's certificate to check, and the CA with --ca"
                    )
                } else {
                    format!(
                        "certificate {subject} has no DNS or IP subject alternative name, so TLS clients accept it for no server name"
                    )
                };
                return Ok(Err(Invalid {
                    explanation,
                    kind: None,
                }));
            }
        },
    };
    let server_name = config::parse_server_name(&name)?;
    // A time the user chose is never blamed on a wrong clock.
    let verifier = verifier::explaining_verifier_with(config::root_store(ca_certs)?, presenter, at.is_some())?;
    let now = at.unwrap_or_else(UnixTime::now);
    Ok(
        match verifier.verify_server_cert(end_entity, intermediates, &server_name, &[], now) {
            Ok(_) => Ok(Verified {
                name,
                name_given,
                chain: chain.iter().map(x509::subject).collect(),
                not_after: x509::validity(end_entity).map(|(_, to)| to).unwrap_or_default(),
                // The trusted CAs that signed a certificate of the chain: the anchors it was checked up to.
                notes: ca_certs
                    .iter()
                    .filter(|ca| chain.iter().any(|cert| x509::issued(ca, cert)))
                    .filter_map(|ca| trust_anchor_dates(ca, now))
                    .collect(),
            }),
            Err(err) => Err(invalid(err)),
        },
    )
}

fn invalid(err: TlsError) -> Invalid {
    match CertificateRejected::find(&err) {
        Some(rejected) => Invalid {
            explanation: rejected.explanation.clone(),
            kind: Some(rejected.kind.clone()),
        },
        None => Invalid {
            explanation: err.to_string(),
            kind: None,
        },
    }
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

/// Parses a time for `--at`: a date such as `2030-01-01` (midnight UTC) or an RFC 3339 time such as
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
