//! Per-profile evaluation state laid out by the plan: a `StoreState` for each plan
//! store that holds something (listed by store index; an unlisted store is
//! empty), the profile attributes and the consent decisions, each stamped with
//! the (event time, input sequence) that set it. Updating stores on an event, pruning
//! what no reader can see any more, merging two profiles (§8) and computing the next
//! instant at which time alone can change a value all live here, shared by both
//! engines. Expression evaluation does not: see `interp` and `jit`.

use std::collections::VecDeque;

use seg_compiler::ir::plan::{Plan, Source, Store, StoreKind};

use crate::value::Value;

/// Orders two facts by event time, then input order.
pub type Stamp = (i64, u64);

/// One recorded event in a log store.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub ts: i64,
    pub seq: u64,
    /// First instant at which retention has forgotten it (`i64::MAX` = never).
    pub expire: i64,
    pub value: Value,
}

/// A timestamp with its retention deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mark {
    pub ts: i64,
    pub expire: i64,
}

/// A store's content. Sequence and absence contents are boxed, and allocated on
/// their first write (None: nothing recorded yet), so that every listed store
/// takes 32 bytes in a profile; logs, by far the most common, are inline.
#[derive(Clone, Debug, PartialEq)]
pub enum StoreState {
    Log(VecDeque<Entry>),
    Seq(Option<Box<SeqState>>),
    Absence(Option<Box<AbsenceState>>),
}

/// `A then B within D`: the A marks still able to start a match, and the matches.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SeqState {
    pub a: VecDeque<Mark>,
    pub matches: VecDeque<Mark>,
}

/// `A then not B within D`: the latest A and the latest B.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct AbsenceState {
    pub a: Option<Mark>,
    pub b: Option<Mark>,
}

impl SeqState {
    /// The matches visible at `t` to a reader whose window starts after `lo`
    /// (the rule of [`visible`]).
    pub fn visible_matches(&self, t: i64, lo: Option<i64>) -> usize {
        let seen = |m: &&Mark| recorded_in_view(m.ts, m.expire, t, lo);
        self.matches.iter().filter(seen).count()
    }
}

impl AbsenceState {
    /// Whether `A then not B within D` holds at `t`: an A still remembered, at
    /// least `within` old, and no remembered B after it.
    pub fn holds(&self, within: i64, t: i64) -> bool {
        let Some(a) = self.a.filter(|a| recorded_in_view(a.ts, a.expire, t, None)) else {
            return false;
        };
        let ended = self
            .b
            .is_some_and(|b| recorded_in_view(b.ts, b.expire, t, Some(a.ts)));
        a.ts.saturating_add(within) <= t && !ended
    }
}

/// Everything the engines know about one profile.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ProfileState {
    /// The stores holding something, as (plan store index, content), by index:
    /// a store not listed is empty. Most profiles touch a few of a plan's
    /// stores, so a profile costs what it holds, and pruning and deadlines
    /// visit only those.
    pub stores: Vec<(usize, StoreState)>,
    /// Latest value of each profile attribute (`Value::None` once set to null),
    /// by attribute index. Grown on the first write: an attribute past the end
    /// was never set (most profiles never receive one).
    pub attrs: Vec<Option<(Value, Stamp)>>,
    /// Latest consent decision per purpose, by purpose index; grown like `attrs`.
    pub consent: Vec<Option<(bool, Stamp)>>,
}

/// Does a source's filter accept an event? Implemented by each engine.
pub trait FilterEval {
    fn accepts(&self, store: usize, source: usize, fields: &[Value]) -> bool;
}

/// The entries of a log store from the first one later than `lo` (all without a
/// window), with their positions. Entries are kept in (time, input) order, so the
/// ones at or before `lo` form a prefix, skipped by binary search.
pub fn from_window(
    entries: &VecDeque<Entry>,
    lo: Option<i64>,
) -> impl Iterator<Item = (usize, &Entry)> {
    let start = lo.map_or(0, |lo| entries.partition_point(|e| e.ts <= lo));
    entries.iter().enumerate().skip(start)
}

/// Whether a log entry counts at `t` for a reader whose window starts after `lo`:
/// at or before `t`, not yet expired, and later than `lo` when there is a window.
pub fn visible(e: &Entry, t: i64, lo: Option<i64>) -> bool {
    recorded_in_view(e.ts, e.expire, t, lo)
}

/// The number of entries of a log store visible at `t` after `lo` (as [`visible`]
/// counts them): the entries with `lo < ts <= t`, found by binary search in each
/// of the deque's two runs since entries are kept in time order, each counted
/// when not yet expired. The interpreter counts with the plain scan
/// (`from_window` + `visible`), which a unit test compares with this.
pub fn count_visible(entries: &VecDeque<Entry>, t: i64, lo: Option<i64>) -> usize {
    let (front, back) = entries.as_slices();
    count_visible_in(front, t, lo) + count_visible_in(back, t, lo)
}

/// [`count_visible`] within one run of entries in time order.
fn count_visible_in(run: &[Entry], t: i64, lo: Option<i64>) -> usize {
    let start = lo.map_or(0, |lo| run.partition_point(|e| e.ts <= lo));
    let rest = run.get(start..).unwrap_or_default();
    let end = rest.partition_point(|e| e.ts <= t);
    let in_view = rest.get(..end).unwrap_or_default();
    in_view.iter().filter(|e| e.expire > t).count()
}

/// The latest entry of a log store visible at `t` (what `since` measures from).
pub fn latest_visible(entries: &VecDeque<Entry>, t: i64) -> Option<&Entry> {
    entries.iter().rev().find(|e| visible(e, t, None))
}

/// The rule of [`visible`] for anything recorded at `ts` and forgotten at `expire`.
fn recorded_in_view(ts: i64, expire: i64, t: i64, lo: Option<i64>) -> bool {
    ts <= t && expire > t && lo.is_none_or(|lo| ts > lo)
}

/// Makes `v[i]` exist (as `None` if new), allocating exactly what that needs.
fn grow_to<T: Clone>(v: &mut Vec<Option<T>>, i: usize) {
    if v.len() <= i {
        v.reserve_exact(i + 1 - v.len());
        v.resize(i + 1, None);
    }
}

/// Appends `x`, growing a full queue to exactly twice its length (one entry for
/// the first): most profiles record one or two events per store, and the
/// standard growth would reserve four entries for the first.
fn push_sparing<T>(q: &mut VecDeque<T>, x: T) {
    if q.len() == q.capacity() {
        q.reserve_exact(q.len().max(1));
    }
    q.push_back(x);
}

fn expire(ts: i64, retain: Option<i64>) -> i64 {
    retain.map_or(i64::MAX, |r| ts.saturating_add(r))
}

fn alive(expire: i64, t: i64) -> bool {
    expire > t
}

impl StoreState {
    /// The content of a store of `store`'s kind that holds nothing.
    pub fn empty(store: &Store) -> StoreState {
        match store.kind {
            StoreKind::Log { .. } => StoreState::Log(VecDeque::new()),
            StoreKind::Seq { .. } => StoreState::Seq(None),
            StoreKind::Absence { .. } => StoreState::Absence(None),
        }
    }

    /// Holds nothing any reader or deadline could see (as [`StoreState::empty`]).
    fn is_empty(&self) -> bool {
        match self {
            StoreState::Log(entries) => entries.is_empty(),
            StoreState::Seq(q) => q
                .as_ref()
                .is_none_or(|q| q.a.is_empty() && q.matches.is_empty()),
            StoreState::Absence(q) => q.as_ref().is_none_or(|q| q.a.is_none() && q.b.is_none()),
        }
    }
}

impl ProfileState {
    /// A profile with nothing recorded (stores are listed on their first write).
    pub fn new() -> ProfileState {
        ProfileState::default()
    }

    /// Where store `store` is listed (Ok), or would be (Err).
    fn position(&self, store: usize) -> Result<usize, usize> {
        self.stores.binary_search_by_key(&store, |(i, _)| *i)
    }

    /// The content of store `store` (None: it holds nothing).
    pub fn store(&self, store: usize) -> Option<&StoreState> {
        let at = self.position(store).ok()?;
        self.stores.get(at).map(|(_, st)| st)
    }

    /// Applies one track event (already known to be in time order for this profile).
    pub fn apply_event(
        &mut self,
        plan: &Plan,
        f: &dyn FilterEval,
        event: usize,
        fields: &[Value],
        stamp: Stamp,
    ) {
        let Some(stores) = plan.updates.get(event) else {
            return;
        };
        for &s in stores {
            let Some(store) = plan.stores.get(s) else {
                continue;
            };
            match self.position(s) {
                Ok(at) => {
                    if let Some((_, state)) = self.stores.get_mut(at) {
                        update_store(s, store, state, f, event, fields, stamp);
                    }
                }
                // An unlisted store is listed once it records something.
                Err(at) => {
                    let mut state = StoreState::empty(store);
                    update_store(s, store, &mut state, f, event, fields, stamp);
                    if !state.is_empty() {
                        if self.stores.len() == self.stores.capacity() {
                            self.stores.reserve_exact(self.stores.len().max(1));
                        }
                        self.stores.insert(at, (s, state));
                    }
                }
            }
        }
    }

    /// The entries of log store `store` (no entries when it holds nothing; None
    /// when it is another kind of store).
    pub fn log(&self, store: usize) -> Option<&VecDeque<Entry>> {
        static NO_ENTRIES: VecDeque<Entry> = VecDeque::new();
        match self.store(store) {
            Some(StoreState::Log(entries)) => Some(entries),
            Some(_) => None,
            None => Some(&NO_ENTRIES),
        }
    }

    /// The content of sequence store `store` (None when nothing was recorded).
    pub fn seq(&self, store: usize) -> Option<&SeqState> {
        match self.store(store) {
            Some(StoreState::Seq(q)) => q.as_deref(),
            _ => None,
        }
    }

    /// The content of absence store `store` (None when nothing was recorded).
    pub fn absence(&self, store: usize) -> Option<&AbsenceState> {
        match self.store(store) {
            Some(StoreState::Absence(q)) => q.as_deref(),
            _ => None,
        }
    }

    pub fn set_attr(&mut self, attr: usize, value: Value, stamp: Stamp) {
        grow_to(&mut self.attrs, attr);
        if let Some(slot) = self.attrs.get_mut(attr) {
            if slot.as_ref().is_none_or(|(_, s)| *s <= stamp) {
                *slot = Some((value, stamp));
            }
        }
    }

    pub fn set_consent(&mut self, purpose: usize, granted: bool, stamp: Stamp) {
        grow_to(&mut self.consent, purpose);
        if let Some(slot) = self.consent.get_mut(purpose) {
            if slot.is_none_or(|(_, s)| s <= stamp) {
                *slot = Some((granted, stamp));
            }
        }
    }

    /// Drops what no reader can see at or after `t`.
    pub fn prune(&mut self, plan: &Plan, t: i64) {
        for (s, state) in &mut self.stores {
            if let Some(store) = plan.stores.get(*s) {
                prune_store(store, state, t);
            }
        }
        self.stores.retain(|(_, state)| !state.is_empty());
    }

    /// Merges `other` into `self` (§8): events united in (time, input) order,
    /// recorded matches united, attributes and consent by latest stamp.
    pub fn merge(&mut self, other: ProfileState) {
        for (s, theirs) in other.stores {
            match self.position(s) {
                Ok(at) => {
                    if let Some((_, mine)) = self.stores.get_mut(at) {
                        merge_store(mine, theirs);
                    }
                }
                // Merging into an empty store gives the other's content.
                Err(at) => self.stores.insert(at, (s, theirs)),
            }
        }
        for (i, slot) in other.attrs.into_iter().enumerate() {
            if let Some((v, s)) = slot {
                self.set_attr(i, v, s);
            }
        }
        for (i, slot) in other.consent.into_iter().enumerate() {
            if let Some((g, s)) = slot {
                self.set_consent(i, g, s);
            }
        }
    }

    /// The earliest instant after `t` at which a value read by the plan can change
    /// without a new message (window exits, retention, `since` bounds, absence
    /// deadlines). Conservative: evaluating there may find no change.
    pub fn next_deadline(&self, plan: &Plan, t: i64) -> Option<i64> {
        let mut best: Option<i64> = None;
        let mut offer = |d: i64| {
            if d > t && d != i64::MAX && best.is_none_or(|b| d < b) {
                best = Some(d);
            }
        };
        for (s, state) in &self.stores {
            if let Some(store) = plan.stores.get(*s) {
                store_deadlines(store, state, t, &mut offer);
            }
        }
        best
    }

    /// Calls `due(s)` for every store `s` with a deadline (as `next_deadline`
    /// computes them from `after`) in `(after, until]`: the stores whose visible
    /// content time alone may have changed since `after`. Call it before pruning
    /// at `until`.
    pub fn stores_due(&self, plan: &Plan, after: i64, until: i64, mut due: impl FnMut(usize)) {
        for (s, state) in &self.stores {
            let Some(store) = plan.stores.get(*s) else {
                continue;
            };
            let mut hit = false;
            store_deadlines(store, state, after, &mut |d| {
                hit |= d > after && d <= until;
            });
            if hit {
                due(*s);
            }
        }
    }
}

fn source_accepts(f: &dyn FilterEval, s: usize, k: usize, src: &Source, fields: &[Value]) -> bool {
    src.filter.is_none() || f.accepts(s, k, fields)
}

fn update_store(
    s: usize,
    store: &Store,
    state: &mut StoreState,
    f: &dyn FilterEval,
    event: usize,
    fields: &[Value],
    stamp: Stamp,
) {
    let (ts, seq) = stamp;
    match (&store.kind, state) {
        (StoreKind::Log { sources }, StoreState::Log(entries)) => {
            let hit = sources
                .iter()
                .enumerate()
                .find(|(k, src)| src.event == event && source_accepts(f, s, *k, src, fields));
            if let Some((_, src)) = hit {
                let value = match src.field {
                    Some(fi) => match fields.get(fi) {
                        Some(Value::None) | None => return,
                        Some(v) => v.clone(),
                    },
                    None => Value::None,
                };
                push_sparing(
                    entries,
                    Entry {
                        ts,
                        seq,
                        expire: expire(ts, src.retain_ms),
                        value,
                    },
                );
            }
        }
        (StoreKind::Seq { a, b, within }, StoreState::Seq(q)) => {
            let b_hit = b.iter().enumerate().find(|(k, src)| {
                src.event == event && source_accepts(f, s, a.len() + k, src, fields)
            });
            // Without recorded A marks there is nothing for a B to complete.
            if let (Some((_, src)), Some(q)) = (b_hit, q.as_deref_mut()) {
                let lo = ts.saturating_sub(*within);
                if q.a
                    .iter()
                    .any(|m| lo <= m.ts && m.ts < ts && alive(m.expire, ts))
                {
                    let mark = Mark {
                        ts,
                        expire: expire(ts, src.retain_ms),
                    };
                    push_sparing(&mut q.matches, mark);
                }
            }
            let a_hit = a
                .iter()
                .enumerate()
                .find(|(k, src)| src.event == event && source_accepts(f, s, *k, src, fields));
            if let Some((_, src)) = a_hit {
                let mark = Mark {
                    ts,
                    expire: expire(ts, src.retain_ms),
                };
                push_sparing(&mut q.get_or_insert_with(Box::default).a, mark);
            }
        }
        (StoreKind::Absence { a, b, .. }, StoreState::Absence(q)) => {
            let a_hit = a
                .iter()
                .enumerate()
                .find(|(k, src)| src.event == event && source_accepts(f, s, *k, src, fields));
            if let Some((_, src)) = a_hit {
                q.get_or_insert_with(Box::default).a = Some(Mark {
                    ts,
                    expire: expire(ts, src.retain_ms),
                });
            }
            let b_hit = b.iter().enumerate().find(|(k, src)| {
                src.event == event && source_accepts(f, s, a.len() + k, src, fields)
            });
            if let Some((_, src)) = b_hit {
                q.get_or_insert_with(Box::default).b = Some(Mark {
                    ts,
                    expire: expire(ts, src.retain_ms),
                });
            }
        }
        _ => {}
    }
}

fn prune_store(store: &Store, state: &mut StoreState, t: i64) {
    match (&store.kind, state) {
        (StoreKind::Log { .. }, StoreState::Log(entries)) if entries.is_empty() => {}
        (StoreKind::Log { sources }, StoreState::Log(entries)) => {
            if expiry_follows_time(sources) {
                while entries.front().is_some_and(|e| !alive(e.expire, t)) {
                    entries.pop_front();
                }
            } else {
                entries.retain(|e| alive(e.expire, t));
            }
            if let Some(keep) = store.keep_ms() {
                while entries
                    .front()
                    .is_some_and(|e| e.ts <= t.saturating_sub(keep))
                {
                    entries.pop_front();
                }
            } else if !store.lifetime && store.windows.is_empty() {
                keep_latest(entries);
            }
        }
        (StoreKind::Seq { within, .. }, StoreState::Seq(Some(q))) => {
            let SeqState { a, matches } = &mut **q;
            a.retain(|m| alive(m.expire, t) && m.ts >= t.saturating_sub(*within));
            matches.retain(|m| alive(m.expire, t));
            let keep = if store.lifetime {
                None
            } else {
                store.windows.iter().copied().max()
            };
            if let Some(w) = keep {
                let last = matches.back().copied();
                matches.retain(|m| m.ts > t.saturating_sub(w));
                if store.any_match && matches.is_empty() {
                    if let Some(m) = last {
                        matches.push_back(m);
                    }
                }
            } else if store.any_match && !store.lifetime && store.windows.is_empty() {
                while matches.len() > 1 {
                    matches.pop_front();
                }
            }
        }
        (StoreKind::Absence { .. }, StoreState::Absence(Some(q))) => {
            let AbsenceState { a, b } = &mut **q;
            if a.is_some_and(|m| !alive(m.expire, t)) {
                *a = None;
            }
            if b.is_some_and(|m| !alive(m.expire, t)) {
                *b = None;
            }
        }
        _ => {}
    }
}

/// Whether a log's entries expire in their time order: every source has the
/// same retention, so an entry's expiry is its time plus one constant.
fn expiry_follows_time(sources: &[Source]) -> bool {
    sources.windows(2).all(|w| w[0].retain_ms == w[1].retain_ms)
}

/// For stores read only by `since`: the latest entry, plus older ones that outlive it.
fn keep_latest(entries: &mut VecDeque<Entry>) {
    let Some(last) = entries.back().map(|e| e.expire) else {
        return;
    };
    let n = entries.len();
    let mut i = 0;
    entries.retain(|e| {
        i += 1;
        i == n || e.expire > last
    });
}

fn merge_sorted<T: Clone>(a: &mut VecDeque<T>, b: VecDeque<T>, key: impl Fn(&T) -> (i64, u64)) {
    if b.is_empty() {
        return;
    }
    let mut out = VecDeque::with_capacity(a.len() + b.len());
    let mut left = std::mem::take(a).into_iter().peekable();
    let mut right = b.into_iter().peekable();
    loop {
        let take_left = match (left.peek(), right.peek()) {
            (Some(x), Some(y)) => key(x) <= key(y),
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        let next = if take_left { left.next() } else { right.next() };
        if let Some(v) = next {
            out.push_back(v);
        }
    }
    *a = out;
}

fn later(x: Option<Mark>, y: Option<Mark>) -> Option<Mark> {
    match (x, y) {
        (Some(a), Some(b)) => Some(if b.ts > a.ts { b } else { a }),
        (a, b) => a.or(b),
    }
}

fn merge_store(mine: &mut StoreState, theirs: StoreState) {
    match (mine, theirs) {
        (StoreState::Log(a), StoreState::Log(b)) => merge_sorted(a, b, |e| (e.ts, e.seq)),
        (StoreState::Seq(q), StoreState::Seq(Some(q2))) => match q {
            Some(q) => {
                let SeqState { a: a2, matches: m2 } = *q2;
                merge_sorted(&mut q.a, a2, |m| (m.ts, 0));
                merge_sorted(&mut q.matches, m2, |m| (m.ts, 0));
            }
            None => *q = Some(q2),
        },
        (StoreState::Absence(q), StoreState::Absence(Some(q2))) => match q {
            Some(q) => {
                q.a = later(q.a, q2.a);
                q.b = later(q.b, q2.b);
            }
            None => *q = Some(q2),
        },
        _ => {}
    }
}

fn store_deadlines(store: &Store, state: &StoreState, t: i64, offer: &mut impl FnMut(i64)) {
    match (&store.kind, state) {
        (StoreKind::Log { .. }, StoreState::Log(entries)) if entries.is_empty() => {}
        (StoreKind::Log { sources }, StoreState::Log(entries)) => {
            // Entries are in time order, so for each window the earliest exit
            // after `t` is that of the first entry still inside it; so is the
            // earliest expiry when expiry follows time.
            if expiry_follows_time(sources) {
                let first = entries.partition_point(|e| e.expire <= t);
                if let Some(e) = entries.get(first) {
                    offer(e.expire);
                }
            } else {
                entries.iter().for_each(|e| offer(e.expire));
            }
            for w in &store.windows {
                let first = entries.partition_point(|e| e.ts.saturating_add(*w) <= t);
                if let Some(e) = entries.get(first) {
                    offer(e.ts.saturating_add(*w));
                }
            }
            if let Some(latest) = entries.iter().rev().find(|e| alive(e.expire, t)) {
                for c in &store.since_bounds {
                    offer(latest.ts.saturating_add(*c));
                    offer(latest.ts.saturating_add(*c).saturating_add(1));
                }
            }
        }
        (StoreKind::Seq { .. }, StoreState::Seq(Some(q))) => {
            for m in &q.matches {
                offer(m.expire);
                for w in &store.windows {
                    offer(m.ts.saturating_add(*w));
                }
            }
        }
        (StoreKind::Absence { within, .. }, StoreState::Absence(Some(q))) => {
            let AbsenceState { a, b } = **q;
            if let Some(a) = a {
                offer(a.ts.saturating_add(*within));
                offer(a.expire);
            }
            if let Some(b) = b {
                offer(b.expire);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_starts_after_its_lower_bound() {
        let entries: VecDeque<Entry> = [1, 2, 2, 3, 5]
            .iter()
            .enumerate()
            .map(|(i, ts)| Entry {
                ts: *ts,
                seq: i as u64,
                expire: i64::MAX,
                value: Value::None,
            })
            .collect();
        let from = |lo| {
            from_window(&entries, lo)
                .map(|(i, _)| i)
                .collect::<Vec<_>>()
        };
        assert_eq!(from(None), [0, 1, 2, 3, 4]);
        assert_eq!(from(Some(2)), [3, 4]);
        assert_eq!(from(Some(0)), [0, 1, 2, 3, 4]);
        assert_eq!(from(Some(5)), [] as [usize; 0]);
        assert_eq!(from(Some(i64::MIN)), [0, 1, 2, 3, 4]);
    }

    fn log_store(retains: &[Option<i64>], windows: &[i64]) -> Store {
        let sources = retains
            .iter()
            .enumerate()
            .map(|(event, retain_ms)| Source {
                event,
                filter: None,
                field: None,
                retain_ms: *retain_ms,
            })
            .collect();
        Store {
            kind: StoreKind::Log { sources },
            windows: windows.to_vec(),
            lifetime: false,
            since_bounds: vec![],
            any_match: false,
        }
    }

    /// Every deadline of every entry, as offered one by one.
    fn every_deadline(store: &Store, entries: &VecDeque<Entry>, t: i64) -> Option<i64> {
        let all = entries.iter().flat_map(|e| {
            let windows = store.windows.iter().map(|w| e.ts.saturating_add(*w));
            std::iter::once(e.expire).chain(windows)
        });
        all.filter(|d| *d > t && *d != i64::MAX).min()
    }

    #[test]
    fn a_logs_next_deadline_is_the_earliest_of_all_its_entries_deadlines() {
        let stores = [
            log_store(&[Some(50)], &[10, 30]),
            log_store(&[Some(50), Some(50)], &[7]),
            log_store(&[Some(50), Some(20), None], &[15]),
            log_store(&[None], &[i64::MAX - 5]),
        ];
        for store in &stores {
            let StoreKind::Log { sources } = &store.kind else {
                unreachable!()
            };
            let entries: VecDeque<Entry> = (0..40)
                .map(|i| {
                    let ts = i * 3 + (i % 4);
                    let src = &sources[(i as usize * 7) % sources.len()];
                    Entry {
                        ts,
                        seq: i as u64,
                        expire: expire(ts, src.retain_ms),
                        value: Value::None,
                    }
                })
                .collect();
            for t in -5..200 {
                let mut best: Option<i64> = None;
                let state = StoreState::Log(entries.clone());
                store_deadlines(store, &state, t, &mut |d| {
                    if d > t && d != i64::MAX && best.is_none_or(|b| d < b) {
                        best = Some(d);
                    }
                });
                assert_eq!(best, every_deadline(store, &entries, t), "t = {t}");
            }
        }
    }

    /// Every profile holds one `StoreState` per store and every recorded event an
    /// `Entry`: their sizes multiply by millions, so growing them is a decision.
    #[test]
    fn stores_and_entries_stay_small() {
        assert_eq!(std::mem::size_of::<Value>(), 32);
        assert_eq!(std::mem::size_of::<Entry>(), 56);
        assert_eq!(std::mem::size_of::<StoreState>(), 32);
    }

    #[test]
    fn queues_grow_from_one_entry_by_doubling() {
        let mut q = VecDeque::new();
        let mut caps = Vec::new();
        for i in 0..9 {
            push_sparing(&mut q, i);
            caps.push(q.capacity());
        }
        assert_eq!(caps, [1, 2, 4, 4, 8, 8, 8, 8, 16]);
        assert!(q.iter().copied().eq(0..9));
    }

    #[test]
    fn attributes_and_consent_unset_until_written_and_united_by_merge() {
        let plan = crate::testing::plan_of(
            "event e = \"E\" for p, q {}\nprofile { plan: string? country: string? }\n\
             purpose p { basis consent category \"P\" }\n\
             purpose q { basis consent category \"Q\" }\n\
             segment s for q = count(e) >= 1\n",
        );
        // Attribute 1 is `country`, purposes 0 and 1 are `p` and `q`.
        assert_eq!(
            (plan.schema.attrs.len(), plan.schema.purposes.len()),
            (2, 2)
        );
        let mut a = ProfileState::new();
        assert!(a.attrs.is_empty() && a.consent.is_empty());
        a.set_consent(0, true, (5, 1));
        assert_eq!(a.consent, [Some((true, (5, 1)))]);
        let mut b = ProfileState::new();
        b.set_attr(1, Value::Str("FR".into()), (3, 2));
        b.set_consent(1, false, (4, 3));
        b.set_consent(0, false, (2, 4));
        a.merge(b);
        assert_eq!(a.attrs, [None, Some((Value::Str("FR".into()), (3, 2)))]);
        // The later decision wins for p; q comes from the absorbed profile.
        assert_eq!(a.consent, [Some((true, (5, 1))), Some((false, (4, 3)))]);
    }

    #[test]
    fn a_profile_lists_only_the_stores_holding_something() {
        let plan = crate::testing::plan_of(
            "purpose p { basis legitimate_interest }\n\
             event a = \"A\" for p { x: int }\nevent b = \"B\" for p {}\n\
             segment s1 for p = count(a[x > 1], 1h) >= 1\n\
             segment s2 for p = count(b, 1h) >= 1\n\
             segment s3 for p = count(a, 2h) >= 1\n",
        );
        let interp = crate::interp::Interpreter::new(&plan);
        let event = |name: &str| plan.schema.events.iter().position(|e| e.name == name);
        let (Some(a), Some(b)) = (event("a"), event("b")) else {
            panic!("events a and b")
        };
        let listed = |st: &ProfileState| st.stores.iter().map(|(i, _)| *i).collect::<Vec<_>>();
        let (filtered, plain_a) = (0, 2);
        let mut one = ProfileState::new();
        // The filter rejects x = 0: only the unfiltered store of `a` records it.
        one.apply_event(&plan, &interp, a, &[Value::Int(0)], (0, 1));
        assert_eq!(listed(&one), [plain_a]);
        assert_eq!(one.log(filtered).map(VecDeque::len), Some(0));
        one.apply_event(&plan, &interp, a, &[Value::Int(5)], (3_600_000, 2));
        assert_eq!(listed(&one), [filtered, plain_a]);
        // Just after 2h the filtered store's one entry has left its 1h window,
        // which unlists the store; the 2h store keeps its second entry.
        one.prune(&plan, 7_200_001);
        assert_eq!(listed(&one), [plain_a]);
        assert_eq!(one.log(plain_a).map(VecDeque::len), Some(1));
        // Merging lists the other profile's store in index order.
        let mut other = ProfileState::new();
        other.apply_event(&plan, &interp, b, &[], (7_000_000, 3));
        one.merge(other);
        assert_eq!(listed(&one), [1, plain_a]);
        assert_eq!(one.next_deadline(&plan, 7_200_001), Some(10_600_000));
        one.prune(&plan, 10_800_001);
        assert_eq!(listed(&one), [] as [usize; 0]);
        assert_eq!(one.next_deadline(&plan, 10_800_001), None);
    }

    #[test]
    fn an_absence_holds_from_within_after_a_until_a_later_b() {
        let mark = |ts| Some(Mark { ts, expire: 100 });
        let q = AbsenceState {
            a: mark(0),
            b: None,
        };
        assert!(!q.holds(10, 9));
        assert!(q.holds(10, 10));
        assert!(!q.holds(10, 100), "A forgotten at 100");
        let ended = AbsenceState { b: mark(5), ..q };
        assert!(!ended.holds(10, 10));
        let before = AbsenceState { b: mark(0), ..q };
        assert!(before.holds(10, 10), "a B not after A does not end it");
    }

    #[test]
    fn sequence_and_absence_contents_are_allocated_by_a_hit_only() {
        let plan = crate::testing::plan_of(
            "event e = \"E\" for p { x: int }\nevent g = \"G\" for p {}\n\
             purpose p { basis legitimate_interest }\n\
             segment s for p = e[x > 1] then g within 1m\n\
             segment n for p = e[x > 1] then not g within 1m\n",
        );
        let interp = crate::interp::Interpreter::new(&plan);
        let mut state = ProfileState::new();
        let e = plan.schema.events.iter().position(|ev| ev.name == "e");
        let g = plan.schema.events.iter().position(|ev| ev.name == "g");
        let (Some(e), Some(g)) = (e, g) else {
            panic!("events e and g")
        };
        state.apply_event(&plan, &interp, e, &[Value::Int(0)], (1, 1));
        state.apply_event(&plan, &interp, g, &[], (2, 2));
        let boxed = |s: &StoreState| match s {
            StoreState::Seq(q) => q.is_some(),
            StoreState::Absence(q) => q.is_some(),
            StoreState::Log(_) => false,
        };
        // A rejected A allocates nothing; a B is recorded by the absence store only.
        let seqs: Vec<bool> = state.stores.iter().map(|(_, s)| boxed(s)).collect();
        assert_eq!(seqs, [true]);
        state.apply_event(&plan, &interp, e, &[Value::Int(2)], (3, 3));
        assert!(state.stores.iter().all(|(_, s)| boxed(s)));
        assert_eq!(state.stores.len(), 2);
    }

    /// A log in event-time order (equal times included), some entries expired
    /// early, split across the deque's two runs by popping and pushing.
    fn wrapped_log() -> VecDeque<Entry> {
        let mut q = VecDeque::with_capacity(8);
        let entry = |ts: i64, expire: i64| Entry {
            ts,
            seq: ts as u64,
            expire,
            value: Value::None,
        };
        for ts in [0, 1, 2, 3] {
            q.push_back(entry(ts, i64::MAX));
        }
        q.pop_front();
        q.pop_front();
        for (ts, expire) in [(3, 6), (5, i64::MAX), (5, 8), (7, i64::MAX), (9, 10)] {
            q.push_back(entry(ts, expire));
        }
        q
    }

    #[test]
    fn count_visible_equals_the_plain_scan() {
        let q = wrapped_log();
        let (front, back) = q.as_slices();
        assert!(
            !front.is_empty() && !back.is_empty(),
            "the log wraps around"
        );
        for t in -1..12 {
            for lo in [None, Some(-1), Some(2), Some(3), Some(5), Some(8), Some(t)] {
                let want = from_window(&q, lo)
                    .filter(|(_, e)| visible(e, t, lo))
                    .count();
                assert_eq!(count_visible(&q, t, lo), want, "t = {t}, lo = {lo:?}");
            }
        }
    }
}
