//! `tls-cert pkcs12` as a user runs it, read back by the tools that import such files: openssl pkcs12
//! (its encryption, MAC, certificates, and the key matching the certificate), Java's keytool, and
//! tls-cert inspect; keys from files in PKCS#8, PKCS#1 and SEC1 form.

use test_support::{PkiFiles, Ran, run, temp_dir, write};

const TLS_CERT: &str = env!("CARGO_BIN_EXE_tls-cert");

async fn tls_cert(args: &[&str]) -> Ran {
    run(TLS_CERT, args, "(built by cargo)", b"").await
}

/// `tls-cert pkcs12` for `cert` and `key` into `out`, the password in `password_file`.
async fn pkcs12(cert: &str, key: &str, out: &str, password_file: &str) -> Ran {
    tls_cert(&[
        "pkcs12",
        "--cert",
        cert,
        "--key",
        key,
        "--out",
        out,
        "--password-file",
        password_file,
    ])
    .await
}

async fn openssl(args: &[&str]) -> Ran {
    run("openssl", args, "openssl", b"").await
}

/// The public key openssl reads from the .p12's key, and the one it reads from `cert`: they must be
/// the same. The key goes through a file in `dir`, never to the test's output.
async fn key_matches(p12: &str, password_file: &str, cert: &str, dir: &std::path::Path) {
    let key = dir.join("from-p12.key").display().to_string();
    let out = openssl(&[
        "pkcs12",
        "-in",
        p12,
        "-passin",
        &format!("file:{password_file}"),
        "-nocerts",
        "-nodes",
        "-out",
        &key,
    ])
    .await;
    assert!(out.ok(), "openssl pkcs12 -nocerts: {}", out.stderr);
    let from_key = openssl(&["pkey", "-in", &key, "-pubout"]).await;
    let from_cert = openssl(&["x509", "-in", cert, "-noout", "-pubkey"]).await;
    assert!(from_key.ok() && !from_key.stdout.is_empty(), "{}", from_key.stderr);
    assert_eq!(
        from_key.stdout, from_cert.stdout,
        "the key in the file is the certificate's"
    );
}

#[tokio::test]
async fn pkcs12_files_open_in_openssl_java_and_inspect_modern_and_legacy() {
    let pki = PkiFiles::new();
    let dir = temp_dir();
    let password = write(dir.path(), "pw.txt", "s3cret passphrase\n").display().to_string();
    let (cert, key, ca) = (pki.arg("client.pem"), pki.arg("client.key"), pki.arg("ca.pem"));
    for (legacy, mac, encryption) in [
        (false, "MAC: sha256", "AES-256-CBC"),
        (true, "MAC: sha1", "3-KeyTripleDES-CBC"),
    ] {
        let out = dir
            .path()
            .join(if legacy { "legacy.p12" } else { "modern.p12" })
            .display()
            .to_string();
        let mut args = vec![
            "pkcs12",
            "--cert",
            &cert,
            "--key",
            &key,
            "--ca",
            &ca,
            "--out",
            &out,
            "--password-file",
            &password,
        ];
        if legacy {
            args.push("--legacy");
        }
        let ran = tls_cert(&args).await;
        assert!(ran.ok(), "{}", ran.stderr);
        assert!(
            ran.stdout
                .contains("holds: the key of CN=client, and CN=client, then CN=tls-echo demo CA"),
            "{}",
            ran.stdout
        );
        assert!(
            !ran.stdout.contains("s3cret") && !ran.stderr.contains("s3cret"),
            "the password is never printed"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&out).expect("written").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "it holds a private key");
        }
        let info = openssl(&[
            "pkcs12",
            "-in",
            &out,
            "-passin",
            &format!("file:{password}"),
            "-info",
            "-nokeys",
        ])
        .await;
        assert!(info.ok(), "{}", info.stderr);
        let said = format!("{}{}", info.stdout, info.stderr);
        assert!(said.contains(mac) && said.contains(encryption), "{said}");
        assert_eq!(said.matches("-----BEGIN CERTIFICATE-----").count(), 2, "{said}");
        key_matches(&out, &password, &cert, dir.path()).await;
        // Java reads it as one entry with its key and the chain of two.
        let listed = run(
            "keytool",
            &[
                "-list",
                "-v",
                "-storetype",
                "PKCS12",
                "-keystore",
                &out,
                "-storepass",
                "s3cret passphrase",
            ],
            "default-jre-headless",
            b"",
        )
        .await;
        assert!(listed.ok(), "{}{}", listed.stdout, listed.stderr);
        assert!(
            listed.stdout.contains("Entry type: PrivateKeyEntry")
                && listed.stdout.contains("Certificate chain length: 2"),
            "{}",
            listed.stdout
        );
        // tls-cert inspect opens it with the same password and finds the key the certificate's.
        let inspected = tls_cert(&["inspect", &out, "--password-file", &password]).await;
        assert!(inspected.ok(), "{}", inspected.stderr);
        // The wrong password is refused by openssl.
        let wrong = write(dir.path(), "wrong.txt", "not it\n").display().to_string();
        let refused = openssl(&[
            "pkcs12",
            "-in",
            &out,
            "-passin",
            &format!("file:{wrong}"),
            "-info",
            "-nokeys",
        ])
        .await;
        assert!(
            !refused.ok() && refused.stderr.contains("Mac verify error"),
            "{refused:?}"
        );
    }
}

#[tokio::test]
async fn keys_in_pkcs1_and_sec1_form_go_in_and_bad_input_is_refused() {
    let dir = temp_dir();
    let path = |name: &str| dir.path().join(name).display().to_string();
    let password = write(dir.path(), "pw.txt", "pw\r\n").display().to_string();
    write(dir.path(), "pw-plain.txt", "pw\n");
    for (name, make) in [
        ("rsa", vec!["genrsa", "-traditional", "-out", "KEY", "2048"]),
        (
            "ec",
            vec!["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "KEY"],
        ),
    ] {
        let key = path(&format!("{name}.key"));
        let args: Vec<&str> = make
            .iter()
            .map(|a| if *a == "KEY" { key.as_str() } else { a })
            .collect();
        assert!(openssl(&args).await.ok());
        let head = std::fs::read_to_string(&key).expect("a key");
        assert!(
            head.starts_with(if name == "rsa" {
                "-----BEGIN RSA PRIVATE KEY"
            } else {
                "-----BEGIN EC PRIVATE KEY"
            }),
            "{head:.40}"
        );
        let cert = path(&format!("{name}.pem"));
        let made = openssl(&[
            "req",
            "-x509",
            "-key",
            &key,
            "-subj",
            &format!("/CN={name}"),
            "-days",
            "2",
            "-out",
            &cert,
        ])
        .await;
        assert!(made.ok(), "{}", made.stderr);
        let out = path(&format!("{name}.p12"));
        let ran = tls_cert(&[
            "pkcs12",
            "--cert",
            &cert,
            "--key",
            &key,
            "--out",
            &out,
            "--password-file",
            &password,
        ])
        .await;
        assert!(ran.ok(), "{name}: {}", ran.stderr);
        key_matches(&out, &path("pw-plain.txt"), &cert, dir.path()).await;
    }
    // The password as openssl would read it: the first line, its CR LF dropped.
    let p12 = path("ec.p12");
    let refused = |ran: &Ran, words: &str| {
        assert_eq!(ran.code, Some(2), "{ran:?}");
        assert!(ran.stderr.contains(words), "{words:?}: {}", ran.stderr);
    };
    let (cert, key) = (path("ec.pem"), path("ec.key"));
    let ran = pkcs12(&cert, &key, &p12, &password).await;
    refused(&ran, "exists");
    let empty = write(dir.path(), "empty.txt", "\n").display().to_string();
    let ran = pkcs12(&cert, &key, &path("x.p12"), &empty).await;
    refused(&ran, "is empty: an empty password protects nothing");
    let ran = pkcs12(&cert, &path("rsa.key"), &path("x.p12"), &password).await;
    refused(&ran, "rsa.key");
    let ran = pkcs12(&cert, &key, &path("x.p12"), dir.path().to_str().expect("a path")).await;
    refused(&ran, "it is a directory");
    assert!(!dir.path().join("x.p12").exists());
}
