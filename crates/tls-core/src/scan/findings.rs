//! What a scan's facts call for: each a finding with its severity and one sentence.

use super::{Code, Finding, NameAnswer, Report, Severity, Version, features};

/// What the versions and suites found call for.
pub(super) fn findings(report: &Report) -> Vec<Finding> {
    // A server that accepted no version was not scanned: `unknown` says why, and nothing is found.
    if !report.protocols.values().any(|accepted| *accepted == Some(true)) {
        return Vec::new();
    }
    let mut found = Vec::new();
    let accepted = |version: Version| report.protocols.get(version.name()) == Some(&Some(true));
    let mut add = |id, severity, text: String| found.push(Finding { id, severity, text });
    if accepted(Version::Ssl3) {
        add(
            "sslv3",
            Severity::Critical,
            "SSLv3 is accepted: it is broken (POODLE) and prohibited by RFC 7568".to_owned(),
        );
    }
    for (version, id) in [(Version::Tls10, "tls1_0"), (Version::Tls11, "tls1_1")] {
        if accepted(version) {
            add(
                id,
                Severity::Medium,
                format!("{} is accepted: deprecated by RFC 8996", version.name()),
            );
        }
    }
    if !accepted(Version::Tls13) && report.protocols.get("TLSv1.3") == Some(&Some(false)) {
        add(
            "no_tls1_3",
            Severity::Low,
            "TLS 1.3 is not accepted: clients get neither its speed nor its privacy".to_owned(),
        );
    }
    let all: Vec<&Code> = report.cipher_suites.values().flatten().collect();
    let rules: [(&str, &str, Severity, &str); 6] = [
        ("_NULL_", "null", Severity::Critical, "encrypts nothing"),
        (
            "_EXPORT",
            "export",
            Severity::Critical,
            "uses export-grade keys, broken since the 1990s (FREAK, Logjam)",
        ),
        (
            "_anon_",
            "anonymous",
            Severity::Critical,
            "authenticates no server: anyone in the middle can answer",
        ),
        ("_RC4_", "rc4", Severity::High, "uses RC4, prohibited by RFC 7465"),
        (
            "_3DES_",
            "3des",
            Severity::Medium,
            "uses 3DES, whose 64-bit blocks SWEET32 attacks",
        ),
        (
            "TLS_RSA_WITH_",
            "rsa_kx",
            Severity::Low,
            "uses RSA key exchange: no forward secrecy, and a stolen key opens recorded traffic",
        ),
    ];
    for (needle, id, severity, why) in rules {
        let mut named: Vec<&str> = all
            .iter()
            .filter(|code| code.name.contains(needle))
            .map(|code| code.name.as_str())
            .collect();
        // A suite accepted in several versions is one suite.
        let mut seen = std::collections::BTreeSet::new();
        named.retain(|name| seen.insert(*name));
        if !named.is_empty() {
            add(
                id,
                severity,
                format!("{} accepted: it {why} ({})", suites_said(named.len()), named.join(", ")),
            );
        }
    }
    found.extend(features::findings(&report.features, &report.dh));
    found.extend(certificate_findings(report));
    found.extend(session_findings(report));
    found.sort_by_key(|finding| std::cmp::Reverse(finding.severity));
    found
}

/// What the chain the server presented calls for: a chain that does not verify against the CA given,
/// a certificate past its date.
/// How close an end of validity is worth a finding (testssl.sh warns within 30 days too).
const SOON_DAYS: i64 = 30;

fn certificate_findings(report: &Report) -> Vec<Finding> {
    let mut found = Vec::new();
    let mut add = |id, severity, text: String| found.push(Finding { id, severity, text });
    let verdicts = std::iter::once(&report.trust).chain(report.more_chains.iter().map(|chain| &chain.trust));
    for trust in verdicts.flatten().filter(|trust| !trust.valid) {
        if trust.store.starts_with("the CA given") {
            add(
                "chain_invalid",
                Severity::High,
                format!(
                    "the server's chain does not verify against {}: {}",
                    trust.store, trust.said
                ),
            );
        } else {
            add(
                "chain_untrusted",
                Severity::Medium,
                format!(
                    "the server's chain does not verify against {}, so clients that trust only it refuse the server (give --ca to check against your own CA): {}",
                    trust.store, trust.said
                ),
            );
        }
    }
    let seconds = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    )
    .unwrap_or(0);
    let now = crate::x509::unix_to_rfc3339(seconds);
    let soon = crate::x509::unix_to_rfc3339(seconds + SOON_DAYS * 86_400);
    for leaf in report
        .certificates
        .first()
        .into_iter()
        .chain(report.more_chains.iter().filter_map(|chain| chain.certificates.first()))
    {
        if !leaf.not_after.is_empty() && leaf.not_after < now {
            add(
                "certificate_expired",
                Severity::High,
                format!(
                    "the server's certificate {} expired on {}",
                    leaf.subject, leaf.not_after
                ),
            );
        } else if !leaf.not_after.is_empty() && leaf.not_after < soon {
            add(
                "certificate_expires_soon",
                Severity::Low,
                format!(
                    "the server's certificate {} expires on {}, within {SOON_DAYS} days: renew it",
                    leaf.subject, leaf.not_after
                ),
            );
        }
        match report.ocsp_status.as_deref() {
            Some(revoked) if revoked.starts_with("revoked") => add(
                "stapled_revoked",
                Severity::Critical,
                format!(
                    "the server staples an OCSP response saying its certificate {} is {revoked}: clients that read it (Chromium, curl --cert-status) refuse the certificate",
                    leaf.subject
                ),
            ),
            Some(unusable) if unusable.starts_with("unusable") => add(
                "stapled_unusable",
                Severity::Medium,
                format!(
                    "the OCSP response the server staples for {} is {unusable}",
                    leaf.subject
                ),
            ),
            _ => {}
        }
        if leaf.must_staple && report.ocsp_stapled == Some(false) {
            add(
                "must_staple_missing",
                Severity::High,
                format!(
                    "the server's certificate {} demands a stapled OCSP response (must-staple, RFC 7633) and the server staples none: Firefox refuses it",
                    leaf.subject
                ),
            );
        }
    }
    found
}

/// What the other handshakes call for: SHA-1 signatures, 0-RTT, clients without SNI refused.
fn session_findings(report: &Report) -> Vec<Finding> {
    let mut found = Vec::new();
    let mut add = |id, severity, text: String| found.push(Finding { id, severity, text });
    for (version, schemes) in &report.signature_schemes {
        for (hash, id) in [("sha1", "sha1_signature"), ("sha224", "sha224_signature")] {
            let weak: Vec<&str> = schemes
                .iter()
                .map(|scheme| scheme.trim_end_matches(" (legacy)"))
                .filter(|scheme| scheme.contains(hash))
                .collect();
            if !weak.is_empty() {
                add(
                    id,
                    Severity::Low,
                    format!(
                        "{version}: the server signs with {} when a client asks only for it ({}), a hash TLS 1.3 and the CA/Browser Forum no longer take",
                        hash.to_uppercase().replace("SHA", "SHA-"),
                        weak.join(", ")
                    ),
                );
            }
        }
    }
    if report.resumption.early_data == Some(true) {
        add(
            "early_data",
            Severity::Info,
            "TLS 1.3 early data (0-RTT) is accepted: an attacker can replay it, so only requests safe to repeat belong there (RFC 8446 8)".to_owned(),
        );
    }
    if let Some(NameAnswer::Refused { why }) = &report.without_sni {
        add(
            "sni_required",
            Severity::Info,
            format!("a client that sends no server name (SNI) is refused: {why}"),
        );
    }
    found
}

fn suites_said(n: usize) -> String {
    if n == 1 {
        "a cipher suite is".to_owned()
    } else {
        format!("{n} cipher suites are")
    }
}
