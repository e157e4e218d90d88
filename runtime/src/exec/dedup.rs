//! messageId de-duplication (§7): a message whose id equals that of an earlier
//! *accepted* message whose event time is at most 24 h away (inclusive,
//! |Δ| ≤ 86 400 000 ms) is a duplicate.
//!
//! The caller checks every decoded message and records only the accepted ones.
//! Ids are compared as the decoder gives them (JSON text, so `1` and `"1"`
//! differ) and survive `forget`. This module decides nothing else: lateness and
//! counting are the executor's.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;

/// The de-duplication window: 24 h in milliseconds (inclusive).
pub const WINDOW_MS: i64 = 86_400_000;

#[derive(Default, Debug)]
pub struct Dedup {
    /// Event times of the accepted messages with each id.
    seen: HashMap<Arc<str>, Vec<i64>>,
    /// (event time, id) of every recorded entry, oldest first, for pruning.
    expiry: BinaryHeap<Reverse<(i64, Arc<str>)>>,
}

impl Dedup {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether a message with this id at event time `ts` duplicates a recorded one.
    pub fn is_duplicate(&self, id: &str, ts: i64) -> bool {
        self.seen.get(id).is_some_and(|times| {
            times
                .iter()
                .any(|t| ts.abs_diff(*t) <= WINDOW_MS.unsigned_abs())
        })
    }

    /// Records an accepted message.
    pub fn record(&mut self, id: &str, ts: i64) {
        let key = match self.seen.get_key_value(id) {
            Some((k, _)) => Arc::clone(k),
            None => Arc::from(id),
        };
        self.seen.entry(Arc::clone(&key)).or_default().push(ts);
        self.expiry.push(Reverse((ts, key)));
    }

    /// Drops the entries no message with event time ≥ `watermark` can match
    /// (those older than `watermark − 24 h`).
    ///
    /// Caution: duplicates are checked before lateness (§7), so a retried message
    /// older than the watermark is still a duplicate by the spec. After pruning,
    /// a retry whose original is more than 24 h behind the watermark is no longer
    /// recognised (it will then be classified `late`). Prune with an older bound
    /// (or not at all) where that distinction matters more than memory.
    pub fn prune(&mut self, watermark: i64) {
        let bound = watermark.saturating_sub(WINDOW_MS);
        while let Some(Reverse((ts, _))) = self.expiry.peek() {
            if *ts >= bound {
                break;
            }
            let Some(Reverse((ts, id))) = self.expiry.pop() else {
                break;
            };
            self.forget_entry(&id, ts);
        }
    }

    fn forget_entry(&mut self, id: &str, ts: i64) {
        let Some(times) = self.seen.get_mut(id) else {
            return;
        };
        if let Some(i) = times.iter().position(|t| *t == ts) {
            times.swap_remove(i);
        }
        if times.is_empty() {
            self.seen.remove(id);
        }
    }

    /// Number of distinct ids remembered.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn within_a_day_inclusive_both_ways() {
        let mut d = Dedup::new();
        d.record("m1", 0);
        assert!(d.is_duplicate("m1", 0));
        assert!(d.is_duplicate("m1", WINDOW_MS));
        assert!(d.is_duplicate("m1", -WINDOW_MS));
        assert!(!d.is_duplicate("m1", WINDOW_MS + 1));
        assert!(!d.is_duplicate("m1", -WINDOW_MS - 1));
        assert!(!d.is_duplicate("m2", 0));
        assert!(!d.is_duplicate("\"m1\"", 0), "ids compare as given");
    }

    #[test]
    fn an_id_may_recur_after_a_day() {
        let mut d = Dedup::new();
        d.record("m", 0);
        d.record("m", 2 * WINDOW_MS);
        assert!(d.is_duplicate("m", WINDOW_MS + WINDOW_MS / 2));
        assert!(d.is_duplicate("m", 3 * WINDOW_MS));
        assert!(!d.is_duplicate("m", 3 * WINDOW_MS + 1));
        assert_eq!(d.len(), 1);
    }

    #[test]
    fn prunes_only_what_cannot_match() {
        let mut d = Dedup::new();
        d.record("a", 0);
        d.record("b", 10);
        d.record("a", 20);
        d.prune(WINDOW_MS + 10);
        // "a"@0 can no longer match a message at ≥ WINDOW_MS + 10; "b"@10 can.
        assert!(d.is_duplicate("b", WINDOW_MS + 10));
        assert!(d.is_duplicate("a", WINDOW_MS + 20));
        assert!(!d.is_duplicate("a", -WINDOW_MS), "the entry at 0 is gone");
        d.prune(2 * WINDOW_MS + 21);
        assert!(d.is_empty());
        d.prune(i64::MIN);
        d.prune(i64::MAX);
        assert!(!d.is_duplicate("a", i64::MAX));
        d.record("x", i64::MIN);
        assert!(!d.is_duplicate("x", i64::MAX));
    }
}
