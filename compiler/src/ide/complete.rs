//! Completion and signature help. The context comes from the logos tokens before the
//! cursor (so it works in text that does not parse yet): after `E.` the fields of `E`,
//! after `profile.` the attributes, inside `E[…]` the fields of `E`, after digits the
//! duration units, after `for` the purposes, after `:` the types; elsewhere keywords,
//! declarations and functions. Nothing here edits text.

use super::fmt_duration;
use crate::db::{program, Project};
use crate::hir::{Base, Program};
use crate::syntax::ast::{BaseType, DURATION_UNITS, KEYWORDS};
use crate::syntax::lexer::{lex, Token, TokenKind};

/// A built-in function: name, parameters, result and documentation.
pub struct FunctionInfo {
    pub name: &'static str,
    pub params: &'static [&'static str],
    pub returns: &'static str,
    pub doc: &'static str,
}

impl FunctionInfo {
    /// `name(p1, p2)`.
    pub fn signature(&self) -> String {
        format!("{}({})", self.name, self.params.join(", "))
    }
}

const WINDOW: &str = "`W` is an optional window: only events with `t - W < ts <= t` count; without it, all of the profile's (retained) events.";

/// The built-in functions (§5).
pub const FUNCTIONS: &[FunctionInfo] = &[
    FunctionInfo { name: "count", params: &["E", "W?"], returns: "int", doc: "Number of `E` events. `E` is an event, `any`, a filtered event `E[pred]`, or a sequence `A then B within D` (counts completed matches)." },
    FunctionInfo { name: "sum", params: &["E.f", "W?"], returns: "type of f", doc: "Sum of field `f`; 0 when there are no events. `int` and `decimal` sums are exact." },
    FunctionInfo { name: "avg", params: &["E.f", "W?"], returns: "float?", doc: "Average of field `f` as a float; none when there are no events." },
    FunctionInfo { name: "min", params: &["E.f", "W?"], returns: "T?", doc: "Smallest value of field `f`; none when there are no events." },
    FunctionInfo { name: "max", params: &["E.f", "W?"], returns: "T?", doc: "Largest value of field `f`; none when there are no events." },
    FunctionInfo { name: "distinct", params: &["E.f", "W?"], returns: "int", doc: "Number of distinct values of field `f`." },
    FunctionInfo { name: "first", params: &["E.f", "W?"], returns: "T?", doc: "Field `f` of the earliest event (ties: the earlier in input order)." },
    FunctionInfo { name: "last", params: &["E.f", "W?"], returns: "T?", doc: "Field `f` of the latest event (ties: the later in input order)." },
    FunctionInfo { name: "most_frequent", params: &["E.f", "W?"], returns: "T?", doc: "Most frequent value of field `f` (ties: the value seen most recently)." },
    FunctionInfo { name: "since", params: &["E"], returns: "duration?", doc: "Time since the latest `E` event; none if never. Compare it only with a constant duration, e.g. `since(E) < 7d`." },
    FunctionInfo { name: "starts_with", params: &["s", "prefix"], returns: "bool", doc: "Whether string `s` starts with `prefix` (false when `s` is none)." },
    FunctionInfo { name: "contains", params: &["s", "needle"], returns: "bool", doc: "Whether string `s` contains `needle` (false when `s` is none)." },
    FunctionInfo { name: "lower", params: &["s"], returns: "string", doc: "`s` in lower case (none stays none)." },
];

/// The catalogue entry of a built-in function.
pub fn function(name: &str) -> Option<&'static FunctionInfo> {
    FUNCTIONS.iter().find(|f| f.name == name)
}

fn function_doc(f: &FunctionInfo) -> String {
    if f.params.contains(&"W?") {
        format!("{} {WINDOW}", f.doc)
    } else {
        f.doc.to_string()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CompletionKind {
    Keyword,
    Event,
    Field,
    Attr,
    Trait,
    Segment,
    Purpose,
    IdType,
    Function,
    Type,
    Unit,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    pub label: String,
    pub kind: CompletionKind,
    pub detail: Option<String>,
    pub doc: Option<String>,
}

impl Completion {
    fn new(label: impl Into<String>, kind: CompletionKind, detail: Option<String>) -> Self {
        Completion {
            label: label.into(),
            kind,
            detail,
            doc: None,
        }
    }
}

/// Completions at `offset` of `text` (the current text of `file`).
pub fn completions(
    db: &dyn salsa::Database,
    project: Project,
    text: &str,
    offset: usize,
) -> Vec<Completion> {
    let program = program(db, project);
    let before = text.get(..offset).unwrap_or("");
    let word_start = before
        .trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_')
        .len();
    let word = &before[word_start..];
    if word.starts_with(|c: char| c.is_ascii_digit()) {
        return units(word);
    }
    let tokens = lex(&before[..word_start]);
    let sig: Vec<&Token> = tokens.iter().filter(|t| !t.kind.is_comment()).collect();
    let last = sig.last().map(|t| (t.kind, t.text(before)));
    match last {
        Some((TokenKind::Dot, _)) => return after_dot(program, &sig, before),
        Some((TokenKind::Keyword, "for")) => return purposes(program),
        Some((TokenKind::Colon, _)) if in_block(&sig, before) => return types(),
        _ => {}
    }
    if let Some(ev) = filtered_event(&sig, before) {
        let mut out = fields(program, &ev);
        out.extend(keywords(&["and", "or", "not", "in", "true", "false"]));
        out.extend(functions(&["starts_with", "contains", "lower"]));
        return out;
    }
    general(program)
}

fn units(word: &str) -> Vec<Completion> {
    let digits: String = word.chars().take_while(char::is_ascii_digit).collect();
    let n: i64 = digits.parse().unwrap_or(1);
    DURATION_UNITS
        .iter()
        .map(|(unit, ms)| {
            let detail = match n.checked_mul(*ms) {
                Some(total) => format!("{} = {total} ms", fmt_duration(total)),
                None => "out of range".to_string(),
            };
            Completion::new(
                format!("{digits}{unit}"),
                CompletionKind::Unit,
                Some(detail),
            )
        })
        .collect()
}

/// After `E.`, `E[…].` or `profile.`.
fn after_dot(program: &Program, sig: &[&Token], text: &str) -> Vec<Completion> {
    let n = sig.len();
    let mut i = n.saturating_sub(2);
    if n >= 2 && sig[i].kind == TokenKind::RBracket {
        match matching_open(sig, i, TokenKind::LBracket, TokenKind::RBracket) {
            Some(open) if open > 0 => i = open - 1,
            _ => return Vec::new(),
        }
    }
    let Some(tok) = sig.get(i).filter(|_| n >= 2) else {
        return Vec::new();
    };
    match (tok.kind, tok.text(text)) {
        (TokenKind::Keyword, "profile") => attrs(program),
        (TokenKind::Ident, name) => fields(program, name),
        _ => Vec::new(),
    }
}

/// Index of the bracket opening the one closed at `close`.
fn matching_open(sig: &[&Token], close: usize, open: TokenKind, shut: TokenKind) -> Option<usize> {
    let mut depth = 0usize;
    for i in (0..=close).rev() {
        if sig[i].kind == shut {
            depth += 1;
        } else if sig[i].kind == open {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

/// The innermost unclosed bracket of kind `open` before the cursor, if it is the
/// innermost unclosed bracket of any kind.
fn unclosed(sig: &[&Token]) -> Option<(usize, TokenKind)> {
    let mut depth = 0usize;
    for (i, t) in sig.iter().enumerate().rev() {
        match t.kind {
            TokenKind::RBracket | TokenKind::RParen | TokenKind::RBrace => depth += 1,
            TokenKind::LBracket | TokenKind::LParen | TokenKind::LBrace if depth == 0 => {
                return Some((i, t.kind))
            }
            TokenKind::LBracket | TokenKind::LParen | TokenKind::LBrace => depth -= 1,
            _ => {}
        }
    }
    None
}

/// Inside `E[…]`: the event's name.
fn filtered_event(sig: &[&Token], text: &str) -> Option<String> {
    match unclosed(sig)? {
        (i, TokenKind::LBracket) if i > 0 && sig[i - 1].kind == TokenKind::Ident => {
            Some(sig[i - 1].text(text).to_string())
        }
        _ => None,
    }
}

/// Inside `{ … }` of an event or profile block (where `name:` is followed by a type).
fn in_block(sig: &[&Token], text: &str) -> bool {
    let Some((i, TokenKind::LBrace)) = unclosed(sig) else {
        return false;
    };
    sig[..i]
        .iter()
        .rev()
        .find(|t| {
            t.kind == TokenKind::Keyword && matches!(t.text(text), "event" | "profile" | "test")
        })
        .is_some_and(|t| t.text(text) != "test")
}

fn fields(program: &Program, event: &str) -> Vec<Completion> {
    let Some(e) = program.event(event).and_then(|i| program.events.get(i)) else {
        return Vec::new();
    };
    e.fields
        .iter()
        .map(|f| {
            let ty = Base::from_value_type(f.ty).name();
            let opt = if f.optional { "?" } else { "" };
            let pii = if f.pii { " pii" } else { "" };
            let detail = format!("{ty}{opt}{pii}");
            Completion::new(f.name.clone(), CompletionKind::Field, Some(detail))
        })
        .collect()
}

fn attrs(program: &Program) -> Vec<Completion> {
    program
        .attrs
        .iter()
        .map(|a| {
            let detail = format!("{}?", Base::from_value_type(a.ty).name());
            Completion::new(a.name.clone(), CompletionKind::Attr, Some(detail))
        })
        .collect()
}

fn purposes(program: &Program) -> Vec<Completion> {
    program
        .purposes
        .iter()
        .map(|p| {
            let mut c = Completion::new(p.name.clone(), CompletionKind::Purpose, None);
            c.doc = p.doc.clone();
            c
        })
        .collect()
}

fn types() -> Vec<Completion> {
    BaseType::ALL
        .iter()
        .map(|t| Completion::new(t.keyword(), CompletionKind::Type, None))
        .collect()
}

fn keywords(list: &[&str]) -> Vec<Completion> {
    list.iter()
        .map(|k| Completion::new(*k, CompletionKind::Keyword, None))
        .collect()
}

fn functions(names: &[&str]) -> Vec<Completion> {
    FUNCTIONS
        .iter()
        .filter(|f| names.is_empty() || names.contains(&f.name))
        .map(|f| {
            let detail = format!("{} -> {}", f.signature(), f.returns);
            let mut c = Completion::new(f.name, CompletionKind::Function, Some(detail));
            c.doc = Some(function_doc(f));
            c
        })
        .collect()
}

/// Keywords, every declaration and every function.
fn general(program: &Program) -> Vec<Completion> {
    let mut out = keywords(KEYWORDS);
    for e in &program.events {
        let mut c = Completion::new(e.name.clone(), CompletionKind::Event, Some("event".into()));
        c.doc = e.doc.clone();
        out.push(c);
    }
    for t in &program.traits {
        let mut c = Completion::new(
            t.name.clone(),
            CompletionKind::Trait,
            Some(t.ty.to_string()),
        );
        c.doc = t.doc.clone();
        out.push(c);
    }
    for s in &program.segments {
        let mut c = Completion::new(
            s.name.clone(),
            CompletionKind::Segment,
            Some("segment: bool".into()),
        );
        c.doc = s.doc.clone();
        out.push(c);
    }
    for t in &program.identity {
        out.push(Completion::new(
            t.name.clone(),
            CompletionKind::IdType,
            Some("identifier type".into()),
        ));
    }
    out.extend(functions(&[]));
    out
}

// ------------------------------------------------------------------ signature help

/// The signature of the call around the cursor, with its parameter spans.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureInfo {
    pub label: String,
    /// Byte ranges of each parameter inside `label`.
    pub params: Vec<(usize, usize)>,
    pub active_param: usize,
    pub doc: String,
}

/// Signature help for the innermost built-in call the cursor is in.
pub fn signature_help(text: &str, offset: usize) -> Option<SignatureInfo> {
    let before = text.get(..offset)?;
    let tokens = lex(before);
    let sig: Vec<&Token> = tokens.iter().filter(|t| !t.kind.is_comment()).collect();
    let mut depth = 0usize;
    let mut commas = 0usize;
    for (i, t) in sig.iter().enumerate().rev() {
        match t.kind {
            TokenKind::RBracket | TokenKind::RParen | TokenKind::RBrace => depth += 1,
            TokenKind::LBracket | TokenKind::LBrace if depth == 0 => return None,
            TokenKind::LParen if depth == 0 => {
                let name = sig.get(i.checked_sub(1)?)?.text(before);
                return function(name).map(|f| signature(f, commas));
            }
            TokenKind::LBracket | TokenKind::LParen | TokenKind::LBrace => depth -= 1,
            TokenKind::Comma if depth == 0 => commas += 1,
            _ => {}
        }
    }
    None
}

fn signature(f: &FunctionInfo, active: usize) -> SignatureInfo {
    let mut label = format!("{}(", f.name);
    let mut params = Vec::new();
    for (i, p) in f.params.iter().enumerate() {
        if i > 0 {
            label.push_str(", ");
        }
        params.push((label.len(), label.len() + p.len()));
        label.push_str(p);
    }
    label.push_str(&format!(") -> {}", f.returns));
    SignatureInfo {
        label,
        params,
        active_param: active.min(f.params.len().saturating_sub(1)),
        doc: function_doc(f),
    }
}
