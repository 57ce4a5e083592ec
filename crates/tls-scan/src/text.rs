//! The report as a person reads it.

use tls_core::scan::{Features, NameAnswer, Report, Resumption, Severity, Version};

/// The report as a person reads it: versions, then each version's suites and groups, the findings,
/// and what could not be learned.
pub(crate) fn text(report: &Report, colour: bool) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "tls-scan {} ({} ms)", report.target, report.elapsed_ms);
    let versions: Vec<String> = Version::ALL
        .iter()
        .map(|version| {
            let said = match report.protocols.get(version.name()).copied().flatten() {
                Some(true) => "yes",
                Some(false) => "no",
                None => "unknown",
            };
            format!("{} {said}", version.name())
        })
        .collect();
    let _ = writeln!(out, "protocols: {}", versions.join(", "));
    suites_and_groups(&mut out, report);
    features(&mut out, &report.features);
    match report.alpn.as_deref() {
        Some([]) => {
            let _ = writeln!(out, "ALPN: none of h2, http/1.1, http/1.0");
        }
        Some(protocols) => {
            let picked = report
                .alpn_picked
                .as_deref()
                .map(|picked| format!(" ({picked} when all are offered)"))
                .unwrap_or_default();
            let _ = writeln!(out, "ALPN: {}{picked}", protocols.join(", "));
        }
        None => {}
    }
    resumption(&mut out, &report.resumption);
    for (version, schemes) in report.signature_schemes.iter().rev() {
        let _ = writeln!(out, "{version} signs with: {}", schemes.join(", "));
    }
    chains(&mut out, report);
    handshakes(&mut out, report);
    // When no version was accepted, nothing was learned, and there is nothing to find either.
    let learned = report.protocols.values().any(|accepted| *accepted == Some(true));
    if learned && report.findings.is_empty() {
        let _ = writeln!(out, "findings: none");
    } else if learned {
        let _ = writeln!(out, "findings:");
        for finding in &report.findings {
            let severity = serde_json::to_value(finding.severity).unwrap_or_default();
            let label = format!("{:<8}", severity.as_str().unwrap_or(""));
            let _ = writeln!(out, "  {}  {}", paint(colour, finding.severity, &label), finding.text);
        }
    }
    if let Some(compliance) = &report.profile {
        let _ = writeln!(
            out,
            "Mozilla {} (guideline {}, {}): {}",
            compliance.profile,
            compliance.version,
            compliance.source,
            if compliance.differences.is_empty() {
                "complies"
            } else {
                "differs:"
            }
        );
        for difference in &compliance.differences {
            let _ = writeln!(out, "  {difference}");
        }
    }
    for unknown in &report.unknown {
        let _ = writeln!(out, "unknown: {unknown}");
    }
    out
}

/// What TLS 1.0 to 1.2 add, on one line, and downgrade protection on another.
fn features(out: &mut String, features: &Features) {
    use std::fmt::Write as _;
    let said = |value: Option<bool>| match value {
        Some(true) => "yes",
        Some(false) => "no",
        None => "unknown",
    };
    if let Some(version) = features.version {
        let mut line = vec![
            format!("secure renegotiation {}", said(features.secure_renegotiation)),
            format!("extended master secret {}", said(features.extended_master_secret)),
        ];
        if features.encrypt_then_mac.is_some() {
            line.push(format!("encrypt-then-MAC {}", said(features.encrypt_then_mac)));
        }
        line.push(format!("compression {}", said(features.compression)));
        line.push(format!("heartbeat {}", said(features.heartbeat)));
        if features.heartbleed.is_some() {
            line.push(format!("Heartbleed {}", said(features.heartbleed)));
        }
        line.push(format!("session tickets {}", said(features.session_ticket)));
        line.push(format!("OCSP stapling {}", said(features.ocsp_stapling)));
        let _ = writeln!(out, "{version}: {}", line.join(", "));
    }
    if features.fallback_scsv.is_some() || features.downgrade_sentinel.is_some() {
        let mut line = vec![format!("TLS_FALLBACK_SCSV {}", said(features.fallback_scsv))];
        if features.downgrade_sentinel.is_some() {
            line.push(format!("TLS 1.3 sentinel {}", said(features.downgrade_sentinel)));
        }
        let _ = writeln!(out, "downgrade protection: {}", line.join(", "));
    }
}

/// How the server resumes sessions, on one line.
fn resumption(out: &mut String, resumption: &Resumption) {
    use std::fmt::Write as _;
    let said: Vec<String> = [
        ("TLS 1.3 ticket", resumption.tls13),
        ("0-RTT", resumption.early_data),
        ("TLS 1.2 session ID", resumption.tls12_session_id),
        ("TLS 1.2 ticket", resumption.tls12_ticket),
    ]
    .into_iter()
    .filter_map(|(how, resumed)| Some(format!("{how} {}", if resumed? { "yes" } else { "no" })))
    .collect();
    if !said.is_empty() {
        let _ = writeln!(out, "resumption: {}", said.join(", "));
    }
}

/// Each chain the server presented, its own certificate first, and whether it verifies.
fn chains(out: &mut String, report: &Report) {
    use std::fmt::Write as _;
    let first = (&report.certificates, &report.trust);
    let more = report
        .more_chains
        .iter()
        .map(|chain| (&chain.certificates, &chain.trust));
    for (number, (chain, trust)) in std::iter::once(first).chain(more).enumerate() {
        if number > 0 {
            let _ = writeln!(out, "another chain, for another key type:");
        }
        for (at, certificate) in chain.iter().enumerate() {
            let _ = writeln!(
                out,
                "certificate {}: {} ({}), issued by {} ({}), until {}{}{}",
                at + 1,
                certificate.subject,
                certificate.key,
                certificate.issuer,
                certificate.signature,
                certificate.not_after,
                if certificate.names.is_empty() {
                    String::new()
                } else {
                    format!("; {}", certificate.names.join(", "))
                },
                if certificate.must_staple { "; must-staple" } else { "" }
            );
        }
        if let Some(trust) = trust {
            let _ = writeln!(out, "chain against {}: {}", trust.store, trust.said);
        }
    }
}

/// What whole handshakes showed beyond the chains: trust, the staple, names.
fn handshakes(out: &mut String, report: &Report) {
    use std::fmt::Write as _;
    if let Some(stapled) = report.ocsp_stapled {
        let said = report
            .ocsp_status
            .as_deref()
            .map(|status| format!(", {status}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "OCSP response stapled: {}{said}",
            if stapled { "yes" } else { "no" }
        );
    }
    for (asked, answer) in [
        ("without SNI", &report.without_sni),
        ("for an unknown name", &report.unknown_name),
    ] {
        let said = match answer {
            Some(NameAnswer::Same) => "the same certificate".to_owned(),
            Some(NameAnswer::Other { subject }) => format!("another certificate, {subject}"),
            Some(NameAnswer::Refused { why }) => format!("refused: {why}"),
            None => continue,
        };
        let _ = writeln!(out, "{asked}: {said}");
    }
}

/// `label` in its severity's colour on a terminal: red for critical and high, yellow for medium.
fn paint(colour: bool, severity: Severity, label: &str) -> String {
    let code = match severity {
        Severity::Critical | Severity::High => "1;31",
        Severity::Medium => "33",
        Severity::Low | Severity::Info => return label.to_owned(),
    };
    if colour {
        format!("\x1b[{code}m{label}\x1b[0m")
    } else {
        label.to_owned()
    }
}

/// Each accepted version's suites (and their order), groups and DHE primes, newest first.
fn suites_and_groups(out: &mut String, report: &Report) {
    use std::fmt::Write as _;
    for version in Version::ALL.iter().rev() {
        let Some(suites) = report.cipher_suites.get(version.name()) else {
            continue;
        };
        let order = match report.server_order.get(version.name()).copied().flatten() {
            Some(true) => "in the server's order",
            Some(false) => "the client's order decides",
            None => "order not known",
        };
        let _ = writeln!(out, "{} cipher suites ({order}):", version.name());
        for suite in suites {
            let _ = writeln!(out, "  0x{:04x}  {}", suite.id, suite.name);
        }
        if let Some(groups) = report.groups.get(version.name()) {
            let names: Vec<&str> = groups.iter().map(|group| group.name.as_str()).collect();
            let how = if *version == Version::Tls13 {
                "in the server's order"
            } else {
                "order not asked"
            };
            let _ = writeln!(out, "{} groups ({how}): {}", version.name(), names.join(", "));
        }
        if let Some(primes) = report.dh.get(version.name()) {
            let said: Vec<String> = primes
                .iter()
                .map(|prime| match &prime.name {
                    Some(name) => format!("{name} ({} bits)", prime.bits),
                    None => format!("a {}-bit prime of its own", prime.bits),
                })
                .collect();
            let _ = writeln!(out, "{} DHE primes: {}", version.name(), said.join(", "));
        }
    }
}
