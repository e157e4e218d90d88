//! messageId de-duplication (§7): a message whose id equals that of an earlier
//! accepted message at most 24 h away in event time (inclusive) is a duplicate.
//! Entries that no future accepted message can match are pruned by the watermark.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

const WINDOW_MS: i64 = 86_400_000;

#[derive(Default, Debug)]
pub struct Dedup {
    seen: HashMap<String, Vec<i64>>,
    expiry: BinaryHeap<Reverse<(i64, String)>>,
}

impl Dedup {
    pub fn is_duplicate(&self, id: &str, ts: i64) -> bool {
        self.seen
            .get(id)
            .is_some_and(|ts_list| ts_list.iter().any(|t| (ts - t).abs() <= WINDOW_MS))
    }

    /// Records an accepted message.
    pub fn record(&mut self, id: &str, ts: i64) {
        self.seen.entry(id.to_string()).or_default().push(ts);
        self.expiry.push(Reverse((ts, id.to_string())));
    }

    /// Every future accepted message has time ≥ `watermark`.
    pub fn prune(&mut self, watermark: i64) {
        while let Some(Reverse((ts, _))) = self.expiry.peek() {
            if *ts >= watermark.saturating_sub(WINDOW_MS) {
                break;
            }
            let Some(Reverse((ts, id))) = self.expiry.pop() else {
                break;
            };
            if let Some(list) = self.seen.get_mut(&id) {
                list.retain(|t| *t != ts);
                if list.is_empty() {
                    self.seen.remove(&id);
                }
            }
        }
    }

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
    fn within_a_day_inclusive() {
        let mut d = Dedup::default();
        d.record("m1", 0);
        assert!(d.is_duplicate("m1", WINDOW_MS));
        assert!(d.is_duplicate("m1", -WINDOW_MS));
        assert!(!d.is_duplicate("m1", WINDOW_MS + 1));
        assert!(!d.is_duplicate("m2", 0));
        d.prune(2 * WINDOW_MS + 1);
        assert!(d.is_empty());
    }
}
