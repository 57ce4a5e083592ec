//! `--trace`, `--trace-json FILE` and `--pcap FILE`: the handshake x-ray of the connection, after the
//! echo.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use tls_core::xray::Trace;

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
    /// It did not exist before: if nothing is written to it, it is removed again.
    created: bool,
}

impl Output {
    fn open(flag: &str, path: &Path) -> Result<Self, String> {
        let created = !path.exists();
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|err| format!("{flag} {}: cannot write it: {err}", path.display()))?;
        Ok(Self {
            path: path.to_owned(),
            file,
            created,
        })
    }

    /// Replaces the file's contents with `contents`.
    ///
    /// # Errors
    /// [`tls_core::Error::Write`] naming the file.
    pub(crate) fn write(mut self, contents: &[u8]) -> tls_core::Result<()> {
        self.file
            .set_len(0)
            .and_then(|()| self.file.write_all(contents))
            .and_then(|()| self.file.flush())
            .map_err(|cause| tls_core::Error::Write {
                path: self.path.clone(),
                cause,
            })
    }

    /// Leaves the file as it was: removed if this run made it, untouched if it was there before.
    pub(crate) fn abandon(self) -> PathBuf {
        if self.created {
            let _ = std::fs::remove_file(&self.path);
        }
        self.path
    }
}

/// The x-ray's output files, checked and opened.
#[derive(Default)]
pub(crate) struct Outputs {
    pub(crate) json: Option<Output>,
    pub(crate) pcap: Option<Output>,
}

/// Where `path` is, whatever way it is written (`./x`, `x`, an absolute path, a symbolic link), for
/// telling whether two names are one file, even one that does not exist yet.
fn resolved(path: &Path) -> PathBuf {
    if let Ok(real) = path.canonicalize() {
        return real;
    }
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    match (folder.canonicalize(), path.file_name()) {
        (Ok(folder), Some(name)) => folder.join(name),
        _ => path.to_owned(),
    }
}

/// Refuses, before anything is sent, an x-ray output file that cannot be written or would replace one
/// of the program's own inputs: standard output (it carries the echo), a directory, a missing folder,
/// the `--ca`, `--cert` or `--key` file, the `SSLKEYLOGFILE`, the same file for both outputs; then opens
/// them.
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
    let outputs: Vec<(&str, &Path)> = [("--trace-json", &args.trace_json), ("--pcap", &args.pcap)]
        .into_iter()
        .filter_map(|(flag, path)| path.as_deref().map(|p| (flag, p)))
        .collect();
    if let [(_, first), (_, second)] = outputs[..] {
        if resolved(first) == resolved(second) {
            return Err(format!(
                "--trace-json {} and --pcap {} are the same file: give each its own",
                first.display(),
                second.display()
            ));
        }
    }
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
        if folder.is_some_and(|folder| !folder.is_dir()) {
            return Err(format!("{flag} {}: its folder does not exist", path.display()));
        }
        if let Some((input, _)) = inputs.iter().find(|(_, input)| resolved(input) == resolved(path)) {
            return Err(format!(
                "{flag} {} is the file given as {input}: the x-ray would write over it; name another file",
                path.display()
            ));
        }
    }
    let mut opened = Outputs::default();
    for (flag, path) in outputs {
        let output = match Output::open(flag, path) {
            Ok(output) => output,
            Err(problem) => {
                // The other one, opened already, is left as it was.
                for other in [opened.json.take(), opened.pcap.take()].into_iter().flatten() {
                    other.abandon();
                }
                return Err(problem);
            }
        };
        match flag {
            "--pcap" => opened.pcap = Some(output),
            _ => opened.json = Some(output),
        }
    }
    Ok(opened)
}
