//! Helpers shared by the workspace's integration tests: certificates made in memory and written to a
//! temporary folder, a tls-core server in this process on port 0, real peer programs (openssl, gnutls,
//! socat, python3, our own binaries) run as child processes, and waits that are always bounded.
//!
//! A peer program that is not installed fails the test with the package to install: never a skip.

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::{ClientConfig, ServerConfig};
use tls_core::Identity;
use tls_core::config::{self, TlsOptions};
use tls_core::generate::{CertificateAuthority, Issued, Usage, Validity};
use tls_core::server::{self, ServerHandle, ServerOptions};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// The longest any single wait in a test may take.
pub const WAIT: Duration = Duration::from_secs(20);

/// Awaits `fut`, failing the test with `what` if it takes longer than [`WAIT`].
pub async fn bounded<T>(what: &str, fut: impl Future<Output = T>) -> T {
    match tokio::time::timeout(WAIT, fut).await {
        Ok(value) => value,
        Err(_) => panic!("{what} did not finish within {WAIT:?}"),
    }
}

/// A test PKI like the demo one of `certs/`: a CA, a server certificate for 127.0.0.1, ::1 and
/// localhost, and a client certificate named `client`, made in memory.
#[derive(Debug)]
pub struct DemoPki {
    /// The CA.
    pub ca: CertificateAuthority,
    /// The server's certificate, signed by the CA.
    pub server: Issued,
    /// The client certificate (`client`), signed by the CA.
    pub client: Issued,
}

impl DemoPki {
    /// Makes one (ECDSA P-256, the demo lifetimes).
    pub fn new() -> Self {
        // The demo PKI of `certs/`: the machine's names, the demo CA's name, one client.
        let request = tls_core::generate::PkiRequest {
            ca_name: "tls-echo demo CA".to_owned(),
            clients: vec!["client".to_owned()],
            ..tls_core::generate::PkiRequest::default()
        };
        let ca = CertificateAuthority::new(&request.ca_name, Validity::days_from_now(request.ca_days))
            .expect("rcgen makes a CA");
        let validity = Validity::days_from_now(request.leaf_days);
        let names: Vec<&str> = request.names.iter().map(String::as_str).collect();
        let server = ca
            .issue(&names, Usage::Server, validity)
            .expect("rcgen makes a server certificate");
        let client = ca
            .issue(&["client"], Usage::Client, validity)
            .expect("rcgen makes a client certificate");
        Self { ca, server, client }
    }

    /// Writes `ca.pem`, `ca.key`, `server.pem`, `server.key`, `client.pem` and `client.key` into `dir`
    /// (keys with mode 0600).
    pub fn write(&self, dir: &Path) {
        for (stem, issued) in [
            ("ca", &self.ca.issued),
            ("server", &self.server),
            ("client", &self.client),
        ] {
            std::fs::write(dir.join(format!("{stem}.pem")), &issued.cert_pem).expect("write a certificate");
            write_key(&dir.join(format!("{stem}.key")), &issued.key_pem);
        }
    }
}

/// Writes a private key readable by its owner only, as the programs do.
pub fn write_key(path: &Path, pem: &str) {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).expect("create a key file");
    file.write_all(pem.as_bytes()).expect("write a key");
}

impl Default for DemoPki {
    fn default() -> Self {
        Self::new()
    }
}

/// A new demo PKI: CA, server certificate for 127.0.0.1/::1/localhost, client certificate.
pub fn pki() -> DemoPki {
    DemoPki::new()
}

/// A demo PKI written as files (`ca.pem`, `server.pem`, `server.key`, ...) into a temporary folder.
pub struct PkiFiles {
    /// The certificates and keys themselves.
    pub pki: DemoPki,
    dir: tempfile::TempDir,
}

impl PkiFiles {
    /// Makes a demo PKI and writes it.
    pub fn new() -> Self {
        let pki = pki();
        let dir = temp_dir();
        pki.write(dir.path());
        Self { pki, dir }
    }

    /// The folder holding the files.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A file in the folder, such as `ca.pem`.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The same as [`PkiFiles::path`], as a string for command lines.
    pub fn arg(&self, name: &str) -> String {
        self.path(name).display().to_string()
    }

    /// A CA named `name` whose dates ended 5 days ago, written as `old-ca.pem` (its path is returned),
    /// and a server certificate for 127.0.0.1 it signed, within its own dates: what rustls accepts and
    /// OpenSSL refuses.
    pub fn lapsed_ca(&self, name: &str) -> (String, Issued) {
        let old = CertificateAuthority::new(name, Validity::expired_days_ago(5)).expect("CA");
        let leaf = old
            .issue(&["127.0.0.1"], Usage::Server, Validity::days_from_now(30))
            .expect("leaf");
        (self.add("old-ca", &old.issued).0, leaf)
    }

    /// A client certificate signed by another CA that has this PKI's CA name (a CA made again), written
    /// as `impostor.pem` and `impostor.key`; returns their paths as strings.
    pub fn impostor_client(&self) -> (String, String) {
        let name = tls_core::x509::subject(&self.pki.ca.issued.cert);
        let twin = CertificateAuthority::new(name.trim_start_matches("CN="), Validity::days_from_now(30))
            .expect("a CA of the same name");
        let impostor = twin
            .issue(&["client"], Usage::Client, Validity::days_from_now(30))
            .expect("a client certificate");
        self.add("impostor", &impostor)
    }

    /// Writes another certificate and key as `stem.pem` and `stem.key`; returns their paths as strings.
    pub fn add(&self, stem: &str, issued: &Issued) -> (String, String) {
        let (cert, key) = write_issued(self.dir(), stem, issued);
        (cert.display().to_string(), key.display().to_string())
    }
}

impl Default for PkiFiles {
    fn default() -> Self {
        Self::new()
    }
}

/// A temporary folder, removed when dropped.
pub fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temporary folder")
}

/// `program` placed in `dir`, to run from there (outside the checkout): hard-linked, so nothing holds
/// it open for writing and running it cannot fail with "Text file busy" while another test thread
/// forks; copied only across filesystems, where a link cannot be made.
pub fn place_program(program: &str, dir: &Path) -> PathBuf {
    let to = dir.join(Path::new(program).file_name().expect("a program's file name"));
    if std::fs::hard_link(program, &to).is_err() {
        std::fs::copy(program, &to).expect("copy the program");
    }
    to
}

/// Writes `contents` into `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write test file");
    path
}

/// Writes the certificate and key of `issued` as `stem.pem` and `stem.key` in `dir`.
pub fn write_issued(dir: &Path, stem: &str, issued: &Issued) -> (PathBuf, PathBuf) {
    (
        write(dir, &format!("{stem}.pem"), &issued.cert_pem),
        write(dir, &format!("{stem}.key"), &issued.key_pem),
    )
}

/// A server configuration presenting `identity`, with default options.
pub fn server_config(identity: Identity) -> Arc<ServerConfig> {
    config::server_config(identity, None, &TlsOptions::default()).expect("server config builds")
}

/// A client configuration trusting `ca` only.
pub fn client_config(ca: &CertificateAuthority) -> Arc<ClientConfig> {
    client_config_with(ca, None)
}

/// A client configuration trusting `ca`, presenting `identity` when asked.
pub fn client_config_with(ca: &CertificateAuthority, identity: Option<Identity>) -> Arc<ClientConfig> {
    let roots = config::root_store(std::slice::from_ref(&ca.issued.cert)).expect("CA is a valid anchor");
    config::client_config(roots, identity, &TlsOptions::default()).expect("client config builds")
}

/// A tls-core server running in this process on 127.0.0.1 and a port from the OS.
pub struct RunningServer {
    /// Where it listens.
    pub addr: SocketAddr,
    handle: ServerHandle,
}

impl RunningServer {
    /// Binds port 0 and serves until stopped.
    pub async fn start(config: Arc<ServerConfig>, options: ServerOptions) -> Self {
        let handle = server::spawn("127.0.0.1:0", config, options)
            .await
            .expect("bind port 0");
        Self {
            addr: handle.local_addr(),
            handle,
        }
    }

    /// The server's address as text, for `client::connect` and command lines.
    pub fn address(&self) -> String {
        self.addr.to_string()
    }

    /// Asks the server to stop, without waiting.
    pub fn request_stop(&mut self) {
        self.handle.request_stop();
    }

    /// Stops the server and waits (bounded) until it has drained.
    pub async fn stop(mut self) {
        self.request_stop();
        self.finished().await;
    }

    /// Waits (bounded) for a server whose stop was requested to finish.
    pub async fn finished(self) {
        bounded("server shutdown", self.handle.finished()).await;
    }
}

/// A TCP listener that accepts one connection and never says a word: a server gone silent.
/// Stops when dropped.
pub struct SilentServer {
    /// Where it listens.
    pub addr: String,
    task: JoinHandle<()>,
}

impl SilentServer {
    /// Binds 127.0.0.1 on a port from the OS.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr").to_string();
        let task = tokio::spawn(async move {
            let _held = listener.accept().await;
            std::future::pending::<()>().await;
        });
        Self { addr, task }
    }
}

impl Drop for SilentServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// For each broken-certificate scenario, the words a rustls client (echo-client, `tls-cert verify`)
/// must use to explain it; `None` where it must succeed.
pub const SCENARIO_MESSAGES: [(tls_core::scenario::Kind, Option<&str>); 8] = {
    use tls_core::scenario::Kind;
    [
        (Kind::Good, None),
        (Kind::Expired, Some("has expired: it is valid from")),
        (Kind::NotYetValid, Some("is not valid yet: it is valid from")),
        (
            Kind::WrongHost,
            Some("is valid for DNS wrong.example, not for 127.0.0.1"),
        ),
        (
            Kind::SelfSigned,
            Some("certificate CN=127.0.0.1 is self-signed and is not in the trusted roots"),
        ),
        (
            Kind::UntrustedRoot,
            Some("chains up to CN=Untrusted Root CA, which is not in the trusted roots"),
        ),
        (Kind::IncompleteChain, Some("either the chain is incomplete")),
        (
            Kind::CaAsLeaf,
            Some("is a CA certificate (CA:TRUE) used as the server's own certificate"),
        ),
    ]
};

/// A tls-core server in this process serving scenario `kind`, signed by `ca`.
pub async fn scenario_server(kind: tls_core::scenario::Kind, ca: &CertificateAuthority) -> RunningServer {
    let identity = tls_core::scenario::make(kind, ca).expect("scenario certificates");
    RunningServer::start(server_config(identity), ServerOptions::default()).await
}

/// Headless Chromium with a fresh profile in `profile` and `home` as its HOME (where it reads its NSS
/// database): the flags that keep it off the network it cannot reach here, in a process group of its
/// own (it signals its group on exit), killed when dropped. The caller adds its mode and URL.
pub fn headless_chromium(profile: &Path, home: &Path) -> Command {
    let mut command = Command::new("chromium");
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .env("HOME", home)
        .process_group(0)
        .kill_on_drop(true);
    command
}

/// A certificate signing request for `subject` (with `extra` openssl req flags) and its P-256 key,
/// made by openssl into `key` and `csr`.
pub async fn openssl_p256_request(subject: &str, extra: &[&str], key: &str, csr: &str) {
    let mut args = vec![
        "req",
        "-new",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-subj",
        subject,
    ];
    args.extend_from_slice(extra);
    args.extend(["-keyout", key, "-out", csr]);
    let made = run("openssl", &args, "openssl", b"").await;
    assert!(made.ok(), "{}", made.stderr);
}

/// The gallery (`echo-server --gallery`) in this process, signed by `ca`: each exhibit at its name
/// under localhost, on a port from the OS.
pub async fn gallery_server(ca: &CertificateAuthority) -> RunningServer {
    let gallery = tls_core::gallery::Gallery::new(ca, 0, &TlsOptions::default()).expect("the gallery");
    let (config, page) = gallery.index();
    let options = ServerOptions {
        page: Some(page),
        certs: Some(gallery.certs()),
        choose: Some(Arc::new(gallery)),
        ..ServerOptions::default()
    };
    RunningServer::start(config, options).await
}

/// A TCP port that was free a moment ago, for programs that cannot bind port 0 themselves and report
/// the port (HAProxy). Prefer port 0 wherever the program allows it.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind port 0");
    listener.local_addr().expect("bound").port()
}

/// `openssl s_server` with `args` (what follows `s_server -accept 127.0.0.1:0`), on a port the OS
/// picks, and the address it listens on, read from /proc once it listens: no port is picked free and
/// then raced for by another test.
pub async fn openssl_server(args: &[&str]) -> (Peer, String) {
    let mut all = vec!["s_server", "-accept", "127.0.0.1:0"];
    all.extend_from_slice(args);
    let server = Peer::spawn("openssl", &all, "openssl");
    let pid = server.pid();
    let port = bounded("openssl s_server listening", async {
        loop {
            if let Some(&port) = listening_ports(pid).first() {
                return port;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    (server, format!("127.0.0.1:{port}"))
}

/// An address where nothing listens, and nothing else can start listening while the returned socket
/// lives: a port bound and never listened on, so connecting to it is refused.
pub fn refusing_address() -> (tokio::net::TcpSocket, String) {
    let socket = tokio::net::TcpSocket::new_v4().expect("a TCP socket");
    socket
        .bind("127.0.0.1:0".parse().expect("an address"))
        .expect("bind port 0");
    let addr = socket.local_addr().expect("bound").to_string();
    (socket, addr)
}

/// Waits (bounded) until something accepts TCP connections on `addr`, for programs that say nothing
/// when they are ready.
pub async fn wait_until_accepting(addr: &str) {
    bounded(&format!("{addr} accepting connections"), async {
        while tokio::net::TcpStream::connect(addr).await.is_err() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
}

/// Starts `command` with `args` and all three standard streams piped, killed when dropped; a missing
/// program fails the test naming `package`.
fn spawn_piped(mut command: Command, program: &str, args: &[&str], package: &str) -> Child {
    command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|err| panic!("cannot run {program} ({err}); install it: apt-get install {package}"))
}

/// Writes to `out` the OCSP request openssl makes for `cert`, issued by `ca` (no nonce), as a
/// client sends it.
pub async fn openssl_ocsp_request(ca: &str, cert: &str, out: &str) {
    let made = run(
        "openssl",
        &["ocsp", "-issuer", ca, "-cert", cert, "-no_nonce", "-reqout", out],
        "openssl",
        b"",
    )
    .await;
    assert!(made.ok(), "openssl ocsp -reqout: {}", made.stderr);
}

/// What a program printed and how it ended.
#[derive(Debug)]
pub struct Ran {
    /// The exit code (None when killed by a signal).
    pub code: Option<i32>,
    /// Everything on standard output, lines ended by `\n`.
    pub stdout: String,
    /// Standard output byte for byte, for output that need not be UTF-8.
    pub stdout_bytes: Vec<u8>,
    /// Everything on standard error, lines ended by `\n`.
    pub stderr: String,
}

impl Ran {
    /// Exit code 0.
    pub fn ok(&self) -> bool {
        self.code == Some(0)
    }
}

/// Runs `program` to its end (bounded) with `input` on standard input; its output is kept byte for byte
/// (as UTF-8, lossily). `package` is the Debian package to name when the program is missing.
pub async fn run(program: &str, args: &[&str], package: &str, input: &[u8]) -> Ran {
    run_within(WAIT, program, args, package, input).await
}

/// Runs `program` as [`run`] does, with nothing on standard input, fails the test unless it exits 0,
/// and returns its standard output.
pub async fn stdout_of(program: &str, args: &[&str], package: &str) -> String {
    let ran = run(program, args, package, b"").await;
    assert!(ran.ok(), "{program} {args:?} failed: {}", ran.stderr);
    ran.stdout
}

/// As [`run`], for slow programs (a TLS scanner), bounded by `limit` instead of [`WAIT`].
pub async fn run_within(limit: Duration, program: &str, args: &[&str], package: &str, input: &[u8]) -> Ran {
    let mut child = spawn_piped(Command::new(program), program, args, package);
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = input.to_vec();
    // Written beside the wait, so a program that prints before reading everything cannot deadlock.
    let writer = tokio::spawn(async move {
        let _ = stdin.write_all(&input).await;
    });
    let output = match tokio::time::timeout(limit, child.wait_with_output()).await {
        Ok(output) => output.expect("wait for the program"),
        Err(_) => panic!("{program} {args:?} did not finish within {limit:?}"),
    };
    let _ = writer.await;
    Ran {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stdout_bytes: output.stdout,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Which output of a peer process to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// A program run as a child process, its output read line by line as it comes; killed when dropped.
pub struct Peer {
    /// What the test calls it, for failure messages.
    pub name: String,
    child: Child,
    stdout: mpsc::UnboundedReceiver<String>,
    stderr: mpsc::UnboundedReceiver<String>,
    /// Every line read so far, both streams as they came.
    seen: Arc<Mutex<Vec<String>>>,
    seen_stdout: Arc<Mutex<Vec<String>>>,
    seen_stderr: Arc<Mutex<Vec<String>>>,
}

impl Peer {
    /// Starts `program` with `args`, standard input piped. `package` is the Debian package to name
    /// when the program is missing.
    pub fn spawn(program: &str, args: &[&str], package: &str) -> Self {
        Self::spawn_command(Command::new(program), program, args, package)
    }

    /// As [`Peer::spawn`], with extra environment variables.
    pub fn spawn_env(program: &str, args: &[&str], env: &[(&str, &str)], package: &str) -> Self {
        let mut command = Command::new(program);
        command.envs(env.iter().copied());
        Self::spawn_command(command, program, args, package)
    }

    /// As [`Peer::spawn`], with `dir` as the working directory.
    pub fn spawn_in(dir: &Path, program: &str, args: &[&str], package: &str) -> Self {
        let mut command = Command::new(program);
        command.current_dir(dir);
        Self::spawn_command(command, program, args, package)
    }

    fn spawn_command(command: Command, program: &str, args: &[&str], package: &str) -> Self {
        let mut child = spawn_piped(command, program, args, package);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (seen_stdout, seen_stderr) = (Arc::default(), Arc::default());
        let stdout = forward_lines(child.stdout.take().expect("stdout is piped"), [&seen, &seen_stdout]);
        let stderr = forward_lines(child.stderr.take().expect("stderr is piped"), [&seen, &seen_stderr]);
        Self {
            name: program.to_owned(),
            child,
            stdout,
            stderr,
            seen,
            seen_stdout,
            seen_stderr,
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id().expect("the peer is running")
    }

    /// Waits (bounded) for a line of `output` containing `needle` and returns it.
    pub async fn wait_for(&mut self, output: Output, needle: &str) -> String {
        self.wait_for_within(WAIT, output, needle).await
    }

    /// As [`Peer::wait_for`], bounded by `limit` instead of [`WAIT`] (a line due after a clock runs).
    pub async fn wait_for_within(&mut self, limit: Duration, output: Output, needle: &str) -> String {
        let name = self.name.clone();
        let rx = match output {
            Output::Stdout => &mut self.stdout,
            Output::Stderr => &mut self.stderr,
        };
        let found = tokio::time::timeout(limit, async {
            while let Some(line) = rx.recv().await {
                if line.contains(needle) {
                    return Some(line);
                }
            }
            None
        })
        .await;
        match found {
            Ok(Some(line)) => line,
            Ok(None) => panic!(
                "{name} ended without printing {needle:?}; it printed: {:#?}",
                self.lines()
            ),
            Err(_) => panic!(
                "{name} did not print {needle:?} within {limit:?}; it printed: {:#?}",
                self.lines()
            ),
        }
    }

    /// Every line printed so far, stdout and stderr interleaved as read.
    pub fn lines(&self) -> Vec<String> {
        self.seen.lock().expect("no panic while holding the lock").clone()
    }

    /// Waits (bounded) until both outputs are closed (the process has ended), then returns everything
    /// each printed, lines ended by `\n`.
    pub async fn outputs(&mut self) -> (String, String) {
        bounded(&format!("{} closing its output", self.name), async {
            while self.stdout.recv().await.is_some() {}
            while self.stderr.recv().await.is_some() {}
        })
        .await;
        let text = |lines: &Arc<Mutex<Vec<String>>>| {
            lines
                .lock()
                .expect("no panic while holding the lock")
                .iter()
                .map(|l| format!("{l}\n"))
                .collect::<String>()
        };
        (text(&self.seen_stdout), text(&self.seen_stderr))
    }

    /// Writes to the process's standard input.
    pub async fn send(&mut self, data: &[u8]) {
        let stdin = self.child.stdin.as_mut().expect("stdin is piped");
        bounded("writing to the peer", stdin.write_all(data))
            .await
            .expect("peer reads its input");
    }

    /// Closes standard input.
    pub fn close_stdin(&mut self) {
        drop(self.child.stdin.take());
    }

    /// Kills the process at once (SIGKILL), as a crash would, and waits (bounded) for it to be gone.
    pub async fn kill(&mut self) {
        bounded(&format!("killing {}", self.name), self.child.kill())
            .await
            .expect("kill the peer");
    }

    /// Sends SIGTERM (by the `kill` command, to stay free of unsafe code).
    pub fn terminate(&self) {
        self.signal("TERM");
    }

    /// Sends the signal named `name` (`HUP`, `TERM`, ...) with the `kill` command.
    pub fn signal(&self, name: &str) {
        let status = std::process::Command::new("kill")
            .args([&format!("-{name}"), &self.pid().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{name} failed");
    }

    /// Waits (bounded) for the process to exit and returns its exit code.
    pub async fn exit_code(&mut self) -> Option<i32> {
        let status = bounded(&format!("{} exiting", self.name), self.child.wait())
            .await
            .expect("wait for the peer");
        status.code()
    }

    /// The TCP port the process listens on, for programs that print that they listen but not on which
    /// port the OS gave them: call it after their "listening" line.
    pub fn listening_port(&self) -> u16 {
        let ports = listening_ports(self.pid());
        *ports
            .first()
            .unwrap_or_else(|| panic!("{} said it listens, but /proc shows no listening socket", self.name))
    }
}

fn forward_lines(
    output: impl AsyncRead + Unpin + Send + 'static,
    logs: [&Arc<Mutex<Vec<String>>>; 2],
) -> mpsc::UnboundedReceiver<String> {
    let (tx, rx) = mpsc::unbounded_channel();
    let logs = logs.map(Arc::clone);
    tokio::spawn(async move {
        let mut lines = BufReader::new(output).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            for log in &logs {
                log.lock().expect("no panic while holding the lock").push(line.clone());
            }
            let _ = tx.send(line);
        }
    });
    rx
}

/// gnutls-serv echoing whole lines with `pki`'s server certificate, and the address it listens on
/// (it prints "port 0", so the real port comes from /proc).
pub async fn gnutls_echo_server(pki: &PkiFiles) -> (Peer, String) {
    let (cert, key) = (pki.arg("server.pem"), pki.arg("server.key"));
    let mut gnutls = Peer::spawn(
        "gnutls-serv",
        &["--echo", "-p", "0", "--x509certfile", &cert, "--x509keyfile", &key],
        "gnutls-bin",
    );
    gnutls.wait_for(Output::Stderr, "listening on IPv4").await;
    let addr = format!("127.0.0.1:{}", gnutls.listening_port());
    (gnutls, addr)
}

/// The TCP ports process `pid` listens on, read from /proc (Linux).
pub fn listening_ports(pid: u32) -> Vec<u16> {
    let inodes = socket_inodes(pid);
    tcp_sockets()
        .into_iter()
        .filter(|socket| socket.state == LISTEN && inodes.contains(&socket.inode))
        .map(|socket| socket.local_port)
        .collect()
}

/// How many TCP sockets with local port `port` are in CLOSE_WAIT: the peer closed, and this end has
/// not closed its socket yet. A server that forgets closed clients piles them up.
pub fn close_wait_sockets(port: u16) -> usize {
    tcp_sockets()
        .iter()
        .filter(|socket| socket.state == CLOSE_WAIT && socket.local_port == port)
        .count()
}

/// How many connections process `pid` holds on its local port `port`: its sockets there in any state
/// but LISTEN (Linux /proc).
pub fn connections_held(pid: u32, port: u16) -> usize {
    let inodes = socket_inodes(pid);
    tcp_sockets()
        .iter()
        .filter(|socket| socket.local_port == port && socket.state != LISTEN && inodes.contains(&socket.inode))
        .count()
}

/// How many file descriptors process `pid` has open (Linux /proc).
pub fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, Iterator::count)
}

/// The resident memory of process `pid` in KiB (VmRSS in /proc/PID/status).
pub fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the process is running");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/PID/status")
}

/// Reads from `stream` until the other end closes it (or resets it); returns what came, bounded.
pub async fn until_closed(stream: &mut tokio::net::TcpStream) -> Vec<u8> {
    use tokio::io::AsyncReadExt as _;
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match bounded("the other end's close", stream.read(&mut buf)).await {
            Ok(0) | Err(_) => return received,
            Ok(n) => received.extend_from_slice(&buf[..n]),
        }
    }
}

/// Waits (bounded by [`WAIT`]) until `check` passes, checking every 20 ms; fails the test with `what`
/// and the last thing `check` said if it never does.
pub async fn eventually(what: &str, mut check: impl FnMut() -> Result<(), String>) {
    let mut last = String::new();
    let passed = tokio::time::timeout(WAIT, async {
        loop {
            match check() {
                Ok(()) => return,
                Err(said) => last = said,
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(passed.is_ok(), "{what} did not happen within {WAIT:?}: {last}");
}

const LISTEN: &str = "0A";
const CLOSE_WAIT: &str = "08";

/// One row of /proc/net/tcp or tcp6.
struct TcpSocket {
    local_port: u16,
    state: String,
    inode: String,
}

fn tcp_sockets() -> Vec<TcpSocket> {
    let mut sockets = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            // local_address is field 1 (HEXIP:HEXPORT), st is field 3, inode is field 9.
            if fields.len() <= 9 {
                continue;
            }
            if let Some(local_port) = fields[1]
                .rsplit(':')
                .next()
                .and_then(|p| u16::from_str_radix(p, 16).ok())
            {
                sockets.push(TcpSocket {
                    local_port,
                    state: fields[3].to_owned(),
                    inode: fields[9].to_owned(),
                });
            }
        }
    }
    sockets
}

/// The inodes of the sockets process `pid` has open.
fn socket_inodes(pid: u32) -> Vec<String> {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return Vec::new();
    };
    fds.filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .filter_map(|target| {
            let target = target.to_string_lossy().into_owned();
            Some(target.strip_prefix("socket:[")?.strip_suffix(']')?.to_owned())
        })
        .collect()
}

/// Makes sure this process (and the servers it starts, which inherit the limit) may open `needed` file
/// descriptors: raises the soft limit, and the hard one too where the OS lets us (as root, as in CI).
pub fn allow_open_files(needed: u64) {
    let (soft, hard) = rlimit::Resource::NOFILE.get().expect("read the open-file limit");
    if soft >= needed {
        return;
    }
    let hard = hard.max(needed);
    if let Err(err) = rlimit::Resource::NOFILE.set(needed.max(soft), hard) {
        panic!(
            "this test needs {needed} open files, the limit is {soft} and cannot be raised ({err}); run it as root or raise `ulimit -Hn`"
        );
    }
}

/// `cert`'s public-key pin as curl, Chromium and echo-client take it: `sha256//` and the base64 SHA-256
/// of its SubjectPublicKeyInfo.
pub fn pin_of(cert: &tls_core::pki_types::CertificateDer<'_>) -> String {
    format!(
        "sha256//{}",
        tls_core::inspect::pin_sha256(cert).expect("a certificate with a key")
    )
}

/// Every handshake message (and alert) of an x-ray's JSON (`--trace-json`, `/handshake.json`), in
/// order, each record's in turn.
pub fn trace_messages(trace: &serde_json::Value) -> Vec<&serde_json::Value> {
    trace["records"]
        .as_array()
        .expect("an x-ray's JSON has records")
        .iter()
        .flat_map(|record| record["messages"].as_array().into_iter().flatten())
        .collect()
}

/// The types of [`trace_messages`]: `client_hello`, `server_hello`, ...
pub fn trace_message_types(trace: &serde_json::Value) -> Vec<String> {
    trace_messages(trace)
        .iter()
        .filter_map(|message| message["type"].as_str().map(str::to_owned))
        .collect()
}

/// The records of an x-ray page (`/handshake`, `--trace-html`), each as the types of its messages, in
/// order: read from its `class="record …"` rows and their `data-type` attributes.
pub fn page_records(html: &str) -> Vec<Vec<String>> {
    let mut records: Vec<Vec<String>> = Vec::new();
    let mut rest = html;
    loop {
        let record = rest.find("<tr class=\"record ");
        let message = rest.find("data-type=\"");
        match (record, message) {
            (Some(r), m) if m.is_none_or(|m| r < m) => {
                records.push(Vec::new());
                rest = &rest[r + 1..];
            }
            (_, Some(m)) => {
                let value = &rest[m + 11..];
                let end = value.find('"').unwrap_or(value.len());
                records
                    .last_mut()
                    .unwrap_or_else(|| panic!("a message outside any record in\n{html}"))
                    .push(value[..end].to_owned());
                rest = &value[end..];
            }
            _ => return records,
        }
    }
}

/// The records of an x-ray's JSON, each as the types of its messages, in order.
pub fn json_records(trace: &serde_json::Value) -> Vec<Vec<String>> {
    trace["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|record| {
            record["messages"]
                .as_array()
                .expect("messages")
                .iter()
                .map(|message| message["type"].as_str().expect("a type").to_owned())
                .collect()
        })
        .collect()
}

/// An x-ray page is whole by itself and light: no script, nothing fetched (no `src`, no link or
/// style from elsewhere), under 200 KB.
pub fn assert_self_contained(html: &str) {
    assert!(html.len() < 200 * 1024, "the page is {} bytes", html.len());
    for needle in [
        "<script",
        " src=",
        "href=\"http",
        "url(",
        "@import",
        "<link rel=\"stylesheet",
    ] {
        assert!(!html.contains(needle), "{needle} in the page:\n{html}");
    }
}
