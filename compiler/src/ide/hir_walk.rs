//! Small walks over the typed program used by hover and quick fixes: find the
//! expression with a given span, and the events an expression reads (through traits
//! and segments). Read-only; no diagnostics.

use std::collections::BTreeSet;

use crate::hir::{EventSrc, Expr, ExprKind, Program};
use crate::syntax::ast::Span;

/// Calls `f` on every expression (pre-order) of the traits and segments in `file`.
pub fn visit_file<'a>(program: &'a Program, file: &str, f: &mut dyn FnMut(&'a Expr)) {
    let traits = program.traits.iter().filter(|t| t.site.file == file);
    let segments = program.segments.iter().filter(|s| s.site.file == file);
    for e in traits.map(|t| &t.expr).chain(segments.map(|s| &s.expr)) {
        visit(e, f);
    }
}

/// Pre-order walk of one expression and its filters.
pub fn visit<'a>(e: &'a Expr, f: &mut dyn FnMut(&'a Expr)) {
    f(e);
    match &e.kind {
        ExprKind::Agg { src, .. } | ExprKind::Since(src) => visit_src(src, f),
        ExprKind::Seq { a, b, .. } | ExprKind::SeqCount { a, b, .. } => {
            visit_src(a, f);
            visit_src(b, f);
        }
        ExprKind::Neg(x) | ExprKind::Not(x) | ExprKind::Convert { expr: x, .. } => visit(x, f),
        ExprKind::Binary { lhs, rhs, .. } => {
            visit(lhs, f);
            visit(rhs, f);
        }
        ExprKind::In { expr, items } => {
            visit(expr, f);
            for i in items {
                visit(i, f);
            }
        }
        ExprKind::Helper { args, .. } => {
            for a in args {
                visit(a, f);
            }
        }
        ExprKind::Lit(_)
        | ExprKind::Field(_)
        | ExprKind::Attr(_)
        | ExprKind::Trait(_)
        | ExprKind::Segment(_)
        | ExprKind::Error => {}
    }
}

fn visit_src<'a>(src: &'a EventSrc, f: &mut dyn FnMut(&'a Expr)) {
    for s in &src.events {
        if let Some(p) = &s.filter {
            visit(p, f);
        }
    }
}

/// The outermost expression of `file` whose span is exactly `span`.
pub fn find_by_span<'a>(program: &'a Program, file: &str, span: Span) -> Option<&'a Expr> {
    let mut found = None;
    visit_file(program, file, &mut |e| {
        if found.is_none() && e.span == span {
            found = Some(e);
        }
    });
    found
}

/// Indices of the events `e` reads, directly or through traits and segments.
pub fn events_read(program: &Program, e: &Expr) -> BTreeSet<usize> {
    let mut out = BTreeSet::new();
    let mut seen = BTreeSet::new();
    collect(program, e, &mut out, &mut seen);
    out
}

fn collect(
    program: &Program,
    e: &Expr,
    out: &mut BTreeSet<usize>,
    seen: &mut BTreeSet<(bool, usize)>,
) {
    visit(e, &mut |x| match &x.kind {
        ExprKind::Agg { src, .. } | ExprKind::Since(src) => add_src(src, out),
        ExprKind::Seq { a, b, .. } | ExprKind::SeqCount { a, b, .. } => {
            add_src(a, out);
            add_src(b, out);
        }
        ExprKind::Trait(i) if seen.insert((true, *i)) => {
            if let Some(t) = program.traits.get(*i) {
                collect(program, &t.expr, out, seen);
            }
        }
        ExprKind::Segment(i) if seen.insert((false, *i)) => {
            if let Some(s) = program.segments.get(*i) {
                collect(program, &s.expr, out, seen);
            }
        }
        _ => {}
    });
}

fn add_src(src: &EventSrc, out: &mut BTreeSet<usize>) {
    out.extend(src.events.iter().map(|s| s.event));
}
