//! `tls-cert revoke` and `tls-cert crl` run as a user runs them, on a CA folder, with openssl as the
//! second opinion: `openssl crl -text` reads the list, `openssl verify -crl_check` refuses what it
//! revokes, and `openssl ocsp -index` reads the folder's index.txt.

use test_support::{PkiFiles, Ran, run, temp_dir, write};

const TLS_CERT: &str = env!("CARGO_BIN_EXE_tls-cert");

async fn tls_cert(args: &[&str]) -> Ran {
    run(TLS_CERT, args, "(built by cargo)", b"").await
}

async fn openssl(args: &[&str]) -> Ran {
    run("openssl", args, "openssl", b"").await
}

/// The certificate's serial number as openssl prints it, lowercase.
async fn serial_of(cert: &str) -> String {
    let ran = openssl(&["x509", "-in", cert, "-noout", "-serial"]).await;
    assert!(ran.ok(), "{}", ran.stderr);
    ran.stdout.trim().trim_start_matches("serial=").to_ascii_lowercase()
}

#[tokio::test]
async fn revoke_records_what_openssl_reads_and_verify_names_serial_date_and_reason() {
    let pki = PkiFiles::new();
    let dir = pki.dir().display().to_string();
    let (ca, server, client, crl) = (
        pki.arg("ca.pem"),
        pki.arg("server.pem"),
        pki.arg("client.pem"),
        pki.arg("crl.pem"),
    );
    let serial = serial_of(&server).await;

    let ran = tls_cert(&["revoke", &server, "--ca-dir", &dir, "--reason", "keyCompromise"]).await;
    assert!(ran.ok(), "{}", ran.stderr);
    let first = ran.stdout.lines().next().unwrap_or_default().to_owned();
    assert!(
        first.starts_with(&format!("revoked CN=127.0.0.1, serial {serial}, on "))
            && first.ends_with("reason keyCompromise"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout.contains(&format!(
            "wrote {crl}: CRL number 1, 1 revoked certificate(s), next update "
        )) && ran.stdout.contains("(in 7 days)"),
        "{}",
        ran.stdout
    );

    // openssl reads the whole list: the issuer, the number, the one entry with its reason.
    let text = openssl(&["crl", "-in", &crl, "-noout", "-text"]).await;
    assert!(text.ok(), "{}", text.stderr);
    let entries: Vec<&str> = text.stdout.lines().filter(|l| l.contains("Serial Number:")).collect();
    assert_eq!(entries.len(), 1, "{}", text.stdout);
    assert!(entries[0].to_ascii_lowercase().ends_with(&serial), "{}", text.stdout);
    assert!(text.stdout.contains("Key Compromise"), "{}", text.stdout);
    assert!(
        text.stdout.contains("X509v3 CRL Number: \n                1\n"),
        "{}",
        text.stdout
    );
    let verified = openssl(&["crl", "-in", &crl, "-noout", "-CAfile", &ca]).await;
    assert!(verified.stderr.contains("verify OK"), "{}", verified.stderr);

    // openssl verify -crl_check: the server's certificate is revoked, the client's is not.
    let checked = openssl(&["verify", "-crl_check", "-CAfile", &ca, "-CRLfile", &crl, &server]).await;
    assert!(
        !checked.ok() && checked.stderr.contains("certificate revoked"),
        "{checked:?}"
    );
    let checked = openssl(&["verify", "-crl_check", "-CAfile", &ca, "-CRLfile", &crl, &client]).await;
    assert!(checked.ok(), "{checked:?}");

    // The same from tls-cert verify, with the date openssl reads in the list.
    let date = text
        .stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("Revocation Date: "))
        .expect("a revocation date")
        .to_owned();
    let refused = tls_cert(&["verify", "--ca", &ca, "--crl", &crl, &server]).await;
    assert_eq!(refused.code, Some(1), "{refused:?}");
    let said = refused.stdout.trim();
    assert!(
        said.contains(&format!("certificate CN=127.0.0.1 (serial {serial}) was revoked on "))
            && said.contains("reason keyCompromise"),
        "{said}"
    );
    let rfc3339 = said
        .split(" was revoked on ")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .expect("a date");
    let openssl_date = openssl_date_of(rfc3339).await;
    assert_eq!(openssl_date, date, "the date said is the list's");
    let json = tls_cert(&["verify", "--ca", &ca, "--crl", &crl, &server, "--json"]).await;
    let json: serde_json::Value = serde_json::from_str(json.stdout.trim()).expect("JSON");
    assert_eq!(json["refusal"]["reason"], "revoked");
    assert_eq!(json["refusal"]["serial"], serial.as_str());
    assert_eq!(json["refusal"]["why"], "keyCompromise");
    let valid = tls_cert(&["verify", "--ca", &ca, "--crl", &crl, &client, "--purpose", "client"]).await;
    assert!(valid.ok(), "{valid:?}");
    // After its next update the list says nothing: refused, with the date and what to do.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let in_30_days = tls_core::x509::unix_to_rfc3339(i64::try_from(now).expect("a time") + 30 * 86_400);
    let stale = tls_cert(&[
        "verify",
        "--ca",
        &ca,
        "--crl",
        &crl,
        &client,
        "--purpose",
        "client",
        "--at",
        &in_30_days,
    ])
    .await;
    assert_eq!(stale.code, Some(1), "{stale:?}");
    assert!(
        stale
            .stdout
            .contains("the CRL from its issuer is out of date (its next update was ")
            && stale.stdout.contains("tls-cert crl --ca-dir"),
        "{}",
        stale.stdout
    );

    // openssl's OCSP responder reads the folder's index: revoked, with the reason.
    let request = pki.arg("request.der");
    test_support::openssl_ocsp_request(&ca, &server, &request).await;
    let (index, ca_key, response) = (pki.arg("index.txt"), pki.arg("ca.key"), pki.arg("response.der"));
    let answered = openssl(&[
        "ocsp", "-index", &index, "-CA", &ca, "-rsigner", &ca, "-rkey", &ca_key, "-reqin", &request, "-respout",
        &response,
    ])
    .await;
    assert!(answered.ok(), "{}", answered.stderr);
    let read = openssl(&[
        "ocsp", "-respin", &response, "-CAfile", &ca, "-issuer", &ca, "-cert", &server,
    ])
    .await;
    assert!(
        read.stdout.contains(": revoked") && read.stdout.contains("Reason: keyCompromise"),
        "{read:?}"
    );

    // Twice: said, nothing new recorded, the list written again with the next number.
    let index_before = std::fs::read_to_string(&index).expect("index.txt");
    let again = tls_cert(&["revoke", &server, "--ca-dir", &dir, "--reason", "superseded"]).await;
    assert!(again.ok(), "{}", again.stderr);
    assert!(
        again
            .stdout
            .contains(&format!("serial {serial}, was revoked already, on "))
            && again.stdout.contains("reason keyCompromise: nothing new is recorded"),
        "{}",
        again.stdout
    );
    assert!(again.stdout.contains("CRL number 2, 1 revoked"), "{}", again.stdout);
    assert_eq!(std::fs::read_to_string(&index).expect("index.txt"), index_before);
    // The client's too: two entries; then the list alone, made again with a fresh next update.
    let older = pki.dir().join("older.crl").display().to_string();
    std::fs::copy(&crl, &older).expect("keep the list before the client's revocation");
    let both = tls_cert(&["revoke", &client, "--ca-dir", &dir]).await;
    assert!(
        both.stdout.contains("reason unspecified") && both.stdout.contains("CRL number 3, 2 revoked"),
        "{}",
        both.stdout
    );
    let fresh = tls_cert(&["crl", "--ca-dir", &dir, "--days", "30"]).await;
    assert!(
        fresh.ok() && fresh.stdout.contains("CRL number 4, 2 revoked") && fresh.stdout.contains("(in 30 days)"),
        "{fresh:?}"
    );
    assert_eq!(
        std::fs::read_to_string(pki.path("crlnumber")).expect("crlnumber"),
        "05\n"
    );
    // Two lists from the CA, in either order: the newest (highest number) is the one read.
    for crls in [[older.as_str(), crl.as_str()], [crl.as_str(), older.as_str()]] {
        let ran = tls_cert(&[
            "verify",
            "--ca",
            &ca,
            "--crl",
            crls[0],
            "--crl",
            crls[1],
            "--purpose",
            "client",
            &client,
        ])
        .await;
        assert!(
            ran.code == Some(1) && ran.stdout.contains("was revoked on"),
            "{crls:?}: {ran:?}"
        );
    }
    // Its number file lost: the numbers go on from the last list's.
    std::fs::remove_file(pki.path("crlnumber")).expect("remove crlnumber");
    let fresh = tls_cert(&["crl", "--ca-dir", &dir]).await;
    assert!(
        fresh.ok() && fresh.stdout.contains("CRL number 5, 2 revoked"),
        "{fresh:?}"
    );
    // Its index lost: refused, since a list made now would take the revocations back.
    std::fs::remove_file(pki.path("index.txt")).expect("remove index.txt");
    let refused = tls_cert(&["crl", "--ca-dir", &dir]).await;
    assert!(
        refused.code == Some(2)
            && refused.stderr.contains("index.txt is missing, but")
            && refused.stderr.contains("lists 2 revoked certificate(s)"),
        "{refused:?}"
    );
    let refused = tls_cert(&["revoke", &client, "--ca-dir", &dir, "--reason", "removeFromCRL"]).await;
    assert!(refused.code == Some(2), "{refused:?}");
}

#[tokio::test]
async fn nothing_a_command_reads_is_written_over_even_with_force() {
    let pki = PkiFiles::new();
    let dir = pki.dir().display().to_string();
    let (ca, ca_key, server) = (pki.arg("ca.pem"), pki.arg("ca.key"), pki.arg("server.pem"));
    let key_before = std::fs::read(&ca_key).expect("the CA key");
    let password = write(pki.dir(), "pw.txt", "pw\n").display().to_string();
    let request = pki.dir().join("app.csr").display().to_string();
    test_support::openssl_p256_request("/CN=app.test", &[], &pki.arg("app.key"), &request).await;
    for args in [
        vec!["ocsp", &server, "--ca-dir", &dir, "--out", &ca_key, "--force"],
        vec![
            "sign", &request, "--ca", &ca, "--ca-key", &ca_key, "--out", &ca_key, "--force",
        ],
        vec![
            "sign", &request, "--ca", &ca, "--ca-key", &ca_key, "--out", &request, "--force",
        ],
        vec![
            "pkcs12",
            "--cert",
            &server,
            "--key",
            &pki.arg("server.key"),
            "--out",
            &password,
            "--password-file",
            &password,
            "--force",
        ],
        vec![
            "generate",
            "--out",
            &dir,
            "--intermediate",
            "X",
            "--ca",
            &ca,
            "--ca-key",
            &ca_key,
            "--permit",
            "x.test",
            "--force",
        ],
    ] {
        let ran = tls_cert(&args).await;
        assert_eq!(ran.code, Some(2), "{args:?}: {ran:?}");
        assert!(
            ran.stderr
                .contains("which this command reads: it is never written over, even with --force"),
            "{args:?}: {}",
            ran.stderr
        );
    }
    assert_eq!(std::fs::read(&ca_key).expect("the CA key"), key_before);
    assert_eq!(std::fs::read_to_string(&password).expect("the password"), "pw\n");
}

/// An RFC 3339 time as openssl prints a CRL's dates (`Dec  6 18:26:12 2026 GMT`).
async fn openssl_date_of(rfc3339: &str) -> String {
    let ran = run(
        "date",
        &["-u", "-d", rfc3339, "+%b %e %H:%M:%S %Y GMT"],
        "coreutils",
        b"",
    )
    .await;
    assert!(ran.ok(), "{}", ran.stderr);
    ran.stdout.trim().to_owned()
}

#[tokio::test]
async fn revoke_refuses_what_is_not_its_to_revoke_and_writes_nothing() {
    let pki = PkiFiles::new();
    let other = PkiFiles::new();
    let dir = pki.dir().display().to_string();
    let server = pki.arg("server.pem");
    let refused = |ran: &Ran, words: &str| {
        assert_eq!(ran.code, Some(2), "{ran:?}");
        assert!(ran.stderr.contains(words), "{words:?}: {}", ran.stderr);
    };
    // Another CA's certificate, and the CA itself.
    let ran = tls_cert(&["revoke", &other.arg("server.pem"), "--ca-dir", &dir]).await;
    refused(&ran, "was not signed by the CA of");
    refused(&ran, "use its own CA's folder");
    let ran = tls_cert(&["revoke", &pki.arg("ca.pem"), "--ca-dir", &dir]).await;
    refused(&ran, "is the CA itself");
    // Not a folder; a folder without a CA; a reason that is none; zero days.
    let ran = tls_cert(&["revoke", &server, "--ca-dir", &pki.arg("ca.pem")]).await;
    refused(&ran, "is not a folder");
    let empty = temp_dir();
    let ran = tls_cert(&["revoke", &server, "--ca-dir", &empty.path().display().to_string()]).await;
    refused(&ran, "holds no ca.pem and ca.key");
    let ran = tls_cert(&["revoke", &server, "--ca-dir", &dir, "--reason", "stolen"]).await;
    refused(&ran, "one of unspecified, keyCompromise, cACompromise");
    let ran = tls_cert(&["revoke", &server, "--ca-dir", &dir, "--days", "0"]).await;
    assert_eq!(ran.code, Some(2), "{ran:?}");
    // A certificate file that is empty, and one that holds a key.
    let blank = write(empty.path(), "blank.pem", "");
    let ran = tls_cert(&["revoke", &blank.display().to_string(), "--ca-dir", &dir]).await;
    refused(&ran, "the file is empty");
    let ran = tls_cert(&["revoke", &pki.arg("server.key"), "--ca-dir", &dir]).await;
    refused(&ran, "server.key");
    // A CRL that would outlive its CA.
    let ran = tls_cert(&["revoke", &server, "--ca-dir", &dir, "--days", "36000"]).await;
    refused(&ran, "--days");
    for name in ["index.txt", "crl.pem", "crlnumber"] {
        assert!(!pki.path(name).exists(), "{name} written by a refused revoke");
    }
    // A broken index is named by file and line, and left as it is.
    let index = write(
        pki.dir(),
        "index.txt",
        "V\t271206120000Z\t\t1A\tunknown\t/CN=a\nnot an index line\n",
    );
    let ran = tls_cert(&["revoke", &server, "--ca-dir", &dir]).await;
    refused(&ran, &format!("{}: line 2: 1 tab-separated fields", index.display()));
    assert!(!pki.path("crl.pem").exists());
}

#[tokio::test]
async fn an_intermediate_is_limited_to_its_names_and_its_folder_signs_and_revokes() {
    let root = PkiFiles::new();
    let work = temp_dir();
    let team = work.path().join("team").display().to_string();
    let (ca, ca_key) = (root.arg("ca.pem"), root.arg("ca.key"));
    let made = tls_cert(&[
        "generate",
        "--out",
        &team,
        "--intermediate",
        "Team CA",
        "--ca",
        &ca,
        "--ca-key",
        &ca_key,
        "--permit",
        "example.test",
        "--permit",
        "10.0.0.0/8",
    ])
    .await;
    assert!(made.ok(), "{}", made.stderr);
    assert!(
        made.stdout
            .contains("may certify only: DNS example.test and every name below it, IP 10.0.0.0/8"),
        "{}",
        made.stdout
    );
    let (team_ca, team_key) = (format!("{team}/ca.pem"), format!("{team}/ca.key"));
    let text = openssl(&[
        "x509",
        "-in",
        &team_ca,
        "-noout",
        "-ext",
        "nameConstraints,basicConstraints",
    ])
    .await;
    assert!(
        text.stdout.contains("X509v3 Name Constraints: critical")
            && text.stdout.contains("DNS:example.test")
            && text.stdout.contains("IP:10.0.0.0/255.0.0.0")
            && text.stdout.contains("CA:TRUE, pathlen:0"),
        "{}",
        text.stdout
    );
    // A name it may certify: openssl accepts the chain; one it may not: openssl and verify refuse it.
    let (good, bad) = (
        work.path().join("good").display().to_string(),
        work.path().join("bad").display().to_string(),
    );
    let made = tls_cert(&[
        "generate",
        "--out",
        &good,
        "--ca",
        &team_ca,
        "--ca-key",
        &team_key,
        "--san",
        "app.example.test",
    ])
    .await;
    assert!(made.ok(), "{}", made.stderr);
    // tls-cert refuses a name outside them (below); openssl signs one, to see what clients say.
    std::fs::create_dir_all(&bad).expect("a folder");
    let (bad_key, bad_csr) = (format!("{bad}/server.key"), format!("{bad}/server.csr"));
    test_support::openssl_p256_request(
        "/CN=evil.test",
        &["-addext", "subjectAltName=DNS:evil.test"],
        &bad_key,
        &bad_csr,
    )
    .await;
    let made = openssl(&[
        "x509",
        "-req",
        "-in",
        &bad_csr,
        "-CA",
        &team_ca,
        "-CAkey",
        &team_key,
        "-days",
        "2",
        "-copy_extensions",
        "copy",
        "-out",
        &format!("{bad}/server.pem"),
    ])
    .await;
    assert!(made.ok(), "{}", made.stderr);
    let checked = openssl(&[
        "verify",
        "-CAfile",
        &ca,
        "-untrusted",
        &team_ca,
        &format!("{good}/server.pem"),
    ])
    .await;
    assert!(checked.ok(), "{checked:?}");
    let checked = openssl(&[
        "verify",
        "-CAfile",
        &ca,
        "-untrusted",
        &team_ca,
        &format!("{bad}/server.pem"),
    ])
    .await;
    assert!(
        !checked.ok() && checked.stderr.contains("permitted subtree violation"),
        "{checked:?}"
    );
    // As a server sends it: the certificate, then the intermediate.
    let served = format!(
        "{}{}",
        std::fs::read_to_string(format!("{bad}/server.pem")).expect("the certificate"),
        std::fs::read_to_string(&team_ca).expect("the intermediate")
    );
    std::fs::write(format!("{bad}/chain.pem"), served).expect("the chain");
    let ours = tls_cert(&["verify", "--ca", &ca, &format!("{bad}/chain.pem")]).await;
    assert!(
        ours.stdout.contains("outside the names the intermediate CN=Team CA"),
        "{}",
        ours.stdout
    );
    // Its folder revokes what it signed; openssl reads its CRL.
    let revoked = tls_cert(&["revoke", &format!("{good}/server.pem"), "--ca-dir", &team]).await;
    assert!(revoked.ok(), "{}", revoked.stderr);
    let checked = openssl(&[
        "verify",
        "-crl_check",
        "-CAfile",
        &ca,
        "-untrusted",
        &team_ca,
        "-CRLfile",
        &format!("{team}/crl.pem"),
        &format!("{good}/server.pem"),
    ])
    .await;
    assert!(checked.stderr.contains("certificate revoked"), "{checked:?}");
    // Names it may not certify, and a CA below it: refused before anything is signed.
    let ran = tls_cert(&[
        "generate",
        "--out",
        &work.path().join("outside").display().to_string(),
        "--ca",
        &team_ca,
        "--ca-key",
        &team_key,
    ])
    .await;
    assert!(
        ran.code == Some(2) && ran.stderr.contains("the CA CN=Team CA may not certify 127.0.0.1: its name constraints permit only DNS example.test and every name below it, IP 10.0.0.0/8"),
        "{ran:?}"
    );
    let ran = tls_cert(&[
        "generate",
        "--out",
        &work.path().join("below").display().to_string(),
        "--intermediate",
        "Below",
        "--ca",
        &team_ca,
        "--ca-key",
        &team_key,
        "--permit",
        "a.example.test",
    ])
    .await;
    assert!(
        ran.code == Some(2)
            && ran
                .stderr
                .contains("may sign no CA below it (its pathLenConstraint is 0)"),
        "{ran:?}"
    );
    // Without --permit, and with a name that is none: refused.
    let intermediate = |permit: &[&str]| {
        let mut args = [
            "generate",
            "--out",
            &team,
            "--intermediate",
            "X",
            "--ca",
            &ca,
            "--ca-key",
            &ca_key,
        ]
        .map(str::to_owned)
        .to_vec();
        args.extend(permit.iter().map(|arg| (*arg).to_owned()));
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            tls_cert(&args).await
        }
    };
    let ran = intermediate(&[]).await;
    assert_eq!(ran.code, Some(2), "{ran:?}");
    let ran = intermediate(&["--permit", "*.test"]).await;
    assert!(
        ran.code == Some(2) && ran.stderr.contains("is neither a domain"),
        "{ran:?}"
    );
    // Its files exist: refused without --force, nothing replaced.
    let before = std::fs::read(&team_ca).expect("ca.pem");
    let ran = intermediate(&["--permit", "x.test"]).await;
    assert!(ran.code == Some(2) && ran.stderr.contains("--force"), "{ran:?}");
    assert_eq!(std::fs::read(&team_ca).expect("ca.pem"), before);
}
