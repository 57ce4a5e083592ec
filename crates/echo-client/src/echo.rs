//! The echo of one connection: the message, or standard input, sent and checked as it comes back.

use std::io::Write as _;

use tls_core::client;
use tls_core::echo::{Echo, Mode};
use tls_core::error::Step;

use crate::{FAILURE, SUCCESS};

/// What to send, and how.
pub(crate) struct Echoing {
    pub(crate) message: String,
    pub(crate) stdin: bool,
    pub(crate) raw: bool,
    pub(crate) handshake_only: bool,
    pub(crate) verbose: bool,
}

/// `--stdin`: standard input to the server as it comes, the echo to standard output; exit 1 when the
/// session ended before all of it was sent.
async fn stream_stdin(conn: client::Connection) -> tls_core::Result<u8> {
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
    Ok(SUCCESS)
}

/// Says (with -v) what the connection negotiated, whose certificate it is, and what the server
/// stapled.
fn say_connected(conn: &client::Connection) {
    let info = conn.info();
    eprintln!(
        "connected to {}: {info}; server certificate {}",
        conn.peer(),
        info.peer_subject.as_deref().unwrap_or("(none)")
    );
    match &info.stapled {
        Some(stapled) => eprintln!(
            "stapled OCSP response: {}, signed by {}, produced {}, next update {}",
            stapled.status,
            stapled.signer,
            tls_core::x509::unix_to_rfc3339(stapled.produced_at),
            stapled
                .next_update
                .map_or_else(|| "none given".to_owned(), tls_core::x509::unix_to_rfc3339)
        ),
        None => eprintln!("stapled OCSP response: none"),
    }
}

/// The echo of one connection: the message (or standard input) and what comes back; exit 1 when
/// not all of it was sent.
pub(crate) async fn session(mut conn: client::Connection, args: &Echoing) -> tls_core::Result<u8> {
    if args.verbose {
        say_connected(&conn);
    }
    if args.handshake_only {
        conn.close().await?;
        return Ok(SUCCESS);
    }
    if args.raw {
        conn.set_mode(Mode::Raw);
    }
    if args.stdin {
        return stream_stdin(conn).await;
    }
    let message = args.message.as_bytes();
    if message.is_empty() && !args.raw {
        eprintln!(
            "warning: an empty message is the empty line that ends a session (the echo protocol's rule): the server echoes nothing (for the handshake alone, give --handshake-only)"
        );
    }
    let (_, taken) = Echo::new(if args.raw { Mode::Raw } else { Mode::Line }).feed_counted(message, &mut Vec::new());
    // A message not sent whole is not a success (as for --stdin): said as the error once the echo of
    // what was sent is shown, or beside another error as a warning.
    let unsent = (taken < message.len()).then(|| {
        let rest = message.len() - taken;
        format!(
            "the message has an empty line, which ends the session (the echo protocol's rule): the {} after it {} not sent; use --raw with `echo-server --raw` to send everything",
            if rest == 1 { "1 byte".to_owned() } else { format!("{rest} bytes") },
            if rest == 1 { "was" } else { "were" }
        )
    });
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
        if let Some(unsent) = &unsent {
            eprintln!("warning: {unsent}");
        }
        if matches!(
            err,
            tls_core::Error::Timeout {
                phase: Step::ReadingEcho,
                ..
            }
        ) && echoed.is_empty()
            && !message.ends_with(b"\n")
        {
            eprintln!("error: {}", err.report_with(tls_echo_cli::advice));
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
    print_echo(&echoed)?;
    match unsent {
        Some(unsent) => {
            eprintln!("error: {unsent}");
            Ok(FAILURE)
        }
        None => Ok(SUCCESS),
    }
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
