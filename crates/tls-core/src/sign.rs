//! What a CA signs besides the certificates it makes: a certificate signing request (PKCS#10), its
//! signature checked first, then only what a leaf may carry taken from it (its subject, its names, key
//! usages a leaf may have, its extended key usages), everything else it asks for dropped and said; and
//! its certificate revocation list; its OCSP answers.

use rcgen::{
    CertificateParams, CertificateRevocationListParams, DistinguishedName, DnType, DnValue, ExtendedKeyUsagePurpose,
    IsCa, KeyIdMethod, KeyUsagePurpose, RevokedCertParams, SanType, SerialNumber, SubjectPublicKeyInfo,
};
use rustls_pki_types::CertificateDer;
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::cri_attributes::ParsedCriAttribute;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::FromDer as _;

use crate::error::{Error, Result};
use crate::generate::CertificateAuthority;
use crate::ocsp::{Answer, CertStatus, OCSP_BASIC, OCSP_NONCE, seq, tlv};
use crate::revocation::{Crl, Revocation, RevocationReason};

/// A request signed: the certificate, and what was kept of the request and what was not.
#[derive(Debug)]
pub struct Signed {
    /// The certificate.
    pub cert: CertificateDer<'static>,
    /// The certificate as PEM, then the CA's [`chain_to_send`](CertificateAuthority::chain_to_send).
    pub pem: String,
    /// What was taken from the request (`subject CN=app.test`, `DNS app.test`, `key usage
    /// digitalSignature`, `extended key usage serverAuth`).
    pub kept: Vec<String>,
    /// What the request asked for and the certificate does not carry, each with why.
    pub dropped: Vec<String>,
    /// What was added that the request did not ask for, each with why.
    pub added: Vec<String>,
}

impl CertificateAuthority {
    /// Signs the request `der` for `days` (within the CA's own dates), after checking its signature
    /// with its own key.
    ///
    /// # Errors
    /// [`Error::BadRequest`] when the bytes are not a PKCS#10 request, its signature does not verify,
    /// its subject cannot be carried over, it names nothing (no subject, no names), or the certificate
    /// would outlive the CA; [`Error::Generate`] when rcgen cannot sign.
    pub fn sign_request(&self, der: &[u8], days: u64) -> Result<Signed> {
        let refused = |problem: String| Error::BadRequest { problem, remedy: None };
        let (_, request) = X509CertificationRequest::from_der(der)
            .map_err(|_| refused("it is not a certificate signing request (PKCS#10)".to_owned()))?;
        request.verify_signature().map_err(|_| {
            refused(
                "its signature does not verify with its own key: it was changed after it was signed, or made wrong"
                    .to_owned(),
            )
        })?;
        let validity = self.within_its_dates(days)?;
        let info = &request.certification_request_info;
        let mut signed = Signed {
            cert: CertificateDer::from(Vec::new()),
            pem: String::new(),
            kept: Vec::new(),
            dropped: Vec::new(),
            added: Vec::new(),
        };
        let mut params = CertificateParams::new(Vec::<String>::new()).map_err(|cause| Error::Generate {
            step: "the certificate's parameters",
            cause: Box::new(cause),
        })?;
        params.distinguished_name = subject(&info.subject).map_err(refused)?;
        if !info.subject.as_raw().is_empty() && info.subject.iter_attributes().next().is_some() {
            signed.kept.push(format!(
                "subject {}",
                crate::x509::name_from_der(info.subject.as_raw()).unwrap_or_default()
            ));
        }
        params.is_ca = IsCa::ExplicitNoCa;
        params.use_authority_key_identifier_extension = true;
        params.not_before = validity.not_before;
        params.not_after = validity.not_after;
        for attribute in info.iter_attributes() {
            if let ParsedCriAttribute::ExtensionRequest(asked) = attribute.parsed_attribute() {
                for extension in &asked.extensions {
                    take(extension, &mut params, &mut signed);
                }
            }
        }
        if params.subject_alt_names.is_empty() && info.subject.iter_attributes().next().is_none() {
            return Err(refused(
                "it names nothing: no subject and no subject alternative names".to_owned(),
            ));
        }
        if params.extended_key_usages.is_empty() {
            params.extended_key_usages.push(ExtendedKeyUsagePurpose::ServerAuth);
            signed.added.push(
                "extended key usage serverAuth (the request asks for no purpose; a TLS server's certificate needs it)"
                    .to_owned(),
            );
        }
        self.may_certify(&params.subject_alt_names, false)?;
        self.published.write_into(&mut params);
        let key = SubjectPublicKeyInfo::from_der(info.subject_pki.raw).map_err(|cause| Error::Generate {
            step: "the request's public key",
            cause: Box::new(cause),
        })?;
        let cert = params.signed_by(&key, self.issuer()).map_err(|cause| Error::Generate {
            step: "the certificate",
            cause: Box::new(cause),
        })?;
        signed.cert = cert.der().clone();
        signed.pem = std::iter::once(cert.pem())
            .chain(self.chain_to_send().iter().map(crate::pem::certificate_pem))
            .collect();
        Ok(signed)
    }
}

/// A CRL a CA signed.
#[derive(Debug, Clone)]
pub struct SignedCrl {
    /// The list, DER.
    pub der: Crl,
    /// The list, PEM.
    pub pem: String,
    /// Its thisUpdate and nextUpdate, seconds since the Unix epoch.
    pub this_update: i64,
    /// See `this_update`.
    pub next_update: i64,
}

impl CertificateAuthority {
    /// A CRL numbered `number` listing `revoked`, issued now and due to be replaced in `days` (within
    /// the CA's own dates).
    ///
    /// # Errors
    /// [`Error::Generate`] when the CA may not sign CRLs (a key usage without cRLSign), or `days`
    /// would outlive the CA (as for a certificate it signs).
    pub fn revocation_list(&self, revoked: &[Revocation], number: u64, days: u64) -> Result<SignedCrl> {
        // Refused as a certificate of `days` would be; ended with the CA when they end within a day.
        let validity = self.within_its_dates(days)?;
        let this_update = time::OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .unwrap_or(validity.not_before);
        let ca_end = crate::x509::validity_unix(&self.issued.cert)
            .and_then(|(_, end)| time::OffsetDateTime::from_unix_timestamp(end).ok())
            .unwrap_or(validity.not_after);
        let next_update = (this_update + std::time::Duration::from_secs(days.saturating_mul(86_400))).min(ca_end);
        let revoked_certs = revoked
            .iter()
            .map(|entry| RevokedCertParams {
                serial_number: SerialNumber::from_slice(&entry.serial),
                revocation_time: time::OffsetDateTime::from_unix_timestamp(entry.date).unwrap_or(this_update),
                reason_code: Some(rcgen_reason(entry.reason)),
                invalidity_date: None,
            })
            .collect();
        let params = CertificateRevocationListParams {
            this_update,
            next_update,
            crl_number: SerialNumber::from_slice(&number.to_be_bytes()),
            issuing_distribution_point: None,
            revoked_certs,
            key_identifier_method: KeyIdMethod::Sha256,
        };
        let crl = params.signed_by(self.issuer()).map_err(|cause| Error::Generate {
            step: "the CRL",
            cause: Box::new(cause),
        })?;
        Ok(SignedCrl {
            der: crl.der().clone(),
            pem: crl.pem().map_err(|cause| Error::Generate {
                step: "the CRL's PEM",
                cause: Box::new(cause),
            })?,
            this_update: this_update.unix_timestamp(),
            next_update: next_update.unix_timestamp(),
        })
    }
}

fn rcgen_reason(reason: RevocationReason) -> rcgen::RevocationReason {
    use rcgen::RevocationReason as R;
    match reason {
        RevocationReason::Unspecified => R::Unspecified,
        RevocationReason::KeyCompromise => R::KeyCompromise,
        RevocationReason::CaCompromise => R::CaCompromise,
        RevocationReason::AffiliationChanged => R::AffiliationChanged,
        RevocationReason::Superseded => R::Superseded,
        RevocationReason::CessationOfOperation => R::CessationOfOperation,
        RevocationReason::CertificateHold => R::CertificateHold,
        RevocationReason::RemoveFromCrl => R::RemoveFromCrl,
        RevocationReason::PrivilegeWithdrawn => R::PrivilegeWithdrawn,
        RevocationReason::AaCompromise => R::AaCompromise,
    }
}

impl CertificateAuthority {
    /// A basic OCSP response signed by the CA, saying `answers`, current from now for `hours`,
    /// returning `nonce` (a request's nonce extension value) when given.
    ///
    /// # Errors
    /// [`Error::Generate`] when the CA's key cannot sign, or is of a kind this does not sign with.
    pub fn ocsp_response(&self, answers: &[Answer], hours: u64, nonce: Option<&[u8]>) -> Result<Vec<u8>> {
        let failed = |cause: rcgen::Error| Error::Generate {
            step: "the OCSP response",
            cause: Box::new(cause),
        };
        let key = rcgen::KeyPair::try_from(&self.issued.key).map_err(failed)?;
        let algorithm = signature_algorithm(&key).ok_or(Error::Generate {
            step: "the OCSP response",
            cause: "the CA's key is of a kind OCSP responses are not signed with here".into(),
        })?;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let next = now.saturating_add(i64::try_from(hours.saturating_mul(3600)).unwrap_or(i64::MAX));
        let singles: Vec<Vec<u8>> = answers
            .iter()
            .map(|(id, status)| {
                seq(&[
                    id.write(),
                    status_der(status),
                    time_der(now),
                    tlv(0xa0, &time_der(next)),
                ])
            })
            .collect();
        let subject = x509_parser::parse_x509_certificate(&self.issued.cert)
            .map(|(_, cert)| cert.subject().as_raw().to_vec())
            .unwrap_or_default();
        let mut data = vec![tlv(0xa1, &subject), time_der(now), seq(&singles)];
        if let Some(nonce) = nonce {
            data.push(tlv(0xa1, &seq(&[seq(&[tlv(0x06, OCSP_NONCE), tlv(0x04, nonce)])])));
        }
        let tbs = seq(&data);
        let signature = rcgen::SigningKey::sign(&key, &tbs).map_err(failed)?;
        let mut bits = vec![0];
        bits.extend(signature);
        // The signer's certificate goes with it: OpenSSL (curl --cert-status) looks for the signer
        // among the certificates the server sent and these, not among those it trusts.
        let signer = tlv(0xa0, &seq(&[self.issued.cert.to_vec()]));
        let basic = seq(&[tbs, algorithm, tlv(0x03, &bits), signer]);
        let bytes = seq(&[tlv(0x06, OCSP_BASIC), tlv(0x04, &basic)]);
        Ok(seq(&[vec![0x0a, 0x01, 0x00], tlv(0xa0, &bytes)]))
    }
}

/// The signature AlgorithmIdentifier for the CA's key, DER.
fn signature_algorithm(key: &rcgen::KeyPair) -> Option<Vec<u8>> {
    let (oid, null): (&[u8], bool) = match key.algorithm() {
        alg if alg == &rcgen::PKCS_ECDSA_P256_SHA256 => (&[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02], false),
        alg if alg == &rcgen::PKCS_ECDSA_P384_SHA384 => (&[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03], false),
        alg if alg == &rcgen::PKCS_RSA_SHA256 => (&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b], true),
        alg if alg == &rcgen::PKCS_ED25519 => (&[0x2b, 0x65, 0x70], false),
        _ => return None,
    };
    let mut parts = vec![tlv(0x06, oid)];
    if null {
        parts.push(vec![0x05, 0x00]);
    }
    Some(seq(&parts))
}

fn status_der(status: &CertStatus) -> Vec<u8> {
    match status {
        CertStatus::Good => vec![0x80, 0x00],
        CertStatus::Unknown => vec![0x82, 0x00],
        CertStatus::Revoked { date, reason } => {
            let mut info = vec![time_der(*date)];
            if let Some(reason) = reason {
                info.push(tlv(0xa0, &[0x0a, 0x01, reason.code()]));
            }
            tlv(0xa1, &info.concat())
        }
    }
}

fn time_der(secs: i64) -> Vec<u8> {
    let at = time::OffsetDateTime::from_unix_timestamp(secs).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let text = format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    );
    tlv(0x18, text.as_bytes())
}

/// The request's subject, attribute by attribute, as text.
fn subject(name: &x509_parser::x509::X509Name<'_>) -> std::result::Result<DistinguishedName, String> {
    let mut out = DistinguishedName::new();
    for attribute in name.iter_attributes() {
        let oid: Vec<u64> = attribute.attr_type().iter().map(Iterator::collect).ok_or_else(|| {
            format!(
                "its subject has an attribute of type {} this tool cannot copy",
                attribute.attr_type()
            )
        })?;
        let value = attribute
            .as_str()
            .map_err(|_| format!("its subject's {} is not text this tool can copy", attribute.attr_type()))?;
        let kind = match oid.as_slice() {
            [2, 5, 4, 3] => DnType::CommonName,
            [2, 5, 4, 6] => DnType::CountryName,
            [2, 5, 4, 7] => DnType::LocalityName,
            [2, 5, 4, 8] => DnType::StateOrProvinceName,
            [2, 5, 4, 10] => DnType::OrganizationName,
            [2, 5, 4, 11] => DnType::OrganizationalUnitName,
            _ => DnType::CustomDnType(oid),
        };
        out.push(kind, DnValue::Utf8String(value.to_owned()));
    }
    Ok(out)
}

/// One requested extension into `params` when a leaf may carry it (names, leaf key usages, extended
/// key usages), said as kept or dropped either way.
fn take(extension: &x509_parser::extensions::X509Extension<'_>, params: &mut CertificateParams, signed: &mut Signed) {
    match extension.parsed_extension() {
        ParsedExtension::SubjectAlternativeName(names) => {
            for name in &names.general_names {
                match san(name) {
                    Some((kept, said)) => {
                        params.subject_alt_names.push(kept);
                        signed.kept.push(said);
                    }
                    None => signed.dropped.push(format!("the name {name} (a kind this tool does not copy)")),
                }
            }
        }
        ParsedExtension::KeyUsage(usage) => {
            let leaf = [
                (usage.digital_signature(), KeyUsagePurpose::DigitalSignature, "digitalSignature"),
                (usage.key_encipherment(), KeyUsagePurpose::KeyEncipherment, "keyEncipherment"),
                (usage.key_agreement(), KeyUsagePurpose::KeyAgreement, "keyAgreement"),
                (usage.non_repudiation(), KeyUsagePurpose::ContentCommitment, "nonRepudiation"),
                (usage.data_encipherment(), KeyUsagePurpose::DataEncipherment, "dataEncipherment"),
            ];
            for (asked, purpose, name) in leaf {
                if asked {
                    params.key_usages.push(purpose);
                    signed.kept.push(format!("key usage {name}"));
                }
            }
            for (asked, name) in [(usage.key_cert_sign(), "keyCertSign"), (usage.crl_sign(), "cRLSign")] {
                if asked {
                    signed.dropped.push(format!("key usage {name} (a CA's: the certificate signed is a leaf)"));
                }
            }
        }
        ParsedExtension::ExtendedKeyUsage(usage) => {
            let known = [
                (usage.server_auth, ExtendedKeyUsagePurpose::ServerAuth, "serverAuth"),
                (usage.client_auth, ExtendedKeyUsagePurpose::ClientAuth, "clientAuth"),
                (usage.code_signing, ExtendedKeyUsagePurpose::CodeSigning, "codeSigning"),
                (usage.email_protection, ExtendedKeyUsagePurpose::EmailProtection, "emailProtection"),
                (usage.time_stamping, ExtendedKeyUsagePurpose::TimeStamping, "timeStamping"),
                (usage.ocsp_signing, ExtendedKeyUsagePurpose::OcspSigning, "OCSPSigning"),
            ];
            for (asked, purpose, name) in known {
                if asked {
                    params.extended_key_usages.push(purpose);
                    signed.kept.push(format!("extended key usage {name}"));
                }
            }
            if usage.any {
                signed.dropped.push("extended key usage anyExtendedKeyUsage (it would allow every purpose)".to_owned());
            }
            for other in &usage.other {
                signed.dropped.push(format!("extended key usage {other} (not one this tool knows)"));
            }
        }
        ParsedExtension::BasicConstraints(constraints) if constraints.ca => {
            signed
                .dropped
                .push("basic constraints CA:TRUE (the certificate signed is a leaf, CA:FALSE)".to_owned());
        }
        ParsedExtension::BasicConstraints(_) => signed.kept.push("basic constraints CA:FALSE".to_owned()),
        _ => signed.dropped.push(format!(
            "the extension {} ({}): not on the list of what a signed request may carry (names, key usage, extended key usage)",
            crate::inspect::extension_name(&extension.oid.to_id_string()),
            extension.oid.to_id_string()
        )),
    }
}

/// A requested name as rcgen takes it, and as said; `None` for a kind not copied.
fn san(name: &GeneralName<'_>) -> Option<(SanType, String)> {
    match name {
        GeneralName::DNSName(dns) => Some((SanType::DnsName((*dns).try_into().ok()?), format!("DNS {dns}"))),
        GeneralName::IPAddress(bytes) => {
            let ip = match bytes.len() {
                4 => std::net::IpAddr::from(<[u8; 4]>::try_from(*bytes).ok()?),
                16 => std::net::IpAddr::from(<[u8; 16]>::try_from(*bytes).ok()?),
                _ => return None,
            };
            Some((SanType::IpAddress(ip), format!("IP {ip}")))
        }
        GeneralName::RFC822Name(mail) => Some((SanType::Rfc822Name((*mail).try_into().ok()?), format!("email {mail}"))),
        GeneralName::URI(uri) => Some((SanType::URI((*uri).try_into().ok()?), format!("URI {uri}"))),
        _ => None,
    }
}
