//! The abstract syntax tree of one `.seg` file, with byte spans.
//!
//! The AST mirrors the surface syntax closely (parentheses are kept, literals keep
//! their source text) so the formatter can print it back and compare. It holds no
//! resolved names and no types: resolution and checking live in `hir` and `check`.

use std::fmt;

/// A half-open byte range `start..end` into one file's text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }
    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
    pub fn contains(self, offset: usize) -> bool {
        (self.start as usize) <= offset && offset <= (self.end as usize)
    }
}

/// An identifier with its span.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A string literal: `value` is unescaped.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct StrLit {
    pub value: String,
    pub span: Span,
}

/// A duration literal such as `30m` or `1h30m`: `ms` is exact milliseconds.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DurationLit {
    pub ms: i64,
    pub text: String,
    pub span: Span,
}

/// A percentage after `holdout`, e.g. `10%` or `2.5%`: `text` is the number without
/// the `%` sign (`"10"`, `"2.5"`); the span covers the sign too. Range and precision
/// are the checker's business.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PercentLit {
    pub text: String,
    pub span: Span,
}

/// A whole number literal used by identity clauses (`priority 1`, `limit 5`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IntLit {
    pub text: String,
    pub span: Span,
}

/// One parsed file: its declarations in source order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct File {
    pub items: Vec<Item>,
}

impl File {
    /// The tree's debug text without spans, for comparing the trees of different
    /// texts.
    pub fn without_spans(&self) -> String {
        let text = format!("{self:?}");
        let mut out = String::with_capacity(text.len());
        let mut rest = text.as_str();
        while let Some(i) = rest.find("Span { start: ") {
            out.push_str(&rest[..i]);
            rest = &rest[i..];
            match rest.find('}') {
                Some(j) => rest = &rest[j + 1..],
                None => break,
            }
        }
        out.push_str(rest);
        out
    }
}

/// A top-level declaration with its doc comment (the `///` lines before it, each
/// without the `///` and one following space, joined with `\n`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Item {
    pub doc: Option<String>,
    pub kind: ItemKind,
    /// From the declaration keyword (not the doc comment) to the end of the item.
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ItemKind {
    Event(EventDecl),
    Identity(IdentityBlock),
    Purpose(PurposeDecl),
    Profile(ProfileBlock),
    Trait(TraitDecl),
    Segment(SegmentDecl),
    Test(TestDecl),
}

/// `event NAME [= "wire"] [for P, …] [retain D] { fields }`
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EventDecl {
    pub name: Ident,
    pub wire: Option<StrLit>,
    pub purposes: Vec<Ident>,
    pub retain: Option<DurationLit>,
    pub fields: Vec<FieldDecl>,
}

/// `name: type[?] [pii]` in an event or profile block.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FieldDecl {
    pub name: Ident,
    pub ty: TypeExpr,
    pub pii: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TypeExpr {
    pub base: BaseType,
    pub optional: bool,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BaseType {
    Int,
    Float,
    Decimal,
    Bool,
    String,
    Duration,
    Timestamp,
}

impl BaseType {
    /// Every base type, in the order of §4.
    pub const ALL: [BaseType; 7] = [
        BaseType::Int,
        BaseType::Float,
        BaseType::Decimal,
        BaseType::Bool,
        BaseType::String,
        BaseType::Duration,
        BaseType::Timestamp,
    ];

    pub fn keyword(self) -> &'static str {
        match self {
            BaseType::Int => "int",
            BaseType::Float => "float",
            BaseType::Decimal => "decimal",
            BaseType::Bool => "bool",
            BaseType::String => "string",
            BaseType::Duration => "duration",
            BaseType::Timestamp => "timestamp",
        }
    }
}

impl fmt::Display for BaseType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

/// `identity { line* }`
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IdentityBlock {
    pub lines: Vec<IdentityLine>,
    /// The `identity` keyword.
    pub keyword: Span,
}

/// `NAME = path | path … clause*`
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IdentityLine {
    pub name: Ident,
    pub paths: Vec<JsonPath>,
    pub clauses: Vec<IdClause>,
    pub span: Span,
}

/// A dotted JSON path such as `context.traits.email`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct JsonPath {
    pub segments: Vec<Ident>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IdClause {
    pub kind: IdClauseKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum IdClauseKind {
    /// `normalize(trim, lower)`: the normaliser names, unchecked.
    Normalize(Vec<Ident>),
    /// `hash(sha256)`: the algorithm name, unchecked.
    Hash(Ident),
    Priority(IntLit),
    Limit(IntLit),
}

/// `purpose NAME { clause* }`
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PurposeDecl {
    pub name: Ident,
    pub clauses: Vec<PurposeClause>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PurposeClause {
    /// `basis consent` / `basis legitimate_interest`; span covers both words.
    Basis(Basis, Span),
    /// `category "Name"`; span covers both.
    Category(StrLit, Span),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Basis {
    Consent,
    LegitimateInterest,
}

/// `profile { attr* }`
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ProfileBlock {
    pub attrs: Vec<FieldDecl>,
    pub keyword: Span,
}

/// `trait NAME = expr`
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TraitDecl {
    pub name: Ident,
    pub expr: Expr,
}

/// `segment NAME clause* = expr`, clauses `for P` and `holdout X%` in any order.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SegmentDecl {
    pub name: Ident,
    pub clauses: Vec<SegmentClause>,
    pub expr: Expr,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SegmentClause {
    /// `for P`; span covers the keyword and the name.
    For(Ident, Span),
    /// `holdout X%`; span covers the keyword and the percentage.
    Holdout(PercentLit, Span),
}

/// `test "name" { step* }`
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TestDecl {
    pub name: StrLit,
    pub steps: Vec<TestStep>,
}

/// One line of a test: `at TIME …`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TestStep {
    pub at: TimeLit,
    pub kind: StepKind,
    pub span: Span,
}

/// `10:00`, `10:00:30` (on 2026-01-01 UTC) or a full RFC 3339 timestamp.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TimeLit {
    pub text: String,
    pub span: Span,
}

/// An identifier the test sends as: `user_id "u1"`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IdValue {
    pub id_type: Ident,
    pub value: StrLit,
}

/// `name: literal` inside a test message body (the literal may be negative).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FieldValue {
    pub name: Ident,
    pub value: Expr,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum StepKind {
    /// `at T user_id "u1" [, anonymous_id "a1"] EVENT [{ f: v, … }]`
    Track {
        ids: Vec<IdValue>,
        event: Ident,
        fields: Vec<FieldValue>,
    },
    /// `at T user_id "u1" identify { attr: v, … }`
    Identify {
        ids: Vec<IdValue>,
        attrs: Vec<FieldValue>,
    },
    /// `at T user_id "u1" consent { "Category": true, … }`
    Consent {
        ids: Vec<IdValue>,
        decisions: Vec<(StrLit, bool)>,
    },
    /// `at T user_id "u1" forget`
    Forget { ids: Vec<IdValue> },
    /// `at T expect user_id "u1" [not] in SEGMENT`
    ExpectMember {
        id: IdValue,
        negated: bool,
        segment: Ident,
    },
    /// `at T expect user_id "u1" TRAIT == literal` (`none` allowed here)
    ExpectTrait {
        id: IdValue,
        name: Ident,
        value: Expr,
    },
}

/// An expression node.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

impl Expr {
    /// The direct sub-expressions, in source order, filter predicates included.
    pub fn children(&self) -> Vec<&Expr> {
        match &self.kind {
            ExprKind::Filter { base, pred } => vec![base, pred],
            ExprKind::Field { base, .. } => vec![base],
            ExprKind::Call { args, .. } => args.iter().collect(),
            ExprKind::Seq { a, b, .. } => vec![a, b],
            ExprKind::Unary { expr, .. } | ExprKind::Paren(expr) => vec![expr],
            ExprKind::Binary { lhs, rhs, .. } => vec![lhs, rhs],
            ExprKind::In { expr, items } => std::iter::once(&**expr).chain(items).collect(),
            ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Str(_)
            | ExprKind::Bool(_)
            | ExprKind::None
            | ExprKind::Duration(_)
            | ExprKind::Name(_)
            | ExprKind::ProfileAttr(_) => Vec::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ExprKind {
    /// Integer literal, source text (no sign).
    Int(String),
    /// Float literal `3.5`, source text (no sign).
    Float(String),
    Str(String),
    Bool(bool),
    /// The literal `none`.
    None,
    Duration(DurationLit),
    /// A bare identifier: a trait, a segment, an event (as an aggregate argument),
    /// or, inside `E[…]`, a field of that event. `any` arrives here too.
    Name(Ident),
    /// `profile.attr`
    ProfileAttr(Ident),
    /// `base[pred]`: a filtered event reference.
    Filter {
        base: Box<Expr>,
        pred: Box<Expr>,
    },
    /// `base.field`: a field of an event reference.
    Field {
        base: Box<Expr>,
        field: Ident,
    },
    /// `func(args…)`: aggregates and string helpers.
    Call {
        func: Ident,
        args: Vec<Expr>,
    },
    /// `a then [not] b within D`
    Seq {
        a: Box<Expr>,
        b: Box<Expr>,
        negated: bool,
        within: DurationLit,
    },
    Unary {
        op: UnaryOp,
        expr: Box<Expr>,
    },
    Binary {
        op: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `expr in [items]`
    In {
        expr: Box<Expr>,
        items: Vec<Expr>,
    },
    /// `( expr )`, kept so formatting preserves the author's grouping.
    Paren(Box<Expr>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Neg,
    Not,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Coalesce,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Or => "or",
            BinOp::And => "and",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Coalesce => "??",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Rem => "%",
        }
    }
    /// Binding strength, loosest = 1 (`or`) … tightest = 6 (`* / %`).
    /// `not` sits at 3 and unary minus at 7, between these.
    pub fn precedence(self) -> u8 {
        match self {
            BinOp::Or => 1,
            BinOp::And => 2,
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => 4,
            BinOp::Coalesce => 5,
            BinOp::Add | BinOp::Sub => 6,
            BinOp::Mul | BinOp::Div | BinOp::Rem => 7,
        }
    }
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
        )
    }
}

impl Item {
    /// The declared name and its span, for items that declare one.
    pub fn name(&self) -> Option<&Ident> {
        match &self.kind {
            ItemKind::Event(e) => Some(&e.name),
            ItemKind::Purpose(p) => Some(&p.name),
            ItemKind::Trait(t) => Some(&t.name),
            ItemKind::Segment(s) => Some(&s.name),
            ItemKind::Identity(_) | ItemKind::Profile(_) | ItemKind::Test(_) => None,
        }
    }
}

/// Keywords that may not name a declaration (§2).
pub const KEYWORDS: &[&str] = &[
    "event",
    "for",
    "retain",
    "pii",
    "identity",
    "priority",
    "limit",
    "normalize",
    "hash",
    "purpose",
    "basis",
    "consent",
    "legitimate_interest",
    "category",
    "profile",
    "trait",
    "segment",
    "holdout",
    "test",
    "at",
    "expect",
    "in",
    "not",
    "and",
    "or",
    "then",
    "within",
    "any",
    "true",
    "false",
    "none",
    "int",
    "float",
    "decimal",
    "bool",
    "string",
    "duration",
    "timestamp",
];

/// Keywords that may not name a field or profile attribute either (§2).
pub const EXPR_KEYWORDS: &[&str] = &[
    "not", "and", "or", "in", "then", "within", "any", "true", "false", "none", "profile",
];

/// Duration units, longest suffix first for lexing: `ms` before `m`.
pub const DURATION_UNITS: &[(&str, i64)] = &[
    ("w", 604_800_000),
    ("d", 86_400_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1_000),
    ("ms", 1),
];
