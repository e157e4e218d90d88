//! Runtime values: what fields, attributes, aggregates and expressions evaluate to.
//! Durations are milliseconds, timestamps epoch milliseconds (UTC).

use std::sync::Arc;

use crate::decimal::Decimal;

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Decimal(Decimal),
    Str(Arc<str>),
    Duration(i64),
    Timestamp(i64),
}

impl Value {
    pub fn is_none(&self) -> bool {
        matches!(self, Value::None)
    }
}
