//! Time on the wire and on the command line: RFC 3339 timestamps to epoch
//! milliseconds (offsets allowed, sub-millisecond digits truncated), the output
//! format `2026-01-01T10:00:00.000Z`, and durations in the language's syntax.

use chrono::{DateTime, SecondsFormat, Utc};

/// Epoch milliseconds of an RFC 3339 timestamp.
pub fn parse_rfc3339(text: &str) -> Result<i64, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp_millis())
        .map_err(|_| format!("not an RFC 3339 timestamp: {text}"))
}

/// `2026-01-01T10:00:00.000Z`: UTC, exactly three fractional digits.
pub fn format_ts(ms: i64) -> String {
    match DateTime::<Utc>::from_timestamp_millis(ms) {
        Some(t) => t.to_rfc3339_opts(SecondsFormat::Millis, true),
        None => ms.to_string(),
    }
}

/// Milliseconds of a duration such as `500ms`, `30m` or `1h30m` (units strictly
/// decreasing, each at most once).
pub fn parse_duration(text: &str) -> Result<i64, String> {
    const UNITS: [(&str, i64); 6] = [
        ("w", 604_800_000),
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1_000),
        ("ms", 1),
    ];
    let bad = || format!("`{text}` is not a duration: write e.g. `500ms`, `30m` or `1h30m`");
    let mut rest = text;
    let mut total: i64 = 0;
    let mut last_rank = None;
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(bad());
        }
        let n: i64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let letters = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let unit = &rest[..letters];
        rest = &rest[letters..];
        let rank = UNITS.iter().position(|(u, _)| *u == unit).ok_or_else(bad)?;
        if last_rank.is_some_and(|r| rank <= r) {
            return Err(bad());
        }
        last_rank = Some(rank);
        total = n
            .checked_mul(UNITS[rank].1)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(bad)?;
    }
    Ok(total)
}

/// `--until`: an instant, or a duration after the largest accepted event time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Until {
    At(i64),
    After(i64),
}

pub fn parse_until(text: &str) -> Result<Until, String> {
    match text.strip_prefix('+') {
        Some(d) => parse_duration(d).map(Until::After),
        None => parse_rfc3339(text).map(Until::At),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_truncates() {
        let t = parse_rfc3339("2026-01-01T11:00:00.123987+01:00").unwrap();
        assert_eq!(format_ts(t), "2026-01-01T10:00:00.123Z");
        assert!(parse_rfc3339("2026-13-01T00:00:00Z").is_err());
        assert_eq!(format_ts(1_767_261_600_000), "2026-01-01T10:00:00.000Z");
    }

    #[test]
    fn parses_durations() {
        assert_eq!(parse_duration("1h30m"), Ok(5_400_000));
        assert_eq!(parse_duration("500ms"), Ok(500));
        assert_eq!(parse_duration("0ms"), Ok(0));
        assert!(parse_duration("30m1h").is_err());
        assert!(parse_duration("5").is_err());
        assert_eq!(parse_until("+1d"), Ok(Until::After(86_400_000)));
    }
}
