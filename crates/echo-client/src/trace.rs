//! `--trace`, `--trace-json FILE` and `--pcap FILE`: the handshake x-ray of the connection, after the
//! echo.

use std::io::Write as _;
use std::path::Path;

use tls_core::xray::Trace;

/// Shows `trace` on standard error (`text`: `brief` or `full`, with colour on a terminal) and writes it
/// as JSON to `json`, when asked.
///
/// # Errors
/// [`tls_core::Error::Write`] naming the JSON file, [`tls_core::Error::Output`] when standard error
/// cannot take the text.
pub(crate) fn report(trace: &Trace, text: Option<&str>, json: Option<&Path>) -> tls_core::Result<()> {
    if let Some(detail) = text {
        use std::io::IsTerminal as _;
        let mut err = std::io::stderr().lock();
        let colour = err.is_terminal() && std::env::var_os("NO_COLOR").is_none();
        write!(err, "{}", trace.render(detail == "full", colour))
            .and_then(|()| err.flush())
            .map_err(|cause| tls_core::Error::Output { cause })?;
    }
    if let Some(path) = json {
        let mut written = serde_json::to_string_pretty(trace).unwrap_or_else(|err| format!("{{\"error\":\"{err}\"}}"));
        written.push('\n');
        write(path, written.as_bytes())?;
    }
    Ok(())
}

/// Writes `contents` to `path`.
///
/// # Errors
/// [`tls_core::Error::Write`] naming the file.
pub(crate) fn write(path: &Path, contents: &[u8]) -> tls_core::Result<()> {
    std::fs::write(path, contents).map_err(|cause| tls_core::Error::Write {
        path: path.to_owned(),
        cause,
    })
}

/// Refuses, before anything is sent, an x-ray output file that cannot be written or would replace one
/// of the program's own inputs: standard output (it carries the echo), a directory, a missing folder,
/// the `--ca`, `--cert` or `--key` file, the same file for both outputs.
pub(crate) fn check_outputs(args: &crate::Args) -> Result<(), String> {
    // With no --ca, the default CA file is an input too.
    let default_ca = args
        .target
        .ca
        .is_empty()
        .then(|| tls_echo_cli::defaults::default_path("certs/ca.pem"));
    let inputs: Vec<(&str, &Path)> = args
        .target
        .ca
        .iter()
        .chain(&default_ca)
        .map(|p| ("--ca", p.as_path()))
        .chain(args.target.cert.as_deref().map(|p| ("--cert", p)))
        .chain(args.target.key.as_deref().map(|p| ("--key", p)))
        .collect();
    let outputs: Vec<(&str, &Path)> = [("--trace-json", &args.trace_json), ("--pcap", &args.pcap)]
        .into_iter()
        .filter_map(|(flag, path)| path.as_deref().map(|p| (flag, p)))
        .collect();
    if let [(_, first), (_, second)] = outputs[..] {
        if first == second {
            return Err(format!(
                "--trace-json and --pcap both name {}: give each its own file",
                first.display()
            ));
        }
    }
    for (flag, path) in outputs {
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
        let same = |input: &Path| match (input.canonicalize(), path.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => input == path,
        };
        if let Some((input, _)) = inputs.iter().find(|(_, input)| same(input)) {
            return Err(format!(
                "{flag} {} is the file given as {input}: the x-ray would write over it; name another file",
                path.display()
            ));
        }
    }
    Ok(())
}
