//! Checks on a server's certificate chain before the first client arrives, so a mistake is one clear
//! line at start instead of every client failing later.

use rustls_pki_types::CertificateDer;

use crate::inspect::{self, Position};
use crate::x509;

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Clients will refuse the server: do not start.
    Error,
    /// Worth saying; clients may still connect.
    Warning,
}

/// One thing found wrong with the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Whether to refuse to start.
    pub severity: Severity,
    /// What is wrong and what to do, in one sentence.
    pub text: String,
    /// The server's own certificate is outside its dates or nearly: making it again is the fix (a
    /// program may say how).
    pub renew: bool,
}

/// Checks `chain` (the server's certificate first): each certificate is followed by its issuer, the
/// first is a leaf (CA:FALSE) meant for servers (serverAuth when it lists usages), and it is within its
/// dates with more than `warn_days` left.
pub fn check(chain: &[CertificateDer<'_>], warn_days: i64) -> Vec<Finding> {
    let mut findings = Vec::new();
    let error = |text: String| Finding {
        severity: Severity::Error,
        text,
        renew: false,
    };
    let infos: Vec<_> = chain
        .iter()
        .enumerate()
        .filter_map(|(i, der)| inspect::inspect(der, if i == 0 { Position::Leaf } else { Position::Issuer }).ok())
        .collect();
    let Some(leaf) = infos.first() else {
        return findings;
    };
    if leaf.is_ca {
        findings.push(error(format!(
            "the first certificate, {}, is a CA certificate (CA:TRUE): rustls clients refuse it as a server's own; put the server's leaf certificate first",
            leaf.subject
        )));
    }
    if !leaf.extended_key_usage.is_empty()
        && !leaf
            .extended_key_usage
            .iter()
            .any(|usage| usage == "serverAuth" || usage == "anyExtendedKeyUsage")
    {
        findings.push(error(format!(
            "{} is not meant for TLS servers: its extended key usage ({}) lacks serverAuth; make a server certificate",
            leaf.subject,
            leaf.extended_key_usage.join(", ")
        )));
    }
    // Every pair out of order, then the rule once.
    let out_of_order: Vec<String> = infos
        .windows(2)
        .enumerate()
        .filter(|(_, pair)| pair[0].issuer != pair[1].subject)
        .map(|(i, pair)| {
            format!(
                "certificate #{} ({}) is issued by {}, but certificate #{} is {}",
                i + 1,
                pair[0].subject,
                pair[0].issuer,
                i + 2,
                pair[1].subject
            )
        })
        .collect();
    if !out_of_order.is_empty() {
        findings.push(error(format!(
            "{}: the chain must go from the server's certificate up, each followed by its issuer",
            out_of_order.join("; ")
        )));
    }
    let now = x509_parser::time::ASN1Time::now().timestamp();
    if let Some((not_before, _)) = chain
        .first()
        .and_then(x509::validity_unix)
        .filter(|(from, _)| *from > now)
    {
        findings.push(Finding {
            severity: Severity::Warning,
            text: format!(
                "{} is not valid until {} (in {}): every client will refuse it until then (is this machine's clock right?)",
                leaf.subject,
                leaf.not_before,
                x509::span(not_before - now)
            ),
            renew: false,
        });
    }
    if leaf.expires_in_seconds < 0 {
        findings.push(Finding {
            severity: Severity::Warning,
            text: format!(
                "{} {} (on {}): every client will refuse it",
                leaf.subject,
                x509::expiry(leaf.expires_in_seconds),
                leaf.not_after
            ),
            renew: true,
        });
    } else if leaf.expires_in_days < warn_days {
        findings.push(Finding {
            severity: Severity::Warning,
            text: format!(
                "{} expires on {} (in {})",
                leaf.subject,
                leaf.not_after,
                x509::span(leaf.expires_in_seconds)
            ),
            renew: true,
        });
    }
    findings.extend(intermediate_dates(chain, &infos, now));
    findings
}

/// An intermediate outside its dates fails every client as surely as the leaf would.
fn intermediate_dates(chain: &[CertificateDer<'_>], infos: &[inspect::CertificateInfo], now: i64) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (i, info) in infos.iter().enumerate().skip(1) {
        let Some((from, _)) = chain.get(i).and_then(x509::validity_unix) else {
            continue;
        };
        let text = if info.expires_in_seconds < 0 {
            format!(
                "the intermediate {} (certificate {} of the chain) {} (on {}): every client will refuse the chain; its CA, {}, must issue it again, and the chain file must hold the new one",
                info.subject,
                i + 1,
                x509::expiry(info.expires_in_seconds),
                info.not_after,
                info.issuer
            )
        } else if from > now {
            format!(
                "the intermediate {} (certificate {} of the chain) is not valid until {}: every client will refuse the chain until then",
                info.subject,
                i + 1,
                info.not_before
            )
        } else {
            continue;
        };
        findings.push(Finding {
            severity: Severity::Warning,
            text,
            renew: false,
        });
    }
    findings
}

/// What a client connecting to `name` would find wrong with the chain a server sent, read without
/// trusting it (as `tls-cert inspect --connect` fetches it): the first certificate not valid for the
/// name, certificates out of order or the first one a CA (the server's preflight checks), and a chain
/// that ends below a root, with whether Mozilla's roots hold its issuer. Dates and keys are each
/// certificate's own [`inspect::CertificateInfo::warnings`].
pub fn served_chain_warnings(chain: &[CertificateDer<'_>], name: &rustls_pki_types::ServerName<'_>) -> Vec<String> {
    let Some(leaf) = chain.first() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let wrong_name = match rustls::server::ParsedCertificate::try_from(leaf) {
        Ok(parsed) => matches!(
            rustls::client::verify_server_name(&parsed, name),
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForName | rustls::CertificateError::NotValidForNameContext { .. }
            ))
        ),
        // webpki cannot read it (version 1, a critical extension it does not process): its names are
        // matched here, as webpki would match them.
        Err(_) => !x509::holds_name(leaf, name),
    };
    if wrong_name {
        let names = x509::alt_names(leaf);
        out.push(format!(
            "not valid for {}, the name asked for: {} holds {}; clients refuse it for that name",
            name.to_str(),
            x509::subject(leaf),
            if names.is_empty() {
                "no subject alternative names".into()
            } else {
                names.join(", ")
            }
        ));
    }
    let owned: Vec<CertificateDer<'static>> = chain.iter().map(|c| c.clone().into_owned()).collect();
    out.extend(
        check(&owned, 0)
            .into_iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| f.text),
    );
    if let Some(last) = chain.last().filter(|last| !x509::is_self_issued(last)) {
        let issuer = x509::issuer(last);
        let subject = x509::subject(last);
        match issued_by_a_public_root(last) {
            Some(true) => {}
            Some(false) => out.push(format!(
                "the chain ends at {subject}, issued by {issuer}, which the server did not send and which is not one of Mozilla's public roots: clients must be given {issuer} as a trusted CA, or, if it is an intermediate, the server must send it (an incomplete chain)"
            )),
            None => out.push(format!(
                "the chain ends at {subject}, issued by {issuer}, which the server did not send: unless {issuer} is a public root CA, clients must be given it as a trusted CA, or, if it is an intermediate, the server must send it (an incomplete chain)"
            )),
        }
    }
    out
}

/// Whether `cert`'s issuer is one of Mozilla's root CAs; `None` without them (the `webpki-roots`
/// feature).
fn issued_by_a_public_root(cert: &CertificateDer<'_>) -> Option<bool> {
    #[cfg(feature = "webpki-roots")]
    return Some(x509::issuer_der(cert).is_some_and(|issuer_der| {
        webpki_roots::TLS_SERVER_ROOTS
            .iter()
            .any(|root| x509::anchor_name(root.subject.as_ref()) == issuer_der)
    }));
    #[cfg(not(feature = "webpki-roots"))]
    {
        let _ = cert;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{CertificateAuthority, Usage, Validity};

    fn ca() -> CertificateAuthority {
        CertificateAuthority::new("Preflight CA", Validity::days_from_now(365)).expect("CA")
    }

    #[test]
    fn a_good_chain_has_no_findings() {
        let ca = ca();
        let leaf = ca
            .issue(&["localhost"], Usage::Server, Validity::days_from_now(90))
            .expect("leaf");
        assert_eq!(check(&[leaf.cert, ca.issued.cert.clone()], 30), []);
    }

    #[test]
    fn swapped_order_client_usage_and_ca_first_are_errors() {
        let ca = ca();
        let leaf = ca
            .issue(&["localhost"], Usage::Server, Validity::days_from_now(90))
            .expect("leaf");
        let swapped = check(&[ca.issued.cert.clone(), leaf.cert.clone()], 30);
        assert!(
            swapped
                .iter()
                .any(|f| f.severity == Severity::Error && f.text.contains("is a CA certificate"))
        );
        assert!(swapped.iter().any(|f| f.text.contains("each followed by its issuer")));
        let client = ca
            .issue(&["alice"], Usage::Client, Validity::days_from_now(90))
            .expect("client");
        let findings = check(&[client.cert], 30);
        assert!(findings[0].text.contains("lacks serverAuth"), "{findings:?}");
    }

    #[test]
    fn a_certificate_not_valid_yet_is_a_warning_with_the_date() {
        let leaf = ca()
            .issue(&["localhost"], Usage::Server, Validity::starting_in_days(5))
            .expect("leaf");
        let findings = check(std::slice::from_ref(&leaf.cert), 30);
        assert!(
            findings
                .iter()
                .any(|f| f.severity == Severity::Warning && f.text.contains("is not valid until")),
            "{findings:?}"
        );
    }

    #[test]
    fn an_intermediate_outside_its_dates_is_warned_about() {
        let root = CertificateAuthority::new("Root", Validity::days_from_now(30)).expect("a CA");
        let mut validity = Validity::days_from_now(30);
        validity.not_before -= time::Duration::days(60);
        validity.not_after = time::OffsetDateTime::now_utc() - time::Duration::days(1);
        let inter = root.intermediate("Inter", validity).expect("an intermediate");
        let leaf = inter
            .issue(&["good.example"], Usage::Server, Validity::days_from_now(20))
            .expect("a leaf");
        let findings = check(&[leaf.cert.clone(), inter.issued.cert.clone()], 7);
        assert!(
            findings.iter().any(|f| f.severity == Severity::Warning
                && f.text
                    .starts_with("the intermediate CN=Inter (certificate 2 of the chain) EXPIRED")),
            "{findings:?}"
        );
    }

    #[test]
    fn expiry_is_a_warning_with_the_date() {
        let ca = ca();
        let soon = ca
            .issue(&["localhost"], Usage::Server, Validity::days_from_now(10))
            .expect("leaf");
        let findings = check(&[soon.cert], 30);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].severity, Severity::Warning);
        assert!(findings[0].text.contains("expires on"), "{findings:?}");
    }
}
