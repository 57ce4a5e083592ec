//! `--trace`, `--trace-json FILE`, `--trace-html FILE` and `--pcap FILE`: the handshake x-ray of the
//! connection, after the echo.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tls_core::client::{self, ClientOptions};
use tls_core::pki_types::ServerName;
use tls_core::rustls::ClientConfig;
use tls_core::xray::{Capture, Trace};

/// One traced connection: where to, and where its x-ray goes.
pub(crate) struct Traced {
    pub(crate) addr: tls_core::HostPort,
    /// `--trace`'s detail (`brief` or `full`), when the x-ray is shown on standard error.
    pub(crate) detail: Option<String>,
    pub(crate) outputs: Outputs,
}

/// The exit code of a run ended by Ctrl-C (128 + SIGINT), as shells report it.
const INTERRUPTED: u8 = 130;

impl Traced {
    /// Connects, recording the connection, runs the session and shows its x-ray whatever happened: a
    /// handshake that failed is worth a look too. Ctrl-C ends the run there, and what was captured so
    /// far is shown and written; when nothing was sent yet, the files are left as they were. Either way
    /// the exit code is 130.
    pub(crate) async fn run(
        self,
        server_name: ServerName<'static>,
        config: Arc<ClientConfig>,
        options: ClientOptions,
        echoing: &crate::Echoing,
    ) -> tls_core::Result<u8> {
        let Self { addr, detail, outputs } = self;
        // Listened for from here on, once for the whole run: SIGINT no longer ends the process at once.
        let interrupted = tokio::signal::ctrl_c();
        tokio::pin!(interrupted);
        let capture = Capture::new();
        let connect = client::connect_recorded(&addr, server_name, config, options, &capture);
        let connected = tokio::select! {
            connected = connect => Some(connected),
            _ = &mut interrupted => None,
        };
        let result = match connected {
            // Interrupted in the handshake: what crossed the socket so far is worth a look too.
            None if capture.snapshot().0.is_empty() => {
                let unwritten = outputs.abandon();
                eprintln!("interrupted before anything was sent{}", not_written(&unwritten));
                return Ok(INTERRUPTED);
            }
            None => {
                eprintln!("interrupted during the handshake: the x-ray of what was captured until now follows");
                Ok(INTERRUPTED)
            }
            Some(Err(err @ tls_core::Error::Connect { .. })) => {
                // No connection, nothing to show: the files are left as they were.
                let unwritten = outputs.abandon();
                eprintln!(
                    "handshake x-ray: none, no connection was made{}",
                    not_written(&unwritten)
                );
                return Err(err);
            }
            Some(Err(err)) => Err(err),
            Some(Ok(conn)) => tokio::select! {
                result = crate::session(conn, echoing) => result,
                _ = &mut interrupted => {
                    eprintln!("interrupted: the x-ray of what was captured until now follows");
                    Ok(INTERRUPTED)
                }
            },
        };
        // The session's own error comes first: a file that cannot be written after it is said too.
        let Outputs { json, html, pcap } = outputs;
        let trace = capture.trace();
        let written = report(&trace, detail.as_deref(), json).and_then(|()| {
            html.map_or(Ok(()), |output| {
                output.write(trace.html(&page(&addr, &result)).as_bytes())
            })
        });
        let written = written.and_then(|()| {
            pcap.map_or(Ok(()), |output| {
                output.write(&capture.pcapng(&format!(
                    "echo-client --pcap: a connection to {addr}. The TLS bytes and their times are the connection's own; the IPv4/TCP framing around them is made up (127.0.0.1:49152 to 127.0.0.2:443, so that Wireshark reads TLS without being told the port)"
                )))
            })
        });
        match (result, written) {
            (Err(err), Err(also)) => {
                eprintln!("error: {}", also.report_with(tls_echo_cli::advice));
                Err(err)
            }
            (Err(err), Ok(())) | (Ok(_), Err(err)) => Err(err),
            (Ok(code), Ok(())) => Ok(code),
        }
    }
}

/// What `--trace-html`'s page says of the connection around its x-ray, and how the run ended.
fn page(addr: &tls_core::HostPort, result: &tls_core::Result<u8>) -> tls_core::xray::HtmlPage {
    let outcome = match result {
        Ok(0) => "the session ended as it should (exit code 0)".to_owned(),
        Ok(code) => format!("the run ended with exit code {code}"),
        Err(err) => format!("failed: {}", err.report_with(tls_echo_cli::advice)),
    };
    tls_core::xray::HtmlPage {
        title: format!("TLS handshake with {addr}"),
        intro: format!(
            "Every record of echo-client's connection to {addr} as it crossed echo-client's socket, opened with the secrets rustls derived for it where there were any, and each Finished recomputed when it was seen."
        ),
        rows: vec![
            ("Connection".to_owned(), format!("echo-client to {addr}")),
            ("Outcome".to_owned(), outcome),
        ],
        links: Vec::new(),
    }
}

/// " (FILE and FILE not written)", or nothing when there were no files.
fn not_written(paths: &[PathBuf]) -> String {
    if paths.is_empty() {
        return String::new();
    }
    let names: Vec<String> = paths.iter().map(|path| path.display().to_string()).collect();
    format!(" ({} not written)", names.join(" and "))
}

/// Shows `trace` on standard error (`text`: `brief` or `full`, with colour on a terminal) and writes it
/// as JSON to `json`, when asked.
///
/// # Errors
/// [`tls_core::Error::Write`] naming the JSON file, [`tls_core::Error::Output`] when standard error
/// cannot take the text.
pub(crate) fn report(trace: &Trace, text: Option<&str>, json: Option<Output>) -> tls_core::Result<()> {
    if let Some(detail) = text {
        use std::io::IsTerminal as _;
        let mut err = std::io::stderr().lock();
        let colour = err.is_terminal() && std::env::var_os("NO_COLOR").is_none();
        write!(err, "{}", trace.render(detail == "full", colour))
            .and_then(|()| err.flush())
            .map_err(|cause| tls_core::Error::Output { cause })?;
    }
    if let Some(output) = json {
        let mut written = serde_json::to_string_pretty(trace).unwrap_or_else(|err| format!("{{\"error\":\"{err}\"}}"));
        written.push('\n');
        output.write(written.as_bytes())?;
    }
    Ok(())
}

/// An x-ray output file, opened (not emptied) before anything is sent, so a file that cannot be written
/// is said at once; written once the session is over.
pub(crate) struct Output {
    path: PathBuf,
    file: std::fs::File,
    /// Where the file really is (through any symbolic link), and whether this run made it: if nothing
    /// is written to it, it is removed again.
    made: Option<PathBuf>,
}

/// A file's identity: its device and inode, the same however it is named (a hard link, a symbolic
/// link, `./x`, `/dev/stdout`).
fn identity(metadata: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt as _;
    (metadata.dev(), metadata.ino())
}

impl Output {
    fn open(flag: &str, path: &Path) -> Result<Self, String> {
        let existed = path.exists();
        if std::fs::metadata(path).is_ok_and(|m| std::os::unix::fs::FileTypeExt::is_fifo(&m.file_type())) {
            // Opening a FIFO to write waits until something opens it to read.
            eprintln!(
                "{flag} {} is a FIFO or a pipe: if nothing reads it yet, this waits until something does",
                path.display()
            );
        }
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|err| format!("{flag} {}: cannot write it: {err}", path.display()))?;
        let made = (!existed).then(|| path.canonicalize().unwrap_or_else(|_| path.to_owned()));
        Ok(Self {
            path: path.to_owned(),
            file,
            made,
        })
    }

    /// Whether the file, a regular one there before, holds certificates or keys (PEM anywhere in its
    /// first 64 KiB, or one DER structure, as a `.der` certificate or key is): never written over,
    /// whatever it is called. A pipe or a device is not read (a FIFO would wait for a writer).
    fn holds_key_material(&self) -> bool {
        if self.made.is_some() || !self.file.metadata().is_ok_and(|m| m.is_file()) {
            return false;
        }
        let mut start = Vec::new();
        let read = std::fs::File::open(&self.path)
            .and_then(|f| std::io::Read::read_to_end(&mut std::io::Read::take(f, 64 * 1024), &mut start));
        let size = self.file.metadata().map_or(0, |m| m.len());
        read.is_ok() && (start.windows(11).any(|w| w == b"-----BEGIN ") || is_one_der_structure(&start, size))
    }

    fn identity(&self) -> Option<(u64, u64)> {
        self.file.metadata().ok().as_ref().map(identity)
    }

    /// Replaces the file's contents with `contents` (a device such as /dev/null is written to as it is).
    ///
    /// # Errors
    /// [`tls_core::Error::Write`] naming the file.
    pub(crate) fn write(mut self, contents: &[u8]) -> tls_core::Result<()> {
        let regular = self.file.metadata().is_ok_and(|m| m.is_file());
        let emptied = if regular { self.file.set_len(0) } else { Ok(()) };
        emptied
            .and_then(|()| self.file.write_all(contents))
            .and_then(|()| self.file.flush())
            .map_err(|cause| tls_core::Error::Write {
                path: self.path.clone(),
                cause,
            })
    }

    /// Leaves the file as it was: removed if this run made it, untouched if it was there before.
    pub(crate) fn abandon(self) -> PathBuf {
        if let Some(made) = &self.made {
            let _ = std::fs::remove_file(made);
        }
        self.path
    }
}

/// Whether `start`, the beginning of a file of `size` bytes, is one DER SEQUENCE spanning the whole
/// file: what a DER certificate or key is.
fn is_one_der_structure(start: &[u8], size: u64) -> bool {
    let [0x30, first, rest @ ..] = start else {
        return false;
    };
    let (header, length) = match *first {
        short @ 0..=0x7f => (2, u64::from(short)),
        0x81..=0x84 => {
            let n = usize::from(first & 0x7f);
            let Some(bytes) = rest.get(..n) else {
                return false;
            };
            (2 + n as u64, bytes.iter().fold(0, |len, &b| len << 8 | u64::from(b)))
        }
        _ => return false,
    };
    header + length == size
}

/// The x-ray's output files, checked and opened.
#[derive(Default)]
pub(crate) struct Outputs {
    pub(crate) json: Option<Output>,
    pub(crate) html: Option<Output>,
    pub(crate) pcap: Option<Output>,
}

impl Outputs {
    /// Leaves both files as they were (see [`Output::abandon`]).
    pub(crate) fn abandon(self) -> Vec<PathBuf> {
        [self.json, self.html, self.pcap]
            .into_iter()
            .flatten()
            .map(Output::abandon)
            .collect()
    }
}

/// The identity of the file behind standard input or output, when it has one.
fn standard(stream: &impl std::os::fd::AsFd) -> Option<(u64, u64)> {
    let fd = stream.as_fd().try_clone_to_owned().ok()?;
    std::fs::File::from(fd).metadata().ok().as_ref().map(identity)
}

/// What an output must not be: the inputs (that exist), standard input when `--stdin` reads it,
/// standard output and error; each with how to say it.
fn taken(inputs: &[(&str, &Path)], args: &crate::Args) -> Vec<(String, (u64, u64))> {
    inputs
        .iter()
        .filter_map(|(flag, input)| {
            let id = std::fs::metadata(input).ok().as_ref().map(identity)?;
            Some((format!("the file given as {flag}"), id))
        })
        .chain(
            standard(&std::io::stdin())
                .filter(|_| args.stdin)
                .map(|id| ("standard input (the data --stdin sends)".to_owned(), id)),
        )
        .chain(standard(&std::io::stdout()).map(|id| ("standard output (it carries the echo)".to_owned(), id)))
        .chain(standard(&std::io::stderr()).map(|id| {
            let what = if args.trace.is_some() {
                "standard error (it carries the --trace text)"
            } else {
                "standard error (it carries the errors)"
            };
            (what.to_owned(), id)
        }))
        .collect()
}

/// Why the opened outputs cannot be written, if they cannot: one is the other, or something taken,
/// or holds a certificate or key. `/dev/null` (`null`) clashes with nothing.
fn clash(opened: &[(&str, Output)], taken: &[(String, (u64, u64))], null: Option<(u64, u64)>) -> Option<String> {
    opened.iter().enumerate().find_map(|(at, (flag, output))| {
        let id = output.identity().filter(|id| Some(*id) != null)?;
        if let Some((other, first)) = opened[..at].iter().find(|(_, o)| o.identity() == Some(id)) {
            return Some(format!(
                "{other} {} and {flag} {} are the same file: give each its own",
                first.path.display(),
                output.path.display()
            ));
        }
        if let Some((what, _)) = taken.iter().find(|(_, taken)| *taken == id) {
            return Some(format!(
                "{flag} {} is {what}: the x-ray would write over it; name another file",
                output.path.display()
            ));
        }
        output.holds_key_material().then(|| {
            format!(
                "{flag} {} holds a certificate or a key (PEM or DER): the x-ray will not write over it; name another file",
                output.path.display()
            )
        })
    })
}

/// Refuses, before anything is sent, an x-ray output file that cannot be written or would replace
/// something the program reads or writes: standard output (it carries the echo), standard input (the
/// data sent), a directory, a missing folder, the `--ca`, `--cert` or `--key` file, the
/// `SSLKEYLOGFILE`, a PEM file, the same file for two outputs. Files are told apart by what they are,
/// not how they are named (hard and symbolic links, `./x`, `/dev/stdout`). Then opens them.
pub(crate) fn check_outputs(args: &crate::Args) -> Result<Outputs, String> {
    // With no --ca, the default CA file is an input too.
    let default_ca = args
        .target
        .ca
        .is_empty()
        .then(|| tls_echo_cli::defaults::default_path("certs/ca.pem"));
    let key_log = std::env::var_os("SSLKEYLOGFILE").map(PathBuf::from);
    let inputs: Vec<(&str, &Path)> = args
        .target
        .ca
        .iter()
        .chain(&default_ca)
        .map(|p| ("--ca", p.as_path()))
        .chain(args.target.cert.as_deref().map(|p| ("--cert", p)))
        .chain(args.target.key.as_deref().map(|p| ("--key", p)))
        .chain(key_log.as_deref().map(|p| ("SSLKEYLOGFILE", p)))
        .collect();
    let outputs: Vec<(&str, &Path)> = [
        ("--trace-json", &args.trace_json),
        ("--trace-html", &args.trace_html),
        ("--pcap", &args.pcap),
    ]
    .into_iter()
    .filter_map(|(flag, path)| path.as_deref().map(|p| (flag, p)))
    .collect();
    for &(flag, path) in &outputs {
        if path.as_os_str() == "-" {
            return Err(format!("{flag} needs a file name: standard output carries the echo"));
        }
        if path.is_dir() {
            return Err(format!(
                "{flag} {} is a directory: give a file name in it",
                path.display()
            ));
        }
        let folder = path.parent().filter(|p| !p.as_os_str().is_empty());
        if let Some(file) = folder.and_then(|folder| folder.ancestors().find(|p| p.is_file())) {
            return Err(format!(
                "{flag} {}: {} is a file, not a folder",
                path.display(),
                file.display()
            ));
        }
        if folder.is_some_and(|folder| !folder.is_dir()) {
            return Err(format!("{flag} {}: its folder does not exist", path.display()));
        }
    }
    // What the outputs must not be (looked at again after opening, when a file made through a link
    // may have become one of them).
    let taken_now = || taken(&inputs, args);
    let taken = taken_now();
    // /dev/null is everyone's and holds nothing: writing to it takes nothing from anyone.
    let null = std::fs::metadata("/dev/null").ok().as_ref().map(identity);
    // An output that is one of them already is refused before it is opened (opening a pipe or FIFO
    // could wait).
    for &(flag, path) in &outputs {
        let id = std::fs::metadata(path).ok().as_ref().map(identity);
        if let Some((what, _)) = taken.iter().find(|(_, taken)| Some(*taken) == id && id != null) {
            return Err(format!(
                "{flag} {} is {what}: the x-ray would write over it; name another file",
                path.display()
            ));
        }
    }
    let mut opened: Vec<(&str, Output)> = Vec::new();
    for &(flag, path) in &outputs {
        match Output::open(flag, path) {
            Ok(output) => opened.push((flag, output)),
            Err(problem) => {
                // One opened already is left as it was.
                for (_, other) in opened {
                    other.abandon();
                }
                return Err(problem);
            }
        }
    }
    // Now that each exists, compare them again: a file made just now through a link may be one of them.
    let taken = taken_now();
    let clash = clash(&opened, &taken, null);
    let mut chosen = Outputs::default();
    for (flag, output) in opened {
        match flag {
            "--pcap" => chosen.pcap = Some(output),
            "--trace-html" => chosen.html = Some(output),
            _ => chosen.json = Some(output),
        }
    }
    match clash {
        Some(problem) => {
            chosen.abandon();
            Err(problem)
        }
        None => Ok(chosen),
    }
}
