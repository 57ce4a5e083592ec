//! echo-server run as a user runs it, against real clients it did not write: Python's `ssl` (the lab's
//! client), `openssl s_client`, and the tls-core client; plus bad input, logging flags and SIGTERM.

mod common;

use std::path::Path;

use common::{SERVER, Server, lab_client, run, s_client};
use test_support::{Output, Peer, PkiFiles, bounded};
use tls_core::client::{self, ClientOptions};
use tls_core::generate::{CertificateAuthority, Usage, Validity};

#[tokio::test]
async fn python_client_gets_hello_world_and_the_server_shows_it() {
    let pki = PkiFiles::new();
    let mut server = Server::start(&pki, &[]).await;
    let (ok, out, err) = lab_client(&server, &pki.arg("ca.pem"), "Hello World!", &[]).await;
    assert!(ok, "python client failed: {out} {err}");
    assert_eq!(out.trim_end(), "Hello World!");
    assert_eq!(err.trim_end(), "TLSv1.3");
    let line = server.peer.wait_for(Output::Stderr, "preview=Hello World!").await;
    // Python sends SNI only for DNS names: connecting by IP gives none. Its OpenSSL 3.0 has no ML-KEM,
    // so the group is plain X25519 (the tls-core client test checks the hybrid).
    for field in [
        "tls=TLSv1.3",
        "group=X25519 ",
        "bytes_in=12",
        "bytes_out=12",
        "end=client sent close_notify",
    ] {
        assert!(line.contains(field), "{field} missing from the session line: {line}");
    }
    // No SNI was sent: the text log leaves the field out rather than invent a value.
    assert!(!line.contains("sni="), "{line}");
}

#[tokio::test]
async fn python_client_closing_without_close_notify_is_a_normal_end() {
    let pki = PkiFiles::new();
    let mut server = Server::start(&pki, &[]).await;
    let (ok, out, _) = lab_client(&server, &pki.arg("ca.pem"), "no goodbye", &["--no-close-notify"]).await;
    assert!(ok);
    assert_eq!(out.trim_end(), "no goodbye");
    let line = server
        .peer
        .wait_for(Output::Stderr, "end=client closed TCP without close_notify")
        .await;
    assert!(line.contains("INFO"), "an unclean close is not an error: {line}");
    let (ok, out, _) = lab_client(&server, &pki.arg("ca.pem"), "next one", &[]).await;
    assert!(ok && out.trim_end() == "next one", "the next client is served: {out}");
}

#[tokio::test]
async fn openssl_s_client_verifies_and_the_empty_line_ends_the_session() {
    let pki = PkiFiles::new();
    let mut server = Server::start(&pki, &[]).await;
    let ca = pki.arg("ca.pem");
    let (ok, out, err) = s_client(
        &server,
        &["-CAfile", &ca, "-verify_return_error", "-verify_ip", "127.0.0.1"],
        b"Hello World!\n\nnot echoed\n",
    )
    .await;
    assert!(ok, "s_client failed: {err}");
    assert_eq!(out, "Hello World!\n");
    server
        .peer
        .wait_for(Output::Stderr, "end=client sent an empty line")
        .await;
}

#[tokio::test]
async fn openssl_s_client_with_another_ca_refuses_and_the_server_says_why() {
    let pki = PkiFiles::new();
    let mut server = Server::start(&pki, &[]).await;
    let other = CertificateAuthority::new("Other CA", Validity::days_from_now(30)).expect("CA");
    let (other_ca, _) = pki.add("other-ca", &other.issued);
    let (ok, _, err) = s_client(&server, &["-CAfile", &other_ca, "-verify_return_error"], b"x\n").await;
    assert!(!ok, "s_client must refuse an unknown CA");
    assert!(err.contains("verify error"), "{err}");
    // The log names the CA from the chain it sent, which ends at the leaf: that CA may be an
    // intermediate the server should send.
    server
        .peer
        .wait_for(
            Output::Stderr,
            "the client does not trust CN=tls-echo demo CA, which signed CN=127.0.0.1 (alert unknown_ca): if CN=tls-echo demo CA is an intermediate CA, this server must send it after CN=127.0.0.1, where its chain ends now; give it that CA (curl --cacert, echo-client --ca)",
        )
        .await;

    // A self-signed certificate has no CA to give but itself.
    let mut server = common::scenario(&pki, tls_core::scenario::Kind::SelfSigned).await;
    let (ok, ..) = s_client(&server, &["-CAfile", &other_ca, "-verify_return_error"], b"x\n").await;
    assert!(!ok, "s_client must refuse a self-signed certificate it does not trust");
    server
        .peer
        .wait_for(
            Output::Stderr,
            "the client does not trust this server's self-signed certificate CN=127.0.0.1 (alert unknown_ca); give it the certificate itself as its CA (curl --cacert, echo-client --ca)",
        )
        .await;
}

/// A rustls client refusing by a pin, or trusting a CA of the same name but another key, sends
/// access_denied or decrypt_error: the log says what each most likely means.
#[tokio::test]
async fn a_pin_or_a_ca_made_again_is_named_by_its_alert() {
    let pki = PkiFiles::new();
    let mut server = Server::start(&pki, &[]).await;
    let twin = PkiFiles::new();
    let twin_roots = tls_core::config::root_store(std::slice::from_ref(&twin.pki.ca.issued.cert)).expect("roots");
    let pin: tls_core::Pin = test_support::pin_of(&twin.pki.server.cert).parse().expect("a pin");
    let roots = tls_core::config::root_store(std::slice::from_ref(&pki.pki.ca.issued.cert)).expect("roots");
    let options = tls_core::config::TlsOptions::default();
    let clients = [
        (
            tls_core::config::client_config(twin_roots, None, &options).expect("config"),
            "the client could not verify a signature (alert decrypt_error): most often a CA it trusts has the name of the one that signed this server's certificate but another key",
        ),
        (
            tls_core::config::pinned_client_config(Some(roots), &[pin], None, &options).expect("config"),
            "the client refused this server's certificate by a rule of its own (alert access_denied), such as a pinned key",
        ),
    ];
    for (config, logged) in clients {
        let name = tls_core::config::parse_server_name("127.0.0.1").expect("name");
        let refused = client::connect(&server.addr, name, config, ClientOptions::default()).await;
        assert!(matches!(refused, Err(tls_core::Error::Handshake { .. })), "{refused:?}");
        server.peer.wait_for(Output::Stderr, logged).await;
    }
}

#[tokio::test]
async fn tls12_clients_are_served_unless_tls13_only() {
    let pki = PkiFiles::new();
    let ca = pki.arg("ca.pem");
    let mut server = Server::start(&pki, &[]).await;
    let (ok, out, err) = s_client(
        &server,
        &["-CAfile", &ca, "-verify_return_error", "-tls1_2"],
        b"twelve\n\n",
    )
    .await;
    assert!(ok, "TLS 1.2 client refused: {err}");
    assert_eq!(out, "twelve\n");
    server.peer.wait_for(Output::Stderr, "tls=TLSv1.2").await;

    let mut strict = Server::start(&pki, &["--tls13-only"]).await;
    let (ok, _, _) = s_client(&strict, &["-CAfile", &ca, "-tls1_2"], b"twelve\n\n").await;
    assert!(!ok, "a TLS 1.2-only client must be refused by --tls13-only");
    strict
        .peer
        .wait_for(
            Output::Stderr,
            "has no TLS version, cipher suite or key exchange in common",
        )
        .await;
}

#[tokio::test]
async fn s6_a_tls10_only_client_is_refused_with_an_alert_and_a_log_line() {
    let pki = PkiFiles::new();
    let mut server = Server::start(&pki, &[]).await;
    // OpenSSL 3 sends TLS 1.0 only at security level 0.
    let (ok, _, err) = s_client(&server, &["-tls1", "-cipher", "DEFAULT:@SECLEVEL=0"], b"x\n").await;
    assert!(!ok, "a TLS 1.0-only client must be refused");
    // BoGo expects protocol_version (70); rustls answers handshake_failure (40). Either is a clear no.
    assert!(
        err.contains("SSL alert number 40") || err.contains("SSL alert number 70"),
        "expected a fatal alert: {err}"
    );
    server
        .peer
        .wait_for(
            Output::Stderr,
            "has no TLS version, cipher suite or key exchange in common",
        )
        .await;
}

#[tokio::test]
async fn s5_plain_http_and_s12_connections_over_the_cap_each_get_their_log_line() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let pki = PkiFiles::new();
    let mut server = Server::start(&pki, &["--max-connections", "1"]).await;
    let mut plain = tokio::net::TcpStream::connect(&server.addr).await.expect("connect");
    plain
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("send");
    let mut answer = Vec::new();
    let _ = bounded("the plain client's close", plain.read_to_end(&mut answer)).await;
    // A plaintext 400 saying what this port speaks (as nginx does), never an echo of the request.
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 400 Bad Request\r\n") && answer.contains("This port speaks HTTPS"),
        "{answer}"
    );
    assert!(!answer.contains("Host: x"), "the request is not echoed: {answer}");
    let url = format!("http://{}/", server.addr);
    let ran = common::curl(&["-w", "%{http_code}", &url]).await;
    assert!(ran.ok(), "curl gets an answer, not a reset: {}", ran.stderr);
    assert!(
        ran.stdout.ends_with("use https:// in the address.\n400"),
        "{}",
        ran.stdout
    );
    server
        .peer
        .wait_for(
            Output::Stderr,
            "handshake failed: not TLS (plain HTTP?): it began with \"GET / HT\"",
        )
        .await;

    // One live session fills the cap; the next connection is closed at once and logged, and the live
    // session goes on echoing.
    let mut live = common::connect(&server, &pki, "127.0.0.1").await;
    assert_eq!(bounded("echo", live.echo(b"one\n")).await.expect("echo"), b"one\n");
    let mut excess = tokio::net::TcpStream::connect(&server.addr).await.expect("connect");
    let mut rest = Vec::new();
    let closed = bounded("the excess connection's close", excess.read_to_end(&mut rest)).await;
    assert!(closed.is_ok() && rest.is_empty(), "{closed:?} {rest:?}");
    server
        .peer
        .wait_for(
            Output::Stderr,
            "refusing connection: 1 connections already open, the most allowed",
        )
        .await;
    // A flood over the cap is logged at most once a second, each line counting the ones not shown.
    for _ in 0..50 {
        let mut excess = tokio::net::TcpStream::connect(&server.addr).await.expect("connect");
        let _ = bounded("an excess connection's close", excess.read_to_end(&mut rest)).await;
    }
    let lines = server.peer.lines();
    let refusals = lines.iter().filter(|l| l.contains("refusing connection")).count();
    assert!(
        (1..=3).contains(&refusals),
        "{refusals} refusal lines for 51 refusals: {lines:#?}"
    );
    assert_eq!(bounded("echo", live.echo(b"two\n")).await.expect("echo"), b"two\n");
}

#[tokio::test]
async fn s9_a_tls12_renegotiation_is_refused_and_others_keep_working() {
    let pki = PkiFiles::new();
    let mut server = Server::start(&pki, &[]).await;
    // openssl s_client renegotiates when a line it reads begins with "R" (its interactive commands,
    // which -quiet would switch off): it sends a new ClientHello inside the established TLS 1.2 session.
    // -msg prints each record it sends and receives.
    let ca = pki.arg("ca.pem");
    let args = ["s_client", "-connect", &server.addr, "-tls1_2", "-CAfile", &ca, "-msg"];
    let mut client = Peer::spawn("openssl", &args, "openssl");
    client.wait_for(Output::Stdout, "Verify return code: 0 (ok)").await;
    client.send(b"R\n").await;
    client.wait_for(Output::Stderr, "RENEGOTIATING").await;
    // rustls answers with a warning no_renegotiation alert and keeps the session's keys as they were;
    // OpenSSL gives up on the session at that alert.
    client
        .wait_for(Output::Stdout, "Alert [length 0002], warning no_renegotiation")
        .await;
    assert_ne!(client.exit_code().await, Some(0), "openssl must not have renegotiated");
    server
        .peer
        .wait_for(Output::Stderr, "end=failed: the client ended the established session")
        .await;
    let (ok, out, err) = lab_client(&server, &ca, "after the renegotiation", &[]).await;
    assert!(ok && out.trim_end() == "after the renegotiation", "{out} {err}");
}

#[tokio::test]
async fn s13_out_of_file_descriptors_is_logged_rarely_and_recovered_from() {
    let pki = PkiFiles::new();
    let (cert, key) = (pki.arg("server.pem"), pki.arg("server.key"));
    // A hard limit of 40 descriptors: the server cannot raise it, so a few dozen connections exhaust it.
    let mut server = Peer::spawn(
        "bash",
        &[
            "-c",
            "ulimit -n 40 && exec \"$0\" \"$@\"",
            SERVER,
            "--listen",
            "127.0.0.1:0",
            "--cert",
            &cert,
            "--key",
            &key,
            "--handshake-timeout",
            "60",
        ],
        "bash",
    );
    let line = server.wait_for(Output::Stdout, "listening on ").await;
    let addr = line.trim_start_matches("listening on ").to_owned();
    let mut hogs = Vec::new();
    for _ in 0..80 {
        hogs.push(
            tokio::net::TcpStream::connect(&addr)
                .await
                .expect("the backlog takes it"),
        );
    }
    let warning = server.wait_for(Output::Stderr, "accept failed").await;
    assert!(warning.contains("out of file descriptors"), "{warning}");
    // No spin while out of descriptors: the next warning, a second later, counts the failed accepts in
    // between (one per 100 ms back-off, not thousands), and the server used little CPU meanwhile.
    let next = server.wait_for(Output::Stderr, "accept failed").await;
    let suppressed: u64 = next
        .split("; ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a count of errors not shown in {next:?}"));
    assert!(suppressed <= 30, "{suppressed} failed accepts in a second: {next}");
    drop(hogs);
    // Descriptors come back as the silent connections close: a real client is served again.
    let config = test_support::client_config(&pki.pki.ca);
    let name = client::parse_server_name("127.0.0.1").expect("name");
    let echoed = bounded(
        "a client after the exhaustion",
        client::round_trip(&addr, name, config, b"recovered", ClientOptions::default()),
    )
    .await
    .expect("served once descriptors are free");
    assert_eq!(echoed, b"recovered");
    let warnings = server.lines().iter().filter(|l| l.contains("accept failed")).count();
    assert!(
        warnings <= 5,
        "the EMFILE warning is rate-limited, got {warnings} lines"
    );
}

#[tokio::test]
async fn rejected_client_certificates_and_names_are_explained_in_the_log() {
    let pki = PkiFiles::new();
    let ca = pki.arg("ca.pem");
    let mut server = Server::start(&pki, &["--client-ca", &ca]).await;
    // A CA made again with the demo CA's name signs a client certificate.
    let ca_name = tls_core::x509::subject(&pki.pki.ca.issued.cert);
    let (cert, key) = pki.impostor_client();
    let (ok, ..) = lab_client(&server, &ca, "twin", &["--cert", &cert, "--key", &key]).await;
    assert!(
        !ok,
        "a client certificate from another CA with the same name is refused"
    );
    let line = server.peer.wait_for(Output::Stderr, "handshake failed").await;
    assert!(
        line.contains(&format!(
            "the client's certificate CN=client is signed by a CA named {ca_name}, but not by the trusted certificate of that name (was the CA made again with the same name?); trust the CA that signed it for clients (echo-server --client-ca; tls-cert verify --purpose client --ca), if you trust it"
        )),
        "{line}"
    );
    // A server certificate offered as a client's.
    let (cert, key) = (pki.arg("server.pem"), pki.arg("server.key"));
    let (ok, ..) = lab_client(&server, &ca, "server cert", &["--cert", &cert, "--key", &key]).await;
    assert!(!ok);
    server
        .peer
        .wait_for(
            Output::Stderr,
            "is not meant for clients (its extended key usage lacks clientAuth",
        )
        .await;

    // A name the certificate does not hold: the client trusts the CA, and the log does not say otherwise.
    // (openssl checks the name during the handshake and says so with an alert; curl checks after it.)
    let mut server = Server::start(&pki, &[]).await;
    let (ok, ..) = s_client(
        &server,
        &[
            "-servername",
            "wrong.test",
            "-verify_hostname",
            "wrong.test",
            "-verify_return_error",
            "-CAfile",
            &ca,
        ],
        b"",
    )
    .await;
    assert!(!ok, "openssl refuses a name the certificate does not hold");
    let line = server.peer.wait_for(Output::Stderr, "handshake failed").await;
    assert!(
        line.contains("without saying why: a name the certificate does not hold")
            && !line.contains("has to trust the CA"),
        "{line}"
    );
}

#[tokio::test]
async fn a_combined_pem_serves_with_cert_alone() {
    let pki = PkiFiles::new();
    let combined = test_support::write(
        pki.dir(),
        "haproxy.pem",
        format!("{}{}", pki.pki.server.cert_pem, pki.pki.server.key_pem),
    );
    let combined = combined.display().to_string();
    let server = Server::start_with(&["--listen", "127.0.0.1:0", "--cert", &combined], None).await;
    let (ok, out, err) = lab_client(&server, &pki.arg("ca.pem"), "Hello World!", &[]).await;
    assert!(ok, "{out} {err}");
    assert_eq!(out.trim_end(), "Hello World!");
    // The same file on standard input, read once for both the certificates and the key.
    let mut server = Peer::spawn(SERVER, &["--listen", "127.0.0.1:0", "--cert", "-"], "(built by cargo)");
    server
        .send(format!("{}{}", pki.pki.server.cert_pem, pki.pki.server.key_pem).as_bytes())
        .await;
    server.close_stdin();
    server.wait_for(Output::Stdout, "listening on").await;
    server.signal("HUP");
    server
        .wait_for(
            Output::Stderr,
            "not reloading certificates (SIGHUP): they were read from standard input",
        )
        .await;
    let err = bad_value(&["--alpn", "", "--cert", &combined]).await;
    assert!(err.contains("an ALPN protocol name cannot be empty"), "{err}");
}

#[tokio::test]
async fn a_silent_session_is_idle_once_with_the_page_on() {
    let pki = PkiFiles::new();
    let mut server = Server::start(&pki, &["--idle-timeout", "3"]).await;
    let _silent = common::connect(&server, &pki, "127.0.0.1").await;
    let line = server.peer.wait_for(Output::Stderr, "end=idle for 3 s").await;
    let duration: u64 = line
        .split("duration_ms=")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|ms| ms.parse().ok())
        .unwrap_or_else(|| panic!("a duration in {line}"));
    // Not twice the timeout (once waiting to tell the page from the echo, once more in the echo): the
    // session's own duration, as the server logged it, is nearer 3 s than 6 s.
    assert!((3000..4500).contains(&duration), "{line}");
}

#[tokio::test]
async fn a_scenario_needs_no_certs_folder() {
    let pki = PkiFiles::new();
    let away = test_support::temp_dir();
    let copy = test_support::place_program(SERVER, away.path());
    let (ca, ca_key) = (pki.arg("ca.pem"), pki.arg("ca.key"));
    let args = [
        "--listen",
        "127.0.0.1:0",
        "--scenario",
        "good",
        "--scenario-ca",
        &ca,
        "--scenario-ca-key",
        &ca_key,
    ];
    let mut server = Peer::spawn_in(away.path(), &copy.display().to_string(), &args, "(built by cargo)");
    server.wait_for(Output::Stdout, "listening on").await;
}

#[tokio::test]
async fn client_ca_requires_and_logs_the_client_certificate() {
    let pki = PkiFiles::new();
    let ca = pki.arg("ca.pem");
    let mut server = Server::start(&pki, &["--client-ca", &ca]).await;
    let (cert, key) = (pki.arg("client.pem"), pki.arg("client.key"));
    let (ok, out, err) = lab_client(&server, &ca, "with cert", &["--cert", &cert, "--key", &key]).await;
    assert!(ok, "{out} {err}");
    server.peer.wait_for(Output::Stderr, "client_cert=\"CN=client\"").await;
    let (ok, _, _) = lab_client(&server, &ca, "without cert", &[]).await;
    assert!(!ok, "a client without a certificate must be refused");
    server
        .peer
        .wait_for(
            Output::Stderr,
            "the client sent no certificate, and this server requires one",
        )
        .await;
}

#[tokio::test]
async fn sigterm_lets_the_live_session_finish_then_exits_zero() {
    let pki = PkiFiles::new();
    let mut server = Server::start(&pki, &["--shutdown-grace", "15"]).await;
    let mut conn = common::connect(&server, &pki, "127.0.0.1").await;
    assert_eq!(bounded("echo", conn.echo(b"before")).await.expect("echo"), b"before");
    server.peer.terminate();
    server.peer.wait_for(Output::Stderr, "shutdown requested").await;
    assert_eq!(
        bounded("echo", conn.echo(b"during"))
            .await
            .expect("echo during the grace period"),
        b"during"
    );
    bounded("close", conn.close()).await.expect("close");
    assert_eq!(server.peer.exit_code().await, Some(0));
}

#[tokio::test]
async fn a_second_ctrl_c_closes_the_sessions_the_grace_period_would_wait_for() {
    let pki = PkiFiles::new();
    let mut server = Server::start(&pki, &["--shutdown-grace", "600"]).await;
    let mut conn = common::connect(&server, &pki, "127.0.0.1").await;
    assert_eq!(bounded("echo", conn.echo(b"before")).await.expect("echo"), b"before");
    server.peer.signal("INT");
    server.peer.wait_for(Output::Stderr, "shutdown requested").await;
    server
        .peer
        .wait_for(Output::Stderr, "letting 1 session(s) finish")
        .await;
    server.peer.signal("INT");
    server
        .peer
        .wait_for(
            Output::Stderr,
            "asked to stop now: closing 1 session(s) with close_notify",
        )
        .await;
    // Well before the 600 s grace: the session got close_notify and the server exited cleanly.
    assert_eq!(server.peer.exit_code().await, Some(0));
    let err = bounded("echo", conn.echo(b"after"))
        .await
        .expect_err("the session is over");
    assert!(err.to_string().contains("ended the session with close_notify"), "{err}");
}

#[tokio::test]
async fn quiet_logs_no_sessions_and_verbose_logs_the_data() {
    let pki = PkiFiles::new();
    let ca = pki.arg("ca.pem");

    let mut quiet = Server::start(&pki, &["-q"]).await;
    let (ok, ..) = lab_client(&quiet, &ca, "hush", &[]).await;
    assert!(ok);
    quiet.peer.terminate();
    assert_eq!(quiet.peer.exit_code().await, Some(0));
    let lines = quiet.peer.lines();
    assert!(
        !lines.iter().any(|l| l.contains("session") || l.contains("hush")),
        "-q logged a session: {lines:#?}"
    );

    let mut verbose = Server::start(&pki, &["-v"]).await;
    let (ok, ..) = lab_client(&verbose, &ca, "every byte", &[]).await;
    assert!(ok);
    verbose.peer.wait_for(Output::Stderr, "received=every byte").await;
}

#[tokio::test]
async fn json_logs_give_one_object_per_session() {
    let pki = PkiFiles::new();
    let mut server = Server::start(&pki, &["--log-format", "json"]).await;
    let (ok, ..) = lab_client(&server, &pki.arg("ca.pem"), "Hello World!", &[]).await;
    assert!(ok);
    let line = server.peer.wait_for(Output::Stderr, "\"message\":\"session\"").await;
    let session: serde_json::Value = serde_json::from_str(&line).expect("the log line is JSON");
    assert_eq!(session["tls"], "TLSv1.3");
    assert_eq!(session["bytes_in"], 12);
    assert_eq!(session["preview"], "Hello World!");
    assert_eq!(session["end"], "client sent close_notify");
    assert_eq!(session["level"], "INFO");
}

#[tokio::test]
async fn preflight_refuses_a_chain_clients_would_reject_before_any_client_arrives() {
    let pki = PkiFiles::new();
    let key = pki.arg("server.key");
    let swapped = test_support::write(
        pki.dir(),
        "swapped.pem",
        format!("{}{}", pki.pki.ca.issued.cert_pem, pki.pki.server.cert_pem),
    );
    let ran = test_support::run(
        SERVER,
        &[
            "--listen",
            "127.0.0.1:0",
            "--cert",
            &swapped.display().to_string(),
            "--key",
            &key,
        ],
        "(built by cargo)",
        b"",
    )
    .await;
    // The key belongs to the server certificate, listed second in the file: the order is what is
    // wrong, and said so. Input to fix: exit 2.
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(
        ran.stderr.contains(&format!(
            "cannot load certificate chain from {}: it lists CN=tls-echo demo CA first, but the private key belongs to CN=127.0.0.1, certificate 2 of the file: put the server's certificate first, then its intermediates",
            swapped.display()
        )),
        "{}",
        ran.stderr
    );

    let (client_cert, client_key) = (pki.arg("client.pem"), pki.arg("client.key"));
    let ran = test_support::run(
        SERVER,
        &["--listen", "127.0.0.1:0", "--cert", &client_cert, "--key", &client_key],
        "(built by cargo)",
        b"",
    )
    .await;
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(
        ran.stderr
            .contains(&format!("error: {client_cert}: CN=client is not meant for TLS servers")),
        "{}",
        ran.stderr
    );
    assert!(!ran.stdout.contains("listening on"), "refused before listening");
}

#[tokio::test]
async fn certificate_expiring_soon_is_warned_about_at_start() {
    let pki = PkiFiles::new();
    let soon = pki
        .pki
        .ca
        .issue(&["127.0.0.1"], Usage::Server, Validity::days_from_now(10))
        .expect("leaf");
    let (cert, key) = pki.add("soon", &soon);
    let mut server = Server::start_with(&["--listen", "127.0.0.1:0", "--cert", &cert, "--key", &key], None).await;
    let line = server.peer.wait_for(Output::Stderr, "expires on").await;
    // 10 days minus the moments since it was made: 9 or 10 depending on rounding to whole seconds.
    assert!(
        line.contains("WARN")
            && (line.contains("(in 9 days)") || line.contains("(in 10 days)"))
            && line.contains("tls-cert generate --out NEW_DIR --san 127.0.0.1 --ca CA.pem --ca-key CA.key")
            && !line.contains("--force")
            && !line.contains("--out certs"),
        "the hint renews this certificate into a new folder, overwriting nothing: {line}"
    );
}

/// A certificate whose dates begin later, and a --client-ca past its dates (which rustls still trusts):
/// each a warning at start, the server serving still.
#[tokio::test]
async fn a_certificate_not_valid_yet_and_an_expired_client_ca_are_warned_about_at_start() {
    let pki = PkiFiles::new();
    let early = pki
        .pki
        .ca
        .issue(&["127.0.0.1"], Usage::Server, Validity::starting_in_days(3))
        .expect("leaf");
    let (cert, key) = pki.add("early", &early);
    let (old_ca, _) = pki.lapsed_ca("Old client CA");
    let args = [
        "--listen",
        "127.0.0.1:0",
        "--cert",
        &cert,
        "--key",
        &key,
        "--client-ca",
        &old_ca,
    ];
    let mut server = Server::start_with(&args, None).await;
    let line = server.peer.wait_for(Output::Stderr, "is not valid until").await;
    assert!(
        line.contains("WARN") && line.contains("every client will refuse it until then"),
        "{line}"
    );
    let line = server
        .peer
        .wait_for(Output::Stderr, "the trusted CA CN=Old client CA expired on")
        .await;
    assert!(line.contains(&format!("--client-ca {old_ca}: ")), "{line}");
}

#[tokio::test]
async fn default_certificates_are_found_from_inside_the_checkout() {
    // Run from crates/echo-server with no --cert/--key: certs/ at the root must be found.
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut server = Server::start_with(&["--listen", "127.0.0.1:0"], Some(here)).await;
    let line = server.peer.wait_for(Output::Stderr, "serving").await;
    assert!(line.contains("certs/server.pem"), "{line}");
}

/// Runs echo-server with `args` expecting it to refuse to start; returns its stderr.
/// echo-server refusing to start: one line on stderr and exit 2 (unusable input) unless `code` says
/// otherwise (1: an operation, such as listening, failed).
async fn refusal_with(code: i32, args: &[&str]) -> String {
    let ran = test_support::run(SERVER, args, "(built by cargo)", b"").await;
    assert_eq!(
        ran.code,
        Some(code),
        "echo-server with {args:?}: {}{}",
        ran.stdout,
        ran.stderr
    );
    assert_eq!(ran.stderr.lines().count(), 1, "one clear line, got: {}", ran.stderr);
    ran.stderr
}

async fn refusal(args: &[&str]) -> String {
    refusal_with(2, args).await
}

/// A flag value clap refuses through our parser: exit 2, the sentence on the first line.
async fn bad_value(args: &[&str]) -> String {
    let ran = test_support::run(SERVER, args, "(built by cargo)", b"").await;
    assert_eq!(ran.code, Some(2), "{args:?}: {}", ran.stderr);
    ran.stderr.lines().next().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn bad_input_gets_one_clear_line_and_a_non_zero_exit() {
    let pki = PkiFiles::new();
    let (cert, key) = (pki.arg("server.pem"), pki.arg("server.key"));

    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let err = refusal_with(1, &["--listen", &addr, "--cert", &cert, "--key", &key]).await;
    assert!(
        err.starts_with(&format!("error: cannot listen on {addr}: "))
            && err.contains("another program already listens"),
        "{err}"
    );

    for (listen, why) in [
        ("nonsense", "(no :PORT)"),
        ("127.0.0.1:80000", "(the port is above 65535)"),
        (":17023", "to listen on every address: 0.0.0.0:PORT or [::]:PORT"),
        // The same forms as echo-client --connect: an IPv6 address goes in brackets.
        ("::1:17023", "(an IPv6 address goes in brackets)"),
    ] {
        let err = bad_value(&["--listen", listen]).await;
        assert!(
            err.contains(&format!("{listen:?} is not HOST:PORT")) && err.contains(why),
            "{err}"
        );
    }
    for (flag, value, why) in [
        ("--max-connections", "0", "0 would allow nothing at all"),
        ("--idle-timeout", "0", "seconds leaves no time at all"),
        ("--handshake-timeout", "0", "seconds leaves no time at all"),
        ("--max-connections", "-3", "is not a whole number"),
    ] {
        let err = bad_value(&[&format!("{flag}={value}")]).await;
        assert!(err.contains(why), "{flag} {value}: {err}");
    }
    // A limit the clock cannot add (it made every handshake panic) and one too small to mean anything.
    let err = bad_value(&["--handshake-timeout", "1e19"]).await;
    assert!(err.contains("seconds is more than a year"), "{err}");
    let err = bad_value(&["--idle-timeout", "0.0000001"]).await;
    assert!(
        err.contains("seconds leaves no time at all; give 0.001 or more"),
        "{err}"
    );
    // --cert - and --key - would read standard input twice: refused before anything is read.
    for twice in [&["--cert", "-", "--key", "-"][..], &["--cert", "-", "--client-ca", "-"]] {
        let mut args = vec!["--listen", "127.0.0.1:0"];
        args.extend_from_slice(twice);
        let ran = test_support::run(SERVER, &args, "(built by cargo)", pki.pki.server.cert_pem.as_bytes()).await;
        assert_eq!(ran.code, Some(2));
        assert!(
            ran.stderr.contains("standard input is one file at most (-)"),
            "{twice:?}: {}",
            ran.stderr
        );
    }
    // A negative number is a value the parser judges, not an unknown flag.
    let err = bad_value(&["--idle-timeout", "-1"]).await;
    assert!(err.contains("\"-1\" seconds is negative"), "{err}");

    // A copy of the program outside the checkout has no certs/ to fall back on, and says what to give.
    let away = test_support::temp_dir();
    let copy = test_support::place_program(SERVER, away.path());
    let mut command = tokio::process::Command::new(&copy);
    command.current_dir(away.path()).args(["--listen", "127.0.0.1:0"]);
    let ran = bounded("the copied echo-server", command.output()).await.expect("runs");
    assert_eq!(ran.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&ran.stderr).trim_end(),
        "error: no --cert FILE --key FILE given, and the default certs/server.pem is not in this folder, a folder above it, or beside the program: give --cert FILE --key FILE (tls-cert generate --out DIR makes a set)"
    );

    let missing = pki.arg("missing.pem");
    let err = refusal(&["--cert", &missing, "--key", &key]).await;
    assert_eq!(
        err.trim_end(),
        format!("error: cannot load certificate chain from {missing}: there is no such file")
    );

    let err = refusal(&["--cert", &key, "--key", &cert]).await;
    assert!(err.contains("are the certificate and key files swapped?"), "{err}");

    // --cert alone must hold its key too.
    let err = refusal(&["--cert", &cert]).await;
    assert!(
        err.contains("with no --key, the certificate file must hold its key too: give --key FILE"),
        "{err}"
    );
    // A file far too large to be a certificate is refused before it is read whole.
    let huge = pki.path("huge.pem");
    std::fs::File::create(&huge)
        .and_then(|f| f.set_len(17 * 1024 * 1024))
        .expect("a sparse 17 MiB file");
    let err = refusal(&["--cert", &huge.display().to_string(), "--key", &key]).await;
    assert!(
        err.contains("is larger than 16 MiB, far more than any certificate"),
        "{err}"
    );

    // An RSA-1024 key made by openssl: said as such, with what to make instead.
    let (weak_key, weak_cert) = (pki.arg("weak.key"), pki.arg("weak.pem"));
    let (ok, _, err) = run(
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:1024",
            "-nodes",
            "-keyout",
            &weak_key,
            "-out",
            &weak_cert,
            "-subj",
            "/CN=weak",
            "-days",
            "30",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        "openssl",
    )
    .await;
    assert!(ok, "{err}");
    let err = refusal(&["--cert", &weak_cert, "--key", &weak_key]).await;
    assert_eq!(
        err.trim_end(),
        format!(
            "error: cannot load private key from {weak_key}: it is an RSA key of 1024 bits, and rustls refuses RSA keys under 2048 bits; make a new key and certificate: tls-cert generate --out NEW_DIR --key-type rsa2048 (or the default, ecdsa-p256)"
        )
    );

    let (ok, _, err) = run(SERVER, &["--idle-timeout", "soon"], "(built by cargo)").await;
    assert!(!ok && err.contains("\"soon\" is not a number of seconds"), "{err}");
}
