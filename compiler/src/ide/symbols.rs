//! Outline and classification: the declarations of a file as a tree (document
//! symbols), the declarations of the project matching a query (workspace symbols),
//! and a class for every token of a file (semantic tokens: names are classified by
//! what they resolve to). Pure functions of the database.

use std::collections::HashMap;

use super::{index, Symbol};
use crate::db::{parse_file, Project, SourceFile};
use crate::syntax::ast::{self, ItemKind, Span};
use crate::syntax::lexer::{lex, TokenKind};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SymbolKind {
    Event,
    Field,
    Identity,
    IdType,
    Purpose,
    Profile,
    Attr,
    Trait,
    Segment,
    Test,
}

/// One entry of a file's outline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocSymbol {
    pub name: String,
    pub detail: Option<String>,
    pub kind: SymbolKind,
    /// The whole declaration.
    pub span: Span,
    /// The name.
    pub name_span: Span,
    pub children: Vec<DocSymbol>,
}

impl DocSymbol {
    fn leaf(name: &str, kind: SymbolKind, span: Span, name_span: Span) -> DocSymbol {
        DocSymbol {
            name: name.to_string(),
            detail: None,
            kind,
            span,
            name_span,
            children: Vec::new(),
        }
    }
}

/// The outline of one file.
pub fn document_symbols(db: &dyn salsa::Database, file: SourceFile) -> Vec<DocSymbol> {
    parse_file(db, file).ast.items.iter().map(item).collect()
}

fn field(f: &ast::FieldDecl, kind: SymbolKind) -> DocSymbol {
    let opt = if f.ty.optional { "?" } else { "" };
    let mut s = DocSymbol::leaf(&f.name.name, kind, f.span, f.name.span);
    s.detail = Some(format!(
        "{}{opt}{}",
        f.ty.base,
        if f.pii { " pii" } else { "" }
    ));
    s
}

fn item(it: &ast::Item) -> DocSymbol {
    let (name, kind, name_span, children, detail): (String, _, _, Vec<DocSymbol>, _) =
        match &it.kind {
            ItemKind::Event(e) => (
                e.name.name.clone(),
                SymbolKind::Event,
                e.name.span,
                e.fields
                    .iter()
                    .map(|f| field(f, SymbolKind::Field))
                    .collect(),
                e.wire.as_ref().map(|w| format!("{:?}", w.value)),
            ),
            ItemKind::Identity(b) => (
                "identity".to_string(),
                SymbolKind::Identity,
                b.keyword,
                b.lines
                    .iter()
                    .map(|l| DocSymbol::leaf(&l.name.name, SymbolKind::IdType, l.span, l.name.span))
                    .collect(),
                None,
            ),
            ItemKind::Purpose(p) => (
                p.name.name.clone(),
                SymbolKind::Purpose,
                p.name.span,
                vec![],
                None,
            ),
            ItemKind::Profile(p) => (
                "profile".to_string(),
                SymbolKind::Profile,
                p.keyword,
                p.attrs.iter().map(|a| field(a, SymbolKind::Attr)).collect(),
                None,
            ),
            ItemKind::Trait(t) => (
                t.name.name.clone(),
                SymbolKind::Trait,
                t.name.span,
                vec![],
                None,
            ),
            ItemKind::Segment(s) => {
                let purpose = s.clauses.iter().find_map(|c| match c {
                    ast::SegmentClause::For(p, _) => Some(format!("for {}", p.name)),
                    ast::SegmentClause::Holdout(..) => None,
                });
                (
                    s.name.name.clone(),
                    SymbolKind::Segment,
                    s.name.span,
                    vec![],
                    purpose,
                )
            }
            ItemKind::Test(t) => (
                t.name.value.clone(),
                SymbolKind::Test,
                t.name.span,
                vec![],
                None,
            ),
        };
    DocSymbol {
        name,
        detail,
        kind,
        span: it.span,
        name_span,
        children,
    }
}

/// A declaration found by a workspace symbol search.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkspaceSymbol {
    pub name: String,
    pub kind: SymbolKind,
    pub file: String,
    pub span: Span,
    /// The enclosing declaration (an event, for a field).
    pub container: Option<String>,
}

/// Declarations (and fields) whose name contains `query`, case-insensitively, sorted.
pub fn workspace_symbols(
    db: &dyn salsa::Database,
    project: Project,
    query: &str,
) -> Vec<WorkspaceSymbol> {
    let q = query.to_lowercase();
    let mut out: Vec<WorkspaceSymbol> = index(db, project)
        .occurrences
        .iter()
        .filter(|o| o.is_def && o.symbol.name().to_lowercase().contains(&q))
        .filter_map(|o| {
            let (kind, container) = match &o.symbol {
                Symbol::Event(_) => (SymbolKind::Event, None),
                Symbol::Field { event, .. } => (SymbolKind::Field, Some(event.clone())),
                Symbol::Attr(_) => (SymbolKind::Attr, Some("profile".to_string())),
                Symbol::Trait(_) => (SymbolKind::Trait, None),
                Symbol::Segment(_) => (SymbolKind::Segment, None),
                Symbol::Purpose(_) => (SymbolKind::Purpose, None),
                Symbol::IdType(_) => (SymbolKind::IdType, Some("identity".to_string())),
                Symbol::Function(_) => return None,
            };
            Some(WorkspaceSymbol {
                name: o.symbol.name().to_string(),
                kind,
                file: o.file.clone(),
                span: o.span,
                container,
            })
        })
        .collect();
    out.sort_by(|a, b| (&a.name, &a.file, a.span.start).cmp(&(&b.name, &b.file, b.span.start)));
    out
}

/// The class of a token for highlighting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenClass {
    Keyword,
    Comment,
    DocComment,
    String,
    Number,
    Operator,
    Event,
    Field,
    Attr,
    Trait,
    Segment,
    Purpose,
    IdType,
    Function,
    /// An identifier that resolves to nothing (or to a JSON path, a normaliser…).
    Name,
}

/// Every token of the file with its class; `bool` marks a declaration. Tokens that
/// are neither names, literals, keywords, comments nor operators are left out.
pub fn semantic_tokens(
    db: &dyn salsa::Database,
    project: Project,
    file: SourceFile,
) -> Vec<(Span, TokenClass, bool)> {
    let path = file.path(db);
    let text = file.text(db);
    let names: HashMap<u32, (&Symbol, bool)> = index(db, project)
        .in_file(path)
        .map(|o| (o.span.start, (&o.symbol, o.is_def)))
        .collect();
    lex(text)
        .into_iter()
        .filter_map(|t| {
            let resolved = names.get(&t.span.start).map(|(s, d)| (symbol_class(s), *d));
            let class = match t.kind {
                TokenKind::Ident | TokenKind::Keyword if resolved.is_some() => {
                    return resolved.map(|(c, d)| (t.span, c, d))
                }
                TokenKind::Ident => TokenClass::Name,
                TokenKind::Keyword => TokenClass::Keyword,
                TokenKind::LineComment => TokenClass::Comment,
                TokenKind::DocComment => TokenClass::DocComment,
                TokenKind::Str => TokenClass::String,
                k if k.is_literal() => TokenClass::Number,
                TokenKind::Error
                | TokenKind::LBrace
                | TokenKind::RBrace
                | TokenKind::LParen
                | TokenKind::RParen
                | TokenKind::LBracket
                | TokenKind::RBracket
                | TokenKind::Comma
                | TokenKind::Colon
                | TokenKind::Dot => return None,
                _ => TokenClass::Operator,
            };
            Some((t.span, class, false))
        })
        .collect()
}

fn symbol_class(s: &Symbol) -> TokenClass {
    match s {
        Symbol::Event(_) => TokenClass::Event,
        Symbol::Field { .. } => TokenClass::Field,
        Symbol::Attr(_) => TokenClass::Attr,
        Symbol::Trait(_) => TokenClass::Trait,
        Symbol::Segment(_) => TokenClass::Segment,
        Symbol::Purpose(_) => TokenClass::Purpose,
        Symbol::IdType(_) => TokenClass::IdType,
        Symbol::Function(_) => TokenClass::Function,
    }
}
