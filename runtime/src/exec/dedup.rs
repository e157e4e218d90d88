//! messageId de-duplication (§7): a message whose id equals that of an earlier
//! *accepted* message whose event time is at most 24 h away (inclusive,
//! |Δ| ≤ 86 400 000 ms) is a duplicate.
//!
//! The caller checks every decoded message and records only the accepted ones.
//! Ids are compared as the decoder gives them (JSON text, so `1` and `"1"`
//! differ) and survive `forget`. This module decides nothing else: lateness and
//! counting are the executor's.
//!
//! Every accepted id is kept for the whole run (a retry may arrive arbitrarily late
//! in the input yet within 24 h in event time), in one hash-map entry per id with
//! its first event time inline: an id seen once costs no allocation besides its
//! text.

use foldhash::{HashMap, HashMapExt};

pub const WINDOW_MS: i64 = 86_400_000;

/// The event times at which one id was accepted.
#[derive(Debug)]
struct Times {
    first: i64,
    more: Vec<i64>,
}

impl Times {
    fn any_within(&self, ts: i64) -> bool {
        let near = |t: &i64| ts.abs_diff(*t) <= WINDOW_MS.unsigned_abs();
        near(&self.first) || self.more.iter().any(near)
    }
}

#[derive(Debug)]
pub struct Dedup {
    seen: HashMap<Box<str>, Times>,
}

impl Default for Dedup {
    fn default() -> Self {
        Dedup {
            seen: HashMap::new(),
        }
    }
}

impl Dedup {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn is_duplicate(&self, id: &str, ts: i64) -> bool {
        self.seen.get(id).is_some_and(|times| times.any_within(ts))
    }

    pub fn record(&mut self, id: &str, ts: i64) {
        match self.seen.get_mut(id) {
            Some(times) => times.more.push(ts),
            None => {
                let times = Times {
                    first: ts,
                    more: Vec::new(),
                };
                self.seen.insert(Box::from(id), times);
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
    fn extreme_times_do_not_overflow() {
        let mut d = Dedup::new();
        d.record("x", i64::MIN);
        assert!(!d.is_duplicate("x", i64::MAX));
        assert!(d.is_duplicate("x", i64::MIN));
    }
}
