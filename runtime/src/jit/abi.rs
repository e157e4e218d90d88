//! The memory layout shared by generated code and the host: the evaluation context
//! passed to every generated function, the fixed-size value slot (`NVal`) used for
//! event fields, helper results and trait results, and the conversions between
//! `Value` and `NVal`. Conversions check the value against the static type the code
//! was generated for, so generated code never sees a word it would misread (a
//! mismatch, impossible for checked plans, reads as none). No code generation here.

use std::mem::offset_of;
use std::sync::Arc;

use crate::decimal::Decimal;
use crate::state::ProfileState;
use crate::value::Value;

use super::typing::Ty;

/// One value in generated code's memory: `tag` is 1 when present, 0 for none; the
/// words depend on the static type (int-like: `a`; float: `a` = bits; bool: `a` =
/// 0/1; string: `a` = pointer, `b` = byte length; decimal: `a`,`b` = low and high
/// halves of the mantissa, `c` = scale). A none value has all words zero.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NVal {
    pub tag: u64,
    pub a: u64,
    pub b: u64,
    pub c: u64,
}

pub const NVAL_SIZE: i32 = std::mem::size_of::<NVal>() as i32;
pub const NVAL_A: i32 = offset_of!(NVal, a) as i32;
pub const NVAL_B: i32 = offset_of!(NVal, b) as i32;
pub const NVAL_C: i32 = offset_of!(NVal, c) as i32;

/// A string constant of the plan: pointer and byte length.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct StrConst {
    pub ptr: *const u8,
    pub len: usize,
}

pub const STRCONST_SIZE: i32 = std::mem::size_of::<StrConst>() as i32;

/// What every generated function receives. Built on the host's stack for one call;
/// everything it points to outlives the call.
#[repr(C)]
pub struct Ctx {
    /// The profile being evaluated (null inside filters).
    pub state: *const ProfileState,
    pub t: i64,
    /// The plan's string constants.
    pub consts: *const StrConst,
    /// Inside filters: the event fields the filter reads, one slot each.
    pub fields: *const NVal,
    /// Buffers reused from call to call: strings kept alive during the call
    /// (aggregate results, results of `lower`) and the aggregates' bookkeeping.
    pub scratch: *mut Scratch,
    /// Bit k: the consent gate of the k-th purpose segments are gated by.
    pub gates: u64,
    /// Where helpers write a value result.
    pub out: NVal,
}

pub const CTX_CONSTS: i32 = offset_of!(Ctx, consts) as i32;
pub const CTX_FIELDS: i32 = offset_of!(Ctx, fields) as i32;
pub const CTX_GATES: i32 = offset_of!(Ctx, gates) as i32;
pub const CTX_OUT: i32 = offset_of!(Ctx, out) as i32;

/// Memory the helpers reuse across calls, so evaluation allocates nothing once the
/// buffers have grown to the plan's needs. Cleared (capacity kept) before each call.
#[derive(Debug, Default)]
pub struct Scratch {
    /// Strings produced by aggregates during the call (shared, not copied).
    pub kept: Vec<Arc<str>>,
    /// Results of `lower`; the first `lowered_used` are in use during the call.
    pub lowered: Vec<String>,
    pub lowered_used: usize,
    /// `distinct`: the position of one entry per distinct value seen.
    pub distinct: Vec<usize>,
    /// `most_frequent`: (position of a representative entry, occurrences, position
    /// of its latest occurrence).
    pub frequent: Vec<(usize, usize, usize)>,
}

impl Scratch {
    /// Forgets the previous call's results, keeping the memory.
    pub fn reset(&mut self) {
        self.kept.clear();
        self.lowered_used = 0;
        self.distinct.clear();
        self.frequent.clear();
    }
}

/// `v` as a slot of static type `ty`. Strings point into `v`, which must outlive the
/// slot's use.
pub fn marshal(v: &Value, ty: Ty) -> NVal {
    let word = |a: u64| NVal {
        tag: 1,
        a,
        b: 0,
        c: 0,
    };
    match (ty, v) {
        (Ty::Bool, Value::Bool(b)) => word(u64::from(*b)),
        (Ty::Int, Value::Int(i))
        | (Ty::Duration, Value::Duration(i))
        | (Ty::Timestamp, Value::Timestamp(i)) => word(*i as u64),
        (Ty::Float, Value::Float(f)) => word(f.to_bits()),
        (Ty::Str, Value::Str(s)) => NVal {
            tag: 1,
            a: s.as_ptr() as u64,
            b: s.len() as u64,
            c: 0,
        },
        (Ty::Decimal, Value::Decimal(d)) => {
            let m = d.mantissa();
            NVal {
                tag: 1,
                a: m as u64,
                b: (m >> 64) as u64,
                c: u64::from(d.scale()),
            }
        }
        _ => NVal::default(),
    }
}

/// The mantissa and scale of a decimal held in two halves and a scale.
pub fn decimal_of(lo: i64, hi: i64, scale: i64) -> Option<Decimal> {
    let m = (i128::from(hi) << 64) | i128::from(lo as u64);
    Decimal::from_parts(m, u8::try_from(scale).ok()?)
}

/// Reads a slot of static type `ty` back as a `Value`. `read_str` turns a (pointer,
/// length) pair into the string it denotes.
pub fn unmarshal(v: &NVal, ty: Ty, read_str: impl FnOnce(u64, u64) -> Option<Arc<str>>) -> Value {
    if v.tag == 0 {
        return Value::None;
    }
    match ty {
        Ty::Null => Value::None,
        Ty::Bool => Value::Bool(v.a != 0),
        Ty::Int => Value::Int(v.a as i64),
        Ty::Duration => Value::Duration(v.a as i64),
        Ty::Timestamp => Value::Timestamp(v.a as i64),
        Ty::Float => Value::Float(f64::from_bits(v.a)),
        Ty::Decimal => {
            decimal_of(v.a as i64, v.b as i64, v.c as i64).map_or(Value::None, Value::Decimal)
        }
        Ty::Str => read_str(v.a, v.b).map_or(Value::None, Value::Str),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_without_strings() {
        let d = Decimal::parse_json("-12345678901234567890.123").unwrap();
        for (v, ty) in [
            (Value::Int(-5), Ty::Int),
            (Value::Bool(true), Ty::Bool),
            (Value::Float(-0.0), Ty::Float),
            (Value::Duration(7), Ty::Duration),
            (Value::Timestamp(9), Ty::Timestamp),
            (Value::Decimal(d), Ty::Decimal),
            (Value::None, Ty::Int),
        ] {
            let n = marshal(&v, ty);
            assert_eq!(unmarshal(&n, ty, |_, _| None), v);
        }
    }

    #[test]
    fn mismatched_type_reads_as_none() {
        assert_eq!(marshal(&Value::Int(3), Ty::Str), NVal::default());
        assert_eq!(marshal(&Value::Str("x".into()), Ty::Int), NVal::default());
    }
}
