//! The resolved, typed program: every declaration of the project indexed, every name
//! in an expression resolved to what it denotes, every expression typed, with
//! implicit numeric widenings made explicit.
//!
//! Built by `resolve::build` from the parsed files; reports name (E02xx) and type
//! (E03xx, W0301) diagnostics. Project-wide rules (purposes, PII, retention, cycles)
//! are in `check`. This module does no IO.

pub(crate) mod cyclic;
pub mod expr;
pub mod resolve;
pub mod test_blocks;
pub mod typeck;
pub mod types;

pub use expr::*;
pub use types::{Base, Type};

use crate::ir::schema::{Basis, IdTypeSchema, ValueType};
use crate::syntax::ast::{self, Span};

/// A declaration's place: file (relative path) and the span of its name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Site {
    pub file: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Field {
    pub name: String,
    pub ty: ValueType,
    pub optional: bool,
    pub pii: bool,
    pub site: Site,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Event {
    pub name: String,
    pub wire: String,
    pub fields: Vec<Field>,
    pub retain_ms: Option<i64>,
    pub purposes: Vec<usize>,
    pub doc: Option<String>,
    pub site: Site,
}

impl Event {
    pub fn field(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Purpose {
    pub name: String,
    pub basis: Basis,
    pub category: String,
    pub doc: Option<String>,
    pub site: Site,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Attr {
    pub name: String,
    pub ty: ValueType,
    pub site: Site,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Trait {
    pub name: String,
    pub ty: Type,
    pub expr: Expr,
    pub doc: Option<String>,
    pub site: Site,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Segment {
    pub name: String,
    pub purpose: Option<usize>,
    /// `holdout X%` as basis points (X · 100).
    pub holdout_bp: Option<u32>,
    pub expr: Expr,
    pub doc: Option<String>,
    pub site: Site,
}

/// A test block, kept as syntax: the test runner interprets its steps.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Test {
    pub file: String,
    pub decl: ast::TestDecl,
}

/// The whole checked project.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Program {
    pub events: Vec<Event>,
    pub purposes: Vec<Purpose>,
    /// Sorted by priority, strongest first; the default block when none is declared.
    pub identity: Vec<IdTypeSchema>,
    pub attrs: Vec<Attr>,
    pub traits: Vec<Trait>,
    pub segments: Vec<Segment>,
    pub tests: Vec<Test>,
}

/// Names of the project's events, traits and segments in project order,
/// duplicates included: what suggestions and "declared …" lists in diagnostics
/// offer. A file checked on its own is given the whole project's catalog.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Catalog {
    pub events: Vec<String>,
    pub traits: Vec<String>,
    pub segments: Vec<String>,
}

impl Catalog {
    /// The catalog of a program's own declarations.
    pub fn of(prog: &Program) -> Catalog {
        Catalog {
            events: prog.events.iter().map(|e| e.name.clone()).collect(),
            traits: prog.traits.iter().map(|t| t.name.clone()).collect(),
            segments: prog.segments.iter().map(|s| s.name.clone()).collect(),
        }
    }
}

impl Program {
    pub fn event(&self, name: &str) -> Option<usize> {
        self.events.iter().position(|e| e.name == name)
    }
    pub fn trait_index(&self, name: &str) -> Option<usize> {
        self.traits.iter().position(|t| t.name == name)
    }
    pub fn segment(&self, name: &str) -> Option<usize> {
        self.segments.iter().position(|s| s.name == name)
    }
    pub fn purpose(&self, name: &str) -> Option<usize> {
        self.purposes.iter().position(|p| p.name == name)
    }
    pub fn attr(&self, name: &str) -> Option<usize> {
        self.attrs.iter().position(|a| a.name == name)
    }
}
