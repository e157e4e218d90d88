//! Output lines (§10, §14): membership changes, merge records, dead letters, audit
//! records and the run summary, as JSON with no insignificant spaces and non-ASCII
//! written as UTF-8. Writers append to a caller-owned buffer.

use serde::Serialize;

use super::time::format_ts;

fn string(buf: &mut Vec<u8>, s: &str) {
    // Writing a &str into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *buf, s);
}

fn key(buf: &mut Vec<u8>, k: &str) {
    buf.push(b',');
    buf.push(b'"');
    buf.extend_from_slice(k.as_bytes());
    buf.extend_from_slice(b"\":");
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
    string(buf, &format_ts(at));
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
    key(buf, "at");
    string(buf, &format_ts(at));
    buf.extend_from_slice(b"}\n");
}

/// `{"line":N,"reason":…,"detail":…,"raw":…}`
pub fn write_dead_letter(buf: &mut Vec<u8>, line: u64, reason: &str, detail: &str, raw: &str) {
    buf.extend_from_slice(format!("{{\"line\":{line}").as_bytes());
    key(buf, "reason");
    string(buf, reason);
    key(buf, "detail");
    string(buf, detail);
    key(buf, "raw");
    string(buf, raw);
    buf.extend_from_slice(b"}\n");
}

/// `{"erased":ID,"at":…}`
pub fn write_audit(buf: &mut Vec<u8>, erased: &str, at: i64) {
    buf.extend_from_slice(b"{\"erased\":");
    string(buf, erased);
    key(buf, "at");
    string(buf, &format_ts(at));
    buf.extend_from_slice(b"}\n");
}

/// The run summary; `events + invalid + late + duplicates + ignored` equals the
/// number of non-blank input lines.
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

pub fn summary_line(s: &Summary) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_bytes() {
        let mut b = Vec::new();
        write_change(
            &mut b,
            "user_id:u1",
            "high_intent",
            true,
            1_767_261_600_000,
            false,
            None,
        );
        write_merge(&mut b, "anonymous_id:a1", "user_id:u1", 1_767_261_600_000);
        write_dead_letter(&mut b, 2, "invalid_json", "eof", "{\"a\":é");
        let text = String::from_utf8(b).unwrap();
        assert_eq!(
            text,
            "{\"profile\":\"user_id:u1\",\"segment\":\"high_intent\",\"change\":\"enter\",\"at\":\"2026-01-01T10:00:00.000Z\"}\n\
             {\"profile\":\"anonymous_id:a1\",\"merged_into\":\"user_id:u1\",\"at\":\"2026-01-01T10:00:00.000Z\"}\n\
             {\"line\":2,\"reason\":\"invalid_json\",\"detail\":\"eof\",\"raw\":\"{\\\"a\\\":é\"}\n"
        );
    }
}
