//! The plan: per-profile state slots ("stores"), which event types update which
//! stores, and the trait and segment expressions over those stores. Plain data with
//! a stable `Display` (golden text for `seg compile --emit ir`); both the interpreter
//! and the JIT execute it.
//!
//! Store kinds:
//! - `Log`: the (ts, seq, value) of every event that feeds the store (passes its
//!   filter and carries its field), kept while some reader can still see it;
//! - `Seq`: the A events of `A then B within D` that can still start a match, and the
//!   recorded matches (one per B event);
//! - `Absence`: the latest A and the latest B of `A then not B within D`.

use std::fmt;

use super::schema::Schema;
use crate::hir::{AggFunc, Base, Helper, Lit, Type};
use crate::syntax::ast::BinOp;

/// One event type feeding a store.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Source {
    pub event: usize,
    /// Predicate over the event's fields (`Expr::Field`).
    pub filter: Option<Expr>,
    /// For field aggregates: the field whose value is recorded; events without it
    /// are skipped.
    pub field: Option<usize>,
    /// The event type's `retain`, in ms.
    pub retain_ms: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum StoreKind {
    Log {
        sources: Vec<Source>,
    },
    Seq {
        a: Vec<Source>,
        b: Vec<Source>,
        within: i64,
    },
    Absence {
        a: Vec<Source>,
        b: Vec<Source>,
        within: i64,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Store {
    pub kind: StoreKind,
    /// Windows its readers use (Log: aggregate windows; Seq: count windows).
    pub windows: Vec<i64>,
    /// A reader has no window (lifetime), so entries stay until retention drops them.
    pub lifetime: bool,
    /// Constants `since(E)` on this store is compared with (deadlines at a + c, a + c + 1).
    pub since_bounds: Vec<i64>,
    /// Seq: some reader asks only whether a match exists.
    pub any_match: bool,
}

impl Store {
    /// How long an entry can matter after its time, or None for as long as it is
    /// retained.
    pub fn keep_ms(&self) -> Option<i64> {
        if self.lifetime || !self.since_bounds.is_empty() {
            return None;
        }
        self.windows.iter().copied().max()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Expr {
    Const(Lit),
    /// A field of the event being filtered.
    Field(usize),
    Attr(usize),
    Trait(usize),
    /// A segment's consent-gated membership.
    Segment(usize),
    /// `base` is the type of the field read (int for `count`).
    Agg {
        func: AggFunc,
        store: usize,
        window: Option<i64>,
        base: Base,
    },
    Since {
        store: usize,
    },
    /// `A then B within D` as a boolean.
    Matched {
        store: usize,
    },
    /// `count(A then B within D, W)`
    Matches {
        store: usize,
        window: Option<i64>,
    },
    Absent {
        store: usize,
    },
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Binary {
        op: BinOp,
        operand: Base,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Convert {
        to: Base,
        expr: Box<Expr>,
    },
    In {
        expr: Box<Expr>,
        items: Vec<Expr>,
    },
    Helper {
        func: Helper,
        args: Vec<Expr>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TraitPlan {
    pub name: String,
    pub ty: Type,
    pub expr: Expr,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SegmentPlan {
    pub name: String,
    pub purpose: Option<usize>,
    pub holdout_bp: Option<u32>,
    pub expr: Expr,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Plan {
    pub schema: Schema,
    pub stores: Vec<Store>,
    /// Per event type: the stores its events update, in store order.
    pub updates: Vec<Vec<usize>>,
    pub traits: Vec<TraitPlan>,
    pub segments: Vec<SegmentPlan>,
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.stores.iter().enumerate() {
            write!(f, "store s{i} = ")?;
            match &s.kind {
                StoreKind::Log { sources } => write!(f, "log {}", Sources(self, sources))?,
                StoreKind::Seq { a, b, within } => write!(
                    f,
                    "seq {} then {} within {within}ms",
                    Sources(self, a),
                    Sources(self, b)
                )?,
                StoreKind::Absence { a, b, within } => write!(
                    f,
                    "absence {} then not {} within {within}ms",
                    Sources(self, a),
                    Sources(self, b)
                )?,
            }
            match s.keep_ms() {
                Some(k) => write!(f, " keep {k}ms")?,
                None => f.write_str(" keep retained")?,
            }
            if !s.since_bounds.is_empty() {
                write!(f, " since_bounds {:?}", s.since_bounds)?;
            }
            writeln!(f)?;
        }
        for (e, stores) in self.updates.iter().enumerate() {
            if let Some(ev) = self.schema.events.get(e) {
                let list: Vec<String> = stores.iter().map(|s| format!("s{s}")).collect();
                writeln!(f, "on {} -> [{}]", ev.name, list.join(", "))?;
            }
        }
        for (i, t) in self.traits.iter().enumerate() {
            writeln!(
                f,
                "trait t{i} {}: {} = {}",
                t.name,
                t.ty,
                Show(self, &t.expr, None)
            )?;
        }
        for (i, s) in self.segments.iter().enumerate() {
            write!(f, "segment g{i} {}", s.name)?;
            if let Some(p) = s.purpose.and_then(|p| self.schema.purposes.get(p)) {
                write!(f, " for {}", p.name)?;
            }
            if let Some(bp) = s.holdout_bp {
                write!(f, " holdout {bp}bp")?;
            }
            writeln!(f, " = {}", Show(self, &s.expr, None))?;
        }
        Ok(())
    }
}

struct Sources<'a>(&'a Plan, &'a [Source]);

impl fmt::Display for Sources<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, s) in self.1.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            let ev = self.0.schema.events.get(s.event);
            f.write_str(ev.map_or("?", |e| e.name.as_str()))?;
            if let Some(p) = &s.filter {
                write!(f, "[{}]", Show(self.0, p, Some(s.event)))?;
            }
            if let Some(fi) = s.field {
                let name = ev
                    .and_then(|e| e.fields.get(fi))
                    .map_or("?", |x| x.name.as_str());
                write!(f, ".{name}")?;
            }
        }
        f.write_str("}")
    }
}

/// Prints an expression; `event` names fields inside a filter.
pub struct Show<'a>(pub &'a Plan, pub &'a Expr, pub Option<usize>);

impl fmt::Display for Show<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Show(plan, e, ev) = *self;
        let sub = |x| Show(plan, x, ev);
        match e {
            Expr::Const(l) => write!(f, "{l}"),
            Expr::Field(i) => {
                let name = ev
                    .and_then(|e| plan.schema.events.get(e))
                    .and_then(|e| e.fields.get(*i))
                    .map_or("?", |x| x.name.as_str());
                write!(f, "{name}")
            }
            Expr::Attr(i) => write!(
                f,
                "profile.{}",
                plan.schema.attrs.get(*i).map_or("?", |a| a.name.as_str())
            ),
            Expr::Trait(i) => write!(f, "t{i}"),
            Expr::Segment(i) => write!(f, "g{i}"),
            Expr::Agg {
                func,
                store,
                window,
                base,
            } => {
                write!(f, "{}:{}(s{store}", func.name(), base.name())?;
                if let Some(w) = window {
                    write!(f, ", {w}ms")?;
                }
                f.write_str(")")
            }
            Expr::Since { store } => write!(f, "since(s{store})"),
            Expr::Matched { store } => write!(f, "matched(s{store})"),
            Expr::Matches { store, window } => match window {
                Some(w) => write!(f, "matches(s{store}, {w}ms)"),
                None => write!(f, "matches(s{store})"),
            },
            Expr::Absent { store } => write!(f, "absent(s{store})"),
            Expr::Neg(x) => write!(f, "-({})", sub(x)),
            Expr::Not(x) => write!(f, "not ({})", sub(x)),
            Expr::Binary {
                op,
                operand,
                lhs,
                rhs,
            } => {
                write!(
                    f,
                    "({} {}:{} {})",
                    sub(lhs),
                    op.symbol(),
                    operand.name(),
                    sub(rhs)
                )
            }
            Expr::Convert { to, expr } => write!(f, "{}({})", to.name(), sub(expr)),
            Expr::In { expr, items } => {
                write!(f, "({} in [", sub(expr))?;
                for (i, it) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{}", sub(it))?;
                }
                f.write_str("])")
            }
            Expr::Helper { func, args } => {
                let name = match func {
                    Helper::StartsWith => "starts_with",
                    Helper::Contains => "contains",
                    Helper::Lower => "lower",
                };
                write!(f, "{name}(")?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{}", sub(a))?;
                }
                f.write_str(")")
            }
        }
    }
}
