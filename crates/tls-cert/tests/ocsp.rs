//! `tls-cert ocsp` and `tls-cert ocsp-responder` on a CA folder, with openssl as the second opinion:
//! `openssl ocsp -respin` reads and verifies the file, `openssl ocsp -url` asks the responder (POST,
//! with a nonce), curl asks it by GET.

use test_support::{Output, Peer, PkiFiles, Ran, run, temp_dir, write};

const TLS_CERT: &str = env!("CARGO_BIN_EXE_tls-cert");

async fn tls_cert(args: &[&str]) -> Ran {
    run(TLS_CERT, args, "(built by cargo)", b"").await
}

async fn openssl(args: &[&str]) -> Ran {
    run("openssl", args, "openssl", b"").await
}

/// `openssl ocsp -respin FILE` verifying it against the folder's CA for `cert`: its output, both streams.
async fn openssl_reads(pki: &PkiFiles, response: &str, cert: &str) -> String {
    let ca = pki.arg("ca.pem");
    let read = openssl(&[
        "ocsp", "-respin", response, "-issuer", &ca, "-CAfile", &ca, "-cert", cert,
    ])
    .await;
    format!("{}{}", read.stdout, read.stderr)
}

#[tokio::test]
async fn ocsp_writes_what_openssl_verifies_good_then_revoked() {
    let pki = PkiFiles::new();
    let dir = pki.dir().display().to_string();
    let (server, client) = (pki.arg("server.pem"), pki.arg("client.pem"));
    let out = temp_dir();
    let good = out.path().join("good.der").display().to_string();
    let ran = tls_cert(&["ocsp", &server, "--ca-dir", &dir, "--out", &good]).await;
    assert!(ran.ok(), "{}", ran.stderr);
    assert!(
        ran.stdout
            .contains(&format!("wrote {good}: OCSP response for CN=127.0.0.1, serial "))
            && ran
                .stdout
                .contains(": good; signed by CN=tls-echo demo CA, current for 7 days"),
        "{}",
        ran.stdout
    );
    let said = openssl_reads(&pki, &good, &server).await;
    assert!(
        said.contains("Response verify OK") && said.contains(&format!("{server}: good")),
        "{said}"
    );

    // Revoked, and asked again: the same file is refused without --force, replaced with it.
    let revoked = tls_cert(&["revoke", &server, "--ca-dir", &dir, "--reason", "keyCompromise"]).await;
    assert!(revoked.ok(), "{}", revoked.stderr);
    let ran = tls_cert(&["ocsp", &server, "--ca-dir", &dir, "--out", &good]).await;
    assert_eq!(ran.code, Some(2), "{ran:?}");
    assert!(ran.stderr.contains("exists: give --force"), "{}", ran.stderr);
    let ran = tls_cert(&[
        "ocsp", &server, "--ca-dir", &dir, "--out", &good, "--force", "--days", "1",
    ])
    .await;
    assert!(
        ran.ok()
            && ran.stdout.contains(", reason keyCompromise; signed by")
            && ran.stdout.contains("current for 1 day"),
        "{ran:?}"
    );
    let said = openssl_reads(&pki, &good, &server).await;
    assert!(
        said.contains("Response verify OK")
            && said.contains(&format!("{server}: revoked"))
            && said.contains("Reason: keyCompromise"),
        "{said}"
    );
    // Another CA's certificate, the CA itself, a folder that is none: refused, nothing written.
    let other = PkiFiles::new();
    let nothing = out.path().join("nothing.der").display().to_string();
    for (args, words) in [
        (
            vec!["ocsp", &other.arg("server.pem"), "--ca-dir", &dir, "--out", &nothing],
            "was not signed by the CA of",
        ),
        (
            vec!["ocsp", &pki.arg("ca.pem"), "--ca-dir", &dir, "--out", &nothing],
            "is the CA itself",
        ),
        (
            vec!["ocsp", &client, "--ca-dir", &server, "--out", &nothing],
            "is not a folder",
        ),
        (
            vec!["ocsp", &client, "--ca-dir", &dir, "--out", &nothing, "--days", "5000"],
            "would outlive their CA",
        ),
        (
            vec!["ocsp", &client, "--ca-dir", &dir, "--out", &nothing, "--days", "0"],
            "a list current for 0 days",
        ),
    ] {
        let ran = tls_cert(&args).await;
        assert_eq!(ran.code, Some(2), "{args:?}: {ran:?}");
        assert!(ran.stderr.contains(words), "{words:?}: {}", ran.stderr);
        assert!(!std::path::Path::new(&nothing).exists());
    }
}

#[tokio::test]
async fn the_responder_answers_openssl_by_post_and_curl_by_get_as_the_index_says_now() {
    let pki = PkiFiles::new();
    let dir = pki.dir().display().to_string();
    let (ca, server, client) = (pki.arg("ca.pem"), pki.arg("server.pem"), pki.arg("client.pem"));
    let mut responder = Peer::spawn(
        TLS_CERT,
        &["ocsp-responder", "--ca-dir", &dir, "--listen", "127.0.0.1:0"],
        "(built by cargo)",
    );
    let line = responder.wait_for(Output::Stdout, "listening on ").await;
    let url = format!("http://{}/", line.trim_start_matches("listening on "));
    let ask = |certs: Vec<String>| {
        let (url, ca) = (url.clone(), ca.clone());
        async move {
            let mut args = vec![
                "ocsp".to_owned(),
                "-url".into(),
                url,
                "-issuer".into(),
                ca.clone(),
                "-CAfile".into(),
                ca,
            ];
            for cert in certs {
                args.extend(["-cert".to_owned(), cert]);
            }
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let ran = openssl(&args).await;
            format!("{}{}", ran.stdout, ran.stderr)
        }
    };
    let said = ask(vec![server.clone(), client.clone()]).await;
    assert!(
        said.contains("Response verify OK")
            && said.contains(&format!("{server}: good"))
            && said.contains(&format!("{client}: good")),
        "{said}"
    );
    // openssl sends a nonce and checks it comes back: no warning.
    assert!(!said.contains("nonce"), "{said}");
    responder.wait_for(Output::Stderr, ": good; serial ").await;

    // Revoked while it runs: the next answer says so.
    let revoked = tls_cert(&["revoke", &client, "--ca-dir", &dir, "--reason", "superseded"]).await;
    assert!(revoked.ok(), "{}", revoked.stderr);
    let said = ask(vec![client.clone()]).await;
    assert!(
        said.contains(&format!("{client}: revoked")) && said.contains("Reason: superseded"),
        "{said}"
    );

    // GET, the request in base64 in the path (as browsers ask), through curl.
    let work = temp_dir();
    let request = work.path().join("request.der").display().to_string();
    test_support::openssl_ocsp_request(&ca, &server, &request).await;
    let encoded = {
        use std::fmt::Write as _;
        let b64 = run("base64", &["-w0", &request], "coreutils", b"").await.stdout;
        b64.trim().bytes().fold(String::new(), |mut out, b| {
            if b.is_ascii_alphanumeric() {
                out.push(char::from(b));
            } else {
                let _ = write!(out, "%{b:02X}");
            }
            out
        })
    };
    let answer = work.path().join("answer.der").display().to_string();
    // At the responder's root, and under a responder URL with a path of its own.
    for asked in [format!("{url}{encoded}"), format!("{url}ocsp/{encoded}")] {
        let got = run(
            "curl",
            &[
                "--silent",
                "--show-error",
                "--max-time",
                "10",
                "--output",
                &answer,
                &asked,
            ],
            "curl",
            b"",
        )
        .await;
        assert!(got.ok(), "{asked}: {}", got.stderr);
        let said = openssl_reads(&pki, &answer, &server).await;
        assert!(
            said.contains("Response verify OK") && said.contains(&format!("{server}: good")),
            "{asked}: {said}"
        );
    }

    // Another CA's certificate: unauthorized; bytes that are no request: malformedRequest.
    let other = PkiFiles::new();
    let foreign = openssl(&[
        "ocsp",
        "-url",
        &url,
        "-issuer",
        &other.arg("ca.pem"),
        "-cert",
        &other.arg("server.pem"),
    ])
    .await;
    assert!(
        format!("{}{}", foreign.stdout, foreign.stderr).contains("unauthorized"),
        "{foreign:?}"
    );
    let junk = write(work.path(), "junk.bin", "not an OCSP request");
    let got = run(
        "curl",
        &[
            "--silent",
            "--max-time",
            "10",
            "--data-binary",
            &format!("@{}", junk.display()),
            "--output",
            &answer,
            &url,
        ],
        "curl",
        b"",
    )
    .await;
    assert!(got.ok(), "{}", got.stderr);
    let read = openssl(&["ocsp", "-respin", &answer, "-resp_text", "-noverify"]).await;
    assert!(
        format!("{}{}", read.stdout, read.stderr)
            .to_ascii_lowercase()
            .contains("malformedrequest"),
        "{read:?}"
    );
    let line = responder
        .wait_for(Output::Stderr, "malformedRequest (it is not an OCSP request)")
        .await;
    assert!(line.starts_with("127.0.0.1:"), "{line}");
}

#[tokio::test]
async fn certificates_made_with_revocation_urls_lead_openssl_to_the_responder_and_testssl_finds_them() {
    let work = temp_dir();
    let dir = work.path().join("pki");
    let dir_arg = dir.display().to_string();
    // The responder first (port 0), then a PKI whose certificates point at it.
    let made = tls_cert(&["generate", "--out", &dir_arg]).await;
    assert!(made.ok(), "{}", made.stderr);
    let mut responder = Peer::spawn(
        TLS_CERT,
        &["ocsp-responder", "--ca-dir", &dir_arg, "--listen", "127.0.0.1:0"],
        "(built by cargo)",
    );
    let line = responder.wait_for(Output::Stdout, "listening on ").await;
    let url = format!("http://{}/", line.trim_start_matches("listening on "));
    let crl_url = "http://127.0.0.1:9/crl.pem";
    let site = work.path().join("site").display().to_string();
    let (ca, ca_key) = (format!("{dir_arg}/ca.pem"), format!("{dir_arg}/ca.key"));
    let made = tls_cert(&[
        "generate",
        "--out",
        &site,
        "--ca",
        &ca,
        "--ca-key",
        &ca_key,
        "--ocsp-url",
        &url,
        "--crl-url",
        crl_url,
    ])
    .await;
    assert!(made.ok(), "{}", made.stderr);
    let cert = format!("{site}/server.pem");
    // openssl reads the responder's address from the certificate and asks it.
    let uri = openssl(&["x509", "-in", &cert, "-noout", "-ocsp_uri"]).await;
    assert_eq!(uri.stdout.trim(), url);
    let asked = openssl(&[
        "ocsp",
        "-url",
        uri.stdout.trim(),
        "-issuer",
        &ca,
        "-CAfile",
        &ca,
        "-cert",
        &cert,
    ])
    .await;
    let said = format!("{}{}", asked.stdout, asked.stderr);
    assert!(
        said.contains("Response verify OK") && said.contains(&format!("{cert}: good")),
        "{said}"
    );

    // Served with its answer stapled: testssl.sh finds the CRL, the responder and the staple.
    let staple = work.path().join("server.ocsp").display().to_string();
    let wrote = tls_cert(&["ocsp", &cert, "--ca-dir", &dir_arg, "--out", &staple]).await;
    assert!(wrote.ok(), "{}", wrote.stderr);
    let mut identity = tls_core::pem::load_identity(&cert, format!("{site}/server.key")).expect("the certificate");
    let mut served = vec![identity.clone()];
    let bytes = std::fs::read(&staple).expect("the response");
    tls_core::ocsp::read_response(&bytes)
        .expect("a response")
        .staple(
            &bytes,
            &mut served,
            i64::try_from(tls_core::pki_types::UnixTime::now().as_secs()).expect("now"),
        )
        .expect("stapled");
    identity = served.remove(0);
    let config =
        tls_core::config::server_config(identity, None, &tls_core::config::TlsOptions::default()).expect("config");
    let server = test_support::RunningServer::start(config, tls_core::server::ServerOptions::default()).await;
    let ran = test_support::run_within(
        std::time::Duration::from_secs(120),
        "testssl",
        &["--quiet", "--color", "0", "--warnings", "off", "-S", &server.address()],
        "testssl.sh",
        b"",
    )
    .await;
    let lines: Vec<&str> = ran
        .stdout
        .lines()
        .filter(|line| {
            ["Certificate Revocation List", "OCSP URI", "OCSP stapling"]
                .iter()
                .any(|k| line.contains(k))
        })
        .map(str::trim)
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("Certificate Revocation List") && l.ends_with(crl_url))
            && lines.iter().any(|l| l.starts_with("OCSP URI") && l.ends_with(&url))
            && lines
                .iter()
                .any(|l| l.starts_with("OCSP stapling") && l.contains("offered") && !l.contains("not offered")),
        "{lines:#?}\n{}",
        ran.stdout
    );
}
