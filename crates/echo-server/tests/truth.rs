//! Every value the server shows (page, /json, /ca.pem, logs) is the session's own: with two
//! certificates chosen by SNI, after a reload, on a resumed session, and when the certificate expired.

mod common;

use common::{SERVER, Server, curl, run_with_input, scenario};
use serde_json::Value;
use test_support::{Output, Peer, PkiFiles, temp_dir, write};
use tls_core::generate::{CertificateAuthority, Usage, Validity};
use tls_core::inspect::{self, Position};
use tls_core::scenario::Kind;

/// `/json` of `server` asked for as `host` (resolved to 127.0.0.1), trusting `ca`.
async fn json_as(server: &Server, host: &str, ca: &str) -> Value {
    let resolve = format!("{host}:{}:127.0.0.1", server.port);
    let ran = curl(&[
        "--resolve",
        &resolve,
        "--cacert",
        ca,
        &format!("https://{host}:{}/json", server.port),
    ])
    .await;
    assert!(ran.ok(), "curl as {host}: {}", ran.stderr);
    serde_json::from_str(&ran.stdout).expect("/json is JSON")
}

async fn ca_pem_as(server: &Server, host: &str, ca: &str) -> String {
    let resolve = format!("{host}:{}:127.0.0.1", server.port);
    let url = format!("https://{host}:{}/ca.pem", server.port);
    let ran = curl(&["--resolve", &resolve, "--cacert", ca, &url]).await;
    assert!(ran.ok(), "{}", ran.stderr);
    ran.stdout
}

/// echo-server with the PKI's server certificate first and `other` (a `--cert`/`--key` pair) second.
async fn two_certificates(pki: &PkiFiles, other: &(String, String), extra: &[&str]) -> Server {
    let (cert, key) = (pki.arg("server.pem"), pki.arg("server.key"));
    let mut args = vec![
        "--listen",
        "127.0.0.1:0",
        "--cert",
        &cert,
        "--key",
        &key,
        "--cert",
        &other.0,
        "--key",
        &other.1,
    ];
    args.extend_from_slice(extra);
    Server::start_with(&args, None).await
}

/// Replaces files of the PKI folder as a deployment does: each written beside it, then renamed over it.
fn replace_files(pki: &PkiFiles, files: &[(&str, &str)]) {
    for (name, contents) in files {
        write(pki.dir(), &format!("{name}.new"), contents);
        std::fs::rename(pki.path(&format!("{name}.new")), pki.path(name)).expect("rename");
    }
}

fn fingerprint(der: &tls_core::pki_types::CertificateDer<'_>) -> String {
    inspect::inspect(der, Position::Leaf)
        .expect("parses")
        .fingerprint_sha256
}

#[tokio::test]
async fn the_page_shows_the_certificate_each_client_got_even_after_a_reload() {
    let pki = PkiFiles::new();
    // A second certificate from a second CA, for other.test.
    let other_ca = CertificateAuthority::new("Other CA", Validity::days_from_now(30)).expect("CA");
    let other = other_ca
        .issue(&["other.test"], Usage::Server, Validity::days_from_now(30))
        .expect("leaf");
    let other_files = pki.add("other", &other);
    let (other_ca_file, _) = pki.add("other-ca", &other_ca.issued);
    let both_cas = write(
        pki.dir(),
        "both-cas.pem",
        format!("{}{}", pki.pki.ca.issued.cert_pem, other_ca.issued.cert_pem),
    );
    let both_cas = both_cas.display().to_string();
    let mut server = two_certificates(&pki, &other_files, &["--serve-ca", &both_cas]).await;
    let started = server.peer.wait_for(Output::Stderr, "serving ").await;
    assert!(
        started.contains("CN=127.0.0.1") && started.contains("CN=other.test") && started.contains("other.pem"),
        "the start-up line names every certificate: {started}"
    );

    let json = json_as(&server, "other.test", &other_ca_file).await;
    assert_eq!(json["tls"]["sni"], "other.test");
    assert_eq!(json["server_certificate"]["subject"], "CN=other.test");
    assert_eq!(json["server_certificate"]["issuer"], "CN=Other CA");
    assert_eq!(
        json["server_certificate"]["fingerprint_sha256"],
        fingerprint(&other.cert)
    );
    assert_eq!(
        json["server_certificate"]["pin_sha256"],
        inspect::pin_sha256(&other.cert).expect("pin")
    );
    assert_eq!(json["server_certificate"]["expired"], false);
    let line = server.peer.wait_for(Output::Stderr, "sni=\"other.test\"").await;
    assert!(line.contains("cert=\"CN=other.test\""), "{line}");
    // /ca.pem offers the CA that issued this connection's certificate, not the first in the file.
    assert_eq!(
        ca_pem_as(&server, "other.test", &other_ca_file).await,
        other_ca.issued.cert_pem
    );
    let ca = pki.arg("ca.pem");
    let json = json_as(&server, "localhost", &ca).await;
    assert_eq!(json["server_certificate"]["subject"], "CN=127.0.0.1");
    assert_eq!(
        json["server_certificate"]["fingerprint_sha256"],
        fingerprint(&pki.pki.server.cert)
    );
    assert_eq!(ca_pem_as(&server, "localhost", &ca).await, pki.pki.ca.issued.cert_pem);

    // Replace other.test's certificate on disk: the next client sees the new one, fingerprint and all.
    let renewed = other_ca
        .issue(&["other.test"], Usage::Server, Validity::days_from_now(60))
        .expect("leaf");
    replace_files(
        &pki,
        &[("other.key", &renewed.key_pem), ("other.pem", &renewed.cert_pem)],
    );
    server.peer.signal("HUP");
    server.peer.wait_for(Output::Stderr, "reloaded certificates").await;
    let json = json_as(&server, "other.test", &other_ca_file).await;
    assert_eq!(
        json["server_certificate"]["fingerprint_sha256"],
        fingerprint(&renewed.cert)
    );
    assert_ne!(fingerprint(&renewed.cert), fingerprint(&other.cert));

    // A rotated CA: a new one signs other.test, and the --serve-ca file now holds it. After the reload
    // /ca.pem offers the new CA with the certificate it signed.
    let rotated_ca = CertificateAuthority::new("Rotated CA", Validity::days_from_now(30)).expect("CA");
    let rotated = rotated_ca
        .issue(&["other.test"], Usage::Server, Validity::days_from_now(30))
        .expect("leaf");
    let (rotated_ca_file, _) = pki.add("rotated-ca", &rotated_ca.issued);
    let both = format!("{}{}", pki.pki.ca.issued.cert_pem, rotated_ca.issued.cert_pem);
    replace_files(
        &pki,
        &[
            ("both-cas.pem", &both),
            ("other.key", &rotated.key_pem),
            ("other.pem", &rotated.cert_pem),
        ],
    );
    server.peer.signal("HUP");
    // Earlier reload lines may still be queued: read them one at a time until the new CA is offered.
    let mut offered = String::new();
    for _ in 0..4 {
        server.peer.wait_for(Output::Stderr, "reloaded certificates").await;
        let resolve = format!("other.test:{}:127.0.0.1", server.port);
        let url = format!("https://other.test:{}/ca.pem", server.port);
        // (Before the reload, curl refuses the old certificate with the new CA: that is a "not yet".)
        offered = curl(&["--resolve", &resolve, "--cacert", &rotated_ca_file, &url])
            .await
            .stdout;
        if offered == rotated_ca.issued.cert_pem {
            break;
        }
    }
    assert_eq!(offered, rotated_ca.issued.cert_pem);
}

/// `GET /json` through `openssl s_client`, saving or reusing a TLS session.
async fn json_through_s_client(server: &Server, ca: &str, session: (&str, &str)) -> Value {
    let request = b"GET /json HTTP/1.1\r\nHost: other.test\r\nConnection: close\r\n\r\n";
    let (ok, out, err) = run_with_input(
        "openssl",
        &[
            "s_client",
            "-connect",
            &server.addr,
            "-servername",
            "other.test",
            "-CAfile",
            ca,
            "-tls1_3",
            "-quiet",
            "-ign_eof",
            session.0,
            session.1,
        ],
        "openssl",
        request,
    )
    .await;
    assert!(ok, "openssl s_client: {err}");
    let body = out
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_else(|| panic!("an HTTP answer: {out}"));
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

#[tokio::test]
async fn a_resumed_session_names_the_certificate_of_the_session_it_resumes() {
    let pki = PkiFiles::new();
    let other = pki
        .pki
        .ca
        .issue(&["other.test"], Usage::Server, Validity::days_from_now(30))
        .expect("leaf");
    let mut server = two_certificates(&pki, &pki.add("other", &other), &[]).await;
    let ca = pki.arg("ca.pem");
    let session = pki.arg("session.pem");
    let first = json_through_s_client(&server, &ca, ("-sess_out", &session)).await;
    assert_eq!(first["tls"]["resumed"], false);
    assert_eq!(first["server_certificate"]["subject"], "CN=other.test");
    let again = json_through_s_client(&server, &ca, ("-sess_in", &session)).await;
    assert_eq!(again["tls"]["resumed"], true, "{again}");
    assert_eq!(again["server_certificate"]["subject"], "CN=other.test");
    assert_eq!(
        again["server_certificate"]["fingerprint_sha256"],
        fingerprint(&other.cert)
    );

    // After a reload replaced that certificate, a session resumed from the old ticket was never sent
    // the new one: the page says the certificate is not known rather than show the new one.
    let renewed = pki
        .pki
        .ca
        .issue(&["other.test"], Usage::Server, Validity::days_from_now(60))
        .expect("leaf");
    replace_files(
        &pki,
        &[("other.key", &renewed.key_pem), ("other.pem", &renewed.cert_pem)],
    );
    server.peer.signal("HUP");
    server.peer.wait_for(Output::Stderr, "reloaded certificates").await;
    let after_reload = json_through_s_client(&server, &ca, ("-sess_in", &session)).await;
    assert_eq!(after_reload["tls"]["resumed"], true, "{after_reload}");
    assert_eq!(after_reload["server_certificate"], Value::Null, "{after_reload}");
    let fresh = json_through_s_client(&server, &ca, ("-sess_out", &pki.arg("fresh.pem"))).await;
    assert_eq!(
        fresh["server_certificate"]["fingerprint_sha256"],
        fingerprint(&renewed.cert)
    );
}

#[tokio::test]
async fn an_expired_certificate_is_marked_as_past_on_the_page() {
    let pki = PkiFiles::new();
    let server = scenario(&pki, Kind::Expired).await;
    let url = format!("https://127.0.0.1:{}/", server.port);
    let ran = curl(&["--insecure", &url]).await;
    assert!(ran.ok(), "{}", ran.stderr);
    assert!(
        ran.stdout.contains("(EXPIRED 2 days ago)"),
        "Valid until is marked: {}",
        ran.stdout
    );
    let ran = curl(&["--insecure", &format!("{url}json")]).await;
    let json: Value = serde_json::from_str(&ran.stdout).expect("JSON");
    assert_eq!(json["server_certificate"]["expired"], true);
    // A missing field must fail: `None < Some(_)` would pass.
    let left = json["server_certificate"]["expires_in_seconds"]
        .as_i64()
        .expect("expires_in_seconds is a number");
    assert!(left < -86_400, "expired two days ago, not {left} s from now");
}

#[tokio::test]
async fn json_logs_write_null_for_absent_values() {
    let pki = PkiFiles::new();
    let mut server = Server::start(&pki, &["--log-format", "json"]).await;
    let (ok, ..) = common::lab_client(&server, &pki.arg("ca.pem"), "Hello World!", &[]).await;
    assert!(ok);
    let line = server.peer.wait_for(Output::Stderr, "\"message\":\"session\"").await;
    let session: Value = serde_json::from_str(&line).expect("the log line is JSON");
    // Python connects by IP: no SNI, no ALPN, no client certificate.
    for absent in ["sni", "alpn", "client_cert"] {
        assert_eq!(session.get(absent), Some(&Value::Null), "{absent} in {line}");
    }
    assert_eq!(session["cert"], "CN=127.0.0.1");
    assert!(!line.contains("\"-\""), "{line}");
}

#[tokio::test]
async fn an_unwritable_sslkeylogfile_is_warned_about_once() {
    let pki = PkiFiles::new();
    let dir = temp_dir();
    let keylog = dir.path().display().to_string();
    let (cert, key) = (pki.arg("server.pem"), pki.arg("server.key"));
    let mut server = Peer::spawn_env(
        SERVER,
        &["--listen", "127.0.0.1:0", "--cert", &cert, "--key", &key],
        &[("SSLKEYLOGFILE", &keylog)],
        "(built by cargo)",
    );
    let line = server.wait_for(Output::Stderr, "SSLKEYLOGFILE").await;
    assert!(line.contains("WARN") && line.contains("cannot be written"), "{line}");
    server.wait_for(Output::Stdout, "listening on").await;
    let (stdout, stderr) = {
        server.terminate();
        server.outputs().await
    };
    assert_eq!(stderr.matches("SSLKEYLOGFILE").count(), 1, "once: {stderr}{stdout}");
}
