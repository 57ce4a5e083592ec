//! echo-client run as a user runs it, against TLS echo servers it did not write (`gnutls-serv --echo`,
//! `socat ... EXEC:cat`, the lab's Python server) and against broken servers, each failure checked for
//! the one sentence it must print.

use test_support::{Output, Peer, PkiFiles, RunningServer, SilentServer};
use tls_core::config::{self, TlsOptions};
use tls_core::generate::{CertificateAuthority, Usage, Validity};
use tls_core::revocation::RevocationReason;
use tls_core::server::ServerOptions;

const CLIENT: &str = env!("CARGO_BIN_EXE_echo-client");

/// Runs echo-client with `args` and `input` on stdin; returns (exit code, stdout, stderr).
async fn echo_client(args: &[&str], input: &[u8]) -> (Option<i32>, String, String) {
    let ran = test_support::run(CLIENT, args, "(built by cargo)", input).await;
    (ran.code, ran.stdout, ran.stderr)
}

/// Runs echo-client expecting a failure; returns its one line of stderr.
async fn failure(args: &[&str]) -> String {
    let (code, out, err) = echo_client(args, b"").await;
    assert_eq!(
        code,
        Some(1),
        "expected exit 1 for {args:?}; stdout {out:?}, stderr {err:?}"
    );
    assert!(out.is_empty(), "nothing on stdout when it fails: {out:?}");
    assert_eq!(err.lines().count(), 1, "one sentence, got: {err}");
    err.trim_end().to_owned()
}

#[tokio::test]
async fn echoes_through_gnutls_serv() {
    let pki = PkiFiles::new();
    let (_gnutls, addr) = test_support::gnutls_echo_server(&pki).await;
    // gnutls-serv echoes whole lines only, so the message ends with one.
    let (code, out, err) = echo_client(
        &[
            "--connect",
            &addr,
            "--ca",
            &pki.arg("ca.pem"),
            "--message",
            "Hello gnutls\n",
            "-v",
        ],
        b"",
    )
    .await;
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, "Hello gnutls\n");
    assert!(err.contains("server certificate CN=127.0.0.1"), "{err}");
}

/// gnutls-serv echoes whole lines only: a message without a newline gets no echo, and the timeout
/// says why, and how to end the message; bench has --newline for such servers, and says to use it.
#[tokio::test]
async fn a_server_that_echoes_whole_lines_only_gets_a_hint_and_bench_a_newline() {
    let pki = PkiFiles::new();
    let (_gnutls, addr) = test_support::gnutls_echo_server(&pki).await;
    let ca = pki.arg("ca.pem");
    let (code, out, err) = echo_client(
        &[
            "--connect",
            &addr,
            "--ca",
            &ca,
            "--message",
            "no newline",
            "--timeout",
            "1",
        ],
        b"",
    )
    .await;
    assert_eq!((code, out.as_str()), (Some(1), ""), "{err}");
    assert!(
        err.starts_with("error: reading the echo with ") && err.contains("timed out after 1 s"),
        "{err}"
    );
    assert!(
        err.ends_with("hint: nothing came back; a server that echoes whole lines only (gnutls-serv --echo, for one) waits for a newline: end the message with one, as in --message $'Hello World!\\n'\n"),
        "{err}"
    );

    let bench = |newline: bool| {
        let mut args = vec![
            "bench",
            "--connect",
            &addr,
            "--ca",
            &ca,
            "--mode",
            "latency",
            "--connections",
            "1",
            "--duration",
            "1",
            "--timeout",
            "1",
            "--json",
        ];
        if newline {
            args.push("--newline");
        }
        let args: Vec<String> = args.into_iter().map(str::to_owned).collect();
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            test_support::run(CLIENT, &args, "(built by cargo)", b"").await
        }
    };
    let without = bench(false).await;
    assert_eq!(without.code, Some(1), "{}", without.stderr);
    assert!(
        without.stderr.contains("hint: no echo came back at all") && without.stderr.contains("give --newline"),
        "{}",
        without.stderr
    );
    let with = bench(true).await;
    assert_eq!(with.code, Some(0), "{}", with.stderr);
    let report: serde_json::Value = serde_json::from_str(&with.stdout).expect("one JSON object");
    assert!(report["ops"].as_u64() > Some(0), "{report}");
    assert!(report["bytes"].as_u64() > Some(0), "{report}");
}

#[tokio::test]
async fn echoes_through_socat_and_cat() {
    let pki = PkiFiles::new();
    let listen = format!(
        "OPENSSL-LISTEN:0,bind=127.0.0.1,reuseaddr,fork,cert={},key={},verify=0",
        pki.arg("server.pem"),
        pki.arg("server.key")
    );
    let mut socat = Peer::spawn("socat", &["-d", "-d", &listen, "EXEC:cat"], "socat");
    let line = socat.wait_for(Output::Stderr, "listening on AF=2 127.0.0.1:").await;
    let port = line.rsplit(':').next().expect("port").trim().to_owned();
    let addr = format!("127.0.0.1:{port}");
    let (code, out, err) = echo_client(
        &[
            "--connect",
            &addr,
            "--ca",
            &pki.arg("ca.pem"),
            "--message",
            "through cat",
        ],
        b"",
    )
    .await;
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, "through cat\n");
}

/// The lab's Python server in `mode` (echo, truncate or plain); returns it and its address.
async fn lab_server(pki: &PkiFiles, mode: &str) -> (Peer, String) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/lab_server.py");
    let mut server = Peer::spawn(
        "python3",
        &[script, &pki.arg("server.pem"), &pki.arg("server.key"), mode],
        "python3",
    );
    let line = server.wait_for(Output::Stdout, "listening on ").await;
    let addr = line.trim_start_matches("listening on ").to_owned();
    (server, addr)
}

#[tokio::test]
async fn echoes_through_the_lab_python_server() {
    let pki = PkiFiles::new();
    let (mut server, addr) = lab_server(&pki, "echo").await;
    let (code, out, err) = echo_client(&["--connect", &addr, "--ca", &pki.arg("ca.pem")], b"").await;
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, "Hello World!\n");
    assert_eq!(server.exit_code().await, Some(0), "the Python server saw a clean close");
}

#[tokio::test]
async fn server_closing_without_close_notify_is_reported_as_truncation() {
    let pki = PkiFiles::new();
    let (_server, addr) = lab_server(&pki, "truncate").await;
    let (code, out, err) = echo_client(&["--connect", &addr, "--ca", &pki.arg("ca.pem")], b"").await;
    assert_eq!(code, Some(1));
    assert_eq!(out, "Hel", "what did come back is shown, as it came");
    assert_eq!(
        err.trim_end(),
        format!(
            "error: {addr} closed the connection without close_notify after 3 echoed bytes, with 9 more owed: the reply may be truncated"
        )
    );
}

/// The x-ray shows each side's FIN where it came, and says when one came without close_notify: the
/// Python server closes the TCP connection without it.
#[tokio::test]
async fn the_x_ray_shows_a_fin_without_close_notify() {
    let pki = PkiFiles::new();
    let (_server, addr) = lab_server(&pki, "truncate").await;
    let (code, out, err) = echo_client(&["--connect", &addr, "--ca", &pki.arg("ca.pem"), "--trace"], b"").await;
    assert_eq!((code, out.as_str()), (Some(1), "Hel"), "{err}");
    assert!(
        err.contains("  FIN: the server closed its side of the connection, without close_notify first: the other side cannot tell this from a cut connection\n"),
        "{err}"
    );
}

/// Tracing, the client waits for the server's FIN after its close_notify, but only a second: a server
/// that keeps the connection open does not hold it for the 10 s timeout, and no FIN is claimed.
#[tokio::test]
async fn the_x_ray_waits_a_second_for_a_fin_that_never_comes() {
    let pki = PkiFiles::new();
    let (_server, addr) = lab_server(&pki, "linger").await;
    let started = std::time::Instant::now();
    let (code, out, err) = echo_client(&["--connect", &addr, "--ca", &pki.arg("ca.pem"), "--trace"], b"").await;
    let took = started.elapsed();
    assert_eq!((code, out.as_str()), (Some(0), "Hello World!\n"), "{err}");
    assert!(took < std::time::Duration::from_secs(8), "held for {took:?}");
    assert!(
        err.contains("  FIN: the client closed its side of the connection, after its close_notify\n"),
        "{err}"
    );
    assert!(!err.contains("FIN: the server"), "{err}");
}

/// A server that echoes and then neither closes nor answers close_notify: the echo is complete, so the
/// client prints it, says the server did not close, and exits 0 a second later, not after the 10 s
/// timeout with "reading the echo timed out".
#[tokio::test]
async fn a_server_that_never_closes_after_a_whole_echo_costs_a_second_and_a_warning() {
    let pki = PkiFiles::new();
    let (_server, addr) = lab_server(&pki, "hold").await;
    let started = std::time::Instant::now();
    let (code, out, err) = echo_client(&["--connect", &addr, "--ca", &pki.arg("ca.pem"), "--trace"], b"").await;
    let took = started.elapsed();
    assert_eq!((code, out.as_str()), (Some(0), "Hello World!\n"), "{err}");
    assert!(
        err.starts_with(&format!(
            "warning: the echo is complete, but {addr} had not closed the session 1 s after our close_notify"
        )),
        "{err}"
    );
    assert!(took < std::time::Duration::from_secs(8), "held for {took:?}");
    assert!(!err.contains("FIN: the server"), "{err}");
}

/// A server that resets the connection (RST) after answering: the error and the x-ray say "reset",
/// the x-ray shows no FIN of the client (a reset socket sends none), and tshark reads an RST in the
/// pcap, not a FIN.
#[tokio::test]
async fn a_reset_is_called_a_reset_and_no_fin_is_made_up() {
    let pki = PkiFiles::new();
    let (_server, addr) = lab_server(&pki, "reset").await;
    let dir = test_support::temp_dir();
    let pcap = dir.path().join("reset.pcapng").display().to_string();
    let args = [
        "--connect",
        &addr,
        "--ca",
        &pki.arg("ca.pem"),
        "--trace",
        "--pcap",
        &pcap,
    ];
    let (code, _, err) = echo_client(&args, b"").await;
    assert_eq!(code, Some(1), "{err}");
    // Whether any of the echo was read before the reset discarded the rest is the wire's race.
    assert!(
        err.contains(&format!(
            "error: {addr} reset the connection (TCP RST, no close_notify) "
        )),
        "{err}"
    );
    assert!(
        err.contains("  RST: the server reset the connection, with no close_notify: what it had sent and was not read yet here is lost\n"),
        "{err}"
    );
    assert!(!err.contains("FIN: "), "{err}");
    let flags = test_support::run(
        "tshark",
        &[
            "-r",
            &pcap,
            "-T",
            "fields",
            "-e",
            "tcp.srcport",
            "-e",
            "tcp.flags.reset",
            "-e",
            "tcp.flags.fin",
        ],
        "tshark",
        b"",
    )
    .await;
    assert!(flags.ok(), "tshark: {}", flags.stderr);
    // Each packet: its source port, then whether RST, whether FIN is set (1 or True, by tshark's version).
    let set = |flag: &str| flag == "1" || flag == "True";
    let packets: Vec<Vec<&str>> = flags.stdout.lines().map(|line| line.split('\t').collect()).collect();
    let resets: Vec<&str> = packets
        .iter()
        .filter(|p| p.len() == 3 && set(p[1]))
        .map(|p| p[0])
        .collect();
    let fins = packets.iter().filter(|p| p.len() == 3 && set(p[2])).count();
    assert_eq!(
        (resets, fins),
        (vec!["443"], 0),
        "the server's RST, no FIN: {}",
        flags.stdout
    );
}

#[tokio::test]
async fn plaintext_server_is_called_not_tls() {
    let pki = PkiFiles::new();
    let (_server, addr) = lab_server(&pki, "plain").await;
    let err = failure(&["--connect", &addr, "--ca", &pki.arg("ca.pem")]).await;
    assert!(err.contains("the server did not answer with TLS"), "{err}");
}

/// A server that does speak TLS records but sends a broken ServerHello is not called "not TLS": the
/// records were TLS's, a message inside was malformed.
#[tokio::test]
async fn a_malformed_server_hello_is_a_broken_tls_server_not_a_plain_one() {
    let pki = PkiFiles::new();
    let (_server, addr) = lab_server(&pki, "bad-hello").await;
    let err = failure(&["--connect", &addr, "--ca", &pki.arg("ca.pem")]).await;
    assert!(
        err.contains("the server sent a malformed TLS message") && !err.contains("did not answer with TLS"),
        "{err}"
    );
}

/// A tls-core server presenting `leaf`; the CA in `pki` signed it.
async fn serving(leaf: &tls_core::generate::Issued, client_ca: Option<&CertificateAuthority>) -> RunningServer {
    let cas = client_ca.map(|ca| vec![ca.issued.cert.clone()]);
    let config = config::server_config(leaf.identity(), cas.as_deref(), &TlsOptions::default()).expect("config");
    RunningServer::start(config, ServerOptions::default()).await
}

#[tokio::test]
async fn certificate_failures_each_get_their_sentence() {
    let pki = PkiFiles::new();
    let ca = pki.arg("ca.pem");

    let server = serving(&pki.pki.server, None).await;
    let addr = server.address();
    let err = failure(&["--connect", &addr, "--ca", &ca, "--server-name", "example.com"]).await;
    assert_eq!(
        err,
        format!(
            "error: TLS handshake with {addr} failed: certificate CN=127.0.0.1 is valid for IP 127.0.0.1, IP ::1, DNS localhost, not for example.com; connect with a name it holds (--server-name) or make a certificate for this one"
        )
    );

    let other = CertificateAuthority::new("Other CA", Validity::days_from_now(30)).expect("CA");
    let (other_ca, _) = pki.add("other-ca", &other.issued);
    let err = failure(&["--connect", &addr, "--ca", &other_ca]).await;
    assert!(
        err.contains("is signed by CN=tls-echo demo CA, which is not in the trusted roots (CN=Other CA)")
            && err.contains("pass --ca with its certificate"),
        "{err}"
    );
    server.stop().await;

    let expired = pki
        .pki
        .ca
        .issue(&["127.0.0.1"], Usage::Server, Validity::expired_days_ago(2))
        .expect("leaf");
    let server = serving(&expired, None).await;
    let err = failure(&["--connect", &server.address(), "--ca", &ca]).await;
    assert!(
        err.contains("has expired: it is valid from")
            && err.contains("and today is")
            && err.ends_with("; the server needs a new one"),
        "{err}"
    );
    // What would fail once it is renewed is said now too: webpki stops at the dates.
    let err = failure(&[
        "--connect",
        &server.address(),
        "--ca",
        &ca,
        "--server-name",
        "example.com",
    ])
    .await;
    assert!(
        err.contains("; the server needs a new one; and within its dates too, certificate CN=127.0.0.1 is valid for IP 127.0.0.1, not for example.com"),
        "{err}"
    );
    let err = failure(&["--connect", &server.address(), "--ca", &other_ca]).await;
    assert!(
        err.contains("; and within its dates too, certificate CN=127.0.0.1 is signed by CN=tls-echo demo CA, which is not in the trusted roots (CN=Other CA)"),
        "{err}"
    );
    server.stop().await;

    let early = pki
        .pki
        .ca
        .issue(&["127.0.0.1"], Usage::Server, Validity::starting_in_days(5))
        .expect("leaf");
    let server = serving(&early, None).await;
    let err = failure(&["--connect", &server.address(), "--ca", &ca]).await;
    assert!(err.contains("is not valid yet"), "{err}");
    server.stop().await;
}

/// A refused certificate ends the handshake with the alert that names the reason, as openssl s_server
/// reads it (rustls sends certificate_unknown for a reason it is not told), and the client still prints
/// its own sentence.
#[tokio::test]
async fn each_refusal_sends_the_alert_that_names_it() {
    let pki = PkiFiles::new();
    let expired = pki
        .pki
        .ca
        .issue(&["127.0.0.1"], Usage::Server, Validity::expired_days_ago(2))
        .expect("leaf");
    let (expired_cert, expired_key) = pki.add("expired", &expired);
    let stranger = CertificateAuthority::new("Other CA", Validity::days_from_now(30)).expect("CA");
    let (stranger, _) = pki.add("stranger", &stranger.issued);
    // A CA made again: the same name, another key.
    let twin = PkiFiles::new();
    let ca = pki.arg("ca.pem");
    let wrong_pin = test_support::pin_of(&twin.pki.server.cert);
    let cases: [(&str, &str, &[&str], &str, &str); 5] = [
        (
            "unknown CA",
            "server",
            &["--ca", &stranger],
            "SSL alert number 48",
            "which is not in the trusted roots (CN=Other CA)",
        ),
        (
            "a CA of the same name",
            "server",
            &["--ca", &twin.arg("ca.pem")],
            "SSL alert number 51",
            "was the CA made again",
        ),
        (
            "wrong name",
            "server",
            &["--ca", &ca, "--server-name", "example.com"],
            "SSL alert number 42",
            "not for example.com",
        ),
        (
            "expired",
            "expired",
            &["--ca", &ca],
            "SSL alert number 45",
            "has expired",
        ),
        (
            "pin",
            "server",
            &["--ca", &ca, "--pin", &wrong_pin],
            "SSL alert number 49",
            "no key of the server's chain has a pin",
        ),
    ];
    for (case, stem, args, alert, sentence) in cases {
        let (cert, key) = match stem {
            "expired" => (expired_cert.clone(), expired_key.clone()),
            _ => (pki.arg("server.pem"), pki.arg("server.key")),
        };
        let (mut server, accept) = test_support::openssl_server(&["-cert", &cert, "-key", &key, "-quiet"]).await;
        let mut client_args = vec!["--connect", accept.as_str()];
        client_args.extend_from_slice(args);
        let err = failure(&client_args).await;
        assert!(err.contains(sentence), "{case}: {err}");
        let read = server.wait_for(Output::Stderr, "SSL alert number").await;
        assert!(read.contains(alert), "{case}: openssl read {read}");
        server.kill().await;
    }
}

/// rustls trusts a CA past its dates (a trust anchor's dates are not checked), so the echo goes
/// through; echo-client says at once that OpenSSL and curl would refuse it.
#[tokio::test]
async fn an_expired_ca_is_warned_about_and_still_trusted() {
    let pki = PkiFiles::new();
    let (old_ca, leaf) = pki.lapsed_ca("Old CA");
    let server = serving(&leaf, None).await;
    let (code, out, err) = echo_client(&["--connect", &server.address(), "--ca", &old_ca], b"").await;
    assert_eq!((code, out.as_str()), (Some(0), "Hello World!\n"), "{err}");
    assert!(
        err.starts_with(&format!("warning: --ca {old_ca}: the trusted CA CN=Old CA expired on "))
            && err.contains("OpenSSL (and curl, built on it) refuses every certificate it signed"),
        "{err}"
    );
    server.stop().await;
}

/// openssl s_server over TLS 1.2 requiring a client certificate ends the handshake with
/// handshake_failure when none comes: the client's sentence names that possibility, and, traced (as
/// `tls-cert inspect --connect` always is), says that it was so.
#[tokio::test]
async fn a_tls_1_2_server_requiring_a_client_certificate_is_named_as_such() {
    let pki = PkiFiles::new();
    let (cert, key, ca) = (pki.arg("server.pem"), pki.arg("server.key"), pki.arg("ca.pem"));
    let args = [
        "-cert", &cert, "-key", &key, "-tls1_2", "-Verify", "1", "-CAfile", &ca, "-quiet",
    ];
    let (_server, accept) = test_support::openssl_server(&args).await;
    let err = failure(&["--connect", &accept, "--ca", &ca]).await;
    assert!(
        err.contains("(alert handshake_failure): it found no cipher suite, key exchange or signature scheme in common, or, over TLS 1.2, it requires a client certificate"),
        "{err}"
    );
    let (code, _, err) = echo_client(&["--connect", &accept, "--ca", &ca, "--trace"], b"").await;
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("the server requires a client certificate (it sent CertificateRequest) and none was sent, so it ended the handshake (alert handshake_failure); give the client one from a CA the server trusts (echo-client: --cert and --key)"),
        "{err}"
    );
}

/// The same server asking for RSA client certificates only, given an ECDSA one: rustls sends none,
/// and the client does not tell the user to pass the --cert and --key it passed.
#[tokio::test]
async fn a_client_certificate_of_a_kind_the_server_did_not_ask_for_is_named_as_such() {
    let pki = PkiFiles::new();
    let (cert, key, ca) = (pki.arg("server.pem"), pki.arg("server.key"), pki.arg("ca.pem"));
    let args = [
        "-cert",
        &cert,
        "-key",
        &key,
        "-tls1_2",
        "-Verify",
        "1",
        "-CAfile",
        &ca,
        "-client_sigalgs",
        "RSA+SHA256",
        "-quiet",
    ];
    let (_server, accept) = test_support::openssl_server(&args).await;
    let client = [
        "--connect",
        &accept,
        "--ca",
        &ca,
        "--cert",
        &pki.arg("client.pem"),
        "--key",
        &pki.arg("client.key"),
    ];
    let err = failure(&client).await;
    assert!(
        err.contains("it refused our client certificate or found it not of a kind it asked for"),
        "{err}"
    );
    assert!(!err.contains("--cert and --key"), "{err}");
    let (code, _, err) = echo_client(&[&client[..], &["--trace"]].concat(), b"").await;
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("and ours is not of a kind it asked for (the key types and signature schemes its request lists), so none was sent"),
        "{err}"
    );
}

#[tokio::test]
async fn each_broken_certificate_scenario_gets_its_sentence() {
    let pki = PkiFiles::new();
    for (kind, expected) in test_support::SCENARIO_MESSAGES {
        let server = test_support::scenario_server(kind, &pki.pki.ca).await;
        let args = ["--connect", &server.address(), "--ca", &pki.arg("ca.pem")];
        match expected {
            None => {
                let (code, out, err) = echo_client(&args, b"").await;
                assert_eq!((code, out.as_str()), (Some(0), "Hello World!\n"), "{kind}: {err}");
            }
            Some(words) => {
                let err = failure(&args).await;
                assert!(err.contains(words), "{kind}: {err}");
            }
        }
        server.stop().await;
    }
}

#[tokio::test]
async fn mutual_tls_needs_cert_and_key() {
    let pki = PkiFiles::new();
    let ca = pki.arg("ca.pem");
    let server = serving(&pki.pki.server, Some(&pki.pki.ca)).await;
    let addr = server.address();
    let err = failure(&["--connect", &addr, "--ca", &ca]).await;
    assert!(
        err.contains("the server requires a client certificate (mutual TLS) and none was sent; pass --cert and --key"),
        "{err}"
    );
    // A handshake alone, too: over TLS 1.3 the refusal comes after the client's side of the handshake
    // is done, as the answer to its close_notify, and is a failure all the same.
    let err = failure(&["--connect", &addr, "--ca", &ca, "--handshake-only"]).await;
    assert!(
        err.contains("the server requires a client certificate (mutual TLS) and none was sent; pass --cert and --key"),
        "{err}"
    );
    let (cert, key) = (pki.arg("client.pem"), pki.arg("client.key"));
    let (code, _, err) = echo_client(
        &[
            "--connect",
            &addr,
            "--ca",
            &ca,
            "--cert",
            &cert,
            "--key",
            &key,
            "--handshake-only",
        ],
        b"",
    )
    .await;
    assert_eq!(code, Some(0), "{err}");
    let (code, out, err) = echo_client(&["--connect", &addr, "--ca", &ca, "--cert", &cert, "--key", &key], b"").await;
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, "Hello World!\n");
    // One file holding the certificate and then its key (HAProxy's form) needs no --key.
    let combined = test_support::write(
        pki.dir(),
        "client-combined.pem",
        format!("{}{}", pki.pki.client.cert_pem, pki.pki.client.key_pem),
    );
    let combined = combined.display().to_string();
    let (code, out, err) = echo_client(&["--connect", &addr, "--ca", &ca, "--cert", &combined], b"").await;
    assert_eq!((code, out.as_str()), (Some(0), "Hello World!\n"), "{err}");
    let (code, _, err) = echo_client(&["--connect", &addr, "--ca", &ca, "--cert", &cert], b"").await;
    assert_eq!(code, Some(2));
    assert!(
        err.contains("with no --key, the certificate file must hold its key too: give --key FILE"),
        "{err}"
    );
    server.stop().await;
}

#[tokio::test]
async fn verbose_names_the_ca_file_and_a_copied_binary_uses_no_built_in_path() {
    let pki = PkiFiles::new();
    let server = serving(&pki.pki.server, None).await;
    let ca = pki.arg("ca.pem");
    let (code, _, err) = echo_client(&["--connect", &server.address(), "--ca", &ca, "-v"], b"").await;
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.starts_with(&format!("trusting the CA certificates in {ca}\n")),
        "{err}"
    );
    // Several CA files: any of them may vouch for the server.
    let other = CertificateAuthority::new("Other CA", Validity::days_from_now(30)).expect("CA");
    let (other_ca, _) = pki.add("other-ca", &other.issued);
    let args = ["--connect", &server.address(), "--ca", &other_ca, "--ca", &ca, "-v"];
    let (code, out, err) = echo_client(&args, b"").await;
    assert_eq!((code, out.as_str()), (Some(0), "Hello World!\n"), "{err}");
    assert!(
        err.starts_with(&format!(
            "trusting the CA certificates in {other_ca}\ntrusting the CA certificates in {ca}\n"
        )),
        "{err}"
    );
    // A copy of the program, run outside the checkout: certs/ca.pem is looked for there only.
    let away = test_support::temp_dir();
    let copy = test_support::place_program(CLIENT, away.path());
    let mut command = tokio::process::Command::new(&copy);
    command
        .current_dir(away.path())
        .args(["--connect", &server.address(), "-v"]);
    let ran = test_support::bounded("the copied echo-client", command.output())
        .await
        .expect("runs");
    assert_eq!(ran.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&ran.stderr).trim_end(),
        "error: no --ca FILE given, and the default certs/ca.pem is not in this folder, a folder above it, or beside the program: give --ca FILE (tls-cert generate --out DIR makes a set)"
    );
    // Output that cannot be written is an error, not a silent success.
    let script = format!("exec {CLIENT} --connect {} --ca {ca} > /dev/full", server.address());
    let ran = test_support::run("sh", &["-c", &script], "dash", b"").await;
    assert_eq!(ran.code, Some(1), "{}", ran.stderr);
    assert!(ran.stderr.contains("cannot write the echo out"), "{}", ran.stderr);
    server.stop().await;
}

#[tokio::test]
async fn silent_server_times_out_naming_the_handshake() {
    let silent = SilentServer::start().await;
    let pki = PkiFiles::new();
    let addr = &silent.addr;
    let err = failure(&["--connect", addr, "--ca", &pki.arg("ca.pem"), "--timeout", "0.5"]).await;
    assert_eq!(err, format!("error: TLS handshake with {addr} timed out after 500 ms"));
}

#[tokio::test]
async fn stdin_lines_are_echoed_until_the_empty_line() {
    let pki = PkiFiles::new();
    let server = serving(&pki.pki.server, None).await;
    let (code, out, err) = echo_client(
        &["--connect", &server.address(), "--ca", &pki.arg("ca.pem"), "--stdin"],
        b"first line\nsecond\n\nnever sent\n",
    )
    .await;
    // The echo of what was sent; what followed the empty line was given and not sent: not a success.
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(out, "first line\nsecond\n");
    assert_eq!(
        err,
        "error: an empty line after byte 19 ended the session (the echo protocol's rule), so the rest of standard input was not sent; use --raw with `echo-server --raw` to send everything\n"
    );
    server.stop().await;
}

/// A message with an empty line inside is cut there, as standard input is: the echo of what was sent,
/// then the error, exit 1.
#[tokio::test]
async fn a_message_cut_by_an_empty_line_is_a_failure_too() {
    let pki = PkiFiles::new();
    let server = serving(&pki.pki.server, None).await;
    let (code, out, err) = echo_client(
        &[
            "--connect",
            &server.address(),
            "--ca",
            &pki.arg("ca.pem"),
            "--message",
            "a\n\nb",
        ],
        b"",
    )
    .await;
    assert_eq!((code, out.as_str()), (Some(1), "a\n"), "{err}");
    assert_eq!(
        err,
        "error: the message has an empty line, which ends the session (the echo protocol's rule): the 1 byte after it was not sent; use --raw with `echo-server --raw` to send everything\n"
    );
    server.stop().await;
}

/// Binary data to a line-mode server: its first empty line (two newlines in a row) ends the session,
/// 20 MB or not; the run says how far it got and fails, and what came back is the echo of that part.
#[tokio::test]
async fn binary_stdin_cut_by_an_empty_line_is_a_failure_not_a_warning() {
    let pki = PkiFiles::new();
    let server = serving(&pki.pki.server, None).await;
    let args = ["--connect", &server.address(), "--ca", &pki.arg("ca.pem"), "--stdin"];
    let mut input: Vec<u8> = (0..64 * 1024).map(|i| (i % 251) as u8 | 0x80).collect();
    input.extend_from_slice(b"\n\n");
    input.extend(std::iter::repeat_n(0xa5u8, 4 * 1024 * 1024));
    let ran = test_support::run(CLIENT, &args, "(built by cargo)", &input).await;
    assert_eq!(ran.code, Some(1), "{}", ran.stderr);
    assert_eq!(
        ran.stdout_bytes,
        input[..64 * 1024 + 1].to_vec(),
        "the echo of what was sent"
    );
    assert!(
        ran.stderr.starts_with("error: an empty line after byte ")
            && ran.stderr.contains("the rest of standard input was not sent"),
        "{}",
        ran.stderr
    );
    server.stop().await;
}

#[tokio::test]
async fn verbose_shows_version_group_and_subject() {
    let pki = PkiFiles::new();
    let server = serving(&pki.pki.server, None).await;
    let (code, out, err) = echo_client(&["--connect", &server.address(), "--ca", &pki.arg("ca.pem"), "-v"], b"").await;
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, "Hello World!\n");
    assert!(
        err.contains("TLSv1.3")
            && err.contains("group X25519MLKEM768 (post-quantum hybrid)")
            && err.contains("server certificate CN=127.0.0.1"),
        "{err}"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_pin_alone_trusts_exactly_one_server_key() {
    // A server whose CA nobody trusts: the pin is the only way in.
    let lonely = CertificateAuthority::new("lonely.test", Validity::days_from_now(30)).expect("CA");
    let leaf = lonely
        .issue(&["127.0.0.1"], Usage::Server, Validity::days_from_now(30))
        .expect("leaf");
    let server = serving(&leaf, None).await;
    let addr = server.address();
    let (code, out, err) = echo_client(&["--connect", &addr, "--pin", &test_support::pin_of(&leaf.cert)], b"").await;
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, "Hello World!\n");

    // The CA's key did sign the leaf, but the server does not send the CA certificate, and without
    // --ca nothing says which key the CA has: its pin cannot vouch for anything.
    let wrong = test_support::pin_of(&lonely.issued.cert);
    let err = failure(&["--connect", &addr, "--pin", &wrong]).await;
    assert_eq!(
        err,
        format!(
            "error: TLS handshake with {addr} failed: no key of the server's chain has a pin given ({wrong}); the chain's keys: CN=127.0.0.1 {}; give --pin one of these keys' pins, if this is the server you expect",
            test_support::pin_of(&leaf.cert)
        )
    );
    // Several pins: any one of them will do.
    let (code, _, err) = echo_client(
        &[
            "--connect",
            &addr,
            "--pin",
            &wrong,
            "--pin",
            &test_support::pin_of(&leaf.cert),
        ],
        b"",
    )
    .await;
    assert_eq!(code, Some(0), "{err}");
    server.stop().await;
}

#[tokio::test]
async fn pin_and_ca_must_both_hold() {
    let pki = PkiFiles::new();
    let server = serving(&pki.pki.server, None).await;
    let addr = server.address();
    let (right_pin, wrong_pin) = (
        test_support::pin_of(&pki.pki.server.cert),
        test_support::pin_of(&pki.pki.client.cert),
    );
    let ca = pki.arg("ca.pem");
    let (code, _, err) = echo_client(&["--connect", &addr, "--ca", &ca, "--pin", &right_pin], b"").await;
    assert_eq!(code, Some(0), "{err}");
    // curl's habit: --cacert is taken as --ca (clap would suggest --cert, the client's own certificate).
    let (code, _, err) = echo_client(&["--connect", &addr, "--cacert", &ca], b"").await;
    assert_eq!(code, Some(0), "{err}");
    let err = failure(&["--connect", &addr, "--ca", &ca, "--pin", &wrong_pin]).await;
    assert!(
        err.contains("no key of the server's chain has a pin given (")
            && err.ends_with("; give --pin one of these keys' pins, if this is the server you expect"),
        "{err}"
    );
    // The CA's own key vouches for the chain it verified, as HTTP public-key pinning had it.
    let ca_pin = test_support::pin_of(&pki.pki.ca.issued.cert);
    let (code, out, err) = echo_client(&["--connect", &addr, "--ca", &ca, "--pin", &ca_pin], b"").await;
    assert_eq!((code, out.as_str()), (Some(0), "Hello World!\n"), "{err}");
    assert!(err.is_empty(), "a CA pin with --ca is not a warning: {err}");
    let other = CertificateAuthority::new("Other CA", Validity::days_from_now(30)).expect("CA");
    let (other_ca, _) = pki.add("other-ca", &other.issued);
    let err = failure(&["--connect", &addr, "--ca", &other_ca, "--pin", &right_pin]).await;
    assert!(err.contains("which is not in the trusted roots"), "{err}");
    let (code, _, err) = echo_client(&["--pin", "sha256//not-base64"], b"").await;
    assert_eq!(code, Some(2));
    assert!(err.contains("is not a pin"), "{err}");
    server.stop().await;
}

#[tokio::test]
async fn an_unwritable_sslkeylogfile_is_warned_about_once() {
    let pki = PkiFiles::new();
    let server = serving(&pki.pki.server, None).await;
    // A directory cannot take the keys.
    let keylog = pki.dir().display().to_string();
    let ran = Peer::spawn_env(
        CLIENT,
        &["--connect", &server.address(), "--ca", &pki.arg("ca.pem")],
        &[("SSLKEYLOGFILE", &keylog)],
        "(built by cargo)",
    )
    .outputs()
    .await;
    assert_eq!(ran.0, "Hello World!\n");
    assert_eq!(ran.1.matches("SSLKEYLOGFILE").count(), 1, "{}", ran.1);
    assert!(ran.1.starts_with("warning: SSLKEYLOGFILE="), "{}", ran.1);
    server.stop().await;
}

#[tokio::test]
async fn sslkeylogfile_receives_the_session_secrets() {
    let pki = PkiFiles::new();
    let server = serving(&pki.pki.server, None).await;
    let keylog = pki.path("keys.log");
    let mut command = tokio::process::Command::new(CLIENT);
    command
        .args(["--connect", &server.address(), "--ca", &pki.arg("ca.pem")])
        .env("SSLKEYLOGFILE", &keylog)
        .kill_on_drop(true);
    let output = test_support::bounded("echo-client", command.output())
        .await
        .expect("run echo-client");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let log = std::fs::read_to_string(&keylog).expect("SSLKEYLOGFILE was written");
    assert!(
        log.contains("CLIENT_HANDSHAKE_TRAFFIC_SECRET ") && log.contains("CLIENT_TRAFFIC_SECRET_0 "),
        "{log}"
    );
    server.stop().await;
}

#[tokio::test]
async fn bad_input_gets_one_clear_line() {
    let pki = PkiFiles::new();
    let ca = pki.arg("ca.pem");

    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = closed.local_addr().expect("addr").to_string();
    drop(closed);
    let err = failure(&["--connect", &addr, "--ca", &ca, "--timeout", "5"]).await;
    assert!(
        err.starts_with(&format!("error: cannot connect to {addr}: Connection refused"))
            && err.ends_with("is the server running, and on that port?"),
        "{err}"
    );

    // Input that cannot be used exits 2, like clap's usage errors; a failed connection exits 1.
    let missing = pki.arg("nope.pem");
    let (code, _, err) = echo_client(&["--ca", &missing], b"").await;
    assert_eq!(code, Some(2));
    assert_eq!(
        err.trim_end(),
        format!("error: cannot load CA certificates from {missing}: there is no such file")
    );

    let (code, _, err) = echo_client(&["--ca", &ca, "--server-name", "not a name"], b"").await;
    assert_eq!(code, Some(2));
    assert!(err.contains("invalid server name \"not a name\""), "{err}");
    // An empty message is the empty line that ends a session: nothing comes back, and it says so.
    let server = serving(&pki.pki.server, None).await;
    let (code, out, err) = echo_client(&["--connect", &server.address(), "--ca", &ca, "--message", ""], b"").await;
    assert_eq!((code, out.as_str()), (Some(0), ""), "{err}");
    assert!(
        err.contains("an empty message is the empty line that ends a session"),
        "{err}"
    );
    server.stop().await;
    // Brackets around an IPv6 address, a name beyond ASCII: each says what to write instead.
    for (name, advice) in [
        ("[::1]", "write an IPv6 address without its brackets, such as ::1"),
        ("exämple.com", "in its ASCII form (xn--..."),
    ] {
        let (code, _, err) = echo_client(&["--ca", &ca, "--server-name", name], b"").await;
        assert_eq!(code, Some(2), "{err}");
        assert!(err.contains(advice), "{name}: {err}");
    }

    for (args, why) in [
        (
            &["--connect", "https://127.0.0.1:7777/"][..],
            "(it is a URL: drop the https:// in front); write it like 127.0.0.1:7777",
        ),
        (&["--connect", "::1:7777"][..], "(an IPv6 address goes in brackets)"),
        (&["--timeout", "0"][..], "seconds leaves no time at all"),
        (&["bench", "--connections", "0"][..], "0 would allow nothing at all"),
    ] {
        let (code, _, err) = echo_client(args, b"").await;
        assert_eq!(code, Some(2), "{args:?}");
        assert!(err.lines().next().is_some_and(|l| l.contains(why)), "{args:?}: {err}");
    }

    // clap's own usage errors exit 2.
    let (code, _, err) = echo_client(&["--cert", &pki.arg("client.pem")], b"").await;
    assert_eq!(code, Some(2));
    assert!(err.contains("--key"), "{err}");
}

#[tokio::test]
async fn bench_measures_each_mode_and_counts_errors_by_kind() {
    let pki = PkiFiles::new();
    let server = serving(&pki.pki.server, None).await;
    let (ca, addr) = (pki.arg("ca.pem"), server.address());
    for (mode, extra) in [
        ("handshake", &[][..]),
        ("handshake", &["--resume"][..]),
        ("latency", &[][..]),
        ("throughput", &["--size", "4096"][..]),
        ("idle", &[][..]),
    ] {
        let mut args = vec![
            "bench",
            "--connect",
            &addr,
            "--ca",
            &ca,
            "--mode",
            mode,
            "--connections",
            "4",
            "--duration",
            "0.5",
            "--json",
        ];
        args.extend_from_slice(extra);
        let (code, out, err) = echo_client(&args, b"").await;
        assert_eq!(code, Some(0), "{mode}: {err}");
        let report: serde_json::Value = serde_json::from_str(&out).expect("one JSON object");
        assert_eq!(report["mode"], mode);
        assert_eq!(report["errors"], serde_json::json!({}), "{mode}: {out}");
        match mode {
            "idle" => assert_eq!(report["ops"], 4, "all four held"),
            "throughput" => assert!(report["bytes"].as_u64() > Some(0), "{out}"),
            _ => assert!(report["ops"].as_u64() > Some(0), "{out}"),
        }
        if extra == ["--resume"] {
            assert!(report["resumed"].as_u64() > Some(0), "tickets are used: {out}");
        } else if mode == "handshake" {
            assert_eq!(report["resumed"], 0, "resumption is off unless asked for");
        }
    }
    server.stop().await;

    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = closed.local_addr().expect("addr").to_string();
    drop(closed);
    let (code, out, _) = echo_client(
        &[
            "bench",
            "--connect",
            &addr,
            "--ca",
            &ca,
            "--connections",
            "2",
            "--duration",
            "0.3",
            "--json",
        ],
        b"",
    )
    .await;
    assert_eq!(code, Some(1), "a benchmark whose every operation failed has failed");
    let report: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let refused = report["errors"]["connect"]["count"].as_u64().unwrap_or(0);
    // Backing off (1 ms, doubling) keeps 2 connections for 0.3 s to a few dozen tries, not a busy loop
    // of tens of thousands.
    assert!(
        refused > 0 && refused < 100,
        "refused connections are counted, with back-off: {out}"
    );
    assert!(
        report["errors"]["connect"]["example"]
            .as_str()
            .is_some_and(|e| e.contains("Connection refused")),
        "{out}"
    );
}

#[tokio::test]
async fn bench_with_the_wrong_name_fails_with_the_reason() {
    let pki = PkiFiles::new();
    let server = serving(&pki.pki.server, None).await;
    let args = [
        "bench",
        "--connect",
        &server.address(),
        "--ca",
        &pki.arg("ca.pem"),
        "--server-name",
        "wrong.test",
        "--connections",
        "2",
        "--duration",
        "0.3",
    ];
    let (code, out, err) = echo_client(&args, b"").await;
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("errors       handshake:"),
        "the report still prints: {out}"
    );
    assert!(
        err.contains("operation(s) failed, 0 completed; first: TLS handshake with") && err.contains("wrong.test"),
        "{err}"
    );
    server.stop().await;
}

/// Runs echo-client with `input` on standard input and checks it exits 0 with exactly `input` on
/// standard output.
async fn echoed_exactly(args: &[&str], input: &[u8]) {
    let ran = test_support::run(CLIENT, args, "(built by cargo)", input).await;
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(
        ran.stdout_bytes == input,
        "{} bytes back of {}",
        ran.stdout_bytes.len(),
        input.len()
    );
}

/// A tls-core server echoing in `mode`, with the page on (and http/1.1 in ALPN) when `page` is set.
async fn serving_as(mode: tls_core::echo::Mode, page: bool, pki: &PkiFiles) -> RunningServer {
    let tls = TlsOptions {
        alpn: if page { vec![b"http/1.1".to_vec()] } else { Vec::new() },
        ..TlsOptions::default()
    };
    let config = config::server_config(pki.pki.server.identity(), None, &tls).expect("config");
    let options = ServerOptions {
        mode,
        page: page.then(|| std::sync::Arc::new(tls_core::page::PageInfo::new(Vec::new()))),
        ..ServerOptions::default()
    };
    RunningServer::start(config, options).await
}

#[tokio::test]
async fn refused_client_certificates_are_explained_to_the_client() {
    let pki = PkiFiles::new();
    let server = serving(&pki.pki.server, Some(&pki.pki.ca)).await;
    let (addr, ca) = (server.address(), pki.arg("ca.pem"));
    let (cert, key) = pki.impostor_client();
    let err = failure(&["--connect", &addr, "--ca", &ca, "--cert", &cert, "--key", &key]).await;
    assert!(
        err.contains("the server could not verify our client certificate's signature (alert decrypt_error)"),
        "{err}"
    );
    let (cert, key) = (pki.arg("server.pem"), pki.arg("server.key"));
    let err = failure(&["--connect", &addr, "--ca", &ca, "--cert", &cert, "--key", &key]).await;
    assert!(
        err.contains("refused our client certificate as unsuitable (alert unsupported_certificate)"),
        "{err}"
    );
    server.stop().await;
}

#[tokio::test]
async fn stdin_is_sent_byte_for_byte_with_nothing_added() {
    let pki = PkiFiles::new();
    let server = serving(&pki.pki.server, None).await;
    let args = ["--connect", &server.address(), "--ca", &pki.arg("ca.pem"), "--stdin"];
    // Not UTF-8, CRLF, and no newline at the end: all of it comes back as it went.
    let input = b"\xff\xfe\x80abc\r\nnext\r\nlast, no newline";
    let ran = test_support::run(CLIENT, &args, "(built by cargo)", input).await;
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert_eq!(ran.stdout_bytes, input.to_vec());
    let (code, out, err) = echo_client(&args, b"").await;
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (Some(0), "", ""),
        "empty input, empty echo"
    );
    server.stop().await;
}

#[tokio::test]
async fn raw_mode_sends_binary_with_empty_lines_through_a_raw_server() {
    let pki = PkiFiles::new();
    let server = serving_as(tls_core::echo::Mode::Raw, false, &pki).await;
    let args = [
        "--connect",
        &server.address(),
        "--ca",
        &pki.arg("ca.pem"),
        "--stdin",
        "--raw",
    ];
    let input: Vec<u8> = (0..=255u8)
        .chain(*b"\n\n\r\n\r\nafter the empty lines")
        .cycle()
        .take(300_000)
        .collect();
    echoed_exactly(&args, &input).await;
    server.stop().await;
}

#[tokio::test]
async fn a_100_mb_line_goes_through_stdin() {
    let pki = PkiFiles::new();
    let server = serving(&pki.pki.server, None).await;
    let args = ["--connect", &server.address(), "--ca", &pki.arg("ca.pem"), "--stdin"];
    let mut line = vec![b'x'; 100 * 1024 * 1024];
    line.push(b'\n');
    echoed_exactly(&args, &line).await;
    server.stop().await;
}

#[tokio::test]
async fn an_http_answer_is_named_instead_of_a_timeout() {
    let pki = PkiFiles::new();
    let server = serving_as(tls_core::echo::Mode::Line, true, &pki).await;
    let (addr, ca) = (server.address(), pki.arg("ca.pem"));
    let err = failure(&["--connect", &addr, "--ca", &ca, "--alpn", "http/1.1", "--timeout", "1"]).await;
    assert!(
        err.contains(
            "took the session for HTTP instead of echoing (ALPN agreed on http/1.1, and no echo came within 1 s)"
        ) && err.contains("drop --alpn http/1.1, or (an echo-server) start the server with --no-page"),
        "{err}"
    );
    let err = failure(&[
        "--connect",
        &addr,
        "--ca",
        &ca,
        "--message",
        "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
    ])
    .await;
    assert!(
        // The page's answer, or its close with no echo: either way it is named as HTTP.
        err.contains("took the session for HTTP instead of echoing ("),
        "{err}"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_server_closing_an_idle_session_is_reported_as_it_happened() {
    let pki = PkiFiles::new();
    let config = config::server_config(pki.pki.server.identity(), None, &TlsOptions::default()).expect("config");
    let options = ServerOptions {
        idle_timeout: std::time::Duration::from_millis(300),
        ..ServerOptions::default()
    };
    let server = RunningServer::start(config, options).await;
    // A person who typed nothing: stdin stays open.
    let mut client = Peer::spawn(
        CLIENT,
        &["--connect", &server.address(), "--ca", &pki.arg("ca.pem"), "--stdin"],
        "(built by cargo)",
    );
    let line = client.wait_for(Output::Stderr, "error:").await;
    assert_eq!(
        line,
        format!(
            "error: {} ended the session with close_notify before the input ended (a server closes an idle session, or all of them when it shuts down)",
            server.address()
        )
    );
    assert_eq!(client.exit_code().await, Some(1));

    // Traced: the server's close_notify comes first, and the client answers with its own close_notify
    // before its FIN, as TLS asks of each side. The server's FIN is its own write after its
    // close_notify: the client's answer may go out before or after it arrives (both seen on a busy
    // machine), so the order asserted is the one TLS sets.
    let mut client = Peer::spawn(
        CLIENT,
        &[
            "--connect",
            &server.address(),
            "--ca",
            &pki.arg("ca.pem"),
            "--stdin",
            "--trace",
        ],
        "(built by cargo)",
    );
    client.wait_for(Output::Stderr, "handshake x-ray:").await;
    assert_eq!(client.exit_code().await, Some(1));
    let stderr = client.lines().join("\n");
    assert!(
        stderr.contains("server → client  FIN: the server closed its side of the connection, after its close_notify"),
        "no server FIN: {stderr}"
    );
    let server_close = stderr.find("server → client  application_data record, 19 bytes, encrypted alert");
    let after = &stderr[server_close.unwrap_or_else(|| panic!("no close_notify from the server: {stderr}"))..];
    assert!(
        after.contains("client → server  application_data record, 19 bytes, encrypted alert"),
        "the client's close_notify after the server's: {stderr}"
    );
    // The server closed its socket for good: our close_notify is answered with a reset, which either
    // comes before our shutdown (then no FIN goes out: the capture on the wire agrees) or after it.
    assert!(
        after.contains("server → client  RST: the server reset the connection, after its close_notify")
            || after
                .contains("client → server  FIN: the client closed its side of the connection, after its close_notify"),
        "{stderr}"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_message_that_only_begins_like_http_is_echoed() {
    let pki = PkiFiles::new();
    let server = serving_as(tls_core::echo::Mode::Line, true, &pki).await;
    let (addr, ca) = (server.address(), pki.arg("ca.pem"));
    for message in ["GET x", "POST", "GET / HTTP/1.1", "OPTIONS it"] {
        let (code, out, err) = echo_client(&["--connect", &addr, "--ca", &ca, "--message", message], b"").await;
        assert_eq!(
            (code, out.as_str()),
            (Some(0), format!("{message}\n").as_str()),
            "{message}: {err}"
        );
    }
    // A whole request line is HTTP, and says so every time, whether the answer or the close comes first.
    for _ in 0..5 {
        let (code, _, err) = echo_client(
            &["--connect", &addr, "--ca", &ca, "--stdin"],
            b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        )
        .await;
        assert_eq!(code, Some(1));
        assert!(err.contains("took the session for HTTP instead of echoing"), "{err}");
    }
    server.stop().await;
}

#[tokio::test]
async fn a_mode_mismatch_is_named_both_ways() {
    let pki = PkiFiles::new();
    let ca = pki.arg("ca.pem");
    // Raw client, line server: the server stops at the empty line.
    let line = serving(&pki.pki.server, None).await;
    let (code, out, err) = echo_client(
        &["--connect", &line.address(), "--ca", &ca, "--stdin", "--raw"],
        b"a\n\nb\n",
    )
    .await;
    assert_eq!((code, out.as_str()), (Some(1), "a\n"), "{err}");
    assert!(
        err.contains("ended the session at the empty line at byte 3, so it is in line mode")
            && err.contains("drop --raw"),
        "{err}"
    );
    line.stop().await;
    // Line client, raw server: the server echoes past the empty line; what did match is printed.
    let raw = serving_as(tls_core::echo::Mode::Raw, false, &pki).await;
    let (code, out, err) = echo_client(&["--connect", &raw.address(), "--ca", &ca, "--message", "a\n\nb"], b"").await;
    assert_eq!((code, out.as_str()), (Some(1), "a\n"), "{err}");
    assert!(
        err.contains("warning: the message has an empty line, which ends the session"),
        "{err}"
    );
    assert!(
        err.contains("echoed past the empty line that ends the session (at byte 2)") && err.contains("add --raw"),
        "{err}"
    );
    raw.stop().await;
}

#[tokio::test]
async fn bench_gives_up_after_a_second_of_nothing_but_errors() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = closed.local_addr().expect("addr").to_string();
    drop(closed);
    let pki = PkiFiles::new();
    // 60 s asked for; the run ends long before (the test's own bound is 20 s).
    let (code, _, err) = echo_client(
        &[
            "bench",
            "--connect",
            &addr,
            "--ca",
            &pki.arg("ca.pem"),
            "--duration",
            "60",
        ],
        b"",
    )
    .await;
    assert_eq!(code, Some(1));
    assert!(
        err.contains("0 completed (stopped after a second with nothing but errors)"),
        "{err}"
    );
}

#[tokio::test]
async fn a_reader_that_stops_early_is_no_crash() {
    let pki = PkiFiles::new();
    let server = serving(&pki.pki.server, None).await;
    let mut child = tokio::process::Command::new(CLIENT)
        .args([
            "bench",
            "--connect",
            &server.address(),
            "--ca",
            &pki.arg("ca.pem"),
            "--duration",
            "0.3",
            "--connections",
            "2",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    // Like `| head -0`: the reader is gone before the report is written.
    drop(child.stdout.take());
    let status = test_support::bounded("echo-client bench", child.wait())
        .await
        .expect("wait");
    assert_eq!(status.code(), Some(0), "no panic on a closed pipe");
    server.stop().await;
}

#[tokio::test]
async fn nonsense_values_and_a_plain_echo_service_get_their_sentence() {
    let pki = PkiFiles::new();
    let ca = pki.arg("ca.pem");
    for (args, why) in [
        (&["--alpn", ""][..], "an ALPN protocol name cannot be empty"),
        (
            &["--connect", "127.0.0.1:0"][..],
            "has port 0, which means any free port when listening",
        ),
        (
            &["--ca", &pki.arg("server.pem")][..],
            "which is not a CA certificate (no CA:TRUE); give the certificate of the CA that signed it",
        ),
    ] {
        let (code, _, err) = echo_client(args, b"").await;
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(err.lines().next().is_some_and(|l| l.contains(why)), "{args:?}: {err}");
    }
    // A plain TCP echo service sends the ClientHello back.
    let mut socat = Peer::spawn(
        "socat",
        &["-d", "-d", "TCP-LISTEN:0,bind=127.0.0.1,reuseaddr,fork", "EXEC:cat"],
        "socat",
    );
    let line = socat.wait_for(Output::Stderr, "listening on AF=2 127.0.0.1:").await;
    let port = line.rsplit(':').next().expect("port").trim().to_owned();
    let err = failure(&["--connect", &format!("127.0.0.1:{port}"), "--ca", &ca]).await;
    assert!(
        err.contains("it sent our own ClientHello back (a plain TCP echo service?)"),
        "{err}"
    );
}

#[tokio::test]
async fn a_ca_made_again_with_a_multi_part_name_is_explained() {
    let dir = test_support::temp_dir();
    let path = |name: &str| dir.path().join(name).display().to_string();
    let openssl = |args: Vec<String>| async move {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let ran = test_support::run("openssl", &args, "openssl", b"").await;
        assert!(ran.ok(), "openssl {args:?}: {}", ran.stderr);
    };
    // Two CAs made by openssl with the same three-part name; the second signs the server.
    for ca in ["ca1", "ca2"] {
        openssl(
            [
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                &path(&format!("{ca}.key")),
                "-out",
                &path(&format!("{ca}.pem")),
                "-subj",
                "/C=FR/O=Lab/CN=Lab CA",
                "-days",
                "30",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ]
            .map(String::from)
            .to_vec(),
        )
        .await;
    }
    let ext = test_support::write(
        dir.path(),
        "ext.cnf",
        "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n",
    );
    openssl(
        [
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            &path("srv.key"),
            "-out",
            &path("srv.csr"),
            "-subj",
            "/CN=127.0.0.1",
        ]
        .map(String::from)
        .to_vec(),
    )
    .await;
    openssl(
        [
            "x509",
            "-req",
            "-in",
            &path("srv.csr"),
            "-CA",
            &path("ca2.pem"),
            "-CAkey",
            &path("ca2.key"),
            "-CAcreateserial",
            "-out",
            &path("srv.pem"),
            "-days",
            "20",
            "-extfile",
            &ext.display().to_string(),
        ]
        .map(String::from)
        .to_vec(),
    )
    .await;
    let identity = tls_core::pem::load_identity(
        dir.path().join("srv.pem").as_path(),
        dir.path().join("srv.key").as_path(),
    )
    .expect("openssl's server certificate");
    let config = config::server_config(identity, None, &TlsOptions::default()).expect("config");
    let server = RunningServer::start(config, ServerOptions::default()).await;
    let err = failure(&["--connect", &server.address(), "--ca", &path("ca1.pem")]).await;
    assert!(
        err.contains("is signed by a CA named CN=Lab CA,O=Lab,C=FR, but not by the trusted certificate of that name (was the CA made again with the same name?)"),
        "{err}"
    );
    server.stop().await;
}

#[tokio::test]
async fn edges_of_message_stdin_and_bench_sizes() {
    let pki = PkiFiles::new();
    let server = serving(&pki.pki.server, None).await;
    let (addr, ca) = (server.address(), pki.arg("ca.pem"));
    // A carriage return the server holds back at the start of a line comes back when the message ends.
    let (code, out, err) = echo_client(
        &["--connect", &addr, "--ca", &ca, "--message", "\r", "--timeout", "3"],
        b"",
    )
    .await;
    assert_eq!((code, out.as_str()), (Some(0), "\r\n"), "{err}");
    let (code, out, err) = echo_client(&["--connect", &addr, "--ca", &ca, "--message", "line1\n\r"], b"").await;
    assert_eq!((code, out.as_str()), (Some(0), "line1\n\r\n"), "{err}");
    // Standard input is either a file or the data sent, not both.
    let (code, _, err) = echo_client(
        &["--connect", &addr, "--ca", "-", "--stdin"],
        pki.pki.ca.issued.cert_pem.as_bytes(),
    )
    .await;
    assert_eq!(code, Some(2));
    assert!(
        err.contains("standard input is one file at most (-), or the data --stdin sends"),
        "{err}"
    );
    // A throughput run of tiny writes ends at its deadline, and says how long it really took.
    let args = [
        "bench",
        "--connect",
        &addr,
        "--ca",
        &ca,
        "--mode",
        "throughput",
        "--size",
        "1",
        "--duration",
        "0.3",
        "--connections",
        "1",
        "--json",
    ];
    let (code, out, err) = echo_client(&args, b"").await;
    assert_eq!(code, Some(0), "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let seconds = report["seconds"].as_f64().unwrap_or(f64::MAX);
    assert!((0.3..5.0).contains(&seconds), "{out}");
    // Two files on standard input cannot both be read from it.
    let (code, _, err) = echo_client(&["--cert", &pki.arg("client.pem"), "--key", "-", "--ca", "-"], b"").await;
    assert_eq!(code, Some(2));
    assert!(err.contains("standard input is one file at most"), "{err}");
    // A run too short to measure anything, with no error either, is not a success.
    let args = [
        "bench",
        "--connect",
        &addr,
        "--ca",
        &ca,
        "--mode",
        "latency",
        "--duration",
        "0.001",
        "--connections",
        "1",
    ];
    let (code, _, err) = echo_client(&args, b"").await;
    assert!(
        code == Some(1) && err.contains("give a longer --duration") || code == Some(0),
        "{err}"
    );
    let (code, _, err) = echo_client(&["bench", "--mode", "idle", "--size", "5"], b"").await;
    assert_eq!(code, Some(2));
    assert!(err.contains("--size does nothing in idle mode"), "{err}");
    let (code, _, err) = echo_client(&["--timeout", "-1"], b"").await;
    assert_eq!(code, Some(2));
    assert!(err.contains("seconds is negative"), "{err}");
    for (args, why) in [
        (
            &["bench", "--mode", "throughput", "--size", "0"][..],
            "--size 0 sends nothing to echo",
        ),
        (
            &["bench", "--size", "99999999999999"][..],
            "bytes is more than 64 MiB per write",
        ),
        (
            &["bench", "--connections", "99999999999"][..],
            "more than any machine has sockets for",
        ),
        (
            &["--timeout", "99999999999999999999"][..],
            "seconds is more than a year",
        ),
    ] {
        let (code, _, err) = echo_client(args, b"").await;
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(err.contains(why), "{args:?}: {err}");
    }
    server.stop().await;
}

/// A bare address where clap expects a subcommand: said as an address, with the flag to write; a
/// second one after --connect is said as a second address; another word is clap's own message.
#[tokio::test]
async fn an_address_without_its_flag_is_said_as_one() {
    let cases: [(&[&str], &str); 4] = [
        (
            &["127.0.0.1:7777"],
            "error: \"127.0.0.1:7777\" is an address: write echo-client --connect 127.0.0.1:7777\n",
        ),
        (
            &["-v", "[::1]:7777"],
            "error: \"[::1]:7777\" is an address: write echo-client --connect [::1]:7777\n",
        ),
        (
            &["--connect", "127.0.0.1:1", "127.0.0.1:2"],
            "error: \"127.0.0.1:2\" is a second address: echo-client connects to one, the one --connect gives\n",
        ),
        (&["bogus"], "error: unrecognized subcommand 'bogus'"),
    ];
    for (args, said) in cases {
        let (code, out, err) = echo_client(args, b"").await;
        assert_eq!((code, out.as_str()), (Some(2), ""), "{args:?}: {err}");
        assert!(err.starts_with(said), "{args:?}: {err}");
    }
}

/// Python's ssl (OpenSSL) as a client checking the leaf against `crl`: its error, or "ok".
async fn python_with_crl(addr: &str, ca: &str, crl: &str) -> String {
    let script = "import socket, ssl, sys
host, port = sys.argv[1].rsplit(':', 1)
context = ssl.create_default_context(cafile=sys.argv[2])
context.load_verify_locations(cafile=sys.argv[3])
context.verify_flags |= ssl.VERIFY_CRL_CHECK_LEAF
try:
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        with context.wrap_socket(sock, server_hostname=host):
            print('ok')
except ssl.SSLError as err:
    print(err.reason, getattr(err, 'verify_message', ''))
";
    let ran = test_support::run("python3", &["-c", script, addr, ca, crl], "python3", b"").await;
    assert!(ran.ok(), "{}", ran.stderr);
    ran.stdout.trim().to_owned()
}

#[tokio::test]
async fn a_server_certificate_its_crl_revokes_is_refused_with_serial_date_and_reason() {
    let pki = PkiFiles::new();
    let revoked = tls_core::revocation::Revocation {
        date: 1_700_000_000,
        ..tls_core::revocation::Revocation::now(&pki.pki.server.cert, RevocationReason::Superseded)
            .expect("a certificate")
    };
    let crl = test_support::write(
        pki.dir(),
        "crl.pem",
        pki.pki.ca.revocation_list(&[revoked], 7, 7).expect("a CRL").pem,
    );
    let empty = test_support::write(
        pki.dir(),
        "empty.pem",
        pki.pki.ca.revocation_list(&[], 8, 7).expect("a CRL").pem,
    );
    let (crl, empty, ca) = (
        crl.display().to_string(),
        empty.display().to_string(),
        pki.arg("ca.pem"),
    );
    let server = serving(&pki.pki.server, None).await;
    let addr = server.address();
    // OpenSSL, through Python, reads the same list the same way.
    assert_eq!(
        python_with_crl(&addr, &ca, &crl).await,
        "CERTIFICATE_VERIFY_FAILED certificate revoked"
    );
    assert_eq!(python_with_crl(&addr, &ca, &empty).await, "ok");
    let err = failure(&["--connect", &addr, "--ca", &ca, "--crl", &crl]).await;
    assert!(
        err.contains("certificate CN=127.0.0.1 (serial ")
            && err.contains("was revoked on 2023-11-14T22:13:20Z, reason superseded")
            && err.contains("its holder needs a new one"),
        "{err}"
    );
    let (code, out, err) = echo_client(&["--connect", &addr, "--ca", &ca, "--crl", &empty], b"").await;
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, "Hello World!\n");
    // Another CA's list covers nothing here: whether it is revoked cannot be told, and that refuses.
    let other = PkiFiles::new();
    let foreign = test_support::write(
        other.dir(),
        "crl.pem",
        other.pki.ca.revocation_list(&[], 1, 7).expect("a CRL").pem,
    );
    let err = failure(&["--connect", &addr, "--ca", &ca, "--crl", &foreign.display().to_string()]).await;
    assert!(
        err.contains("the CRL from its issuer does not verify against that CA's key"),
        "{err}"
    );
    // Not a list: refused before connecting, by name.
    let (code, _, err) = echo_client(&["--connect", &addr, "--ca", &ca, "--crl", &ca], b"").await;
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("cannot load CRL from") && err.contains("ca.pem"), "{err}");
}

#[tokio::test]
async fn a_stapled_ocsp_response_is_shown_and_a_revoked_one_refused() {
    let pki = PkiFiles::new();
    let issuer = tls_core::ocsp::Issuer::of(&pki.pki.ca.issued.cert).expect("the CA");
    let id = tls_core::ocsp::CertId::of(&pki.pki.server.cert, &issuer, false).expect("a CertID");
    let stapling = |status| {
        let mut identity = pki.pki.server.identity();
        identity.ocsp = Some(
            pki.pki
                .ca
                .ocsp_response(&[(id.clone(), status)], 24, None)
                .expect("a response"),
        );
        config::server_config(identity, None, &TlsOptions::default()).expect("config")
    };
    let ca = pki.arg("ca.pem");
    let good = RunningServer::start(stapling(tls_core::ocsp::CertStatus::Good), ServerOptions::default()).await;
    let (code, out, err) = echo_client(&["--connect", &good.address(), "--ca", &ca, "-v"], b"").await;
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, "Hello World!\n");
    assert!(
        err.contains("stapled OCSP response: good, signed by CN=tls-echo demo CA, produced "),
        "{err}"
    );
    let revoked = tls_core::ocsp::CertStatus::Revoked {
        date: 1_700_000_000,
        reason: Some(RevocationReason::CessationOfOperation),
    };
    let refused = RunningServer::start(stapling(revoked), ServerOptions::default()).await;
    let err = failure(&["--connect", &refused.address(), "--ca", &ca]).await;
    assert!(
        err.contains("certificate CN=127.0.0.1 (serial ")
            && err.contains("was revoked on 2023-11-14T22:13:20Z, reason cessationOfOperation"),
        "{err}"
    );
    // Signed by another CA of the same name: the staple cannot be used, and that refuses.
    let twin = CertificateAuthority::new("tls-echo demo CA", Validity::days_from_now(30)).expect("CA");
    let mut identity = pki.pki.server.identity();
    identity.ocsp = Some(
        twin.ocsp_response(&[(id.clone(), tls_core::ocsp::CertStatus::Good)], 24, None)
            .expect("a response"),
    );
    let forged = RunningServer::start(
        config::server_config(identity, None, &TlsOptions::default()).expect("config"),
        ServerOptions::default(),
    )
    .await;
    let err = failure(&["--connect", &forged.address(), "--ca", &ca]).await;
    assert!(
        err.contains("the OCSP response stapled for certificate CN=127.0.0.1 cannot be used: its signature does not verify with the key of CN=tls-echo demo CA"),
        "{err}"
    );
    let (code, _, err) = echo_client(&["--connect", &good.address(), "--ca", &ca, "-v"], b"").await;
    assert_eq!(code, Some(0), "{err}");
}
