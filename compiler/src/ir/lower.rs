//! Lowers the checked `hir::Program` to a `Plan`: event references become shared
//! stores (one per distinct event set, filter and field), aggregates become reads of
//! a store with a window, and each store learns which windows and `since` bounds
//! its readers need so the runtime keeps only what is still visible and knows when
//! membership can change by time alone.

use super::plan::{Expr, Plan, SegmentPlan, Source, Store, StoreKind, TraitPlan};
use super::schema::{AttrSchema, EventSchema, FieldSchema, PurposeSchema, Schema};
use crate::hir::{self, EventSrc, ExprKind, Lit, Program};
use crate::syntax::ast::BinOp;

/// Builds the plan of a checked program (call only when it has no errors).
pub fn lower(prog: &Program) -> Plan {
    let mut l = Lowerer {
        prog,
        stores: Vec::new(),
    };
    let traits = prog
        .traits
        .iter()
        .map(|t| TraitPlan {
            name: t.name.clone(),
            ty: t.ty,
            expr: l.expr(&t.expr),
        })
        .collect();
    let segments = prog
        .segments
        .iter()
        .map(|s| SegmentPlan {
            name: s.name.clone(),
            purpose: s.purpose,
            holdout_bp: s.holdout_bp,
            expr: l.expr(&s.expr),
        })
        .collect();
    let mut updates = vec![Vec::new(); prog.events.len()];
    for (i, store) in l.stores.iter().enumerate() {
        for src in store_sources(&store.kind) {
            if let Some(list) = updates.get_mut(src.event) {
                if !list.contains(&i) {
                    list.push(i);
                }
            }
        }
    }
    Plan {
        schema: schema(prog),
        stores: l.stores,
        updates,
        traits,
        segments,
    }
}

/// The run schema of a program: what the decoder and identity resolution need.
pub fn schema(prog: &Program) -> Schema {
    Schema {
        events: prog
            .events
            .iter()
            .map(|e| EventSchema {
                name: e.name.clone(),
                wire: e.wire.clone(),
                fields: e
                    .fields
                    .iter()
                    .map(|f| FieldSchema {
                        name: f.name.clone(),
                        ty: f.ty,
                        optional: f.optional,
                        pii: f.pii,
                    })
                    .collect(),
                retain_ms: e.retain_ms,
                purposes: e.purposes.clone(),
            })
            .collect(),
        identity: prog.identity.clone(),
        purposes: prog
            .purposes
            .iter()
            .map(|p| PurposeSchema {
                name: p.name.clone(),
                basis: p.basis,
                category: p.category.clone(),
            })
            .collect(),
        attrs: prog
            .attrs
            .iter()
            .map(|a| AttrSchema {
                name: a.name.clone(),
                ty: a.ty,
            })
            .collect(),
    }
}

fn store_sources(kind: &StoreKind) -> Vec<&Source> {
    match kind {
        StoreKind::Log { sources } => sources.iter().collect(),
        StoreKind::Seq { a, b, .. } | StoreKind::Absence { a, b, .. } => {
            a.iter().chain(b.iter()).collect()
        }
    }
}

struct Lowerer<'p> {
    prog: &'p Program,
    stores: Vec<Store>,
}

impl Lowerer<'_> {
    fn store(&mut self, kind: StoreKind) -> usize {
        if let Some(i) = self.stores.iter().position(|s| s.kind == kind) {
            return i;
        }
        self.stores.push(Store {
            kind,
            windows: Vec::new(),
            lifetime: false,
            since_bounds: Vec::new(),
            any_match: false,
        });
        self.stores.len() - 1
    }

    fn note_window(&mut self, store: usize, window: Option<i64>) {
        if let Some(s) = self.stores.get_mut(store) {
            match window {
                Some(w) if !s.windows.contains(&w) => s.windows.push(w),
                Some(_) => {}
                None => s.lifetime = true,
            }
        }
    }

    fn sources(&mut self, src: &EventSrc, field: Option<usize>) -> Vec<Source> {
        src.events
            .iter()
            .map(|s| Source {
                event: s.event,
                filter: s.filter.as_ref().map(|f| self.expr(f)),
                field,
                retain_ms: self.prog.events.get(s.event).and_then(|e| e.retain_ms),
            })
            .collect()
    }

    fn expr(&mut self, e: &hir::Expr) -> Expr {
        match &e.kind {
            ExprKind::Lit(l) => Expr::Const(l.clone()),
            ExprKind::Error => Expr::Const(Lit::None),
            ExprKind::Field(i) => Expr::Field(*i),
            ExprKind::Attr(i) => Expr::Attr(*i),
            ExprKind::Trait(i) => Expr::Trait(*i),
            ExprKind::Segment(i) => Expr::Segment(*i),
            ExprKind::Agg {
                func,
                src,
                field,
                window,
            } => {
                let sources = self.sources(src, *field);
                let store = self.store(StoreKind::Log { sources });
                self.note_window(store, *window);
                let base = self.field_base(src, *field);
                Expr::Agg {
                    func: *func,
                    store,
                    window: *window,
                    base,
                }
            }
            ExprKind::Since(src) => {
                let sources = self.sources(src, None);
                let store = self.store(StoreKind::Log { sources });
                Expr::Since { store }
            }
            ExprKind::Seq {
                a,
                b,
                within,
                negated,
            } => {
                let (a, b) = (self.sources(a, None), self.sources(b, None));
                if *negated {
                    Expr::Absent {
                        store: self.store(StoreKind::Absence {
                            a,
                            b,
                            within: *within,
                        }),
                    }
                } else {
                    let store = self.store(StoreKind::Seq {
                        a,
                        b,
                        within: *within,
                    });
                    if let Some(s) = self.stores.get_mut(store) {
                        s.any_match = true;
                    }
                    Expr::Matched { store }
                }
            }
            ExprKind::SeqCount {
                a,
                b,
                within,
                window,
            } => {
                let (a, b) = (self.sources(a, None), self.sources(b, None));
                let store = self.store(StoreKind::Seq {
                    a,
                    b,
                    within: *within,
                });
                self.note_window(store, *window);
                Expr::Matches {
                    store,
                    window: *window,
                }
            }
            ExprKind::Neg(x) => Expr::Neg(Box::new(self.expr(x))),
            ExprKind::Not(x) => Expr::Not(Box::new(self.expr(x))),
            ExprKind::Binary {
                op,
                lhs,
                rhs,
                operand,
            } => {
                let l = self.expr(lhs);
                let r = self.expr(rhs);
                if op.is_comparison() {
                    self.since_bound(&l, &r);
                    self.since_bound(&r, &l);
                }
                Expr::Binary {
                    op: *op,
                    operand: *operand,
                    lhs: Box::new(l),
                    rhs: Box::new(r),
                }
            }
            ExprKind::Convert { to, expr } => Expr::Convert {
                to: *to,
                expr: Box::new(self.expr(expr)),
            },
            ExprKind::In { expr, items } => Expr::In {
                expr: Box::new(self.expr(expr)),
                items: items.iter().map(|i| self.expr(i)).collect(),
            },
            ExprKind::Helper { func, args } => Expr::Helper {
                func: *func,
                args: args.iter().map(|a| self.expr(a)).collect(),
            },
        }
    }

    /// The type of the field an aggregate reads (int for `count`).
    fn field_base(&self, src: &EventSrc, field: Option<usize>) -> hir::Base {
        let ev = src
            .events
            .first()
            .and_then(|s| self.prog.events.get(s.event));
        match (ev, field) {
            (Some(ev), Some(fi)) => ev
                .fields
                .get(fi)
                .map_or(hir::Base::Error, |f| hir::Base::from_value_type(f.ty)),
            _ => hir::Base::Int,
        }
    }

    /// Records `c` as a bound of the `since` store in `side` when compared with `c`.
    fn since_bound(&mut self, side: &Expr, other: &Expr) {
        let store = match side {
            Expr::Since { store } => *store,
            Expr::Binary {
                op: BinOp::Coalesce,
                lhs,
                ..
            } => match lhs.as_ref() {
                Expr::Since { store } => *store,
                _ => return,
            },
            _ => return,
        };
        if let (Some(c), Some(s)) = (const_duration(other), self.stores.get_mut(store)) {
            if !s.since_bounds.contains(&c) {
                s.since_bounds.push(c);
            }
        }
    }
}

/// The value of a constant duration expression.
pub fn const_duration(e: &Expr) -> Option<i64> {
    match e {
        Expr::Const(Lit::Duration(ms)) => Some(*ms),
        Expr::Neg(x) => const_duration(x).map(|v| -v),
        Expr::Binary {
            op: BinOp::Add,
            lhs,
            rhs,
            ..
        } => const_duration(lhs)?.checked_add(const_duration(rhs)?),
        Expr::Binary {
            op: BinOp::Sub,
            lhs,
            rhs,
            ..
        } => const_duration(lhs)?.checked_sub(const_duration(rhs)?),
        _ => None,
    }
}
