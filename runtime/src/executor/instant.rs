//! Processing one instant: apply the instant's messages in input order (identity
//! resolution, merges, erasure, events, attributes, consent), fire the instant's
//! timers, evaluate every touched profile once, and emit merge records and then the
//! changes in the order §10 fixes.
//!
//! A touched profile evaluates only the segments that can see what changed (its
//! `want` mask): readers of the stores its events updated, of the attributes and
//! consent decisions it received, of the stores whose deadline has come; every
//! segment after a merge. The others cannot have changed, so they
//! keep their membership. A new profile starts from the membership of an empty
//! profile (`Executor::held_when_empty`): it evaluates the segments an empty
//! profile is in (each must enter) and those that can see what its first message
//! changed.

use std::cmp::Reverse;
use std::rc::Rc;

use seg_compiler::ir::Plan;

use crate::exec::decode::{Body, Message};
use crate::exec::holdout::held_out;
use crate::exec::identity::ProfileKey;
use crate::state::ProfileState;

use super::readers::mark;
use super::{slot_in, Cause, Change, Executor, Mask, Sink, Slot};

/// What one instant produced, before ordering, and the buffers the instant works
/// in. Kept by the executor between instants so that their capacity is reused.
#[derive(Default)]
pub(crate) struct Out {
    /// (absorbed, primary) ids, shared with the profiles.
    merges: Vec<(Rc<str>, Rc<str>)>,
    changes: Vec<Change>,
    touched: Vec<u32>,
    messages: Vec<(u64, Message)>,
    /// Membership being computed for one profile.
    now: Vec<bool>,
}

impl Executor<'_> {
    pub(crate) fn process_instant(&mut self, t: i64, sink: &mut dyn Sink) {
        let mut out = std::mem::take(&mut self.out);
        let mut messages = std::mem::take(&mut out.messages);
        self.take_messages_at(t, &mut messages);
        for (line, m) in messages.drain(..) {
            self.apply_message(t, line, &m, &mut out, sink);
            self.done_with(m);
        }
        out.messages = messages;
        self.fire_timers(t, &mut out);
        let touched = std::mem::take(&mut out.touched);
        for &key in &touched {
            self.evaluate(key, t, &mut out);
        }
        out.touched = touched;
        self.emit(t, &mut out, sink);
        out.merges.clear();
        out.changes.clear();
        out.touched.clear();
        self.out = out;
    }

    /// Emits the instant's merge records, then its changes in the order of §10.
    fn emit(&mut self, t: i64, out: &mut Out, sink: &mut dyn Sink) {
        self.clock = Some(t);
        for (absorbed, into) in &out.merges {
            sink.merge(absorbed, into, t);
        }
        let rank = |c: &Change| self.name_rank.get(c.segment).copied();
        out.changes
            .sort_by(|a, b| (&*a.profile, rank(a), a.enter).cmp(&(&*b.profile, rank(b), b.enter)));
        for c in &out.changes {
            sink.change(self.segment_name(c.segment), c);
        }
        self.stats.changes += out.changes.len() as u64;
    }

    fn segment_name(&self, i: usize) -> &str {
        self.plan.segments.get(i).map_or("", |s| s.name.as_str())
    }

    fn touch(&mut self, key: u32, t: i64, cause: Cause, out: &mut Out) {
        if let Some(slot) = self.slot_mut(key) {
            if slot.touched_at != t {
                slot.touched_at = t;
                slot.cause = cause;
                out.touched.push(key);
            } else if cause > slot.cause {
                slot.cause = cause;
            }
        }
    }

    fn fire_timers(&mut self, t: i64, out: &mut Out) {
        while let Some(Reverse((d, key, generation))) = self.timers.peek().copied() {
            if d != t {
                break;
            }
            self.timers.pop();
            if let Some(slot) = self.slot_mut(key).filter(|s| s.generation == generation) {
                slot.scheduled = None;
                slot.timer_due = true;
                self.touch(key, t, Cause::Time, out);
            }
        }
    }

    /// Exits of every segment the profile was in just before `t`.
    fn exit_all(&self, slot: &Slot, t: i64, cause: Cause, out: &mut Out) {
        for (i, was) in slot.member.iter().enumerate() {
            if *was {
                out.changes
                    .push(change(self.plan, &slot.id, i, false, t, cause));
            }
        }
    }

    fn apply_message(
        &mut self,
        t: i64,
        line: u64,
        m: &Message,
        out: &mut Out,
        sink: &mut dyn Sink,
    ) {
        if let Body::Forget = m.body {
            self.forget(t, m, out, sink);
            return;
        }
        let res = self.graph.resolve(&m.ids);
        self.stats.refused_merges += u64::from(res.refused_merges);
        self.stats.skipped_identifiers += u64::from(res.skipped_identifiers);
        let primary = res.primary.0;
        if res.created || self.slot(primary).is_none() {
            self.create(primary);
        }
        for q in &res.merged {
            self.absorb(q.0, primary, t, out);
        }
        let stamp = (t, line);
        let applied = self.apply_body(primary, m, stamp);
        let cause = if res.merged.is_empty() {
            applied
        } else {
            Cause::Merge
        };
        self.touch(primary, t, cause, out);
    }

    fn create(&mut self, key: u32) {
        let idx = key as usize;
        if self.profiles.len() <= idx {
            self.profiles.resize_with(idx + 1, || None);
        }
        let id = self.graph.shared_profile_id(ProfileKey(key));
        if let Some(slot) = self.profiles.get_mut(idx) {
            *slot = Some(Box::new(Slot {
                id,
                state: ProfileState::new(),
                member: Mask::from_elem(false, self.plan.segments.len()),
                generation: 0,
                scheduled: None,
                touched_at: i64::MIN,
                cause: Cause::Event,
                want: self.held_when_empty.clone(),
                evaluated_at: None,
                timer_due: false,
            }));
        }
    }

    fn absorb(&mut self, q: u32, primary: u32, t: i64, out: &mut Out) {
        let Some(absorbed) = self.profiles.get_mut(q as usize).and_then(Option::take) else {
            return;
        };
        self.stats.merges += 1;
        self.exit_all(&absorbed, t, Cause::Merge, out);
        let into = self
            .slot(primary)
            .map(|s| Rc::clone(&s.id))
            .unwrap_or_default();
        out.merges.push((Rc::clone(&absorbed.id), into));
        if let Some(p) = self.slot_mut(primary) {
            p.state.merge(absorbed.state);
            p.want.fill(true);
        }
    }

    /// Applies a message's payload to the profile; returns the cause it implies.
    fn apply_body(&mut self, key: u32, m: &Message, stamp: (i64, u64)) -> Cause {
        let plan = self.plan;
        let eval = self.eval;
        let readers = &self.readers;
        let Some(slot) = slot_in(&mut self.profiles, key) else {
            return Cause::Event;
        };
        for (purpose, granted) in &m.consent {
            slot.state.set_consent(*purpose, *granted, stamp);
            mark(&mut slot.want, readers.purpose(*purpose));
        }
        match &m.body {
            Body::Track { event, fields } => {
                slot.state.apply_event(plan, eval, *event, fields, stamp);
                mark(&mut slot.want, readers.event(*event));
            }
            Body::Identify { attrs } => {
                for (a, v) in attrs {
                    slot.state.set_attr(*a, v.clone(), stamp);
                    mark(&mut slot.want, readers.attr(*a));
                }
            }
            Body::Alias | Body::Forget => {}
        }
        let only_consent = !m.consent.is_empty() && !matches!(m.body, Body::Track { .. });
        if only_consent {
            Cause::Consent
        } else {
            Cause::Event
        }
    }

    fn forget(&mut self, t: i64, m: &Message, out: &mut Out, sink: &mut dyn Sink) {
        let Some(key) = self.graph.forget(&m.ids) else {
            return;
        };
        let Some(slot) = self.profiles.get_mut(key.0 as usize).and_then(Option::take) else {
            return;
        };
        self.stats.forgotten += 1;
        self.exit_all(&slot, t, Cause::Erase, out);
        sink.audit(&slot.id, t);
    }

    /// Evaluates a touched profile at `t`, records changes and keeps its timer on
    /// its next deadline.
    fn evaluate(&mut self, key: u32, t: i64, out: &mut Out) {
        let plan = self.plan;
        let eval = self.eval;
        let readers = &self.readers;
        let Some(slot) = slot_in(&mut self.profiles, key) else {
            return;
        };
        if std::mem::take(&mut slot.timer_due) {
            let after = slot.evaluated_at.unwrap_or(i64::MIN);
            let want = &mut slot.want;
            slot.state
                .stores_due(plan, after, t, |s| mark(want, readers.store(s)));
        }
        slot.state.prune(plan, t);
        if slot.want.contains(&true) {
            out.now.clear();
            out.now.extend_from_slice(&slot.member);
            eval.segments_where(&slot.state, t, &slot.want, &mut out.now);
            for (i, (was, is)) in slot.member.iter().zip(&out.now).enumerate() {
                if was != is {
                    out.changes
                        .push(change(plan, &slot.id, i, *is, t, slot.cause));
                }
            }
            slot.member.copy_from_slice(&out.now);
            slot.want.fill(false);
        }
        slot.evaluated_at = Some(t);
        let next = slot.state.next_deadline(plan, t);
        if next != slot.scheduled {
            slot.generation = slot.generation.wrapping_add(1);
            slot.scheduled = next;
            if let Some(d) = next {
                self.timers.push(Reverse((d, key, slot.generation)));
            }
        }
    }
}

/// A change of `profile` in segment `segment`, with its holdout flag.
fn change(
    plan: &Plan,
    profile: &Rc<str>,
    segment: usize,
    enter: bool,
    at: i64,
    cause: Cause,
) -> Change {
    let holdout = plan
        .segments
        .get(segment)
        .and_then(|s| s.holdout_bp.map(|bp| held_out(&s.name, profile, bp)))
        .unwrap_or(false);
    Change {
        profile: Rc::clone(profile),
        segment,
        enter,
        at,
        holdout,
        cause,
    }
}
