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

/// Plain `//` comments in source order (`///` doc comments belong to the AST).
pub fn collect(text: &str) -> Vec<Comment> {
    lexer::lex(text)
        .into_iter()
        .filter(|t| t.kind == TokenKind::LineComment)
        .map(|t| {
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
