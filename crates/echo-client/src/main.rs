//! `echo-client`: connects to a TLS echo server, verifies it, sends a message and prints the echo.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

mod bench;
mod target;
mod trace;

pub(crate) use target::{Target, connection_setup, is_stdin};

use tls_core::HostPort;
use tls_core::client;
use tls_core::echo::{Echo, Mode};
use tls_core::error::Step;

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
    if let Some(code) = address_without_flag().or_else(trace_detail_without_equals) {
        return code;
    }
    let args = Args::parse();
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
            for output in [outputs.json, outputs.pcap].into_iter().flatten() {
                output.abandon();
            }
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

/// `echo-client --trace full`: clap would take `full` for a subcommand; says to write `--trace=full`.
fn trace_detail_without_equals() -> Option<ExitCode> {
    let args: Vec<String> = std::env::args().collect();
    let detail = args
        .windows(2)
        .find(|pair| pair[0] == "--trace" && (pair[1] == "full" || pair[1] == "brief"))?;
    eprintln!(
        "error: write --trace={} with '=': --trace takes its detail only after an equals sign",
        detail[1]
    );
    Some(ExitCode::from(2))
}

/// `echo-client 127.0.0.1:7777` (an address where a subcommand would go): says how to write it, where
/// clap would only say "unrecognized subcommand".
fn address_without_flag() -> Option<ExitCode> {
    let first = std::env::args().nth(1)?;
    if first.starts_with('-') || first == "bench" || first == "help" || HostPort::parse(&first).is_err() {
        return None;
    }
    eprintln!("error: {first:?} is an address: write echo-client --connect {first}");
    Some(ExitCode::from(2))
}

/// The exit code of a run that ended as it should.
const SUCCESS: u8 = 0;
/// The exit code of a run that did not do all it was asked (the operation or check failed).
const FAILURE: u8 = 1;

async fn run(args: Args, outputs: trace::Outputs) -> tls_core::Result<u8> {
    let addr = args.target.connect.to_string();
    let echoing = Echoing {
        message: args.message,
        stdin: args.stdin,
        raw: args.raw,
        verbose: args.verbose,
    };
    let (config, server_name, options) = connection_setup(args.target, args.verbose)?;
    if args.trace.is_none() && args.trace_json.is_none() && args.pcap.is_none() {
        let conn = client::connect(&addr, server_name, config, options).await?;
        return session(conn, &echoing).await;
    }
    let traced = trace::Traced {
        addr,
        detail: args.trace,
        outputs,
    };
    traced.run(server_name, config, options, &echoing).await
}

/// What to send, and how.
pub(crate) struct Echoing {
    message: String,
    stdin: bool,
    raw: bool,
    verbose: bool,
}

/// The echo of one connection: the message (or standard input) and what comes back; exit 1 when
/// the session ended before all of standard input was sent.
pub(crate) async fn session(mut conn: client::Connection, args: &Echoing) -> tls_core::Result<u8> {
    if args.verbose {
        let info = conn.info();
        eprintln!(
            "connected to {}: {info}; server certificate {}",
            conn.peer(),
            info.peer_subject.as_deref().unwrap_or("(none)")
        );
    }
    if args.raw {
        conn.set_mode(Mode::Raw);
    }
    if args.stdin {
        let peer = conn.peer();
        let streamed = conn.echo_stream(tokio::io::stdin(), tokio::io::stdout()).await?;
        warn_if_unclosed(peer, &streamed);
        if streamed.cut_short {
            // What came back is the echo of what was sent; the rest of the input was not: a failure.
            eprintln!(
                "error: an empty line after byte {} ended the session (the echo protocol's rule), so the rest of standard input was not sent; use --raw with `echo-server --raw` to send everything",
                streamed.sent
            );
            return Ok(FAILURE);
        }
        return Ok(SUCCESS);
    }
    let message = args.message.as_bytes();
    if message.is_empty() && !args.raw {
        eprintln!(
            "warning: an empty message is the empty line that ends a session (the echo protocol's rule): the server echoes nothing"
        );
    }
    let (_, taken) = Echo::new(if args.raw { Mode::Raw } else { Mode::Line }).feed_counted(message, &mut Vec::new());
    if taken < message.len() {
        eprintln!(
            "warning: the message has an empty line, which ends the session (the echo protocol's rule): the {} after it {} not sent; use --raw with `echo-server --raw` to send everything",
            match message.len() - taken {
                1 => "1 byte".to_owned(),
                n => format!("{n} bytes"),
            },
            if message.len() - taken == 1 { "is" } else { "are" }
        );
    }
    // The message and its echo, then close_notify and what the end of the stream releases (a `\r`
    // ending the message) up to the server's close. close_notify goes only after the echo: sent early,
    // it would sit unread on a server that closes as soon as it has answered, and reset the connection.
    let mut echoed = Vec::with_capacity(message.len());
    let peer = conn.peer();
    let result = match conn.echo_into(message, &mut echoed).await {
        Ok(()) => conn
            .echo_stream(&[][..], &mut echoed)
            .await
            .map(|streamed| warn_if_unclosed(peer, &streamed)),
        Err(err) => Err(err),
    };
    if let Err(err) = result {
        if matches!(
            err,
            tls_core::Error::Timeout {
                phase: Step::ReadingEcho,
                ..
            }
        ) && echoed.is_empty()
            && !message.ends_with(b"\n")
        {
            eprintln!("error: {}", err.report());
            eprintln!(
                "hint: nothing came back; a server that echoes whole lines only (gnutls-serv --echo, for one) waits for a newline: end the message with one, as in --message $'Hello World!\\n'"
            );
            return Ok(FAILURE);
        }
        // What came back is shown even when the echo then failed, as it came: nothing added, but on a
        // terminal a newline, so the error does not begin on the same line ("Helerror: ...").
        let mut out = std::io::stdout().lock();
        let newline: &[u8] = if std::io::IsTerminal::is_terminal(&out) && !echoed.is_empty() && !echoed.ends_with(b"\n")
        {
            b"\n"
        } else {
            b""
        };
        let _ = out
            .write_all(&echoed)
            .and_then(|()| out.write_all(newline))
            .and_then(|()| out.flush());
        return Err(err);
    }
    print_echo(&echoed).map(|()| SUCCESS)
}

/// The echo came back whole, but the server did not answer our close_notify by closing.
fn warn_if_unclosed(peer: std::net::SocketAddr, streamed: &client::Streamed) {
    if let Some(waited) = streamed.unclosed_after {
        eprintln!(
            "warning: the echo is complete, but {peer} had not closed the session {} after our close_notify (a TLS server answers it with its own close_notify); not waiting longer",
            tls_core::error::fmt_duration(waited)
        );
    }
}

/// The echo on stdout, with a newline after it when it has none (nothing for an empty echo).
fn print_echo(echoed: &[u8]) -> tls_core::Result<()> {
    let mut out = std::io::stdout().lock();
    let newline: &[u8] = if echoed.is_empty() || echoed.ends_with(b"\n") {
        b""
    } else {
        b"\n"
    };
    out.write_all(echoed)
        .and_then(|()| out.write_all(newline))
        .and_then(|()| out.flush())
        .map_err(|cause| tls_core::Error::Output { cause })
}
