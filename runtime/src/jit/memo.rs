//! What a generated function computes at most once per call and keeps in
//! variables: the traits and segments of the segments function, and the store
//! reads (aggregates, `since`, sequence matches, absences) that several places of a
//! plan make alike. A store read depends only on the profile state and the instant
//! of the call, neither of which changes during the call, so its first result
//! serves every later site; the interpreter, the reference, recomputes it.
//!
//! This module only names the kept values and finds which to keep; the code that
//! keeps them (a flag byte and a stack slot each) is `codegen`'s.

use std::collections::HashMap;

use seg_compiler::hir::{AggFunc, Base};
use seg_compiler::ir::plan::{Expr, Plan};

use super::typing::Node;

/// A value computed once per call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Memo {
    Node(Node),
    Read(Read),
}

/// A read of store state through a host helper, identified by everything the
/// helper's result depends on besides the state and the instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Read {
    Agg {
        func: AggFunc,
        store: usize,
        window: Option<i64>,
        base: Base,
    },
    Since(usize),
    /// The sequence matches counted by `count(A then B within D, W)`, and by
    /// `A then B within D` as a boolean (all matches, no window).
    Matches {
        store: usize,
        window: Option<i64>,
    },
    Absent(usize),
}

impl Read {
    /// The store read `e` makes, if it is one.
    pub fn of(e: &Expr) -> Option<Read> {
        Some(match e {
            Expr::Agg {
                func,
                store,
                window,
                base,
            } => Read::Agg {
                func: *func,
                store: *store,
                window: *window,
                base: *base,
            },
            Expr::Since { store } => Read::Since(*store),
            Expr::Matched { store } => Read::Matches {
                store: *store,
                window: None,
            },
            Expr::Matches { store, window } => Read::Matches {
                store: *store,
                window: *window,
            },
            Expr::Absent { store } => Read::Absent(*store),
            _ => return None,
        })
    }
}

/// The store reads that appear more than once among the plan's traits and
/// segments (each trait and segment counted once, as the generated functions
/// compute each at most once). A read made at one place only is not worth the
/// variables that keep it.
pub fn shared_reads(plan: &Plan) -> Vec<Read> {
    let mut seen: HashMap<Read, usize> = HashMap::new();
    // In order of second appearance, so that the generated code (and its CLIF
    // text) is the same from run to run.
    let mut shared = Vec::new();
    let exprs = plan.traits.iter().map(|t| &t.expr);
    for e in exprs.chain(plan.segments.iter().map(|s| &s.expr)) {
        e.visit(&mut |x| {
            if let Some(r) = Read::of(x) {
                let n = seen.entry(r).or_default();
                *n += 1;
                if *n == 2 {
                    shared.push(r);
                }
            }
        });
    }
    shared
}

/// The traits and segments that some trait or segment of the plan references.
pub fn referenced_nodes(plan: &Plan) -> Vec<Node> {
    let mut out = Vec::new();
    let exprs = plan.traits.iter().map(|t| &t.expr);
    for e in exprs.chain(plan.segments.iter().map(|s| &s.expr)) {
        e.visit(&mut |x| {
            let n = match x {
                Expr::Trait(i) => Node::Trait(*i),
                Expr::Segment(i) => Node::Segment(*i),
                _ => return,
            };
            if !out.contains(&n) {
                out.push(n);
            }
        });
    }
    out
}

/// What a generated function keeps: the shared store reads and, when it computes
/// traits and segments where first needed (`nodes`, the segments function), the
/// ones referenced (a segment nothing references is computed at its one place).
pub fn kept(plan: &Plan, nodes: bool) -> Vec<Memo> {
    let mut kept: Vec<Memo> = shared_reads(plan).into_iter().map(Memo::Read).collect();
    if nodes {
        kept.extend(referenced_nodes(plan).into_iter().map(Memo::Node));
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_made_at_two_places_are_shared_and_the_rest_are_not() {
        let plan = crate::testing::plan_of(
            "purpose p { basis legitimate_interest }\n\
             event a = \"A\" for p { x: int }\n\
             event b = \"B\" for p {}\n\
             trait n = count(a, 1h)\n\
             segment s1 for p = count(a, 1h) >= 2 and count(a, 2h) >= 3\n\
             segment s2 for p = n >= 1 or since(b) < 1d\n\
             segment s3 for p = since(b) > 2d and (a then b within 1h)\n\
             segment s4 for p = count(a then b within 1h) >= 1\n",
        );
        let shared = shared_reads(&plan);
        let count_1h = shared.iter().filter(|r| {
            matches!(r, Read::Agg { func: AggFunc::Count, window: Some(w), .. } if *w == 3_600_000)
        });
        assert_eq!(count_1h.count(), 1);
        assert!(shared.iter().any(|r| matches!(r, Read::Since(_))));
        assert!(shared
            .iter()
            .any(|r| matches!(r, Read::Matches { window: None, .. })));
        assert_eq!(shared.len(), 3, "{shared:?}");
    }
}
