//! `tls-cert inspect` shows exactly the extensions a certificate holds, as `certtool -i` does: the same
//! headers in the same order with the same criticality, and every value certtool shows inside each of
//! them; the public key's numbers equal certtool's. Certificates are made here by openssl with every
//! kind of extension, and by certtool with a template.
//!
//! Where certtool does not decode an extension ("Unknown extension 2.5.29.36"), we do: there our
//! decoded values are checked against `openssl x509 -text` instead.

use std::path::Path;

use serde_json::Value;
use test_support::{run, stdout_of, temp_dir, write};

const TLS_CERT: &str = env!("CARGO_BIN_EXE_tls-cert");

/// One extension as a tool printed it: its header and the lines under it, trimmed.
#[derive(Debug)]
struct Block {
    header: String,
    lines: Vec<String>,
}

/// The blocks of a `certtool -i`-style "Extensions:" section (certtool's or ours): each header is one
/// tab deeper than "Extensions:", its values deeper still.
fn extension_blocks(text: &str) -> Option<Vec<Block>> {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.iter().position(|l| l.trim() == "Extensions:")?;
    let depth = |l: &str| l.len() - l.trim_start_matches('\t').len();
    let base = depth(lines[start]);
    let mut blocks: Vec<Block> = Vec::new();
    for line in &lines[start + 1..] {
        match depth(line) {
            d if d <= base => break,
            d if d == base + 1 => blocks.push(Block {
                header: line.trim().to_owned(),
                lines: Vec::new(),
            }),
            _ => blocks.last_mut()?.lines.push(line.trim().to_owned()),
        }
    }
    Some(blocks)
}

/// certtool's header as (name or OID, critical).
fn certtool_header(header: &str) -> (String, bool) {
    let critical = header.contains("(critical)");
    let name = header.split(" (").next().unwrap_or(header);
    let name = name.strip_prefix("Unknown extension ").unwrap_or(name);
    let name = if name.starts_with("Inhibit anyPolicy skip certs") {
        "Inhibit anyPolicy"
    } else {
        name
    };
    (name.to_owned(), critical)
}

/// Extensions certtool shows as "Unknown extension OID" and we decode; their values are checked
/// against openssl's text.
const CERTTOOL_UNDECODED: [&str; 7] = [
    "2.5.29.46",              // Freshest CRL
    "2.5.29.36",              // Policy Constraints
    "2.5.29.33",              // Policy Mappings
    "1.3.6.1.5.5.7.1.11",     // Subject Information Access
    "2.16.840.1.113730.1.1",  // Netscape Certificate Type
    "2.16.840.1.113730.1.13", // Netscape Comment
    "1.3.6.1.5.5.7.48.1.5",   // OCSP No Check
];

/// Every string and number inside a JSON value.
fn leaves(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Number(n) => out.push(n.to_string()),
        Value::Array(items) => items.iter().for_each(|v| leaves(v, out)),
        // openssl names an access method (`CA Repository`) where we give its OID beside the name.
        Value::Object(map) => map
            .iter()
            .filter(|(key, _)| key.as_str() != "method")
            .for_each(|(_, v)| leaves(v, out)),
        _ => {}
    }
}

/// The lines under an `openssl x509 -text` extension heading that contains `heading`.
fn openssl_section(text: &str, heading: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let Some(start) = lines.iter().position(|l| l.contains(heading)) else {
        panic!("openssl -text has no {heading:?}:\n{text}");
    };
    let depth = |l: &str| l.len() - l.trim_start().len();
    lines[start + 1..]
        .iter()
        .take_while(|l| depth(l) > depth(lines[start]))
        .copied()
        .collect::<Vec<_>>()
        .join("\n")
}

fn hex_only(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_hexdigit)
        .collect::<String>()
        .to_ascii_lowercase()
}

fn number(hex: &str) -> String {
    let digits = hex_only(hex);
    let trimmed = digits.trim_start_matches('0');
    if trimmed.is_empty() { "0".into() } else { trimmed.into() }
}

/// The hex under a certtool key heading such as "Modulus (bits 2048):" or "X:".
fn certtool_numbers(text: &str, heading: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.iter().position(|l| l.trim().starts_with(heading))?;
    let depth = |l: &str| l.len() - l.trim_start().len();
    Some(
        lines[start + 1..]
            .iter()
            .take_while(|l| depth(l) > depth(lines[start]))
            .map(|l| l.trim())
            .collect::<String>(),
    )
}

/// A certtool line with its date (`Thu Jan 01 00:00:00 UTC 2026`) written as RFC 3339, as ours are.
fn rfc3339_dates(line: &str) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let Some((label, date)) = line.split_once(": ") else {
        return line.to_owned();
    };
    let parts: Vec<&str> = date.split_whitespace().collect();
    match parts[..] {
        [_, month, day, time, "UTC", year] => match MONTHS.iter().position(|m| *m == month) {
            Some(m) => format!("{label}: {year}-{:02}-{day:0>2}T{time}Z", m + 1),
            None => line.to_owned(),
        },
        _ => line.to_owned(),
    }
}

/// Compares our view of `file` with certtool's (and openssl's for what certtool does not decode).
async fn compare(file: &Path) {
    let file = file.display().to_string();
    let text = stdout_of(TLS_CERT, &["inspect", &file], "(built by cargo)").await;
    let json: Value = serde_json::from_str(
        stdout_of(TLS_CERT, &["inspect", "--json", &file], "(built by cargo)")
            .await
            .lines()
            .next()
            .expect("a JSON line"),
    )
    .expect("JSON");
    let certtool = stdout_of("certtool", &["-i", "--infile", &file], "gnutls-bin").await;
    let openssl = stdout_of("openssl", &["x509", "-in", &file, "-noout", "-text"], "openssl").await;
    let ours = extension_blocks(&text).unwrap_or_default();
    let theirs = extension_blocks(&certtool).unwrap_or_default();
    let extensions = json["extensions"].as_array().expect("an extensions array");
    assert_eq!(
        ours.len(),
        theirs.len(),
        "{file}: extension count\nours: {ours:#?}\ncerttool: {theirs:#?}"
    );
    assert_eq!(extensions.len(), theirs.len(), "{file}: JSON extension count");
    for ((our, their), object) in ours.iter().zip(&theirs).zip(extensions) {
        let (name, critical) = certtool_header(&their.header);
        assert_eq!(object["critical"], Value::Bool(critical), "{file}: {}", their.header);
        if name == object["oid"] {
            // certtool does not know it: ours names it, and decodes it unless nobody knows it.
            let oid = name.as_str();
            if object["name"] == "Unknown extension" {
                let hexdump = their
                    .lines
                    .iter()
                    .find(|l| l.starts_with("Hexdump:"))
                    .expect("a hexdump");
                assert!(our.lines.contains(hexdump), "{file}: {oid}: {hexdump} not in {our:?}");
            } else {
                assert!(
                    CERTTOOL_UNDECODED.contains(&oid),
                    "{file}: certtool does not decode {oid}"
                );
                let heading = openssl_heading(oid);
                let section = openssl_section(&openssl, heading).to_ascii_lowercase();
                let mut values = Vec::new();
                for (key, value) in object.as_object().expect("an object") {
                    if !["oid", "name", "critical"].contains(&key.as_str()) {
                        leaves(value, &mut values);
                    }
                }
                for value in values {
                    let value = value.to_ascii_lowercase();
                    let value = value
                        .strip_prefix("id-ad-")
                        .unwrap_or(&value)
                        .replace("carepository", "ca repository");
                    assert!(
                        section.contains(&value),
                        "{file}: {oid}: {value:?} not in openssl's {section:?}"
                    );
                }
            }
        } else {
            assert_eq!(
                object["name"],
                Value::from(name.as_str()),
                "{file}: header {}",
                their.header
            );
            let expected = their.header.clone();
            assert_eq!(our.header, expected, "{file}: header");
            for line in their.lines.iter().map(|l| rfc3339_dates(l)) {
                let line = &line;
                // certtool's ASCII lines dump DER bytes with dots; ours decode the string instead.
                // An SCT's time is RFC 3339 in ours (checked through the JSON in its own test).
                if line.starts_with("ASCII:") || line.starts_with("otherName ASCII:") || line.starts_with("Time:") {
                    continue;
                }
                assert!(
                    our.lines.contains(line),
                    "{file}: {}: certtool's {line:?} is not in ours: {:?}",
                    their.header,
                    our.lines
                );
            }
        }
    }
    compare_key(&file, &json["public_key"], &certtool);
}

fn openssl_heading(oid: &str) -> &'static str {
    match oid {
        "2.5.29.36" => "Policy Constraints",
        "2.5.29.33" => "Policy Mappings",
        "1.3.6.1.5.5.7.1.11" => "Subject Information Access",
        "2.16.840.1.113730.1.1" => "Netscape Cert Type",
        "2.16.840.1.113730.1.13" => "Netscape Comment",
        "1.3.6.1.5.5.7.48.1.5" => "OCSP No Check",
        "2.5.29.46" => "Freshest CRL",
        other => panic!("no openssl heading for {other}"),
    }
}

fn compare_key(file: &str, key: &Value, certtool: &str) {
    let ours = |field: &str| {
        number(
            key[field]
                .as_str()
                .unwrap_or_else(|| panic!("{file}: no {field} in {key}")),
        )
    };
    match key["algorithm"].as_str() {
        Some("RSA" | "RSA-PSS") => {
            let modulus = certtool_numbers(certtool, "Modulus").expect("certtool's modulus");
            assert_eq!(number(&modulus), ours("modulus"), "{file}: modulus");
            let exponent = certtool_numbers(certtool, "Exponent").expect("certtool's exponent");
            assert_eq!(number(&exponent), ours("exponent"), "{file}: exponent");
        }
        Some("EC") => {
            for field in ["x", "y"] {
                let theirs = certtool_numbers(certtool, &format!("{}:", field.to_ascii_uppercase())).expect("X, Y");
                assert_eq!(number(&theirs), ours(field), "{file}: {field}");
            }
        }
        Some("DSA") => {
            let y = certtool_numbers(certtool, "Public key (bits").expect("certtool's Y");
            assert_eq!(number(&y), ours("key"), "{file}: Y");
            for (i, label) in ["P:", "Q:", "G:"].iter().enumerate() {
                let theirs = certtool_numbers(certtool, label).expect("P, Q, G");
                let mine = key["dsa"][i].as_str().unwrap_or_default();
                assert_eq!(number(&theirs), number(mine), "{file}: {label}");
            }
        }
        Some("Ed25519" | "Ed448") => {
            let theirs = certtool_numbers(certtool, "X:").expect("certtool's key");
            assert_eq!(
                hex_only(&theirs),
                key["key"].as_str().unwrap_or_default(),
                "{file}: key"
            );
        }
        other => panic!("{file}: unexpected algorithm {other:?}"),
    }
}

/// An openssl configuration with one section per set of extensions.
const OPENSSL_CNF: &str = r#"[req]
distinguished_name = dn
[dn]
[every]
basicConstraints = critical,CA:TRUE,pathlen:2
keyUsage = critical,keyCertSign,cRLSign,digitalSignature
extendedKeyUsage = serverAuth,clientAuth,1.2.3.4.5
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:a.example,IP:10.0.0.1,IP:2001:db8::1,email:x@example.org,URI:https://u.example/,dirName:dir_sect,otherName:1.3.6.1.4.1.311.20.2.3;UTF8:user@upn,otherName:1.2.3.4;UTF8:other value,RID:1.2.3.9
authorityInfoAccess = OCSP;URI:http://ocsp.example/,caIssuers;URI:http://ca.example/ca.crt
crlDistributionPoints = URI:http://crl.example/ca.crl,URI:http://crl2.example/ca.crl
certificatePolicies = 2.23.140.1.2.1,@pol
nameConstraints = critical,permitted;DNS:.example,permitted;IP:10.0.0.0/255.0.0.0,permitted;IP:2001:db8::/ffff:ffff::,excluded;DNS:bad.example,excluded;email:.bad.org,excluded;URI:.bad.example
policyConstraints = requireExplicitPolicy:1,inhibitPolicyMapping:2
inhibitAnyPolicy = 3
tlsfeature = status_request
1.2.3.4.5.6 = ASN1:UTF8String:hello private
1.2.3.4.5.7 = critical,DER:01:02:03:ff
issuerAltName = DNS:issuer.example
# One signed certificate timestamp (RFC 6962): log ID 11..11, 2023-11-14T22:13:20.123Z, ECDSA-SHA256.
1.3.6.1.4.1.11129.2.4.2 = DER:04:35:00:33:00:31:00:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:11:00:00:01:8b:cf:e5:68:7b:00:00:04:03:00:02:30:00
[more]
keyUsage = digitalSignature,nonRepudiation,keyEncipherment,dataEncipherment,keyAgreement,keyCertSign,cRLSign,encipherOnly,decipherOnly
extendedKeyUsage = serverAuth,clientAuth,codeSigning,emailProtection,timeStamping,OCSPSigning,anyExtendedKeyUsage,ipsecIKE,msSGC,1.3.6.1.4.1.311.20.2.2
subjectInfoAccess = caRepository;URI:http://sia.example/
policyMappings = 1.2.3.4:1.2.3.5
nsComment = hello
nsCertType = server,client
noCheck = ignored
certificatePolicies = 2.23.140.1.2.2,2.23.140.1.2.3,2.23.140.1.1,2.5.29.32.0,1.3.6.1.4.1.44947.1.1.1
authorityKeyIdentifier = keyid,issuer:always
freshestCRL = URI:http://delta.example/ca.crl
# privateKeyUsagePeriod from 2026-01-01 to 2027-01-01 (openssl has no name for it).
2.5.29.16 = DER:30:22:80:0f:32:30:32:36:30:31:30:31:30:30:30:30:30:30:5a:81:0f:32:30:32:37:30:31:30:31:30:30:30:30:30:30:5a
[leaf_without_basic_constraints]
subjectAltName = DNS:leaf.example
extendedKeyUsage = serverAuth
[dir_sect]
CN = Dir Name
O = Dir Org
[pol]
policyIdentifier = 1.3.6.1.4.1.99999.1
CPS.1 = https://cps.example/
userNotice.1 = @notice
[notice]
explicitText = "Be nice"
organization = "Org"
noticeNumbers = 1,2
"#;

#[tokio::test]
async fn every_extension_openssl_writes_reads_as_certtool_shows_it() {
    let dir = temp_dir();
    let cnf = write(dir.path(), "ext.cnf", OPENSSL_CNF).display().to_string();
    let d = dir.path().display().to_string();
    let dsa_params = format!("{d}/dsa-params.pem");
    stdout_of(
        "openssl",
        &[
            "genpkey",
            "-genparam",
            "-algorithm",
            "DSA",
            "-pkeyopt",
            "dsa_paramgen_bits:1024",
            "-out",
            &dsa_params,
        ],
        "openssl",
    )
    .await;
    let dsa_key = format!("dsa:{dsa_params}");
    for (name, newkey, section) in [
        (
            "dsa",
            vec!["-newkey", dsa_key.as_str()],
            "leaf_without_basic_constraints",
        ),
        (
            "every-p256",
            vec!["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
            "every",
        ),
        ("more-rsa", vec!["-newkey", "rsa:2048"], "more"),
        (
            "plain-ed448",
            vec!["-newkey", "ed448"],
            "leaf_without_basic_constraints",
        ),
        (
            "plain-ed25519",
            vec!["-newkey", "ed25519"],
            "leaf_without_basic_constraints",
        ),
        (
            "pss",
            vec!["-newkey", "rsa-pss", "-pkeyopt", "rsa_keygen_bits:2048"],
            "leaf_without_basic_constraints",
        ),
    ] {
        let (key, cert) = (format!("{d}/{name}.key"), format!("{d}/{name}.pem"));
        let mut args = vec![
            "req", "-x509", "-nodes", "-utf8", "-keyout", &key, "-out", &cert, "-days", "30",
        ];
        args.extend(newkey);
        args.extend([
            "-subj",
            "/C=FR/O=Lab Société/CN=ext.example",
            "-config",
            &cnf,
            "-extensions",
            section,
        ]);
        stdout_of("openssl", &args, "openssl").await;
        compare(Path::new(&cert)).await;
        if section == "every" {
            let json = stdout_of(TLS_CERT, &["inspect", "--json", &cert], "(built by cargo)").await;
            let json: Value = serde_json::from_str(json.lines().next().unwrap_or_default()).expect("JSON");
            let sct = json["extensions"]
                .as_array()
                .and_then(|all| all.iter().find(|e| e["oid"] == "1.3.6.1.4.1.11129.2.4.2"))
                .expect("the SCT extension");
            assert_eq!(sct["timestamps"][0]["log_id"], "11".repeat(32));
            assert_eq!(sct["timestamps"][0]["timestamp_ms"], 1_700_000_000_123_u64);
            assert_eq!(sct["timestamps"][0]["time"], "2023-11-14T22:13:20Z");
        }
        if section == "leaf_without_basic_constraints" {
            let text = stdout_of(TLS_CERT, &["inspect", &cert], "(built by cargo)").await;
            assert!(
                !text.contains("Basic Constraints"),
                "{name}: no basicConstraints, none shown:\n{text}"
            );
            assert!(text.contains("O=Lab Société"), "{name}: UTF-8 kept:\n{text}");
        }
    }
}

#[tokio::test]
async fn a_version_1_certificate_has_no_extensions_section() {
    let dir = temp_dir();
    let d = dir.path().display().to_string();
    let (key, csr, cert) = (format!("{d}/v1.key"), format!("{d}/v1.csr"), format!("{d}/v1.pem"));
    stdout_of(
        "openssl",
        &[
            "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", &key, "-subj", "/CN=v1", "-out", &csr,
        ],
        "openssl",
    )
    .await;
    stdout_of(
        "openssl",
        &[
            "x509", "-req", "-in", &csr, "-signkey", &key, "-days", "3", "-out", &cert,
        ],
        "openssl",
    )
    .await;
    let certtool = stdout_of("certtool", &["-i", "--infile", &cert], "gnutls-bin").await;
    assert!(
        certtool.contains("Version: 1") && !certtool.contains("Extensions:"),
        "{certtool}"
    );
    let text = stdout_of(TLS_CERT, &["inspect", &cert], "(built by cargo)").await;
    assert!(text.contains("Version: 1"), "{text}");
    assert!(
        !text.contains("Extensions:") && !text.contains("Basic Constraints"),
        "{text}"
    );
    compare(Path::new(&cert)).await;
}

#[tokio::test]
async fn certtool_template_extensions_read_as_certtool_shows_them() {
    let dir = temp_dir();
    let template = write(
        dir.path(),
        "template.cfg",
        "cn = \"gnutls.example\"\norganization = \"GnuTLS Lab\"\ndns_name = \"gnutls.example\"\nip_address = \"::1\"\n\
         email = \"lab@example.org\"\nuri = \"https://gnutls.example/\"\nca\ntls_www_server\ntls_www_client\nsigning_key\n\
         cert_signing_key\nocsp_uri = \"http://ocsp.gnutls.example/\"\nca_issuers_uri = \"http://ca.gnutls.example/ca.crt\"\n\
         crl_dist_points = \"http://crl.gnutls.example/ca.crl\"\npolicy1 = 1.3.6.1.4.1.5484.1.10.99.1.0\n\
         policy1_txt = \"This is a long policy to summarize\"\npolicy1_url = \"https://cps.gnutls.example/\"\n\
         tls_feature = 5\nnc_permit_dns = \"gnutls.example\"\nnc_exclude_email = \"bad.example\"\n\
         add_extension = \"1.2.3.4.99 0403010203\"\nexpiration_days = 30\n",
    );
    let template = template.display().to_string();
    let key = dir.path().join("key.pem").display().to_string();
    let cert = dir.path().join("cert.pem").display().to_string();
    stdout_of(
        "certtool",
        &[
            "--generate-privkey",
            "--key-type=ecdsa",
            "--curve=secp384r1",
            "--outfile",
            &key,
        ],
        "gnutls-bin",
    )
    .await;
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
    compare(Path::new(&cert)).await;
    let text = stdout_of(TLS_CERT, &["inspect", &cert], "(built by cargo)").await;
    for expected in [
        "Authority Information Access (not critical):",
        "CRL Distribution points (not critical):",
        "Certificate Policies (not critical):",
        "Name Constraints (critical):",
        "TLS Features (not critical):",
    ] {
        assert!(text.contains(expected), "{expected}:\n{text}");
    }
}

/// `inspect --connect` examines a server whose certificate rustls would refuse outright (a critical
/// extension it does not process, or version 1): the chain is read and the reason is a warning, where
/// the handshake used to fail with a raw token. The handshake signature is still checked, against the
/// certificate's key.
#[tokio::test]
async fn inspect_connect_reads_servers_whose_certificates_rustls_refuses() {
    let dir = temp_dir();
    let cnf = write(dir.path(), "ext.cnf", OPENSSL_CNF).display().to_string();
    let d = dir.path().display().to_string();
    let (key, critical, v1, csr) = (
        format!("{d}/key.pem"),
        format!("{d}/critical.pem"),
        format!("{d}/v1.pem"),
        format!("{d}/v1.csr"),
    );
    stdout_of(
        "openssl",
        &[
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
            &critical,
            "-subj",
            "/CN=a.example",
            "-days",
            "3",
            "-config",
            &cnf,
            "-extensions",
            "every",
        ],
        "openssl",
    )
    .await;
    stdout_of(
        "openssl",
        &["req", "-new", "-key", &key, "-subj", "/CN=v1.example", "-out", &csr],
        "openssl",
    )
    .await;
    stdout_of(
        "openssl",
        &["x509", "-req", "-in", &csr, "-signkey", &key, "-days", "3", "-out", &v1],
        "openssl",
    )
    .await;
    for (cert, version, expected, holds_a_example) in [
        (
            &critical,
            "-tls1_3",
            "critical extension 1.2.3.4.5.7 (an unknown extension) that rustls does not process",
            true,
        ),
        (
            &v1,
            "-tls1_2",
            "a version 1 certificate: rustls refuses any but version 3",
            false,
        ),
    ] {
        let mut server = test_support::Peer::spawn(
            "openssl",
            &["s_server", "-accept", "0", "-cert", cert, "-key", &key, version],
            "openssl",
        );
        server.wait_for(test_support::Output::Stdout, "ACCEPT").await;
        let address = format!("127.0.0.1:{}", server.listening_port());
        for (asked, held) in [("a.example", holds_a_example), ("wrong.example", false)] {
            let ran = run(
                TLS_CERT,
                &["inspect", "--connect", &address, "--server-name", asked],
                "(built by cargo)",
                b"",
            )
            .await;
            assert!(ran.ok(), "{cert}: {}", ran.stderr);
            assert!(ran.stdout.contains(expected), "{cert}: {}", ran.stdout);
            // Names are judged even where webpki cannot read the certificate.
            let warned = ran
                .stdout
                .contains(&format!("not valid for {asked}, the name asked for"));
            assert_eq!(warned, !held, "{cert} for {asked}: {}", ran.stdout);
        }
        server.kill().await;
    }
}

/// Names in every string type read as openssl reads them: a BMPString (UTF-16, as Windows CAs write)
/// and a T61String (Latin-1), not as hex; a control character is escaped, never printed raw.
#[tokio::test]
async fn names_of_every_string_type_read_as_openssl_reads_them() {
    let dir = temp_dir();
    let cnf = write(
        dir.path(),
        "bmp.cnf",
        "[req]\ndistinguished_name = dn\nstring_mask = default\nprompt = no\nutf8 = yes\n[dn]\nCN = 日本語 BMP\nO = Ünïcode T61\nOU = plain\n",
    )
    .display()
    .to_string();
    let (key, cert) = (
        dir.path().join("bmp.key").display().to_string(),
        dir.path().join("bmp.pem").display().to_string(),
    );
    stdout_of(
        "openssl",
        &[
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
            "-days",
            "3",
            "-config",
            &cnf,
        ],
        "openssl",
    )
    .await;
    let theirs = stdout_of(
        "openssl",
        &[
            "x509",
            "-in",
            &cert,
            "-noout",
            "-subject",
            "-nameopt",
            "RFC2253,-esc_msb",
        ],
        "openssl",
    )
    .await;
    let ours = stdout_of(TLS_CERT, &["inspect", &cert], "(built by cargo)").await;
    let subject = ours
        .lines()
        .find_map(|l| l.trim().strip_prefix("Subject: "))
        .expect("a subject");
    assert_eq!(Some(subject), theirs.trim().strip_prefix("subject="), "{ours}");
    assert_eq!(subject, "OU=plain,O=Ünïcode T61,CN=日本語 BMP");

    // An attribute type with no name is written as its OID with its value's DER in hex (RFC 4514 2.4),
    // as certtool writes it.
    let oid_cert = dir.path().join("oid.pem").display().to_string();
    stdout_of(
        "openssl",
        &[
            "req",
            "-x509",
            "-key",
            &key,
            "-subj",
            "/CN=x/1.2.3.4.5.6=custom",
            "-days",
            "2",
            "-out",
            &oid_cert,
        ],
        "openssl",
    )
    .await;
    let certtool = stdout_of("certtool", &["-i", "--infile", &oid_cert], "gnutls-bin").await;
    let ours = stdout_of(TLS_CERT, &["inspect", &oid_cert], "(built by cargo)").await;
    let subject_of = |text: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix("Subject: ").map(str::to_owned))
    };
    assert_eq!(subject_of(&ours), subject_of(&certtool));
    assert_eq!(subject_of(&ours).as_deref(), Some("1.2.3.4.5.6=#0c06637573746f6d,CN=x"));
}

/// Curves certtool cannot read (brainpool) and curves clients refuse (secp256k1) are named as openssl
/// names them, with the point openssl prints, and warned about.
#[tokio::test]
async fn curves_certtool_lacks_read_as_openssl_shows_them() {
    let dir = temp_dir();
    for curve in ["brainpoolP256r1", "brainpoolP384r1", "secp256k1"] {
        let (key, cert) = (
            dir.path().join(format!("{curve}.key")).display().to_string(),
            dir.path().join(format!("{curve}.pem")).display().to_string(),
        );
        stdout_of(
            "openssl",
            &[
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                &format!("ec_paramgen_curve:{curve}"),
                "-nodes",
                "-keyout",
                &key,
                "-out",
                &cert,
                "-subj",
                "/CN=curve",
                "-days",
                "2",
            ],
            "openssl",
        )
        .await;
        let text = stdout_of("openssl", &["x509", "-in", &cert, "-noout", "-text"], "openssl").await;
        assert!(text.contains(&format!("ASN1 OID: {curve}")), "{text}");
        let lines: Vec<&str> = text.lines().collect();
        let start = lines.iter().position(|l| l.trim() == "pub:").expect("openssl's pub:");
        let point: String = lines[start + 1..]
            .iter()
            .take_while(|l| l.trim().contains(':') && !l.contains("ASN1"))
            .map(|l| l.trim().replace(':', ""))
            .collect();
        let json = stdout_of(TLS_CERT, &["inspect", "--json", &cert], "(built by cargo)").await;
        let json: Value = serde_json::from_str(json.lines().next().unwrap_or_default()).expect("JSON");
        let key = &json["public_key"];
        assert_eq!(key["curve"], curve);
        let ours = format!(
            "04{}{}",
            key["x"].as_str().unwrap_or_default(),
            key["y"].as_str().unwrap_or_default()
        );
        assert_eq!(ours, point, "{curve}: the point");
        let warned = json["warnings"].as_array().into_iter().flatten().any(|w| {
            w.as_str()
                .is_some_and(|w| w.starts_with(&format!("EC key on {curve}: rustls, browsers and curl accept only")))
        });
        assert!(warned, "{curve}: {}", json["warnings"]);
    }
}
