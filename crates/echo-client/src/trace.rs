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
