//! What a plan expression reads from profile state: the stores, the profile
//! attributes and the consent decisions (the gates of the segments it includes),
//! followed through the traits and segments it references. The executor uses it to
//! evaluate, after a change, only the segments that can see it; `seg explain` to
//! list the stores behind a segment. Plain analysis over the plan: nothing here
//! evaluates.

use super::plan::{Expr, Plan};

/// The state one expression can see, each list ascending and without repeats.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reads {
    pub stores: Vec<usize>,
    pub attrs: Vec<usize>,
    pub purposes: Vec<usize>,
}

impl Expr {
    /// The direct subexpressions, in source order (references to traits and
    /// segments are leaves here).
    pub fn children(&self) -> Vec<&Expr> {
        match self {
            Expr::Neg(x) | Expr::Not(x) | Expr::Convert { expr: x, .. } => vec![x],
            Expr::Binary { lhs, rhs, .. } => vec![lhs, rhs],
            Expr::In { expr, items } => std::iter::once(expr.as_ref()).chain(items).collect(),
            Expr::Helper { args, .. } => args.iter().collect(),
            _ => Vec::new(),
        }
    }

    /// Calls `f` on this expression and on every subexpression, parents first.
    pub fn visit<'e>(&'e self, f: &mut impl FnMut(&'e Expr)) {
        f(self);
        for c in self.children() {
            c.visit(f);
        }
    }

    /// The store this expression reads directly, if it is a store read.
    pub fn store(&self) -> Option<usize> {
        match self {
            Expr::Agg { store, .. }
            | Expr::Since { store }
            | Expr::Matched { store }
            | Expr::Matches { store, .. }
            | Expr::Absent { store } => Some(*store),
            _ => None,
        }
    }
}

impl Plan {
    /// What segment `i`'s consent-gated membership reads.
    pub fn segment_reads(&self, i: usize) -> Reads {
        let mut w = Walk::new(self);
        w.segment(i);
        w.finish()
    }

    /// What `e` reads (a segment it references counts with its gate).
    pub fn reads(&self, e: &Expr) -> Reads {
        let mut w = Walk::new(self);
        w.expr(e);
        w.finish()
    }
}

struct Walk<'p> {
    plan: &'p Plan,
    seen_traits: Vec<bool>,
    seen_segments: Vec<bool>,
    reads: Reads,
}

impl<'p> Walk<'p> {
    fn new(plan: &'p Plan) -> Self {
        Walk {
            plan,
            seen_traits: vec![false; plan.traits.len()],
            seen_segments: vec![false; plan.segments.len()],
            reads: Reads::default(),
        }
    }

    fn segment(&mut self, i: usize) {
        let plan = self.plan;
        if let Some(s) = plan
            .segments
            .get(i)
            .filter(|_| first(&mut self.seen_segments, i))
        {
            self.reads.purposes.extend(s.purpose);
            self.expr(&s.expr);
        }
    }

    fn trait_(&mut self, i: usize) {
        let plan = self.plan;
        if let Some(t) = plan
            .traits
            .get(i)
            .filter(|_| first(&mut self.seen_traits, i))
        {
            self.expr(&t.expr);
        }
    }

    fn expr(&mut self, e: &Expr) {
        e.visit(&mut |x| match x {
            Expr::Attr(a) => self.reads.attrs.push(*a),
            Expr::Trait(t) => self.trait_(*t),
            Expr::Segment(s) => self.segment(*s),
            _ => self.reads.stores.extend(x.store()),
        });
    }

    fn finish(mut self) -> Reads {
        for v in [
            &mut self.reads.stores,
            &mut self.reads.attrs,
            &mut self.reads.purposes,
        ] {
            v.sort_unstable();
            v.dedup();
        }
        self.reads
    }
}

/// Marks `i` seen; true the first time.
fn first(seen: &mut [bool], i: usize) -> bool {
    seen.get_mut(i).is_some_and(|s| !std::mem::replace(s, true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hir::{AggFunc, Base};

    fn count(store: usize) -> Expr {
        Expr::Agg {
            func: AggFunc::Count,
            store,
            window: None,
            base: Base::Int,
        }
    }

    #[test]
    fn follows_traits_and_segments_with_their_gates() {
        let mut plan = Plan::default();
        plan.traits.push(crate::ir::plan::TraitPlan {
            name: "t".into(),
            ty: crate::hir::Type::INT,
            expr: Expr::Binary {
                op: crate::syntax::ast::BinOp::Add,
                operand: Base::Int,
                lhs: Box::new(count(2)),
                rhs: Box::new(Expr::Attr(1)),
            },
        });
        plan.segments.push(crate::ir::plan::SegmentPlan {
            name: "a".into(),
            purpose: Some(3),
            holdout_bp: None,
            expr: Expr::Not(Box::new(Expr::Since { store: 0 })),
        });
        plan.segments.push(crate::ir::plan::SegmentPlan {
            name: "b".into(),
            purpose: None,
            holdout_bp: None,
            expr: Expr::In {
                expr: Box::new(Expr::Trait(0)),
                items: vec![Expr::Segment(0), Expr::Trait(0), count(2)],
            },
        });
        assert_eq!(
            plan.segment_reads(1),
            Reads {
                stores: vec![0, 2],
                attrs: vec![1],
                purposes: vec![3],
            }
        );
        assert_eq!(
            plan.segment_reads(0),
            Reads {
                stores: vec![0],
                attrs: vec![],
                purposes: vec![3],
            }
        );
        assert_eq!(plan.segment_reads(7), Reads::default());
    }
}
