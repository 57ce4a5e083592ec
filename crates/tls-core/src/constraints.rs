//! Name constraints (RFC 5280 4.2.1.10), read to say which name broke which one: webpki refuses a
//! chain whose certificate holds a name a CA above it may not certify, but says only that it happened.
//! Every certificate below a constraining CA is checked, as webpki checks it: each subject alternative
//! name, and the subject as a directory name. DNS names and IP addresses are matched as webpki
//! matches them; a name of another type under a CA that constrains that type is refused by webpki
//! whatever it is (it does not check those constraints), and is said so.

use std::net::IpAddr;

use rustls_pki_types::CertificateDer;
use x509_parser::extensions::{GeneralName, GeneralSubtree, NameConstraints};
use x509_parser::prelude::FromDer as _;

use crate::fault::{Chain, Found};
use crate::refusal::{Constraint, NameBreach, NameKind, Place};
use crate::x509;

/// The first name of a certificate of `chain` that a CA above it (an intermediate, or a trust
/// anchor) may not certify: the CA, and which name of which certificate broke which constraint.
pub(crate) fn breach(chain: &Chain<'_>) -> Option<(Found, NameBreach)> {
    // The certificates along the path up from the leaf, each with its place in the chain presented.
    let path = chain.path();
    let holders: Vec<(Place, String, Vec<Presented>)> = path
        .iter()
        .map(|(place, der)| (*place, x509::subject(der), presented_names(der)))
        .collect();
    // An intermediate constrains the certificates below it on the path; an anchor, all of them.
    let intermediates = path.iter().enumerate().skip(1).filter_map(|(below, (place, ca))| {
        let (_, cert) = x509_parser::parse_x509_certificate(ca).ok()?;
        let extension = cert
            .get_extension_unique(&x509_parser::oid_registry::OID_X509_EXT_NAME_CONSTRAINTS)
            .ok()??;
        let (_, constraints) = NameConstraints::from_der(extension.value).ok()?;
        Some(((*place, x509::subject(ca)), below, constraints))
    });
    // An anchor keeps its constraints as the contents of the NameConstraints SEQUENCE.
    let wrapped: Vec<(String, Vec<u8>)> = chain
        .anchors
        .iter()
        .filter_map(|anchor| {
            let contents = anchor.name_constraints.as_deref()?;
            Some((
                x509::anchor_subject(anchor.subject.as_ref()),
                x509::anchor_name(contents),
            ))
        })
        .collect();
    let anchors = wrapped.iter().filter_map(|(subject, der)| {
        let (_, constraints) = NameConstraints::from_der(der).ok()?;
        Some(((Place::TrustAnchor, subject.clone()), holders.len(), constraints))
    });
    intermediates.chain(anchors).find_map(|(ca, below, constraints)| {
        holders[..below].iter().find_map(|(place, subject, names)| {
            names.iter().find_map(|name| {
                let constraint = broken(&constraints, name)?;
                let (kind, shown) = name.described();
                Some((
                    ca.clone(),
                    NameBreach {
                        holder_place: *place,
                        holder: subject.clone(),
                        kind,
                        name: shown,
                        is_subject: matches!(name, Presented::Subject(_)),
                        constraint,
                    },
                ))
            })
        })
    })
}

/// The constraint of `constraints` that `name` breaks, as webpki reads them.
fn broken(constraints: &NameConstraints<'_>, name: &Presented) -> Option<Constraint> {
    let excluded = subtrees(constraints.excluded_subtrees.as_deref(), name);
    let permitted = subtrees(constraints.permitted_subtrees.as_deref(), name);
    if name.kind().is_checked() {
        if let Some(base) = excluded.iter().find(|base| matches(base, name, true)) {
            return Some(Constraint::Excluded { by: shown(base) });
        }
        return (!permitted.is_empty() && !permitted.iter().any(|base| matches(base, name, false))).then(|| {
            Constraint::Permitted {
                only: permitted.iter().map(shown).collect(),
            }
        });
    }
    // webpki refuses a name of a type it does not check under any constraint of that type.
    (!excluded.is_empty() || !permitted.is_empty()).then_some(Constraint::NotChecked)
}

/// A name a certificate holds, as the constraints see it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Presented {
    Dns(String),
    Ip(IpAddr),
    /// The certificate's subject, which webpki checks as a directory name.
    Subject(String),
    /// A name of a type webpki does not match (an e-mail address, a URI, a directory name, ...),
    /// in words.
    Other(NameKind, String),
}

impl Presented {
    fn kind(&self) -> NameKind {
        match self {
            Self::Dns(_) => NameKind::Dns,
            Self::Ip(_) => NameKind::Ip,
            Self::Subject(_) => NameKind::Directory,
            Self::Other(kind, _) => *kind,
        }
    }

    fn described(&self) -> (NameKind, String) {
        let shown = match self {
            Self::Dns(name) | Self::Subject(name) | Self::Other(_, name) => name.clone(),
            Self::Ip(ip) => ip.to_string(),
        };
        (self.kind(), shown)
    }
}

/// A constraint of the name's own type: a DNS subtree, an IP network (address and mask), or a
/// subtree of another type, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Base {
    Dns(String),
    Ip(Vec<u8>),
    Other(String),
}

/// A general name's type and, for one webpki does not match, the name in words.
fn kind_and_words(name: &GeneralName<'_>) -> Option<(NameKind, String)> {
    Some(match name {
        GeneralName::DNSName(dns) => (NameKind::Dns, (*dns).to_owned()),
        GeneralName::IPAddress(bytes) => (NameKind::Ip, format!("{bytes:02x?}")),
        GeneralName::RFC822Name(mail) => (NameKind::Email, (*mail).to_owned()),
        GeneralName::URI(uri) => (NameKind::Uri, (*uri).to_owned()),
        GeneralName::DirectoryName(dn) => (NameKind::Directory, x509::dn_string(dn)),
        GeneralName::OtherName(oid, _) => (NameKind::OtherName, oid.to_id_string()),
        GeneralName::RegisteredID(oid) => (NameKind::RegisteredId, oid.to_id_string()),
        GeneralName::X400Address(_) => (NameKind::X400Address, "(an X.400 address)".to_owned()),
        GeneralName::EDIPartyName(_) => (NameKind::EdiPartyName, "(an EDI party name)".to_owned()),
        // A name whose value cannot be read is still of the type its tag says, as webpki reads it.
        GeneralName::Invalid(tag, _) => {
            let kind = match tag.0 {
                0 => NameKind::OtherName,
                1 => NameKind::Email,
                2 => NameKind::Dns,
                3 => NameKind::X400Address,
                4 => NameKind::Directory,
                5 => NameKind::EdiPartyName,
                6 => NameKind::Uri,
                7 => NameKind::Ip,
                8 => NameKind::RegisteredId,
                _ => return None,
            };
            (kind, format!("(a {kind} that cannot be read)"))
        }
    })
}

/// The names of `der` webpki checks against constraints: its subject alternative names, and its
/// subject (checked as a directory name, even when empty).
fn presented_names(der: &CertificateDer<'_>) -> Vec<Presented> {
    let Ok((_, cert)) = x509_parser::parse_x509_certificate(der) else {
        return Vec::new();
    };
    let san = cert.subject_alternative_name().ok().flatten();
    let alt_names = san
        .iter()
        .flat_map(|san| san.value.general_names.iter())
        .filter_map(|name| match name {
            GeneralName::DNSName(dns) => Some(Presented::Dns((*dns).to_owned())),
            GeneralName::IPAddress(bytes) => x509::ip_from_bytes(bytes).map(Presented::Ip),
            // A DNS name or IP address that cannot be read is webpki's MalformedDnsIdentifier (or
            // skipped), not a breach.
            other => kind_and_words(other)
                .filter(|(kind, _)| !kind.is_checked())
                .map(|(kind, words)| Presented::Other(kind, words)),
        });
    alt_names
        .chain(std::iter::once(Presented::Subject(x509::subject(der))))
        .collect()
}

/// The subtrees of `name`'s type among `trees`.
fn subtrees(trees: Option<&[GeneralSubtree<'_>]>, name: &Presented) -> Vec<Base> {
    trees
        .unwrap_or_default()
        .iter()
        .filter_map(|tree| match (&tree.base, name) {
            (GeneralName::DNSName(base), Presented::Dns(_)) => Some(Base::Dns((*base).to_owned())),
            (GeneralName::IPAddress(base), Presented::Ip(_)) => Some(Base::Ip(base.to_vec())),
            (base, name) => {
                let (kind, words) = kind_and_words(base)?;
                (kind == name.kind() && !kind.is_checked()).then_some(Base::Other(words))
            }
        })
        .collect()
}

/// Whether `name` is within `base`: a DNS name equal to it or below it (below only, when it begins
/// with a dot), case aside; an IP address inside the network, of the same family. A wildcard
/// (`*.example.com`) is within a permitted subtree only as a whole, and within an excluded one when
/// any name it stands for is (as webpki reads it since CVE-2025-61727).
fn matches(base: &Base, name: &Presented, excluded: bool) -> bool {
    match (base, name) {
        (Base::Dns(base), Presented::Dns(name)) => {
            let (base, name) = (base.to_ascii_lowercase(), name.to_ascii_lowercase());
            let within = |name: &str| match base.strip_prefix('.') {
                Some(_) => name.ends_with(&base),
                None if base.is_empty() => true,
                None => name == base || name.ends_with(&format!(".{base}")),
            };
            let stands_for = |rest: &str| {
                let base = base.trim_start_matches('.');
                base.split_once('.')
                    .is_some_and(|(label, parent)| !label.is_empty() && parent == rest)
            };
            within(&name) || (excluded && name.strip_prefix("*.").is_some_and(stands_for))
        }
        (Base::Ip(network), Presented::Ip(ip)) => {
            let octets = match ip {
                IpAddr::V4(v4) => v4.octets().to_vec(),
                IpAddr::V6(v6) => v6.octets().to_vec(),
            };
            let (address, mask) = network.split_at(network.len() / 2);
            network.len() == 2 * octets.len()
                && octets
                    .iter()
                    .zip(address.iter().zip(mask))
                    .all(|(byte, (net, mask))| byte & mask == net & mask)
        }
        _ => false,
    }
}

/// A constraint as a person reads it: `example.com`, `10.0.0.0/8`.
fn shown(base: &Base) -> String {
    match base {
        Base::Dns(name) if name.is_empty() => "(any)".to_owned(),
        Base::Dns(name) | Base::Other(name) => name.clone(),
        Base::Ip(network) => {
            let (address, mask) = network.split_at(network.len() / 2);
            let prefix: u32 = mask.iter().map(|byte| byte.count_ones()).sum();
            match x509::ip_from_bytes(address) {
                Some(ip) => format!("{ip}/{prefix}"),
                None => format!("{network:02x?}"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use rcgen::{
        BasicConstraints, CertificateParams, CidrSubnet, DnType, GeneralSubtree, IsCa, Issuer, KeyPair,
        NameConstraints, SanType,
    };

    use super::*;
    use crate::refusal::{Presenter, Reason, Refusal};
    use crate::remedy::Remedy;

    /// A CA's parameters: its name, what it permits and excludes, its own subject alternative names.
    fn ca(
        name: &str,
        permitted: Vec<GeneralSubtree>,
        excluded: Vec<GeneralSubtree>,
        sans: &[&str],
    ) -> CertificateParams {
        let mut ca = CertificateParams::new(sans.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>()).expect("CA");
        ca.distinguished_name.push(DnType::CommonName, name);
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        if !permitted.is_empty() || !excluded.is_empty() {
            ca.name_constraints = Some(NameConstraints {
                permitted_subtrees: permitted,
                excluded_subtrees: excluded,
            });
        }
        ca
    }

    /// A leaf for `names` (the first is also its CN; one with `@` is an e-mail address).
    fn leaf(names: &[&str]) -> CertificateParams {
        let dns: Vec<String> = names
            .iter()
            .filter(|n| !n.contains('@'))
            .map(|n| (*n).to_owned())
            .collect();
        let mut leaf = CertificateParams::new(dns).expect("leaf");
        leaf.distinguished_name.push(DnType::CommonName, names[0]);
        for mail in names.iter().filter(|n| n.contains('@')) {
            leaf.subject_alt_names
                .push(SanType::Rfc822Name((*mail).try_into().expect("e-mail")));
        }
        leaf
    }

    /// The chain root → (intermediate) → leaf, verified for the leaf's first name: the refusal.
    fn refused(root: CertificateParams, intermediate: Option<CertificateParams>, leaf: CertificateParams) -> Refusal {
        let root_key = KeyPair::generate().expect("key");
        let root_der = root.self_signed(&root_key).expect("root").der().clone();
        let mut issuer = Issuer::new(root, root_key);
        let mut intermediates = Vec::new();
        if let Some(params) = intermediate {
            let key = KeyPair::generate().expect("key");
            intermediates.push(params.signed_by(&key, &issuer).expect("intermediate").der().clone());
            issuer = Issuer::new(params, key);
        }
        let name = leaf.subject_alt_names.iter().find_map(|san| match san {
            SanType::DnsName(dns) => Some(dns.as_str().replace("*.", "www.")),
            _ => None,
        });
        let key = KeyPair::generate().expect("key");
        let mut chain: Vec<CertificateDer<'static>> = vec![leaf.signed_by(&key, &issuer).expect("leaf").der().clone()];
        chain.extend(intermediates);
        crate::verify::verify(&[root_der], &chain, name.as_deref(), None, Presenter::File, &[])
            .expect("usable input")
            .expect_err("a name the constraints refuse")
            .refusal
    }

    fn dns(name: &str) -> GeneralSubtree {
        GeneralSubtree::DnsName(name.into())
    }

    fn ten() -> GeneralSubtree {
        GeneralSubtree::IpAddress(CidrSubnet::V4([10, 0, 0, 0], [255, 0, 0, 0]))
    }

    /// webpki refuses; the sentence names the certificate holding the name (the leaf or an
    /// intermediate), the name, the CA by its place and the constraint it broke.
    #[test]
    fn a_name_constraint_violation_names_the_name_the_ca_and_the_constraint() {
        let none = Vec::new;
        let cases = [
            (
                ca("Constrained CA", vec![dns("example.com"), ten()], none(), &[]),
                None,
                leaf(&["localhost"]),
                "certificate CN=localhost holds DNS name localhost, outside the names the trusted CA CN=Constrained CA may certify (its name constraints permit only DNS name example.com)",
            ),
            (
                ca("Constrained CA", vec![dns("example.com"), ten()], none(), &[]),
                None,
                leaf(&["www.example.com", "192.168.1.1"]),
                "certificate CN=www.example.com holds IP address 192.168.1.1, outside the names the trusted CA CN=Constrained CA may certify (its name constraints permit only IP address 10.0.0.0/8)",
            ),
            (
                ca("Constrained CA", none(), vec![dns("example.com"), ten()], &[]),
                None,
                leaf(&["www.example.com"]),
                "certificate CN=www.example.com holds DNS name www.example.com, a name the trusted CA CN=Constrained CA may not certify (its name constraints exclude DNS name example.com)",
            ),
            (
                ca("Constrained CA", vec![dns("www.example.com")], none(), &[]),
                None,
                leaf(&["*.example.com"]),
                "certificate CN=*.example.com holds DNS name *.example.com, a wildcard that stands for names outside those the trusted CA CN=Constrained CA may certify (its name constraints permit only DNS name www.example.com)",
            ),
            (
                ca("Constrained CA", none(), vec![dns("admin.example.com")], &[]),
                None,
                leaf(&["*.example.com"]),
                "certificate CN=*.example.com holds DNS name *.example.com, a wildcard that stands for names the trusted CA CN=Constrained CA may not certify (its name constraints exclude DNS name admin.example.com)",
            ),
            (
                ca("Root", none(), none(), &[]),
                Some(ca("Inter", vec![dns("example.com")], none(), &[])),
                leaf(&["www.example.org"]),
                "certificate CN=www.example.org holds DNS name www.example.org, outside the names the intermediate CN=Inter (certificate 2 of the chain) may certify (its name constraints permit only DNS name example.com)",
            ),
            (
                ca("Root", vec![dns("example.com")], none(), &[]),
                Some(ca("Inter", none(), none(), &["inter.example.net"])),
                leaf(&["www.example.com"]),
                "the intermediate CN=Inter (certificate 2 of the chain) holds DNS name inter.example.net, outside the names the trusted CA CN=Root may certify (its name constraints permit only DNS name example.com)",
            ),
        ];
        for (root, intermediate, leaf, sentence) in cases {
            let refusal = refused(root, intermediate, leaf);
            assert_eq!(refusal.to_string(), sentence, "the facts");
            assert_eq!(refusal.remedy(), Some(Remedy::NameTheCaAllows));
        }
    }

    /// A constraint on a type of name webpki does not match (directory names, e-mail addresses)
    /// refuses every such name below the CA, whatever it is: said so, with the name it met.
    #[test]
    fn a_constraint_the_verifier_does_not_check_is_said_as_such() {
        let mut lab = rcgen::DistinguishedName::new();
        lab.push(DnType::OrganizationName, "Lab");
        let cases = [
            (
                ca(
                    "Constrained CA",
                    vec![GeneralSubtree::DirectoryName(lab)],
                    Vec::new(),
                    &[],
                ),
                leaf(&["www.example.com"]),
                "certificate CN=www.example.com has the subject (a directory name) CN=www.example.com, and the trusted CA CN=Constrained CA has name constraints on directory names, which the verifier does not check: it refuses every certificate below such a CA that holds one",
            ),
            (
                ca(
                    "Constrained CA",
                    vec![GeneralSubtree::Rfc822Name("example.com".into())],
                    Vec::new(),
                    &[],
                ),
                leaf(&["www.example.com", "me@example.com"]),
                "certificate CN=www.example.com holds e-mail address me@example.com, and the trusted CA CN=Constrained CA has name constraints on e-mail addresses, which the verifier does not check: it refuses every certificate below such a CA that holds one",
            ),
        ];
        for (root, leaf, sentence) in cases {
            let refusal = refused(root, None, leaf);
            assert_eq!(refusal.to_string(), sentence, "the facts");
            assert_eq!(refusal.remedy(), Some(Remedy::CheckedConstraintsOnly));
        }
    }

    /// Scripts get the breach as fields, not a sentence.
    #[test]
    fn the_breach_is_fields_in_json() {
        let refusal = refused(
            ca("Root", vec![dns("example.com")], Vec::new(), &[]),
            Some(ca("Inter", Vec::new(), Vec::new(), &["inter.example.net"])),
            leaf(&["www.example.com"]),
        );
        assert!(matches!(refusal.reason, Reason::NameConstraint { breach: Some(_) }));
        let json = serde_json::to_value(&refusal).expect("json");
        assert_eq!(
            json,
            serde_json::json!({
                "place": "trust_anchor",
                "subject": "CN=Root",
                "reason": "name_constraint",
                "breach": {
                    "holder_place": {"intermediate": {"index": 1}},
                    "holder": "CN=Inter",
                    "kind": "dns",
                    "name": "inter.example.net",
                    "is_subject": false,
                    "rule": "permitted",
                    "only": ["example.com"],
                },
            })
        );
    }

    /// A name inside the constraints verifies.
    #[test]
    fn names_inside_the_constraints_verify() {
        let root = ca("Constrained CA", vec![dns("example.com"), ten()], Vec::new(), &[]);
        let root_key = KeyPair::generate().expect("key");
        let root_der = root.self_signed(&root_key).expect("root").der().clone();
        let issuer = Issuer::new(root, root_key);
        let key = KeyPair::generate().expect("key");
        let leaf = leaf(&["www.example.com", "10.1.2.3", "*.example.com"])
            .signed_by(&key, &issuer)
            .expect("leaf");
        assert!(
            crate::verify::verify(
                &[root_der],
                &[leaf.der().clone()],
                Some("www.example.com"),
                None,
                Presenter::File,
                &[],
            )
            .expect("usable input")
            .is_ok()
        );
    }

    #[test]
    fn dns_and_ip_subtrees_match_as_webpki_reads_them() {
        let dns = |base: &str, name: &str, excluded: bool| {
            matches(&Base::Dns(base.into()), &Presented::Dns(name.into()), excluded)
        };
        assert!(dns("example.com", "example.com", false) && dns("example.com", "www.Example.COM", false));
        assert!(!dns("example.com", "badexample.com", false) && !dns("example.com", "localhost", false));
        assert!(dns(".example.com", "www.example.com", false) && !dns(".example.com", "example.com", false));
        assert!(dns("example.com", "*.example.com", false) && !dns("www.example.com", "*.example.com", false));
        assert!(dns("www.example.com", "*.example.com", true) && !dns("a.b.example.com", "*.example.com", true));
        let ip = |net: &[u8], name: &str| {
            matches(
                &Base::Ip(net.to_vec()),
                &Presented::Ip(name.parse().expect("ip")),
                false,
            )
        };
        let ten = [10, 0, 0, 0, 255, 0, 0, 0];
        assert!(ip(&ten, "10.1.2.3") && !ip(&ten, "11.0.0.1") && !ip(&ten, "::1"));
        assert_eq!(shown(&Base::Ip(ten.to_vec())), "10.0.0.0/8");
    }
}
