//! Parsing command-line values the programs share, so each binary stays glue.

use std::time::Duration;

/// Parses a number of seconds such as `10` or `0.5`, for clap's `value_parser`.
///
/// # Errors
/// A sentence naming the text when it is not a non-negative number.
pub fn seconds(text: &str) -> Result<Duration, String> {
    let value = text
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite())
        .ok_or_else(|| format!("{text:?} is not a number of seconds (such as 10 or 0.5)"))?;
    if value < 0.0 {
        return Err(format!(
            "{text:?} seconds is negative: give 0 or more (such as 10 or 0.5)"
        ));
    }
    // Every limit is added to the clock: a year is far more than any wait here needs, and far less
    // than what would overflow it.
    if value > LONGEST.as_secs_f64() {
        return Err(format!(
            "{text:?} seconds is more than a year ({} s); give less",
            LONGEST.as_secs()
        ));
    }
    Ok(Duration::from_secs_f64(value))
}

/// The longest time limit taken.
const LONGEST: Duration = Duration::from_secs(365 * 86_400);

/// As [`seconds`], for a limit on a wait: 0 would end every wait at once, so it is refused.
///
/// # Errors
/// As [`seconds`], and a sentence saying why 0 does not work.
pub fn positive_seconds(text: &str) -> Result<Duration, String> {
    match seconds(text)? {
        limit if limit < Duration::from_millis(1) => Err(format!(
            "{text:?} seconds leaves no time at all; give 0.001 or more (such as 10 or 0.5)"
        )),
        limit => Ok(limit),
    }
}

/// Parses a count that must be at least 1 (connections, for example), for clap's `value_parser`.
///
/// # Errors
/// A sentence naming the text when it is not a whole number of at least 1.
pub fn count(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(0) => Err("0 would allow nothing at all; give 1 or more".to_owned()),
        Ok(n) if n > MOST => Err(format!(
            "{n} is more than {MOST}, more than any machine has sockets for"
        )),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("{text:?} is not a whole number of at least 1")),
    }
}

/// The largest count taken (connections): beyond what file descriptors allow anywhere.
const MOST: usize = 10_000_000;

/// Parses a size in bytes for one write, from 1 byte to 64 MiB.
///
/// # Errors
/// A sentence when it is 0, larger, or not a whole number.
pub fn write_size(text: &str) -> Result<usize, String> {
    const LARGEST: usize = 64 * 1024 * 1024;
    match text.trim().parse::<usize>() {
        Ok(n) if n > LARGEST => Err(format!("{n} bytes is more than 64 MiB per write; give less")),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("{text:?} is not a whole number of bytes")),
    }
}

/// As [`HostPort::parse`], for an address to connect to: port 0 (any free port, when listening) is
/// refused.
///
/// # Errors
/// As [`HostPort::parse`], and port 0.
pub fn connect_address(text: &str) -> Result<HostPort, String> {
    let address = HostPort::parse(text)?;
    if address.port == 0 {
        return Err(format!(
            "{text:?} has port 0, which means any free port when listening: give the port the server listens on"
        ));
    }
    Ok(address)
}

/// Parses an ALPN protocol name (`http/1.1`, `h2`, ...): 1 to 255 bytes, as RFC 7301 allows.
///
/// # Errors
/// A sentence when it is empty or longer.
pub fn alpn(text: &str) -> Result<String, String> {
    match text.len() {
        0 => Err("an ALPN protocol name cannot be empty (such as http/1.1 or h2)".into()),
        1..=255 => Ok(text.to_owned()),
        n => Err(format!("an ALPN protocol name is at most 255 bytes, this one is {n}")),
    }
}

/// A `HOST:PORT` address as the programs take it: `127.0.0.1:7777`, `localhost:7777`, `[::1]:7777`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPort {
    /// The host: a DNS name or an IP address, IPv6 without its brackets.
    pub host: String,
    /// The TCP port.
    pub port: u16,
}

impl HostPort {
    /// Parses `text`; each refusal is a sentence naming the text and what to write instead.
    ///
    /// # Errors
    /// No port, a port that is not a number from 0 to 65535, no host, an IPv6 address without its
    /// brackets, or a host with spaces or control characters in it.
    pub fn parse(text: &str) -> Result<Self, String> {
        let refuse = |why: &str| {
            Err(format!(
                "{text:?} is not HOST:PORT ({why}); write it like 127.0.0.1:7777 or [::1]:7777"
            ))
        };
        if let Some((scheme, rest)) = text.split_once("://") {
            let mut bare = rest.split('/').next().unwrap_or(rest).to_owned();
            if Self::parse(&bare).is_err() {
                bare.push_str(if scheme.eq_ignore_ascii_case("http") {
                    ":80"
                } else {
                    ":443"
                });
            }
            return Err(format!(
                "{text:?} is not HOST:PORT (it is a URL: drop the {scheme}:// in front); write it like {bare}"
            ));
        }
        let (host, port) = if let Some(rest) = text.strip_prefix('[') {
            match rest.split_once("]:") {
                Some((host, port)) if host.parse::<std::net::Ipv6Addr>().is_ok() => (host, port),
                Some(_) => return refuse("only an IPv6 address goes in brackets"),
                None => return refuse("no :PORT after the bracketed address"),
            }
        } else {
            match text.rsplit_once(':') {
                Some((host, _)) if host.contains(':') => return refuse("an IPv6 address goes in brackets"),
                Some(pair) => pair,
                None => return refuse("no :PORT"),
            }
        };
        if host.is_empty() {
            return refuse(
                "no host before the port: 127.0.0.1:PORT is this machine (to listen on every address: 0.0.0.0:PORT or [::]:PORT)",
            );
        }
        if host.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return refuse("the host has spaces or control characters");
        }
        if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
            return refuse("the port is not a number");
        }
        match port.parse() {
            Ok(port) => Ok(Self {
                host: host.to_owned(),
                port,
            }),
            Err(_) => refuse("the port is above 65535"),
        }
    }
}

impl std::fmt::Display for HostPort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse_and_print_back() {
        for (text, host, port) in [
            ("127.0.0.1:7777", "127.0.0.1", 7777),
            ("localhost:0", "localhost", 0),
            ("[::1]:443", "::1", 443),
        ] {
            let parsed = HostPort::parse(text).expect(text);
            assert_eq!((parsed.host.as_str(), parsed.port), (host, port));
            assert_eq!(parsed.to_string(), text);
        }
    }

    #[test]
    fn bad_addresses_say_what_is_wrong() {
        for (text, why) in [
            ("127.0.0.1", "no :PORT"),
            ("::1", "an IPv6 address goes in brackets"),
            ("::1:7777", "an IPv6 address goes in brackets"),
            ("[::1]", "no :PORT after the bracketed address"),
            ("[localhost]:1", "only an IPv6 address goes in brackets"),
            ("[fe80::1%eth0]:1", "only an IPv6 address goes in brackets"),
            (":7777", "no host before the port"),
            ("host:", "the port is not a number"),
            ("host:+1", "the port is not a number"),
            ("host:65536", "the port is above 65535"),
            ("a b:1", "the host has spaces"),
        ] {
            let err = HostPort::parse(text).expect_err(text);
            assert!(err.contains(why) && err.contains(&format!("{text:?}")), "{text}: {err}");
        }
    }

    #[test]
    fn whole_and_fractional_seconds_parse() {
        assert_eq!(seconds("10"), Ok(Duration::from_secs(10)));
        assert_eq!(seconds("0.25"), Ok(Duration::from_millis(250)));
    }

    #[test]
    fn negative_or_garbage_is_refused_with_the_text() {
        assert!(seconds("-1").is_err());
        assert_eq!(
            seconds("ten"),
            Err("\"ten\" is not a number of seconds (such as 10 or 0.5)".into())
        );
    }
}
