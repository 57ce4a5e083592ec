//! `tls-cert trust install|uninstall|status --ca CA.pem`: a CA added to (or removed from) the trust
//! stores of this machine that are found: the system store (Debian's update-ca-certificates, Fedora's
//! update-ca-trust; curl, Python, Go and, through ca-certificates-java, Java read it), the user's NSS
//! databases (Chromium's, every Firefox profile, snap's) and Java's cacerts when the system store does
//! not feed it. Each store gets the CA under a name of its own (`tls-echo-` and its fingerprint), so
//! uninstall removes exactly what install added and never another CA.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use tls_core::pki_types::CertificateDer;
use tls_core::x509;

use crate::{INVALID, Stdout, refuse};

/// Flags of `tls-cert trust`.
#[derive(Debug, clap::Args)]
pub(crate) struct TrustArgs {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Add the CA to every trust store found, then prove it with a handshake
    Install(Flags),
    /// Remove the CA from every store where install put it (nothing else)
    Uninstall(Flags),
    /// Say, for each store found, whether it trusts the CA (exit 1 when one does not)
    Status(Flags),
}

#[derive(Debug, clap::Args)]
struct Flags {
    /// The CA certificate (PEM or DER; the first certificate of the file)
    #[arg(long, value_name = "FILE")]
    ca: PathBuf,
    /// Its private key, to prove the install with a real handshake [default: ca.key beside --ca]
    #[arg(long, value_name = "FILE")]
    ca_key: Option<PathBuf>,
    /// Say what would be done, and do nothing
    #[arg(long)]
    dry_run: bool,
}

/// Debian's folder for local CAs, and its bundle.
const DEBIAN_DIR: &str = "/usr/local/share/ca-certificates";
const DEBIAN_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";
/// ca-certificates-java's hook: on Debian, Java's cacerts follows the system store.
const JAVA_HOOK: &str = "/etc/ca-certificates/update.d/jks-keystore";
/// Fedora's folder for local CAs, and its bundle.
const FEDORA_DIR: &str = "/etc/pki/ca-trust/source/anchors";
const FEDORA_BUNDLE: &str = "/etc/pki/tls/certs/ca-bundle.crt";

/// A trust store found on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Store {
    /// A folder of local CAs, a command that rebuilds the bundle from it, and the bundle.
    System {
        dir: &'static str,
        update: &'static str,
        bundle: &'static str,
    },
    /// An NSS database (`sql:` form), and whose it is.
    Nss { db: PathBuf, whose: String },
    /// Java's cacerts, by keytool.
    Java,
}

impl Store {
    fn name(&self) -> String {
        match self {
            Self::System { update, .. } => format!("system store ({update})"),
            Self::Nss { db, whose } => format!("{whose} NSS database {}", db.display()),
            Self::Java => "Java cacerts (keytool)".to_owned(),
        }
    }
}

/// The CA, with the names it gets in the stores.
struct Ca {
    /// Its file, as a shell word for the commands printed.
    file: String,
    cert: CertificateDer<'static>,
    pem: String,
    subject: String,
    /// SHA-256 of the certificate, lowercase hex.
    fingerprint: String,
}

impl Ca {
    /// The name it has in every store: `tls-echo-` and the start of its fingerprint.
    fn nickname(&self) -> String {
        format!("tls-echo-{}", &self.fingerprint[..16])
    }

    /// The fingerprint as keytool prints it (`AB:CD:...`).
    fn keytool_fingerprint(&self) -> String {
        self.fingerprint
            .as_bytes()
            .chunks(2)
            .map(|pair| String::from_utf8_lossy(pair).to_ascii_uppercase())
            .collect::<Vec<_>>()
            .join(":")
    }
}

/// What became of one store.
enum Outcome {
    /// Done, in words.
    Done(String),
    /// Nothing to do, in words.
    Already(String),
    /// Not done: why, and the commands that would do it.
    NotDone { why: String, commands: Vec<String> },
}

pub(crate) async fn run(args: &TrustArgs) -> ExitCode {
    let (action, flags) = match &args.action {
        Action::Install(flags) => ("install", flags),
        Action::Uninstall(flags) => ("uninstall", flags),
        Action::Status(flags) => ("status", flags),
    };
    let ca = match load(&flags.ca) {
        Ok(ca) => ca,
        Err(code) => return code,
    };
    let stores = stores();
    let mut out = Stdout::default();
    out.line(&format!("CA: {} (sha256 {})", ca.subject, ca.fingerprint));
    if stores.is_empty() {
        out.line("no trust store found on this machine (no update-ca-certificates, update-ca-trust, NSS database or keytool)");
        return ExitCode::from(INVALID);
    }
    match action {
        "status" => status(&ca, &stores, &mut out),
        _ => change(action == "install", &ca, &stores, flags, &mut out).await,
    }
}

fn load(path: &Path) -> Result<Ca, ExitCode> {
    let cert = tls_echo_cli::input::load_cert_chain(path)
        .map(|chain| chain[0].clone())
        .map_err(|err| crate::fail(&err))?;
    if !x509::is_ca(&cert) && !x509::is_self_issued(&cert) {
        return Err(refuse(&format!(
            "{} is not a CA ({}, signed by {}): trust the CA that signed it instead",
            path.display(),
            x509::subject(&cert),
            x509::issuer(&cert)
        )));
    }
    let info = tls_core::inspect::inspect(&cert, tls_core::inspect::Position::Issuer)
        .map_err(|err| refuse(&format!("{}: {err}", path.display())))?;
    Ok(Ca {
        file: crate::generate::shell_word(path),
        pem: tls_core::pem::certificate_pem(&cert),
        subject: info.subject,
        fingerprint: info.fingerprint_sha256,
        cert,
    })
}

/// Whether `program` is on the PATH.
fn found(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// The stores of this machine and of this user.
fn stores() -> Vec<Store> {
    let mut stores = Vec::new();
    if found("update-ca-certificates") && Path::new(DEBIAN_DIR).is_dir() {
        stores.push(Store::System {
            dir: DEBIAN_DIR,
            update: "update-ca-certificates",
            bundle: DEBIAN_BUNDLE,
        });
    } else if found("update-ca-trust") && Path::new(FEDORA_DIR).is_dir() {
        stores.push(Store::System {
            dir: FEDORA_DIR,
            update: "update-ca-trust",
            bundle: FEDORA_BUNDLE,
        });
    }
    if let Some(home) = std::env::var_os("HOME").map(PathBuf::from) {
        let nss = |db: PathBuf, whose: &str| {
            db.join("cert9.db").is_file().then(|| Store::Nss {
                db,
                whose: whose.to_owned(),
            })
        };
        stores.extend(nss(home.join(".pki/nssdb"), "Chromium's"));
        stores.extend(nss(home.join("snap/chromium/current/.pki/nssdb"), "snap Chromium's"));
        for (profiles, whose) in [
            (home.join(".mozilla/firefox"), "Firefox profile's"),
            (
                home.join("snap/firefox/common/.mozilla/firefox"),
                "snap Firefox profile's",
            ),
        ] {
            let mut found: Vec<PathBuf> = std::fs::read_dir(&profiles)
                .into_iter()
                .flatten()
                .flatten()
                .map(|entry| entry.path())
                .collect();
            found.sort();
            stores.extend(found.into_iter().filter_map(|profile| nss(profile, whose)));
        }
    }
    // After the system store: on Debian, ca-certificates-java adds what it adds to Java's cacerts.
    if found("keytool") {
        stores.push(Store::Java);
    }
    stores
}

/// Whether `store` holds the CA (by its bytes or our name); `None` when that cannot be told.
fn holds(ca: &Ca, store: &Store) -> Option<bool> {
    match store {
        Store::System { bundle, .. } => {
            let pem = std::fs::read(bundle).ok()?;
            let certs = tls_core::pem::parse_ca_certs(Path::new(bundle), pem).ok()?;
            Some(certs.contains(&ca.cert))
        }
        Store::Nss { db, .. } => {
            let ran = command(
                "certutil",
                &["-L", "-d", &format!("sql:{}", db.display()), "-n", &ca.nickname()],
            )?;
            Some(ran.status.success())
        }
        Store::Java => {
            let ran = command("keytool", &["-list", "-cacerts", "-storepass", "changeit"])?;
            Some(String::from_utf8_lossy(&ran.stdout).contains(&ca.keytool_fingerprint()))
        }
    }
}

fn command(program: &str, args: &[&str]) -> Option<std::process::Output> {
    Command::new(program).args(args).output().ok()
}

fn status(ca: &Ca, stores: &[Store], out: &mut Stdout) -> ExitCode {
    let mut all = true;
    for store in stores {
        let said = match holds(ca, store) {
            Some(true) => "trusts it".to_owned(),
            Some(false) => {
                all = false;
                "does not trust it".to_owned()
            }
            None => {
                all = false;
                "cannot be read (is its tool installed?)".to_owned()
            }
        };
        out.line(&format!("  {}: {said}", store.name()));
    }
    if all {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(INVALID)
    }
}

/// Installs or uninstalls in every store, saying what became of each.
async fn change(install: bool, ca: &Ca, stores: &[Store], flags: &Flags, out: &mut Stdout) -> ExitCode {
    let mut not_done = Vec::new();
    for store in stores {
        let outcome = if flags.dry_run {
            planned(install, ca, store)
        } else if install {
            add(ca, store)
        } else {
            remove(ca, store)
        };
        let said = match outcome {
            Outcome::Done(what) | Outcome::Already(what) => what,
            Outcome::NotDone { why, commands } => {
                not_done.extend(commands);
                format!("NOT done: {why}")
            }
        };
        out.line(&format!("  {}: {said}", store.name()));
    }
    if !not_done.is_empty() {
        out.line("to finish, run as root:");
        for command in &not_done {
            out.line(&format!("  {command}"));
        }
    }
    if install && !flags.dry_run {
        prove(ca, flags, stores, out).await;
    }
    ExitCode::SUCCESS
}

/// What install or uninstall would do in `store`.
fn planned(install: bool, ca: &Ca, store: &Store) -> Outcome {
    let (doing, held) = (
        if install { "would add it" } else { "would remove it" },
        holds(ca, store),
    );
    match (install, held) {
        (true, Some(true)) => Outcome::Already("trusts it already; nothing would be done".into()),
        (false, Some(false)) => Outcome::Already("does not hold it; nothing would be done".into()),
        _ => Outcome::Done(format!("{doing}: {}", commands(install, ca, store).join(" && "))),
    }
}

/// The commands that add (or remove) the CA in `store`, as a person would type them.
fn commands(install: bool, ca: &Ca, store: &Store) -> Vec<String> {
    match store {
        Store::System { dir, update, .. } => {
            let file = format!("{dir}/{}.crt", ca.nickname());
            if install {
                vec![format!("install -m 644 {} {file}", ca.file), (*update).to_owned()]
            } else {
                let update = std::iter::once(*update).chain(refresh(update).iter().copied());
                vec![format!("rm {file}"), update.collect::<Vec<_>>().join(" ")]
            }
        }
        Store::Nss { db, .. } => vec![if install {
            format!(
                "certutil -A -d sql:{} -n {} -t C,, -i {}",
                db.display(),
                ca.nickname(),
                ca.file
            )
        } else {
            format!("certutil -D -d sql:{} -n {}", db.display(), ca.nickname())
        }],
        Store::Java => vec![if install {
            format!(
                "keytool -importcert -noprompt -cacerts -storepass changeit -alias {} -file {}",
                ca.nickname(),
                ca.file
            )
        } else {
            format!("keytool -delete -cacerts -storepass changeit -alias {}", ca.nickname())
        }],
    }
}

fn add(ca: &Ca, store: &Store) -> Outcome {
    if holds(ca, store) == Some(true) {
        let how = if *store == Store::Java && Path::new(JAVA_HOOK).exists() {
            " (ca-certificates-java copied it from the system store)"
        } else {
            ""
        };
        return Outcome::Already(format!("trusts it already{how}"));
    }
    if *store == Store::Java && Path::new(JAVA_HOOK).exists() {
        return not_done(
            "ca-certificates-java copies it from the system store when update-ca-certificates runs".into(),
            Vec::new(),
        );
    }
    match store {
        Store::System { dir, update, .. } => {
            let file = Path::new(dir).join(format!("{}.crt", ca.nickname()));
            if let Err(err) = std::fs::write(&file, &ca.pem) {
                return not_done(
                    format!("cannot write {} ({err})", file.display()),
                    commands(true, ca, store),
                );
            }
            run_tool(
                update,
                &[],
                || commands(true, ca, store),
                || format!("added as {}", file.display()),
            )
        }
        Store::Nss { db, .. } => {
            let db = format!("sql:{}", db.display());
            with_ca_file(
                ca,
                store,
                "certutil",
                &["-A", "-d", &db, "-n", &ca.nickname(), "-t", "C,,", "-i"],
            )
        }
        Store::Java => with_ca_file(
            ca,
            store,
            "keytool",
            &[
                "-importcert",
                "-noprompt",
                "-cacerts",
                "-storepass",
                "changeit",
                "-alias",
                &ca.nickname(),
                "-file",
            ],
        ),
    }
}

/// Runs `program` with `args`, then the CA written as a PEM file of its own (removed after): the
/// `--ca` file may be DER, or hold more than the CA.
fn with_ca_file(ca: &Ca, store: &Store, program: &str, args: &[&str]) -> Outcome {
    let pem_file = std::env::temp_dir().join(format!("{}-{}.pem", ca.nickname(), std::process::id()));
    if let Err(err) = std::fs::write(&pem_file, &ca.pem) {
        return not_done(
            format!("cannot write {} ({err})", pem_file.display()),
            commands(true, ca, store),
        );
    }
    let file = pem_file.display().to_string();
    let args: Vec<&str> = args.iter().copied().chain([file.as_str()]).collect();
    let outcome = run_tool(
        program,
        &args,
        || commands(true, ca, store),
        || format!("added as {}", ca.nickname()),
    );
    let _ = std::fs::remove_file(&pem_file);
    outcome
}

fn remove(ca: &Ca, store: &Store) -> Outcome {
    match store {
        Store::System { dir, update, .. } => {
            let file = Path::new(dir).join(format!("{}.crt", ca.nickname()));
            if !file.exists() {
                let also = if holds(ca, store) == Some(true) {
                    " (it trusts the CA through another file, which tls-cert trust did not add: left as it is)"
                } else {
                    ""
                };
                return Outcome::Already(format!("holds no {}{also}", file.display()));
            }
            if let Err(err) = std::fs::remove_file(&file) {
                return not_done(
                    format!("cannot remove {} ({err})", file.display()),
                    commands(false, ca, store),
                );
            }
            run_tool(
                update,
                refresh(update),
                || commands(false, ca, store),
                || format!("removed {}", file.display()),
            )
        }
        Store::Nss { db, .. } => {
            if holds(ca, store) != Some(true) {
                return Outcome::Already(format!("holds no {}", ca.nickname()));
            }
            let db = format!("sql:{}", db.display());
            run_tool(
                "certutil",
                &["-D", "-d", &db, "-n", &ca.nickname()],
                || commands(false, ca, store),
                || format!("removed {}", ca.nickname()),
            )
        }
        Store::Java => {
            // Ours, or the one ca-certificates-java gave it from the system store (which its --fresh
            // run does not always take back).
            let aliases = [ca.nickname(), format!("debian:{}.pem", ca.nickname())];
            let held: Vec<&String> = aliases
                .iter()
                .filter(|alias| {
                    command(
                        "keytool",
                        &["-list", "-cacerts", "-storepass", "changeit", "-alias", alias],
                    )
                    .is_some_and(|ran| ran.status.success())
                })
                .collect();
            if held.is_empty() {
                return Outcome::Already(format!("holds no {}", ca.nickname()));
            }
            let mut removed = Vec::new();
            for alias in held {
                match run_tool(
                    "keytool",
                    &["-delete", "-cacerts", "-storepass", "changeit", "-alias", alias],
                    || commands(false, ca, store),
                    || alias.clone(),
                ) {
                    Outcome::Done(alias) => removed.push(alias),
                    other => return other,
                }
            }
            Outcome::Done(format!("removed {}", removed.join(" and ")))
        }
    }
}

/// What `update` needs to forget a removed CA: Debian's update-ca-certificates drops a removed
/// local CA's links (and tells ca-certificates-java) only with `--fresh`.
fn refresh(update: &str) -> &'static [&'static str] {
    if update == "update-ca-certificates" {
        &["--fresh"]
    } else {
        &[]
    }
}

fn not_done(why: String, commands: Vec<String>) -> Outcome {
    Outcome::NotDone { why, commands }
}

/// Runs `program`: done (`done` says what) when it succeeds, else not done with its own words and
/// the commands to run instead.
fn run_tool(
    program: &str,
    args: &[&str],
    commands: impl FnOnce() -> Vec<String>,
    done: impl FnOnce() -> String,
) -> Outcome {
    match Command::new(program).args(args).output() {
        Ok(ran) if ran.status.success() => Outcome::Done(done()),
        Ok(ran) => {
            // The last line says why (keytool says what it did first, then what failed).
            let said = String::from_utf8_lossy(&ran.stderr);
            let said = said
                .lines()
                .rev()
                .find(|line| !line.trim().is_empty())
                .unwrap_or("it failed")
                .trim()
                .to_owned();
            not_done(format!("{program} failed: {said}"), commands())
        }
        Err(err) => not_done(format!("cannot run {program} ({err})"), commands()),
    }
}

/// Proves the install: a handshake to a server presenting a certificate the CA signs, trusting only
/// the system store's bundle (when the CA's key is at hand); else says whether the bundle holds it.
async fn prove(ca: &Ca, flags: &Flags, stores: &[Store], out: &mut Stdout) {
    let Some(Store::System { bundle, .. }) = stores.iter().find(|store| matches!(store, Store::System { .. })) else {
        return;
    };
    if holds(ca, &stores[0]) != Some(true) {
        return;
    }
    let key = flags
        .ca_key
        .clone()
        .unwrap_or_else(|| flags.ca.with_file_name("ca.key"));
    let proved = if key.is_file() {
        Some(handshake(&flags.ca, &key, bundle).await)
    } else {
        None
    };
    match proved {
        Some(Ok(())) => out.line(&format!(
            "proved: a TLS handshake to localhost, trusting only {bundle}, verified a certificate this CA signed (curl, Python, Go and OpenSSL read that bundle)"
        )),
        Some(Err(why)) => out.line(&format!("NOT proved: a handshake trusting only {bundle} failed: {why}")),
        None => out.line(&format!(
            "{bundle} holds it (give --ca-key to prove it with a handshake)"
        )),
    }
}

/// A certificate for localhost signed by the CA, served here, and a client trusting only `bundle`.
async fn handshake(ca: &Path, key: &Path, bundle: &str) -> Result<(), String> {
    use tls_core::generate::{CertificateAuthority, Usage, Validity};
    let said = |err: tls_core::Error| err.to_string();
    let ca = CertificateAuthority::load(ca, key).map_err(said)?;
    let leaf = ca
        .issue(&["localhost"], Usage::Server, Validity::days_from_now(1))
        .map_err(said)?;
    let roots = tls_core::pem::load_ca_certs(bundle).map_err(said)?;
    let options = tls_core::config::TlsOptions::default();
    let server_config = tls_core::config::server_config(leaf.identity(), None, &options).map_err(said)?;
    let server = tls_core::server::spawn("127.0.0.1:0", server_config, Default::default())
        .await
        .map_err(said)?;
    let roots = tls_core::config::root_store(&roots).map_err(said)?;
    let client_config = tls_core::config::client_config(roots, None, &options).map_err(said)?;
    let name = tls_core::client::parse_server_name("localhost").map_err(said)?;
    let address = server.local_addr().to_string();
    let outcome = tls_core::client::round_trip(&address, name, client_config, b"trusted?", Default::default())
        .await
        .map(|_| ())
        .map_err(said);
    server.stop().await;
    outcome
}
