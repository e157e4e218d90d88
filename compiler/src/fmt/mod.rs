//! Canonical formatting of `.seg` files. The layout is a function of the syntax tree
//! alone (so formatting is idempotent); comments are kept, attached to the
//! declaration, field or step they precede (a comment at the end of a line stays at
//! the end of that line). Before returning, the formatter re-parses its output and
//! checks that the tree is unchanged; it never returns text that means something else.
//! It does no IO.

mod comments;
mod expr;
mod items;

use crate::diagnostics::{codes, Diagnostic};
use crate::syntax::ast::Span;
use crate::syntax::parser;

/// Formats one file. Fails with the parse diagnostics when the file has syntax
/// errors (nothing is reformatted then).
pub fn format_source(text: &str, path: &str) -> Result<String, Vec<Diagnostic>> {
    let (file, diags) = parser::parse(text, path);
    if diags.iter().any(Diagnostic::is_error) {
        return Err(diags);
    }
    let item_starts: Vec<u32> = file.items.iter().map(|i| i.span.start).collect();
    let comments = comments::collect(text, &item_starts);
    let out = items::Printer::new(text, comments).file(&file);
    let (again, diags2) = parser::parse(&out, path);
    if diags2.iter().any(Diagnostic::is_error) || again.without_spans() != file.without_spans() {
        let d = Diagnostic::new(
            codes::SYNTAX,
            "the formatter would change the meaning of this file; it was left as it is",
            path,
            Span::new(0, 0),
        )
        .with_help(
            "please report this file: the formatter's output must parse to the same declarations",
        );
        return Err(vec![d]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
