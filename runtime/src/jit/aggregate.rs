//! Aggregates over a log store for the JIT's helpers, without heap allocation:
//! `distinct` and `most_frequent` keep their bookkeeping in the reused `Scratch`
//! buffers (entry positions instead of references), every other function is the
//! interpreter's own `interp::aggregate`. The folds visit the same entries in the
//! same order with the same value identity (`interp::same`) as the interpreter, so
//! results are identical. Reads state only; never mutates it.

use std::collections::VecDeque;

use seg_compiler::hir::{AggFunc, Base};

use crate::interp;
use crate::state::{from_window, visible, Entry};
use crate::value::Value;

use super::abi::Scratch;

/// `func` over the entries of one log store visible at `t` in window `w`.
pub fn aggregate(
    func: AggFunc,
    base: Base,
    entries: &VecDeque<Entry>,
    t: i64,
    w: Option<i64>,
    scratch: &mut Scratch,
) -> Value {
    let lo = w.map(|w| t.saturating_sub(w));
    let seen = from_window(entries, lo)
        .map(|(_, e)| e)
        .filter(|e| visible(e, t, lo));
    match func {
        AggFunc::Distinct => distinct(entries, t, lo, &mut scratch.distinct),
        AggFunc::MostFrequent => most_frequent(entries, t, lo, &mut scratch.frequent),
        _ => interp::aggregate(func, base, seen),
    }
}

/// Number of distinct values, first occurrences in order (as `interp::aggregate`).
fn distinct(entries: &VecDeque<Entry>, t: i64, lo: Option<i64>, reps: &mut Vec<usize>) -> Value {
    reps.clear();
    for (i, e) in from_window(entries, lo) {
        if !visible(e, t, lo) {
            continue;
        }
        let known = reps.iter().any(|r| {
            entries
                .get(*r)
                .is_some_and(|x| interp::same(&x.value, &e.value))
        });
        if !known {
            reps.push(i);
        }
    }
    Value::Int(i64::try_from(reps.len()).unwrap_or(i64::MAX))
}

/// The value with most occurrences; ties go to the latest latest occurrence (as
/// `interp::aggregate`).
fn most_frequent(
    entries: &VecDeque<Entry>,
    t: i64,
    lo: Option<i64>,
    counts: &mut Vec<(usize, usize, usize)>,
) -> Value {
    counts.clear();
    let mut pos = 0usize;
    for (i, e) in from_window(entries, lo) {
        if !visible(e, t, lo) {
            continue;
        }
        let slot = counts.iter_mut().find(|(r, _, _)| {
            entries
                .get(*r)
                .is_some_and(|x| interp::same(&x.value, &e.value))
        });
        match slot {
            Some(slot) => {
                slot.1 += 1;
                slot.2 = pos;
            }
            None => counts.push((i, 1, pos)),
        }
        pos += 1;
    }
    counts
        .iter()
        .max_by_key(|(_, n, last)| (*n, *last))
        .and_then(|(r, _, _)| entries.get(*r))
        .map_or(Value::None, |e| e.value.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(values: &[(i64, Value)]) -> VecDeque<Entry> {
        values
            .iter()
            .enumerate()
            .map(|(i, (ts, v))| Entry {
                ts: *ts,
                seq: i as u64,
                expire: i64::MAX,
                value: v.clone(),
            })
            .collect()
    }

    #[test]
    fn matches_the_interpreter() {
        let entries = log(&[
            (1, Value::str("a")),
            (2, Value::str("b")),
            (3, Value::str("b")),
            (4, Value::str("a")),
            (5, Value::Float(0.0)),
            (6, Value::Float(-0.0)),
            (7, Value::Float(f64::NAN)),
            (8, Value::Float(f64::NAN)),
        ]);
        let mut scratch = Scratch::default();
        for func in [AggFunc::Distinct, AggFunc::MostFrequent, AggFunc::Last] {
            for (t, w) in [(8, None), (4, None), (8, Some(3)), (0, None)] {
                let lo = w.map(|w: i64| t - w);
                let want = interp::aggregate(
                    func,
                    Base::String,
                    entries.iter().filter(|e| visible(e, t, lo)),
                );
                let got = aggregate(func, Base::String, &entries, t, w, &mut scratch);
                assert_eq!(
                    format!("{want:?}"),
                    format!("{got:?}"),
                    "{func:?} {t} {w:?}"
                );
            }
        }
    }
}
