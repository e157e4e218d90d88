//! `.seg` text to AST (pest).
//!
//! The grammar in `grammar/seg.pest` is the parser; this module derives it, splits a
//! file into declarations with the logos lexer, parses each declaration on its own
//! (so one syntax error never hides errors in the next declarations) and builds the
//! `ast` types from the parse trees, with exact byte spans.
//!
//! `parse` never fails and never panics: it returns every declaration it could read
//! plus diagnostics (E01xx). It checks only what the surface syntax decides: clause
//! order, keywords used as names, literal forms (escapes, duration units, test
//! times, number ranges). It must not resolve names or look at types: that is the
//! job of `hir` and `check`.

use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::Pair;
use pest::Parser as _;
use pest_derive::Parser;

use super::ast::*;
use super::lexer::{lex, Token, TokenKind};
use crate::diagnostics::{codes, Diagnostic};

/// The pest parser generated from `grammar/seg.pest`.
#[derive(Parser)]
#[grammar = "../../grammar/seg.pest"]
pub struct SegParser;

type P<'i> = Pair<'i, Rule>;

/// Brackets nested deeper than this in one declaration are refused (E0101), which
/// bounds the recursion of the parser and of every pass over the AST.
const MAX_NESTING: usize = 64;

/// Declaration keywords that start a new chunk (`profile` only before `{`).
const DECL_KEYWORDS: &[&str] = &[
    "event", "identity", "purpose", "profile", "trait", "segment", "test",
];

/// Parses one file. `file` is the path used in diagnostics.
pub fn parse(text: &str, file: &str) -> (File, Vec<Diagnostic>) {
    let tokens = lex(text);
    let mut diags = Vec::new();
    let split = split(text, &tokens);
    if let Some(span) = split.junk {
        let found = describe(text, tokens.iter().find(|t| t.span == span));
        diags.push(
            Diagnostic::new(codes::SYNTAX, format!("expected a declaration, found {found}"), file, span)
                .with_help(
                    "a file holds declarations: `event`, `identity`, `purpose`, `profile`, `trait`, `segment` and `test`",
                ),
        );
    }
    let mut items = Vec::new();
    for chunk in &split.chunks {
        let mut ctx = Ctx {
            text,
            file,
            tokens: &tokens,
            diags: &mut diags,
        };
        if let Some(item) = ctx.chunk(chunk) {
            items.push(item);
        }
    }
    (File { items }, diags)
}

// ------------------------------------------------------------------ splitting

/// One declaration's text: `start` is its keyword, `end` the start of the next one.
struct Chunk {
    doc: Option<String>,
    start: usize,
    end: usize,
    /// The first bracket nested deeper than `MAX_NESTING`, if any.
    too_deep: Option<Span>,
}

struct Split {
    chunks: Vec<Chunk>,
    /// The first token before the first declaration that is not a comment.
    junk: Option<Span>,
}

/// Splits the token stream at declaration starts (see `is_decl_start`).
fn split(text: &str, tokens: &[Token]) -> Split {
    let starts = decl_starts(text, tokens);
    let first_region = starts
        .first()
        .map_or(text.len(), |&i| region_start(tokens, i));
    let junk = tokens
        .iter()
        .find(|t| !t.kind.is_comment() && (t.span.start as usize) < first_region)
        .map(|t| t.span);
    let mut chunks = Vec::new();
    for (n, &i) in starts.iter().enumerate() {
        let next = starts.get(n + 1).map(|&j| j - doc_tokens(tokens, j).len());
        let end = next
            .and_then(|j| tokens.get(j))
            .map_or(text.len(), |t| t.span.start as usize);
        chunks.push(Chunk {
            doc: doc_text(text, tokens, i),
            start: tokens.get(i).map_or(0, |t| t.span.start as usize),
            end,
            too_deep: too_deep(tokens.get(i..next.unwrap_or(tokens.len())).unwrap_or(&[])),
        });
    }
    Split { chunks, junk }
}

/// Indices of the tokens that start a declaration: a declaration keyword at bracket
/// depth 0, or first on its line and not used as a field or identity name
/// (`test: string`, `event = …`) — this recovers from a missing `}`.
fn decl_starts(text: &str, tokens: &[Token]) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut depth = 0usize;
    for (i, tok) in tokens.iter().enumerate() {
        if is_decl_start(text, tokens, i, depth) {
            starts.push(i);
            depth = 0;
        }
        match tok.kind {
            TokenKind::LBrace | TokenKind::LParen | TokenKind::LBracket => depth += 1,
            TokenKind::RBrace | TokenKind::RParen | TokenKind::RBracket => {
                depth = depth.saturating_sub(1)
            }
            _ => {}
        }
    }
    starts
}

fn is_decl_start(text: &str, tokens: &[Token], i: usize, depth: usize) -> bool {
    let Some(tok) = tokens.get(i) else {
        return false;
    };
    let word = tok.text(text);
    if tok.kind != TokenKind::Keyword || !DECL_KEYWORDS.contains(&word) {
        return false;
    }
    let next = tokens
        .iter()
        .skip(i + 1)
        .find(|t| !t.kind.is_comment())
        .map(|t| t.kind);
    if word == "profile" && next != Some(TokenKind::LBrace) {
        return false;
    }
    let is_name = matches!(next, Some(TokenKind::Colon | TokenKind::Assign));
    depth == 0 || (first_on_line(text, tok.span.start as usize) && !is_name)
}

fn first_on_line(text: &str, offset: usize) -> bool {
    let before = text.get(..offset).unwrap_or("");
    let line = before.rsplit('\n').next().unwrap_or("");
    line.trim().is_empty()
}

/// Where a declaration's region begins: its first doc comment line, else its keyword.
fn region_start(tokens: &[Token], i: usize) -> usize {
    let first = doc_tokens(tokens, i).first();
    first.or(tokens.get(i)).map_or(0, |t| t.span.start as usize)
}

/// The `///` tokens directly before token `i` (no other token between).
fn doc_tokens(tokens: &[Token], i: usize) -> &[Token] {
    let before = tokens.get(..i).unwrap_or(&[]);
    let n = before
        .iter()
        .rev()
        .take_while(|t| t.kind == TokenKind::DocComment)
        .count();
    before.get(before.len() - n..).unwrap_or(&[])
}

/// The doc comment of the declaration at token `i`: each `///` line without the
/// slashes and one following space, joined with `\n`.
fn doc_text(text: &str, tokens: &[Token], i: usize) -> Option<String> {
    let lines: Vec<&str> = doc_tokens(tokens, i)
        .iter()
        .map(|t| {
            let line = t.text(text).trim_end_matches('\r');
            let line = line.strip_prefix("///").unwrap_or(line);
            line.strip_prefix(' ').unwrap_or(line)
        })
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// The first opening bracket of `tokens` nested deeper than `MAX_NESTING`.
fn too_deep(tokens: &[Token]) -> Option<Span> {
    let mut depth = 0usize;
    for tok in tokens {
        match tok.kind {
            TokenKind::LBrace | TokenKind::LParen | TokenKind::LBracket => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(tok.span);
                }
            }
            TokenKind::RBrace | TokenKind::RParen | TokenKind::RBracket => {
                depth = depth.saturating_sub(1)
            }
            _ => {}
        }
    }
    None
}

// ------------------------------------------------------------------ syntax errors

/// Parses chunks and reports their syntax errors.
struct Ctx<'a> {
    text: &'a str,
    file: &'a str,
    tokens: &'a [Token],
    diags: &'a mut Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn chunk(&mut self, chunk: &Chunk) -> Option<Item> {
        if let Some(span) = chunk.too_deep {
            let message = format!("brackets nested more than {MAX_NESTING} deep");
            let diag = Diagnostic::new(codes::SYNTAX, message, self.file, span)
                .with_help("split the expression into several traits");
            self.diags.push(diag);
            return None;
        }
        let src = self.text.get(chunk.start..chunk.end)?;
        match SegParser::parse(Rule::item_only, src) {
            Ok(pairs) => {
                let item = pairs.into_iter().find(|p| p.as_rule() == Rule::item);
                let mut builder = Builder {
                    file: self.file,
                    offset: chunk.start,
                    diags: self.diags,
                };
                let built = item.and_then(|pair| builder.item(pair, chunk.doc.clone()));
                if built.is_none() {
                    // The grammar accepted a tree the builder does not know: a bug,
                    // reported rather than dropped silently.
                    let span = Span::new(chunk.start, chunk.start);
                    let message = "could not read this declaration";
                    self.diags
                        .push(Diagnostic::new(codes::SYNTAX, message, self.file, span));
                }
                built
            }
            Err(err) => {
                self.syntax_error(&err, chunk.start);
                None
            }
        }
    }

    fn syntax_error(&mut self, err: &pest::error::Error<Rule>, offset: usize) {
        let pos = offset
            + match err.location {
                InputLocation::Pos(p) => p,
                InputLocation::Span((s, _)) => s,
            };
        let from = self.tokens.partition_point(|t| t.span.end as usize <= pos);
        let rest = self.tokens.get(from..).unwrap_or(&[]);
        let found = rest.iter().find(|t| !t.kind.is_comment());
        let span = found.map_or(Span::new(self.text.len(), self.text.len()), |t| t.span);
        if let Some(tok) =
            found.filter(|t| t.kind == TokenKind::Error && t.text(self.text).starts_with('"'))
        {
            let diag = Diagnostic::new(
                codes::SYNTAX,
                "unterminated string literal",
                self.file,
                tok.span,
            )
            .with_help("close the string with `\"` on the same line (write a line break as `\\n`)");
            self.diags.push(diag);
            return;
        }
        let found_text = describe(self.text, found);
        let message = match &err.variant {
            ErrorVariant::ParsingError { positives, .. } if !positives.is_empty() => {
                format!("expected {}, found {found_text}", expected_list(positives))
            }
            _ => format!("unexpected {found_text}"),
        };
        self.diags
            .push(Diagnostic::new(codes::SYNTAX, message, self.file, span));
    }
}

/// `the end of the file`, or the token's text in backticks (shortened).
fn describe(text: &str, tok: Option<&Token>) -> String {
    let Some(tok) = tok else {
        return "the end of the file".to_string();
    };
    let word = tok.text(text);
    if word.chars().count() > 24 {
        let short: String = word.chars().take(20).collect();
        return format!("`{short}…`");
    }
    format!("`{word}`")
}

/// "a, b or c" from the rules pest expected, in words a user knows.
fn expected_list(rules: &[Rule]) -> String {
    let is_operator = rules.iter().any(|r| OPERATOR_RULES.contains(r));
    let mut words: Vec<&str> = Vec::new();
    let end_last = rules
        .iter()
        .filter(|r| **r != Rule::EOI)
        .chain(rules.iter().filter(|r| **r == Rule::EOI));
    for rule in end_last {
        let word = if is_operator && FOLLOW_RULES.contains(rule) {
            "an operator"
        } else {
            rule_words(*rule)
        };
        if !words.contains(&word) {
            words.push(word);
        }
    }
    match words.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => words.concat(),
    }
}

/// Rules that mean "an operator may follow here".
const OPERATOR_RULES: &[Rule] = &[
    Rule::cmp_op,
    Rule::add_op,
    Rule::mul_op,
    Rule::kw_and,
    Rule::kw_or,
];

/// Rules folded into "an operator" when an operator may follow.
const FOLLOW_RULES: &[Rule] = &[
    Rule::cmp_op,
    Rule::add_op,
    Rule::mul_op,
    Rule::kw_and,
    Rule::kw_or,
    Rule::coalesce_op,
    Rule::kw_in,
    Rule::kw_then,
    Rule::lbracket,
    Rule::filter,
    Rule::dot,
    Rule::field_access,
    Rule::seq_tail,
    Rule::lparen,
];

fn rule_words(rule: Rule) -> &'static str {
    match rule {
        Rule::EOI => "the end of the declaration",
        Rule::item | Rule::file => "a declaration",
        Rule::ident | Rule::name => "a name",
        Rule::base_type | Rule::type_expr => "a type",
        Rule::field => "a field",
        Rule::string => "a string",
        Rule::duration => "a duration such as `30m`",
        Rule::int => "a whole number",
        Rule::percent => "a percentage such as `10%`",
        Rule::time => "a time such as `10:00`",
        Rule::json_path | Rule::path_head => "a message path such as `traits.email`",
        Rule::expr
        | Rule::and_expr
        | Rule::not_expr
        | Rule::cmp_expr
        | Rule::coalesce
        | Rule::additive
        | Rule::multiplicative
        | Rule::unary
        | Rule::postfix => "an expression",
        Rule::ref_expr | Rule::event_ref => "an event",
        Rule::test_value => "a literal value",
        Rule::step => "`at`",
        Rule::id_value => "an identifier such as `user_id \"u1\"`",
        Rule::cmp_op => "a comparison",
        Rule::add_op | Rule::mul_op | Rule::coalesce_op => "an operator",
        _ => punctuation_words(rule),
    }
}

fn punctuation_words(rule: Rule) -> &'static str {
    match rule {
        Rule::lbrace => "`{`",
        Rule::rbrace => "`}`",
        Rule::lparen => "`(`",
        Rule::rparen => "`)`",
        Rule::lbracket | Rule::list | Rule::filter => "`[`",
        Rule::rbracket => "`]`",
        Rule::comma => "`,`",
        Rule::colon => "`:`",
        Rule::dot | Rule::field_access => "`.`",
        Rule::pipe => "`|`",
        Rule::eq | Rule::wire_clause => "`=`",
        Rule::eqeq => "`==`",
        Rule::question => "`?`",
        Rule::neg => "`-`",
        _ => keyword_words(rule),
    }
}

fn keyword_words(rule: Rule) -> &'static str {
    match rule {
        Rule::kw_event => "`event`",
        Rule::kw_for | Rule::for_clause | Rule::segment_for => "`for`",
        Rule::kw_retain | Rule::retain_clause => "`retain`",
        Rule::kw_pii | Rule::pii_flag => "`pii`",
        Rule::kw_identity => "`identity`",
        Rule::kw_priority | Rule::priority_clause => "`priority`",
        Rule::kw_limit | Rule::limit_clause => "`limit`",
        Rule::kw_normalize | Rule::normalize_clause => "`normalize`",
        Rule::kw_hash | Rule::hash_clause => "`hash`",
        Rule::kw_purpose => "`purpose`",
        Rule::kw_basis | Rule::basis_clause => "`basis`",
        Rule::kw_consent | Rule::consent_body => "`consent`",
        Rule::kw_legitimate_interest => "`legitimate_interest`",
        Rule::kw_category | Rule::category_clause => "`category`",
        Rule::kw_profile | Rule::profile_attr => "`profile`",
        Rule::kw_trait => "`trait`",
        Rule::kw_segment => "`segment`",
        Rule::kw_holdout | Rule::segment_holdout => "`holdout`",
        Rule::kw_test => "`test`",
        Rule::kw_at => "`at`",
        Rule::kw_expect | Rule::expect_step => "`expect`",
        Rule::kw_in => "`in`",
        Rule::kw_not => "`not`",
        Rule::kw_and => "`and`",
        Rule::kw_or => "`or`",
        Rule::kw_then | Rule::seq_tail => "`then`",
        Rule::kw_within => "`within`",
        Rule::kw_any => "`any`",
        Rule::kw_true => "`true`",
        Rule::kw_false => "`false`",
        Rule::kw_none => "`none`",
        Rule::w_identify | Rule::identify_body => "`identify`",
        Rule::w_forget => "`forget`",
        Rule::track_body => "an event name",
        Rule::decision => "a consent category string",
        Rule::field_value => "a field name",
        _ => "another token",
    }
}

// ------------------------------------------------------------------ AST builder

/// Builds AST nodes from one declaration's parse tree; `offset` is the byte offset
/// of the declaration in the file.
struct Builder<'a> {
    file: &'a str,
    offset: usize,
    diags: &'a mut Vec<Diagnostic>,
}

/// The children of `pair` with rule `rule`.
fn children<'i>(pair: &P<'i>, rule: Rule) -> impl Iterator<Item = P<'i>> {
    pair.clone()
        .into_inner()
        .filter(move |p| p.as_rule() == rule)
}

/// The first child of `pair` with rule `rule`.
fn child<'i>(pair: &P<'i>, rule: Rule) -> Option<P<'i>> {
    children(pair, rule).next()
}

fn has_child(pair: &P<'_>, rule: Rule) -> bool {
    child(pair, rule).is_some()
}

impl Builder<'_> {
    /// The exact span of a node: pest counts the whitespace and comments skipped
    /// before an absent optional part as part of the rule, so the end is taken from
    /// the last child instead.
    fn span(&self, pair: &P<'_>) -> Span {
        Span::new(
            self.offset + pair.as_span().start(),
            self.offset + end_of(pair),
        )
    }

    fn ident(&self, pair: &P<'_>) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.span(pair),
        }
    }

    fn error(&mut self, code: &'static str, message: String, span: Span, help: &str) {
        let mut diag = Diagnostic::new(code, message, self.file, span);
        if !help.is_empty() {
            diag = diag.with_help(help);
        }
        self.diags.push(diag);
    }

    fn item(&mut self, pair: P<'_>, doc: Option<String>) -> Option<Item> {
        let span = self.span(&pair);
        let inner = pair.into_inner().next()?;
        let kind = match inner.as_rule() {
            Rule::event_decl => ItemKind::Event(self.event(&inner)?),
            Rule::identity_block => ItemKind::Identity(self.identity(&inner)?),
            Rule::purpose_decl => ItemKind::Purpose(self.purpose(&inner)?),
            Rule::profile_block => ItemKind::Profile(self.profile(&inner)?),
            Rule::trait_decl => ItemKind::Trait(self.trait_decl(&inner)?),
            Rule::segment_decl => ItemKind::Segment(self.segment(&inner)?),
            Rule::test_decl => ItemKind::Test(self.test(&inner)?),
            _ => return None,
        };
        Some(Item { doc, kind, span })
    }

    /// A declared name; a keyword here is E0105 (the name is kept).
    fn decl_name(&mut self, pair: &P<'_>, what: &str) -> Ident {
        let ident = self.ident(pair);
        if KEYWORDS.contains(&ident.name.as_str()) {
            let message = format!("`{}` is a keyword and cannot name {what}", ident.name);
            self.error(
                codes::KEYWORD_AS_NAME,
                message,
                ident.span,
                "choose a name that is not a keyword",
            );
        }
        ident
    }

    // -------------------------------------------------------------- events

    fn event(&mut self, pair: &P<'_>) -> Option<EventDecl> {
        let name = self.decl_name(&child(pair, Rule::ident)?, "an event");
        let mut decl = EventDecl {
            name,
            wire: None,
            purposes: Vec::new(),
            retain: None,
            fields: Vec::new(),
        };
        let mut order = ClauseOrder::default();
        for p in pair.clone().into_inner() {
            let rank = match p.as_rule() {
                Rule::wire_clause => 0,
                Rule::for_clause => 1,
                Rule::retain_clause => 2,
                Rule::field => {
                    decl.fields.push(self.field(&p)?);
                    continue;
                }
                _ => continue,
            };
            if !order.accept(self, rank, self.span(&p)) {
                continue;
            }
            match rank {
                0 => decl.wire = Some(self.string(&child(&p, Rule::string)?)),
                1 => decl.purposes = children(&p, Rule::ident).map(|i| self.ident(&i)).collect(),
                _ => decl.retain = Some(self.duration(&child(&p, Rule::duration)?)),
            }
        }
        Some(decl)
    }

    fn field(&mut self, pair: &P<'_>) -> Option<FieldDecl> {
        let name = self.ident(&child(pair, Rule::ident)?);
        if EXPR_KEYWORDS.contains(&name.name.as_str()) {
            let message = format!(
                "`{}` is an expression keyword and cannot name a field",
                name.name
            );
            self.error(
                codes::KEYWORD_AS_NAME,
                message,
                name.span,
                "choose another field name",
            );
        }
        let ty_pair = child(pair, Rule::type_expr)?;
        let base = match child(&ty_pair, Rule::base_type)?.as_str() {
            "int" => BaseType::Int,
            "float" => BaseType::Float,
            "decimal" => BaseType::Decimal,
            "bool" => BaseType::Bool,
            "string" => BaseType::String,
            "duration" => BaseType::Duration,
            _ => BaseType::Timestamp,
        };
        let ty = TypeExpr {
            base,
            optional: has_child(&ty_pair, Rule::question),
            span: self.span(&ty_pair),
        };
        Some(FieldDecl {
            name,
            ty,
            pii: has_child(pair, Rule::pii_flag),
            span: self.span(pair),
        })
    }

    fn profile(&mut self, pair: &P<'_>) -> Option<ProfileBlock> {
        let keyword = self.span(&child(pair, Rule::kw_profile)?);
        let attrs = children(pair, Rule::field)
            .map(|f| self.field(&f))
            .collect::<Option<Vec<_>>>()?;
        Some(ProfileBlock { attrs, keyword })
    }

    // -------------------------------------------------------------- identity

    fn identity(&mut self, pair: &P<'_>) -> Option<IdentityBlock> {
        let keyword = self.span(&child(pair, Rule::kw_identity)?);
        let lines = children(pair, Rule::identity_line)
            .map(|l| self.identity_line(&l))
            .collect::<Option<Vec<_>>>()?;
        Some(IdentityBlock { lines, keyword })
    }

    fn identity_line(&mut self, pair: &P<'_>) -> Option<IdentityLine> {
        let name = self.decl_name(&child(pair, Rule::ident)?, "an identifier type");
        let paths = children(pair, Rule::json_path)
            .map(|p| JsonPath {
                segments: p.clone().into_inner().map(|s| self.ident(&s)).collect(),
                span: self.span(&p),
            })
            .collect();
        let mut clauses = Vec::new();
        for p in pair.clone().into_inner() {
            let kind = match p.as_rule() {
                Rule::normalize_clause => IdClauseKind::Normalize(
                    children(&p, Rule::ident).map(|i| self.ident(&i)).collect(),
                ),
                Rule::hash_clause => IdClauseKind::Hash(self.ident(&child(&p, Rule::ident)?)),
                Rule::priority_clause => {
                    IdClauseKind::Priority(self.int_lit(&child(&p, Rule::int)?))
                }
                Rule::limit_clause => IdClauseKind::Limit(self.int_lit(&child(&p, Rule::int)?)),
                _ => continue,
            };
            clauses.push(IdClause {
                kind,
                span: self.span(&p),
            });
        }
        Some(IdentityLine {
            name,
            paths,
            clauses,
            span: self.span(pair),
        })
    }

    fn int_lit(&mut self, pair: &P<'_>) -> IntLit {
        let lit = IntLit {
            text: pair.as_str().to_string(),
            span: self.span(pair),
        };
        if lit.text.parse::<i64>().is_err() {
            let message = format!("number `{}` is too large", lit.text);
            self.error(codes::BAD_NUMBER, message, lit.span, "");
        }
        lit
    }

    // -------------------------------------------------------------- purposes

    fn purpose(&mut self, pair: &P<'_>) -> Option<PurposeDecl> {
        let name = self.decl_name(&child(pair, Rule::ident)?, "a purpose");
        let mut clauses = Vec::new();
        for p in pair.clone().into_inner() {
            match p.as_rule() {
                Rule::basis_clause => {
                    let basis = if has_child(&p, Rule::kw_consent) {
                        Basis::Consent
                    } else {
                        Basis::LegitimateInterest
                    };
                    clauses.push(PurposeClause::Basis(basis, self.span(&p)));
                }
                Rule::category_clause => {
                    let lit = self.string(&child(&p, Rule::string)?);
                    clauses.push(PurposeClause::Category(lit, self.span(&p)));
                }
                _ => {}
            }
        }
        Some(PurposeDecl { name, clauses })
    }

    // -------------------------------------------------------------- traits, segments

    fn trait_decl(&mut self, pair: &P<'_>) -> Option<TraitDecl> {
        let name = self.decl_name(&child(pair, Rule::ident)?, "a trait");
        let expr = self.expr(&child(pair, Rule::expr)?)?;
        Some(TraitDecl { name, expr })
    }

    fn segment(&mut self, pair: &P<'_>) -> Option<SegmentDecl> {
        let name = self.decl_name(&child(pair, Rule::ident)?, "a segment");
        let mut clauses = Vec::new();
        for p in pair.clone().into_inner() {
            match p.as_rule() {
                Rule::segment_for => {
                    clauses.push(SegmentClause::For(
                        self.ident(&child(&p, Rule::ident)?),
                        self.span(&p),
                    ));
                }
                Rule::segment_holdout => {
                    let pct = child(&p, Rule::percent)?;
                    let text = pct.as_str().trim_end_matches('%').to_string();
                    let lit = PercentLit {
                        text,
                        span: self.span(&pct),
                    };
                    clauses.push(SegmentClause::Holdout(lit, self.span(&p)));
                }
                _ => {}
            }
        }
        let expr = self.expr(&child(pair, Rule::expr)?)?;
        Some(SegmentDecl {
            name,
            clauses,
            expr,
        })
    }

    // -------------------------------------------------------------- tests

    fn test(&mut self, pair: &P<'_>) -> Option<TestDecl> {
        let name = self.string(&child(pair, Rule::string)?);
        let steps = children(pair, Rule::step)
            .map(|s| self.step(&s))
            .collect::<Option<Vec<_>>>()?;
        Some(TestDecl { name, steps })
    }

    fn step(&mut self, pair: &P<'_>) -> Option<TestStep> {
        let at = self.time(&child(pair, Rule::time)?);
        let kind = match child(pair, Rule::expect_step) {
            Some(p) => self.expect_step(&p)?,
            None => self.action_step(&child(pair, Rule::action_step)?)?,
        };
        Some(TestStep {
            at,
            kind,
            span: self.span(pair),
        })
    }

    fn expect_step(&mut self, pair: &P<'_>) -> Option<StepKind> {
        let id = self.id_value(&child(pair, Rule::id_value)?)?;
        if let Some(m) = child(pair, Rule::expect_member) {
            let segment = self.ident(&child(&m, Rule::ident)?);
            return Some(StepKind::ExpectMember {
                id,
                negated: has_child(&m, Rule::kw_not),
                segment,
            });
        }
        let t = child(pair, Rule::expect_trait)?;
        let name = self.ident(&child(&t, Rule::ident)?);
        let value = self.test_value(&child(&t, Rule::test_value)?)?;
        Some(StepKind::ExpectTrait { id, name, value })
    }

    fn action_step(&mut self, pair: &P<'_>) -> Option<StepKind> {
        let ids = children(pair, Rule::id_value)
            .map(|p| self.id_value(&p))
            .collect::<Option<Vec<_>>>()?;
        if let Some(body) = child(pair, Rule::identify_body) {
            return Some(StepKind::Identify {
                ids,
                attrs: self.field_values(&body)?,
            });
        }
        if let Some(body) = child(pair, Rule::consent_body) {
            let mut decisions = Vec::new();
            for d in children(&body, Rule::decision) {
                decisions.push((
                    self.string(&child(&d, Rule::string)?),
                    has_child(&d, Rule::kw_true),
                ));
            }
            return Some(StepKind::Consent { ids, decisions });
        }
        if has_child(pair, Rule::w_forget) {
            return Some(StepKind::Forget { ids });
        }
        let body = child(pair, Rule::track_body)?;
        let event = self.ident(&child(&body, Rule::ident)?);
        Some(StepKind::Track {
            ids,
            event,
            fields: self.field_values(&body)?,
        })
    }

    fn id_value(&mut self, pair: &P<'_>) -> Option<IdValue> {
        let id_type = self.ident(&child(pair, Rule::ident)?);
        let value = self.string(&child(pair, Rule::string)?);
        Some(IdValue { id_type, value })
    }

    fn field_values(&mut self, pair: &P<'_>) -> Option<Vec<FieldValue>> {
        let mut out = Vec::new();
        for fv in children(pair, Rule::field_value) {
            let name = self.ident(&child(&fv, Rule::ident)?);
            let value = self.test_value(&child(&fv, Rule::test_value)?)?;
            out.push(FieldValue { name, value });
        }
        Some(out)
    }

    /// A literal, or `-` and a number literal (as `Unary { Neg }`).
    fn test_value(&mut self, pair: &P<'_>) -> Option<Expr> {
        let mut inner = pair.clone().into_inner();
        let first = inner.next()?;
        if first.as_rule() != Rule::neg {
            return self.literal(&first);
        }
        let lit = self.literal(&inner.next()?)?;
        let kind = ExprKind::Unary {
            op: UnaryOp::Neg,
            expr: Box::new(lit),
        };
        Some(Expr {
            kind,
            span: self.span(pair),
        })
    }

    fn time(&mut self, pair: &P<'_>) -> TimeLit {
        let lit = TimeLit {
            text: pair.as_str().to_string(),
            span: self.span(pair),
        };
        if let Err(reason) = check_time(&lit.text) {
            let message = format!("invalid test time `{}`: {reason}", lit.text);
            let help = "write `HH:MM`, `HH:MM:SS` (on 2026-01-01 UTC) or an RFC 3339 timestamp such as `2026-01-01T10:00:00Z`";
            self.error(codes::BAD_TIME, message, lit.span, help);
        }
        lit
    }

    // -------------------------------------------------------------- expressions

    fn expr(&mut self, pair: &P<'_>) -> Option<Expr> {
        match pair.as_rule() {
            Rule::expr
            | Rule::and_expr
            | Rule::coalesce
            | Rule::additive
            | Rule::multiplicative => self.binary_chain(pair),
            Rule::not_expr => self.prefix(pair, Rule::kw_not, UnaryOp::Not),
            Rule::unary => self.prefix(pair, Rule::neg, UnaryOp::Neg),
            Rule::cmp_expr => self.comparison(pair),
            Rule::postfix => self.postfix(pair),
            _ => self.primary(pair),
        }
    }

    /// `operand (op operand)*`, folded to the left.
    fn binary_chain(&mut self, pair: &P<'_>) -> Option<Expr> {
        let mut inner = pair.clone().into_inner();
        let mut lhs = self.expr(&inner.next()?)?;
        while let Some(op) = inner.next() {
            let op = binop(&op)?;
            let rhs = self.expr(&inner.next()?)?;
            let span = lhs.span.to(rhs.span);
            lhs = Expr {
                kind: ExprKind::Binary {
                    op,
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                },
                span,
            };
        }
        Some(lhs)
    }

    /// `op* operand` for `not` and unary minus.
    fn prefix(&mut self, pair: &P<'_>, op_rule: Rule, op: UnaryOp) -> Option<Expr> {
        let ops: Vec<Span> = children(pair, op_rule).map(|p| self.span(&p)).collect();
        let operand = pair.clone().into_inner().find(|p| p.as_rule() != op_rule)?;
        let mut expr = self.expr(&operand)?;
        for op_span in ops.into_iter().rev() {
            let span = op_span.to(expr.span);
            expr = Expr {
                kind: ExprKind::Unary {
                    op,
                    expr: Box::new(expr),
                },
                span,
            };
        }
        Some(expr)
    }

    /// `a`, `a OP b` or `a in [items]` (non-associative).
    fn comparison(&mut self, pair: &P<'_>) -> Option<Expr> {
        let mut inner = pair.clone().into_inner();
        let lhs = self.expr(&inner.next()?)?;
        let Some(op) = inner.next() else {
            return Some(lhs);
        };
        let rhs = inner.next()?;
        let span = Span::new(lhs.span.start as usize, self.span(&rhs).end as usize);
        let kind = if op.as_rule() == Rule::kw_in {
            let items = children(&rhs, Rule::expr)
                .map(|e| self.expr(&e))
                .collect::<Option<Vec<_>>>()?;
            ExprKind::In {
                expr: Box::new(lhs),
                items,
            }
        } else {
            let rhs = self.expr(&rhs)?;
            ExprKind::Binary {
                op: binop(&op)?,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            }
        };
        Some(Expr { kind, span })
    }

    /// `primary ([pred] | .field)*`
    fn postfix(&mut self, pair: &P<'_>) -> Option<Expr> {
        let mut inner = pair.clone().into_inner();
        let mut expr = self.expr(&inner.next()?)?;
        for p in inner {
            expr = self.apply_postfix(expr, &p)?;
        }
        Some(expr)
    }

    fn apply_postfix(&mut self, base: Expr, p: &P<'_>) -> Option<Expr> {
        let span = Span::new(base.span.start as usize, self.span(p).end as usize);
        let kind = if p.as_rule() == Rule::filter {
            let pred = self.expr(&child(p, Rule::expr)?)?;
            ExprKind::Filter {
                base: Box::new(base),
                pred: Box::new(pred),
            }
        } else {
            ExprKind::Field {
                base: Box::new(base),
                field: self.ident(&child(p, Rule::ident)?),
            }
        };
        Some(Expr { kind, span })
    }

    fn primary(&mut self, pair: &P<'_>) -> Option<Expr> {
        let span = self.span(pair);
        let kind = match pair.as_rule() {
            Rule::paren => ExprKind::Paren(Box::new(self.expr(&child(pair, Rule::expr)?)?)),
            Rule::profile_attr => ExprKind::ProfileAttr(self.ident(&child(pair, Rule::ident)?)),
            Rule::call => {
                let func = self.ident(&child(pair, Rule::ident)?);
                let args = children(pair, Rule::expr)
                    .map(|e| self.expr(&e))
                    .collect::<Option<Vec<_>>>()?;
                ExprKind::Call { func, args }
            }
            Rule::ref_expr => return self.ref_expr(pair),
            _ => return self.literal(pair),
        };
        Some(Expr { kind, span })
    }

    /// An event reference, or a sequence `A then [not] B within D`.
    fn ref_expr(&mut self, pair: &P<'_>) -> Option<Expr> {
        let a = self.event_ref(&child(pair, Rule::event_ref)?)?;
        let Some(tail) = child(pair, Rule::seq_tail) else {
            return Some(a);
        };
        let b = self.event_ref(&child(&tail, Rule::event_ref)?)?;
        let within = self.duration(&child(&tail, Rule::duration)?);
        let negated = has_child(&tail, Rule::kw_not);
        let kind = ExprKind::Seq {
            a: Box::new(a),
            b: Box::new(b),
            negated,
            within,
        };
        Some(Expr {
            kind,
            span: self.span(pair),
        })
    }

    fn event_ref(&mut self, pair: &P<'_>) -> Option<Expr> {
        let mut inner = pair.clone().into_inner();
        let head = inner.next()?;
        let ident = match head.as_rule() {
            Rule::name => self.ident(&child(&head, Rule::ident)?),
            _ => self.ident(&head),
        };
        let base = Expr {
            span: ident.span,
            kind: ExprKind::Name(ident),
        };
        match inner.next() {
            Some(filter) => self.apply_postfix(base, &filter),
            None => Some(base),
        }
    }

    fn literal(&mut self, pair: &P<'_>) -> Option<Expr> {
        let span = self.span(pair);
        let text = pair.as_str();
        let kind = match pair.as_rule() {
            Rule::int => {
                self.check_int(text, span);
                ExprKind::Int(text.to_string())
            }
            Rule::float => {
                self.check_float(text, span);
                ExprKind::Float(text.to_string())
            }
            Rule::duration => ExprKind::Duration(self.duration(pair)),
            Rule::string => ExprKind::Str(self.string(pair).value),
            Rule::kw_true => ExprKind::Bool(true),
            Rule::kw_false => ExprKind::Bool(false),
            Rule::kw_none => ExprKind::None,
            _ => return None,
        };
        Some(Expr { kind, span })
    }

    /// An integer literal must fit an `i64` or, next to a decimal, 28 digits.
    fn check_int(&mut self, text: &str, span: Span) {
        let digits = text.trim_start_matches('0').len();
        if text.parse::<i64>().is_err() && digits > 28 {
            let message = format!("integer `{text}` is too large");
            self.error(
                codes::BAD_NUMBER,
                message,
                span,
                "integers are 64-bit; decimals hold at most 28 digits",
            );
        }
    }

    fn check_float(&mut self, text: &str, span: Span) {
        if !text.parse::<f64>().is_ok_and(f64::is_finite) {
            self.error(
                codes::BAD_NUMBER,
                format!("number `{text}` is too large"),
                span,
                "",
            );
        }
    }

    fn duration(&mut self, pair: &P<'_>) -> DurationLit {
        let text = pair.as_str().to_string();
        let span = self.span(pair);
        let ms = match duration_ms(&text) {
            Ok(ms) => ms,
            Err(err) => {
                let (code, message, help) = err.describe(&text);
                self.error(code, message, span, help);
                0
            }
        };
        DurationLit { ms, text, span }
    }

    fn string(&mut self, pair: &P<'_>) -> StrLit {
        let span = self.span(pair);
        let raw = child(pair, Rule::str_inner).map_or("", |p| p.as_str());
        let (value, errors) = unescape(raw);
        for (range, message) in errors {
            let esc_span = Span::new(
                span.start as usize + 1 + range.start,
                span.start as usize + 1 + range.end,
            );
            let help = "valid escapes are `\\\"`, `\\\\`, `\\n`, `\\t` and `\\u{…}` with 1 to 6 hex digits";
            self.error(codes::BAD_ESCAPE, message, esc_span, help);
        }
        StrLit { value, span }
    }
}

/// The end of the last token of `pair` (see `Builder::span`).
fn end_of(pair: &P<'_>) -> usize {
    let mut pair = pair.clone();
    while !matches!(pair.as_rule(), Rule::string) {
        match pair.clone().into_inner().last() {
            Some(last) => pair = last,
            None => break,
        }
    }
    pair.as_span().end()
}

fn binop(pair: &P<'_>) -> Option<BinOp> {
    Some(match pair.as_str() {
        "or" => BinOp::Or,
        "and" => BinOp::And,
        "==" => BinOp::Eq,
        "!=" => BinOp::Ne,
        "<" => BinOp::Lt,
        "<=" => BinOp::Le,
        ">" => BinOp::Gt,
        ">=" => BinOp::Ge,
        "??" => BinOp::Coalesce,
        "+" => BinOp::Add,
        "-" => BinOp::Sub,
        "*" => BinOp::Mul,
        "/" => BinOp::Div,
        "%" => BinOp::Rem,
        _ => return None,
    })
}

/// Event clauses must come in the order `= "wire"`, `for`, `retain`, each once.
#[derive(Default)]
struct ClauseOrder {
    seen: [bool; 3],
    last: Option<usize>,
}

const EVENT_CLAUSES: [&str; 3] = ["`= \"…\"`", "`for`", "`retain`"];

impl ClauseOrder {
    /// Records clause `rank`; reports E0104 and returns false for a repeat.
    fn accept(&mut self, b: &mut Builder<'_>, rank: usize, span: Span) -> bool {
        let help =
            "write the clauses in this order: `event NAME = \"wire name\" for P, Q retain D { … }`";
        let name = EVENT_CLAUSES.get(rank).copied().unwrap_or("");
        if self.seen.get(rank).copied().unwrap_or(false) {
            b.error(
                codes::CLAUSE_ORDER,
                format!("event clause {name} appears twice"),
                span,
                help,
            );
            return false;
        }
        if let Some(last) = self.last.filter(|&l| l > rank) {
            let later = EVENT_CLAUSES.get(last).copied().unwrap_or("");
            b.error(
                codes::CLAUSE_ORDER,
                format!("event clause {name} must come before {later}"),
                span,
                help,
            );
        }
        if let Some(seen) = self.seen.get_mut(rank) {
            *seen = true;
        }
        self.last = Some(self.last.map_or(rank, |l| l.max(rank)));
        true
    }
}

// ------------------------------------------------------------------ literal checks

/// Why a duration literal is malformed.
#[derive(Debug, PartialEq, Eq)]
pub enum DurationError {
    Fraction,
    MissingUnit(String),
    UnknownUnit(String),
    Order,
    Overflow,
}

impl DurationError {
    fn describe(&self, text: &str) -> (&'static str, String, &'static str) {
        const UNITS: &str = "units are `w`, `d`, `h`, `m`, `s` and `ms`, e.g. `90m` or `1h30m`";
        match self {
            DurationError::Fraction => (
                codes::BAD_DURATION,
                format!("duration `{text}` has a fraction"),
                "durations are whole numbers of a unit: combine units instead, e.g. `1h30m`",
            ),
            DurationError::MissingUnit(n) => {
                (codes::BAD_DURATION, format!("duration `{text}` has no unit after `{n}`"), UNITS)
            }
            DurationError::UnknownUnit(u) => {
                (codes::BAD_DURATION, format!("unknown duration unit `{u}` in `{text}`"), UNITS)
            }
            DurationError::Order => (
                codes::BAD_DURATION,
                format!("duration units in `{text}` must go from largest to smallest, each at most once"),
                "write e.g. `1h30m`, not `30m1h`",
            ),
            DurationError::Overflow => (codes::BAD_NUMBER, format!("duration `{text}` is too large"), ""),
        }
    }
}

/// Exact milliseconds of a duration literal such as `1h30m` (units strictly
/// decreasing, each at most once, no sign, no spaces; the empty text is 0).
pub fn duration_ms(text: &str) -> Result<i64, DurationError> {
    let mut rest = text;
    let mut total: i64 = 0;
    let mut last_rank: Option<usize> = None;
    while !rest.is_empty() {
        let digits_len = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (digits, after) = rest.split_at(digits_len);
        if after.starts_with('.') {
            return Err(DurationError::Fraction);
        }
        let unit_len = after
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_len);
        if unit.is_empty() {
            return Err(DurationError::MissingUnit(digits.to_string()));
        }
        let rank = DURATION_UNITS
            .iter()
            .position(|(u, _)| *u == unit)
            .ok_or_else(|| DurationError::UnknownUnit(unit.to_string()))?;
        if last_rank.is_some_and(|last| rank <= last) {
            return Err(DurationError::Order);
        }
        last_rank = Some(rank);
        let unit_ms = DURATION_UNITS.get(rank).map_or(1, |(_, ms)| *ms);
        let n: i64 = digits.parse().map_err(|_| DurationError::Overflow)?;
        total = n
            .checked_mul(unit_ms)
            .and_then(|v| total.checked_add(v))
            .ok_or(DurationError::Overflow)?;
        rest = next;
    }
    Ok(total)
}

/// Unescapes a string body; errors are (byte range in `raw`, message).
fn unescape(raw: &str) -> (String, Vec<(std::ops::Range<usize>, String)>) {
    let mut out = String::with_capacity(raw.len());
    let mut errors = Vec::new();
    let mut chars = raw.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some((_, '"')) => out.push('"'),
            Some((_, '\\')) => out.push('\\'),
            Some((_, 'n')) => out.push('\n'),
            Some((_, 't')) => out.push('\t'),
            Some((_, 'u')) => match unicode_escape(raw, i, &mut chars) {
                Ok(ch) => out.push(ch),
                Err(end) => {
                    let text = raw.get(i..end).unwrap_or("\\u");
                    errors.push((i..end, format!("invalid unicode escape `{text}`")));
                }
            },
            Some((j, other)) => {
                let end = j + other.len_utf8();
                errors.push((i..end, format!("unknown escape `\\{other}` in a string")));
            }
            None => errors.push((i..i + 1, "a string cannot end with `\\`".to_string())),
        }
    }
    (out, errors)
}

/// Reads `{hex}` after `\u` (at byte `start` of `raw`); Err carries the end of the bad
/// escape.
fn unicode_escape(
    raw: &str,
    start: usize,
    chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
) -> Result<char, usize> {
    let mut end = start + 2;
    if chars.next_if(|(_, c)| *c == '{').is_none() {
        return Err(end);
    }
    end += 1;
    let mut hex = String::new();
    while let Some((j, c)) = chars.next_if(|(_, c)| c.is_ascii_hexdigit()) {
        hex.push(c);
        end = j + 1;
    }
    let Some((j, _)) = chars.next_if(|(_, c)| *c == '}') else {
        return Err(end.min(raw.len()));
    };
    end = j + 1;
    if hex.is_empty() || hex.len() > 6 {
        return Err(end);
    }
    u32::from_str_radix(&hex, 16)
        .ok()
        .and_then(char::from_u32)
        .ok_or(end)
}

/// Checks a test time: `HH:MM`, `HH:MM:SS` or RFC 3339.
fn check_time(text: &str) -> Result<(), String> {
    if text.contains(['T', 't']) {
        return chrono::DateTime::parse_from_rfc3339(text)
            .map(|_| ())
            .map_err(|e| format!("not an RFC 3339 timestamp ({e})"));
    }
    let parts: Vec<&str> = text.split(':').collect();
    let well_formed = matches!(parts.len(), 2 | 3)
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && parts.first().is_some_and(|h| h.len() <= 2)
        && parts.iter().skip(1).all(|p| p.len() == 2);
    if !well_formed {
        return Err("expected `HH:MM` or `HH:MM:SS`".to_string());
    }
    let num = |i: usize| {
        parts
            .get(i)
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(0)
    };
    if num(0) > 23 {
        return Err("the hour must be 0 to 23".to_string());
    }
    if num(1) > 59 || num(2) > 59 {
        return Err("minutes and seconds must be 0 to 59".to_string());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration_ms("500ms"), Ok(500));
        assert_eq!(duration_ms("1h30m"), Ok(5_400_000));
        assert_eq!(duration_ms("1w1d1h1m1s1ms"), Ok(694_861_001));
        assert_eq!(duration_ms("30m1h"), Err(DurationError::Order));
        assert_eq!(duration_ms("1h1h"), Err(DurationError::Order));
        assert_eq!(duration_ms("1.5h"), Err(DurationError::Fraction));
        assert_eq!(
            duration_ms("3x"),
            Err(DurationError::UnknownUnit("x".into()))
        );
        assert_eq!(
            duration_ms("1h30"),
            Err(DurationError::MissingUnit("30".into()))
        );
        assert_eq!(
            duration_ms("99999999999999999999w"),
            Err(DurationError::Overflow)
        );
    }

    #[test]
    fn escapes() {
        assert_eq!(
            unescape(r#"a\"b\\c\nd\te\u{1F600}"#).0,
            "a\"b\\c\nd\te\u{1F600}"
        );
        assert_eq!(unescape(r"\q").1.len(), 1);
        assert_eq!(unescape(r"\u{}").1.len(), 1);
        assert_eq!(unescape(r"\u{D800}").1.len(), 1);
        assert_eq!(unescape(r"\u{1234567}").1.len(), 1);
        assert_eq!(unescape(r"\u41").1.len(), 1);
    }

    #[test]
    fn times() {
        assert!(check_time("10:00").is_ok());
        assert!(check_time("9:05:30").is_ok());
        assert!(check_time("2026-01-01T10:00:00.5+01:00").is_ok());
        assert!(check_time("24:00").is_err());
        assert!(check_time("10:60").is_err());
        assert!(check_time("10:0").is_err());
        assert!(check_time("2026-13-01T10:00:00Z").is_err());
    }
}
