//! `tls-cert inspect` reads the other files a user has in hand, each checked against the tool that made
//! it: CSRs (`certtool --crq-info`), CRLs (`certtool --crl-info`, `openssl crl -text`), PKCS#12 files
//! (`openssl pkcs12 -info`), PKCS#7 bundles (`openssl pkcs7 -print_certs`); `--key-matches`; and a file
//! that is none of these is named for what it is.

use serde_json::Value;
use test_support::{Ran, run, stdout_of, temp_dir, write};

const TLS_CERT: &str = env!("CARGO_BIN_EXE_tls-cert");

async fn ours(args: &[&str]) -> Ran {
    run(TLS_CERT, args, "(built by cargo)", b"").await
}

async fn openssl(args: &[&str]) -> String {
    stdout_of("openssl", args, "openssl").await
}

/// The trimmed value after `prefix` on the first line that has it.
fn value_of<'a>(text: &'a str, prefix: &str) -> &'a str {
    text.lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no {prefix:?} in:\n{text}"))
        .trim()
}

fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object a line"))
        .collect()
}

/// `files` one after the other in a new file `name` of `dir`; its path.
fn joined(dir: &std::path::Path, name: &str, files: &[&str]) -> String {
    let contents: String = files
        .iter()
        .map(|file| std::fs::read_to_string(file).unwrap_or_else(|err| panic!("{file}: {err}")))
        .collect();
    write(dir, name, contents).display().to_string()
}

/// A CA (P-256 key `ca.key`, certificate `ca.pem`) and a leaf `leaf.pem` it signed, made by openssl.
/// A self-signed P-256 CA made by openssl: `{d}/{stem}.key` and `{d}/{stem}.pem`, named `CN={name}`.
async fn openssl_self_signed_ca(d: &str, stem: &str, name: &str) {
    let (key, cert, subject) = (
        format!("{d}/{stem}.key"),
        format!("{d}/{stem}.pem"),
        format!("/CN={name}"),
    );
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        &key,
        "-out",
        &cert,
        "-subj",
        &subject,
        "-days",
        "30",
    ])
    .await;
}

async fn openssl_ca(d: &str) {
    openssl_self_signed_ca(d, "ca", "Docs CA").await;
    openssl(&[
        "req",
        "-new",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        &format!("{d}/leaf.key"),
        "-subj",
        "/CN=leaf.example",
        "-out",
        &format!("{d}/leaf.csr"),
        "-addext",
        "subjectAltName=DNS:leaf.example",
        "-addext",
        "keyUsage=critical,digitalSignature",
        "-addext",
        "extendedKeyUsage=serverAuth",
    ])
    .await;
    openssl(&[
        "x509",
        "-req",
        "-in",
        &format!("{d}/leaf.csr"),
        "-CA",
        &format!("{d}/ca.pem"),
        "-CAkey",
        &format!("{d}/ca.key"),
        "-CAcreateserial",
        "-days",
        "10",
        "-copy_extensions",
        "copy",
        "-out",
        &format!("{d}/leaf.pem"),
    ])
    .await;
}

#[tokio::test]
async fn a_csr_reads_as_certtool_shows_it_and_a_changed_one_fails_its_self_signature() {
    let dir = temp_dir();
    let d = dir.path().display().to_string();
    openssl_ca(&d).await;
    let csr = format!("{d}/leaf.csr");
    let text = ours(&["inspect", &csr]).await;
    assert!(text.ok(), "{}", text.stderr);
    let certtool = stdout_of("certtool", &["--crq-info", "--infile", &csr], "gnutls-bin").await;
    assert_eq!(value_of(&text.stdout, "Subject:"), value_of(&certtool, "Subject:"));
    assert!(certtool.contains("Self signature: verified") && text.stdout.contains("Self signature: verified"));
    // Every line certtool shows under the requested extensions is ours, at the same place.
    let under = |t: &str| -> Vec<String> {
        t.lines()
            .skip_while(|l| l.trim() != "Extensions:")
            .skip(1)
            .take_while(|l| l.starts_with("\t\t\t"))
            .map(|l| l.trim().to_owned())
            .collect()
    };
    assert!(!under(&certtool).is_empty(), "{certtool}");
    assert_eq!(under(&text.stdout), under(&certtool), "requested extensions");
    let modulus = |t: &str| -> String {
        let lines: Vec<&str> = t.lines().collect();
        let start = lines
            .iter()
            .position(|l| l.contains("Modulus (bits"))
            .expect("a modulus");
        let hex: String = lines[start + 1..]
            .iter()
            .take_while(|l| l.trim().contains(':') && !l.contains("Exponent"))
            .map(|l| l.trim().replace(':', ""))
            .collect();
        hex.trim_start_matches('0').to_owned()
    };
    assert_eq!(modulus(&text.stdout), modulus(&certtool), "the key's modulus");
    let json = json_lines(&ours(&["inspect", "--json", &csr]).await.stdout);
    assert_eq!(json[0]["kind"], "csr");
    assert_eq!(json[0]["signature_verified"], true);

    // Attributes other than the extension request, with their values and in the request's order, as
    // openssl shows them.
    let cnf = write(
        dir.path(),
        "attributes.cnf",
        "[req]\ndistinguished_name = dn\nattributes = attrs\nreq_extensions = ext\nprompt = no\n[dn]\nCN = attr.example\n\
         [attrs]\nchallengePassword = s3cretchallenge\nunstructuredName = Unstructured Inc\n[ext]\nsubjectAltName = DNS:attr.example\n",
    )
    .display()
    .to_string();
    let with_attributes = format!("{d}/attributes.csr");
    openssl(&[
        "req",
        "-new",
        "-key",
        &format!("{d}/ca.key"),
        "-config",
        &cnf,
        "-out",
        &with_attributes,
    ])
    .await;
    let openssl_text = openssl(&["req", "-in", &with_attributes, "-noout", "-text"]).await;
    assert!(
        openssl_text.contains("unstructuredName         :Unstructured Inc"),
        "{openssl_text}"
    );
    let text = ours(&["inspect", &with_attributes]).await.stdout;
    let order: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("challengePassword") || l.starts_with("unstructuredName") || *l == "Extensions:")
        .collect();
    assert_eq!(
        order,
        [
            "challengePassword (1.2.840.113549.1.9.7): s3cretchallenge",
            "unstructuredName (1.2.840.113549.1.9.2): Unstructured Inc",
            "Extensions:"
        ],
        "{text}"
    );

    // An Ed448 request (a key this build's crypto library lacks) is not checked, and not called forged.
    openssl(&[
        "req",
        "-new",
        "-newkey",
        "ed448",
        "-nodes",
        "-keyout",
        &format!("{d}/ed448.key"),
        "-subj",
        "/CN=ed448",
        "-out",
        &format!("{d}/ed448.csr"),
    ])
    .await;
    let unchecked = ours(&["inspect", &format!("{d}/ed448.csr")]).await;
    assert!(unchecked.ok(), "{}{}", unchecked.stdout, unchecked.stderr);
    assert!(
        unchecked.stdout.contains("Self signature: not checked:"),
        "{}",
        unchecked.stdout
    );
    assert_eq!(json[0]["extensions"][0]["names"][0]["value"], "leaf.example");

    // The same request with one byte of its subject changed: the signature no longer verifies.
    let der_path = format!("{d}/leaf.der");
    openssl(&["req", "-in", &csr, "-outform", "DER", "-out", &der_path]).await;
    let mut bytes = std::fs::read(&der_path).expect("the DER request");
    let at = bytes
        .windows(12)
        .position(|w| w == b"leaf.example")
        .expect("the subject's CN");
    bytes[at] = b'x';
    let changed = write(dir.path(), "changed.csr", &bytes).display().to_string();
    let refused = ours(&["inspect", &changed]).await;
    assert_eq!(refused.code, Some(1), "{}{}", refused.stdout, refused.stderr);
    assert!(refused.stdout.contains("Self signature: FAILED"), "{}", refused.stdout);
    let certtool = run(
        "certtool",
        &["--crq-info", "--inder", "--infile", &changed],
        "gnutls-bin",
        b"",
    )
    .await;
    assert!(
        certtool.stdout.contains("Self signature: FAILED") || !certtool.ok(),
        "{}",
        certtool.stdout
    );
}

#[tokio::test]
async fn a_crl_lists_every_revoked_serial_with_its_reason_and_checks_its_signature() {
    let dir = temp_dir();
    let d = dir.path().display().to_string();
    openssl_ca(&d).await;
    let cnf = write(
        dir.path(),
        "ca.cnf",
        format!(
            "[ca]\ndefault_ca = d\n[d]\ndatabase = {d}/index.txt\ncrlnumber = {d}/crlnumber\ndefault_md = sha256\n\
             default_crl_days = 7\ncrl_extensions = crl_ext\n[crl_ext]\nauthorityKeyIdentifier = keyid\n\
             issuingDistributionPoint = critical,@idp\n[idp]\nfullname = URI:http://crl.docs.example/ca.crl\n\
             onlyuser = TRUE\n"
        ),
    )
    .display()
    .to_string();
    write(dir.path(), "index.txt", "");
    write(dir.path(), "crlnumber", "1000\n");
    let ca_args = [
        "-config",
        &cnf,
        "-keyfile",
        &format!("{d}/ca.key"),
        "-cert",
        &format!("{d}/ca.pem"),
    ];
    let leaf = format!("{d}/leaf.pem");
    let mut revoke = vec!["ca"];
    revoke.extend(ca_args);
    revoke.extend(["-revoke", &leaf, "-crl_compromise", "20240101000000Z"]);
    openssl(&revoke).await;
    let crl = format!("{d}/ca.crl");
    let mut gencrl = vec!["ca"];
    gencrl.extend(ca_args);
    gencrl.extend(["-gencrl", "-out", &crl]);
    openssl(&gencrl).await;

    let ca = format!("{d}/ca.pem");
    let checked = ours(&["inspect", &crl, "--ca", &ca]).await;
    assert!(checked.ok(), "{}", checked.stderr);
    let certtool = stdout_of("certtool", &["--crl-info", "--infile", &crl], "gnutls-bin").await;
    let openssl_text = openssl(&["crl", "-in", &crl, "-noout", "-text"]).await;
    assert_eq!(value_of(&checked.stdout, "Issuer:"), value_of(&certtool, "Issuer:"));
    // certtool writes a CRL entry's serial as its DER bytes, with the 00 that keeps a serial whose
    // top bit is set positive (openssl's random serials, half the time); we write the number, as
    // openssl crl -text and certtool's certificate view do.
    let theirs = value_of(&certtool, "Serial Number (hex):").to_ascii_lowercase();
    let sign_padded = theirs.len() > 2 && theirs.starts_with("00") && theirs.as_bytes()[2] >= b'8';
    assert_eq!(
        value_of(&checked.stdout, "Serial Number (hex):"),
        if sign_padded { theirs[2..].to_owned() } else { theirs },
        "{certtool}"
    );
    assert!(certtool.contains("Revoked certificates (1):") && checked.stdout.contains("Revoked certificates (1):"));
    let json = json_lines(&ours(&["inspect", "--json", &crl, "--ca", &ca]).await.stdout);
    let crl_json = &json[0];
    assert_eq!(crl_json["kind"], "crl");
    // openssl made the number 0x1000 and prints it in decimal.
    assert!(openssl_text.contains("4096"), "{openssl_text}");
    assert_eq!(crl_json["crl_number"], "4096");
    assert_eq!(crl_json["revoked"][0]["reason"], "keyCompromise");
    // The compromise time (the entry's invalidity date) and the issuing distribution point, as openssl
    // shows them.
    assert!(
        openssl_text.contains("Invalidity Date") && openssl_text.contains("Jan  1 00:00:00 2024 GMT"),
        "{openssl_text}"
    );
    assert!(
        checked
            .stdout
            .contains("Invalidity Date (not critical):\n\t\t\t\tTime: 2024-01-01T00:00:00Z"),
        "{}",
        checked.stdout
    );
    assert!(
        openssl_text.contains("URI:http://crl.docs.example/ca.crl") && openssl_text.contains("Only User Certificates"),
        "{openssl_text}"
    );
    for line in [
        "Issuing Distribution Point (critical):",
        "URI: http://crl.docs.example/ca.crl",
        "Only user certificates",
    ] {
        assert!(checked.stdout.contains(line), "{line}: {}", checked.stdout);
    }
    assert!(openssl_text.contains("Key Compromise"), "{openssl_text}");
    assert_eq!(crl_json["signature_check"]["verified"], true);

    // The same CRL inside a PKCS#7 bundle, beside a certificate: both shown, the CRL checked too.
    let bundle = format!("{d}/with-crl.p7b");
    openssl(&["crl2pkcs7", "-in", &crl, "-certfile", &ca, "-out", &bundle]).await;
    let ran = ours(&["inspect", &bundle, "--ca", &ca]).await;
    assert!(ran.ok(), "{}", ran.stderr);
    assert!(
        ran.stdout.contains("Subject: CN=Docs CA") && ran.stdout.contains("Revoked certificates (1):"),
        "{}",
        ran.stdout
    );
    assert!(!ran.stderr.contains("--ca was not used"), "{}", ran.stderr);

    // Checked against a CA that did not issue it: the check fails, exit 1, and says so.
    let other = format!("{d}/other-ca.pem");
    openssl_self_signed_ca(&d, "other-ca", "Other CA").await;
    let wrong = ours(&["inspect", &crl, "--ca", &other]).await;
    assert_eq!(wrong.code, Some(1), "{}", wrong.stderr);
    assert!(
        wrong
            .stdout
            .contains("signature check failed: no CA given is its issuer CN=Docs CA"),
        "{}",
        wrong.stdout
    );

    // An out-of-date CRL (nextUpdate in the past) is said to be.
    let stale = format!("{d}/stale.crl");
    let mut old = vec!["ca"];
    old.extend(ca_args);
    old.extend([
        "-gencrl",
        "-crl_lastupdate",
        "20200101000000Z",
        "-crl_nextupdate",
        "20200108000000Z",
        "-out",
        &stale,
    ]);
    openssl(&old).await;
    let text = ours(&["inspect", &stale]).await;
    assert!(
        text.stdout.contains("out of date since 2020-01-08T00:00:00Z"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("Next at: 2020-01-08T00:00:00Z (OUT OF DATE"),
        "{}",
        text.stdout
    );
}

/// openssl's "MAC: sha256, Iteration 2048" (on standard error with -info) in our words.
fn info_mac(stderr: &str) -> String {
    let line = stderr
        .lines()
        .find(|l| l.starts_with("MAC: "))
        .unwrap_or_else(|| panic!("no MAC line: {stderr}"));
    let (hash, iterations) = line["MAC: ".len()..]
        .split_once(", Iteration ")
        .expect("hash, Iteration N");
    let hash = match hash {
        "sha1" => "SHA-1",
        "sha256" => "SHA-256",
        other => panic!("an unexpected MAC hash {other}"),
    };
    format!("HMAC-{hash}, {iterations} iterations")
}

/// openssl reads a legacy (RC2, 3DES) PKCS#12 file only when told to.
fn extra_for_info(name: &str) -> Vec<&'static str> {
    if name == "legacy" { vec!["-legacy"] } else { vec![] }
}

#[tokio::test]
async fn pkcs12_files_show_their_certificates_and_key_type_never_the_key() {
    let dir = temp_dir();
    let d = dir.path().display().to_string();
    openssl_ca(&d).await;
    let password = write(dir.path(), "password", "s3cret pass\n").display().to_string();
    let wrong = write(dir.path(), "wrong", "nope\n").display().to_string();
    for (name, extra) in [("modern", vec![]), ("legacy", vec!["-legacy"])] {
        let p12 = format!("{d}/{name}.p12");
        let (leaf, key, ca) = (format!("{d}/leaf.pem"), format!("{d}/leaf.key"), format!("{d}/ca.pem"));
        let passout = format!("file:{password}");
        let mut args = vec![
            "pkcs12",
            "-export",
            "-in",
            &leaf,
            "-inkey",
            &key,
            "-certfile",
            &ca,
            "-name",
            "my leaf",
            "-passout",
            &passout,
        ];
        args.extend(extra);
        args.extend(["-out", &p12]);
        openssl(&args).await;
        let mut info_args = vec!["pkcs12", "-in", &p12, "-info", "-nokeys", "-passin", &passout];
        info_args.extend(extra_for_info(name));
        let info = openssl(&info_args).await;

        let text = ours(&["inspect", &p12, "--password-file", &password]).await;
        assert!(text.ok(), "{name}: {}", text.stderr);
        // The integrity check and the encryptions, as openssl reports them.
        let mac = info_mac(&run("openssl", &info_args, "openssl", b"").await.stderr);
        assert!(
            text.stdout.contains(&format!("#   integrity: {mac}")),
            "{name}: {mac}: {}",
            text.stdout
        );
        let expected = if name == "legacy" {
            "#   encrypted with: RC2-40-CBC (legacy), 3DES-CBC (legacy)"
        } else {
            "#   encrypted with: AES-256-CBC (PBES2)"
        };
        assert!(text.stdout.contains(expected), "{name}: {}", text.stdout);
        assert!(
            text.stdout
                .contains("PKCS#12, 2 certificates, 1 private key (never shown)"),
            "{name}: {}",
            text.stdout
        );
        assert!(
            text.stdout
                .contains("key 1 \"my leaf\": RSA 2048 bits, the key of certificate"),
            "{}",
            text.stdout
        );
        for subject in ["CN=leaf.example", "CN=Docs CA"] {
            assert!(info.contains(&subject.replace("CN=", "CN = ")), "{info}");
            assert!(
                text.stdout.contains(&format!("Subject: {subject}")),
                "{name}: {subject}"
            );
        }
        let pem_key = std::fs::read_to_string(format!("{d}/leaf.key")).expect("the key");
        let json = ours(&["inspect", "--json", &p12, "--password-file", &password]).await;
        for line in pem_key.lines().filter(|l| !l.starts_with("-----")) {
            assert!(
                !text.stdout.contains(line) && !json.stdout.contains(line),
                "{name}: key material shown"
            );
        }
        let objects = json_lines(&json.stdout);
        assert_eq!(objects[0]["kind"], "pkcs12");
        assert_eq!(objects[0]["keys"][0]["kind"], "RSA 2048 bits");
        assert_eq!(objects.len(), 3, "the summary and two certificates");

        let refused = ours(&["inspect", &p12, "--password-file", &wrong]).await;
        assert_eq!(refused.code, Some(2));
        assert!(
            refused.stderr.contains("the password does not open it"),
            "{}",
            refused.stderr
        );
        let asked = ours(&["inspect", &p12]).await;
        assert_eq!(asked.code, Some(2));
        assert!(
            asked
                .stderr
                .contains("is a PKCS#12 file, encrypted with a password: give it with --password-file"),
            "{}",
            asked.stderr
        );
        let from_stdin = run(
            TLS_CERT,
            &["inspect", &p12, "--password-file", "-"],
            "(built by cargo)",
            b"s3cret pass\n",
        )
        .await;
        assert!(from_stdin.ok(), "{}", from_stdin.stderr);
    }
    // A friendly name with a newline and an escape sequence cannot forge a line of the output.
    let (leaf, key) = (format!("{d}/leaf.pem"), format!("{d}/leaf.key"));
    let evil = format!("{d}/evil.p12");
    openssl(&[
        "pkcs12",
        "-export",
        "-in",
        &leaf,
        "-inkey",
        &key,
        "-name",
        "evil\nname\u{1b}[31m",
        "-passout",
        "pass:",
        "-out",
        &evil,
    ])
    .await;
    let shown = ours(&["inspect", &evil]).await;
    assert!(
        shown.stdout.contains("key 1 \"evil\\0Aname\\1B[31m\""),
        "{}",
        shown.stdout
    );
    assert!(
        !shown.stdout.contains('\u{1b}') && !shown.stdout.lines().any(|l| l.starts_with("name")),
        "{}",
        shown.stdout
    );

    // An empty password opens without asking.
    let empty = format!("{d}/empty.p12");
    openssl(&[
        "pkcs12",
        "-export",
        "-in",
        &format!("{d}/leaf.pem"),
        "-inkey",
        &format!("{d}/leaf.key"),
        "-passout",
        "pass:",
        "-out",
        &empty,
    ])
    .await;
    let opened = ours(&["inspect", &empty]).await;
    assert!(
        opened.ok() && opened.stdout.contains("opened with an empty password"),
        "{}{}",
        opened.stdout,
        opened.stderr
    );
    let wrong_on_empty = ours(&["inspect", &empty, "--password-file", &wrong]).await;
    assert!(
        wrong_on_empty.ok()
            && wrong_on_empty
                .stdout
                .contains("opened with an empty password: the password given does not open it"),
        "{}{}",
        wrong_on_empty.stdout,
        wrong_on_empty.stderr
    );
    // Cut short, as by an interrupted copy: said so, not taken for a key.
    let bytes = std::fs::read(&empty).expect("the file");
    let cut = write(dir.path(), "cut.p12", &bytes[..bytes.len() / 2])
        .display()
        .to_string();
    let refused = ours(&["inspect", &cut]).await;
    assert_eq!(refused.code, Some(2));
    assert!(
        refused.stderr.contains("a DER structure cut short: it announces"),
        "{}",
        refused.stderr
    );
}

#[tokio::test]
async fn a_pkcs7_bundle_shows_each_certificate_and_key_matches_answers_yes_or_no() {
    let dir = temp_dir();
    let d = dir.path().display().to_string();
    openssl_ca(&d).await;
    let p7b = format!("{d}/bundle.p7b");
    openssl(&[
        "crl2pkcs7",
        "-nocrl",
        "-certfile",
        &format!("{d}/leaf.pem"),
        "-certfile",
        &format!("{d}/ca.pem"),
        "-out",
        &p7b,
    ])
    .await;
    let printed = openssl(&["pkcs7", "-in", &p7b, "-print_certs", "-noout"]).await;
    let json = json_lines(&ours(&["inspect", "--json", &p7b]).await.stdout);
    let subjects: Vec<&str> = json.iter().map(|o| o["subject"].as_str().unwrap_or_default()).collect();
    assert_eq!(subjects, ["CN=leaf.example", "CN=Docs CA"]);
    assert!(
        printed.contains("subject=CN = leaf.example") && printed.contains("subject=CN = Docs CA"),
        "{printed}"
    );
    let der = format!("{d}/bundle.der.p7b");
    openssl(&["pkcs7", "-in", &p7b, "-outform", "DER", "-out", &der]).await;
    assert_eq!(
        json_lines(&ours(&["inspect", "--json", &der]).await.stdout).len(),
        2,
        "DER too"
    );

    // OpenSSL's TRUSTED CERTIFICATE: the fingerprint is the certificate's own, not over the trust
    // settings appended to it, and the settings are shown for what they are.
    let trusted = format!("{d}/trusted.pem");
    openssl(&[
        "x509",
        "-in",
        &format!("{d}/ca.pem"),
        "-addtrust",
        "serverAuth",
        "-addreject",
        "emailProtection",
        "-setalias",
        "docs alias",
        "-out",
        &trusted,
    ])
    .await;
    let fingerprint = openssl(&["x509", "-in", &trusted, "-noout", "-fingerprint", "-sha256"]).await;
    let fingerprint: String = fingerprint
        .split_once('=')
        .expect("NAME Fingerprint=HEX")
        .1
        .trim()
        .replace(':', "")
        .to_ascii_lowercase();
    let objects = json_lines(&ours(&["inspect", "--json", &trusted]).await.stdout);
    assert_eq!(objects[0]["fingerprint_sha256"], Value::from(fingerprint));
    assert_eq!(objects[1]["kind"], "trust_settings");
    assert_eq!(objects[1]["trusted"][0], "serverAuth");
    assert_eq!(objects[1]["rejected"][0], "emailProtection");
    assert_eq!(objects[1]["alias"], "docs alias");

    // A bundle with no certificates says so.
    let empty = format!("{d}/empty.p7b");
    openssl(&["crl2pkcs7", "-nocrl", "-out", &empty]).await;
    let ran = ours(&["inspect", &empty]).await;
    assert!(
        ran.ok() && ran.stdout.contains("a PKCS#7 bundle with no certificates and no CRLs"),
        "{}",
        ran.stdout
    );
    // A PEM that starts with a byte-order mark (as Windows editors save it) reads.
    let pem = std::fs::read_to_string(format!("{d}/ca.pem")).expect("the CA");
    let bom = write(dir.path(), "bom.pem", format!("\u{feff}{pem}"))
        .display()
        .to_string();
    let ran = ours(&["inspect", &bom]).await;
    assert!(ran.ok() && ran.stdout.contains("Subject: CN=Docs CA"), "{}", ran.stderr);

    let yes = ours(&[
        "inspect",
        "--key-matches",
        &format!("{d}/leaf.pem"),
        &format!("{d}/leaf.key"),
    ])
    .await;
    assert_eq!(yes.code, Some(0), "{}", yes.stderr);
    assert!(yes.stdout.starts_with("yes: "), "{}", yes.stdout);
    let no = ours(&[
        "inspect",
        "--key-matches",
        &format!("{d}/ca.pem"),
        &format!("{d}/leaf.key"),
    ])
    .await;
    assert_eq!(no.code, Some(1), "{}", no.stderr);
    let json = ours(&[
        "inspect",
        "--json",
        "--key-matches",
        &format!("{d}/ca.pem"),
        &format!("{d}/leaf.key"),
    ])
    .await;
    assert_eq!(json.code, Some(1));
    let answer: Value = serde_json::from_str(json.stdout.trim()).expect("one JSON object");
    assert_eq!(answer["matches"], false);
    assert_eq!(answer["subject"], "CN=Docs CA");
    assert!(no.stdout.starts_with("no: "), "{}", no.stdout);
    // The key of the second certificate of a chain in the wrong order is said to be.
    let reversed = joined(
        dir.path(),
        "reversed.pem",
        &[&format!("{d}/ca.pem"), &format!("{d}/leaf.pem")],
    );
    let order = ours(&["inspect", "--key-matches", &reversed, &format!("{d}/leaf.key")]).await;
    assert_eq!(order.code, Some(1));
    assert!(
        order
            .stdout
            .contains("but of certificate 2 there, CN=leaf.example: the server's own certificate must come first"),
        "{}",
        order.stdout
    );
    // A PKCS#12 file given as the certificate is named as such, with how to take its certificates out.
    let p12 = format!("{d}/for-key-matches.p12");
    openssl(&[
        "pkcs12",
        "-export",
        "-in",
        &format!("{d}/leaf.pem"),
        "-inkey",
        &format!("{d}/leaf.key"),
        "-passout",
        "pass:",
        "-out",
        &p12,
    ])
    .await;
    let named = ours(&["inspect", "--key-matches", &p12, &format!("{d}/leaf.key")]).await;
    assert_eq!(named.code, Some(2));
    assert!(
        named.stderr.contains(
            "(the file holds PKCS#12 data (a .p12 or .pfx file)); take its certificates out with: openssl pkcs12"
        ),
        "{}",
        named.stderr
    );
    // A key beside a certificate is named, never shown.
    let combined = joined(
        dir.path(),
        "combined.pem",
        &[&format!("{d}/leaf.pem"), &format!("{d}/leaf.key")],
    );
    let shown = ours(&["inspect", &combined]).await;
    assert!(shown.ok(), "{}", shown.stderr);
    assert!(
        shown.stdout.contains(": a PRIVATE KEY block at line "),
        "{}",
        shown.stdout
    );
    assert!(
        shown.stdout.contains("not shown: inspect never shows keys"),
        "{}",
        shown.stdout
    );
    let key_text = std::fs::read_to_string(format!("{d}/leaf.key")).expect("key");
    for line in key_text.lines().filter(|l| !l.starts_with("-----")) {
        assert!(!shown.stdout.contains(line), "key material shown");
    }

    // An RSA-1024 key rustls will not load is still compared, by its numbers.
    openssl(&["genrsa", "-out", &format!("{d}/weak.key"), "1024"]).await;
    openssl(&[
        "req",
        "-x509",
        "-key",
        &format!("{d}/weak.key"),
        "-subj",
        "/CN=weak",
        "-days",
        "2",
        "-out",
        &format!("{d}/weak.pem"),
    ])
    .await;
    let weak = ours(&[
        "inspect",
        "--key-matches",
        &format!("{d}/weak.pem"),
        &format!("{d}/weak.key"),
    ])
    .await;
    assert_eq!(weak.code, Some(0), "{}{}", weak.stdout, weak.stderr);
}

#[tokio::test]
async fn a_file_that_is_none_of_these_is_named_for_what_it_is() {
    let dir = temp_dir();
    let d = dir.path().display().to_string();
    openssl_ca(&d).await;
    let random: Vec<u8> = (0..300u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8 | 0x80)
        .collect();
    let cases: Vec<(String, &str)> = vec![
        (
            format!("{d}/ca.key"),
            "the file holds 1 PRIVATE KEY block); that is a private key, not a certificate, and inspect does not show keys; to check it belongs to a certificate: tls-cert inspect --key-matches CERT KEY",
        ),
        (
            write(dir.path(), "random.bin", &random).display().to_string(),
            "bytes that are neither PEM nor DER, starting",
        ),
        (
            write(dir.path(), "notes.txt", "hello world\n").display().to_string(),
            "text with no -----BEGIN line, starting \"hello world",
        ),
        (
            write(dir.path(), "empty.pem", "").display().to_string(),
            "the file is empty",
        ),
        (d.clone(), "it is a directory, not a file"),
        (
            write(
                dir.path(),
                "pub.pem",
                "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n",
            )
            .display()
            .to_string(),
            "1 PUBLIC KEY block",
        ),
    ];
    for (file, expected) in cases {
        let ran = ours(&["inspect", &file]).await;
        assert_eq!(ran.code, Some(2), "{file}: {}", ran.stderr);
        assert!(
            ran.stderr.contains(&file),
            "{file}: the error names the file: {}",
            ran.stderr
        );
        assert!(ran.stderr.contains(expected), "{file}: {}", ran.stderr);
        assert_eq!(ran.stderr.lines().count(), 1, "one line: {}", ran.stderr);
    }
    // A bad file does not stop the others from being read.
    let both = ours(&["inspect", &format!("{d}/ca.key"), &format!("{d}/ca.pem")]).await;
    assert_eq!(both.code, Some(2));
    assert!(both.stdout.contains("Subject: CN=Docs CA"), "{}", both.stdout);
}
