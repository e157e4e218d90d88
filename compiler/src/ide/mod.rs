//! Editor analyses over the salsa database: the name occurrences of a project
//! (`index`), and on top of it definitions, references, hover text, completion,
//! signature help, rename edits, document/workspace symbols, semantic token classes
//! and quick fixes.
//!
//! Everything here works on byte offsets and spans of the project's own texts and
//! returns plain values. It must not know about the Language Server Protocol (line
//! and column encodings, JSON, URIs): the `seg-lsp` crate converts. No IO.

mod complete;
mod fixes;
mod hir_walk;
mod hover;
mod occurrences;
mod rename;
mod symbols;

pub use complete::{completions, signature_help, Completion, CompletionKind, SignatureInfo};
pub use fixes::fixes;
pub use hover::{hover, Hover};
pub use occurrences::{index, Index, Occurrence};
pub use rename::{prepare_rename, rename};
pub use symbols::{
    document_symbols, semantic_tokens, workspace_symbols, DocSymbol, SymbolKind, TokenClass,
    WorkspaceSymbol,
};

use crate::db::{Project, SourceFile};
use crate::syntax::ast::Span;

/// What a name in the source denotes. Names are unique per kind in a project (one
/// namespace for events, purposes, traits and segments), so a name identifies it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Symbol {
    Event(String),
    Field {
        event: String,
        field: String,
    },
    Attr(String),
    Trait(String),
    Segment(String),
    Purpose(String),
    IdType(String),
    /// A built-in function (`count`, `since`, `lower`, …): no declaration.
    Function(String),
}

impl Symbol {
    /// The name as written in the source.
    pub fn name(&self) -> &str {
        match self {
            Symbol::Field { field, .. } => field,
            Symbol::Event(n)
            | Symbol::Attr(n)
            | Symbol::Trait(n)
            | Symbol::Segment(n)
            | Symbol::Purpose(n)
            | Symbol::IdType(n)
            | Symbol::Function(n) => n,
        }
    }
}

/// A text replacement in one file of the project.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Edit {
    pub file: String,
    pub span: Span,
    pub text: String,
}

/// A quick fix: a title for the menu and the edits it applies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub title: String,
    pub edits: Vec<Edit>,
}

/// The input of the project's file with this relative path.
pub fn file_named(db: &dyn salsa::Database, project: Project, path: &str) -> Option<SourceFile> {
    project
        .files(db)
        .iter()
        .copied()
        .find(|f| f.path(db) == path)
}

/// The occurrence at `offset` in `file` (a name the cursor is on or just after).
pub fn symbol_at(
    db: &dyn salsa::Database,
    project: Project,
    file: &str,
    offset: usize,
) -> Option<Occurrence> {
    let ix = index(db, project);
    let mut best: Option<&Occurrence> = None;
    for occ in ix.in_file(file) {
        if !occ.span.contains(offset) {
            continue;
        }
        // Prefer a name the cursor is inside over one it merely touches at its end.
        let inside = offset < occ.span.end as usize;
        if best.is_none() || inside {
            best = Some(occ);
        }
    }
    best.cloned()
}

/// The declarations of the symbol at `offset`.
pub fn definition(
    db: &dyn salsa::Database,
    project: Project,
    file: &str,
    offset: usize,
) -> Vec<Occurrence> {
    let Some(occ) = symbol_at(db, project, file, offset) else {
        return Vec::new();
    };
    index(db, project)
        .of(&occ.symbol)
        .filter(|o| o.is_def)
        .cloned()
        .collect()
}

/// Every occurrence of the symbol at `offset`, declarations included when asked.
pub fn references(
    db: &dyn salsa::Database,
    project: Project,
    file: &str,
    offset: usize,
    include_declaration: bool,
) -> Vec<Occurrence> {
    let Some(occ) = symbol_at(db, project, file, offset) else {
        return Vec::new();
    };
    index(db, project)
        .of(&occ.symbol)
        .filter(|o| include_declaration || !o.is_def)
        .cloned()
        .collect()
}

/// A duration in the language's notation, in the largest unit that divides it
/// exactly (`90d`, `90m`, `1500ms`).
pub fn fmt_duration(ms: i64) -> String {
    let unit = crate::syntax::ast::DURATION_UNITS
        .iter()
        .find(|(_, size)| ms % size == 0)
        .map_or(("ms", 1), |(u, size)| (*u, *size));
    format!("{}{}", ms / unit.1, unit.0)
}

#[cfg(test)]
mod tests;
