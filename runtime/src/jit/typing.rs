//! Static types of plan expressions as the interpreter would see them at run time,
//! and the checks that decide whether the JIT accepts a plan.
//!
//! `Ty` mirrors the dynamic value the interpreter produces for an expression: the
//! rules follow `ops` case by case (e.g. `int / int` is always none there, so it is
//! `Ty::Null` here). The JIT must never guess: what it cannot type exactly, or a plan
//! past the documented limits, is rejected with an error so the caller falls back to
//! the interpreter. This module generates no code.

use seg_compiler::hir::{AggFunc, Base, Helper};
use seg_compiler::ir::plan::{Expr, Plan, Source, StoreKind};
use seg_compiler::ir::schema::ValueType;
use seg_compiler::syntax::ast::BinOp;

/// Deepest expression nesting the JIT compiles (the code generator recurses).
pub const MAX_DEPTH: usize = 200;
/// Most expression nodes in one generated function.
pub const MAX_NODES: usize = 100_000;
/// Most distinct event fields one filter may read.
pub const MAX_FILTER_FIELDS: usize = 16;
/// Most distinct purposes the segments of one plan may be gated by.
pub const MAX_PURPOSES: usize = 64;

/// The type of a value in generated code; `Null` is a value that is always none.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ty {
    Null,
    Bool,
    Int,
    Float,
    Decimal,
    Str,
    Duration,
    Timestamp,
}

impl Ty {
    pub fn code(self) -> i64 {
        match self {
            Ty::Null => 0,
            Ty::Bool => 1,
            Ty::Int => 2,
            Ty::Float => 3,
            Ty::Decimal => 4,
            Ty::Str => 5,
            Ty::Duration => 6,
            Ty::Timestamp => 7,
        }
    }

    pub fn from_code(c: i64) -> Ty {
        match c {
            1 => Ty::Bool,
            2 => Ty::Int,
            3 => Ty::Float,
            4 => Ty::Decimal,
            5 => Ty::Str,
            6 => Ty::Duration,
            7 => Ty::Timestamp,
            _ => Ty::Null,
        }
    }

    pub fn of_value_type(t: ValueType) -> Ty {
        match t {
            ValueType::Int => Ty::Int,
            ValueType::Float => Ty::Float,
            ValueType::Decimal => Ty::Decimal,
            ValueType::Bool => Ty::Bool,
            ValueType::String => Ty::Str,
            ValueType::Duration => Ty::Duration,
            ValueType::Timestamp => Ty::Timestamp,
        }
    }

    pub fn of_base(b: Base) -> Option<Ty> {
        Some(match b {
            Base::Int => Ty::Int,
            Base::Float => Ty::Float,
            Base::Decimal => Ty::Decimal,
            Base::Bool => Ty::Bool,
            Base::String => Ty::Str,
            Base::Duration => Ty::Duration,
            Base::Timestamp => Ty::Timestamp,
            Base::Error => return None,
        })
    }
}

/// The result type of `interp::aggregate` for a function over a field of `base`.
pub fn agg_ty(func: AggFunc, base: Base) -> Option<Ty> {
    Some(match func {
        AggFunc::Count | AggFunc::Distinct => Ty::Int,
        AggFunc::Avg => Ty::Float,
        AggFunc::Sum => match base {
            Base::Float => Ty::Float,
            Base::Decimal => Ty::Decimal,
            Base::Duration => Ty::Duration,
            _ => Ty::Int,
        },
        AggFunc::Min | AggFunc::Max | AggFunc::First | AggFunc::Last | AggFunc::MostFrequent => {
            Ty::of_base(base)?
        }
    })
}

/// The result type of `ops::arith(op, l, r)` when both operands are present.
pub fn arith_ty(op: BinOp, l: Ty, r: Ty) -> Ty {
    use BinOp::*;
    match (op, l, r) {
        (Add | Sub | Mul | Rem, Ty::Int, Ty::Int) => Ty::Int,
        (Add | Sub | Mul | Div | Rem, Ty::Float, Ty::Float) => Ty::Float,
        (Add | Sub | Mul | Rem, Ty::Decimal, Ty::Decimal) => Ty::Decimal,
        (Add | Sub, Ty::Duration, Ty::Duration) => Ty::Duration,
        (Mul, Ty::Duration, Ty::Int) | (Mul, Ty::Int, Ty::Duration) => Ty::Duration,
        (Add | Sub, Ty::Timestamp, Ty::Duration) => Ty::Timestamp,
        (Sub, Ty::Timestamp, Ty::Timestamp) => Ty::Duration,
        _ => Ty::Null,
    }
}

/// The result type of `ops::convert(v, to)`.
pub fn convert_ty(from: Ty, to: Base) -> Ty {
    match (from, to) {
        (Ty::Int, Base::Decimal) => Ty::Decimal,
        (Ty::Int, Base::Float) | (Ty::Decimal, Base::Float) => Ty::Float,
        (t, _) => t,
    }
}

/// The result type of a string helper over arguments of these types.
pub fn helper_ty(func: Helper, args: &[Ty]) -> Ty {
    match (func, args) {
        (Helper::Lower, [Ty::Str]) => Ty::Str,
        (Helper::Lower, _) => Ty::Null,
        _ => Ty::Bool,
    }
}

/// Where an expression is evaluated.
#[derive(Clone, Copy, Debug)]
pub enum Scope {
    /// Inside `E[…]` of a source of event `event`.
    Filter { event: usize },
    /// A trait or segment over a profile's state.
    Profile,
}

/// A trait or a segment: the nodes of the dependency graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Node {
    Trait(usize),
    Segment(usize),
}

/// Rejects what the JIT does not compile; see the limits above.
pub fn check_plan(plan: &Plan) -> Result<(), String> {
    for (i, store) in plan.stores.iter().enumerate() {
        for src in flat_sources(&store.kind) {
            if let Some(f) = &src.filter {
                check_expr(plan, f, Scope::Filter { event: src.event }, 0)?;
                let n = filter_fields(plan, src.event, f).len();
                if n > MAX_FILTER_FIELDS {
                    return Err(format!(
                        "a filter of store s{i} reads {n} fields (the JIT supports at most {MAX_FILTER_FIELDS})"
                    ));
                }
            }
        }
    }
    let mut nodes = 0usize;
    for t in &plan.traits {
        nodes += check_expr(plan, &t.expr, Scope::Profile, 0)?;
    }
    let mut purposes: Vec<usize> = Vec::new();
    for s in &plan.segments {
        nodes += check_expr(plan, &s.expr, Scope::Profile, 0)?;
        if let Some(p) = s.purpose {
            if !purposes.contains(&p) {
                purposes.push(p);
            }
        }
    }
    if nodes > MAX_NODES {
        return Err(format!(
            "the plan has {nodes} expression nodes (the JIT supports at most {MAX_NODES})"
        ));
    }
    if purposes.len() > MAX_PURPOSES {
        return Err(format!(
            "segments are gated by {} purposes (the JIT supports at most {MAX_PURPOSES})",
            purposes.len()
        ));
    }
    topo_order(plan, plan_roots(plan, true)).map(|_| ())
}

/// A store's sources in the numbering `FilterEval::accepts` uses (a, then b).
pub fn flat_sources(kind: &StoreKind) -> Vec<&Source> {
    match kind {
        StoreKind::Log { sources } => sources.iter().collect(),
        StoreKind::Seq { a, b, .. } | StoreKind::Absence { a, b, .. } => {
            a.iter().chain(b.iter()).collect()
        }
    }
}

/// Checks one expression tree; returns its node count.
fn check_expr(plan: &Plan, e: &Expr, scope: Scope, depth: usize) -> Result<usize, String> {
    if depth > MAX_DEPTH {
        return Err(format!(
            "an expression is nested more than {MAX_DEPTH} levels deep"
        ));
    }
    let in_filter = matches!(scope, Scope::Filter { .. });
    let store_kind = |s: usize| plan.stores.get(s).map(|s| &s.kind);
    let bad_store = |s: usize| Err(format!("the plan reads store s{s} with the wrong kind"));
    match e {
        Expr::Const(_) | Expr::Field(_) => return Ok(1),
        Expr::Attr(_) | Expr::Trait(_) | Expr::Segment(_) if in_filter => {}
        Expr::Agg { .. }
        | Expr::Since { .. }
        | Expr::Matched { .. }
        | Expr::Matches { .. }
        | Expr::Absent { .. }
            if in_filter => {}
        Expr::Attr(_) => return Ok(1),
        Expr::Trait(i) if *i < plan.traits.len() => return Ok(1),
        Expr::Segment(i) if *i < plan.segments.len() => return Ok(1),
        Expr::Trait(_) | Expr::Segment(_) => {
            return Err("the plan references a missing trait or segment".into())
        }
        Expr::Agg {
            func, store, base, ..
        } => {
            if agg_ty(*func, *base).is_none() {
                return Err("an aggregate has no type".into());
            }
            return match store_kind(*store) {
                Some(StoreKind::Log { .. }) => Ok(1),
                _ => bad_store(*store),
            };
        }
        Expr::Since { store } => {
            return match store_kind(*store) {
                Some(StoreKind::Log { .. }) => Ok(1),
                _ => bad_store(*store),
            }
        }
        Expr::Matched { store } | Expr::Matches { store, .. } => {
            return match store_kind(*store) {
                Some(StoreKind::Seq { .. }) => Ok(1),
                _ => bad_store(*store),
            }
        }
        Expr::Absent { store } => {
            return match store_kind(*store) {
                Some(StoreKind::Absence { .. }) => Ok(1),
                _ => bad_store(*store),
            }
        }
        Expr::Neg(x) | Expr::Not(x) | Expr::Convert { expr: x, .. } => {
            return Ok(1 + check_expr(plan, x, scope, depth + 1)?)
        }
        Expr::Binary { lhs, rhs, .. } => {
            let l = check_expr(plan, lhs, scope, depth + 1)?;
            return Ok(1 + l + check_expr(plan, rhs, scope, depth + 1)?);
        }
        Expr::In { expr, items } => {
            let mut n = 1 + check_expr(plan, expr, scope, depth + 1)?;
            for it in items {
                n += check_expr(plan, it, scope, depth + 1)?;
            }
            return Ok(n);
        }
        Expr::Helper { args, .. } => {
            let mut n = 1;
            for a in args {
                n += check_expr(plan, a, scope, depth + 1)?;
            }
            return Ok(n);
        }
    }
    Err("a filter reads profile state (traits, segments, attributes or aggregates)".into())
}

/// The distinct fields a filter reads, in order of first use.
pub fn filter_fields(plan: &Plan, event: usize, e: &Expr) -> Vec<usize> {
    let declared = plan
        .schema
        .events
        .get(event)
        .map_or(0, |ev| ev.fields.len());
    let mut out = Vec::new();
    e.visit(&mut |x| {
        if let Expr::Field(i) = x {
            if *i < declared && !out.contains(i) {
                out.push(*i);
            }
        }
    });
    out
}

/// The traits and segments a function must compute: every segment (and the traits
/// they read), or every trait (and the segments they read).
pub fn plan_roots(plan: &Plan, segments: bool) -> Vec<Node> {
    if segments {
        (0..plan.segments.len()).map(Node::Segment).collect()
    } else {
        (0..plan.traits.len()).map(Node::Trait).collect()
    }
}

fn node_expr(plan: &Plan, n: Node) -> Option<&Expr> {
    match n {
        Node::Trait(i) => plan.traits.get(i).map(|t| &t.expr),
        Node::Segment(i) => plan.segments.get(i).map(|s| &s.expr),
    }
}

fn deps(plan: &Plan, n: Node) -> Vec<Node> {
    let mut out = Vec::new();
    if let Some(e) = node_expr(plan, n) {
        e.visit(&mut |x| match x {
            Expr::Trait(i) => out.push(Node::Trait(*i)),
            Expr::Segment(i) => out.push(Node::Segment(*i)),
            _ => {}
        });
    }
    out
}

/// The nodes reachable from `roots`, dependencies first; an error on a cycle.
pub fn topo_order(plan: &Plan, roots: Vec<Node>) -> Result<Vec<Node>, String> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let idx = |n: Node| match n {
        Node::Trait(i) => i,
        Node::Segment(i) => plan.traits.len() + i,
    };
    let mut mark = vec![Mark::New; plan.traits.len() + plan.segments.len()];
    let mut order = Vec::new();
    for root in roots {
        // (node, whether its dependencies were pushed)
        let mut stack = vec![(root, false)];
        while let Some((n, expanded)) = stack.pop() {
            let Some(m) = mark.get(idx(n)).copied() else {
                return Err("the plan references a missing trait or segment".into());
            };
            if expanded {
                if let Some(slot) = mark.get_mut(idx(n)) {
                    *slot = Mark::Done;
                }
                order.push(n);
                continue;
            }
            match m {
                Mark::Done => continue,
                Mark::Open => return Err("traits and segments form a cycle".into()),
                Mark::New => {}
            }
            if let Some(slot) = mark.get_mut(idx(n)) {
                *slot = Mark::Open;
            }
            stack.push((n, true));
            for d in deps(plan, n) {
                match mark.get(idx(d)).copied() {
                    Some(Mark::Open) => return Err("traits and segments form a cycle".into()),
                    Some(Mark::New) => stack.push((d, false)),
                    Some(Mark::Done) => {}
                    None => return Err("the plan references a missing trait or segment".into()),
                }
            }
        }
    }
    Ok(order)
}
