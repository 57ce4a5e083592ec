//! `tls-cert generate` and `tls-cert verify` run as a user runs them, checked with openssl where a second
//! opinion exists, and `tls-cert inspect` on bad input.

use std::path::Path;

use serde_json::Value;
use test_support::{Peer, PkiFiles, Ran, RunningServer, bounded, run, temp_dir, write};
use tls_core::client::{self, ClientOptions};
use tls_core::config::{self, TlsOptions};
use tls_core::generate::{CertificateAuthority, Usage, Validity};
use tls_core::pem;
use tls_core::server::ServerOptions;

const TLS_CERT: &str = env!("CARGO_BIN_EXE_tls-cert");

async fn tls_cert(args: &[&str]) -> Ran {
    run(TLS_CERT, args, "(built by cargo)", b"").await
}

async fn json_of(file: &Path) -> Value {
    let ran = tls_cert(&["inspect", "--json", &file.display().to_string()]).await;
    assert!(ran.ok(), "{}", ran.stderr);
    serde_json::from_str(ran.stdout.lines().next().expect("one object")).expect("JSON")
}

async fn openssl_verify(ca: &Path, purpose: &str, cert: &Path) {
    let (ca, cert) = (ca.display().to_string(), cert.display().to_string());
    let ran = run(
        "openssl",
        &["verify", "-CAfile", &ca, "-purpose", purpose, &cert],
        "openssl",
        b"",
    )
    .await;
    assert!(ran.ok(), "openssl verify {cert}: {}{}", ran.stdout, ran.stderr);
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).expect("file exists").permissions().mode() & 0o777
}

#[tokio::test]
async fn generate_makes_a_ca_server_and_client_that_openssl_accepts() {
    let dir = temp_dir();
    let out = dir.path().join("pki");
    let ran = tls_cert(&["generate", "--out", &out.display().to_string(), "--client", "alice"]).await;
    assert!(ran.ok(), "{}", ran.stderr);
    for name in ["ca", "server", "alice"] {
        assert!(
            ran.stdout
                .contains(&format!("wrote {}", out.join(format!("{name}.pem")).display()))
        );
        #[cfg(unix)]
        {
            assert_eq!(mode(&out.join(format!("{name}.key"))), 0o600, "{name}.key is private");
            assert_eq!(mode(&out.join(format!("{name}.pem"))), 0o644, "{name}.pem is public");
        }
    }
    let ca = json_of(&out.join("ca.pem")).await;
    assert!(ran.stdout.contains(&format!(
        "sha256 fingerprint: {}",
        ca["fingerprint_sha256"].as_str().unwrap_or("?")
    )));
    assert!(
        ran.stdout
            .contains(&format!("pin-sha256: {}", ca["pin_sha256"].as_str().unwrap_or("?")))
    );
    assert_eq!(ca["is_ca"], true);
    assert_eq!(
        ca["key_usage"],
        serde_json::json!(["digitalSignature", "keyCertSign", "cRLSign"])
    );

    let server = json_of(&out.join("server.pem")).await;
    assert_eq!(server["subject"], "CN=127.0.0.1", "the CN is the first SAN");
    assert_eq!(server["san"]["ip"], serde_json::json!(["127.0.0.1", "::1"]));
    assert_eq!(server["san"]["dns"], serde_json::json!(["localhost"]));
    assert_eq!(server["is_ca"], false);
    assert_eq!(server["extended_key_usage"], serde_json::json!(["serverAuth"]));
    assert_eq!(server["public_key"]["curve"], "P-256");
    assert_eq!(
        server["expires_in_days"].as_i64().map(|d| (823..=825).contains(&d)),
        Some(true)
    );
    assert_eq!(server["warnings"], serde_json::json!([]));
    let alice = json_of(&out.join("alice.pem")).await;
    assert_eq!(alice["extended_key_usage"], serde_json::json!(["clientAuth"]));

    openssl_verify(&out.join("ca.pem"), "sslserver", &out.join("server.pem")).await;
    openssl_verify(&out.join("ca.pem"), "sslclient", &out.join("alice.pem")).await;
}

#[tokio::test]
async fn names_go_into_ip_or_dns_sans_and_bad_names_are_refused() {
    let dir = temp_dir();
    let out = dir.path().display().to_string();
    let ran = tls_cert(&["generate", "--out", &out, "--san", "10.9.8.7", "--san", "example.test"]).await;
    assert!(ran.ok(), "{}", ran.stderr);
    let server = json_of(&dir.path().join("server.pem")).await;
    assert_eq!(server["subject"], "CN=10.9.8.7");
    assert_eq!(server["san"]["ip"], serde_json::json!(["10.9.8.7"]));
    assert_eq!(server["san"]["dns"], serde_json::json!(["example.test"]));

    let other = temp_dir();
    let ran = tls_cert(&[
        "generate",
        "--out",
        &other.path().display().to_string(),
        "--san",
        "bad name!",
    ])
    .await;
    assert_eq!(ran.code, Some(2));
    assert!(
        ran.stderr.contains("invalid server name \"bad name!\""),
        "{}",
        ran.stderr
    );
    assert!(
        !other.path().join("ca.pem").exists(),
        "nothing is written for a refused request"
    );
}

#[tokio::test]
async fn every_key_type_serves_tls() {
    for key_type in ["ecdsa-p256", "ecdsa-p384", "ed25519", "rsa2048", "rsa3072", "rsa4096"] {
        let dir = temp_dir();
        let ran = tls_cert(&[
            "generate",
            "--out",
            &dir.path().display().to_string(),
            "--key-type",
            key_type,
        ])
        .await;
        assert!(ran.ok(), "{key_type}: {}", ran.stderr);
        let identity = pem::load_identity(dir.path().join("server.pem"), dir.path().join("server.key")).expect("loads");
        let server_config = config::server_config(identity, None, &TlsOptions::default()).expect("serves");
        let server = RunningServer::start(server_config, ServerOptions::default()).await;
        let ca = pem::load_ca_certs(dir.path().join("ca.pem")).expect("CA loads");
        let client_config =
            config::client_config(config::root_store(&ca).expect("roots"), None, &TlsOptions::default())
                .expect("client config");
        let echoed = bounded(
            "round trip",
            client::round_trip(
                &server.address(),
                client::parse_server_name("localhost").expect("name"),
                client_config,
                key_type.as_bytes(),
                ClientOptions::default(),
            ),
        )
        .await
        .unwrap_or_else(|err| panic!("{key_type}: {err}"));
        assert_eq!(echoed, key_type.as_bytes());
        server.stop().await;
    }
}

#[tokio::test]
async fn existing_files_are_kept_without_force() {
    let dir = temp_dir();
    let out = dir.path().display().to_string();
    let read = |name: &str| std::fs::read(dir.path().join(name)).expect("read");
    assert!(tls_cert(&["generate", "--out", &out]).await.ok());
    let (ca_key, server_key) = (read("ca.key"), read("server.key"));
    // The same again asks for nothing new.
    let ran = tls_cert(&["generate", "--out", &out]).await;
    assert_eq!(ran.code, Some(2));
    assert_eq!(
        ran.stderr.trim_end(),
        format!(
            "error: {out} already has a CA and a server certificate: nothing to make (--client NAME adds a client, --san NAME makes the server certificate again)"
        )
    );
    // Remaking the server certificate without --force is refused, naming exactly the files.
    let ran = tls_cert(&["generate", "--out", &out, "--san", "localhost"]).await;
    assert_eq!(ran.code, Some(2));
    assert_eq!(
        ran.stderr.trim_end(),
        format!(
            "error: {}, {} exist already; pass --force to replace them (and nothing else)",
            dir.path().join("server.pem").display(),
            dir.path().join("server.key").display()
        )
    );
    assert_eq!(read("server.key"), server_key, "the key was not touched");
    // --force replaces what this command writes, and only that: the CA in DIR is used, not replaced.
    let ran = tls_cert(&["generate", "--out", &out, "--force"]).await;
    assert!(ran.ok(), "{}", ran.stderr);
    assert!(ran.stdout.starts_with("using the CA already in"), "{}", ran.stdout);
    assert_ne!(read("server.key"), server_key, "--force replaces the server key");
    assert_eq!(read("ca.key"), ca_key, "the CA was kept");
    // --new-ca makes a new one.
    assert!(tls_cert(&["generate", "--out", &out, "--new-ca", "--force"]).await.ok());
    assert_ne!(read("ca.key"), ca_key, "--new-ca replaces the CA");
}

#[tokio::test]
async fn a_client_is_added_to_an_existing_pki_without_touching_the_rest() {
    let dir = temp_dir();
    let out = dir.path().display().to_string();
    let read = |name: &str| std::fs::read(dir.path().join(name)).expect("read");
    assert!(tls_cert(&["generate", "--out", &out, "--client", "alice"]).await.ok());
    let before: Vec<Vec<u8>> = ["ca.pem", "ca.key", "server.pem", "server.key", "alice.pem"]
        .iter()
        .map(|name| read(name))
        .collect();
    let ran = tls_cert(&["generate", "--out", &out, "--client", "bob"]).await;
    assert!(ran.ok(), "adding bob needs no --force: {}", ran.stderr);
    assert_eq!(
        ran.stdout
            .lines()
            .filter(|l| l.starts_with("wrote "))
            .collect::<Vec<_>>(),
        [
            format!("wrote {}", dir.path().join("bob.pem").display()),
            format!("wrote {}", dir.path().join("bob.key").display())
        ]
    );
    let after: Vec<Vec<u8>> = ["ca.pem", "ca.key", "server.pem", "server.key", "alice.pem"]
        .iter()
        .map(|name| read(name))
        .collect();
    assert!(before == after, "nothing else was rewritten");
    // bob and alice share the CA: openssl accepts bob's certificate against it.
    openssl_verify(&dir.path().join("ca.pem"), "sslclient", &dir.path().join("bob.pem")).await;
    // The same again is refused, naming bob's files; the rest is untouched.
    let ran = tls_cert(&["generate", "--out", &out, "--client", "bob"]).await;
    assert_eq!(ran.code, Some(2));
    assert!(
        ran.stderr.contains("bob.pem") && !ran.stderr.contains("server.pem"),
        "{}",
        ran.stderr
    );
}

#[tokio::test]
async fn generate_refuses_what_would_overwrite_or_mislead() {
    let dir = temp_dir();
    let out = dir.path().display().to_string();
    assert!(tls_cert(&["generate", "--out", &out, "--client", "bob"]).await.ok());
    let ca_key = std::fs::read(dir.path().join("ca.key")).expect("read");
    for (args, why) in [
        (
            &["--client", "ca", "--force"][..],
            "would be written as ca.pem and ca.key, the CA's files",
        ),
        (&["--client", "server", "--force"][..], "the server's files"),
        (&["--client", ""][..], "a client name cannot be empty"),
        (&["--client", ".hidden"][..], "would be written as a hidden file"),
        (&["--client", "../evil"][..], "a client name cannot hold a path"),
        (
            &["--client", "a b", "--client", "a_b"][..],
            "two clients would be written as a_b.pem",
        ),
        (
            &["--san", "example.test."][..],
            "ends with a dot, and TLS clients match names without it",
        ),
        (&["--ca-name", "Other"][..], "--ca-name is for a new CA, but the CA in"),
        (
            &["--client", "carol", "--ca-days", "10"][..],
            "--ca-days is for a new CA, but the CA in",
        ),
        (&["--days", "99999999"][..], "is more than 36500 (100 years)"),
        (
            &["--days", "-1"][..],
            "\"-1\" days is negative: a certificate needs 1 day or more",
        ),
    ] {
        let mut all = vec!["generate", "--out", &out];
        all.extend_from_slice(args);
        let ran = tls_cert(&all).await;
        assert_eq!(ran.code, Some(2), "{args:?}: {}", ran.stderr);
        assert!(ran.stderr.contains(why), "{args:?}: {}", ran.stderr);
    }
    assert_eq!(
        std::fs::read(dir.path().join("ca.key")).expect("read"),
        ca_key,
        "the CA survived"
    );
    // A new CA orphans bob: said, not hidden.
    let ran = tls_cert(&["generate", "--out", &out, "--new-ca", "--force"]).await;
    assert!(ran.ok(), "{}", ran.stderr);
    assert!(
        ran.stderr.contains(&format!(
            "{} was signed by the CA just replaced",
            dir.path().join("bob.pem").display()
        )),
        "{}",
        ran.stderr
    );
    // Half a CA: its certificate without its key.
    let half = dir.path().join("half");
    std::fs::create_dir(&half).expect("folder");
    std::fs::copy(dir.path().join("ca.pem"), half.join("ca.pem")).expect("copy");
    let ran = tls_cert(&["generate", "--out", &half.display().to_string()]).await;
    assert_eq!(ran.code, Some(2));
    assert!(
        ran.stderr.contains("ca.key is missing, so the CA cannot sign"),
        "{}",
        ran.stderr
    );
    let file = write(dir.path(), "a-file", "x");
    let ran = tls_cert(&["generate", "--out", &file.display().to_string()]).await;
    assert_eq!(ran.code, Some(2));
    assert!(ran.stderr.contains("is a file, not a folder"), "{}", ran.stderr);
    // A file on the way to --out is the same mistake, named as such, and nothing is written.
    let below = file.join("pki");
    let ran = tls_cert(&["generate", "--out", &below.display().to_string()]).await;
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert_eq!(
        ran.stderr.trim_end(),
        format!("error: {} is a file, not a folder: give --out a folder", file.display())
    );
    assert_eq!(std::fs::read_to_string(&file).expect("still there"), "x");
    // A CA and its certificates made with the same number of days is fine, down to one day.
    for days in ["825", "1"] {
        let ran = tls_cert(&[
            "generate",
            "--out",
            &dir.path().join(days).display().to_string(),
            "--days",
            days,
            "--ca-days",
            days,
        ])
        .await;
        assert!(ran.ok(), "{days}: {}", ran.stderr);
    }
}

#[tokio::test]
async fn every_new_ca_has_its_own_name_and_lifetimes_are_checked() {
    let dir = temp_dir();
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    let subject = |path: &Path| {
        let der = pem::load_cert_chain(path.join("ca.pem")).expect("CA");
        tls_core::x509::subject(&der[0])
    };
    for out in [&one, &two] {
        assert!(tls_cert(&["generate", "--out", &out.display().to_string()]).await.ok());
    }
    assert!(subject(&one).starts_with("CN=tls-echo demo CA "), "{}", subject(&one));
    assert_ne!(subject(&one), subject(&two), "two PKIs, two CA names");
    let named = dir.path().join("named");
    let named_arg = named.display().to_string();
    assert!(
        tls_cert(&["generate", "--out", &named_arg, "--ca-name", "Lab CA"])
            .await
            .ok()
    );
    assert_eq!(subject(&named), "CN=Lab CA");

    let ran = tls_cert(&[
        "generate",
        "--out",
        &named_arg,
        "--new-ca",
        "--ca-days",
        "10",
        "--days",
        "825",
    ])
    .await;
    assert_eq!(ran.code, Some(2));
    assert!(
        ran.stderr.contains("would outlive their CA") && ran.stderr.contains("--days 10 or less"),
        "{}",
        ran.stderr
    );
    let ran = tls_cert(&["generate", "--out", &named_arg, "--days", "0"]).await;
    assert_eq!(ran.code, Some(2));
    assert!(
        ran.stderr.contains("0 days has expired before it is used"),
        "{}",
        ran.stderr
    );
    // An existing CA that ends sooner than the certificate asked for.
    let ran = tls_cert(&[
        "generate",
        "--out",
        &dir.path().join("x").display().to_string(),
        "--ca",
        &named.join("ca.pem").display().to_string(),
        "--ca-key",
        &named.join("ca.key").display().to_string(),
        "--days",
        "30000",
    ])
    .await;
    assert_eq!(ran.code, Some(2));
    assert!(
        ran.stderr.contains("would outlive their CA, which expires on"),
        "{}",
        ran.stderr
    );
}

#[tokio::test]
async fn an_existing_ca_signs_new_certificates() {
    let pki = PkiFiles::new();
    let dir = temp_dir();
    let out = dir.path().display().to_string();
    let ran = tls_cert(&[
        "generate",
        "--out",
        &out,
        "--ca",
        &pki.arg("ca.pem"),
        "--ca-key",
        &pki.arg("ca.key"),
        "--san",
        "api.test",
    ])
    .await;
    assert!(ran.ok(), "{}", ran.stderr);
    assert!(!dir.path().join("ca.pem").exists(), "the existing CA is not copied");
    assert!(
        ran.stdout.contains("signed by CA: CN=tls-echo demo CA"),
        "{}",
        ran.stdout
    );
    openssl_verify(&pki.path("ca.pem"), "sslserver", &dir.path().join("server.pem")).await;

    let ran = tls_cert(&[
        "generate",
        "--out",
        &out,
        "--ca",
        &pki.arg("server.pem"),
        "--ca-key",
        &pki.arg("server.key"),
    ])
    .await;
    assert_eq!(ran.code, Some(2));
    assert!(
        ran.stderr.contains("which is not a CA certificate (no CA:TRUE)"),
        "{}",
        ran.stderr
    );
}

async fn verify(args: &[&str]) -> Ran {
    let mut all = vec!["verify"];
    all.extend_from_slice(args);
    tls_cert(&all).await
}

/// Runs verify expecting exit 1; returns the explanation.
async fn invalid(args: &[&str]) -> String {
    let ran = verify(args).await;
    assert_eq!(ran.code, Some(1), "{args:?}: {}{}", ran.stdout, ran.stderr);
    ran.stdout.trim_end().to_owned()
}

#[tokio::test]
async fn verify_accepts_a_good_chain_and_explains_each_failure() {
    let pki = PkiFiles::new();
    let (ca, server, client) = (pki.arg("ca.pem"), pki.arg("server.pem"), pki.arg("client.pem"));

    let ran = verify(&["--ca", &ca, &server, "--server-name", "localhost"]).await;
    assert!(ran.ok(), "{}", ran.stdout);
    assert!(
        ran.stdout.starts_with(&format!("valid: {server} for localhost")),
        "{}",
        ran.stdout
    );

    let text = invalid(&["--ca", &ca, &server, "--name", "example.com"]).await;
    assert!(
        text.contains("is valid for IP 127.0.0.1, IP ::1, DNS localhost, not for example.com"),
        "{text}"
    );

    let text = invalid(&["--ca", &ca, &server, "--at", "2100-01-01T00:00:00Z"]).await;
    assert!(
        text.contains("has expired")
            && text.contains("the time checked is 2100-01-01T00:00:00Z")
            && text.ends_with("; make a new one with the names it holds (tls-cert generate --ca CA.pem --ca-key CA.key --san NAME --out NEW_DIR)"),
        "{text}"
    );
    let text = invalid(&["--ca", &ca, &server, "--at", "2001-01-01T00:00:00Z"]).await;
    assert!(text.contains("is not valid yet"), "{text}");

    let text = invalid(&["--ca", &ca, &ca, "--name", "localhost"]).await;
    assert!(
        text.contains("is self-signed and made as a CA (CA:TRUE, as openssl req -x509 makes one)")
            && text.contains(", even though it is itself trusted; if it is a server's own certificate, trust it by its key instead (echo-client --pin")
            && text.ends_with("if it is a CA, check the server's certificate against it"),
        "{text}"
    );

    let text = invalid(&["--ca", &ca, &client]).await;
    assert!(
        text.contains("is not meant for TLS servers (its extended key usage lacks serverAuth)"),
        "{text}"
    );

    let other = CertificateAuthority::new("Other CA", Validity::days_from_now(30)).expect("CA");
    let (other_ca, _) = pki.add("other-ca", &other.issued);
    let text = invalid(&["--ca", &other_ca, &server]).await;
    assert!(
        text.contains("is signed by CN=tls-echo demo CA, which is not in the trusted roots (CN=Other CA)"),
        "{text}"
    );
}

/// A CA past its dates still anchors a chain for rustls (RFC 5280 leaves a trust anchor's dates
/// unchecked), while openssl refuses it: verify says valid, as echo-client would connect, and says the
/// rest in a note; echo-client warns when it loads such a CA.
#[tokio::test]
async fn an_expired_ca_is_valid_for_rustls_with_a_note_that_openssl_refuses_it() {
    let pki = PkiFiles::new();
    let (old_ca, leaf) = pki.lapsed_ca("Old CA");
    let (leaf_pem, _) = pki.add("leaf", &leaf);
    let ran = verify(&["--ca", &old_ca, &leaf_pem]).await;
    assert!(ran.ok(), "{}{}", ran.stdout, ran.stderr);
    assert!(ran.stdout.starts_with("valid: "), "{}", ran.stdout);
    assert!(
        ran.stdout.contains("  note: the trusted CA CN=Old CA expired on ")
            && ran
                .stdout
                .contains("OpenSSL (and curl, built on it) refuses every certificate it signed"),
        "{}",
        ran.stdout
    );
    let openssl = run("openssl", &["verify", "-CAfile", &old_ca, &leaf_pem], "openssl", b"").await;
    assert!(
        !openssl.ok() && format!("{}{}", openssl.stdout, openssl.stderr).contains("certificate has expired"),
        "openssl: {}{}",
        openssl.stdout,
        openssl.stderr
    );
    // A CA within its dates gets no note.
    let ran = verify(&["--ca", &pki.arg("ca.pem"), &pki.arg("server.pem")]).await;
    assert!(ran.ok() && !ran.stdout.contains("note:"), "{}", ran.stdout);
}

/// `--purpose client` checks a certificate as echo-server's `--client-ca` does (clientAuth, no name);
/// `--json` gives the verdict and a refusal's facts to scripts; a name with `--purpose client` is refused.
#[tokio::test]
async fn verify_checks_client_certificates_and_answers_in_json() {
    let pki = PkiFiles::new();
    let (ca, server, client) = (pki.arg("ca.pem"), pki.arg("server.pem"), pki.arg("client.pem"));
    let ran = verify(&["--ca", &ca, &client, "--purpose", "client"]).await;
    assert!(ran.ok(), "{}{}", ran.stdout, ran.stderr);
    assert!(
        ran.stdout
            .starts_with(&format!("valid: {client} as a client certificate (CN=client)")),
        "{}",
        ran.stdout
    );
    let text = invalid(&["--ca", &ca, &server, "--purpose", "client"]).await;
    assert!(
        text.contains("is not meant for clients (its extended key usage lacks clientAuth; a server certificate?)"),
        "{text}"
    );

    let ran = verify(&["--ca", &ca, &server, "--purpose", "client", "--json"]).await;
    assert_eq!(ran.code, Some(1), "{}{}", ran.stdout, ran.stderr);
    let json: Value = serde_json::from_str(ran.stdout.trim()).expect("one JSON object");
    assert_eq!(json["valid"], false);
    assert_eq!(json["purpose"], "client");
    assert_eq!(json["refusal"]["place"], "peer");
    assert_eq!(json["refusal"]["reason"], "wrong_purpose");
    assert_eq!(json["refusal"]["client"], true);
    assert!(
        json["sentence"].as_str().is_some_and(|s| s.contains("--client NAME")),
        "{json}"
    );

    let ran = verify(&[
        "--ca",
        &ca,
        &server,
        "--server-name",
        "example.com",
        "--at",
        "2100-01-01",
        "--json",
    ])
    .await;
    assert_eq!(ran.code, Some(1), "{}{}", ran.stdout, ran.stderr);
    let json: Value = serde_json::from_str(ran.stdout.trim()).expect("one JSON object");
    assert_eq!(json["refusal"]["reason"], "expired");
    assert_eq!(json["refusal"]["dates"]["checked_at"], "2100-01-01T00:00:00Z");
    assert_eq!(json["refusal"]["dates"]["time_given"], true);
    assert_eq!(json["refusal"]["within_its_dates"]["reason"], "wrong_name");
    assert_eq!(json["refusal"]["within_its_dates"]["name"], "example.com");
    // Expired and for another name: the way forward is a new certificate that holds the name.
    assert!(
        json["sentence"]
            .as_str()
            .is_some_and(|s| s.ends_with("--san NAME --out NEW_DIR)")),
        "{json}"
    );

    let ran = verify(&["--ca", &ca, &server, "--server-name", "localhost", "--json"]).await;
    assert!(ran.ok(), "{}{}", ran.stdout, ran.stderr);
    let json: Value = serde_json::from_str(ran.stdout.trim()).expect("one JSON object");
    assert_eq!(json["valid"], true);
    assert_eq!(json["name"], "localhost");
    assert_eq!(json["chain"][0], "CN=127.0.0.1");

    let ran = verify(&["--ca", &ca, &client, "--purpose", "client", "--server-name", "x"]).await;
    assert_eq!(ran.code, Some(2), "{}{}", ran.stdout, ran.stderr);
    assert!(
        ran.stderr.contains("--server-name is for --purpose server"),
        "{}",
        ran.stderr
    );

    // Input that cannot be checked is still one JSON object on standard output with --json.
    let folder = Path::new(&ca).parent().expect("the PKI's folder").display().to_string();
    let ran = verify(&["--ca", &ca, &folder, "--json"]).await;
    assert_eq!(ran.code, Some(2), "{}{}", ran.stdout, ran.stderr);
    let json: Value = serde_json::from_str(ran.stdout.trim()).expect("one JSON object");
    assert!(json["valid"].is_null(), "{json}");
    assert!(
        json["error"].as_str().is_some_and(|e| e.contains("directory")),
        "{json}"
    );
}

#[tokio::test]
async fn verify_connect_explains_each_broken_certificate_scenario() {
    let pki = PkiFiles::new();
    for (kind, expected) in test_support::SCENARIO_MESSAGES {
        let server = test_support::scenario_server(kind, &pki.pki.ca).await;
        let ran = verify(&["--ca", &pki.arg("ca.pem"), "--connect", &server.address()]).await;
        match expected {
            None => assert!(ran.ok(), "{kind}: {}", ran.stdout),
            Some(words) => {
                assert_eq!(ran.code, Some(1), "{kind}: {}{}", ran.stdout, ran.stderr);
                assert!(
                    ran.stdout.starts_with(&format!("invalid: {}: ", server.address())) && ran.stdout.contains(words),
                    "{kind}: {}",
                    ran.stdout
                );
            }
        }
        server.stop().await;
    }
}

/// The gallery's revoked exhibit staples an OCSP response that says so: verify --connect reads it
/// as a client does and refuses the certificate; the good exhibit, which staples none, verifies.
#[tokio::test]
async fn verify_connect_reads_the_stapled_ocsp_response() {
    let pki = PkiFiles::new();
    let server = test_support::gallery_server(&pki.pki.ca).await;
    let ca = pki.arg("ca.pem");
    let at = |name: &str| format!("{name}.localhost:{}", server.addr.port());
    let revoked = verify(&["--ca", &ca, "--connect", &at("revoked")]).await;
    assert_eq!(revoked.code, Some(1), "{}{}", revoked.stdout, revoked.stderr);
    assert!(
        revoked.stdout.contains("revoked") && revoked.stdout.contains("keyCompromise"),
        "{}",
        revoked.stdout
    );
    let good = verify(&["--ca", &ca, "--connect", &at("good")]).await;
    assert!(good.ok(), "{}{}", good.stdout, good.stderr);
}

#[tokio::test]
async fn verify_names_an_incomplete_chain_and_accepts_the_complete_one() {
    let pki = PkiFiles::new();
    let intermediate = pki
        .pki
        .ca
        .intermediate("tls-echo intermediate", Validity::days_from_now(30))
        .expect("intermediate");
    let leaf = intermediate
        .issue(&["leaf.test"], Usage::Server, Validity::days_from_now(30))
        .expect("leaf");
    let alone = write(pki.dir(), "leaf.pem", &leaf.cert_pem).display().to_string();
    let chained = write(
        pki.dir(),
        "chain.pem",
        format!("{}{}", leaf.cert_pem, intermediate.issued.cert_pem),
    )
    .display()
    .to_string();
    let ca = pki.arg("ca.pem");
    let text = invalid(&["--ca", &ca, &alone]).await;
    assert!(
        text.contains("is signed by CN=tls-echo intermediate, which is not in the trusted roots (CN=tls-echo demo CA) and not in what the file presented (the file holds only the certificate itself): either the chain is incomplete (put the intermediates in the file, after the certificate)"),
        "{text}"
    );
    let ran = verify(&["--ca", &ca, &chained]).await;
    assert!(ran.ok(), "{}", ran.stdout);
    assert!(
        ran.stdout.contains(&format!(
            "  chain: CN=leaf.test -> CN=tls-echo intermediate -> CN=tls-echo demo CA (trusted, from {ca})\n"
        )),
        "{}",
        ran.stdout
    );
    assert!(!ran.stdout.contains("note:"), "{}", ran.stdout);
    // The path checked, whatever the file's order: the CA before the intermediate, the leaf twice.
    let root = std::fs::read_to_string(&ca).expect("the CA");
    let shuffled = write(
        pki.dir(),
        "shuffled.pem",
        format!(
            "{}{}{root}{}",
            leaf.cert_pem, leaf.cert_pem, intermediate.issued.cert_pem
        ),
    )
    .display()
    .to_string();
    let ran = verify(&["--ca", &ca, &shuffled]).await;
    assert!(ran.ok(), "{}", ran.stdout);
    let lines: Vec<&str> = ran
        .stdout
        .lines()
        .filter(|line| !line.starts_with("  expires:"))
        .collect();
    assert_eq!(
        lines,
        [
            format!("valid: {shuffled} for leaf.test (its first name; give --server-name to check another)").as_str(),
            format!("  chain: CN=leaf.test -> CN=tls-echo intermediate -> CN=tls-echo demo CA (trusted, from {ca})")
                .as_str(),
            "  note: certificate 2 of the file is a second copy of certificate 1 (CN=leaf.test): a peer need not send it twice",
            "  note: the file lists the chain out of order: this check (and rustls) finds the path anyway, but some clients do not, and echo-server refuses to serve it so; list the certificate first, then each CA after the one it signed",
        ],
        "{}",
        ran.stdout
    );
    // Many copies are said in one line past three; the chain's end is its first certificate to expire.
    let short = pki
        .pki
        .ca
        .intermediate("short-lived intermediate", Validity::days_from_now(10))
        .expect("intermediate");
    let under = short
        .issue(&["under.test"], Usage::Server, Validity::days_from_now(30))
        .expect("leaf");
    let copies = write(
        pki.dir(),
        "copies.pem",
        format!("{}{}", under.cert_pem, short.issued.cert_pem.repeat(6)),
    )
    .display()
    .to_string();
    let ran = verify(&["--ca", &ca, &copies]).await;
    assert!(ran.ok(), "{}", ran.stdout);
    let (_, short_end) = tls_core::x509::validity(&short.issued.cert).expect("dates");
    assert!(
        ran.stdout.contains(&format!(
            "  expires: {short_end}, when the intermediate CN=short-lived intermediate does (before the certificate itself)\n"
        )),
        "{}",
        ran.stdout
    );
    let notes: Vec<&str> = ran.stdout.lines().filter(|line| line.starts_with("  note: ")).collect();
    assert_eq!(notes.len(), 4, "{}", ran.stdout);
    assert_eq!(
        notes[3],
        "  note: and 2 more certificates of the file are not on the path checked (copies or strays)"
    );
}

#[tokio::test]
async fn verify_and_inspect_exit_2_on_unreadable_input() {
    let pki = PkiFiles::new();
    let (ca, server, key) = (pki.arg("ca.pem"), pki.arg("server.pem"), pki.arg("server.key"));
    let ran = verify(&["--ca", &ca, &key]).await;
    assert_eq!(ran.code, Some(2));
    assert!(
        ran.stderr.contains("that is a private key, not a certificate"),
        "{}",
        ran.stderr
    );
    let ran = verify(&["--ca", &pki.arg("missing.pem"), &server]).await;
    assert_eq!(ran.code, Some(2));
    // A plain date is a time too; a time the user chose is never blamed on a clock.
    let ran = verify(&["--ca", &ca, &server, "--at", "2000-01-01"]).await;
    assert_eq!(ran.code, Some(1));
    assert!(
        ran.stdout.contains("is not valid yet") && ran.stdout.contains("the time checked is 2000-01-01T00:00:00Z"),
        "{}",
        ran.stdout
    );
    assert!(!ran.stdout.contains("clock"), "{}", ran.stdout);
    let ran = tls_cert(&["inspect", "--server-name", "foo", &server]).await;
    assert_eq!(ran.code, Some(2));
    assert!(
        ran.stderr.contains("--server-name goes with --connect"),
        "{}",
        ran.stderr
    );
    let ran = tls_cert(&["inspect", "--connect", "127.0.0.1:0"]).await;
    assert_eq!(
        ran.code,
        Some(2),
        "port 0 is refused as echo-client refuses it: {}",
        ran.stderr
    );
    assert!(ran.stderr.contains("has port 0"), "{}", ran.stderr);
    let ran = verify(&["--ca", &ca, &server, "--at", "yesterday"]).await;
    assert_eq!(ran.code, Some(2));
    assert!(
        ran.stderr
            .contains("\"yesterday\" is not a date such as 2030-01-01 or a time such as 2030-01-01T12:00:00Z"),
        "{}",
        ran.stderr
    );
}

#[tokio::test]
async fn a_dash_reads_the_file_from_standard_input() {
    let pki = PkiFiles::new();
    let pem = pki.pki.server.cert_pem.as_bytes();
    let ran = run(TLS_CERT, &["inspect", "--json", "-"], "(built by cargo)", pem).await;
    assert!(ran.ok(), "{}", ran.stderr);
    let got: Value = serde_json::from_str(ran.stdout.lines().next().expect("a line")).expect("JSON");
    assert_eq!(got["source"], "-");
    assert_eq!(got["subject"], "CN=127.0.0.1");
    let ran = run(
        TLS_CERT,
        &["verify", "--ca", &pki.arg("ca.pem"), "-"],
        "(built by cargo)",
        pem,
    )
    .await;
    assert!(
        ran.ok() && ran.stdout.starts_with("valid: - for 127.0.0.1"),
        "{}{}",
        ran.stdout,
        ran.stderr
    );
    let ran = run(TLS_CERT, &["inspect", "-"], "(built by cargo)", b"").await;
    assert_eq!(ran.code, Some(2));
    assert_eq!(
        ran.stderr.trim_end(),
        "error: cannot load a certificate, CSR, CRL or PKCS#12/PKCS#7 bundle from standard input: the file is empty"
    );
}

#[tokio::test]
async fn a_ca_file_and_a_certificate_given_the_wrong_way_round_are_named() {
    let pki = PkiFiles::new();
    let ran = verify(&["--ca", &pki.arg("server.pem"), &pki.arg("ca.pem")]).await;
    assert_eq!(ran.code, Some(2));
    assert!(
        ran.stderr.contains("which is not a CA certificate (no CA:TRUE)"),
        "{}",
        ran.stderr
    );
    let ran = verify(&["--ca", &pki.arg("ca.pem"), &pki.arg("ca.pem")]).await;
    assert_eq!(ran.code, Some(1));
    assert!(
        ran.stdout.contains("is a CA certificate (CA:TRUE), not a server's"),
        "{}",
        ran.stdout
    );
    let ran = run(
        TLS_CERT,
        &["inspect", "-", "-"],
        "(built by cargo)",
        pki.pki.ca.issued.cert_pem.as_bytes(),
    )
    .await;
    assert_eq!(ran.code, Some(2));
    assert!(
        ran.stderr.contains("standard input was read already, for another file"),
        "{}",
        ran.stderr
    );
}

#[tokio::test]
async fn inspect_survives_bad_files_and_names_them() {
    let pki = PkiFiles::new();
    let dir = pki.dir();
    let cut: String = pki
        .pki
        .server
        .cert_pem
        .lines()
        .take(3)
        .map(|l| format!("{l}\n"))
        .collect();
    // Random-looking bytes from a fixed seed: reproducible, no extra dependency.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let garbage: Vec<u8> = (0..100 * 1024)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    let cases = [
        (
            write(dir, "truncated.pem", cut),
            "has no -----END CERTIFICATE----- line",
        ),
        (write(dir, "random.bin", &garbage[..4096]), "neither PEM"),
        (pki.path("server.key"), "that is a private key, not a certificate"),
        (write(dir, "empty.pem", ""), "the file is empty"),
        (dir.to_path_buf(), "it is a directory"),
        (write(dir, "garbage-100k.bin", &garbage), "neither PEM"),
    ];
    for (path, expected) in cases {
        let shown = path.display().to_string();
        let ran = tls_cert(&["inspect", &shown]).await;
        assert_eq!(ran.code, Some(2), "{shown}: {}", ran.stderr);
        assert!(
            ran.stderr.contains(&shown) && ran.stderr.contains(expected) && !ran.stderr.contains("panicked"),
            "{shown}: {}",
            ran.stderr
        );
    }
}

#[tokio::test]
async fn inspect_reads_a_five_certificate_chain() {
    let pki = PkiFiles::new();
    let mut issuer = pki
        .pki
        .ca
        .intermediate("level 1", Validity::days_from_now(30))
        .expect("CA");
    let mut pem_chain = vec![issuer.issued.cert_pem.clone()];
    for level in 2..=3 {
        issuer = issuer
            .intermediate(&format!("level {level}"), Validity::days_from_now(30))
            .expect("CA");
        pem_chain.push(issuer.issued.cert_pem.clone());
    }
    let leaf = issuer
        .issue(&["deep.test"], Usage::Server, Validity::days_from_now(30))
        .expect("leaf");
    pem_chain.push(pki.pki.ca.issued.cert_pem.clone());
    pem_chain.insert(0, leaf.cert_pem);
    pem_chain[1..4].reverse();
    let file = write(pki.dir(), "five.pem", pem_chain.concat());
    let ran = tls_cert(&["inspect", &file.display().to_string()]).await;
    assert!(ran.ok(), "{}", ran.stderr);
    for i in 1..=5 {
        assert!(ran.stdout.contains(&format!("certificate {i} of 5")), "{}", ran.stdout);
    }
    let ran = tls_cert(&["inspect", "--json", &file.display().to_string()]).await;
    let subjects: Vec<String> = ran
        .stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).expect("JSON")["subject"]
                .as_str()
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    assert_eq!(
        subjects,
        [
            "CN=deep.test",
            "CN=level 3",
            "CN=level 2",
            "CN=level 1",
            "CN=tls-echo demo CA"
        ]
    );
    // The chain verifies as ordered.
    let ran = verify(&["--ca", &pki.arg("ca.pem"), &file.display().to_string()]).await;
    assert!(ran.ok(), "{}", ran.stdout);
}

/// A server asking for a client certificate (mutual TLS) gets none from inspect, and inspect says so;
/// a server that never answers costs --timeout, not more.
#[tokio::test]
async fn inspect_connect_says_a_client_certificate_was_asked_for_and_keeps_to_its_timeout() {
    let pki = PkiFiles::new();
    let cas = [pki.pki.ca.issued.cert.clone()];
    let config = config::server_config(pki.pki.server.identity(), Some(&cas), &TlsOptions::default()).expect("config");
    let server = RunningServer::start(config, ServerOptions::default()).await;
    let ran = tls_cert(&["inspect", "--connect", &server.address()]).await;
    assert!(ran.ok(), "{}", ran.stderr);
    assert!(
        ran.stdout
            .contains("# the server asked for a client certificate (CertificateRequest): none was sent"),
        "{}",
        ran.stdout
    );
    server.stop().await;

    let silent = test_support::SilentServer::start().await;
    let started = std::time::Instant::now();
    let ran = tls_cert(&["inspect", "--connect", &silent.addr, "--timeout", "1"]).await;
    assert_eq!(ran.code, Some(1), "{}", ran.stderr);
    assert!(ran.stderr.contains("timed out after 1 s"), "{}", ran.stderr);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(8),
        "held for {:?}",
        started.elapsed()
    );
    // A negative number is a value that says why, not an unknown option.
    let ran = tls_cert(&["inspect", "--connect", &silent.addr, "--timeout", "-1"]).await;
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(ran.stderr.contains("\"-1\" seconds is negative"), "{}", ran.stderr);
    let ca = pki.arg("ca.pem");
    for args in [vec!["inspect"], vec!["verify", "--ca", &ca]] {
        let ran = tls_cert(&[&args[..], &["--timeout", "1", &pki.arg("server.pem")]].concat()).await;
        assert_eq!(ran.code, Some(2), "{args:?}: {}", ran.stderr);
        assert!(
            ran.stderr.contains("--timeout goes with --connect"),
            "{args:?}: {}",
            ran.stderr
        );
    }
}

#[tokio::test]
async fn inspect_connect_shows_an_untrusted_servers_chain_and_session() {
    let made = untrusted_leaf();
    let server = RunningServer::start(test_support::server_config(made.identity()), ServerOptions::default()).await;
    let expected = tls_core::inspect::inspect(&made.cert, tls_core::inspect::Position::Alone).expect("inspect");
    let ran = tls_cert(&["inspect", "--connect", &server.address(), "--json"]).await;
    assert!(ran.ok(), "{}", ran.stderr);
    let got: Value = serde_json::from_str(ran.stdout.lines().next().expect("a line")).expect("JSON");
    assert_eq!(got["fingerprint_sha256"], expected.fingerprint_sha256.as_str());
    assert_eq!(got["tls"]["version"], "TLSv1.3");
    assert_eq!(got["tls"]["group"], "X25519MLKEM768");
    // The chain as the x-ray read it off the wire: TLS 1.3 sends it encrypted, in one message.
    assert_eq!(got["sent"]["certificate_bytes"], made.cert.len(), "{got:#}");
    assert_eq!(got["sent"]["encrypted"], true);
    assert_eq!(got["sent"]["opened_with"], "SERVER_HANDSHAKE_TRAFFIC_SECRET");
    // Connecting by IP sends no SNI (rustls sends DNS names only); naming the server sends it.
    assert_eq!(got["tls"]["sni"], Value::Null);
    let ran = tls_cert(&[
        "inspect",
        "--connect",
        &server.address(),
        "--server-name",
        "localhost",
        "--json",
    ])
    .await;
    let got: Value = serde_json::from_str(ran.stdout.lines().next().expect("a line")).expect("JSON");
    assert_eq!(got["tls"]["sni"], "localhost", "the SNI the client sent");
    let ran = tls_cert(&["inspect", "--connect", &server.address()]).await;
    assert!(
        ran.stdout.starts_with(&format!("# {}: TLSv1.3", server.address())),
        "{}",
        ran.stdout
    );
    let sent = format!("1 certificate of {} bytes, in this order", made.cert.len());
    assert!(ran.stdout.contains(&sent), "{}", ran.stdout);
    server.stop().await;
}

/// openssl s_server with the test PKI's server certificate, sending the CA after it, and `extra`.
async fn openssl_sending_its_chain(pki: &PkiFiles, extra: &[&str]) -> (Peer, String) {
    let (cert, key, ca) = (pki.arg("server.pem"), pki.arg("server.key"), pki.arg("ca.pem"));
    let mut args = vec!["-cert", &cert, "-key", &key, "-cert_chain", &ca, "-quiet"];
    args.extend_from_slice(extra);
    test_support::openssl_server(&args).await
}

/// The "# as sent: " line of `inspect --connect`'s text.
fn as_sent(stdout: &str) -> &str {
    let line = stdout
        .lines()
        .find(|l| l.starts_with("# as sent: one Certificate message of "));
    line.unwrap_or_else(|| panic!("no 'as sent' line in\n{stdout}"))
}

/// `inspect --connect` shows the chain exactly as a server we did not write sent it: openssl
/// s_server over TLS 1.2, told to send the CA after its own certificate, sends both in the clear, in
/// that order, each of its file's size; over TLS 1.3 in small records, encrypted, across records.
#[tokio::test]
async fn inspect_connect_shows_the_chain_as_openssl_sent_it() {
    let pki = PkiFiles::new();
    let (_server, accept) = openssl_sending_its_chain(&pki, &["-tls1_2"]).await;
    let sizes: Vec<usize> = [pki.path("server.pem"), pki.path("ca.pem")]
        .iter()
        .map(|file| pem::load_cert_chain(file).expect("a certificate")[0].len())
        .collect();
    let ran = tls_cert(&["inspect", "--connect", &accept]).await;
    assert!(ran.ok(), "{}", ran.stderr);
    let line = as_sent(&ran.stdout);
    let order = format!(
        " ms after connecting: 2 certificates of {}, {} bytes, in this order",
        sizes[0], sizes[1]
    );
    assert!(line.contains(" in the clear, ") && line.ends_with(&order), "{line}");
    let ran = tls_cert(&["inspect", "--connect", &accept, "--json"]).await;
    let lines: Vec<Value> = ran
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(lines.len(), 2, "{}", ran.stdout);
    for (line, size) in lines.iter().zip(&sizes) {
        assert_eq!(line["sent"]["certificate_bytes"], *size, "{line:#}");
        assert_eq!(line["sent"]["encrypted"], false);
        assert_eq!(line["tls"]["version"], "TLSv1.2");
    }
    assert_eq!(lines[1]["subject"], "CN=tls-echo demo CA");
    // The same chain over TLS 1.3 in records of 512 bytes: one message across several encrypted
    // records, said as such.
    let (_small_records, small) = openssl_sending_its_chain(&pki, &["-tls1_3", "-max_send_frag", "512"]).await;
    let ran = tls_cert(&["inspect", "--connect", &small]).await;
    assert!(ran.ok(), "{}", ran.stderr);
    let line = as_sent(&ran.stdout);
    let spread = [" in 2 records, ", " in 3 records, "];
    assert!(
        spread.iter().any(|n| line.contains(n))
            && line.contains("encrypted, opened with SERVER_HANDSHAKE_TRAFFIC_SECRET's keys")
            && line.ends_with(&order),
        "{line}"
    );
}

/// A server certificate from a CA nobody trusts.
fn untrusted_leaf() -> tls_core::generate::Issued {
    let ca = CertificateAuthority::new("lonely.test", Validity::days_from_now(30)).expect("made");
    ca.issue(&["127.0.0.1"], Usage::Server, Validity::days_from_now(30))
        .expect("leaf")
}

#[tokio::test]
async fn l8_weak_keys_and_sha1_signatures_are_warned_about_and_refused() {
    let dir = temp_dir();
    let d = dir.path().display().to_string();
    for (name, extra) in [
        ("rsa1024", vec!["-newkey", "rsa:1024"]),
        ("sha1", vec!["-newkey", "rsa:2048", "-sha1"]),
    ] {
        let (key, cert) = (format!("{d}/{name}.key"), format!("{d}/{name}.pem"));
        let mut args = vec!["req", "-x509", "-nodes", "-keyout", &key, "-out", &cert, "-days", "30"];
        args.extend(extra);
        args.extend([
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-addext",
            "basicConstraints=critical,CA:FALSE",
        ]);
        let ran = run("openssl", &args, "openssl", b"").await;
        assert!(ran.ok(), "{}", ran.stderr);
    }
    let rsa = json_of(&dir.path().join("rsa1024.pem")).await["warnings"].clone();
    assert_eq!(
        rsa,
        serde_json::json!(["RSA key of 1024 bits: TLS clients refuse RSA keys under 2048 bits"])
    );
    let sha1 = json_of(&dir.path().join("sha1.pem")).await["warnings"].clone();
    assert_eq!(
        sha1,
        serde_json::json!(["signed with SHA-1, which TLS clients no longer accept"])
    );
    // And the client's verification refuses both, trusting each as its own root.
    for name in ["rsa1024", "sha1"] {
        let file = format!("{d}/{name}.pem");
        let ran = verify(&["--ca", &file, &file, "--name", "127.0.0.1"]).await;
        // Exit 1, "invalid": a panic, a crash or an unreadable-input exit must not pass for a refusal.
        assert_eq!(
            ran.code,
            Some(1),
            "{name} must not verify: {}{}",
            ran.stdout,
            ran.stderr
        );
        assert!(ran.stdout.starts_with("invalid: "), "{name}: {}", ran.stdout);
    }
}

#[tokio::test]
async fn l7_an_intermediate_without_ca_true_is_named_as_such() {
    let dir = temp_dir();
    let file = |name: &str| dir.path().join(name).display().to_string();
    let (root, root_key, mid, mid_key, mid_csr, leaf, leaf_key, leaf_csr) = (
        file("root.pem"),
        file("root.key"),
        file("mid.pem"),
        file("mid.key"),
        file("mid.csr"),
        file("leaf.pem"),
        file("leaf.key"),
        file("leaf.csr"),
    );
    let not_ca = write(dir.path(), "not-ca.ext", "basicConstraints=critical,CA:FALSE\n");
    let leaf_ext = write(
        dir.path(),
        "leaf.ext",
        "basicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1\n",
    );
    let (not_ca, leaf_ext) = (not_ca.display().to_string(), leaf_ext.display().to_string());
    let p256 = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
    // A real root; under it a certificate made with CA:FALSE; under that, the server's leaf.
    let steps = [
        format!("req -x509 {p256} -keyout {root_key} -out {root} -subj /CN=L7-Root -days 30"),
        format!("req -new {p256} -keyout {mid_key} -out {mid_csr} -subj /CN=L7-Not-A-CA"),
        format!("x509 -req -in {mid_csr} -CA {root} -CAkey {root_key} -out {mid} -days 30 -extfile {not_ca}"),
        format!("req -new {p256} -keyout {leaf_key} -out {leaf_csr} -subj /CN=127.0.0.1"),
        format!("x509 -req -in {leaf_csr} -CA {mid} -CAkey {mid_key} -out {leaf} -days 30 -extfile {leaf_ext}"),
    ];
    for step in steps {
        let args: Vec<&str> = step.split(' ').collect();
        let ran = run("openssl", &args, "openssl", b"").await;
        assert!(ran.ok(), "openssl {step}: {}", ran.stderr);
    }
    let chain = [
        std::fs::read_to_string(&leaf).expect("leaf"),
        std::fs::read_to_string(&mid).expect("mid"),
    ]
    .concat();
    let chain = write(dir.path(), "chain.pem", chain).display().to_string();
    let ran = verify(&["--ca", &root, &chain, "--name", "127.0.0.1"]).await;
    assert_eq!(ran.code, Some(1), "{}{}", ran.stdout, ran.stderr);
    let said = format!("{}{}", ran.stdout, ran.stderr);
    assert!(
        said.contains(
            "(certificate 2 of the chain) is in the place of a CA but is not one (no basicConstraints CA:TRUE)"
        ),
        "{said}"
    );
}

/// inspect --connect warns about what verify --connect would refuse: a name the certificate does not
/// hold, and a chain that ends below a root the server did not send; a good chain for its own name
/// gets no such warning.
#[tokio::test]
async fn inspect_connect_warns_about_the_name_and_an_incomplete_chain() {
    let ca = CertificateAuthority::new("Inspect Connect CA", Validity::days_from_now(30)).expect("a CA");
    let incomplete = test_support::scenario_server(tls_core::scenario::Kind::IncompleteChain, &ca).await;
    let ran = tls_cert(&[
        "inspect",
        "--connect",
        &incomplete.address(),
        "--server-name",
        "other.example",
    ])
    .await;
    assert!(ran.ok(), "{}", ran.stderr);
    let warnings = ran.stdout.split("\tWarnings:").nth(1).unwrap_or_default();
    assert!(
        warnings.contains("not valid for other.example, the name asked for"),
        "{}",
        ran.stdout
    );
    assert!(
        warnings.contains("which the server did not send and which is not one of Mozilla's public roots"),
        "{}",
        ran.stdout
    );
    let json = tls_cert(&["inspect", "--connect", &incomplete.address(), "--json"]).await;
    let first: Value = serde_json::from_str(json.stdout.lines().next().unwrap_or_default()).expect("JSON");
    let listed = first["warnings"].as_array().expect("warnings").len();
    assert!(listed >= 1, "{first}");
    incomplete.stop().await;

    let good = test_support::scenario_server(tls_core::scenario::Kind::Good, &ca).await;
    let ran = tls_cert(&["inspect", "--connect", &good.address()]).await;
    assert!(ran.ok(), "{}", ran.stderr);
    assert!(!ran.stdout.contains("not valid for"), "{}", ran.stdout);
    good.stop().await;
}

/// Runs openssl with `args` in `dir`, expecting it to succeed.
async fn openssl_in(dir: &Path, args: &[&str]) {
    let mut all: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
    for arg in &mut all {
        if arg.ends_with(".pem") || arg.ends_with(".key") || arg.ends_with(".csr") || arg.ends_with(".ext") {
            *arg = dir.join(&*arg).display().to_string();
        }
    }
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    let ran = run("openssl", &all, "openssl", b"").await;
    assert!(ran.ok(), "openssl {all:?}: {}", ran.stderr);
}

/// Key usage that rustls-webpki does not read and OpenSSL refuses (an intermediate without
/// keyCertSign, a leaf whose key usage allows no handshake): valid, with a note for each, and
/// `openssl verify` (the oracle) refuses the same chain for the same two reasons.
#[tokio::test]
async fn verify_notes_key_usage_that_openssl_refuses() {
    let dir = temp_dir();
    let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    let mut root = vec![
        "req",
        "-x509",
        "-keyout",
        "root.key",
        "-out",
        "root.pem",
        "-subj",
        "/CN=KU Root",
    ];
    root.extend(key);
    root.extend([
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=keyCertSign,cRLSign",
    ]);
    openssl_in(dir.path(), &root).await;
    for (stem, ext) in [
        (
            "inter",
            "basicConstraints=critical,CA:TRUE\nkeyUsage=digitalSignature,cRLSign\n",
        ),
        (
            "leaf",
            "subjectAltName=DNS:ku.test\nkeyUsage=keyCertSign\nextendedKeyUsage=serverAuth\n",
        ),
    ] {
        let (csr, cert, key_file) = (format!("{stem}.csr"), format!("{stem}.pem"), format!("{stem}.key"));
        let mut request = vec!["req", "-new", "-keyout", &key_file, "-out", &csr, "-subj"];
        let subject = format!("/CN={stem}");
        request.push(&subject);
        request.extend(key);
        openssl_in(dir.path(), &request).await;
        write(dir.path(), &format!("{stem}.ext"), ext);
        let (issuer, issuer_key) = if stem == "inter" {
            ("root.pem", "root.key")
        } else {
            ("inter.pem", "inter.key")
        };
        let extfile = format!("{stem}.ext");
        openssl_in(
            dir.path(),
            &[
                "x509", "-req", "-in", &csr, "-CA", issuer, "-CAkey", issuer_key, "-out", &cert, "-days", "30",
                "-extfile", &extfile,
            ],
        )
        .await;
    }
    let path = |name: &str| dir.path().join(name).display().to_string();
    let chain = write(
        dir.path(),
        "chain.pem",
        std::fs::read_to_string(path("leaf.pem")).expect("leaf")
            + &std::fs::read_to_string(path("inter.pem")).expect("inter"),
    )
    .display()
    .to_string();

    let oracle = run(
        "openssl",
        &[
            "verify",
            "-CAfile",
            &path("root.pem"),
            "-untrusted",
            &path("inter.pem"),
            "-purpose",
            "sslserver",
            &path("leaf.pem"),
        ],
        "openssl",
        b"",
    )
    .await;
    assert!(!oracle.ok(), "openssl accepts it: {}", oracle.stdout);
    let said = format!("{}{}", oracle.stdout, oracle.stderr);
    assert!(said.contains("unsuitable certificate purpose"), "{said}");
    assert!(
        said.contains("key usage does not include certificate signing"),
        "{said}"
    );

    let ran = verify(&["--ca", &path("root.pem"), &chain]).await;
    assert!(ran.ok(), "{}{}", ran.stdout, ran.stderr);
    let notes: Vec<&str> = ran.stdout.lines().filter(|line| line.starts_with("  note: ")).collect();
    assert_eq!(
        notes,
        [
            "  note: certificate CN=leaf has a key usage without digitalSignature, keyEncipherment or keyAgreement, so its key may not be used in a TLS handshake: rustls accepts it (rustls-webpki does not read key usage), but OpenSSL, and curl and Python built on it, refuse it; make it again with digitalSignature in its key usage",
            "  note: the intermediate CN=inter (certificate 2 of the file) has a key usage without keyCertSign, so it may not sign certificates: rustls accepts it (rustls-webpki does not read key usage), but OpenSSL, and curl and Python built on it, refuse every chain through it; make it again with keyCertSign in its key usage",
        ],
        "{}",
        ran.stdout
    );
}

/// Makes `STEM.pem` and `STEM.key` in `dir` with openssl: self-signed, or signed by `issuer`'s
/// (`ISSUER.pem`, `ISSUER.key`), with the extensions `ext` (openssl's extfile lines).
async fn openssl_cert(dir: &Path, stem: &str, issuer: Option<&str>, ext: &str) {
    let (csr, cert, key, extfile) = (
        format!("{stem}.csr"),
        format!("{stem}.pem"),
        format!("{stem}.key"),
        format!("{stem}.ext"),
    );
    let subject = format!("/CN={stem}");
    let new_key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    write(dir, &extfile, ext);
    let mut request = vec![
        "req",
        "-new",
        "-keyout",
        key.as_str(),
        "-out",
        csr.as_str(),
        "-subj",
        subject.as_str(),
    ];
    request.extend(new_key);
    openssl_in(dir, &request).await;
    let (ca, ca_key) = match issuer {
        Some(issuer) => (format!("{issuer}.pem"), format!("{issuer}.key")),
        None => (String::new(), String::new()),
    };
    let mut sign = vec![
        "x509",
        "-req",
        "-in",
        csr.as_str(),
        "-out",
        cert.as_str(),
        "-days",
        "30",
        "-extfile",
        extfile.as_str(),
    ];
    if issuer.is_some() {
        sign.extend(["-CA", ca.as_str(), "-CAkey", ca_key.as_str()]);
    } else {
        sign.extend(["-key", key.as_str()]);
    }
    openssl_in(dir, &sign).await;
}

/// The certificate at fault is found on the path, whatever the file's order: a pathLenConstraint
/// broken with the intermediates listed top first; an intermediate whose extended key usage lacks
/// serverAuth (not the leaf, which has it); a client chain listing its CA first.
#[tokio::test]
async fn verify_finds_the_certificate_at_fault_on_the_path() {
    let dir = temp_dir();
    let ca = "basicConstraints=critical,CA:TRUE\nkeyUsage=keyCertSign,cRLSign\n";
    let leaf = "subjectAltName=DNS:at.test\nextendedKeyUsage=serverAuth\n";
    openssl_cert(dir.path(), "root", None, ca).await;
    openssl_cert(
        dir.path(),
        "top",
        Some("root"),
        "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=keyCertSign\n",
    )
    .await;
    openssl_cert(dir.path(), "low", Some("top"), ca).await;
    openssl_cert(dir.path(), "leaf", Some("low"), leaf).await;
    openssl_cert(
        dir.path(),
        "eku",
        Some("root"),
        &format!("{ca}extendedKeyUsage=clientAuth\n"),
    )
    .await;
    openssl_cert(dir.path(), "served", Some("eku"), leaf).await;
    let read = |stem: &str| std::fs::read_to_string(dir.path().join(format!("{stem}.pem"))).expect("a certificate");
    let file = |name: &str, stems: &[&str]| {
        let contents: String = stems.iter().map(|stem| read(stem)).collect();
        write(dir.path(), name, contents).display().to_string()
    };
    let root = dir.path().join("root.pem").display().to_string();
    let top_first = file("top-first.pem", &["leaf", "top", "low"]);
    assert_eq!(
        invalid(&["--ca", &root, &top_first]).await,
        format!(
            "invalid: {top_first}: the intermediate CN=top (certificate 2 of the chain) allows 0 intermediate CA(s) below it (its basicConstraints pathLenConstraint), and the chain has 1; issue the chain again with fewer intermediate CAs below that CA, or from a CA whose pathLenConstraint allows them"
        )
    );
    let eku = file("eku.pem", &["served", "eku"]);
    assert_eq!(
        invalid(&["--ca", &root, &eku]).await,
        format!(
            "invalid: {eku}: the intermediate CN=eku (certificate 2 of the chain) has an extended key usage without serverAuth, and a CA's extended key usage limits what the certificates below it may be used for; its CA must issue it again with serverAuth in its extended key usage, or with no extended key usage"
        )
    );
    let ca_first = file("ca-first.pem", &["low", "leaf"]);
    let text = invalid(&["--ca", &root, &ca_first, "--purpose", "client"]).await;
    assert!(text.contains("comes at place 2: put it first"), "{text}");
}

/// A server certificate with an RSA-1024 key: its chain verifies (with a note that the handshake
/// will fail), and echo-client against openssl s_server serving it says the key is what rustls
/// refuses, not that a signature is bad.
#[tokio::test]
async fn an_rsa_1024_server_key_is_noted_and_explained_in_the_handshake() {
    let dir = temp_dir();
    openssl_cert(
        dir.path(),
        "root",
        None,
        "basicConstraints=critical,CA:TRUE\nkeyUsage=keyCertSign\n",
    )
    .await;
    let ext = write(
        dir.path(),
        "weak.ext",
        "subjectAltName=DNS:weak.test\nextendedKeyUsage=serverAuth\n",
    );
    let ext = ext.display().to_string();
    openssl_in(
        dir.path(),
        &[
            "req",
            "-new",
            "-newkey",
            "rsa:1024",
            "-nodes",
            "-keyout",
            "weak.key",
            "-out",
            "weak.csr",
            "-subj",
            "/CN=weak.test",
        ],
    )
    .await;
    openssl_in(
        dir.path(),
        &[
            "x509", "-req", "-in", "weak.csr", "-CA", "root.pem", "-CAkey", "root.key", "-out", "weak.pem", "-days",
            "30", "-extfile", &ext,
        ],
    )
    .await;
    let path = |name: &str| dir.path().join(name).display().to_string();
    let ran = verify(&["--ca", &path("root.pem"), &path("weak.pem")]).await;
    assert!(ran.ok(), "{}", ran.stdout);
    assert!(
        ran.stdout.contains("  note: certificate CN=weak.test has a key rustls will not check a handshake signature with (RSA 1024 bits, under the 2048 bits rustls accepts): the chain verifies, but a TLS connection with it fails"),
        "{}",
        ran.stdout
    );
    let (cert, key) = (path("weak.pem"), path("weak.key"));
    let (_server, accept) =
        test_support::openssl_server(&["-cert", &cert, "-key", &key, "-cipher", "DEFAULT@SECLEVEL=0", "-quiet"]).await;
    let ran = run(
        env!("CARGO_BIN_EXE_tls-cert"),
        &[
            "verify",
            "--ca",
            &path("root.pem"),
            "--connect",
            &accept,
            "--server-name",
            "weak.test",
        ],
        "(built by cargo)",
        b"",
    )
    .await;
    let said = format!("{}{}", ran.stdout, ran.stderr);
    assert!(
        said.contains("certificate CN=weak.test has a key the verifier cannot check signatures with: RSA 1024 bits, under the 2048 bits rustls accepts")
            && !said.contains("BadSignature"),
        "{said}"
    );
}

/// What rustls does not check in a trusted CA and OpenSSL does (its pathLenConstraint, an unknown
/// critical extension): valid, with a note for each, and `openssl verify` refuses the same chain.
#[tokio::test]
async fn verify_notes_what_openssl_checks_in_a_trusted_ca() {
    let dir = temp_dir();
    let root = "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=keyCertSign\n1.3.6.1.4.1.55738.666.1=critical,ASN1:NULL\n";
    openssl_cert(dir.path(), "root", None, root).await;
    openssl_cert(
        dir.path(),
        "inter",
        Some("root"),
        "basicConstraints=critical,CA:TRUE\nkeyUsage=keyCertSign\n",
    )
    .await;
    openssl_cert(
        dir.path(),
        "leaf",
        Some("inter"),
        "subjectAltName=DNS:anchor.test\nextendedKeyUsage=serverAuth\n",
    )
    .await;
    let path = |name: &str| dir.path().join(name).display().to_string();
    let oracle = run(
        "openssl",
        &[
            "verify",
            "-CAfile",
            &path("root.pem"),
            "-untrusted",
            &path("inter.pem"),
            &path("leaf.pem"),
        ],
        "openssl",
        b"",
    )
    .await;
    assert!(!oracle.ok(), "openssl accepts it: {}", oracle.stdout);
    let chain = write(
        dir.path(),
        "chain.pem",
        std::fs::read_to_string(path("leaf.pem")).expect("leaf")
            + &std::fs::read_to_string(path("inter.pem")).expect("inter"),
    )
    .display()
    .to_string();
    let ran = verify(&["--ca", &path("root.pem"), &chain]).await;
    assert!(ran.ok(), "{}", ran.stdout);
    let notes: Vec<&str> = ran.stdout.lines().filter(|line| line.starts_with("  note: ")).collect();
    assert_eq!(
        notes,
        [
            "  note: the trusted CA CN=root allows 0 intermediate CA(s) below it (its pathLenConstraint), and the chain has 1: rustls does not check a trusted CA's pathLenConstraint, but OpenSSL (and curl) refuse the chain",
            "  note: the trusted CA CN=root has an extension marked critical that is not read, 1.3.6.1.4.1.55738.666.1: rustls does not look at a trusted CA's extensions, but OpenSSL (and curl) refuse every chain up to it",
        ],
        "{}\n{}",
        ran.stdout,
        oracle.stderr
    );
}

/// An intermediate CA made by openssl (root -> intermediate) signs with `generate --ca`: server.pem
/// holds the server's certificate and the intermediate, not the root, and the output names the root
/// clients must trust. openssl s_client, trusting the root alone, verifies echo-server serving it;
/// the same with the root in the intermediate's file (still not sent).
#[tokio::test]
async fn an_intermediate_made_by_openssl_signs_and_its_chain_is_written() {
    let dir = temp_dir();
    let path = |name: &str| dir.path().join(name).display().to_string();
    let openssl = |args: Vec<String>| async move {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let ran = run("openssl", &args, "openssl", b"").await;
        assert!(ran.ok(), "openssl {args:?}: {}", ran.stderr);
    };
    let words = |text: &str| text.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
    openssl(words(&format!(
        "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj /CN=HandMadeRoot \
         -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
         -keyout {} -out {}",
        path("root.key"),
        path("root.pem")
    )))
    .await;
    openssl(words(&format!(
        "req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=HandMadeIntermediate -keyout {} -out {}",
        path("int.key"),
        path("int.csr")
    )))
    .await;
    std::fs::write(
        dir.path().join("int.ext"),
        "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n",
    )
    .expect("extensions file");
    openssl(words(&format!(
        "x509 -req -in {} -CA {} -CAkey {} -CAcreateserial -days 20 -extfile {} -out {}",
        path("int.csr"),
        path("root.pem"),
        path("root.key"),
        path("int.ext"),
        path("int.pem")
    )))
    .await;
    let int_and_root = format!(
        "{}{}",
        std::fs::read_to_string(path("int.pem")).expect("int.pem"),
        std::fs::read_to_string(path("root.pem")).expect("root.pem")
    );
    std::fs::write(dir.path().join("int-and-root.pem"), int_and_root).expect("int-and-root.pem");
    for (ca_file, root_said) in [
        (
            "int.pem",
            "clients must trust the root that issued CN=HandMadeIntermediate",
        ),
        ("int-and-root.pem", "clients must trust the root CN=HandMadeRoot"),
    ] {
        let out = dir.path().join(format!("out-{ca_file}"));
        let ran = tls_cert(&[
            "generate",
            "--out",
            &out.display().to_string(),
            "--ca",
            &path(ca_file),
            "--ca-key",
            &path("int.key"),
            "--days",
            "10",
        ])
        .await;
        assert!(ran.ok(), "{}", ran.stderr);
        let chain = pem::load_cert_chain(out.join("server.pem")).expect("server.pem");
        let subjects: Vec<String> = chain.iter().map(tls_core::x509::subject).collect();
        assert_eq!(subjects.len(), 2, "{subjects:?}");
        assert_eq!(subjects[1], "CN=HandMadeIntermediate", "{subjects:?}");
        let clients_must = ran.stdout.lines().find(|line| line.starts_with("clients must trust"));
        assert!(
            clients_must.is_some_and(|line| line.starts_with(root_said)),
            "{ca_file}: {}",
            ran.stdout
        );
        let server = RunningServer::start(
            test_support::server_config(
                pem::load_identity(out.join("server.pem"), out.join("server.key")).expect("identity"),
            ),
            ServerOptions::default(),
        )
        .await;
        let checked = run(
            "openssl",
            &[
                "s_client",
                "-connect",
                &server.address(),
                "-CAfile",
                &path("root.pem"),
                "-verify_return_error",
                "-verify_hostname",
                "localhost",
            ],
            "openssl",
            b"",
        )
        .await;
        assert!(
            checked.ok() && checked.stdout.contains("Verify return code: 0 (ok)"),
            "{ca_file}: {}{}",
            checked.stdout,
            checked.stderr
        );
        assert!(
            checked.stdout.contains("depth=1 CN = HandMadeIntermediate")
                || checked.stderr.contains("depth=1 CN = HandMadeIntermediate"),
            "{}{}",
            checked.stdout,
            checked.stderr
        );
    }
}

/// `tls-cert sign`: a request made by openssl asking for names, key usages, a CA's powers and an
/// extension of its own is signed with only what a leaf may carry, each dropped thing said; openssl
/// reads the names, CA:FALSE and the request's own key in the certificate, and verifies it for a TLS
/// server. A request changed after it was signed (openssl req -verify refuses it too), a "CA" that is
/// not one, a key that is not the CA's and an --out that exists are refused, exit 2, nothing written.
#[tokio::test]
async fn sign_keeps_what_a_leaf_may_carry_and_refuses_what_it_must() {
    let pki = PkiFiles::new();
    let dir = temp_dir();
    let path = |name: &str| dir.path().join(name).display().to_string();
    let asked = [
        "-addext",
        "subjectAltName=DNS:app.test,IP:10.0.0.1",
        "-addext",
        "keyUsage=digitalSignature,keyCertSign",
        "-addext",
        "extendedKeyUsage=serverAuth,1.2.3.4",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "nsComment=hello",
    ];
    test_support::openssl_p256_request("/CN=app.test", &asked, &path("app.key"), &path("app.csr")).await;
    let (ca, ca_key) = (pki.arg("ca.pem"), pki.arg("ca.key"));
    let (request, signed) = (path("app.csr"), path("app.pem"));
    // Signed once, then again onto the same --out (refused without --force).
    let sign = ["sign", &request, "--ca", &ca, "--ca-key", &ca_key, "--out", &signed];
    let ran = tls_cert(&sign).await;
    assert!(ran.ok(), "{}", ran.stderr);
    for said in [
        "kept: DNS app.test",
        "kept: IP 10.0.0.1",
        "kept: key usage digitalSignature",
        "kept: extended key usage serverAuth",
        "dropped: key usage keyCertSign",
        "dropped: extended key usage 1.2.3.4",
        "dropped: basic constraints CA:TRUE",
        "dropped: the extension Netscape Comment (2.16.840.1.113730.1.13)",
    ] {
        assert!(ran.stdout.contains(said), "{said}: {}", ran.stdout);
    }
    let text = run(
        "openssl",
        &["x509", "-in", &path("app.pem"), "-noout", "-text"],
        "openssl",
        b"",
    )
    .await;
    assert!(
        text.stdout.contains("DNS:app.test, IP Address:10.0.0.1"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("CA:FALSE"), "{}", text.stdout);
    assert!(
        !text.stdout.contains("Certificate Sign") && !text.stdout.contains("1.2.3.4") && !text.stdout.contains("hello"),
        "{}",
        text.stdout
    );
    openssl_verify(&pki.path("ca.pem"), "sslserver", &dir.path().join("app.pem")).await;
    let theirs = run(
        "openssl",
        &["req", "-in", &path("app.csr"), "-noout", "-pubkey"],
        "openssl",
        b"",
    )
    .await;
    let ours = run(
        "openssl",
        &["x509", "-in", &path("app.pem"), "-noout", "-pubkey"],
        "openssl",
        b"",
    )
    .await;
    assert_eq!(
        ours.stdout, theirs.stdout,
        "the certificate carries the request's own key"
    );

    // The same request with one byte of its subject changed: its signature no longer verifies.
    let pem = std::fs::read_to_string(path("app.csr")).expect("app.csr");
    use tls_core::pki_types::pem::PemObject as _;
    let der = tls_core::pki_types::CertificateSigningRequestDer::from_pem_slice(pem.as_bytes()).expect("a request");
    let mut changed = der.as_ref().to_vec();
    let at = changed.windows(8).position(|w| w == b"app.test").expect("the subject");
    changed[at] = b'b';
    std::fs::write(dir.path().join("changed.csr"), &changed).expect("changed.csr");
    let checked = run(
        "openssl",
        &[
            "req",
            "-in",
            &path("changed.csr"),
            "-inform",
            "DER",
            "-noout",
            "-verify",
        ],
        "openssl",
        b"",
    )
    .await;
    // OpenSSL 3.0 says so and still exits 0: its words are the oracle.
    let said = format!("{}{}", checked.stdout, checked.stderr);
    assert!(said.contains("verify failure"), "openssl req -verify takes it: {said}");
    for (args, said) in [
        (
            vec![
                path("changed.csr"),
                "--ca".into(),
                ca.clone(),
                "--ca-key".into(),
                ca_key.clone(),
            ],
            "signature does not verify",
        ),
        (
            vec![
                path("app.csr"),
                "--ca".into(),
                pki.arg("server.pem"),
                "--ca-key".into(),
                pki.arg("server.key"),
            ],
            "not a CA certificate",
        ),
        (
            vec![
                path("app.csr"),
                "--ca".into(),
                ca.clone(),
                "--ca-key".into(),
                path("app.key"),
            ],
            "does not match",
        ),
    ] {
        let mut all: Vec<&str> = vec!["sign"];
        all.extend(args.iter().map(String::as_str));
        let refused = path("refused.pem");
        all.extend(["--out", &refused]);
        let ran = tls_cert(&all).await;
        assert_eq!(ran.code, Some(2), "{all:?}: {}", ran.stderr);
        assert!(ran.stderr.contains(said), "{all:?}: {}", ran.stderr);
        assert!(!dir.path().join("refused.pem").exists(), "{all:?} wrote a file");
    }
    // A folder, an empty file and bytes that are no request: each named, exit 2, nothing written.
    std::fs::create_dir(dir.path().join("folder.csr")).expect("a folder");
    std::fs::write(dir.path().join("empty.csr"), b"").expect("empty.csr");
    std::fs::write(dir.path().join("junk.csr"), [0x30, 0x03, 0x02, 0x01, 0x00, 0xff]).expect("junk.csr");
    for (request, said) in [
        ("folder.csr", "it is a directory"),
        ("empty.csr", "the file is empty"),
        ("junk.csr", "it is not a certificate signing request"),
    ] {
        let refused = path("refused.pem");
        let ran = tls_cert(&[
            "sign",
            &path(request),
            "--ca",
            &ca,
            "--ca-key",
            &ca_key,
            "--out",
            &refused,
        ])
        .await;
        assert_eq!(ran.code, Some(2), "{request}: {}", ran.stderr);
        assert!(
            ran.stderr.contains(said) && ran.stderr.contains(request),
            "{request}: {}",
            ran.stderr
        );
        assert!(!dir.path().join("refused.pem").exists(), "{request} wrote a file");
    }
    let before = std::fs::read(path("app.pem")).expect("app.pem");
    let ran = tls_cert(&sign).await;
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert_eq!(
        std::fs::read(path("app.pem")).expect("app.pem"),
        before,
        "--out was replaced without --force"
    );
}
