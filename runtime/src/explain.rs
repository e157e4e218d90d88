//! `seg explain`: why a profile is or is not in a segment at an instant. Prints the
//! segment's expression tree with the value of every sub-expression (computed by the
//! reference interpreter), the consent decision that gates it, the events each store
//! still holds, and the next instant at which time alone can change the answer.

use std::fmt::Write;

use seg_compiler::ir::plan::{Expr, Plan, Show, StoreKind};

use crate::exec::time::format_ts;
use crate::harness::show;
use crate::interp::Interpreter;
use crate::state::{visible, AbsenceState, ProfileState, StoreState};

/// The explanation text for one profile and segment at `t`.
pub fn explain(plan: &Plan, state: &ProfileState, profile: &str, segment: usize, t: i64) -> String {
    let interp = Interpreter::new(plan);
    let mut out = String::new();
    let Some(seg) = plan.segments.get(segment) else {
        return out;
    };
    let mut member = Vec::new();
    interp.segments(state, t, &mut member);
    let is = member.get(segment).copied().unwrap_or(false);
    let _ = writeln!(out, "profile `{profile}` at {}", format_ts(t));
    let _ = writeln!(
        out,
        "segment `{}`: {}",
        seg.name,
        if is { "member" } else { "not a member" }
    );
    if let Some(p) = seg
        .purpose
        .and_then(|p| plan.schema.purposes.get(p).map(|x| (p, x)))
    {
        let decision = state.consent.get(p.0).copied().flatten();
        let text = match decision {
            Some((g, (at, _))) => format!(
                "{} at {}",
                if g { "granted" } else { "withdrawn" },
                format_ts(at)
            ),
            None => "no decision".into(),
        };
        let allowed = interp.gate(seg.purpose, state);
        let _ = writeln!(
            out,
            "purpose `{}` ({:?}): {text} -> {}",
            p.1.name,
            p.1.basis,
            if allowed { "allowed" } else { "not allowed" }
        );
    }
    let _ = writeln!(out, "expression:");
    tree(&interp, plan, state, &seg.expr, t, 1, &mut out);
    let stores = plan.reads(&seg.expr).stores;
    if !stores.is_empty() {
        let _ = writeln!(out, "stores:");
        for s in stores {
            describe_store(plan, state, s, t, &mut out);
        }
    }
    match state.next_deadline(plan, t) {
        Some(d) => {
            let _ = writeln!(
                out,
                "next instant time alone can change this: {}",
                format_ts(d)
            );
        }
        None => {
            let _ = writeln!(out, "nothing changes by time alone");
        }
    }
    out
}

fn tree(
    interp: &Interpreter<'_>,
    plan: &Plan,
    state: &ProfileState,
    e: &Expr,
    t: i64,
    depth: usize,
    out: &mut String,
) {
    let v = interp.value(e, state, t);
    let _ = writeln!(
        out,
        "{}{} = {}",
        "  ".repeat(depth),
        Show(plan, e, None),
        show(&v)
    );
    for child in e.children() {
        tree(interp, plan, state, child, t, depth + 1, out);
    }
}

fn describe_store(plan: &Plan, state: &ProfileState, s: usize, t: i64, out: &mut String) {
    let Some(store) = plan.stores.get(s) else {
        return;
    };
    let kind = match store.kind {
        StoreKind::Log { .. } => "events",
        StoreKind::Seq { .. } => "sequence matches",
        StoreKind::Absence { .. } => "latest A and B",
    };
    let empty = StoreState::empty(store);
    let times: Vec<String> = match state.store(s).unwrap_or(&empty) {
        StoreState::Log(es) => es
            .iter()
            .filter(|e| visible(e, t, None))
            .map(|e| format!("{} {}", format_ts(e.ts), show(&e.value)))
            .collect(),
        StoreState::Seq(q) => q
            .iter()
            .flat_map(|q| &q.matches)
            .map(|m| format_ts(m.ts))
            .collect(),
        StoreState::Absence(q) => {
            let AbsenceState { a, b } = q.as_deref().copied().unwrap_or_default();
            vec![
                format!("A: {}", a.map_or("none".into(), |m| format_ts(m.ts))),
                format!("B: {}", b.map_or("none".into(), |m| format_ts(m.ts))),
            ]
        }
    };
    let _ = writeln!(
        out,
        "  s{s} ({kind}): {}",
        if times.is_empty() {
            "none".into()
        } else {
            times.join("; ")
        }
    );
}
