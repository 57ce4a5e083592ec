//! Operations real servers need: several certificates chosen by SNI, and certificate reload (on SIGHUP
//! and when the files change) that keeps live sessions and refuses a bad new file.

mod common;

use common::{Server, connect, s_client};
use test_support::{Output, PkiFiles, bounded, write};
use tls_core::generate::{Issued, Usage, Validity};
use tls_core::ocsp::{CertId, CertStatus, Issuer};
use tls_core::pki_types::CertificateDer;
use tls_core::revocation::{Revocation, RevocationReason};

async fn presented(server: &Server, pki: &PkiFiles, name: &str) -> CertificateDer<'static> {
    let conn = connect(server, pki, name).await;
    let chain = conn.peer_chain();
    bounded("close", conn.close()).await.expect("close");
    chain.into_iter().next().expect("a certificate")
}

fn leaf(pki: &PkiFiles, names: &[&str]) -> Issued {
    pki.pki
        .ca
        .issue(names, Usage::Server, Validity::days_from_now(30))
        .expect("leaf")
}

#[tokio::test]
async fn sni_picks_the_certificate_by_name_and_the_log_says_which() {
    let pki = PkiFiles::new();
    let (api_cert, api_key) = pki.add("api", &leaf(&pki, &["api.test"]));
    let (cert, key) = (pki.arg("server.pem"), pki.arg("server.key"));
    let mut server = Server::start_with(
        &[
            "--listen",
            "127.0.0.1:0",
            "--cert",
            &cert,
            "--key",
            &key,
            "--cert",
            &api_cert,
            "--key",
            &api_key,
        ],
        None,
    )
    .await;
    let api = presented(&server, &pki, "api.test").await;
    assert_eq!(tls_core::x509::subject(&api), "CN=api.test");
    server.peer.wait_for(Output::Stderr, "sni=\"api.test\"").await;
    let default = presented(&server, &pki, "localhost").await;
    assert_eq!(default, pki.pki.server.cert, "other names get the first certificate");
    let line = server.peer.wait_for(Output::Stderr, "sni=\"localhost\"").await;
    assert!(line.contains("cert=\"CN=127.0.0.1\""), "{line}");

    let ran = test_support::run(
        common::SERVER,
        &["--cert", &cert, "--cert", &api_cert, "--key", &key],
        "(built by cargo)",
        b"",
    )
    .await;
    assert_eq!(ran.code, Some(2));
    assert!(ran.stderr.contains("give one --key for each --cert"), "{}", ran.stderr);
}

/// Replaces `name` in the PKI folder the way deployment tools do: write beside it, then rename over it.
fn swap_in(pki: &PkiFiles, name: &str, contents: &str) {
    let staged = write(pki.dir(), &format!(".{name}.new"), contents);
    std::fs::rename(staged, pki.path(name)).expect("rename over the live file");
}

#[tokio::test]
async fn certificates_reload_without_dropping_sessions_and_a_bad_file_keeps_the_old_one() {
    let pki = PkiFiles::new();
    let first = leaf(&pki, &["127.0.0.1"]);
    let (cert, key) = pki.add("live", &first);
    let mut server = Server::start_with(&["--listen", "127.0.0.1:0", "--cert", &cert, "--key", &key], None).await;
    let mut live = connect(&server, &pki, "127.0.0.1").await;
    assert_eq!(bounded("echo", live.echo(b"before")).await.expect("echo"), b"before");

    // The files change: noticed without any signal.
    let second = leaf(&pki, &["127.0.0.1"]);
    swap_in(&pki, "live.key", &second.key_pem);
    swap_in(&pki, "live.pem", &second.cert_pem);
    server.peer.wait_for(Output::Stderr, "reloaded certificates").await;
    assert_eq!(presented(&server, &pki, "127.0.0.1").await, second.cert);
    assert_eq!(
        bounded("echo", live.echo(b"during"))
            .await
            .expect("the live session is untouched"),
        b"during"
    );

    // A broken file: the server says why and keeps serving the certificate it has.
    swap_in(&pki, "live.pem", "-----BEGIN CERTIFICATE-----\nnot base64\n");
    let line = server.peer.wait_for(Output::Stderr, "not reloading certificates").await;
    assert!(
        line.contains("keeping the ones in use") && line.contains("live.pem"),
        "{line}"
    );
    server.peer.signal("HUP");
    server
        .peer
        .wait_for(Output::Stderr, "not reloading certificates (SIGHUP)")
        .await;
    assert_eq!(presented(&server, &pki, "127.0.0.1").await, second.cert);

    // Fixed and asked for by SIGHUP (or seen first by the watcher): the third certificate is served.
    let third = leaf(&pki, &["127.0.0.1"]);
    swap_in(&pki, "live.key", &third.key_pem);
    swap_in(&pki, "live.pem", &third.cert_pem);
    server.peer.signal("HUP");
    server.peer.wait_for(Output::Stderr, "reloaded certificates").await;
    assert_eq!(presented(&server, &pki, "127.0.0.1").await, third.cert);
    assert_eq!(bounded("echo", live.echo(b"after")).await.expect("echo"), b"after");
    bounded("close", live.close()).await.expect("close");
}

#[tokio::test]
async fn a_symlink_swap_as_kubernetes_does_it_is_seen() {
    // A mounted Secret: live.pem -> ..data/live.pem, ..data -> ..v1; an update writes ..v2, points a new
    // link at it and renames that link over ..data, so both files change in one step.
    let pki = PkiFiles::new();
    let dir = pki.dir();
    let version = |name: &str, issued: &Issued| {
        std::fs::create_dir(dir.join(name)).expect("version folder");
        write(&dir.join(name), "live.pem", &issued.cert_pem);
        write(&dir.join(name), "live.key", &issued.key_pem);
    };
    let first = leaf(&pki, &["127.0.0.1"]);
    version("..v1", &first);
    std::os::unix::fs::symlink("..v1", dir.join("..data")).expect("link ..data");
    for file in ["live.pem", "live.key"] {
        std::os::unix::fs::symlink(format!("..data/{file}"), dir.join(file)).expect("link the file");
    }
    let (cert, key) = (pki.arg("live.pem"), pki.arg("live.key"));
    let mut server = Server::start_with(&["--listen", "127.0.0.1:0", "--cert", &cert, "--key", &key], None).await;
    assert_eq!(presented(&server, &pki, "127.0.0.1").await, first.cert);

    let second = leaf(&pki, &["127.0.0.1"]);
    version("..v2", &second);
    std::os::unix::fs::symlink("..v2", dir.join("..data_tmp")).expect("link the new version");
    std::fs::rename(dir.join("..data_tmp"), dir.join("..data")).expect("swap ..data");
    server.peer.wait_for(Output::Stderr, "reloaded certificates").await;
    assert_eq!(presented(&server, &pki, "127.0.0.1").await, second.cert);
}

/// The page's CA read from standard input cannot be read again, but the certificates, from files, still
/// reload; the lines are the program's own (target `echo_server`), as they always were.
#[tokio::test]
async fn a_ca_from_standard_input_does_not_stop_the_certificates_reloading() {
    let pki = PkiFiles::new();
    let first = leaf(&pki, &["127.0.0.1"]);
    let (cert, key) = pki.add("live", &first);
    let args = [
        "--listen",
        "127.0.0.1:0",
        "--cert",
        &cert,
        "--key",
        &key,
        "--serve-ca",
        "-",
    ];
    let mut peer = test_support::Peer::spawn(common::SERVER, &args, "(built by cargo)");
    peer.send(pki.pki.ca.issued.cert_pem.as_bytes()).await;
    peer.close_stdin();
    let mut server = Server::listening(peer).await;
    let second = leaf(&pki, &["127.0.0.1"]);
    swap_in(&pki, "live.key", &second.key_pem);
    swap_in(&pki, "live.pem", &second.cert_pem);
    let refused = server
        .peer
        .wait_for(Output::Stderr, "not reloading the page's CA")
        .await;
    assert!(refused.contains("standard input"), "{refused}");
    let reloaded = server
        .peer
        .wait_for(Output::Stderr, "reloaded certificates (files changed)")
        .await;
    assert!(
        reloaded.contains(" echo_server: "),
        "the program's own line: {reloaded}"
    );
    assert_eq!(presented(&server, &pki, "127.0.0.1").await, second.cert);
}

/// A scenario's certificates are made at start: SIGHUP says there is nothing to reload, and the server
/// goes on (SIGHUP's default would end it).
#[tokio::test]
async fn sighup_with_a_scenario_says_so_and_the_server_goes_on() {
    let pki = PkiFiles::new();
    let mut server = common::scenario(&pki, tls_core::scenario::Kind::Expired).await;
    server.peer.signal("HUP");
    let line = server
        .peer
        .wait_for(Output::Stderr, "not reloading certificates (SIGHUP)")
        .await;
    assert!(line.contains("scenario expired makes them at start"), "{line}");
    let served = test_support::run("openssl", &["s_client", "-connect", &server.addr], "openssl", b"").await;
    // CONNECTED is printed once TCP connects; a finished handshake names its cipher.
    let cipher = served
        .stdout
        .lines()
        .find_map(|l| l.split_once(", Cipher is "))
        .map(|(_, c)| c.trim());
    assert!(
        cipher.is_some_and(|c| c.starts_with("TLS_")),
        "still serving TLS: {}{}",
        served.stdout,
        served.stderr
    );
}

/// A CRL from the PKI's CA revoking `revoked` (keyCompromise), current for a week, as PEM.
fn crl_revoking(pki: &PkiFiles, revoked: &[&Issued]) -> String {
    let revoked: Vec<Revocation> = revoked
        .iter()
        .map(|issued| Revocation {
            date: 1_700_000_000,
            ..Revocation::now(&issued.cert, RevocationReason::KeyCompromise).expect("a certificate")
        })
        .collect();
    pki.pki.ca.revocation_list(&revoked, 1, 7).expect("a CRL").pem
}

#[tokio::test]
async fn a_client_revoked_while_the_server_runs_is_refused_once_its_crl_reloads() {
    let pki = PkiFiles::new();
    swap_in(&pki, "crl.pem", &crl_revoking(&pki, &[]));
    let (ca, crl) = (pki.arg("ca.pem"), pki.arg("crl.pem"));
    let mut server = Server::start(&pki, &["--client-ca", &ca, "--crl", &crl]).await;
    let (cert, key) = (pki.arg("client.pem"), pki.arg("client.key"));
    let as_client = ["-CAfile", ca.as_str(), "-cert", cert.as_str(), "-key", key.as_str()];
    let (ok, out, err) = s_client(&server, &as_client, b"Hello\n\n").await;
    assert!(ok && out.contains("Hello"), "{out}{err}");

    // Revoked while the server runs: the new list is read, the next handshake refused with
    // certificate_revoked, and the log says which certificate, when and why.
    swap_in(&pki, "crl.pem", &crl_revoking(&pki, &[&pki.pki.client]));
    server.peer.wait_for(Output::Stderr, "reloaded --crl").await;
    let (_, out, err) = s_client(&server, &as_client, b"Hello\n\n").await;
    assert!(
        !out.contains("Hello") && err.contains("certificate revoked"),
        "{out}{err}"
    );
    let line = server.peer.wait_for(Output::Stderr, "was revoked on").await;
    assert!(
        line.contains("the client's certificate CN=client (serial ")
            && line.contains("was revoked on 2023-11-14T22:13:20Z, reason keyCompromise"),
        "{line}"
    );

    // A list that does not read: said, and the one in use kept.
    swap_in(&pki, "crl.pem", "-----BEGIN X509 CRL-----\nnot base64\n");
    let line = server.peer.wait_for(Output::Stderr, "not reloading --crl").await;
    assert!(
        line.contains("crl.pem") && line.contains("keeping the lists in use"),
        "{line}"
    );
    let (_, out, err) = s_client(&server, &as_client, b"Hello\n\n").await;
    assert!(
        !out.contains("Hello") && err.contains("certificate revoked"),
        "{out}{err}"
    );
}

#[tokio::test]
async fn a_crl_needs_client_certificates_and_a_foreign_one_is_refused_at_start() {
    let pki = PkiFiles::new();
    let other = PkiFiles::new();
    write(pki.dir(), "crl.pem", crl_revoking(&other, &[]));
    let (ca, crl) = (pki.arg("ca.pem"), pki.arg("crl.pem"));
    // --crl without --client-ca: a usage error.
    let said = refused_at_start(&["--crl", &crl]).await;
    assert!(said.contains("--client-ca"), "{said}");
    // Another CA's list (of the same name): refused at start, by name, since it would lock out
    // every client.
    let said = refused_at_start(&["--listen", "127.0.0.1:0", "--client-ca", &ca, "--crl", &crl]).await;
    assert!(
        said.contains("crl.pem") && said.contains("is signed by no --client-ca CA"),
        "{said}"
    );
    // A certificate file given as the list: refused by name.
    let said = refused_at_start(&["--client-ca", &ca, "--crl", &ca]).await;
    assert!(
        said.contains("no CRL (X509 CRL block, or DER) found") && said.contains("ca.pem"),
        "{said}"
    );
}

/// echo-server started with `args`, refusing them: exit 2; what it said on standard error.
async fn refused_at_start(args: &[&str]) -> String {
    let ran = test_support::run(common::SERVER, args, "(built by cargo)", b"").await;
    assert_eq!(ran.code, Some(2), "{args:?}: {ran:?}");
    ran.stderr
}

/// What `openssl s_client -status` (without -quiet, so it prints the OCSP response it was sent) says
/// of `server`, trusting `ca`: both its outputs.
async fn stapled(server: &Server, ca: &str) -> String {
    let args = [
        "s_client",
        "-connect",
        &server.addr,
        "-CAfile",
        ca,
        "-status",
        "-verify_return_error",
    ];
    let (_, out, err) = common::run_with_input("openssl", &args, "openssl", b"Hello\n\n").await;
    format!("{out}{err}")
}

/// The PKI's CA's OCSP answer for `issued` saying `status`, current for a day, written to `name`.
fn ocsp_file(pki: &PkiFiles, name: &str, issued: &Issued, status: CertStatus) -> String {
    let issuer = Issuer::of(&pki.pki.ca.issued.cert).expect("the CA");
    let id = CertId::of(&issued.cert, &issuer, false).expect("a CertID");
    let bytes = pki.pki.ca.ocsp_response(&[(id, status)], 24, None).expect("a response");
    let staged = write(pki.dir(), &format!(".{name}.new"), bytes);
    std::fs::rename(staged, pki.path(name)).expect("rename over the live file");
    pki.arg(name)
}

#[tokio::test]
async fn a_stapled_ocsp_response_reaches_openssl_and_curl_and_is_reloaded_with_the_certificate() {
    let pki = PkiFiles::new();
    let staple = ocsp_file(&pki, "server.ocsp", &pki.pki.server, CertStatus::Good);
    // curl computes the response's CertID from the chain the server sends: the CA goes with it.
    let chain = write(
        pki.dir(),
        "chain.pem",
        format!("{}{}", pki.pki.server.cert_pem, pki.pki.ca.issued.cert_pem),
    )
    .display()
    .to_string();
    let key = pki.arg("server.key");
    let args = [
        "--listen",
        "127.0.0.1:0",
        "--cert",
        &chain,
        "--key",
        &key,
        "--ocsp-response",
        &staple,
    ];
    let mut server = Server::start_with(&args, None).await;
    let ca = pki.arg("ca.pem");
    let said = stapled(&server, &ca).await;
    assert!(
        said.contains("OCSP Response Status: successful")
            && said.contains("Cert Status: good")
            && said.contains("Verification: OK"),
        "{said}"
    );
    let url = format!("https://127.0.0.1:{}/", server.port);
    let curled = common::curl(&["--cacert", &ca, "--cert-status", &url]).await;
    assert!(curled.ok(), "{curled:?}");

    // Revoked: the new response is stapled after the reload, and curl refuses the server (91).
    let revoked = CertStatus::Revoked {
        date: 1_700_000_000,
        reason: Some(RevocationReason::KeyCompromise),
    };
    ocsp_file(&pki, "server.ocsp", &pki.pki.server, revoked);
    said_at_reload(
        &mut server,
        "the OCSP response stapled says",
        "CN=127.0.0.1 is revoked on 2023-11-14T22:13:20Z, reason keyCompromise",
    )
    .await;
    let curled = common::curl(&["--cacert", &ca, "--cert-status", &url]).await;
    assert_eq!(curled.code, Some(91), "{curled:?}");
    // A response that can no longer be used (here, for another certificate) is dropped at the reload,
    // not kept: the server goes on without a staple.
    ocsp_file(&pki, "server.ocsp", &pki.pki.client, CertStatus::Good);
    said_at_reload(
        &mut server,
        "not stapling (files changed)",
        "serving without an OCSP response until a fresh one comes",
    )
    .await;
    let said = stapled(&server, &ca).await;
    assert!(said.contains("OCSP response: no response sent"), "{said}");

    // A response for another certificate: refused at start, by name, with what to do.
    let (cert, key) = (pki.arg("server.pem"), pki.arg("server.key"));
    let stapling = [
        "--listen",
        "127.0.0.1:0",
        "--cert",
        &cert,
        "--key",
        &key,
        "--ocsp-response",
    ];
    let other = ocsp_file(&pki, "client.ocsp", &pki.pki.client, CertStatus::Good);
    let said = refused_at_start(&[&stapling[..], &[other.as_str()]].concat()).await;
    assert!(
        said.contains("cannot load OCSP response from")
            && said.contains("which is none of the certificates served: CN=127.0.0.1 (serial ")
            && said.contains("tls-cert ocsp CERT --ca-dir DIR"),
        "{said}"
    );
    // Not a response at all.
    let said = refused_at_start(&[&stapling[..], &[ca.as_str()]].concat()).await;
    assert!(said.contains("it is not an OCSP response"), "{said}");
}

#[tokio::test]
async fn a_staple_is_dropped_when_it_runs_out_while_the_server_runs() {
    let pki = PkiFiles::new();
    let (ca, ca_key, server_pem) = (pki.arg("ca.pem"), pki.arg("ca.key"), pki.arg("server.pem"));
    // openssl's responder makes an answer current for one minute, from an index of its own.
    let serial = common::run("openssl", &["x509", "-in", &server_pem, "-noout", "-serial"], "openssl")
        .await
        .1;
    let serial = serial.trim().trim_start_matches("serial=").to_owned();
    let index = write(
        pki.dir(),
        "index.txt",
        format!("V\t991231235959Z\t\t{serial}\tunknown\t/CN=127.0.0.1\n"),
    );
    let (request, response) = (pki.arg("request.der"), pki.arg("server.ocsp"));
    test_support::openssl_ocsp_request(&ca, &server_pem, &request).await;
    let (made, _, err) = common::run(
        "openssl",
        &[
            "ocsp",
            "-index",
            &index.display().to_string(),
            "-rsigner",
            &ca,
            "-rkey",
            &ca_key,
            "-CA",
            &ca,
            "-reqin",
            &request,
            "-respout",
            &response,
            "-nmin",
            "1",
        ],
        "openssl",
    )
    .await;
    assert!(made, "{err}");
    let mut server = Server::start(&pki, &["--ocsp-response", &response]).await;
    // At its nextUpdate the server loads again, drops it, and goes on without a staple.
    let line = server
        .peer
        .wait_for_within(
            std::time::Duration::from_secs(120),
            Output::Stderr,
            "not stapling (an OCSP response ran out)",
        )
        .await;
    assert!(line.contains("it is out of date: its nextUpdate was"), "{line}");
    server
        .peer
        .wait_for(Output::Stderr, "reloaded certificates (an OCSP response ran out)")
        .await;
    let said = stapled(&server, &ca).await;
    assert!(said.contains("OCSP response: no response sent"), "{said}");
}

/// Waits for the log line holding `said`, checks that it holds `detail` too, then waits for the
/// reload it is part of.
async fn said_at_reload(server: &mut Server, said: &str, detail: &str) {
    let line = server.peer.wait_for(Output::Stderr, said).await;
    assert!(line.contains(detail), "{line}");
    server.peer.wait_for(Output::Stderr, "reloaded certificates").await;
}
