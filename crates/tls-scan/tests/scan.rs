//! tls-scan against servers started here, with oracles we did not write: sslscan's XML for the
//! versions and cipher suites an openssl s_server configured by hand accepts, and its preferred one;
//! echo-server's own configuration for what sslscan cannot see (TLS 1.3's post-quantum groups).

use std::collections::BTreeSet;

use serde_json::Value;
use test_support::{PkiFiles, RunningServer, run, temp_dir};
use tls_core::server::ServerOptions;

const SCAN: &str = env!("CARGO_BIN_EXE_tls-scan");

async fn scanned(addr: &str, extra: &[&str]) -> (Option<i32>, Value, String) {
    let mut args = vec![addr, "--json"];
    args.extend_from_slice(extra);
    let ran = run(SCAN, &args, "(built by cargo)", b"").await;
    let json =
        serde_json::from_str(ran.stdout.trim()).unwrap_or_else(|err| panic!("{err}: {}{}", ran.stdout, ran.stderr));
    (ran.code, json, ran.stderr)
}

/// The suites of `version` a report lists, as their numbers.
fn suites(report: &Value, version: &str) -> Vec<String> {
    report["cipher_suites"][version]
        .as_array()
        .map(|suites| {
            suites
                .iter()
                .map(|s| s["id"].as_str().expect("an id").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// What sslscan's XML says: (version, suite id, preferred) for each accepted suite, and the enabled
/// protocols.
fn sslscan_view(xml: &str) -> (Vec<(String, String, bool)>, BTreeSet<String>) {
    let attribute = |tag: &str, name: &str| -> Option<String> {
        let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        Some(tag[at..].split('"').next()?.to_owned())
    };
    let mut accepted = Vec::new();
    let mut enabled = BTreeSet::new();
    for tag in xml.split('<') {
        if tag.starts_with("cipher ") {
            let status = attribute(tag, "status").unwrap_or_default();
            let version = attribute(tag, "sslversion").unwrap_or_default();
            let id = attribute(tag, "id").unwrap_or_default().to_ascii_lowercase();
            accepted.push((version, id, status == "preferred"));
        } else if tag.starts_with("protocol ") && attribute(tag, "enabled").as_deref() == Some("1") {
            let kind = attribute(tag, "type").unwrap_or_default();
            let version = attribute(tag, "version").unwrap_or_default();
            enabled.insert(match kind.as_str() {
                "ssl" => format!("SSLv{version}"),
                _ => format!("TLSv{version}"),
            });
        }
    }
    (accepted, enabled)
}

/// A self-signed RSA 2048 certificate (CN=scan.test) made by openssl in `dir`: its key and its file.
async fn rsa_certificate(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    certificate(dir, "rsa", &["-newkey", "rsa:2048"]).await
}

/// A self-signed certificate (CN=scan.test) made by openssl in `dir` with the key `newkey` asks for,
/// as `stem`.key and `stem`.pem: its key and its file.
async fn certificate(dir: &std::path::Path, stem: &str, newkey: &[&str]) -> (std::path::PathBuf, std::path::PathBuf) {
    let (key, cert) = (dir.join(format!("{stem}.key")), dir.join(format!("{stem}.pem")));
    let mut args = vec!["req", "-x509"];
    args.extend_from_slice(newkey);
    let made = run(
        "openssl",
        &[
            &args[..],
            &[
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=scan.test",
                "-keyout",
                &key.display().to_string(),
                "-out",
                &cert.display().to_string(),
            ],
        ]
        .concat(),
        "openssl",
        b"",
    )
    .await;
    assert!(made.ok(), "{}", made.stderr);
    (key, cert)
}

/// sslscan's signature schemes (`--show-sigs`) for `version`, by name.
fn sslscan_schemes(xml: &str, version: &str) -> BTreeSet<String> {
    xml.split("<connection-signature-algorithm ")
        .skip(1)
        .filter(|tag| tag.contains(&format!("sslversion=\"{version}\"")))
        .filter_map(|tag| Some(tag.split("name=\"").nth(1)?.split('"').next()?.to_owned()))
        .collect()
}

/// The signature schemes a report lists for `version`, by name without its "(legacy)".
fn schemes(report: &Value, version: &str) -> BTreeSet<String> {
    report["signature_schemes"][version]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|scheme| scheme.as_str())
        .map(|scheme| scheme.trim_end_matches(" (legacy)").to_owned())
        .collect()
}

/// An OCSP response for the self-signed `cert`, signed by its own `key`, made by `openssl ocsp` from an
/// empty index (status "unknown": a response all the same, to staple): its path.
async fn ocsp_response(dir: &std::path::Path, cert: &std::path::Path, key: &std::path::Path) -> String {
    let path = |name: &str| dir.join(name).display().to_string();
    std::fs::write(dir.join("index.txt"), "").expect("an empty OCSP index");
    let cert_arg = cert.display().to_string();
    let asked = run(
        "openssl",
        &[
            "ocsp",
            "-issuer",
            &cert_arg,
            "-cert",
            &cert_arg,
            "-reqout",
            &path("req.der"),
        ],
        "openssl",
        b"",
    )
    .await;
    assert!(asked.ok(), "{}", asked.stderr);
    let answered = run(
        "openssl",
        &[
            "ocsp",
            "-index",
            &path("index.txt"),
            "-CA",
            &cert_arg,
            "-rsigner",
            &cert_arg,
            "-rkey",
            &key.display().to_string(),
            "-reqin",
            &path("req.der"),
            "-respout",
            &path("resp.der"),
            "-ndays",
            "1",
        ],
        "openssl",
        b"",
    )
    .await;
    assert!(answered.ok(), "{}", answered.stderr);
    path("resp.der")
}

/// openssl s_server with an RSA and an ECDSA certificate, an OCSP response made by `openssl ocsp` to
/// staple, and early data on: two chains, one per key type; the schemes each version signs with,
/// as sslscan finds them; the staple; resumption by ticket, by session ID and with 0-RTT.
#[tokio::test]
async fn openssl_server_with_two_keys_a_staple_and_early_data_is_seen_whole() {
    let dir = temp_dir();
    let (rsa_key, rsa) = rsa_certificate(dir.path()).await;
    let (ec_key, ec) = certificate(
        dir.path(),
        "ec",
        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
    )
    .await;
    let rsa_arg = rsa.display().to_string();
    let staple = ocsp_response(dir.path(), &rsa, &rsa_key).await;
    let (_server, addr) = test_support::openssl_server(&[
        "-cert",
        &rsa_arg,
        "-key",
        &rsa_key.display().to_string(),
        "-dcert",
        &ec.display().to_string(),
        "-dkey",
        &ec_key.display().to_string(),
        "-status_file",
        &staple,
        "-early_data",
        "-quiet",
    ])
    .await;
    let (code, report, stderr) = scanned(&addr, &["--server-name", "scan.test"]).await;
    assert_eq!(code, Some(0), "{report:#}\n{stderr}");
    let keys: BTreeSet<&str> = [&report["certificates"][0], &report["more_chains"][0]["certificates"][0]]
        .iter()
        .filter_map(|leaf| leaf["key"].as_str())
        .collect();
    assert_eq!(keys, ["EC P-256", "RSA 2048 bits"].into(), "{report:#}");
    assert_eq!(report["more_chains"].as_array().map(Vec::len), Some(1), "{report:#}");
    // Each chain is judged (against the system's store: both are self-signed, so neither verifies).
    assert_eq!(report["trust"]["valid"], false, "{report:#}");
    assert_eq!(report["more_chains"][0]["trust"]["valid"], false, "{report:#}");
    assert_eq!(
        report["findings"].to_string().matches("\"chain_untrusted\"").count(),
        2,
        "{report:#}"
    );
    let sslscan = run(
        "sslscan",
        &["--no-colour", "--show-sigs", "--xml=-", &addr],
        "sslscan",
        b"",
    )
    .await;
    assert!(sslscan.ok(), "{}", sslscan.stderr);
    assert_eq!(
        schemes(&report, "TLSv1.3"),
        sslscan_schemes(&sslscan.stdout, "TLSv1.3"),
        "{report:#}\n{}",
        sslscan.stdout
    );
    // sslscan asks TLS 1.2 with RSA suites only: our RSA schemes are its.
    let rsa_12: BTreeSet<String> = schemes(&report, "TLSv1.2")
        .into_iter()
        .filter(|scheme| scheme.starts_with("rsa"))
        .collect();
    assert_eq!(
        rsa_12,
        sslscan_schemes(&sslscan.stdout, "TLSv1.2"),
        "{report:#}\n{}",
        sslscan.stdout
    );
    assert!(
        schemes(&report, "TLSv1.2").contains("ecdsa_secp256r1_sha256"),
        "{report:#}"
    );
    // OpenSSL 3.0 still signs with SHA-224 when asked for nothing else: a finding.
    assert!(
        report["findings"].to_string().contains("\"sha224_signature\""),
        "{report:#}"
    );
    // What the configuration says: a staple (status_request in TLS 1.2's ServerHello too), early data,
    // OpenSSL's session cache and tickets; one certificate for every name.
    assert_eq!(report["ocsp_stapled"], true, "{report:#}");
    assert_eq!(report["features"]["ocsp_stapling"], true, "{report:#}");
    assert_eq!(
        report["resumption"],
        serde_json::json!({"TLSv1.3": true, "early_data": true, "TLSv1.2 session ID": true, "TLSv1.2 ticket": true}),
        "{report:#}"
    );
    assert_eq!(
        report["without_sni"],
        serde_json::json!({"answer": "same"}),
        "{report:#}"
    );
    assert_eq!(
        report["unknown_name"],
        serde_json::json!({"answer": "same"}),
        "{report:#}"
    );
    assert!(report["findings"].to_string().contains("\"early_data\""), "{report:#}");
    assert!(report["unknown"].as_array().is_some_and(Vec::is_empty), "{report:#}");
}

/// Asserts that no version's answer is known and that each of the five has its reason in `unknown`;
/// the reasons.
fn every_version_unknown(report: &Value) -> Vec<Value> {
    assert!(
        report["protocols"]
            .as_object()
            .expect("protocols")
            .values()
            .all(Value::is_null),
        "{report:#}"
    );
    let unknown = report["unknown"].as_array().expect("unknown").clone();
    assert_eq!(unknown.len(), 5, "{report:#}");
    unknown
}

/// The versions a report says are accepted.
fn versions_accepted(report: &Value) -> BTreeSet<String> {
    report["protocols"]
        .as_object()
        .expect("protocols")
        .iter()
        .filter(|(_, accepted)| accepted.as_bool() == Some(true))
        .map(|(version, _)| version.clone())
        .collect()
}

/// A Python `ssl` server on 127.0.0.1 with `cert` and `key`, its context `ctx` set up by the Python
/// lines `setup`, that completes each handshake and reads a byte: the process and its port.
async fn python_server(setup: &str, cert: &str, key: &str) -> (test_support::Peer, String) {
    let script = format!(
        "import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
{setup}listener = socket.create_server(('127.0.0.1', 0))
print(listener.getsockname()[1], flush=True)
while True:
    conn, _ = listener.accept()
    try:
        with ctx.wrap_socket(conn, server_side=True) as tls:
            tls.recv(1)
    except (ssl.SSLError, OSError):
        pass
"
    );
    let mut python = test_support::Peer::spawn("python3", &["-c", &script, cert, key], "python3");
    let port = python.wait_for(test_support::Output::Stdout, "").await;
    (python, port.trim().to_owned())
}

/// openssl s_server with `cert` and `key`, then `args`, quiet: the process and its address.
async fn openssl_with(cert: &std::path::Path, key: &std::path::Path, args: &[&str]) -> (test_support::Peer, String) {
    let (cert, key) = (cert.display().to_string(), key.display().to_string());
    let mut all = vec!["-cert", cert.as_str(), "-key", key.as_str()];
    all.extend_from_slice(args);
    all.push("-quiet");
    test_support::openssl_server(&all).await
}

/// The names of the groups a report lists for `version`.
fn group_names(report: &Value, version: &str) -> BTreeSet<String> {
    report["groups"][version]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|group| group["name"].as_str().map(str::to_owned))
        .collect()
}

/// gnutls-serv configured by a priority string: TLS 1.0 to 1.2, DHE and ECDHE with RSA, the
/// finite-field groups ffdhe3072 and ffdhe4096 and the curve secp384r1, in the server's order, with
/// heartbeats on. Versions, suites, the preferred suite, secure renegotiation and Heartbleed agree with
/// sslscan; the groups (which sslscan does not list for it) with the priority string.
#[tokio::test]
async fn gnutls_serv_configured_by_a_priority_string_is_seen_as_configured() {
    let dir = temp_dir();
    let (key, cert) = rsa_certificate(dir.path()).await;
    let priority = "NORMAL:-VERS-ALL:+VERS-TLS1.2:+VERS-TLS1.1:+VERS-TLS1.0:-KX-ALL:+DHE-RSA:+ECDHE-RSA:\
                    -GROUP-ALL:+GROUP-FFDHE3072:+GROUP-FFDHE4096:+GROUP-SECP384R1:%SERVER_PRECEDENCE";
    let mut gnutls = test_support::Peer::spawn(
        "gnutls-serv",
        &[
            "-p",
            "0",
            "--x509certfile",
            &cert.display().to_string(),
            "--x509keyfile",
            &key.display().to_string(),
            "--disable-client-cert",
            "--heartbeat",
            "--priority",
            priority,
        ],
        "gnutls-bin",
    );
    gnutls.wait_for(test_support::Output::Stderr, "listening on IPv4").await;
    let addr = format!("127.0.0.1:{}", gnutls.listening_port());
    let (code, report, stderr) = scanned(&addr, &[]).await;
    assert_eq!(code, Some(0), "{report:#}\n{stderr}");
    let sslscan = run("sslscan", &["--no-colour", "--xml=-", &addr], "sslscan", b"").await;
    assert!(sslscan.ok(), "{}", sslscan.stderr);
    let (accepted, enabled) = sslscan_view(&sslscan.stdout);
    assert_eq!(versions_accepted(&report), enabled, "{report:#}\n{}", sslscan.stdout);
    for version in ["TLSv1.0", "TLSv1.1", "TLSv1.2"] {
        let ours: BTreeSet<String> = suites(&report, version).into_iter().collect();
        let theirs: BTreeSet<String> = accepted
            .iter()
            .filter(|(v, ..)| v == version)
            .map(|(_, id, _)| id.clone())
            .collect();
        assert_eq!(ours, theirs, "{version}: {report:#}\n{}", sslscan.stdout);
        assert_eq!(report["server_order"][version], true, "{version}: {report:#}");
        let preferred = accepted
            .iter()
            .find(|(v, _, preferred)| v == version && *preferred)
            .map(|(_, id, _)| id.clone());
        assert_eq!(
            suites(&report, version).first().cloned(),
            preferred,
            "{version}: {report:#}"
        );
    }
    for version in ["TLSv1.0", "TLSv1.1", "TLSv1.2"] {
        assert_eq!(
            group_names(&report, version),
            ["secp384r1", "ffdhe3072", "ffdhe4096"].map(String::from).into(),
            "{version}: {report:#}"
        );
    }
    assert_eq!(
        report["dh"]["TLSv1.2"],
        serde_json::json!([{"bits": 3072, "name": "ffdhe3072"}, {"bits": 4096, "name": "ffdhe4096"}]),
        "{report:#}"
    );
    let features = &report["features"];
    // sslscan renegotiates, and finds it secure: the server takes RFC 5746's extension.
    assert!(
        sslscan.stdout.contains("<renegotiation supported=\"1\" secure=\"1\""),
        "{}",
        sslscan.stdout
    );
    assert_eq!(features["secure_renegotiation"], true, "{report:#}");
    assert_eq!(features["heartbeat"], true, "{report:#}");
    let vulnerable = sslscan.stdout.contains("vulnerable=\"1\"");
    assert!(sslscan.stdout.contains("<heartbleed "), "{}", sslscan.stdout);
    assert_eq!(features["heartbleed"], vulnerable, "{report:#}\n{}", sslscan.stdout);
    // GnuTLS' defaults, as its manual gives them: extended master secret, tickets, and a fallback
    // retry refused; no compression (removed in 3.6).
    assert_eq!(features["extended_master_secret"], true, "{report:#}");
    assert_eq!(features["session_ticket"], true, "{report:#}");
    assert_eq!(features["compression"], false, "{report:#}");
    assert_eq!(features["fallback_scsv"], true, "{report:#}");
    assert_eq!(features["downgrade_sentinel"], Value::Null, "{report:#}");
    assert!(report["unknown"].as_array().is_some_and(Vec::is_empty), "{report:#}");
}

/// openssl s_server with an RSA key, TLS 1.2 only, CBC, RSA key exchange and DHE suites, in its own
/// order (-serverpref): tls-scan's versions, suites and preferred suite are sslscan's.
#[tokio::test]
async fn a_hand_configured_openssl_server_is_seen_as_sslscan_sees_it() {
    let dir = temp_dir();
    let (key, cert) = rsa_certificate(dir.path()).await;
    let configured = "ECDHE-RSA-AES256-GCM-SHA384:AES128-SHA:DHE-RSA-AES128-SHA256:ECDHE-RSA-AES128-SHA";
    let (_server, addr) = openssl_with(&cert, &key, &["-tls1_2", "-cipher", configured, "-serverpref"]).await;
    let (code, report, stderr) = scanned(&addr, &[]).await;
    assert_eq!(code, Some(0), "{report:#}\n{stderr}");
    let sslscan = run("sslscan", &["--no-colour", "--xml=-", &addr], "sslscan", b"").await;
    assert!(sslscan.ok(), "{}", sslscan.stderr);
    let (accepted, enabled) = sslscan_view(&sslscan.stdout);
    assert_eq!(versions_accepted(&report), enabled, "{report:#}\n{}", sslscan.stdout);
    assert_eq!(report["protocols"]["TLSv1.3"], false);
    let ours: BTreeSet<String> = suites(&report, "TLSv1.2").into_iter().collect();
    let theirs: BTreeSet<String> = accepted
        .iter()
        .filter(|(v, ..)| v == "TLSv1.2")
        .map(|(_, id, _)| id.clone())
        .collect();
    assert_eq!(ours, theirs, "{report:#}\n{}", sslscan.stdout);
    assert_eq!(ours.len(), 4, "{report:#}");
    // -serverpref: the server's order, which is the order configured; sslscan's preferred is its first.
    assert_eq!(report["server_order"]["TLSv1.2"], true, "{report:#}");
    let preferred = accepted
        .iter()
        .find(|(_, _, preferred)| *preferred)
        .map(|(_, id, _)| id.clone());
    assert_eq!(
        suites(&report, "TLSv1.2").first().cloned(),
        preferred,
        "{}",
        sslscan.stdout
    );
    assert_eq!(suites(&report, "TLSv1.2")[0], "0xc030", "{report:#}");
    let findings: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["id"].as_str())
        .collect();
    assert!(
        findings.contains(&"rsa_kx") && findings.contains(&"no_tls1_3"),
        "{report:#}"
    );
    // The DHE suite's prime: its size is sslscan's; OpenSSL sends RFC 3526's 2048-bit group to a
    // client that names no finite-field group it takes in TLS 1.2.
    let dhebits = sslscan
        .stdout
        .split(" dhebits=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .and_then(|bits| bits.parse::<u64>().ok());
    assert_eq!(
        report["dh"]["TLSv1.2"][0]["bits"].as_u64(),
        dhebits,
        "{report:#}\n{}",
        sslscan.stdout
    );
    assert_eq!(report["dh"]["TLSv1.2"][0]["name"], "modp2048", "{report:#}");
    // OpenSSL sends renegotiation_info (RFC 5746) whether or not it lets a client renegotiate
    // (sslscan's "supported" is the latter, off in OpenSSL 3's s_server).
    assert_eq!(report["features"]["secure_renegotiation"], true, "{report:#}");
    // OpenSSL takes encrypt-then-MAC for the CBC suites; one version: nothing to fall back to.
    assert_eq!(report["features"]["encrypt_then_mac"], true, "{report:#}");
    assert_eq!(report["features"]["fallback_scsv"], Value::Null, "{report:#}");

    // TLS 1.0 alone, as an old server speaks it (OpenSSL's security level 0): the version sslscan
    // sees, its suites, and the finding.
    let (_old, addr) = openssl_with(&cert, &key, &["-tls1", "-cipher", "DEFAULT:@SECLEVEL=0"]).await;
    let (_, report, stderr) = scanned(&addr, &[]).await;
    let sslscan = run("sslscan", &["--no-colour", "--xml=-", &addr], "sslscan", b"").await;
    let (accepted, enabled) = sslscan_view(&sslscan.stdout);
    assert_eq!(enabled, ["TLSv1.0".to_owned()].into(), "{}", sslscan.stdout);
    assert_eq!(report["protocols"]["TLSv1.0"], true, "{report:#}\n{stderr}");
    assert_eq!(report["protocols"]["TLSv1.2"], false, "{report:#}");
    let ours: BTreeSet<String> = suites(&report, "TLSv1.0").into_iter().collect();
    let theirs: BTreeSet<String> = accepted
        .iter()
        .filter(|(v, ..)| v == "TLSv1.0")
        .map(|(_, id, _)| id.clone())
        .collect();
    assert_eq!(ours, theirs, "{report:#}\n{}", sslscan.stdout);
    assert!(report["findings"].to_string().contains("\"tls1_0\""), "{report:#}");
    // rustls speaks no TLS 1.0: the chain comes from the probe's plain-text Certificate message, and
    // ALPN was not asked (null, not none).
    assert_eq!(report["certificates"][0]["subject"], "CN=scan.test", "{report:#}");
    assert_eq!(report["alpn"], Value::Null, "{report:#}");
    // TLS 1.0's ECDHE curves, read from a ServerKeyExchange that names no signature scheme.
    assert!(!group_names(&report, "TLSv1.0").is_empty(), "{report:#}");

    // TLS 1.2's ECDHE curves, restricted: the groups sslscan reads from the ServerKeyExchange.
    let (_curves, addr) = openssl_with(&cert, &key, &["-tls1_2", "-groups", "P-384:X25519"]).await;
    let (_, report, stderr) = scanned(&addr, &[]).await;
    let sslscan = run("sslscan", &["--no-colour", "--xml=-", &addr], "sslscan", b"").await;
    let theirs: BTreeSet<String> = sslscan
        .stdout
        .split("<group ")
        .skip(1)
        .filter(|tag| tag.contains("sslversion=\"TLSv1.2\""))
        .filter_map(|tag| {
            tag.split("id=\"")
                .nth(1)?
                .split('"')
                .next()
                .map(str::to_ascii_lowercase)
        })
        .collect();
    let ours: BTreeSet<String> = report["groups"]["TLSv1.2"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|group| group["id"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(ours, theirs, "{report:#}\n{stderr}\n{}", sslscan.stdout);
    assert_eq!(ours, ["0x0018", "0x001d"].map(String::from).into(), "{report:#}");

    // TLS 1.3 alone, with two of its suites (-ciphersuites): those sslscan finds.
    let (_tls13, addr) = openssl_with(
        &cert,
        &key,
        &[
            "-tls1_3",
            "-ciphersuites",
            "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256",
        ],
    )
    .await;
    let (_, report, stderr) = scanned(&addr, &[]).await;
    let sslscan = run("sslscan", &["--no-colour", "--xml=-", &addr], "sslscan", b"").await;
    let (accepted, enabled) = sslscan_view(&sslscan.stdout);
    assert_eq!(enabled, ["TLSv1.3".to_owned()].into(), "{}", sslscan.stdout);
    let theirs: BTreeSet<String> = accepted
        .iter()
        .filter(|(v, ..)| v == "TLSv1.3")
        .map(|(_, id, _)| id.clone())
        .collect();
    let ours: BTreeSet<String> = suites(&report, "TLSv1.3").into_iter().collect();
    assert_eq!(ours, theirs, "{report:#}\n{stderr}\n{}", sslscan.stdout);
    assert_eq!(ours, ["0x1302", "0x1303"].map(String::from).into(), "{report:#}");
}

/// echo-server: TLS 1.2 and 1.3, rustls' suites, the client's order for TLS 1.2, and TLS 1.3's groups
/// as rustls prefers them, the post-quantum hybrid first (what sslscan cannot see).
#[tokio::test]
async fn echo_server_is_seen_with_its_post_quantum_group() {
    let pki = PkiFiles::new();
    let options = tls_core::config::TlsOptions {
        alpn: vec![b"http/1.1".to_vec()],
        ..tls_core::config::TlsOptions::default()
    };
    let config = tls_core::config::server_config(pki.pki.server.identity(), None, &options).expect("a configuration");
    // The protocols the server takes, from its own configuration, as tls-scan asks them.
    let configured: Vec<String> = ["h2", "http/1.1", "http/1.0"]
        .into_iter()
        .filter(|protocol| config.alpn_protocols.iter().any(|p| p == protocol.as_bytes()))
        .map(String::from)
        .collect();
    assert_eq!(configured, ["http/1.1"]);
    let server = RunningServer::start(config, ServerOptions::default()).await;
    let ca = pki.arg("ca.pem");
    let (code, report, stderr) = scanned(&server.address(), &["--ca", &ca]).await;
    assert_eq!(code, Some(0), "{report:#}\n{stderr}");
    // What only a whole handshake shows: the chain, and that it verifies; the session resumed from
    // its ticket (rustls' server issues them).
    assert_eq!(report["certificates"][0]["subject"], "CN=127.0.0.1", "{report:#}");
    assert_eq!(
        report["trust"],
        serde_json::json!({"store": format!("the CA given ({ca})"), "valid": true, "said": "valid for 127.0.0.1"}),
        "{report:#}"
    );
    assert_eq!(report["resumption"]["TLSv1.3"], true, "{report:#}");
    assert_eq!(report["alpn"], serde_json::json!(configured), "{report:#}");
    assert_eq!(report["alpn_picked"], "http/1.1", "{report:#}");
    // The leaf's signature, as tls-cert inspect names it (certtool's and openssl's name).
    assert_eq!(
        report["certificates"][0]["signature"], "ecdsa-with-SHA256",
        "{report:#}"
    );
    for (version, accepted) in [
        ("SSLv3", false),
        ("TLSv1.0", false),
        ("TLSv1.1", false),
        ("TLSv1.2", true),
        ("TLSv1.3", true),
    ] {
        assert_eq!(report["protocols"][version], accepted, "{version}: {report:#}");
    }
    let tls13: BTreeSet<String> = suites(&report, "TLSv1.3").into_iter().collect();
    assert_eq!(
        tls13,
        ["0x1301", "0x1302", "0x1303"].map(String::from).into(),
        "{report:#}"
    );
    let groups: Vec<&str> = report["groups"]["TLSv1.3"]
        .as_array()
        .expect("groups")
        .iter()
        .filter_map(|g| g["name"].as_str())
        .collect();
    assert_eq!(groups.first(), Some(&"X25519MLKEM768"), "{report:#}");
    assert!(
        groups.contains(&"X25519") && groups.contains(&"secp256r1"),
        "{report:#}"
    );
    // echo-server picks by its own order (rustls' ignore_client_order, as tls-core configures it).
    assert_eq!(report["server_order"]["TLSv1.2"], true, "{report:#}");
    // rustls answers a TLS 1.2 retry marked TLS_FALLBACK_SCSV (it does not implement RFC 7507) but
    // marks its random with TLS 1.3's sentinel, which protects the clients that speak 1.3: no finding.
    assert_eq!(report["features"]["fallback_scsv"], false, "{report:#}");
    assert_eq!(report["features"]["downgrade_sentinel"], true, "{report:#}");
    // No CBC suite, so encrypt-then-MAC is not asked.
    assert_eq!(report["features"]["encrypt_then_mac"], Value::Null, "{report:#}");
    assert_eq!(report["findings"].as_array().map(Vec::len), Some(0), "{report:#}");
    assert!(report["unknown"].as_array().is_some_and(Vec::is_empty), "{report:#}");
}

/// A server that accepts and says nothing: every probe is unknown, never "not supported", within the
/// timeout; the scan exits 1.
#[tokio::test]
async fn a_silent_server_is_unknown_not_unsupported() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("address").to_string();
    let held = std::thread::spawn(move || {
        let mut held = Vec::new();
        listener.set_nonblocking(false).expect("blocking");
        for stream in listener.incoming().take(5) {
            held.push(stream);
        }
        held
    });
    let (code, report, _) = scanned(&addr, &["--timeout", "1"]).await;
    assert_eq!(code, Some(1), "{report:#}");
    every_version_unknown(&report);
    drop(held);
}

/// A server that answers with something other than TLS (an HTTP error), on IPv6: every probe is
/// unknown with the decoder's reason, never "not supported"; the scan exits 1.
#[tokio::test]
async fn a_server_answering_garbage_on_ipv6_is_unknown_with_its_reason() {
    use std::io::Write as _;
    let listener = std::net::TcpListener::bind("[::1]:0").expect("bind ::1");
    let port = listener.local_addr().expect("address").port();
    let answering = std::thread::spawn(move || {
        for stream in listener.incoming().take(6) {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.write_all(b"HTTP/1.0 400 Bad Request\r\n\r\n");
        }
    });
    let (code, report, _) = scanned(&format!("[::1]:{port}"), &["--timeout", "2"]).await;
    assert_eq!(code, Some(1), "{report:#}");
    let unknown = every_version_unknown(&report);
    assert!(
        unknown
            .iter()
            .all(|why| why.as_str().is_some_and(|why| why.contains("not a TLS record"))),
        "{report:#}"
    );
    drop(answering);
}

/// What testssl.sh (`--jsonfile`) finds on echo-server, for the findings of its own: versions, the
/// TLS 1.2 extensions (renegotiation_info, extended master secret, session tickets, heartbeat,
/// encrypt-then-MAC), secure renegotiation, CRIME, resumption by ticket and by session ID, OCSP
/// stapling, and no downgrade worth a finding.
#[tokio::test]
async fn echo_server_is_seen_as_testssl_sees_it() {
    let pki = PkiFiles::new();
    let config = tls_core::config::server_config(
        pki.pki.server.identity(),
        None,
        &tls_core::config::TlsOptions::default(),
    )
    .expect("a configuration");
    let server = RunningServer::start(config, ServerOptions::default()).await;
    let (code, report, stderr) = scanned(&server.address(), &[]).await;
    assert_eq!(code, Some(0), "{report:#}\n{stderr}");
    let dir = temp_dir();
    let json = dir.path().join("testssl.json").display().to_string();
    let ran = test_support::run_within(
        std::time::Duration::from_secs(240),
        "testssl",
        &[
            "--quiet",
            "--warnings",
            "off",
            "--color",
            "0",
            "--nodns",
            "none",
            "--jsonfile",
            &json,
            "-p",
            "-S",
            "-R",
            "-C",
            "-Z",
            &server.address(),
        ],
        "testssl.sh",
        b"",
    )
    .await;
    let text = std::fs::read_to_string(&json).unwrap_or_else(|err| panic!("{err}: {}{}", ran.stdout, ran.stderr));
    let found: Vec<Value> = serde_json::from_str(&text).expect("testssl's JSON");
    let said = |id: &str| -> String {
        found
            .iter()
            .find(|finding| finding["id"] == id)
            .and_then(|finding| finding["finding"].as_str())
            .unwrap_or_else(|| panic!("testssl says nothing of {id}: {text}"))
            .to_owned()
    };
    for (id, version) in [
        ("SSLv3", "SSLv3"),
        ("TLS1", "TLSv1.0"),
        ("TLS1_1", "TLSv1.1"),
        ("TLS1_2", "TLSv1.2"),
        ("TLS1_3", "TLSv1.3"),
    ] {
        let offered = said(id).starts_with("offered");
        assert_eq!(report["protocols"][version], offered, "{id}: {}\n{report:#}", said(id));
    }
    let extensions = said("TLS_extensions");
    let features = &report["features"];
    for (named, ours) in [
        ("'renegotiation info/#65281'", "secure_renegotiation"),
        ("'extended master secret/#23'", "extended_master_secret"),
        ("'session ticket/#35'", "session_ticket"),
        ("'heartbeat/#15'", "heartbeat"),
    ] {
        assert_eq!(
            features[ours],
            extensions.contains(named),
            "{ours}: {extensions}\n{report:#}"
        );
    }
    assert_eq!(
        features["encrypt_then_mac"].as_bool().unwrap_or(false),
        extensions.contains("'encrypt-then-mac/#22'")
    );
    assert_eq!(
        features["secure_renegotiation"],
        said("secure_renego") == "supported",
        "{report:#}"
    );
    assert_eq!(
        features["compression"],
        !said("CRIME_TLS").starts_with("not vulnerable"),
        "{report:#}"
    );
    // testssl's ticket check races its s_client, reading nothing, against the ticket, which TLS 1.3 sends
    // after the handshake: on a loaded machine s_client leaves first and testssl says "not supported"
    // (seen once in CI). What it found, tls-scan must have found.
    if said("sessionresumption_ticket") == "supported" {
        assert_eq!(report["resumption"]["TLSv1.2 ticket"], true, "{report:#}");
    }
    assert_eq!(
        report["resumption"]["TLSv1.2 session ID"],
        said("sessionresumption_ID") == "supported",
        "{report:#}"
    );
    assert_eq!(
        report["ocsp_stapled"],
        said("OCSP_stapling") != "not offered",
        "{report:#}"
    );
    let fallback_finding = report["findings"].to_string().contains("no_fallback_scsv");
    assert_eq!(
        fallback_finding,
        !found
            .iter()
            .any(|f| f["id"] == "fallback_SCSV" && f["severity"] == "OK"),
        "{report:#}\n{text}"
    );
}

/// A Python `ssl` server (OpenSSL underneath, configured through Python's API): TLS 1.2 only, two
/// suites, its own order. Versions and suites agree with sslscan's, and the order with the one set.
#[tokio::test]
async fn a_python_ssl_server_is_seen_as_configured() {
    let dir = temp_dir();
    let (key, cert) = rsa_certificate(dir.path()).await;
    let (_python, port) = python_server(
        "ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_2
ctx.set_ciphers('ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256')
ctx.options |= ssl.OP_CIPHER_SERVER_PREFERENCE
",
        &cert.display().to_string(),
        &key.display().to_string(),
    )
    .await;
    let addr = format!("127.0.0.1:{}", port);
    let (code, report, stderr) = scanned(&addr, &["--timeout", "3"]).await;
    assert_eq!(code, Some(0), "{report:#}\n{stderr}");
    let sslscan = run("sslscan", &["--no-colour", "--xml=-", &addr], "sslscan", b"").await;
    let (accepted, enabled) = sslscan_view(&sslscan.stdout);
    assert_eq!(enabled, ["TLSv1.2".to_owned()].into(), "{}", sslscan.stdout);
    assert_eq!(report["protocols"]["TLSv1.2"], true, "{report:#}");
    assert_eq!(report["protocols"]["TLSv1.3"], false, "{report:#}");
    let theirs: BTreeSet<String> = accepted.iter().map(|(_, id, _)| id.clone()).collect();
    let ours: BTreeSet<String> = suites(&report, "TLSv1.2").into_iter().collect();
    assert_eq!(ours, theirs, "{report:#}\n{}", sslscan.stdout);
    // The server's order is the one set; sslscan's preferred suite is its first.
    assert_eq!(suites(&report, "TLSv1.2"), ["0xc030", "0xc02f"], "{report:#}");
    assert_eq!(report["server_order"]["TLSv1.2"], true, "{report:#}");
    assert!(report["unknown"].as_array().is_some_and(Vec::is_empty), "{report:#}");
}

/// echo-server with --tls13-only (what sslscan cannot open at all, sslscan #314): TLS 1.3 alone,
/// nothing of TLS 1.0 to 1.2 asked, nothing to fall back to, its chain and schemes still found.
#[tokio::test]
async fn a_tls13_only_echo_server_is_seen_as_configured() {
    let pki = PkiFiles::new();
    let options = tls_core::config::TlsOptions {
        tls13_only: true,
        ..tls_core::config::TlsOptions::default()
    };
    let config = tls_core::config::server_config(pki.pki.server.identity(), None, &options).expect("a configuration");
    let server = RunningServer::start(config, ServerOptions::default()).await;
    let (code, report, stderr) = scanned(&server.address(), &["--ca", &pki.arg("ca.pem")]).await;
    assert_eq!(code, Some(0), "{report:#}\n{stderr}");
    for (version, accepted) in [
        ("SSLv3", false),
        ("TLSv1.0", false),
        ("TLSv1.1", false),
        ("TLSv1.2", false),
        ("TLSv1.3", true),
    ] {
        assert_eq!(report["protocols"][version], accepted, "{version}: {report:#}");
    }
    assert_eq!(
        report["features"],
        serde_json::json!({
            "version": null, "secure_renegotiation": null, "extended_master_secret": null,
            "encrypt_then_mac": null, "compression": null, "heartbeat": null, "heartbleed": null,
            "session_ticket": null, "ocsp_stapling": null, "fallback_scsv": null, "downgrade_sentinel": null
        }),
        "{report:#}"
    );
    assert_eq!(
        report["signature_schemes"],
        serde_json::json!({"TLSv1.3": ["ecdsa_secp256r1_sha256"]}),
        "{report:#}"
    );
    assert_eq!(report["trust"]["valid"], true, "{report:#}");
    assert_eq!(
        report["resumption"],
        serde_json::json!({"TLSv1.3": true, "early_data": false, "TLSv1.2 session ID": null, "TLSv1.2 ticket": null}),
        "{report:#}"
    );
    assert!(report["unknown"].as_array().is_some_and(Vec::is_empty), "{report:#}");
}

/// openssl s_server set up as Mozilla's generator writes "intermediate" for OpenSSL (guideline 6.0):
/// an ECDSA P-256 certificate, TLS 1.2 and 1.3, its six TLS 1.2 suites, X25519, P-256 and P-384, a
/// stapled response. `--profile intermediate` finds the one thing OpenSSL 3.0 cannot do (the
/// post-quantum group the guideline lists first) and nothing else; `--profile modern` finds TLS 1.2
/// and its suites; each exits 1.
#[tokio::test]
async fn an_openssl_server_set_up_as_mozilla_intermediate_differs_only_where_it_cannot_follow() {
    let dir = temp_dir();
    let (key, cert) = certificate(
        dir.path(),
        "ec",
        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
    )
    .await;
    let staple = ocsp_response(dir.path(), &cert, &key).await;
    let (_server, addr) = openssl_with(
        &cert,
        &key,
        &[
            "-no_tls1",
            "-no_tls1_1",
            "-cipher",
            "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:\
         ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305",
            "-groups",
            "X25519:P-256:P-384",
            "-status_file",
            &staple,
        ],
    )
    .await;
    let (code, report, stderr) = scanned(&addr, &["--profile", "intermediate"]).await;
    assert_eq!(code, Some(1), "{report:#}\n{stderr}");
    let profile = &report["profile"];
    assert_eq!(profile["profile"], "intermediate", "{report:#}");
    assert_eq!(profile["version"], "6.0", "{report:#}");
    assert_eq!(
        profile["differences"],
        serde_json::json!(["TLSv1.3 does not take groups the profile lists: X25519MLKEM768"]),
        "{report:#}"
    );
    let (code, report, _) = scanned(&addr, &["--profile", "modern"]).await;
    assert_eq!(code, Some(1), "{report:#}");
    let differences = report["profile"]["differences"].to_string();
    assert!(
        differences.contains("TLSv1.2 is accepted; the profile allows only TLSv1.3"),
        "{report:#}"
    );
    assert!(!differences.contains("TLSv1.2 accepts suites"), "{report:#}");
}

/// A server that starts its answer and resets the connection halfway through a ServerHello (Python
/// closes with SO_LINGER 0): every probe is unknown with why, never "not supported"; exit 1.
#[tokio::test]
async fn a_server_that_resets_mid_answer_is_unknown_with_why() {
    let script = "import socket, struct
listener = socket.create_server(('127.0.0.1', 0))
print(listener.getsockname()[1], flush=True)
while True:
    conn, _ = listener.accept()
    conn.recv(65536)
    conn.sendall(bytes([22, 3, 3, 0, 80, 2, 0, 0, 76, 3, 3]) + bytes(10))
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    conn.close()
";
    let mut python = test_support::Peer::spawn("python3", &["-c", script], "python3");
    let port = python.wait_for(test_support::Output::Stdout, "").await;
    let (code, report, stderr) = scanned(&format!("127.0.0.1:{}", port.trim()), &["--timeout", "2"]).await;
    assert_eq!(code, Some(1), "{report:#}\n{stderr}");
    let unknown = every_version_unknown(&report);
    for why in unknown {
        let why = why.as_str().unwrap_or_default();
        assert!(
            why.contains("reset") || why.contains("ends early") || why.contains("no ServerHello"),
            "{why}"
        );
    }
}

/// `--trace`: each probe's exchange as the x-ray reads it, on standard error, with what was offered
/// and answered; the JSON on standard output is the same report.
#[tokio::test]
async fn trace_shows_each_probe_as_the_x_ray_reads_it() {
    let pki = PkiFiles::new();
    let server = test_support::scenario_server(tls_core::scenario::Kind::Good, &pki.pki.ca).await;
    let (code, report, stderr) = scanned(&server.address(), &["--trace"]).await;
    assert_eq!(code, Some(0), "{report:#}\n{stderr}");
    assert_eq!(report["protocols"]["TLSv1.3"], true, "{report:#}");
    let probes = stderr.matches("\nprobe: ").count() + usize::from(stderr.starts_with("probe: "));
    // At least one probe per version, and one per suite found.
    let suites: usize = report["cipher_suites"]
        .as_object()
        .expect("suites")
        .values()
        .filter_map(Value::as_array)
        .map(Vec::len)
        .sum();
    assert!(probes > 5 + suites, "{probes} probes traced:\n{stderr}");
    assert!(
        stderr.contains("probe: TLSv1.0 offering")
            && stderr.contains("refused: it answered with the alert protocol_version"),
        "{stderr}"
    );
    assert!(stderr.contains("hello_retry_request true"), "{stderr}");
    assert_eq!(
        stderr
            .matches("no keys: a probe reads the server's first answer and makes none")
            .count(),
        probes,
        "{stderr}"
    );
}

/// A Python `ssl` server that refuses a client sending no name (unrecognized_name): scanned by its
/// address, every version is refused, the scan says so and why (the name), finds nothing and exits 1;
/// scanned by name, it is scanned, and the refusal without SNI is a finding.
#[tokio::test]
async fn a_server_that_wants_a_name_is_not_called_tls_free() {
    let pki = PkiFiles::new();
    let (_python, port) = python_server(
        "ctx.sni_callback = lambda sock, name, c: ssl.ALERT_DESCRIPTION_UNRECOGNIZED_NAME if name is None else None\n",
        &pki.arg("server.pem"),
        &pki.arg("server.key"),
    )
    .await;
    let (code, report, stderr) = scanned(&format!("127.0.0.1:{port}"), &[]).await;
    assert_eq!(code, Some(1), "{report:#}\n{stderr}");
    assert_eq!(report["findings"], serde_json::json!([]), "{report:#}");
    let unknown = report["unknown"].to_string();
    assert!(
        unknown.contains("no version was accepted")
            && unknown.contains("unrecognized_name")
            && unknown.contains("--server-name"),
        "{report:#}"
    );
    let (code, report, stderr) = scanned(
        &format!("127.0.0.1:{port}"),
        &["--server-name", "localhost", "--ca", &pki.arg("ca.pem")],
    )
    .await;
    assert_eq!(code, Some(0), "{report:#}\n{stderr}");
    assert_eq!(report["protocols"]["TLSv1.3"], true, "{report:#}");
    assert_eq!(report["without_sni"]["answer"], "refused", "{report:#}");
    assert!(
        report["findings"].to_string().contains("\"sni_required\""),
        "{report:#}"
    );
}

/// The programs' conventions: `--ca -` reads standard input, seconds may be fractions, port 0 and a
/// name no TLS client may send are refused with exit 2, too many connections at once too, and
/// `--json` prints an object even when nothing answers.
#[tokio::test]
async fn flags_follow_the_programs_conventions() {
    let pki = PkiFiles::new();
    let server = test_support::scenario_server(tls_core::scenario::Kind::Good, &pki.pki.ca).await;
    let ca = std::fs::read(pki.path("ca.pem")).expect("ca.pem");
    let ran = run(
        SCAN,
        &[&server.address(), "--ca", "-", "--timeout", "2.5", "--json"],
        "(built by cargo)",
        &ca,
    )
    .await;
    assert_eq!(ran.code, Some(0), "{}{}", ran.stdout, ran.stderr);
    let report: Value = serde_json::from_str(ran.stdout.trim()).expect("JSON");
    assert_eq!(report["trust"]["store"], "the CA given (-)", "{report:#}");
    assert_eq!(report["trust"]["valid"], true, "{report:#}");
    for (args, said) in [
        (vec!["127.0.0.1:0"], "port 0"),
        (
            vec![server.address().as_str(), "--server-name", "*.example"],
            "wildcard",
        ),
        (vec![server.address().as_str(), "--concurrency", "100"], "64 or fewer"),
        (vec![server.address().as_str(), "--timeout", "-1"], "negative"),
    ] {
        let ran = run(SCAN, &args, "(built by cargo)", b"").await;
        assert_eq!(ran.code, Some(2), "{args:?}: {}{}", ran.stdout, ran.stderr);
        assert!(ran.stderr.contains(said), "{args:?}: {}", ran.stderr);
    }
    let (_socket, refusing) = test_support::refusing_address();
    let ran = run(SCAN, &[&refusing, "--json"], "(built by cargo)", b"").await;
    assert_eq!(ran.code, Some(1), "{}", ran.stderr);
    let failed: Value = serde_json::from_str(ran.stdout.trim()).expect("JSON even when nothing answers");
    assert_eq!(failed["target"], refusing.as_str());
    assert!(
        failed["error"]
            .as_str()
            .is_some_and(|why| why.contains("cannot connect")),
        "{failed}"
    );
}

/// echo-server in raw mode (`--raw`: bytes echoed as they come, not lines) speaks TLS as in line mode:
/// the same versions, suites, groups and resumption.
#[tokio::test]
async fn a_raw_echo_server_is_seen_as_a_line_one() {
    let pki = PkiFiles::new();
    let config = |_: ()| {
        tls_core::config::server_config(
            pki.pki.server.identity(),
            None,
            &tls_core::config::TlsOptions::default(),
        )
        .expect("a configuration")
    };
    let line = RunningServer::start(config(()), ServerOptions::default()).await;
    let raw = RunningServer::start(
        config(()),
        ServerOptions {
            mode: tls_core::echo::Mode::Raw,
            ..ServerOptions::default()
        },
    )
    .await;
    let (code, line_report, _) = scanned(&line.address(), &[]).await;
    assert_eq!(code, Some(0), "{line_report:#}");
    let (code, raw_report, _) = scanned(&raw.address(), &[]).await;
    assert_eq!(code, Some(0), "{raw_report:#}");
    for key in [
        "protocols",
        "cipher_suites",
        "server_order",
        "groups",
        "features",
        "resumption",
        "signature_schemes",
    ] {
        assert_eq!(raw_report[key], line_report[key], "{key}: {raw_report:#}");
    }
}

/// echo-server's gallery, whose exhibits each speak what their names say: tls-scan finds it, asking
/// for each exhibit by its name under localhost (which it looks up as localhost, as browsers do).
#[tokio::test]
async fn tls_scan_finds_what_the_gallery_exhibits_say_they_speak() {
    let pki = PkiFiles::new();
    let server = test_support::gallery_server(&pki.pki.ca).await;
    let ca = pki.arg("ca.pem");
    let scan = |name: &str| {
        let target = format!("{name}.localhost:{}", server.addr.port());
        let ca = ca.clone();
        async move { scanned(&target, &["--ca", &ca]).await }
    };
    let versions = |report: &Value| -> Vec<String> {
        let mut on: Vec<String> = report["protocols"]
            .as_object()
            .expect("protocols")
            .iter()
            .filter(|(_, accepted)| accepted == &&Value::Bool(true))
            .map(|(version, _)| version.clone())
            .collect();
        on.sort();
        on
    };
    let (code, report, stderr) = scan("tls12-only").await;
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(versions(&report), ["TLSv1.2"], "{report:#}");
    let (_, report, stderr) = scan("tls13-only").await;
    assert_eq!(versions(&report), ["TLSv1.3"], "{report:#}\n{stderr}");
    let (_, report, stderr) = scan("pq-only").await;
    assert_eq!(versions(&report), ["TLSv1.3"], "{report:#}\n{stderr}");
    assert_eq!(
        group_names(&report, "TLSv1.3"),
        BTreeSet::from(["X25519MLKEM768".to_owned()]),
        "{report:#}"
    );
    let (_, report, stderr) = scan("hrr").await;
    assert_eq!(
        group_names(&report, "TLSv1.3"),
        BTreeSet::from(["secp384r1".to_owned()]),
        "{report:#}\n{stderr}"
    );
    // The revoked exhibit's staple is read and checked against its issuer: a critical finding.
    let (code, report, stderr) = scan("revoked").await;
    assert_eq!(code, Some(0), "{stderr}");
    let status = report["ocsp_status"].as_str().unwrap_or_default();
    assert!(
        status.starts_with("revoked on ") && status.ends_with("reason keyCompromise"),
        "{report:#}"
    );
    let finding = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|finding| finding["id"] == "stapled_revoked")
        .unwrap_or_else(|| panic!("no stapled_revoked finding: {report:#}"));
    assert_eq!(finding["severity"], "critical", "{finding}");
    let (_, report, _) = scan("good").await;
    assert_eq!(report["ocsp_stapled"], false, "{report:#}");
    assert!(report.get("ocsp_status").is_none(), "{report:#}");
    let findings = report["findings"].as_array().map_or(0, Vec::len);
    assert_eq!(findings, 0, "the good exhibit gives no finding: {report:#}");
}
