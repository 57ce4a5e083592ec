//! `echo-server --scenario`: each broken chain, as the server logs it, curl (OpenSSL) reports it and the
//! tls-core client (what echo-client prints) explains it.

mod common;

use common::{curl, scenario};
use test_support::{Output, PkiFiles, SCENARIO_MESSAGES, bounded, run};
use tls_core::client::{self, ClientOptions};
use tls_core::scenario::Kind;

/// What curl (OpenSSL underneath) says: exit 0, or 60 and its words.
const CURL: [(Kind, Option<&str>); 8] = [
    (Kind::Good, None),
    (Kind::Expired, Some("certificate has expired")),
    (Kind::NotYetValid, Some("certificate is not yet valid")),
    (Kind::WrongHost, Some("no alternative certificate subject name matches")),
    (Kind::SelfSigned, Some("self-signed certificate")),
    (
        Kind::UntrustedRoot,
        Some("self-signed certificate in certificate chain"),
    ),
    (Kind::IncompleteChain, Some("unable to get local issuer certificate")),
    // OpenSSL accepts a CA certificate as a server's own; rustls does not.
    (Kind::CaAsLeaf, None),
];

#[tokio::test]
async fn each_scenario_is_logged_and_fails_in_curl_and_the_client_as_it_should() {
    let pki = PkiFiles::new();
    for ((kind, curl_says), (_, client_says)) in CURL.into_iter().zip(SCENARIO_MESSAGES) {
        let mut server = scenario(&pki, kind).await;
        server
            .peer
            .wait_for(Output::Stderr, &format!("scenario {kind}: {}", kind.explanation()))
            .await;
        let url = format!("https://127.0.0.1:{}/json", server.port);
        let ran = curl(&["--cacert", &pki.arg("ca.pem"), &url]).await;
        match curl_says {
            None => {
                assert!(ran.ok(), "{kind}: {}", ran.stderr);
                let json: serde_json::Value = serde_json::from_str(&ran.stdout).expect("/json");
                assert_eq!(json["scenario"]["name"], kind.name());
                assert_eq!(json["scenario"]["explanation"], kind.explanation());
            }
            Some(words) => {
                assert_eq!(ran.code, Some(60), "{kind}: {}", ran.stderr);
                assert!(ran.stderr.contains(words), "{kind}: {}", ran.stderr);
            }
        }
        let config = test_support::client_config(&pki.pki.ca);
        let name = client::parse_server_name("127.0.0.1").expect("name");
        let result = bounded(
            "round trip",
            client::round_trip(&server.addr, name, config, b"Hello World!", ClientOptions::default()),
        )
        .await;
        match (client_says, result) {
            (None, Ok(echoed)) => assert_eq!(echoed, b"Hello World!"),
            (Some(words), Err(err)) => assert!(err.to_string().contains(words), "{kind}: {err}"),
            (expected, got) => panic!("{kind}: expected {expected:?}, got {got:?}"),
        }
    }
}

#[tokio::test]
async fn the_page_explains_the_scenario_and_offers_its_ca() {
    let pki = PkiFiles::new();
    let server = scenario(&pki, Kind::CaAsLeaf).await;
    // curl lets this one through, so the page can be read.
    let url = format!("https://127.0.0.1:{}/", server.port);
    let ran = curl(&["--cacert", &pki.arg("ca.pem"), &url]).await;
    assert!(ran.ok(), "{}", ran.stderr);
    assert!(ran.stdout.contains("<h2>Scenario: ca-as-leaf</h2>"), "{}", ran.stdout);
    let ran = curl(&["--cacert", &pki.arg("ca.pem"), &format!("{url}ca.pem")]).await;
    assert_eq!(ran.stdout, pki.pki.ca.issued.cert_pem);
}

#[tokio::test]
async fn an_unknown_scenario_lists_the_known_ones() {
    let ran = run(common::SERVER, &["--scenario", "broken"], "(built by cargo)", b"").await;
    assert_eq!(ran.code, Some(2));
    assert!(
        ran.stderr.contains("choose one of good, expired, not-yet-valid, wrong-host, self-signed, untrusted-root, incomplete-chain, ca-as-leaf"),
        "{}",
        ran.stderr
    );
}
