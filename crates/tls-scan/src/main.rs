//! `tls-scan`: what a TLS server speaks. Parses flags and hands over to tls-core's `scan`.

use std::io::IsTerminal as _;
use std::process::ExitCode;
use std::time::Duration;

use clap::{CommandFactory as _, Parser, ValueEnum};
use tls_core::HostPort;
use tls_core::scan::{self, Profile, ScanOptions, Severity};

mod text;

/// What a TLS server speaks: its protocol versions, the cipher suites each accepts and in which
/// order, the groups TLS 1.3 takes; with findings.
#[derive(Debug, Parser)]
#[command(version, about, after_help = AFTER_HELP)]
struct Args {
    /// The server, HOST:PORT
    #[arg(value_name = "HOST:PORT")]
    target: Option<HostPort>,
    /// The name to send as SNI (default: the host, when it is a name)
    #[arg(long, value_name = "NAME")]
    server_name: Option<String>,
    /// Verify the server's chains against this CA file, `-` for standard input (default: the system's
    /// CA store)
    #[arg(long, value_name = "CA_FILE")]
    ca: Option<std::path::PathBuf>,
    /// Seconds each probe waits for its connection and its answer (0.001 to a year)
    #[arg(long, value_name = "SECS", default_value = "5", value_parser = tls_echo_cli::values::positive_seconds, allow_hyphen_values = true)]
    timeout: Duration,
    /// The most connections open to the server at once (1 to 64)
    #[arg(long, value_name = "N", default_value = "8", value_parser = concurrency, allow_hyphen_values = true)]
    concurrency: usize,
    /// Exit 1 when a finding is at least this severe
    #[arg(long, value_name = "SEVERITY")]
    fail_on: Option<Level>,
    /// Measure the server against Mozilla's Server Side TLS configuration (exit 1 when it differs)
    #[arg(long, value_name = "PROFILE")]
    profile: Option<ProfileArg>,
    /// Print one JSON object
    #[arg(long)]
    json: bool,
    /// Show each probe's exchange as the handshake x-ray reads it, on standard error
    #[arg(long)]
    trace: bool,
    #[command(flatten)]
    extras: tls_echo_cli::Extras,
}

const AFTER_HELP: &str = "Examples:
  tls-scan 127.0.0.1:7777 --ca certs/ca.pem
  tls-scan example.test:443 --json --fail-on medium

Exit codes: 0 scanned; 1 the server could not be scanned, a finding at or above --fail-on, or a difference from --profile; 2 bad usage.";

/// A Mozilla configuration on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum ProfileArg {
    Modern,
    Intermediate,
    Old,
}

impl From<ProfileArg> for Profile {
    fn from(profile: ProfileArg) -> Self {
        match profile {
            ProfileArg::Modern => Self::Modern,
            ProfileArg::Intermediate => Self::Intermediate,
            ProfileArg::Old => Self::Old,
        }
    }
}

/// A severity on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Level {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl From<Level> for Severity {
    fn from(level: Level) -> Self {
        match level {
            Level::Info => Self::Info,
            Level::Low => Self::Low,
            Level::Medium => Self::Medium,
            Level::High => Self::High,
            Level::Critical => Self::Critical,
        }
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(code) = args.extras.handle(Args::command()) {
        return code;
    }
    let Some(target) = &args.target else {
        Args::command()
            .error(
                clap::error::ErrorKind::MissingRequiredArgument,
                "give the server to scan, HOST:PORT",
            )
            .exit();
    };
    if target.port == 0 {
        Args::command()
            .error(
                clap::error::ErrorKind::ValueValidation,
                format!("{target}: port 0 is no server's port; give the port the server listens on"),
            )
            .exit();
    }
    if let Some(name) = &args.server_name {
        if let Err(err) = tls_core::config::parse_server_name(name) {
            eprintln!("error: --server-name: {}", err.report_with(tls_echo_cli::advice));
            return ExitCode::from(2);
        }
    }
    let ca = match &args.ca {
        Some(path) => match tls_echo_cli::input::load_ca_certs(path) {
            Ok(ca) => ca,
            Err(err) => {
                eprintln!("error: {}", err.report_with(tls_echo_cli::advice));
                return ExitCode::from(2);
            }
        },
        None => Vec::new(),
    };
    let options = ScanOptions {
        server_name: args.server_name.clone(),
        timeout: args.timeout,
        concurrency: args.concurrency,
        ca,
        ca_file: args.ca.as_ref().map(|path| path.display().to_string()),
        profile: args.profile.map(Profile::from),
        trace: args.trace.then_some(print_trace as fn(&str)),
        // A line that counts the probes, on a terminal, while they run.
        progress: (!args.trace && std::io::stderr().is_terminal()).then_some(print_progress as fn(usize)),
    };
    let report = scan::scan(target, &options);
    if options.progress.is_some() {
        // The progress line goes, so that the report starts on a clean line.
        eprint!("\r\x1b[K");
    }
    let report = match report {
        Ok(report) => report,
        Err(err) => {
            let said = err.report_with(tls_echo_cli::advice).to_string();
            if args.json {
                // Whoever reads the JSON gets one object either way.
                let failed = serde_json::json!({"target": target.to_string(), "error": said});
                println!("{failed}");
            }
            eprintln!("error: {said}");
            return ExitCode::from(1);
        }
    };
    if args.json {
        println!("{}", serde_json::to_string(&report).unwrap_or_default());
    } else {
        // Colour on a terminal, unless NO_COLOR is set (no-color.org).
        let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        print!("{}", text::text(&report, colour));
    }
    // A scan that found no version accepted learned nothing of the server (why is in `unknown`).
    let scanned = report.protocols.values().any(|accepted| *accepted == Some(true));
    let failed = args
        .fail_on
        .is_some_and(|level| report.findings.iter().any(|f| f.severity >= Severity::from(level)))
        || report
            .profile
            .as_ref()
            .is_some_and(|compliance| !compliance.differences.is_empty());
    if !scanned {
        eprintln!("error: {target} accepted none of the versions offered: it could not be scanned");
    }
    if scanned && !failed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// One probe's exchange, whole, on standard error (`--trace`).
fn print_trace(trace: &str) {
    eprintln!("{trace}");
}

/// How many probes have ended, on one line of a terminal rewritten in place.
fn print_progress(ended: usize) {
    eprint!("\rscanning: probes done: {ended}");
}

/// `--concurrency`: a count from 1 to 64 (more would flood one server).
fn concurrency(text: &str) -> Result<usize, String> {
    match tls_echo_cli::values::count(text)? {
        n if n > 64 => Err(format!(
            "{n} connections at once would flood one server; give 64 or fewer"
        )),
        n => Ok(n),
    }
}
