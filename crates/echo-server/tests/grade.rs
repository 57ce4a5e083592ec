//! The TLS configuration as scanners grade it: testssl.sh and sslscan against a running echo-server,
//! with the test CA added so that only real findings remain.

mod common;

use std::time::Duration;

use common::Server;
use test_support::{PkiFiles, run_within, temp_dir};

/// Findings above LOW that are accepted, each with its reason. Nothing else may be above LOW.
const ACCEPTED: [(&str, &str); 1] = [(
    "cert_revocation",
    "a private demo CA publishes no CRL or OCSP responder; the certificates are short-lived instead",
)];

#[tokio::test]
async fn testssl_finds_nothing_above_low_but_what_the_demo_ca_causes() {
    let pki = PkiFiles::new();
    let server = Server::start(&pki, &["--serve-ca", &pki.arg("ca.pem")]).await;
    let out = temp_dir();
    let json = out.path().join("testssl.json");
    let ran = run_within(
        Duration::from_secs(300),
        "testssl",
        &[
            "--quiet",
            "--color",
            "0",
            "--warnings",
            "off",
            "--add-ca",
            &pki.arg("ca.pem"),
            "--jsonfile",
            &json.display().to_string(),
            &server.addr,
        ],
        "testssl.sh",
        b"",
    )
    .await;
    let text =
        std::fs::read_to_string(&json).unwrap_or_else(|err| panic!("no JSON from testssl ({err}): {}", ran.stdout));
    let findings: Vec<serde_json::Value> = serde_json::from_str(&text).expect("testssl writes a JSON list");
    let severe: Vec<String> = findings
        .iter()
        .filter(|f| matches!(f["severity"].as_str(), Some("MEDIUM" | "HIGH" | "CRITICAL")))
        .filter(|f| !ACCEPTED.iter().any(|(id, _)| f["id"].as_str() == Some(id)))
        .map(|f| format!("{} {}: {}", f["severity"], f["id"], f["finding"]))
        .collect();
    assert!(severe.is_empty(), "testssl findings above LOW: {severe:#?}");
    let finding = |id: &str| {
        findings
            .iter()
            .find(|f| f["id"] == id)
            .and_then(|f| f["finding"].as_str())
            .unwrap_or("(not reported)")
            .to_owned()
    };
    // TLS 1.2 and 1.3 only.
    for old in ["SSLv2", "SSLv3", "TLS1", "TLS1_1"] {
        assert!(finding(old).starts_with("not offered"), "{old}: {}", finding(old));
    }
    assert!(finding("TLS1_2").starts_with("offered"), "{}", finding("TLS1_2"));
    assert!(finding("TLS1_3").starts_with("offered"), "{}", finding("TLS1_3"));
    // AEAD and forward secrecy only; no compression, no client renegotiation.
    assert!(
        finding("cipherlist_AVERAGE").starts_with("not offered"),
        "{}",
        finding("cipherlist_AVERAGE")
    );
    assert!(
        finding("cipherlist_3DES_IDEA").starts_with("not offered"),
        "{}",
        finding("cipherlist_3DES_IDEA")
    );
    assert!(finding("PFS").starts_with("offered"), "{}", finding("PFS"));
    assert!(
        finding("cipherlist_STRONG").starts_with("offered"),
        "{}",
        finding("cipherlist_STRONG")
    );
    assert!(
        finding("CRIME_TLS").contains("not vulnerable"),
        "{}",
        finding("CRIME_TLS")
    );
    // testssl reports "likely not vulnerable (timed out)": rustls never renegotiates, so the attempt
    // goes unanswered.
    assert!(
        finding("secure_client_renego").contains("not vulnerable"),
        "{}",
        finding("secure_client_renego")
    );
}

#[tokio::test]
async fn sslscan_sees_tls12_and_tls13_only() {
    let pki = PkiFiles::new();
    let server = Server::start(&pki, &["--no-page"]).await;
    let ran = run_within(
        Duration::from_secs(120),
        "sslscan",
        &["--no-colour", "--no-heartbleed", &server.addr],
        "sslscan",
        b"",
    )
    .await;
    assert!(ran.ok(), "{}", ran.stderr);
    for (protocol, state) in [
        ("SSLv2", "disabled"),
        ("SSLv3", "disabled"),
        ("TLSv1.0", "disabled"),
        ("TLSv1.1", "disabled"),
        ("TLSv1.2", "enabled"),
        ("TLSv1.3", "enabled"),
    ] {
        assert!(
            ran.stdout.lines().any(|l| l.starts_with(protocol) && l.contains(state)),
            "{protocol} should be {state}:\n{}",
            ran.stdout
        );
    }
    let accepted: Vec<&str> = ran
        .stdout
        .lines()
        .filter(|l| l.starts_with("Accepted") || l.starts_with("Preferred"))
        .collect();
    assert!(!accepted.is_empty(), "{}", ran.stdout);
    for cipher in &accepted {
        assert!(
            cipher.contains("GCM") || cipher.contains("CHACHA20"),
            "not an AEAD cipher: {cipher}"
        );
    }
}
