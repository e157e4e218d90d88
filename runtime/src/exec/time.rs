//! Time on the wire and on the command line: RFC 3339 timestamps to epoch
//! milliseconds (offsets allowed, sub-millisecond digits truncated), the output
//! format `2026-01-01T10:00:00.000Z`, and durations in the language's syntax
//! (`500ms`, `1h30m`, `7d`, `1w`) for `--until +D` and `--max-delay`.
//!
//! Calendar arithmetic is chrono's; nothing here hand-rolls dates. This module does
//! not know about watermarks or windows.

use std::cell::Cell;
use std::fmt;
use std::io;

use chrono::{DateTime, Datelike, SecondsFormat, Timelike, Utc};

/// Epoch milliseconds of an RFC 3339 timestamp (`2026-01-01T11:00:00.1239+01:00`);
/// digits below the millisecond are dropped. The error text is the dead-letter
/// detail: `not an RFC 3339 timestamp: TEXT`.
pub fn parse_rfc3339(text: &str) -> Result<i64, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp_millis())
        .map_err(|_| format!("not an RFC 3339 timestamp: {text}"))
}

/// `2026-01-01T10:00:00.000Z`: UTC, exactly three fractional digits. Instants
/// outside years 0000–9999 (never produced by valid input) use chrono's extended
/// form, and those outside chrono's range the plain number.
pub fn format_ts(ms: i64) -> String {
    let mut out = String::with_capacity(24);
    let _ = fmt::write(&mut out, format_args!("{}", Rfc3339Ms(ms)));
    out
}

/// Writes [`format_ts`]'s text without allocating. The text of the last
/// instant written on this thread is kept: the changes of one instant, often
/// many, share their `at`.
pub fn write_ts(w: &mut impl io::Write, ms: i64) -> io::Result<()> {
    thread_local! {
        static LAST: Cell<Option<(i64, [u8; 24])>> = const { Cell::new(None) };
    }
    let text = match LAST.get() {
        Some((last, text)) if last == ms => Some(text),
        _ => {
            let text = common_form(ms);
            if let Some(t) = text {
                LAST.set(Some((ms, t)));
            }
            text
        }
    };
    match text {
        Some(text) => w.write_all(&text),
        None => write!(w, "{}", Rfc3339Ms(ms)),
    }
}

/// The 24 bytes of an instant of years 0000–9999, digit by digit (the output
/// path writes one per change; `fmt` padding would cost more than the rest of
/// the line). The calendar fields are chrono's.
fn common_form(ms: i64) -> Option<[u8; 24]> {
    let t = DateTime::<Utc>::from_timestamp_millis(ms)?;
    let year = u32::try_from(t.year()).ok().filter(|y| *y <= 9999)?;
    let mut out = *b"0000-00-00T00:00:00.000Z";
    let mut digits = |at: usize, width: usize, mut n: u32| {
        for i in (at..at + width).rev() {
            if let Some(b) = out.get_mut(i) {
                *b = b'0' + (n % 10) as u8;
            }
            n /= 10;
        }
    };
    digits(0, 4, year);
    digits(5, 2, t.month());
    digits(8, 2, t.day());
    digits(11, 2, t.hour());
    digits(14, 2, t.minute());
    digits(17, 2, t.second());
    digits(20, 3, ms.rem_euclid(1000) as u32);
    Some(out)
}

/// Display adapter for an instant in the output format.
#[derive(Clone, Copy, Debug)]
pub struct Rfc3339Ms(pub i64);

impl fmt::Display for Rfc3339Ms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(text) = common_form(self.0) {
            return f.write_str(std::str::from_utf8(&text).map_err(|_| fmt::Error)?);
        }
        let Some(t) = DateTime::<Utc>::from_timestamp_millis(self.0) else {
            return write!(f, "{}", self.0);
        };
        f.write_str(&t.to_rfc3339_opts(SecondsFormat::Millis, true))
    }
}

/// Milliseconds of a duration such as `500ms`, `30m` or `1h30m`, read as the
/// language reads duration literals.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    match seg_compiler::syntax::parser::duration_ms(text) {
        Ok(ms) if !text.is_empty() => Ok(ms),
        _ => Err(format!(
            "`{text}` is not a duration: write e.g. `500ms`, `30m` or `1h30m`"
        )),
    }
}

/// `--until`: an instant, or a duration after the largest accepted event time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Until {
    At(i64),
    After(i64),
}

impl Until {
    /// The end instant given the largest accepted event time (None: no events and
    /// a relative `--until`).
    pub fn resolve(self, max_event_time: Option<i64>) -> Option<i64> {
        match self {
            Until::At(t) => Some(t),
            Until::After(d) => max_event_time.map(|m| m.saturating_add(d)),
        }
    }
}

/// Reads `--until`: RFC 3339 or `+DURATION`.
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
    fn parses_offsets_and_truncates_sub_milliseconds() {
        let t = parse_rfc3339("2026-01-01T11:00:00.123987+01:00").unwrap();
        assert_eq!(format_ts(t), "2026-01-01T10:00:00.123Z");
        assert_eq!(parse_rfc3339("2026-01-01T10:00:00Z"), Ok(1_767_261_600_000));
        assert_eq!(
            parse_rfc3339("2026-01-01T10:00:00.9999Z"),
            Ok(1_767_261_600_999)
        );
        assert_eq!(
            parse_rfc3339("2026-01-01T04:30:00-05:30"),
            Ok(1_767_261_600_000)
        );
        assert_eq!(
            parse_rfc3339("1969-12-31T23:59:59.9999Z"),
            Ok(-1),
            "truncation keeps the digits, even before 1970"
        );
    }

    #[test]
    fn rejects_what_is_not_rfc_3339() {
        for bad in [
            "2026-13-01T00:00:00Z",
            "2026-01-01",
            "2026-01-01T10:00Z",
            "2026-01-01T10:00:00",
            "yesterday",
            "",
        ] {
            assert_eq!(
                parse_rfc3339(bad),
                Err(format!("not an RFC 3339 timestamp: {bad}"))
            );
        }
    }

    #[test]
    fn formats_utc_with_three_digits() {
        assert_eq!(format_ts(1_767_261_600_000), "2026-01-01T10:00:00.000Z");
        assert_eq!(format_ts(1_767_261_600_007), "2026-01-01T10:00:00.007Z");
        assert_eq!(format_ts(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(format_ts(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_ts(i64::MAX), i64::MAX.to_string());
        assert_eq!(format_ts(-62_167_219_200_000), "0000-01-01T00:00:00.000Z");
        assert_eq!(format_ts(253_402_300_799_999), "9999-12-31T23:59:59.999Z");
        assert_eq!(format_ts(253_402_300_800_000), "+10000-01-01T00:00:00.000Z");
        assert_eq!(format_ts(-62_167_219_200_001), "-0001-12-31T23:59:59.999Z");
        let mut buf = Vec::new();
        write_ts(&mut buf, 1_767_261_600_000).unwrap();
        assert_eq!(buf, b"2026-01-01T10:00:00.000Z");
    }

    #[test]
    fn repeated_and_alternating_instants_write_their_own_text() {
        let mut buf = Vec::new();
        let instants = [5, 5, 7, 5, 253_402_300_800_000, 253_402_300_800_000, 5, -1];
        for ms in instants {
            write_ts(&mut buf, ms).unwrap();
            buf.push(b' ');
        }
        let want: Vec<String> = instants.iter().map(|ms| format_ts(*ms) + " ").collect();
        assert_eq!(String::from_utf8(buf).unwrap(), want.concat());
    }

    #[test]
    fn digit_by_digit_form_equals_chrono_formatting() {
        let mut ms: i64 = -62_167_219_200_000;
        while ms < 253_402_300_799_999 {
            let want = DateTime::<Utc>::from_timestamp_millis(ms)
                .unwrap()
                .format("%Y-%m-%dT%H:%M:%S%.3fZ")
                .to_string();
            assert_eq!(format_ts(ms), want);
            ms += 7_919_999_999_977;
        }
    }

    #[test]
    fn parses_durations() {
        assert_eq!(parse_duration("1h30m"), Ok(5_400_000));
        assert_eq!(parse_duration("500ms"), Ok(500));
        assert_eq!(parse_duration("0ms"), Ok(0));
        assert_eq!(parse_duration("7d"), Ok(604_800_000));
        assert_eq!(parse_duration("1w"), Ok(604_800_000));
        assert_eq!(parse_duration("1w1d1h1m1s1ms"), Ok(694_861_001));
        for bad in [
            "30m1h", "1h1h", "5", "", "h", "-1s", "1.5h", "1 h", "1y", "10ss",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
        assert!(parse_duration("99999999999999999w").is_err());
    }

    #[test]
    fn parses_until() {
        assert_eq!(parse_until("+1d"), Ok(Until::After(86_400_000)));
        assert_eq!(
            parse_until("2026-01-01T10:00:00Z"),
            Ok(Until::At(1_767_261_600_000))
        );
        assert!(parse_until("+").is_err());
        assert!(parse_until("1d").is_err());
        assert_eq!(Until::After(5).resolve(Some(10)), Some(15));
        assert_eq!(Until::After(5).resolve(None), None);
        assert_eq!(Until::At(3).resolve(Some(10)), Some(3));
    }
}
