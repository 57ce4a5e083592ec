//! What a server speaks, found by asking it: which protocol versions it accepts (SSLv3 to TLS 1.3),
//! every cipher suite it accepts in each and in which order it prefers them, and the groups it takes
//! in TLS 1.3; with findings a person can act on. Each probe is a ClientHello built byte by byte
//! (`probe.rs`), so versions and suites the TLS library does not speak can be asked for too, and each
//! answer is read by the x-ray's decoder. A probe that gets no answer (a timeout, a reset) is
//! unknown, never "not supported".

mod features;
mod findings;
mod probe;
mod profile;
mod session;

use std::collections::BTreeMap;
use std::net::{SocketAddr, ToSocketAddrs as _};
use std::time::{Duration, Instant};

use serde::{Serialize, Serializer};

pub use self::features::Features;
pub use self::probe::DhGroup;
use self::probe::{Answer, Hello, Until};
pub use self::profile::{Compliance, Profile};
pub use self::session::{Certificate, Chain, NameAnswer, Resumption, Trust};
use crate::address::HostPort;
use crate::error::{Error, Hint, Result};

/// How to scan.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// The name sent as SNI (none: the target's host when it is a name, nothing for an address).
    pub server_name: Option<String>,
    /// The longest a probe waits for its connection and its answer.
    pub timeout: Duration,
    /// The most connections open to the server at once.
    pub concurrency: usize,
    /// The CAs to verify the server's chain against (none: the system's store).
    pub ca: Vec<rustls::pki_types::CertificateDer<'static>>,
    /// The file they were read from, as the report names it.
    pub ca_file: Option<String>,
    /// A Mozilla configuration to measure the server against.
    pub profile: Option<Profile>,
    /// Called with each probe's exchange as the x-ray shows it, as it ends (`--trace`); from the
    /// scan's threads, one whole probe a call.
    pub trace: Option<fn(&str)>,
    /// Called after each probe with how many have ended so far (a progress line).
    pub progress: Option<fn(usize)>,
}

impl Default for ScanOptions {
    fn default() -> Self {
        Self {
            server_name: None,
            timeout: Duration::from_secs(5),
            concurrency: 8,
            ca: Vec::new(),
            ca_file: None,
            profile: None,
            trace: None,
            progress: None,
        }
    }
}

/// A protocol version a scan asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Version {
    /// SSL 3.0.
    Ssl3,
    /// TLS 1.0.
    Tls10,
    /// TLS 1.1.
    Tls11,
    /// TLS 1.2.
    Tls12,
    /// TLS 1.3.
    Tls13,
}

impl Version {
    /// Every version, oldest first.
    pub const ALL: [Self; 5] = [Self::Ssl3, Self::Tls10, Self::Tls11, Self::Tls12, Self::Tls13];

    /// Its number on the wire.
    pub fn code(self) -> u16 {
        match self {
            Self::Ssl3 => 0x0300,
            Self::Tls10 => 0x0301,
            Self::Tls11 => 0x0302,
            Self::Tls12 => 0x0303,
            Self::Tls13 => 0x0304,
        }
    }

    /// Its name as the JSON keys write it: `SSLv3`, `TLSv1.0`, ... `TLSv1.3`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Ssl3 => "SSLv3",
            Self::Tls10 => "TLSv1.0",
            Self::Tls11 => "TLSv1.1",
            Self::Tls12 => "TLSv1.2",
            Self::Tls13 => "TLSv1.3",
        }
    }

    /// The cipher suites offered to find what this version accepts: TLS 1.3's five, or every suite
    /// of earlier versions whose name the TLS library knows (signalling values aside).
    fn suites(self) -> Vec<u16> {
        if self == Self::Tls13 {
            return (0x1301..=0x1305).collect();
        }
        // Every number is looked at once, not once a version.
        static NAMED: std::sync::OnceLock<Vec<u16>> = std::sync::OnceLock::new();
        NAMED
            .get_or_init(|| {
                (0..=u16::MAX)
                    .filter(|code| !(0x1300..=0x13ff).contains(code) && *code != 0x00ff && *code != 0x5600)
                    .filter(|code| rustls::CipherSuite::from(*code).as_str().is_some())
                    .collect()
            })
            .clone()
    }
}

/// A number with its name: a cipher suite or a group, as `{"id": "0x1301", "name": "TLS_AES_128_GCM_SHA256"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Code {
    /// Its number.
    #[serde(serialize_with = "hex")]
    pub id: u16,
    /// Its IANA name.
    pub name: String,
}

fn hex<S: Serializer>(id: &u16, serializer: S) -> std::result::Result<S::Ok, S::Error> {
    serializer.collect_str(&format_args!("0x{id:04x}"))
}

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Worth changing when convenient.
    Low,
    /// Worth changing.
    Medium,
    /// Weakens every connection that uses it.
    High,
    /// Broken.
    Critical,
}

/// Something found, in one sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// A stable name for scripts (`tls1_0`, `rc4`, ...).
    pub id: &'static str,
    /// How much it matters.
    pub severity: Severity,
    /// What was found, and why it matters.
    pub text: String,
}

/// What a scan found.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The address scanned, as given.
    pub target: String,
    /// Each version: accepted, refused, or unknown (`null`: no answer either way).
    pub protocols: BTreeMap<&'static str, Option<bool>>,
    /// The suites each accepted version takes, in the server's order when it has one.
    pub cipher_suites: BTreeMap<&'static str, Vec<Code>>,
    /// Whether the server picks by its own order (`true`), the client's (`false`), or could not be
    /// told (`null`: fewer than two suites, or no answer).
    pub server_order: BTreeMap<&'static str, Option<bool>>,
    /// The groups each version takes: TLS 1.3's in the server's order (by HelloRetryRequest), TLS
    /// 1.0 to 1.2's ECDHE curves (by ServerKeyExchange) and RFC 7919's finite-field groups their DHE suites take.
    pub groups: BTreeMap<&'static str, Vec<Code>>,
    /// The prime of each finite-field group the DHE suites of TLS 1.0 to 1.2 use, named when published.
    pub dh: BTreeMap<&'static str, Vec<DhGroup>>,
    /// The ALPN protocols the server takes, each offered alone (h2, http/1.1, http/1.0); `null` when
    /// no whole handshake could ask.
    pub alpn: Option<Vec<String>>,
    /// The one the server picks when a client offers h2, http/1.1 and http/1.0 in that order (`null`:
    /// none, or not asked).
    pub alpn_picked: Option<String>,
    /// The chain the server presents, its own certificate first.
    pub certificates: Vec<Certificate>,
    /// The chains it presents for other key types (a server with RSA and ECDSA certificates has
    /// two), found by asking for each signature scheme alone.
    pub more_chains: Vec<Chain>,
    /// Whether the chain verifies: against the CA given (`--ca`), or the system's store (`null`:
    /// neither could be read).
    pub trust: Option<Trust>,
    /// The signature schemes each version's handshake is signed with, each asked alone.
    pub signature_schemes: BTreeMap<&'static str, Vec<String>>,
    /// Whether the server stapled an OCSP response to its certificate (`null`: no handshake).
    pub ocsp_stapled: Option<bool>,
    /// What the stapled response says of the certificate (`good`, `revoked on ...`, `unusable: ...`),
    /// checked against its issuer in the chain; absent when none is stapled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ocsp_status: Option<String>,
    /// What it answers a ClientHello without SNI (`null`: the scan sends none).
    pub without_sni: Option<NameAnswer>,
    /// What it answers a name it cannot know (`tls-scan.invalid`).
    pub unknown_name: Option<NameAnswer>,
    /// How it resumes sessions.
    pub resumption: Resumption,
    /// What the server adds to TLS 1.0 to 1.2 (renegotiation, extended master secret, ...) and how
    /// it meets a downgrade.
    pub features: Features,
    /// What is worth acting on.
    pub findings: Vec<Finding>,
    /// How the server measures up to the Mozilla configuration asked for (`--profile`).
    pub profile: Option<Compliance>,
    /// The probes that got no answer either way, and why.
    pub unknown: Vec<String>,
    /// How long the scan took.
    pub elapsed_ms: u64,
}

/// Scans `target`: its versions, then each accepted version's suites and order (and TLS 1.3's
/// groups), the versions side by side within `options.concurrency` connections.
///
/// # Errors
/// [`Error::Connect`] when the name does not resolve or nothing answers there.
pub fn scan(target: &HostPort, options: &ScanOptions) -> Result<Report> {
    let started = Instant::now();
    // Nothing listening is the scan's failure, not every probe's unknown.
    let addr = reachable(target, options.timeout)?;
    let name = options
        .server_name
        .clone()
        .or_else(|| (target.host.parse::<std::net::IpAddr>().is_err()).then(|| target.host.clone()));
    let scanner = Scanner {
        addr,
        name,
        timeout: options.timeout,
        trace: options.trace,
        progress: options.progress,
        ended: std::sync::atomic::AtomicUsize::new(0),
    };
    let mut results: Vec<(Version, Scanned)> = Vec::new();
    for versions in Version::ALL.chunks(options.concurrency.clamp(1, 64)) {
        std::thread::scope(|scope| {
            let running: Vec<_> = versions
                .iter()
                .map(|&version| {
                    let scanner = &scanner;
                    (version, scope.spawn(move || scanner.version(version)))
                })
                .collect();
            for (version, handle) in running {
                let scanned = handle
                    .join()
                    .unwrap_or_else(|_| Scanned::unknown(vec!["the probe failed".to_owned()]));
                results.push((version, scanned));
            }
        });
    }
    let mut report = Report {
        target: target.to_string(),
        protocols: BTreeMap::new(),
        cipher_suites: BTreeMap::new(),
        server_order: BTreeMap::new(),
        groups: BTreeMap::new(),
        dh: BTreeMap::new(),
        alpn: None,
        alpn_picked: None,
        certificates: Vec::new(),
        more_chains: Vec::new(),
        trust: None,
        signature_schemes: BTreeMap::new(),
        ocsp_stapled: None,
        ocsp_status: None,
        without_sni: None,
        unknown_name: None,
        resumption: Resumption::default(),
        features: Features::default(),
        findings: Vec::new(),
        profile: None,
        unknown: Vec::new(),
        elapsed_ms: 0,
    };
    let (accepted, results_refused) = tally(&mut report, results);
    if accepted.is_empty() {
        report
            .unknown
            .extend(refusals(&results_refused, scanner.name.as_deref()));
    }
    let (features, unknown) = scanner.features(&accepted);
    report.features = features;
    report.unknown.extend(unknown);
    whole_handshakes(&scanner, options, &accepted, &mut report)?;
    report.findings = findings::findings(&report);
    report.profile = options.profile.map(|profile| profile::compliance(&report, profile));
    report.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    Ok(report)
}

/// The suites of each accepted version.
type Accepted = BTreeMap<Version, Vec<u16>>;

/// Each version's results into `report`; the suites of each accepted version, and how each version
/// was refused.
fn tally(report: &mut Report, results: Vec<(Version, Scanned)>) -> (Accepted, Vec<(Version, String)>) {
    let mut accepted = BTreeMap::new();
    let results_refused: Vec<(Version, String)> = results
        .iter()
        .filter_map(|(version, scanned)| Some((*version, scanned.refused.clone()?)))
        .collect();
    for (version, scanned) in results {
        let key = version.name();
        report.protocols.insert(key, scanned.accepted);
        if scanned.accepted == Some(true) {
            report
                .cipher_suites
                .insert(key, scanned.suites.iter().map(|&id| suite(id)).collect());
            report.server_order.insert(key, scanned.server_order);
            accepted.insert(version, scanned.suites.clone());
        }
        let groups: Vec<Code> = scanned
            .groups
            .iter()
            .copied()
            .chain(scanned.dh.iter().filter_map(DhGroup::code))
            .map(group)
            .collect();
        if !groups.is_empty() {
            report.groups.insert(key, groups);
        }
        if !scanned.dh.is_empty() {
            report.dh.insert(key, scanned.dh);
        }
        report
            .unknown
            .extend(scanned.unknown.into_iter().map(|why| format!("{key}: {why}")));
    }
    (accepted, results_refused)
}

/// What whole handshakes (TLS 1.2 and 1.3, with rustls) and TLS 1.2's signature probes show, into
/// `report`; `accepted`: each accepted version's suites. When rustls completes none (it speaks none of
/// the suites, or no version it speaks is accepted), the chain comes from a probe's plain-text
/// Certificate message (TLS 1.0 to 1.2).
fn whole_handshakes(
    scanner: &Scanner,
    options: &ScanOptions,
    accepted: &BTreeMap<Version, Vec<u16>>,
    report: &mut Report,
) -> Result<()> {
    let addr = scanner.addr;
    let name = match &scanner.name {
        Some(name) => {
            rustls::pki_types::ServerName::try_from(name.clone()).map_err(|_| Error::InvalidServerName(name.clone()))?
        }
        None => rustls::pki_types::ServerName::IpAddress(addr.ip().into()),
    };
    let target = session::Target {
        addr,
        name: &name,
        sends_sni: scanner.name.is_some(),
        timeout: options.timeout,
        ca: options.ca_file.as_deref().map(|file| (file, options.ca.as_slice())),
    };
    let versions: Vec<Version> = [Version::Tls13, Version::Tls12]
        .into_iter()
        .filter(|version| accepted.contains_key(version))
        .collect();
    if !versions.is_empty() {
        let mut found = session::sessions(&target, &versions);
        if let Some(suites) = accepted.get(&Version::Tls12) {
            let schemes = scanner.schemes_12(suites);
            if !schemes.is_empty() {
                let names = schemes.into_iter().map(crate::names::signature_scheme).collect();
                found.signature_schemes.insert(Version::Tls12.name(), names);
            }
        }
        let completed = !found.certificates.is_empty();
        report.ocsp_stapled = completed.then_some(found.stapled);
        report.ocsp_status = found.staple_says;
        report.certificates = found.certificates;
        report.more_chains = found.more_chains;
        report.trust = found.trust;
        report.signature_schemes = found.signature_schemes;
        report.without_sni = found.without_sni;
        report.unknown_name = found.unknown_name;
        report.alpn = completed.then_some(found.alpn);
        report.alpn_picked = found.alpn_picked;
        report.resumption = found.resumption;
        report.unknown.extend(found.unknown);
    }
    if report.certificates.is_empty() {
        let older = accepted
            .iter()
            .rev()
            .find(|(version, _)| (Version::Tls10..=Version::Tls12).contains(*version));
        if let Some((&version, suites)) = older {
            let hello = scanner.hello(version, suites, &GROUPS, false);
            if let Answer::Chose { hello: said, .. } = scanner.send(&hello, Until::HelloDone) {
                report.certificates = said.certificates.iter().map(session::describe).collect();
                report.trust = (!said.certificates.is_empty())
                    .then(|| session::trust(&target, &said.certificates))
                    .flatten();
            }
        }
    }
    Ok(())
}

/// When the server accepted no version: why each was refused, in one sentence, and the likeliest cause
/// when the refusals name one (a server that wants another name refuses every version alike).
fn refusals(refused: &[(Version, String)], name: Option<&str>) -> Option<String> {
    if refused.is_empty() {
        return None;
    }
    let each: Vec<String> = refused
        .iter()
        .map(|(version, why)| format!("{} {why}", version.name()))
        .collect();
    let about_the_name = refused
        .iter()
        .any(|(_, why)| why.contains("unrecognized_name") || why.contains("illegal_parameter"));
    let hint = match (about_the_name, name) {
        (true, Some(name)) => {
            format!("; the server may not serve the name {name}: give the one it serves with --server-name")
        }
        (true, None) => {
            "; the server may want a name (SNI), which a scan of an address does not send: give it with --server-name"
                .to_owned()
        }
        (false, _) => String::new(),
    };
    Some(format!("no version was accepted: {}{hint}", each.join(", ")))
}

/// The first address of `target` that takes a connection (a name may resolve to ::1 and 127.0.0.1,
/// and the server listen on one).
fn reachable(target: &HostPort, timeout: Duration) -> Result<SocketAddr> {
    let connect_error = |cause| Error::Connect {
        addr: target.to_string(),
        cause,
        hint: Hint::None,
    };
    let addrs: Vec<SocketAddr> = match target.under_localhost() {
        Some(loopback) => loopback.to_vec(),
        None => (target.host.as_str(), target.port)
            .to_socket_addrs()
            .map_err(connect_error)?
            .collect(),
    };
    let mut last = std::io::Error::new(std::io::ErrorKind::NotFound, "the name has no address");
    for addr in addrs {
        match std::net::TcpStream::connect_timeout(&addr, timeout) {
            Ok(_) => return Ok(addr),
            Err(err) => last = err,
        }
    }
    Err(connect_error(last))
}

fn suite(id: u16) -> Code {
    Code {
        id,
        name: crate::names::cipher_suite(id),
    }
}

fn group(id: u16) -> Code {
    Code {
        id,
        name: crate::names::group(id),
    }
}

/// Every group a TLS 1.3 probe offers: the post-quantum hybrids and ML-KEM, the curves, the
/// finite-field groups.
const GROUPS: [u16; 19] = [
    0x11ec, 0x11eb, 0x11ed, 0x0200, 0x0201, 0x0202, 0x001d, 0x001e, 0x0017, 0x0018, 0x0019, 0x001f, 0x0020, 0x0021,
    0x0100, 0x0101, 0x0102, 0x0103, 0x0104,
];

/// What the scan learned of one version.
struct Scanned {
    accepted: Option<bool>,
    suites: Vec<u16>,
    server_order: Option<bool>,
    groups: Vec<u16>,
    dh: Vec<DhGroup>,
    /// How the first probe was refused, when it was.
    refused: Option<String>,
    unknown: Vec<String>,
}

impl Scanned {
    /// Nothing learned yet; `unknown`, what could not be.
    fn unknown(unknown: Vec<String>) -> Self {
        Self {
            accepted: None,
            suites: Vec::new(),
            server_order: None,
            groups: Vec::new(),
            dh: Vec::new(),
            refused: None,
            unknown,
        }
    }
}

/// Where and how to probe.
struct Scanner {
    addr: SocketAddr,
    name: Option<String>,
    timeout: Duration,
    trace: Option<fn(&str)>,
    progress: Option<fn(usize)>,
    /// How many probes have ended.
    ended: std::sync::atomic::AtomicUsize,
}

impl Scanner {
    /// One probe: `hello` sent, its answer read as far as `until`; traced and counted when asked.
    fn send(&self, hello: &Hello<'_>, until: Until) -> Answer {
        let asked = probe::probe(self.addr, hello, self.timeout, until);
        if let Some(trace) = self.trace {
            let offered = format!(
                "{} offering {} suites and {} groups{}",
                crate::names::version(hello.version),
                hello.suites.len(),
                hello.groups.len(),
                if hello.features {
                    ", asking what TLS 1.0 to 1.2 add"
                } else {
                    ""
                }
            );
            trace(&asked.trace(&offered));
        }
        if let Some(progress) = self.progress {
            progress(self.ended.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1);
        }
        asked.answer
    }

    fn ask(&self, version: Version, suites: &[u16], groups: &[u16]) -> Answer {
        self.ask_until(version, suites, groups, Until::ServerHello)
    }

    fn ask_until(&self, version: Version, suites: &[u16], groups: &[u16], until: Until) -> Answer {
        self.send(&self.hello(version, suites, groups, false), until)
    }

    /// A ClientHello for `version` offering `suites` and `groups`, and the features of TLS 1.0 to 1.2
    /// when `features`.
    fn hello<'a>(&'a self, version: Version, suites: &'a [u16], groups: &'a [u16], features: bool) -> Hello<'a> {
        Hello {
            version: version.code(),
            suites,
            groups,
            server_name: self.name.as_deref(),
            schemes: &[],
            features,
        }
    }

    /// Whether `version` is accepted; then its suites, one handshake per suite plus one (offer all,
    /// take the one chosen, offer the rest again), and whether the server's order decides.
    fn version(&self, version: Version) -> Scanned {
        let mut remaining = version.suites();
        let groups = GROUPS;
        let mut scanned = Scanned::unknown(Vec::new());
        let mut accepted = Vec::new();
        loop {
            match self.ask(version, &remaining, &groups) {
                Answer::Chose {
                    version: chosen, suite, ..
                } if chosen == version.code() && remaining.contains(&suite) => {
                    accepted.push(suite);
                    remaining.retain(|offered| *offered != suite);
                }
                Answer::Chose { .. } => break,
                Answer::Refused(why) => {
                    if accepted.is_empty() {
                        scanned.refused = Some(why);
                    }
                    break;
                }
                Answer::Unknown(why) => {
                    scanned.unknown.push(why);
                    break;
                }
            }
        }
        scanned.accepted = match (accepted.is_empty(), scanned.unknown.is_empty()) {
            (false, _) => Some(true),
            (true, true) => Some(false),
            (true, false) => None,
        };
        scanned.server_order = self.server_order(version, &accepted);
        scanned.suites = accepted;
        if version == Version::Tls13 && scanned.accepted == Some(true) {
            scanned.groups = self.groups();
        }
        if (Version::Tls10..=Version::Tls12).contains(&version) {
            scanned.groups = self.curves(version, &scanned.suites);
            scanned.dh = self.dh_groups(version, &scanned.suites);
        }
        scanned
    }

    /// Offered in the reverse of the order found: the server that still picks the first found
    /// decides by its own order.
    fn server_order(&self, version: Version, accepted: &[u16]) -> Option<bool> {
        if accepted.len() < 2 {
            return None;
        }
        let reversed: Vec<u16> = accepted.iter().rev().copied().collect();
        match self.ask(version, &reversed, &GROUPS) {
            Answer::Chose { suite, .. } if suite == accepted[0] => Some(true),
            Answer::Chose { suite, .. } if Some(&suite) == accepted.last() => Some(false),
            _ => None,
        }
    }

    /// The groups TLS 1.3 takes, by the HelloRetryRequest's choice with no key share offered (no key is
    /// made): offer all, take the one asked for, offer the rest again.
    fn groups(&self) -> Vec<u16> {
        self.taken_groups(Version::Tls13, &Version::Tls13.suites(), &GROUPS, Until::ServerHello)
    }

    /// The groups `version` takes of `offered` with `suites`, in the order the server names them (in
    /// its HelloRetryRequest, or its ServerKeyExchange as far as `until`): offer all, take the one
    /// named, offer the rest again.
    fn taken_groups(&self, version: Version, suites: &[u16], offered: &[u16], until: Until) -> Vec<u16> {
        let mut remaining = offered.to_vec();
        let mut taken = Vec::new();
        while !suites.is_empty() && !remaining.is_empty() {
            match self.ask_until(version, suites, &remaining, until) {
                Answer::Chose { group: Some(group), .. } if remaining.contains(&group) => {
                    taken.push(group);
                    remaining.retain(|offered| *offered != group);
                }
                _ => break,
            }
        }
        taken
    }
}

impl Scanner {
    /// The curves `version`'s ECDHE suites take (TLS 1.0 to 1.2), by the group each
    /// ServerKeyExchange names: offer all, take the one named, offer the rest again.
    fn curves(&self, version: Version, accepted: &[u16]) -> Vec<u16> {
        let ecdhe: Vec<u16> = accepted
            .iter()
            .copied()
            .filter(|suite| crate::names::cipher_suite(*suite).starts_with("TLS_ECDHE_"))
            .collect();
        self.taken_groups(version, &ecdhe, &CURVES, Until::KeyExchange)
    }
}

impl Scanner {
    /// The schemes TLS 1.2's ServerKeyExchange is signed with, each offered alone with the accepted
    /// ECDHE and DHE suites of its key type (RSA key exchange signs nothing; a server may pick an RSA
    /// suite it cannot sign for, as OpenSSL does, and fail).
    fn schemes_12(&self, accepted: &[u16]) -> Vec<u16> {
        let signing = |key: &str| -> Vec<u16> {
            accepted
                .iter()
                .copied()
                .filter(|suite| {
                    let name = crate::names::cipher_suite(*suite);
                    (name.starts_with("TLS_ECDHE_") || name.starts_with("TLS_DHE_")) && name.contains(key)
                })
                .collect()
        };
        let (ecdsa, rsa) = (signing("_ECDSA_"), signing("_RSA_"));
        // SHA-224's, which TLS 1.3 dropped, too.
        let schemes = probe::SCHEMES.iter().chain(&[0x0301, 0x0303]).copied();
        schemes
            .filter(|&scheme| {
                // EdDSA signs ECDSA's suites (RFC 8422).
                let suites = if crate::names::signature_scheme(scheme).starts_with("rsa") {
                    &rsa
                } else {
                    &ecdsa
                };
                let offered = [scheme];
                let hello = Hello {
                    schemes: &offered,
                    ..self.hello(Version::Tls12, suites, &GROUPS, false)
                };
                !suites.is_empty()
                    && matches!(
                        self.send(&hello, Until::KeyExchange),
                        Answer::Chose { hello, .. } if hello.signed_with == Some(scheme)
                    )
            })
            .collect()
    }
}

/// The curves a TLS 1.2 probe offers for ECDHE: X25519, X448, the NIST curves, the brainpool curves.
const CURVES: [u16; 8] = [0x001d, 0x001e, 0x0017, 0x0018, 0x0019, 0x001a, 0x001b, 0x001c];

/// What the fuzz target `scan_answer` checks: `data` as the server's answer to a TLS 1.2 probe,
/// read as far as each place a probe stops, the connection ended and not.
#[cfg(feature = "fuzzing")]
pub(crate) fn fuzz_answer(data: &[u8]) {
    let suites = Version::Tls12.suites();
    let hello = Hello {
        version: Version::Tls12.code(),
        suites: &suites,
        groups: &GROUPS,
        server_name: Some("fuzz.test"),
        schemes: &[],
        features: true,
    };
    for until in [Until::ServerHello, Until::KeyExchange, Until::HelloDone] {
        let ended = probe::read_answer_of(&hello, data, true, until);
        assert!(
            !matches!(&ended, Answer::Unknown(why) if why.is_empty()),
            "an ended connection's answer says nothing: {data:?}"
        );
        let _ = probe::read_answer_of(&hello, data, false, until);
    }
}
