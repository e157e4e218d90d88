//! Renderers: one per output format of `seg check` (§12).
//!
//! | format | function | for |
//! |---|---|---|
//! | `human` | [`render_human`] | terminals: source excerpts drawn by ariadne |
//! | `json` | [`render_json`] | tools: the one JSON document of §12 |
//! | `github` | [`render_github`] | GitHub Actions workflow commands (annotations) |
//! | `sarif` | [`render_sarif`] | SARIF 2.1.0 (code-scanning services, IDEs) |
//!
//! Each takes the diagnostics, in the order they are to be shown, and a lookup from
//! a diagnostic's relative file path to that file's text, which gives line and column
//! numbers ([`LineIndex`]) and source excerpts. Renderers never read files and never
//! fail: a file the lookup does not know renders as an empty text (its positions
//! are line 1, column 1), and a span past the end of its file is clamped.

mod github;
mod human;
mod json;
mod lines;
mod sarif;

use std::collections::HashMap;

pub use github::render_github;
pub use human::render_human;
pub use json::render_json;
pub use lines::LineIndex;
pub use sarif::{render_sarif, SARIF_SCHEMA};

use super::{Diagnostic, Location};

/// Maps a diagnostic's relative file path (as in [`Location::file`]) to that file's
/// text, or `None` when it is not known. Any closure `|path: &str| -> Option<&str>`.
pub type Sources<'s> = dyn Fn(&str) -> Option<&'s str> + 's;

/// 1-based start and end of a location; the end is exclusive (the column just past
/// the last character), as in SARIF and the language server protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Range {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

/// Line indexes of the files the diagnostics name, built once per file.
pub(crate) struct Positions<'a, 's> {
    sources: &'a Sources<'s>,
    indexes: HashMap<String, LineIndex<'s>>,
}

impl<'a, 's> Positions<'a, 's> {
    pub fn new(sources: &'a Sources<'s>) -> Self {
        Positions {
            sources,
            indexes: HashMap::new(),
        }
    }

    /// The line index of a file (of an empty text when the file is unknown).
    pub fn index(&mut self, file: &str) -> &LineIndex<'s> {
        let sources = self.sources;
        self.indexes
            .entry(file.to_string())
            .or_insert_with(|| LineIndex::new(sources(file).unwrap_or("")))
    }

    /// The 1-based range of a location.
    pub fn range(&mut self, loc: &Location) -> Range {
        let ix = self.index(&loc.file);
        let (line, column) = ix.position(loc.span.start as usize);
        let (end_line, end_column) = ix.position(loc.span.end.max(loc.span.start) as usize);
        Range {
            line,
            column,
            end_line,
            end_column,
        }
    }
}

/// (errors, warnings) among the diagnostics.
pub(crate) fn counts(diags: &[Diagnostic]) -> (usize, usize) {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    (errors, diags.len() - errors)
}

#[cfg(test)]
mod tests {
    use super::{Positions, Range};
    use crate::diagnostics::Location;
    use crate::syntax::ast::Span;

    #[test]
    fn unknown_files_and_stale_spans_do_not_panic() {
        let sources = |p: &str| (p == "a.seg").then_some("ab\ncd");
        let mut pos = Positions::new(&sources);
        let loc = |file: &str, start, end| Location {
            file: file.to_string(),
            span: Span::new(start, end),
        };
        let one = Range {
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 1,
        };
        assert_eq!(pos.range(&loc("missing.seg", 5, 9)), one);
        let r = pos.range(&loc("a.seg", 4, 99));
        assert_eq!((r.line, r.column, r.end_line, r.end_column), (2, 2, 2, 3));
        // An inverted span ends where it starts.
        let r = pos.range(&loc("a.seg", 4, 1));
        assert_eq!((r.end_line, r.end_column), (2, 2));
    }
}
