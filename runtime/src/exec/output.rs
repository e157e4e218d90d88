//! Output lines (§9, §10, §14): membership changes, merge records, dead letters,
//! audit records and the run summary, each one JSON object followed by `\n`, with
//! no insignificant spaces and non-ASCII written as UTF-8.
//!
//! Writers append to a caller-owned `Vec<u8>` (reuse it between lines: nothing
//! here allocates per line). They format; they do not decide what is written or
//! in which order.

use std::io::Write;

use serde::Serialize;

use super::time::write_ts;

/// A JSON string literal (escaped as serde_json does). Profile ids and segment
/// names rarely need escapes: a string without quotes, backslashes and control
/// characters is copied as it is, which is what serde_json writes for it.
fn string(buf: &mut Vec<u8>, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        buf.push(b'"');
        buf.extend_from_slice(s.as_bytes());
        buf.push(b'"');
        return;
    }
    // Writing into a Vec cannot fail, and a &str always serialises.
    let _ = serde_json::to_writer(&mut *buf, s);
}

/// `,"KEY":` — keys are fixed ASCII names needing no escapes.
fn key(buf: &mut Vec<u8>, k: &str) {
    buf.extend_from_slice(b",\"");
    buf.extend_from_slice(k.as_bytes());
    buf.extend_from_slice(b"\":");
}

/// `,"at":"2026-01-01T10:00:00.000Z"}` and the newline.
fn at_and_end(buf: &mut Vec<u8>, at: i64) {
    key(buf, "at");
    buf.push(b'"');
    let _ = write_ts(buf, at);
    buf.extend_from_slice(b"\"}\n");
}

/// `{"profile":…,"segment":…,"change":"enter|exit","at":…[,"holdout":true][,"cause":…]}`
pub fn write_change(
    buf: &mut Vec<u8>,
    profile: &str,
    segment: &str,
    enter: bool,
    at: i64,
    holdout: bool,
    cause: Option<&str>,
) {
    buf.extend_from_slice(b"{\"profile\":");
    string(buf, profile);
    key(buf, "segment");
    string(buf, segment);
    key(buf, "change");
    buf.extend_from_slice(if enter { b"\"enter\"" } else { b"\"exit\"" });
    key(buf, "at");
    buf.push(b'"');
    let _ = write_ts(buf, at);
    buf.push(b'"');
    if holdout {
        key(buf, "holdout");
        buf.extend_from_slice(b"true");
    }
    if let Some(c) = cause {
        key(buf, "cause");
        string(buf, c);
    }
    buf.extend_from_slice(b"}\n");
}

/// `{"profile":ABSORBED,"merged_into":PRIMARY,"at":…}`
pub fn write_merge(buf: &mut Vec<u8>, absorbed: &str, into: &str, at: i64) {
    buf.extend_from_slice(b"{\"profile\":");
    string(buf, absorbed);
    key(buf, "merged_into");
    string(buf, into);
    at_and_end(buf, at);
}

/// `{"line":N,"reason":…,"detail":…,"raw":…}`; `raw` is the line as read.
pub fn write_dead_letter(buf: &mut Vec<u8>, line: u64, reason: &str, detail: &str, raw: &str) {
    buf.extend_from_slice(b"{\"line\":");
    let _ = write!(buf, "{line}");
    key(buf, "reason");
    string(buf, reason);
    key(buf, "detail");
    string(buf, detail);
    key(buf, "raw");
    string(buf, raw);
    buf.extend_from_slice(b"}\n");
}

/// `{"erased":PROFILE_ID,"at":…}` (no other personal data).
pub fn write_audit(buf: &mut Vec<u8>, erased: &str, at: i64) {
    buf.extend_from_slice(b"{\"erased\":");
    string(buf, erased);
    at_and_end(buf, at);
}

/// The run summary; `events + invalid + late + duplicates + ignored` equals the
/// number of non-blank input lines. Serialised with the keys in this order.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Summary {
    pub events: u64,
    pub changes: u64,
    pub invalid: u64,
    pub late: u64,
    pub duplicates: u64,
    pub ignored: u64,
    pub profiles: u64,
    pub merges: u64,
    pub refused_merges: u64,
    pub skipped_identifiers: u64,
    pub forgotten: u64,
    pub seconds: f64,
}

/// Appends the summary object and a newline (a non-finite `seconds` is `null`).
pub fn write_summary(buf: &mut Vec<u8>, s: &Summary) {
    let _ = serde_json::to_writer(&mut *buf, s);
    buf.push(b'\n');
}

/// The summary object without a newline.
pub fn summary_line(s: &Summary) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_767_261_600_000;

    fn text(b: Vec<u8>) -> String {
        String::from_utf8(b).unwrap()
    }

    #[test]
    fn change_lines() {
        let mut b = Vec::new();
        write_change(&mut b, "user_id:u1", "high_intent", true, T, false, None);
        write_change(&mut b, "user_id:ü", "s", false, T + 5, true, Some("time"));
        assert_eq!(
            text(b),
            "{\"profile\":\"user_id:u1\",\"segment\":\"high_intent\",\"change\":\"enter\",\"at\":\"2026-01-01T10:00:00.000Z\"}\n\
             {\"profile\":\"user_id:ü\",\"segment\":\"s\",\"change\":\"exit\",\"at\":\"2026-01-01T10:00:00.005Z\",\"holdout\":true,\"cause\":\"time\"}\n"
        );
    }

    #[test]
    fn merge_dead_letter_and_audit_lines() {
        let mut b = Vec::new();
        write_merge(&mut b, "anonymous_id:a1", "user_id:u1", T);
        write_dead_letter(&mut b, 2, "invalid_json", "eof", "{\"a\":é\t\u{1}");
        write_audit(&mut b, "user_id:u1", T);
        assert_eq!(
            text(b),
            "{\"profile\":\"anonymous_id:a1\",\"merged_into\":\"user_id:u1\",\"at\":\"2026-01-01T10:00:00.000Z\"}\n\
             {\"line\":2,\"reason\":\"invalid_json\",\"detail\":\"eof\",\"raw\":\"{\\\"a\\\":é\\t\\u0001\"}\n\
             {\"erased\":\"user_id:u1\",\"at\":\"2026-01-01T10:00:00.000Z\"}\n"
        );
    }

    #[test]
    fn strings_are_written_as_serde_json_writes_them() {
        let cases = [
            "",
            "user_id:u1",
            "é ü 日本",
            "a\"b",
            "back\\slash",
            "tab\t",
            "\u{1}",
            "\u{1f}",
            " ",
            "\u{7f}",
            "\u{80}",
            "line\nbreak",
            "\u{2028}",
            "🎉",
        ];
        for s in cases {
            let mut b = Vec::new();
            string(&mut b, s);
            assert_eq!(b, serde_json::to_vec(s).unwrap(), "{s:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_string_is_written_as_serde_json_writes_it(s in proptest::prelude::any::<String>()) {
            let mut b = Vec::new();
            string(&mut b, &s);
            proptest::prop_assert_eq!(b, serde_json::to_vec(&s).unwrap());
        }
    }

    #[test]
    fn summary_keys_in_order() {
        let s = Summary {
            events: 1,
            changes: 2,
            invalid: 3,
            late: 4,
            duplicates: 5,
            ignored: 6,
            profiles: 7,
            merges: 8,
            refused_merges: 9,
            skipped_identifiers: 10,
            forgotten: 11,
            seconds: 0.25,
        };
        let expected = "{\"events\":1,\"changes\":2,\"invalid\":3,\"late\":4,\"duplicates\":5,\"ignored\":6,\"profiles\":7,\"merges\":8,\"refused_merges\":9,\"skipped_identifiers\":10,\"forgotten\":11,\"seconds\":0.25}";
        assert_eq!(summary_line(&s), expected);
        let mut b = Vec::new();
        write_summary(&mut b, &s);
        assert_eq!(text(b), format!("{expected}\n"));
    }
}
