//! The HTTPS page on the echo port, as curl and a hand-typed HTTP/1.x request see it.

mod common;

use common::{Server, curl, s_client};
use serde_json::Value;
use test_support::{Output, PkiFiles, write};

/// A server with the page offering the test PKI's CA.
async fn page_server(pki: &PkiFiles) -> Server {
    Server::start(pki, &["--serve-ca", &pki.arg("ca.pem")]).await
}

fn url(server: &Server, host: &str, path: &str) -> String {
    format!("https://{host}:{}{path}", server.port)
}

#[tokio::test]
async fn curl_gets_the_page_json_ca_and_echo_over_one_kept_alive_connection() {
    let pki = PkiFiles::new();
    let mut server = page_server(&pki).await;
    let ca = pki.arg("ca.pem");
    let ran = curl(&["--cacert", &ca, &url(&server, "localhost", "/")]).await;
    assert!(ran.ok(), "{}", ran.stderr);
    for expected in [
        "<h1>Your TLS session</h1>",
        "TLSv1.3",
        "http/1.1",
        "CN=127.0.0.1",
        "GET / HTTP/1.1",
    ] {
        assert!(
            ran.stdout.contains(expected),
            "{expected} missing from the page:\n{}",
            ran.stdout
        );
    }
    assert!(
        !ran.stdout.contains("http://") && !ran.stdout.contains("https://"),
        "no external resources"
    );

    let ran = curl(&["--cacert", &ca, &url(&server, "localhost", "/json")]).await;
    assert!(ran.ok(), "{}", ran.stderr);
    let json: Value = serde_json::from_str(&ran.stdout).expect("/json is JSON");
    assert_eq!(json["tls"]["version"], "TLSv1.3");
    assert_eq!(json["tls"]["sni"], "localhost");
    assert_eq!(json["tls"]["alpn"], "http/1.1");
    let pin = tls_core::inspect::pin_sha256(&pki.pki.server.cert).expect("pin");
    assert_eq!(json["server_certificate"]["pin_sha256"], pin.as_str());
    assert_eq!(json["request"]["method"], "GET");

    let ran = curl(&["--cacert", &ca, &url(&server, "127.0.0.1", "/ca.pem")]).await;
    assert_eq!(ran.stdout, pki.pki.ca.issued.cert_pem, "/ca.pem is the CA file");

    // curl --http1.0 asks for http/1.0 by ALPN: the page answers it too.
    let ran = curl(&["--http1.0", "--cacert", &ca, &url(&server, "localhost", "/json")]).await;
    assert!(ran.ok(), "{}", ran.stderr);
    let json: Value = serde_json::from_str(&ran.stdout).expect("/json is JSON");
    assert_eq!(json["tls"]["alpn"], "http/1.0");
    assert_eq!(json["request"]["version"], "HTTP/1.0", "{json:#}");

    // Two requests on one connection: POST /echo, then a 404.
    let ran = curl(&[
        "--cacert",
        &ca,
        "--data-binary",
        "echo me back",
        "-H",
        "Content-Type: text/plain",
        &url(&server, "127.0.0.1", "/echo"),
        "--next",
        "--cacert",
        &ca,
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        &url(&server, "127.0.0.1", "/nope"),
    ])
    .await;
    assert!(ran.ok(), "{}", ran.stderr);
    assert_eq!(ran.stdout, "echo me back404");
    server.peer.wait_for(Output::Stderr, "http_requests=2").await;
}

#[tokio::test]
async fn curl_trusts_by_ca_or_pin_and_refuses_otherwise() {
    let pki = PkiFiles::new();
    let server = page_server(&pki).await;
    let page = url(&server, "127.0.0.1", "/json");
    let ran = curl(&[&page]).await;
    assert_eq!(ran.code, Some(60), "no trust: curl's certificate error: {}", ran.stderr);
    let pin = test_support::pin_of(&pki.pki.server.cert);
    let ran = curl(&["--cacert", &pki.arg("ca.pem"), "--pinnedpubkey", &pin, &page]).await;
    assert!(ran.ok(), "{}", ran.stderr);
    let wrong = test_support::pin_of(&pki.pki.ca.issued.cert);
    let ran = curl(&["--cacert", &pki.arg("ca.pem"), "--pinnedpubkey", &wrong, &page]).await;
    assert_eq!(ran.code, Some(90), "a wrong pin: curl's pin mismatch: {}", ran.stderr);
}

#[tokio::test]
async fn a_typed_http_request_without_alpn_gets_the_page_and_anything_else_is_echoed() {
    let pki = PkiFiles::new();
    let server = page_server(&pki).await;
    let ca = pki.arg("ca.pem");
    let (ok, out, err) = s_client(&server, &["-CAfile", &ca], b"GET /json HTTP/1.0\r\n\r\n").await;
    assert!(ok, "{err}");
    assert!(out.starts_with("HTTP/1.0 200 OK"), "{out}");
    assert!(out.contains("\"alpn\": null"), "{out}");
    let (ok, out, err) = s_client(&server, &["-CAfile", &ca], b"GET lucky\n\n").await;
    assert!(ok, "{err}");
    assert_eq!(out, "GET lucky\n", "not a request line: echoed");
}

#[tokio::test]
async fn malformed_and_oversized_requests_get_their_status() {
    let pki = PkiFiles::new();
    let server = page_server(&pki).await;
    let ca = pki.arg("ca.pem");
    let (_, out, _) = s_client(
        &server,
        &["-CAfile", &ca],
        b"GET / HTTP/1.1\r\nthis is not a header\r\n\r\n",
    )
    .await;
    assert!(out.starts_with("HTTP/1.1 400"), "{out}");

    // Just over the 16 KiB limit: sent whole before the server answers, so the 431 is read, not reset.
    let big_header = format!("X-Big: {}", "a".repeat(20 * 1000));
    let ran = curl(&[
        "--cacert",
        &ca,
        "-H",
        &big_header,
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        &url(&server, "127.0.0.1", "/"),
    ])
    .await;
    assert_eq!(ran.stdout, "431", "{}", ran.stderr);

    let body = write(pki.dir(), "big.bin", vec![b'x'; 2 * 1024 * 1024]);
    let ran = curl(&[
        "--cacert",
        &ca,
        "--data-binary",
        &format!("@{}", body.display()),
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        &url(&server, "127.0.0.1", "/echo"),
    ])
    .await;
    assert_eq!(ran.stdout, "413", "{}", ran.stderr);
}

#[tokio::test]
async fn no_page_echoes_http_like_anything_else() {
    let pki = PkiFiles::new();
    let server = Server::start(&pki, &["--no-page"]).await;
    let (ok, out, err) = s_client(&server, &["-CAfile", &pki.arg("ca.pem")], b"GET / HTTP/1.0\r\n\r\n").await;
    assert!(ok, "{err}");
    assert_eq!(out, "GET / HTTP/1.0\r\n");
}

/// `/handshake.json` is curl's own handshake on this connection, seen from the server: the name curl
/// sent as SNI, the server's flight decrypted, both Finished verified; and the page links to it.
#[tokio::test]
async fn curl_gets_its_own_handshake_with_the_sni_it_sent() {
    let pki = PkiFiles::new();
    let server = page_server(&pki).await;
    let ca = pki.arg("ca.pem");
    let resolve = format!("localhost:{}:127.0.0.1", server.port);
    let ran = curl(&[
        "--cacert",
        &ca,
        "--resolve",
        &resolve,
        &url(&server, "localhost", "/handshake.json"),
    ])
    .await;
    assert!(ran.ok(), "{}", ran.stderr);
    let trace: Value = serde_json::from_str(&ran.stdout).expect("/handshake.json is JSON");
    let hello = &trace["records"][0]["messages"][0];
    assert_eq!(hello["type"], "client_hello", "{trace:#}");
    let sni = hello["extensions"]
        .as_array()
        .expect("extensions")
        .iter()
        .find(|e| e["name"] == "server_name")
        .expect("curl sends SNI for a name");
    assert_eq!(sni["host_name"], "localhost");
    assert_eq!(trace["finished"]["server"], "verified", "{trace:#}");
    assert_eq!(trace["finished"]["client"], "verified", "{trace:#}");
    assert!(
        trace["ja4"].as_str().is_some_and(|j| j.starts_with("t13d")),
        "{}",
        trace["ja4"]
    );
    let page = curl(&["--cacert", &ca, &url(&server, "127.0.0.1", "/")]).await;
    assert!(
        page.stdout.contains("<a href=\"/handshake\">/handshake</a>"),
        "{}",
        page.stdout
    );
    // The page and the JSON of one connection (curl keeps it for both): the page's records are the
    // JSON's, in order, with the same messages (and the JSON's request's own records after them).
    let dir = test_support::temp_dir();
    let (page_file, json_file) = (dir.path().join("page.html"), dir.path().join("trace.json"));
    let both = curl(&[
        "--cacert",
        &ca,
        &url(&server, "127.0.0.1", "/handshake"),
        "-o",
        &page_file.display().to_string(),
        &url(&server, "127.0.0.1", "/handshake.json"),
        "-o",
        &json_file.display().to_string(),
    ])
    .await;
    assert!(both.ok(), "{}", both.stderr);
    let html = std::fs::read_to_string(&page_file).expect("the page");
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&json_file).expect("the JSON")).expect("JSON");
    assert!(html.contains("<h1>Your TLS handshake</h1>"), "{html}");
    test_support::assert_self_contained(&html);
    let (page, later) = (test_support::page_records(&html), test_support::json_records(&json));
    assert!(
        page.len() >= 5 && later.starts_with(&page),
        "page {page:?}\nJSON {later:?}"
    );
    assert_eq!(page[0], ["client_hello"]);
    // The page (tens of KB) filled the page's 32 KiB capture: the JSON says which limit, and counts
    // at least what the page sent past it, the record the limit cut included.
    assert_eq!(json["capture_limit"], 32 * 1024, "{json:#}");
    let not_captured = json["bytes_not_captured"].as_u64().expect("a count");
    assert!(
        usize::try_from(not_captured).expect("small") + 32 * 1024 >= html.len(),
        "{not_captured} bytes not captured, a page of {}",
        html.len()
    );
}

/// The page's summary says what kind of handshake it was: a HelloRetryRequest and the second
/// ClientHello's share (curl offering X448 first), TLS 1.2's signed key exchange and no key shares,
/// and a resumption with no certificate (openssl's saved session).
#[tokio::test]
async fn the_handshake_page_says_what_kind_of_handshake_it_was() {
    let pki = PkiFiles::new();
    let server = page_server(&pki).await;
    let ca = pki.arg("ca.pem");
    let address = url(&server, "localhost", "/handshake");
    let retried = curl(&["--cacert", &ca, "--curves", "X448:P-256", &address]).await;
    assert!(retried.ok(), "{}", retried.stderr);
    for row in [
        "<tr><th>Your key shares</th><td>in your first ClientHello: X448 (56 bytes)</td></tr>",
        "<tr><th>HelloRetryRequest</th><td>yes: the server asked for a key share of secp256r1; your second ClientHello sent secp256r1 (65 bytes)</td></tr>",
        "<tr><th>Server Finished</th><td>verified</td></tr>",
    ] {
        assert!(retried.stdout.contains(row), "no {row} in\n{}", retried.stdout);
    }
    let old = curl(&["--cacert", &ca, "--tls-max", "1.2", &address]).await;
    for row in [
        "<tr><th>Handshake</th><td>full: the server sent its certificate and signed its key exchange (ServerKeyExchange)</td></tr>",
        "<tr><th>HelloRetryRequest</th><td>no (TLS 1.2 has none)</td></tr>",
    ] {
        assert!(old.stdout.contains(row), "no {row} in\n{}", old.stdout);
    }
    let dir = test_support::temp_dir();
    let saved = dir.path().join("session.pem").display().to_string();
    let request = b"GET /handshake HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    let first = ["-alpn", "http/1.1", "-CAfile", &ca, "-sess_out", &saved];
    let (_, out, err) = s_client(&server, &first, request).await;
    assert!(out.contains("<th>Handshake</th><td>full: "), "{out} {err}");
    let again = ["-alpn", "http/1.1", "-CAfile", &ca, "-sess_in", &saved];
    let (_, out, err) = s_client(&server, &again, request).await;
    assert!(
        out.contains("<tr><th>Handshake</th><td>resumed from an earlier session: no certificate and no signature in this handshake</td></tr>"),
        "{out} {err}"
    );
    // A resumed TLS 1.2 session exchanges no keys: said so, not "unknown".
    let saved = dir.path().join("session12.pem").display().to_string();
    let first = ["-tls1_2", "-alpn", "http/1.1", "-CAfile", &ca, "-sess_out", &saved];
    let (_, out, err) = s_client(&server, &first, request).await;
    assert!(out.contains("<th>Handshake</th><td>full: "), "{out} {err}");
    let again = ["-tls1_2", "-alpn", "http/1.1", "-CAfile", &ca, "-sess_in", &saved];
    let (_, out, err) = s_client(&server, &again, request).await;
    for row in [
        "<tr><th>Key exchange</th><td>none in this handshake (resumed: the keys come from the earlier session&#39;s)</td></tr>",
        "<tr><th>Your key shares</th><td>none: a TLS 1.2 ClientHello has no key_share, and a resumed TLS 1.2 handshake exchanges no keys</td></tr>",
        "Not shown: this handshake resumes an earlier session",
    ] {
        assert!(out.contains(row), "no {row} in\n{out} {err}");
    }
    let json = b"GET /handshake.json HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    let (_, out, err) = s_client(&server, &again, json).await;
    assert!(out.contains("\"resumed\": true"), "{out} {err}");
}

/// A HelloRetryRequest (openssl offers a key share the server does not take): the x-ray recognises it
/// by its random, replaces the first ClientHello in the transcript by its hash (RFC 8446 4.4.1), and
/// both Finished still verify.
#[tokio::test]
async fn a_hello_retry_request_is_named_and_the_finished_still_verify() {
    let pki = PkiFiles::new();
    let server = page_server(&pki).await;
    let request = b"GET /handshake.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    let ca = pki.arg("ca.pem");
    let (_, out, err) = s_client(
        &server,
        &["-alpn", "http/1.1", "-groups", "ffdhe2048:P-256", "-CAfile", &ca],
        request,
    )
    .await;
    let json = out
        .split_once('{')
        .map(|(_, rest)| format!("{{{rest}"))
        .unwrap_or_else(|| panic!("no JSON: {out} {err}"));
    let trace: Value = serde_json::from_str(&json).expect("/handshake.json is JSON");
    let types = test_support::trace_message_types(&trace);
    assert_eq!(
        &types[..4],
        ["client_hello", "server_hello", "client_hello", "server_hello"],
        "{types:?}"
    );
    assert_eq!(
        trace["records"][1]["messages"][0]["hello_retry_request"], true,
        "{trace:#}"
    );
    assert_eq!(trace["group"], "secp256r1");
    assert_eq!(trace["finished"]["server"], "verified", "{trace:#}");
    assert_eq!(trace["finished"]["client"], "verified", "{trace:#}");
}
