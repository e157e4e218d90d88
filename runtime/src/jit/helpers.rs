//! Host helpers called from generated code: reads of store state (aggregates,
//! `since`, sequences, absence), profile attributes, exact decimal arithmetic and
//! string operations. Each reuses the interpreter's own code (`interp::aggregate`
//! through `aggregate`, `ops::arith`, `ops::compare`, …) or repeats its one-line
//! visibility rule (`state::visible`, `state::count_visible`, …), so the JIT's
//! semantics equal the interpreter's by construction.
//!
//! Helpers take and return only `i64`/`f64` (pointers as `i64`), never panic (a
//! panic cannot unwind through generated frames), never keep pointers past the call
//! and never allocate once the call's `Scratch` buffers have grown (except `lower`
//! of non-ASCII text). Every value result goes to `Ctx::out`.

use seg_compiler::hir::{AggFunc, Base};
use seg_compiler::ir::plan::StoreKind;
use seg_compiler::syntax::ast::BinOp;

use crate::ops;
use crate::state::{self, ProfileState};
use crate::value::Value;

use super::abi::{decimal_of, marshal, Ctx, NVal, Scratch};
use super::aggregate;
use super::typing::Ty;

/// The helpers generated code may import.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum H {
    Count,
    Agg,
    Since,
    Matches,
    Absent,
    Attr,
    StrEq,
    StrCmp,
    StartsWith,
    Contains,
    Lower,
    DecArith,
    DecNeg,
    DecCmp,
    DecToF64,
    Fmod,
}

/// Parameter and result kinds of a helper's signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum K {
    I,
    F,
}

pub const ALL: [H; 16] = [
    H::Count,
    H::Agg,
    H::Since,
    H::Matches,
    H::Absent,
    H::Attr,
    H::StrEq,
    H::StrCmp,
    H::StartsWith,
    H::Contains,
    H::Lower,
    H::DecArith,
    H::DecNeg,
    H::DecCmp,
    H::DecToF64,
    H::Fmod,
];

impl H {
    /// (symbol name, parameter kinds, result kind)
    pub fn signature(self) -> (&'static str, &'static [K], Option<K>) {
        use K::*;
        match self {
            H::Count => ("seg_count", &[I, I, I, I], Some(I)),
            H::Agg => ("seg_agg", &[I, I, I, I, I, I, I], Some(I)),
            H::Since => ("seg_since", &[I, I], Some(I)),
            H::Matches => ("seg_matches", &[I, I, I, I], Some(I)),
            H::Absent => ("seg_absent", &[I, I, I], Some(I)),
            H::Attr => ("seg_attr", &[I, I, I], Some(I)),
            H::StrEq => ("seg_str_eq", &[I, I, I, I], Some(I)),
            H::StrCmp => ("seg_str_cmp", &[I, I, I, I], Some(I)),
            H::StartsWith => ("seg_starts_with", &[I, I, I, I], Some(I)),
            H::Contains => ("seg_contains", &[I, I, I, I], Some(I)),
            H::Lower => ("seg_lower", &[I, I, I], Some(I)),
            H::DecArith => ("seg_dec_arith", &[I, I, I, I, I, I, I, I], Some(I)),
            H::DecNeg => ("seg_dec_neg", &[I, I, I, I], Some(I)),
            H::DecCmp => ("seg_dec_cmp", &[I, I, I, I, I, I], Some(I)),
            H::DecToF64 => ("seg_dec_to_f64", &[I, I, I], Some(F)),
            H::Fmod => ("seg_fmod", &[F, F], Some(F)),
        }
    }

    /// Whether the helper keeps results in the call's `Scratch` buffers (it
    /// reads none when `Ctx::scratch` is null).
    pub fn uses_scratch(self) -> bool {
        matches!(self, H::Agg | H::Lower)
    }

    /// The helper's address, for `JITBuilder::symbol`.
    pub fn address(self) -> *const u8 {
        match self {
            H::Count => seg_count as *const u8,
            H::Agg => seg_agg as *const u8,
            H::Since => seg_since as *const u8,
            H::Matches => seg_matches as *const u8,
            H::Absent => seg_absent as *const u8,
            H::Attr => seg_attr as *const u8,
            H::StrEq => seg_str_eq as *const u8,
            H::StrCmp => seg_str_cmp as *const u8,
            H::StartsWith => seg_starts_with as *const u8,
            H::Contains => seg_contains as *const u8,
            H::Lower => seg_lower as *const u8,
            H::DecArith => seg_dec_arith as *const u8,
            H::DecNeg => seg_dec_neg as *const u8,
            H::DecCmp => seg_dec_cmp as *const u8,
            H::DecToF64 => seg_dec_to_f64 as *const u8,
            H::Fmod => seg_fmod as *const u8,
        }
    }
}

const AGG_FUNCS: [AggFunc; 9] = [
    AggFunc::Count,
    AggFunc::Sum,
    AggFunc::Avg,
    AggFunc::Min,
    AggFunc::Max,
    AggFunc::Distinct,
    AggFunc::First,
    AggFunc::Last,
    AggFunc::MostFrequent,
];

const BASES: [Base; 8] = [
    Base::Int,
    Base::Float,
    Base::Decimal,
    Base::Bool,
    Base::String,
    Base::Duration,
    Base::Timestamp,
    Base::Error,
];

const OPS: [BinOp; 4] = [BinOp::Add, BinOp::Sub, BinOp::Mul, BinOp::Rem];

pub fn agg_code(f: AggFunc) -> i64 {
    AGG_FUNCS.iter().position(|x| *x == f).unwrap_or(0) as i64
}

pub fn base_code(b: Base) -> i64 {
    BASES.iter().position(|x| *x == b).unwrap_or(7) as i64
}

pub fn op_code(op: BinOp) -> i64 {
    OPS.iter().position(|x| *x == op).unwrap_or(0) as i64
}

/// The context and profile of a call.
///
/// SAFETY (for callers): `ctx` is the pointer generated code received from the
/// host, pointing to a live `Ctx` whose `state` is null or a live `ProfileState`.
unsafe fn cx<'a>(ctx: i64) -> Option<(&'a mut Ctx, Option<&'a ProfileState>)> {
    // SAFETY: see the function's contract; generated code passes its own `ctx`.
    let c = unsafe { (ctx as *mut Ctx).as_mut()? };
    // SAFETY: `state` is null or borrowed by the host for the whole call.
    let s = unsafe { c.state.as_ref() };
    Some((c, s))
}

/// A byte string from a (pointer, length) pair of a live string (or null, 0).
///
/// SAFETY (for callers): the pair denotes a live string or is (0, 0).
unsafe fn bytes<'a>(ptr: i64, len: i64) -> &'a [u8] {
    if ptr == 0 || len <= 0 {
        return &[];
    }
    // SAFETY: by the contract, `ptr` points to `len` initialised bytes that stay
    // alive for the call.
    unsafe { std::slice::from_raw_parts(ptr as *const u8, len as usize) }
}

fn window(has: i64, w: i64) -> Option<i64> {
    (has != 0).then_some(w)
}

/// The call's reusable buffers.
fn scratch(c: &mut Ctx) -> Option<&mut Scratch> {
    // SAFETY: `scratch` is null or points to the engine's buffers, borrowed
    // exclusively by the host for the whole call; nothing else touches them then.
    unsafe { c.scratch.as_mut() }
}

#[cfg(test)]
thread_local! {
    /// Calls of `seg_count` on this thread, for the tests of what generated code
    /// computes once per call.
    pub static COUNT_CALLS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// `count(E, W)`.
///
/// # Safety
/// `ctx` is the context generated code received.
pub unsafe extern "C" fn seg_count(ctx: i64, store: i64, has_w: i64, w: i64) -> i64 {
    #[cfg(test)]
    COUNT_CALLS.with(|n| n.set(n.get() + 1));
    // SAFETY: forwarded contract.
    let Some((c, Some(state))) = (unsafe { cx(ctx) }) else {
        return 0;
    };
    let Some(entries) = usize::try_from(store).ok().and_then(|s| state.log(s)) else {
        return 0;
    };
    let t = c.t;
    let lo = window(has_w, w).map(|w| t.saturating_sub(w));
    let n = state::count_visible(entries, t, lo);
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Any field aggregate; the result goes to `ctx.out` as type `ty`.
///
/// # Safety
/// `ctx` is the context generated code received.
pub unsafe extern "C" fn seg_agg(
    ctx: i64,
    store: i64,
    func: i64,
    base: i64,
    has_w: i64,
    w: i64,
    ty: i64,
) -> i64 {
    // SAFETY: forwarded contract.
    let Some((c, Some(state))) = (unsafe { cx(ctx) }) else {
        return 0;
    };
    let (Some(f), Some(b)) = (
        usize::try_from(func).ok().and_then(|i| AGG_FUNCS.get(i)),
        usize::try_from(base).ok().and_then(|i| BASES.get(i)),
    ) else {
        return 0;
    };
    let Some(entries) = usize::try_from(store).ok().and_then(|s| state.log(s)) else {
        return put(c, Value::None, Ty::from_code(ty));
    };
    let t = c.t;
    let v = match scratch(c) {
        Some(sc) => aggregate::aggregate(*f, *b, entries, t, window(has_w, w), sc),
        None => return 0,
    };
    put(c, v, Ty::from_code(ty))
}

/// Writes an owned value to `ctx.out`, keeping a string alive in the arena.
fn put(c: &mut Ctx, v: Value, ty: Ty) -> i64 {
    let out = marshal(&v, ty);
    c.out = out;
    if let Value::Str(s) = v {
        // The string's bytes stay where they are while `kept` holds a reference.
        match scratch(c) {
            Some(sc) => sc.kept.push(s),
            None => c.out = NVal::default(),
        }
    }
    c.out.tag as i64
}

/// `since(E)`: the duration goes to `ctx.out`.
///
/// # Safety
/// `ctx` is the context generated code received.
pub unsafe extern "C" fn seg_since(ctx: i64, store: i64) -> i64 {
    // SAFETY: forwarded contract.
    let Some((c, Some(state))) = (unsafe { cx(ctx) }) else {
        return 0;
    };
    let t = c.t;
    let latest = usize::try_from(store)
        .ok()
        .and_then(|s| state.log(s))
        .and_then(|es| state::latest_visible(es, t));
    let v = latest.map_or(Value::None, |e| Value::Duration(t - e.ts));
    put(c, v, Ty::Duration)
}

/// The number of recorded sequence matches visible in the window.
///
/// # Safety
/// `ctx` is the context generated code received.
pub unsafe extern "C" fn seg_matches(ctx: i64, store: i64, has_w: i64, w: i64) -> i64 {
    // SAFETY: forwarded contract.
    let Some((c, Some(state))) = (unsafe { cx(ctx) }) else {
        return 0;
    };
    let t = c.t;
    let lo = window(has_w, w).map(|w| t.saturating_sub(w));
    let n = usize::try_from(store)
        .ok()
        .and_then(|s| state.seq(s))
        .map_or(0, |q| q.visible_matches(t, lo));
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// `A then not B within D` at `t` (1 or 0).
///
/// # Safety
/// `ctx` is the context generated code received.
pub unsafe extern "C" fn seg_absent(ctx: i64, store: i64, within: i64) -> i64 {
    // SAFETY: forwarded contract.
    let Some((c, Some(state))) = (unsafe { cx(ctx) }) else {
        return 0;
    };
    let holds = usize::try_from(store)
        .ok()
        .and_then(|s| state.absence(s))
        .is_some_and(|q| q.holds(within, c.t));
    i64::from(holds)
}

/// `profile.attr` as type `ty`, to `ctx.out`.
///
/// # Safety
/// `ctx` is the context generated code received.
pub unsafe extern "C" fn seg_attr(ctx: i64, attr: i64, ty: i64) -> i64 {
    // SAFETY: forwarded contract.
    let Some((c, Some(state))) = (unsafe { cx(ctx) }) else {
        return 0;
    };
    let v = match state.attrs.get(attr as usize) {
        Some(Some((v, _))) => v,
        _ => &Value::None,
    };
    // A string points into the state, which outlives the call.
    c.out = marshal(v, Ty::from_code(ty));
    c.out.tag as i64
}

/// Byte equality of two strings (1 or 0).
///
/// # Safety
/// Both pairs denote live strings or are (0, 0).
pub unsafe extern "C" fn seg_str_eq(p1: i64, l1: i64, p2: i64, l2: i64) -> i64 {
    // SAFETY: forwarded contract.
    let (a, b) = unsafe { (bytes(p1, l1), bytes(p2, l2)) };
    i64::from(a == b)
}

/// Code-point (byte) order of two strings: -1, 0 or 1.
///
/// # Safety
/// Both pairs denote live strings or are (0, 0).
pub unsafe extern "C" fn seg_str_cmp(p1: i64, l1: i64, p2: i64, l2: i64) -> i64 {
    // SAFETY: forwarded contract.
    let (a, b) = unsafe { (bytes(p1, l1), bytes(p2, l2)) };
    a.cmp(b) as i64
}

/// `starts_with(s, p)` (1 or 0).
///
/// # Safety
/// Both pairs denote live strings or are (0, 0).
pub unsafe extern "C" fn seg_starts_with(p1: i64, l1: i64, p2: i64, l2: i64) -> i64 {
    // SAFETY: forwarded contract.
    let (a, b) = unsafe { (bytes(p1, l1), bytes(p2, l2)) };
    i64::from(a.starts_with(b))
}

/// `contains(s, p)` (1 or 0), on UTF-8 text like `str::contains`.
///
/// # Safety
/// Both pairs denote live strings or are (0, 0).
pub unsafe extern "C" fn seg_contains(p1: i64, l1: i64, p2: i64, l2: i64) -> i64 {
    // SAFETY: forwarded contract.
    let (a, b) = unsafe { (bytes(p1, l1), bytes(p2, l2)) };
    match (std::str::from_utf8(a), std::str::from_utf8(b)) {
        (Ok(s), Ok(p)) => i64::from(s.contains(p)),
        _ => 0,
    }
}

/// `lower(s)`: the new string is kept in the arena and written to `ctx.out`.
///
/// # Safety
/// `ctx` is the context generated code received; the pair denotes a live string or
/// is (0, 0).
pub unsafe extern "C" fn seg_lower(ctx: i64, p: i64, l: i64) -> i64 {
    // SAFETY: forwarded contract.
    let Some((c, _)) = (unsafe { cx(ctx) }) else {
        return 0;
    };
    // SAFETY: forwarded contract.
    let Ok(text) = std::str::from_utf8(unsafe { bytes(p, l) }) else {
        return 0;
    };
    let Some(sc) = scratch(c) else {
        return 0;
    };
    let k = sc.lowered_used;
    if sc.lowered.len() <= k {
        sc.lowered.push(String::new());
    }
    let Some(buf) = sc.lowered.get_mut(k) else {
        return 0;
    };
    sc.lowered_used += 1;
    buf.clear();
    if text.is_ascii() {
        // For ASCII text, `to_lowercase` is exactly the ASCII mapping.
        buf.extend(text.chars().map(|ch| ch.to_ascii_lowercase()));
    } else {
        buf.push_str(&text.to_lowercase());
    }
    // The buffer is not touched again during this call, so its bytes stay put.
    c.out = NVal {
        tag: 1,
        a: buf.as_ptr() as u64,
        b: buf.len() as u64,
        c: 0,
    };
    1
}

fn dec(lo: i64, hi: i64, s: i64) -> Value {
    decimal_of(lo, hi, s).map_or(Value::None, Value::Decimal)
}

/// Decimal `+ - * %` through `ops::arith`; the result goes to `ctx.out`.
///
/// # Safety
/// `ctx` is the context generated code received.
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn seg_dec_arith(
    ctx: i64,
    op: i64,
    alo: i64,
    ahi: i64,
    asc: i64,
    blo: i64,
    bhi: i64,
    bsc: i64,
) -> i64 {
    // SAFETY: forwarded contract.
    let Some((c, _)) = (unsafe { cx(ctx) }) else {
        return 0;
    };
    let Some(op) = OPS.get(op as usize) else {
        return 0;
    };
    let v = ops::arith(*op, dec(alo, ahi, asc), dec(blo, bhi, bsc));
    put(c, v, Ty::Decimal)
}

/// Decimal negation; the result goes to `ctx.out`.
///
/// # Safety
/// `ctx` is the context generated code received.
pub unsafe extern "C" fn seg_dec_neg(ctx: i64, lo: i64, hi: i64, s: i64) -> i64 {
    // SAFETY: forwarded contract.
    let Some((c, _)) = (unsafe { cx(ctx) }) else {
        return 0;
    };
    put(c, ops::neg(dec(lo, hi, s)), Ty::Decimal)
}

/// Decimal order through `ops::compare`: -1, 0, 1, or 2 when not comparable.
pub extern "C" fn seg_dec_cmp(alo: i64, ahi: i64, asc: i64, blo: i64, bhi: i64, bsc: i64) -> i64 {
    ops::compare(&dec(alo, ahi, asc), &dec(blo, bhi, bsc)).map_or(2, |o| o as i64)
}

/// The nearest f64 of a decimal (`ops::convert`).
pub extern "C" fn seg_dec_to_f64(lo: i64, hi: i64, s: i64) -> f64 {
    match ops::convert(dec(lo, hi, s), Base::Float) {
        Value::Float(f) => f,
        _ => 0.0,
    }
}

/// Float remainder, as Rust's `%`.
pub extern "C" fn seg_fmod(x: f64, y: f64) -> f64 {
    x % y
}

/// The `within` of an absence store.
pub fn absence_within(kind: &StoreKind) -> i64 {
    match kind {
        StoreKind::Absence { within, .. } => *within,
        _ => 0,
    }
}
