//! What the executor produces: membership changes, merge records, dead letters and
//! erasure audit records, handed to a `Sink` in output order.

use std::rc::Rc;

/// Why a membership changed (the optional `cause` field of §10).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Cause {
    Event,
    Time,
    Consent,
    Merge,
    Erase,
}

impl Cause {
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::Event => "event",
            Cause::Time => "time",
            Cause::Consent => "consent",
            Cause::Merge => "merge",
            Cause::Erase => "erase",
        }
    }
}

/// One membership change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// The profile's id, shared with the profile (no copy per change).
    pub profile: Rc<str>,
    pub segment: usize,
    pub enter: bool,
    pub at: i64,
    pub holdout: bool,
    pub cause: Cause,
}

/// Receives the executor's output. Calls arrive in output order.
pub trait Sink {
    fn change(&mut self, segment_name: &str, change: &Change);
    fn merge(&mut self, absorbed: &str, into: &str, at: i64);
    fn dead_letter(&mut self, line: u64, reason: &str, detail: &str, raw: &str);
    fn audit(&mut self, erased: &str, at: i64);
    /// The executor finished processing one input line.
    fn line_done(&mut self) {}
}

/// A sink that keeps everything in memory (tests, `seg test`).
#[derive(Default, Debug)]
pub struct MemorySink {
    pub changes: Vec<Change>,
    pub merges: Vec<(String, String, i64)>,
    pub dead_letters: Vec<(u64, String, String)>,
    pub audits: Vec<(String, i64)>,
}

impl Sink for MemorySink {
    fn change(&mut self, _segment_name: &str, change: &Change) {
        self.changes.push(change.clone());
    }
    fn merge(&mut self, absorbed: &str, into: &str, at: i64) {
        self.merges
            .push((absorbed.to_string(), into.to_string(), at));
    }
    fn dead_letter(&mut self, line: u64, reason: &str, detail: &str, _raw: &str) {
        self.dead_letters
            .push((line, reason.to_string(), detail.to_string()));
    }
    fn audit(&mut self, erased: &str, at: i64) {
        self.audits.push((erased.to_string(), at));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes() {
        let all = [
            Cause::Event,
            Cause::Time,
            Cause::Consent,
            Cause::Merge,
            Cause::Erase,
        ];
        let names: Vec<&str> = all.iter().map(|c| c.as_str()).collect();
        assert_eq!(names, ["event", "time", "consent", "merge", "erase"]);
    }
}
