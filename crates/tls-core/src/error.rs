//! The one error type of the library; every variant names the step and the input that failed.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::refusal::Refusal;
use crate::remedy::Remedy;

/// What a file was expected to hold, for messages such as "cannot load private key from FILE".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Material {
    /// A certificate chain: the end-entity certificate first, then its intermediates.
    CertificateChain,
    /// One private key (PKCS#8, PKCS#1 or SEC1).
    PrivateKey,
    /// One or more CA certificates to trust.
    CaCertificates,
    /// Anything `tls-cert inspect` reads: certificates, a CSR, a CRL, PKCS#12, PKCS#7.
    Inspectable,
    /// One or more certificate revocation lists.
    Crls,
    /// An OCSP response (DER), to staple.
    OcspResponse,
}

impl fmt::Display for Material {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::CertificateChain => "certificate chain",
            Self::PrivateKey => "private key",
            Self::CaCertificates => "CA certificates",
            Self::Inspectable => "a certificate, CSR, CRL or PKCS#12/PKCS#7 bundle",
            Self::Crls => "CRL",
            Self::OcspResponse => "OCSP response",
        })
    }
}

/// A suggestion that follows an error's message after `; `, or nothing: kept as data, written in one
/// place ([`Report`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Hint {
    /// Nothing to suggest.
    #[default]
    None,
    /// A remark in words that hold for any caller ("are the certificate and key files swapped?").
    Says(&'static str),
    /// Something to do, which a program says with its own flags (see [`Remedy`]).
    Do(Remedy),
}

impl fmt::Display for Hint {
    /// `; ` and the suggestion in the library's words, or nothing.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::None => Ok(()),
            Self::Says(text) => write!(f, "; {text}"),
            Self::Do(remedy) => write!(f, "; {remedy}"),
        }
    }
}

/// Why a handshake or a session failed: what happened, in words with its facts, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    /// What happened (the certificate, the alert, the peer's behaviour), without what to do.
    pub says: String,
    /// What to do, when there is something to say.
    pub remedy: Option<Remedy>,
    /// The refused certificate, when a certificate was refused: its facts, for a program to show.
    pub refusal: Option<Box<Refusal>>,
}

impl Diagnosis {
    pub(crate) fn says(says: impl Into<String>) -> Self {
        Self {
            says: says.into(),
            remedy: None,
            refusal: None,
        }
    }

    #[cfg_attr(not(feature = "net"), allow(dead_code))]
    pub(crate) fn with(says: impl Into<String>, remedy: Remedy) -> Self {
        Self {
            says: says.into(),
            remedy: Some(remedy),
            refusal: None,
        }
    }

    /// The whole sentence, the remedy in `words` (a program's flags) instead of the library's.
    pub fn said_with(&self, words: fn(Remedy) -> String) -> String {
        match self.remedy {
            Some(remedy) => format!("{}; {}", self.says, words(remedy)),
            None => self.says.clone(),
        }
    }
}

impl fmt::Display for Diagnosis {
    /// The whole sentence, the remedy in the library's words.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.says)?;
        match self.remedy {
            Some(remedy) => write!(f, "; {remedy}"),
            None => Ok(()),
        }
    }
}

impl From<&Refusal> for Diagnosis {
    fn from(refusal: &Refusal) -> Self {
        Self {
            says: refusal.to_string(),
            remedy: refusal.remedy(),
            refusal: Some(Box::new(refusal.clone())),
        }
    }
}

/// Why a certificate, key or CA file could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadProblem {
    /// The file could not be opened or read: the OS error, in words.
    #[error("{}", read_words(.0))]
    Read(io::Error),
    /// The path names a directory.
    #[error("it is a directory, not a file")]
    Directory,
    /// Standard input (`-`, as the programs take it) was named for two files.
    #[error("standard input was read already, for another file: give this one as a file")]
    StdinTwice,
    /// The file is far larger than any certificate, key or CA file.
    #[error("it is larger than {} MiB, far more than any certificate, key or CA file: is it the right file?", limit / (1024 * 1024))]
    TooLarge {
        /// The largest size read.
        limit: u64,
    },
    /// The file holds nothing but white space.
    #[error("the file is empty")]
    Empty,
    /// A PEM block is malformed.
    #[error("broken PEM at line {line}: {detail}")]
    BrokenPem {
        /// 1-based line of the BEGIN marker (or of the offending line).
        line: usize,
        /// What is wrong there.
        detail: String,
    },
    /// The file holds PEM blocks, but none of the kind wanted.
    #[error("no {wanted} found (the file holds {found})")]
    NotFound {
        /// What was looked for, in words.
        wanted: &'static str,
        /// A summary of the blocks present, such as "1 PRIVATE KEY block".
        found: String,
        /// A suggestion, when there is one: written after the whole error by [`Report`].
        hint: Hint,
    },
    /// The file is neither PEM nor a DER structure of the expected kind.
    #[error("the file is neither PEM (no -----BEGIN line) nor a DER-encoded {wanted}")]
    NotPemOrDer {
        /// What the DER was expected to be.
        wanted: &'static str,
    },
    /// The key is encrypted with a passphrase.
    #[error("encrypted private keys are not supported; decrypt it with: openssl pkey -in {path} -out {path}.plain")]
    Encrypted {
        /// The key file, repeated in the command to run.
        path: String,
    },
    /// More than one private key in one file.
    #[error("the file holds {0} private keys; give a file with exactly one")]
    SeveralKeys(usize),
    /// A certificate in the file does not parse as X.509.
    #[error("certificate #{index} (line {line}) is not valid X.509: {detail}")]
    BadCertificate {
        /// 1-based position of the certificate in the file.
        index: usize,
        /// 1-based line where its block starts (1 for DER).
        line: usize,
        /// What the parser said.
        detail: String,
    },
    /// A PEM block of a kind inspect reads does not parse as that kind.
    #[error("the {label} block at line {line} does not parse: {detail}")]
    Unparsable {
        /// The block's label.
        label: String,
        /// 1-based line of its BEGIN line.
        line: usize,
        /// What the parser said.
        detail: String,
    },
    /// rustls cannot use the key (an unsupported algorithm, for example).
    #[error("rustls cannot use it: {}", match .0 { rustls::Error::General(text) => text.clone(), other => other.to_string() })]
    Rejected(rustls::Error),
    /// rustls refuses a certificate of the chain itself (an extension marked critical it does not
    /// read, say), before any peer sees it.
    #[error("{0}")]
    Refused(Box<Refusal>),
    /// What the file holds cannot be used, in words (an OCSP response for another certificate, or out
    /// of date).
    #[error("{0}")]
    Unusable(String),
    /// The chain lists another certificate before the server's own, the one the key belongs to.
    #[error(
        "it lists {first} first, but the private key belongs to {leaf}, certificate {position} of the file: put the server's certificate first, then its intermediates"
    )]
    LeafNotFirst {
        /// The subject of the certificate listed first.
        first: String,
        /// The subject of the certificate the key belongs to.
        leaf: String,
        /// Its place in the file, from 1.
        position: usize,
    },
    /// An RSA key too short for rustls' crypto (aws-lc-rs refuses RSA under 2048 bits).
    #[error("it is an RSA key of {bits} bits, and rustls refuses RSA keys under 2048 bits")]
    WeakRsaKey {
        /// The key's size.
        bits: u32,
    },
    /// Some certificates in a CA file cannot be used as trust anchors.
    #[error("{good} of {total} certificates can be used as trust anchors; {bad_detail}")]
    UnusableAnchors {
        /// How many were fine.
        good: usize,
        /// How many there were.
        total: usize,
        /// The first failure, in words.
        bad_detail: String,
    },
}

/// Everything that can go wrong in tls-core.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A certificate, key or CA file could not be used.
    #[error("cannot load {what} from {}: {problem}", path.display())]
    Load {
        /// What the file was expected to hold.
        what: Material,
        /// The file.
        path: PathBuf,
        /// What went wrong.
        problem: LoadProblem,
    },
    /// The private key belongs to another certificate.
    #[error("private key {key} does not match certificate {subject}{cert}; give the key made with it")]
    KeyMismatch {
        /// Where the key came from (" from FILE" style text, or "given").
        key: String,
        /// The certificate's subject.
        subject: String,
        /// Where the certificate came from, starting with " in " when known.
        cert: String,
    },
    /// rustls refused the material when building a configuration.
    #[error("cannot build the TLS {side} configuration")]
    Config {
        /// "server" or "client".
        side: &'static str,
        /// The rustls error.
        #[source]
        cause: rustls::Error,
    },
    /// rcgen could not make a key or certificate.
    #[error("cannot make {step}")]
    Generate {
        /// What was being made.
        step: &'static str,
        /// The certificate maker's error (rcgen's, boxed so its crate is not part of this API).
        #[source]
        cause: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The server's certificate chain would make every client fail.
    #[error("{source_name}: {problems}")]
    Preflight {
        /// The certificate file (or scenario) checked.
        source_name: String,
        /// The problems, in words.
        problems: String,
    },
    /// The listening address cannot be reached from this machine.
    #[error("listening on {addr}, but a test connection to it failed")]
    Unreachable {
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        #[source]
        cause: io::Error,
    },
    /// A certificate given as a CA is not one.
    #[error("{} holds {subject}, which is not a CA certificate (no CA:TRUE); give the certificate of the CA that signed it, {issuer}", path.display())]
    NotACa {
        /// The file.
        path: PathBuf,
        /// The certificate's subject.
        subject: String,
        /// Who signed it.
        issuer: String,
    },
    /// What was asked for cannot make usable certificates.
    #[error("cannot make these certificates: {problem}")]
    BadRequest {
        /// Why.
        problem: String,
        /// What to ask for instead, when there is something.
        remedy: Option<Remedy>,
    },
    /// Writing a file failed.
    #[error("cannot write {}", path.display())]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// The OS error.
        #[source]
        cause: io::Error,
    },
    /// The server name for the client is neither a DNS name nor an IP address.
    #[error("invalid server name {:?}: {}", .0, server_name_advice(.0))]
    InvalidServerName(String),
    /// An address is not `HOST:PORT`.
    #[error("invalid address: {reason}")]
    InvalidAddress {
        /// What is wrong with it and what to write instead, naming the text.
        reason: String,
    },
    /// Bytes that were to be an X.509 certificate are not one.
    #[error("not a valid X.509 certificate: {reason}")]
    NotACertificate {
        /// What the parser found wrong, in words.
        reason: String,
    },
    /// A certificate chain was needed and none was given.
    #[error("no certificate given: {step} needs at least one")]
    NoCertificate {
        /// What needed it.
        step: &'static str,
    },
    /// Binding the listening socket failed.
    #[error("cannot listen on {addr}")]
    Bind {
        /// The address asked for.
        addr: String,
        /// The OS error.
        #[source]
        cause: io::Error,
        /// A suggestion, when there is one.
        hint: Hint,
    },
    /// A TCP connection could not be made.
    #[error("cannot connect to {addr}")]
    Connect {
        /// The address asked for.
        addr: String,
        /// The OS error.
        #[source]
        cause: io::Error,
        /// A suggestion, when there is one.
        hint: Hint,
    },
    /// A network phase took longer than allowed.
    #[error("{phase} with {peer} timed out after {}", fmt_duration(*after))]
    Timeout {
        /// The phase.
        phase: Step,
        /// The other side.
        peer: SocketAddr,
        /// The limit that was reached.
        after: Duration,
    },
    /// The TLS handshake failed; `reason` says why in words.
    #[error("TLS handshake with {peer} failed: {}", reason.says)]
    Handshake {
        /// The other side.
        peer: SocketAddr,
        /// What happened and what to do (the remedy is the error's [`Error::hint`]).
        reason: Diagnosis,
        /// The underlying error, for programs that want to look closer (already explained in `reason`,
        /// so [`Report`] does not repeat it).
        cause: io::Error,
    },
    /// The connection ended before the whole echo came back.
    #[error("{peer} {} {}{}", ending(*close_notify, *reset), owing(*received, *owed),
        if *close_notify { " (a server closes an idle session, or all of them when it shuts down)" } else { ": the reply may be truncated" })]
    Truncated {
        /// The other side.
        peer: SocketAddr,
        /// Bytes of echo received.
        received: u64,
        /// Bytes of echo still owed when it closed.
        owed: usize,
        /// Whether it closed cleanly, with close_notify.
        close_notify: bool,
        /// Whether the connection was reset (RST), which loses what had not been read yet.
        reset: bool,
    },
    /// The server ended the session while the input was still coming, with nothing owed.
    #[error("{peer} {} before the input ended{}", ending(*close_notify, *reset),
        if *close_notify { " (a server closes an idle session, or all of them when it shuts down)" } else { "" })]
    ClosedEarly {
        /// The other side.
        peer: SocketAddr,
        /// Whether it closed cleanly, with close_notify.
        close_notify: bool,
        /// Whether the connection was reset (RST).
        reset: bool,
    },
    /// The peer answered something other than the echo of what was sent.
    #[error("{peer} did not echo what was sent: at byte {offset} expected \"{expected}\", received \"{received}\"")]
    NotAnEcho {
        /// The other side.
        peer: SocketAddr,
        /// Where the echo first differs, in bytes from the start.
        offset: u64,
        /// What was expected from there (escaped, shortened).
        expected: String,
        /// What arrived from there (escaped, shortened).
        received: String,
    },
    /// In raw mode, the server ended the session at an empty line: it is in line mode.
    #[error(
        "{peer} ended the session at the empty line at byte {offset}, so it is in line mode (the echo protocol's rule)"
    )]
    EndedAtEmptyLine {
        /// The other side.
        peer: SocketAddr,
        /// Where the empty line ends, in bytes from the start.
        offset: u64,
    },
    /// In line mode, the server echoed past the empty line that ends the session: it is in raw mode.
    #[error(
        "{peer} echoed past the empty line that ends the session (at byte {offset}), so it does not end sessions there"
    )]
    EchoedPastEmptyLine {
        /// The other side.
        peer: SocketAddr,
        /// Where the unexpected echo begins, in bytes from the start.
        offset: u64,
    },
    /// The server took the session for HTTP (echo-server shows its page then) instead of echoing.
    #[error(
        "{peer} took the session for HTTP instead of echoing ({why}): a server with an HTTPS page on its echo port serves it when ALPN agrees on http/1.1 or the first line is an HTTP request"
    )]
    AnsweredHttp {
        /// The other side.
        peer: SocketAddr,
        /// What made the session HTTP, or the answer's first bytes.
        why: String,
        /// Whether ALPN agreed on http/1.1 (else the message looked like a request).
        alpn: bool,
    },
    /// Reading the data to send failed.
    #[error("cannot read the input to send")]
    Input {
        /// The OS error.
        #[source]
        cause: io::Error,
    },
    /// Writing the echo out failed.
    #[error("cannot write the echo out")]
    Output {
        /// The OS error.
        #[source]
        cause: io::Error,
    },
    /// Reading or writing an established session failed.
    #[error("{step} with {peer} failed: {}", reason.says)]
    Session {
        /// The step.
        step: Step,
        /// The other side.
        peer: SocketAddr,
        /// What happened and what to do (the remedy is the error's [`Error::hint`]).
        reason: Diagnosis,
        /// The underlying error, for programs that want to look closer (already explained in `reason`).
        cause: io::Error,
    },
}

/// A step of a client session, as [`Error::Timeout`] and [`Error::Session`] name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Step {
    /// The TLS handshake.
    Handshake,
    /// Sending data.
    Sending,
    /// Waiting for, and reading, the echo.
    ReadingEcho,
    /// Sending close_notify.
    SendingCloseNotify,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Handshake => "TLS handshake",
            Self::Sending => "sending",
            Self::ReadingEcho => "reading the echo",
            Self::SendingCloseNotify => "sending close_notify",
        })
    }
}

impl Error {
    /// Whether the error is in what the user gave (a file that cannot be read or used, a name or address
    /// that is not one, a request that cannot be met) rather than in an operation that was tried: the
    /// programs exit 2 for these and 1 for the rest.
    pub fn is_input_problem(&self) -> bool {
        matches!(
            self,
            Self::Load { .. }
                | Self::KeyMismatch { .. }
                | Self::Config { .. }
                | Self::Preflight { .. }
                | Self::NotACa { .. }
                | Self::BadRequest { .. }
                | Self::InvalidServerName(_)
                | Self::InvalidAddress { .. }
                | Self::NotACertificate { .. }
                | Self::NoCertificate { .. }
                | Self::Input { .. }
        )
    }

    /// What to do about it, when there is a suggestion: written after the causes by [`Report`].
    pub fn hint(&self) -> Hint {
        match self {
            Self::Bind { hint, .. }
            | Self::Connect { hint, .. }
            | Self::Load {
                problem: LoadProblem::NotFound { hint, .. },
                ..
            } => *hint,
            Self::Load {
                problem: LoadProblem::WeakRsaKey { .. },
                ..
            } => Hint::Do(Remedy::StrongerKey),
            Self::Load {
                problem: LoadProblem::Refused(refusal),
                ..
            } => refusal.remedy().map_or(Hint::None, Hint::Do),
            Self::BadRequest { remedy, .. } => remedy.map_or(Hint::None, Hint::Do),
            Self::EndedAtEmptyLine { .. } => Hint::Do(Remedy::ServerInLineMode),
            Self::EchoedPastEmptyLine { .. } => Hint::Do(Remedy::ServerInRawMode),
            Self::AnsweredHttp { alpn, .. } => Hint::Do(Remedy::NotHttp { alpn: *alpn }),
            Self::Handshake { reason, .. } | Self::Session { reason, .. } => reason.remedy.map_or(Hint::None, Hint::Do),
            Self::Unreachable { .. } => Hint::Says("check the address and any firewall"),
            _ => Hint::None,
        }
    }

    /// The whole error as a person reads it: see [`Report`].
    pub fn report(&self) -> Report<'_> {
        Report {
            error: self,
            words: None,
        }
    }

    /// As [`Error::report`], with the [`Remedy`] said in the caller's words (a program's flags).
    pub fn report_with(&self, words: fn(Remedy) -> String) -> Report<'_> {
        Report {
            error: self,
            words: Some(words),
        }
    }
}

/// An error as the programs print it: its message, each cause in turn after `: ` (the OS's, rustls' or
/// rcgen's words), then the hint after `; `, such as
/// `cannot listen on 127.0.0.1:7777: Address already in use (os error 98); another program already listens there: stop it or listen on another port`.
///
/// An [`Error`]'s own `Display` is its message alone; its causes are [`std::error::Error::source`]s,
/// so a caller using its own error reporter (anyhow's `{:#}`, say) sees each once.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    error: &'a Error,
    words: Option<fn(Remedy) -> String>,
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.error)?;
        let mut cause = std::error::Error::source(self.error);
        while let Some(err) = cause {
            write!(f, ": {err}")?;
            cause = err.source();
        }
        match (self.error.hint(), self.words) {
            (Hint::Do(remedy), Some(words)) => write!(f, "; {}", words(remedy)),
            (hint, _) => write!(f, "{hint}"),
        }
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What to write instead of a server name that is not one, for the mistakes people make: a URL, a
/// port, brackets, a wildcard, a zone, letters beyond ASCII.
fn server_name_advice(name: &str) -> &'static str {
    if name.is_empty() {
        "give a DNS name such as localhost or an IP address, not an empty one"
    } else if name.contains("://") {
        "give the host name alone, without the scheme (https://) or a path"
    } else if name.starts_with('[') && name.ends_with(']') {
        "write an IPv6 address without its brackets, such as ::1"
    } else if name.contains('%') {
        "a zone (%eth0) belongs to an address to connect to, not to the name checked in the certificate: give the address without it"
    } else if name.starts_with('*') {
        "a wildcard belongs in a certificate; give one name it stands for, such as www.example.com"
    } else if name
        .rsplit_once(':')
        .is_some_and(|(host, port)| !host.contains(':') && port.parse::<u16>().is_ok())
    {
        "give the host name alone, without its port (the port goes with the address to connect to)"
    } else if !name.is_ascii() {
        "write a name with letters beyond ASCII in its ASCII form (xn--..., as a browser's address bar shows it when copied); the TLS library takes no other"
    } else if name
        .split('.')
        .all(|label| !label.is_empty() && label.bytes().all(|b| b.is_ascii_digit()))
    {
        "it is neither a DNS name (its last label is a number) nor an IP address as TLS takes one: write all four parts of an IPv4 address, in decimal, without leading zeros (127.0.0.1)"
    } else {
        "give a DNS name such as localhost or an IP address"
    }
}

/// How much of the echo had come back, in words.
fn owing(received: u64, owed: usize) -> String {
    match received {
        0 => format!("before any echo came back, with {owed} bytes owed"),
        _ => format!("after {received} echoed bytes, with {owed} more owed"),
    }
}

/// How the server ended a session early, in words.
fn ending(close_notify: bool, reset: bool) -> &'static str {
    match (close_notify, reset) {
        (true, false) => "ended the session with close_notify",
        (true, true) => "ended the session with close_notify, then reset the connection",
        (false, true) => "reset the connection (TCP RST, no close_notify)",
        (false, false) => "closed the connection without close_notify",
    }
}

/// A duration as the errors write it: `10 s` when whole seconds, else `200 ms`.
pub fn fmt_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 && d.as_secs() > 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

/// An OS error reading a file, as a person says it: the common ones in words, the others as the OS
/// says them (without the "(os error N)" that only a programmer reads).
fn read_words(err: &io::Error) -> String {
    match err.kind() {
        io::ErrorKind::NotFound => "there is no such file".to_owned(),
        io::ErrorKind::PermissionDenied => "permission denied: this user may not read it".to_owned(),
        _ => {
            let text = err.to_string();
            match text.find(" (os error ") {
                Some(at) => text[..at].to_owned(),
                None => text,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each common mistake in a server name gets its own way forward.
    #[test]
    fn a_wrong_server_name_is_told_what_is_wrong_with_it() {
        let cases = [
            ("good.example.com:443", "without its port"),
            ("https://good.example.com/", "without the scheme"),
            ("*.example.com", "a wildcard belongs in a certificate"),
            ("127.1", "write all four parts of an IPv4 address"),
            ("010.0.0.1", "without leading zeros"),
            ("fe80::1%eth0", "a zone (%eth0)"),
            ("[::1]", "without its brackets"),
            ("", "not an empty one"),
            ("bücher.example", "ASCII form"),
            ("a b", "give a DNS name such as localhost"),
        ];
        for (name, advice) in cases {
            let said = crate::config::parse_server_name(name).expect_err(name).to_string();
            assert!(said.contains(advice), "{name:?}: {said}");
        }
    }

    /// Every remedy the library can give.
    const REMEDIES: [Remedy; 13] = [
        Remedy::SharePort,
        Remedy::FreePort,
        Remedy::GiveKey,
        Remedy::MatchKey,
        Remedy::StrongerKey,
        Remedy::ServerInLineMode,
        Remedy::ServerInRawMode,
        Remedy::NotHttp { alpn: true },
        Remedy::NotHttp { alpn: false },
        Remedy::LeafDaysAtLeast { days: 1 },
        Remedy::CaDaysAtLeast { days: 1 },
        Remedy::FitTheCa {
            days: 10,
            ca_days: Some(20),
        },
        Remedy::FitTheCa {
            days: 10,
            ca_days: None,
        },
    ];

    /// The library's words for what to do name no program's flag; a program's words replace them in
    /// its report, after the causes.
    #[test]
    fn remedies_name_no_flag_and_a_program_says_them_its_way() {
        for remedy in REMEDIES {
            let words = remedy.to_string();
            assert!(!words.contains("--") && !words.is_empty(), "{remedy:?}: {words}");
        }
        let err = Error::Bind {
            addr: "127.0.0.1:7777".into(),
            cause: io::Error::from(io::ErrorKind::AddrInUse),
            hint: Hint::Do(Remedy::FreePort),
        };
        assert!(
            err.report()
                .to_string()
                .ends_with("; another program already listens there: stop it or listen on another port"),
            "{}",
            err.report()
        );
        assert!(
            err.report_with(|remedy| format!("the program's words for {remedy:?}"))
                .to_string()
                .ends_with("; the program's words for FreePort"),
            "{}",
            err.report()
        );
        // A hint in words that hold for anyone is the same in every report.
        let err = Error::Unreachable {
            addr: "127.0.0.1:1".parse().expect("an address"),
            cause: io::Error::from(io::ErrorKind::ConnectionRefused),
        };
        assert_eq!(
            err.report().to_string(),
            err.report_with(|_| unreachable!("no remedy to say")).to_string()
        );
    }

    /// A session cut before anything came back says so, instead of "after 0 echoed bytes"; a reset is
    /// called one.
    #[test]
    fn a_truncated_echo_says_how_much_came_and_how_it_ended() {
        let peer: SocketAddr = "127.0.0.1:7777".parse().expect("address");
        let cut = |received, close_notify, reset| {
            Error::Truncated {
                peer,
                received,
                owed: 12,
                close_notify,
                reset,
            }
            .to_string()
        };
        assert_eq!(
            cut(0, false, true),
            "127.0.0.1:7777 reset the connection (TCP RST, no close_notify) before any echo came back, with 12 bytes owed: the reply may be truncated"
        );
        assert_eq!(
            cut(3, false, false),
            "127.0.0.1:7777 closed the connection without close_notify after 3 echoed bytes, with 12 more owed: the reply may be truncated"
        );
    }
}
