//! The salsa database shared by the CLI and the language server. Inputs are the
//! project's files (path relative to the project root, and text); queries parse each
//! file, outline it, check it, build the program and lower it to a plan. The
//! database never reads the disk: callers set inputs.
//!
//! Checking is per file: a file's diagnostics depend on its own text, the span-free
//! project outline, and the declarations it uses from other files (`scope`). An edit
//! inside an expression leaves every outline equal, so only the edited file is
//! re-checked; the few rules over all declarations at once (duplicates, wire names,
//! cycles) run only when the outline shows something for them to find.

use crate::diagnostics::{self, Diagnostic};
use crate::hir::{self, Program};
use crate::ir::{self, Plan};
use crate::syntax::{ast, parser};

pub mod outline;
mod scope;

use outline::{FileOutline, ProjectOutline};

/// One `.seg` file of the project.
#[salsa::input(debug)]
pub struct SourceFile {
    /// Relative to the project root, with `/` separators.
    #[returns(ref)]
    pub path: String,
    #[returns(ref)]
    pub text: String,
}

/// The set of files making up a project.
#[salsa::input(debug)]
pub struct Project {
    #[returns(ref)]
    pub files: Vec<SourceFile>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parsed {
    pub ast: ast::File,
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Checked {
    /// Parse, name, type and project-rule diagnostics of every file, sorted.
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

#[salsa::db]
#[derive(Clone, Default)]
pub struct Database {
    storage: salsa::Storage<Self>,
}

#[salsa::db]
impl salsa::Database for Database {}

/// Parses one file.
#[salsa::tracked(returns(ref))]
pub fn parse_file(db: &dyn salsa::Database, file: SourceFile) -> Parsed {
    let (ast, diagnostics) = parser::parse(file.text(db), file.path(db));
    Parsed { ast, diagnostics }
}

/// What a file declares and uses, without positions (see `outline`).
#[salsa::tracked(returns(ref))]
pub fn file_outline(db: &dyn salsa::Database, file: SourceFile) -> FileOutline {
    FileOutline::of(&parse_file(db, file).ast)
}

/// The project-wide view of every file's outline.
#[salsa::tracked(returns(ref))]
pub fn project_outline(db: &dyn salsa::Database, project: Project) -> ProjectOutline {
    let outlines: Vec<&FileOutline> = project
        .files(db)
        .iter()
        .map(|f| file_outline(db, *f))
        .collect();
    ProjectOutline::new(&outlines)
}

/// The diagnostics located in one file, sorted: its syntax errors, then what its
/// declarations break, checked together with what they use from other files.
#[salsa::tracked(returns(ref))]
pub fn file_diagnostics(
    db: &dyn salsa::Database,
    project: Project,
    file: SourceFile,
) -> Vec<Diagnostic> {
    scope::check_file(db, project, file)
}

/// The rules over every declaration at once (`check::PROJECT_WIDE`); run only when
/// the outlines show something for them to find.
#[salsa::tracked(returns(ref))]
pub fn project_wide_diagnostics(db: &dyn salsa::Database, project: Project) -> Vec<Diagnostic> {
    if !project_outline(db, project).needs_global_rules {
        return Vec::new();
    }
    let files: Vec<(&str, &ast::File)> = project
        .files(db)
        .iter()
        .map(|f| (f.path(db).as_str(), &parse_file(db, *f).ast))
        .collect();
    crate::check::check_project_wide(&files)
}

/// Every diagnostic of the project, sorted. Equal to `check_at_once` on the same
/// files; an edit re-checks only the files whose inputs it changes.
#[salsa::tracked(returns(ref))]
pub fn check_project(db: &dyn salsa::Database, project: Project) -> Checked {
    let mut diags = Vec::new();
    for f in project.files(db) {
        diags.extend(file_diagnostics(db, project, *f).iter().cloned());
    }
    diags.extend(project_wide_diagnostics(db, project).iter().cloned());
    diagnostics::sort(&mut diags);
    diags.dedup();
    Checked { diagnostics: diags }
}

/// The resolved, typed program (whatever errors it has).
#[salsa::tracked(returns(ref))]
pub fn program(db: &dyn salsa::Database, project: Project) -> Program {
    let files: Vec<(&str, &ast::File)> = project
        .files(db)
        .iter()
        .map(|f| (f.path(db).as_str(), &parse_file(db, *f).ast))
        .collect();
    hir::resolve::build(&files).0
}

/// The plan of a project without errors.
#[salsa::tracked(returns(ref))]
pub fn plan(db: &dyn salsa::Database, project: Project) -> Option<Plan> {
    if check_project(db, project).has_errors() {
        return None;
    }
    Some(ir::lower(program(db, project)))
}

/// Checks parsed files in one pass over the whole project: name resolution, types
/// and every project rule, sorted. The reference `check_project` is tested against;
/// syntax errors are the parser's and not included.
pub fn check_at_once(files: &[(&str, &ast::File)]) -> Vec<Diagnostic> {
    let (_, mut diags) = hir::resolve::build(files);
    diags.extend(crate::check::check_project(files));
    diagnostics::sort(&mut diags);
    diags.dedup();
    diags
}

impl Database {
    /// Creates a project from (relative path, text) pairs.
    pub fn load(&self, files: Vec<(String, String)>) -> Project {
        let inputs = files
            .into_iter()
            .map(|(p, t)| SourceFile::new(self, p, t))
            .collect();
        Project::new(self, inputs)
    }
}

#[cfg(test)]
mod tests;
