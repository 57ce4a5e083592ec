//! `tls-cert revoke` and `tls-cert crl`: a CA folder (`ca.pem` and `ca.key`, as `generate` writes
//! them) keeps what it revoked in OpenSSL's `index.txt` and numbers its CRLs in `crlnumber`, so
//! `openssl ca` and `openssl ocsp -index` read the same folder; each revocation writes a fresh signed
//! `crl.pem` beside them.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use tls_core::generate::CertificateAuthority;
use tls_core::pki_types::CertificateDer;
use tls_core::revocation::{Revocation, RevocationReason};
use tls_core::sign::SignedCrl;
use tls_core::{time, x509};

use crate::{Stdout, files, refuse};

/// Days a CRL is current for by default: clients refuse it after its next update.
const CRL_DAYS: u64 = 7;

/// Flags of `tls-cert revoke`.
#[derive(Debug, clap::Args)]
pub(crate) struct RevokeArgs {
    /// The certificate to revoke (PEM or DER; the first certificate of the file)
    #[arg(value_name = "CERT")]
    cert: PathBuf,
    #[command(flatten)]
    folder: FolderArgs,
    /// Why, by RFC 5280's name: unspecified, keyCompromise, cACompromise, affiliationChanged,
    /// superseded, cessationOfOperation, certificateHold, privilegeWithdrawn
    #[arg(long, default_value = "unspecified", value_name = "REASON", value_parser = str::parse::<RevocationReason>)]
    reason: RevocationReason,
}

/// Flags of `tls-cert crl`, and the CA folder of `revoke`.
#[derive(Debug, clap::Args)]
pub(crate) struct FolderArgs {
    /// The CA folder: ca.pem and ca.key (as tls-cert generate --out DIR writes them); index.txt,
    /// crlnumber and crl.pem are kept there
    #[arg(long, value_name = "DIR")]
    ca_dir: PathBuf,
    /// Days until the CRL's next update: clients refuse it after that, so make it again before
    #[arg(long, default_value_t = CRL_DAYS, value_name = "N", value_parser = list_days)]
    days: u64,
}

/// Days a CRL or an OCSP answer is current for: 1 or more (the CA's own end is checked later).
pub(crate) fn list_days(text: &str) -> Result<u64, String> {
    match crate::generate::days(text) {
        Ok(days) => Ok(days),
        Err(_) if text.trim() == "0" => {
            Err("a list current for 0 days is out of date as soon as it is made; give 1 or more".into())
        }
        Err(why) => Err(why.replace("a certificate", "a list")),
    }
}

/// A CA folder, opened: its CA, and what it revoked.
pub(crate) struct CaFolder {
    pub(crate) dir: PathBuf,
    pub(crate) ca: CertificateAuthority,
    pub(crate) index: Vec<IndexLine>,
}

/// One line of OpenSSL's `index.txt`: a certificate the CA issued or revoked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IndexLine {
    /// `V` valid, `R` revoked, `E` expired.
    pub(crate) status: char,
    /// Its notAfter, seconds since the Unix epoch.
    pub(crate) expires: i64,
    /// When it was revoked and why.
    pub(crate) revoked: Option<(i64, RevocationReason)>,
    /// Its serial number, big-endian.
    pub(crate) serial: Vec<u8>,
    /// Its subject, as OpenSSL writes it (`/CN=localhost`).
    pub(crate) subject: String,
}

impl CaFolder {
    /// Opens `dir`: its `ca.pem` and `ca.key`, and its `index.txt` when there is one.
    ///
    /// # Errors
    /// A sentence naming the folder or the file: not a folder, no CA in it, an index line that does
    /// not read.
    pub(crate) fn open(dir: &Path) -> Result<Self, String> {
        if !dir.is_dir() {
            return Err(format!(
                "{} is not a folder: give --ca-dir the folder that holds the CA's ca.pem and ca.key (tls-cert generate --out DIR makes one)",
                dir.display()
            ));
        }
        let (cert, key) = (dir.join("ca.pem"), dir.join("ca.key"));
        if !cert.is_file() || !key.is_file() {
            return Err(format!(
                "{} holds no ca.pem and ca.key: a CA folder is one tls-cert generate --out DIR made, or one where you put your CA's certificate as ca.pem and its key as ca.key",
                dir.display()
            ));
        }
        let ca =
            CertificateAuthority::load(&cert, &key).map_err(|err| err.report_with(tls_echo_cli::advice).to_string())?;
        let index_path = dir.join("index.txt");
        let index = match std::fs::read(&index_path) {
            Ok(bytes) => read_index(&bytes).map_err(|err| format!("{}: {err}", index_path.display()))?,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                // A list that revoked certificates, and no record of them: a new list would take them back.
                let listed = last_crl(dir).map_or(0, |crl| crl.revoked.len());
                if listed > 0 {
                    return Err(format!(
                        "{} is missing, but {} lists {listed} revoked certificate(s): restore index.txt first (a list made without it would take them back)",
                        index_path.display(),
                        dir.join("crl.pem").display()
                    ));
                }
                Vec::new()
            }
            Err(err) => return Err(format!("cannot read {}: {err}", index_path.display())),
        };
        Ok(Self {
            dir: dir.to_owned(),
            ca,
            index,
        })
    }

    /// The first certificate of the file `path`, when the folder's CA signed it (and it is not the CA
    /// itself); else says why, exit 2.
    pub(crate) fn issued_certificate(&self, path: &Path) -> Result<CertificateDer<'static>, ExitCode> {
        let cert = tls_echo_cli::input::load_cert_chain(path)
            .map(|chain| chain[0].clone())
            .map_err(|err| crate::fail(&err))?;
        if cert.as_ref() == self.ca.issued.cert.as_ref() {
            return Err(refuse(&format!(
                "{} is the CA itself ({}): a CA answers for the certificates it signed, not for its own; to stop trusting it, remove it where it is trusted",
                path.display(),
                self.dir.join("ca.pem").display()
            )));
        }
        if !x509::issued(&self.ca.issued.cert, &cert) {
            return Err(refuse(&format!(
                "{} ({}) was not signed by the CA of {} ({}): its issuer is {}; use its own CA's folder",
                path.display(),
                x509::subject(&cert),
                self.dir.display(),
                x509::subject(&self.ca.issued.cert),
                x509::issuer(&cert)
            )));
        }
        Ok(cert)
    }

    /// What the index says the CA revoked.
    pub(crate) fn revocations(&self) -> Vec<Revocation> {
        self.index
            .iter()
            .filter_map(|line| {
                let (date, reason) = line.revoked?;
                Some(Revocation {
                    serial: line.serial.clone(),
                    date,
                    reason,
                })
            })
            .collect()
    }

    /// The index's line for `serial`.
    pub(crate) fn line_for(&self, serial: &[u8]) -> Option<&IndexLine> {
        self.index.iter().find(|line| line.serial == serial)
    }

    /// Signs a CRL of everything the index revoked, `days` long, numbered from `crlnumber`; nothing is
    /// written yet.
    fn sign_crl(&self, days: u64) -> Result<(SignedCrl, u64), ExitCode> {
        let number_path = self.dir.join("crlnumber");
        let number = match std::fs::read_to_string(&number_path) {
            Ok(text) => u64::from_str_radix(text.trim(), 16).map_err(|_| {
                refuse(&format!(
                    "{} does not hold a CRL number (hex, as OpenSSL writes it): {:?}",
                    number_path.display(),
                    text.trim()
                ))
            })?,
            // Without its file, the number goes on from the last list's.
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => last_crl(&self.dir)
                .and_then(|crl| crl.crl_number?.parse::<u64>().ok())
                .map_or(1, |number| number.saturating_add(1)),
            Err(err) => return Err(refuse(&format!("cannot read {}: {err}", number_path.display()))),
        };
        let crl = self
            .ca
            .revocation_list(&self.revocations(), number, days)
            .map_err(|err| crate::fail(&err))?;
        Ok((crl, number))
    }

    /// Writes `crl.pem` and the number after `number` into `crlnumber`; says what was written.
    fn write_crl(&self, (crl, number): &(SignedCrl, u64), out: &mut Stdout) -> Result<(), ExitCode> {
        let number_path = self.dir.join("crlnumber");
        let path = self.dir.join("crl.pem");
        files::replace(&path, crl.pem.as_bytes()).map_err(|err| crate::fail(&err))?;
        files::replace(&number_path, format!("{:02X}\n", number + 1).as_bytes()).map_err(|err| crate::fail(&err))?;
        let now = crl.this_update;
        out.line(&format!(
            "wrote {}: CRL number {number}, {} revoked certificate(s), next update {} (in {})",
            path.display(),
            self.revocations().len(),
            x509::unix_to_rfc3339(crl.next_update),
            x509::span(crl.next_update - now)
        ));
        Ok(())
    }
}

/// The folder's last CRL (`crl.pem`), read, when it has one.
fn last_crl(dir: &Path) -> Option<tls_core::inspect::CrlInfo> {
    let bytes = std::fs::read(dir.join("crl.pem")).ok()?;
    let crl = tls_core::pem::parse_crls(&dir.join("crl.pem"), bytes)
        .ok()?
        .into_iter()
        .next()?;
    tls_core::inspect::read_crl(&crl, &[], 0).ok()
}

/// Revokes the certificate in `args.cert`: recorded in the folder's index, a fresh CRL written.
pub(crate) fn run_revoke(args: &RevokeArgs) -> ExitCode {
    let mut folder = match CaFolder::open(&args.folder.ca_dir) {
        Ok(folder) => folder,
        Err(why) => return refuse(&why),
    };
    if args.reason == RevocationReason::RemoveFromCrl {
        return refuse(
            &"removeFromCRL is not a reason to revoke: it takes a certificate off a delta CRL, which tls-cert does not make",
        );
    }
    let cert = match folder.issued_certificate(&args.cert) {
        Ok(cert) => cert,
        Err(code) => return code,
    };
    let ca_path = folder.dir.join("ca.pem");
    let Some(line) = index_line(&cert) else {
        return refuse(&format!("{} cannot be read as a certificate", args.cert.display()));
    };
    let mut out = Stdout::default();
    let who = format!("{}, serial {}", x509::subject(&cert), lower_hex(&line.serial));
    let known = folder.line_for(&line.serial).and_then(|known| known.revoked);
    let date = i64::try_from(tls_core::pki_types::UnixTime::now().as_secs()).unwrap_or(i64::MAX);
    if known.is_none() {
        let revoked = IndexLine {
            status: 'R',
            revoked: Some((date, args.reason)),
            ..line
        };
        // A line OpenSSL wrote when it issued the certificate (V) becomes R; else one is added.
        match folder.index.iter_mut().find(|known| known.serial == revoked.serial) {
            Some(known) => *known = revoked,
            None => folder.index.push(revoked),
        }
    }
    // Signed before anything is written: a list that cannot be made leaves the folder as it was.
    let crl = match folder.sign_crl(args.folder.days) {
        Ok(crl) => crl,
        Err(code) => return code,
    };
    match known {
        Some((date, reason)) => out.line(&format!(
            "{who}, was revoked already, on {}, reason {reason}: nothing new is recorded{}",
            x509::unix_to_rfc3339(date),
            if reason == args.reason {
                String::new()
            } else {
                format!(" (a revocation's reason is not changed: it stays {reason})")
            }
        )),
        None => {
            let index_path = folder.dir.join("index.txt");
            if let Err(err) = files::replace(&index_path, write_index(&folder.index).as_bytes()) {
                return crate::fail(&err);
            }
            out.line(&format!(
                "revoked {who}, on {}, reason {}",
                x509::unix_to_rfc3339(date),
                args.reason
            ));
            out.line(&format!("recorded in {}", index_path.display()));
        }
    }
    if let Err(code) = folder.write_crl(&crl, &mut out) {
        return code;
    }
    out.line(&where_it_counts(
        &cert,
        &ca_path,
        &folder.dir.join("crl.pem"),
        &args.cert,
    ));
    ExitCode::SUCCESS
}

/// Where a revocation of `cert` counts, as commands to paste: a server's certificate is checked by
/// clients, a client's by servers, an intermediate's by clients that check the whole chain.
fn where_it_counts(cert: &CertificateDer<'_>, ca: &Path, crl: &Path, file: &Path) -> String {
    let (ca, crl, file) = (
        crate::generate::shell_word(ca),
        crate::generate::shell_word(crl),
        crate::generate::shell_word(file),
    );
    if x509::is_ca(cert) {
        return format!(
            "clients that check the whole chain refuse what it signed: openssl verify -crl_check_all -CAfile ROOT -CRLfile {crl} ...; rustls (echo-client, tls-cert verify) checks the end entity's revocation only"
        );
    }
    if !for_servers(cert) {
        format!(
            "it takes effect where the CRL is read: echo-server --client-ca {ca} --crl {crl} (reloaded when it changes), tls-cert verify --purpose client --ca {ca} --crl {crl} {file}"
        )
    } else {
        format!(
            "it takes effect where the CRL is read: echo-client --crl {crl}, tls-cert verify --ca {ca} --crl {crl} {file}, and OCSP answers (tls-cert ocsp, ocsp-responder)"
        )
    }
}

/// Whether `cert` may be a TLS server's: no extended key usage, or serverAuth among them.
pub(crate) fn for_servers(cert: &CertificateDer<'_>) -> bool {
    tls_core::inspect::inspect(cert, tls_core::inspect::Position::Leaf).is_ok_and(|info| {
        info.extended_key_usage.is_empty() || info.extended_key_usage.iter().any(|usage| usage == "serverAuth")
    })
}

/// Writes the folder's CRL again, with a fresh next update.
pub(crate) fn run_crl(args: &FolderArgs) -> ExitCode {
    let folder = match CaFolder::open(&args.ca_dir) {
        Ok(folder) => folder,
        Err(why) => return refuse(&why),
    };
    let written = folder
        .sign_crl(args.days)
        .and_then(|crl| folder.write_crl(&crl, &mut Stdout::default()));
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

/// The index line of `cert`, as valid.
fn index_line(cert: &CertificateDer<'_>) -> Option<IndexLine> {
    let (_, parsed) = x509_parser::parse_x509_certificate(cert).ok()?;
    let serial = x509::serial_number(parsed.raw_serial());
    Some(IndexLine {
        status: 'V',
        expires: parsed.validity().not_after.timestamp(),
        revoked: None,
        serial: serial.to_vec(),
        subject: openssl_name(parsed.subject()),
    })
}

/// A name as OpenSSL's index writes it: `/C=FR/O=Lab/CN=localhost`.
fn openssl_name(name: &x509_parser::x509::X509Name<'_>) -> String {
    name.iter_attributes()
        .map(|attribute| {
            let oid = attribute.attr_type().to_id_string();
            let short = match oid.as_str() {
                "2.5.4.3" => "CN",
                "2.5.4.6" => "C",
                "2.5.4.7" => "L",
                "2.5.4.8" => "ST",
                "2.5.4.10" => "O",
                "2.5.4.11" => "OU",
                "1.2.840.113549.1.9.1" => "emailAddress",
                other => other,
            };
            // A tab or newline would end the index's field or line.
            let value = attribute.as_str().unwrap_or("?").replace(['\t', '\n', '\r'], " ");
            format!("/{short}={value}")
        })
        .collect()
}

fn lower_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// OpenSSL's `index.txt`: six fields a line, tab-separated.
fn read_index(bytes: &[u8]) -> Result<Vec<IndexLine>, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "it is not text (UTF-8)".to_owned())?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(at, line)| read_index_line(line).map_err(|why| format!("line {}: {why}", at + 1)))
        .collect()
}

fn read_index_line(line: &str) -> Result<IndexLine, String> {
    let fields: Vec<&str> = line.split('\t').collect();
    let [status, expires, revoked, serial, _file, subject] = fields.as_slice() else {
        return Err(format!(
            "{} tab-separated fields where OpenSSL's index has 6",
            fields.len()
        ));
    };
    let status = match *status {
        "V" | "R" | "E" => status.chars().next().unwrap_or('V'),
        other => return Err(format!("status {other:?} is none of V, R and E")),
    };
    let revoked = if revoked.is_empty() {
        None
    } else {
        let (date, reason) = revoked.split_once(',').unwrap_or((revoked, "unspecified"));
        Some((index_date(date)?, reason.parse::<RevocationReason>()?))
    };
    let serial = (0..serial.len())
        .step_by(2)
        .map(|at| {
            serial
                .get(at..at + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
        })
        .collect::<Option<Vec<u8>>>()
        .filter(|bytes| !bytes.is_empty())
        .ok_or_else(|| format!("serial {serial:?} is not hex of whole bytes"))?;
    Ok(IndexLine {
        status,
        expires: index_date(expires)?,
        revoked,
        serial,
        subject: (*subject).to_owned(),
    })
}

fn write_index(lines: &[IndexLine]) -> String {
    lines
        .iter()
        .map(|line| {
            let revoked = line
                .revoked
                .map(|(date, reason)| format!("{},{}", write_date(date), openssl_reason(reason)))
                .unwrap_or_default();
            format!(
                "{}\t{}\t{revoked}\t{}\tunknown\t{}\n",
                line.status,
                write_date(line.expires),
                line.serial.iter().map(|byte| format!("{byte:02X}")).collect::<String>(),
                line.subject
            )
        })
        .collect()
}

/// OpenSSL's spelling of a reason in its index (`CACompromise`), which it reads back.
fn openssl_reason(reason: RevocationReason) -> &'static str {
    match reason {
        RevocationReason::CaCompromise => "CACompromise",
        other => other.name(),
    }
}

/// UTCTime `YYMMDDHHMMSSZ` (or GeneralizedTime `YYYYMMDDHHMMSSZ`), as OpenSSL's index writes dates.
fn index_date(text: &str) -> Result<i64, String> {
    let bad = || format!("{text:?} is not a date as OpenSSL's index writes them (YYMMDDHHMMSSZ)");
    let digits = text
        .strip_suffix('Z')
        .filter(|d| d.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(bad)?;
    let (year, rest) = match digits.len() {
        12 => {
            let yy: i32 = digits[..2].parse().map_err(|_| bad())?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, &digits[2..])
        }
        14 => (digits[..4].parse().map_err(|_| bad())?, &digits[4..]),
        _ => return Err(bad()),
    };
    let part = |at: usize| rest[at..at + 2].parse::<u8>().map_err(|_| bad());
    let month = time::Month::try_from(part(0)?).map_err(|_| bad())?;
    let date = time::Date::from_calendar_date(year, month, part(2)?).map_err(|_| bad())?;
    let time = time::Time::from_hms(part(4)?, part(6)?, part(8)?).map_err(|_| bad())?;
    Ok(date.with_time(time).assume_utc().unix_timestamp())
}

fn write_date(secs: i64) -> String {
    let Ok(at) = time::OffsetDateTime::from_unix_timestamp(secs) else {
        return "700101000000Z".to_owned();
    };
    let year = at.year();
    let head = if (1950..2050).contains(&year) {
        format!("{:02}", year % 100)
    } else {
        format!("{year:04}")
    };
    format!(
        "{head}{:02}{:02}{:02}{:02}{:02}Z",
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openssls_index_reads_back_as_written() {
        let written = "V\t271206120000Z\t\t1A2B\tunknown\t/CN=a\nR\t20991231235959Z\t261206120000Z,CACompromise\t03\tunknown\t/O=Lab/CN=b\n";
        let lines = read_index(written.as_bytes()).expect("an index");
        assert_eq!(lines.len(), 2);
        assert_eq!(
            lines[1].revoked.map(|(_, reason)| reason),
            Some(RevocationReason::CaCompromise)
        );
        assert_eq!(lines[0].serial, vec![0x1a, 0x2b]);
        assert_eq!(write_index(&lines), written);
        for bad in [
            "V\t271206120000Z\t\t1A2\tunknown\t/CN=a",
            "X\t271206120000Z\t\t1A\tunknown\t/CN=a",
            "V\t2712061200Z\t\t1A\tunknown\t/CN=a",
            "V\t271206120000Z",
        ] {
            assert!(read_index(bad.as_bytes()).is_err(), "{bad:?}");
        }
    }
}
