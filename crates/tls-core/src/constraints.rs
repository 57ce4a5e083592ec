//! Name constraints (RFC 5280 4.2.1.10), read to say which name broke which one: webpki refuses a
//! chain whose leaf holds a name a CA above it may not certify, but says only that it happened.
//! DNS names and IP addresses are checked here, as webpki checks them; other name types are left to
//! the general sentence.

use std::net::IpAddr;

use rustls_pki_types::{CertificateDer, TrustAnchor};
use x509_parser::extensions::{GeneralName, NameConstraints};
use x509_parser::prelude::FromDer as _;

use crate::x509;

/// A name that a CA may not certify: the CA, and the sentence saying which name broke which constraint.
pub(crate) struct Breach {
    /// The CA whose constraint the name broke, by its subject.
    pub(crate) ca: String,
    /// The name, the CA and its constraint, in words.
    pub(crate) sentence: String,
}

/// The first name of `leaf` (a DNS or IP subject alternative name) that a CA of the chain, or the
/// trust anchor, may not certify.
pub(crate) fn breach(
    leaf: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    anchors: &[TrustAnchor<'_>],
) -> Option<Breach> {
    let names = presented_names(leaf)?;
    let subject = x509::subject(leaf);
    let intermediates = intermediates.iter().filter_map(|ca| {
        let (_, cert) = x509_parser::parse_x509_certificate(ca).ok()?;
        let extension = cert
            .get_extension_unique(&x509_parser::oid_registry::OID_X509_EXT_NAME_CONSTRAINTS)
            .ok()??;
        let (_, constraints) = NameConstraints::from_der(extension.value).ok()?;
        Some((x509::subject(ca), constraints))
    });
    // An anchor keeps its constraints as the contents of the NameConstraints SEQUENCE.
    let wrapped: Vec<(String, Vec<u8>)> = anchors
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
        Some((subject.clone(), constraints))
    });
    intermediates.chain(anchors).find_map(|(ca, constraints)| {
        names.iter().find_map(|name| {
            let excluded = subtrees(constraints.excluded_subtrees.as_deref(), name)
                .into_iter()
                .find(|base| matches(base, name));
            if let Some(base) = excluded {
                let sentence = format!(
                    "certificate {subject} holds {} {name}, a name its CA {ca} may not certify (the CA's name constraints exclude {} {})",
                    kind(name),
                    kind(name),
                    shown(&base)
                );
                return Some(Breach {
                    ca: ca.clone(),
                    sentence,
                });
            }
            let permitted = subtrees(constraints.permitted_subtrees.as_deref(), name);
            (!permitted.is_empty() && !permitted.iter().any(|base| matches(base, name))).then(|| {
                let allowed: Vec<String> = permitted.iter().map(|base| format!("{} {}", kind(name), shown(base))).collect();
                Breach {
                    ca: ca.clone(),
                    sentence: format!(
                        "certificate {subject} holds {} {name}, outside the names its CA {ca} may certify (the CA's name constraints permit only {})",
                        kind(name),
                        allowed.join(", ")
                    ),
                }
            })
        })
    })
}

/// A name a certificate presents for TLS: a DNS name or an IP address.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Presented {
    Dns(String),
    Ip(IpAddr),
}

impl std::fmt::Display for Presented {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Dns(name) => f.write_str(name),
            Self::Ip(ip) => write!(f, "{ip}"),
        }
    }
}

/// A constraint of the name's own type: a DNS subtree, or an IP network (address and mask).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Base {
    Dns(String),
    Ip(Vec<u8>),
}

fn kind(name: &Presented) -> &'static str {
    match name {
        Presented::Dns(_) => "DNS name",
        Presented::Ip(_) => "IP address",
    }
}

fn presented_names(leaf: &CertificateDer<'_>) -> Option<Vec<Presented>> {
    let (_, cert) = x509_parser::parse_x509_certificate(leaf).ok()?;
    let san = cert.subject_alternative_name().ok()??;
    Some(
        san.value
            .general_names
            .iter()
            .filter_map(|name| match name {
                GeneralName::DNSName(dns) => Some(Presented::Dns((*dns).to_owned())),
                GeneralName::IPAddress(bytes) => x509::ip_from_bytes(bytes).map(Presented::Ip),
                _ => None,
            })
            .collect(),
    )
}

/// The subtrees of `name`'s type among `trees`.
fn subtrees(trees: Option<&[x509_parser::extensions::GeneralSubtree<'_>]>, name: &Presented) -> Vec<Base> {
    trees
        .unwrap_or_default()
        .iter()
        .filter_map(|tree| match (&tree.base, name) {
            (GeneralName::DNSName(base), Presented::Dns(_)) => Some(Base::Dns((*base).to_owned())),
            (GeneralName::IPAddress(base), Presented::Ip(_)) => Some(Base::Ip(base.to_vec())),
            _ => None,
        })
        .collect()
}

/// Whether `name` is within `base`: a DNS name equal to it or below it (below only, when it begins
/// with a dot), case aside; an IP address inside the network, of the same family.
fn matches(base: &Base, name: &Presented) -> bool {
    match (base, name) {
        (Base::Dns(base), Presented::Dns(name)) => {
            let (base, name) = (base.to_ascii_lowercase(), name.to_ascii_lowercase());
            match base.strip_prefix('.') {
                Some(_) => name.ends_with(&base),
                None if base.is_empty() => true,
                None => name == base || name.ends_with(&format!(".{base}")),
            }
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
        Base::Dns(name) => name.clone(),
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
    use super::*;
    use crate::refusal::Presenter;

    /// A CA limited to example.com and 10.0.0.0/8, and a leaf it signed for `names`.
    fn constrained(names: &[&str], excluded: bool) -> (CertificateDer<'static>, CertificateDer<'static>) {
        use rcgen::{BasicConstraints, CertificateParams, GeneralSubtree, IsCa, Issuer, KeyPair, NameConstraints};
        let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca.distinguished_name.push(rcgen::DnType::CommonName, "Constrained CA");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let subtrees = vec![
            GeneralSubtree::DnsName("example.com".into()),
            GeneralSubtree::IpAddress(rcgen::CidrSubnet::V4([10, 0, 0, 0], [255, 0, 0, 0])),
        ];
        ca.name_constraints = Some(if excluded {
            NameConstraints {
                permitted_subtrees: Vec::new(),
                excluded_subtrees: subtrees,
            }
        } else {
            NameConstraints {
                permitted_subtrees: subtrees,
                excluded_subtrees: Vec::new(),
            }
        });
        let ca_key = KeyPair::generate().expect("CA key");
        let ca_cert = ca.self_signed(&ca_key).expect("CA");
        let issuer = Issuer::new(ca, ca_key);
        let mut leaf = CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>()).expect("leaf");
        leaf.distinguished_name.push(rcgen::DnType::CommonName, names[0]);
        let leaf_key = KeyPair::generate().expect("leaf key");
        let leaf_cert = leaf.signed_by(&leaf_key, &issuer).expect("leaf");
        (ca_cert.der().clone(), leaf_cert.der().clone())
    }

    /// webpki refuses; the sentence names the name, the CA and the constraint it broke, and a name
    /// inside the constraints verifies.
    #[test]
    fn a_name_constraint_violation_names_the_name_and_the_constraint() {
        let cases = [
            (
                &["localhost"][..],
                false,
                "certificate CN=localhost holds DNS name localhost, outside the names its CA CN=Constrained CA may certify (the CA's name constraints permit only DNS name example.com)",
            ),
            (
                &["www.example.com", "192.168.1.1"][..],
                false,
                "certificate CN=www.example.com holds IP address 192.168.1.1, outside the names its CA CN=Constrained CA may certify (the CA's name constraints permit only IP address 10.0.0.0/8)",
            ),
            (
                &["www.example.com"][..],
                true,
                "certificate CN=www.example.com holds DNS name www.example.com, a name its CA CN=Constrained CA may not certify (the CA's name constraints exclude DNS name example.com)",
            ),
        ];
        for (names, excluded, sentence) in cases {
            let (ca, leaf) = constrained(names, excluded);
            let refused = crate::verify::verify(&[ca], &[leaf], Some(names[0]), None, Presenter::File)
                .expect("usable input")
                .expect_err("a name outside the constraints");
            assert_eq!(refused.refusal.to_string(), sentence, "the facts");
            assert_eq!(refused.refusal.remedy(), Some(crate::remedy::Remedy::NameTheCaAllows));
        }
        let (ca, leaf) = constrained(&["www.example.com", "10.1.2.3"], false);
        assert!(
            crate::verify::verify(&[ca], &[leaf], Some("www.example.com"), None, Presenter::File)
                .expect("usable input")
                .is_ok()
        );
    }

    #[test]
    fn dns_and_ip_subtrees_match_as_rfc_5280_says() {
        let dns = |base: &str, name: &str| matches(&Base::Dns(base.into()), &Presented::Dns(name.into()));
        assert!(dns("example.com", "example.com") && dns("example.com", "www.Example.COM"));
        assert!(!dns("example.com", "badexample.com") && !dns("example.com", "localhost"));
        assert!(dns(".example.com", "www.example.com") && !dns(".example.com", "example.com"));
        let ip = |net: &[u8], name: &str| matches(&Base::Ip(net.to_vec()), &Presented::Ip(name.parse().expect("ip")));
        let ten = [10, 0, 0, 0, 255, 0, 0, 0];
        assert!(ip(&ten, "10.1.2.3") && !ip(&ten, "11.0.0.1") && !ip(&ten, "::1"));
        assert_eq!(shown(&Base::Ip(ten.to_vec())), "10.0.0.0/8");
    }
}
