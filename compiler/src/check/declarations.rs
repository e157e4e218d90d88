//! Structural rules about declarations (§3, §15): one identity block (E0211); per
//! identity line exactly one `priority` and `limit` and at most one `normalize` and
//! `hash` (E0311), unique priorities (E0312), known normalisers and hash (E0313),
//! priority and limit ≥ 1 (E0315); one `basis` and at most one `category` per purpose
//! (E0317); at most one `for` and `holdout` per segment (E0316); holdout range and
//! precision (E0314); duplicate fields and profile attributes (E0210); events sharing
//! a wire name (E0212).
//!
//! Declarations sharing a name are E0202, reported by name resolution, not here.

use foldhash::{HashMap, HashMapExt};

use super::index::{Decl, ProjectIndex};
use crate::diagnostics::{codes, Diagnostic};
use crate::syntax::ast::{self, IdClauseKind, PurposeClause, SegmentClause, Span};

/// Runs every declaration rule.
pub fn check(ix: &ProjectIndex<'_>, diags: &mut Vec<Diagnostic>) {
    identity_blocks(ix, diags);
    for block in &ix.identity {
        identity_block(*block, diags);
    }
    for p in ix.purposes.iter() {
        purpose(p, diags);
    }
    for s in ix.segments.iter() {
        segment(s, diags);
    }
    for e in ix.events.iter() {
        let fields = e.decl.fields.iter().map(|f| (e.file, f));
        duplicate_fields(fields, &format!("event `{}`", e.decl.name.name), diags);
    }
    let attrs = ix
        .profiles
        .iter()
        .flat_map(|p| p.decl.attrs.iter().map(move |a| (p.file, a)));
    duplicate_fields(attrs, "the profile", diags);
}

fn identity_blocks(ix: &ProjectIndex<'_>, diags: &mut Vec<Diagnostic>) {
    let Some((first, rest)) = ix.identity.split_first() else {
        return;
    };
    for extra in rest {
        diags.push(
            Diagnostic::new(
                codes::DUPLICATE_BLOCK,
                "the project has more than one `identity` block",
                extra.file,
                extra.decl.keyword,
            )
            .with_primary_label("another `identity` block")
            .with_label(
                first.file,
                first.decl.keyword,
                "first `identity` block here",
            )
            .with_help("move these lines into the first `identity` block: a project has one"),
        );
    }
}

/// Which clause of an identity line.
fn clause_name(kind: &IdClauseKind) -> &'static str {
    match kind {
        IdClauseKind::Normalize(_) => "normalize",
        IdClauseKind::Hash(_) => "hash",
        IdClauseKind::Priority(_) => "priority",
        IdClauseKind::Limit(_) => "limit",
    }
}

fn identity_block(block: Decl<'_, ast::IdentityBlock>, diags: &mut Vec<Diagnostic>) {
    let file = block.file;
    let mut priorities: HashMap<u32, (&str, Span)> = HashMap::new();
    for line in &block.decl.lines {
        clause_counts(file, line, diags);
        for clause in &line.clauses {
            clause_values(file, clause, diags);
        }
        let first_priority = line.clauses.iter().find_map(|c| match &c.kind {
            IdClauseKind::Priority(n) => whole(&n.text).filter(|v| *v >= 1).map(|v| (v, c.span)),
            _ => None,
        });
        let Some((value, span)) = first_priority else {
            continue;
        };
        match priorities.get(&value) {
            Some((other, other_span)) => diags.push(
                Diagnostic::new(
                    codes::PRIORITY_NOT_UNIQUE,
                    format!(
                        "identifier types `{other}` and `{}` share priority {value}",
                        line.name.name
                    ),
                    file,
                    span,
                )
                .with_primary_label("same priority again")
                .with_label(file, *other_span, format!("`{other}` has priority {value}"))
                .with_help("give each identifier type its own priority (1 = strongest)"),
            ),
            None => {
                priorities.insert(value, (&line.name.name, span));
            }
        }
    }
}

fn clause_counts(file: &str, line: &ast::IdentityLine, diags: &mut Vec<Diagnostic>) {
    let name = &line.name.name;
    for kind in ["priority", "limit", "normalize", "hash"] {
        let spans: Vec<Span> = line
            .clauses
            .iter()
            .filter(|c| clause_name(&c.kind) == kind)
            .map(|c| c.span)
            .collect();
        match spans.as_slice() {
            [] if kind == "priority" => diags.push(
                Diagnostic::new(
                    codes::IDENTITY_CLAUSE,
                    format!("identifier type `{name}` has no `priority`"),
                    file,
                    line.name.span,
                )
                .with_primary_label("missing `priority`")
                .with_help(
                    "add `priority N`: 1 is the strongest identifier type, each type has its own",
                ),
            ),
            [] if kind == "limit" => diags.push(
                Diagnostic::new(
                    codes::IDENTITY_CLAUSE,
                    format!("identifier type `{name}` has no `limit`"),
                    file,
                    line.name.span,
                )
                .with_primary_label("missing `limit`")
                .with_help(
                    "add `limit N`: the most distinct values of this type one profile may hold",
                ),
            ),
            [first, again, ..] => diags.push(
                Diagnostic::new(
                    codes::IDENTITY_CLAUSE,
                    format!("`{kind}` is given twice for identifier type `{name}`"),
                    file,
                    *again,
                )
                .with_primary_label(format!("`{kind}` again"))
                .with_label(file, *first, format!("first `{kind}` here"))
                .with_help(format!("keep one `{kind}` clause")),
            ),
            _ => {}
        }
    }
}

/// A whole number that fits `u32`.
fn whole(text: &str) -> Option<u32> {
    text.parse().ok()
}

fn clause_values(file: &str, clause: &ast::IdClause, diags: &mut Vec<Diagnostic>) {
    match &clause.kind {
        IdClauseKind::Priority(n) | IdClauseKind::Limit(n) => {
            if whole(&n.text).is_some_and(|v| v >= 1) {
                return;
            }
            let kind = clause_name(&clause.kind);
            diags.push(
                Diagnostic::new(
                    codes::BAD_LIMIT,
                    format!(
                        "`{kind}` must be a whole number from 1 to {}, found `{}`",
                        u32::MAX,
                        n.text
                    ),
                    file,
                    n.span,
                )
                .with_primary_label("out of range")
                .with_help(format!("use `{kind} 1` or more")),
            );
        }
        IdClauseKind::Normalize(names) => {
            for n in names
                .iter()
                .filter(|n| !matches!(n.name.as_str(), "trim" | "lower"))
            {
                diags.push(
                    Diagnostic::new(
                        codes::UNKNOWN_NORMALIZER,
                        format!("unknown normaliser `{}`", n.name),
                        file,
                        n.span,
                    )
                    .with_primary_label("not a normaliser")
                    .with_help("the normalisers are `trim` and `lower`"),
                );
            }
        }
        IdClauseKind::Hash(h) if h.name != "sha256" => diags.push(
            Diagnostic::new(
                codes::UNKNOWN_NORMALIZER,
                format!("unknown hash `{}`", h.name),
                file,
                h.span,
            )
            .with_primary_label("not a supported hash")
            .with_help("the only hash is `sha256`: write `hash(sha256)`"),
        ),
        IdClauseKind::Hash(_) => {}
    }
}

fn purpose(p: Decl<'_, ast::PurposeDecl>, diags: &mut Vec<Diagnostic>) {
    let name = &p.decl.name.name;
    let basis: Vec<Span> = p
        .decl
        .clauses
        .iter()
        .filter_map(|c| match c {
            PurposeClause::Basis(_, s) => Some(*s),
            PurposeClause::Category(..) => None,
        })
        .collect();
    let category: Vec<Span> = p
        .decl
        .clauses
        .iter()
        .filter_map(|c| match c {
            PurposeClause::Category(_, s) => Some(*s),
            PurposeClause::Basis(..) => None,
        })
        .collect();
    if basis.is_empty() {
        diags.push(
            Diagnostic::new(
                codes::PURPOSE_CLAUSE,
                format!("purpose `{name}` has no `basis`"),
                p.file,
                p.decl.name.span,
            )
            .with_primary_label("missing `basis`")
            .with_help("add `basis consent` (opt-in) or `basis legitimate_interest` (opt-out)"),
        );
    }
    for (kind, spans) in [("basis", basis), ("category", category)] {
        if let [first, again, ..] = spans.as_slice() {
            diags.push(repeated(
                codes::PURPOSE_CLAUSE,
                kind,
                &format!("purpose `{name}`"),
                p.file,
                *first,
                *again,
            ));
        }
    }
}

/// `clause` given twice in `owner`: primary at the second, label at the first.
fn repeated(
    code: &'static str,
    clause: &str,
    owner: &str,
    file: &str,
    first: Span,
    again: Span,
) -> Diagnostic {
    Diagnostic::new(
        code,
        format!("`{clause}` is given twice for {owner}"),
        file,
        again,
    )
    .with_primary_label(format!("`{clause}` again"))
    .with_label(file, first, format!("first `{clause}` here"))
    .with_help(format!("keep one `{clause}` clause"))
}

fn segment(s: Decl<'_, ast::SegmentDecl>, diags: &mut Vec<Diagnostic>) {
    let owner = format!("segment `{}`", s.decl.name.name);
    let mut fors = Vec::new();
    let mut holdouts = Vec::new();
    for clause in &s.decl.clauses {
        match clause {
            SegmentClause::For(_, span) => fors.push(*span),
            SegmentClause::Holdout(pct, span) => {
                holdouts.push(*span);
                holdout(s.file, pct, diags);
            }
        }
    }
    for (kind, spans) in [("for", fors), ("holdout", holdouts)] {
        if let [first, again, ..] = spans.as_slice() {
            diags.push(repeated(
                codes::SEGMENT_CLAUSE,
                kind,
                &owner,
                s.file,
                *first,
                *again,
            ));
        }
    }
}

/// Basis points (percent × 100) of a percentage with at most two decimals.
pub fn holdout_basis_points(text: &str) -> Option<u32> {
    let text = text.strip_suffix('%').unwrap_or(text);
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !digits(int) || !digits(frac) || frac.len() > 2 || text.ends_with('.') {
        return None;
    }
    let int: u32 = int.parse().ok()?;
    let frac: u32 = format!("{frac:0<2}").parse().ok()?;
    int.checked_mul(100)?.checked_add(frac)
}

fn holdout(file: &str, pct: &ast::PercentLit, diags: &mut Vec<Diagnostic>) {
    if holdout_basis_points(&pct.text).is_some_and(|bp| (1..10_000).contains(&bp)) {
        return;
    }
    let shown = if pct.text.ends_with('%') {
        pct.text.clone()
    } else {
        format!("{}%", pct.text)
    };
    diags.push(
        Diagnostic::new(
            codes::HOLDOUT_RANGE,
            format!("holdout `{shown}` is out of range"),
            file,
            pct.span,
        )
        .with_primary_label("must be more than 0% and less than 100%, with at most two decimals")
        .with_help("use a percentage such as `10%` or `2.5%`"),
    );
}

fn duplicate_fields<'a>(
    fields: impl Iterator<Item = (&'a str, &'a ast::FieldDecl)>,
    owner: &str,
    diags: &mut Vec<Diagnostic>,
) {
    let mut seen: HashMap<&str, (&str, Span)> = HashMap::new();
    for (file, f) in fields {
        let name = f.name.name.as_str();
        match seen.get(name) {
            Some((first_file, first)) => diags.push(
                Diagnostic::new(
                    codes::DUPLICATE_FIELD,
                    format!("field `{name}` is declared twice in {owner}"),
                    file,
                    f.name.span,
                )
                .with_primary_label("declared again here")
                .with_label(first_file, *first, "first declared here")
                .with_help("remove or rename one of them"),
            ),
            None => {
                seen.insert(name, (file, f.name.span));
            }
        }
    }
}

/// The wire name of an event and the span that gives it.
fn wire(e: &ast::EventDecl) -> (&str, Span) {
    match &e.wire {
        Some(w) => (&w.value, w.span),
        None => (&e.name.name, e.name.span),
    }
}

/// Marks a wire name that is the event's own name.
fn implicit(e: &ast::EventDecl) -> &'static str {
    if e.wire.is_none() {
        " (its own name)"
    } else {
        ""
    }
}

pub(crate) fn wire_names(ix: &ProjectIndex<'_>, diags: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<&str, Decl<'_, ast::EventDecl>> = HashMap::new();
    for ev in ix.events.iter() {
        let (name, span) = wire(ev.decl);
        let Some(first) = seen.get(name) else {
            seen.insert(name, ev);
            continue;
        };
        if first.decl.name.name == ev.decl.name.name {
            continue; // the same event declared twice: E0202
        }
        let (a, b) = (&first.decl.name.name, &ev.decl.name.name);
        diags.push(
            Diagnostic::new(
                codes::DUPLICATE_WIRE,
                format!("events `{a}` and `{b}` share the wire name \"{name}\""),
                ev.file,
                span,
            )
            .with_primary_label(format!("wire name of `{b}`{}", implicit(ev.decl)))
            .with_label(
                first.file,
                wire(first.decl).1,
                format!("wire name of `{a}`{}", implicit(first.decl)),
            )
            .with_help(format!(
                "give `{b}` a different wire name: `event {b} = \"…\"`, or merge the two events"
            )),
        );
    }
}
