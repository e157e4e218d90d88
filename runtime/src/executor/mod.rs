//! The streaming executor (§6–§10): accepts decoded messages in input order, decides
//! duplicates and lateness, holds accepted messages in a reorder buffer until the
//! watermark passes them, resolves identities, and processes instant after instant in
//! event-time order: every message and every deadline of one millisecond is applied
//! before membership is evaluated, and only differences from the membership just
//! before are emitted, merge records first, then changes by profile and segment.
//!
//! The evaluation of expressions is delegated to an `Evaluator` (interpreter or JIT);
//! this module never looks inside expressions.

mod instant;
mod readers;
pub mod sink;

use std::cmp::Reverse;
use std::collections::VecDeque;

use dary_heap::QuaternaryHeap;

use seg_compiler::ir::Plan;

use crate::exec::decode::{self, Decoded, Message};
use crate::exec::dedup::{Dedup, Verdict};
use crate::exec::identity::IdentityGraph;
use crate::exec::time::format_ts;
use crate::state::{FilterEval, ProfileState};
use crate::value::Value;
pub use sink::{Cause, Change, MemorySink, Sink};

/// An engine that evaluates a plan's expressions over profile state.
pub trait Evaluator: FilterEval {
    /// Consent-gated membership of every segment at `t`.
    fn segments(&self, state: &ProfileState, t: i64, out: &mut Vec<bool>);
    /// Consent-gated membership at `t` of each segment `want` marks, written to its
    /// position in `out`; other positions are left as they are. Both slices hold
    /// one entry per segment (shorter ones make the call do nothing).
    fn segments_where(&self, state: &ProfileState, t: i64, want: &[bool], out: &mut [bool]);
    /// Every trait's value at `t`.
    fn traits(&self, state: &ProfileState, t: i64) -> Vec<Value>;
}

impl Evaluator for crate::interp::Interpreter<'_> {
    fn segments(&self, state: &ProfileState, t: i64, out: &mut Vec<bool>) {
        crate::interp::Interpreter::segments(self, state, t, out)
    }
    fn segments_where(&self, state: &ProfileState, t: i64, want: &[bool], out: &mut [bool]) {
        crate::interp::Interpreter::segments_where(self, state, t, want, out)
    }
    fn traits(&self, state: &ProfileState, t: i64) -> Vec<Value> {
        crate::interp::Interpreter::traits(self, state, t)
    }
}

/// Counters of the run summary (§14).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub events: u64,
    pub changes: u64,
    pub invalid: u64,
    pub late: u64,
    pub duplicates: u64,
    pub ignored: u64,
    pub merges: u64,
    pub refused_merges: u64,
    pub skipped_identifiers: u64,
    pub forgotten: u64,
}

/// Pending deadlines as (deadline, profile key, generation), earliest first. An
/// entry is live while its generation is its profile's: rescheduling a profile
/// bumps the generation and leaves the old entry to be dropped when it surfaces.
///
/// A four-ary heap of 16-byte entries: a pop visits half the levels a binary
/// heap's does, and with hundreds of thousands of pending deadlines most levels
/// are cache misses. Generations wrap at 2^32; a stale entry that happened to
/// match again after 2^32 reschedules would only fire an extra evaluation, which
/// emits nothing that did not change (deadlines are conservative).
pub(crate) type Timers = QuaternaryHeap<Reverse<(i64, u32, u32)>>;

/// A byte per segment. Inline up to sixteen segments, so that a profile of a
/// small project costs no allocation for its masks.
pub(crate) type Mask = smallvec::SmallVec<[bool; 16]>;

/// One live profile.
pub(crate) struct Slot {
    pub id: std::rc::Rc<str>,
    pub state: ProfileState,
    /// Gated membership as last evaluated: membership just before the current instant.
    pub member: Mask,
    /// Invalidates older timer entries (wrapping: see [`Timers`]).
    pub generation: u32,
    /// The deadline of the profile's live timer entry.
    pub scheduled: Option<i64>,
    /// The instant this profile was last queued for evaluation.
    pub touched_at: i64,
    pub cause: Cause,
    /// Segments that can see what changed since the last evaluation.
    pub want: Mask,
    /// The last instant the profile was evaluated at (None: never).
    pub evaluated_at: Option<i64>,
    /// The profile's timer fired at the instant being processed.
    pub timer_due: bool,
}

pub struct Executor<'p> {
    pub(crate) plan: &'p Plan,
    pub(crate) eval: &'p dyn Evaluator,
    pub(crate) graph: IdentityGraph,
    pub(crate) readers: readers::Readers,
    /// Membership of a profile with no state at all (no stores, attributes or
    /// consent decisions), which no instant changes: what a new profile holds
    /// before its first message is applied.
    pub(crate) held_when_empty: Mask,
    /// Each segment's position in name order: changes are sorted by name (§10)
    /// without comparing the names.
    pub(crate) name_rank: Vec<u32>,
    dedup: Dedup,
    /// Accepted messages not yet applied, sorted by (event time, input line).
    /// Messages mostly arrive in time order, so most are appended at the back.
    buffer: VecDeque<(i64, u64, Message)>,
    pub(crate) timers: Timers,
    /// Live profiles by key; boxed, so that growing the table moves pointers,
    /// not profiles.
    pub(crate) profiles: Vec<Option<Box<Slot>>>,
    max_delay: i64,
    max_ts: Option<i64>,
    /// Instants after this are never processed (`seg explain --at`).
    stop_after: Option<i64>,
    /// The last instant processed.
    pub(crate) clock: Option<i64>,
    pub stats: Stats,
    /// Buffers reused from instant to instant.
    out: instant::Out,
    /// Messages applied or set aside, kept for the caller ([`Executor::keep_spent`]);
    /// None: each is dropped at once.
    spent: Option<Vec<Message>>,
}

impl<'p> Executor<'p> {
    pub fn new(plan: &'p Plan, eval: &'p dyn Evaluator, max_delay: i64) -> Self {
        Executor {
            plan,
            eval,
            graph: IdentityGraph::new(&plan.schema.identity),
            readers: readers::Readers::new(plan),
            held_when_empty: {
                let mut held = Vec::new();
                eval.segments(&ProfileState::new(), 0, &mut held);
                Mask::from_vec(held)
            },
            name_rank: name_ranks(plan),
            dedup: Dedup::default(),
            buffer: VecDeque::new(),
            timers: Timers::new(),
            profiles: Vec::new(),
            max_delay,
            max_ts: None,
            stop_after: None,
            clock: None,
            stats: Stats::default(),
            out: instant::Out::default(),
            spent: None,
        }
    }

    /// From now on, keeps every message once it has been applied or set aside
    /// (duplicate, late) instead of dropping it, until [`Executor::take_spent`].
    /// A caller that decodes on another thread hands them back there, so that
    /// their memory is freed by the thread that allocated it.
    pub fn keep_spent(&mut self) {
        self.spent.get_or_insert_with(Vec::new);
    }

    /// Moves the messages kept since the last call into `into`.
    pub fn take_spent(&mut self, into: &mut Vec<Message>) {
        if let Some(spent) = &mut self.spent {
            into.append(spent);
        }
    }

    /// The executor is done with `m`: kept for the caller, or dropped.
    pub(crate) fn done_with(&mut self, m: Message) {
        if let Some(spent) = &mut self.spent {
            spent.push(m);
        }
    }

    /// The watermark: largest accepted event time minus the allowed delay.
    pub fn watermark(&self) -> Option<i64> {
        self.max_ts.map(|m| m.saturating_sub(self.max_delay))
    }

    pub fn max_event_time(&self) -> Option<i64> {
        self.max_ts
    }

    /// Takes one input line (1-based `line` number) and emits everything that became
    /// final.
    pub fn push_line(&mut self, line: u64, raw: &str, sink: &mut dyn Sink) {
        let decoded = decode::decode(raw, &self.plan.schema);
        self.push_decoded(line, raw, decoded, sink);
    }

    /// Takes one input line already decoded against this executor's schema (as
    /// `decode::decode(raw, &plan.schema)` returns it, possibly on another thread)
    /// and emits everything that became final.
    pub fn push_decoded(&mut self, line: u64, raw: &str, decoded: Decoded, sink: &mut dyn Sink) {
        match decoded {
            Decoded::Blank => {}
            Decoded::Invalid { reason, detail } => {
                self.stats.invalid += 1;
                sink.dead_letter(line, reason.as_str(), &detail, raw);
            }
            Decoded::Ignored(_) => self.stats.ignored += 1,
            Decoded::Message(m) => self.accept(line, raw, m, sink),
        }
        sink.line_done();
    }

    fn accept(&mut self, line: u64, raw: &str, m: Message, sink: &mut dyn Sink) {
        // Duplicates are decided before lateness (§7).
        let late = self.watermark().filter(|w| m.ts < *w);
        let duplicate = m
            .message_id
            .as_deref()
            .is_some_and(|id| self.dedup.admit(id, m.ts, late.is_some()) == Verdict::Duplicate);
        if duplicate {
            self.stats.duplicates += 1;
            self.done_with(m);
            return;
        }
        if let Some(w) = late {
            self.stats.late += 1;
            let detail = format!(
                "event time {} is older than the watermark {}",
                format_ts(m.ts),
                format_ts(w)
            );
            sink.dead_letter(line, "late", &detail, raw);
            self.done_with(m);
            return;
        }
        self.stats.events += 1;
        self.max_ts = Some(self.max_ts.map_or(m.ts, |x| x.max(m.ts)));
        let at = match self.buffer.back() {
            Some((ts, l, _)) if (*ts, *l) > (m.ts, line) => self
                .buffer
                .partition_point(|(ts, l, _)| (*ts, *l) < (m.ts, line)),
            _ => self.buffer.len(),
        };
        self.buffer.insert(at, (m.ts, line, m));
        if let Some(w) = self.watermark() {
            self.run_before(w, sink);
        }
    }

    /// Ends the input: the clock advances to `until` (or the largest event time) and
    /// every change due up to and including it is emitted. Returns the final clock.
    pub fn finish(&mut self, until: Option<i64>, sink: &mut dyn Sink) -> Option<i64> {
        let end = match (self.max_ts, until) {
            (Some(m), Some(u)) => Some(m.max(u)),
            (m, u) => m.or(u),
        };
        if let Some(end) = end {
            self.run_through(end, sink);
            self.clock = Some(self.clock.map_or(end, |c| c.max(end)));
        }
        self.clock
    }

    /// Processes every instant strictly before `limit`.
    fn run_before(&mut self, limit: i64, sink: &mut dyn Sink) {
        while let Some(t) = self.next_instant().filter(|t| *t < limit) {
            self.process_instant(t, sink);
        }
    }

    /// Processes every instant up to and including `end`.
    pub fn run_through(&mut self, end: i64, sink: &mut dyn Sink) {
        while let Some(t) = self.next_instant().filter(|t| *t <= end) {
            self.process_instant(t, sink);
        }
    }

    fn next_instant(&mut self) -> Option<i64> {
        self.drop_stale_timers();
        let msg = self.buffer.front().map(|(t, _, _)| *t);
        let timer = self.timers.peek().map(|Reverse((t, _, _))| *t);
        let next = match (msg, timer) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        next.filter(|t| self.stop_after.is_none_or(|s| *t <= s))
    }

    /// Never process instants after `t` (messages after it are still counted).
    pub fn stop_after(&mut self, t: Option<i64>) {
        self.stop_after = t;
    }

    /// The state of the live profile with this id.
    pub fn profile_state(&self, id: &str) -> Option<&ProfileState> {
        self.profiles
            .iter()
            .flatten()
            .find(|s| &*s.id == id)
            .map(|s| &s.state)
    }

    fn drop_stale_timers(&mut self) {
        while let Some(Reverse((_, key, generation))) = self.timers.peek().copied() {
            let live = self.slot(key).is_some_and(|s| s.generation == generation);
            if live {
                break;
            }
            self.timers.pop();
        }
    }

    pub(crate) fn slot(&self, key: u32) -> Option<&Slot> {
        self.profiles.get(key as usize).and_then(Option::as_deref)
    }

    pub(crate) fn slot_mut(&mut self, key: u32) -> Option<&mut Slot> {
        slot_in(&mut self.profiles, key)
    }

    /// Pops the buffered messages of instant `t`, in input order.
    pub(crate) fn take_messages_at(&mut self, t: i64, out: &mut Vec<(u64, Message)>) {
        while self.buffer.front().is_some_and(|(ts, _, _)| *ts == t) {
            if let Some((_, line, m)) = self.buffer.pop_front() {
                out.push((line, m));
            }
        }
    }

    /// Live profiles, sorted by id: (id, identifiers, gated memberships, trait values)
    /// evaluated at the final clock.
    pub fn snapshot(&self) -> Vec<ProfileSnapshot> {
        let t = self.clock.unwrap_or(0);
        let mut out: Vec<ProfileSnapshot> = self
            .profiles
            .iter()
            .enumerate()
            .filter_map(|(k, s)| s.as_ref().map(|s| (k, s)))
            .map(|(k, s)| {
                let mut member = Vec::new();
                self.eval.segments(&s.state, t, &mut member);
                ProfileSnapshot {
                    id: s.id.to_string(),
                    identifiers: self
                        .graph
                        .identifiers(crate::exec::identity::ProfileKey(k as u32)),
                    segments: member,
                    traits: self.eval.traits(&s.state, t),
                }
            })
            .collect();
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out
    }

    /// Number of live profiles.
    pub fn live_profiles(&self) -> usize {
        self.profiles.iter().filter(|s| s.is_some()).count()
    }

    /// The profile owning an identifier value (as a test sends it), if any.
    pub fn profile_of(&self, id_type: &str, value: &str) -> Option<(&str, &ProfileState)> {
        let key = self.graph.owner_of(id_type, value)?;
        self.slot(key.0).map(|s| (&*s.id, &s.state))
    }

    pub fn plan(&self) -> &'p Plan {
        self.plan
    }

    pub fn evaluator(&self) -> &dyn Evaluator {
        self.eval
    }

    /// The last processed instant.
    pub fn clock(&self) -> Option<i64> {
        self.clock
    }
}

/// The live profile `key` of `profiles`, for callers that borrow other fields of
/// the executor at the same time.
pub(crate) fn slot_in(profiles: &mut [Option<Box<Slot>>], key: u32) -> Option<&mut Slot> {
    profiles
        .get_mut(key as usize)
        .and_then(Option::as_deref_mut)
}

/// One line of `--snapshot` output.
#[derive(Clone, Debug, PartialEq)]
pub struct ProfileSnapshot {
    pub id: String,
    pub identifiers: Vec<(String, Vec<String>)>,
    pub segments: Vec<bool>,
    pub traits: Vec<Value>,
}

/// Each segment's position when the segments are sorted by name.
fn name_ranks(plan: &Plan) -> Vec<u32> {
    let mut order: Vec<usize> = (0..plan.segments.len()).collect();
    order.sort_by_key(|i| plan.segments.get(*i).map(|s| s.name.as_str()));
    let mut rank = vec![0; order.len()];
    for (r, i) in order.into_iter().enumerate() {
        if let Some(x) = rank.get_mut(i) {
            *x = u32::try_from(r).unwrap_or(u32::MAX);
        }
    }
    rank
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_messages_are_every_applied_duplicate_and_late_one() {
        let plan = crate::testing::plan_of("event e = \"E\" {}\nsegment s = count(e) >= 1\n");
        let interp = crate::interp::Interpreter::new(&plan);
        let line = |id: &str, ts: &str| {
            format!(
                r#"{{"type":"track","event":"E","userId":"u","messageId":"{id}","timestamp":"{ts}"}}"#
            )
        };
        let lines = [
            line("m1", "2026-01-01T10:00:01Z"),
            line("m1", "2026-01-01T10:00:01Z"),
            line("m2", "2026-01-01T10:00:02Z"),
            line("m3", "2026-01-01T10:00:00Z"),
        ];
        let run = |keep: bool, sink: &mut MemorySink| {
            let mut exec = Executor::new(&plan, &interp, 0);
            if keep {
                exec.keep_spent();
            }
            let mut spent = Vec::new();
            for (n, l) in lines.iter().enumerate() {
                exec.push_line(n as u64 + 1, l, sink);
                exec.take_spent(&mut spent);
            }
            exec.finish(None, sink);
            exec.take_spent(&mut spent);
            (spent, exec.stats.clone())
        };
        let (spent, stats) = run(true, &mut MemorySink::default());
        // The duplicate (line 2) and the late one (line 4) as they arrive, the
        // accepted ones when their instant is processed: m1's at line 3, m2's
        // at the end.
        let ids: Vec<_> = spent.iter().map(|m| m.message_id.clone()).collect();
        let q = |s: &str| Some(format!("\"{s}\""));
        assert_eq!(ids, [q("m1"), q("m1"), q("m3"), q("m2")]);
        assert_eq!((stats.events, stats.duplicates, stats.late), (2, 1, 1));
        let (none, _) = run(false, &mut MemorySink::default());
        assert!(none.is_empty(), "without keep_spent nothing is kept");
    }

    #[test]
    fn segments_rank_by_name_not_by_declaration() {
        let plan = crate::testing::plan_of(
            "event e = \"E\" for p {}\npurpose p { basis legitimate_interest }\n\
             segment b for p = count(e) >= 1\nsegment a for p = count(e) >= 2\n\
             segment c for p = count(e) >= 3\nsegment ab for p = count(e) >= 4\n",
        );
        assert_eq!(name_ranks(&plan), [2, 0, 3, 1]);
    }
}
