//! Project-wide rules over the AST: purposes, PII, retention, cycles, declarations.
//!
//! `check_project` runs every rule on the parsed files of a project and returns
//! their diagnostics, sorted. The rules work on syntax through `index` (names →
//! declarations); they never report unknown names, duplicate declarations (E0202) or
//! type errors — those belong to `hir` — and silently skip what does not resolve.
//! This module does no IO.
//!
//! | module | codes |
//! |---|---|
//! | `declarations` | E0210 E0211 E0212 E0311–E0317 |
//! | `cycles` | E0209 |
//! | `purposes` | E0401 E0402 E0403 |
//! | `pii` | E0404 |
//! | `retention` | E0501 E0502 W0501 |

pub mod cycles;
pub mod declarations;
pub mod index;
pub mod pii;
pub mod purposes;
pub mod retention;
pub mod walk;

use crate::diagnostics::{self, codes, Diagnostic};
use crate::syntax::ast;

pub use index::ProjectIndex;

/// Checks the project rules. `files` are (path relative to the project root,
/// parsed file) pairs; the order of files decides which of two places is "first".
pub fn check_project(files: &[(&str, &ast::File)]) -> Vec<Diagnostic> {
    let ix = ProjectIndex::new(files);
    let mut diags = Vec::new();
    declaration_rules(&ix, &mut diags);
    declarations::wire_names(&ix, &mut diags);
    cycles::check(&ix, &mut diags);
    diagnostics::sort(&mut diags);
    diags
}

/// The project rules that decide each diagnostic from the declaration it is
/// located at and what that declaration uses: every rule but wire names and cycles.
pub fn check_declarations(files: &[(&str, &ast::File)]) -> Vec<Diagnostic> {
    let ix = ProjectIndex::new(files);
    let mut diags = Vec::new();
    declaration_rules(&ix, &mut diags);
    diags
}

fn declaration_rules(ix: &ProjectIndex<'_>, diags: &mut Vec<Diagnostic>) {
    declarations::check(ix, diags);
    purposes::check(ix, diags);
    pii::check(ix, diags);
    retention::check(ix, diags);
}

/// The codes of the rules that need every declaration of the project at once. A
/// file checked with only the declarations it uses leaves these out; the project's
/// check adds them from `check_project_wide`.
pub const PROJECT_WIDE: &[&str] = &[codes::DUPLICATE, codes::DUPLICATE_WIRE, codes::CYCLE];

/// Duplicate names (E0202), shared wire names (E0212) and cycles (E0209), sorted.
pub fn check_project_wide(files: &[(&str, &ast::File)]) -> Vec<Diagnostic> {
    let ix = ProjectIndex::new(files);
    let mut diags = Vec::new();
    crate::hir::resolve::check_duplicates(files, &mut diags);
    declarations::wire_names(&ix, &mut diags);
    cycles::check(&ix, &mut diags);
    diagnostics::sort(&mut diags);
    diags
}

#[cfg(test)]
mod tests;
