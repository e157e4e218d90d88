//! Which segments can see a change (§10 evaluates membership after every change;
//! a segment that cannot see a change keeps the membership it had). Built once
//! from the plan: per event type, store, profile attribute and purpose, the
//! segments whose consent-gated membership reads it, through the traits and
//! segments they reference. The executor marks these in a profile's `want` mask as
//! messages and deadlines reach it and evaluates only what is marked. This module
//! decides nothing about time: which stores a deadline concerns is `state`'s.

use seg_compiler::ir::Plan;

pub(crate) struct Readers {
    by_event: Vec<Vec<usize>>,
    by_store: Vec<Vec<usize>>,
    by_attr: Vec<Vec<usize>>,
    by_purpose: Vec<Vec<usize>>,
}

impl Readers {
    pub fn new(plan: &Plan) -> Self {
        let mut r = Readers {
            by_event: vec![Vec::new(); plan.updates.len()],
            by_store: vec![Vec::new(); plan.stores.len()],
            by_attr: vec![Vec::new(); plan.schema.attrs.len()],
            by_purpose: vec![Vec::new(); plan.schema.purposes.len()],
        };
        for i in 0..plan.segments.len() {
            let reads = plan.segment_reads(i);
            let add = |lists: &mut Vec<Vec<usize>>, keys: &[usize]| {
                for k in keys {
                    if let Some(l) = lists.get_mut(*k) {
                        l.push(i);
                    }
                }
            };
            add(&mut r.by_store, &reads.stores);
            add(&mut r.by_attr, &reads.attrs);
            add(&mut r.by_purpose, &reads.purposes);
        }
        for (e, stores) in plan.updates.iter().enumerate() {
            let mut segs: Vec<usize> = stores
                .iter()
                .filter_map(|s| r.by_store.get(*s))
                .flatten()
                .copied()
                .collect();
            segs.sort_unstable();
            segs.dedup();
            if let Some(l) = r.by_event.get_mut(e) {
                *l = segs;
            }
        }
        r
    }

    /// Segments reading a store events of type `e` update.
    pub fn event(&self, e: usize) -> &[usize] {
        self.by_event.get(e).map_or(&[], Vec::as_slice)
    }

    pub fn store(&self, s: usize) -> &[usize] {
        self.by_store.get(s).map_or(&[], Vec::as_slice)
    }

    pub fn attr(&self, a: usize) -> &[usize] {
        self.by_attr.get(a).map_or(&[], Vec::as_slice)
    }

    pub fn purpose(&self, p: usize) -> &[usize] {
        self.by_purpose.get(p).map_or(&[], Vec::as_slice)
    }
}

/// Sets `want[i]` for every `i` in `segments`.
pub(crate) fn mark(want: &mut [bool], segments: &[usize]) {
    for i in segments {
        if let Some(w) = want.get_mut(*i) {
            *w = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_reaches_the_segments_reading_its_stores() {
        let src = r#"
            purpose p { basis consent category "P" }
            event a for p { x: int }
            event b for p {}
            profile { plan: string? }
            trait n = count(a, 1d)
            segment s1 for p = n >= 1
            segment s2 for p = count(b) >= 1
            segment s3 for p = (profile.plan ?? "") == "pro" and s2
        "#;
        let plan = crate::testing::plan_of(src);
        let r = Readers::new(&plan);
        assert_eq!(r.event(0), &[0]);
        assert_eq!(r.event(1), &[1, 2]);
        assert_eq!(r.attr(0), &[2]);
        assert_eq!(r.purpose(0), &[0, 1, 2]);
        assert_eq!(r.event(9), &[] as &[usize]);
    }
}
