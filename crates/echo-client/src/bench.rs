//! `echo-client bench`: the load generator (crate echo-bench) against any TLS echo server, its report
//! on stdout, and an exit code that says whether every operation succeeded.

use std::io::{IsTerminal as _, Write as _};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use echo_bench as bench;

use crate::{Target, connection_setup};

#[derive(Debug, clap::Args)]
pub(crate) struct BenchArgs {
    #[command(flatten)]
    pub(crate) target: Target,
    /// handshake: connect, handshake, echo Hello World!, close, in a loop; throughput: stream writes and
    /// count the echo; latency: one echo in flight per connection, timed; idle: hold connections open
    #[arg(long, default_value = "handshake", value_name = "MODE")]
    pub(crate) mode: bench::Mode,
    /// Connections at once
    #[arg(long, default_value = "16", value_name = "N", value_parser = tls_echo_cli::values::count)]
    pub(crate) connections: usize,
    /// How long to measure
    #[arg(long, default_value = "10", value_name = "SECS", value_parser = tls_echo_cli::values::positive_seconds)]
    pub(crate) duration: Duration,
    /// Bytes per write [default: 12 (Hello World!) for handshake, 65536 for throughput, 64 for latency;
    /// 0 in handshake mode: no echo; at most 64 MiB]
    #[arg(long, value_name = "BYTES", value_parser = tls_echo_cli::values::write_size)]
    pub(crate) size: Option<usize>,
    /// End each message with a newline (its last byte), for servers that echo whole lines only, such as
    /// gnutls-serv --echo
    #[arg(long)]
    pub(crate) newline: bool,
    /// Handshake mode: resume sessions with tickets instead of full handshakes
    #[arg(long)]
    pub(crate) resume: bool,
    /// Latency mode: offer this many echoes per second across all connections, each timed from when it
    /// was due (open loop), instead of sending the next as soon as an echo returns
    #[arg(long, value_name = "PER_SEC", value_parser = tls_echo_cli::values::rate)]
    pub(crate) rate: Option<f64>,
    /// Print the result as one JSON object
    #[arg(long)]
    pub(crate) json: bool,
}

pub(crate) const AFTER_HELP: &str = "Examples:
  echo-client bench --mode handshake --connections 32 --duration 10
  echo-client bench --mode latency --size 64 --json
  echo-client bench --mode idle --connections 5000 --duration 30

Exit codes: 0 every operation succeeded; 1 some failed (the report still prints); 2 bad usage.";

/// Refuses a combination of flags the way clap refuses a bad one, with `echo-client bench`'s usage.
fn usage_error(kind: clap::error::ErrorKind, message: &str) -> ! {
    use clap::CommandFactory as _;
    let mut command = crate::Args::command();
    command.build();
    let bench = command.find_subcommand_mut("bench").map(std::mem::take);
    bench.unwrap_or(command).error(kind, message).exit()
}

/// Runs the benchmark and prints its report; exits 1 when any operation failed, since a figure measured
/// beside failures (or instead of them) is not the figure asked for.
pub(crate) async fn run(args: BenchArgs) -> tls_echo_cli::Result<ExitCode> {
    let size = checked_size(&args);
    let (mode, newline) = (args.mode, args.newline);
    let addr = args.target.connect.clone();
    let (config, server_name, timeouts) = connection_setup(args.target, false)?;
    if args.connections > 1000 {
        // Each connection is a file descriptor; the soft limit is often 1024.
        if let Err(err) = tls_echo_cli::raise_fd_limit() {
            eprintln!("warning: cannot raise the open-file limit ({err}); connections may fail with EMFILE");
        }
    }
    let options = bench::Options {
        addr,
        server_name,
        config,
        mode: args.mode,
        connections: args.connections,
        duration: args.duration,
        size,
        newline: args.newline,
        resume: args.resume,
        rate: args.rate,
        timeouts,
    };
    let live = Arc::new(bench::Live::default());
    let progress = std::io::stderr()
        .is_terminal()
        .then(|| bench::progress_line(live.clone(), args.mode, args.duration));
    let report = bench::run(options, live).await;
    if let Some(progress) = progress {
        progress.abort();
        eprintln!();
    }
    let text = if args.json {
        serde_json::to_string(&report)
            .map(|json| json + "\n")
            .unwrap_or_else(|err| format!("{{\"error\":\"{err}\"}}\n"))
    } else {
        report.to_string()
    };
    // A reader that stops early (`| head`) is not an error; a full disk is.
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => {
            return Err(tls_core::Error::Output { cause: err }.into());
        }
        _ => {}
    }
    Ok(verdict(&report, mode, newline))
}

/// Exit 0 when something was measured and nothing failed; else 1, with the reason on standard error.
fn verdict(report: &bench::Report, mode: bench::Mode, newline: bool) -> ExitCode {
    let failed: u64 = report.errors.values().map(|e| e.count).sum();
    // Something measured: operations, or for throughput echoed bytes.
    let measured = match mode {
        bench::Mode::Throughput => report.bytes > 0,
        _ => report.ops > 0,
    };
    if failed == 0 && measured {
        return ExitCode::SUCCESS;
    }
    if failed == 0 {
        eprintln!(
            "error: nothing was measured in {} s, with no error either: give a longer --duration",
            report.seconds
        );
        return ExitCode::FAILURE;
    }
    let first = report.errors.values().next().map_or_else(
        || "no operation completed".to_owned(),
        |e| format!("first: {}", e.example),
    );
    let early = if report.stopped_early {
        " (stopped after a second with nothing but errors)"
    } else {
        ""
    };
    eprintln!(
        "error: {failed} operation(s) failed, {} completed{early}; {first}",
        report.ops
    );
    if !newline && report.bytes == 0 && report.errors.contains_key("timeout") {
        eprintln!(
            "hint: no echo came back at all; a server that echoes whole lines only (gnutls-serv --echo, for one) waits for a newline: give --newline"
        );
    }
    ExitCode::FAILURE
}

/// The size of each write, once the flags that go with it are checked (as clap checks flags).
fn checked_size(args: &BenchArgs) -> usize {
    let size = args.size.unwrap_or_else(|| args.mode.default_size());
    if args.size.is_some() && args.mode == bench::Mode::Idle {
        usage_error(
            clap::error::ErrorKind::ArgumentConflict,
            "--size does nothing in idle mode: idle connections send nothing",
        );
    }
    if args.newline && args.mode == bench::Mode::Idle {
        usage_error(
            clap::error::ErrorKind::ArgumentConflict,
            "--newline does nothing in idle mode: idle connections send nothing",
        );
    }
    if args.newline && size < 2 {
        usage_error(
            clap::error::ErrorKind::ValueValidation,
            "--newline needs --size 2 or more: a message that is the newline alone is an empty line, which ends a line-mode session",
        );
    }
    if args.rate.is_some() && args.mode != bench::Mode::Latency {
        usage_error(
            clap::error::ErrorKind::ArgumentConflict,
            "--rate sets the pace of latency mode's echoes: give --mode latency with it",
        );
    }
    if size == 0 && matches!(args.mode, bench::Mode::Throughput | bench::Mode::Latency) {
        usage_error(
            clap::error::ErrorKind::ValueValidation,
            "--size 0 sends nothing to echo; it means \"no echo\" in handshake mode only",
        );
    }
    size
}
