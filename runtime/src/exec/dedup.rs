//! messageId de-duplication (§7): a message whose id equals that of an earlier
//! *accepted* message whose event time is at most 24 h away (inclusive,
//! |Δ| ≤ 86 400 000 ms) is a duplicate.
//!
//! The executor asks once per decoded message, telling whether the message is
//! late; only accepted messages (neither duplicate nor late) are recorded. Ids are
//! compared as the decoder gives them (JSON text, so `1` and `"1"` differ) and
//! survive `forget`. This module decides nothing else: lateness and counting are
//! the executor's.
//!
//! Every accepted id is kept for the whole run (a retry may arrive arbitrarily late
//! in the input yet within 24 h in event time, and is then a duplicate, not late).
//! Ids are stored back to back in one text arena; the table holds, per id, its
//! hash, its place in the arena and its first event time, so recording an id
//! allocates nothing of its own and growing the table never re-reads the ids.

use foldhash::fast::FixedState;
use foldhash::HashMap;
use hashbrown::hash_table::{Entry as TableEntry, HashTable};
use std::hash::BuildHasher;

pub const WINDOW_MS: i64 = 86_400_000;

/// One accepted id.
#[derive(Debug, Clone, Copy)]
struct Seen {
    hash: u64,
    /// Byte range of the id in the arena.
    start: usize,
    len: usize,
    /// Event time of its first acceptance.
    first: i64,
}

/// What the executor does with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Duplicate,
    Late,
    Accepted,
}

#[derive(Debug, Default)]
pub struct Dedup {
    hasher: FixedState,
    /// Every accepted id's text, back to back.
    text: String,
    table: HashTable<Seen>,
    /// Later acceptance times of ids accepted more than once, by arena start.
    again: HashMap<usize, Vec<i64>>,
}

fn near(a: i64, b: i64) -> bool {
    a.abs_diff(b) <= WINDOW_MS.unsigned_abs()
}

impl Dedup {
    pub fn new() -> Self {
        Self::default()
    }

    /// Decides a message with id `id` at event time `ts` that is `late` against
    /// the watermark (duplicate is decided first, §7), and records it when
    /// accepted.
    pub fn admit(&mut self, id: &str, ts: i64, late: bool) -> Verdict {
        let hash = self.hasher.hash_one(id);
        let text = &self.text;
        let same = |s: &Seen| s.hash == hash && text.get(s.start..s.start + s.len) == Some(id);
        match self.table.entry(hash, same, |s| s.hash) {
            TableEntry::Occupied(found) => {
                let seen = *found.get();
                let again = self.again.get(&seen.start).map_or(&[][..], Vec::as_slice);
                if near(seen.first, ts) || again.iter().any(|t| near(*t, ts)) {
                    Verdict::Duplicate
                } else if late {
                    Verdict::Late
                } else {
                    self.again.entry(seen.start).or_default().push(ts);
                    Verdict::Accepted
                }
            }
            TableEntry::Vacant(_) if late => Verdict::Late,
            TableEntry::Vacant(slot) => {
                let start = self.text.len();
                slot.insert(Seen {
                    hash,
                    start,
                    len: id.len(),
                    first: ts,
                });
                self.text.push_str(id);
                Verdict::Accepted
            }
        }
    }

    /// Number of distinct accepted ids.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Verdict::*;

    fn admit(d: &mut Dedup, id: &str, ts: i64) -> Verdict {
        d.admit(id, ts, false)
    }

    #[test]
    fn within_a_day_inclusive_both_ways() {
        for (ts, verdict) in [
            (0, Duplicate),
            (WINDOW_MS, Duplicate),
            (-WINDOW_MS, Duplicate),
            (WINDOW_MS + 1, Accepted),
            (-WINDOW_MS - 1, Accepted),
        ] {
            let mut d = Dedup::new();
            assert_eq!(admit(&mut d, "m1", 0), Accepted);
            assert_eq!(admit(&mut d, "m1", ts), verdict, "at {ts}");
        }
        let mut d = Dedup::new();
        admit(&mut d, "m1", 0);
        assert_eq!(admit(&mut d, "m2", 0), Accepted);
        assert_eq!(admit(&mut d, "\"m1\"", 0), Accepted, "ids compare as given");
    }

    #[test]
    fn an_id_may_recur_after_a_day() {
        let mut d = Dedup::new();
        assert_eq!(admit(&mut d, "m", 0), Accepted);
        assert_eq!(admit(&mut d, "m", 2 * WINDOW_MS), Accepted);
        assert_eq!(admit(&mut d, "m", WINDOW_MS + WINDOW_MS / 2), Duplicate);
        assert_eq!(admit(&mut d, "m", 3 * WINDOW_MS), Duplicate);
        assert_eq!(admit(&mut d, "m", 3 * WINDOW_MS + 1), Accepted);
        assert_eq!(d.len(), 1);
    }

    #[test]
    fn duplicate_is_decided_before_late_and_late_ids_are_not_recorded() {
        let mut d = Dedup::new();
        assert_eq!(d.admit("m", 0, false), Accepted);
        assert_eq!(d.admit("m", 5, true), Duplicate);
        assert_eq!(d.admit("n", 5, true), Late);
        assert_eq!(
            admit(&mut d, "n", 5),
            Accepted,
            "a late message is not recorded"
        );
        assert_eq!(d.admit("m", 2 * WINDOW_MS, true), Late);
        assert_eq!(admit(&mut d, "m", 2 * WINDOW_MS + 10), Accepted);
    }

    #[test]
    fn many_ids_survive_the_table_growing() {
        let mut d = Dedup::new();
        for i in 0..10_000 {
            assert_eq!(admit(&mut d, &format!("id-{i}"), i), Accepted);
        }
        for i in 0..10_000 {
            assert_eq!(admit(&mut d, &format!("id-{i}"), i + 1), Duplicate);
        }
        assert_eq!(d.len(), 10_000);
    }

    #[test]
    fn extreme_times_do_not_overflow() {
        let mut d = Dedup::new();
        assert_eq!(admit(&mut d, "x", i64::MIN), Accepted);
        assert_eq!(admit(&mut d, "x", i64::MIN), Duplicate);
        assert_eq!(admit(&mut d, "x", i64::MAX), Accepted);
    }
}
