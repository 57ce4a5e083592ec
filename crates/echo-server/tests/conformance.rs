//! tlsfuzzer, the TLS test suite OpenSSL, GnuTLS and NSS run against their servers, against echo-server
//! in both of its ways to run: the default (line echo with the page on the port) and `--raw --no-page`.
//! Its runner (`shared/tlsfuzzer/conformance`, beside this repository, or `$TLSFUZZER_CONFORMANCE`) runs
//! the TLS 1.3 scripts that apply to a rustls echo server with an RSA-2048 certificate; every
//! conversation it keeps passes against a minimal tokio-rustls server of the same rustls version, so a
//! failure here is ours.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::Server;
use test_support::{temp_dir, write, write_key};
use tls_core::generate::{KeyType, Pki, PkiRequest};

/// The runner: `$TLSFUZZER_CONFORMANCE`, else `shared/tlsfuzzer/conformance` beside the checkout.
fn runner() -> PathBuf {
    if let Some(path) = std::env::var_os("TLSFUZZER_CONFORMANCE") {
        return path.into();
    }
    let beside = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/tlsfuzzer/conformance");
    assert!(
        beside.is_file(),
        "tlsfuzzer's runner is not at {} (the shared/ folder beside this checkout): set TLSFUZZER_CONFORMANCE to its path",
        beside.display()
    );
    beside
}

/// Serves a new RSA-2048 certificate with `flags`, runs the runner against it (with `line` for the
/// line-mode server), and fails on any failed conversation, showing them.
async fn conformance(flags: &[&str], line: bool) {
    let dir = temp_dir();
    let request = PkiRequest {
        key_type: KeyType::Rsa2048,
        clients: Vec::new(),
        ..PkiRequest::default()
    };
    let pki = Pki::new(&request).expect("an RSA-2048 certificate");
    let file = |name: &str| {
        let found = pki.files().into_iter().find(|file| file.name == name).expect("made");
        if found.secret {
            write_key(&dir.path().join(name), &found.contents);
            dir.path().join(name)
        } else {
            write(dir.path(), name, found.contents.as_bytes())
        }
    };
    let (cert, key) = (file("server.pem"), file("server.key"));
    let (cert, key) = (cert.display().to_string(), key.display().to_string());
    let mut args = vec!["--listen", "127.0.0.1:0", "--cert", &cert, "--key", &key, "-q"];
    args.extend_from_slice(flags);
    let server = Server::start_with(&args, None).await;
    let runner = runner().display().to_string();
    let mut run_args = vec![server.port.as_str()];
    if line {
        run_args.push("line");
    }
    // About a minute when every conversation closes as it should (the first run also sets up its
    // Python environment); each connection left open costs it 5 s.
    let ran = test_support::run_within(Duration::from_secs(900), &runner, &run_args, "tlsfuzzer (shared/)", b"").await;
    let summary = ran.stdout.lines().last().unwrap_or_default().to_owned();
    assert!(
        ran.ok() && summary.ends_with(" 0 failed") && !summary.starts_with("tlsfuzzer: 0 passed"),
        "echo-server {flags:?}: {summary}\n{}\n{}",
        ran.stdout,
        ran.stderr
    );
}

#[tokio::test]
async fn tlsfuzzer_finds_nothing_in_the_default_mode() {
    conformance(&[], true).await;
}

#[tokio::test]
async fn tlsfuzzer_finds_nothing_in_raw_mode_without_the_page() {
    conformance(&["--raw", "--no-page"], false).await;
}
