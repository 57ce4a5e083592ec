//! The client's side of an echo as a sans-IO machine: what is sent goes in, what comes back is checked
//! against what the server's rule makes of it, and the way the exchange ends (the server's close, a
//! timeout) is judged, with the error that says what happened. No I/O and no clock: the driver in
//! [`super::Connection`] reads, writes and times.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;

use crate::echo::{Echo, Escaped, Mode, Progress, Sniff, sniff};
use crate::error::{Error, Step};

/// One exchange on a session: the bytes sent so far, the echo they are owed, what came back.
#[derive(Debug)]
pub(crate) struct Exchange<'a> {
    peer: SocketAddr,
    /// The server's echo rule, mirrored; it lives on across exchanges of one session.
    rule: &'a mut Echo,
    /// In raw mode, a line-mode server's rule, to say where such a server would have ended the session.
    line_rule: Option<Echo>,
    /// Echo owed: queued before its bytes are sent, so an echo can never overtake its expectation.
    owed: VecDeque<u8>,
    sent: u64,
    received: u64,
    /// The input is over (or cut short, or a write failed): nothing more will be owed.
    input_over: bool,
    /// The first bytes sent, escaped, when they look like an HTTP request line.
    http_line: Option<String>,
    /// In raw mode, the end of the first empty line sent, in bytes from the start.
    empty_line_at: Option<u64>,
    /// ALPN agreed on http/1.1.
    alpn_http: bool,
}

/// What to do with one chunk of input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Outgoing {
    /// Its first `send` bytes go to the server; the rest (after an empty line, in line mode) do not.
    pub(crate) send: usize,
    /// An empty line ended the session: no more input is taken.
    pub(crate) ended: bool,
}

/// What a read of the server's answer held.
#[derive(Debug)]
pub(crate) struct Checked {
    /// Its first `good` bytes are echo, to be written out (before any problem is reported).
    pub(crate) good: usize,
    /// What was wrong with the rest, when something was.
    pub(crate) problem: Option<Error>,
}

impl<'a> Exchange<'a> {
    pub(crate) fn new(peer: SocketAddr, rule: &'a mut Echo, alpn_http: bool) -> Self {
        let line_rule = rule.is_raw().then(|| Echo::new(Mode::Line));
        Self {
            peer,
            rule,
            line_rule,
            owed: VecDeque::new(),
            sent: 0,
            received: 0,
            input_over: false,
            http_line: None,
            empty_line_at: None,
            alpn_http,
        }
    }

    /// Takes a chunk of input: how much of it to send, and what it is owed.
    pub(crate) fn send(&mut self, chunk: &[u8]) -> Outgoing {
        if self.sent == 0 && sniff(chunk, chunk.len() + 1) == Sniff::Http {
            self.http_line = Some(Escaped(&chunk[..chunk.len().min(40)]).to_string());
        }
        let mut expect = Vec::new();
        let (progress, send) = self.rule.feed_counted(chunk, &mut expect);
        self.owed.extend(expect);
        if let Some(line_rule) = self.line_rule.as_mut().filter(|rule| !rule.is_finished()) {
            let (_, upto) = line_rule.feed_counted(chunk, &mut Vec::new());
            if line_rule.is_finished() {
                self.empty_line_at = Some(self.sent + upto as u64);
            }
        }
        self.sent += send as u64;
        Outgoing {
            send,
            ended: progress == Progress::Finished,
        }
    }

    /// The input is over. `to_end`: the stream ends too, which releases a `\r` held at the start of a
    /// line (on a session that goes on it stays held, on both sides).
    pub(crate) fn end_of_input(&mut self, to_end: bool) {
        if to_end {
            let mut tail = Vec::new();
            self.rule.end_of_stream(&mut tail);
            self.owed.extend(tail);
        }
        self.input_over = true;
    }

    /// Nothing more will be sent (a write failed, or the input was cut at an empty line).
    pub(crate) fn stop_sending(&mut self) {
        self.input_over = true;
    }

    /// Bytes sent.
    pub(crate) fn sent(&self) -> u64 {
        self.sent
    }

    /// Bytes of echo received.
    pub(crate) fn received(&self) -> u64 {
        self.received
    }

    /// Whether echo is owed.
    pub(crate) fn owes(&self) -> bool {
        !self.owed.is_empty()
    }

    /// Whether the input is over.
    pub(crate) fn input_over(&self) -> bool {
        self.input_over
    }

    /// Everything sent has come back and nothing more will be sent.
    pub(crate) fn complete(&self) -> bool {
        self.input_over && self.owed.is_empty()
    }

    /// Checks bytes that came back against the echo owed.
    pub(crate) fn check(&mut self, got: &[u8]) -> Checked {
        let matched = got.iter().zip(self.owed.iter()).take_while(|(a, b)| a == b).count();
        self.owed.drain(..matched);
        let first_answer = self.received == 0;
        let offset = self.received + matched as u64;
        self.received = offset;
        if matched == got.len() {
            return Checked {
                good: matched,
                problem: None,
            };
        }
        let peer = self.peer;
        let problem = if self.owed.is_empty() && !self.rule.is_raw() && self.input_over {
            Error::EchoedPastEmptyLine { peer, offset }
        } else if first_answer && got.starts_with(b"HTTP/1.") {
            Error::AnsweredHttp {
                peer,
                why: Escaped(&got[..got.len().min(40)]).to_string(),
                alpn: self.alpn_http,
            }
        } else {
            let expected: Vec<u8> = self.owed.iter().take(40).copied().collect();
            Error::NotAnEcho {
                peer,
                offset,
                expected: Escaped(&expected).to_string(),
                received: Escaped(&got[matched..got.len().min(matched + 40)]).to_string(),
            }
        };
        Checked {
            good: matched,
            problem: Some(problem),
        }
    }

    /// The server closed the session (`close_notify`: cleanly; `reset`: with a TCP RST): fine once
    /// everything sent has come back and the input is over.
    ///
    /// # Errors
    /// Why it closed too early, as well as can be told: it took the session for HTTP, it is a
    /// line-mode server ending at an empty line, or it closed with echo owed or input still coming.
    pub(crate) fn closed(&self, close_notify: bool, reset: bool) -> Result<(), Error> {
        let peer = self.peer;
        let everything_back = self.complete();
        if let (false, 0, Some(line)) = (everything_back, self.received, &self.http_line) {
            return Err(Error::AnsweredHttp {
                peer,
                why: format!("the message starts like an HTTP request (\"{line}\"), and it closed with no echo"),
                alpn: self.alpn_http,
            });
        }
        if !everything_back && self.received == 0 && self.alpn_http {
            return Err(Error::AnsweredHttp {
                peer,
                why: "ALPN agreed on http/1.1, and it closed with no echo".to_owned(),
                alpn: true,
            });
        }
        if let (false, Some(offset)) = (everything_back, self.empty_line_at) {
            return Err(Error::EndedAtEmptyLine { peer, offset });
        }
        match (self.owed.is_empty(), self.input_over) {
            (true, true) => Ok(()),
            (true, false) => Err(Error::ClosedEarly {
                peer,
                close_notify,
                reset,
            }),
            (false, _) => Err(Error::Truncated {
                peer,
                received: self.received,
                owed: self.owed.len(),
                close_notify,
                reset,
            }),
        }
    }

    /// No echo came within `limit` while some was owed.
    pub(crate) fn timed_out(&self, limit: Duration) -> Error {
        let peer = self.peer;
        let waited = crate::error::fmt_duration(limit);
        match (&self.http_line, self.alpn_http) {
            (Some(line), alpn) => Error::AnsweredHttp {
                peer,
                why: format!("the message starts like an HTTP request (\"{line}\"), and no echo came within {waited}"),
                alpn,
            },
            (None, true) => Error::AnsweredHttp {
                peer,
                why: format!("ALPN agreed on http/1.1, and no echo came within {waited}"),
                alpn: true,
            },
            (None, false) => Error::Timeout {
                phase: Step::ReadingEcho,
                peer,
                after: limit,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEER: SocketAddr = SocketAddr::V4(std::net::SocketAddrV4::new(std::net::Ipv4Addr::LOCALHOST, 7777));

    /// What a server with `mode`'s rule echoes of what `exchange` sent of `input` (cut into `size`
    /// pieces), and the outgoing verdicts; the input then ends (`to_end`: the stream too).
    fn send_through(exchange: &mut Exchange<'_>, server: Mode, input: &[u8], size: usize) -> (Vec<u8>, bool) {
        let mut rule = Echo::new(server);
        let mut echoed = Vec::new();
        let mut cut_short = false;
        for chunk in input.chunks(size.max(1)) {
            let outgoing = exchange.send(chunk);
            rule.feed(&chunk[..outgoing.send], &mut echoed);
            if outgoing.ended {
                cut_short = outgoing.send < chunk.len();
                break;
            }
        }
        exchange.end_of_input(true);
        rule.end_of_stream(&mut echoed);
        (echoed, cut_short)
    }

    /// Gives `echoed` back to `exchange` in `size` pieces, then the server's clean close.
    fn answer(exchange: &mut Exchange<'_>, echoed: &[u8], size: usize) -> Result<(), Error> {
        for piece in echoed.chunks(size.max(1)) {
            if let Some(problem) = exchange.check(piece).problem {
                return Err(problem);
            }
        }
        exchange.closed(true, false)
    }

    /// The oracle is the server's own machine: whatever the input and however it and its echo are cut,
    /// the client owes exactly what a server of the same rule echoes, and takes it back whole.
    #[test]
    fn the_echo_of_a_server_of_the_same_rule_is_taken_back_whole() {
        for mode in [Mode::Line, Mode::Raw] {
            for input in crate::echo::TEST_INPUTS {
                for (sent_size, echo_size) in [(1, 1), (2, 3), (3, 1), (64, 64)] {
                    let mut rule = Echo::new(mode);
                    let mut exchange = Exchange::new(PEER, &mut rule, false);
                    let (echoed, _) = send_through(&mut exchange, mode, input, sent_size);
                    let case = format!("{mode:?} {input:?} in {sent_size}s, echo in {echo_size}s");
                    assert!(answer(&mut exchange, &echoed, echo_size).is_ok(), "{case}");
                    assert_eq!(exchange.received(), echoed.len() as u64, "{case}");
                    assert!(exchange.complete(), "{case}");
                }
            }
        }
    }

    /// Every byte of an echo changed in turn is found, at its own offset.
    #[test]
    fn a_changed_byte_is_found_where_it_is() {
        let input = b"one\ntwo\r\nthree";
        for at in 0..input.len() {
            let mut rule = Echo::new(Mode::Line);
            let mut exchange = Exchange::new(PEER, &mut rule, false);
            let (mut echoed, _) = send_through(&mut exchange, Mode::Line, input, 4);
            echoed[at] ^= 0x20;
            match answer(&mut exchange, &echoed, 5) {
                Err(Error::NotAnEcho { offset, .. }) => assert_eq!(offset, at as u64),
                other => panic!("byte {at}: {other:?}"),
            }
        }
    }

    /// The two rules meeting each other: each mismatch is named for what it is, with its offset.
    #[test]
    fn a_server_of_the_other_rule_is_named() {
        let input = b"first\n\nsecond\n";
        // A line-mode client stops at the empty line; a raw server echoes it too.
        let mut rule = Echo::new(Mode::Line);
        let mut exchange = Exchange::new(PEER, &mut rule, false);
        let (echoed, cut_short) = send_through(&mut exchange, Mode::Raw, input, 64);
        assert!(cut_short);
        assert!(matches!(
            answer(&mut exchange, &echoed, 64),
            Err(Error::EchoedPastEmptyLine { offset: 6, .. })
        ));
        // A raw client sends past it; a line-mode server ends the session there.
        let mut rule = Echo::new(Mode::Raw);
        let mut exchange = Exchange::new(PEER, &mut rule, false);
        let (echoed, _) = send_through(&mut exchange, Mode::Line, input, 64);
        assert!(matches!(
            answer(&mut exchange, &echoed, 64),
            Err(Error::EndedAtEmptyLine { offset: 7, .. })
        ));
    }

    /// A close with echo owed, or while input still comes, or a timeout: each its own error.
    #[test]
    fn how_an_exchange_ends_early_is_said() {
        let mut rule = Echo::new(Mode::Line);
        let mut exchange = Exchange::new(PEER, &mut rule, false);
        let (echoed, _) = send_through(&mut exchange, Mode::Line, b"Hello World!", 64);
        assert!(exchange.check(&echoed[..5]).problem.is_none());
        assert!(matches!(
            exchange.closed(false, true),
            Err(Error::Truncated {
                received: 5,
                owed: 7,
                close_notify: false,
                reset: true,
                ..
            })
        ));
        assert!(matches!(
            exchange.timed_out(Duration::from_secs(1)),
            Error::Timeout {
                phase: Step::ReadingEcho,
                ..
            }
        ));

        let mut rule = Echo::new(Mode::Line);
        let mut exchange = Exchange::new(PEER, &mut rule, false);
        let _ = exchange.send(b"typed so far ");
        assert!(exchange.check(b"typed so far ").problem.is_none());
        assert!(matches!(
            exchange.closed(true, false),
            Err(Error::ClosedEarly { close_notify: true, .. })
        ));

        let mut rule = Echo::new(Mode::Line);
        let mut exchange = Exchange::new(PEER, &mut rule, false);
        let _ = exchange.send(b"GET / HTTP/1.1\r\n");
        assert!(matches!(
            exchange.check(b"HTTP/1.1 400 Bad Request").problem,
            Some(Error::AnsweredHttp { alpn: false, .. })
        ));
        assert!(matches!(
            exchange.timed_out(Duration::from_secs(1)),
            Error::AnsweredHttp { .. }
        ));
    }
}
