//! C2SP x509-limbo (`shared/x509-limbo/limbo.json.gz` beside this checkout, or `$X509_LIMBO`), the
//! public path-validation suite verifiers are judged by, through `tls_core::verify`: on every server
//! case the verdict is rustls-webpki's own (its verifier, called directly, is the oracle); where
//! rustls-webpki's verdict differs from the suite's expectation, the case is listed below with the
//! reason (rustls-webpki's documented choices); and every refusal is a sentence with no debug token
//! that names a certificate of the chain. A few representative refusals are checked word for word.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::ServerCertVerifier as _;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use serde_json::Value;
use tls_core::revocation::Crl;
use tls_core::{Presenter, Reason, x509};

/// The suite, read once: gzip, then JSON.
fn suite() -> Value {
    let path = std::env::var_os("X509_LIMBO").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/x509-limbo/limbo.json.gz"),
        PathBuf::from,
    );
    assert!(
        path.is_file(),
        "x509-limbo is not at {} (the shared/ folder beside this checkout): set X509_LIMBO to its path",
        path.display()
    );
    let out = std::process::Command::new("gzip")
        .arg("-dc")
        .arg(&path)
        .output()
        .expect("gzip runs");
    assert!(out.status.success(), "gzip -dc {}: {:?}", path.display(), out.status);
    serde_json::from_slice(&out.stdout).expect("the suite is JSON")
}

/// The case's CRLs (`crl::` cases), each as `tls-cert verify --crl` reads a file.
fn crls(case: &Value) -> Vec<Crl> {
    case["crls"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .flat_map(|pem| tls_core::pem::parse_crls(Path::new("limbo"), pem.as_bytes().to_vec()).expect("a CRL"))
        .collect()
}

fn certs(pems: &Value) -> Vec<CertificateDer<'static>> {
    pems.as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .flat_map(|pem| tls_core::pem::parse_cert_chain(Path::new("limbo"), pem.as_bytes().to_vec()).expect("PEM"))
        .collect()
}

/// One server case, as `tls-cert verify` would see it, and what became of it.
struct Case {
    id: String,
    expected_success: bool,
    /// Every certificate of the case: the peer's, the intermediates, the trusted ones.
    subjects: Vec<String>,
    /// rustls-webpki's verdict, from its verifier called directly.
    webpki_success: bool,
    /// Ours: `None` for success, else the refusal as it is said.
    refusal: Option<String>,
    /// Ours is a name-constraint refusal that does not say which name broke which constraint.
    breach_untold: bool,
}

fn run(case: &Value) -> Case {
    let trusted = certs(&case["trusted_certs"]);
    let peer = certs(&Value::Array(vec![case["peer_certificate"].clone()]));
    let intermediates = certs(&case["untrusted_intermediates"]);
    let name = case["expected_peer_name"]["value"].as_str();
    let at = case["validation_time"]
        .as_str()
        .map(|time| tls_core::verify::parse_time(time).expect("an RFC 3339 time"));
    let chain: Vec<CertificateDer<'static>> = peer.iter().chain(&intermediates).cloned().collect();
    let crls = crls(case);
    let ours = tls_core::verify::verify(&trusted, &chain, name, at, Presenter::File, &crls).expect("usable input");

    // The oracle: rustls' webpki verifier alone, for the name ours checked (the first subject
    // alternative name when the case gives none; with none at all, any name is refused).
    let checked = match &ours {
        Ok(verified) => Some(verified.name.clone()),
        Err(_) => name.map(str::to_owned).or_else(|| {
            x509::alt_names(&peer[0])
                .into_iter()
                .find_map(|n| n.strip_prefix("DNS ").map(str::to_owned))
        }),
    };
    let mut roots = rustls::RootCertStore::empty();
    for cert in &trusted {
        roots.add(cert.clone()).expect("a usable trust anchor");
    }
    // Revocation as ours checks it: the end entity's, its issuer's list required, expiry enforced.
    let builder = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), Arc::new(tls_core::provider()));
    let builder = if crls.is_empty() {
        builder
    } else {
        builder
            .with_crls(crls)
            .only_check_end_entity_revocation()
            .enforce_revocation_expiration()
    };
    let verifier = builder.build().expect("a verifier");
    let webpki_success = checked.is_some_and(|checked| {
        let server_name = ServerName::try_from(checked).expect("a server name");
        verifier
            .verify_server_cert(
                &peer[0],
                &intermediates,
                &server_name,
                &[],
                at.unwrap_or_else(UnixTime::now),
            )
            .is_ok()
    });
    Case {
        id: case["id"].as_str().expect("an id").to_owned(),
        expected_success: case["expected_result"] == "SUCCESS",
        subjects: peer
            .iter()
            .chain(&intermediates)
            .chain(&trusted)
            .map(x509::subject)
            .collect(),
        webpki_success,
        breach_untold: ours
            .as_ref()
            .is_err_and(|invalid| matches!(invalid.refusal.reason, Reason::NameConstraint { breach: None })),
        refusal: ours.err().map(|invalid| invalid.to_string()),
    }
}

fn server_cases() -> Vec<Case> {
    suite()["testcases"]
        .as_array()
        .expect("testcases")
        .iter()
        .filter(|case| case["validation_kind"] == "SERVER")
        .map(run)
        .collect()
}

/// Where rustls-webpki's verdict is not the suite's expectation: rustls-webpki's documented choices
/// (and what `tls-cert verify` is not given), each case with its reason.
fn known_differences() -> BTreeMap<&'static str, &'static str> {
    let depth = "the suite's own chain-depth limit is not applied; rustls-webpki's limits are";
    let aki = "rustls-webpki does not require or check the authority and subject key identifiers";
    let cn = "rustls-webpki matches names in the subject alternative names only, never in the CN (RFC 6125 6.4.4)";
    let nc =
        "rustls-webpki accepts this name-constraints extension (criticality, form or placement) as RFC 5280 does not";
    let pedantic = "rustls-webpki does not enforce this (the suite marks the case pedantic)";
    let anchor = "rustls-webpki takes a trust anchor as its name and key only: its dates, extensions and basic constraints are not checked";
    let ca_as_leaf = "rustls-webpki refuses a CA certificate (CA:TRUE) as the end-entity certificate";
    BTreeMap::from([
        (
            "crl::crlnumber-missing",
            "rustls-webpki does not require a CRL number (RFC 5280 5.2.3 makes it mandatory)",
        ),
        (
            "crl::crlnumber-critical",
            "rustls-webpki reads a CRL number marked critical (RFC 5280 5.2.3 wants it non-critical)",
        ),
        (
            "crl::issuer-missing-crlsign",
            "the CRL's signer is the trust anchor, which rustls-webpki takes as its name and key only: its key usage without cRLSign is not seen",
        ),
        ("pathlen::max-chain-depth-0-exhausted", depth),
        ("pathlen::max-chain-depth-1-exhausted", depth),
        ("rfc5280::aki::critical-aki", aki),
        ("rfc5280::aki::leaf-missing-aki", aki),
        ("rfc5280::aki::intermediate-missing-aki", aki),
        ("rfc5280::aki::cross-signed-root-missing-aki", aki),
        ("rfc5280::ski::critical-ski", aki),
        ("rfc5280::ski::root-missing-ski", aki),
        ("rfc5280::ski::intermediate-missing-ski", aki),
        ("webpki::aki::root-with-aki-missing-keyidentifier", anchor),
        ("webpki::aki::root-with-aki-authoritycertissuer", anchor),
        ("webpki::aki::root-with-aki-authoritycertserialnumber", anchor),
        ("webpki::aki::root-with-aki-all-fields", anchor),
        ("webpki::aki::root-with-aki-ski-mismatch", anchor),
        ("rfc5280::validity::expired-root", anchor),
        ("rfc5280::unknown-critical-extension-root", anchor),
        ("rfc5280::root-missing-basic-constraints", anchor),
        ("rfc5280::root-non-critical-basic-constraints", anchor),
        ("rfc5280::root-inconsistent-ca-extensions", anchor),
        ("rfc5280::ca-empty-subject", anchor),
        ("webpki::eku::root-has-eku", anchor),
        ("webpki::forbidden-rsa-not-divisible-by-8-in-root", anchor),
        ("rfc5280::nc::permitted-dns-match-noncritical", nc),
        ("rfc5280::nc::invalid-dnsname-leading-period", nc),
        ("rfc5280::nc::not-allowed-in-ee-noncritical", nc),
        ("rfc5280::nc::not-allowed-in-ee-critical", nc),
        ("webpki::nc::intermediate-permitted-excluded-subtrees-both-null", nc),
        (
            "webpki::nc::intermediate-permitted-excluded-subtrees-both-empty-sequences",
            nc,
        ),
        (
            "rfc5280::pc::ica-noncritical-pc",
            "rustls-webpki does not process policy constraints",
        ),
        (
            "rfc5280::san::noncritical-with-empty-subject",
            "rustls-webpki does not require the SAN to be critical when the subject is empty",
        ),
        (
            "webpki::san::san-critical-with-nonempty-subject",
            "rustls-webpki does not refuse a critical SAN beside a subject",
        ),
        (
            "rfc5280::san::underscore-dns",
            "rustls-webpki accepts an underscore in a DNS name",
        ),
        ("rfc5280::serial::too-long", pedantic),
        ("rfc5280::serial::zero", pedantic),
        (
            "rfc5280::leaf-ku-keycertsign",
            "rustls-webpki does not refuse keyCertSign in an end-entity's key usage",
        ),
        ("webpki::cn::ipv4-hex-mismatch", cn),
        ("webpki::cn::ipv4-leading-zeros-mismatch", cn),
        ("webpki::cn::ipv6-uppercase-mismatch", cn),
        ("webpki::cn::ipv6-uncompressed-mismatch", cn),
        ("webpki::cn::ipv6-non-rfc5952-mismatch", cn),
        ("webpki::cn::punycode-not-in-san", cn),
        ("webpki::cn::utf8-vs-punycode-mismatch", cn),
        ("webpki::cn::not-in-san", cn),
        ("webpki::cn::case-mismatch", cn),
        ("webpki::eku::ee-anyeku", pedantic),
        ("webpki::eku::ee-critical-eku", pedantic),
        ("webpki::eku::ee-without-eku", pedantic),
        ("webpki::san::public-suffix-multi-label-wildcard-san", pedantic),
        ("webpki::san::public-suffix-private-namespace-wildcard-san", pedantic),
        (
            "webpki::malformed-aia",
            "rustls-webpki does not read the authority information access extension",
        ),
        (
            "webpki::forbidden-p192-leaf",
            "the end-entity's key is not used to verify the chain: rustls-webpki does not judge it",
        ),
        (
            "webpki::forbidden-dsa-leaf",
            "the end-entity's key is not used to verify the chain: rustls-webpki does not judge it",
        ),
        (
            "webpki::forbidden-weak-rsa-in-leaf",
            "the end-entity's key is not used to verify the chain: rustls-webpki does not judge it",
        ),
        (
            "webpki::forbidden-rsa-key-not-divisible-by-8-in-leaf",
            "the end-entity's key is not used to verify the chain: rustls-webpki does not judge it",
        ),
        ("pathlen::validation-ignores-pathlen-in-leaf", ca_as_leaf),
        ("rfc5280::ca-as-leaf", ca_as_leaf),
        (
            "pathlen::self-issued-certs-pathlen",
            "rustls-webpki does not chain a self-issued intermediate that renews its issuer's key",
        ),
        (
            "rfc5280::nc::permitted-self-issued",
            "rustls-webpki does not chain a self-issued intermediate that renews its issuer's key",
        ),
        (
            "rfc5280::nc::permitted-dn-match",
            "the case gives no server name and the certificate has no subject alternative name: checked for no name, it is valid for none",
        ),
    ])
}

/// A word that is a Rust identifier as `{:?}` writes it (`NameConstraintViolation`, `Other(...`,
/// `BadEncoding`): CamelCase of two humps or more. Names in certificates (`CN=Lab CA`) are not.
fn debug_token(sentence: &str) -> Option<&str> {
    sentence.split_whitespace().find(|word| {
        let word = word
            .trim_matches(|c: char| !c.is_alphanumeric())
            .split(['(', '{'])
            .next()
            .unwrap_or("");
        let humps = word.chars().filter(char::is_ascii_uppercase).count();
        word.len() > 3
            && word.chars().all(|c| c.is_ascii_alphanumeric())
            && word.starts_with(|c: char| c.is_ascii_uppercase())
            && word.chars().any(|c| c.is_ascii_lowercase())
            && humps >= 2
    })
}

#[test]
fn every_server_case_gets_rustls_webpkis_verdict_and_a_sentence() {
    let cases = server_cases();
    assert!(cases.len() > 150, "only {} server cases read", cases.len());
    let known = known_differences();
    let mut problems = Vec::new();
    let mut differing = Vec::new();
    for case in &cases {
        let ours = case.refusal.is_none();
        if ours != case.webpki_success {
            problems.push(format!(
                "{}: ours {ours}, rustls-webpki {}",
                case.id, case.webpki_success
            ));
        }
        if case.webpki_success != case.expected_success {
            differing.push(case.id.as_str());
        }
        let Some(sentence) = &case.refusal else { continue };
        if case.breach_untold {
            problems.push(format!(
                "{}: which name broke which constraint is not said: {sentence:?}",
                case.id
            ));
        }
        if let Some(token) = debug_token(sentence) {
            problems.push(format!("{}: a debug token {token:?} in {sentence:?}", case.id));
        }
        // A subject may be shortened in the sentence (one of 2,048 e-mail addresses is): its start counts.
        let named = |subject: &String| sentence.contains(subject.chars().take(100).collect::<String>().as_str());
        if !case.subjects.iter().any(named) {
            problems.push(format!("{}: names no certificate of the chain: {sentence:?}", case.id));
        }
    }
    differing.sort_unstable();
    let listed: Vec<&str> = known.keys().copied().collect();
    if differing != listed {
        let new: Vec<&&str> = differing.iter().filter(|id| !known.contains_key(**id)).collect();
        let stale: Vec<&&str> = listed.iter().filter(|id| !differing.contains(id)).collect();
        problems.push(format!(
            "differences from the suite not listed: {new:?}; listed but no longer differing: {stale:?}"
        ));
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Representative refusals, word for word (the remedy in the library's words): each names the
/// certificate at fault by its place and the fact that broke the rule.
#[test]
fn representative_refusals_are_said_in_full() {
    let cases = server_cases();
    let expected = [
        (
            "rfc5280::validity::expired-intermediate",
            r#"the intermediate CN=x509-limbo-intermediate-pathlen-None,OU=105240728076681573309567711324465741610766475068 (certificate 2 of the chain) has expired: it is valid from 2016-01-01T00:00:00Z to 2020-01-01T00:00:00Z, and the time checked is 2022-01-01T00:00:00Z (the certificate it vouches for is within its own dates); its CA must issue it again, and the file must hold the new one"#,
        ),
        (
            "rfc5280::validity::expired-leaf",
            r#"certificate CN=example.com has expired: it is valid from 2018-01-01T00:00:00Z to 2021-01-01T00:00:00Z, and the time checked is 2022-01-01T00:00:00Z; make a new one"#,
        ),
        (
            "rfc5280::validity::not-yet-valid-5-seconds",
            r#"certificate CN=example.com is not valid yet: it is valid from 2024-03-01T00:00:05Z to 2024-04-01T00:00:00Z, and the time checked is 2024-03-01T00:00:00Z"#,
        ),
        (
            "rfc5280::nc::permitted-dns-mismatch",
            r#"certificate CN=example.com holds DNS name not-example.com, outside the names the trusted CA CN=x509-limbo-root may certify (its name constraints permit only DNS name example.com); use a name that CA may certify, or have the certificate issued by a CA without that constraint"#,
        ),
        (
            "rfc5280::nc::excluded-ipv4-match",
            r#"certificate CN=example.com holds IP address 192.0.2.1, a name the trusted CA CN=x509-limbo-root may not certify (its name constraints exclude IP address 192.0.2.0/24); use a name that CA may certify, or have the certificate issued by a CA without that constraint"#,
        ),
        (
            "rfc5280::nc::intermediate-with-san-rejected-by-intermediate-nc",
            r#"the intermediate CN=x509-limbo-intermediate-pathlen-None,OU=630369269590794372716514827353624427281432448390 (certificate 3 of the chain) holds DNS name forbidden.example.com, a name the intermediate CN=x509-limbo-intermediate-pathlen-None,OU=277174392326838428012663783488311462899061083554 (certificate 2 of the chain) may not certify (its name constraints exclude DNS name forbidden.example.com); use a name that CA may certify, or have the certificate issued by a CA without that constraint"#,
        ),
        (
            "rfc5280::nc::nc-forbids-dnsname-wildcard-san",
            r#"certificate CN=example.com holds DNS name *.example.com, a wildcard that stands for names the intermediate CN=x509-limbo-intermediate-pathlen-None,OU=294970882950063581197924945098760778604948405934 (certificate 2 of the chain) may not certify (its name constraints exclude DNS name bar.example.com); use a name that CA may certify, or have the certificate issued by a CA without that constraint"#,
        ),
        (
            "rfc5280::nc::excluded-dn-match",
            r#"certificate CN=foo holds directory name CN=foo, and the trusted CA CN=x509-limbo-root has name constraints on directory names, which the verifier does not check: it refuses every certificate below such a CA that holds one; have the certificate issued by a CA whose name constraints are on DNS names and IP addresses only (the types the verifier checks), or that has none"#,
        ),
        (
            "pathlen::intermediate-violates-pathlen-0",
            r#"the intermediate CN=x509-limbo-intermediate-pathlen-0,OU=675080252315539626563961994298086815053194278525 (certificate 2 of the chain) allows 0 intermediate CA(s) below it (its basicConstraints pathLenConstraint), and the chain has 1; issue the chain again with fewer intermediate CAs below that CA, or from a CA whose pathLenConstraint allows them"#,
        ),
        (
            "webpki::forbidden-weak-rsa-key-in-root",
            r#"the trusted CA CN=x509-limbo-root has a key the verifier cannot check signatures with: RSA 1024 bits, under the 2048 bits rustls accepts; replace that CA with one whose key is ECDSA P-256, P-384 or P-521, or RSA of 2048 bits or more"#,
        ),
        (
            "webpki::forbidden-p192-root",
            r#"the trusted CA CN=x509-limbo-root has a key the verifier cannot check signatures with: an EC key on P-192, which the verifier does not accept; replace that CA with one whose key is ECDSA P-256, P-384 or P-521, or RSA of 2048 bits or more"#,
        ),
        (
            "webpki::explicit-curve",
            r#"the trusted CA CN=x509-limbo-explicit-ec-root has a key the verifier cannot check signatures with: an EC key whose curve is spelled out (explicit parameters) instead of named, which the verifier does not accept; replace that CA with one whose key is ECDSA P-256, P-384 or P-521, or RSA of 2048 bits or more"#,
        ),
        (
            "rfc5280::eku::ee-wrong-eku",
            r#"certificate CN=example.com is not meant for TLS servers (its extended key usage lacks serverAuth); make it again with serverAuth in its extended key usage (or with no extended key usage)"#,
        ),
        (
            "rfc5280::ca-as-leaf",
            r#"certificate CN=x509-limbo-intermediate-pathlen-None,OU=723331926374666590504484313317713892191047620041 is a CA certificate (CA:TRUE) used as the server's own certificate; the server must present a leaf certificate signed by that CA"#,
        ),
        (
            "rfc5280::intermediate-ca-without-ca-bit",
            r#"the intermediate CN=x509-limbo-intermediate-pathlen-None,OU=193080946005789405715820867130414646361970424409 (certificate 2 of the chain) is in the place of a CA but is not one (no basicConstraints CA:TRUE); an intermediate must be made with CA:TRUE"#,
        ),
        (
            "rfc5280::unknown-critical-extension-intermediate",
            r#"the intermediate CN=x509-limbo-intermediate-pathlen-0,OU=604357703475520801399590331789665829589852792432 (certificate 2 of the chain) has an extension marked critical that the verifier does not read, 1.3.6.1.4.1.55738.666.1, and a critical extension it cannot read must be refused; make that certificate again without the extension, or with it not marked critical"#,
        ),
        (
            "webpki::san::mismatch-domain-san",
            r#"certificate CN=example.com is valid for DNS example.com, not for example2.com; connect with a name it holds or make a certificate for this one"#,
        ),
        (
            "rfc5280::san::ip-in-dns",
            r#"certificate CN=example.com is valid for DNS 8.8.8.8, not for 8.8.8.8 (it writes 8.8.8.8 as a DNS name; an IP address must be in an IP subject alternative name); connect with a name it holds or make a certificate for this one"#,
        ),
        (
            "invalid::invalid-issuer-key",
            r#"the intermediate CN=x509-limbo-intermediate-pathlen-None,OU=255372659288738699547939433766060509931567172863 (certificate 2 of the chain) has a key the verifier cannot check signatures with: an RSA key that cannot be read; replace that CA with one whose key is ECDSA P-256, P-384 or P-521, or RSA of 2048 bits or more"#,
        ),
        (
            "rfc5280::nc::invalid-ipv4-address",
            r#"the trusted CA CN=x509-limbo-root has an IP address name constraint whose mask is not a network mask (its one bits are not all at the front)"#,
        ),
    ];
    let mut wrong = Vec::new();
    for (id, sentence) in expected {
        let case = cases.iter().find(|case| case.id == id).expect(id);
        if case.refusal.as_deref() != Some(sentence) {
            wrong.push(format!("{id}:\n  expected {sentence}\n  got      {:?}", case.refusal));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// An e-mail name constraint, said word for word: rustls-webpki refuses every e-mail address below it.
const EMAIL_CONSTRAINT: &str = "certificate CN=example.com holds e-mail address foo@example.com, and the intermediate CN=x509-limbo-intermediate-pathlen-None,OU=556278627546999903376469724997933164360586354781 (certificate 2 of the chain) has name constraints on e-mail addresses, which the verifier does not check: it refuses every certificate below such a CA that holds one; have the certificate issued by a CA whose name constraints are on DNS names and IP addresses only (the types the verifier checks), or that has none";

/// The client cases (`tls-cert verify --purpose client`, what echo-server's `--client-ca` checks): the
/// verdict is rustls-webpki's client verifier's, and where it is not the suite's, the case is listed.
#[test]
fn every_client_case_gets_rustls_webpkis_verdict_and_a_sentence() {
    let suite = suite();
    let cases: Vec<&Value> = suite["testcases"]
        .as_array()
        .expect("testcases")
        .iter()
        .filter(|case| case["validation_kind"] == "CLIENT")
        .collect();
    assert!(cases.len() >= 10, "only {} client cases read", cases.len());
    let email = "rustls-webpki does not match e-mail addresses (rfc822Name) against a CA's e-mail name constraints: it refuses the chain";
    let known: BTreeMap<&str, &str> = BTreeMap::from([
        ("rfc5280::nc::nc-permits-email-exact", email),
        ("rfc5280::nc::nc-permits-email-domain", email),
        ("rfc5280::nc::nc-permits-email-literal-asterisk-exact-match", email),
        ("rfc5280::nc::nc-permits-email-literal-double-asterisk", email),
        ("rfc5280::nc::nc-permits-email-literal-mid-asterisk", email),
    ]);
    let mut problems = Vec::new();
    for case in cases {
        let id = case["id"].as_str().expect("an id");
        let trusted = certs(&case["trusted_certs"]);
        let peer = certs(&Value::Array(vec![case["peer_certificate"].clone()]));
        let intermediates = certs(&case["untrusted_intermediates"]);
        let at = case["validation_time"]
            .as_str()
            .map(|time| tls_core::verify::parse_time(time).expect("an RFC 3339 time"));
        let chain: Vec<CertificateDer<'static>> = peer.iter().chain(&intermediates).cloned().collect();
        let ours = tls_core::verify::verify_client(&trusted, &chain, at, &crls(case)).expect("usable input");
        let mut roots = rustls::RootCertStore::empty();
        for cert in &trusted {
            roots.add(cert.clone()).expect("a usable trust anchor");
        }
        let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
            Arc::new(roots),
            Arc::new(tls_core::provider()),
        )
        .build()
        .expect("a verifier");
        let webpki = verifier
            .verify_client_cert(&peer[0], &intermediates, at.unwrap_or_else(UnixTime::now))
            .is_ok();
        if ours.is_ok() != webpki {
            problems.push(format!("{id}: ours {}, rustls-webpki {webpki}", ours.is_ok()));
        }
        let expected = case["expected_result"] == "SUCCESS";
        if (webpki != expected) != known.contains_key(id) {
            problems.push(format!(
                "{id}: rustls-webpki says {webpki}, the suite {expected}; listed as a known difference: {}",
                known.contains_key(id)
            ));
        }
        if let Err(invalid) = &ours {
            let sentence = invalid.to_string();
            if let Some(token) = debug_token(&sentence) {
                problems.push(format!("{id}: a debug token {token:?} in {sentence:?}"));
            }
            if matches!(invalid.refusal.reason, Reason::NameConstraint { breach: None }) {
                problems.push(format!(
                    "{id}: which name broke which constraint is not said: {sentence:?}"
                ));
            }
            if id == "rfc5280::nc::nc-permits-email-exact" && sentence != EMAIL_CONSTRAINT {
                problems.push(format!("{id}:\n  expected {EMAIL_CONSTRAINT}\n  got      {sentence}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
