//! Checks one file of a project on its own: the file, with every declaration it
//! uses from other files (transitively), every declaration sharing a name with one
//! of its own, every purpose, profile and identity block, and all events when it
//! uses `any`, in project order. Those are all a rule looks at to decide a
//! diagnostic located in the file, so the file's diagnostics are the whole
//! project's diagnostics located there — less the project-wide rules
//! (`check::PROJECT_WIDE`), which need every declaration.
//!
//! Which declarations to take is read from outlines, so the check depends on the
//! other files' text only where it takes declarations from them.

use std::collections::BTreeSet;

use foldhash::{HashSet, HashSetExt};

use super::outline::{ItemRef, ProjectOutline};
use super::{file_outline, parse_file, project_outline, Project, SourceFile};
use crate::diagnostics::{self, Diagnostic};
use crate::syntax::ast;

/// The diagnostics located in `file`, sorted, syntax errors included.
pub(super) fn check_file(
    db: &dyn salsa::Database,
    project: Project,
    file: SourceFile,
) -> Vec<Diagnostic> {
    let parsed = parse_file(db, file);
    let mut out = parsed.diagnostics.clone();
    let files = project.files(db);
    let Some(me) = files.iter().position(|f| *f == file) else {
        return out;
    };
    let outline = project_outline(db, project);
    let taken = taken_items(db, outline, files, me);
    let borrowed = borrowed_files(db, files, me, &taken);
    let mut parts: Vec<(&str, &ast::File)> = Vec::with_capacity(borrowed.len() + 1);
    let path = file.path(db).as_str();
    let mut rest = borrowed.iter().peekable();
    for (i, f) in files.iter().enumerate() {
        if i == me {
            parts.push((path, &parsed.ast));
        } else if let Some((_, ast)) = rest.next_if(|(at, _)| *at == i) {
            parts.push((f.path(db).as_str(), ast));
        }
    }
    let (_, mut diags) = crate::hir::resolve::build_in(&parts, Some(&outline.catalog));
    diags.extend(crate::check::check_declarations(&parts));
    out.extend(
        diags
            .into_iter()
            .filter(|d| d.location.file == path && !crate::check::PROJECT_WIDE.contains(&d.code)),
    );
    diagnostics::sort(&mut out);
    out.dedup();
    out
}

/// The items of other files the check of file `me` needs.
fn taken_items(
    db: &dyn salsa::Database,
    outline: &ProjectOutline,
    files: &[SourceFile],
    me: usize,
) -> BTreeSet<ItemRef> {
    let mine = |r: &ItemRef| r.file as usize == me;
    let mut taken: BTreeSet<ItemRef> = outline
        .shared
        .iter()
        .filter(|r| !mine(r))
        .copied()
        .collect();
    let mut queue: Vec<&str> = Vec::new();
    if let Some(f) = files.get(me) {
        for item in &file_outline(db, *f).items {
            if !item.name.is_empty() {
                queue.push(&item.name);
            }
            queue.extend(item.uses.iter().map(String::as_str));
        }
    }
    let mut seen = HashSet::new();
    while let Some(name) = queue.pop() {
        if !seen.insert(name) {
            continue;
        }
        if name == "any" {
            taken.extend(outline.events.iter().filter(|r| !mine(r)));
        }
        for r in outline.decls.get(name).into_iter().flatten() {
            if mine(r) || !taken.insert(*r) {
                continue;
            }
            let item = files
                .get(r.file as usize)
                .and_then(|f| file_outline(db, *f).items.get(r.item as usize));
            if let Some(item) = item {
                queue.extend(item.uses.iter().map(String::as_str));
            }
        }
    }
    taken
}

/// The taken items as files of their own: (position in the project, items in
/// source order).
fn borrowed_files(
    db: &dyn salsa::Database,
    files: &[SourceFile],
    me: usize,
    taken: &BTreeSet<ItemRef>,
) -> Vec<(usize, ast::File)> {
    let mut out: Vec<(usize, ast::File)> = Vec::new();
    for r in taken {
        let at = r.file as usize;
        if at == me {
            continue;
        }
        let Some(item) = files
            .get(at)
            .and_then(|f| parse_file(db, *f).ast.items.get(r.item as usize))
        else {
            continue;
        };
        match out.last_mut() {
            Some((f, ast)) if *f == at => ast.items.push(item.clone()),
            _ => out.push((
                at,
                ast::File {
                    items: vec![item.clone()],
                },
            )),
        }
    }
    out
}
