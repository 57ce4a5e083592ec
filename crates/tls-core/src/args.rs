//! Parsing command-line values the programs share, so each binary stays glue.

use std::time::Duration;

/// Parses a number of seconds such as `10` or `0.5`, for clap's `value_parser`.
///
/// # Errors
/// A sentence naming the text when it is not a non-negative number.
pub fn seconds(text: &str) -> Result<Duration, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| format!("{text:?} is not a number of seconds (such as 10 or 0.5)"))
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
