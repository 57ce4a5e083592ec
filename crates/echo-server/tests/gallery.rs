//! `echo-server --gallery` against real clients: what curl, Python's ssl and openssl s_client say to
//! each exhibit is what the index's `expect` says (Chromium's is checked in browser.rs, tls-scan's in
//! its own tests), and what each exhibit's words claim beyond that holds.

mod common;

use common::{Server, curl, gallery};
use test_support::PkiFiles;
use tls_core::gallery::CATALOGUE;

fn url(server: &Server, name: &str, path: &str) -> String {
    format!("https://{name}.localhost:{}{path}", server.port)
}

/// `/gallery.json`, fetched from the index by curl trusting `ca`.
async fn listed(server: &Server, ca: &str) -> Vec<serde_json::Value> {
    let index = format!("https://localhost:{}/gallery.json", server.port);
    let ran = curl(&["--cacert", ca, &index]).await;
    assert!(ran.ok(), "{}", ran.stderr);
    serde_json::from_str(&ran.stdout).expect("gallery.json is JSON")
}

/// curl's exit code for `url` with `flags`, trusting `ca`.
async fn curl_exit(ca: &str, flags: &[&str], url: &str) -> i32 {
    let mut args = vec!["--cacert", ca, "-o", "/dev/null"];
    args.extend_from_slice(flags);
    args.push(url);
    curl(&args).await.code.unwrap_or(-1)
}

/// What `openssl s_client` says of exhibit `name`: its verify return code and text, or `no handshake`
/// when no certificate came (it then prints a code of 0 that checked nothing).
async fn openssl_said(server: &Server, ca: &str, name: &str, extra: &[&str]) -> String {
    let host = format!("{name}.localhost");
    let mut args = vec![
        "s_client",
        "-connect",
        &server.addr,
        "-servername",
        &host,
        "-verify_hostname",
        &host,
        "-CAfile",
        ca,
    ];
    args.extend_from_slice(extra);
    let ran = test_support::run("openssl", &args, "openssl", b"").await;
    if ran.stdout.contains("no peer certificate available") {
        return "no handshake".to_owned();
    }
    ran.stdout
        .lines()
        .rev()
        .find_map(|line| line.trim().strip_prefix("Verify return code: "))
        .unwrap_or_else(|| panic!("{name}: no verify code from openssl:\n{}{}", ran.stdout, ran.stderr))
        .to_owned()
}

#[tokio::test]
async fn each_exhibit_gets_from_curl_python_and_openssl_what_the_index_expects() {
    let pki = PkiFiles::new();
    let server = gallery(&pki).await;
    let ca = pki.arg("ca.pem");
    let list = listed(&server, &ca).await;
    let names: Vec<&str> = list.iter().filter_map(|entry| entry["name"].as_str()).collect();
    let catalogue: Vec<&str> = CATALOGUE.iter().map(|exhibit| exhibit.name).collect();
    assert_eq!(names, catalogue, "gallery.json lists the whole catalogue, in order");
    let served: Vec<&serde_json::Value> = list.iter().filter(|entry| !entry["url"].is_null()).collect();
    assert!(served.len() >= 28, "{}", served.len());
    let python = {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/gallery_client.py");
        let mut args = vec![script, &server.port, &ca];
        args.extend(served.iter().filter_map(|entry| entry["name"].as_str()));
        let ran = test_support::run("python3", &args, "python3", b"").await;
        assert!(ran.ok(), "{}", ran.stderr);
        serde_json::from_str::<serde_json::Value>(&ran.stdout).expect("JSON from the Python client")
    };
    let mut differ = Vec::new();
    for entry in served {
        let name = entry["name"].as_str().expect("a name");
        assert_eq!(entry["url"], url(&server, name, "/"), "{name}");
        let expect = &entry["expect"];
        let flags: Vec<&str> = expect["curl"]["flags"]
            .as_array()
            .expect("curl flags")
            .iter()
            .filter_map(|flag| flag.as_str())
            .collect();
        let said = [
            ("curl", curl_exit(&ca, &flags, &url(&server, name, "/")).await.into()),
            ("python", python[name].clone()),
            ("openssl", openssl_said(&server, &ca, name, &[]).await.into()),
        ];
        for (client, said) in said {
            let expected = if client == "curl" {
                &expect["curl"]["exit"]
            } else {
                &expect[client]
            };
            if &said != expected {
                differ.push(format!("{name}: {client} said {said}, the index expects {expected}"));
            }
        }
    }
    assert!(differ.is_empty(), "{differ:#?}");
}

#[tokio::test]
async fn the_index_lists_every_exhibit_and_offers_the_ca_and_the_revoked_ones_crl() {
    let pki = PkiFiles::new();
    let server = gallery(&pki).await;
    let ca = pki.arg("ca.pem");
    for index in [
        format!("https://localhost:{}/", server.port),
        format!("https://127.0.0.1:{}/", server.port),
    ] {
        let page = curl(&["--cacert", &ca, &index]).await;
        assert!(page.ok(), "{index}: {}", page.stderr);
        assert!(page.stdout.contains("<h1>Broken on purpose</h1>"), "{index}");
        for exhibit in CATALOGUE {
            assert!(
                page.stdout.contains(&format!(">{}<", exhibit.name)),
                "{index}: {}",
                exhibit.name
            );
        }
        // Every link stays on this server: its own paths, or an exhibit's name on its port.
        let port_path = format!(".localhost:{}/\"", server.port);
        for link in page.stdout.split("href=\"").skip(1) {
            let link = link.split_once('>').map_or(link, |(link, _)| link);
            assert!(
                link.starts_with('/') || (link.starts_with("https://") && link.ends_with(&port_path)),
                "{index}: {link}"
            );
        }
        assert!(!page.stdout.contains("<script"), "{index}: the page is inert");
    }
    let offered = curl(&["--cacert", &ca, &format!("https://localhost:{}/ca.pem", server.port)]).await;
    let ca_pem = std::fs::read_to_string(pki.path("ca.pem")).expect("CA file");
    assert_eq!(offered.stdout.trim(), ca_pem.trim());
    // The CRL the index offers is one openssl reads and refuses the revoked certificate with.
    let crl = pki.path("revoked.crl.pem");
    let fetched = curl(&[
        "--cacert",
        &ca,
        "-o",
        crl.to_str().expect("UTF-8 path"),
        &format!("https://localhost:{}/revoked.crl.pem", server.port),
    ])
    .await;
    assert!(fetched.ok(), "{}", fetched.stderr);
    let crl = crl.to_str().expect("UTF-8 path");
    let checked = openssl_said(&server, &ca, "revoked", &["-crl_check", "-CRL", crl]).await;
    assert_eq!(checked, "23 (certificate revoked)");
    let good = openssl_said(&server, &ca, "good", &["-crl_check", "-CRL", crl]).await;
    assert_eq!(good, "0 (ok)");
    let stapled = test_support::run(
        "openssl",
        &[
            "s_client",
            "-connect",
            &server.addr,
            "-servername",
            "revoked.localhost",
            "-status",
        ],
        "openssl",
        b"",
    )
    .await;
    assert!(stapled.stdout.contains("Cert Status: revoked"), "{}", stapled.stdout);
}

/// The exhibits' words say what other flags and clients get: each such claim, checked.
#[tokio::test]
async fn what_each_exhibit_claims_beyond_the_table_holds() {
    let pki = PkiFiles::new();
    let mut server = gallery(&pki).await;
    let ca = pki.arg("ca.pem");
    for (name, flags, exit) in [
        ("tls12-only", &["--tlsv1.3"][..], 35),
        ("tls13-only", &["--tls-max", "1.2"], 35),
        ("slow-handshake", &["--max-time", "1"], 28),
        ("nothing-here", &[], 60),
    ] {
        assert_eq!(
            curl_exit(&ca, flags, &url(&server, name, "/")).await,
            exit,
            "{name} {flags:?}"
        );
    }
    // curl gets h2, sends HTTP/2, and the page (HTTP/1.1) closes: it sees no answer (52) or a failed
    // send (55), as the close and its request race.
    let h2 = curl_exit(&ca, &[], &url(&server, "alpn-h2-only", "/")).await;
    assert!([52, 55].contains(&h2), "alpn-h2-only: curl exit {h2}");
    // A name no exhibit has gets the index's certificate, and the log says so.
    server
        .peer
        .wait_for(test_support::Output::Stderr, "nothing-here.localhost")
        .await;
    // A failed handshake's log line names the exhibit asked for, and the refusal in words.
    assert_eq!(
        curl_exit(&ca, &["--http1.1"], &url(&server, "alpn-h2-only", "/")).await,
        35
    );
    let refused = server
        .peer
        .wait_for(test_support::Output::Stderr, "none of which this server takes")
        .await;
    assert!(refused.contains("sni=\"alpn-h2-only.localhost\""), "{refused}");
    // The page of a certificate not valid yet says so (seen past the refusal with --insecure).
    let early = curl(&["--insecure", &url(&server, "not-yet-valid", "/")]).await;
    assert!(
        early.stdout.contains("NOT VALID YET: it starts in 29 days"),
        "{}",
        early.stdout
    );
    let missing = curl(&["--cacert", &ca, &format!("https://localhost:{}/nothing", server.port)]).await;
    assert!(
        missing
            .stdout
            .contains("try /gallery.json, /revoked.crl, /revoked.crl.pem, /, /json"),
        "{}",
        missing.stdout
    );
    // hrr: the server's first answer is a HelloRetryRequest for P-384, as the x-ray of the session shows.
    let trace = curl(&["--cacert", &ca, &url(&server, "hrr", "/handshake.json")]).await;
    let trace: serde_json::Value = serde_json::from_str(&trace.stdout).expect("handshake.json");
    let retry = test_support::trace_messages(&trace)
        .into_iter()
        .find(|message| message["hello_retry_request"] == true)
        .expect("a HelloRetryRequest");
    assert_eq!(retry["extensions"][0]["selected_group"], "secp384r1", "{retry}");
    // pq-only: a rustls client (echo-client's) connects, on the hybrid group; ca-as-leaf: it refuses.
    let config = test_support::client_config(&pki.pki.ca);
    let connect = |name: &str| {
        let name = tls_core::client::parse_server_name(&format!("{name}.localhost")).expect("name");
        tls_core::client::connect(&server.addr, name, config.clone(), Default::default())
    };
    let pq = connect("pq-only").await.expect("pq-only connects");
    assert_eq!(pq.info().group_name(), "X25519MLKEM768");
    let refused = connect("ca-as-leaf").await.expect_err("rustls refuses a CA as a leaf");
    assert!(refused.to_string().contains("CA"), "{refused}");
}

#[tokio::test]
async fn the_gallery_refuses_what_it_cannot_use_and_serves_names_under_localhost_on_ipv6_too() {
    let pki = PkiFiles::new();
    let missing = pki.path("nowhere.pem");
    let missing = missing.to_str().expect("UTF-8 path");
    let ca = pki.arg("ca.pem");
    for (args, said) in [
        (vec!["--gallery", "--cert", "x.pem"], "cannot be used with"),
        (vec!["--gallery", "--scenario", "expired"], "cannot be used with"),
        (vec!["--gallery", "--alpn", "h2"], "cannot be used with"),
        (vec!["--gallery", "--crl", "x.crl"], "cannot be used with"),
        // Each process would make its own certificates: two behind one port would disagree.
        (vec!["--gallery", "--reuse-port"], "cannot be used with"),
        (
            vec!["--gallery", "--handshake-timeout", "4.9"],
            "must be 5 s or more with --gallery",
        ),
        (vec!["--scenario-ca", missing], "--scenario"),
        (
            vec!["--gallery", "--scenario-ca", missing, "--scenario-ca-key", missing],
            "nowhere.pem",
        ),
    ] {
        let ran = test_support::run(common::SERVER, &args, "(built by cargo)", b"").await;
        assert_eq!(ran.code, Some(2), "{args:?}: {}", ran.stderr);
        assert!(ran.stderr.contains(said), "{args:?}: {}", ran.stderr);
    }
    let server = common::gallery_with(&pki, "[::1]:0", &[]).await;
    let index = format!("https://[::1]:{}/gallery.json", server.port);
    let ran = curl(&["--cacert", &ca, &index]).await;
    assert!(ran.ok() && ran.stdout.contains("\"good\""), "{}", ran.stderr);
    // A name under localhost reaches ::1 when the server listens there alone, as it does with curl,
    // whatever the hosts file says of localhost (here: 127.0.0.1 only).
    let name = tls_core::client::parse_server_name("good.localhost").expect("name");
    let config = test_support::client_config(&pki.pki.ca);
    let target = format!("good.localhost:{}", server.port);
    let connected = tls_core::client::connect(&target, name, config, Default::default()).await;
    assert_eq!(connected.expect("connected").peer().ip().to_string(), "::1");
}

/// Signed by an intermediate CA (its file holding the root after it): every chain reaches the root,
/// which is what /ca.pem offers.
#[tokio::test]
async fn under_an_intermediate_ca_the_chains_reach_the_root_the_index_offers() {
    let pki = PkiFiles::new();
    let team = pki
        .pki
        .ca
        .intermediate("Team CA", tls_core::generate::Validity::days_from_now(300))
        .expect("intermediate");
    let (cert, key) = test_support::write_issued(pki.dir(), "team", &team.issued);
    let with_root = format!("{}{}", team.issued.cert_pem, pki.pki.ca.issued.cert_pem);
    std::fs::write(&cert, with_root).expect("write the CA file");
    let (cert, key) = (cert.display().to_string(), key.display().to_string());
    let args = [
        "--listen",
        "127.0.0.1:0",
        "--gallery",
        "--scenario-ca",
        &cert,
        "--scenario-ca-key",
        &key,
    ];
    let server = Server::start_with(&args, None).await;
    let root = pki.arg("ca.pem");
    for (name, exit) in [
        ("good", 0),
        ("long-chain", 0),
        ("reversed-chain", 0),
        ("incomplete-chain", 60),
        ("expired", 60),
    ] {
        assert_eq!(curl_exit(&root, &[], &url(&server, name, "/")).await, exit, "{name}");
    }
    let violation = openssl_said(&server, &root, "name-constraint-violation", &[]).await;
    assert_eq!(violation, "47 (permitted subtree violation)");
    let offered = curl(&["--cacert", &root, &format!("https://localhost:{}/ca.pem", server.port)]).await;
    assert_eq!(
        offered.stdout.trim(),
        pki.pki.ca.issued.cert_pem.trim(),
        "the root, not Team CA"
    );
}

/// A client that sends its ClientHello for an exhibit and then nothing: the line that says the
/// handshake timed out still names the exhibit it asked for.
#[tokio::test]
async fn a_handshake_cut_off_by_the_timeout_still_names_its_exhibit() {
    use tokio::io::AsyncWriteExt as _;
    let pki = PkiFiles::new();
    let mut server = common::gallery_with(&pki, "127.0.0.1:0", &["--handshake-timeout", "5"]).await;
    let config = test_support::client_config(&pki.pki.ca);
    let name = tls_core::client::parse_server_name("good.localhost").expect("name");
    let mut client = tls_core::rustls::ClientConnection::new(config, name).expect("a client");
    let mut hello = Vec::new();
    client.write_tls(&mut hello).expect("the ClientHello");
    let mut tcp = tokio::net::TcpStream::connect(&server.addr).await.expect("connect");
    tcp.write_all(&hello).await.expect("send the ClientHello");
    // Cut off after 5 s, the least the gallery takes; the wait for the line is bounded too.
    let line = server
        .peer
        .wait_for(test_support::Output::Stderr, "no complete TLS handshake within")
        .await;
    assert!(line.contains("sni=\"good.localhost\""), "{line}");
    drop(tcp);
}
