//! `echo-client`: connects to a TLS echo server, verifies it, sends a message and prints the echo.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

mod bench;
mod echo;
mod target;
mod trace;

pub(crate) use echo::{Echoing, session};
pub(crate) use target::{Target, connection_setup, is_stdin};

use tls_core::HostPort;
use tls_core::client;

/// TLS echo client: verifies the server, sends a message, prints what comes back.
#[derive(Debug, Parser)]
#[command(version, about, args_conflicts_with_subcommands = true, allow_negative_numbers = true, after_help = AFTER_HELP)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    extras: tls_echo_cli::Extras,
    #[command(flatten)]
    pub(crate) target: Target,
    /// Text to send
    #[arg(long, default_value = "Hello World!", value_name = "TEXT", conflicts_with = "stdin")]
    message: String,
    /// Send standard input as it is (any bytes, byte for byte) and print the echo as it comes; an empty
    /// line ends the session (unless --raw), and so does the end of the input
    #[arg(long)]
    stdin: bool,
    /// Raw echo, as `echo-server --raw`: no empty-line rule, for binary data
    #[arg(long)]
    raw: bool,
    /// Complete the handshake (the server verified as always), then close with close_notify, sending
    /// nothing: for servers that do not echo, and a --trace at once
    #[arg(long, conflicts_with_all = ["message", "stdin", "raw"])]
    handshake_only: bool,
    /// Print which CA file is trusted, then the negotiated version, cipher suite, group, ALPN and the
    /// server's certificate subject
    #[arg(short, long)]
    verbose: bool,
    /// After the echo, show the handshake on standard error: every record and message decoded and
    /// decrypted, both Finished values checked (against any TLS server); `--trace=full` adds each
    /// message's bytes in hex
    #[arg(long, value_name = "DETAIL", num_args = 0..=1, require_equals = true, default_missing_value = "brief", value_parser = ["brief", "full"])]
    trace: Option<String>,
    /// Write the same handshake x-ray as JSON to FILE
    #[arg(long, value_name = "FILE")]
    pub(crate) trace_json: Option<PathBuf>,
    /// Write the handshake as one self-contained HTML page to FILE: a ladder diagram, each message
    /// explained, its fields and bytes (no script, nothing fetched)
    #[arg(long, value_name = "FILE")]
    pub(crate) trace_html: Option<PathBuf>,
    /// Write the connection as a pcapng FILE with its secrets inside: Wireshark and tshark open it
    /// decrypted, with no key log file
    #[arg(long, value_name = "FILE")]
    pub(crate) pcap: Option<PathBuf>,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Measure a TLS echo server (ours or any other): handshakes, throughput, latency, idle connections
    #[command(after_help = bench::AFTER_HELP, allow_negative_numbers = true)]
    Bench(bench::BenchArgs),
}

const AFTER_HELP: &str = "Examples:
  echo-client                                  Hello World! to 127.0.0.1:7777, trusting certs/ca.pem
  printf 'one\\ntwo\\n' | echo-client --stdin    standard input, byte for byte
  echo-client --connect localhost:8443 --ca my-ca.pem --server-name localhost -v

Exit codes: 0 success; 1 the operation or check failed; 2 bad usage or input that cannot be used; 130 Ctrl-C while tracing.";

#[tokio::main]
async fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(err) => match clearer(&err) {
            Some(better) => {
                eprintln!("error: {better}");
                return ExitCode::from(2);
            }
            None => err.exit(),
        },
    };
    if let Some(code) = args.extras.handle(<Args as clap::CommandFactory>::command()) {
        return code;
    }
    let target = &args.target;
    let dashes = target
        .ca
        .iter()
        .chain(&target.cert)
        .chain(&target.key)
        .filter(|p| is_stdin(p))
        .count();
    if dashes + usize::from(args.stdin) > 1 {
        use clap::CommandFactory as _;
        Args::command()
            .error(
                clap::error::ErrorKind::ArgumentConflict,
                "standard input is one file at most (-), or the data --stdin sends: give the others by their names",
            )
            .exit();
    }
    let outputs = match trace::check_outputs(&args) {
        Ok(outputs) => outputs,
        Err(problem) => {
            // One line, as every error: the flags themselves were right.
            eprintln!("error: {problem}");
            return ExitCode::from(2);
        }
    };
    let result = match args.command {
        Some(Command::Bench(bench)) => {
            // bench makes many connections and traces none of them.
            outputs.abandon();
            bench::run(bench)
                .await
                .map(|code| if code == ExitCode::SUCCESS { 0 } else { 1 })
        }
        None => run(args, outputs).await,
    };
    let code: i32 = match result {
        Ok(code) => code.into(),
        Err(err) => {
            eprintln!("error: {}", err.report());
            err.exit_code().into()
        }
    };
    // Exit now: a read of standard input still waiting on a terminal or pipe (the server closed first)
    // would otherwise hold the process until the input moves.
    let _ = std::io::stdout().flush();
    std::process::exit(code)
}

/// What to say instead of clap's "unrecognized subcommand" when the word is clearly meant otherwise:
/// `echo-client --trace full` (`full` read as a subcommand) and `echo-client 127.0.0.1:7777` (an
/// address where a subcommand would go).
fn clearer(err: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    // An unknown word where a subcommand would go; after other arguments, clap says they conflict.
    if !matches!(err.kind(), ErrorKind::InvalidSubcommand | ErrorKind::ArgumentConflict) {
        return None;
    }
    let Some(ContextValue::String(word)) = err.get(ContextKind::InvalidSubcommand) else {
        return None;
    };
    // After --trace (clap names it as the argument the word conflicts with): its detail, misplaced.
    if came_after(err, "--trace") && (word == "full" || word == "brief") {
        return Some(format!(
            "{word:?} is not a subcommand: for --trace's {word} detail, write --trace={word} (with '=': --trace takes its detail only after an equals sign)"
        ));
    }
    HostPort::parse(word).is_ok().then(|| {
        if came_after(err, "--connect") {
            format!("{word:?} is a second address: echo-client connects to one, the one --connect gives")
        } else {
            format!("{word:?} is an address: write echo-client --connect {word}")
        }
    })
}

/// Whether clap's error names `flag` among the arguments given before the word it refused.
fn came_after(err: &clap::Error, flag: &str) -> bool {
    use clap::error::{ContextKind, ContextValue};
    match err.get(ContextKind::PriorArg) {
        Some(ContextValue::String(prior)) => prior.starts_with(flag),
        Some(ContextValue::Strings(priors)) => priors.iter().any(|prior| prior.starts_with(flag)),
        _ => false,
    }
}

/// The exit code of a run that ended as it should.
pub(crate) const SUCCESS: u8 = 0;
/// The exit code of a run that did not do all it was asked (the operation or check failed).
pub(crate) const FAILURE: u8 = 1;

async fn run(args: Args, outputs: trace::Outputs) -> tls_echo_cli::Result<u8> {
    let addr = args.target.connect.clone();
    let echoing = Echoing {
        message: args.message,
        stdin: args.stdin,
        raw: args.raw,
        handshake_only: args.handshake_only,
        verbose: args.verbose,
    };
    let (config, server_name, options) = match connection_setup(args.target, args.verbose) {
        Ok(setup) => setup,
        Err(err) => {
            // Nothing was sent: the x-ray's files are left as they were.
            outputs.abandon();
            return Err(err);
        }
    };
    if args.trace.is_none() && args.trace_json.is_none() && args.trace_html.is_none() && args.pcap.is_none() {
        let conn = client::connect(&addr, server_name, config, options).await?;
        return Ok(session(conn, &echoing).await?);
    }
    let traced = trace::Traced {
        addr,
        detail: args.trace,
        outputs,
    };
    Ok(traced.run(server_name, config, options, &echoing).await?)
}
