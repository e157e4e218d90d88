//! Hover text (Markdown) for the name under the cursor: declarations with their
//! type, doc comment and purposes; fields and attributes with their types; for a
//! built-in function call, what it computes, over which events and which window.
//! Only reads the index, the ASTs and the typed program.

use std::collections::BTreeSet;

use super::complete::function;
use super::{fmt_duration, hir_walk, symbol_at, Occurrence, Symbol};
use crate::db::{parse_file, program, Project};
use crate::hir::{AggFunc, EventSrc, Expr, ExprKind, Program};
use crate::ir::schema::Basis;
use crate::syntax::ast::{self, Span};

/// Hover contents and the span of the name they describe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hover {
    pub span: Span,
    pub markdown: String,
}

/// The hover for the name at `offset` in `file`, if the cursor is on one.
pub fn hover(
    db: &dyn salsa::Database,
    project: Project,
    file: &str,
    offset: usize,
) -> Option<Hover> {
    let occ = symbol_at(db, project, file, offset)?;
    let program = program(db, project);
    let markdown = match &occ.symbol {
        Symbol::Event(n) => event(program, n)?,
        Symbol::Field { event, field } => field_text(program, event, field)?,
        Symbol::Attr(n) => attr(program, n),
        Symbol::Trait(n) => trait_text(program, n)?,
        Symbol::Segment(n) => segment(program, n)?,
        Symbol::Purpose(n) => purpose(program, n)?,
        Symbol::IdType(n) => id_type(program, n)?,
        Symbol::Function(n) => call(db, project, program, &occ, n)?,
    };
    Some(Hover {
        span: occ.span,
        markdown,
    })
}

fn code(line: &str) -> String {
    format!("```seg\n{line}\n```")
}

/// Code block, then the doc comment, then the facts, separated by blank lines.
fn sections(head: String, doc: &Option<String>, facts: Vec<String>) -> String {
    let mut parts = vec![code(&head)];
    if let Some(d) = doc {
        parts.push(d.clone());
    }
    if !facts.is_empty() {
        parts.push(facts.join("  \n"));
    }
    parts.join("\n\n")
}

fn names(program: &Program, purposes: &[usize]) -> String {
    let list: Vec<String> = purposes
        .iter()
        .filter_map(|p| program.purposes.get(*p))
        .map(|p| format!("`{}`", p.name))
        .collect();
    if list.is_empty() {
        "none".to_string()
    } else {
        list.join(", ")
    }
}

fn event(program: &Program, name: &str) -> Option<String> {
    let e = program.events.get(program.event(name)?)?;
    let head = if e.wire == e.name {
        format!("event {}", e.name)
    } else {
        format!("event {} = {:?}", e.name, e.wire)
    };
    let fields: Vec<String> = e
        .fields
        .iter()
        .map(|f| format!("`{}`", field_sig(f)))
        .collect();
    let mut facts = vec![format!("**Purposes:** {}", names(program, &e.purposes))];
    if let Some(ms) = e.retain_ms {
        facts.push(format!("**Retention:** {}", fmt_duration(ms)));
    }
    facts.push(format!("**Wire name:** `{}`", e.wire));
    if !fields.is_empty() {
        facts.push(format!("**Fields:** {}", fields.join(", ")));
    }
    Some(sections(head, &e.doc, facts))
}

fn field_sig(f: &crate::hir::Field) -> String {
    let ty = crate::hir::Base::from_value_type(f.ty).name();
    let opt = if f.optional { "?" } else { "" };
    let pii = if f.pii { " pii" } else { "" };
    format!("{}: {ty}{opt}{pii}", f.name)
}

fn field_text(program: &Program, event: &str, field: &str) -> Option<String> {
    let e = program.events.get(program.event(event)?)?;
    let f = e.fields.get(e.field(field)?)?;
    let mut facts = Vec::new();
    if f.optional {
        facts.push("Optional: aggregates skip events without it.".to_string());
    }
    if f.pii {
        facts.push(
            "**Personal data** (`pii`): usable in filters and aggregates, never in outputs."
                .to_string(),
        );
    }
    Some(sections(format!("{event}.{}", field_sig(f)), &None, facts))
}

fn attr(program: &Program, name: &str) -> String {
    let ty = program
        .attrs
        .iter()
        .find(|a| a.name == name)
        .map(|a| crate::hir::Base::from_value_type(a.ty).name())
        .unwrap_or("{unknown}");
    let facts = vec!["Profile attribute: the latest value set by `identify` messages.".to_string()];
    sections(format!("profile.{name}: {ty}?"), &None, facts)
}

/// Purposes every event in `events` allows (what a segment reading them may be for).
fn allowed(program: &Program, events: &BTreeSet<usize>) -> Vec<usize> {
    (0..program.purposes.len())
        .filter(|p| {
            events.iter().all(|e| {
                program
                    .events
                    .get(*e)
                    .is_some_and(|ev| ev.purposes.is_empty() || ev.purposes.contains(p))
            })
        })
        .collect()
}

fn reads_facts(program: &Program, expr: &Expr) -> Vec<String> {
    let events = hir_walk::events_read(program, expr);
    let read: Vec<String> = events
        .iter()
        .filter_map(|e| program.events.get(*e))
        .map(|e| format!("`{}`", e.name))
        .collect();
    let mut facts = Vec::new();
    if !read.is_empty() {
        facts.push(format!("**Reads:** {}", read.join(", ")));
    }
    if !program.purposes.is_empty() {
        let ok = allowed(program, &events);
        facts.push(format!("**Usable for purposes:** {}", names(program, &ok)));
    }
    facts
}

fn trait_text(program: &Program, name: &str) -> Option<String> {
    let t = program.traits.get(program.trait_index(name)?)?;
    let facts = reads_facts(program, &t.expr);
    Some(sections(
        format!("trait {}: {}", t.name, t.ty),
        &t.doc,
        facts,
    ))
}

fn segment(program: &Program, name: &str) -> Option<String> {
    let s = program.segments.get(program.segment(name)?)?;
    let mut head = format!("segment {}", s.name);
    let mut facts = Vec::new();
    if let Some(p) = s.purpose.and_then(|p| program.purposes.get(p)) {
        head.push_str(&format!(" for {}", p.name));
        facts.push(format!(
            "**Purpose:** `{}`, basis {}",
            p.name,
            basis_text(p.basis)
        ));
    }
    if let Some(bp) = s.holdout_bp {
        head.push_str(&format!(" holdout {}%", percent(bp)));
        facts.push(format!(
            "**Holdout:** {}% of qualifying profiles are a control group",
            percent(bp)
        ));
    }
    facts.extend(reads_facts(program, &s.expr));
    Some(sections(format!("{head}: bool"), &s.doc, facts))
}

fn percent(bp: u32) -> String {
    if bp.is_multiple_of(100) {
        (bp / 100).to_string()
    } else {
        let s = format!("{}.{:02}", bp / 100, bp % 100);
        s.trim_end_matches('0').to_string()
    }
}

fn basis_text(b: Basis) -> &'static str {
    match b {
        Basis::Consent => "`consent` (opt-in: members only while consent is granted)",
        Basis::LegitimateInterest => {
            "`legitimate_interest` (opt-out: members unless the profile objected)"
        }
    }
}

fn purpose(program: &Program, name: &str) -> Option<String> {
    let ix = program.purpose(name)?;
    let p = program.purposes.get(ix)?;
    let events: Vec<String> = program
        .events
        .iter()
        .filter(|e| e.purposes.contains(&ix))
        .map(|e| format!("`{}`", e.name))
        .collect();
    let mut facts = vec![
        format!("**Basis:** {}", basis_text(p.basis)),
        format!("**Consent category:** `{}`", p.category),
    ];
    if !events.is_empty() {
        facts.push(format!("**Events allowed:** {}", events.join(", ")));
    }
    Some(sections(format!("purpose {}", p.name), &p.doc, facts))
}

fn id_type(program: &Program, name: &str) -> Option<String> {
    let t = program.identity.iter().find(|t| t.name == name)?;
    let paths: Vec<String> = t.paths.iter().map(|p| p.join(".")).collect();
    let mut facts = vec![
        format!(
            "**Read from:** `{}` (first present wins)",
            paths.join(" | ")
        ),
        format!("**Priority:** {} (1 = strongest)", t.priority),
        format!("**Limit:** {} value(s) per profile", t.limit),
    ];
    if !t.normalize.is_empty() {
        let n: Vec<String> = t
            .normalize
            .iter()
            .map(|n| format!("{n:?}").to_lowercase())
            .collect();
        facts.push(format!("**Normalized:** {}", n.join(", ")));
    }
    if t.hash_sha256 {
        facts.push("**Hashed:** SHA-256 before storage and output".to_string());
    }
    Some(sections(format!("identifier {name}"), &None, facts))
}

// ------------------------------------------------------------------ calls

fn call(
    db: &dyn salsa::Database,
    project: Project,
    program: &Program,
    occ: &Occurrence,
    name: &str,
) -> Option<String> {
    let info = function(name)?;
    let typed = call_span(db, project, occ)
        .and_then(|span| hir_walk::find_by_span(program, &occ.file, span))
        .and_then(|e| describe(program, e));
    let head = match &typed {
        Some((ty, _)) => format!("{}: {ty}", info.signature()),
        None => format!("{}: {}", info.signature(), info.returns),
    };
    let mut parts = vec![code(&head)];
    if let Some((_, text)) = typed {
        parts.push(text);
    }
    parts.push(info.doc.to_string());
    Some(parts.join("\n\n"))
}

/// The span of the call whose function name is at `occ`.
fn call_span(db: &dyn salsa::Database, project: Project, occ: &Occurrence) -> Option<Span> {
    let file = super::file_named(db, project, &occ.file)?;
    let ast = &parse_file(db, file).ast;
    let mut found = None;
    for item in &ast.items {
        let expr = match &item.kind {
            ast::ItemKind::Trait(t) => &t.expr,
            ast::ItemKind::Segment(s) => &s.expr,
            _ => continue,
        };
        find_call(expr, occ.span, &mut found);
    }
    found
}

fn find_call(e: &ast::Expr, func: Span, found: &mut Option<Span>) {
    use ast::ExprKind as K;
    if found.is_some() || !(e.span.start <= func.start && func.end <= e.span.end) {
        return;
    }
    if let K::Call { func: f, .. } = &e.kind {
        if f.span == func {
            *found = Some(e.span);
        }
    }
    e.children()
        .into_iter()
        .for_each(|c| find_call(c, func, found));
}

/// The type and a sentence saying what a typed call computes.
fn describe(program: &Program, e: &Expr) -> Option<(String, String)> {
    let text = match &e.kind {
        ExprKind::Agg {
            func,
            src,
            field,
            window,
        } => agg_text(program, *func, src, *field, *window),
        ExprKind::Since(src) => format!(
            "Time since the latest {} event (none if there was none).",
            src_text(program, src)
        ),
        ExprKind::SeqCount {
            a,
            b,
            within,
            window,
        } => format!(
            "Counts the {} events that arrived at most {} after a {} event, {}.",
            src_text(program, b),
            fmt_duration(*within),
            src_text(program, a),
            window_text(*window)
        ),
        ExprKind::Convert { expr, .. } => return describe(program, expr),
        ExprKind::Helper { .. } => return Some((e.ty.to_string(), String::new())),
        _ => return None,
    };
    Some((e.ty.to_string(), text))
}

fn window_text(window: Option<i64>) -> String {
    match window {
        Some(ms) => format!(
            "in a sliding window of the last {} ({ms} ms; an event is inside while `t - {} < ts <= t`)",
            fmt_duration(ms),
            fmt_duration(ms)
        ),
        None => "over the profile's whole history (subject to `retain`)".to_string(),
    }
}

fn src_text(program: &Program, src: &EventSrc) -> String {
    if src.is_any {
        return "`any` (every declared event)".to_string();
    }
    let parts: Vec<String> = src
        .events
        .iter()
        .filter_map(|s| {
            let e = program.events.get(s.event)?;
            Some(if s.filter.is_some() {
                format!("`{}` (filtered)", e.name)
            } else {
                format!("`{}`", e.name)
            })
        })
        .collect();
    parts.join(", ")
}

fn agg_text(
    program: &Program,
    func: AggFunc,
    src: &EventSrc,
    field: Option<usize>,
    window: Option<i64>,
) -> String {
    let events = src_text(program, src);
    let field_name = src
        .events
        .first()
        .and_then(|s| program.events.get(s.event))
        .zip(field)
        .and_then(|(e, f)| e.fields.get(f))
        .map(|f| format!("`{}`", f.name))
        .unwrap_or_else(|| "the field".to_string());
    let what = match func {
        AggFunc::Count => format!("Counts {events} events"),
        AggFunc::Sum => format!("Sums {field_name} over {events} events"),
        AggFunc::Avg => format!("Averages {field_name} over {events} events"),
        AggFunc::Min => format!("Smallest {field_name} of {events} events"),
        AggFunc::Max => format!("Largest {field_name} of {events} events"),
        AggFunc::Distinct => format!("Number of distinct {field_name} values of {events} events"),
        AggFunc::First => format!("{field_name} of the earliest {events} event"),
        AggFunc::Last => format!("{field_name} of the latest {events} event"),
        AggFunc::MostFrequent => format!("Most frequent {field_name} of {events} events"),
    };
    format!("{what} {}.", window_text(window))
}
