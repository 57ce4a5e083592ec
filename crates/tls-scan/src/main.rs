//! `tls-scan`: what a TLS server speaks. Parses flags and hands over to tls-core's `scan`.

use std::io::IsTerminal as _;
use std::process::ExitCode;
use std::time::Duration;

use clap::{CommandFactory as _, Parser, ValueEnum};
use tls_core::HostPort;
use tls_core::scan::{self, Features, Report, ScanOptions, Severity, Version};

/// What a TLS server speaks: its protocol versions, the cipher suites each accepts and in which
/// order, the groups TLS 1.3 takes; with findings.
#[derive(Debug, Parser)]
#[command(version, about, after_help = AFTER_HELP)]
struct Args {
    /// The server, HOST:PORT
    #[arg(value_name = "HOST:PORT")]
    target: Option<HostPort>,
    /// The name to send as SNI (default: the host, when it is a name)
    #[arg(long, value_name = "NAME")]
    server_name: Option<String>,
    /// Verify the server's chain against this CA file (without it, the chain is shown, not judged)
    #[arg(long, value_name = "CA_FILE")]
    ca: Option<std::path::PathBuf>,
    /// Seconds each probe waits for its connection and its answer
    #[arg(long, value_name = "SECS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=300))]
    timeout: u64,
    /// The most connections open to the server at once
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=64))]
    concurrency: u64,
    /// Exit 1 when a finding is at least this severe
    #[arg(long, value_name = "SEVERITY")]
    fail_on: Option<Level>,
    /// Print one JSON object
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    extras: tls_echo_cli::Extras,
}

const AFTER_HELP: &str = "Examples:
  tls-scan 127.0.0.1:7777 --ca certs/ca.pem
  tls-scan example.test:443 --json --fail-on medium

Exit codes: 0 scanned; 1 the server could not be scanned, or a finding at or above --fail-on; 2 bad usage.";

/// A severity on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Level {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl From<Level> for Severity {
    fn from(level: Level) -> Self {
        match level {
            Level::Info => Self::Info,
            Level::Low => Self::Low,
            Level::Medium => Self::Medium,
            Level::High => Self::High,
            Level::Critical => Self::Critical,
        }
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(code) = args.extras.handle(Args::command()) {
        return code;
    }
    let Some(target) = &args.target else {
        Args::command()
            .error(
                clap::error::ErrorKind::MissingRequiredArgument,
                "give the server to scan, HOST:PORT",
            )
            .exit();
    };
    let ca = match &args.ca {
        Some(path) => match tls_core::pem::load_ca_certs(path) {
            Ok(ca) => ca,
            Err(err) => {
                eprintln!("error: {}", err.report_with(tls_echo_cli::advice));
                return ExitCode::from(2);
            }
        },
        None => Vec::new(),
    };
    let options = ScanOptions {
        server_name: args.server_name.clone(),
        timeout: Duration::from_secs(args.timeout),
        concurrency: usize::try_from(args.concurrency).unwrap_or(8),
        ca,
    };
    if !args.json && std::io::stderr().is_terminal() {
        eprintln!("scanning {target} ...");
    }
    let report = match scan::scan(target, &options) {
        Ok(report) => report,
        Err(err) => {
            eprintln!("error: {}", err.report_with(tls_echo_cli::advice));
            return ExitCode::from(1);
        }
    };
    if args.json {
        println!("{}", serde_json::to_string(&report).unwrap_or_default());
    } else {
        print!("{}", text(&report));
    }
    let scanned = report.protocols.values().any(Option::is_some);
    let failed = args
        .fail_on
        .is_some_and(|level| report.findings.iter().any(|f| f.severity >= Severity::from(level)));
    if !scanned {
        eprintln!("error: {target} answered none of the probes: it could not be scanned");
    }
    if scanned && !failed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// The report as a person reads it: versions, then each version's suites and groups, the findings,
/// and what could not be learned.
fn text(report: &Report) -> String {
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
                "for ECDHE and DHE"
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
    features(&mut out, &report.features);
    if !report.alpn.is_empty() {
        let _ = writeln!(out, "ALPN: {}", report.alpn.join(", "));
    }
    if let Some(resumed) = report.resumption {
        let _ = writeln!(
            out,
            "resumption: {}",
            if resumed { "yes (from the ticket it gave)" } else { "no" }
        );
    }
    for (at, certificate) in report.certificates.iter().enumerate() {
        let _ = writeln!(
            out,
            "certificate {}: {} ({}), issued by {}, until {}{}",
            at + 1,
            certificate.subject,
            certificate.key,
            certificate.issuer,
            certificate.not_after,
            if certificate.names.is_empty() {
                String::new()
            } else {
                format!("; {}", certificate.names.join(", "))
            }
        );
    }
    if let Some(chain) = &report.chain {
        let _ = writeln!(out, "chain: {chain}");
    }
    if report.findings.is_empty() {
        let _ = writeln!(out, "findings: none");
    } else {
        let _ = writeln!(out, "findings:");
        for finding in &report.findings {
            let severity = serde_json::to_value(finding.severity).unwrap_or_default();
            let _ = writeln!(out, "  {:<8}  {}", severity.as_str().unwrap_or(""), finding.text);
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
