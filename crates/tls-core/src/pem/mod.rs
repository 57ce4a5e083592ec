//! Reading certificate chains, private keys and CA bundles from files, PEM or DER.
//!
//! PEM decoding itself is rustls-pki-types' (`PemObject`); this module adds what a person needs when a
//! file is wrong: which file, which line, what was found instead, and what to do about it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use rustls::RootCertStore;
use rustls_pki_types::pem::{self, PemObject, SectionKind};
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

mod identify;

pub use self::identify::{Item, TrustSettings, identify};
use crate::error::{Error, Hint, LoadProblem, Material, Result};
use crate::identity::{self, Identity, check_key_matches};
use crate::remedy::Remedy;
use crate::revocation::Crl;
use crate::x509;

/// Loads a certificate chain and its key, and checks that the key belongs to the first certificate.
///
/// # Errors
/// Any error of [`load_cert_chain`] or [`load_private_key`], or [`Error::KeyMismatch`] naming both files.
pub fn load_identity(cert_path: impl AsRef<Path>, key_path: impl AsRef<Path>) -> Result<Identity> {
    let (cert_path, key_path) = (cert_path.as_ref(), key_path.as_ref());
    let cert = read_bytes(cert_path, Material::CertificateChain)?;
    let key = read_bytes(key_path, Material::PrivateKey)?;
    parse_identity(cert_path, cert, key_path, key)
}

/// As [`load_identity`], for the contents of the two files already read; the names are only used in
/// errors.
///
/// # Errors
/// As [`load_identity`], but for reading the files.
pub fn parse_identity(cert_name: &Path, cert: Vec<u8>, key_name: &Path, key: Vec<u8>) -> Result<Identity> {
    let swapped = |err| match err {
        Error::Load {
            what,
            path,
            problem: LoadProblem::NotFound { wanted, found, hint },
        } if hint == KEY_NOT_CERT || hint == CERT_NOT_KEY => Error::Load {
            what,
            path,
            problem: LoadProblem::NotFound {
                wanted,
                found,
                hint: SWAPPED,
            },
        },
        other => other,
    };
    let chain = parse_cert_chain(cert_name, cert).map_err(swapped)?;
    let key = parse_private_key(key_name, key).map_err(swapped)?;
    identity_of(chain, key, cert_name, key_name)
}

/// Checks that `key` (from `key_path`) goes with `chain` (from `cert_path`) and rustls can use it.
fn identity_of(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    cert_path: &Path,
    key_path: &Path,
) -> Result<Identity> {
    if let Some(bits) = identity::weak_rsa_bits(&chain) {
        return Err(load_error(
            Material::PrivateKey,
            key_path,
            LoadProblem::WeakRsaKey { bits },
        ));
    }
    check_key_matches(&chain, &key).map_err(|err| match err {
        Error::KeyMismatch { subject, .. } => match key_holder(&chain, &key) {
            // The key is another certificate's of the file: the chain is out of order.
            Some((at, leaf)) => load_error(
                Material::CertificateChain,
                cert_path,
                LoadProblem::LeafNotFirst {
                    first: x509::subject(&chain[0]),
                    leaf: x509::subject(leaf),
                    position: at + 1,
                },
            ),
            None => Error::KeyMismatch {
                key: key_path.display().to_string(),
                subject,
                cert: format!(" in {}", cert_path.display()),
            },
        },
        Error::Config { cause, .. } => {
            // rustls refuses the certificate itself, not the key: said of the certificate, in words.
            let refused = match &cause {
                rustls::Error::InvalidCertificate(kind) => crate::explain::own_chain(kind, &chain),
                _ => None,
            };
            match refused {
                Some(refusal) => load_error(
                    Material::CertificateChain,
                    cert_path,
                    LoadProblem::Refused(Box::new(refusal)),
                ),
                None => load_error(Material::PrivateKey, key_path, LoadProblem::Rejected(cause)),
            }
        }
        other => other,
    })?;
    Ok(Identity::new(chain, key))
}

/// The certificate after the first that `key` belongs to, with its index.
fn key_holder<'c>(
    chain: &'c [CertificateDer<'static>],
    key: &PrivateKeyDer<'static>,
) -> Option<(usize, &'c CertificateDer<'static>)> {
    chain
        .iter()
        .enumerate()
        .skip(1)
        .find(|(_, cert)| crate::inspect::key_belongs_to(cert, key).unwrap_or(false))
}

/// Loads a certificate chain and its key from one file (HAProxy's combined PEM: the certificates, then
/// the key), and checks that they belong together.
///
/// # Errors
/// As [`load_identity`]; a file without a key says to give the key's file.
pub fn load_combined(path: impl AsRef<Path>) -> Result<Identity> {
    let path = path.as_ref();
    parse_combined(path, read_bytes(path, Material::CertificateChain)?)
}

/// As [`load_combined`], for the contents of a file already read; `name` is only used in errors.
///
/// # Errors
/// As [`load_combined`], but for reading the file.
pub fn parse_combined(path: &Path, bytes: Vec<u8>) -> Result<Identity> {
    let chain = parse_cert_chain(path, bytes.clone())?;
    let key = parse_private_key(path, bytes).map_err(|err| match err {
        Error::Load {
            what: Material::PrivateKey,
            path,
            problem: LoadProblem::NotFound { wanted, found, .. },
        } => Error::Load {
            what: Material::PrivateKey,
            path,
            problem: LoadProblem::NotFound {
                wanted,
                found,
                hint: ONE_FILE,
            },
        },
        other => other,
    })?;
    identity_of(chain, key, path, path)
}

/// A certificate file given alone, without the key it should then hold.
const ONE_FILE: Hint = Hint::Do(Remedy::GiveKey);

/// Loads the certificates of a chain (end-entity first) from a PEM or DER file.
///
/// # Errors
/// [`Error::Load`] naming the file: missing, a directory, empty, broken PEM, no certificate in it
/// (with a hint when it holds a key instead), or a certificate that is not valid X.509.
pub fn load_cert_chain(path: impl AsRef<Path>) -> Result<Vec<CertificateDer<'static>>> {
    let path = path.as_ref();
    parse_cert_chain(path, read_bytes(path, Material::CertificateChain)?)
}

/// As [`load_cert_chain`], for the contents of a file already read; `name` is only used in errors.
///
/// # Errors
/// As [`load_cert_chain`], but for reading the file.
pub fn parse_cert_chain(name: &Path, bytes: Vec<u8>) -> Result<Vec<CertificateDer<'static>>> {
    load_certificates(name, Material::CertificateChain, bytes)
}

/// Loads one or more CA certificates to trust from a PEM or DER file.
///
/// # Errors
/// As [`load_cert_chain`], and [`LoadProblem::UnusableAnchors`] when any certificate cannot be a trust
/// anchor, with the count of good and bad ones.
pub fn load_ca_certs(path: impl AsRef<Path>) -> Result<Vec<CertificateDer<'static>>> {
    let path = path.as_ref();
    parse_ca_certs(path, read_bytes(path, Material::CaCertificates)?)
}

/// As [`load_ca_certs`], for the contents of a file already read; `name` is only used in errors.
///
/// # Errors
/// As [`load_ca_certs`], but for reading the file.
pub fn parse_ca_certs(name: &Path, bytes: Vec<u8>) -> Result<Vec<CertificateDer<'static>>> {
    let (path, what) = (name, Material::CaCertificates);
    let blocks = certificate_blocks(path, what, bytes)?;
    let total = blocks.len();
    let mut scratch = RootCertStore::empty();
    let mut first_bad = None;
    let mut good = Vec::with_capacity(total);
    for (i, (line, der)) in blocks.into_iter().enumerate() {
        let cert = CertificateDer::from(der);
        let verdict = match x509_parser::parse_x509_certificate(&cert) {
            Err(err) => Err(format!("not valid X.509: {err}")),
            Ok(_) => scratch.add(cert.clone()).map_err(|err| err.to_string()),
        };
        match verdict {
            Ok(()) => good.push(cert),
            Err(why) => {
                first_bad.get_or_insert_with(|| format!("certificate #{} (line {line}) is {why}", i + 1));
            }
        }
    }
    // Trust anchors are CA certificates, or a self-signed certificate trusted as it is; a certificate
    // signed by someone else (a server's, given by mistake) anchors nothing.
    let anchors_something = good.iter().any(|cert| x509::is_self_issued(cert) || x509::is_ca(cert));
    if let (None, false, Some(first)) = (&first_bad, anchors_something, good.first()) {
        return Err(Error::NotACa {
            path: path.to_owned(),
            subject: x509::subject(first),
            issuer: x509::issuer(first),
        });
    }
    match first_bad {
        None => Ok(good),
        Some(bad_detail) => Err(load_error(
            what,
            path,
            LoadProblem::UnusableAnchors {
                good: good.len(),
                total,
                bad_detail,
            },
        )),
    }
}

/// Loads the certificate revocation lists of a PEM or DER file (a PKCS#7 bundle's too), each checked
/// to be one rustls' verifier reads.
///
/// # Errors
/// [`Error::Load`] naming the file: missing, a directory, empty, no CRL in it (saying what it holds
/// instead), or a CRL the verifier cannot read (a delta or indirect CRL, say), in words.
pub fn load_crls(path: impl AsRef<Path>) -> Result<Vec<Crl>> {
    let path = path.as_ref();
    parse_crls(path, read_bytes(path, Material::Crls)?)
}

/// As [`load_crls`], for the contents of a file already read; `name` is only used in errors.
///
/// # Errors
/// As [`load_crls`], but for reading the file.
pub fn parse_crls(name: &Path, bytes: Vec<u8>) -> Result<Vec<Crl>> {
    let fail = |problem| load_error(Material::Crls, name, problem);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(fail(LoadProblem::Empty));
    }
    let wanted = "CRL (X509 CRL block, or DER)";
    let items = identify(name, &bytes).map_err(|err| match err {
        Error::Load {
            problem: LoadProblem::NotFound { found, hint, .. },
            ..
        } => fail(LoadProblem::NotFound { wanted, found, hint }),
        Error::Load { problem, .. } => fail(problem),
        other => other,
    })?;
    let mut crls = Vec::new();
    let mut others = Vec::new();
    for item in items {
        match item {
            Item::Crl(der) => crls.push(Crl::from(der)),
            Item::Pkcs7 { crls: inside, .. } if !inside.is_empty() => crls.extend(inside.into_iter().map(Crl::from)),
            Item::Certificates(_) | Item::Trusted { .. } | Item::Pkcs7 { .. } => others.push("CERTIFICATE"),
            Item::Request(_) => others.push("CERTIFICATE REQUEST"),
            Item::Pkcs12(_) => others.push("PKCS12"),
            Item::NotShown { .. } => others.push("PRIVATE KEY or other"),
        }
    }
    if crls.is_empty() {
        return Err(fail(LoadProblem::NotFound {
            wanted,
            found: summarize(others.into_iter()),
            hint: Hint::None,
        }));
    }
    for (at, crl) in crls.iter().enumerate() {
        webpki::BorrowedCertRevocationList::from_der(crl).map_err(|err| {
            let words = crate::revocation::crl_words(&crate::revocation::crl_problem(&err));
            fail(LoadProblem::Rejected(rustls::Error::General(format!(
                "CRL #{} {words}",
                at + 1
            ))))
        })?;
    }
    Ok(crls)
}

/// Loads exactly one private key (PKCS#8, PKCS#1 or SEC1) from a PEM or DER file.
///
/// # Errors
/// [`Error::Load`] naming the file; when it holds certificates instead the message asks whether
/// `--cert` and `--key` were swapped, and an encrypted key gets the openssl command that decrypts it.
pub fn load_private_key(path: impl AsRef<Path>) -> Result<PrivateKeyDer<'static>> {
    let path = path.as_ref();
    parse_private_key(path, read_bytes(path, Material::PrivateKey)?)
}

/// As [`load_private_key`], for the contents of a file already read; `name` is only used in errors.
///
/// # Errors
/// As [`load_private_key`], but for reading the file.
pub fn parse_private_key(name: &Path, bytes: Vec<u8>) -> Result<PrivateKeyDer<'static>> {
    let (path, what) = (name, Material::PrivateKey);
    let fail = |problem| load_error(what, path, problem);
    match parse_contents(path, what, bytes)? {
        Contents::Der(bytes) => match PrivateKeyDer::try_from(bytes.as_slice()) {
            Ok(key) => Ok(key.clone_key()),
            Err(_) if x509_parser::parse_x509_certificate(&bytes).is_ok() => Err(fail(LoadProblem::NotFound {
                wanted: "private key",
                found: "a DER certificate".into(),
                hint: CERT_NOT_KEY,
            })),
            Err(_) => Err(fail(LoadProblem::NotPemOrDer { wanted: "private key" })),
        },
        Contents::Pem(blocks) => {
            let mut keys: Vec<PrivateKeyDer<'static>> = blocks
                .iter()
                .filter_map(|b| b.kind.and_then(|kind| PrivateKeyDer::from_pem(kind, b.der.clone())))
                .collect();
            match keys.len() {
                1 => Ok(keys.remove(0)),
                0 if blocks.iter().any(|b| b.encrypted) => Err(fail(LoadProblem::Encrypted {
                    path: path.display().to_string(),
                })),
                0 => {
                    let holds_certs = blocks.iter().any(|b| b.kind == Some(SectionKind::Certificate));
                    Err(fail(LoadProblem::NotFound {
                        wanted: "PKCS#8, PKCS#1 or SEC1 private key",
                        found: summarize(blocks.iter().map(|b| b.label.as_str())),
                        hint: if holds_certs { CERT_NOT_KEY } else { Hint::None },
                    }))
                }
                n => Err(fail(LoadProblem::SeveralKeys(n))),
            }
        }
    }
}

/// `cert` as a PEM `CERTIFICATE` block, 64 base64 characters a line, as openssl writes it.
pub fn certificate_pem(cert: &CertificateDer<'_>) -> String {
    use base64::Engine as _;
    let body = base64::engine::general_purpose::STANDARD.encode(cert);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for (i, c) in body.chars().enumerate() {
        if i > 0 && i % 64 == 0 {
            out.push('\n');
        }
        out.push(c);
    }
    out + "\n-----END CERTIFICATE-----\n"
}

/// Reads a file for `tls-cert inspect` (certificates, CSR, CRL, PKCS#12, PKCS#7), with the same limits
/// and messages as the loaders.
///
/// # Errors
/// [`Error::Load`] naming the file: missing, a directory, empty, too large, unreadable.
pub fn read_file(path: impl AsRef<Path>) -> Result<Vec<u8>> {
    let path = path.as_ref();
    let bytes = read_at_most(path, Material::Inspectable, LARGEST_INSPECTED)?;
    refuse_empty(path, bytes)
}

/// `bytes` read from `path` for inspect, unless they hold nothing but white space.
///
/// # Errors
/// [`Error::Load`] saying the file is empty.
pub fn refuse_empty(path: &Path, bytes: Vec<u8>) -> Result<Vec<u8>> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(load_error(Material::Inspectable, path, LoadProblem::Empty));
    }
    Ok(bytes)
}

/// One PEM block with its label, for readers that go by label (inspect).
pub(crate) struct Labeled {
    /// The label of its BEGIN line.
    pub(crate) label: String,
    /// 1-based line of the BEGIN line.
    pub(crate) line: usize,
    /// Its contents (empty when encrypted or not base64).
    pub(crate) der: Vec<u8>,
}

/// The PEM blocks of `bytes` with their labels, or `None` when it has no BEGIN line (DER, or neither).
///
/// # Errors
/// [`Error::Load`] for broken PEM.
pub(crate) fn labeled_blocks(path: &Path, bytes: &[u8]) -> Result<Option<Vec<Labeled>>> {
    if !contains(bytes, b"-----BEGIN") {
        return Ok(None);
    }
    let text = String::from_utf8_lossy(bytes);
    let blocks = scan_blocks(&text).map_err(|problem| load_error(Material::Inspectable, path, problem))?;
    Ok(Some(
        blocks
            .into_iter()
            .map(|b| Labeled {
                label: b.label,
                line: b.line,
                der: b.der,
            })
            .collect(),
    ))
}

/// A certificate file that holds a key: said the same way wherever a certificate is read.
const KEY_NOT_CERT: Hint = Hint::Says("that is a private key, not a certificate");
/// A PKCS#12 file given where certificates are read.
const PKCS12_NOT_CERT: Hint =
    Hint::Says("take its certificates out with: openssl pkcs12 -in FILE -nokeys -out CERTS.pem");
/// A PKCS#7 bundle given where certificates are read.
const PKCS7_NOT_CERT: Hint =
    Hint::Says("take its certificates out with: openssl pkcs7 -in FILE -print_certs -out CERTS.pem");
/// OpenSSL's TRUSTED CERTIFICATE given where certificates are read.
const TRUSTED_NOT_CERT: Hint = Hint::Says(
    "that is OpenSSL's TRUSTED CERTIFICATE form; write the certificate alone with: openssl x509 -in FILE -out CERT.pem",
);
/// A key file that holds certificates.
const CERT_NOT_KEY: Hint = Hint::Says("that is a certificate, not its private key");
/// Where a certificate and its key are read together, the likely cause of either of the above.
const SWAPPED: Hint = Hint::Says("are the certificate and key files swapped?");

/// The certificate blocks of a file with the line each starts at (1 for DER), not yet parsed.
fn certificate_blocks(path: &Path, what: Material, bytes: Vec<u8>) -> Result<Vec<(usize, Vec<u8>)>> {
    let fail = |problem| load_error(what, path, problem);
    let certs = match parse_contents(path, what, bytes)? {
        Contents::Der(bytes) => {
            let is_certificate = x509_parser::parse_x509_certificate(&bytes).is_ok();
            // Bundles that hold certificates but are not one: said for what they are, with the command
            // that takes the certificates out (PKCS#12 DER also looks like a private key to a quick test).
            if !is_certificate && crate::inspect::der::is_pfx(&bytes) {
                return Err(fail(LoadProblem::NotFound {
                    wanted: "certificate",
                    found: "PKCS#12 data (a .p12 or .pfx file)".into(),
                    hint: PKCS12_NOT_CERT,
                }));
            }
            if !is_certificate && crate::inspect::der::pkcs7_contents(&bytes).is_ok() {
                return Err(fail(LoadProblem::NotFound {
                    wanted: "certificate",
                    found: "a PKCS#7 bundle".into(),
                    hint: PKCS7_NOT_CERT,
                }));
            }
            if !is_certificate && PrivateKeyDer::try_from(bytes.as_slice()).is_ok() {
                return Err(fail(LoadProblem::NotFound {
                    wanted: "certificate",
                    found: "a DER private key".into(),
                    hint: KEY_NOT_CERT,
                }));
            }
            vec![(1, bytes)]
        }
        Contents::Pem(blocks) => {
            let certs: Vec<_> = blocks
                .iter()
                .filter(|b| b.kind == Some(SectionKind::Certificate))
                .map(|b| (b.line, b.der.clone()))
                .collect();
            if certs.is_empty() {
                let holds_key = blocks.iter().any(|b| b.encrypted || is_key(b.kind));
                let has = |label: &str| blocks.iter().any(|b| b.label == label);
                return Err(fail(LoadProblem::NotFound {
                    wanted: match what {
                        Material::CaCertificates => "CERTIFICATE block, so no trust anchors",
                        _ => "CERTIFICATE block",
                    },
                    found: summarize(blocks.iter().map(|b| b.label.as_str())),
                    hint: if holds_key {
                        KEY_NOT_CERT
                    } else if has("TRUSTED CERTIFICATE") {
                        TRUSTED_NOT_CERT
                    } else if has("PKCS7") || has("CMS") {
                        PKCS7_NOT_CERT
                    } else {
                        Hint::None
                    },
                }));
            }
            certs
        }
    };
    Ok(certs)
}

fn load_certificates(path: &Path, what: Material, bytes: Vec<u8>) -> Result<Vec<CertificateDer<'static>>> {
    let fail = |problem| load_error(what, path, problem);
    certificate_blocks(path, what, bytes)?
        .into_iter()
        .enumerate()
        .map(|(i, (line, der))| match x509_parser::parse_x509_certificate(&der) {
            Ok(_) => Ok(CertificateDer::from(der)),
            Err(err) => Err(fail(LoadProblem::BadCertificate {
                index: i + 1,
                line,
                detail: x509::parse_failure(&err),
            })),
        })
        .collect()
}

fn is_key(kind: Option<SectionKind>) -> bool {
    matches!(
        kind,
        Some(SectionKind::PrivateKey | SectionKind::RsaPrivateKey | SectionKind::EcPrivateKey)
    )
}

fn load_error(what: Material, path: &Path, problem: LoadProblem) -> Error {
    Error::Load {
        what,
        path: PathBuf::from(path),
        problem,
    }
}

/// A file's contents: DER bytes, or the PEM blocks it holds.
enum Contents {
    Der(Vec<u8>),
    Pem(Vec<Block>),
}

/// One PEM block, decoded when its label is one rustls-pki-types knows.
struct Block {
    label: String,
    /// 1-based line of the BEGIN marker.
    line: usize,
    kind: Option<SectionKind>,
    der: Vec<u8>,
    /// Marked encrypted by its label or an RFC 1421 `Proc-Type: 4,ENCRYPTED` header.
    encrypted: bool,
}

/// Certificate, key and CA files are kilobytes (Mozilla's whole CA bundle is about 250 KiB): anything
/// larger is the wrong file, and is refused before it is read into memory.
pub const LARGEST_FILE: u64 = 16 * 1024 * 1024;

/// Reads a certificate, key or CA file whole, refused past [`LARGEST_FILE`].
///
/// # Errors
/// [`Error::Load`] naming the file: missing, a directory, too large, unreadable.
pub fn read_bytes(path: &Path, what: Material) -> Result<Vec<u8>> {
    read_at_most(path, what, LARGEST_FILE)
}

/// CRLs run large (a public CA's can hold hundreds of thousands of serials): what inspect reads may be
/// twice the loaders' limit, about 600,000 revoked certificates in PEM, read in about a gigabyte.
pub const LARGEST_INSPECTED: u64 = 32 * 1024 * 1024;

/// Reads a file whole, refusing it unread past `limit` bytes.
fn read_at_most(path: &Path, what: Material, limit: u64) -> Result<Vec<u8>> {
    use std::io::Read as _;
    let fail = |problem| load_error(what, path, problem);
    let mut bytes = Vec::new();
    if path.is_dir() {
        return Err(fail(LoadProblem::Directory));
    }
    let read = std::fs::File::open(path).and_then(|file| file.take(limit + 1).read_to_end(&mut bytes));
    read.map_err(|err| fail(LoadProblem::Read(err)))?;
    if bytes.len() as u64 > limit {
        return Err(fail(LoadProblem::TooLarge { limit }));
    }
    Ok(bytes)
}

fn parse_contents(path: &Path, what: Material, bytes: Vec<u8>) -> Result<Contents> {
    let fail = |problem| load_error(what, path, problem);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(fail(LoadProblem::Empty));
    }
    if !contains(&bytes, b"-----BEGIN") {
        // DER is one ASN.1 SEQUENCE; anything else without a BEGIN line is neither format.
        if bytes[0] == 0x30 {
            return Ok(Contents::Der(bytes));
        }
        let wanted = match what {
            Material::PrivateKey => "private key",
            _ => "certificate",
        };
        return Err(fail(LoadProblem::NotPemOrDer { wanted }));
    }
    let text = String::from_utf8_lossy(&bytes);
    scan_blocks(&text).map(Contents::Pem).map_err(fail)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Splits PEM text into blocks. Lines are trimmed first, so CRLF line ends, missing trailing newlines and
/// indented blocks all load; text between blocks (openssl's "Bag Attributes", `-text` dumps) is ignored.
fn scan_blocks(text: &str) -> Result<Vec<Block>, LoadProblem> {
    struct Open<'a> {
        label: &'a str,
        line: usize,
        body: String,
        encrypted: bool,
    }
    let broken = |line, detail| LoadProblem::BrokenPem { line, detail };
    let mut blocks = Vec::new();
    let mut open: Option<Open<'_>> = None;
    for (i, raw) in text.lines().enumerate() {
        // A byte-order mark (Windows editors write one) is not part of the first line.
        let line = raw.trim_start_matches('\u{feff}').trim();
        let number = i + 1;
        if line.starts_with("-----BEGIN ") && marker(line, "BEGIN").is_some_and(|label| label.contains("-----")) {
            // A whole block on one line: its line breaks were lost (pasted through a chat or a form).
            return Err(broken(
                number,
                "the -----BEGIN line has more after it on the same line: PEM wants the BEGIN line, the base64 and the END line each on lines of their own (were the file's line breaks lost?)".into(),
            ));
        }
        if let Some(label) = marker(line, "BEGIN") {
            if let Some(prev) = &open {
                return Err(broken(
                    prev.line,
                    format!(
                        "-----BEGIN {}----- has no -----END line before the next -----BEGIN at line {number}",
                        prev.label
                    ),
                ));
            }
            open = Some(Open {
                label,
                line: number,
                body: String::new(),
                encrypted: label.contains("ENCRYPTED"),
            });
        } else if let Some(label) = marker(line, "END") {
            let Some(block) = open.take() else {
                return Err(broken(
                    number,
                    format!("-----END {label}----- without a matching -----BEGIN"),
                ));
            };
            if block.label != label {
                return Err(broken(
                    number,
                    format!(
                        "-----END {label}----- closes -----BEGIN {}----- of line {}",
                        block.label, block.line
                    ),
                ));
            }
            blocks.push(decode_block(block.label, block.line, &block.body, block.encrypted)?);
        } else if let Some(block) = open.as_mut() {
            if line.contains(':') {
                // An RFC 1421 header such as "Proc-Type: 4,ENCRYPTED" or "DEK-Info: ...".
                block.encrypted |= line.starts_with("Proc-Type:") && line.contains("ENCRYPTED");
            } else if let Some(bad) = line
                .chars()
                .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=')))
            {
                if !block.encrypted {
                    return Err(broken(
                        number,
                        format!(
                            "the base64 of -----BEGIN {}----- (line {}) has {bad:?}, which base64 does not use",
                            block.label, block.line
                        ),
                    ));
                }
            } else {
                block.body.push_str(line);
                block.body.push('\n');
            }
        }
    }
    if let Some(block) = open {
        return Err(broken(
            block.line,
            format!(
                "-----BEGIN {0}----- has no -----END {0}----- line (is the file cut short?)",
                block.label
            ),
        ));
    }
    Ok(blocks)
}

fn marker<'a>(line: &'a str, word: &str) -> Option<&'a str> {
    line.strip_prefix("-----")?
        .strip_prefix(word)?
        .strip_prefix(' ')?
        .strip_suffix("-----")
        .map(str::trim)
}

fn decode_block(label: &str, line: usize, body: &str, encrypted: bool) -> Result<Block, LoadProblem> {
    let mut block = Block {
        label: label.to_owned(),
        line,
        kind: None,
        der: Vec::new(),
        encrypted,
    };
    if encrypted {
        return Ok(block);
    }
    let normalized = format!("-----BEGIN {label}-----\n{body}-----END {label}-----\n");
    match <(SectionKind, Vec<u8>)>::from_pem_slice(normalized.as_bytes()) {
        Ok((kind, der)) => {
            block.kind = Some(kind);
            block.der = der;
            Ok(block)
        }
        // A label rustls-pki-types does not handle (PKCS7, CMS, NEW CERTIFICATE REQUEST, ...): decoded
        // here, for inspect; the loaders go by `kind` and skip it.
        Err(pem::Error::NoItemsFound) => {
            use base64::Engine as _;
            let compact: String = body.split_whitespace().collect();
            block.der = base64::engine::general_purpose::STANDARD
                .decode(compact)
                .unwrap_or_default();
            Ok(block)
        }
        Err(err) => Err(LoadProblem::BrokenPem {
            line,
            detail: format!("the base64 inside -----BEGIN {label}----- is corrupt ({err})"),
        }),
    }
}

/// "2 CERTIFICATE blocks and 1 PRIVATE KEY block", from the labels of a file's blocks in order.
pub(crate) fn summarize<'a>(labels: impl Iterator<Item = &'a str>) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for label in labels {
        match counts.iter_mut().find(|(l, _)| *l == label) {
            Some((_, n)) => *n += 1,
            None => counts.push((label, 1)),
        }
    }
    let mut out = String::new();
    for (i, (label, n)) in counts.iter().enumerate() {
        if i > 0 {
            out.push_str(if i + 1 == counts.len() { " and " } else { ", " });
        }
        let _ = write!(out, "{n} {label} block{}", if *n == 1 { "" } else { "s" });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The library reads files by their names: `-` is a file named `-` (here, one that is not there),
    /// never the process's standard input, which is the programs' to read (tls_echo_cli::input).
    #[test]
    fn a_dash_is_a_file_name() {
        let dir = tempfile::tempdir().expect("a folder");
        let missing = dir.path().join("-");
        match load_cert_chain(&missing) {
            Err(Error::Load {
                path,
                problem: LoadProblem::Read(err),
                ..
            }) => assert_eq!((path, err.kind()), (missing.clone(), std::io::ErrorKind::NotFound)),
            other => panic!("{other:?}"),
        }
        std::fs::write(&missing, "not a certificate").expect("a file named -");
        assert!(matches!(
            load_cert_chain(&missing),
            Err(Error::Load {
                problem: LoadProblem::NotPemOrDer { .. },
                ..
            })
        ));
    }

    #[test]
    fn summary_counts_labels_in_order() {
        let labels = ["CERTIFICATE", "PRIVATE KEY", "CERTIFICATE", "X509 CRL"];
        assert_eq!(
            summarize(labels.into_iter()),
            "2 CERTIFICATE blocks, 1 PRIVATE KEY block and 1 X509 CRL block"
        );
        assert_eq!(summarize(labels[1..2].iter().copied()), "1 PRIVATE KEY block");
    }

    #[test]
    fn markers_are_recognized_with_their_label() {
        assert_eq!(
            marker("-----BEGIN EC PRIVATE KEY-----", "BEGIN"),
            Some("EC PRIVATE KEY")
        );
        assert_eq!(marker("-----END CERTIFICATE-----", "BEGIN"), None);
        assert_eq!(marker("MIIB", "END"), None);
    }

    #[test]
    fn a_block_on_one_line_and_a_bad_base64_character_are_named_at_their_line() {
        let one_line = scan_blocks("-----BEGIN CERTIFICATE-----MIIB-----END CERTIFICATE-----\n").err();
        assert!(
            matches!(&one_line, Some(LoadProblem::BrokenPem { line: 1, detail }) if detail.contains("line breaks lost")),
            "{one_line:?}"
        );
        let bad = scan_blocks("\n-----BEGIN CERTIFICATE-----\nMIIB\nMI!B\n-----END CERTIFICATE-----\n").err();
        assert!(
            matches!(&bad, Some(LoadProblem::BrokenPem { line: 4, detail }) if detail.contains("(line 2) has '!'")),
            "{bad:?}"
        );
    }

    #[test]
    fn missing_end_names_the_begin_line() {
        let err = scan_blocks("junk\n-----BEGIN CERTIFICATE-----\nMIIB\n").err();
        assert!(
            matches!(&err, Some(LoadProblem::BrokenPem { line: 2, detail }) if detail.contains("no -----END CERTIFICATE-----")),
            "{err:?}"
        );
    }
}
