//! Loading certificates, keys and CA bundles: every loading case (L1-L6) of the README's reliability table asserts the message a
//! person sees, and the formats of L3 load, including keys written by openssl.

use std::path::{Path, PathBuf};
use std::process::Command;

use test_support::{pki, temp_dir as temp, write, write_issued};
use tls_core::config::{self, TlsOptions};
use tls_core::pem;

/// Runs openssl with `args` in `dir`; openssl is a real peer here, so its absence fails the test.
fn openssl(dir: &Path, args: &[&str]) {
    let output = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|err| panic!("cannot run openssl ({err}); install it: apt-get install openssl"));
    assert!(
        output.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn message<T: std::fmt::Debug>(result: tls_core::Result<T>) -> String {
    result.expect_err("loading must fail").report().to_string()
}

#[test]
fn missing_file_names_the_path() {
    let dir = temp();
    let path = dir.path().join("nope.pem");
    let text = message(pem::load_cert_chain(&path));
    assert_eq!(
        text,
        format!(
            "cannot load certificate chain from {}: there is no such file",
            path.display()
        )
    );
}

#[test]
fn directory_is_called_a_directory() {
    let dir = temp();
    let text = message(pem::load_private_key(dir.path()));
    assert_eq!(
        text,
        format!(
            "cannot load private key from {}: it is a directory, not a file",
            dir.path().display()
        )
    );
}

#[test]
fn empty_file_is_called_empty() {
    let dir = temp();
    let path = write(dir.path(), "empty.pem", "\n  \n");
    assert!(message(pem::load_cert_chain(&path)).ends_with("the file is empty"));
    assert!(message(pem::load_ca_certs(&path)).ends_with("the file is empty"));
}

#[test]
fn swapped_cert_and_key_are_suspected() {
    let dir = temp();
    let (cert, key) = write_issued(dir.path(), "server", &pki().server);
    // Read together (a --cert and its --key), a key where the certificate belongs means a swap.
    assert_eq!(
        message(pem::load_identity(&key, &cert)),
        format!(
            "cannot load certificate chain from {}: no CERTIFICATE block found (the file holds 1 PRIVATE KEY block); are the certificate and key files swapped?",
            key.display()
        )
    );
    assert_eq!(
        message(pem::load_private_key(&cert)),
        format!(
            "cannot load private key from {}: no PKCS#8, PKCS#1 or SEC1 private key found (the file holds 1 CERTIFICATE block); that is a certificate, not its private key",
            cert.display()
        )
    );
    assert_eq!(
        message(pem::load_cert_chain(&key)),
        format!(
            "cannot load certificate chain from {}: no CERTIFICATE block found (the file holds 1 PRIVATE KEY block); that is a private key, not a certificate",
            key.display()
        )
    );
}

#[test]
fn key_of_another_certificate_is_refused_with_both_files() {
    let dir = temp();
    let pki = pki();
    let (cert, _) = write_issued(dir.path(), "server", &pki.server);
    let (_, other_key) = write_issued(dir.path(), "client", &pki.client);
    assert_eq!(
        message(pem::load_identity(&cert, &other_key)),
        format!(
            "private key {} does not match certificate CN=127.0.0.1 in {}; give the key made with it",
            other_key.display(),
            cert.display()
        )
    );
    // The same check guards material handed over in memory.
    let mismatched = tls_core::Identity::new(vec![pki.server.cert.clone()], pki.client.key.clone_key());
    let text = message(config::server_config(mismatched, None, &TlsOptions::default()));
    assert!(text.contains("does not match certificate CN=127.0.0.1"), "{text}");
}

/// An EC key in the formats openssl writes: PKCS#8, SEC1, and both encrypted forms.
struct OpensslKeys {
    dir: tempfile::TempDir,
}

impl OpensslKeys {
    fn new() -> Self {
        let dir = temp();
        let d = dir.path();
        openssl(
            d,
            &[
                "ecparam",
                "-genkey",
                "-name",
                "prime256v1",
                "-noout",
                "-out",
                "sec1.key",
            ],
        );
        openssl(
            d,
            &["pkcs8", "-topk8", "-nocrypt", "-in", "sec1.key", "-out", "pkcs8.key"],
        );
        openssl(
            d,
            &[
                "pkcs8",
                "-topk8",
                "-in",
                "sec1.key",
                "-passout",
                "pass:secret",
                "-out",
                "encrypted-pkcs8.key",
            ],
        );
        openssl(
            d,
            &[
                "ec",
                "-in",
                "sec1.key",
                "-aes256",
                "-passout",
                "pass:secret",
                "-out",
                "encrypted-sec1.key",
            ],
        );
        Self { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

#[test]
fn encrypted_keys_get_the_command_that_decrypts_them() {
    let keys = OpensslKeys::new();
    for name in ["encrypted-pkcs8.key", "encrypted-sec1.key"] {
        let path = keys.path(name);
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(text.contains("ENCRYPTED"), "openssl wrote no encrypted key: {text}");
        let p = path.display();
        assert_eq!(
            message(pem::load_private_key(&path)),
            format!(
                "cannot load private key from {p}: encrypted private keys are not supported; decrypt it with: openssl pkey -in {p} -out {p}.plain"
            )
        );
    }
}

#[tokio::test]
async fn pkcs8_pkcs1_and_sec1_keys_load_and_serve() {
    let dir = temp();
    let d = dir.path();
    let keys = OpensslKeys::new();
    for name in ["sec1.key", "pkcs8.key"] {
        pem::load_private_key(keys.path(name)).unwrap_or_else(|err| panic!("{name}: {err}"));
    }
    // An RSA certificate made by openssl, its key as PKCS#1 ("BEGIN RSA PRIVATE KEY"): a full identity.
    openssl(
        d,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "rsa8.key",
            "-out",
            "rsa.pem",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost",
            // A leaf, so that a client takes it (openssl's default for -x509 is a CA).
            "-addext",
            "basicConstraints=critical,CA:FALSE",
        ],
    );
    openssl(d, &["pkey", "-in", "rsa8.key", "-traditional", "-out", "rsa1.key"]);
    let pkcs1 = std::fs::read_to_string(d.join("rsa1.key")).expect("read");
    assert!(pkcs1.starts_with("-----BEGIN RSA PRIVATE KEY-----"), "{pkcs1}");
    let identity = pem::load_identity(d.join("rsa.pem"), d.join("rsa1.key")).expect("PKCS#1 identity loads");
    let certificate = identity.chain[0].clone();
    let server_config = config::server_config(identity, None, &TlsOptions::default()).expect("a server config");
    // And serves: a client trusting that certificate gets its echo back.
    let server = test_support::RunningServer::start(server_config, Default::default()).await;
    let roots = config::root_store(&[certificate]).expect("a root store");
    let client_config = config::client_config(roots, None, &TlsOptions::default()).expect("a client config");
    let name = tls_core::client::parse_server_name("localhost").expect("a name");
    let echoed = test_support::bounded(
        "the round trip",
        tls_core::client::round_trip(&server.address(), name, client_config, b"pkcs1", Default::default()),
    )
    .await
    .expect("served with the PKCS#1 key");
    assert_eq!(echoed, b"pkcs1");
    server.stop().await;
}

#[test]
fn crlf_no_trailing_newline_and_indentation_still_load() {
    let dir = temp();
    let pki = pki();
    let crlf = pki.server.cert_pem.replace('\n', "\r\n");
    let unterminated = pki.server.key_pem.trim_end().to_owned();
    let indented: String = pki.ca.issued.cert_pem.lines().map(|l| format!("   {l}\n")).collect();
    let chain = pem::load_cert_chain(write(dir.path(), "crlf.pem", crlf)).expect("CRLF loads");
    assert_eq!(chain[0], pki.server.cert);
    pem::load_private_key(write(dir.path(), "k.key", unterminated)).expect("no trailing newline loads");
    let cas = pem::load_ca_certs(write(dir.path(), "ca.pem", indented)).expect("indented loads");
    assert_eq!(cas[0], pki.ca.issued.cert);
}

#[test]
fn der_certificate_and_key_load() {
    let dir = temp();
    let pki = pki();
    let cert = write(dir.path(), "server.der", pki.server.cert.as_ref());
    let key = write(dir.path(), "server.key.der", pki.server.key.secret_der());
    let identity = pem::load_identity(&cert, &key).expect("DER identity loads");
    assert_eq!(identity.chain, vec![pki.server.cert.clone()]);
    // A DER certificate given as the key is recognised, not called garbage.
    assert!(message(pem::load_private_key(&cert)).contains("a DER certificate"));
}

#[test]
fn missing_end_line_names_the_line() {
    let dir = temp();
    let pki = pki();
    let cut: String = pki.server.cert_pem.lines().take(4).map(|l| format!("{l}\n")).collect();
    let text = message(pem::load_cert_chain(write(dir.path(), "cut.pem", cut)));
    assert!(
        text.ends_with(
            "broken PEM at line 1: -----BEGIN CERTIFICATE----- has no -----END CERTIFICATE----- line (is the file cut short?)"
        ),
        "{text}"
    );
}

/// The line with the bad character is named, and the block it is in.
#[test]
fn corrupt_base64_names_the_block() {
    let dir = temp();
    let pki = pki();
    let mut lines: Vec<String> = pki.ca.issued.cert_pem.lines().map(str::to_owned).collect();
    lines[2] = "!!!! not base64 !!!!".into();
    let corrupt = format!("{}{}", pki.server.cert_pem, lines.join("\n"));
    let text = message(pem::load_cert_chain(write(dir.path(), "corrupt.pem", corrupt)));
    let ca_begin = pki.server.cert_pem.lines().count() + 1;
    assert!(
        text.contains(&format!(
            "broken PEM at line {}: the base64 of -----BEGIN CERTIFICATE----- (line {ca_begin}) has '!', which base64 does not use",
            ca_begin + 2
        )),
        "{text}"
    );
}

#[test]
fn ca_file_without_certificates_has_no_trust_anchors() {
    let dir = temp();
    let (_, key) = write_issued(dir.path(), "server", &pki().server);
    assert_eq!(
        message(pem::load_ca_certs(&key)),
        format!(
            "cannot load CA certificates from {}: no CERTIFICATE block, so no trust anchors found (the file holds 1 PRIVATE KEY block); that is a private key, not a certificate",
            key.display()
        )
    );
}

#[test]
fn partly_unparsable_ca_file_counts_good_and_bad() {
    let dir = temp();
    let pki = pki();
    let garbage = "-----BEGIN CERTIFICATE-----\nAAECAwQFBgcICQ==\n-----END CERTIFICATE-----\n";
    let bundle = format!("{}{garbage}{}", pki.ca.issued.cert_pem, pki.server.cert_pem);
    let path = write(dir.path(), "bundle.pem", bundle);
    let text = message(pem::load_ca_certs(&path));
    let garbage_line = pki.ca.issued.cert_pem.lines().count() + 1;
    assert!(
        text.starts_with(&format!(
            "cannot load CA certificates from {}: 2 of 3 certificates can be used as trust anchors; certificate #2 (line {garbage_line}) is not valid X.509",
            path.display()
        )),
        "{text}"
    );
}

#[test]
fn text_that_is_neither_pem_nor_der_says_so() {
    let dir = temp();
    let path = write(dir.path(), "notes.txt", "this is not a certificate\n");
    assert!(
        message(pem::load_cert_chain(&path))
            .ends_with("the file is neither PEM (no -----BEGIN line) nor a DER-encoded certificate")
    );
}

/// A certificate rustls itself refuses to serve (an extension marked critical that it does not read)
/// is said of the certificate's file, in words, not of the key as a rustls debug token.
#[test]
fn a_certificate_rustls_refuses_is_said_of_its_file() {
    let dir = temp();
    let mut params = rcgen::CertificateParams::new(vec!["crit.test".to_owned()]).expect("params");
    params.distinguished_name.push(rcgen::DnType::CommonName, "crit.test");
    let mut critical = rcgen::CustomExtension::from_oid_content(&[1, 3, 6, 1, 4, 1, 55738, 666, 1], vec![5, 0]);
    critical.set_criticality(true);
    params.custom_extensions.push(critical);
    let key = rcgen::KeyPair::generate().expect("key");
    let cert = params.self_signed(&key).expect("certificate");
    let cert_path = write(dir.path(), "crit.pem", cert.pem());
    let key_path = write(dir.path(), "crit.key", key.serialize_pem());
    assert_eq!(
        message(pem::load_identity(&cert_path, &key_path)),
        format!(
            "cannot load certificate chain from {}: certificate CN=crit.test has an extension marked critical that the verifier does not read, 1.3.6.1.4.1.55738.666.1, and a critical extension it cannot read must be refused; make that certificate again without the extension, or with it not marked critical",
            cert_path.display()
        )
    );
}
