//! Beyond one process: HAProxy (deploy/haproxy.cfg, TLS passthrough) in front of two echo-servers, and
//! two echo-servers sharing one port with --reuse-port; in both, one backend is killed between waves of
//! clients and every client is still echoed.

mod common;

use common::Server;
use test_support::{Output, Peer, PkiFiles, bounded, free_port, wait_until_accepting};
use tls_core::client::{self, ClientOptions};

/// `count` clients at once through `addr`; each must get its own bytes back.
async fn wave(addr: &str, pki: &PkiFiles, count: usize, label: &str) {
    let config = test_support::client_config(&pki.pki.ca);
    let clients: Vec<_> = (0..count)
        .map(|i| {
            let (addr, config) = (addr.to_owned(), config.clone());
            let message = format!("{label} client {i}");
            tokio::spawn(async move {
                let name = client::parse_server_name("127.0.0.1").expect("name");
                let echoed =
                    client::round_trip(&addr, name, config, message.as_bytes(), ClientOptions::default()).await;
                (message, echoed)
            })
        })
        .collect();
    for client in clients {
        let (message, echoed) = bounded("a client", client).await.expect("no panic");
        match echoed {
            Ok(echoed) => assert_eq!(echoed, message.as_bytes()),
            Err(err) => panic!("{message}: {err}"),
        }
    }
}

#[tokio::test]
async fn haproxy_passes_tls_through_to_two_servers_and_survives_one_dying() {
    let pki = PkiFiles::new();
    let mut first = Server::start(&pki, &["--no-page"]).await;
    let mut second = Server::start(&pki, &["--no-page"]).await;
    // HAProxy refuses to bind port 0, so it is handed a port that was free a moment ago.
    let front = format!("127.0.0.1:{}", free_port());
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy/haproxy.cfg");
    let _haproxy = Peer::spawn_env(
        "haproxy",
        &["-f", config, "-db"],
        &[
            ("TLS_ECHO_FRONTEND", &front),
            ("TLS_ECHO_BACKEND1", &first.addr),
            ("TLS_ECHO_BACKEND2", &second.addr),
        ],
        "haproxy",
    );
    wait_until_accepting(&front).await;

    wave(&front, &pki, 50, "before").await;
    first.peer.wait_for(Output::Stderr, "session").await;
    second.peer.wait_for(Output::Stderr, "session").await;

    first.peer.kill().await;
    wave(&front, &pki, 50, "after").await;
    second.peer.wait_for(Output::Stderr, "preview=after client").await;
}

#[tokio::test]
async fn reuse_port_lets_two_servers_share_a_port_and_one_die() {
    let pki = PkiFiles::new();
    let mut first = Server::start(&pki, &["--no-page", "--reuse-port"]).await;
    let shared = first.addr.clone();
    let (cert, key) = (pki.arg("server.pem"), pki.arg("server.key"));
    let mut second = Server::start_with(
        &[
            "--listen",
            &shared,
            "--cert",
            &cert,
            "--key",
            &key,
            "--no-page",
            "--reuse-port",
        ],
        None,
    )
    .await;
    assert_eq!(second.addr, shared, "both listen on one port");

    wave(&shared, &pki, 60, "before").await;
    // The kernel spreads connections by their addresses: with 60 of them, both processes get some.
    first.peer.wait_for(Output::Stderr, "preview=before client").await;
    second.peer.wait_for(Output::Stderr, "preview=before client").await;

    first.peer.kill().await;
    wave(&shared, &pki, 40, "after").await;
    second.peer.wait_for(Output::Stderr, "preview=after client").await;
}

#[tokio::test]
async fn without_reuse_port_the_second_server_is_told_why_it_cannot_share() {
    let pki = PkiFiles::new();
    let first = Server::start(&pki, &["--no-page"]).await;
    let (cert, key) = (pki.arg("server.pem"), pki.arg("server.key"));
    let ran = test_support::run(
        common::SERVER,
        &["--listen", &first.addr, "--cert", &cert, "--key", &key, "--reuse-port"],
        "(built by cargo)",
        b"",
    )
    .await;
    assert_eq!(ran.code, Some(1));
    assert!(
        ran.stderr.contains("every process sharing the port must"),
        "{}",
        ran.stderr
    );
}
