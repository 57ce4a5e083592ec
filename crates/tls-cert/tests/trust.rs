//! `tls-cert trust` changes this machine's trust stores: the system store (as root, which CI is),
//! an NSS database for Chromium and one for a Firefox profile in a HOME of the test's own, and Java's
//! cacerts. Each client then trusts the CA with no flag: curl, Python's default context, headless
//! Chromium, keytool; after uninstall the system bundle is byte for byte what it was. Whatever happens,
//! the stores are put back (a guard uninstalls, and rebuilds the system store, even when a check fails).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use test_support::{PkiFiles, Ran, run, run_within, temp_dir};

const TLS_CERT: &str = env!("CARGO_BIN_EXE_tls-cert");
const BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// Puts the machine back when dropped: uninstalls the CA, removes any file of ours left in the system
/// folder, rebuilds the system store, and checks the bundle is what it was.
struct Restore {
    ca: String,
    home: PathBuf,
    bundle: Vec<u8>,
}

impl Drop for Restore {
    fn drop(&mut self) {
        let _ = std::process::Command::new(TLS_CERT)
            .args(["trust", "uninstall", "--ca", &self.ca])
            .env("HOME", &self.home)
            .output();
        for entry in std::fs::read_dir("/usr/local/share/ca-certificates")
            .into_iter()
            .flatten()
            .flatten()
        {
            if entry.file_name().to_string_lossy().starts_with("tls-echo-") {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        if std::fs::read(BUNDLE).ok().as_deref() != Some(self.bundle.as_slice()) {
            let _ = std::process::Command::new("update-ca-certificates")
                .arg("--fresh")
                .output();
        }
    }
}

async fn trust(action: &str, ca: &str, home: &Path, extra: &[&str]) -> Ran {
    let mut args = vec!["trust", action, "--ca", ca];
    args.extend_from_slice(extra);
    let mut command = tokio::process::Command::new(TLS_CERT);
    command.args(&args).env("HOME", home).kill_on_drop(true);
    let output = tokio::time::timeout(std::time::Duration::from_secs(120), command.output())
        .await
        .expect("tls-cert trust finishes")
        .expect("tls-cert runs");
    Ran {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stdout_bytes: output.stdout,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// An empty NSS database at `dir`, as Chromium and Firefox make them.
async fn nss_database(dir: &Path) {
    std::fs::create_dir_all(dir).expect("a folder");
    let made = run(
        "certutil",
        &["-N", "-d", &format!("sql:{}", dir.display()), "--empty-password"],
        "libnss3-tools",
        b"",
    )
    .await;
    assert!(made.ok(), "{}", made.stderr);
}

/// Headless Chromium's page for `url`, with `home` as its HOME (its NSS database) and no flag about
/// certificates; empty when it refused the certificate.
async fn chromium_page(url: &str, home: &Path) -> String {
    let profile = temp_dir();
    let mut command = test_support::headless_chromium(profile.path(), home);
    command.args(["--dump-dom", url]);
    let output = tokio::time::timeout(std::time::Duration::from_secs(90), command.output())
        .await
        .expect("chromium finishes")
        .expect("chromium runs");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn is_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|meta| std::os::unix::fs::MetadataExt::uid(&meta) == 0)
        .unwrap_or(false)
}

#[tokio::test]
async fn install_makes_every_client_trust_it_and_uninstall_leaves_the_machine_as_it_was() {
    assert!(
        is_root(),
        "this test changes the system trust store: run it as root (CI does)"
    );
    let pki = PkiFiles::new();
    let home = temp_dir();
    let (chromium_db, firefox_db) = (
        home.path().join(".pki/nssdb"),
        home.path().join(".mozilla/firefox/test.default"),
    );
    nss_database(&chromium_db).await;
    nss_database(&firefox_db).await;
    let ca = pki.arg("ca.pem");
    let bundle = std::fs::read(BUNDLE).expect("the system bundle");
    let _restore = Restore {
        ca: ca.clone(),
        home: home.path().to_owned(),
        bundle: bundle.clone(),
    };
    // A server presenting a certificate of this CA, with its page for the browser.
    let config = {
        let options = tls_core::config::TlsOptions {
            alpn: vec![b"http/1.1".to_vec()],
            ..Default::default()
        };
        tls_core::config::server_config(pki.pki.server.identity(), None, &options).expect("config")
    };
    let options = tls_core::server::ServerOptions {
        page: Some(Arc::new(tls_core::page::PageInfo::new(Vec::new()))),
        ..Default::default()
    };
    let server = test_support::RunningServer::start(config, options).await;
    let url = format!("https://localhost:{}/", server.addr.port());
    let curl = || async {
        run(
            "curl",
            &["--silent", "--show-error", "--max-time", "10", "-o", "/dev/null", &url],
            "curl",
            b"",
        )
        .await
    };
    let python = || async {
        let script = "import socket, ssl, sys\nc = ssl.create_default_context()\ns = c.wrap_socket(socket.create_connection(('localhost', int(sys.argv[1])), timeout=10), server_hostname='localhost')\nprint(s.version())";
        run(
            "python3",
            &["-c", script, &server.addr.port().to_string()],
            "python3",
            b"",
        )
        .await
    };
    // Before: nobody trusts it; status says so for every store, exit 1.
    assert_eq!(curl().await.code, Some(60));
    let status = trust("status", &ca, home.path(), &[]).await;
    assert_eq!(status.code, Some(1), "{status:?}");
    assert_eq!(
        status.stdout.matches("does not trust it").count(),
        4,
        "{}",
        status.stdout
    );
    // A dry run says what it would do, and does nothing.
    let dry = trust("install", &ca, home.path(), &["--dry-run"]).await;
    assert!(dry.ok() && dry.stdout.matches("would add it").count() >= 3, "{dry:?}");
    assert_eq!(std::fs::read(BUNDLE).expect("bundle"), bundle);

    let installed = trust("install", &ca, home.path(), &[]).await;
    assert!(installed.ok(), "{installed:?}");
    for said in [
        "system store (update-ca-certificates): added as /usr/local/share/ca-certificates/tls-echo-",
        &format!("Chromium's NSS database {}: added as tls-echo-", chromium_db.display()),
        &format!(
            "Firefox profile's NSS database {}: added as tls-echo-",
            firefox_db.display()
        ),
        "Java cacerts (keytool): trusts it already (ca-certificates-java copied it from the system store)",
        "proved: a TLS handshake to localhost, trusting only /etc/ssl/certs/ca-certificates.crt",
    ] {
        assert!(installed.stdout.contains(said), "{said:?}:\n{}", installed.stdout);
    }
    let status = trust("status", &ca, home.path(), &[]).await;
    assert!(
        status.ok() && status.stdout.matches(": trusts it").count() == 4,
        "{status:?}"
    );
    // Every client, with no flag about this CA.
    let curled = curl().await;
    assert!(curled.ok(), "{curled:?}");
    let python = python().await;
    assert!(python.ok() && python.stdout.starts_with("TLSv1."), "{python:?}");
    let listed = run(
        "certutil",
        &["-L", "-d", &format!("sql:{}", chromium_db.display())],
        "libnss3-tools",
        b"",
    )
    .await;
    assert!(
        listed.stdout.contains("tls-echo-") && listed.stdout.contains("C,,"),
        "{}",
        listed.stdout
    );
    let page = chromium_page(&url, home.path()).await;
    assert!(
        page.contains("Your TLS session"),
        "Chromium did not load the page:\n{page}"
    );
    // Twice: nothing more is done.
    let again = trust("install", &ca, home.path(), &[]).await;
    assert!(
        again.ok() && again.stdout.matches("trusts it already").count() == 4,
        "{again:?}"
    );

    let removed = trust("uninstall", &ca, home.path(), &[]).await;
    assert!(removed.ok(), "{removed:?}");
    assert_eq!(removed.stdout.matches(": removed").count(), 4, "{}", removed.stdout);
    assert!(
        std::fs::read(BUNDLE).expect("bundle") == bundle,
        "the system bundle is not what it was before install"
    );
    assert_eq!(curl().await.code, Some(60));
    let status = trust("status", &ca, home.path(), &[]).await;
    assert_eq!(
        status.stdout.matches("does not trust it").count(),
        4,
        "{}",
        status.stdout
    );
    let page = chromium_page(&url, home.path()).await;
    assert!(!page.contains("Your TLS session"), "Chromium still trusts it");
    // Another CA's files are never touched: the other local CAs are all still there.
    let again = trust("uninstall", &ca, home.path(), &[]).await;
    assert!(again.ok() && again.stdout.matches("holds no").count() == 4, "{again:?}");
}

#[tokio::test]
async fn without_root_it_prints_the_commands_and_a_server_certificate_is_refused() {
    let pki = PkiFiles::new();
    let place = temp_dir();
    let program = test_support::place_program(TLS_CERT, place.path());
    let ca = place.path().join("ca.pem");
    std::fs::copy(pki.path("ca.pem"), &ca).expect("copy");
    let home = place.path().join("home");
    std::fs::create_dir_all(&home).expect("home");
    let chmod = run(
        "chmod",
        &["-R", "a+rwX", &place.path().display().to_string()],
        "coreutils",
        b"",
    )
    .await;
    assert!(chmod.ok());
    let bundle = std::fs::read(BUNDLE).expect("the system bundle");
    let path = std::env::var("PATH").unwrap_or_default();
    let ran = run_within(
        std::time::Duration::from_secs(120),
        "setpriv",
        &[
            "--reuid",
            "65534",
            "--regid",
            "65534",
            "--clear-groups",
            "env",
            &format!("HOME={}", home.display()),
            &format!("PATH={path}"),
            &program.display().to_string(),
            "trust",
            "install",
            "--ca",
            &ca.display().to_string(),
        ],
        "util-linux",
        b"",
    )
    .await;
    assert!(ran.ok(), "{ran:?}");
    assert!(
        ran.stdout
            .contains("NOT done: cannot write /usr/local/share/ca-certificates/tls-echo-")
            && ran.stdout.contains("to finish, run as root:")
            && ran.stdout.contains("update-ca-certificates"),
        "{}",
        ran.stdout
    );
    assert_eq!(std::fs::read(BUNDLE).expect("bundle"), bundle, "nothing changed");
    // A server's certificate is no CA: refused, exit 2.
    let refused = run(
        TLS_CERT,
        &["trust", "status", "--ca", &pki.arg("server.pem")],
        "(built by cargo)",
        b"",
    )
    .await;
    assert!(
        refused.code == Some(2) && refused.stderr.contains("is not a CA"),
        "{refused:?}"
    );
}
