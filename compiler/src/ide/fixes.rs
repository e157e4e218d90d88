//! Quick fixes for common diagnostics:
//! - W0301 (comparison may see none): wrap the optional operand as `(x ?? default)`;
//! - E0401 (purpose violation): add the segment's purpose to the event's `for` list;
//! - E0203 (unknown event): declare the event at the end of the file.
//!
//! A fix is computed from the diagnostic's spans and the current texts; it returns
//! edits and never applies them. Fixes that cannot be made exactly are not offered.

use super::{file_named, hir_walk, Edit, Fix};
use crate::db::{parse_file, program, Project};
use crate::diagnostics::{codes, Diagnostic};
use crate::hir::Base;
use crate::syntax::ast::{self, ItemKind, Span};
use crate::syntax::lexer::{lex, TokenKind};

/// The quick fixes for one diagnostic of the project.
pub fn fixes(db: &dyn salsa::Database, project: Project, diag: &Diagnostic) -> Vec<Fix> {
    let fix = match diag.code {
        codes::MAYBE_NONE => default_fix(db, project, diag),
        codes::PURPOSE_VIOLATION => purpose_fix(db, project, diag),
        codes::UNKNOWN_EVENT => declare_event_fix(db, project, diag),
        _ => None,
    };
    fix.into_iter().collect()
}

fn text_of(db: &dyn salsa::Database, project: Project, file: &str, span: Span) -> Option<String> {
    let f = file_named(db, project, file)?;
    f.text(db).get(span.range()).map(str::to_string)
}

fn default_literal(base: Base) -> Option<&'static str> {
    Some(match base {
        Base::Int | Base::Decimal => "0",
        Base::Float => "0.0",
        Base::String => "\"\"",
        Base::Bool => "false",
        Base::Duration => "0ms",
        Base::Timestamp | Base::Error => return None,
    })
}

fn default_fix(db: &dyn salsa::Database, project: Project, diag: &Diagnostic) -> Option<Fix> {
    let side = diag.labels.first()?;
    let file = &side.location.file;
    let program = program(db, project);
    let expr = hir_walk::find_by_span(program, file, side.location.span)?;
    let default = default_literal(expr.ty.base)?;
    let text = text_of(db, project, file, side.location.span)?;
    let operand = if is_atomic(&text) {
        text
    } else {
        format!("({text})")
    };
    Some(Fix {
        title: format!("Add `?? {default}` (treat none as {default})"),
        edits: vec![Edit {
            file: file.clone(),
            span: side.location.span,
            text: format!("({operand} ?? {default})"),
        }],
    })
}

/// Whether `text` has no operator outside brackets (so `x ?? d` keeps its meaning).
fn is_atomic(text: &str) -> bool {
    let mut depth = 0i32;
    for t in lex(text) {
        match t.kind {
            TokenKind::LParen | TokenKind::LBracket => depth += 1,
            TokenKind::RParen | TokenKind::RBracket => depth -= 1,
            TokenKind::Ident | TokenKind::Dot | TokenKind::Str => {}
            TokenKind::Keyword if t.text(text) == "profile" => {}
            k if k.is_literal() => {}
            _ if depth > 0 => {}
            _ => return false,
        }
    }
    true
}

fn purpose_fix(db: &dyn salsa::Database, project: Project, diag: &Diagnostic) -> Option<Fix> {
    let for_label = diag.labels.first()?;
    let list_label = diag.labels.get(1)?;
    let for_text = text_of(
        db,
        project,
        &for_label.location.file,
        for_label.location.span,
    )?;
    let purpose = for_text.split_whitespace().last()?.to_string();
    let file = file_named(db, project, &list_label.location.file)?;
    let event = parse_file(db, file)
        .ast
        .items
        .iter()
        .find_map(|it| match &it.kind {
            ItemKind::Event(e)
                if e.purposes.iter().map(|p| p.span).reduce(Span::to)
                    == Some(list_label.location.span) =>
            {
                Some(e)
            }
            _ => None,
        })?;
    let last = event.purposes.last()?;
    Some(Fix {
        title: format!("Allow purpose `{purpose}` for event `{}`", event.name.name),
        edits: vec![Edit {
            file: list_label.location.file.clone(),
            span: Span::new(last.span.end as usize, last.span.end as usize),
            text: format!(", {purpose}"),
        }],
    })
}

fn declare_event_fix(db: &dyn salsa::Database, project: Project, diag: &Diagnostic) -> Option<Fix> {
    let path = &diag.location.file;
    let name = text_of(db, project, path, diag.location.span)?;
    let file = file_named(db, project, path)?;
    let text = file.text(db);
    let purpose = enclosing_purpose(&parse_file(db, file).ast, diag.location.span);
    let for_clause = purpose.map(|p| format!(" for {p}")).unwrap_or_default();
    let sep = if text.is_empty() || text.ends_with("\n\n") {
        ""
    } else if text.ends_with('\n') {
        "\n"
    } else {
        "\n\n"
    };
    Some(Fix {
        title: format!("Declare event `{name}`"),
        edits: vec![Edit {
            file: path.clone(),
            span: Span::new(text.len(), text.len()),
            text: format!("{sep}event {name}{for_clause} {{\n}}\n"),
        }],
    })
}

/// The purpose of the segment containing `span`, if any.
fn enclosing_purpose(file: &ast::File, span: Span) -> Option<String> {
    file.items.iter().find_map(|it| match &it.kind {
        ItemKind::Segment(s) if it.span.start <= span.start && span.end <= it.span.end => {
            s.clauses.iter().find_map(|c| match c {
                ast::SegmentClause::For(p, _) => Some(p.name.clone()),
                ast::SegmentClause::Holdout(..) => None,
            })
        }
        _ => None,
    })
}
