//! Expression traversal shared by the rules: a pre-order visitor, the references an
//! expression makes (events, `any`, traits, segments), event sources of aggregate
//! arguments, and constant durations.
//!
//! Filter predicates (`E[pred]`) and field names (`E.f`) are never entered: the names
//! there are the event's fields. Names that resolve to nothing (or to a purpose) are
//! skipped silently; reporting them is name resolution's job.

use super::index::{Decl, Definition, Named, ProjectIndex};
use crate::syntax::ast::{self, BinOp, Expr, ExprKind, Span, UnaryOp};

/// Aggregates whose optional second argument is a window.
pub const AGGREGATES: &[&str] = &[
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "distinct",
    "first",
    "last",
    "most_frequent",
];

/// Visits `e` and its sub-expressions in pre-order, skipping filter predicates;
/// `f` returns whether to descend into the node's children.
pub fn visit<'a>(e: &'a Expr, f: &mut impl FnMut(&'a Expr) -> bool) {
    if !f(e) {
        return;
    }
    for child in children(e) {
        visit(child, f);
    }
}

/// The sub-expressions the rules look into (not filter predicates).
pub fn children(e: &Expr) -> Vec<&Expr> {
    match &e.kind {
        ExprKind::Filter { base, .. } => vec![base],
        _ => e.children(),
    }
}

/// What one name in an expression refers to.
#[derive(Clone, Copy, Debug)]
pub enum Target<'a> {
    Event(Decl<'a, ast::EventDecl>),
    /// `any`: every declared event.
    Any,
    Def(Definition<'a>),
}

/// A reference made by an expression: its target and the span of the name.
#[derive(Clone, Copy, Debug)]
pub struct Ref<'a> {
    pub target: Target<'a>,
    pub span: Span,
    pub name: &'a str,
}

/// What a bare name denotes, outside filter predicates.
pub fn resolve<'a>(ix: &ProjectIndex<'a>, id: &'a ast::Ident) -> Option<Target<'a>> {
    if id.name == "any" {
        return Some(Target::Any);
    }
    match ix.lookup(&id.name)? {
        Named::Event(d) => Some(Target::Event(d)),
        Named::Trait(d) => Some(Target::Def(Definition::Trait(d))),
        Named::Segment(d) => Some(Target::Def(Definition::Segment(d))),
        Named::Purpose(_) => None,
    }
}

/// Every resolvable reference of `e`, in source order.
pub fn refs<'a>(ix: &ProjectIndex<'a>, e: &'a Expr) -> Vec<Ref<'a>> {
    let mut out = Vec::new();
    visit(e, &mut |node| {
        if let ExprKind::Name(id) = &node.kind {
            if let Some(target) = resolve(ix, id) {
                out.push(Ref {
                    target,
                    span: id.span,
                    name: &id.name,
                });
            }
        }
        true
    });
    out
}

/// The event(s) an aggregate argument or sequence side reads: `E`, `E[…]`, `E.f`,
/// `E[…].f`, `any` (possibly parenthesised), with the span of the event name.
pub fn event_source<'a>(ix: &ProjectIndex<'a>, e: &'a Expr) -> Option<(Target<'a>, Span)> {
    match &e.kind {
        ExprKind::Paren(inner) | ExprKind::Filter { base: inner, .. } => event_source(ix, inner),
        ExprKind::Field { base, .. } => event_source(ix, base),
        ExprKind::Name(id) => match resolve(ix, id)? {
            t @ (Target::Event(_) | Target::Any) => Some((t, id.span)),
            Target::Def(_) => None,
        },
        _ => None,
    }
}

/// The declared events a source stands for (`any` → every canonical event).
pub fn source_events<'a>(ix: &ProjectIndex<'a>, t: Target<'a>) -> Vec<Decl<'a, ast::EventDecl>> {
    match t {
        Target::Event(d) => vec![d],
        Target::Any => ix
            .events
            .iter()
            .filter(|d| ix.events.is_canonical(&d.decl.name.name, d.decl))
            .collect(),
        Target::Def(_) => Vec::new(),
    }
}

/// The value of a constant duration expression: a duration literal, its negation,
/// `+`/`-` of constants, parentheses. None when not constant or on overflow.
pub fn const_duration(e: &Expr) -> Option<i64> {
    match &e.kind {
        ExprKind::Duration(d) => Some(d.ms),
        ExprKind::Paren(inner) => const_duration(inner),
        ExprKind::Unary {
            op: UnaryOp::Neg,
            expr,
        } => const_duration(expr)?.checked_neg(),
        ExprKind::Binary {
            op: BinOp::Add,
            lhs,
            rhs,
        } => const_duration(lhs)?.checked_add(const_duration(rhs)?),
        ExprKind::Binary {
            op: BinOp::Sub,
            lhs,
            rhs,
        } => const_duration(lhs)?.checked_sub(const_duration(rhs)?),
        _ => None,
    }
}

/// Formats milliseconds as the shortest exact duration literal, e.g. `1h30m`, `0ms`.
pub fn format_duration(ms: i64) -> String {
    if ms == 0 {
        return "0ms".to_string();
    }
    let sign = if ms < 0 { "-" } else { "" };
    let mut rest = ms.unsigned_abs();
    let mut out = String::from(sign);
    for (unit, size) in ast::DURATION_UNITS {
        let size = size.unsigned_abs();
        if rest >= size {
            out.push_str(&format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_durations() {
        assert_eq!(format_duration(90 * 60_000), "1h30m");
        assert_eq!(format_duration(7 * 86_400_000), "1w");
        assert_eq!(format_duration(0), "0ms");
        assert_eq!(format_duration(-1500), "-1s500ms");
    }
}
