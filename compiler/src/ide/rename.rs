//! Workspace-wide rename: every occurrence of the symbol in every file, after checking
//! that the new name is an identifier, is not a reserved word where it would be one,
//! and does not collide with an existing name. Renaming an event that has no explicit
//! wire name adds `= "old_name"` so the events it matches on the wire stay the same.
//! Returns edits; applies nothing.

use super::{index, symbol_at, Edit, Symbol};
use crate::db::{program, Project};
use crate::hir::Program;
use crate::syntax::ast::{Span, EXPR_KEYWORDS, KEYWORDS};

/// The span and current name of a renameable symbol at `offset`, or why not.
pub fn prepare_rename(
    db: &dyn salsa::Database,
    project: Project,
    file: &str,
    offset: usize,
) -> Result<(Span, String), String> {
    let occ = symbol_at(db, project, file, offset).ok_or("no name here to rename")?;
    if let Symbol::Function(f) = &occ.symbol {
        return Err(format!(
            "`{f}` is a built-in function and cannot be renamed"
        ));
    }
    if !index(db, project).of(&occ.symbol).any(|o| o.is_def) {
        return Err(format!(
            "`{}` has no declaration in this project to rename",
            occ.symbol.name()
        ));
    }
    Ok((occ.span, occ.symbol.name().to_string()))
}

/// The edits renaming the symbol at `offset` to `new_name`, or why it cannot be done.
pub fn rename(
    db: &dyn salsa::Database,
    project: Project,
    file: &str,
    offset: usize,
    new_name: &str,
) -> Result<Vec<Edit>, String> {
    prepare_rename(db, project, file, offset)?;
    let occ = symbol_at(db, project, file, offset).ok_or("no name here to rename")?;
    let program = program(db, project);
    validate(program, &occ.symbol, new_name)?;
    let keep_wire = match &occ.symbol {
        Symbol::Event(n) => program
            .event(n)
            .and_then(|i| program.events.get(i))
            .is_some_and(|e| e.wire == e.name && !has_explicit_wire(db, project, n)),
        _ => false,
    };
    let mut edits: Vec<Edit> = index(db, project)
        .of(&occ.symbol)
        .map(|o| {
            let text = if o.is_def && keep_wire {
                format!("{new_name} = {:?}", occ.symbol.name())
            } else {
                new_name.to_string()
            };
            Edit {
                file: o.file.clone(),
                span: o.span,
                text,
            }
        })
        .collect();
    edits.sort();
    edits.dedup();
    Ok(edits)
}

/// Whether the event's declaration spells out its wire name (`= "…"`), even when it
/// equals the declared name.
fn has_explicit_wire(db: &dyn salsa::Database, project: Project, event: &str) -> bool {
    project.files(db).iter().any(|f| {
        crate::db::parse_file(db, *f).ast.items.iter().any(|item| {
            matches!(&item.kind, crate::syntax::ast::ItemKind::Event(e)
                if e.name.name == event && e.wire.is_some())
        })
    })
}

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn validate(program: &Program, symbol: &Symbol, new: &str) -> Result<(), String> {
    if !is_ident(new) {
        return Err(format!(
            "`{new}` is not an identifier (letters, digits and `_`, not starting with a digit)"
        ));
    }
    if new == symbol.name() {
        return Ok(());
    }
    match symbol {
        Symbol::Field { event, .. } => {
            not_keyword(new, EXPR_KEYWORDS)?;
            let taken = program
                .event(event)
                .and_then(|i| program.events.get(i))
                .is_some_and(|e| e.field(new).is_some());
            free(taken, new, &format!("a field of `{event}`"))
        }
        Symbol::Attr(_) => {
            not_keyword(new, EXPR_KEYWORDS)?;
            free(program.attr(new).is_some(), new, "a profile attribute")
        }
        Symbol::IdType(_) => {
            not_keyword(new, KEYWORDS)?;
            let taken = program.identity.iter().any(|t| t.name == new);
            free(taken, new, "an identifier type")
        }
        Symbol::Function(f) => Err(format!("`{f}` is a built-in function")),
        Symbol::Event(_) | Symbol::Trait(_) | Symbol::Segment(_) | Symbol::Purpose(_) => {
            not_keyword(new, KEYWORDS)?;
            if super::complete::function(new).is_some() {
                return Err(format!("`{new}` is a built-in function name"));
            }
            let taken = program.event(new).is_some()
                || program.trait_index(new).is_some()
                || program.segment(new).is_some()
                || program.purpose(new).is_some();
            free(taken, new, "a declaration")
        }
    }
}

fn not_keyword(new: &str, reserved: &[&str]) -> Result<(), String> {
    if reserved.contains(&new) {
        Err(format!("`{new}` is a keyword and cannot be used here"))
    } else {
        Ok(())
    }
}

fn free(taken: bool, new: &str, what: &str) -> Result<(), String> {
    if taken {
        Err(format!("`{new}` is already {what} in this project"))
    } else {
        Ok(())
    }
}
