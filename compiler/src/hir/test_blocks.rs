//! Name checks for `test` blocks: identifier types (E0207), events (E0203), event
//! fields (E0204), profile attributes (E0206), and the segments and traits that
//! expectations name (E0213). Values are checked when the test runs.

use super::{Catalog, Program};
use crate::diagnostics::{codes, Diagnostic};
use crate::syntax::ast::{FieldValue, IdValue, Ident, StepKind};

/// Diagnostics for every test step naming something the project does not declare.
/// `catalog` gives the names listed in help lines.
pub fn check(prog: &Program, catalog: &Catalog, diags: &mut Vec<Diagnostic>) {
    for test in &prog.tests {
        for step in &test.decl.steps {
            step_names(prog, catalog, &test.file, &step.kind, diags);
        }
    }
}

fn step_names(
    prog: &Program,
    catalog: &Catalog,
    file: &str,
    kind: &StepKind,
    diags: &mut Vec<Diagnostic>,
) {
    match kind {
        StepKind::Track { ids, event, fields } => {
            id_types(prog, file, ids, diags);
            match prog.event(&event.name) {
                Some(e) => {
                    let ev = &prog.events[e];
                    for f in fields {
                        if ev.field(&f.name.name).is_none() {
                            diags.push(
                                Diagnostic::new(
                                    codes::UNKNOWN_FIELD,
                                    format!("event `{}` has no field `{}`", ev.name, f.name.name),
                                    file,
                                    f.name.span,
                                )
                                .with_primary_label("unknown field")
                                .with_help(format!(
                                    "fields of `{}`: {}",
                                    ev.name,
                                    list(ev.fields.iter().map(|f| f.name.as_str()))
                                )),
                            );
                        }
                    }
                }
                None => diags.push(
                    Diagnostic::new(
                        codes::UNKNOWN_EVENT,
                        format!("unknown event `{}`", event.name),
                        file,
                        event.span,
                    )
                    .with_primary_label("not a declared event")
                    .with_help(format!(
                        "declared events: {}",
                        list(catalog.events.iter().map(String::as_str))
                    )),
                ),
            }
        }
        StepKind::Identify { ids, attrs } => {
            id_types(prog, file, ids, diags);
            attributes(prog, file, attrs, diags);
        }
        StepKind::Consent { ids, .. } | StepKind::Forget { ids } => {
            id_types(prog, file, ids, diags)
        }
        StepKind::ExpectMember { id, segment, .. } => {
            id_types(prog, file, std::slice::from_ref(id), diags);
            if prog.segment(&segment.name).is_none() {
                diags.push(unknown_target(catalog, file, segment, "segment"));
            }
        }
        StepKind::ExpectTrait { id, name, .. } => {
            id_types(prog, file, std::slice::from_ref(id), diags);
            if prog.trait_index(&name.name).is_none() {
                diags.push(unknown_target(catalog, file, name, "trait"));
            }
        }
    }
}

fn id_types(prog: &Program, file: &str, ids: &[IdValue], diags: &mut Vec<Diagnostic>) {
    for id in ids {
        if !prog.identity.iter().any(|t| t.name == id.id_type.name) {
            diags.push(
                Diagnostic::new(
                    codes::UNKNOWN_ID_TYPE,
                    format!("unknown identifier type `{}`", id.id_type.name),
                    file,
                    id.id_type.span,
                )
                .with_primary_label("not an identifier type of the project")
                .with_help(format!(
                    "identifier types: {}",
                    list(prog.identity.iter().map(|t| t.name.as_str()))
                )),
            );
        }
    }
}

fn attributes(prog: &Program, file: &str, attrs: &[FieldValue], diags: &mut Vec<Diagnostic>) {
    for a in attrs {
        if prog.attr(&a.name.name).is_none() {
            diags.push(
                Diagnostic::new(
                    codes::UNKNOWN_ATTR,
                    format!("unknown profile attribute `{}`", a.name.name),
                    file,
                    a.name.span,
                )
                .with_primary_label("not declared in a `profile` block")
                .with_help(format!(
                    "declare it: `profile {{ {}: string? }}`",
                    a.name.name
                )),
            );
        }
    }
}

fn unknown_target(catalog: &Catalog, file: &str, name: &Ident, what: &str) -> Diagnostic {
    let known = if what == "segment" {
        list(catalog.segments.iter().map(String::as_str))
    } else {
        list(catalog.traits.iter().map(String::as_str))
    };
    Diagnostic::new(
        codes::UNKNOWN_TEST_TARGET,
        format!("this test expects unknown {what} `{}`", name.name),
        file,
        name.span,
    )
    .with_primary_label(format!("not a {what} of the project"))
    .with_help(format!("{what}s: {known}"))
}

fn list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let v: Vec<String> = names.map(|n| format!("`{n}`")).collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}
