//! The salsa database shared by the CLI and the language server. Inputs are the
//! project's files (path relative to the project root, and text); queries parse each
//! file, build and check the whole program, and lower it to a plan. Editing one file
//! re-parses only that file. The database never reads the disk: callers set inputs.

use crate::diagnostics::{self, Diagnostic};
use crate::hir::{self, Program};
use crate::ir::{self, Plan};
use crate::syntax::{ast, parser};

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
    pub program: Program,
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

/// Resolves, type-checks and rule-checks the whole project.
#[salsa::tracked(returns(ref))]
pub fn check_project(db: &dyn salsa::Database, project: Project) -> Checked {
    let mut diags = Vec::new();
    let mut files: Vec<(&str, &ast::File)> = Vec::new();
    for f in project.files(db) {
        let parsed = parse_file(db, *f);
        diags.extend(parsed.diagnostics.iter().cloned());
        files.push((f.path(db).as_str(), &parsed.ast));
    }
    let (program, more) = hir::resolve::build(&files);
    diags.extend(more);
    diags.extend(crate::check::check_project(&files));
    diagnostics::sort(&mut diags);
    diags.dedup();
    Checked {
        program,
        diagnostics: diags,
    }
}

/// The plan of a project without errors.
#[salsa::tracked(returns(ref))]
pub fn plan(db: &dyn salsa::Database, project: Project) -> Option<Plan> {
    let checked = check_project(db, project);
    if checked.has_errors() {
        return None;
    }
    Some(ir::lower(&checked.program))
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
