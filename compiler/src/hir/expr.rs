//! Typed expressions of the HIR.

use super::types::{Base, Type};
use crate::syntax::ast::{BinOp, Span};

/// An exact decimal literal: `mantissa · 10^-scale`, |mantissa| < 10^28, scale ≤ 28.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DecLit {
    pub mantissa: i128,
    pub scale: u8,
}

impl DecLit {
    pub const MAX_MANTISSA: i128 = 10_000_000_000_000_000_000_000_000_000;

    /// Reads a literal's source text exactly (`500.10`, `42`), or None if it does not
    /// fit 28 significant digits and scale 28.
    pub fn parse(text: &str) -> Option<DecLit> {
        let (neg, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (int_part, frac_part) = digits.split_once('.').unwrap_or((digits, ""));
        if int_part.is_empty() && frac_part.is_empty() {
            return None;
        }
        let scale = u8::try_from(frac_part.len()).ok().filter(|s| *s <= 28)?;
        let mut mantissa: i128 = 0;
        for c in int_part.chars().chain(frac_part.chars()) {
            let d = c.to_digit(10)?;
            mantissa = mantissa.checked_mul(10)?.checked_add(i128::from(d))?;
            if mantissa >= Self::MAX_MANTISSA {
                return None;
            }
        }
        Some(DecLit {
            mantissa: if neg { -mantissa } else { mantissa },
            scale,
        })
    }
}

impl std::fmt::Display for DecLit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let digits = self.mantissa.unsigned_abs().to_string();
        let sign = if self.mantissa < 0 { "-" } else { "" };
        let scale = usize::from(self.scale);
        if scale == 0 {
            return write!(f, "{sign}{digits}");
        }
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (i, frac) = padded.split_at(padded.len() - scale);
        write!(f, "{sign}{i}.{frac}")
    }
}

/// A constant value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Lit {
    Int(i64),
    /// f64 bits, so literals can be compared and hashed.
    Float(u64),
    Decimal(DecLit),
    Str(String),
    Bool(bool),
    Duration(i64),
    None,
}

impl std::fmt::Display for Lit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Lit::Int(i) => write!(f, "{i}"),
            Lit::Float(bits) => write!(f, "{:?}", f64::from_bits(*bits)),
            Lit::Decimal(d) => write!(f, "{d}d"),
            Lit::Str(s) => write!(f, "{s:?}"),
            Lit::Bool(b) => write!(f, "{b}"),
            Lit::Duration(ms) => write!(f, "{ms}ms"),
            Lit::None => f.write_str("none"),
        }
    }
}

/// One event type feeding an event reference, with its filter predicate.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SrcEvent {
    pub event: usize,
    pub filter: Option<Box<Expr>>,
}

/// An event reference: `E`, `E[pred]`, or `any` (every declared event).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EventSrc {
    pub events: Vec<SrcEvent>,
    pub is_any: bool,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AggFunc {
    Count,
    Sum,
    Avg,
    Min,
    Max,
    Distinct,
    First,
    Last,
    MostFrequent,
}

impl AggFunc {
    pub fn from_name(name: &str) -> Option<AggFunc> {
        Some(match name {
            "count" => AggFunc::Count,
            "sum" => AggFunc::Sum,
            "avg" => AggFunc::Avg,
            "min" => AggFunc::Min,
            "max" => AggFunc::Max,
            "distinct" => AggFunc::Distinct,
            "first" => AggFunc::First,
            "last" => AggFunc::Last,
            "most_frequent" => AggFunc::MostFrequent,
            _ => return None,
        })
    }
    pub fn name(self) -> &'static str {
        match self {
            AggFunc::Count => "count",
            AggFunc::Sum => "sum",
            AggFunc::Avg => "avg",
            AggFunc::Min => "min",
            AggFunc::Max => "max",
            AggFunc::Distinct => "distinct",
            AggFunc::First => "first",
            AggFunc::Last => "last",
            AggFunc::MostFrequent => "most_frequent",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Helper {
    StartsWith,
    Contains,
    Lower,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ExprKind {
    Lit(Lit),
    /// A field of the event being filtered (only inside `E[…]`).
    Field(usize),
    Attr(usize),
    Trait(usize),
    Segment(usize),
    /// `func(E[.field], W)`; `field` indexes the single source event's fields.
    Agg {
        func: AggFunc,
        src: EventSrc,
        field: Option<usize>,
        window: Option<i64>,
    },
    Since(EventSrc),
    /// `a then [not] b within D`
    Seq {
        a: EventSrc,
        b: EventSrc,
        within: i64,
        negated: bool,
    },
    /// `count(a then b within D, W)`
    SeqCount {
        a: EventSrc,
        b: EventSrc,
        within: i64,
        window: Option<i64>,
    },
    Neg(Box<Expr>),
    Not(Box<Expr>),
    /// Both operands already have type `operand` (after `Convert`).
    Binary {
        op: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
        operand: Base,
    },
    /// Numeric widening int → decimal → float.
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
    /// An expression that already has a diagnostic.
    Error,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Expr {
    pub kind: ExprKind,
    pub ty: Type,
    pub span: Span,
}

impl Expr {
    pub fn error(span: Span) -> Expr {
        Expr {
            kind: ExprKind::Error,
            ty: Type::ERROR,
            span,
        }
    }
}
