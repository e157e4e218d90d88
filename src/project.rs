//! Reading a project from disk: every `*.seg` file under a directory (recursively,
//! in path order), loaded into the compiler's database. The only place the CLI reads
//! `.seg` files.

use std::fs;
use std::path::{Path, PathBuf};

use seg_compiler::db::{self, Database, Project};
use seg_compiler::ir::Plan;

/// A project loaded from disk.
pub struct Loaded {
    pub db: Database,
    pub project: Project,
    /// (relative path, text) of every file, for rendering diagnostics.
    pub sources: Vec<(String, String)>,
}

impl Loaded {
    pub fn source(&self, path: &str) -> Option<&str> {
        self.sources
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, t)| t.as_str())
    }
    pub fn checked(&self) -> &db::Checked {
        db::check_project(&self.db, self.project)
    }
    /// The resolved program (its declarations, tests included).
    pub fn program(&self) -> &seg_compiler::hir::Program {
        db::program(&self.db, self.project)
    }
    /// The plan, when the project has no errors.
    pub fn plan(&self) -> Option<&Plan> {
        db::plan(&self.db, self.project).as_ref()
    }
}

/// Loads the project at `dir`. Errors are messages for the user.
pub fn load(dir: &Path) -> Result<Loaded, String> {
    let meta = fs::metadata(dir)
        .map_err(|e| format!("cannot read project directory `{}`: {e}", dir.display()))?;
    if !meta.is_dir() {
        return Err(format!(
            "`{}` is not a directory: a project is a directory of .seg files",
            dir.display()
        ));
    }
    let mut paths = Vec::new();
    collect(dir, &mut paths)?;
    paths.sort();
    if paths.is_empty() {
        return Err(format!("no .seg files under `{}`", dir.display()));
    }
    let mut sources = Vec::new();
    for p in paths {
        let text =
            fs::read_to_string(&p).map_err(|e| format!("cannot read `{}`: {e}", p.display()))?;
        sources.push((relative(dir, &p), text));
    }
    let db = Database::default();
    let project = db.load(sources.clone());
    Ok(Loaded {
        db,
        project,
        sources,
    })
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries =
        fs::read_dir(dir).map_err(|e| format!("cannot read directory `{}`: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read directory `{}`: {e}", dir.display()))?;
        let path = entry.path();
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let ty = entry
            .file_type()
            .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        if ty.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|x| x == "seg") {
            out.push(path);
        }
    }
    Ok(())
}

/// `dir/a/b.seg` → `a/b.seg`, with `/` separators.
pub fn relative(dir: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(dir).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}
