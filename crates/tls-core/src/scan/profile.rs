//! Mozilla's Server Side TLS configurations (`modern`, `intermediate`, `old`), carried as data with
//! the guideline's version and address, and a report's differences from one of them.
//!
//! Version 6.0 (the latest, April 2026) has `modern` and `intermediate`; it dropped `old`, whose last
//! version is 5.8 (the same day: no DHE suites, 2048-bit DH, X25519MLKEM768 first). Each is written
//! here from the guideline's JSON (`ssl-config.mozilla.org/guidelines/`), in IANA names. What a scan
//! cannot see (HSTS, a certificate's lifespan) is not compared.

use serde::Serialize;

use super::{Report, Version};

/// One of Mozilla's configurations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// TLS 1.3 only.
    Modern,
    /// TLS 1.2 and 1.3, forward-secret AEAD suites.
    Intermediate,
    /// TLS 1.0 to 1.3, for the oldest clients.
    Old,
}

/// What a configuration asks of a server.
struct Guideline {
    version: &'static str,
    source: &'static str,
    versions: &'static [Version],
    /// TLS 1.3's suites.
    tls13_suites: &'static [&'static str],
    /// The suites of TLS 1.0 to 1.2.
    suites: &'static [&'static str],
    /// The groups (Mozilla's `tls_curves`, in IANA names).
    groups: &'static [&'static str],
    /// The certificate key types (`EC`, `RSA`).
    key_types: &'static [&'static str],
    /// The curves an EC certificate's key may use.
    key_curves: &'static [&'static str],
    /// The smallest RSA certificate key.
    rsa_bits: Option<usize>,
    /// The smallest DHE prime.
    dh_bits: Option<usize>,
    /// The server must pick by its own order.
    server_order: bool,
    ocsp_staple: bool,
}

const TLS13_SUITES: &[&str] = &[
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
];

const V6: &str = "https://ssl-config.mozilla.org/guidelines/6.0.json";

const MODERN: Guideline = Guideline {
    version: "6.0",
    source: V6,
    versions: &[Version::Tls13],
    tls13_suites: TLS13_SUITES,
    suites: &[],
    groups: &["X25519MLKEM768", "X25519", "secp256r1", "secp384r1"],
    key_types: &["EC"],
    key_curves: &["P-256", "P-384"],
    rsa_bits: None,
    dh_bits: None,
    server_order: false,
    ocsp_staple: true,
};

const INTERMEDIATE: Guideline = Guideline {
    version: "6.0",
    source: V6,
    versions: &[Version::Tls12, Version::Tls13],
    tls13_suites: TLS13_SUITES,
    suites: &[
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    ],
    groups: &["X25519MLKEM768", "X25519", "secp256r1", "secp384r1"],
    key_types: &["EC", "RSA"],
    key_curves: &["P-256", "P-384"],
    rsa_bits: Some(2048),
    dh_bits: Some(2048),
    server_order: false,
    ocsp_staple: true,
};

const OLD: Guideline = Guideline {
    version: "5.8",
    source: "https://ssl-config.mozilla.org/guidelines/5.8.json",
    versions: &[Version::Tls10, Version::Tls11, Version::Tls12, Version::Tls13],
    tls13_suites: TLS13_SUITES,
    suites: &[
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
        "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
        "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
        "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
        "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
        "TLS_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_RSA_WITH_AES_256_GCM_SHA384",
        "TLS_RSA_WITH_AES_128_CBC_SHA256",
        "TLS_RSA_WITH_AES_256_CBC_SHA256",
        "TLS_RSA_WITH_AES_128_CBC_SHA",
        "TLS_RSA_WITH_AES_256_CBC_SHA",
        "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
    ],
    groups: &["X25519MLKEM768", "X25519", "secp256r1", "secp384r1"],
    key_types: &["RSA"],
    key_curves: &["P-256", "P-384"],
    rsa_bits: Some(2048),
    dh_bits: Some(2048),
    server_order: true,
    ocsp_staple: true,
};

impl Profile {
    /// Its name, as `--profile` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Modern => "modern",
            Self::Intermediate => "intermediate",
            Self::Old => "old",
        }
    }

    fn guideline(self) -> &'static Guideline {
        match self {
            Self::Modern => &MODERN,
            Self::Intermediate => &INTERMEDIATE,
            Self::Old => &OLD,
        }
    }
}

/// How a server measures up to a configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Compliance {
    /// The configuration (`modern`, `intermediate`, `old`).
    pub profile: &'static str,
    /// The guideline's version.
    pub version: &'static str,
    /// Where the guideline is published.
    pub source: &'static str,
    /// Each way the server differs from it, in a sentence (none: it complies).
    pub differences: Vec<String>,
}

/// How `report` measures up to `profile`.
pub(super) fn compliance(report: &Report, profile: Profile) -> Compliance {
    let guideline = profile.guideline();
    let mut differences = Vec::new();
    versions(report, guideline, &mut differences);
    suites(report, guideline, &mut differences);
    groups(report, guideline, &mut differences);
    certificates(report, guideline, &mut differences);
    if let Some(least) = guideline.dh_bits {
        for (version, primes) in &report.dh {
            for prime in primes.iter().filter(|prime| prime.bits < least) {
                differences.push(format!(
                    "{version}'s DHE suites use a {}-bit prime; the profile asks for {least} bits at least",
                    prime.bits
                ));
            }
        }
    }
    if guideline.server_order {
        // TLS 1.3's suites are all strong: the guideline's order is for the earlier versions'.
        for (version, order) in report
            .server_order
            .iter()
            .filter(|(version, _)| **version != Version::Tls13.name())
        {
            if *order == Some(false) {
                differences.push(format!(
                    "{version}: the client's order decides; the profile asks for the server's"
                ));
            }
        }
    }
    if guideline.ocsp_staple && report.ocsp_stapled == Some(false) {
        differences.push("no OCSP response is stapled; the profile asks for one".to_owned());
    }
    Compliance {
        profile: profile.name(),
        version: guideline.version,
        source: guideline.source,
        differences,
    }
}

fn versions(report: &Report, guideline: &Guideline, differences: &mut Vec<String>) {
    let allowed: Vec<&str> = guideline.versions.iter().map(|version| version.name()).collect();
    for version in Version::ALL {
        let accepted = report.protocols.get(version.name()).copied().flatten();
        let asked = guideline.versions.contains(&version);
        match accepted {
            Some(true) if !asked => differences.push(format!(
                "{} is accepted; the profile allows only {}",
                version.name(),
                allowed.join(", ")
            )),
            Some(false) if asked => differences.push(format!(
                "{} is not accepted, and the profile asks for it",
                version.name()
            )),
            None if asked => differences.push(format!(
                "{} could not be asked, and the profile asks for it",
                version.name()
            )),
            _ => {}
        }
    }
}

fn suites(report: &Report, guideline: &Guideline, differences: &mut Vec<String>) {
    // A version it does not allow is one difference, not one per suite.
    let allowed_version = |name: &str| guideline.versions.iter().any(|version| version.name() == name);
    for (version, suites) in report
        .cipher_suites
        .iter()
        .filter(|(version, _)| allowed_version(version))
    {
        let allowed = if *version == Version::Tls13.name() {
            guideline.tls13_suites
        } else {
            guideline.suites
        };
        let outside: Vec<&str> = suites
            .iter()
            .map(|suite| suite.name.as_str())
            .filter(|name| !allowed.contains(name))
            .collect();
        if !outside.is_empty() {
            differences.push(format!(
                "{version} accepts suites the profile does not list: {}",
                outside.join(", ")
            ));
        }
    }
}

fn groups(report: &Report, guideline: &Guideline, differences: &mut Vec<String>) {
    let allowed_version = |name: &str| guideline.versions.iter().any(|version| version.name() == name);
    for (version, groups) in report.groups.iter().filter(|(version, _)| allowed_version(version)) {
        let outside: Vec<&str> = groups
            .iter()
            .map(|group| group.name.as_str())
            .filter(|name| !guideline.groups.contains(name) && !name.starts_with("ffdhe"))
            .collect();
        if !outside.is_empty() {
            differences.push(format!(
                "{version} takes groups the profile does not list: {}",
                outside.join(", ")
            ));
        }
    }
    if let Some(taken) = report.groups.get(Version::Tls13.name()) {
        let missing: Vec<&str> = guideline
            .groups
            .iter()
            .copied()
            .filter(|name| !taken.iter().any(|group| group.name == *name))
            .collect();
        if !missing.is_empty() {
            differences.push(format!(
                "TLSv1.3 does not take groups the profile lists: {}",
                missing.join(", ")
            ));
        }
    }
}

fn certificates(report: &Report, guideline: &Guideline, differences: &mut Vec<String>) {
    let leaves = report
        .certificates
        .first()
        .into_iter()
        .chain(report.more_chains.iter().filter_map(|chain| chain.certificates.first()));
    for leaf in leaves {
        let kind = leaf.key.split_whitespace().next().unwrap_or_default();
        if !guideline.key_types.contains(&kind) {
            differences.push(format!(
                "the certificate {}'s key is {}; the profile asks for {}",
                leaf.subject,
                leaf.key,
                guideline.key_types.join(" or ")
            ));
            continue;
        }
        if kind == "EC" && !guideline.key_curves.iter().any(|curve| leaf.key.ends_with(curve)) {
            differences.push(format!(
                "the certificate {}'s key is {}; the profile asks for {}",
                leaf.subject,
                leaf.key,
                guideline.key_curves.join(" or ")
            ));
        }
        let bits = leaf
            .key
            .strip_prefix("RSA ")
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|bits| bits.parse::<usize>().ok());
        if let (Some(bits), Some(least)) = (bits, guideline.rsa_bits) {
            if bits < least {
                differences.push(format!(
                    "the certificate {} has an RSA key of {bits} bits; the profile asks for {least} at least",
                    leaf.subject
                ));
            }
        }
    }
}
