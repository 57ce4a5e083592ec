//! A certificate's (or request's, or CRL's) extensions as typed values, each exactly as the file holds
//! it: in the file's order, with its criticality, and with every value inside. An extension nobody here
//! knows is kept as its OID and bytes, and one that fails to decode is kept with the reason: nothing in
//! the file is left out, and nothing is shown that the file does not hold.
//!
//! Names and text follow `certtool -i` where certtool has them (the tests compare with it), so a
//! student can read both side by side.

use std::fmt::{self, Write as _};

use serde::Serialize;
use x509_parser::der_parser::ber::{BerObject, BerObjectContent};
use x509_parser::der_parser::der::parse_der;
use x509_parser::extensions::{
    DistributionPointName, GeneralName, ParsedExtension, SignedCertificateTimestamp, X509Extension,
};

use super::hex;
use crate::x509;

/// One extension: where it is from ([`oid`](Self::oid)), what it is called, whether a verifier that does
/// not know it must refuse the certificate, and what it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Extension {
    /// The extension's OID, dotted (`2.5.29.19`).
    pub oid: String,
    /// Its name (certtool's where certtool has one: `Basic Constraints`, `Key Purpose`), or
    /// `Unknown extension` for one nobody here knows.
    pub name: &'static str,
    /// The critical flag: a verifier that does not understand a critical extension must refuse.
    pub critical: bool,
    /// What it holds; its fields are the JSON object's, next to `oid`, `name` and `critical`.
    #[serde(flatten)]
    pub value: ExtensionValue,
}

/// What an extension holds, one variant per kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ExtensionValue {
    /// basicConstraints (RFC 5280 4.2.1.9).
    BasicConstraints {
        /// cA.
        ca: bool,
        /// pathLenConstraint, when present.
        #[serde(skip_serializing_if = "Option::is_none")]
        path_len: Option<u32>,
    },
    /// keyUsage (4.2.1.3): the bits set, by their RFC names (`digitalSignature`, `keyCertSign`).
    KeyUsage {
        /// The bits set.
        usages: Vec<&'static str>,
    },
    /// extKeyUsage (4.2.1.12), in the file's order.
    ExtendedKeyUsage {
        /// Each purpose.
        purposes: Vec<Purpose>,
    },
    /// subjectKeyIdentifier (4.2.1.2).
    SubjectKeyIdentifier {
        /// The identifier, lowercase hex.
        key_id: String,
    },
    /// authorityKeyIdentifier (4.2.1.1): each part that is present.
    AuthorityKeyIdentifier {
        /// keyIdentifier, lowercase hex.
        #[serde(skip_serializing_if = "Option::is_none")]
        key_id: Option<String>,
        /// authorityCertIssuer.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        issuer: Vec<Name>,
        /// authorityCertSerialNumber, lowercase hex.
        #[serde(skip_serializing_if = "Option::is_none")]
        serial: Option<String>,
    },
    /// subjectAltName or issuerAltName (4.2.1.6, 4.2.1.7): every name, in the file's order.
    AltNames {
        /// The names.
        names: Vec<Name>,
    },
    /// authorityInfoAccess or subjectInfoAccess (4.2.2.1, 4.2.2.2).
    InfoAccess {
        /// Each access description.
        access: Vec<Access>,
    },
    /// cRLDistributionPoints (4.2.1.13) or freshestCRL.
    CrlDistributionPoints {
        /// Each distribution point.
        points: Vec<DistributionPoint>,
    },
    /// certificatePolicies (4.2.1.4).
    CertificatePolicies {
        /// Each policy with its qualifiers.
        policies: Vec<Policy>,
    },
    /// policyMappings (4.2.1.5).
    PolicyMappings {
        /// issuerDomainPolicy to subjectDomainPolicy, as dotted OIDs.
        mappings: Vec<(String, String)>,
    },
    /// nameConstraints (4.2.1.10).
    NameConstraints {
        /// permittedSubtrees.
        permitted: Vec<Name>,
        /// excludedSubtrees.
        excluded: Vec<Name>,
    },
    /// policyConstraints (4.2.1.11).
    PolicyConstraints {
        /// requireExplicitPolicy.
        #[serde(skip_serializing_if = "Option::is_none")]
        require_explicit_policy: Option<u32>,
        /// inhibitPolicyMapping.
        #[serde(skip_serializing_if = "Option::is_none")]
        inhibit_policy_mapping: Option<u32>,
    },
    /// inhibitAnyPolicy (4.2.1.14).
    InhibitAnyPolicy {
        /// SkipCerts.
        skip_certs: u32,
    },
    /// TLS Feature (RFC 7633): `status_request` (5) is OCSP must-staple.
    TlsFeatures {
        /// The TLS extension numbers the server must use.
        features: Vec<TlsFeature>,
    },
    /// Signed certificate timestamps (RFC 6962 3.3).
    Scts {
        /// Each SCT.
        timestamps: Vec<Sct>,
    },
    /// The CRL number of a CRL (RFC 5280 5.2.3).
    CrlNumber {
        /// The number, decimal.
        number: String,
        /// The same, lowercase hex (as certtool shows it).
        hex: String,
    },
    /// A point in time (a CRL entry's invalidityDate, RFC 5280 5.3.2).
    Time {
        /// RFC 3339, UTC.
        time: String,
    },
    /// privateKeyUsagePeriod (RFC 3280 4.2.1.4): when the private key may be used.
    UsagePeriod {
        /// notBefore, RFC 3339.
        #[serde(skip_serializing_if = "Option::is_none")]
        not_before: Option<String>,
        /// notAfter, RFC 3339.
        #[serde(skip_serializing_if = "Option::is_none")]
        not_after: Option<String>,
    },
    /// issuingDistributionPoint of a CRL (5.2.5): which certificates the CRL covers.
    IssuingDistributionPoint {
        /// Where the CRL is published.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        names: Vec<Name>,
        /// onlyContainsUserCerts.
        only_user_certificates: bool,
        /// onlyContainsCACerts.
        only_ca_certificates: bool,
        /// onlySomeReasons, by their RFC names.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        only_some_reasons: Vec<&'static str>,
        /// indirectCRL.
        indirect: bool,
        /// onlyContainsAttributeCerts.
        only_attribute_certificates: bool,
    },
    /// A revoked entry's reason (5.3.1).
    ReasonCode {
        /// The reason's number.
        code: u64,
        /// Its RFC name (`keyCompromise`), when it has one.
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<&'static str>,
    },
    /// Netscape's certificate type bits.
    NetscapeCertType {
        /// The types set.
        types: Vec<&'static str>,
    },
    /// A text held by the extension (Netscape Comment).
    Text {
        /// The text.
        text: String,
    },
    /// An extension with no value (OCSP No Check, CT Precertificate Poison).
    Empty {},
    /// An extension nobody here knows, or one whose value does not decode: its bytes as they are.
    Raw {
        /// Why a known extension could not be decoded; absent for an unknown one.
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<String>,
        /// The value when it is one DER string (UTF8String, IA5String, ...).
        #[serde(skip_serializing_if = "Option::is_none")]
        text: Option<String>,
        /// The extension's value (the OCTET STRING's contents), lowercase hex.
        hex: String,
    },
}

/// An extended key usage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Purpose {
    /// Dotted OID.
    pub oid: String,
    /// The RFC 5280 short name (`serverAuth`) when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'static str>,
}

/// A GeneralName (RFC 5280 4.2.1.6), every kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Name {
    /// dNSName.
    Dns(String),
    /// iPAddress: an address in a SAN, an address and mask (`10.0.0.0/8`) in a name constraint.
    Ip(String),
    /// rfc822Name.
    Email(String),
    /// uniformResourceIdentifier.
    Uri(String),
    /// directoryName, RFC 4514.
    DirectoryName(String),
    /// registeredID, dotted.
    RegisteredId(String),
    /// otherName: its type OID and value.
    OtherName(OtherName),
    /// x400Address or ediPartyName, or a name whose bytes do not decode: its bytes in hex.
    Other(String),
}

/// An otherName.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OtherName {
    /// type-id, dotted.
    pub oid: String,
    /// Its well-known name (`User Principal Name`) when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'static str>,
    /// The value when it is a DER string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The value's DER, lowercase hex.
    pub der: String,
}

/// One access description of AIA or SIA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Access {
    /// accessMethod, dotted.
    pub method: String,
    /// The method's name (`id-ad-ocsp`, `id-ad-caIssuers`) when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method_name: Option<&'static str>,
    /// accessLocation.
    pub location: Name,
}

/// One CRL distribution point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DistributionPoint {
    /// fullName.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<Name>,
    /// nameRelativeToCRLIssuer, RFC 4514.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relative_name: Option<String>,
    /// reasons, by their RFC names.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<&'static str>,
    /// cRLIssuer.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub crl_issuer: Vec<Name>,
}

/// One certificate policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Policy {
    /// policyIdentifier, dotted.
    pub oid: String,
    /// Its well-known name (`CA/B Domain Validated`, `anyPolicy`) when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'static str>,
    /// Its qualifiers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub qualifiers: Vec<Qualifier>,
}

/// A policy qualifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Qualifier {
    /// id-qt-cps: where the certification practice statement is.
    Cps {
        /// The URI.
        uri: String,
    },
    /// id-qt-unotice: a text for the relying party.
    UserNotice {
        /// noticeRef's organization.
        #[serde(skip_serializing_if = "Option::is_none")]
        organization: Option<String>,
        /// noticeRef's numbers.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        numbers: Vec<u64>,
        /// explicitText.
        #[serde(skip_serializing_if = "Option::is_none")]
        text: Option<String>,
    },
    /// Another qualifier: its OID and bytes.
    Other {
        /// Dotted OID.
        oid: String,
        /// Its DER, lowercase hex.
        hex: String,
    },
}

/// A TLS feature (RFC 7633): a TLS extension number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TlsFeature {
    /// The TLS extension number.
    pub id: u16,
    /// Its name, when known (`status_request`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'static str>,
}

/// A signed certificate timestamp.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sct {
    /// The SCT version as numbered in RFC 6962 (v1 is 0); certtool shows it plus one.
    pub version: u8,
    /// The log's ID (SHA-256 of its key), lowercase hex.
    pub log_id: String,
    /// When the log saw it, milliseconds since the Unix epoch.
    pub timestamp_ms: u64,
    /// The same, RFC 3339 in UTC.
    pub time: String,
    /// The SCT's extensions, lowercase hex (empty for none).
    pub extensions: String,
    /// The signature's algorithm (`ECDSA-SHA256`).
    pub signature_algorithm: String,
    /// The signature, lowercase hex.
    pub signature: String,
}

/// Reads every extension of `extensions`, in order.
pub(crate) fn read_all(extensions: &[X509Extension<'_>]) -> Vec<Extension> {
    extensions.iter().map(read).collect()
}

/// Reads one extension.
pub(crate) fn read(ext: &X509Extension<'_>) -> Extension {
    let oid = ext.oid.to_id_string();
    Extension {
        value: value_of(&oid, ext),
        name: name_of(&oid),
        oid,
        critical: ext.critical,
    }
}

/// Extensions that x509-parser does not decode (TLS Feature, OCSP No Check, ...) are read here; the rest
/// from x509-parser's parse.
fn value_of(oid: &str, ext: &X509Extension<'_>) -> ExtensionValue {
    if let Some(value) = by_oid(oid, ext) {
        return value;
    }
    let parsed = ext.parsed_extension();
    names_and_keys(parsed, ext.value)
        .or_else(|| paths_and_policies(parsed))
        .unwrap_or_else(|| revocation_and_others(parsed, ext.value))
}

/// Extensions x509-parser does not decode, by OID.
fn by_oid(oid: &str, ext: &X509Extension<'_>) -> Option<ExtensionValue> {
    match oid {
        OID_TLS_FEATURE => Some(tls_features(ext.value).unwrap_or_else(|why| raw(ext.value, Some(why)))),
        // freshestCRL has cRLDistributionPoints' syntax; x509-parser reads only the latter by its OID.
        "2.5.29.46" => {
            use x509_parser::prelude::FromDer;
            Some(
                match x509_parser::extensions::CRLDistributionPoints::from_der(ext.value) {
                    Ok((_, points)) => ExtensionValue::CrlDistributionPoints {
                        points: points.points.iter().map(distribution_point).collect(),
                    },
                    Err(_) => raw(ext.value, Some("its value is not a list of distribution points".into())),
                },
            )
        }
        // x509-parser refuses reason codes it has no name for; the file holds them all the same.
        "2.5.29.21" => match parse_der(ext.value) {
            Ok(([], object)) => match object.content {
                BerObjectContent::Enum(code) => Some(ExtensionValue::ReasonCode {
                    code,
                    reason: reason_name(code),
                }),
                _ => None,
            },
            _ => None,
        },
        // deltaCRLIndicator: the base CRL's number.
        "2.5.29.27" => match parse_der(ext.value).ok().and_then(|(_, o)| o.as_biguint().ok()) {
            Some(base) => Some(ExtensionValue::CrlNumber {
                number: base.to_string(),
                hex: base.to_str_radix(16),
            }),
            None => Some(raw(ext.value, Some("its value is not a CRL number".into()))),
        },
        // certificateIssuer of an indirect CRL's entry: GeneralNames.
        "2.5.29.29" => {
            use x509_parser::prelude::FromDer;
            Some(
                match x509_parser::extensions::IssuerAlternativeName::from_der(ext.value) {
                    Ok((_, names)) => alt_names(&names.general_names),
                    Err(_) => raw(ext.value, Some("its value is not a list of names".into())),
                },
            )
        }
        "2.5.29.16" => Some(usage_period(ext.value).unwrap_or_else(|| raw(ext.value, Some("not two times".into())))),
        OID_OCSP_NOCHECK | OID_CT_POISON
            if parse_der(ext.value)
                .is_ok_and(|(rest, o)| rest.is_empty() && matches!(o.content, BerObjectContent::Null)) =>
        {
            Some(ExtensionValue::Empty {})
        }
        _ => None,
    }
}

/// The extensions that name and key a certificate's subject and issuer.
fn names_and_keys(parsed: &ParsedExtension<'_>, value: &[u8]) -> Option<ExtensionValue> {
    Some(match parsed {
        ParsedExtension::BasicConstraints(bc) => ExtensionValue::BasicConstraints {
            ca: bc.ca,
            path_len: bc.path_len_constraint,
        },
        ParsedExtension::KeyUsage(ku) => ExtensionValue::KeyUsage {
            usages: KEY_USAGES
                .iter()
                .enumerate()
                .filter(|(bit, _)| ku.flags & (1 << bit) != 0)
                .map(|(_, (name, _))| *name)
                .collect(),
        },
        ParsedExtension::ExtendedKeyUsage(_) => extended_key_usage(value).unwrap_or_else(|why| raw(value, Some(why))),
        ParsedExtension::SubjectKeyIdentifier(id) => ExtensionValue::SubjectKeyIdentifier { key_id: hex(id.0) },
        ParsedExtension::AuthorityKeyIdentifier(aki) => ExtensionValue::AuthorityKeyIdentifier {
            key_id: aki.key_identifier.as_ref().map(|id| hex(id.0)),
            issuer: aki
                .authority_cert_issuer
                .iter()
                .flatten()
                .map(|n| name(n, false))
                .collect(),
            serial: aki.authority_cert_serial.map(hex),
        },
        ParsedExtension::SubjectAlternativeName(san) => alt_names(&san.general_names),
        ParsedExtension::IssuerAlternativeName(ian) => alt_names(&ian.general_names),
        ParsedExtension::AuthorityInfoAccess(aia) => info_access(&aia.accessdescs),
        ParsedExtension::SubjectInfoAccess(sia) => info_access(&sia.accessdescs),
        _ => return None,
    })
}

/// The extensions that constrain certification paths, and the SCTs.
fn paths_and_policies(parsed: &ParsedExtension<'_>) -> Option<ExtensionValue> {
    Some(match parsed {
        ParsedExtension::CRLDistributionPoints(points) => ExtensionValue::CrlDistributionPoints {
            points: points.points.iter().map(distribution_point).collect(),
        },
        ParsedExtension::CertificatePolicies(policies) => ExtensionValue::CertificatePolicies {
            policies: policies.iter().map(policy).collect(),
        },
        ParsedExtension::PolicyMappings(pm) => ExtensionValue::PolicyMappings {
            mappings: pm
                .mappings
                .iter()
                .map(|m| {
                    (
                        m.issuer_domain_policy.to_id_string(),
                        m.subject_domain_policy.to_id_string(),
                    )
                })
                .collect(),
        },
        ParsedExtension::NameConstraints(nc) => ExtensionValue::NameConstraints {
            permitted: nc
                .permitted_subtrees
                .iter()
                .flatten()
                .map(|t| name(&t.base, true))
                .collect(),
            excluded: nc
                .excluded_subtrees
                .iter()
                .flatten()
                .map(|t| name(&t.base, true))
                .collect(),
        },
        ParsedExtension::PolicyConstraints(pc) => ExtensionValue::PolicyConstraints {
            require_explicit_policy: pc.require_explicit_policy,
            inhibit_policy_mapping: pc.inhibit_policy_mapping,
        },
        ParsedExtension::InhibitAnyPolicy(iap) => ExtensionValue::InhibitAnyPolicy {
            skip_certs: iap.skip_certs,
        },
        ParsedExtension::SCT(scts) => ExtensionValue::Scts {
            timestamps: scts.iter().map(sct).collect(),
        },
        _ => return None,
    })
}

/// A CRL's and a CRL entry's extensions, Netscape's, and the rest as bytes.
fn revocation_and_others(parsed: &ParsedExtension<'_>, value: &[u8]) -> ExtensionValue {
    match parsed {
        ParsedExtension::CRLNumber(number) => ExtensionValue::CrlNumber {
            number: number.to_string(),
            hex: number.to_str_radix(16),
        },
        ParsedExtension::InvalidityDate(time) => ExtensionValue::Time {
            time: x509::unix_to_rfc3339(time.timestamp()),
        },
        ParsedExtension::IssuingDistributionPoint(idp) => ExtensionValue::IssuingDistributionPoint {
            names: match &idp.distribution_point {
                Some(DistributionPointName::FullName(names)) => names.iter().map(|n| name(n, false)).collect(),
                _ => Vec::new(),
            },
            only_user_certificates: idp.only_contains_user_certs,
            only_ca_certificates: idp.only_contains_ca_certs,
            only_some_reasons: idp
                .only_some_reasons
                .as_ref()
                .map(|r| reason_flags(r.flags))
                .unwrap_or_default(),
            indirect: idp.indirect_crl,
            only_attribute_certificates: idp.only_contains_attribute_certs,
        },
        ParsedExtension::ReasonCode(code) => ExtensionValue::ReasonCode {
            code: u64::from(code.0),
            reason: reason_name(u64::from(code.0)),
        },
        ParsedExtension::NSCertType(_) => {
            netscape_types(value).map_or_else(|| raw(value, None), |types| ExtensionValue::NetscapeCertType { types })
        }
        ParsedExtension::NsCertComment(text) => ExtensionValue::Text {
            text: (*text).to_owned(),
        },
        // The parser's own words are a debug token (`NomError(Many1)`): say what failed instead.
        ParsedExtension::ParseError { .. } => raw(
            value,
            Some(format!(
                "its value does not have this extension's structure ({} bytes)",
                value.len()
            )),
        ),
        // Known to x509-parser but shown as bytes here (IssuingDistributionPoint, InvalidityDate in a
        // certificate), and every extension nobody knows.
        _ => raw(value, None),
    }
}

const OID_TLS_FEATURE: &str = "1.3.6.1.5.5.7.1.24";
const OID_OCSP_NOCHECK: &str = "1.3.6.1.5.5.7.48.1.5";
const OID_CT_POISON: &str = "1.3.6.1.4.1.11129.2.4.3";

/// The extension's name: certtool's where it has one, ours for the few it does not know.
pub(super) fn name_of(oid: &str) -> &'static str {
    match oid {
        "2.5.29.9" => "Subject Directory Attributes",
        "2.5.29.14" => "Subject Key Identifier",
        "2.5.29.15" => "Key Usage",
        "2.5.29.16" => "Private Key Usage Period",
        "2.5.29.17" => "Subject Alternative Name",
        "2.5.29.18" => "Issuer Alternative Name",
        "2.5.29.19" => "Basic Constraints",
        "2.5.29.20" => "CRL Number",
        "2.5.29.21" => "CRL Reason Code",
        "2.5.29.24" => "Invalidity Date",
        "2.5.29.27" => "Delta CRL Indicator",
        "2.5.29.29" => "Certificate Issuer",
        "2.5.29.28" => "Issuing Distribution Point",
        "2.5.29.30" => "Name Constraints",
        "2.5.29.31" => "CRL Distribution points",
        "2.5.29.32" => "Certificate Policies",
        "2.5.29.33" => "Policy Mappings",
        "2.5.29.35" => "Authority Key Identifier",
        "2.5.29.36" => "Policy Constraints",
        "2.5.29.37" => "Key Purpose",
        "2.5.29.46" => "Freshest CRL",
        "2.5.29.54" => "Inhibit anyPolicy",
        "1.3.6.1.5.5.7.1.1" => "Authority Information Access",
        "1.3.6.1.5.5.7.1.11" => "Subject Information Access",
        OID_TLS_FEATURE => "TLS Features",
        OID_OCSP_NOCHECK => "OCSP No Check",
        "1.3.6.1.4.1.11129.2.4.2" => "CT Precertificate SCTs",
        OID_CT_POISON => "CT Precertificate Poison",
        "2.16.840.1.113730.1.1" => "Netscape Certificate Type",
        "2.16.840.1.113730.1.13" => "Netscape Comment",
        _ => UNKNOWN,
    }
}

/// The name of an extension nobody here knows.
pub(super) const UNKNOWN: &str = "Unknown extension";

fn raw(bytes: &[u8], error: Option<String>) -> ExtensionValue {
    ExtensionValue::Raw {
        error,
        text: der_string(bytes),
        hex: hex(bytes),
    }
}

/// The text of one whole DER string element (UTF8String, IA5String, PrintableString, BMPString, ...).
fn der_string(bytes: &[u8]) -> Option<String> {
    let (rest, object) = parse_der(bytes).ok()?;
    if !rest.is_empty() {
        return None;
    }
    string_of(&object)
}

pub(super) fn string_of(object: &BerObject<'_>) -> Option<String> {
    match &object.content {
        BerObjectContent::UTF8String(s)
        | BerObjectContent::IA5String(s)
        | BerObjectContent::PrintableString(s)
        | BerObjectContent::VisibleString(s)
        | BerObjectContent::NumericString(s)
        | BerObjectContent::T61String(s)
        | BerObjectContent::GeneralString(s)
        | BerObjectContent::GraphicString(s) => Some((*s).to_owned()),
        BerObjectContent::BmpString(bytes) => x509::bmp_text(bytes),
        BerObjectContent::UniversalString(bytes) => x509::universal_text(bytes),
        _ => None,
    }
}

/// Key usage bits in bit order, with their RFC names and certtool's words.
const KEY_USAGES: [(&str, &str); 9] = [
    ("digitalSignature", "Digital signature."),
    ("nonRepudiation", "Non repudiation."),
    ("keyEncipherment", "Key encipherment."),
    ("dataEncipherment", "Data encipherment."),
    ("keyAgreement", "Key agreement."),
    ("keyCertSign", "Certificate signing."),
    ("cRLSign", "CRL signing."),
    ("encipherOnly", "Key encipher only."),
    ("decipherOnly", "Key decipher only."),
];

/// Extended key usages: OID, RFC name, certtool's words.
const PURPOSES: [(&str, &str, &str); 10] = [
    ("1.3.6.1.5.5.7.3.1", "serverAuth", "TLS WWW Server."),
    ("1.3.6.1.5.5.7.3.2", "clientAuth", "TLS WWW Client."),
    ("1.3.6.1.5.5.7.3.3", "codeSigning", "Code signing."),
    ("1.3.6.1.5.5.7.3.4", "emailProtection", "Email protection."),
    ("1.3.6.1.5.5.7.3.8", "timeStamping", "Time stamping."),
    ("1.3.6.1.5.5.7.3.9", "OCSPSigning", "OCSP signing."),
    ("2.5.29.37.0", "anyExtendedKeyUsage", "Any purpose."),
    ("1.3.6.1.5.5.7.3.17", "ipsecIKE", "Ipsec IKE."),
    ("1.3.6.1.4.1.311.20.2.2", "msSmartcardLogin", "Smart Card Logon."),
    ("1.3.6.1.5.2.3.5", "pkInitKDC", "PKINIT KDC."),
];

/// extKeyUsage in the file's order (x509-parser sorts the known ones into flags).
fn extended_key_usage(value: &[u8]) -> Result<ExtensionValue, String> {
    let items = sequence(value)?;
    let purposes = items
        .iter()
        .map(|item| {
            let oid = item
                .as_oid()
                .map_err(|e| format!("a purpose that is not an OID ({e})"))?
                .to_id_string();
            let name = PURPOSES.iter().find(|(o, _, _)| *o == oid).map(|(_, n, _)| *n);
            Ok(Purpose { oid, name })
        })
        .collect::<Result<_, String>>()?;
    Ok(ExtensionValue::ExtendedKeyUsage { purposes })
}

/// The items of a DER SEQUENCE that is the whole of `value`.
fn sequence<'a>(value: &'a [u8]) -> Result<Vec<BerObject<'a>>, String> {
    let (rest, object) = parse_der(value).map_err(|e| format!("not DER ({e})"))?;
    if !rest.is_empty() {
        return Err(format!("{} bytes after the value", rest.len()));
    }
    match object.content {
        BerObjectContent::Sequence(items) => Ok(items),
        _ => Err("not a SEQUENCE".into()),
    }
}

fn tls_features(value: &[u8]) -> Result<ExtensionValue, String> {
    let features = sequence(value)?
        .iter()
        .map(|item| {
            let id = item
                .as_u32()
                .ok()
                .and_then(|n| u16::try_from(n).ok())
                .ok_or_else(|| "a feature that is not a TLS extension number".to_owned())?;
            let name = match id {
                5 => Some("status_request"),
                17 => Some("status_request_v2"),
                _ => None,
            };
            Ok(TlsFeature { id, name })
        })
        .collect::<Result<_, String>>()?;
    Ok(ExtensionValue::TlsFeatures { features })
}

/// privateKeyUsagePeriod: SEQUENCE { notBefore [0] GeneralizedTime OPTIONAL, notAfter [1] ... }.
fn usage_period(value: &[u8]) -> Option<ExtensionValue> {
    let (_, object) = parse_der(value).ok()?;
    let BerObjectContent::Sequence(items) = object.content else {
        return None;
    };
    let (mut not_before, mut not_after) = (None, None);
    for item in &items {
        let BerObjectContent::Unknown(any) = &item.content else {
            return None;
        };
        let time = generalized_time(any.data)?;
        match item.header.raw_tag() {
            Some([0x80]) => not_before = Some(time),
            Some([0x81]) => not_after = Some(time),
            _ => return None,
        }
    }
    Some(ExtensionValue::UsagePeriod { not_before, not_after })
}

/// A GeneralizedTime's text (`20260101000000Z`) as RFC 3339, when it is that form.
fn generalized_time(bytes: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(bytes).ok()?.strip_suffix('Z')?;
    if text.len() != 14 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(format!(
        "{}-{}-{}T{}:{}:{}Z",
        &text[0..4],
        &text[4..6],
        &text[6..8],
        &text[8..10],
        &text[10..12],
        &text[12..14]
    ))
}

fn netscape_types(value: &[u8]) -> Option<Vec<&'static str>> {
    let (_, object) = parse_der(value).ok()?;
    let BerObjectContent::BitString(_, bits) = object.content else {
        return None;
    };
    let byte = bits.data.first().copied().unwrap_or(0);
    let names = [
        "SSL client",
        "SSL server",
        "S/MIME",
        "Object signing",
        "",
        "SSL CA",
        "S/MIME CA",
        "Object signing CA",
    ];
    Some(
        names
            .iter()
            .enumerate()
            .filter(|(i, name)| !name.is_empty() && byte & (0x80 >> i) != 0)
            .map(|(_, name)| *name)
            .collect(),
    )
}

fn alt_names(names: &[GeneralName<'_>]) -> ExtensionValue {
    ExtensionValue::AltNames {
        names: names.iter().map(|n| name(n, false)).collect(),
    }
}

fn info_access(descriptions: &[x509_parser::extensions::AccessDescription<'_>]) -> ExtensionValue {
    ExtensionValue::InfoAccess {
        access: descriptions
            .iter()
            .map(|d| {
                let method = d.access_method.to_id_string();
                let method_name = match method.as_str() {
                    "1.3.6.1.5.5.7.48.1" => Some("id-ad-ocsp"),
                    "1.3.6.1.5.5.7.48.2" => Some("id-ad-caIssuers"),
                    "1.3.6.1.5.5.7.48.3" => Some("id-ad-timeStamping"),
                    "1.3.6.1.5.5.7.48.5" => Some("id-ad-caRepository"),
                    _ => None,
                };
                Access {
                    method,
                    method_name,
                    location: name(&d.access_location, false),
                }
            })
            .collect(),
    }
}

/// A GeneralName; in a name constraint an IP address is an address and a mask.
fn name(general: &GeneralName<'_>, constraint: bool) -> Name {
    match general {
        GeneralName::DNSName(n) => Name::Dns((*n).to_owned()),
        GeneralName::RFC822Name(n) => Name::Email((*n).to_owned()),
        GeneralName::URI(n) => Name::Uri((*n).to_owned()),
        GeneralName::IPAddress(bytes) if constraint => Name::Ip(ip_range(bytes)),
        GeneralName::IPAddress(bytes) => Name::Ip(ip_address(bytes)),
        GeneralName::DirectoryName(dn) => Name::DirectoryName(x509::dn_string(dn)),
        GeneralName::RegisteredID(oid) => Name::RegisteredId(oid.to_id_string()),
        GeneralName::OtherName(oid, value) => Name::OtherName(other_name(&oid.to_id_string(), value)),
        GeneralName::X400Address(any) | GeneralName::EDIPartyName(any) => Name::Other(hex(any.data)),
        GeneralName::Invalid(_, bytes) => Name::Other(hex(bytes)),
    }
}

fn other_name(oid: &str, value: &[u8]) -> OtherName {
    // x509-parser hands over the [0] EXPLICIT wrapper's element; the value is inside it.
    let inner = match parse_der(value) {
        Ok((_, object)) if object.header.raw_tag() == Some(&[0xa0]) => match object.content {
            BerObjectContent::Unknown(any) => any.data,
            _ => value,
        },
        _ => value,
    };
    OtherName {
        oid: oid.to_owned(),
        name: match oid {
            "1.3.6.1.4.1.311.20.2.3" => Some("User Principal Name"),
            "1.3.6.1.5.5.7.8.5" => Some("XMPP Address"),
            _ => None,
        },
        text: der_string(inner),
        der: hex(inner),
    }
}

/// An IPv4 or IPv6 address from its 4 or 16 bytes; anything else in hex, as the file holds it.
pub(crate) fn ip_address(bytes: &[u8]) -> String {
    x509::ip_from_bytes(bytes).map_or_else(|| format!("#{}", hex(bytes)), |ip| ip.to_string())
}

/// A name constraint's address and mask as `10.0.0.0/8`, or `addr/mask` when the mask is not a prefix.
fn ip_range(bytes: &[u8]) -> String {
    if !(bytes.len() == 8 || bytes.len() == 32) {
        return format!("#{}", hex(bytes));
    }
    let (address, mask) = bytes.split_at(bytes.len() / 2);
    let bits: Vec<bool> = mask
        .iter()
        .flat_map(|b| (0..8).map(move |i| b & (0x80 >> i) != 0))
        .collect();
    // A prefix is ones, then zeros: no zero bit is followed by a one.
    if bits.windows(2).all(|pair| pair[0] || !pair[1]) {
        format!("{}/{}", ip_address(address), bits.iter().filter(|b| **b).count())
    } else {
        format!("{}/{}", ip_address(address), ip_address(mask))
    }
}

fn distribution_point(point: &x509_parser::extensions::CRLDistributionPoint<'_>) -> DistributionPoint {
    let (names, relative_name) = match &point.distribution_point {
        Some(DistributionPointName::FullName(names)) => (names.iter().map(|n| name(n, false)).collect(), None),
        Some(DistributionPointName::NameRelativeToCRLIssuer(rdn)) => (Vec::new(), Some(x509::rdn_string(rdn))),
        None => (Vec::new(), None),
    };
    DistributionPoint {
        names,
        relative_name,
        reasons: point
            .reasons
            .as_ref()
            .map(|r| reason_flags(r.flags))
            .unwrap_or_default(),
        crl_issuer: point.crl_issuer.iter().flatten().map(|n| name(n, false)).collect(),
    }
}

/// CRL reasons by code (RFC 5280 5.3.1); 7 is not used.
const REASONS: [&str; 11] = [
    "unspecified",
    "keyCompromise",
    "cACompromise",
    "affiliationChanged",
    "superseded",
    "cessationOfOperation",
    "certificateHold",
    "(7, not used)",
    "removeFromCRL",
    "privilegeWithdrawn",
    "aACompromise",
];

/// A CRL reason's RFC name; `None` for 7 (never assigned) and codes past aACompromise.
pub(crate) fn reason_name(code: u64) -> Option<&'static str> {
    let name = REASONS.get(usize::try_from(code).ok()?).copied()?;
    (code != 7).then_some(name)
}

/// The reasons set in a ReasonFlags bit string (RFC 5280 4.2.1.13), as x509-parser holds it (bit n of
/// the string is bit n). Its bits are not CRLReason's codes: 7 is privilegeWithdrawn here.
fn reason_flags(flags: u16) -> Vec<&'static str> {
    const FLAGS: [&str; 9] = [
        "unused",
        "keyCompromise",
        "cACompromise",
        "affiliationChanged",
        "superseded",
        "cessationOfOperation",
        "certificateHold",
        "privilegeWithdrawn",
        "aACompromise",
    ];
    (0..FLAGS.len())
        .filter(|bit| flags & (1 << bit) != 0)
        .map(|bit| FLAGS[bit])
        .collect()
}

fn policy(info: &x509_parser::extensions::PolicyInformation<'_>) -> Policy {
    let oid = info.policy_id.to_id_string();
    let name = match oid.as_str() {
        "2.23.140.1.2.1" => Some("CA/B Domain Validated"),
        "2.23.140.1.2.2" => Some("CA/B Organization Validated"),
        "2.23.140.1.2.3" => Some("CA/B Individual Validated"),
        "2.23.140.1.1" => Some("CA/B Extended Validation"),
        "2.5.29.32.0" => Some("anyPolicy"),
        _ => None,
    };
    let qualifiers = info
        .policy_qualifiers
        .iter()
        .flatten()
        .map(|q| qualifier(&q.policy_qualifier_id.to_id_string(), q.qualifier))
        .collect();
    Policy { oid, name, qualifiers }
}

fn qualifier(oid: &str, value: &[u8]) -> Qualifier {
    let other = || Qualifier::Other {
        oid: oid.to_owned(),
        hex: hex(value),
    };
    match oid {
        "1.3.6.1.5.5.7.2.1" => der_string(value).map_or_else(other, |uri| Qualifier::Cps { uri }),
        "1.3.6.1.5.5.7.2.2" => user_notice(value).unwrap_or_else(other),
        _ => other(),
    }
}

fn user_notice(value: &[u8]) -> Option<Qualifier> {
    let items = sequence(value).ok()?;
    let (mut organization, mut numbers, mut text) = (None, Vec::new(), None);
    for item in &items {
        match &item.content {
            BerObjectContent::Sequence(reference) => {
                organization = string_of(reference.first()?);
                numbers = reference
                    .get(1)?
                    .as_sequence()
                    .ok()?
                    .iter()
                    .filter_map(|n| n.as_u64().ok())
                    .collect();
            }
            _ => text = Some(string_of(item)?),
        }
    }
    Some(Qualifier::UserNotice {
        organization,
        numbers,
        text,
    })
}

fn sct(sct: &SignedCertificateTimestamp<'_>) -> Sct {
    let hash = match sct.signature.hash_alg_id {
        1 => "MD5",
        2 => "SHA1",
        3 => "SHA224",
        4 => "SHA256",
        5 => "SHA384",
        6 => "SHA512",
        _ => "?",
    };
    let signature_algorithm = match sct.signature.sign_alg_id {
        1 => format!("RSA-{hash}"),
        3 => format!("ECDSA-{hash}"),
        other => format!("({other})-{hash}"),
    };
    let seconds = i64::try_from(sct.timestamp / 1000).unwrap_or(i64::MAX);
    Sct {
        version: sct.version.0,
        log_id: hex(sct.id.key_id),
        timestamp_ms: sct.timestamp,
        time: x509::unix_to_rfc3339(seconds),
        extensions: hex(sct.extensions.0),
        signature_algorithm,
        signature: hex(sct.signature.data),
    }
}

impl Name {
    /// certtool's lines for a name: `DNSname: a.example`, `IPAddress: 10.0.0.1`, `directoryName: CN=x`;
    /// an otherName with no well-known name takes one line for its OID and one for each form of its value.
    pub fn lines(&self) -> Vec<String> {
        let one = match self {
            Self::Dns(n) => format!("DNSname: {n}"),
            Self::Ip(n) => format!("IPAddress: {n}"),
            Self::Email(n) => format!("RFC822Name: {n}"),
            Self::Uri(n) => format!("URI: {n}"),
            Self::DirectoryName(n) => format!("directoryName: {n}"),
            Self::RegisteredId(n) => format!("Registered ID: {n}"),
            Self::OtherName(OtherName {
                name: Some(name),
                text: Some(text),
                ..
            }) => format!("{name}: {text}"),
            Self::OtherName(other) => {
                let mut lines = vec![format!("otherName OID: {}", other.oid)];
                lines.extend(other.text.as_ref().map(|text| format!("otherName value: {text}")));
                lines.push(format!("otherName DER: {}", other.der));
                return lines;
            }
            Self::Other(bytes) => format!("undecoded name: {bytes}"),
        };
        vec![one]
    }
}

impl fmt::Display for Name {
    /// The name's lines, joined by `, `.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.lines().join(", "))
    }
}

/// `lines` with `prefix` before the first.
fn prefixed(prefix: &str, lines: Vec<String>) -> impl Iterator<Item = String> {
    lines
        .into_iter()
        .enumerate()
        .map(move |(i, line)| if i == 0 { format!("{prefix}{line}") } else { line })
}

impl Extension {
    /// Writes the extension as certtool lays it out: a header `Name (critical):` at `depth` tabs, its
    /// values one tab deeper.
    pub fn write_text(&self, out: &mut String, depth: usize) {
        let tabs = "\t".repeat(depth);
        let inner = format!("{tabs}\t");
        let criticality = if self.critical { "critical" } else { "not critical" };
        let mut line = |depth_tabs: &str, text: &str| {
            for part in text.lines() {
                let _ = writeln!(out, "{depth_tabs}{part}");
            }
        };
        match &self.value {
            // certtool's one-line form.
            ExtensionValue::InhibitAnyPolicy { skip_certs } => {
                return line(
                    &tabs,
                    &format!("Inhibit anyPolicy skip certs: {skip_certs} ({criticality})"),
                );
            }
            _ if self.name == UNKNOWN => line(&tabs, &format!("{UNKNOWN} {} ({criticality}):", self.oid)),
            _ => line(&tabs, &format!("{} ({criticality}):", self.name)),
        }
        for text in self.value.lines() {
            // Values come from the file: a control character in one must not start a line of its own.
            match text.strip_prefix('\t') {
                Some(deeper) => line(&format!("{inner}\t"), &x509::visible(deeper)),
                None => line(&inner, &x509::visible(&text)),
            }
        }
    }
}

impl ExtensionValue {
    /// The value's lines, without indentation; a line starting with a tab goes one level deeper.
    fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.names_and_keys_lines(&mut out) && !self.path_lines(&mut out) {
            self.other_lines(&mut out);
        }
        out
    }

    /// The lines of the extensions that name and key the subject and issuer; false for another kind.
    fn names_and_keys_lines(&self, out: &mut Vec<String>) -> bool {
        match self {
            Self::BasicConstraints { ca, path_len } => {
                out.push(format!(
                    "Certificate Authority (CA): {}",
                    if *ca { "TRUE" } else { "FALSE" }
                ));
                out.extend(path_len.map(|n| format!("Path Length Constraint: {n}")));
            }
            Self::KeyUsage { usages } => out.extend(usages.iter().filter_map(|u| {
                KEY_USAGES
                    .iter()
                    .find(|(name, _)| name == u)
                    .map(|(_, text)| (*text).to_owned())
            })),
            Self::ExtendedKeyUsage { purposes } => out.extend(purposes.iter().map(|p| {
                PURPOSES
                    .iter()
                    .find(|(oid, _, _)| *oid == p.oid)
                    .map_or_else(|| p.oid.clone(), |(_, _, text)| (*text).to_owned())
            })),
            Self::SubjectKeyIdentifier { key_id } => out.push(key_id.clone()),
            Self::AuthorityKeyIdentifier { key_id, issuer, serial } => {
                out.extend(key_id.clone());
                out.extend(issuer.iter().flat_map(Name::lines));
                out.extend(serial.as_ref().map(|s| format!("serial: {s}")));
            }
            Self::AltNames { names } => out.extend(names.iter().flat_map(Name::lines)),
            Self::InfoAccess { access } => {
                for a in access {
                    out.push(match a.method_name {
                        Some(name) => format!("Access Method: {} ({name})", a.method),
                        None => format!("Access Method: {}", a.method),
                    });
                    out.extend(prefixed("Access Location ", a.location.lines()));
                }
            }
            Self::CrlDistributionPoints { points } => {
                for point in points {
                    out.extend(point.names.iter().flat_map(Name::lines));
                    out.extend(point.relative_name.as_ref().map(|n| format!("Relative name: {n}")));
                    if !point.reasons.is_empty() {
                        out.push(format!("Reasons: {}", point.reasons.join(", ")));
                    }
                    out.extend(point.crl_issuer.iter().flat_map(|n| prefixed("CRL issuer ", n.lines())));
                }
            }
            Self::CertificatePolicies { policies } => {
                for p in policies {
                    out.push(match p.name {
                        Some(name) => format!("{} ({name})", p.oid),
                        None => p.oid.clone(),
                    });
                    out.extend(p.qualifiers.iter().flat_map(Qualifier::lines).map(|l| format!("\t{l}")));
                }
            }
            Self::PolicyMappings { mappings } => out.extend(
                mappings
                    .iter()
                    .map(|(issuer, subject)| format!("Issuer Policy: {issuer}, Subject Policy: {subject}")),
            ),
            _ => return false,
        }
        true
    }

    /// The lines of the extensions that constrain paths, and of SCTs; false for another kind.
    fn path_lines(&self, out: &mut Vec<String>) -> bool {
        match self {
            Self::NameConstraints { permitted, excluded } => {
                for (label, names) in [("Permitted:", permitted), ("Excluded:", excluded)] {
                    if !names.is_empty() {
                        out.push(label.to_owned());
                        out.extend(names.iter().flat_map(Name::lines).map(|l| format!("\t{l}")));
                    }
                }
            }
            Self::PolicyConstraints {
                require_explicit_policy,
                inhibit_policy_mapping,
            } => {
                out.extend(require_explicit_policy.map(|n| format!("Require Explicit Policy: {n}")));
                out.extend(inhibit_policy_mapping.map(|n| format!("Inhibit Policy Mapping: {n}")));
            }
            Self::InhibitAnyPolicy { skip_certs } => out.push(format!("Skip Certs: {skip_certs}")),
            Self::TlsFeatures { features } => out.extend(features.iter().map(|t| match t.id {
                5 => "OCSP Status Request(5)".to_owned(),
                17 => "OCSP Status Request v2(17)".to_owned(),
                id => format!("Unknown feature({id})"),
            })),
            Self::Scts { timestamps } => {
                for (i, s) in timestamps.iter().enumerate() {
                    out.push(format!("Signed Certificate Timestamp {}:", i + 1));
                    out.push(format!("\tVersion: {}", u16::from(s.version) + 1));
                    out.push(format!("\tLog ID: {}", s.log_id));
                    out.push(format!("\tTime: {} ({} ms)", s.time, s.timestamp_ms));
                    out.push(format!(
                        "\tExtensions: {}",
                        if s.extensions.is_empty() { "none" } else { &s.extensions }
                    ));
                    out.push(format!("\tSignature algorithm: {}", s.signature_algorithm));
                    out.push(format!("\tSignature: {}", s.signature));
                }
            }
            _ => return false,
        }
        true
    }

    /// The lines of CRL, Netscape and undecoded extensions.
    fn other_lines(&self, out: &mut Vec<String>) {
        match self {
            Self::CrlNumber { number, hex } => out.push(format!("{number} (0x{hex})")),
            Self::ReasonCode { code, reason } => out.push(match reason {
                Some(reason) => (*reason).to_owned(),
                None => format!("{code} (not a reason RFC 5280 defines)"),
            }),
            Self::Time { time } => out.push(format!("Time: {time}")),
            Self::UsagePeriod { not_before, not_after } => {
                out.extend(not_before.as_ref().map(|t| format!("Not Before: {t}")));
                out.extend(not_after.as_ref().map(|t| format!("Not After: {t}")));
            }
            Self::IssuingDistributionPoint {
                names,
                only_user_certificates,
                only_ca_certificates,
                only_some_reasons,
                indirect,
                only_attribute_certificates,
            } => {
                out.extend(names.iter().flat_map(Name::lines));
                for (set, text) in [
                    (*only_user_certificates, "Only user certificates"),
                    (*only_ca_certificates, "Only CA certificates"),
                    (*indirect, "Indirect CRL"),
                    (*only_attribute_certificates, "Only attribute certificates"),
                ] {
                    if set {
                        out.push(text.to_owned());
                    }
                }
                if !only_some_reasons.is_empty() {
                    out.push(format!("Only some reasons: {}", only_some_reasons.join(", ")));
                }
            }
            Self::NetscapeCertType { types } => out.extend(types.iter().map(|t| (*t).to_owned())),
            Self::Text { text } => out.push(format!("Text: {text}")),
            Self::Empty {} => out.push("Value: NULL".into()),
            Self::Raw { error, text, hex } => {
                out.extend(error.as_ref().map(|e| format!("Cannot be read: {e}")));
                out.extend(text.as_ref().map(|t| format!("Text: {t}")));
                out.push(format!("Hexdump: {hex}"));
            }
            _ => {}
        }
    }
}

impl Qualifier {
    fn lines(&self) -> Vec<String> {
        match self {
            Self::Cps { uri } => vec![format!("URI: {uri}")],
            Self::UserNotice {
                organization,
                numbers,
                text,
            } => {
                let mut out = Vec::new();
                if organization.is_some() || !numbers.is_empty() {
                    let numbers: Vec<String> = numbers.iter().map(u64::to_string).collect();
                    out.push(format!(
                        "Notice Reference: {}, notice numbers {}",
                        organization.as_deref().unwrap_or("(no organization)"),
                        numbers.join(", ")
                    ));
                }
                out.extend(text.as_ref().map(|t| format!("Note: {t}")));
                out
            }
            Self::Other { oid, hex } => vec![format!("Qualifier {oid}: {hex}")],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraint_masks_are_prefixes_when_they_can_be() {
        assert_eq!(ip_range(&[10, 0, 0, 0, 255, 0, 0, 0]), "10.0.0.0/8");
        assert_eq!(ip_range(&[10, 1, 0, 0, 255, 255, 0, 0]), "10.1.0.0/16");
        assert_eq!(ip_range(&[0, 0, 0, 0, 0, 0, 0, 0]), "0.0.0.0/0");
        assert_eq!(ip_range(&[10, 0, 0, 0, 255, 0, 255, 0]), "10.0.0.0/255.0.255.0");
        assert_eq!(ip_range(&[10, 0, 0, 0, 0xf0, 0, 0, 0]), "10.0.0.0/4");
        assert_eq!(ip_range(&[10, 0, 0, 0, 0x0f, 0, 0, 0]), "10.0.0.0/15.0.0.0");
        assert_eq!(ip_range(&[1, 2, 3]), "#010203");
    }

    #[test]
    fn der_strings_of_every_kind_read_as_text() {
        assert_eq!(der_string(&[0x0c, 0x02, b'h', b'i']).as_deref(), Some("hi"));
        assert_eq!(der_string(&[0x16, 0x01, b'x']).as_deref(), Some("x"));
        assert_eq!(der_string(&[0x1e, 0x04, 0x00, 0xe9, 0x00, b't']).as_deref(), Some("ét"));
        assert_eq!(der_string(&[0x02, 0x01, 0x05]), None);
        assert_eq!(der_string(&[0x0c, 0x01, b'a', 0x00]), None, "bytes after the string");
    }
}
