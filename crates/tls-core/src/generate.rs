//! Making certificates with rcgen: a demo CA, server and client leaves, and certificates broken on
//! purpose (expired, wrong names) for tests and demonstrations.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use time::OffsetDateTime;

use crate::error::{Error, Result};
use crate::pem::Identity;

/// Leaf lifetime by default: 825 days, the most macOS and iOS accept for a TLS server certificate.
pub const LEAF_DAYS: u64 = 825;
/// CA lifetime by default: ten years.
pub const CA_DAYS: u64 = 3650;

/// The names the demo server certificate holds.
pub const DEMO_SERVER_NAMES: [&str; 3] = ["127.0.0.1", "::1", "localhost"];

/// A certificate and its private key, as DER and as PEM.
pub struct Issued {
    /// The certificate.
    pub cert: CertificateDer<'static>,
    /// The certificate as PEM.
    pub cert_pem: String,
    /// The private key (PKCS#8).
    pub key: PrivateKeyDer<'static>,
    /// The private key as PEM. Secret: write it with mode 0600, never log it.
    pub key_pem: String,
}

impl std::fmt::Debug for Issued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issued")
            .field("subject", &crate::certinfo::subject(&self.cert))
            .finish_non_exhaustive()
    }
}

impl Issued {
    /// The certificate (alone, as a one-element chain) and key, ready for [`crate::config`].
    pub fn identity(&self) -> Identity {
        Identity {
            chain: vec![self.cert.clone()],
            key: self.key.clone_key(),
        }
    }
}

/// When a certificate is valid.
#[derive(Debug, Clone, Copy)]
pub struct Validity {
    /// Start.
    pub not_before: OffsetDateTime,
    /// End.
    pub not_after: OffsetDateTime,
}

impl Validity {
    /// From an hour ago (some clocks run behind) until `days` from now.
    pub fn days_from_now(days: u64) -> Self {
        let now = OffsetDateTime::now_utc();
        Self {
            not_before: now - Duration::from_secs(3600),
            not_after: now + Duration::from_secs(days * 86_400),
        }
    }

    /// Ended `days` ago (after a year of validity).
    pub fn expired_days_ago(days: u64) -> Self {
        let end = OffsetDateTime::now_utc() - Duration::from_secs(days * 86_400);
        Self {
            not_before: end - Duration::from_secs(365 * 86_400),
            not_after: end,
        }
    }

    /// Starts `days` from now.
    pub fn starting_in_days(days: u64) -> Self {
        let start = OffsetDateTime::now_utc() + Duration::from_secs(days * 86_400);
        Self {
            not_before: start,
            not_after: start + Duration::from_secs(365 * 86_400),
        }
    }
}

/// What a leaf certificate is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    /// A TLS server (extended key usage serverAuth).
    Server,
    /// A TLS client, for mutual TLS (clientAuth).
    Client,
}

/// A certificate authority that can sign leaves.
pub struct CertificateAuthority {
    issuer: Issuer<'static, KeyPair>,
    /// The CA's own certificate and key.
    pub issued: Issued,
}

impl std::fmt::Debug for CertificateAuthority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertificateAuthority")
            .field("issued", &self.issued)
            .finish_non_exhaustive()
    }
}

fn generate_error(step: &'static str) -> impl Fn(rcgen::Error) -> Error {
    move |cause| Error::Generate { step, cause }
}

fn new_key() -> Result<KeyPair> {
    KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(generate_error("an ECDSA P-256 key"))
}

fn issued(cert: &rcgen::Certificate, key: &KeyPair) -> Issued {
    Issued {
        cert: cert.der().clone(),
        cert_pem: cert.pem(),
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        key_pem: key.serialize_pem(),
    }
}

impl CertificateAuthority {
    /// A new self-signed CA (CA:TRUE, keyCertSign, cRLSign) with an ECDSA P-256 key.
    ///
    /// # Errors
    /// [`Error::Generate`] when rcgen fails.
    pub fn new(common_name: &str, validity: Validity) -> Result<Self> {
        let params = ca_params(common_name, validity);
        let key = new_key()?;
        let cert = params.self_signed(&key).map_err(generate_error("the CA certificate"))?;
        let issued = issued(&cert, &key);
        Ok(Self {
            issuer: Issuer::new(params, key),
            issued,
        })
    }

    /// A new intermediate CA signed by this one. Servers whose certificate it signs must send it after
    /// their own certificate: `vec![leaf.cert, intermediate.issued.cert]`.
    ///
    /// # Errors
    /// [`Error::Generate`] when rcgen fails.
    pub fn intermediate(&self, common_name: &str, validity: Validity) -> Result<Self> {
        let mut params = ca_params(common_name, validity);
        params.use_authority_key_identifier_extension = true;
        let key = new_key()?;
        let cert = params
            .signed_by(&key, &self.issuer)
            .map_err(generate_error("the intermediate CA certificate"))?;
        let issued = issued(&cert, &key);
        Ok(Self {
            issuer: Issuer::new(params, key),
            issued,
        })
    }

    /// Signs a new leaf certificate for `names` (IP addresses become IP SANs, the rest DNS SANs); its
    /// common name is the first name.
    ///
    /// # Errors
    /// [`Error::Generate`] when a name is not a valid DNS name or rcgen fails.
    pub fn issue(&self, names: &[&str], usage: Usage, validity: Validity) -> Result<Issued> {
        let mut params = CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())
            .map_err(generate_error("the subject alternative names"))?;
        if let Some(first) = names.first() {
            params.distinguished_name.push(DnType::CommonName, *first);
        }
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![match usage {
            Usage::Server => ExtendedKeyUsagePurpose::ServerAuth,
            Usage::Client => ExtendedKeyUsagePurpose::ClientAuth,
        }];
        params.use_authority_key_identifier_extension = true;
        params.not_before = validity.not_before;
        params.not_after = validity.not_after;
        let key = new_key()?;
        let cert = params
            .signed_by(&key, &self.issuer)
            .map_err(generate_error("the leaf certificate"))?;
        Ok(issued(&cert, &key))
    }
}

fn ca_params(common_name: &str, validity: Validity) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name.push(DnType::CommonName, common_name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.not_before = validity.not_before;
    params.not_after = validity.not_after;
    params
}

/// The demo PKI of `certs/`: a CA, a server certificate for 127.0.0.1, ::1 and localhost, and a client
/// certificate for mutual TLS.
#[derive(Debug)]
pub struct DemoPki {
    /// The CA.
    pub ca: CertificateAuthority,
    /// The server's certificate, signed by the CA.
    pub server: Issued,
    /// A client certificate, signed by the CA.
    pub client: Issued,
}

impl DemoPki {
    /// Makes a new demo PKI with the default lifetimes.
    ///
    /// # Errors
    /// [`Error::Generate`] when rcgen fails.
    pub fn new() -> Result<Self> {
        let ca = CertificateAuthority::new("tls-echo demo CA", Validity::days_from_now(CA_DAYS))?;
        let server = ca.issue(&DEMO_SERVER_NAMES, Usage::Server, Validity::days_from_now(LEAF_DAYS))?;
        let client = ca.issue(
            &["tls-echo demo client"],
            Usage::Client,
            Validity::days_from_now(LEAF_DAYS),
        )?;
        Ok(Self { ca, server, client })
    }

    /// Writes `ca.pem`, `ca.key`, `server.pem`, `server.key`, `client.pem`, `client.key` into `dir`;
    /// keys get mode 0600. Refuses to replace existing files unless `force`.
    ///
    /// # Errors
    /// [`Error::Exists`] or [`Error::Write`] naming the file.
    pub fn write(&self, dir: &Path, force: bool) -> Result<Vec<PathBuf>> {
        let files = [
            ("ca.pem", &self.ca.issued.cert_pem, false),
            ("ca.key", &self.ca.issued.key_pem, true),
            ("server.pem", &self.server.cert_pem, false),
            ("server.key", &self.server.key_pem, true),
            ("client.pem", &self.client.cert_pem, false),
            ("client.key", &self.client.key_pem, true),
        ];
        if !force {
            if let Some((name, ..)) = files.iter().find(|(name, ..)| dir.join(name).exists()) {
                return Err(Error::Exists { path: dir.join(name) });
            }
        }
        std::fs::create_dir_all(dir).map_err(|cause| Error::Write {
            path: dir.to_owned(),
            cause,
        })?;
        files
            .iter()
            .map(|(name, contents, secret)| {
                let path = dir.join(name);
                write_file(&path, contents.as_bytes(), *secret).map(|()| path)
            })
            .collect()
    }
}

/// Writes `contents` to `path`, with mode 0600 when `secret` (set at creation, so the key is never
/// readable by others, not even for a moment).
///
/// # Errors
/// [`Error::Write`] naming the file.
pub fn write_file(path: &Path, contents: &[u8], secret: bool) -> Result<()> {
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
