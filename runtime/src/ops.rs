//! Operators on runtime values with the none rules of §5: arithmetic with none is
//! none, a comparison with none is false, integer and decimal overflow and division
//! by zero are none. Operands arrive already widened to the operator's operand type
//! (the plan makes conversions explicit), so each function handles one type.
//! Shared by the interpreter and the JIT's host helpers.

use std::cmp::Ordering;

use seg_compiler::hir::{Base, Lit};
use seg_compiler::syntax::ast::BinOp;

use crate::decimal::Decimal;
use crate::value::Value;

/// A literal as a runtime value.
pub fn literal(l: &Lit) -> Value {
    match l {
        Lit::Int(i) => Value::Int(*i),
        Lit::Float(bits) => Value::Float(f64::from_bits(*bits)),
        Lit::Decimal(d) => {
            Decimal::from_parts(d.mantissa, d.scale).map_or(Value::None, Value::Decimal)
        }
        Lit::Str(s) => Value::Str(s.as_str().into()),
        Lit::Bool(b) => Value::Bool(*b),
        Lit::Duration(ms) => Value::Duration(*ms),
        Lit::None => Value::None,
    }
}

/// Truthiness for `not`, `and`, `or` and filters: none counts as false.
pub fn truthy(v: &Value) -> bool {
    matches!(v, Value::Bool(true))
}

/// Numeric widening int → decimal → float.
pub fn convert(v: Value, to: Base) -> Value {
    match (v, to) {
        (Value::Int(i), Base::Decimal) => Value::Decimal(Decimal::from_i64(i)),
        (Value::Int(i), Base::Float) => Value::Float(i as f64),
        (Value::Decimal(d), Base::Float) => Value::Float(d.to_f64()),
        (v, _) => v,
    }
}

pub fn neg(v: Value) -> Value {
    match v {
        Value::Int(i) => i.checked_neg().map_or(Value::None, Value::Int),
        Value::Float(f) => Value::Float(-f),
        Value::Decimal(d) => d.checked_neg().map_or(Value::None, Value::Decimal),
        Value::Duration(d) => d.checked_neg().map_or(Value::None, Value::Duration),
        _ => Value::None,
    }
}

/// Orders two values of one type; None when either is none or they differ in type.
pub fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::Float(x), Value::Float(y)) => x.partial_cmp(y),
        (Value::Decimal(x), Value::Decimal(y)) => Some(x.cmp(y)),
        (Value::Str(x), Value::Str(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::Duration(x), Value::Duration(y)) | (Value::Timestamp(x), Value::Timestamp(y)) => {
            Some(x.cmp(y))
        }
        _ => None,
    }
}

/// `==` on two values; false when either is none.
pub fn equal(a: &Value, b: &Value) -> bool {
    compare(a, b) == Some(Ordering::Equal)
}

/// A comparison operator; false when either side is none (also for `!=`).
pub fn comparison(op: BinOp, a: &Value, b: &Value) -> bool {
    let Some(o) = compare(a, b) else { return false };
    match op {
        BinOp::Eq => o == Ordering::Equal,
        BinOp::Ne => o != Ordering::Equal,
        BinOp::Lt => o == Ordering::Less,
        BinOp::Le => o != Ordering::Greater,
        BinOp::Gt => o == Ordering::Greater,
        BinOp::Ge => o != Ordering::Less,
        _ => false,
    }
}

/// An arithmetic operator on operands of type `operand`.
pub fn arith(op: BinOp, a: Value, b: Value) -> Value {
    use Value::*;
    match (op, a, b) {
        (_, None, _) | (_, _, None) => None,
        (BinOp::Add, Int(x), Int(y)) => x.checked_add(y).map_or(None, Int),
        (BinOp::Sub, Int(x), Int(y)) => x.checked_sub(y).map_or(None, Int),
        (BinOp::Mul, Int(x), Int(y)) => x.checked_mul(y).map_or(None, Int),
        (BinOp::Rem, Int(x), Int(y)) => x.checked_rem(y).map_or(None, Int),
        (BinOp::Add, Float(x), Float(y)) => Float(x + y),
        (BinOp::Sub, Float(x), Float(y)) => Float(x - y),
        (BinOp::Mul, Float(x), Float(y)) => Float(x * y),
        (BinOp::Div, Float(x), Float(y)) => {
            if y == 0.0 {
                None
            } else {
                Float(x / y)
            }
        }
        (BinOp::Rem, Float(x), Float(y)) => {
            if y == 0.0 {
                None
            } else {
                Float(x % y)
            }
        }
        (BinOp::Add, Decimal(x), Decimal(y)) => x.checked_add(&y).map_or(None, Decimal),
        (BinOp::Sub, Decimal(x), Decimal(y)) => x.checked_sub(&y).map_or(None, Decimal),
        (BinOp::Mul, Decimal(x), Decimal(y)) => x.checked_mul(&y).map_or(None, Decimal),
        (BinOp::Rem, Decimal(x), Decimal(y)) => x.checked_rem(&y).map_or(None, Decimal),
        (BinOp::Add, Duration(x), Duration(y)) => x.checked_add(y).map_or(None, Duration),
        (BinOp::Sub, Duration(x), Duration(y)) => x.checked_sub(y).map_or(None, Duration),
        (BinOp::Mul, Duration(x), Int(y)) | (BinOp::Mul, Int(y), Duration(x)) => {
            x.checked_mul(y).map_or(None, Duration)
        }
        (BinOp::Add, Timestamp(x), Duration(y)) => x.checked_add(y).map_or(None, Timestamp),
        (BinOp::Sub, Timestamp(x), Duration(y)) => x.checked_sub(y).map_or(None, Timestamp),
        (BinOp::Sub, Timestamp(x), Timestamp(y)) => x.checked_sub(y).map_or(None, Duration),
        _ => None,
    }
}
