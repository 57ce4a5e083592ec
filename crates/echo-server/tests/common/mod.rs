//! What the echo-server test files share: the binary started on port 0, and its real clients.
#![allow(dead_code, unreachable_pub)]

use std::path::Path;

use std::sync::Arc;

use test_support::{Output, Peer, PkiFiles, Ran, bounded};
use tls_core::client::{self, ClientOptions, Connection};
use tls_core::scenario::Kind;

pub const SERVER: &str = env!("CARGO_BIN_EXE_echo-server");

/// echo-server on 127.0.0.1 and a port from the OS, with the PKI's server certificate.
pub struct Server {
    pub peer: Peer,
    pub addr: String,
    pub port: String,
}

impl Server {
    pub async fn start(pki: &PkiFiles, extra: &[&str]) -> Self {
        let (cert, key) = (pki.arg("server.pem"), pki.arg("server.key"));
        let mut args = vec!["--listen", "127.0.0.1:0", "--cert", &cert, "--key", &key];
        args.extend_from_slice(extra);
        Self::start_with(&args, None).await
    }

    pub async fn start_with(args: &[&str], dir: Option<&Path>) -> Self {
        let peer = match dir {
            Some(dir) => Peer::spawn_in(dir, SERVER, args, "(built by cargo)"),
            None => Peer::spawn(SERVER, args, "(built by cargo)"),
        };
        Self::listening(peer).await
    }

    /// The server `peer` runs, once it says where it listens.
    pub async fn listening(mut peer: Peer) -> Self {
        let line = peer.wait_for(Output::Stdout, "listening on ").await;
        let addr = line.trim_start_matches("listening on ").to_owned();
        let port = addr.rsplit(':').next().expect("ADDR has a port").to_owned();
        assert_ne!(port, "0", "the real port is printed, not the one asked for");
        Self { peer, addr, port }
    }
}

/// A verified TLS session with `server`, asking for `name` (SNI and the name checked), trusting the
/// PKI's CA; bounded.
pub async fn connect(server: &Server, pki: &PkiFiles, name: &str) -> Connection {
    let config = test_support::client_config(&pki.pki.ca);
    bounded("connect", connecting(server.addr.clone(), config, name)).await
}

/// As [`connect`], as a future that owns what it needs, for spawning thousands with one `config`.
pub fn connecting(
    addr: String,
    config: Arc<tls_core::rustls::ClientConfig>,
    name: &str,
) -> impl Future<Output = Connection> + Send + 'static {
    let name = client::parse_server_name(name).expect("name");
    async move {
        client::connect(&addr, name, config, ClientOptions::default())
            .await
            .expect("a verified TLS session")
    }
}

/// Runs the lab's Python client; returns (success, stdout, stderr).
pub async fn lab_client(server: &Server, ca: &str, message: &str, extra: &[&str]) -> (bool, String, String) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/lab_client.py");
    let mut args = vec![script, "127.0.0.1", &server.port, ca, message];
    args.extend_from_slice(extra);
    run("python3", &args, "python3").await
}

/// Runs `openssl s_client -quiet` against `server` with `extra` flags, `input` on stdin; returns
/// (success, stdout, stderr).
pub async fn s_client(server: &Server, extra: &[&str], input: &[u8]) -> (bool, String, String) {
    let mut args = vec!["s_client", "-connect", &server.addr, "-quiet"];
    args.extend_from_slice(extra);
    run_with_input("openssl", &args, "openssl", input).await
}

/// Runs a program to its end (bounded); returns (success, stdout, stderr).
pub async fn run_with_input(program: &str, args: &[&str], package: &str, input: &[u8]) -> (bool, String, String) {
    let ran = test_support::run(program, args, package, input).await;
    (ran.ok(), ran.stdout, ran.stderr)
}

pub async fn run(program: &str, args: &[&str], package: &str) -> (bool, String, String) {
    run_with_input(program, args, package, b"").await
}

/// curl against `server` with `args`; `--silent --show-error` always.
pub async fn curl(args: &[&str]) -> Ran {
    let mut all = vec!["--silent", "--show-error", "--max-time", "15"];
    all.extend_from_slice(args);
    test_support::run("curl", &all, "curl", b"").await
}

/// echo-server serving `kind`, signed by the test PKI's CA.
pub async fn scenario(pki: &PkiFiles, kind: Kind) -> Server {
    let args = [
        "--listen",
        "127.0.0.1:0",
        "--scenario",
        kind.name(),
        "--scenario-ca",
        &pki.arg("ca.pem"),
        "--scenario-ca-key",
        &pki.arg("ca.key"),
    ];
    Server::start_with(&args, None).await
}

/// echo-server --gallery on 127.0.0.1, signed by the test PKI's CA.
pub async fn gallery(pki: &PkiFiles) -> Server {
    gallery_with(pki, "127.0.0.1:0", &[]).await
}

/// echo-server --gallery listening on `listen`, signed by the test PKI's CA, with `extra` flags.
pub async fn gallery_with(pki: &PkiFiles, listen: &str, extra: &[&str]) -> Server {
    let (ca, key) = (pki.arg("ca.pem"), pki.arg("ca.key"));
    let mut args = vec![
        "--listen",
        listen,
        "--gallery",
        "--scenario-ca",
        &ca,
        "--scenario-ca-key",
        &key,
    ];
    args.extend_from_slice(extra);
    Server::start_with(&args, None).await
}
