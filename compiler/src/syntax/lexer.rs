//! Token stream of a `.seg` file (logos).
//!
//! `lex` turns any text into a flat list of fine-grained tokens with byte spans,
//! comments included and whitespace skipped. It never fails: text that forms no token
//! becomes a `TokenKind::Error` token. The formatter uses it to keep comments, the
//! language server for semantic tokens, and the parser to split a file into
//! declarations. It does not build syntax trees or report diagnostics: the pest
//! grammar (`grammar/seg.pest`) decides what is well-formed, and literals are
//! validated (escapes, duration units, time ranges) by the parser.

use logos::Logos;

use super::ast::{Span, KEYWORDS};

/// One token: its kind and exact byte span.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

impl Token {
    /// The token's text in `source` (the text it was lexed from).
    pub fn text<'a>(&self, source: &'a str) -> &'a str {
        source.get(self.span.range()).unwrap_or("")
    }
}

/// The kind of a token. Literal kinds match what the grammar reads as one literal;
/// a malformed literal (`30m1h`, `25:00`) still gets its literal kind.
#[derive(Logos, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[logos(skip r"[ \t\r\n\f\u{FEFF}]+")]
pub enum TokenKind {
    /// `// …` to the end of the line.
    #[regex(r"//[^\n]*", allow_greedy = true)]
    LineComment,
    /// `/// …` to the end of the line: documents the next declaration.
    #[regex(r"///[^\n]*", allow_greedy = true, priority = 10)]
    DocComment,
    /// A reserved word (`ast::KEYWORDS`); produced by `lex`, never by logos directly.
    Keyword,
    #[regex(r"[A-Za-z_][A-Za-z0-9_]*")]
    Ident,
    #[regex(r"[0-9]+")]
    Int,
    #[regex(r"[0-9]+\.[0-9]+")]
    Float,
    #[regex(r#""([^"\\\n]|\\[^\n])*""#)]
    Str,
    /// `500ms`, `1h30m`; digits followed by letters in general (validated later).
    #[regex(r"[0-9]+(\.[0-9]+)?[A-Za-z_][A-Za-z0-9_]*")]
    Duration,
    /// `10%` or `2.5%`, only directly after `holdout`; elsewhere `lex` splits it into
    /// a number and `PercentSign` (the remainder operator).
    #[regex(r"[0-9]+(\.[0-9]+)?%")]
    Percent,
    /// `10:00` or `10:00:30` in a test step.
    #[regex(r"[0-9]+:[0-9]+(:[0-9]+)?")]
    Time,
    /// An RFC 3339 timestamp such as `2026-01-01T10:00:00Z`.
    #[regex(
        r"[0-9]+-[0-9]+-[0-9]+[Tt][0-9]+:[0-9]+(:[0-9]+)?(\.[0-9]+)?([Zz]|[+-][0-9]+:[0-9]+)?"
    )]
    Timestamp,
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token(",")]
    Comma,
    #[token(":")]
    Colon,
    #[token(".")]
    Dot,
    #[token("|")]
    Pipe,
    /// `=`
    #[token("=")]
    Assign,
    #[token("==")]
    EqEq,
    #[token("!=")]
    NotEq,
    #[token("<")]
    Lt,
    #[token("<=")]
    Le,
    #[token(">")]
    Gt,
    #[token(">=")]
    Ge,
    /// `?` after a type.
    #[token("?")]
    Question,
    /// `??`
    #[token("??")]
    Coalesce,
    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    Star,
    #[token("/")]
    Slash,
    /// `%`, the remainder operator.
    #[token("%")]
    PercentSign,
    /// Text that forms no token, including a string not closed on its line.
    #[regex(r#""([^"\\\n]|\\[^\n])*\\?"#)]
    Error,
}

impl TokenKind {
    /// Comments, which the parser skips.
    pub fn is_comment(self) -> bool {
        matches!(self, TokenKind::LineComment | TokenKind::DocComment)
    }
    /// Literal kinds (numbers, strings, durations, percentages, times).
    pub fn is_literal(self) -> bool {
        matches!(
            self,
            TokenKind::Int
                | TokenKind::Float
                | TokenKind::Str
                | TokenKind::Duration
                | TokenKind::Percent
                | TokenKind::Time
                | TokenKind::Timestamp
        )
    }
}

/// Splits `text` into tokens. Never fails and never panics.
pub fn lex(text: &str) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::new();
    let mut lexer = TokenKind::lexer(text);
    while let Some(result) = lexer.next() {
        let span = lexer.span();
        let kind = match result {
            Ok(TokenKind::Ident) if KEYWORDS.contains(&lexer.slice()) => TokenKind::Keyword,
            Ok(kind) => kind,
            Err(()) => TokenKind::Error,
        };
        if kind == TokenKind::Percent && !after_holdout(&out, text) {
            split_percent(&mut out, text, span);
            continue;
        }
        push(&mut out, kind, Span::new(span.start, span.end));
    }
    out
}

/// Appends a token, merging adjacent error tokens into one.
fn push(out: &mut Vec<Token>, kind: TokenKind, span: Span) {
    if let Some(last) = out.last_mut() {
        if kind == TokenKind::Error && last.kind == TokenKind::Error && last.span.end == span.start
        {
            last.span.end = span.end;
            return;
        }
    }
    out.push(Token { kind, span });
}

/// Whether the last significant token is the keyword `holdout`.
fn after_holdout(out: &[Token], text: &str) -> bool {
    out.iter()
        .rev()
        .find(|t| !t.kind.is_comment())
        .is_some_and(|t| t.kind == TokenKind::Keyword && t.text(text) == "holdout")
}

/// `10%` outside `holdout`: the number, then the remainder operator.
fn split_percent(out: &mut Vec<Token>, text: &str, span: std::ops::Range<usize>) {
    let number = Span::new(span.start, span.end - 1);
    let is_float = text.get(number.range()).is_some_and(|t| t.contains('.'));
    let kind = if is_float {
        TokenKind::Float
    } else {
        TokenKind::Int
    };
    out.push(Token { kind, span: number });
    out.push(Token {
        kind: TokenKind::PercentSign,
        span: Span::new(span.end - 1, span.end),
    });
}
