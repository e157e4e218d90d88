//! Static purpose limitation (§9): E0402 (event without purposes), E0403 (segment
//! without a purpose) and E0401 (a segment `for P` depends, directly or through
//! traits, segments and sequences, on an event not declared `for P`).
//!
//! Nothing is checked while the project declares no purpose. Unknown purposes
//! (E0205) and unknown names are name resolution's: they are skipped here. An event
//! with no `for` list gets E0402 only, not also an E0401 per segment reading it.

use foldhash::{HashSet, HashSetExt};

use super::index::{Decl, Definition, ProjectIndex};
use super::walk::{refs, source_events, Ref, Target};
use crate::diagnostics::{codes, Diagnostic, Label, Location};
use crate::syntax::ast::{self, SegmentClause, Span};

/// Runs the purpose rules over the project.
pub fn check(ix: &ProjectIndex<'_>, diags: &mut Vec<Diagnostic>) {
    let Some(first) = ix.purposes.iter().next() else {
        return;
    };
    let declared: Vec<String> = ix
        .purposes
        .iter()
        .map(|p| format!("`{}`", p.decl.name.name))
        .collect();
    let example = &first.decl.name.name;
    for ev in ix.events.iter() {
        if ev.decl.purposes.is_empty() {
            diags.push(event_without_purpose(ev, first, example, &declared));
        }
    }
    for seg in ix.segments.iter() {
        match for_clause(seg.decl) {
            None => diags.push(segment_without_purpose(seg, first, example)),
            Some((p, span)) if ix.purpose(&p.name).is_some() => {
                check_segment(ix, seg, p, span, diags);
            }
            Some(_) => {}
        }
    }
}

/// The first `for P` clause of a segment and its span.
pub fn for_clause(seg: &ast::SegmentDecl) -> Option<(&ast::Ident, Span)> {
    seg.clauses.iter().find_map(|c| match c {
        SegmentClause::For(p, span) => Some((p, *span)),
        SegmentClause::Holdout(..) => None,
    })
}

fn event_without_purpose(
    ev: Decl<'_, ast::EventDecl>,
    first: Decl<'_, ast::PurposeDecl>,
    example: &str,
    declared: &[String],
) -> Diagnostic {
    let name = &ev.decl.name.name;
    let wire = ev
        .decl
        .wire
        .as_ref()
        .map(|w| format!(" = {:?}", w.value))
        .unwrap_or_default();
    Diagnostic::new(codes::EVENT_WITHOUT_PURPOSE, format!("event `{name}` names no purpose"), ev.file, ev.decl.name.span)
        .with_primary_label("no `for` clause")
        .with_label(first.file, first.decl.name.span, "the project declares purposes, so every event must name its own")
        .with_help(format!(
            "add `for` and the purposes its data may be used for, e.g. `event {name}{wire} for {example}`; declared purposes: {}",
            declared.join(", ")
        ))
}

fn segment_without_purpose(
    seg: Decl<'_, ast::SegmentDecl>,
    first: Decl<'_, ast::PurposeDecl>,
    example: &str,
) -> Diagnostic {
    let name = &seg.decl.name.name;
    Diagnostic::new(
        codes::SEGMENT_WITHOUT_PURPOSE,
        format!("segment `{name}` names no purpose"),
        seg.file,
        seg.decl.name.span,
    )
    .with_primary_label("no `for` clause")
    .with_label(
        first.file,
        first.decl.name.span,
        "the project declares purposes, so every segment must name one",
    )
    .with_help(format!(
        "add the purpose this audience is used for, e.g. `segment {name} for {example} = …`"
    ))
}

/// One event a segment depends on, and how.
struct Dep<'a> {
    event: Decl<'a, ast::EventDecl>,
    /// The reference in the segment's own expression that leads to the event.
    primary: Span,
    /// The trait or segment the event is reached through, if not read directly.
    through: Option<&'a str>,
    /// Reached through `any`.
    via_any: bool,
    /// Hops inside intermediate traits and segments.
    chain: Vec<Label>,
}

/// Depth-first collection of the events a definition depends on; each event once.
struct Collector<'i, 'a> {
    ix: &'i ProjectIndex<'a>,
    visited: HashSet<&'a str>,
    seen: HashSet<&'a str>,
    deps: Vec<Dep<'a>>,
}

/// How the walk reached the definition currently being read.
#[derive(Clone)]
struct Path<'a> {
    /// The first hop out of the root (reference span and name), None at the root.
    first: Option<(Span, &'a str)>,
    chain: Vec<Label>,
}

impl<'a> Collector<'_, 'a> {
    fn walk(&mut self, def: Definition<'a>, path: &Path<'a>) {
        for r in refs(self.ix, def.expr()) {
            match r.target {
                Target::Def(next) => {
                    if self.visited.insert(&next.name().name) {
                        let msg = format!("`{}` uses `{}`", def.name().name, r.name);
                        let chain = hop(path, def, r.span, msg);
                        let first = Some(path.first.unwrap_or((r.span, r.name)));
                        self.walk(next, &Path { first, chain });
                    }
                }
                Target::Event(_) | Target::Any => self.reach_events(def, path, r),
            }
        }
    }

    /// Records the events of reference `r` inside `def` not seen before.
    fn reach_events(&mut self, def: Definition<'a>, path: &Path<'a>, r: Ref<'a>) {
        let via_any = matches!(r.target, Target::Any);
        let reader = &def.name().name;
        for event in source_events(self.ix, r.target) {
            let e = &event.decl.name.name;
            if !self.seen.insert(e) {
                continue;
            }
            let what = if via_any {
                format!("`{reader}` reads `any`, which includes `{e}`")
            } else {
                format!("`{reader}` reads `{e}`")
            };
            self.deps.push(Dep {
                event,
                primary: path.first.map_or(r.span, |(s, _)| s),
                through: path.first.map(|(_, n)| n),
                via_any,
                chain: hop(path, def, r.span, what),
            });
        }
    }
}

/// The chain of `path` extended by a hop at `span` inside `def` (none at the root,
/// whose reference is the primary span).
fn hop(path: &Path<'_>, def: Definition<'_>, span: Span, message: String) -> Vec<Label> {
    let mut chain = path.chain.clone();
    if path.first.is_some() {
        chain.push(label(def.file(), span, message));
    }
    chain
}

fn label(file: &str, span: Span, message: String) -> Label {
    Label {
        location: Location {
            file: file.to_string(),
            span,
        },
        message,
    }
}

fn dependencies<'a>(ix: &ProjectIndex<'a>, seg: Decl<'a, ast::SegmentDecl>) -> Vec<Dep<'a>> {
    let root = Definition::Segment(seg);
    let mut c = Collector {
        ix,
        visited: HashSet::new(),
        seen: HashSet::new(),
        deps: Vec::new(),
    };
    c.visited.insert(&seg.decl.name.name);
    c.walk(
        root,
        &Path {
            first: None,
            chain: Vec::new(),
        },
    );
    c.deps
}

fn check_segment<'a>(
    ix: &ProjectIndex<'a>,
    seg: Decl<'a, ast::SegmentDecl>,
    purpose: &ast::Ident,
    for_span: Span,
    diags: &mut Vec<Diagnostic>,
) {
    for dep in dependencies(ix, seg) {
        let allowed = &dep.event.decl.purposes;
        if allowed.is_empty() || allowed.iter().any(|p| p.name == purpose.name) {
            continue;
        }
        diags.push(violation(seg, purpose, for_span, dep));
    }
}

fn violation(
    seg: Decl<'_, ast::SegmentDecl>,
    purpose: &ast::Ident,
    for_span: Span,
    dep: Dep<'_>,
) -> Diagnostic {
    let (s, p, e) = (
        &seg.decl.name.name,
        &purpose.name,
        &dep.event.decl.name.name,
    );
    let allowed = &dep.event.decl.purposes;
    let list = allowed
        .iter()
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let list_span = allowed
        .iter()
        .map(|p| p.span)
        .reduce(Span::to)
        .unwrap_or(dep.event.decl.name.span);
    let via = match (dep.through, dep.via_any) {
        (Some(t), _) => format!(" (through `{t}`)"),
        (None, true) => " (through `any`)".to_string(),
        (None, false) => String::new(),
    };
    let (primary_label, avoid) = match (dep.through, dep.via_any) {
        (Some(t), _) => (
            format!("`{t}` depends on `{e}`"),
            format!("do not use `{t}` in `{s}`"),
        ),
        (None, true) => (
            format!("`any` includes `{e}`"),
            format!("read only events allowed for `{p}` instead of `any`"),
        ),
        (None, false) => (
            format!("reads `{e}`"),
            format!("do not read `{e}` in `{s}`"),
        ),
    };
    let mut d = Diagnostic::new(
        codes::PURPOSE_VIOLATION,
        format!("segment `{s}` is for `{p}` but reads `{e}`{via}, which is not allowed for it"),
        seg.file,
        dep.primary,
    )
    .with_primary_label(primary_label)
    .with_label(seg.file, for_span, "segment purpose")
    .with_label(dep.event.file, list_span, format!("`{e}` allows `{list}`"))
    .with_help(format!("add `{p}` to the `for` list of `{e}`, or {avoid}"));
    d.labels.extend(dep.chain);
    d
}
