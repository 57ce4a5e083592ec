//! `tls-cert`: make, read and verify X.509 certificates. Parses flags and hands over to tls-core.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod files;
mod generate;
mod inspect;
mod intermediate;
mod ocsp;
mod pkcs12;
mod revoke;
mod sign;
mod trust;
mod verify;

/// Make, read and verify X.509 certificates.
#[derive(Debug, Parser)]
#[command(version, about, after_help = AFTER_HELP)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    extras: tls_echo_cli::Extras,
}

const AFTER_HELP: &str = "Examples:
  tls-cert generate --out mypki --client alice
  tls-cert inspect certs/server.pem
  tls-cert verify --ca certs/ca.pem --connect 127.0.0.1:7777

Exit codes: 0 done or valid; 1 invalid, or the operation failed; 2 bad usage or input that cannot be used.";

#[derive(Debug, Subcommand)]
enum Command {
    /// Make a CA (or use yours), a server certificate it signs, and client certificates
    #[command(
        allow_negative_numbers = true,
        after_help = "Examples:
  tls-cert generate --out mypki                      a new CA, and a server certificate for this machine
  tls-cert generate --out mypki --client bob         add a client certificate, signed by mypki/ca.pem
  tls-cert generate --out site --ca mypki/ca.pem --ca-key mypki/ca.key --san app.test

Exit codes: 0 done; 1 writing failed; 2 bad usage, a file that exists (see --force), or unusable input."
    )]
    Generate(generate::GenerateArgs),
    /// Show everything in certificate, CSR, CRL, PKCS#7 and PKCS#12 files, or in the chain a server presents
    #[command(
        allow_negative_numbers = true,
        after_help = "Examples:
  tls-cert inspect certs/server.pem request.csr ca.crl --ca certs/ca.pem
  tls-cert inspect --connect example.test:443 --json
  tls-cert inspect --key-matches certs/server.pem certs/server.key

Exit codes: 0 done; 1 a check failed (a CSR's self-signature, a CRL's signature against --ca, --key-matches answering no) or the server could not be reached; 2 bad usage, a file that cannot be read or holds none of these, a PKCS#12 file without its password."
    )]
    Inspect(inspect::InspectArgs),
    /// Verify a certificate (chain) as a TLS client would, and say why it fails
    #[command(
        allow_negative_numbers = true,
        after_help = "Examples:
  tls-cert verify --ca certs/ca.pem certs/server.pem --server-name localhost
  tls-cert verify --ca certs/ca.pem --connect 127.0.0.1:7777
  tls-cert verify --ca certs/ca.pem certs/client.pem --purpose client --at 2030-01-01 --json

Exit codes: 0 valid; 1 invalid, or the server could not be reached; 2 bad usage or unreadable input."
    )]
    Verify(verify::VerifyArgs),
    /// Sign a certificate signing request with your CA, keeping only what a leaf may carry
    #[command(
        allow_negative_numbers = true,
        after_help = "Examples:
  tls-cert sign app.csr --ca certs/ca.pem --ca-key certs/ca.key --out app.pem
  tls-cert sign app.csr --ca int.pem --ca-key int.key --out app.pem --days 90

Exit codes: 0 done; 1 writing failed; 2 bad usage, a request whose signature does not verify, a CA that cannot sign, or --out exists (see --force); nothing is written then."
    )]
    Sign(sign::SignArgs),
    /// Revoke a certificate your CA folder signed: recorded there, and a fresh signed crl.pem written
    #[command(
        allow_negative_numbers = true,
        after_help = "Examples:
  tls-cert revoke mypki/server.pem --ca-dir mypki --reason keyCompromise
  tls-cert revoke old.pem --ca-dir mypki --reason superseded --days 30

Exit codes: 0 done (a certificate revoked already is said, and the CRL written again); 1 writing failed; 2 bad usage, a certificate this CA did not sign, or a folder without ca.pem and ca.key."
    )]
    Revoke(revoke::RevokeArgs),
    /// Write your CA folder's CRL again, with a fresh next update (before the last one runs out)
    #[command(
        allow_negative_numbers = true,
        after_help = "Examples:
  tls-cert crl --ca-dir mypki
  tls-cert crl --ca-dir mypki --days 30

Exit codes: 0 done; 1 writing failed; 2 bad usage, or a folder without ca.pem and ca.key."
    )]
    Crl(revoke::FolderArgs),
    /// Write your CA folder's signed OCSP answer for a certificate (good, or revoked as recorded), to staple
    #[command(
        allow_negative_numbers = true,
        after_help = "Examples:
  tls-cert ocsp mypki/server.pem --ca-dir mypki --out mypki/server.ocsp
  tls-cert ocsp mypki/server.pem --ca-dir mypki --out mypki/server.ocsp --force --days 1

Exit codes: 0 done; 1 writing failed; 2 bad usage, a certificate this CA did not sign, a folder without ca.pem and ca.key, or --out exists (see --force)."
    )]
    Ocsp(ocsp::OcspArgs),
    /// Answer OCSP requests for your CA folder over HTTP, as openssl ocsp -url and browsers ask
    #[command(
        allow_negative_numbers = true,
        after_help = "Examples:
  tls-cert ocsp-responder --ca-dir mypki
  tls-cert ocsp-responder --ca-dir mypki --listen [::1]:0

Exit codes: 0 stopped by Ctrl-C; 1 the address cannot be listened on; 2 bad usage, or a folder without ca.pem and ca.key."
    )]
    OcspResponder(ocsp::ResponderArgs),
    /// Put a certificate, its key and its CA in a password-protected .p12 file, for browsers, Java and Windows
    #[command(
        allow_negative_numbers = true,
        after_help = "Examples:
  tls-cert pkcs12 --cert certs/client.pem --key certs/client.key --ca certs/ca.pem --out client.p12 --password-file pw.txt
  tls-cert pkcs12 --cert site.pem --key site.key --out site.pfx --password-file - --legacy

Exit codes: 0 done; 1 writing failed; 2 bad usage, a key that is not the certificate's, an empty password, or --out exists (see --force)."
    )]
    Pkcs12(pkcs12::Pkcs12Args),
    /// Trust a CA in this machine's stores (system, Chromium and Firefox NSS, Java), or stop trusting it
    #[command(after_help = "Examples:
  tls-cert trust install --ca certs/ca.pem
  tls-cert trust status --ca certs/ca.pem

Exit codes: 0 done (stores that need root are listed with the commands to run); 1 status: a store does not trust it; 2 bad usage, or a file that is not a CA.")]
    Trust(trust::TrustArgs),
}

/// Exit codes: 0 done (or valid), 1 invalid, 2 bad usage or unreadable input.
pub(crate) const INVALID: u8 = 1;
pub(crate) const UNREADABLE: u8 = 2;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    let mut command = <Args as clap::CommandFactory>::command();
    if let Some(code) = args.extras.handle(command.clone()) {
        return code;
    }
    match args.command {
        Some(Command::Generate(args)) => generate::run(&args),
        Some(Command::Inspect(args)) => inspect::run(args).await,
        Some(Command::Verify(args)) => verify::run(&args).await,
        Some(Command::Sign(args)) => sign::run(&args),
        Some(Command::Revoke(args)) => revoke::run_revoke(&args),
        Some(Command::Crl(args)) => revoke::run_crl(&args),
        Some(Command::Ocsp(args)) => ocsp::run(&args),
        Some(Command::OcspResponder(args)) => ocsp::serve(&args).await,
        Some(Command::Pkcs12(args)) => pkcs12::run(&args),
        Some(Command::Trust(args)) => trust::run(&args).await,
        None => {
            let _ = command.write_help(&mut std::io::stderr());
            ExitCode::from(UNREADABLE)
        }
    }
}

/// A `HOST:PORT` to connect to, checked as echo-client checks `--connect`.
pub(crate) fn address(text: &str) -> Result<String, String> {
    tls_echo_cli::values::connect_address(text).map(|_| text.to_owned())
}

/// Says what failed and gives its exit code: 2 for input that cannot be used, 1 for an operation that
/// failed (a server that cannot be reached, say).
pub(crate) fn fail(err: &tls_core::Error) -> ExitCode {
    eprintln!("error: {}", err.report_with(tls_echo_cli::advice));
    ExitCode::from(tls_echo_cli::exit_code(err))
}

/// Says why the input cannot be used; exit code 2.
pub(crate) fn refuse(why: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("error: {why}");
    ExitCode::from(UNREADABLE)
}

/// Standard output that stops quietly when the reader goes away (`tls-cert inspect ... | head`).
#[derive(Default)]
pub(crate) struct Stdout {
    closed: bool,
}

impl Stdout {
    pub(crate) fn line(&mut self, text: &str) {
        use std::io::Write as _;
        if self.closed {
            return;
        }
        let mut out = std::io::stdout().lock();
        match writeln!(out, "{text}").and_then(|()| out.flush()) {
            Ok(()) => {}
            // The reader went away (`| head`): stop quietly.
            Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => self.closed = true,
            // A full disk or another failure loses output: that is an error.
            Err(err) => {
                eprintln!("error: cannot write to standard output: {err}");
                std::process::exit(1);
            }
        }
    }
}
