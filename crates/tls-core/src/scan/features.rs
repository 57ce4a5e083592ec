//! What TLS 1.0 to 1.2 add around the cipher suites, each read from a ServerHello: secure
//! renegotiation (RFC 5746), extended master secret (RFC 7627), encrypt-then-MAC (RFC 7366), DEFLATE
//! compression (CRIME), heartbeat (RFC 6520) and Heartbleed, session tickets (RFC 5077) and OCSP
//! stapling (RFC 6066); and protection from a downgrade: TLS_FALLBACK_SCSV (RFC 7507) and TLS 1.3's
//! downgrade sentinel (RFC 8446 4.1.3).

use std::collections::BTreeMap;

use serde::Serialize;

use super::probe::{self, Answer, Said, Until, code};
use super::{Finding, GROUPS, Scanner, Severity, Version};

/// What the server adds to TLS 1.0 to 1.2, each `null` when it could not be asked (no such version
/// accepted, no CBC suite for encrypt-then-MAC) or got no answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Features {
    /// The version asked: the newest of TLS 1.0 to 1.2 the server accepts.
    pub version: Option<&'static str>,
    /// Secure renegotiation (RFC 5746: renegotiation_info in its ServerHello).
    pub secure_renegotiation: Option<bool>,
    /// Extended master secret (RFC 7627).
    pub extended_master_secret: Option<bool>,
    /// Encrypt-then-MAC for its CBC suites (RFC 7366); `null` when it accepts no CBC suite.
    pub encrypt_then_mac: Option<bool>,
    /// DEFLATE compression taken when offered (CRIME).
    pub compression: Option<bool>,
    /// The heartbeat extension (RFC 6520).
    pub heartbeat: Option<bool>,
    /// Whether a heartbeat with a payload it never got was answered (Heartbleed); asked only of a
    /// server that takes heartbeats.
    pub heartbleed: Option<bool>,
    /// Session tickets (RFC 5077: session_ticket in its ServerHello).
    pub session_ticket: Option<bool>,
    /// OCSP stapling: status_request in its ServerHello (a CertificateStatus follows).
    pub ocsp_stapling: Option<bool>,
    /// Whether a retry at a lower version marked with TLS_FALLBACK_SCSV is refused
    /// (inappropriate_fallback); `null` when the server accepts one version only.
    pub fallback_scsv: Option<bool>,
    /// Whether its ServerHello for TLS 1.2 or lower carries TLS 1.3's downgrade sentinel; `null` when
    /// it does not accept both TLS 1.3 and a lower version.
    pub downgrade_sentinel: Option<bool>,
}

impl Scanner {
    /// What the newest of TLS 1.0 to 1.2 the server accepts adds, and protection from a downgrade;
    /// `accepted`: each accepted version's suites. The probes that got no answer, with why.
    pub(super) fn features(&self, accepted: &BTreeMap<Version, Vec<u16>>) -> (Features, Vec<String>) {
        let mut features = Features::default();
        let mut unknown = Vec::new();
        self.downgrade(accepted, &mut features, &mut unknown);
        let Some((&version, suites)) = accepted
            .iter()
            .rev()
            .find(|(version, _)| (Version::Tls10..=Version::Tls12).contains(*version))
        else {
            return (features, unknown);
        };
        features.version = Some(version.name());
        let said = match self.ask_features(version, suites) {
            Ok((suite, said)) => {
                let has = |code| Some(said.extensions.contains(&code));
                features.secure_renegotiation = has(code::RENEGOTIATION_INFO);
                features.extended_master_secret = has(code::EXTENDED_MASTER_SECRET);
                features.heartbeat = has(code::HEARTBEAT);
                features.session_ticket = has(code::SESSION_TICKET);
                features.ocsp_stapling = has(code::STATUS_REQUEST);
                features.compression = Some(said.compression == 1);
                Some((suite, said))
            }
            Err(why) => {
                unknown.push(format!("{}: what it adds: {why}", version.name()));
                None
            }
        };
        let cbc: Vec<u16> = suites.iter().copied().filter(|suite| is_cbc(*suite)).collect();
        features.encrypt_then_mac = match said {
            _ if cbc.is_empty() => None,
            Some((suite, said)) if is_cbc(suite) => Some(said.extensions.contains(&code::ENCRYPT_THEN_MAC)),
            _ => match self.ask_features(version, &cbc) {
                Ok((_, said)) => Some(said.extensions.contains(&code::ENCRYPT_THEN_MAC)),
                Err(why) => {
                    unknown.push(format!("{}: encrypt-then-MAC: {why}", version.name()));
                    None
                }
            },
        };
        if features.heartbeat == Some(true) {
            let hello = self.hello(version, suites, &GROUPS, true);
            match probe::heartbleed(self.addr, &hello, self.timeout) {
                Ok(leaks) => features.heartbleed = Some(leaks),
                Err(why) => unknown.push(format!("{}: Heartbleed: {why}", version.name())),
            }
        }
        (features, unknown)
    }

    /// A probe asking for everything TLS 1.0 to 1.2 may add: the suite chosen and what its
    /// ServerHello says.
    fn ask_features(&self, version: Version, suites: &[u16]) -> Result<(u16, Said), String> {
        let hello = self.hello(version, suites, &GROUPS, true);
        match self.send(&hello, Until::ServerHello) {
            Answer::Chose { suite, hello, .. } => Ok((suite, hello)),
            Answer::Refused(why) | Answer::Unknown(why) => Err(why),
        }
    }

    /// TLS_FALLBACK_SCSV: the version below the newest accepted, offered as a client's retry; and
    /// the sentinel a TLS 1.3 server puts in that answer's random.
    fn downgrade(&self, accepted: &BTreeMap<Version, Vec<u16>>, features: &mut Features, unknown: &mut Vec<String>) {
        let mut newest_first = accepted.iter().rev();
        let (Some((&newest, _)), Some((&lower, suites))) = (newest_first.next(), newest_first.next()) else {
            return;
        };
        let mut offered = suites.clone();
        offered.push(code::FALLBACK_SCSV);
        match self.send(&self.hello(lower, &offered, &GROUPS, false), Until::ServerHello) {
            Answer::Chose { hello, .. } => {
                features.fallback_scsv = Some(false);
                features.downgrade_sentinel = (newest == Version::Tls13).then_some(hello.downgrade_sentinel);
            }
            Answer::Refused(why) if why.contains("inappropriate_fallback") => features.fallback_scsv = Some(true),
            Answer::Refused(why) | Answer::Unknown(why) => {
                unknown.push(format!("{}: TLS_FALLBACK_SCSV: {why}", lower.name()));
            }
        }
        if newest == Version::Tls13 && features.downgrade_sentinel.is_none() {
            // Refused as a fallback: asked again without the signal, for the sentinel alone.
            let hello = self.hello(lower, suites, &GROUPS, false);
            if let Answer::Chose { hello, .. } = self.send(&hello, Until::ServerHello) {
                features.downgrade_sentinel = Some(hello.downgrade_sentinel);
            }
        }
    }

    /// The finite-field groups `version`'s DHE suites take, by the prime each ServerKeyExchange
    /// sends: RFC 7919's groups offered, the one sent taken away, offered again; a prime that is none
    /// of them ends it (the server sends it whatever is offered).
    pub(super) fn dh_groups(&self, version: Version, accepted: &[u16]) -> Vec<probe::DhGroup> {
        let dhe: Vec<u16> = accepted
            .iter()
            .copied()
            .filter(|suite| crate::names::cipher_suite(*suite).starts_with("TLS_DHE_"))
            .collect();
        let mut remaining: Vec<u16> = FFDHE.to_vec();
        let mut taken: Vec<probe::DhGroup> = Vec::new();
        while !dhe.is_empty() && !remaining.is_empty() {
            let hello = self.hello(version, &dhe, &remaining, false);
            let Answer::Chose { hello: said, .. } = self.send(&hello, Until::KeyExchange) else {
                break;
            };
            let Some(group) = said.dh.filter(|group| !taken.contains(group)) else {
                break;
            };
            let named = group.code().filter(|code| remaining.contains(code));
            taken.push(group);
            match named {
                Some(code) => remaining.retain(|offered| *offered != code),
                None => break,
            }
        }
        taken
    }
}

/// RFC 7919's groups: ffdhe2048 to ffdhe8192.
const FFDHE: [u16; 5] = [0x0100, 0x0101, 0x0102, 0x0103, 0x0104];

fn is_cbc(suite: u16) -> bool {
    crate::names::cipher_suite(suite).contains("_CBC_")
}

/// What the features call for.
pub(super) fn findings(features: &Features, dh: &BTreeMap<&'static str, Vec<probe::DhGroup>>) -> Vec<Finding> {
    let mut found = Vec::new();
    let mut add = |id, severity, text: String| found.push(Finding { id, severity, text });
    let version = features.version.unwrap_or("TLS 1.2");
    if features.heartbleed == Some(true) {
        add(
            "heartbleed",
            Severity::Critical,
            "the server answers a heartbeat with memory it was never sent (Heartbleed, CVE-2014-0160): update its TLS library and replace its keys".to_owned(),
        );
    }
    if features.compression == Some(true) {
        add(
            "compression",
            Severity::High,
            format!(
                "{version} with DEFLATE compression is accepted: secrets in compressed traffic leak through its length (CRIME)"
            ),
        );
    }
    if features.secure_renegotiation == Some(false) {
        add(
            "insecure_renegotiation",
            Severity::Medium,
            format!(
                "{version} without secure renegotiation (RFC 5746): an attacker can prefix a client's requests with its own"
            ),
        );
    }
    if features.fallback_scsv == Some(false) && features.downgrade_sentinel != Some(true) {
        add(
            "no_fallback_scsv",
            Severity::Low,
            "a retry at a lower version marked TLS_FALLBACK_SCSV is accepted: nothing stops an attacker from forcing clients that retry down to the older version (RFC 7507)".to_owned(),
        );
    }
    if features.extended_master_secret == Some(false) {
        add(
            "no_extended_master_secret",
            Severity::Low,
            format!(
                "{version} without extended master secret (RFC 7627): sessions can be tied to another connection's keys (triple handshake)"
            ),
        );
    }
    if features.encrypt_then_mac == Some(false) {
        add(
            "no_encrypt_then_mac",
            Severity::Low,
            format!(
                "{version}'s CBC suites without encrypt-then-MAC (RFC 7366): padding is checked before the MAC, which padding-oracle attacks such as Lucky13 use"
            ),
        );
    }
    for (version, groups) in dh {
        for group in groups.iter().filter(|group| group.bits < 2048) {
            add(
                "weak_dh",
                if group.bits < 1024 {
                    Severity::High
                } else {
                    Severity::Medium
                },
                format!(
                    "{version}'s DHE suites use a {}-bit prime{}: below 2048 bits, within reach of precomputation (Logjam)",
                    group.bits,
                    group
                        .name
                        .as_deref()
                        .map(|name| format!(" ({name})"))
                        .unwrap_or_default()
                ),
            );
        }
    }
    found
}
