//! `echo-client --trace` and `--trace-json`: the handshake x-ray of a real connection, against our
//! server and against servers we did not write (gnutls-serv, openssl s_server with TLS 1.2). The
//! oracle for the decryption is the TLS library itself: both Finished values only verify when every
//! record before them was opened with the right keys and every message was read whole.

use std::path::Path;

use serde_json::Value;
use test_support::{Output, Peer, PkiFiles, RunningServer, temp_dir};
use tls_core::server::ServerOptions;

const CLIENT: &str = env!("CARGO_BIN_EXE_echo-client");

/// Runs echo-client against `addr` with the x-ray on; returns (exit code, stderr, the JSON). The
/// `--trace-html` page of the same run is checked against the JSON: one record element per record
/// and one message element per message, in the same order, of the same types; whole by itself.
async fn traced(pki: &PkiFiles, addr: &str, extra: &[&str]) -> (Option<i32>, String, Value) {
    let (code, stderr, json, _) = traced_with_page(pki, addr, extra).await;
    (code, stderr, json)
}

/// As [`traced`], with the page too.
async fn traced_with_page(pki: &PkiFiles, addr: &str, extra: &[&str]) -> (Option<i32>, String, Value, String) {
    let dir = temp_dir();
    let json = dir.path().join("trace.json").display().to_string();
    let html = dir.path().join("trace.html").display().to_string();
    let ca = pki.arg("ca.pem");
    let mut args = vec![
        "--connect",
        addr,
        "--ca",
        &ca,
        "--trace",
        "--trace-json",
        &json,
        "--trace-html",
        &html,
    ];
    args.extend_from_slice(extra);
    let ran = test_support::run(CLIENT, &args, "(built by cargo)", b"").await;
    let text = std::fs::read_to_string(&json).unwrap_or_else(|err| panic!("{json}: {err}; stderr: {}", ran.stderr));
    let parsed = serde_json::from_str(&text).unwrap_or_else(|err| panic!("{json} is not JSON: {err}\n{text}"));
    let page = std::fs::read_to_string(&html).unwrap_or_else(|err| panic!("{html}: {err}; stderr: {}", ran.stderr));
    let records = test_support::json_records(&parsed);
    assert!(!records.is_empty(), "{parsed:#}");
    assert_eq!(test_support::page_records(&page), records, "{page}");
    test_support::assert_self_contained(&page);
    (ran.code, ran.stderr, parsed, page)
}

/// The page a reader opens: TLS 1.3 with echo-server (the key shares to scale, both Finished
/// verified, the key schedule, JA4 in parts) and TLS 1.2 with openssl s_server (its key exchange,
/// ChangeCipherSpec in its place, the key block).
#[tokio::test]
async fn the_trace_html_page_draws_the_connection_as_a_ladder() {
    let pki = PkiFiles::new();
    let server = serving(&pki).await;
    let (code, stderr, _, page) = traced_with_page(&pki, &server.address(), &["--server-name", "localhost"]).await;
    assert_eq!(code, Some(0), "{stderr}");
    for fragment in [
        "<title>TLS handshake with 127.0.0.1:",
        "<tr class=\"record plain from-client\"><td class=\"t\">",
        "<details class=\"message\" data-type=\"client_hello\"><summary><b>ClientHello</b> ",
        "<span class=\"ref\">RFC 8446 4.1.2</span>",
        "<div class=\"share\"><span class=\"bar\" style=\"width:100.0%\"></span><span>X25519MLKEM768 1216 bytes</span></div>",
        "<div class=\"share\"><span class=\"bar\" style=\"width:2.6%\"></span><span>X25519 32 bytes</span></div>",
        "<tr class=\"record hs from-server\">",
        "encrypted with the handshake keys (SERVER_HANDSHAKE_TRAFFIC_SECRET), holding handshake",
        "<b>Finished</b> 32 bytes <span class=\"ok\">verified</span>",
        "<b>Alert</b> close_notify (warning) 2 bytes",
        "<span class=\"secret\">CLIENT_TRAFFIC_SECRET_0</span> → key (16 bytes) and IV (12 bytes)",
        "FIN: the client closed its side of the connection, after its close_notify",
        ": over TCP, highest version offered 13, a server name (SNI) was sent, ",
        "<tr><th>Outcome</th><td>the session ended as it should (exit code 0)</td></tr>",
        // One scale for the page: the server's 1,120-byte share against the client's 1,216.
        "<span class=\"bar\" style=\"width:92.1%\"></span><span>X25519MLKEM768 1120 bytes</span>",
        "<code>Derive-Secret(., \"s hs traffic\", ClientHello to ServerHello)</code> → <span class=\"secret\">SERVER_HANDSHAKE_TRAFFIC_SECRET</span>",
        "with the name of the server it wants (SNI)",
    ] {
        assert!(page.contains(fragment), "no {fragment} in\n{page}");
    }
    assert_eq!(page.matches("<span class=\"ok\">verified</span>").count(), 2, "{page}");

    let (cert, key) = (pki.arg("server.pem"), pki.arg("server.key"));
    let (_server, accept) = test_support::openssl_server(&["-cert", &cert, "-key", &key, "-tls1_2", "-quiet"]).await;
    let (_, stderr, _, page) = traced_with_page(&pki, &accept, &["--timeout", "1"]).await;
    for fragment in [
        "<details class=\"message\" data-type=\"server_key_exchange\"><summary><b>ServerKeyExchange</b> ",
        "<span class=\"ref\">RFC 8422 5.4</span>",
        "<details class=\"message\" data-type=\"client_key_exchange\">",
        "change_cipher_spec record, 1 byte <span class=\"prot\">plaintext</span>",
        "→ key block: <code>PRF-SHA-384(master secret, \"key expansion\", server random + client random)</code>",
        "Not shown: the (EC)DHE shared secret (the pre-master secret)",
        "In TLS 1.2 there are no handshake keys",
        "encrypted with the client write key of the key block (from the master secret)",
        "The server chose TLS 1.2, so these key shares went unused.",
    ] {
        assert!(page.contains(fragment), "no {fragment} in\n{page}\n{stderr}");
    }
    // A HelloRetryRequest: the second ClientHello is said to answer it.
    let (_retrying, accept) =
        test_support::openssl_server(&["-cert", &cert, "-key", &key, "-tls1_3", "-groups", "P-384", "-quiet"]).await;
    let (_, stderr, _, page) = traced_with_page(&pki, &accept, &["--handshake-only"]).await;
    for fragment in [
        "<b>HelloRetryRequest</b>",
        "The client&#39;s second hello, answering the HelloRetryRequest",
        "<span>secp384r1 97 bytes</span>",
    ] {
        assert!(page.contains(fragment), "no {fragment} in\n{page}\n{stderr}");
    }
}

/// echo-server's sessions on a port of their own, with the test PKI's server certificate.
async fn serving(pki: &PkiFiles) -> RunningServer {
    RunningServer::start(
        test_support::server_config(pki.pki.server.identity()),
        ServerOptions::default(),
    )
    .await
}

/// The message of type `kind`.
fn message<'a>(trace: &'a Value, kind: &str) -> &'a Value {
    trace["records"]
        .as_array()
        .expect("records")
        .iter()
        .flat_map(|record| record["messages"].as_array().expect("messages"))
        .find(|message| message["type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {trace:#}"))
}

/// The extension `name` of a hello.
fn extension<'a>(hello: &'a Value, name: &str) -> &'a Value {
    hello["extensions"]
        .as_array()
        .expect("extensions")
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {hello:#}"))
}

#[tokio::test]
async fn a_session_with_echo_server_is_decoded_decrypted_and_both_finished_verify() {
    let pki = PkiFiles::new();
    let server = serving(&pki).await;
    let (code, stderr, trace) = traced(&pki, &server.address(), &["--server-name", "localhost"]).await;
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(trace["version"], "TLSv1.3");
    assert_eq!(trace["group"], "X25519MLKEM768");
    assert_eq!(trace["finished"]["server"], "verified", "{trace:#}");
    assert_eq!(trace["finished"]["client"], "verified", "{trace:#}");
    let types = test_support::trace_message_types(&trace);
    let handshake: Vec<&str> = types.iter().map(String::as_str).filter(|t| *t != "alert").collect();
    assert_eq!(
        &handshake[..7],
        [
            "client_hello",
            "server_hello",
            "encrypted_extensions",
            "certificate",
            "certificate_verify",
            "finished",
            "finished"
        ],
        "{types:?}"
    );
    assert!(types.iter().any(|t| t == "new_session_ticket"), "{types:?}");
    // Each side closes its half after its close_notify (its FIN, in the timeline and the JSON): the
    // client first, then the server, whose FIN the client waits for when tracing.
    assert_both_closed_cleanly(&stderr, &trace);
    assert_eq!(trace["resumed"], false);
    // The post-quantum hybrid's key shares: 1,216 bytes from the client, 1,120 from the server.
    let hello = message(&trace, "client_hello");
    let shares = &extension(hello, "key_share")["shares"];
    assert_eq!(shares[0]["group"], "X25519MLKEM768");
    assert_eq!(shares[0]["key_exchange_bytes"], 1216);
    assert_eq!(extension(hello, "server_name")["host_name"], "localhost");
    let server_share = extension(message(&trace, "server_hello"), "key_share");
    assert_eq!(server_share["key_exchange_bytes"], 1120);
    assert_eq!(
        message(&trace, "certificate")["certificates"][0]["subject"],
        "CN=127.0.0.1"
    );
    // Each record's length is the record's own; each message's the message's own length field.
    let first = &trace["records"][0];
    assert_eq!(first["direction"], "client");
    assert_eq!(first["length"].as_u64(), hello["length"].as_u64().map(|n| n + 4));
    assert!(
        trace["ja4"].as_str().is_some_and(|j| j.starts_with("t13d")),
        "{}",
        trace["ja4"]
    );
    // The echo itself, decrypted: "Hello World!" both ways.
    let data: Vec<&Value> = trace["records"]
        .as_array()
        .expect("records")
        .iter()
        .filter(|r| r["inner_content_type"] == "application_data")
        .collect();
    assert_eq!(data.len(), 2, "{trace:#}");
    assert!(
        data.iter().all(|r| r["note"] == "12 bytes of application data"),
        "{data:?}"
    );
    assert!(
        stderr.contains("Finished (each side's MAC over the transcript): server verified, client verified")
            && stderr.contains("client → server  handshake record")
            && stderr.contains("opened with SERVER_HANDSHAKE_TRAFFIC_SECRET's keys"),
        "{stderr}"
    );
}

#[tokio::test]
async fn gnutls_serv_over_tls_1_3_is_decrypted_and_verified_too() {
    let pki = PkiFiles::new();
    let (_gnutls, addr) = test_support::gnutls_echo_server(&pki).await;
    let (code, stderr, trace) = traced(&pki, &addr, &["--message", "Hello gnutls\n"]).await;
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(trace["version"], "TLSv1.3");
    assert_eq!(trace["finished"]["server"], "verified", "{trace:#}");
    assert_eq!(trace["finished"]["client"], "verified", "{trace:#}");
    assert_both_closed_cleanly(&stderr, &trace);
}

/// A session longer than the timeline lists: the records not listed, and the capture's cut, are said
/// where they came, before the FINs that followed them.
#[tokio::test]
async fn records_not_listed_and_the_cut_come_before_the_fins() {
    let pki = PkiFiles::new();
    let server = serving(&pki).await;
    let (ca, addr) = (pki.arg("ca.pem"), server.address());
    let args = ["--connect", addr.as_str(), "--ca", &ca, "--stdin", "--trace"];
    // Ten lines, each echoed before the next is sent: ten records each way, two more than listed.
    let mut client = Peer::spawn(CLIENT, &args, "(built by cargo)");
    for i in 0..10 {
        client.send(format!("line {i}\n").as_bytes()).await;
        client.wait_for(Output::Stdout, &format!("line {i}")).await;
    }
    client.close_stdin();
    let (_, stderr) = client.outputs().await;
    // Two more each way, counted where they came: before the close_notify alerts and the FINs.
    let more = stderr.find("(and 4 more application data records)");
    assert!(more.is_some() && more < stderr.find("encrypted alert"), "{stderr}");

    // 300 KB each way: the client's bytes alone fill the capture's 256 KiB before its FIN, so the cut
    // is said before the FINs whatever the pace of the echo. (With 200 KB, a slow echo left room for
    // the client's FIN before the cut, and the timeline rightly listed it first.)
    let input = [&b"x".repeat(199)[..], b"\n"].concat().repeat(1_500);
    let ran = test_support::run(CLIENT, &args, "(built by cargo)", &input).await;
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let cut = ran.stderr.find("(the capture's 256 KiB were full here");
    assert!(cut.is_some() && cut < ran.stderr.find("  FIN: "), "{}", ran.stderr);
}

/// The client's FIN, then the server's, each after its close_notify, in the timeline and the JSON.
fn assert_both_closed_cleanly(stderr: &str, trace: &Value) {
    let closed: Vec<(&str, bool)> = trace["closed"]
        .as_array()
        .expect("closed")
        .iter()
        .map(|c| (c["direction"].as_str().unwrap_or("?"), c["close_notify_first"] == true))
        .collect();
    assert_eq!(closed, [("client", true), ("server", true)], "{trace:#}");
    for side in ["client", "server"] {
        let line = format!("  FIN: the {side} closed its side of the connection, after its close_notify\n");
        assert!(stderr.contains(&line), "{side}: {stderr}");
    }
}

#[tokio::test]
async fn openssl_s_server_over_tls_1_2_shows_its_key_exchange_and_both_finished_verify() {
    let pki = PkiFiles::new();
    let (cert, key) = (pki.arg("server.pem"), pki.arg("server.key"));
    let (_server, accept) = test_support::openssl_server(&["-cert", &cert, "-key", &key, "-tls1_2", "-quiet"]).await;
    // s_server does not echo: the session fails, and the x-ray is still written.
    let (_, stderr, trace) = traced(&pki, &accept, &["--timeout", "1"]).await;
    assert_eq!(trace["version"], "TLSv1.2", "{stderr}");
    let types = test_support::trace_message_types(&trace);
    for kind in [
        "client_hello",
        "server_hello",
        "certificate",
        "server_key_exchange",
        "server_hello_done",
        "client_key_exchange",
    ] {
        assert!(types.iter().any(|t| t == kind), "{kind} missing: {types:?}");
    }
    let exchange = message(&trace, "server_key_exchange");
    assert_eq!(exchange["group"], "X25519", "{exchange}");
    assert_eq!(exchange["public_key_bytes"], 32);
    assert_eq!(trace["group"], "X25519");
    // The records after ChangeCipherSpec opened with the key block of the CLIENT_RANDOM secret.
    assert_eq!(trace["finished"]["server"], "verified", "{trace:#}");
    assert_eq!(trace["finished"]["client"], "verified", "{trace:#}");
    assert!(
        stderr.contains("opened with the CLIENT_RANDOM (server write key)"),
        "{stderr}"
    );
}

/// RFC 8446's number of each handshake message type the x-ray names.
fn type_number(name: &str) -> u64 {
    match name {
        "client_hello" => 1,
        "server_hello" => 2,
        "new_session_ticket" => 4,
        "encrypted_extensions" => 8,
        "certificate" => 11,
        "server_key_exchange" => 12,
        "certificate_request" => 13,
        "server_hello_done" => 14,
        "certificate_verify" => 15,
        "client_key_exchange" => 16,
        "finished" => 20,
        "key_update" => 24,
        other => panic!("no number for {other}"),
    }
}

/// The handshake messages of the JSON as (type, length), in order.
fn handshake_messages(trace: &Value) -> Vec<(u64, u64)> {
    trace["records"]
        .as_array()
        .expect("records")
        .iter()
        .flat_map(|record| record["messages"].as_array().cloned().unwrap_or_default())
        .filter(|message| message["type"] != "alert")
        .map(|message| {
            let kind = type_number(message["type"].as_str().expect("a type"));
            (kind, message["length"].as_u64().expect("a length"))
        })
        .collect()
}

/// The handshake messages tshark reads from `pcap` (decrypting with the secrets inside), in order.
async fn tshark_messages(pcap: &str) -> Vec<(u64, u64)> {
    let args = [
        "-r",
        pcap,
        "-T",
        "fields",
        "-e",
        "tls.handshake.type",
        "-e",
        "tls.handshake.length",
    ];
    let ran = test_support::run("tshark", &args, "tshark", b"").await;
    assert!(ran.ok(), "tshark: {}", ran.stderr);
    let mut messages = Vec::new();
    for line in ran.stdout.lines() {
        let (types, lengths) = line.split_once('\t').unwrap_or((line, ""));
        let numbers = |text: &str| -> Vec<u64> { text.split(',').filter_map(|n| n.trim().parse().ok()).collect() };
        messages.extend(numbers(types).into_iter().zip(numbers(lengths)));
    }
    messages
}

/// One connection, two readers: `--pcap` opened by tshark (which decrypts with the secrets the file
/// holds) lists the same handshake messages, in the same order and with the same lengths, as
/// `--trace-json` does, decrypted ones included.
#[tokio::test]
async fn tshark_reads_the_pcap_as_the_x_ray_reads_the_connection() {
    let pki = PkiFiles::new();
    let (cert, key) = (pki.arg("server.pem"), pki.arg("server.key"));
    let ours = serving(&pki).await;
    let (_gnutls, gnutls_addr) = test_support::gnutls_echo_server(&pki).await;
    let mut servers = vec![("echo-server", ours.address()), ("gnutls-serv", gnutls_addr)];
    let mut openssl = Vec::new();
    for version in ["-tls1_3", "-tls1_2"] {
        let (server, accept) = test_support::openssl_server(&["-cert", &cert, "-key", &key, version, "-quiet"]).await;
        openssl.push(server);
        servers.push((
            if version == "-tls1_3" {
                "openssl TLS 1.3"
            } else {
                "openssl TLS 1.2"
            },
            accept,
        ));
    }
    for (name, addr) in servers {
        let dir = temp_dir();
        let pcap = dir.path().join("x.pcapng").display().to_string();
        let (_, stderr, trace) = traced(
            &pki,
            &addr,
            &["--pcap", &pcap, "--timeout", "2", "--message", "x-ray\n"],
        )
        .await;
        let mine = handshake_messages(&trace);
        let theirs = tshark_messages(&pcap).await;
        // TLS 1.2 too: tshark and the x-ray both open the encrypted Finished messages.
        assert_eq!(theirs, mine, "{name}: {stderr}");
        assert!(
            mine.iter().filter(|(kind, _)| *kind == 20).count() == 2,
            "{name}: both Finished decrypted: {mine:?}"
        );
    }
}

/// `--trace=full` adds each message's bytes as annotated hex (the ClientHello's first byte, 01, named
/// as its type; each cipher suite beside its two bytes); no colour codes when standard error is not
/// a terminal.
#[tokio::test]
async fn trace_full_shows_the_bytes_and_a_pipe_gets_no_colour() {
    let pki = PkiFiles::new();
    let server = serving(&pki).await;
    let addr = server.address();
    let ca = pki.arg("ca.pem");
    let ran = test_support::run(
        CLIENT,
        &["--connect", &addr, "--ca", &ca, "--trace=full"],
        "(built by cargo)",
        b"",
    )
    .await;
    assert!(ran.ok(), "{}", ran.stderr);
    for row in [
        "  0000  01                                               msg_type client_hello",
        "  13 01                                            cipher_suite TLS_AES_128_GCM_SHA256",
        "  0004  03 03                                            legacy_version TLSv1.2",
        "cert_data X.509 certificate: subject CN=127.0.0.1, issuer CN=tls-echo demo CA",
        "verify_data",
    ] {
        assert!(ran.stderr.contains(row), "no {row:?} in\n{}", ran.stderr);
    }
    assert!(
        !ran.stderr.contains('\u{1b}'),
        "colour codes in a pipe: {:?}",
        ran.stderr
    );
    let ran = test_support::run(
        CLIENT,
        &["--connect", &addr, "--ca", &ca, "--trace=everything"],
        "(built by cargo)",
        b"",
    )
    .await;
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    // /dev/null takes the JSON and the pcap (a device is written to, not emptied first).
    let ran = test_support::run(
        CLIENT,
        &[
            "--connect",
            &addr,
            "--ca",
            &ca,
            "--trace-json",
            "/dev/null",
            "--pcap",
            "/dev/null",
        ],
        "(built by cargo)",
        b"",
    )
    .await;
    assert!(ran.ok(), "{}", ran.stderr);
    // With a space, clap would read "full" as a subcommand: the error says how to write it.
    let ran = test_support::run(
        CLIENT,
        &["--connect", &addr, "--ca", &ca, "--trace", "full"],
        "(built by cargo)",
        b"",
    )
    .await;
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert_eq!(
        ran.stderr,
        "error: \"full\" is not a subcommand: for --trace's full detail, write --trace=full (with '=': --trace takes its detail only after an equals sign)\n"
    );
    // The same word without --trace before it is not taken for its detail: clap's own message.
    let ran = test_support::run(CLIENT, &["--stdin", "full"], "(built by cargo)", b"").await;
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(!ran.stderr.contains("--trace"), "{}", ran.stderr);
}

/// The x-ray's output files are checked before anything is sent: standard output (it carries the
/// echo), a directory, a missing folder, and a file the program reads (the CA here) are refused with
/// exit 2, and the CA file is left as it was.
#[tokio::test]
async fn x_ray_output_files_that_cannot_or_must_not_be_written_are_refused_first() {
    let pki = PkiFiles::new();
    let ca = pki.arg("ca.pem");
    let dir = temp_dir();
    let missing = dir.path().join("no/such/folder.json").display().to_string();
    let folder = dir.path().display().to_string();
    for (flag, path, why) in [
        ("--trace-json", "-", "standard output carries the echo"),
        ("--pcap", folder.as_str(), "is a directory"),
        ("--trace-html", folder.as_str(), "is a directory"),
        ("--trace-html", ca.as_str(), "is the file given as --ca"),
        ("--trace-json", missing.as_str(), "its folder does not exist"),
        ("--trace-json", ca.as_str(), "is the file given as --ca"),
        (
            "--trace-json",
            "/proc/x.json",
            "--trace-json /proc/x.json: cannot write it: ",
        ),
    ] {
        // Port 9 on loopback: nothing is reached before the refusal.
        let ran = test_support::run(
            CLIENT,
            &["--connect", "127.0.0.1:9", "--ca", &ca, flag, path],
            "(built by cargo)",
            b"",
        )
        .await;
        assert_eq!(ran.code, Some(2), "{flag} {path}: {}", ran.stderr);
        assert!(
            ran.stderr.contains(why) && !ran.stderr.contains("cannot connect"),
            "{flag} {path}: {}",
            ran.stderr
        );
    }
    assert_eq!(
        std::fs::read_to_string(&ca).expect("the CA"),
        pki.pki.ca.issued.cert_pem,
        "the CA file is untouched"
    );
    // One file under two spellings is one file; so is the SSLKEYLOGFILE the TLS library writes.
    let same = dir.path().join("same.out").display().to_string();
    let dotted = dir.path().join(".").join("same.out").display().to_string();
    let ran = test_support::run(
        CLIENT,
        &[
            "--connect",
            "127.0.0.1:9",
            "--ca",
            &ca,
            "--trace-json",
            &same,
            "--pcap",
            &dotted,
        ],
        "(built by cargo)",
        b"",
    )
    .await;
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(ran.stderr.contains("are the same file"), "{}", ran.stderr);
    let ran = test_support::run(
        CLIENT,
        &[
            "--connect",
            "127.0.0.1:9",
            "--ca",
            &ca,
            "--trace-html",
            &same,
            "--trace-json",
            &dotted,
        ],
        "(built by cargo)",
        b"",
    )
    .await;
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(ran.stderr.contains("are the same file"), "{}", ran.stderr);
    let mut client = Peer::spawn_env(
        CLIENT,
        &["--connect", "127.0.0.1:9", "--ca", &ca, "--trace-json", &dotted],
        &[("SSLKEYLOGFILE", &same)],
        "(built by cargo)",
    );
    let (_, stderr) = client.outputs().await;
    assert!(stderr.contains("is the file given as SSLKEYLOGFILE"), "{stderr}");
    assert_eq!(client.exit_code().await, Some(2));
    assert!(!Path::new(&same).exists(), "nothing was written");
    // Files are told apart by what they are: a symbolic link to a file not made yet, a hard link to
    // the CA, a certificate under a name that does not say so, the file --stdin reads, standard output as /dev/stdout.
    let dangling = dir.path().join("link.json");
    std::os::unix::fs::symlink(dir.path().join("target.json"), &dangling).expect("symlink");
    let hard = dir.path().join("hard.pcap");
    std::fs::hard_link(&ca, &hard).expect("hard link");
    let input = test_support::write(dir.path(), "input.bin", [0u8, 1, 2, 255]);
    let copy = test_support::write(dir.path(), "notes.json", &pki.pki.server.cert_pem);
    let copy = copy.display().to_string();
    // A DER copy of the CA (--ca takes DER too), a bundle that starts with a comment.
    let der = test_support::write(dir.path(), "ca.der", pki.pki.ca.issued.cert.as_ref());
    let der = der.display().to_string();
    let bundle = test_support::write(
        dir.path(),
        "bundle.txt",
        format!("# my bundle\n{}", pki.pki.ca.issued.cert_pem),
    );
    let bundle = bundle.display().to_string();
    let under_a_file = format!("{copy}/x.pcapng");
    let (dangling, hard, input) = (
        dangling.display().to_string(),
        hard.display().to_string(),
        input.display().to_string(),
    );
    let target = dir.path().join("target.json").display().to_string();
    for (args, why) in [
        (vec!["--trace-json", &target, "--pcap", &dangling], "are the same file"),
        (vec!["--pcap", &hard], "is the file given as --ca"),
        (vec!["--trace-json", &copy], "holds a certificate or a key (PEM or DER)"),
        (vec!["--pcap", &der], "holds a certificate or a key (PEM or DER)"),
        (vec!["--pcap", &bundle], "holds a certificate or a key (PEM or DER)"),
        (vec!["--pcap", &under_a_file], "is a file, not a folder"),
        (
            vec!["--pcap", "/dev/stdout"],
            "is standard output (it carries the echo)",
        ),
    ] {
        let mut all = vec!["--connect", "127.0.0.1:9", "--ca", &ca];
        all.extend(&args);
        let ran = test_support::run(CLIENT, &all, "(built by cargo)", b"").await;
        assert_eq!(ran.code, Some(2), "{args:?}: {}", ran.stderr);
        assert!(ran.stderr.contains(why), "{args:?}: {}", ran.stderr);
        assert_eq!(ran.stderr.lines().count(), 1, "one line: {}", ran.stderr);
    }
    // `echo-client --stdin --pcap input.bin < input.bin`: the data sent is not written over.
    let from_input = tokio::process::Command::new(CLIENT)
        .args(["--connect", "127.0.0.1:9", "--ca", &ca, "--stdin", "--pcap", &input])
        .stdin(std::fs::File::open(&input).expect("input"))
        .output();
    let ran = test_support::bounded("echo-client reading the file it is told to write", from_input)
        .await
        .expect("echo-client ran");
    let stderr = String::from_utf8_lossy(&ran.stderr);
    assert_eq!(ran.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("is standard input (the data --stdin sends)"),
        "{stderr}"
    );
    // `echo-client --trace --pcap err.txt 2> err.txt`: the --trace text is not written over.
    let errors = dir.path().join("err.txt");
    // (spawned and waited for: `output()` would take standard error for itself)
    let mut to_errors = tokio::process::Command::new(CLIENT)
        .args(["--connect", "127.0.0.1:9", "--ca", &ca, "--trace", "--pcap"])
        .arg(&errors)
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&errors).expect("err.txt"))
        .spawn()
        .expect("echo-client started");
    let status = test_support::bounded("echo-client writing its x-ray where its errors go", to_errors.wait())
        .await
        .expect("echo-client ran");
    let written = std::fs::read_to_string(&errors).expect("err.txt");
    assert_eq!(status.code(), Some(2), "{written}");
    assert!(
        written.contains("is standard error (it carries the --trace text)"),
        "{written}"
    );
    assert!(
        !Path::new(&target).exists(),
        "the file the link would have made is not left behind"
    );
    assert_eq!(
        std::fs::read(&input).expect("input"),
        [0u8, 1, 2, 255],
        "the input is untouched"
    );
    assert_eq!(
        std::fs::read_to_string(&hard).expect("the CA"),
        pki.pki.ca.issued.cert_pem,
        "the CA is untouched"
    );
}

/// When no connection is made, no x-ray file is written: a file that was there is left as it was, one
/// that was not is not left behind empty.
#[tokio::test]
async fn no_connection_writes_no_x_ray_files() {
    let pki = PkiFiles::new();
    let dir = temp_dir();
    let old = test_support::write(dir.path(), "old.json", "the last run's trace");
    let new = dir.path().join("new.pcapng");
    let (_refusing, nothing_there) = test_support::refusing_address();
    let ran = test_support::run(
        CLIENT,
        &[
            "--connect",
            &nothing_there,
            "--ca",
            &pki.arg("ca.pem"),
            "--trace",
            "--trace-json",
            &old.display().to_string(),
            "--pcap",
            &new.display().to_string(),
        ],
        "(built by cargo)",
        b"",
    )
    .await;
    assert_eq!(ran.code, Some(1), "{}", ran.stderr);
    assert!(
        ran.stderr.contains("handshake x-ray: none, no connection was made") && ran.stderr.contains("cannot connect"),
        "{}",
        ran.stderr
    );
    assert_eq!(std::fs::read_to_string(&old).expect("old"), "the last run's trace");
    assert!(!new.exists(), "an empty pcap left behind");
    // A CA file that is no CA is refused before anything is sent: no empty page left either.
    let page = dir.path().join("new.html");
    let ran = test_support::run(
        CLIENT,
        &[
            "--connect",
            &nothing_there,
            "--ca",
            &pki.arg("client.pem"),
            "--trace-html",
            &page.display().to_string(),
        ],
        "(built by cargo)",
        b"",
    )
    .await;
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(!page.exists(), "an empty page left behind: {}", ran.stderr);
}

/// With the x-ray on, SSLKEYLOGFILE still gets the session's secrets (the capture passes them on).
#[tokio::test]
async fn sslkeylogfile_still_works_with_the_x_ray_on() {
    let pki = PkiFiles::new();
    let server = serving(&pki).await;
    let dir = temp_dir();
    let keylog = dir.path().join("keys.log");
    let (addr, ca, json) = (
        server.address(),
        pki.arg("ca.pem"),
        dir.path().join("t.json").display().to_string(),
    );
    let mut client = Peer::spawn_env(
        CLIENT,
        &["--connect", &addr, "--ca", &ca, "--trace-json", &json],
        &[("SSLKEYLOGFILE", &keylog.display().to_string())],
        "(built by cargo)",
    );
    assert_eq!(client.exit_code().await, Some(0));
    let lines = std::fs::read_to_string(&keylog).expect("the key log");
    assert!(
        lines.contains("CLIENT_HANDSHAKE_TRAFFIC_SECRET ") && lines.contains("SERVER_TRAFFIC_SECRET_0 "),
        "{lines}"
    );
}

/// The open loop ends at --duration however low the rate: with one echo due every 1,000 s, one is sent
/// and the run ends after its second.
#[tokio::test]
async fn an_open_loop_at_a_very_low_rate_still_ends_on_time() {
    let pki = PkiFiles::new();
    let server = serving(&pki).await;
    let (addr, ca) = (server.address(), pki.arg("ca.pem"));
    let args = [
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
        "--rate",
        "0.001",
        "--json",
    ];
    let ran = test_support::run_within(
        std::time::Duration::from_secs(20),
        CLIENT,
        &args,
        "(built by cargo)",
        b"",
    )
    .await;
    assert!(ran.ok(), "{}", ran.stderr);
    let report: Value = serde_json::from_str(&ran.stdout).expect("JSON");
    assert_eq!(report["ops"], 1, "{report}");
    assert_eq!(report["rate"], 0.001);
}

/// A FIFO as an output file (`--pcap >(tshark -r -)` in a shell): written to as it is, without
/// waiting to read it first.
#[tokio::test]
async fn a_fifo_takes_the_pcap() {
    let pki = PkiFiles::new();
    let server = serving(&pki).await;
    let dir = temp_dir();
    let fifo = dir.path().join("pcap.fifo").display().to_string();
    let made = test_support::run("mkfifo", &[&fifo], "coreutils", b"").await;
    assert!(made.ok(), "{}", made.stderr);
    let (addr, ca) = (server.address(), pki.arg("ca.pem"));
    let args = ["--connect", addr.as_str(), "--ca", &ca, "--pcap", &fifo];
    let mut reader = Peer::spawn("od", &["-A", "n", "-t", "x1", "-N", "4", &fifo], "coreutils");
    let ran = test_support::run(CLIENT, &args, "(built by cargo)", b"").await;
    assert!(ran.ok(), "{}", ran.stderr);
    let (magic, _) = reader.outputs().await;
    // A pcapng file begins with its Section Header Block's type, 0x0a0d0d0a.
    assert_eq!(magic.trim(), "0a 0d 0d 0a");
    // With nothing reading it yet, the client says it waits, and goes on once something reads.
    let mut client = Peer::spawn(CLIENT, &args, "(built by cargo)");
    client
        .wait_for(
            Output::Stderr,
            "is a FIFO or a pipe: if nothing reads it yet, this waits until something does",
        )
        .await;
    let mut reader = Peer::spawn("od", &["-A", "n", "-t", "x1", "-N", "4", &fifo], "coreutils");
    assert_eq!(client.exit_code().await, Some(0));
    let (magic, _) = reader.outputs().await;
    assert_eq!(magic.trim(), "0a 0d 0d 0a");
}

/// A client that refuses the server's certificate ends with a fatal alert, then its FIN: the timeline
/// says the alert told why, not that the server cannot tell this from a cut connection.
#[tokio::test]
async fn a_fin_after_a_fatal_alert_says_the_alert_told_why() {
    let (served, trusted) = (PkiFiles::new(), PkiFiles::new());
    let server = serving(&served).await;
    let (code, stderr, trace) = traced(&trusted, &server.address(), &[]).await;
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "FIN: the client closed its side of the connection, after its fatal alert decrypt_error, which says why\n"
        ),
        "{stderr}"
    );
    assert_eq!(trace["closed"][0]["after_fatal_alert"], "decrypt_error", "{trace:#}");
}

/// Ctrl-C in the middle of a traced session (standard input still open), or in its handshake, ends it
/// there: the x-ray of what was captured so far is shown and written to both files, which tshark reads,
/// and the exit code is 130, as a shell reports an interrupted program.
#[tokio::test]
async fn ctrl_c_during_a_traced_session_writes_what_was_captured_and_exits_130() {
    let pki = PkiFiles::new();
    let server = serving(&pki).await;
    let dir = temp_dir();
    let json = dir.path().join("trace.json").display().to_string();
    let pcap = dir.path().join("trace.pcapng").display().to_string();
    let ca = pki.arg("ca.pem");
    let addr = server.address();
    let args = [
        "--connect",
        &addr,
        "--ca",
        &ca,
        "--stdin",
        "-v",
        "--trace",
        "--trace-json",
        &json,
        "--pcap",
        &pcap,
    ];
    let mut client = Peer::spawn(CLIENT, &args, "(built by cargo)");
    client.send(b"one line, echoed\n").await;
    client.wait_for(Output::Stdout, "one line, echoed").await;
    client.signal("INT");
    assert_eq!(client.exit_code().await, Some(130));
    let (_, stderr) = client.outputs().await;
    assert!(
        stderr.contains("interrupted: the x-ray of what was captured until now follows"),
        "{stderr}"
    );
    let trace: Value = serde_json::from_str(&std::fs::read_to_string(&json).expect("the JSON was written"))
        .expect("the JSON is whole");
    let types = test_support::trace_message_types(&trace);
    assert!(
        types.first().map(String::as_str) == Some("client_hello") && types.iter().any(|t| t == "finished"),
        "{types:?}"
    );
    let theirs = tshark_messages(&pcap).await;
    assert_eq!(
        theirs.first().map(|m| m.0),
        Some(1),
        "tshark reads the ClientHello: {theirs:?}"
    );
    server.stop().await;

    // A listener that never answers the handshake: the client has sent its ClientHello and waits.
    // Interrupted there, the x-ray shows that hello, and tshark reads it too.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let silent_addr = silent.local_addr().expect("address").to_string();
    let json = dir.path().join("hello.json").display().to_string();
    let pcap = dir.path().join("hello.pcapng").display().to_string();
    let args = [
        "--connect",
        &silent_addr,
        "--ca",
        &ca,
        "-v",
        "--trace-json",
        &json,
        "--pcap",
        &pcap,
        "--timeout",
        "30",
    ];
    let mut client = Peer::spawn(CLIENT, &args, "(built by cargo)");
    let (mut held, _) = test_support::bounded("the client connecting", silent.accept())
        .await
        .expect("accept");
    let mut first = [0u8; 1];
    test_support::bounded(
        "the ClientHello",
        tokio::io::AsyncReadExt::read_exact(&mut held, &mut first),
    )
    .await
    .expect("the client's first byte");
    client.signal("INT");
    assert_eq!(client.exit_code().await, Some(130));
    let (_, stderr) = client.outputs().await;
    assert!(stderr.contains("interrupted during the handshake"), "{stderr}");
    let trace: Value = serde_json::from_str(&std::fs::read_to_string(&json).expect("the JSON was written"))
        .expect("the JSON is whole");
    assert_eq!(test_support::trace_message_types(&trace), ["client_hello"], "{trace}");
    assert_eq!(tshark_messages(&pcap).await.first().map(|m| m.0), Some(1));
}

/// --handshake-only against a server that does not echo (openssl s_server): the handshake, verified,
/// then close_notify, exit 0, and the x-ray at once; with data to send it is refused as usage.
#[tokio::test]
async fn handshake_only_needs_no_echo_and_refuses_data() {
    let pki = PkiFiles::new();
    let (cert, key) = (pki.arg("server.pem"), pki.arg("server.key"));
    let (_server, accept) = test_support::openssl_server(&["-cert", &cert, "-key", &key, "-quiet"]).await;
    let (code, stderr, trace) = traced(&pki, &accept, &["--handshake-only", "--timeout", "30"]).await;
    assert_eq!(code, Some(0), "{stderr}");
    let types = test_support::trace_message_types(&trace);
    assert!(types.iter().filter(|t| *t == "finished").count() == 2, "{types:?}");
    let inner: Vec<&str> = trace["records"]
        .as_array()
        .expect("records")
        .iter()
        .filter_map(|record| record["inner_content_type"].as_str())
        .collect();
    assert!(
        inner.contains(&"handshake") && !inner.contains(&"application_data"),
        "decrypted, and no data sent or received: {inner:?}"
    );
    for data in [["--stdin"], ["--raw"], ["--message"]] {
        let mut args = vec!["--connect", &accept, "--handshake-only"];
        args.extend_from_slice(&data);
        if data == ["--message"] {
            args.push("x");
        }
        let ran = test_support::run(CLIENT, &args, "(built by cargo)", b"").await;
        assert_eq!(ran.code, Some(2), "{args:?}: {}", ran.stderr);
        assert!(ran.stderr.contains("cannot be used with"), "{}", ran.stderr);
    }
}
