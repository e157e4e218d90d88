//! The reference engine: evaluates plan expressions directly over a profile's
//! state. Written for clarity; it is the oracle the JIT must match bit for bit.
//! It never mutates state: updates, pruning and merging are in `state`.

use std::cell::RefCell;

use seg_compiler::hir::{AggFunc, Base, Helper};
use seg_compiler::ir::plan::{Expr, Plan, StoreKind};
use seg_compiler::ir::schema::Basis;
use seg_compiler::syntax::ast::BinOp;

use crate::decimal::{Decimal, DecimalSum};
use crate::ops;
use crate::state::{self, Entry, FilterEval, ProfileState};
use crate::value::Value;

/// Evaluates a plan's filters, traits and segments.
pub struct Interpreter<'p> {
    pub plan: &'p Plan,
    /// The memo of `segments`, kept between calls so that evaluating a profile
    /// allocates nothing once warm.
    memo: RefCell<Memo>,
}

/// Memo of one evaluation at one instant: traits and segments are computed once.
#[derive(Default)]
struct Memo {
    traits: Vec<Option<Value>>,
    segments: Vec<Option<bool>>,
}

struct Cx<'a> {
    state: &'a ProfileState,
    t: i64,
    /// The event being filtered, inside a filter.
    fields: &'a [Value],
}

/// Whether the consent gate of `purpose`, whose legal basis is `basis`, lets the
/// profile into segments (§9): consent needs a grant, legitimate interest only the
/// absence of an objection. One rule for both engines.
pub fn gate_open(basis: Option<Basis>, state: &ProfileState, purpose: usize) -> bool {
    let decision = state
        .consent
        .get(purpose)
        .copied()
        .flatten()
        .map(|(g, _)| g);
    match basis {
        Some(Basis::Consent) => decision == Some(true),
        Some(Basis::LegitimateInterest) => decision != Some(false),
        None => true,
    }
}

impl FilterEval for Interpreter<'_> {
    fn accepts(&self, store: usize, source: usize, fields: &[Value]) -> bool {
        let Some(s) = self.plan.stores.get(store) else {
            return false;
        };
        let src = match &s.kind {
            StoreKind::Log { sources } => sources.get(source),
            StoreKind::Seq { a, b, .. } | StoreKind::Absence { a, b, .. } => a
                .get(source)
                .or_else(|| b.get(source.wrapping_sub(a.len()))),
        };
        let Some(filter) = src.and_then(|s| s.filter.as_ref()) else {
            return true;
        };
        let empty = ProfileState {
            stores: Vec::new(),
            attrs: Vec::new(),
            consent: Vec::new(),
        };
        let cx = Cx {
            state: &empty,
            t: 0,
            fields,
        };
        let mut memo = Memo {
            traits: Vec::new(),
            segments: Vec::new(),
        };
        ops::truthy(&self.eval(filter, &cx, &mut memo))
    }
}

impl<'p> Interpreter<'p> {
    pub fn new(plan: &'p Plan) -> Self {
        Interpreter {
            plan,
            memo: RefCell::default(),
        }
    }

    fn memo(&self) -> Memo {
        let mut memo = Memo::default();
        self.reset(&mut memo);
        memo
    }

    fn reset(&self, memo: &mut Memo) {
        memo.traits.clear();
        memo.traits.resize(self.plan.traits.len(), None);
        memo.segments.clear();
        memo.segments.resize(self.plan.segments.len(), None);
    }

    /// Consent-gated membership of every segment at `t`, into `out`.
    pub fn segments(&self, state: &ProfileState, t: i64, out: &mut Vec<bool>) {
        out.clear();
        out.resize(self.plan.segments.len(), false);
        self.segments_if(state, t, out, |_| true);
    }

    /// Membership at `t` of the segments `want` marks, written to their positions
    /// in `out`; the other positions are left as they are.
    pub fn segments_where(&self, state: &ProfileState, t: i64, want: &[bool], out: &mut [bool]) {
        self.segments_if(state, t, out, |i| want.get(i) == Some(&true));
    }

    fn segments_if(
        &self,
        state: &ProfileState,
        t: i64,
        out: &mut [bool],
        want: impl Fn(usize) -> bool,
    ) {
        self.with_memo(|memo| {
            let cx = Cx {
                state,
                t,
                fields: &[],
            };
            for (i, o) in out.iter_mut().enumerate() {
                if want(i) {
                    *o = self.segment(i, &cx, memo);
                }
            }
        });
    }

    /// Runs `f` with the engine's memo, cleared (or a fresh one if it is in use).
    fn with_memo<R>(&self, f: impl FnOnce(&mut Memo) -> R) -> R {
        let mut fresh = Memo::default();
        let mut held = self.memo.try_borrow_mut();
        let memo = match held.as_mut() {
            Ok(m) => &mut **m,
            Err(_) => &mut fresh,
        };
        self.reset(memo);
        f(memo)
    }

    /// Every trait's value at `t`.
    pub fn traits(&self, state: &ProfileState, t: i64) -> Vec<Value> {
        let cx = Cx {
            state,
            t,
            fields: &[],
        };
        let mut memo = self.memo();
        (0..self.plan.traits.len())
            .map(|i| self.trait_value(i, &cx, &mut memo))
            .collect()
    }

    /// The value of an arbitrary plan expression at `t` (for `seg explain`).
    pub fn value(&self, e: &Expr, state: &ProfileState, t: i64) -> Value {
        let cx = Cx {
            state,
            t,
            fields: &[],
        };
        let mut memo = self.memo();
        self.eval(e, &cx, &mut memo)
    }

    /// Is the profile allowed in a segment for `purpose` (§9 gating)?
    pub fn gate(&self, purpose: Option<usize>, state: &ProfileState) -> bool {
        let Some(p) = purpose else { return true };
        let basis = self.plan.schema.purposes.get(p).map(|p| p.basis);
        gate_open(basis, state, p)
    }

    fn segment(&self, i: usize, cx: &Cx<'_>, memo: &mut Memo) -> bool {
        if let Some(Some(v)) = memo.segments.get(i) {
            return *v;
        }
        let Some(seg) = self.plan.segments.get(i) else {
            return false;
        };
        if let Some(slot) = memo.segments.get_mut(i) {
            *slot = Some(false);
        }
        let v = self.gate(seg.purpose, cx.state) && ops::truthy(&self.eval(&seg.expr, cx, memo));
        if let Some(slot) = memo.segments.get_mut(i) {
            *slot = Some(v);
        }
        v
    }

    fn trait_value(&self, i: usize, cx: &Cx<'_>, memo: &mut Memo) -> Value {
        if let Some(Some(v)) = memo.traits.get(i) {
            return v.clone();
        }
        let Some(tr) = self.plan.traits.get(i) else {
            return Value::None;
        };
        if let Some(slot) = memo.traits.get_mut(i) {
            *slot = Some(Value::None);
        }
        let v = self.eval(&tr.expr, cx, memo);
        if let Some(slot) = memo.traits.get_mut(i) {
            *slot = Some(v.clone());
        }
        v
    }

    fn eval(&self, e: &Expr, cx: &Cx<'_>, memo: &mut Memo) -> Value {
        match e {
            Expr::Const(l) => ops::literal(l),
            Expr::Field(i) => cx.fields.get(*i).cloned().unwrap_or(Value::None),
            Expr::Attr(i) => cx
                .state
                .attrs
                .get(*i)
                .cloned()
                .flatten()
                .map_or(Value::None, |(v, _)| v),
            Expr::Trait(i) => self.trait_value(*i, cx, memo),
            Expr::Segment(i) => Value::Bool(self.segment(*i, cx, memo)),
            Expr::Agg {
                func,
                store,
                window,
                base,
            } => self.aggregate(*func, *store, *window, *base, cx),
            Expr::Since { store } => self.since(*store, cx),
            Expr::Matched { store } => Value::Bool(self.matches(*store, None, cx) > 0),
            Expr::Matches { store, window } => Value::Int(self.matches(*store, *window, cx)),
            Expr::Absent { store } => Value::Bool(self.absent(*store, cx)),
            Expr::Neg(x) => ops::neg(self.eval(x, cx, memo)),
            Expr::Not(x) => Value::Bool(!ops::truthy(&self.eval(x, cx, memo))),
            Expr::Binary { op, lhs, rhs, .. } => self.binary(*op, lhs, rhs, cx, memo),
            Expr::Convert { to, expr } => ops::convert(self.eval(expr, cx, memo), *to),
            Expr::In { expr, items } => {
                let v = self.eval(expr, cx, memo);
                Value::Bool(
                    items
                        .iter()
                        .any(|it| ops::equal(&v, &self.eval(it, cx, memo))),
                )
            }
            Expr::Helper { func, args } => self.helper(*func, args, cx, memo),
        }
    }

    fn binary(&self, op: BinOp, lhs: &Expr, rhs: &Expr, cx: &Cx<'_>, memo: &mut Memo) -> Value {
        match op {
            BinOp::And => {
                let l = ops::truthy(&self.eval(lhs, cx, memo));
                Value::Bool(l && ops::truthy(&self.eval(rhs, cx, memo)))
            }
            BinOp::Or => {
                let l = ops::truthy(&self.eval(lhs, cx, memo));
                Value::Bool(l || ops::truthy(&self.eval(rhs, cx, memo)))
            }
            BinOp::Coalesce => match self.eval(lhs, cx, memo) {
                Value::None => self.eval(rhs, cx, memo),
                v => v,
            },
            _ if op.is_comparison() => {
                let l = self.eval(lhs, cx, memo);
                let r = self.eval(rhs, cx, memo);
                Value::Bool(ops::comparison(op, &l, &r))
            }
            _ => {
                let l = self.eval(lhs, cx, memo);
                let r = self.eval(rhs, cx, memo);
                ops::arith(op, l, r)
            }
        }
    }

    fn helper(&self, func: Helper, args: &[Expr], cx: &Cx<'_>, memo: &mut Memo) -> Value {
        let vals: Vec<Value> = args.iter().map(|a| self.eval(a, cx, memo)).collect();
        match (func, vals.as_slice()) {
            (Helper::Lower, [Value::Str(s)]) => Value::Str(s.to_lowercase().into()),
            (Helper::StartsWith, [Value::Str(s), Value::Str(p)]) => {
                Value::Bool(s.starts_with(&**p))
            }
            (Helper::Contains, [Value::Str(s), Value::Str(p)]) => Value::Bool(s.contains(&**p)),
            (Helper::Lower, _) => Value::None,
            _ => Value::Bool(false),
        }
    }

    fn since(&self, store: usize, cx: &Cx<'_>) -> Value {
        let latest = cx
            .state
            .log(store)
            .and_then(|es| state::latest_visible(es, cx.t));
        latest.map_or(Value::None, |e| Value::Duration(cx.t - e.ts))
    }

    fn matches(&self, store: usize, window: Option<i64>, cx: &Cx<'_>) -> i64 {
        let lo = window.map(|w| cx.t.saturating_sub(w));
        let n = cx
            .state
            .seq(store)
            .map_or(0, |q| q.visible_matches(cx.t, lo));
        i64::try_from(n).unwrap_or(i64::MAX)
    }

    fn absent(&self, store: usize, cx: &Cx<'_>) -> bool {
        let Some(StoreKind::Absence { within, .. }) = self.plan.stores.get(store).map(|s| &s.kind)
        else {
            return false;
        };
        cx.state
            .absence(store)
            .is_some_and(|q| q.holds(*within, cx.t))
    }

    fn aggregate(
        &self,
        func: AggFunc,
        store: usize,
        window: Option<i64>,
        base: Base,
        cx: &Cx<'_>,
    ) -> Value {
        let Some(entries) = cx.state.log(store) else {
            return Value::None;
        };
        let lo = window.map(|w| cx.t.saturating_sub(w));
        let visible = state::from_window(entries, lo)
            .map(|(_, e)| e)
            .filter(|e| state::visible(e, cx.t, lo));
        aggregate(func, base, visible)
    }
}

/// Folds the visible entries (in time, input order) into one aggregate value.
pub fn aggregate<'e>(func: AggFunc, base: Base, entries: impl Iterator<Item = &'e Entry>) -> Value {
    match func {
        AggFunc::Count => Value::Int(i64::try_from(entries.count()).unwrap_or(i64::MAX)),
        AggFunc::Sum => sum(base, entries).0,
        AggFunc::Avg => average(base, entries),
        AggFunc::Min => extreme(entries, std::cmp::Ordering::Less),
        AggFunc::Max => extreme(entries, std::cmp::Ordering::Greater),
        AggFunc::Distinct => {
            let mut seen: Vec<&Value> = Vec::new();
            for e in entries {
                if !seen.iter().any(|v| same(v, &e.value)) {
                    seen.push(&e.value);
                }
            }
            Value::Int(i64::try_from(seen.len()).unwrap_or(i64::MAX))
        }
        AggFunc::First => entries
            .into_iter()
            .next()
            .map_or(Value::None, |e| e.value.clone()),
        AggFunc::Last => entries.last().map_or(Value::None, |e| e.value.clone()),
        AggFunc::MostFrequent => most_frequent(entries),
    }
}

/// Value identity for `distinct` and `most_frequent` (numeric equality for decimals).
pub(crate) fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => x.to_bits() == y.to_bits() || x == y,
        _ => ops::equal(a, b),
    }
}

/// The sum and the count of the entries. Float sums add in order from 0.0.
fn sum<'e>(base: Base, entries: impl Iterator<Item = &'e Entry>) -> (Value, i64) {
    let mut n = 0i64;
    match base {
        Base::Float => {
            let mut acc = 0.0f64;
            for e in entries {
                if let Value::Float(f) = e.value {
                    acc += f;
                    n += 1;
                }
            }
            (Value::Float(acc), n)
        }
        Base::Decimal => {
            let mut acc = DecimalSum::new();
            for e in entries {
                if let Value::Decimal(d) = &e.value {
                    acc.add(d);
                    n += 1;
                }
            }
            (acc.result().map_or(Value::None, Value::Decimal), n)
        }
        _ => {
            let mut acc: i128 = 0;
            for e in entries {
                if let Value::Int(i) | Value::Duration(i) = e.value {
                    acc += i128::from(i);
                    n += 1;
                }
            }
            let v = i64::try_from(acc).ok();
            let v = match base {
                Base::Duration => v.map_or(Value::None, Value::Duration),
                _ => v.map_or(Value::None, Value::Int),
            };
            (v, n)
        }
    }
}

fn average<'e>(base: Base, entries: impl Iterator<Item = &'e Entry>) -> Value {
    let (s, n) = sum(base, entries);
    if n == 0 {
        return Value::None;
    }
    let total = match s {
        Value::Float(f) => f,
        Value::Decimal(d) => d.to_f64(),
        Value::Int(i) => i as f64,
        _ => return Value::None,
    };
    Value::Float(total / n as f64)
}

fn extreme<'e>(entries: impl Iterator<Item = &'e Entry>, want: std::cmp::Ordering) -> Value {
    let mut best: Option<&Value> = None;
    for e in entries {
        best = match best {
            Some(b) if ops::compare(&e.value, b) != Some(want) => Some(b),
            _ => Some(&e.value),
        };
    }
    best.cloned().unwrap_or(Value::None)
}

fn most_frequent<'e>(entries: impl Iterator<Item = &'e Entry>) -> Value {
    // (value, occurrences, position of latest occurrence)
    let mut counts: Vec<(&Value, usize, usize)> = Vec::new();
    for (pos, e) in entries.enumerate() {
        match counts.iter_mut().find(|(v, _, _)| same(v, &e.value)) {
            Some(slot) => {
                slot.1 += 1;
                slot.2 = pos;
            }
            None => counts.push((&e.value, 1, pos)),
        }
    }
    counts
        .iter()
        .max_by_key(|(_, n, last)| (*n, *last))
        .map_or(Value::None, |(v, _, _)| (*v).clone())
}

/// Exposed for tests of decimal sums.
pub fn decimal_sum(values: &[Decimal]) -> Option<Decimal> {
    let mut acc = DecimalSum::new();
    for v in values {
        acc.add(v);
    }
    acc.result()
}
