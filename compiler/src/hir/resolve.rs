//! Builds the `Program` from parsed files: indexes declarations (one namespace for
//! events, purposes, traits and segments; duplicates reported with both places),
//! converts declarations, then type-checks every trait and segment (`typeck`).
//!
//! Structural rules about declarations (clause counts, priorities, holdout range)
//! belong to `check::declarations`; this module reads such clauses leniently.

use foldhash::{HashMap, HashMapExt};

use super::typeck::Typeck;
use super::{Attr, Catalog, Event, Field, Program, Purpose, Segment, Site, Test, Trait, Type};
use crate::diagnostics::{codes, Diagnostic};
use crate::ir::schema::{Basis, IdTypeSchema, Normalizer, Schema};
use crate::syntax::ast::{self, ItemKind};

/// Declarations of one kind waiting for their expressions to be checked.
pub(crate) struct Pending<'a, T> {
    pub file: &'a str,
    pub decl: &'a T,
}

/// Resolves and type-checks a project. `files` are (relative path, AST) pairs.
pub fn build(files: &[(&str, &ast::File)]) -> (Program, Vec<Diagnostic>) {
    build_in(files, None)
}

/// Resolves and type-checks `files`, offering the names of `catalog` (default: the
/// program's own) in suggestions. A part of a project is checked with the whole
/// project's catalog, so its diagnostics read as in the whole.
pub fn build_in(
    files: &[(&str, &ast::File)],
    catalog: Option<&Catalog>,
) -> (Program, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    check_duplicates(files, &mut diags);
    let mut prog = Program::default();
    let mut traits = Vec::new();
    let mut segments = Vec::new();
    let mut identity = None;
    for (file, ast) in files {
        for item in &ast.items {
            match &item.kind {
                ItemKind::Purpose(p) => prog.purposes.push(purpose(file, p, &item.doc)),
                ItemKind::Profile(p) => add_attrs(&mut prog, file, p),
                ItemKind::Identity(b) if identity.is_none() => identity = Some(identity_block(b)),
                ItemKind::Trait(t) => traits.push((Pending { file, decl: t }, item.doc.clone())),
                ItemKind::Segment(s) => {
                    segments.push((Pending { file, decl: s }, item.doc.clone()))
                }
                ItemKind::Test(t) => prog.tests.push(Test {
                    file: file.to_string(),
                    decl: t.clone(),
                }),
                _ => {}
            }
        }
    }
    for (file, ast) in files {
        for item in &ast.items {
            if let ItemKind::Event(e) = &item.kind {
                let ev = event(&prog, file, e, &item.doc, &mut diags);
                prog.events.push(ev);
            }
        }
    }
    prog.identity = identity.unwrap_or_else(Schema::default_identity);
    declare_traits_and_segments(&mut prog, &traits, &segments, &mut diags);
    let own;
    let catalog = match catalog {
        Some(c) => c,
        None => {
            own = Catalog::of(&prog);
            &own
        }
    };
    let mut tc = Typeck::new(&mut prog, &traits, catalog, &mut diags);
    tc.check_all(&segments);
    super::test_blocks::check(&prog, catalog, &mut diags);
    (prog, diags)
}

fn declare_traits_and_segments(
    prog: &mut Program,
    traits: &[(Pending<'_, ast::TraitDecl>, Option<String>)],
    segments: &[(Pending<'_, ast::SegmentDecl>, Option<String>)],
    diags: &mut Vec<Diagnostic>,
) {
    for (p, doc) in traits {
        prog.traits.push(Trait {
            name: p.decl.name.name.clone(),
            ty: Type::ERROR,
            expr: super::Expr::error(p.decl.expr.span),
            doc: doc.clone(),
            site: Site {
                file: p.file.to_string(),
                span: p.decl.name.span,
            },
        });
    }
    for (p, doc) in segments {
        let mut purpose = None;
        let mut holdout_bp = None;
        for clause in &p.decl.clauses {
            match clause {
                ast::SegmentClause::For(name, _) => {
                    purpose = resolve_purpose(prog, p.file, name, diags);
                }
                ast::SegmentClause::Holdout(pct, _) => holdout_bp = basis_points(&pct.text),
            }
        }
        prog.segments.push(Segment {
            name: p.decl.name.name.clone(),
            purpose,
            holdout_bp,
            expr: super::Expr::error(p.decl.expr.span),
            doc: doc.clone(),
            site: Site {
                file: p.file.to_string(),
                span: p.decl.name.span,
            },
        });
    }
}

/// `10` → 1000, `2.5` → 250; None when it has more than two decimals or is malformed.
pub fn basis_points(text: &str) -> Option<u32> {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    if frac.len() > 2 || int.is_empty() {
        return None;
    }
    let int: u32 = int.parse().ok()?;
    let frac: u32 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<2}").parse().ok()?
    };
    int.checked_mul(100)?.checked_add(frac)
}

pub(crate) fn check_duplicates(files: &[(&str, &ast::File)], diags: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<&str, (&str, &ast::Ident)> = HashMap::new();
    for (file, ast) in files {
        for item in &ast.items {
            let Some(name) = item.name() else { continue };
            if let Some((first_file, first)) = seen.get(name.name.as_str()) {
                diags.push(
                    Diagnostic::new(
                        codes::DUPLICATE,
                        format!("`{}` is declared twice", name.name),
                        file,
                        name.span,
                    )
                    .with_primary_label("declared again here")
                    .with_label(first_file, first.span, "first declared here")
                    .with_help("rename one of the declarations: events, purposes, traits and segments share one namespace"),
                );
            } else {
                seen.insert(&name.name, (file, name));
            }
        }
    }
}

fn purpose(file: &str, p: &ast::PurposeDecl, doc: &Option<String>) -> Purpose {
    let mut basis = Basis::Consent;
    let mut category = p.name.name.clone();
    for clause in &p.clauses {
        match clause {
            ast::PurposeClause::Basis(ast::Basis::Consent, _) => basis = Basis::Consent,
            ast::PurposeClause::Basis(ast::Basis::LegitimateInterest, _) => {
                basis = Basis::LegitimateInterest
            }
            ast::PurposeClause::Category(s, _) => category = s.value.clone(),
        }
    }
    Purpose {
        name: p.name.name.clone(),
        basis,
        category,
        doc: doc.clone(),
        site: Site {
            file: file.to_string(),
            span: p.name.span,
        },
    }
}

fn add_attrs(prog: &mut Program, file: &str, p: &ast::ProfileBlock) {
    for a in &p.attrs {
        if prog.attr(&a.name.name).is_none() {
            prog.attrs.push(Attr {
                name: a.name.name.clone(),
                ty: a.ty.base.into(),
                site: Site {
                    file: file.to_string(),
                    span: a.name.span,
                },
            });
        }
    }
}

fn identity_block(b: &ast::IdentityBlock) -> Vec<IdTypeSchema> {
    let mut out: Vec<IdTypeSchema> = b
        .lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let mut id = IdTypeSchema {
                name: line.name.name.clone(),
                paths: line
                    .paths
                    .iter()
                    .map(|p| p.segments.iter().map(|s| s.name.clone()).collect())
                    .collect(),
                normalize: Vec::new(),
                hash_sha256: false,
                priority: u32::try_from(i + 1).unwrap_or(u32::MAX),
                limit: u32::MAX,
            };
            for c in &line.clauses {
                identity_clause(&mut id, &c.kind);
            }
            id
        })
        .collect();
    out.sort_by_key(|id| id.priority);
    out
}

fn identity_clause(id: &mut IdTypeSchema, clause: &ast::IdClauseKind) {
    match clause {
        ast::IdClauseKind::Normalize(names) => {
            for n in names {
                match n.name.as_str() {
                    "trim" => id.normalize.push(Normalizer::Trim),
                    "lower" => id.normalize.push(Normalizer::Lower),
                    _ => {}
                }
            }
        }
        ast::IdClauseKind::Hash(h) => id.hash_sha256 = h.name == "sha256",
        ast::IdClauseKind::Priority(n) => {
            if let Ok(p) = n.text.parse() {
                id.priority = p;
            }
        }
        ast::IdClauseKind::Limit(n) => {
            if let Ok(l) = n.text.parse() {
                id.limit = l;
            }
        }
    }
}

fn event(
    prog: &Program,
    file: &str,
    e: &ast::EventDecl,
    doc: &Option<String>,
    diags: &mut Vec<Diagnostic>,
) -> Event {
    let purposes = e
        .purposes
        .iter()
        .filter_map(|p| resolve_purpose(prog, file, p, diags))
        .collect();
    let mut fields: Vec<Field> = Vec::new();
    for f in &e.fields {
        if fields.iter().any(|x| x.name == f.name.name) {
            continue;
        }
        fields.push(Field {
            name: f.name.name.clone(),
            ty: f.ty.base.into(),
            optional: f.ty.optional,
            pii: f.pii,
            site: Site {
                file: file.to_string(),
                span: f.name.span,
            },
        });
    }
    Event {
        name: e.name.name.clone(),
        wire: e
            .wire
            .as_ref()
            .map_or_else(|| e.name.name.clone(), |w| w.value.clone()),
        fields,
        retain_ms: e.retain.as_ref().map(|r| r.ms),
        purposes,
        doc: doc.clone(),
        site: Site {
            file: file.to_string(),
            span: e.name.span,
        },
    }
}

fn resolve_purpose(
    prog: &Program,
    file: &str,
    name: &ast::Ident,
    diags: &mut Vec<Diagnostic>,
) -> Option<usize> {
    let found = prog.purpose(&name.name);
    if found.is_none() {
        let known: Vec<String> = prog
            .purposes
            .iter()
            .map(|p| format!("`{}`", p.name))
            .collect();
        let help = if known.is_empty() {
            format!("declare it: `purpose {} {{ basis consent }}`", name.name)
        } else {
            format!("declared purposes: {}", known.join(", "))
        };
        diags.push(
            Diagnostic::new(
                codes::UNKNOWN_PURPOSE,
                format!("unknown purpose `{}`", name.name),
                file,
                name.span,
            )
            .with_primary_label("not a declared purpose")
            .with_help(help),
        );
    }
    found
}
