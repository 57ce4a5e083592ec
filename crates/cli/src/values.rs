//! Parsing the command-line values the programs share (seconds, counts, sizes, addresses, ALPN names),
//! for clap's `value_parser`: each refusal is a sentence quoting what was given.

use std::time::Duration;

use tls_core::HostPort;

/// Parses a number of seconds such as `10` or `0.5`, for clap's `value_parser`.
///
/// # Errors
/// A sentence naming the text when it is not a non-negative number.
pub fn seconds(text: &str) -> Result<Duration, String> {
    seconds_from(text, "0")
}

/// As [`seconds`], saying `least` is the least taken when the text is negative.
fn seconds_from(text: &str, least: &str) -> Result<Duration, String> {
    let value = text
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite())
        .ok_or_else(|| format!("{text:?} is not a number of seconds (such as 10 or 0.5)"))?;
    if value < 0.0 {
        return Err(format!(
            "{text:?} seconds is negative: give {least} or more (such as 10 or 0.5)"
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
    match seconds_from(text, "0.001")? {
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

/// Parses a rate in operations per second, such as `20000` or `0.5`: more than 0, at most a million.
///
/// # Errors
/// A sentence naming the text when it is not such a number.
pub fn rate(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate > 0.0 && rate <= 1e6 => Ok(rate),
        Ok(rate) if rate.is_finite() && rate > 1e6 => {
            Err(format!("{text:?} per second is more than a million; give less"))
        }
        _ => Err(format!(
            "{text:?} is not a rate per second above 0 (such as 20000 or 0.5)"
        )),
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

/// Any text as a number of seconds is taken or refused with a sentence quoting it (the `address` fuzz
/// target's second half; its first is `tls_core::fuzzing::address`).
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub fn fuzz(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for parse in [seconds, positive_seconds] {
        if let Err(message) = parse(text) {
            assert!(
                message.contains(&format!("{text:?}")),
                "{message} does not quote {text:?}"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
