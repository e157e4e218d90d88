//! Value types of expressions: a base type plus "may be none".

use std::fmt;

use crate::ir::schema::ValueType;
use crate::syntax::ast::BaseType;

/// A base type; `Error` stands for an expression that already has a diagnostic and
/// is compatible with everything, so one mistake is reported once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Base {
    Int,
    Float,
    Decimal,
    Bool,
    String,
    Duration,
    Timestamp,
    Error,
}

/// `T` or `T?`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Type {
    pub base: Base,
    pub optional: bool,
}

impl Type {
    pub const ERROR: Type = Type {
        base: Base::Error,
        optional: false,
    };
    pub const BOOL: Type = Type {
        base: Base::Bool,
        optional: false,
    };
    pub const INT: Type = Type {
        base: Base::Int,
        optional: false,
    };

    pub fn new(base: Base) -> Type {
        Type {
            base,
            optional: false,
        }
    }
    pub fn opt(base: Base) -> Type {
        Type {
            base,
            optional: true,
        }
    }
    pub fn with_optional(self, optional: bool) -> Type {
        Type {
            base: self.base,
            optional,
        }
    }
    pub fn is_error(self) -> bool {
        self.base == Base::Error
    }
    pub fn is_numeric(self) -> bool {
        matches!(
            self.base,
            Base::Int | Base::Float | Base::Decimal | Base::Error
        )
    }
}

impl Base {
    pub fn name(self) -> &'static str {
        match self {
            Base::Int => "int",
            Base::Float => "float",
            Base::Decimal => "decimal",
            Base::Bool => "bool",
            Base::String => "string",
            Base::Duration => "duration",
            Base::Timestamp => "timestamp",
            Base::Error => "{unknown}",
        }
    }
    pub fn value_type(self) -> Option<ValueType> {
        Some(match self {
            Base::Int => ValueType::Int,
            Base::Float => ValueType::Float,
            Base::Decimal => ValueType::Decimal,
            Base::Bool => ValueType::Bool,
            Base::String => ValueType::String,
            Base::Duration => ValueType::Duration,
            Base::Timestamp => ValueType::Timestamp,
            Base::Error => return None,
        })
    }
    pub fn from_value_type(t: ValueType) -> Base {
        match t {
            ValueType::Int => Base::Int,
            ValueType::Float => Base::Float,
            ValueType::Decimal => Base::Decimal,
            ValueType::Bool => Base::Bool,
            ValueType::String => Base::String,
            ValueType::Duration => Base::Duration,
            ValueType::Timestamp => Base::Timestamp,
        }
    }
}

impl From<BaseType> for ValueType {
    fn from(b: BaseType) -> ValueType {
        match b {
            BaseType::Int => ValueType::Int,
            BaseType::Float => ValueType::Float,
            BaseType::Decimal => ValueType::Decimal,
            BaseType::Bool => ValueType::Bool,
            BaseType::String => ValueType::String,
            BaseType::Duration => ValueType::Duration,
            BaseType::Timestamp => ValueType::Timestamp,
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.base.name())?;
        if self.optional {
            f.write_str("?")?;
        }
        Ok(())
    }
}

/// The common type two numeric operands widen to (§4): int → decimal → float.
pub fn widen(a: Base, b: Base) -> Option<Base> {
    use Base::*;
    Some(match (a, b) {
        (Error, x) | (x, Error) => x,
        (x, y) if x == y => x,
        (Int, Decimal) | (Decimal, Int) => Decimal,
        (Int, Float) | (Float, Int) | (Decimal, Float) | (Float, Decimal) => Float,
        _ => return None,
    })
}
