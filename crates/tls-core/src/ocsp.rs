//! OCSP (RFC 6960): a response read and checked against the certificate it is for (its CertID, its
//! signer, its dates), and a request read for a responder. A CA's signed answer is the `sign` module's
//! (feature `generate`).
//! DER is read with the crate's checked reader and written by hand: the structures are small, fixed,
//! and the tests hold them to `openssl ocsp`.

use rustls_pki_types::CertificateDer;

use crate::inspect::der::{self, Tlv};
use crate::revocation::RevocationReason;
use crate::x509;

/// id-pkix-ocsp-basic (1.3.6.1.5.5.7.48.1.1), DER contents.
pub(crate) const OCSP_BASIC: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x01];
/// id-pkix-ocsp-nonce (1.3.6.1.5.5.7.48.1.2).
pub(crate) const OCSP_NONCE: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x02];
/// SHA-1 (1.3.14.3.2.26), the hash CertIDs use by default.
const SHA1: &[u8] = &[0x2b, 0x0e, 0x03, 0x02, 0x1a];
/// SHA-256 (2.16.840.1.101.3.4.2.1).
const SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];

/// A certificate's status, as a responder gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertStatus {
    /// Not revoked.
    Good,
    /// Revoked at `date` (seconds since the Unix epoch), for `reason` when one is given.
    Revoked {
        /// When.
        date: i64,
        /// Why, when the response says.
        reason: Option<RevocationReason>,
    },
    /// The responder does not know the certificate.
    Unknown,
}

impl std::fmt::Display for CertStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Good => f.write_str("good"),
            Self::Unknown => f.write_str("unknown"),
            Self::Revoked { date, reason } => {
                write!(f, "revoked on {}", x509::unix_to_rfc3339(*date))?;
                match reason {
                    Some(reason) => write!(f, ", reason {reason}"),
                    None => f.write_str(", no reason given"),
                }
            }
        }
    }
}

/// One answer of a responder: the certificate, and its status.
pub type Answer = (CertId, CertStatus);

/// Which certificate a request or response is about: its issuer's name and key, hashed, and its
/// serial number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertId {
    /// SHA-256 when true, else SHA-1.
    pub sha256: bool,
    /// The hash of the issuer's name (DER).
    pub name_hash: Vec<u8>,
    /// The hash of the issuer's public key (the BIT STRING's bytes).
    pub key_hash: Vec<u8>,
    /// The serial number, as the certificate's INTEGER holds it.
    pub serial: Vec<u8>,
}

/// A CA as OCSP needs it: its name and its public key, each as a whole DER element; from its
/// certificate, or from a trust anchor (which is no certificate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuer {
    /// Its subject, a DER Name.
    pub name: Vec<u8>,
    /// Its SubjectPublicKeyInfo, DER.
    pub spki: Vec<u8>,
}

impl Issuer {
    /// The CA whose certificate is `cert`.
    pub fn of(cert: &CertificateDer<'_>) -> Option<Self> {
        let (_, parsed) = x509_parser::parse_x509_certificate(cert).ok()?;
        Some(Self {
            name: parsed.subject().as_raw().to_vec(),
            spki: parsed.public_key().raw.to_vec(),
        })
    }

    /// The CA of a trust anchor.
    pub fn of_anchor(anchor: &rustls_pki_types::TrustAnchor<'_>) -> Self {
        let (name, spki) = x509::anchor_name_and_key(&anchor.subject, &anchor.subject_public_key_info);
        Self { name, spki }
    }

    /// The public key's bytes (the BIT STRING's, without its unused-bits byte).
    fn key(&self) -> Option<&[u8]> {
        let (_, spki) = der::element(&self.spki)?;
        let parts = der::elements(spki.content)?;
        parts.get(1).filter(|bits| bits.tag == 0x03)?.content.get(1..)
    }

    /// Its name, RFC 4514.
    fn said(&self) -> String {
        x509::name_from_der(&self.name).unwrap_or_default()
    }
}

impl CertId {
    /// The CertID of `cert`, signed by `issuer`, hashed as `sha256` says.
    pub fn of(cert: &CertificateDer<'_>, issuer: &Issuer, sha256: bool) -> Option<Self> {
        let (_, parsed) = x509_parser::parse_x509_certificate(cert).ok()?;
        Some(Self {
            sha256,
            name_hash: hash(sha256, parsed.issuer().as_raw()),
            key_hash: hash(sha256, issuer.key()?),
            serial: parsed.raw_serial().to_vec(),
        })
    }

    /// Whether it names a certificate that `issuer` signed (its name and key), whatever its serial.
    pub fn issued_by(&self, issuer: &Issuer) -> bool {
        issuer.key().is_some_and(|key| {
            hash(self.sha256, &issuer.name) == self.name_hash && hash(self.sha256, key) == self.key_hash
        })
    }

    /// Whether it names `cert`, by its serial and its issuer's name (not its key, which the
    /// certificate does not hold).
    pub fn names(&self, cert: &CertificateDer<'_>) -> bool {
        x509_parser::parse_x509_certificate(cert).is_ok_and(|(_, parsed)| {
            parsed.raw_serial() == self.serial.as_slice()
                && hash(self.sha256, parsed.issuer().as_raw()) == self.name_hash
        })
    }

    /// The serial number in lowercase hex, as `tls-cert inspect` writes it.
    pub fn serial_hex(&self) -> String {
        x509::hex(x509::serial_number(&self.serial))
    }

    fn read(item: &Tlv<'_>) -> Result<Self, String> {
        let bad = || "its CertID is not one".to_owned();
        let fields = der::elements(item.content).ok_or_else(bad)?;
        let [algorithm, name, key, serial] = fields.as_slice() else {
            return Err(bad());
        };
        let (_, oid) = der::element(algorithm.content).ok_or_else(bad)?;
        let sha256 = match oid.content {
            SHA1 => false,
            SHA256 => true,
            _ => return Err("its CertID is hashed with neither SHA-1 nor SHA-256".to_owned()),
        };
        if name.tag != 0x04 || key.tag != 0x04 || serial.tag != 0x02 {
            return Err(bad());
        }
        Ok(Self {
            sha256,
            name_hash: name.content.to_vec(),
            key_hash: key.content.to_vec(),
            serial: serial.content.to_vec(),
        })
    }

    /// The CertID, DER.
    #[cfg(feature = "generate")]
    pub(crate) fn write(&self) -> Vec<u8> {
        let algorithm = seq(&[tlv(0x06, if self.sha256 { SHA256 } else { SHA1 }), vec![0x05, 0x00]]);
        seq(&[
            algorithm,
            tlv(0x04, &self.name_hash),
            tlv(0x04, &self.key_hash),
            tlv(0x02, &self.serial),
        ])
    }
}

fn hash(sha256: bool, data: &[u8]) -> Vec<u8> {
    let algorithm = if sha256 {
        &aws_lc_rs::digest::SHA256
    } else {
        &aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY
    };
    aws_lc_rs::digest::digest(algorithm, data).as_ref().to_vec()
}

/// An OCSP response, read: what it says of each certificate, when, and who signed it.
#[derive(Debug, Clone)]
pub struct Response {
    /// Each certificate's status, with the response's thisUpdate and nextUpdate for it.
    pub statuses: Vec<SingleResponse>,
    /// When it was signed (producedAt), seconds since the Unix epoch.
    pub produced_at: i64,
    /// Who signed it: a name (RFC 4514) or a key hash (hex).
    pub responder: String,
    signed: Vec<u8>,
    algorithm: Vec<u8>,
    signature: Vec<u8>,
    certs: Vec<CertificateDer<'static>>,
}

/// What a response says of one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SingleResponse {
    /// The certificate.
    pub id: CertId,
    /// Its status.
    pub status: CertStatus,
    /// When the status was known to be right, seconds since the Unix epoch.
    pub this_update: i64,
    /// When a newer one will be there; none: newer information is always available.
    pub next_update: Option<i64>,
}

/// Reads an OCSP response (DER).
///
/// # Errors
/// What it is instead, in words: a responder's refusal (tryLater, unauthorized, ...), or bytes that
/// are not an OCSP response.
pub fn read_response(bytes: &[u8]) -> Result<Response, String> {
    let bad = |what: &str| format!("it is not an OCSP response ({what})");
    let (_, outer) = der::element(bytes)
        .filter(|(rest, _)| rest.is_empty())
        .ok_or_else(|| bad("not one DER element"))?;
    let fields = der::elements(outer.content).ok_or_else(|| bad("its fields do not decode"))?;
    let status = fields
        .first()
        .filter(|status| status.tag == 0x0a && status.content.len() == 1)
        .ok_or_else(|| bad("no response status"))?;
    if status.content[0] != 0 {
        let said = match status.content[0] {
            1 => "malformedRequest: it could not read the request",
            2 => "internalError",
            3 => "tryLater: ask again later",
            5 => "sigRequired: it wants signed requests",
            6 => "unauthorized: it does not answer for this CA",
            _ => "an unknown status",
        };
        return Err(format!("the responder refused to answer: {said}"));
    }
    let bytes = fields
        .get(1)
        .filter(|bytes| bytes.tag == 0xa0)
        .ok_or_else(|| bad("no response bytes"))?;
    let (_, typed) = der::element(bytes.content).ok_or_else(|| bad("no response bytes"))?;
    let typed = der::elements(typed.content).ok_or_else(|| bad("no response bytes"))?;
    let [kind, basic] = typed.as_slice() else {
        return Err(bad("no response bytes"));
    };
    if kind.content != OCSP_BASIC || basic.tag != 0x04 {
        return Err(bad("not a basic OCSP response"));
    }
    read_basic(basic.content).map_err(|what| bad(&what))
}

fn read_basic(bytes: &[u8]) -> Result<Response, String> {
    let (_, basic) = der::element(bytes).ok_or("its basic response does not decode")?;
    let fields = der::elements(basic.content).ok_or("its basic response does not decode")?;
    let (tbs, algorithm, signature) = match fields.as_slice() {
        [tbs, algorithm, signature, ..] if signature.tag == 0x03 => (tbs, algorithm, signature),
        _ => return Err("its basic response lacks a signature".into()),
    };
    let certs = match fields.get(3) {
        Some(wrapped) if wrapped.tag == 0xa0 => {
            let (_, list) = der::element(wrapped.content).ok_or("its certificates do not decode")?;
            der::elements(list.content)
                .ok_or("its certificates do not decode")?
                .iter()
                .map(|cert| CertificateDer::from(cert.whole.to_vec()))
                .collect()
        }
        _ => Vec::new(),
    };
    let mut data = der::elements(tbs.content).ok_or("its response data does not decode")?;
    if data.first().is_some_and(|version| version.tag == 0xa0) {
        data.remove(0);
    }
    let [responder, produced, responses, ..] = data.as_slice() else {
        return Err("its response data lacks a field".into());
    };
    let responder = match responder.tag {
        0xa1 => x509::name_from_der(responder.content).unwrap_or_default(),
        0xa2 => der::element(responder.content)
            .map(|(_, key)| format!("key {}", x509::hex(key.content)))
            .unwrap_or_default(),
        _ => return Err("its responder ID is neither a name nor a key".into()),
    };
    let statuses = der::elements(responses.content)
        .ok_or("its responses do not decode")?
        .iter()
        .map(read_single)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Response {
        statuses,
        produced_at: generalized_time(produced)?,
        responder,
        signed: tbs.whole.to_vec(),
        algorithm: algorithm.whole.to_vec(),
        signature: signature.whole.to_vec(),
        certs,
    })
}

fn read_single(item: &Tlv<'_>) -> Result<SingleResponse, String> {
    let fields = der::elements(item.content).ok_or("a single response does not decode")?;
    let [id, status, this_update, rest @ ..] = fields.as_slice() else {
        return Err("a single response lacks a field".into());
    };
    let status = match status.tag {
        0x80 => CertStatus::Good,
        0x82 => CertStatus::Unknown,
        0xa1 => {
            let info = der::elements(status.content).ok_or("its revoked info does not decode")?;
            let date = generalized_time(info.first().ok_or("its revoked info has no date")?)?;
            let reason = info
                .get(1)
                .filter(|reason| reason.tag == 0xa0)
                .and_then(|reason| der::element(reason.content))
                .and_then(|(_, code)| code.content.first().copied())
                .and_then(|code| RevocationReason::from_code(u64::from(code)));
            CertStatus::Revoked { date, reason }
        }
        _ => return Err("a certificate's status is none of good, revoked and unknown".into()),
    };
    let next_update = match rest.first() {
        Some(next) if next.tag == 0xa0 => {
            let (_, time) = der::element(next.content).ok_or("its nextUpdate does not decode")?;
            Some(generalized_time(&time)?)
        }
        _ => None,
    };
    Ok(SingleResponse {
        id: CertId::read(id)?,
        status,
        this_update: generalized_time(this_update)?,
        next_update,
    })
}

/// A GeneralizedTime (`YYYYMMDDHHMMSS[.fff]Z`) as seconds since the Unix epoch.
fn generalized_time(item: &Tlv<'_>) -> Result<i64, String> {
    let bad = || "a time in it is not a GeneralizedTime".to_owned();
    let text = std::str::from_utf8(item.content)
        .ok()
        .filter(|_| item.tag == 0x18)
        .ok_or_else(bad)?;
    let text = text.strip_suffix('Z').ok_or_else(bad)?;
    let whole = text.split('.').next().unwrap_or(text);
    if whole.len() != 14 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let number = |at: usize, len: usize| whole[at..at + len].parse::<u16>().map_err(|_| bad());
    let month = time::Month::try_from(u8::try_from(number(4, 2)?).map_err(|_| bad())?).map_err(|_| bad())?;
    let date = time::Date::from_calendar_date(
        i32::from(number(0, 4)?),
        month,
        u8::try_from(number(6, 2)?).map_err(|_| bad())?,
    )
    .map_err(|_| bad())?;
    let small = |at| number(at, 2).and_then(|n| u8::try_from(n).map_err(|_| bad()));
    let time = time::Time::from_hms(small(8)?, small(10)?, small(12)?).map_err(|_| bad())?;
    Ok(date.with_time(time).assume_utc().unix_timestamp())
}

/// What a response checked against a certificate says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// The certificate's status.
    pub status: CertStatus,
    /// The response's thisUpdate and nextUpdate for it, and its producedAt.
    pub this_update: i64,
    /// See `this_update`.
    pub next_update: Option<i64>,
    /// See `this_update`.
    pub produced_at: i64,
    /// Who signed it: the CA itself, or a responder it delegated to (its subject).
    pub signer: String,
}

impl Response {
    /// What it says of `cert` (signed by `issuer`) at `now` (seconds since the Unix epoch), once it is
    /// checked: it names the certificate, the CA or a responder the CA delegated to (an OCSPSigning
    /// certificate it signed) signed it, and `now` is within its dates (five minutes of clock skew
    /// allowed).
    ///
    /// # Errors
    /// Which check failed, in words.
    pub fn check(&self, cert: &CertificateDer<'_>, issuer: &Issuer, now: i64) -> Result<Checked, String> {
        self.checked(cert, issuer, now, CLOCK_SKEW)
    }

    /// As [`Response::check`], taking it `late` seconds past its nextUpdate.
    fn checked(&self, cert: &CertificateDer<'_>, issuer: &Issuer, now: i64, late: i64) -> Result<Checked, String> {
        let serial = x509_parser::parse_x509_certificate(cert)
            .map(|(_, parsed)| parsed.raw_serial().to_vec())
            .map_err(|_| "the certificate does not parse".to_owned())?;
        let single = self
            .statuses
            .iter()
            .find(|single| single.id.serial == serial && single.id.issued_by(issuer))
            .ok_or_else(|| {
                let named: Vec<String> = self.statuses.iter().map(|single| single.id.serial_hex()).collect();
                format!(
                    "it is for another certificate (serial {}), not this one (serial {})",
                    named.join(", "),
                    x509::hex(x509::serial_number(&serial))
                )
            })?;
        let signer = self.signer(issuer)?;
        dates(single, now, late)?;
        Ok(Checked {
            status: single.status,
            this_update: single.this_update,
            next_update: single.next_update,
            produced_at: self.produced_at,
            signer,
        })
    }

    /// Who signed it, when the signature verifies: `issuer`, or a certificate it carries that `issuer`
    /// signed for OCSP.
    fn signer(&self, issuer: &Issuer) -> Result<String, String> {
        if self.signed_by(&issuer.spki) {
            return Ok(issuer.said());
        }
        let delegated = self.certs.iter().find(|cert| {
            let Ok((_, parsed)) = x509_parser::parse_x509_certificate(cert) else {
                return false;
            };
            let for_ocsp = parsed
                .extended_key_usage()
                .ok()
                .flatten()
                .is_some_and(|eku| eku.value.ocsp_signing);
            for_ocsp && x509::signed_by(cert, &issuer.name, &issuer.spki) && self.signed_by(parsed.public_key().raw)
        });
        delegated.map(x509::subject).ok_or_else(|| {
            format!(
                "its signature does not verify with the key of {}, nor of a responder it delegated to",
                issuer.said()
            )
        })
    }

    /// Whether the key `spki` (DER) signed it.
    fn signed_by(&self, spki: &[u8]) -> bool {
        use x509_parser::prelude::FromDer as _;
        let key = x509_parser::x509::SubjectPublicKeyInfo::from_der(spki);
        let algorithm = x509_parser::x509::AlgorithmIdentifier::from_der(&self.algorithm);
        let signature = x509_parser::der_parser::asn1_rs::BitString::from_der(&self.signature);
        match (key, algorithm, signature) {
            (Ok((_, key)), Ok((_, algorithm)), Ok((_, signature))) => {
                x509_parser::verify::verify_signature(&key, &algorithm, &signature, &self.signed).is_ok()
            }
            _ => false,
        }
    }

    /// Staples it to the certificate of `identities` it answers for, after checking it as far as the
    /// chain allows (its signer only when the chain holds the issuer's certificate); gives back which
    /// certificate, and the status it says. A server stops stapling at nextUpdate: unlike a client's
    /// check, no skew is allowed past it.
    ///
    /// # Errors
    /// It answers for none of them, or it is out of date or not valid yet, in words.
    pub fn staple(
        &self,
        bytes: &[u8],
        identities: &mut [crate::identity::Identity],
        now: i64,
    ) -> Result<(usize, CertStatus), String> {
        let found = identities.iter().position(|identity| {
            identity
                .chain
                .first()
                .is_some_and(|leaf| self.statuses.iter().any(|single| single.id.names(leaf)))
        });
        let Some(at) = found else {
            let served: Vec<String> = identities
                .iter()
                .filter_map(|identity| identity.chain.first())
                .map(|leaf| format!("{} (serial {})", x509::subject(leaf), x509::serial_hex(leaf)))
                .collect();
            let answered: Vec<String> = self.statuses.iter().map(|single| single.id.serial_hex()).collect();
            return Err(format!(
                "it answers for serial {}, which is none of the certificates served: {}",
                answered.join(", "),
                served.join(", ")
            ));
        };
        let identity = &mut identities[at];
        let leaf = &identity.chain[0];
        let issuer = identity.chain[1..]
            .iter()
            .find(|cert| x509::issued(cert, leaf))
            .and_then(Issuer::of);
        let checked = match issuer {
            Some(issuer) => self.checked(leaf, &issuer, now, 0)?,
            None => {
                // Without the issuer's certificate, its key cannot be checked: the dates are.
                let single = self
                    .statuses
                    .iter()
                    .find(|single| single.id.names(leaf))
                    .ok_or("it names no certificate")?;
                dates(single, now, 0)?;
                Checked {
                    status: single.status,
                    this_update: single.this_update,
                    next_update: single.next_update,
                    produced_at: self.produced_at,
                    signer: self.responder.clone(),
                }
            }
        };
        identity.ocsp = Some(bytes.to_vec());
        Ok((at, checked.status))
    }
}

/// The clock skew a client's check allows, in seconds: it takes a response this long before its
/// thisUpdate and past its nextUpdate. A server stapling its own stops at nextUpdate.
pub const CLOCK_SKEW: i64 = 300;

/// The earliest nextUpdate of the responses stapled to `identities`, when one has one: when the
/// first of them runs out.
pub fn first_to_run_out(identities: &[crate::identity::Identity]) -> Option<i64> {
    identities
        .iter()
        .filter_map(|identity| read_response(identity.ocsp.as_deref()?).ok())
        .flat_map(|response| response.statuses.into_iter().filter_map(|single| single.next_update))
        .min()
}

/// Whether `now` is within `single`'s dates: [`CLOCK_SKEW`] allowed before its thisUpdate, `late`
/// seconds after its nextUpdate.
fn dates(single: &SingleResponse, now: i64, late: i64) -> Result<(), String> {
    if single.this_update > now + CLOCK_SKEW {
        return Err(format!(
            "it is not valid yet: its thisUpdate is {}",
            x509::unix_to_rfc3339(single.this_update)
        ));
    }
    if let Some(next) = single.next_update.filter(|next| *next + late < now) {
        return Err(format!(
            "it is out of date: its nextUpdate was {} ({} ago)",
            x509::unix_to_rfc3339(next),
            x509::span(now - next)
        ));
    }
    Ok(())
}

/// An OCSP request, read: the certificates asked about, and the nonce to send back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The certificates asked about.
    pub ids: Vec<CertId>,
    /// The nonce extension's value, DER, to be returned as it came.
    pub nonce: Option<Vec<u8>>,
}

/// Reads an OCSP request (DER).
///
/// # Errors
/// Why it is not one, in words.
pub fn read_request(bytes: &[u8]) -> Result<Request, String> {
    let bad = || "it is not an OCSP request".to_owned();
    let (_, outer) = der::element(bytes)
        .filter(|(rest, _)| rest.is_empty())
        .ok_or_else(bad)?;
    let (_, tbs) = der::element(outer.content).ok_or_else(bad)?;
    let fields = der::elements(tbs.content).ok_or_else(bad)?;
    let list = fields.iter().find(|field| field.tag == 0x30).ok_or_else(bad)?;
    let ids = der::elements(list.content)
        .ok_or_else(bad)?
        .iter()
        .map(|request| {
            let (_, id) = der::element(request.content).ok_or_else(bad)?;
            CertId::read(&id)
        })
        .collect::<Result<Vec<_>, _>>()?;
    if ids.is_empty() {
        return Err("it asks about no certificate".into());
    }
    let nonce = fields
        .iter()
        .find(|field| field.tag == 0xa2)
        .and_then(|wrapped| der::element(wrapped.content))
        .and_then(|(_, extensions)| der::elements(extensions.content))
        .and_then(|extensions| {
            extensions.into_iter().find_map(|extension| {
                let parts = der::elements(extension.content)?;
                let value = parts.last().filter(|value| value.tag == 0x04)?;
                (parts.first()?.content == OCSP_NONCE).then(|| value.content.to_vec())
            })
        });
    Ok(Request { ids, nonce })
}

/// The DER of a responder's refusal: 1 malformedRequest, 2 internalError, 6 unauthorized.
pub fn refusal(status: u8) -> Vec<u8> {
    seq(&[vec![0x0a, 0x01, status]])
}

pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    x509::der_element(tag, content)
}

pub(crate) fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}
