//! The comments of a file (from the lexer), with their spans and whether each
//! stands alone on its line or trails code.

use crate::syntax::ast::Span;
use crate::syntax::lexer::{self, TokenKind};

#[derive(Clone, Debug)]
pub struct Comment {
    pub span: Span,
    /// The comment text including `//`, without the line break.
    pub text: String,
    /// Code precedes it on its line.
    pub trailing: bool,
}

/// Plain `//` comments in source order. A `///` doc comment belongs to the AST when
/// it directly precedes a declaration (`item_starts`: where each declaration's
/// keyword starts, ascending); anywhere else (inside a block, before another comment, at the
/// end of the file) it is kept like a plain comment.
pub fn collect(text: &str, item_starts: &[u32]) -> Vec<Comment> {
    let tokens = lexer::lex(text);
    // For each token, whether the first token from it on that is not a doc comment
    // starts a declaration (computed from the end, so linear).
    let mut attached = vec![false; tokens.len()];
    let mut next_starts_item = false;
    for (i, t) in tokens.iter().enumerate().rev() {
        if t.kind != TokenKind::DocComment {
            next_starts_item = item_starts.binary_search(&t.span.start).is_ok();
        }
        attached[i] = next_starts_item;
    }
    tokens
        .iter()
        .zip(attached)
        .filter(|(t, attached)| {
            t.kind == TokenKind::LineComment || (t.kind == TokenKind::DocComment && !attached)
        })
        .map(|(t, _)| {
            let start = t.span.start as usize;
            let line_start = text
                .get(..start)
                .and_then(|s| s.rfind('\n'))
                .map_or(0, |i| i + 1);
            let before = text.get(line_start..start).unwrap_or("");
            Comment {
                span: t.span,
                text: text
                    .get(t.span.range())
                    .unwrap_or("")
                    .trim_end()
                    .to_string(),
                trailing: !before.trim().is_empty(),
            }
        })
        .collect()
}
