//! What the server presents: the certificates named by the flags (or the defaults, or a scenario made
//! at start), each loaded and checked before the server listens, and loaded and checked the same way
//! again on every reload.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tls_core::error::{LoadProblem, Material};
use tls_core::generate::CertificateAuthority;
use tls_core::ocsp;
use tls_core::page::PageInfo;
use tls_core::pki_types::CertificateDer;
use tls_core::revocation::{Crl, Crls};
use tls_core::{CertStore, Identity, scenario};
use tls_echo_cli::defaults::default_file;
use tls_echo_cli::input;

/// Each certificate file with its key's file; no key file: the certificate file holds the key too.
pub(crate) type Pairs = Vec<(PathBuf, Option<PathBuf>)>;

/// What the flags ask the server to present.
pub(crate) struct Chosen {
    /// The certificates, loaded and checked.
    pub(crate) identities: Vec<Identity>,
    /// Their files, for the start-up line (or the scenario's name).
    pub(crate) described: String,
    /// The files to reload them from; empty for a scenario, made at start and never reloaded.
    pub(crate) pairs: Pairs,
    /// The CA certificate file the page offers at /ca.pem.
    pub(crate) serve_ca: Option<PathBuf>,
    /// The OCSP responses stapled (`--ocsp-response`), each to the certificate it answers for.
    pub(crate) staples: Vec<PathBuf>,
}

/// The flags that decide what is presented.
pub(crate) struct Flags<'a> {
    pub(crate) cert: &'a [PathBuf],
    pub(crate) key: &'a [PathBuf],
    pub(crate) serve_ca: Option<&'a Path>,
    pub(crate) no_page: bool,
    pub(crate) scenario: Option<scenario::Kind>,
    pub(crate) scenario_ca: Option<&'a Path>,
    pub(crate) scenario_ca_key: Option<&'a Path>,
    pub(crate) ocsp: &'a [PathBuf],
}

/// Loads and checks what `flags` name: the demo files in certs/ when nothing is named.
///
/// # Errors
/// A default file that is nowhere, or any load or preflight error, naming the file.
pub(crate) fn choose(flags: &Flags<'_>) -> tls_echo_cli::Result<Chosen> {
    if let Some(kind) = flags.scenario {
        let (ca, ca_cert) = scenario_ca(flags.scenario_ca, flags.scenario_ca_key)?;
        tracing::warn!(target: "echo_server", "scenario {kind}: {}", kind.explanation());
        return Ok(Chosen {
            identities: vec![scenario::make(kind, &ca)?],
            described: format!("(scenario {kind})"),
            pairs: Vec::new(),
            serve_ca: (!flags.no_page).then_some(ca_cert),
            staples: Vec::new(),
        });
    }
    // The demo CA goes with the demo certificate; with your own certificate, only the CA you name.
    let serve_ca = match (flags.serve_ca, flags.cert.is_empty(), flags.no_page) {
        (Some(path), _, false) => Some(path.to_owned()),
        // Without it, the page offers no CA (404 at /ca.pem, with the reason).
        (None, true, false) => default_file("certs/ca.pem", "--serve-ca FILE").ok(),
        _ => None,
    };
    let pairs: Pairs = if flags.cert.is_empty() {
        let names = "--cert FILE --key FILE";
        vec![(
            default_file("certs/server.pem", names)?,
            Some(default_file("certs/server.key", names)?),
        )]
    } else if flags.key.is_empty() {
        flags.cert.iter().map(|cert| (cert.clone(), None)).collect()
    } else {
        flags
            .cert
            .iter()
            .cloned()
            .zip(flags.key.iter().cloned().map(Some))
            .collect()
    };
    let described = pairs
        .iter()
        .map(|(cert, _)| cert.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    Ok(Chosen {
        identities: load_checked(&pairs, flags.ocsp)?,
        described,
        pairs,
        serve_ca,
        staples: flags.ocsp.to_vec(),
    })
}

/// What a reload reads again.
pub(crate) struct Reloaded {
    /// The certificates presented, and their files.
    pub(crate) certs: Arc<CertStore>,
    pub(crate) pairs: Pairs,
    /// The OCSP responses stapled to them (`--ocsp-response`).
    pub(crate) staples: Vec<PathBuf>,
    /// When the first of those runs out (its nextUpdate): a reload then drops it.
    pub(crate) staple_due: crate::reload::Due,
    /// The page's CA (`--serve-ca`), and its file.
    pub(crate) served_ca: Option<(Arc<PageInfo>, PathBuf)>,
    /// The CRLs client certificates are checked against (`--crl`).
    pub(crate) crls: Option<CrlFiles>,
}

/// The CRLs client certificates are checked against, their files, and the CAs trusted for clients
/// (whose lists they should be).
pub(crate) struct CrlFiles {
    pub(crate) crls: Arc<Crls>,
    pub(crate) paths: Vec<PathBuf>,
    pub(crate) client_ca: Vec<CertificateDer<'static>>,
}

/// Reloads the certificates on SIGHUP and when the files change, and the page's CA (`--serve-ca`)
/// with them, so a rotated CA is offered with the certificates it signed, and the CRLs (`--crl`), so
/// a revocation takes effect without a restart. Started before the server says it listens: the SIGHUP
/// handler is installed when this is called. Logged as the program's own lines (target
/// `echo_server`), as everything the server says about its certificates.
pub(crate) fn reload_when_asked(reloaded: Reloaded) -> impl Future<Output = ()> {
    let Reloaded {
        certs,
        pairs,
        staples,
        staple_due,
        served_ca,
        crls,
    } = reloaded;
    let from_stdin = pairs
        .iter()
        .flat_map(|(cert, key)| std::iter::once(cert).chain(key))
        .any(|path| is_stdin(path));
    // Standard input cannot change, nor be read again: only files are watched.
    let files: Vec<PathBuf> = pairs
        .iter()
        .flat_map(|(cert, key)| std::iter::once(cert).chain(key))
        .chain(served_ca.as_ref().map(|(_, path)| path))
        .chain(crls.iter().flat_map(|files| &files.paths))
        .chain(&staples)
        .filter(|path| !is_stdin(path))
        .cloned()
        .collect();
    crate::reload::on_change(files, staple_due.clone(), move |why| {
        if let Some(files) = &crls {
            reload_crls(files, why);
        }
        if from_stdin {
            tracing::warn!(
                target: "echo_server",
                "not reloading certificates ({why}): they were read from standard input, which cannot be read again"
            );
            return;
        }
        if let Some((page, path)) = &served_ca {
            match input::load_ca_certs(path) {
                Ok(ca_certs) => page.replace_ca_certs(ca_certs),
                Err(err) => tracing::error!(
                    target: "echo_server",
                    "not reloading the page's CA ({why}): {}; keeping the one in use",
                    err.report_with(tls_echo_cli::advice)
                ),
            }
        }
        // A staple that can no longer be used (out of date, for another certificate) is dropped, not
        // kept: the certificates are served without it, which clients accept, until a fresh one.
        let loaded = load_checked(&pairs, &staples).or_else(|err| match &err {
            tls_core::Error::Load {
                what: Material::OcspResponse,
                ..
            } => {
                tracing::error!(
                    target: "echo_server",
                    "not stapling ({why}): {}; serving without an OCSP response until a fresh one comes",
                    err.report_with(tls_echo_cli::advice)
                );
                load_checked(&pairs, &[])
            }
            _ => Err(err),
        });
        let loaded = loaded.inspect(|identities| set_due(&staple_due, identities));
        match loaded.and_then(|identities| certs.replace(identities)) {
            Ok(()) => tracing::info!(
                target: "echo_server",
                "reloaded certificates ({why}): new connections get {}",
                certs.subjects().join(" and ")
            ),
            Err(err) => tracing::error!(
                target: "echo_server",
                "not reloading certificates ({why}): {}; keeping the ones in use",
                err.report_with(tls_echo_cli::advice)
            ),
        }
    })
}

/// The CAs trusted for client certificates (`--client-ca`; one outside its dates is said), and the
/// CRLs they are checked against (`--crl`, which needs `--client-ca`).
///
/// # Errors
/// Either file cannot be loaded.
pub(crate) fn client_trust(
    client_ca: Option<&Path>,
    crl: &[PathBuf],
) -> tls_core::Result<(Option<Vec<CertificateDer<'static>>>, Option<CrlFiles>)> {
    let (path, client_ca) = (client_ca, client_ca.map(input::load_ca_certs).transpose()?);
    for (path, ca) in path.iter().zip(client_ca.iter()) {
        for note in ca
            .iter()
            .filter_map(|ca| tls_core::verify::trust_anchor_dates(ca, tls_core::pki_types::UnixTime::now()))
        {
            tracing::warn!(target: "echo_server", "--client-ca {}: {note}", path.display());
        }
    }
    let crls = match &client_ca {
        Some(cas) if !crl.is_empty() => Some(CrlFiles {
            crls: Arc::new(Crls::new(load_crls(crl, cas)?)),
            paths: crl.to_vec(),
            client_ca: cas.clone(),
        }),
        _ => None,
    };
    Ok((client_ca, crls))
}

/// The CRLs of `paths` (`--crl`; of several from one CA, the newest), each checked against
/// `client_ca`: one no CA trusted for clients signed is refused (it would refuse every client of
/// its issuer, for a reason no client could mend); one out of date or not valid yet is served, and
/// said, since it refuses every client certificate from its CA until a fresh one comes.
///
/// # Errors
/// A file that cannot be loaded, or holds a CRL no `client_ca` signed, naming it.
pub(crate) fn load_crls(paths: &[PathBuf], client_ca: &[CertificateDer<'static>]) -> tls_core::Result<Vec<Crl>> {
    let now = i64::try_from(tls_core::pki_types::UnixTime::now().as_secs()).unwrap_or(i64::MAX);
    let mut crls = Vec::new();
    for path in paths {
        let loaded = input::load_crls(path)?;
        for info in loaded
            .iter()
            .filter_map(|crl| tls_core::inspect::read_crl(crl, client_ca, now).ok())
        {
            if let Some(check) = info.signature_check.as_ref().filter(|check| !check.verified) {
                return Err(tls_core::Error::Load {
                    what: Material::Crls,
                    path: path.clone(),
                    problem: LoadProblem::Unusable(format!(
                        "its CRL from {} is signed by no --client-ca CA ({}): give the CRL of a CA trusted for clients",
                        info.issuer, check.detail
                    )),
                });
            }
            for warning in &info.warnings {
                tracing::warn!(
                    target: "echo_server",
                    "--crl {}: the CRL from {} (number {}): {warning}; client certificates from {} are refused until a fresh one is given",
                    path.display(),
                    info.issuer,
                    info.crl_number.as_deref().unwrap_or("none"),
                    info.issuer
                );
            }
        }
        crls.extend(loaded);
    }
    Ok(tls_core::revocation::newest(crls))
}

/// Reads the CRLs of `files` again; a file that fails keeps the ones in use.
fn reload_crls(files: &CrlFiles, why: &str) {
    if files.paths.iter().any(|path| is_stdin(path)) {
        tracing::warn!(target: "echo_server", "not reloading --crl ({why}): it was read from standard input, which cannot be read again");
        return;
    }
    match load_crls(&files.paths, &files.client_ca) {
        Ok(loaded) => {
            let count = loaded.len();
            files.crls.replace(loaded);
            tracing::info!(target: "echo_server", "reloaded --crl ({why}): {count} list(s) in use for client certificates from now on");
        }
        Err(err) => tracing::error!(
            target: "echo_server",
            "not reloading --crl ({why}): {}; keeping the lists in use",
            err.report_with(tls_echo_cli::advice)
        ),
    }
}

/// The HTTPS page on the echo port, unless `no_page`, offering the CA of `serve_ca` (as PEM whatever
/// the file's format, so a DER CA works too), and naming the scenario when one is served.
pub(crate) fn page(
    no_page: bool,
    scenario: Option<scenario::Kind>,
    serve_ca: Option<&Path>,
) -> tls_core::Result<Option<Arc<PageInfo>>> {
    if no_page {
        return Ok(None);
    }
    let ca_certs = serve_ca.map(input::load_ca_certs).transpose()?.unwrap_or_default();
    let page = PageInfo::new(ca_certs);
    Ok(Some(Arc::new(match scenario {
        Some(kind) => page.with_scenario(kind.name(), kind.explanation()),
        None => page,
    })))
}

/// The CA that signs what --scenario and --gallery make: --scenario-ca and --scenario-ca-key, or the
/// demo CA in certs/; and the file of its certificate.
///
/// # Errors
/// A default file that is nowhere, or a CA that cannot be loaded, naming the file.
pub(crate) fn scenario_ca(
    cert: Option<&Path>,
    key: Option<&Path>,
) -> tls_echo_cli::Result<(CertificateAuthority, PathBuf)> {
    let names = "--scenario-ca FILE --scenario-ca-key FILE";
    let ca_cert = cert.map_or_else(|| default_file("certs/ca.pem", names), |p| Ok(p.to_owned()))?;
    let ca_key = key.map_or_else(|| default_file("certs/ca.key", names), |p| Ok(p.to_owned()))?;
    let ca = CertificateAuthority::load(&ca_cert, &ca_key)?;
    Ok((ca, ca_cert))
}

/// Certificates made at start (`what`: a scenario, the gallery): a SIGHUP says so instead of ending
/// the process.
pub(crate) fn no_reload(what: String) -> impl Future<Output = ()> {
    crate::reload::on_change(Vec::new(), crate::reload::Due::new(i64::MAX.into()), move |why| {
        tracing::warn!(
            target: "echo_server",
            "not reloading certificates ({why}): {what} makes them at start, from its CA"
        );
    })
}

pub(crate) use tls_echo_cli::input::is_stdin;

/// Loads every --cert/--key pair and checks each (preflight), and staples each OCSP response of
/// `staples` to the certificate it answers for.
fn load_checked(pairs: &[(PathBuf, Option<PathBuf>)], staples: &[PathBuf]) -> tls_core::Result<Vec<Identity>> {
    let mut identities = pairs
        .iter()
        .map(|(cert, key)| {
            let identity = match key {
                Some(key) => input::load_identity(cert, key)?,
                None => input::load_combined(cert)?,
            };
            preflight(&identity.chain, cert)?;
            Ok(identity)
        })
        .collect::<tls_core::Result<Vec<_>>>()?;
    staple(&mut identities, staples)?;
    Ok(identities)
}

/// Sets `due` to when the first response stapled to `identities` runs out (never, without one).
pub(crate) fn set_due(due: &crate::reload::Due, identities: &[Identity]) {
    let at = ocsp::first_to_run_out(identities).unwrap_or(i64::MAX);
    due.store(at, std::sync::atomic::Ordering::SeqCst);
}

/// Staples each OCSP response of `files` (`--ocsp-response`) to the certificate it answers for,
/// once checked (for that certificate, within its dates; its signer too when the chain holds the
/// issuer). One that says the certificate is revoked is served, and said: clients will refuse it.
///
/// # Errors
/// A file that cannot be read, holds no OCSP response, answers for no certificate served, or is
/// out of date, naming the file and what to do.
fn staple(identities: &mut [Identity], files: &[PathBuf]) -> tls_core::Result<()> {
    let now = i64::try_from(tls_core::pki_types::UnixTime::now().as_secs()).unwrap_or(i64::MAX);
    for path in files {
        let unusable = |why: String| tls_core::Error::Load {
            what: Material::OcspResponse,
            path: path.clone(),
            problem: LoadProblem::Unusable(why),
        };
        let bytes = tls_core::pem::read_bytes(path, Material::OcspResponse)?;
        let response = ocsp::read_response(&bytes).map_err(unusable)?;
        let (at, status) = response.staple(&bytes, identities, now).map_err(|why| {
            unusable(format!(
                "{why}; make one for the certificate served: tls-cert ocsp CERT --ca-dir DIR --out {} --force",
                path.display()
            ))
        })?;
        if let ocsp::CertStatus::Revoked { .. } = status {
            tracing::warn!(
                target: "echo_server",
                "{}: the OCSP response stapled says {} is {status}: clients that read it refuse this server",
                path.display(),
                identities[at].chain.first().map(tls_core::x509::subject).unwrap_or_default()
            );
        }
    }
    Ok(())
}

/// Refuses to start with a chain every client would reject; warns about the rest, expiry included.
fn preflight(chain: &[CertificateDer<'static>], cert: &Path) -> tls_core::Result<()> {
    let findings = tls_core::preflight(chain, 30);
    let (errors, warnings): (Vec<_>, Vec<_>) = findings
        .into_iter()
        .partition(|f| f.severity == tls_core::Severity::Error);
    for warning in warnings {
        if warning.renew {
            tracing::warn!(target: "echo_server", "{}: {}; {}", cert.display(), warning.text, renewal_hint(chain));
        } else {
            tracing::warn!(target: "echo_server", "{}: {}", cert.display(), warning.text);
        }
    }
    if errors.is_empty() {
        return Ok(());
    }
    Err(tls_core::Error::Preflight {
        source_name: cert.display().to_string(),
        problems: errors.into_iter().map(|f| f.text).collect::<Vec<_>>().join("; "),
    })
}

/// How to make a new certificate like the one in `chain`, into a new folder: its names, signed by the
/// CA that signed it. Never a command that overwrites files the user did not name.
fn renewal_hint(chain: &[CertificateDer<'static>]) -> String {
    let Some(leaf) = chain.first() else {
        return String::new();
    };
    let sans: Vec<String> = tls_core::x509::alt_names(leaf)
        .iter()
        .filter_map(|name| name.strip_prefix("DNS ").or_else(|| name.strip_prefix("IP ")))
        .map(|name| format!(" --san {name}"))
        .collect();
    format!(
        "make a new one into a new folder with: tls-cert generate --out NEW_DIR{} --ca CA.pem --ca-key CA.key (CA.pem being {}, which signed it), then serve NEW_DIR/server.pem and NEW_DIR/server.key",
        sans.concat(),
        tls_core::x509::issuer(leaf)
    )
}
