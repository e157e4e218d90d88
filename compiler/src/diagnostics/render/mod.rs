//! Renderers: one per output format of `seg check` (§12). Each takes the
//! diagnostics and a lookup from a diagnostic's relative file path to that file's
//! text (for line and column numbers and source excerpts). They never read files.

mod github;
mod human;
mod json;
mod lines;
mod sarif;

pub use github::render_github;
pub use human::render_human;
pub use json::render_json;
pub use lines::LineIndex;
pub use sarif::render_sarif;

use super::{Diagnostic, Location};

/// Maps a relative path to the file's text.
pub type Sources<'s> = dyn Fn(&str) -> Option<&'s str> + 's;

/// 1-based (line, column, end line, end column) of a location.
pub(crate) fn range(sources: &Sources<'_>, loc: &Location) -> (usize, usize, usize, usize) {
    let Some(text) = sources(&loc.file) else {
        return (1, 1, 1, 1);
    };
    let ix = LineIndex::new(text);
    let (l, c) = ix.position(loc.span.start as usize);
    let (el, ec) = ix.position(loc.span.end as usize);
    (l, c, el, ec)
}

pub(crate) fn counts(diags: &[Diagnostic]) -> (usize, usize) {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    (errors, diags.len() - errors)
}
