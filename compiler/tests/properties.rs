//! Property tests of the front end.
//!
//! * The parser and the whole checking pipeline (`db::check_project`, then the
//!   lowering in `db::plan`) never panic: on arbitrary strings, on soups of the
//!   language's tokens, and on mutated real files (`examples/**/*.seg`,
//!   `tests/data/**/*.seg`: tokens deleted, duplicated and swapped).
//! * On all of those, checking file by file through the database gives exactly the
//!   diagnostics of one pass over the whole project, fresh and after every edit of
//!   a sequence that builds the project up file by file.
//! * The formatter, on generated syntactically valid projects that use every
//!   declaration and expression form of LANGUAGE.md §3–§5 and §11 with random
//!   comments, doc comments, whitespace and commas, succeeds, is idempotent, keeps the
//!   syntax tree (spans aside) and keeps every comment.
//!
//! Case counts are chosen so the file runs in a few seconds in a debug build;
//! `PROPTEST_CASES=N` overrides all of them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::sample::Index;
use salsa::Setter;
use seg_compiler::db::{self, Database};
use seg_compiler::diagnostics::{self, Diagnostic};
use seg_compiler::fmt::format_source;
use seg_compiler::syntax::ast::File;
use seg_compiler::syntax::ast::{BaseType, KEYWORDS};
use seg_compiler::syntax::lexer::lex;
use seg_compiler::syntax::parser;

mod common;
use common::soup_words;

// ------------------------------------------------------------------ harness

/// `PROPTEST_CASES` if set, else `n`.
fn config(n: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(n);
    ProptestConfig {
        cases,
        // Failures found here become the named regression tests at the end.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Runs the parser, the checker, the lowering and the formatter on a project: none
/// may panic, and whatever the formatter accepts it formats idempotently, keeping the
/// tree and the comments.
fn pipeline(files: Vec<(String, String)>) {
    for (path, text) in &files {
        let _ = parser::parse(text, path);
        if let Ok(out) = format_source(text, path) {
            let again = format_source(&out, path);
            assert_eq!(
                again.as_ref(),
                Ok(&out),
                "not idempotent\n--- input\n{text}"
            );
            assert_eq!(tree(text), tree(&out), "tree changed\n--- input\n{text}");
            assert_eq!(
                comments(text).len(),
                comments(&out).len(),
                "comments lost or added\n--- input\n{text}\n--- output\n{out}"
            );
        }
    }
    let db = Database::default();
    let project = db.load(files.clone());
    let checked = db::check_project(&db, project);
    let plan = db::plan(&db, project);
    assert_eq!(plan.is_some(), !checked.has_errors());
    assert_eq!(
        checked.diagnostics,
        at_once(&files),
        "checking file by file differs from checking the whole project\n{files:#?}"
    );
    edit_by_edit(&files);
}

/// The project's diagnostics from one pass over all of it: what the per-file
/// `db::check_project` must return.
fn at_once(files: &[(String, String)]) -> Vec<Diagnostic> {
    let parsed: Vec<_> = files
        .iter()
        .map(|(p, t)| (p, parser::parse(t, p)))
        .collect();
    let asts: Vec<(&str, &File)> = parsed
        .iter()
        .map(|(p, (ast, _))| (p.as_str(), ast))
        .collect();
    let mut diags: Vec<Diagnostic> = parsed.iter().flat_map(|(_, (_, d))| d.clone()).collect();
    diags.extend(db::check_at_once(&asts));
    diagnostics::sort(&mut diags);
    diags.dedup();
    diags
}

/// Builds the project up through the database one file at a time, then empties the
/// first file and restores it; after every edit the incremental result must equal a
/// fresh one-pass check.
fn edit_by_edit(files: &[(String, String)]) {
    let mut now: Vec<(String, String)> = files
        .iter()
        .map(|(p, _)| (p.clone(), String::new()))
        .collect();
    let mut db = Database::default();
    let project = db.load(now.clone());
    let _ = db::check_project(&db, project);
    let mut steps: Vec<(usize, String)> =
        files.iter().map(|(_, t)| t.clone()).enumerate().collect();
    if let Some((_, first)) = files.first() {
        steps.push((0, String::new()));
        steps.push((0, first.clone()));
    }
    for (i, text) in steps {
        let file = project.files(&db)[i];
        file.set_text(&mut db).to(text.clone());
        now[i].1 = text;
        assert_eq!(
            db::check_project(&db, project).diagnostics,
            at_once(&now),
            "incremental check differs from a fresh one after editing {}\n{now:#?}",
            now[i].0
        );
    }
}

/// The syntax tree's debug text without spans.
fn tree(text: &str) -> String {
    parser::parse(text, "t.seg").0.without_spans()
}

/// `//` comments of a text, doc comments included, as the lexer sees them.
fn comments(text: &str) -> Vec<String> {
    lex(text)
        .iter()
        .filter(|t| t.kind.is_comment())
        .map(|t| t.text(text).trim_end().to_string())
        .collect()
}

// ------------------------------------------------------------------ corpus

/// Real `.seg` files: (path, text, the other files of its project).
struct CorpusFile {
    path: String,
    text: String,
    siblings: Vec<(String, String)>,
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "seg") {
            out.push(p);
        }
    }
}

fn corpus() -> &'static [CorpusFile] {
    static CORPUS: OnceLock<Vec<CorpusFile>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut paths = Vec::new();
        collect(&root.join("../examples"), &mut paths);
        collect(&root.join("tests/data"), &mut paths);
        paths.sort();
        let read = |p: &Path| std::fs::read_to_string(p).unwrap();
        let name = |p: &Path| p.to_string_lossy().replace('\\', "/");
        let files: Vec<CorpusFile> = paths
            .iter()
            .map(|p| {
                let dir = p.parent().unwrap();
                let same_dir: Vec<&PathBuf> = paths
                    .iter()
                    .filter(|q| q.parent() == Some(dir) && *q != p)
                    .collect();
                // A directory of a few files is one project (the examples); a
                // directory of many is a set of one-file projects.
                let siblings = if same_dir.len() < 8 {
                    same_dir.iter().map(|q| (name(q), read(q))).collect()
                } else {
                    Vec::new()
                };
                CorpusFile {
                    path: name(p),
                    text: read(p),
                    siblings,
                }
            })
            .collect();
        assert!(files.len() > 20, "corpus not found");
        files
    })
}

#[derive(Clone, Debug)]
enum Mutation {
    Delete(Index),
    Duplicate(Index),
    Swap(Index, Index),
    /// Replace a token by one from the soup vocabulary.
    Replace(Index, Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => any::<Index>().prop_map(Mutation::Delete),
        2 => any::<Index>().prop_map(Mutation::Duplicate),
        2 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::Swap(a, b)),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::Replace(a, b)),
    ]
}

/// Applies token-level mutations; whitespace between tokens stays where it was.
fn mutate(text: &str, muts: &[Mutation]) -> String {
    let tokens = lex(text);
    // (whitespace before, token text)
    let mut pieces: Vec<(String, String)> = Vec::new();
    let mut pos = 0usize;
    for t in &tokens {
        let r = t.span.range();
        pieces.push((text[pos..r.start].to_string(), text[r.clone()].to_string()));
        pos = r.end;
    }
    let tail = text[pos..].to_string();
    for m in muts {
        if pieces.is_empty() {
            break;
        }
        let n = pieces.len();
        match m {
            Mutation::Delete(i) => {
                pieces.remove(i.index(n));
            }
            Mutation::Duplicate(i) => {
                let p = pieces[i.index(n)].clone();
                pieces.insert(i.index(n), p);
            }
            Mutation::Swap(a, b) => {
                let (a, b) = (a.index(n), b.index(n));
                let ta = pieces[a].1.clone();
                pieces[a].1 = std::mem::replace(&mut pieces[b].1, ta);
            }
            Mutation::Replace(i, w) => {
                pieces[i.index(n)].1 = soup_words()[w.index(soup_words().len())].to_string();
            }
        }
    }
    let mut out = String::new();
    for (ws, tok) in pieces {
        out.push_str(&ws);
        out.push_str(&tok);
    }
    out.push_str(&tail);
    out
}

// ------------------------------------------------------------------ token soup

fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec((any::<Index>(), 0..4u8), 0..120).prop_map(|toks| {
        let mut s = String::new();
        for (w, sep) in toks {
            s.push_str(soup_words()[w.index(soup_words().len())]);
            s.push_str(match sep {
                0 => "",
                1 | 2 => " ",
                _ => "\n",
            });
        }
        s
    })
}

// ------------------------------------------------------------------ generator
//
// A generated file is a list of pieces: words separated by random whitespace
// (possibly none next to brackets and commas), comments (a line break follows),
// and required line breaks. Expressions are generated as trees and printed by
// the grammar's precedence levels, with parentheses where a looser operator sits
// in a tighter slot.

#[derive(Clone, Debug)]
enum Piece {
    Word(String),
    /// A `//` or `///` comment: the next gap holds a line break.
    Comment(String),
    /// A line break in the next gap.
    Break,
}

fn w(s: impl Into<String>) -> Piece {
    Piece::Word(s.into())
}

const EVENTS: &[&str] = &["viewed", "purchased", "signed_up", "added_to_cart"];
const FIELDS: &[&str] = &[
    "price", "category", "email", "revenue", "plan", "score", "at_ms",
];
const PURPOSES: &[&str] = &["analytics", "ads", "email_marketing"];
const ATTRS: &[&str] = &["plan", "nps", "tier"];
const TRAITS: &[&str] = &["spend", "views", "fav", "last_plan"];
const SEGMENTS: &[&str] = &["vip", "active", "churn_risk", "new_user"];
const ID_TYPES: &[&str] = &["user_id", "anonymous_id", "email_id", "device"];
const FUNCS: &[&str] = &[
    "sum",
    "avg",
    "min",
    "max",
    "distinct",
    "first",
    "last",
    "most_frequent",
];

fn pick(names: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::sample::select(names).prop_map(str::to_string)
}

/// A random identifier that is not a keyword nor a contextual test word.
fn fresh_name() -> impl Strategy<Value = String> {
    "[a-z_][a-z0-9_]{0,7}".prop_filter("keyword", |s| {
        !KEYWORDS.contains(&s.as_str()) && s != "identify" && s != "forget" && s != "_"
    })
}

fn name_of(names: &'static [&'static str]) -> BoxedStrategy<String> {
    prop_oneof![4 => pick(names), 1 => fresh_name()].boxed()
}

/// `30m`, `1h30m`, `1w2d3h4m5s6ms`: units strictly decreasing.
fn duration() -> impl Strategy<Value = String> {
    prop::collection::vec((1u32..1000, any::<bool>()), 6).prop_map(|parts| {
        let units = ["w", "d", "h", "m", "s", "ms"];
        let mut s = String::new();
        for ((n, on), u) in parts.iter().zip(units) {
            if *on {
                let _ = write!(s, "{n}{u}");
            }
        }
        if s.is_empty() {
            "30m".to_string()
        } else {
            s
        }
    })
}

/// A string literal's source text: a value made of tricky characters, each written
/// plainly or as an escape.
fn string_lit() -> impl Strategy<Value = String> {
    let ch = prop_oneof![
        4 => prop::sample::select(vec!['a', 'Z', ' ', '0', '{', '}', '%', '/', '*']),
        1 => prop::sample::select(vec!['"', '\\', '\n', '\t', 'é', '\u{1F600}', '\u{1}', '\r', '\u{7f}']),
    ];
    prop::collection::vec((ch, 0..3u8), 0..10).prop_map(|chars| {
        let mut s = String::from("\"");
        for (c, how) in chars {
            match (c, how) {
                ('"', _) => s.push_str("\\\""),
                ('\\', _) => s.push_str("\\\\"),
                ('\n', 0) => s.push_str("\\n"),
                ('\t', 0) => s.push_str("\\t"),
                ('\n', _) => {
                    let _ = write!(s, "\\u{{{:x}}}", c as u32);
                }
                (c, 1) => {
                    let _ = write!(s, "\\u{{{:X}}}", c as u32);
                }
                (c, 2) => {
                    let _ = write!(s, "\\u{{{:06x}}}", c as u32);
                }
                (c, _) => s.push(c),
            }
        }
        s.push('"');
        s
    })
}

/// An expression tree; printing follows the grammar's levels.
#[derive(Clone, Debug)]
enum G {
    Lit(String),
    Name(String),
    Attr(String),
    /// `count(E)`, `count(E, W)`.
    Count(Ev, Option<Box<G>>, bool),
    /// `f(E.field)`, `f(E.field, W)`.
    Agg(String, Ev, String, Option<Box<G>>),
    Since(Ev),
    Seq(Ev, Ev, bool, String),
    SeqCount(Ev, Ev, String, Option<String>),
    Helper(String, Vec<G>, bool),
    Bin(&'static str, Box<G>, Box<G>),
    Not(Box<G>),
    Neg(Box<G>),
    In(Box<G>, Vec<G>, bool),
    Paren(Box<G>),
}

/// An event reference: a name or `any`, with an optional filter.
#[derive(Clone, Debug)]
struct Ev {
    name: String,
    filter: Option<Box<G>>,
}

const OR: u8 = 1;
const AND: u8 = 2;
const NOT: u8 = 3;
const CMP: u8 = 4;
const COALESCE: u8 = 5;
const ADD: u8 = 6;
const MUL: u8 = 7;
const UNARY: u8 = 8;
const PRIMARY: u8 = 9;

fn op_level(op: &str) -> u8 {
    match op {
        "or" => OR,
        "and" => AND,
        "==" | "!=" | "<" | "<=" | ">" | ">=" => CMP,
        "??" => COALESCE,
        "+" | "-" => ADD,
        _ => MUL,
    }
}

impl G {
    fn level(&self) -> u8 {
        match self {
            G::Bin(op, ..) => op_level(op),
            G::Not(_) => NOT,
            G::In(..) => CMP,
            G::Neg(_) => UNARY,
            _ => PRIMARY,
        }
    }

    /// Prints at a slot that needs at least `min` (parenthesised if looser).
    fn print(&self, min: u8, out: &mut Vec<Piece>) {
        if self.level() < min {
            out.push(w("("));
            self.print(OR, out);
            out.push(w(")"));
            return;
        }
        match self {
            G::Lit(s) | G::Name(s) => out.push(w(s.clone())),
            G::Attr(a) => {
                out.extend([w("profile"), w("."), w(a.clone())]);
            }
            G::Count(ev, win, trailing) => {
                out.extend([w("count"), w("(")]);
                ev.print(out);
                if let Some(win) = win {
                    out.push(w(","));
                    win.print(OR, out);
                }
                if *trailing {
                    out.push(w(","));
                }
                out.push(w(")"));
            }
            G::Agg(f, ev, field, win) => {
                out.extend([w(f.clone()), w("(")]);
                ev.print(out);
                out.extend([w("."), w(field.clone())]);
                if let Some(win) = win {
                    out.push(w(","));
                    win.print(OR, out);
                }
                out.push(w(")"));
            }
            G::Since(ev) => {
                out.extend([w("since"), w("(")]);
                ev.print(out);
                out.push(w(")"));
            }
            G::Seq(a, b, negated, within) => {
                a.print(out);
                out.push(w("then"));
                if *negated {
                    out.push(w("not"));
                }
                b.print(out);
                out.extend([w("within"), w(within.clone())]);
            }
            G::SeqCount(a, b, within, win) => {
                out.extend([w("count"), w("(")]);
                a.print(out);
                out.push(w("then"));
                b.print(out);
                out.extend([w("within"), w(within.clone())]);
                if let Some(win) = win {
                    out.extend([w(","), w(win.clone())]);
                }
                out.push(w(")"));
            }
            G::Helper(f, args, trailing) => {
                out.extend([w(f.clone()), w("(")]);
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        out.push(w(","));
                    }
                    a.print(OR, out);
                }
                if *trailing && !args.is_empty() {
                    out.push(w(","));
                }
                out.push(w(")"));
            }
            G::Bin(op, l, r) => {
                let lvl = op_level(op);
                if lvl == CMP {
                    // Comparisons do not chain: both sides one level tighter.
                    l.print(COALESCE, out);
                    out.push(w(*op));
                    r.print(COALESCE, out);
                } else {
                    l.print(lvl, out);
                    out.push(w(*op));
                    r.print(lvl + 1, out);
                }
            }
            G::Not(x) => {
                out.push(w("not"));
                x.print(NOT, out);
            }
            G::Neg(x) => {
                out.push(w("-"));
                x.print(UNARY, out);
            }
            G::In(x, items, trailing) => {
                x.print(COALESCE, out);
                out.extend([w("in"), w("[")]);
                for (i, it) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(w(","));
                    }
                    it.print(OR, out);
                }
                if *trailing && !items.is_empty() {
                    out.push(w(","));
                }
                out.push(w("]"));
            }
            G::Paren(x) => {
                out.push(w("("));
                x.print(OR, out);
                out.push(w(")"));
            }
        }
    }
}

impl Ev {
    fn print(&self, out: &mut Vec<Piece>) {
        out.push(w(self.name.clone()));
        if let Some(f) = &self.filter {
            out.push(w("["));
            f.print(OR, out);
            out.push(w("]"));
        }
    }
}

fn literal() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u64..100_000).prop_map(|n| n.to_string()),
        Just("9223372036854775807".to_string()),
        (0u32..1000, 0u32..1000).prop_map(|(a, b)| format!("{a}.{b}")),
        Just("500.10".to_string()),
        string_lit(),
        Just("true".to_string()),
        Just("false".to_string()),
        Just("none".to_string()),
        duration(),
    ]
}

fn event_ref(pred: BoxedStrategy<G>) -> BoxedStrategy<Ev> {
    (
        prop_oneof![6 => name_of(EVENTS), 1 => Just("any".to_string())],
        prop::option::weighted(0.3, pred),
    )
        .prop_map(|(name, filter)| Ev {
            name,
            filter: filter.map(Box::new),
        })
        .boxed()
}

/// Expressions valid inside a filter, and at large (`inner` is the recursion).
fn expr() -> BoxedStrategy<G> {
    let leaf = prop_oneof![
        3 => literal().prop_map(G::Lit),
        2 => prop_oneof![name_of(TRAITS), name_of(SEGMENTS), name_of(FIELDS)].prop_map(G::Name),
        1 => name_of(ATTRS).prop_map(G::Attr),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        let ev = event_ref(inner.clone());
        let window = prop::option::weighted(
            0.7,
            prop_oneof![
                4 => duration().prop_map(G::Lit),
                1 => (duration(), duration()).prop_map(|(a, b)| G::Bin("-", Box::new(G::Lit(a)), Box::new(G::Lit(b)))),
            ],
        );
        let binop = prop::sample::select(vec![
            "or", "and", "==", "!=", "<", "<=", ">", ">=", "??", "+", "-", "*", "/", "%",
        ]);
        prop_oneof![
            2 => (ev.clone(), window.clone(), prop::bool::weighted(0.1))
                .prop_map(|(e, win, t)| G::Count(e, win.map(Box::new), t)),
            2 => (pick(FUNCS), ev.clone(), name_of(FIELDS), window)
                .prop_map(|(f, e, field, win)| G::Agg(f, e, field, win.map(Box::new))),
            1 => ev.clone().prop_map(G::Since),
            1 => (ev.clone(), ev.clone(), any::<bool>(), duration())
                .prop_map(|(a, b, n, d)| G::Seq(a, b, n, d)),
            1 => (ev.clone(), ev, duration(), prop::option::of(duration()))
                .prop_map(|(a, b, d, win)| G::SeqCount(a, b, d, win)),
            1 => (
                prop::sample::select(vec!["starts_with", "contains", "lower"]),
                prop::collection::vec(inner.clone(), 1..3),
                prop::bool::weighted(0.1),
            )
                .prop_map(|(f, args, t)| G::Helper(f.to_string(), args, t)),
            6 => (binop, inner.clone(), inner.clone())
                .prop_map(|(op, l, r)| G::Bin(op, Box::new(l), Box::new(r))),
            1 => inner.clone().prop_map(|x| G::Not(Box::new(x))),
            1 => inner.clone().prop_map(|x| G::Neg(Box::new(x))),
            1 => (inner.clone(), prop::collection::vec(inner.clone(), 0..4), prop::bool::weighted(0.2))
                .prop_map(|(x, items, t)| G::In(Box::new(x), items, t)),
            1 => inner.prop_map(|x| G::Paren(Box::new(x))),
        ]
    })
    .boxed()
}

fn expr_pieces(g: G) -> Vec<Piece> {
    let mut out = Vec::new();
    g.print(OR, &mut out);
    out
}

/// Comment text (without the slashes' line break).
fn comment() -> impl Strategy<Value = Piece> {
    prop_oneof![
        3 => "[ a-zA-Z0-9{}\"/*é]{0,20}".prop_map(|t| Piece::Comment(format!("//{t}"))),
        1 => "[ a-zA-Z0-9\"]{0,20}".prop_map(|t| Piece::Comment(format!("///{t}"))),
    ]
}

/// Zero to two comments, each on its own line or trailing.
fn comments_at() -> BoxedStrategy<Vec<Piece>> {
    prop::collection::vec((comment(), any::<bool>()), 0..3)
        .prop_map(|cs| {
            let mut out = Vec::new();
            for (c, own_line) in cs {
                if own_line {
                    out.push(Piece::Break);
                }
                out.push(c);
            }
            out
        })
        .boxed()
}

/// Comments at a boundary, rarely.
fn maybe_comments() -> BoxedStrategy<Vec<Piece>> {
    prop::option::weighted(0.25, comments_at())
        .prop_map(Option::unwrap_or_default)
        .boxed()
}

/// Elements of a block (fields, identity lines, steps) with comments and optional
/// commas between them.
fn block(elem: BoxedStrategy<Vec<Piece>>, commas: bool, max: usize) -> BoxedStrategy<Vec<Piece>> {
    (
        maybe_comments(),
        prop::collection::vec((elem, maybe_comments(), any::<bool>()), 0..max),
    )
        .prop_map(move |(first, elems)| {
            let mut out = vec![w("{")];
            out.extend(first);
            for (e, cs, comma) in elems {
                out.push(Piece::Break);
                out.extend(e);
                if commas && comma {
                    out.push(w(","));
                }
                out.extend(cs);
            }
            out.push(Piece::Break);
            out.push(w("}"));
            out
        })
        .boxed()
}

fn field() -> BoxedStrategy<Vec<Piece>> {
    (
        name_of(FIELDS),
        prop::sample::select(BaseType::ALL.map(BaseType::keyword).to_vec()),
        any::<bool>(),
        prop::bool::weighted(0.2),
    )
        .prop_map(|(name, ty, optional, pii)| {
            let mut out = vec![w(name), w(":"), w(ty)];
            if optional {
                out.push(w("?"));
            }
            if pii {
                out.push(w("pii"));
            }
            out
        })
        .boxed()
}

fn event_decl() -> BoxedStrategy<Vec<Piece>> {
    (
        name_of(EVENTS),
        prop::option::of(string_lit()),
        prop::collection::vec(name_of(PURPOSES), 0..3),
        prop::option::of(duration()),
        block(field(), true, 5),
    )
        .prop_map(|(name, wire, purposes, retain, body)| {
            let mut out = vec![w("event"), w(name)];
            if let Some(wire) = wire {
                out.extend([w("="), w(wire)]);
            }
            for (i, p) in purposes.into_iter().enumerate() {
                out.push(w(if i == 0 { "for" } else { "," }));
                out.push(w(p));
            }
            if let Some(r) = retain {
                out.extend([w("retain"), w(r)]);
            }
            out.extend(body);
            out
        })
        .boxed()
}

fn json_path() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            pick(&["userId", "anonymousId", "traits", "context", "email", "id"]),
            fresh_name()
        ],
        1..4,
    )
    .prop_map(|segs| segs.join("."))
}

fn identity_line() -> BoxedStrategy<Vec<Piece>> {
    let clause = prop_oneof![
        prop::collection::vec(pick(&["trim", "lower", "upper"]), 1..3).prop_map(|ns| {
            let mut out = vec![w("normalize"), w("(")];
            for (i, n) in ns.into_iter().enumerate() {
                if i > 0 {
                    out.push(w(","));
                }
                out.push(w(n));
            }
            out.push(w(")"));
            out
        }),
        pick(&["sha256", "md5"]).prop_map(|h| vec![w("hash"), w("("), w(h), w(")")]),
        (1u32..200).prop_map(|n| vec![w("priority"), w(n.to_string())]),
        (0u32..200).prop_map(|n| vec![w("limit"), w(n.to_string())]),
    ];
    (
        name_of(ID_TYPES),
        prop::collection::vec(json_path(), 1..3),
        prop::collection::vec(clause, 0..4),
    )
        .prop_map(|(name, paths, clauses)| {
            let mut out = vec![w(name), w("=")];
            for (i, p) in paths.into_iter().enumerate() {
                if i > 0 {
                    out.push(w("|"));
                }
                out.push(w(p));
            }
            out.extend(clauses.into_iter().flatten());
            out
        })
        .boxed()
}

fn purpose_decl() -> BoxedStrategy<Vec<Piece>> {
    let clause = prop_oneof![
        Just(vec![w("basis"), w("consent")]),
        Just(vec![w("basis"), w("legitimate_interest")]),
        string_lit().prop_map(|s| vec![w("category"), w(s)]),
    ];
    (name_of(PURPOSES), prop::collection::vec(clause, 0..3))
        .prop_map(|(name, clauses)| {
            let mut out = vec![w("purpose"), w(name), w("{")];
            out.extend(clauses.into_iter().flatten());
            out.push(w("}"));
            out
        })
        .boxed()
}

fn percent() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u32..101).prop_map(|n| format!("{n}%")),
        (0u32..100, 0u32..100).prop_map(|(a, b)| format!("{a}.{b}%")),
    ]
}

fn segment_decl() -> BoxedStrategy<Vec<Piece>> {
    let clause = prop_oneof![
        name_of(PURPOSES).prop_map(|p| vec![w("for"), w(p)]),
        percent().prop_map(|p| vec![w("holdout"), w(p)]),
    ];
    (
        name_of(SEGMENTS),
        prop::collection::vec(clause, 0..3),
        expr(),
    )
        .prop_map(|(name, clauses, e)| {
            let mut out = vec![w("segment"), w(name)];
            out.extend(clauses.into_iter().flatten());
            out.push(w("="));
            out.extend(expr_pieces(e));
            out
        })
        .boxed()
}

fn trait_decl() -> BoxedStrategy<Vec<Piece>> {
    (name_of(TRAITS), expr())
        .prop_map(|(name, e)| {
            let mut out = vec![w("trait"), w(name), w("=")];
            out.extend(expr_pieces(e));
            out
        })
        .boxed()
}

fn time() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u32..24, 0u32..60).prop_map(|(h, m)| format!("{h:02}:{m:02}")),
        (0u32..10, 0u32..60, 0u32..60).prop_map(|(h, m, s)| format!("{h}:{m:02}:{s:02}")),
        (1u32..29, 0u32..24).prop_map(|(d, h)| format!("2026-01-{d:02}T{h:02}:00:00Z")),
        Just("2026-01-01T10:00:00.5+01:00".to_string()),
    ]
}

fn test_value() -> impl Strategy<Value = Vec<Piece>> {
    prop_oneof![
        (
            any::<bool>(),
            prop_oneof![
                (0u32..1000).prop_map(|n| n.to_string()),
                (0u32..100, 0u32..100).prop_map(|(a, b)| format!("{a}.{b}")),
                duration()
            ]
        )
            .prop_map(|(neg, n)| if neg { vec![w("-"), w(n)] } else { vec![w(n)] }),
        string_lit().prop_map(|s| vec![w(s)]),
        prop::sample::select(vec!["true", "false", "none"]).prop_map(|s| vec![w(s)]),
    ]
}

fn id_value() -> impl Strategy<Value = Vec<Piece>> {
    (name_of(ID_TYPES), string_lit()).prop_map(|(t, v)| vec![w(t), w(v)])
}

fn values_body(names: &'static [&'static str]) -> impl Strategy<Value = Vec<Piece>> {
    prop::collection::vec((name_of(names), test_value(), any::<bool>()), 0..4).prop_map(|fs| {
        let mut out = vec![w("{")];
        for (n, v, comma) in fs {
            out.extend([w(n), w(":")]);
            out.extend(v);
            if comma {
                out.push(w(","));
            }
        }
        out.push(w("}"));
        out
    })
}

fn step() -> BoxedStrategy<Vec<Piece>> {
    let ids = prop::collection::vec(id_value(), 1..3).prop_map(|ids| {
        let mut out = Vec::new();
        for (i, id) in ids.into_iter().enumerate() {
            if i > 0 {
                out.push(w(","));
            }
            out.extend(id);
        }
        out
    });
    let action = prop_oneof![
        3 => (name_of(EVENTS), prop::option::of(values_body(FIELDS))).prop_map(|(e, body)| {
            let mut out = vec![w(e)];
            out.extend(body.unwrap_or_default());
            out
        }),
        1 => values_body(ATTRS).prop_map(|b| {
            let mut out = vec![w("identify")];
            out.extend(b);
            out
        }),
        1 => prop::collection::vec((string_lit(), any::<bool>(), any::<bool>()), 0..3).prop_map(|ds| {
            let mut out = vec![w("consent"), w("{")];
            for (cat, v, comma) in ds {
                out.extend([w(cat), w(":"), w(if v { "true" } else { "false" })]);
                if comma {
                    out.push(w(","));
                }
            }
            out.push(w("}"));
            out
        }),
        1 => Just(vec![w("forget")]),
    ];
    let expect = prop_oneof![
        (id_value(), any::<bool>(), name_of(SEGMENTS)).prop_map(|(id, neg, s)| {
            let mut out = vec![w("expect")];
            out.extend(id);
            if neg {
                out.push(w("not"));
            }
            out.extend([w("in"), w(s)]);
            out
        }),
        (id_value(), name_of(TRAITS), test_value()).prop_map(|(id, t, v)| {
            let mut out = vec![w("expect")];
            out.extend(id);
            out.extend([w(t), w("==")]);
            out.extend(v);
            out
        }),
    ];
    (
        time(),
        prop_oneof![
            2 => (ids, action).prop_map(|(mut i, a)| {
                i.extend(a);
                i
            }),
            1 => expect,
        ],
    )
        .prop_map(|(t, body)| {
            let mut out = vec![w("at"), w(t)];
            out.extend(body);
            out
        })
        .boxed()
}

fn test_decl() -> BoxedStrategy<Vec<Piece>> {
    (string_lit(), block(step(), false, 6))
        .prop_map(|(name, body)| {
            let mut out = vec![w("test"), w(name)];
            out.extend(body);
            out
        })
        .boxed()
}

fn item() -> BoxedStrategy<Vec<Piece>> {
    let decl = prop_oneof![
        3 => event_decl(),
        1 => block(identity_line(), false, 4).prop_map(|b| {
            let mut out = vec![w("identity")];
            out.extend(b);
            out
        }),
        2 => purpose_decl(),
        1 => block(field(), true, 4).prop_map(|b| {
            let mut out = vec![w("profile")];
            out.extend(b);
            out
        }),
        4 => trait_decl(),
        4 => segment_decl(),
        1 => test_decl(),
    ];
    let doc = prop::collection::vec("[ a-zA-Z0-9/\"]{0,16}", 0..3);
    (maybe_comments(), doc, decl, maybe_comments())
        .prop_map(|(before, doc, decl, after)| {
            let mut out = before;
            for d in doc {
                out.push(Piece::Break);
                out.push(Piece::Comment(format!("///{d}")));
            }
            out.push(Piece::Break);
            out.extend(decl);
            out.extend(after);
            out
        })
        .boxed()
}

/// Gaps: index into these; a gap that must break a line uses `BREAKS`.
const GAPS: &[&str] = &[
    " ", " ", " ", " ", "  ", "\t", "\n", "\n  ", "\n\n", "\r\n", "",
];
const BREAKS: &[&str] = &["\n", "\n", "\n\n", "\r\n", "\n  ", "\n\n\n"];

/// Words that may touch their neighbour without a space.
fn sticky(s: &str) -> bool {
    matches!(s, "{" | "}" | "(" | ")" | "[" | "]" | ",")
}

/// Joins pieces with the whitespace the `gaps` plan picks, cycling through it. A gap
/// byte above 245 between two words puts a comment there (inside an expression, a
/// declaration's head, an identity line or a test step).
fn render(pieces: &[Piece], gaps: &[u8]) -> String {
    let mut out = String::new();
    let mut need_break = false;
    let mut prev_sticky = true;
    let mut g = 0usize;
    let mut next = || {
        let n = gaps.get(g % gaps.len().max(1)).copied().unwrap_or(0);
        g += 1;
        n
    };
    for p in pieces {
        match p {
            Piece::Break => need_break = true,
            Piece::Word(s) => {
                if !out.is_empty() {
                    let n = next();
                    if n > 245 && !need_break {
                        let _ = write!(out, " // inside {n}");
                        need_break = true;
                    }
                    let gap = if need_break {
                        BREAKS[n as usize % BREAKS.len()]
                    } else {
                        match GAPS[n as usize % GAPS.len()] {
                            "" if !(prev_sticky || sticky(s)) => " ",
                            gap => gap,
                        }
                    };
                    out.push_str(gap);
                }
                out.push_str(s);
                need_break = false;
                prev_sticky = sticky(s);
            }
            Piece::Comment(c) => {
                if !out.is_empty() {
                    let n = next() as usize;
                    out.push_str(if need_break {
                        BREAKS[n % BREAKS.len()]
                    } else {
                        GAPS[n % (GAPS.len() - 1)]
                    });
                }
                out.push_str(c);
                need_break = true;
                prev_sticky = false;
            }
        }
    }
    if need_break || gaps.first().is_some_and(|g| g % 2 == 0) {
        out.push('\n');
    }
    out
}

fn file() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(item(), 0..7),
        maybe_comments(),
        prop::collection::vec(any::<u8>(), 1..24),
    )
        .prop_map(|(items, end, gaps)| {
            let mut pieces: Vec<Piece> = items.into_iter().flatten().collect();
            pieces.extend(end);
            render(&pieces, &gaps)
        })
}

// ------------------------------------------------------------------ properties

proptest! {
    #![proptest_config(config(300))]

    #[test]
    fn arbitrary_strings_never_panic(text in any::<String>()) {
        pipeline(vec![("a.seg".to_string(), text)]);
    }

    #[test]
    fn arbitrary_ascii_never_panics(text in "[ -~\n\t]{0,200}") {
        pipeline(vec![("a.seg".to_string(), text)]);
    }

    #[test]
    fn token_soup_never_panics(text in soup()) {
        pipeline(vec![("a.seg".to_string(), text)]);
    }
}

proptest! {
    #![proptest_config(config(200))]

    #[test]
    fn mutated_real_files_never_panic(
        which in any::<Index>(),
        muts in prop::collection::vec(mutation(), 1..6),
    ) {
        let file = which.get(corpus());
        let text = mutate(&file.text, &muts);
        let mut files = file.siblings.clone();
        files.push((file.path.clone(), text));
        pipeline(files);
    }
}

proptest! {
    #![proptest_config(config(300))]

    #[test]
    fn generated_projects_format_idempotently(text in file(), second in file()) {
        let (_, diags) = parser::parse(&text, "gen.seg");
        prop_assert!(diags.iter().all(|d| !d.is_error()), "generated text does not parse: {diags:#?}\n{text}");
        let out = match format_source(&text, "gen.seg") {
            Ok(out) => out,
            Err(d) => panic!("format failed: {d:#?}\n--- input\n{text}"),
        };
        let again = match format_source(&out, "gen.seg") {
            Ok(out) => out,
            Err(d) => panic!("formatting the output failed: {d:#?}\n--- input\n{text}\n--- output\n{out}"),
        };
        prop_assert_eq!(&again, &out, "not idempotent\n--- input\n{}", text);
        prop_assert_eq!(tree(&text), tree(&out), "tree changed\n--- input\n{}\n--- output\n{}", text, out);
        let (before, after) = (comments(&text).len(), comments(&out).len());
        prop_assert_eq!(before, after, "comments lost or added\n--- input\n{}\n--- output\n{}", text, out);
        // The checker and the lowering take any well-formed project, too.
        pipeline(vec![("gen.seg".to_string(), text), ("more/gen2.seg".to_string(), second)]);
    }
}

// ------------------------------------------------------------------ regressions

/// Formats, checks idempotence, the tree and the comments, as the property does.
fn assert_formats(text: &str) -> String {
    let out = format_source(text, "t.seg").unwrap_or_else(|d| panic!("{d:#?}"));
    assert_eq!(format_source(&out, "t.seg").unwrap(), out, "not idempotent");
    assert_eq!(tree(text), tree(&out));
    let sorted = |t: &str| {
        let mut c = comments(t);
        c.sort();
        c
    };
    assert_eq!(sorted(text), sorted(&out), "--- output\n{out}");
    out
}

#[test]
fn doc_comments_that_document_nothing_are_kept() {
    // Found by the generator: the formatter dropped `///` lines that are not
    // directly before a declaration.
    assert_formats("///\n//\nevent viewed {\n}\n");
    assert_formats("event e {\n  /// the price\n  price: float\n}\n");
    assert_formats("trait a = 1\n/// at the end\n");
    assert_formats("test \"t\" {\n  /// step\n  at 10:00 user_id \"u\" forget\n}\n");
}

#[test]
fn comments_inside_one_line_declarations_move_above_them_once() {
    // Found by the generator: a comment inside a trait, segment or purpose was
    // printed after it, and formatting again moved it (a blank line appeared).
    let out = assert_formats("trait z = 0\ntrait a = 1 + // one\n 2\ntrait b = 3\n");
    assert_eq!(out, "trait z = 0\n\n// one\ntrait a = 1 + 2\ntrait b = 3\n");
    assert_formats("trait a = count(x, // w\n 1d)\n");
    assert_formats("segment s for p // c\n = true\n");
    assert_formats("purpose p { basis consent // c\n }\n");
    assert_formats("/// doc\ntrait a = 1 + // one\n\n 2\n");
}

#[test]
fn a_comment_inside_a_field_does_not_swallow_the_trailing_one() {
    // Found by the generator: the trailing comment was appended to the line of the
    // inner comment, becoming part of its text.
    let out = assert_formats("profile {\n  price: // inner\n  int? // trailing\n}\n");
    assert_eq!(
        out,
        "profile {\n  price: int?\n  // inner\n  // trailing\n}\n"
    );
}
