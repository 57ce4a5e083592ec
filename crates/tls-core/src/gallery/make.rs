//! Each exhibit's certificates and server settings, made at start.

use rcgen::CustomExtension;

use super::{DOMAIN, SLOW, Setup};
use crate::error::{Error, Result};
use crate::generate::{self, CertificateAuthority, Issued, KeyType, Permitted, Usage, Validity};
use crate::identity::Identity;
use crate::ocsp::{CertId, CertStatus, Issuer};
use crate::revocation::{Revocation, RevocationReason};

/// How long the exhibits' certificates are valid (the broken dates aside), unless their CA ends sooner:
/// long enough that no scanner warns of an expiry near.
const DAYS: u64 = 90;

/// How far off not-yet-valid's validity starts.
const NOT_YET: u64 = 30;

/// How many days the exhibits' certificates are valid: [`DAYS`], or as many as `ca` has left; after
/// checking that `ca` can sign what the index promises.
///
/// # Errors
/// [`Error::BadRequest`] naming the CA when it is not valid yet or has less than a day left, holds an
/// intermediate without its root (the root is what clients are offered to trust), has name
/// constraints (the exhibits name hosts it would not allow), or an Ed25519 key (Chromium takes no
/// Ed25519 CA, so every exhibit would fail there).
pub(super) fn days(ca: &CertificateAuthority) -> Result<u64> {
    let me = crate::x509::subject(&ca.issued.cert);
    let refuse = |problem: String| Error::BadRequest { problem, remedy: None };
    let now = i64::try_from(rustls_pki_types::UnixTime::now().as_secs()).unwrap_or(i64::MAX);
    let (start, end) = crate::x509::validity_unix(&ca.issued.cert).unwrap_or((i64::MIN, i64::MAX));
    if start > now {
        return Err(refuse(format!(
            "the CA {me} is not valid until {}: the gallery's good certificates would not be good either",
            crate::x509::unix_to_rfc3339(start)
        )));
    }
    let left = end.saturating_sub(now) / 86_400;
    if left < 1 {
        return Err(refuse(format!(
            "the CA {me} is valid until {}: too soon to sign the gallery's certificates, which need a day at least",
            crate::x509::unix_to_rfc3339(end)
        )));
    }
    if ca.root().is_none() {
        return Err(refuse(format!(
            "the CA file holds the intermediate CA {me} without the root above it: the gallery offers the root for clients to trust; put the root's certificate after it in the file"
        )));
    }
    let parsed = x509_parser::parse_x509_certificate(&ca.issued.cert).map(|(_, cert)| cert);
    if let Ok(cert) = &parsed {
        if cert.name_constraints().ok().flatten().is_some() {
            return Err(refuse(format!(
                "the CA {me} has name constraints, and the gallery's exhibits name hosts under localhost and wrong.example: give a CA without them (tls-cert generate --out NEW_DIR makes one)"
            )));
        }
        if cert.public_key().algorithm.algorithm == x509_parser::oid_registry::OID_SIG_ED25519 {
            return Err(refuse(format!(
                "the CA {me} has an Ed25519 key, which Chromium does not take in a CA: every exhibit would fail there; give a CA with an ECDSA or RSA key (tls-cert generate --out NEW_DIR makes one)"
            )));
        }
    }
    Ok(DAYS.min(u64::try_from(left).unwrap_or(DAYS)))
}

/// The TLS Feature extension (RFC 7633) asking for status_request: "must staple".
const TLS_FEATURE: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 1, 24];
const STATUS_REQUEST: &[u8] = &[0x30, 0x03, 0x02, 0x01, 0x05];

/// The exhibit `name`'s certificate and settings, signed (where it is signed at all) by `ca`.
///
/// # Errors
/// [`Error::Generate`] when a certificate cannot be made, or `name` is no exhibit here.
pub(super) fn setup(name: &'static str, ca: &CertificateAuthority, days: u64) -> Result<Setup> {
    let host = format!("{name}.{DOMAIN}");
    let names = [host.as_str()];
    let soon = Validity::days_from_now(days);
    let leaf = |key_type: KeyType| ca.issue_with_key_type(&names, Usage::Server, soon, key_type);
    let tail = tail(ca);
    let with_ca = |issued: Issued| chain(&issued, [], &tail);
    let adjusted = |adjust: fn(&mut rcgen::CertificateParams)| {
        ca.issue_adjusted(&names, (Usage::Server, soon, KeyType::default()), adjust)
            .map(with_ca)
    };
    let mut setup = match name {
        "good"
        | "tls12-only"
        | "tls13-only"
        | "pq-only"
        | "hrr"
        | "client-cert-required"
        | "client-cert-optional"
        | "alpn-h2-only"
        | "no-alpn"
        | "slow-handshake" => Setup::serving(with_ca(leaf(KeyType::default())?)),
        "expired" => Setup::serving(with_ca(ca.issue(
            &names,
            Usage::Server,
            Validity::expired_days_ago(2),
        )?)),
        "not-yet-valid" => Setup::serving(with_ca(ca.issue(
            &names,
            Usage::Server,
            Validity::starting_in_days(NOT_YET),
        )?)),
        "wrong-host" => Setup::serving(with_ca(ca.issue(&["wrong.example"], Usage::Server, soon)?)),
        "self-signed" => Setup::serving(generate::self_signed_leaf(&names, soon)?.identity()),
        "untrusted-root" => {
            let stranger = CertificateAuthority::new("Untrusted Root CA", soon)?;
            let issued = stranger.issue(&names, Usage::Server, soon)?;
            Setup::serving(chain(&issued, [&stranger.issued], &[]))
        }
        "incomplete-chain" => {
            let intermediate = ca.intermediate("tls-echo gallery intermediate", soon)?;
            Setup::serving(intermediate.issue(&names, Usage::Server, soon)?.identity())
        }
        "reversed-chain" => {
            let first = ca.intermediate("tls-echo gallery intermediate 1", soon)?;
            let second = first.intermediate("tls-echo gallery intermediate 2", soon)?;
            let issued = second.issue(&names, Usage::Server, soon)?;
            // The right order is the leaf, then the CA that signed it, and so on up: here the
            // intermediates come top first.
            Setup::serving(chain(&issued, [&first.issued, &second.issued], &tail))
        }
        "long-chain" => {
            let mut cas = vec![ca.intermediate("tls-echo gallery intermediate 1", soon)?];
            for depth in 2..=5 {
                let below = cas[cas.len() - 1].intermediate(&format!("tls-echo gallery intermediate {depth}"), soon)?;
                cas.push(below);
            }
            let issued = cas[cas.len() - 1].issue(&names, Usage::Server, soon)?;
            Setup::serving(chain(&issued, cas.iter().rev().map(|ca| &ca.issued), &tail))
        }
        "no-san" => Setup::serving(adjusted(|params| params.subject_alt_names.clear())?),
        "no-common-name" => Setup::serving(adjusted(|params| {
            params.distinguished_name = rcgen::DistinguishedName::new();
        })?),
        "must-staple-missing" => Setup::serving(adjusted(|params| {
            params
                .custom_extensions
                .push(CustomExtension::from_oid_content(TLS_FEATURE, STATUS_REQUEST.to_vec()));
        })?),
        "ca-as-leaf" => Setup::serving(with_ca(ca.issue_ca_as_leaf(&names, soon)?)),
        "client-auth-only-eku" => Setup::serving(with_ca(ca.issue(&names, Usage::Client, soon)?)),
        "rsa2048" => Setup::serving(with_ca(leaf(KeyType::Rsa2048)?)),
        "rsa4096" => Setup::serving(with_ca(leaf(KeyType::Rsa4096)?)),
        "ecdsa-p384" => Setup::serving(with_ca(leaf(KeyType::EcdsaP384)?)),
        "ed25519" => Setup::serving(with_ca(leaf(KeyType::Ed25519)?)),
        "1000-sans" => Setup::serving(with_ca(many_names(ca, &host, 1000, soon)?)),
        "10000-sans" => Setup::serving(with_ca(many_names(ca, &host, 10_000, soon)?)),
        "name-constraint-violation" => {
            let permitted = [Permitted::Domain("example.test".to_owned())];
            let constrained = ca.constrained_intermediate(
                "tls-echo gallery CA for example.test",
                soon,
                &permitted,
                KeyType::default(),
            )?;
            let issued = constrained.issue_adjusted(&names, (Usage::Server, soon, KeyType::default()), |_| {})?;
            Setup::serving(chain(&issued, [&constrained.issued], &tail))
        }
        "revoked" => revoked(ca, &names, days, &tail)?,
        other => {
            return Err(Error::Generate {
                step: "a gallery exhibit",
                cause: format!("no exhibit is called {other:?}").into(),
            });
        }
    };
    shape(name, &mut setup);
    Ok(setup)
}

/// The protocol side of the exhibits that differ there.
fn shape(name: &str, setup: &mut Setup) {
    use rustls::crypto::aws_lc_rs::kx_group;
    static TLS12: [&rustls::SupportedProtocolVersion; 1] = [&rustls::version::TLS12];
    static TLS13: [&rustls::SupportedProtocolVersion; 1] = [&rustls::version::TLS13];
    match name {
        "tls12-only" => setup.versions = &TLS12,
        "tls13-only" => setup.versions = &TLS13,
        "pq-only" => {
            // The hybrid exists in TLS 1.3 alone: TLS 1.2 would have no key exchange left.
            setup.versions = &TLS13;
            setup.groups = Some(vec![kx_group::X25519MLKEM768]);
        }
        // Clients send a key share for X25519 (and the hybrid) only: a server that takes P-384 alone
        // has to ask again.
        "hrr" => setup.groups = Some(vec![kx_group::SECP384R1]),
        "client-cert-required" => setup.client_auth = Some(true),
        "client-cert-optional" => setup.client_auth = Some(false),
        "alpn-h2-only" => setup.alpn = Some(vec![b"h2".to_vec()]),
        "no-alpn" => setup.alpn = Some(Vec::new()),
        "slow-handshake" => setup.delay = SLOW,
        _ => {}
    }
}

/// What goes after an exhibit's own certificates: its CA's (a root is sent too, so a browser given its
/// pin recognises the chain), and the intermediates above it, when it is one.
pub(super) fn tail(ca: &CertificateAuthority) -> Vec<rustls_pki_types::CertificateDer<'static>> {
    if ca.is_root() {
        vec![ca.issued.cert.clone()]
    } else {
        ca.chain_to_send()
    }
}

/// `issued` followed by `above`, then `tail`, as a server sends it.
fn chain<'a>(
    issued: &Issued,
    above: impl IntoIterator<Item = &'a Issued>,
    tail: &[rustls_pki_types::CertificateDer<'static>],
) -> Identity {
    let chain = std::iter::once(issued.cert.clone())
        .chain(above.into_iter().map(|ca| ca.cert.clone()))
        .chain(tail.iter().cloned())
        .collect();
    Identity::new(chain, issued.key.clone_key())
}

/// A leaf for `host` and `count - 1` other names.
fn many_names(ca: &CertificateAuthority, host: &str, count: usize, validity: Validity) -> Result<Issued> {
    let others: Vec<String> = (1..count).map(|n| format!("name-{n}.example")).collect();
    let names: Vec<&str> = std::iter::once(host).chain(others.iter().map(String::as_str)).collect();
    ca.issue(&names, Usage::Server, validity)
}

/// A certificate revoked an hour ago: listed in a CRL the index offers at `/revoked.crl`, and stapled
/// with an OCSP response that says so.
fn revoked(
    ca: &CertificateAuthority,
    names: &[&str],
    days: u64,
    tail: &[rustls_pki_types::CertificateDer<'static>],
) -> Result<Setup> {
    let issued = ca.issue(names, Usage::Server, Validity::days_from_now(days))?;
    let bad = |step| Error::Generate {
        step,
        cause: "the certificate just made cannot be read".into(),
    };
    let mut revocation =
        Revocation::now(&issued.cert, RevocationReason::KeyCompromise).ok_or_else(|| bad("the gallery's CRL"))?;
    revocation.date -= 3600;
    let crl = ca.revocation_list(std::slice::from_ref(&revocation), 1, days.min(7))?;
    let issuer = Issuer::of(&ca.issued.cert).ok_or_else(|| bad("the gallery's OCSP response"))?;
    let id = CertId::of(&issued.cert, &issuer, false).ok_or_else(|| bad("the gallery's OCSP response"))?;
    let status = CertStatus::Revoked {
        date: revocation.date,
        reason: Some(RevocationReason::KeyCompromise),
    };
    let staple = ca.ocsp_response(&[(id, status)], (days * 24).min(24 * 7), None)?;
    let mut identity = chain(&issued, [], tail);
    identity.ocsp = Some(staple);
    let mut setup = Setup::serving(identity);
    setup.files = vec![
        ("/revoked.crl".to_owned(), "application/pkix-crl", crl.der.to_vec()),
        (
            "/revoked.crl.pem".to_owned(),
            "application/x-pem-file",
            crl.pem.into_bytes(),
        ),
    ];
    Ok(setup)
}
