//! echo-server's page in a real browser: Debian's Chromium, headless, with a fresh profile each time.
//! What the browser decided is read from its NetLog (`--log-net-log`), which names the certificate
//! error; the page itself from `--dump-dom`.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{Server, scenario};
use test_support::{PkiFiles, run, temp_dir};
use tls_core::scenario::Kind;

/// Chromium's first start on a cold machine is slow; each visit still has an end.
const VISIT_LIMIT: Duration = Duration::from_secs(90);

/// What one headless visit gave: the DOM (empty when the page did not load) and the certificate errors
/// Chromium logged.
#[derive(Debug)]
struct Visit {
    dom: String,
    cert_errors: Vec<String>,
    /// Every network error (certificate errors too) it logged, each once, in order.
    net_errors: Vec<String>,
    /// Every URL the browser asked for, as its NetLog has them.
    requested: Vec<String>,
}

/// Visits `url` in headless Chromium with `extra` flags; `home` holds the NSS trust store Chromium
/// reads on Linux ($HOME/.pki/nssdb).
async fn visit(url: &str, extra: &[&str], home: &Path) -> Visit {
    let profile = temp_dir();
    let netlog = profile.path().join("net.json");
    let output = chromium(
        url,
        extra,
        home,
        profile.path(),
        &["--dump-dom", &format!("--log-net-log={}", netlog.display())],
    )
    .await;
    Visit {
        dom: String::from_utf8_lossy(&output.stdout).into_owned(),
        cert_errors: certificate_errors(&netlog),
        net_errors: net_errors(&netlog),
        requested: requested_urls(&netlog),
    }
}

async fn chromium(url: &str, extra: &[&str], home: &Path, profile: &Path, mode: &[&str]) -> std::process::Output {
    let mut command = test_support::headless_chromium(profile, home);
    command.args(extra).args(mode).arg(url);
    match tokio::time::timeout(VISIT_LIMIT, command.output()).await {
        Ok(Ok(output)) => output,
        Ok(Err(err)) => panic!("cannot run chromium ({err}); install it: apt-get install chromium"),
        Err(_) => panic!("chromium did not finish {url} within {VISIT_LIMIT:?}"),
    }
}

/// A NetLog file, read.
fn netlog_of(netlog: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(netlog).unwrap_or_else(|err| panic!("no NetLog at {}: {err}", netlog.display()));
    // A NetLog cut short by the browser's exit lacks its closing brackets.
    serde_json::from_str(&text)
        .or_else(|_| serde_json::from_str(&format!("{}]}}", text.trim_end().trim_end_matches(','))))
        .expect("NetLog is JSON")
}

/// Every URL a request was started for (URL_REQUEST_START_JOB), in a NetLog file, each once; but
/// the browser's own background requests (its clock, component updates, accounts), which no page
/// asks for.
fn requested_urls(netlog: &Path) -> Vec<String> {
    const BACKGROUND: [&str; 3] = [
        "http://clients2.google.com/time/",
        "update.googleapis.com/service/update2/",
        "https://accounts.google.com/ListAccounts",
    ];
    let log = netlog_of(netlog);
    let start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"].as_i64();
    let mut urls: Vec<String> = log["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|event| start.is_some() && event["type"].as_i64() == start)
        .filter_map(|event| event["params"]["url"].as_str().map(str::to_owned))
        .filter(|url| !BACKGROUND.iter().any(|background| url.contains(background)))
        .collect();
    urls.sort();
    urls.dedup();
    urls
}

/// The names of the certificate errors (-200 to -299) in a NetLog file.
fn certificate_errors(netlog: &Path) -> Vec<String> {
    let mut errors = errors_in(netlog, -299..=-200);
    errors.sort();
    errors
}

/// The names of every network error in a NetLog file, each once, in the order they came.
fn net_errors(netlog: &Path) -> Vec<String> {
    errors_in(netlog, i64::MIN..=-1)
}

/// The names of the errors with codes in `codes` in a NetLog file, each once, in the order they came.
fn errors_in(netlog: &Path, codes: std::ops::RangeInclusive<i64>) -> Vec<String> {
    let log = netlog_of(netlog);
    let names = &log["constants"]["netError"];
    let name_of = |code: i64| {
        names
            .as_object()
            .and_then(|m| m.iter().find(|(_, v)| v.as_i64() == Some(code)).map(|(k, _)| k.clone()))
            .unwrap_or_else(|| code.to_string())
    };
    let mut errors: Vec<String> = log["events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|event| event["params"]["net_error"].as_i64())
        .filter(|code| codes.contains(code))
        .map(name_of)
        .collect();
    let mut seen = std::collections::HashSet::new();
    errors.retain(|error| seen.insert(error.clone()));
    errors
}

/// A home folder whose NSS store trusts `ca` (what README's certutil commands do for a real user).
async fn home_trusting(ca: &str) -> tempfile::TempDir {
    let home = temp_dir();
    let db = home.path().join(".pki/nssdb");
    std::fs::create_dir_all(&db).expect("make nssdb folder");
    let db = format!("sql:{}", db.display());
    for args in [
        vec!["-d", &db, "-N", "--empty-password"],
        vec!["-d", &db, "-A", "-t", "C,,", "-n", "tls-echo test CA", "-i", ca],
    ] {
        let ran = run("certutil", &args, "libnss3-tools", b"").await;
        assert!(ran.ok(), "certutil {args:?}: {}", ran.stderr);
    }
    home
}

fn page_url(server: &Server) -> String {
    format!("https://127.0.0.1:{}/", server.port)
}

fn pin(cert: &tls_core::pki_types::CertificateDer<'_>) -> String {
    tls_core::inspect::pin_sha256(cert).expect("a certificate")
}

#[tokio::test]
async fn without_trust_chromium_refuses_with_authority_invalid() {
    let pki = PkiFiles::new();
    let server = Server::start(&pki, &["--serve-ca", &pki.arg("ca.pem")]).await;
    let home = temp_dir();
    let visit = visit(&page_url(&server), &[], home.path()).await;
    assert_eq!(visit.cert_errors, ["ERR_CERT_AUTHORITY_INVALID"], "{visit:?}");
    assert!(
        !visit.dom.contains("Your TLS session"),
        "the page must not load: {}",
        visit.dom
    );
}

#[tokio::test]
async fn with_the_servers_pin_chromium_shows_the_session_and_a_screenshot_is_taken() {
    let pki = PkiFiles::new();
    let server = Server::start(&pki, &["--serve-ca", &pki.arg("ca.pem")]).await;
    let home = temp_dir();
    let spki = format!("--ignore-certificate-errors-spki-list={}", pin(&pki.pki.server.cert));
    let visit = visit(&page_url(&server), &[&spki], home.path()).await;
    assert!(visit.dom.contains("<h1>Your TLS session</h1>"), "{visit:?}");
    assert!(visit.dom.contains("<td>TLSv1.3</td>"), "{}", visit.dom);
    assert!(
        visit.dom.contains("X25519MLKEM768 (post-quantum hybrid"),
        "Chromium negotiates the hybrid group: {}",
        visit.dom
    );
    assert!(visit.dom.contains("<td>http/1.1</td>"), "{}", visit.dom);

    let profile = temp_dir();
    let shot: PathBuf = profile.path().join("page.png");
    let output = chromium(
        &page_url(&server),
        &[&spki, "--window-size=1100,900", "--hide-scrollbars"],
        home.path(),
        &profile.path().join("profile"),
        &[&format!("--screenshot={}", shot.display())],
    )
    .await;
    let png = std::fs::read(&shot)
        .unwrap_or_else(|err| panic!("no screenshot ({err}): {}", String::from_utf8_lossy(&output.stderr)));
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG file");
    assert!(
        png.len() > 10_000,
        "a page with text on it, not a blank image: {} bytes",
        png.len()
    );
    // Kept for a person to look at when TLS_ECHO_SCREENSHOT names a file.
    if let Some(keep) = std::env::var_os("TLS_ECHO_SCREENSHOT") {
        std::fs::copy(&shot, keep).expect("copy the screenshot");
    }
}

#[tokio::test]
async fn with_the_ca_trusted_each_scenario_fails_in_chromium_with_its_own_code() {
    let pki = PkiFiles::new();
    let home = home_trusting(&pki.arg("ca.pem")).await;
    // None: the page loads. Chromium, like OpenSSL, accepts a CA certificate as a server's own.
    let expected = [
        (Kind::Good, None),
        (Kind::Expired, Some("ERR_CERT_DATE_INVALID")),
        (Kind::NotYetValid, Some("ERR_CERT_DATE_INVALID")),
        (Kind::WrongHost, Some("ERR_CERT_COMMON_NAME_INVALID")),
        (Kind::SelfSigned, Some("ERR_CERT_AUTHORITY_INVALID")),
        (Kind::UntrustedRoot, Some("ERR_CERT_AUTHORITY_INVALID")),
        (Kind::IncompleteChain, Some("ERR_CERT_AUTHORITY_INVALID")),
        (Kind::CaAsLeaf, None),
    ];
    for (kind, error) in expected {
        let server = scenario(&pki, kind).await;
        let visit = visit(&page_url(&server), &[], home.path()).await;
        match error {
            None => {
                assert!(visit.cert_errors.is_empty(), "{kind}: {visit:?}");
                assert!(
                    visit.dom.contains(&format!("Scenario: {kind}")),
                    "{kind}: {}",
                    visit.dom
                );
            }
            Some(code) => {
                assert_eq!(visit.cert_errors, [code], "{kind}: {visit:?}");
                assert!(!visit.dom.contains("Your TLS session"), "{kind}: the page loaded");
            }
        }
    }
}

#[tokio::test]
async fn the_good_scenario_loads_with_the_cas_pin_alone() {
    let pki = PkiFiles::new();
    let server = scenario(&pki, Kind::Good).await;
    let home = temp_dir();
    let spki = format!("--ignore-certificate-errors-spki-list={}", pin(&pki.pki.ca.issued.cert));
    let visit = visit(&page_url(&server), &[&spki], home.path()).await;
    assert!(visit.dom.contains("Scenario: good"), "{visit:?}");
}

/// The browser's own handshake, seen from the server: its ClientHello (GREASE, the post-quantum key
/// share), the server's flight decrypted, both Finished verified.
#[tokio::test]
async fn chromium_sees_its_own_handshake_at_slash_handshake() {
    let pki = PkiFiles::new();
    let server = Server::start(&pki, &[]).await;
    let home = temp_dir();
    let spki = format!("--ignore-certificate-errors-spki-list={}", pin(&pki.pki.server.cert));
    let url = format!("{}handshake", page_url(&server));
    let visit = visit(&url, &[&spki], home.path()).await;
    let dom = &visit.dom;
    assert!(dom.contains("<h1>Your TLS handshake</h1>"), "{visit:?}");
    // The page is whole by itself: the browser asked for nothing but the page.
    assert_eq!(visit.requested, std::slice::from_ref(&url), "{visit:?}");
    assert!(
        dom.contains("<details class=\"message\" data-type=\"client_hello\">"),
        "{dom}"
    );
    assert!(
        dom.contains("<abbr class=\"grease\""),
        "Chromium's GREASE, marked: {dom}"
    );
    assert!(dom.contains("client_hello"), "{dom}");
    assert!(
        dom.contains("X25519MLKEM768 (1216 bytes)"),
        "Chromium's hybrid key share: {dom}"
    );
    assert!(dom.contains("<th>Server Finished</th><td>verified</td>"), "{dom}");
    assert!(dom.contains("<th>Your Finished</th><td>verified</td>"), "{dom}");
    let grease = dom
        .split("<th>GREASE values in your ClientHello</th><td>")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .and_then(|n| n.parse::<u32>().ok());
    assert!(grease.is_some_and(|n| n > 0), "Chromium sends GREASE: {dom}");
}

/// What Chromium says to a gallery exhibit, as the index writes it: `OK` when the page loaded, else
/// the first error it logged but those of its own attempts around the real one (the name looked up,
/// ::1 refused where the gallery listens on 127.0.0.1, the request given up).
fn chromium_said(visit: &Visit) -> String {
    const AROUND: [&str; 3] = ["ERR_NAME_NOT_RESOLVED", "ERR_CONNECTION_REFUSED", "ERR_ABORTED"];
    if visit.dom.contains("Your TLS session") {
        return "OK".to_owned();
    }
    visit
        .net_errors
        .iter()
        .find(|error| !AROUND.contains(&error.as_str()))
        .cloned()
        .unwrap_or_else(|| format!("no page and no error: {visit:?}"))
}

#[tokio::test]
async fn every_gallery_exhibit_in_chromium_is_what_the_index_expects() {
    let pki = PkiFiles::new();
    let home = home_trusting(&pki.arg("ca.pem")).await;
    let server = common::gallery(&pki).await;
    let mut differ = Vec::new();
    for exhibit in tls_core::gallery::CATALOGUE {
        let Some(expect) = exhibit.expect else { continue };
        let url = format!("https://{}.localhost:{}/", exhibit.name, server.port);
        let said = chromium_said(&visit(&url, &[], home.path()).await);
        if said != expect.chromium {
            differ.push(format!(
                "{}: Chromium said {said}, the index expects {}",
                exhibit.name, expect.chromium
            ));
        }
    }
    assert!(differ.is_empty(), "{differ:#?}");
}
