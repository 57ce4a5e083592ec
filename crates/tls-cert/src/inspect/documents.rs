//! `tls-cert inspect FILE...`: what each file holds, in its order: certificates, CSRs, CRLs, PKCS#7
//! bundles and PKCS#12 files; and `--key-matches CERT KEY`.

use std::path::Path;
use std::process::ExitCode;

use tls_core::inspect;
use tls_core::pem;
use tls_core::pem::Item;
use tls_core::pki_types::CertificateDer;
use tls_core::x509::visible;
use tls_echo_cli::input;

use super::{InspectArgs, Source, print};
use crate::{INVALID, Stdout, fail, refuse};

/// Inspects every file of `args`, one after the other; a file that cannot be read is said and the rest
/// are still read.
pub(crate) fn inspect_files(args: &InspectArgs) -> ExitCode {
    // Two files from standard input are refused by the loader, naming the second; the password is read
    // here, so its turn is checked here.
    let reads_stdin = |path: Option<&Path>| path == Some(Path::new("-"));
    if reads_stdin(args.password_file.as_deref())
        && (args.files.iter().any(|p| reads_stdin(Some(p))) || reads_stdin(args.ca.as_deref()))
    {
        return refuse(&"standard input (-) can be read once: give the file, or the password, as a file");
    }
    let cas = match &args.ca {
        Some(path) => match input::load_ca_certs(path) {
            Ok(cas) => cas,
            Err(err) => return fail(&err),
        },
        None => Vec::new(),
    };
    let password = match args
        .password_file
        .as_deref()
        .map(crate::files::read_password)
        .transpose()
    {
        Ok(password) => password,
        Err(why) => return refuse(&why),
    };
    let mut code = ExitCode::SUCCESS;
    let mut kinds = Vec::new();
    for path in &args.files {
        // A file name is shown as the user typed it, but a control character in it must not start a line.
        let name = visible(&path.display().to_string()).into_owned();
        let shown_as = if input::is_stdin(path) {
            Path::new(input::STDIN)
        } else {
            path.as_path()
        };
        let items = match input::read_file(path).and_then(|bytes| pem::identify(shown_as, &bytes)) {
            Ok(items) => items,
            Err(err) => {
                code = fail(&err);
                continue;
            }
        };
        // Each item is headed by its file's name when there is more than one file or one item.
        let context = Context {
            args,
            cas: &cas,
            password: password.as_deref(),
            several: args.files.len() > 1
                || items.len() > 1
                || items
                    .iter()
                    .any(|i| matches!(i, Item::Pkcs7 { crls, .. } if !crls.is_empty())),
        };
        for item in &items {
            kinds.push(std::mem::discriminant(item));
            if matches!(item, Item::Pkcs7 { crls, .. } if !crls.is_empty()) {
                kinds.push(std::mem::discriminant(&Item::Crl(Vec::new())));
            }
            let outcome = context.show(&name, item);
            if outcome != ExitCode::SUCCESS {
                code = outcome;
            }
        }
    }
    let had = |probe: &Item| kinds.contains(&std::mem::discriminant(probe));
    // A file that could not be read may have been the CRL or the PKCS#12: then nothing is said of the
    // options it would have used.
    if code != ExitCode::SUCCESS {
        return code;
    }
    if args.ca.is_some() && !had(&Item::Crl(Vec::new())) {
        eprintln!("note: --ca was not used: it checks a CRL's signature, and no file holds a CRL");
    }
    if args.password_file.is_some() && !had(&Item::Pkcs12(Vec::new())) {
        eprintln!("note: --password-file was not used: no file is PKCS#12");
    }
    code
}

/// What every item of a run shares.
struct Context<'a> {
    args: &'a InspectArgs,
    cas: &'a [CertificateDer<'static>],
    password: Option<&'a str>,
    several: bool,
}

impl Context<'_> {
    fn show(&self, name: &str, item: &Item) -> ExitCode {
        match item {
            Item::Certificates(chain) => self.certificates(name, chain),
            Item::Pkcs7 { certificates, crls } => self.pkcs7(name, certificates, crls),
            Item::NotShown { label, line } => {
                #[derive(serde::Serialize)]
                struct NotShown<'a> {
                    label: &'a str,
                    line: usize,
                }
                let why = if label.contains("PRIVATE KEY") {
                    "inspect never shows keys; tls-cert inspect --key-matches CERT KEY checks one against a certificate"
                } else {
                    "not a kind inspect reads"
                };
                let text = format!("# {name}: a {} block at line {line}, not shown: {why}", visible(label));
                self.emit(name, "not_shown", &NotShown { label, line: *line }, &text);
                ExitCode::SUCCESS
            }
            Item::Trusted { certificate, settings } => {
                let code = self.certificates(name, std::slice::from_ref(certificate));
                let list = |purposes: &[String]| {
                    if purposes.is_empty() {
                        "nothing".to_owned()
                    } else {
                        purposes.join(", ")
                    }
                };
                let text = format!(
                    "# {name}: OpenSSL trust settings (a TRUSTED CERTIFICATE; not part of the certificate, read by OpenSSL alone): trusted for {}; rejected for {}{}",
                    list(&settings.trusted),
                    list(&settings.rejected),
                    settings
                        .alias
                        .as_ref()
                        .map(|a| format!("; alias \"{a}\""))
                        .unwrap_or_default()
                );
                self.emit(name, "trust_settings", settings, &text);
                code
            }
            Item::Request(der) => match inspect::read_request(der) {
                Ok(info) => {
                    let verified = info.signature_verified;
                    self.emit(name, "csr", &info, &info.to_string());
                    // Refused only when it was checked and failed; an algorithm not supported here is said.
                    if verified == Some(false) {
                        ExitCode::from(INVALID)
                    } else {
                        ExitCode::SUCCESS
                    }
                }
                Err(err) => refuse(&format_args!("{name}: a CSR that does not parse: {err}")),
            },
            Item::Crl(der) => match inspect::read_crl(der, self.cas, now()) {
                Ok(info) => {
                    let refused = info.signature_check.as_ref().is_some_and(|check| !check.verified);
                    self.emit(name, "crl", &info, &info.to_string());
                    if refused {
                        ExitCode::from(INVALID)
                    } else {
                        ExitCode::SUCCESS
                    }
                }
                Err(err) => refuse(&format_args!("{name}: a CRL that does not parse: {err}")),
            },
            Item::Pkcs12(der) => self.pkcs12(name, der),
        }
    }

    fn pkcs7(&self, name: &str, certificates: &[CertificateDer<'static>], crls: &[Vec<u8>]) -> ExitCode {
        if certificates.is_empty() && crls.is_empty() {
            #[derive(serde::Serialize)]
            struct Empty {
                certificates: usize,
                crls: usize,
            }
            let text = format!("# {name}: a PKCS#7 bundle with no certificates and no CRLs");
            self.emit(
                name,
                "pkcs7",
                &Empty {
                    certificates: 0,
                    crls: 0,
                },
                &text,
            );
            return ExitCode::SUCCESS;
        }
        let mut code = ExitCode::SUCCESS;
        if !certificates.is_empty() {
            code = self.certificates(&format!("{name} (PKCS#7)"), certificates);
        }
        for crl in crls {
            let outcome = self.show(&format!("{name} (PKCS#7)"), &Item::Crl(crl.clone()));
            if outcome != ExitCode::SUCCESS {
                code = outcome;
            }
        }
        code
    }

    fn certificates(&self, name: &str, chain: &[CertificateDer<'static>]) -> ExitCode {
        print(
            self.args,
            vec![Source {
                name,
                chain: Ok(chain),
                fetched: None,
                served_to: None,
            }],
            self.several,
        )
    }

    /// Prints `info` as JSON (one line, with `source` and `kind`) or as `text`.
    fn emit(&self, name: &str, kind: &str, info: &impl serde::Serialize, text: &str) {
        let mut out = Stdout::default();
        if self.args.json {
            #[derive(serde::Serialize)]
            struct Tagged<'a, T> {
                source: &'a str,
                kind: &'a str,
                #[serde(flatten)]
                info: &'a T,
            }
            match serde_json::to_string(&Tagged {
                source: name,
                kind,
                info,
            }) {
                Ok(line) => out.line(&line),
                Err(err) => eprintln!("error: {name}: {err}"),
            }
        } else {
            // A text that is itself a "# NAME: ..." line needs no heading.
            if self.several && !text.starts_with("# ") {
                out.line(&format!("# {name}"));
            }
            out.line(text);
        }
    }

    fn pkcs12(&self, name: &str, der: &[u8]) -> ExitCode {
        // The password given first; then an empty one, which many files have (and which is tried
        // before asking for a password).
        let given = self.password.map(|password| inspect::read_pkcs12(der, password));
        let (opened, note) = match given {
            Some(Ok(info)) => (Ok(info), ""),
            Some(Err(err @ (inspect::Pkcs12Error::WrongPassword | inspect::Pkcs12Error::NotDecrypted))) => {
                match inspect::read_pkcs12(der, "") {
                    Ok(info) => (
                        Ok(info),
                        ", opened with an empty password: the password given does not open it",
                    ),
                    Err(_) => (Err(err), ""),
                }
            }
            Some(Err(err)) => (Err(err), ""),
            None => match inspect::read_pkcs12(der, "") {
                Ok(info) => (Ok(info), ", opened with an empty password"),
                Err(inspect::Pkcs12Error::WrongPassword | inspect::Pkcs12Error::NotDecrypted) => {
                    return refuse(&format_args!(
                        "{name} is a PKCS#12 file, encrypted with a password: give it with --password-file FILE (the file's first line; - reads it from standard input)"
                    ));
                }
                Err(err) => (Err(err), ""),
            },
        };
        let info = match opened {
            Ok(info) => info,
            Err(err) => return refuse(&format_args!("{name}: {err}")),
        };
        let label = format!("{name} (PKCS#12)");
        let mut summary = format!(
            "# {name}: PKCS#12{note}, {} certificate{}, {} private key{} (never shown)\n",
            info.certificates.len(),
            if info.certificates.len() == 1 { "" } else { "s" },
            info.keys.len(),
            if info.keys.len() == 1 { "" } else { "s" },
        );
        summary.push_str(&match &info.mac {
            Some(mac) => format!("#   integrity: {mac}\n"),
            None => "#   integrity: NONE: the file has no MAC, so nothing shows whether it was changed\n".to_owned(),
        });
        if !info.encryptions.is_empty() {
            summary.push_str(&format!("#   encrypted with: {}\n", info.encryptions.join(", ")));
        }
        for (i, name) in info.certificate_names.iter().enumerate() {
            if let Some(alias) = name {
                summary.push_str(&format!("#   certificate {}: \"{}\"\n", i + 1, visible(alias)));
            }
        }
        for (i, key) in info.keys.iter().enumerate() {
            let owner = match key.certificate {
                Some(index) => format!(
                    "the key of certificate {} ({})",
                    index + 1,
                    tls_core::x509::subject(&info.certificates[index])
                ),
                None => "the key of none of its certificates".into(),
            };
            let alias = key
                .name
                .as_ref()
                .map(|n| format!(" \"{}\"", visible(n)))
                .unwrap_or_default();
            summary.push_str(&format!("#   key {}{alias}: {}, {owner}\n", i + 1, key.kind));
        }
        if self.args.json {
            self.emit(name, "pkcs12", &info, "");
        } else {
            Stdout::default().line(summary.trim_end());
        }
        let mut code = ExitCode::SUCCESS;
        if !info.certificates.is_empty() {
            code = print(
                self.args,
                vec![Source {
                    name: &label,
                    chain: Ok(&info.certificates),
                    fetched: None,
                    served_to: None,
                }],
                true,
            );
        }
        code
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// `--key-matches CERT KEY`: exit 0 when KEY is the private key of CERT's (first) certificate, 1 when
/// it is not, 2 when either file cannot be used; with `json`, one object
/// `{"certificate", "key", "subject", "matches"}`.
pub(crate) fn key_matches(cert: &Path, key: &Path, json: bool) -> ExitCode {
    let chain = match input::load_cert_chain(cert) {
        Ok(chain) => chain,
        Err(err) => return fail(&err),
    };
    let private = match input::load_private_key(key) {
        Ok(private) => private,
        Err(err) => return fail(&err),
    };
    let subject = tls_core::x509::subject(&chain[0]);
    let (cert, key) = (cert.display(), key.display());
    let matches = match tls_core::key_belongs_to(&chain[0], &private) {
        Ok(matches) => matches,
        Err(tls_core::Error::Config { cause, .. }) => {
            return refuse(&format_args!(
                "cannot tell whether {key} belongs to {cert}: the crypto library cannot load {key} ({cause})"
            ));
        }
        Err(err) => return fail(&err),
    };
    let line = if json {
        serde_json::json!({
            "certificate": cert.to_string(),
            "key": key.to_string(),
            "subject": subject,
            "matches": matches,
        })
        .to_string()
    } else if matches {
        format!("yes: {key} is the private key of {subject} in {cert}")
    } else {
        // The key may be that of another certificate of the same file (a chain in the wrong order).
        let other = chain
            .iter()
            .enumerate()
            .skip(1)
            .find(|(_, der)| tls_core::key_belongs_to(der, &private).unwrap_or(false));
        match other {
            Some((i, der)) => format!(
                "no: {key} is not the private key of {subject}, the first certificate in {cert}, but of certificate {} there, {}: the server's own certificate must come first",
                i + 1,
                tls_core::x509::subject(der)
            ),
            None => {
                format!("no: {key} is not the private key of {subject} in {cert}: it belongs to another certificate")
            }
        }
    };
    Stdout::default().line(&line);
    if matches {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(INVALID)
    }
}
