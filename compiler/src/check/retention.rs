//! Windows against retention (§5.1, §15): E0501 when an aggregate's window, a
//! sequence's `within` or the window of a sequence count is longer than the `retain`
//! of an event it reads (`any` reads every event); E0502 when such a duration, or a
//! `retain`, is not positive; W0501 when an absence `A then not B within D` ends on a
//! `B` kept for less time than `A` (a forgotten `B` restarts the absence).
//!
//! Windows that are not constant durations and unknown events are skipped: they are
//! type checking's and name resolution's to report.

use foldhash::{HashSet, HashSetExt};

use super::index::{Decl, ProjectIndex};
use super::walk::{
    const_duration, event_source, format_duration, source_events, visit, AGGREGATES,
};
use crate::diagnostics::{codes, Diagnostic};
use crate::syntax::ast::{self, DurationLit, Expr, ExprKind, Span};

type Event<'a> = Decl<'a, ast::EventDecl>;

/// Runs the retention rules over every event, trait and segment.
pub fn check(ix: &ProjectIndex<'_>, diags: &mut Vec<Diagnostic>) {
    for ev in ix.events.iter() {
        if let Some(r) = ev.decl.retain.as_ref().filter(|r| r.ms <= 0) {
            diags.push(
                Diagnostic::new(codes::NON_POSITIVE_WINDOW, format!("`retain {}` keeps no events", r.text), ev.file, r.span)
                    .with_primary_label("not a positive duration")
                    .with_help("use a positive duration such as `90d`, or remove `retain` to keep events forever"),
            );
        }
    }
    let exprs = ix.traits.iter().map(|t| (t.file, &t.decl.expr));
    let exprs = exprs.chain(ix.segments.iter().map(|s| (s.file, &s.decl.expr)));
    for (file, expr) in exprs {
        visit(expr, &mut |node| {
            check_node(ix, file, node, diags);
            true
        });
    }
}

fn check_node<'a>(ix: &ProjectIndex<'a>, file: &str, node: &'a Expr, diags: &mut Vec<Diagnostic>) {
    match &node.kind {
        ExprKind::Call { func, args } if AGGREGATES.contains(&func.name.as_str()) => {
            if let (Some(arg), Some(w)) = (args.first(), args.get(1)) {
                if let Some(ms) = const_duration(w) {
                    let what = Duration {
                        ms,
                        text: duration_text(w),
                        span: w.span,
                        kind: Kind::Window,
                    };
                    check_duration(file, &what, &read_events(ix, arg), diags);
                }
            }
        }
        ExprKind::Seq {
            a,
            b,
            negated,
            within,
        } => {
            let what = Duration {
                ms: within.ms,
                text: within.text.clone(),
                span: within.span,
                kind: Kind::Within,
            };
            let mut events = sources(ix, a);
            events.extend(sources(ix, b));
            check_duration(file, &what, &dedup(events), diags);
            if *negated {
                absence(file, &sources(ix, a), &sources(ix, b), b.span, diags);
            }
        }
        _ => {}
    }
}

/// The events an aggregate's first argument reads (both sides of a sequence).
fn read_events<'a>(ix: &ProjectIndex<'a>, arg: &'a Expr) -> Vec<Event<'a>> {
    let arg = strip_parens(arg);
    match &arg.kind {
        ExprKind::Seq { a, b, .. } => {
            let mut events = sources(ix, a);
            events.extend(sources(ix, b));
            dedup(events)
        }
        _ => sources(ix, arg),
    }
}

fn strip_parens(e: &Expr) -> &Expr {
    match &e.kind {
        ExprKind::Paren(inner) => strip_parens(inner),
        _ => e,
    }
}

fn sources<'a>(ix: &ProjectIndex<'a>, e: &'a Expr) -> Vec<Event<'a>> {
    event_source(ix, e)
        .map(|(t, _)| source_events(ix, t))
        .unwrap_or_default()
}

fn dedup(events: Vec<Event<'_>>) -> Vec<Event<'_>> {
    let mut seen = HashSet::new();
    events
        .into_iter()
        .filter(|e| seen.insert(e.decl.name.name.as_str()))
        .collect()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Window,
    Within,
}

/// A window or a `within` duration at a place in the source.
struct Duration {
    ms: i64,
    text: String,
    span: Span,
    kind: Kind,
}

impl Duration {
    fn describe(&self) -> String {
        match self.kind {
            Kind::Window => format!("window `{}`", self.text),
            Kind::Within => format!("`within {}`", self.text),
        }
    }
}

/// A literal's own text, else the value formatted as a duration.
fn duration_text(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Duration(d) => d.text.clone(),
        _ => const_duration(e).map(format_duration).unwrap_or_default(),
    }
}

fn check_duration(file: &str, d: &Duration, events: &[Event<'_>], diags: &mut Vec<Diagnostic>) {
    // A malformed literal (already E0102) reads as 0 ms: nothing more to say about it.
    let malformed = d.ms == 0 && d.text.chars().any(|c| c.is_ascii_digit() && c != '0');
    if malformed {
        return;
    }
    if d.ms <= 0 {
        let what = if d.kind == Kind::Window {
            "a window"
        } else {
            "`within`"
        };
        diags.push(
            Diagnostic::new(
                codes::NON_POSITIVE_WINDOW,
                format!("{what} must be a positive duration, found `{}`", d.text),
                file,
                d.span,
            )
            .with_primary_label("not positive")
            .with_help("use a positive duration such as `30m`"),
        );
        return;
    }
    for ev in events {
        if let Some(r) = ev.decl.retain.as_ref().filter(|r| r.ms > 0 && d.ms > r.ms) {
            diags.push(over_retention(file, d, *ev, r));
        }
    }
}

fn over_retention(file: &str, d: &Duration, ev: Event<'_>, r: &DurationLit) -> Diagnostic {
    let name = &ev.decl.name.name;
    let shorten = match d.kind {
        Kind::Window => "shorten the window",
        Kind::Within => "shorten `within`",
    };
    Diagnostic::new(
        codes::WINDOW_OVER_RETENTION,
        format!(
            "{} is longer than the retention of `{name}` ({})",
            d.describe(),
            r.text
        ),
        file,
        d.span,
    )
    .with_primary_label(match d.kind {
        Kind::Window => format!("reads `{name}` over {}", d.text),
        Kind::Within => format!("looks back {} for `{name}`", d.text),
    })
    .with_label(ev.file, r.span, format!("`{name}` is kept for {}", r.text))
    .with_help(format!(
        "{shorten} to at most `{}`, or raise `retain` of `{name}` to at least `{}`",
        r.text, d.text
    ))
}

/// W0501: an absence whose `B` may be forgotten while its `A` is still kept.
fn absence(
    file: &str,
    a: &[Event<'_>],
    b: &[Event<'_>],
    b_span: Span,
    diags: &mut Vec<Diagnostic>,
) {
    // The longest-kept A: no `retain` (forever) beats any duration.
    let Some(longest) = a
        .iter()
        .max_by_key(|e| e.decl.retain.as_ref().map_or(i64::MAX, |r| r.ms))
    else {
        return;
    };
    let a_ms = longest.decl.retain.as_ref().map_or(i64::MAX, |r| r.ms);
    for ev in b {
        if let Some(r) = ev.decl.retain.as_ref().filter(|r| r.ms > 0 && r.ms < a_ms) {
            diags.push(short_lived_b(file, b_span, *longest, *ev, r));
        }
    }
}

fn short_lived_b(
    file: &str,
    span: Span,
    a: Event<'_>,
    b: Event<'_>,
    r: &DurationLit,
) -> Diagnostic {
    let (an, bn) = (&a.decl.name.name, &b.decl.name.name);
    let d = Diagnostic::new(
        codes::SHORT_LIVED_B,
        format!(
            "this absence can become true again when `{bn}` is forgotten, {} after it arrives",
            r.text
        ),
        file,
        span,
    )
    .with_primary_label(format!("`{bn}` ends the absence only while it is kept"))
    .with_label(b.file, r.span, format!("`{bn}` is kept for {}", r.text));
    match &a.decl.retain {
        Some(ra) => d
            .with_label(a.file, ra.span, format!("`{an}` is kept for {}", ra.text))
            .with_help(format!(
                "keep `{bn}` at least as long as `{an}`: `retain {}` or longer",
                ra.text
            )),
        None => d
            .with_label(
                a.file,
                a.decl.name.span,
                format!("`{an}` has no `retain`: it is kept forever"),
            )
            .with_help(format!(
                "remove `retain` from `{bn}`, or give `{an}` a `retain` of at most `{}`",
                r.text
            )),
    }
}
