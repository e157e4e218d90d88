//! Runtime values: what fields, attributes, aggregates and expressions evaluate to.
//! Durations are milliseconds, timestamps epoch milliseconds (UTC).
//!
//! This module holds the value type and type-faithful helpers (same-type
//! comparison, JSON rendering for snapshots). It performs no implicit numeric
//! conversion: widening `int → decimal → float` is the evaluator's business.

use std::cmp::Ordering;
use std::sync::Arc;

use serde_json::Value as Json;

use crate::decimal::Decimal;
use crate::exec::time::format_ts;

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Decimal(Decimal),
    Str(Arc<str>),
    /// Milliseconds.
    Duration(i64),
    /// Epoch milliseconds, UTC.
    Timestamp(i64),
}

impl Value {
    pub fn is_none(&self) -> bool {
        matches!(self, Value::None)
    }

    /// The type's name as the language spells it (`none` for [`Value::None`]).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::None => "none",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Decimal(_) => "decimal",
            Value::Str(_) => "string",
            Value::Duration(_) => "duration",
            Value::Timestamp(_) => "timestamp",
        }
    }

    /// A string value.
    pub fn str(s: &str) -> Value {
        Value::Str(Arc::from(s))
    }

    /// Orders two values of the same type: strings by Unicode code point (UTF-8
    /// byte order is code point order), decimals by value, floats by IEEE
    /// comparison (None when either is NaN). None for different types or `none`.
    pub fn cmp_same(&self, other: &Value) -> Option<Ordering> {
        match (self, other) {
            (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
            (Value::Int(a), Value::Int(b))
            | (Value::Duration(a), Value::Duration(b))
            | (Value::Timestamp(a), Value::Timestamp(b)) => Some(a.cmp(b)),
            (Value::Float(a), Value::Float(b)) => a.partial_cmp(b),
            (Value::Decimal(a), Value::Decimal(b)) => Some(a.cmp(b)),
            (Value::Str(a), Value::Str(b)) => Some(a.as_bytes().cmp(b.as_bytes())),
            _ => None,
        }
    }

    /// A total order for keys of same-typed values (`distinct`, `most_frequent`,
    /// `min`/`max` bookkeeping): like [`Value::cmp_same`], but floats use
    /// `total_cmp` (so NaN has a place and −0.0 < 0.0) and values of different
    /// types are ordered by type.
    pub fn total_cmp(&self, other: &Value) -> Ordering {
        match (self, other) {
            (Value::Float(a), Value::Float(b)) => a.total_cmp(b),
            _ => self
                .cmp_same(other)
                .unwrap_or_else(|| self.rank().cmp(&other.rank())),
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Value::None => 0,
            Value::Bool(_) => 1,
            Value::Int(_) => 2,
            Value::Float(_) => 3,
            Value::Decimal(_) => 4,
            Value::Str(_) => 5,
            Value::Duration(_) => 6,
            Value::Timestamp(_) => 7,
        }
    }

    /// Snapshot JSON: none → `null`, decimals as their exact text as a JSON
    /// number (`500.00`), durations in ms, timestamps as `2026-01-01T10:00:00.000Z`
    /// strings; a non-finite float (never produced by the language) → `null`.
    pub fn to_json(&self) -> Json {
        match self {
            Value::None => Json::Null,
            Value::Bool(b) => Json::from(*b),
            Value::Int(i) | Value::Duration(i) => Json::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
            Value::Decimal(d) => d
                .to_string()
                .parse::<serde_json::Number>()
                .map_or(Json::Null, Json::Number),
            Value::Str(s) => Json::from(&**s),
            Value::Timestamp(ms) => Json::from(format_ts(*ms)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Value {
        Value::Decimal(Decimal::parse_json(s).unwrap())
    }

    #[test]
    fn json_rendering() {
        let render = |v: Value| v.to_json().to_string();
        assert_eq!(render(Value::None), "null");
        assert_eq!(render(dec("500.00")), "500.00");
        assert_eq!(render(dec("-0.0005")), "-0.0005");
        assert_eq!(render(Value::Float(0.5)), "0.5");
        assert_eq!(render(Value::Float(f64::NAN)), "null");
        assert_eq!(render(Value::Int(-3)), "-3");
        assert_eq!(render(Value::Duration(1_800_000)), "1800000");
        assert_eq!(
            render(Value::Timestamp(1_767_261_600_000)),
            "\"2026-01-01T10:00:00.000Z\""
        );
        assert_eq!(render(Value::str("é\"")), "\"é\\\"\"");
        assert_eq!(render(Value::Bool(true)), "true");
    }

    #[test]
    fn same_type_ordering() {
        assert_eq!(
            Value::str("Z").cmp_same(&Value::str("a")),
            Some(Ordering::Less)
        );
        // By code point, not UTF-16 units: U+FFFD < U+1F600.
        assert_eq!(
            Value::str("\u{fffd}").cmp_same(&Value::str("\u{1f600}")),
            Some(Ordering::Less)
        );
        assert_eq!(dec("1.0").cmp_same(&dec("1.00")), Some(Ordering::Equal));
        assert_eq!(Value::Int(1).cmp_same(&dec("1")), None);
        assert_eq!(Value::None.cmp_same(&Value::None), None);
        assert_eq!(Value::Float(f64::NAN).cmp_same(&Value::Float(1.0)), None);
        assert_eq!(
            Value::Float(-0.0).total_cmp(&Value::Float(0.0)),
            Ordering::Less
        );
        assert_eq!(Value::None.total_cmp(&Value::Int(0)), Ordering::Less);
        assert_eq!(Value::Int(2).type_name(), "int");
    }
}
