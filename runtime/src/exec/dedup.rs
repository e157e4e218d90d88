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
//! Ids are stored back to back in one text arena; the table holds, per id, 24
//! bytes: its first event time, its place in the arena and half of its hash, so
//! recording an id allocates nothing of its own and growing the table never
//! re-reads the ids. (With every id kept, this table is most of a long run's
//! memory.)

use foldhash::fast::FixedState;
use foldhash::HashMap;
use hashbrown::hash_table::{Entry as TableEntry, HashTable};
use std::hash::BuildHasher;

pub const WINDOW_MS: i64 = 86_400_000;

/// One accepted id.
#[derive(Debug, Clone, Copy)]
struct Seen {
    /// Event time of its first acceptance.
    first: i64,
    /// Byte offset of the id in the arena.
    start: u64,
    /// Its length in bytes; [`LONG`] when that does not fit, the length then
    /// being in `Dedup::long`.
    len: u32,
    /// The low half of the id's hash; the table's hash is [`spread`] from it.
    hash: u32,
}

const LONG: u32 = u32::MAX;

/// The table's 64-bit hash of an id whose low hash half is `h`: hashbrown takes
/// a bucket from the low bits and a tag from the top seven, so the half is
/// spread over all of them (an odd multiplier keeps the low bits distinct).
fn spread(h: u32) -> u64 {
    u64::from(h).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// The text of a recorded id.
fn stored<'t>(text: &'t str, long: &HashMap<u64, usize>, s: &Seen) -> Option<&'t str> {
    let start = usize::try_from(s.start).ok()?;
    let len = match s.len {
        LONG => *long.get(&s.start)?,
        l => usize::try_from(l).ok()?,
    };
    text.get(start..start.checked_add(len)?)
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
    again: HashMap<u64, Vec<i64>>,
    /// Lengths of ids of 4 GiB and more, by arena start.
    long: HashMap<u64, usize>,
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
        // The low half of the hash, by design.
        let hash = self.hasher.hash_one(id) as u32;
        let (text, long) = (&self.text, &self.long);
        let same = |s: &Seen| s.hash == hash && stored(text, long, s) == Some(id);
        match self.table.entry(spread(hash), same, |s| spread(s.hash)) {
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
                let start = self.text.len() as u64;
                let len = u32::try_from(id.len()).ok().filter(|l| *l != LONG);
                slot.insert(Seen {
                    first: ts,
                    start,
                    len: len.unwrap_or(LONG),
                    hash,
                });
                if len.is_none() {
                    self.long.insert(start, id.len());
                }
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
    fn an_entry_takes_24_bytes_and_a_long_id_keeps_its_length_aside() {
        assert_eq!(std::mem::size_of::<Seen>(), 24);
        let text = "abcdef";
        let mut long = HashMap::default();
        long.insert(1, 4);
        let at = |start, len| Seen {
            first: 0,
            start,
            len,
            hash: 0,
        };
        assert_eq!(stored(text, &long, &at(1, LONG)), Some("bcde"));
        assert_eq!(stored(text, &long, &at(2, 3)), Some("cde"));
        assert_eq!(stored(text, &long, &at(2, LONG)), None, "no length kept");
        assert_eq!(stored(text, &long, &at(5, 3)), None, "past the arena");
    }

    #[test]
    fn extreme_times_do_not_overflow() {
        let mut d = Dedup::new();
        assert_eq!(admit(&mut d, "x", i64::MIN), Accepted);
        assert_eq!(admit(&mut d, "x", i64::MIN), Duplicate);
        assert_eq!(admit(&mut d, "x", i64::MAX), Accepted);
    }
}
