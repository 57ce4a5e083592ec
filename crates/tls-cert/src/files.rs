//! Writing a certificate set to disk, and the one rule about what is already there: nothing is
//! replaced unless `--force` was given, and then only the files this run makes.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use tls_core::Error;
use tls_core::generate::Pki;
use tls_echo_cli::Result;

/// Writes the files of `pki` into `dir` (made when missing), keys with mode 0600. Unless `force`,
/// refuses before writing anything when any of them exists.
///
/// # Errors
/// [`tls_echo_cli::Error::Exists`] listing the files that would be replaced, or [`Error::Write`] naming the file.
pub(crate) fn write_pki(pki: &Pki, dir: &Path, force: bool) -> Result<Vec<PathBuf>> {
    let files = pki.files();
    if !force {
        let existing: Vec<PathBuf> = files
            .iter()
            .map(|file| dir.join(&file.name))
            .filter(|path| path.exists())
            .collect();
        if !existing.is_empty() {
            return Err(tls_echo_cli::Error::Exists { paths: existing });
        }
    }
    std::fs::create_dir_all(dir).map_err(|cause| Error::Write {
        path: dir.to_owned(),
        cause,
    })?;
    files
        .iter()
        .map(|file| {
            let path = dir.join(&file.name);
            write_file(&path, file.contents.as_bytes(), file.secret).map(|()| path)
        })
        .collect::<tls_core::Result<_>>()
        .map_err(Into::into)
}

/// Writes one certificate file: refused, before writing, when it exists and not `force`.
///
/// # Errors
/// [`tls_echo_cli::Error::Exists`] naming it, or [`Error::Write`].
pub(crate) fn write_one(path: &Path, contents: &str, force: bool) -> Result<()> {
    if !force && path.exists() {
        return Err(tls_echo_cli::Error::Exists {
            paths: vec![path.to_owned()],
        });
    }
    write_file(path, contents.as_bytes(), false).map_err(Into::into)
}

/// Writes a file holding a private key (mode 0600): refused, before writing, when it exists and not
/// `force`.
///
/// # Errors
/// [`tls_echo_cli::Error::Exists`] naming it, or [`Error::Write`].
pub(crate) fn write_secret(path: &Path, contents: &[u8], force: bool) -> Result<()> {
    if !force && path.exists() {
        return Err(tls_echo_cli::Error::Exists {
            paths: vec![path.to_owned()],
        });
    }
    write_file(path, contents, true).map_err(Into::into)
}

/// Replaces `path` with `contents` at once (a file beside it, renamed over it): a reader sees the old
/// file or the new one, never half of one (a server reloading a CRL as it is written).
///
/// # Errors
/// [`Error::Write`] naming the file.
pub(crate) fn replace(path: &Path, contents: &[u8]) -> tls_core::Result<()> {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let beside = path.with_file_name(format!(".{name}.{}.new", std::process::id()));
    write_file(&beside, contents, false)
        .map_err(|err| match err {
            // Said of the file asked for, not of the one beside it.
            Error::Write { cause, .. } => Error::Write {
                path: path.to_owned(),
                cause,
            },
            other => other,
        })
        .and_then(|()| {
            std::fs::rename(&beside, path).map_err(|cause| Error::Write {
                path: path.to_owned(),
                cause,
            })
        })
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&beside);
        })
}

/// Writes `contents` to `path`, with mode 0600 when `secret`: a new file is created with it, an existing
/// one (`--force`) is given it before the key is written, so the key is never in a file others can read.
fn write_file(path: &Path, contents: &[u8], secret: bool) -> tls_core::Result<()> {
    let write_error = |cause| Error::Write {
        path: path.to_owned(),
        cause,
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
        options.mode(if secret { 0o600 } else { 0o644 });
        let mut file = options.open(path).map_err(write_error)?;
        // An existing file keeps its old mode through open(): set it explicitly.
        if secret {
            file.set_permissions(std::fs::Permissions::from_mode(0o600))
                .map_err(write_error)?;
        }
        file.write_all(contents).map_err(write_error)
    }
    #[cfg(not(unix))]
    {
        let _ = secret;
        options
            .open(path)
            .and_then(|mut f| f.write_all(contents))
            .map_err(write_error)
    }
}

/// The first line of `path` (or standard input for `-`), without its line end.
pub(crate) fn read_password(path: &Path) -> std::result::Result<String, String> {
    let mut bytes = Vec::new();
    // A password file is one line; a few KiB bound what a wrong file costs.
    let limit = 64 * 1024;
    let read = if path == Path::new("-") {
        std::io::stdin().lock().take(limit).read_to_end(&mut bytes)
    } else if path.is_dir() {
        return Err(format!(
            "--password-file {}: it is a directory, not a file",
            path.display()
        ));
    } else {
        std::fs::File::open(path).and_then(|file| file.take(limit).read_to_end(&mut bytes))
    };
    read.map_err(|err| format!("cannot read the password from {}: {err}", path.display()))?;
    let text = String::from_utf8(bytes).map_err(|_| format!("the password in {} is not UTF-8 text", path.display()))?;
    let line = text.split('\n').next().unwrap_or_default();
    Ok(line.strip_suffix('\r').unwrap_or(line).to_owned())
}

/// Refuses `out` when it is one of `inputs` (the same file by another name too), even with
/// `--force`: a command never writes over what it reads (a CA's key, the request it signs, the
/// password of the file it writes).
///
/// # Errors
/// The sentence naming both.
pub(crate) fn not_an_input(out: &Path, inputs: &[(&str, &Path)]) -> std::result::Result<(), String> {
    let same = |a: &Path, b: &Path| match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    match inputs.iter().find(|(_, input)| same(out, input)) {
        Some((what, input)) => Err(format!(
            "--out {} is {what} ({}), which this command reads: it is never written over, even with --force; give another --out",
            out.display(),
            input.display()
        )),
        None => Ok(()),
    }
}

/// The files of a CA folder, as [`not_an_input`] names them.
pub(crate) fn ca_folder_files(dir: &Path) -> Vec<(&'static str, PathBuf)> {
    [
        ("the CA certificate", "ca.pem"),
        ("the CA's key", "ca.key"),
        ("the CA's index", "index.txt"),
        ("the CA's CRL number", "crlnumber"),
        ("the CA's CRL", "crl.pem"),
    ]
    .into_iter()
    .map(|(what, name)| (what, dir.join(name)))
    .collect()
}
