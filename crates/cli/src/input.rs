//! Standard input as a file named `-`, the programs' convention (the library reads files by their
//! names only): read once per run (a second `-` would find it empty), bounded as a file would be, and
//! parsed by tls-core like any file's contents, named "standard input" in errors.

use std::io::Read as _;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use tls_core::error::{LoadProblem, Material};
use tls_core::pki_types::{CertificateDer, PrivateKeyDer};
use tls_core::{Error, Identity, Result, pem};

/// How standard input is named in errors.
pub const STDIN: &str = "standard input";

/// Whether `path` means standard input.
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Standard input, whole, for `what`, refused past `limit` bytes; once per run.
///
/// # Errors
/// [`Error::Load`] when it was read already, cannot be read, or is too large.
pub fn read_stdin(what: Material, limit: u64) -> Result<Vec<u8>> {
    static READ: AtomicBool = AtomicBool::new(false);
    let fail = |problem| Error::Load {
        what,
        path: STDIN.into(),
        problem,
    };
    if READ.swap(true, Ordering::SeqCst) {
        return Err(fail(LoadProblem::StdinTwice));
    }
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|err| fail(LoadProblem::Read(err)))?;
    if bytes.len() as u64 > limit {
        return Err(fail(LoadProblem::TooLarge { limit }));
    }
    Ok(bytes)
}

/// [`pem::load_ca_certs`], `-` being standard input.
///
/// # Errors
/// As [`pem::load_ca_certs`] and [`read_stdin`].
pub fn load_ca_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let (name, bytes) = read_named(path, Material::CaCertificates)?;
    pem::parse_ca_certs(name, bytes)
}

/// [`pem::load_cert_chain`], `-` being standard input.
///
/// # Errors
/// As [`pem::load_cert_chain`] and [`read_stdin`].
pub fn load_cert_chain(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let (name, bytes) = read_named(path, Material::CertificateChain)?;
    pem::parse_cert_chain(name, bytes)
}

/// [`pem::load_crls`], `-` being standard input.
///
/// # Errors
/// As [`pem::load_crls`] and [`read_stdin`].
pub fn load_crls(path: &Path) -> Result<Vec<tls_core::revocation::Crl>> {
    let (name, bytes) = read_named(path, Material::Crls)?;
    pem::parse_crls(name, bytes)
}

/// The CRLs of every file of `paths` (`--crl`, repeated), together; of several from one CA, the
/// newest (highest CRL number) alone.
///
/// # Errors
/// As [`load_crls`], for the first file that fails.
pub fn load_crl_files(paths: &[std::path::PathBuf]) -> Result<Vec<tls_core::revocation::Crl>> {
    let mut crls = Vec::new();
    for path in paths {
        crls.extend(load_crls(path)?);
    }
    Ok(tls_core::revocation::newest(crls))
}

/// [`pem::load_private_key`], `-` being standard input.
///
/// # Errors
/// As [`pem::load_private_key`] and [`read_stdin`].
pub fn load_private_key(path: &Path) -> Result<PrivateKeyDer<'static>> {
    let (name, bytes) = read_named(path, Material::PrivateKey)?;
    pem::parse_private_key(name, bytes)
}

/// [`pem::load_identity`], either file `-` being standard input.
///
/// # Errors
/// As [`pem::load_identity`] and [`read_stdin`].
pub fn load_identity(cert: &Path, key: &Path) -> Result<Identity> {
    let (cert_name, cert_bytes) = read_named(cert, Material::CertificateChain)?;
    let (key_name, key_bytes) = read_named(key, Material::PrivateKey)?;
    pem::parse_identity(cert_name, cert_bytes, key_name, key_bytes)
}

/// [`pem::load_combined`], `-` being standard input.
///
/// # Errors
/// As [`pem::load_combined`] and [`read_stdin`].
pub fn load_combined(path: &Path) -> Result<Identity> {
    let (name, bytes) = read_named(path, Material::CertificateChain)?;
    pem::parse_combined(name, bytes)
}

/// [`pem::read_file`] (for inspect), `-` being standard input.
///
/// # Errors
/// As [`pem::read_file`] and [`read_stdin`].
pub fn read_file(path: &Path) -> Result<Vec<u8>> {
    if is_stdin(path) {
        let bytes = read_stdin(Material::Inspectable, pem::LARGEST_INSPECTED)?;
        return pem::refuse_empty(Path::new(STDIN), bytes);
    }
    pem::read_file(path)
}

/// A file's name for errors and its bytes, standard input for `-`.
fn read_named(path: &Path, what: Material) -> Result<(&Path, Vec<u8>)> {
    if is_stdin(path) {
        return Ok((Path::new(STDIN), read_stdin(what, pem::LARGEST_FILE)?));
    }
    pem::read_bytes(path, what).map(|bytes| (path, bytes))
}
