//! The library's server and client talking over loopback: echo, concurrency, mutual TLS, certificate
//! failures explained, hostile or idle clients, connection cap and graceful shutdown.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::ClientConfig;

use test_support::{RunningServer, SilentServer, bounded, client_config, client_config_with, pki, server_config};
use tls_core::client::{self, ClientOptions};
use tls_core::config::{self, TlsOptions};
use tls_core::echo::Mode;
use tls_core::generate::{CertificateAuthority, Usage, Validity};
use tls_core::server::ServerOptions;
use tls_core::{Error, Presenter, Reason, Remedy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn localhost() -> rustls::pki_types::ServerName<'static> {
    client::parse_server_name("127.0.0.1").expect("valid name")
}

/// Connects to `server` as 127.0.0.1, trusting `ca` (bounded).
async fn connect(server: &RunningServer, ca: &CertificateAuthority) -> tls_core::Result<client::Connection> {
    connect_with(server, client_config(ca)).await
}

async fn connect_with(server: &RunningServer, config: Arc<ClientConfig>) -> tls_core::Result<client::Connection> {
    bounded(
        "connect",
        client::connect(&server.address(), localhost(), config, ClientOptions::default()),
    )
    .await
}

/// Connects, echoes `message`, closes (bounded).
async fn round_trip(server: &RunningServer, config: Arc<ClientConfig>, message: &[u8]) -> tls_core::Result<Vec<u8>> {
    bounded(
        "round trip",
        client::round_trip(
            &server.address(),
            localhost(),
            config,
            message,
            ClientOptions::default(),
        ),
    )
    .await
}

#[tokio::test]
async fn hello_world_comes_back() {
    let pki = pki();
    let server = RunningServer::start(server_config(pki.server.identity()), ServerOptions::default()).await;
    let echoed = round_trip(&server, client_config(&pki.ca), b"Hello World!")
        .await
        .expect("round trip succeeds");
    assert_eq!(echoed, b"Hello World!");
    server.stop().await;
}

#[tokio::test]
async fn session_reports_tls13_and_the_post_quantum_group() {
    let pki = pki();
    let server = RunningServer::start(server_config(pki.server.identity()), ServerOptions::default()).await;
    let conn = connect(&server, &pki.ca).await.expect("handshake succeeds");
    let info = conn.info().clone();
    assert_eq!(info.version, Some(rustls::ProtocolVersion::TLSv1_3));
    assert_eq!(info.group, Some(rustls::NamedGroup::X25519MLKEM768));
    assert_eq!(
        (info.version_name(), info.group_name()),
        ("TLSv1.3".to_owned(), "X25519MLKEM768".to_owned())
    );
    assert!(info.is_post_quantum());
    assert_eq!(info.peer_subject.as_deref(), Some("CN=127.0.0.1"));
    bounded("close", conn.close()).await.expect("clean close");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_clients_each_get_their_own_bytes() {
    let pki = pki();
    let server = RunningServer::start(server_config(pki.server.identity()), ServerOptions::default()).await;
    let config = client_config(&pki.ca);
    let clients: Vec<_> = (0..200)
        .map(|i| {
            let (addr, config) = (server.address(), config.clone());
            tokio::spawn(async move {
                // Different lengths and contents per client, several lines each.
                let message = format!("client {i}\n{} {i}\nend {i}", "x".repeat(i * 7));
                let mut conn = client::connect(&addr, localhost(), config, ClientOptions::default()).await?;
                let echoed = conn.echo(message.as_bytes()).await?;
                conn.close().await?;
                Ok::<_, Error>((message, echoed))
            })
        })
        .collect();
    for handle in clients {
        let (sent, echoed) = bounded("a client", handle)
            .await
            .expect("no panic")
            .expect("echo succeeds");
        assert_eq!(echoed, sent.as_bytes());
    }
    server.stop().await;
}

#[tokio::test]
async fn lines_are_echoed_until_the_empty_line_and_raw_mode_has_no_such_rule() {
    let pki = pki();
    for (mode, sent, expected) in [
        (Mode::Line, &b"one\ntwo\n\nafter"[..], &b"one\ntwo\n"[..]),
        (Mode::Raw, &b"one\n\n\x00\xff"[..], &b"one\n\n\x00\xff"[..]),
    ] {
        let options = ServerOptions {
            mode,
            ..ServerOptions::default()
        };
        let server = RunningServer::start(server_config(pki.server.identity()), options).await;
        let conn = connect(&server, &pki.ca).await.expect("handshake succeeds");
        // Raw bytes through the TLS stream, so the client's own line rule does not shape the test.
        let mut stream = conn.into_stream();
        stream.write_all(sent).await.expect("send");
        stream.shutdown().await.expect("close_notify");
        let mut received = Vec::new();
        bounded("reading until the server closes", stream.read_to_end(&mut received))
            .await
            .expect("server ends with close_notify");
        assert_eq!(received, expected, "mode {mode:?}");
        server.stop().await;
    }
}

#[tokio::test]
async fn mutual_tls_admits_the_right_client_certificate_only() {
    let pki = pki();
    let server_cfg = config::server_config(
        pki.server.identity(),
        Some(std::slice::from_ref(&pki.ca.issued.cert)),
        &TlsOptions::default(),
    )
    .expect("server config");
    let server = RunningServer::start(server_cfg, ServerOptions::default()).await;

    let with_cert = client_config_with(&pki.ca, Some(pki.client.identity()));
    let echoed = round_trip(&server, with_cert, b"mtls")
        .await
        .expect("accepted with the client certificate");
    assert_eq!(echoed, b"mtls");

    // TLS 1.3 lets the client finish its handshake before the server checks; the refusal shows at the
    // first read (rustls/tokio-rustls #83), and must still be explained.
    let without = round_trip(&server, client_config(&pki.ca), b"mtls")
        .await
        .expect_err("refused without a client certificate");
    assert!(
        without.to_string().contains("requires a client certificate"),
        "unexpected message: {without}"
    );

    let stranger_ca = CertificateAuthority::new("Stranger CA", Validity::days_from_now(30)).expect("CA");
    let stranger = stranger_ca
        .issue(&["stranger"], Usage::Client, Validity::days_from_now(30))
        .expect("client cert");
    let wrong_cert = client_config_with(&pki.ca, Some(stranger.identity()));
    let refused = round_trip(&server, wrong_cert, b"mtls")
        .await
        .expect_err("refused with a certificate from another CA");
    assert!(
        refused
            .to_string()
            .contains("the server does not trust the CA that signed our client certificate (alert unknown_ca)"),
        "unexpected message: {refused}"
    );
    server.stop().await;
}

/// Connects with the given trust and name and returns the error as the library reports it (its
/// remedy in the library's words).
async fn rejection(server: &RunningServer, ca: &CertificateAuthority, name: &str) -> String {
    reject(server, ca, name).await.report().to_string()
}

/// Connects with the given trust and name and returns the refused certificate's facts.
async fn refusal(server: &RunningServer, ca: &CertificateAuthority, name: &str) -> tls_core::Refusal {
    match reject(server, ca, name).await {
        Error::Handshake { reason, .. } => *reason.refusal.expect("a refused certificate's facts"),
        other => panic!("not a handshake error: {other:?}"),
    }
}

async fn reject(server: &RunningServer, ca: &CertificateAuthority, name: &str) -> Error {
    let err = bounded(
        "handshake",
        client::connect(
            &server.address(),
            client::parse_server_name(name).expect("name"),
            client_config(ca),
            ClientOptions::default(),
        ),
    )
    .await
    .expect_err("the certificate must be rejected");
    assert!(matches!(err, Error::Handshake { .. }), "{err:?}");
    err
}

#[tokio::test]
async fn unknown_ca_is_named_with_the_fix() {
    let pki = pki();
    let server = RunningServer::start(server_config(pki.server.identity()), ServerOptions::default()).await;
    let other = CertificateAuthority::new("Other CA", Validity::days_from_now(30)).expect("CA");
    let refused = refusal(&server, &other, "127.0.0.1").await;
    assert_eq!(
        refused.reason,
        Reason::UnknownIssuer {
            name: Some("127.0.0.1".into()),
            issuer: "CN=tls-echo demo CA".into(),
            trusted: vec!["CN=Other CA".into()],
            presenter: Presenter::Server,
            chain_end: None,
            client: false,
        }
    );
    assert_eq!(refused.remedy(), Some(Remedy::TrustCa));
    let message = rejection(&server, &other, "127.0.0.1").await;
    assert!(
        message.ends_with(
            "certificate CN=127.0.0.1 is signed by CN=tls-echo demo CA, which is not in the trusted roots (CN=Other CA) and not in what the server presented (the server sent only its own certificate): either the chain is incomplete (it must send its intermediates) or CN=tls-echo demo CA is a CA not trusted yet; trust that CA, if you know it"
        ),
        "{message}"
    );
    server.stop().await;
}

#[tokio::test]
async fn wrong_name_lists_the_names_the_certificate_holds() {
    let pki = pki();
    let server = RunningServer::start(server_config(pki.server.identity()), ServerOptions::default()).await;
    let message = rejection(&server, &pki.ca, "10.0.0.1").await;
    assert!(
        message.contains("is valid for IP 127.0.0.1, IP ::1, DNS localhost, not for 10.0.0.1"),
        "{message}"
    );
    server.stop().await;
}

#[tokio::test]
async fn ip_written_as_dns_name_is_pointed_out() {
    let pki = pki();
    // The lab's mistake: 127.0.0.1 as a DNS name. rcgen turns IP-looking strings into IP SANs, so the
    // certificate is made with a DNS-looking twin instead and asked for by IP.
    let leaf = pki
        .ca
        .issue(&["localhost"], Usage::Server, Validity::days_from_now(30))
        .expect("leaf");
    let server = RunningServer::start(server_config(leaf.identity()), ServerOptions::default()).await;
    let message = rejection(&server, &pki.ca, "127.0.0.1").await;
    assert!(
        message.contains("valid for DNS localhost, not for 127.0.0.1"),
        "{message}"
    );
    server.stop().await;
}

#[tokio::test]
async fn expired_certificate_shows_its_dates_and_today() {
    let pki = pki();
    let leaf = pki
        .ca
        .issue(&["127.0.0.1"], Usage::Server, Validity::expired_days_ago(3))
        .expect("leaf");
    let server = RunningServer::start(server_config(leaf.identity()), ServerOptions::default()).await;
    let message = rejection(&server, &pki.ca, "127.0.0.1").await;
    let today = &tls_core::x509::unix_to_rfc3339(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock after 1970")
            .as_secs() as i64,
    )[..10];
    assert!(message.contains("has expired: it is valid from"), "{message}");
    assert!(message.contains(&format!("today is {today}")), "{message}");
    server.stop().await;
}

/// A server certificate for 127.0.0.1 from an intermediate under `ca`, and it with its chain (leaf,
/// then intermediate).
fn leaf_under_an_intermediate(ca: &CertificateAuthority) -> (tls_core::generate::Issued, tls_core::Identity) {
    let intermediate = ca
        .intermediate("tls-echo demo intermediate", Validity::days_from_now(30))
        .expect("intermediate");
    let leaf = intermediate
        .issue(&["127.0.0.1"], Usage::Server, Validity::days_from_now(30))
        .expect("leaf");
    let complete = tls_core::Identity::new(
        vec![leaf.cert.clone(), intermediate.issued.cert.clone()],
        leaf.key.clone_key(),
    );
    (leaf, complete)
}

#[tokio::test]
async fn chain_missing_its_intermediate_is_called_incomplete() {
    let pki = pki();
    let (leaf, complete) = leaf_under_an_intermediate(&pki.ca);
    let server = RunningServer::start(server_config(complete), ServerOptions::default()).await;
    let echoed = round_trip(&server, client_config(&pki.ca), b"chained")
        .await
        .expect("a complete chain verifies");
    assert_eq!(echoed, b"chained");
    server.stop().await;

    let server = RunningServer::start(server_config(leaf.identity()), ServerOptions::default()).await;
    let message = rejection(&server, &pki.ca, "127.0.0.1").await;
    assert!(
        message.contains("is signed by CN=tls-echo demo intermediate, which is not in the trusted roots (CN=tls-echo demo CA) and not in what the server presented (the server sent only its own certificate): either the chain is incomplete (it must send its intermediates)"),
        "{message}"
    );
    server.stop().await;
}

/// A complete chain (leaf, then intermediate) from a root the client does not trust: the leaf is named
/// as signed by the intermediate, and the chain as ending at the intermediate, signed by the root.
#[tokio::test]
async fn a_complete_chain_from_an_untrusted_root_names_each_link_as_it_is() {
    let pki = pki();
    let (_, complete) = leaf_under_an_intermediate(&pki.ca);
    let server = RunningServer::start(server_config(complete), ServerOptions::default()).await;
    let other = CertificateAuthority::new("another CA", Validity::days_from_now(30)).expect("CA");
    let refused = refusal(&server, &other, "127.0.0.1").await;
    assert_eq!(refused.subject, "CN=127.0.0.1");
    assert_eq!(
        refused.reason,
        Reason::UnknownIssuer {
            name: Some("127.0.0.1".into()),
            issuer: "CN=tls-echo demo CA".into(),
            trusted: vec!["CN=another CA".into()],
            presenter: Presenter::Server,
            chain_end: Some((
                "CN=tls-echo demo intermediate".into(),
                "CN=tls-echo demo intermediate".into()
            )),
            client: false,
        }
    );
    server.stop().await;
}

#[tokio::test]
async fn self_signed_server_certificate_is_called_self_signed() {
    let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).expect("self-signed");
    let identity = tls_core::Identity::new(
        vec![made.cert.der().clone()],
        rustls::pki_types::PrivateKeyDer::Pkcs8(made.signing_key.serialize_der().into()),
    );
    let server = RunningServer::start(server_config(identity), ServerOptions::default()).await;
    let message = rejection(&server, &pki().ca, "127.0.0.1").await;
    assert!(
        message.contains("is self-signed") && message.contains("not in the trusted roots"),
        "{message}"
    );
    server.stop().await;
}

#[tokio::test]
async fn silent_client_is_dropped_at_the_handshake_deadline_while_others_are_served() {
    let pki = pki();
    let options = ServerOptions {
        handshake_timeout: Duration::from_millis(800),
        ..ServerOptions::default()
    };
    let server = RunningServer::start(server_config(pki.server.identity()), options).await;
    let started = Instant::now();
    let mut silent = TcpStream::connect(server.addr).await.expect("tcp connect");

    let echoed = round_trip(&server, client_config(&pki.ca), b"still served")
        .await
        .expect("served");
    assert_eq!(echoed, b"still served");

    let mut buf = [0u8; 16];
    let read = bounded("the silent client's close", silent.read(&mut buf)).await;
    assert!(matches!(read, Ok(0) | Err(_)), "expected a close, got {read:?}");
    assert!(
        started.elapsed() >= Duration::from_millis(800),
        "closed before the deadline: {:?}",
        started.elapsed()
    );
    server.stop().await;
}

#[tokio::test]
async fn plain_http_is_closed_unechoed_and_disturbs_no_one() {
    let pki = pki();
    let server = RunningServer::start(server_config(pki.server.identity()), ServerOptions::default()).await;
    let mut plain = TcpStream::connect(server.addr).await.expect("tcp connect");
    plain
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("send plaintext");

    let echoed = round_trip(&server, client_config(&pki.ca), b"fine")
        .await
        .expect("served");
    assert_eq!(echoed, b"fine");

    let mut received = Vec::new();
    let _ = bounded("the plaintext client's close", plain.read_to_end(&mut received)).await;
    assert!(
        !received.windows(3).any(|w| w == b"GET"),
        "plaintext was echoed: {received:?}"
    );
    server.stop().await;
}

#[tokio::test]
async fn connections_over_the_cap_are_refused_while_the_live_one_keeps_echoing() {
    let pki = pki();
    let options = ServerOptions {
        max_connections: 1,
        ..ServerOptions::default()
    };
    let server = RunningServer::start(server_config(pki.server.identity()), options).await;
    let config = client_config(&pki.ca);
    let mut first = connect_with(&server, config.clone())
        .await
        .expect("first client admitted");
    assert_eq!(bounded("first echo", first.echo(b"one")).await.expect("echo"), b"one");

    // Refused by the server at its cap: the handshake ends before a word, and the client says why it
    // may have (any other error, or a served connection, fails the test).
    let refused = connect_with(&server, config).await;
    assert!(
        matches!(&refused, Err(Error::Handshake { reason, .. }) if reason.says.contains("is it at its connection limit")),
        "a second connection over the cap was not refused at the handshake: {:?}",
        refused.as_ref().err()
    );

    assert_eq!(
        bounded("first echo again", first.echo(b"two")).await.expect("echo"),
        b"two"
    );
    bounded("close", first.close()).await.expect("close");
    server.stop().await;
}

#[tokio::test]
async fn shutdown_lets_a_live_session_finish_within_the_grace_period() {
    let pki = pki();
    let options = ServerOptions {
        shutdown_grace: Duration::from_secs(15),
        ..ServerOptions::default()
    };
    let mut server = RunningServer::start(server_config(pki.server.identity()), options).await;
    let mut conn = connect(&server, &pki.ca).await.expect("connected");
    assert_eq!(bounded("echo", conn.echo(b"before")).await.expect("echo"), b"before");
    server.request_stop();
    assert_eq!(
        bounded("echo during shutdown", conn.echo(b"during"))
            .await
            .expect("echo"),
        b"during"
    );
    bounded("close", conn.close()).await.expect("close");
    server.finished().await;
}

#[tokio::test]
async fn after_the_grace_period_sessions_get_close_notify() {
    let pki = pki();
    let options = ServerOptions {
        shutdown_grace: Duration::from_millis(200),
        ..ServerOptions::default()
    };
    let mut server = RunningServer::start(server_config(pki.server.identity()), options).await;
    let mut conn = connect(&server, &pki.ca).await.expect("connected");
    assert_eq!(bounded("echo", conn.echo(b"x")).await.expect("echo"), b"x");
    server.request_stop();
    let mut stream = conn.into_stream();
    let mut rest = Vec::new();
    // read_to_end succeeds only on a clean close_notify; a bare TCP close would be UnexpectedEof.
    bounded("the server's close_notify", stream.read_to_end(&mut rest))
        .await
        .expect("closed with close_notify");
    assert!(rest.is_empty());
    server.finished().await;
}

#[tokio::test]
async fn client_timeout_names_the_handshake_phase() {
    let silent = SilentServer::start().await;
    let addr = &silent.addr;
    let pki = pki();
    let options = ClientOptions {
        handshake_timeout: Duration::from_millis(300),
        ..ClientOptions::default()
    };
    let err = bounded(
        "connect to a silent server",
        client::connect(addr, localhost(), client_config(&pki.ca), options),
    )
    .await
    .expect_err("times out");
    assert_eq!(
        err.to_string(),
        format!("TLS handshake with {addr} timed out after 300 ms")
    );
}
