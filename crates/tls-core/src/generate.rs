//! Making certificates with rcgen: a demo CA, server and client leaves, and certificates broken on
//! purpose (expired, wrong names) for tests and demonstrations.

use std::borrow::Cow;
use std::path::Path;
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use time::OffsetDateTime;

use crate::error::{Error, Result};
use crate::identity::Identity;
use crate::remedy::Remedy;

/// Leaf lifetime by default: 825 days, the most macOS and iOS accept for a TLS server certificate.
pub const LEAF_DAYS: u64 = 825;
/// CA lifetime by default: ten years.
pub const CA_DAYS: u64 = 3650;

/// The names a server on this machine answers to: IPv4 and IPv6 loopback, and `localhost`.
pub const LOCAL_NAMES: [&str; 3] = ["127.0.0.1", "::1", "localhost"];

/// The kind of key to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyType {
    /// ECDSA on P-256 with SHA-256: small, fast, accepted everywhere. The default.
    #[default]
    EcdsaP256,
    /// ECDSA on P-384 with SHA-384.
    EcdsaP384,
    /// Ed25519 (not accepted by all browsers for TLS).
    Ed25519,
    /// RSA, 2048-bit modulus, SHA-256.
    Rsa2048,
    /// RSA, 3072-bit modulus, SHA-256.
    Rsa3072,
    /// RSA, 4096-bit modulus, SHA-256.
    Rsa4096,
}

impl KeyType {
    /// Every key type with its command-line name.
    pub const ALL: [(Self, &'static str); 6] = [
        (Self::EcdsaP256, "ecdsa-p256"),
        (Self::EcdsaP384, "ecdsa-p384"),
        (Self::Ed25519, "ed25519"),
        (Self::Rsa2048, "rsa2048"),
        (Self::Rsa3072, "rsa3072"),
        (Self::Rsa4096, "rsa4096"),
    ];

    /// The command-line name, such as `ecdsa-p256`.
    pub fn name(self) -> &'static str {
        Self::ALL.iter().find(|(t, _)| *t == self).map_or("?", |(_, n)| n)
    }

    fn generate(self) -> Result<KeyPair> {
        let rsa = |size| KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, size);
        match self {
            Self::EcdsaP256 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256),
            Self::EcdsaP384 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384),
            Self::Ed25519 => KeyPair::generate_for(&rcgen::PKCS_ED25519),
            Self::Rsa2048 => rsa(rcgen::RsaKeySize::_2048),
            Self::Rsa3072 => rsa(rcgen::RsaKeySize::_3072),
            Self::Rsa4096 => rsa(rcgen::RsaKeySize::_4096),
        }
        .map_err(generate_error("a key"))
    }
}

impl std::str::FromStr for KeyType {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Self, String> {
        Self::ALL
            .iter()
            .find(|(_, n)| *n == text)
            .map(|(t, _)| *t)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|(_, n)| *n).collect();
                format!("unknown key type {text:?}; choose one of {}", names.join(", "))
            })
    }
}

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
            .field("subject", &crate::x509::subject(&self.cert))
            .finish_non_exhaustive()
    }
}

impl Issued {
    /// The certificate (alone, as a one-element chain) and key, ready for [`crate::config`].
    pub fn identity(&self) -> Identity {
        Identity::new(vec![self.cert.clone()], self.key.clone_key())
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

/// The longest validity made, in days (100 years); longer requests are cut to it (dates past the year
/// 9999 cannot even be written in a certificate).
pub const MAX_DAYS: u64 = 36_500;

impl Validity {
    /// `days` long (at most [`MAX_DAYS`]), starting an hour ago (some clocks run behind), so the whole
    /// validity is exactly `days` (825 is the most macOS, iOS and testssl accept for a leaf).
    pub fn days_from_now(days: u64) -> Self {
        let days = days.min(MAX_DAYS);
        let start = OffsetDateTime::now_utc() - Duration::from_secs(3600);
        Self {
            not_before: start,
            not_after: start + Duration::from_secs(days * 86_400),
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
    /// The certificates above it, as its file gave them (an intermediate's issuers, maybe its root)
    /// or as it was made: empty for a root.
    pub issuers: Vec<CertificateDer<'static>>,
    /// Where it publishes revocation, written into each certificate it signs from now on.
    pub published: Published,
}

impl CertificateAuthority {
    /// Refuses, before anything is signed, what this CA's own certificate forbids and every client
    /// would refuse: a name outside its name constraints (`sans`, the names asked for), or a CA below a
    /// CA whose pathLenConstraint is 0 (`ca_below`).
    ///
    /// # Errors
    /// [`Error::BadRequest`] naming the CA, what it allows and what was asked.
    pub(crate) fn may_certify(&self, sans: &[rcgen::SanType], ca_below: bool) -> Result<()> {
        let Ok((_, cert)) = x509_parser::parse_x509_certificate(&self.issued.cert) else {
            return Ok(());
        };
        let me = crate::x509::subject(&self.issued.cert);
        let path_len = cert
            .basic_constraints()
            .ok()
            .flatten()
            .and_then(|bc| bc.value.path_len_constraint);
        if ca_below && path_len == Some(0) {
            return Err(Error::BadRequest {
                problem: format!("the CA {me} may sign no CA below it (its pathLenConstraint is 0)"),
                remedy: None,
            });
        }
        let Some(constraints) = cert.name_constraints().ok().flatten() else {
            return Ok(());
        };
        let permitted = constraints.value.permitted_subtrees.as_deref().unwrap_or_default();
        let excluded = constraints.value.excluded_subtrees.as_deref().unwrap_or_default();
        for san in sans {
            let (name, kind_of): (String, fn(&x509_parser::extensions::GeneralName<'_>) -> bool) = match san {
                rcgen::SanType::DnsName(dns) => (dns.as_str().to_ascii_lowercase(), |g| {
                    matches!(g, x509_parser::extensions::GeneralName::DNSName(_))
                }),
                rcgen::SanType::IpAddress(ip) => (ip.to_string(), |g| {
                    matches!(g, x509_parser::extensions::GeneralName::IPAddress(_))
                }),
                _ => continue,
            };
            let within = |subtree: &x509_parser::extensions::GeneralSubtree<'_>| subtree_holds(&subtree.base, san);
            let typed: Vec<_> = permitted.iter().filter(|subtree| kind_of(&subtree.base)).collect();
            let outside = !typed.is_empty() && !typed.iter().any(|subtree| within(subtree));
            if outside || excluded.iter().any(within) {
                let allowed: Vec<String> = permitted.iter().map(|subtree| subtree_words(&subtree.base)).collect();
                return Err(Error::BadRequest {
                    problem: format!(
                        "the CA {me} may not certify {name}: its name constraints permit only {}, and every client would refuse the certificate",
                        allowed.join(", ")
                    ),
                    remedy: Some(Remedy::NameTheCaAllows),
                });
            }
        }
        Ok(())
    }
}

/// A permitted subtree as `--permit` takes it: `DNS example.test and every name below it`, `IP 10.0.0.0/8`.
fn subtree_words(base: &x509_parser::extensions::GeneralName<'_>) -> String {
    use x509_parser::extensions::GeneralName;
    match base {
        GeneralName::DNSName(domain) => format!("DNS {domain} and every name below it"),
        GeneralName::IPAddress(range) => {
            let (net, mask) = range.split_at(range.len() / 2);
            let prefix: u32 = mask.iter().map(|byte| byte.count_ones()).sum();
            match crate::x509::ip_from_bytes(net) {
                Some(ip) => format!("IP {ip}/{prefix}"),
                None => "an IP range".to_owned(),
            }
        }
        other => format!("{other}"),
    }
}

/// Whether the subtree `base` holds `san` (a DNS name in or below its domain, an address in its range).
fn subtree_holds(base: &x509_parser::extensions::GeneralName<'_>, san: &rcgen::SanType) -> bool {
    use x509_parser::extensions::GeneralName;
    match (base, san) {
        (GeneralName::DNSName(domain), rcgen::SanType::DnsName(dns)) => {
            let (name, domain) = (
                dns.as_str().to_ascii_lowercase(),
                domain.trim_start_matches('.').to_ascii_lowercase(),
            );
            domain.is_empty() || name == domain || name.ends_with(&format!(".{domain}"))
        }
        (GeneralName::IPAddress(range), rcgen::SanType::IpAddress(ip)) => {
            let address = match ip {
                std::net::IpAddr::V4(v4) => v4.octets().to_vec(),
                std::net::IpAddr::V6(v6) => v6.octets().to_vec(),
            };
            let (net, mask) = range.split_at(range.len() / 2);
            net.len() == address.len() && address.iter().zip(net).zip(mask).all(|((a, n), m)| a & m == n & m)
        }
        _ => false,
    }
}

/// A name an intermediate CA may certify: a DNS domain and every name below it, or a range of IP
/// addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Permitted {
    /// `example.test`: it and `*.example.test`, `a.b.example.test`, ...
    Domain(String),
    /// `10.0.0.0/8`; one address is `/32` (`/128`).
    Range {
        /// The range's first address.
        address: std::net::IpAddr,
        /// How many leading bits are fixed.
        prefix: u8,
    },
}

impl Permitted {
    fn subtree(&self) -> rcgen::GeneralSubtree {
        match self {
            Self::Domain(domain) => rcgen::GeneralSubtree::DnsName(domain.clone()),
            Self::Range { address, prefix } => {
                rcgen::GeneralSubtree::IpAddress(rcgen::CidrSubnet::from_addr_prefix(*address, *prefix))
            }
        }
    }
}

impl std::str::FromStr for Permitted {
    type Err = String;

    /// A domain (`example.test`), an address (`10.0.0.1`) or a range (`10.0.0.0/8`, `fd00::/8`).
    fn from_str(text: &str) -> std::result::Result<Self, String> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        if let Ok(address) = address.parse::<std::net::IpAddr>() {
            let most = if address.is_ipv4() { 32 } else { 128 };
            let prefix = match prefix {
                None => most,
                Some(prefix) => prefix
                    .parse::<u8>()
                    .ok()
                    .filter(|prefix| *prefix <= most)
                    .ok_or_else(|| format!("{text:?}: the prefix after / is a number from 0 to {most}"))?,
            };
            let bits = match address {
                std::net::IpAddr::V4(v4) => u128::from(u32::from(v4)) << 96,
                std::net::IpAddr::V6(v6) => u128::from(v6),
            };
            if prefix < most && bits << prefix != 0 {
                return Err(format!(
                    "{text:?} has address bits set past its /{prefix}: give the range's first address"
                ));
            }
            return Ok(Self::Range { address, prefix });
        }
        let domain = text.trim_start_matches('.').to_ascii_lowercase();
        let valid = prefix.is_none()
            && !domain.is_empty()
            && !domain.contains('*')
            && !domain.ends_with('.')
            && matches!(
                rustls_pki_types::ServerName::try_from(domain.as_str()),
                Ok(rustls_pki_types::ServerName::DnsName(_))
            );
        if valid {
            Ok(Self::Domain(domain))
        } else {
            Err(format!(
                "{text:?} is neither a domain (example.test: it and every name below it), an IP address, nor a range (10.0.0.0/8)"
            ))
        }
    }
}

impl std::fmt::Display for Permitted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Domain(domain) => write!(f, "DNS {domain} and every name below it"),
            Self::Range { address, prefix } => write!(f, "IP {address}/{prefix}"),
        }
    }
}

/// Where a CA publishes whether its certificates are revoked: each certificate it signs carries
/// these, so clients (and testssl.sh) find them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Published {
    /// Its OCSP responder (authority information access), `http://...`.
    pub ocsp_url: Option<String>,
    /// Its CRL (CRL distribution points), `http://...`.
    pub crl_url: Option<String>,
}

impl Published {
    /// Writes them into `params`.
    pub(crate) fn write_into(&self, params: &mut CertificateParams) {
        if let Some(url) = &self.crl_url {
            params.crl_distribution_points = vec![rcgen::CrlDistributionPoint {
                uris: vec![url.clone()],
            }];
        }
        if let Some(url) = &self.ocsp_url {
            // AuthorityInfoAccessSyntax: one AccessDescription, id-ad-ocsp and a URI ([6] IA5String).
            let ocsp = crate::x509::der_element(0x06, &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01]);
            let uri = crate::x509::der_element(0x86, url.as_bytes());
            let access = crate::x509::der_element(0x30, &[ocsp, uri].concat());
            let content = crate::x509::der_element(0x30, &access);
            params.custom_extensions.push(rcgen::CustomExtension::from_oid_content(
                &[1, 3, 6, 1, 5, 5, 7, 1, 1],
                content,
            ));
        }
    }
}

impl std::fmt::Debug for CertificateAuthority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertificateAuthority")
            .field("issued", &self.issued)
            .finish_non_exhaustive()
    }
}

fn generate_error(step: &'static str) -> impl Fn(rcgen::Error) -> Error {
    move |cause| Error::Generate {
        step,
        cause: Box::new(cause),
    }
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
    /// An existing CA from its certificate and private key files, to sign new leaves with.
    ///
    /// # Errors
    /// The loaders' errors naming the file, [`Error::KeyMismatch`], [`Error::NotACa`] when the
    /// certificate lacks CA:TRUE, or [`Error::Generate`] when rcgen cannot use the key.
    pub fn load(cert_path: &Path, key_path: &Path) -> Result<Self> {
        let identity = crate::pem::load_identity(cert_path, key_path)?;
        let cert = identity.chain[0].clone();
        let info = crate::inspect::inspect(&cert, crate::inspect::Position::Issuer).map_err(|err| Error::Load {
            what: crate::error::Material::CertificateChain,
            path: cert_path.to_owned(),
            problem: crate::error::LoadProblem::BadCertificate {
                index: 1,
                line: 1,
                detail: err.to_string(),
            },
        })?;
        if !info.is_ca {
            return Err(Error::NotACa {
                path: cert_path.to_owned(),
                subject: info.subject,
                issuer: info.issuer,
            });
        }
        let key = KeyPair::try_from(&identity.key).map_err(generate_error("a signing key from the CA key file"))?;
        let key_pem = key.serialize_pem();
        let issuer =
            Issuer::from_ca_cert_der(&cert, key).map_err(generate_error("an issuer from the CA certificate"))?;
        Ok(Self {
            issuer,
            issued: Issued {
                cert_pem: crate::pem::certificate_pem(&cert),
                cert,
                key: identity.key,
                key_pem,
            },
            issuers: identity.chain[1..].to_vec(),
            published: Published::default(),
        })
    }

    /// A new self-signed CA (CA:TRUE, keyCertSign, cRLSign) with an ECDSA P-256 key.
    ///
    /// # Errors
    /// [`Error::Generate`] when rcgen fails.
    pub fn new(common_name: &str, validity: Validity) -> Result<Self> {
        Self::with_key_type(common_name, validity, KeyType::default())
    }

    /// As [`CertificateAuthority::new`], with a key of `key_type`.
    ///
    /// # Errors
    /// [`Error::Generate`] when rcgen fails.
    pub fn with_key_type(common_name: &str, validity: Validity, key_type: KeyType) -> Result<Self> {
        let params = ca_params(common_name, validity);
        let key = key_type.generate()?;
        let cert = params.self_signed(&key).map_err(generate_error("the CA certificate"))?;
        let issued = issued(&cert, &key);
        Ok(Self {
            issuer: Issuer::new(params, key),
            issued,
            issuers: Vec::new(),
            published: Published::default(),
        })
    }

    /// A leaf's validity of `days` from now, ended with the CA's when the two end within a day of each
    /// other (a CA and its leaves made together).
    ///
    /// # Errors
    /// [`Error::BadRequest`] when the leaf would outlive the CA by more, with the most days that fit.
    pub fn within_its_dates(&self, days: u64) -> Result<Validity> {
        let mut validity = Validity::days_from_now(days);
        let ca_end = x509_parser::parse_x509_certificate(&self.issued.cert)
            .ok()
            .and_then(|(_, cert)| OffsetDateTime::from_unix_timestamp(cert.validity().not_after.timestamp()).ok());
        if let Some(ca_end) = ca_end.filter(|end| validity.not_after > *end) {
            // Within a day (a CA and its leaves made together, with the same number of days): end with
            // the CA. Beyond that the request asks for a certificate that outlives its CA.
            if validity.not_after - ca_end > Duration::from_secs(86_400) {
                let most = (ca_end - OffsetDateTime::now_utc()).whole_days().max(0);
                return Err(Error::BadRequest {
                    problem: format!(
                        "certificates valid for {} would outlive their CA, which expires on {}, and clients refuse them once it has",
                        days_text(days),
                        crate::x509::unix_to_rfc3339(ca_end.unix_timestamp())
                    ),
                    remedy: Some(Remedy::FitTheCa {
                        days: u64::try_from(most).unwrap_or(0),
                        ca_days: None,
                    }),
                });
            }
            validity.not_after = ca_end;
        }
        Ok(validity)
    }

    /// What rcgen signs with.
    pub(crate) fn issuer(&self) -> &Issuer<'static, KeyPair> {
        &self.issuer
    }

    /// Whether it is a root: it signed its own certificate.
    pub fn is_root(&self) -> bool {
        crate::x509::issued(&self.issued.cert, &self.issued.cert)
    }

    /// What a server or client it signs must send after its own certificate for clients to build the
    /// chain: nothing when it is a root; else its own certificate and those above it but the root
    /// (clients hold the root already, and a root sent is ignored).
    pub fn chain_to_send(&self) -> Vec<CertificateDer<'static>> {
        if self.is_root() {
            return Vec::new();
        }
        std::iter::once(&self.issued.cert)
            .chain(self.issuers.iter().filter(|cert| !crate::x509::issued(cert, cert)))
            .cloned()
            .collect()
    }

    /// The root it chains to, when its file holds it.
    pub fn root(&self) -> Option<&CertificateDer<'static>> {
        std::iter::once(&self.issued.cert)
            .chain(&self.issuers)
            .find(|cert| crate::x509::issued(cert, cert))
    }

    /// A new intermediate CA signed by this one. Servers whose certificate it signs must send it after
    /// their own certificate: `vec![leaf.cert, intermediate.issued.cert]`.
    ///
    /// # Errors
    /// [`Error::Generate`] when rcgen fails.
    pub fn intermediate(&self, common_name: &str, validity: Validity) -> Result<Self> {
        self.constrained_intermediate(common_name, validity, &[], KeyType::default())
    }

    /// As [`CertificateAuthority::intermediate`], with a key of `key_type`; with `permitted` names,
    /// it may certify those alone (critical name constraints), and no CA below it (pathLenConstraint 0).
    ///
    /// # Errors
    /// [`Error::Generate`] when rcgen fails.
    pub fn constrained_intermediate(
        &self,
        common_name: &str,
        validity: Validity,
        permitted: &[Permitted],
        key_type: KeyType,
    ) -> Result<Self> {
        self.may_certify(&[], true)?;
        let mut params = ca_params(common_name, validity);
        params.use_authority_key_identifier_extension = true;
        if !permitted.is_empty() {
            params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
            params.name_constraints = Some(rcgen::NameConstraints {
                permitted_subtrees: permitted.iter().map(Permitted::subtree).collect(),
                excluded_subtrees: Vec::new(),
            });
        }
        let key = key_type.generate()?;
        let cert = params
            .signed_by(&key, &self.issuer)
            .map_err(generate_error("the intermediate CA certificate"))?;
        let issued = issued(&cert, &key);
        let issuers = std::iter::once(self.issued.cert.clone())
            .chain(self.issuers.iter().cloned())
            .collect();
        Ok(Self {
            issuer: Issuer::new(params, key),
            issued,
            issuers,
            published: self.published.clone(),
        })
    }

    /// Signs a new leaf certificate with an ECDSA P-256 key for `names`: IP addresses become IP
    /// SANs, the rest DNS SANs; its common name is the first name. A client certificate whose name is not
    /// a DNS name (`Alice Smith`) gets it as common name only.
    ///
    /// # Errors
    /// [`Error::Generate`] when a name is not a valid DNS name or rcgen fails.
    pub fn issue(&self, names: &[&str], usage: Usage, validity: Validity) -> Result<Issued> {
        self.issue_with_key_type(names, usage, validity, KeyType::default())
    }

    /// As [`CertificateAuthority::issue`], with a key of `key_type`.
    ///
    /// # Errors
    /// [`Error::Generate`] when a name is not a valid DNS name or rcgen fails.
    pub fn issue_with_key_type(
        &self,
        names: &[&str],
        usage: Usage,
        validity: Validity,
        key_type: KeyType,
    ) -> Result<Issued> {
        let params = leaf_params(names, usage, validity)?;
        self.may_certify(&params.subject_alt_names, false)?;
        self.sign_leaf(params, key_type)
    }

    /// As [`CertificateAuthority::issue_with_key_type`], with `adjust` changing the certificate before
    /// it is signed, and without refusing what this CA's constraints forbid: the gallery breaks
    /// certificates on purpose.
    #[cfg_attr(not(feature = "page"), allow(dead_code))]
    pub(crate) fn issue_adjusted(
        &self,
        names: &[&str],
        (usage, validity, key_type): (Usage, Validity, KeyType),
        adjust: impl FnOnce(&mut CertificateParams),
    ) -> Result<Issued> {
        let mut params = leaf_params(names, usage, validity)?;
        adjust(&mut params);
        self.sign_leaf(params, key_type)
    }

    fn sign_leaf(&self, mut params: CertificateParams, key_type: KeyType) -> Result<Issued> {
        self.published.write_into(&mut params);
        let key = key_type.generate()?;
        let cert = params
            .signed_by(&key, &self.issuer)
            .map_err(generate_error("the leaf certificate"))?;
        Ok(issued(&cert, &key))
    }

    /// A CA certificate (CA:TRUE) that also names servers and has serverAuth, signed by this CA: the
    /// mistake of using a CA as a server's own certificate, which TLS clients refuse.
    ///
    /// # Errors
    /// [`Error::Generate`] when a name is invalid or rcgen fails.
    pub fn issue_ca_as_leaf(&self, names: &[&str], validity: Validity) -> Result<Issued> {
        let mut params = ca_params(names.first().copied().unwrap_or("ca-as-leaf"), validity);
        params.subject_alt_names = CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())
            .map_err(generate_error("the subject alternative names"))?
            .subject_alt_names;
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        let key = KeyType::default().generate()?;
        let cert = params
            .signed_by(&key, &self.issuer)
            .map_err(generate_error("the CA-as-leaf certificate"))?;
        Ok(issued(&cert, &key))
    }
}

/// A self-signed server certificate for `names` (CA:FALSE, serverAuth): no CA vouches for it.
///
/// # Errors
/// [`Error::Generate`] when a name is invalid or rcgen fails.
pub fn self_signed_leaf(names: &[&str], validity: Validity) -> Result<Issued> {
    let params = leaf_params(names, Usage::Server, validity)?;
    let key = KeyType::default().generate()?;
    let cert = params
        .self_signed(&key)
        .map_err(generate_error("the self-signed certificate"))?;
    Ok(issued(&cert, &key))
}

fn leaf_params(names: &[&str], usage: Usage, validity: Validity) -> Result<CertificateParams> {
    let sans: Vec<String> = names
        .iter()
        .filter(|n| usage == Usage::Server || rustls_pki_types::ServerName::try_from(**n).is_ok())
        .map(|n| (*n).to_owned())
        .collect();
    let mut params = CertificateParams::new(sans).map_err(generate_error("the subject alternative names"))?;
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
    Ok(params)
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

/// `1 day`, `825 days`.
fn days_text(days: u64) -> String {
    if days == 1 {
        "1 day".into()
    } else {
        format!("{days} days")
    }
}

/// What [`Pki::new`] makes: names, key type and lifetimes.
#[derive(Debug, Clone)]
pub struct PkiRequest {
    /// The server certificate's names (IPs become IP SANs); the first is also its common name.
    pub names: Vec<String>,
    /// Key type for every new key.
    pub key_type: KeyType,
    /// Lifetime of the leaves, in days.
    pub leaf_days: u64,
    /// Lifetime of a new CA, in days.
    pub ca_days: u64,
    /// Common name of a new CA.
    pub ca_name: String,
    /// A client certificate (clientAuth) for each name, written as `NAME.pem` and `NAME.key`.
    pub clients: Vec<String>,
    /// Whether to make a server certificate (off to add only client certificates to a PKI).
    pub server: bool,
    /// Where the CA publishes revocation, written into the certificates made.
    pub published: Published,
}

impl Default for PkiRequest {
    /// A test PKI for this machine: a server certificate for 127.0.0.1, ::1 and localhost; ECDSA
    /// P-256; 825 and 3650 days; a CA named `Local test CA`; no client certificate.
    fn default() -> Self {
        Self {
            names: LOCAL_NAMES.iter().map(|n| (*n).to_owned()).collect(),
            key_type: KeyType::default(),
            leaf_days: LEAF_DAYS,
            ca_days: CA_DAYS,
            ca_name: "Local test CA".to_owned(),
            clients: Vec::new(),
            server: true,
            published: Published::default(),
        }
    }
}

/// A CA, a server certificate it signed, and client certificates it signed.
#[derive(Debug)]
pub struct Pki {
    /// The CA.
    pub ca: CertificateAuthority,
    /// Whether the CA was made here (and so is written out) or loaded.
    pub ca_is_new: bool,
    /// The server certificate, unless the request asked for none.
    pub server: Option<Issued>,
    /// Client certificates by name.
    pub clients: Vec<(String, Issued)>,
}

impl Pki {
    /// Makes a new CA and the certificates `request` asks for.
    ///
    /// # Errors
    /// [`Error::Generate`] when a name is invalid or rcgen fails.
    pub fn new(request: &PkiRequest) -> Result<Self> {
        if request.ca_days == 0 {
            return Err(Error::BadRequest {
                problem: "a CA valid for 0 days would have expired before it was used".into(),
                remedy: Some(Remedy::CaDaysAtLeast { days: 1 }),
            });
        }
        if request.leaf_days > request.ca_days {
            return Err(Error::BadRequest {
                problem: format!(
                    "certificates valid for {} would outlive their CA, valid for {}, and clients refuse them once the CA expires",
                    days_text(request.leaf_days),
                    days_text(request.ca_days),
                ),
                remedy: Some(Remedy::FitTheCa {
                    days: request.ca_days,
                    ca_days: Some(request.leaf_days),
                }),
            });
        }
        let ca = CertificateAuthority::with_key_type(
            &request.ca_name,
            Validity::days_from_now(request.ca_days),
            request.key_type,
        )?;
        Self::signed_by(ca, true, request)
    }

    /// Makes the certificates `request` asks for, signed by an existing `ca`.
    ///
    /// # Errors
    /// [`Error::Generate`] when a name is invalid or rcgen fails.
    pub fn with_ca(ca: CertificateAuthority, request: &PkiRequest) -> Result<Self> {
        Self::signed_by(ca, false, request)
    }

    fn signed_by(mut ca: CertificateAuthority, ca_is_new: bool, request: &PkiRequest) -> Result<Self> {
        ca.published = request.published.clone();
        if request.leaf_days == 0 {
            return Err(Error::BadRequest {
                problem: "a certificate valid for 0 days would have expired before it was used".into(),
                remedy: Some(Remedy::LeafDaysAtLeast { days: 1 }),
            });
        }
        let validity = ca.within_its_dates(request.leaf_days)?;
        check_client_names(&request.clients)?;
        for name in &request.names {
            if name.ends_with('.') {
                return Err(Error::BadRequest {
                    problem: format!(
                        "{name:?} ends with a dot, and TLS clients match names without it: write {:?}",
                        name.trim_end_matches('.')
                    ),
                    remedy: None,
                });
            }
            // A wildcard covers one label: check the name it stands in front of.
            let checked = name.strip_prefix("*.").unwrap_or(name);
            if rustls_pki_types::ServerName::try_from(checked).is_err() {
                return Err(Error::InvalidServerName(name.clone()));
            }
        }
        let mut names: Vec<&str> = Vec::with_capacity(request.names.len());
        for name in &request.names {
            // The same name twice is one name (DNS names in any case).
            if !names.iter().any(|seen| seen.eq_ignore_ascii_case(name)) {
                names.push(name);
            }
        }
        let server = request
            .server
            .then(|| ca.issue_with_key_type(&names, Usage::Server, validity, request.key_type))
            .transpose()?;
        let clients = request
            .clients
            .iter()
            .map(|name| {
                ca.issue_with_key_type(&[name], Usage::Client, validity, request.key_type)
                    .map(|issued| (name.clone(), issued))
            })
            .collect::<Result<_>>()?;
        Ok(Self {
            ca,
            ca_is_new,
            server,
            clients,
        })
    }

    /// The files of this set, in the order a person reads them: `ca.pem` and `ca.key` (for a new CA),
    /// `server.pem`, `server.key` (when made), and `NAME.pem`, `NAME.key` for each client. A leaf's
    /// file holds its chain when the CA is not a root: the leaf, then the CA's
    /// [`chain_to_send`](CertificateAuthority::chain_to_send). Writing them (and whether to replace
    /// what is there) is the program's decision.
    pub fn files(&self) -> Vec<PkiFile<'_>> {
        let chain: String = self
            .ca
            .chain_to_send()
            .iter()
            .map(crate::pem::certificate_pem)
            .collect();
        let mut parts: Vec<(&str, &Issued)> = Vec::with_capacity(self.clients.len() + 2);
        parts.extend(self.ca_is_new.then_some(("ca", &self.ca.issued)));
        parts.extend(self.server.as_ref().map(|server| ("server", server)));
        parts.extend(self.clients.iter().map(|(name, issued)| (name.as_str(), issued)));
        parts
            .into_iter()
            .flat_map(|(name, issued)| {
                let stem = file_stem(name);
                let leaf = !std::ptr::eq(issued, &self.ca.issued);
                let cert = if leaf && !chain.is_empty() {
                    Cow::Owned(format!("{}{chain}", issued.cert_pem))
                } else {
                    Cow::Borrowed(issued.cert_pem.as_str())
                };
                [
                    PkiFile {
                        name: format!("{stem}.pem"),
                        contents: cert,
                        secret: false,
                    },
                    PkiFile {
                        name: format!("{stem}.key"),
                        contents: Cow::Borrowed(issued.key_pem.as_str()),
                        secret: true,
                    },
                ]
            })
            .collect()
    }
}

/// One file of a [`Pki`]: its name in the output folder and what it holds.
#[derive(Clone)]
pub struct PkiFile<'a> {
    /// `ca.pem`, `server.key`, `NAME.pem`, ...
    pub name: String,
    /// The PEM text.
    pub contents: Cow<'a, str>,
    /// A private key: to be readable by its owner only.
    pub secret: bool,
}

impl std::fmt::Debug for PkiFile<'_> {
    // Never the contents: a key's PEM must not reach a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PkiFile")
            .field("name", &self.name)
            .field("secret", &self.secret)
            .finish_non_exhaustive()
    }
}

/// A client name as a file name: only characters every file system takes.
fn file_stem(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Client names become `NAME.pem` and `NAME.key`: refuses names that would write over the CA's or the
/// server's files, over each other, or as hidden files.
fn check_client_names(clients: &[String]) -> Result<()> {
    let mut stems: Vec<String> = Vec::with_capacity(clients.len());
    for name in clients {
        let stem = file_stem(name);
        let problem = if name.trim().is_empty() {
            Some("a client name cannot be empty".to_owned())
        } else if name.contains(['/', '\\']) {
            Some(format!(
                "a client name cannot hold a path ({name:?}): it names the files NAME.pem and NAME.key in the output folder"
            ))
        } else if stem == "ca" || stem == "server" {
            Some(format!(
                "a client named {name:?} would be written as {stem}.pem and {stem}.key, the {} files: choose another name",
                if stem == "ca" { "CA's" } else { "server's" }
            ))
        } else if stem.starts_with('.') {
            Some(format!(
                "a client named {name:?} would be written as a hidden file: choose a name that starts with a letter"
            ))
        } else if stems.contains(&stem) {
            Some(format!(
                "two clients would be written as {stem}.pem: give each client a different name"
            ))
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(Error::BadRequest { problem, remedy: None });
        }
        stems.push(stem);
    }
    Ok(())
}
