//! `tls-cert inspect --json` must print the values `certtool -i` and `openssl x509` print for the same
//! file: RSA-2048, RSA-3072, ECDSA P-256, ECDSA P-384 and Ed25519 certificates made by openssl, by
//! certtool and by this project.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;
use test_support::{stdout_of, temp_dir, write};

const TLS_CERT: &str = env!("CARGO_BIN_EXE_tls-cert");

/// Runs a tool that must succeed and returns its stdout.
async fn ours(file: &str) -> Value {
    let text = stdout_of(TLS_CERT, &["inspect", "--json", file], "(built by cargo)").await;
    let line = text.lines().next().expect("one JSON object per certificate");
    serde_json::from_str(line).expect("valid JSON")
}

fn hex_only(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_hexdigit)
        .collect::<String>()
        .to_ascii_lowercase()
}

fn without_leading_zeros(hex: &str) -> String {
    let trimmed = hex.trim_start_matches('0');
    if trimmed.is_empty() { "0".into() } else { trimmed.into() }
}

/// The lines after a line containing `heading`, up to the next line indented no deeper than it.
fn section(text: &str, heading: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let Some(start) = lines.iter().position(|l| l.contains(heading)) else {
        return Vec::new();
    };
    let depth = |l: &str| l.len() - l.trim_start().len();
    let base = depth(lines[start]);
    lines[start + 1..]
        .iter()
        .take_while(|l| depth(l) > base)
        .map(|l| l.trim().to_owned())
        .collect()
}

/// What certtool -i says, by field.
struct Certtool(String);

impl Certtool {
    fn value(&self, prefix: &str) -> String {
        self.0
            .lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("certtool printed no {prefix:?}:\n{}", self.0))
            .trim()
            .to_owned()
    }

    fn under(&self, heading: &str) -> Vec<String> {
        section(&self.0, heading)
    }
}

async fn compare_with_certtool(file: &str, ours: &Value) {
    let certtool = Certtool(stdout_of("certtool", &["-i", "--infile", file], "gnutls-bin").await);
    let s = |key: &str| ours[key].as_str().unwrap_or_default().to_owned();
    assert_eq!(
        without_leading_zeros(&certtool.value("Serial Number (hex):")),
        without_leading_zeros(&s("serial")),
        "{file}: serial"
    );
    assert_eq!(certtool.value("Subject:"), s("subject"), "{file}: subject");
    assert_eq!(certtool.value("Issuer:"), s("issuer"), "{file}: issuer");
    let fingerprints = certtool.under("Fingerprint:");
    assert_eq!(fingerprints[0], format!("sha1:{}", s("fingerprint_sha1")), "{file}");
    assert_eq!(fingerprints[1], format!("sha256:{}", s("fingerprint_sha256")), "{file}");
    let key_ids = certtool.under("Public Key ID:");
    assert_eq!(key_ids[0], format!("sha1:{}", s("public_key_id_sha1")), "{file}");
    assert_eq!(key_ids[1], format!("sha256:{}", s("public_key_id_sha256")), "{file}");
    assert_eq!(certtool.value("pin-sha256:"), s("pin_sha256"), "{file}: pin");
    if let Some(ski) = certtool.under("Subject Key Identifier").first() {
        assert_eq!(hex_only(ski), s("subject_key_id"), "{file}: subject key id");
    }
    if let Some(aki) = certtool.under("Authority Key Identifier").first() {
        assert_eq!(hex_only(aki), s("authority_key_id"), "{file}: authority key id");
    }
    let mut sans: Vec<String> = certtool
        .under("Subject Alternative Name")
        .into_iter()
        .filter_map(|l| {
            let (kind, value) = l.split_once(": ")?;
            let kind = match kind {
                "DNSname" => "dns",
                "IPAddress" => "ip",
                "RFC822Name" => "email",
                "URI" => "uri",
                _ => return None,
            };
            Some(format!("{kind}:{value}"))
        })
        .collect();
    sans.sort();
    assert_eq!(sans, our_sans(ours), "{file}: subject alternative names");
}

fn our_sans(ours: &Value) -> Vec<String> {
    let mut sans: Vec<String> = ["dns", "ip", "email", "uri"]
        .iter()
        .flat_map(|kind| {
            ours["san"][kind]
                .as_array()
                .into_iter()
                .flatten()
                .map(move |v| format!("{kind}:{}", v.as_str().unwrap_or_default()))
        })
        .collect();
    sans.sort();
    sans
}

async fn compare_with_openssl(file: &str, ours: &Value) {
    let s = |key: &str| ours[key].as_str().unwrap_or_default().to_owned();
    let fields: BTreeMap<String, String> = stdout_of(
        "openssl",
        &[
            "x509",
            "-in",
            file,
            "-noout",
            "-serial",
            "-subject",
            "-issuer",
            "-nameopt",
            "RFC2253",
            "-startdate",
            "-enddate",
            "-dateopt",
            "iso_8601",
        ],
        "openssl",
    )
    .await
    .lines()
    .filter_map(|l| l.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
    .collect();
    assert_eq!(
        without_leading_zeros(&fields["serial"].to_ascii_lowercase()),
        without_leading_zeros(&s("serial")),
        "{file}"
    );
    assert_eq!(fields["subject"], s("subject"), "{file}: subject");
    assert_eq!(fields["issuer"], s("issuer"), "{file}: issuer");
    assert_eq!(fields["notBefore"].replace(' ', "T"), s("not_before"), "{file}");
    assert_eq!(fields["notAfter"].replace(' ', "T"), s("not_after"), "{file}");
    for (digest, key) in [("-sha1", "fingerprint_sha1"), ("-sha256", "fingerprint_sha256")] {
        let line = stdout_of(
            "openssl",
            &["x509", "-in", file, "-noout", "-fingerprint", digest],
            "openssl",
        )
        .await;
        let value = line.split_once('=').expect("NAME Fingerprint=HEX").1;
        assert_eq!(hex_only(value), s(key), "{file}: {key}");
    }
    // curl's documented recipe for a pin.
    let pin = stdout_of(
        "bash",
        &[
            "-c",
            &format!(
                "openssl x509 -in '{file}' -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64"
            ),
        ],
        "bash",
    )
    .await;
    assert_eq!(pin.trim(), s("pin_sha256"), "{file}: pin-sha256");

    let text = stdout_of("openssl", &["x509", "-in", file, "-noout", "-text"], "openssl").await;
    let first = |prefix: &str| {
        text.lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(prefix))
            .map(|v| v.trim().to_owned())
    };
    assert_eq!(
        first("Version:").as_deref(),
        Some(&*format!(
            "{} (0x{})",
            ours["version"],
            ours["version"].as_u64().unwrap_or(0) - 1
        ))
    );
    assert_eq!(first("Signature Algorithm:"), Some(s("signature_algorithm")), "{file}");
    assert_eq!(
        hex_only(&section(&text, "Signature Value:").concat()),
        s("signature"),
        "{file}: signature"
    );
    let key = &ours["public_key"];
    match key["algorithm"].as_str() {
        Some("RSA") => assert_eq!(first("Public-Key:"), Some(format!("({} bit)", key["bits"]))),
        Some("EC") => assert_eq!(first("NIST CURVE:").as_deref(), key["curve"].as_str(), "{file}"),
        Some("Ed25519") => assert!(text.contains("ED25519 Public-Key:"), "{file}"),
        other => panic!("{file}: unexpected algorithm {other:?}"),
    }
    let under = |heading: &str| section(&text, heading).first().cloned().unwrap_or_default();
    assert_eq!(
        hex_only(&under("X509v3 Subject Key Identifier")),
        s("subject_key_id"),
        "{file}"
    );
    let aki = under("X509v3 Authority Key Identifier");
    assert_eq!(
        hex_only(aki.trim_start_matches("keyid:")),
        s("authority_key_id"),
        "{file}"
    );
    let is_ca = under("X509v3 Basic Constraints").starts_with("CA:TRUE");
    assert_eq!(Value::Bool(is_ca), ours["is_ca"], "{file}: CA");
    let names = |heading: &str, table: &[(&str, &str)]| -> Vec<String> {
        let line = under(heading);
        line.split(", ")
            .filter(|n| !n.is_empty())
            .map(|n| {
                table
                    .iter()
                    .find(|(o, _)| *o == n)
                    .map_or(n.to_owned(), |(_, ours)| (*ours).to_owned())
            })
            .collect()
    };
    let key_usage = names(
        "X509v3 Key Usage",
        &[
            ("Digital Signature", "digitalSignature"),
            ("Non Repudiation", "nonRepudiation"),
            ("Key Encipherment", "keyEncipherment"),
            ("Data Encipherment", "dataEncipherment"),
            ("Key Agreement", "keyAgreement"),
            ("Certificate Sign", "keyCertSign"),
            ("CRL Sign", "cRLSign"),
        ],
    );
    assert_eq!(Value::from(key_usage), ours["key_usage"], "{file}: key usage");
    let eku = names(
        "X509v3 Extended Key Usage",
        &[
            ("TLS Web Server Authentication", "serverAuth"),
            ("TLS Web Client Authentication", "clientAuth"),
        ],
    );
    assert_eq!(
        Value::from(eku),
        ours["extended_key_usage"],
        "{file}: extended key usage"
    );
    let mut sans: Vec<String> = under("X509v3 Subject Alternative Name")
        .split(", ")
        .filter_map(|n| {
            let (kind, value) = n.split_once(':')?;
            let kind = match kind {
                "DNS" => "dns",
                "IP Address" => "ip",
                "email" => "email",
                "URI" => "uri",
                _ => return None,
            };
            // openssl writes IPv6 in full (0:0:...:1); ours is the short form.
            let value = value
                .parse::<std::net::IpAddr>()
                .map_or(value.to_owned(), |ip| ip.to_string());
            Some(format!("{kind}:{value}"))
        })
        .collect();
    sans.sort();
    assert_eq!(sans, our_sans(ours), "{file}: subject alternative names");
}

async fn check(file: &Path) {
    let file = file.display().to_string();
    let ours = ours(&file).await;
    compare_with_certtool(&file, &ours).await;
    compare_with_openssl(&file, &ours).await;
}

#[tokio::test]
async fn openssl_made_certificates_read_the_same_in_all_three_tools() {
    let dir = temp_dir();
    let d = dir.path().display().to_string();
    for (name, newkey) in [
        ("rsa2048", vec!["-newkey", "rsa:2048"]),
        ("rsa3072", vec!["-newkey", "rsa:3072"]),
        ("p256", vec!["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]),
        ("p384", vec!["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"]),
        ("ed25519", vec!["-newkey", "ed25519"]),
    ] {
        let (key, cert) = (format!("{d}/{name}.key"), format!("{d}/{name}.pem"));
        let mut args = vec!["req", "-x509", "-nodes", "-keyout", &key, "-out", &cert, "-days", "30"];
        args.extend(newkey);
        args.extend([
            "-subj",
            "/C=FR/O=Lab, Inc./CN=lab.example",
            "-addext",
            "subjectAltName=DNS:lab.example,IP:127.0.0.1,IP:::1,email:lab@example.org,URI:https://lab.example/",
            "-addext",
            "extendedKeyUsage=serverAuth,clientAuth",
            "-addext",
            "keyUsage=critical,digitalSignature,keyCertSign",
        ]);
        stdout_of("openssl", &args, "openssl").await;
        check(Path::new(&cert)).await;
    }
}

#[tokio::test]
async fn certtool_made_certificates_read_the_same_in_all_three_tools() {
    let dir = temp_dir();
    let template = write(
        dir.path(),
        "template.cfg",
        "cn = \"gnutls.example\"\norganization = \"GnuTLS Lab\"\ndns_name = \"gnutls.example\"\nip_address = \"127.0.0.1\"\nemail = \"lab@example.org\"\ntls_www_server\nsigning_key\nexpiration_days = 30\n",
    );
    let template = template.display().to_string();
    for (name, key_args) in [
        ("rsa2048", vec!["--key-type=rsa", "--bits=2048"]),
        ("rsa3072", vec!["--key-type=rsa", "--bits=3072"]),
        ("p256", vec!["--key-type=ecdsa", "--curve=secp256r1"]),
        ("p384", vec!["--key-type=ecdsa", "--curve=secp384r1"]),
        ("ed25519", vec!["--key-type=ed25519"]),
    ] {
        let key = dir.path().join(format!("{name}.key")).display().to_string();
        let cert = dir.path().join(format!("{name}.pem")).display().to_string();
        let mut args = vec!["--generate-privkey", "--outfile", &key];
        args.extend(key_args);
        stdout_of("certtool", &args, "gnutls-bin").await;
        stdout_of(
            "certtool",
            &[
                "--generate-self-signed",
                "--load-privkey",
                &key,
                "--template",
                &template,
                "--outfile",
                &cert,
            ],
            "gnutls-bin",
        )
        .await;
        check(Path::new(&cert)).await;
    }
}

#[tokio::test]
async fn tls_echo_made_certificates_read_the_same_in_all_three_tools() {
    for key_type in ["rsa2048", "rsa3072", "ecdsa-p256", "ecdsa-p384", "ed25519"] {
        let dir = temp_dir();
        let out = dir.path().display().to_string();
        stdout_of(
            TLS_CERT,
            &[
                "generate",
                "--out",
                &out,
                "--key-type",
                key_type,
                "--client",
                "alice",
                "--san",
                "lab.example",
                "--san",
                "::1",
            ],
            "(built by cargo)",
        )
        .await;
        for name in ["ca.pem", "server.pem", "alice.pem"] {
            check(&dir.path().join(name)).await;
        }
    }
}
