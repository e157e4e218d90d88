//! The server's view of the project: the compiler's salsa database with one input per
//! `.seg` file under the workspace root, read from disk and overlaid by the editor's
//! unsaved buffers. Maps document URIs to project-relative paths and back.
//!
//! Mutations (open, change, close, disk events) happen here under the server's lock;
//! analyses run on a `Snapshot` (a clone of the database) so a later edit cancels them
//! instead of waiting for them. Nothing here speaks JSON-RPC.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use salsa::Setter;
use seg_compiler::db::{Database, Project, SourceFile};
use tower_lsp_server::ls_types::{TextDocumentContentChangeEvent, Uri};

use crate::position::{Encoding, LineIndex};

/// The mutable state, owned by the server behind a mutex.
pub struct Workspace {
    db: Database,
    project: Project,
    root: Option<PathBuf>,
    files: BTreeMap<String, SourceFile>,
    /// The URI the client used for a file, to publish under the same spelling.
    uris: HashMap<String, Uri>,
    open: HashSet<String>,
    /// The editor's version of each open document.
    versions: HashMap<String, i32>,
    pub encoding: Encoding,
    /// Bumped on every change of the inputs.
    pub revision: u64,
    /// The client can watch `.seg` files for us.
    pub watch_files: bool,
}

impl Default for Workspace {
    fn default() -> Self {
        let db = Database::default();
        let project = Project::new(&db, Vec::new());
        Workspace {
            db,
            project,
            root: None,
            files: BTreeMap::new(),
            uris: HashMap::new(),
            open: HashSet::new(),
            versions: HashMap::new(),
            encoding: Encoding::default(),
            revision: 0,
            watch_files: false,
        }
    }
}

/// A consistent, read-only view for one request.
pub struct Snapshot {
    pub db: Database,
    pub project: Project,
    pub encoding: Encoding,
    pub revision: u64,
    root: Option<PathBuf>,
    files: BTreeMap<String, SourceFile>,
    uris: HashMap<String, Uri>,
    pub open: HashSet<String>,
    pub versions: HashMap<String, i32>,
}

impl Workspace {
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            db: self.db.clone(),
            project: self.project,
            encoding: self.encoding,
            revision: self.revision,
            root: self.root.clone(),
            files: self.files.clone(),
            uris: self.uris.clone(),
            open: self.open.clone(),
            versions: self.versions.clone(),
        }
    }

    /// Sets the root and loads every `.seg` file under it. Returns unreadable paths.
    pub fn set_root(&mut self, root: PathBuf) -> Vec<String> {
        self.root = Some(root.clone());
        let mut paths = Vec::new();
        let mut errors = Vec::new();
        collect(&root, &mut paths, &mut errors);
        for p in paths {
            match std::fs::read_to_string(&p) {
                Ok(text) => {
                    if let Some(rel) = self.rel_of_path(&p) {
                        self.put(rel, text);
                    }
                }
                Err(e) => errors.push(format!("{}: {e}", p.display())),
            }
        }
        errors
    }

    /// The project-relative path of a document.
    pub fn rel_of(&self, uri: &Uri) -> String {
        rel_of(self.root.as_deref(), uri)
    }

    /// Inserts or replaces a file's text; a new file is added to the project.
    fn put(&mut self, rel: String, text: String) {
        self.revision += 1;
        match self.files.get(&rel) {
            Some(f) => {
                if f.text(&self.db) != &text {
                    f.set_text(&mut self.db).to(text);
                }
            }
            None => {
                let f = SourceFile::new(&self.db, rel.clone(), text);
                self.files.insert(rel, f);
                self.sync_project();
            }
        }
    }

    /// Makes the project's file list equal to `files` (when it changed).
    fn sync_project(&mut self) {
        let list: Vec<SourceFile> = self.files.values().copied().collect();
        if self.project.files(&self.db) != &list {
            self.project.set_files(&mut self.db).to(list);
        }
        self.revision += 1;
    }

    /// An opened document; without a root yet, its directory becomes the root.
    pub fn open(&mut self, uri: &Uri, version: i32, text: String) -> String {
        if self.root.is_none() {
            if let Some(dir) = uri
                .to_file_path()
                .and_then(|p| p.parent().map(Path::to_path_buf))
            {
                self.set_root(dir);
            }
        }
        let rel = self.rel_of(uri);
        self.uris.insert(rel.clone(), uri.clone());
        self.open.insert(rel.clone());
        self.versions.insert(rel.clone(), version);
        self.put(rel.clone(), text);
        rel
    }

    /// Applies full or ranged changes, in order, to an open document.
    pub fn change(
        &mut self,
        uri: &Uri,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
    ) -> String {
        let rel = self.rel_of(uri);
        self.versions.insert(rel.clone(), version);
        let mut text = self.text(&rel).unwrap_or_default();
        for c in changes {
            match c.range {
                Some(range) => {
                    let ix = LineIndex::new(&text, self.encoding);
                    let (a, b) = (ix.offset(range.start), ix.offset(range.end));
                    let (a, b) = (a.min(b), a.max(b));
                    text.replace_range(a..b, &c.text);
                }
                None => text = c.text,
            }
        }
        self.uris.insert(rel.clone(), uri.clone());
        self.put(rel.clone(), text);
        rel
    }

    /// The editor closed the document: the disk's version counts again.
    pub fn close(&mut self, uri: &Uri) -> String {
        let rel = self.rel_of(uri);
        self.open.remove(&rel);
        self.versions.remove(&rel);
        self.reload_from_disk(uri);
        rel
    }

    /// A file changed, appeared or vanished on disk (ignored while it is open).
    pub fn reload_from_disk(&mut self, uri: &Uri) {
        let rel = self.rel_of(uri);
        if self.open.contains(&rel) {
            return;
        }
        let on_disk = uri
            .to_file_path()
            .and_then(|p| std::fs::read_to_string(p).ok());
        match on_disk {
            Some(text) => self.put(rel, text),
            None => {
                self.uris.remove(&rel);
                if self.files.remove(&rel).is_some() {
                    self.sync_project();
                }
            }
        }
    }

    pub fn text(&self, rel: &str) -> Option<String> {
        self.files.get(rel).map(|f| f.text(&self.db).clone())
    }

    fn rel_of_path(&self, path: &Path) -> Option<String> {
        let uri = Uri::from_file_path(path)?;
        Some(self.rel_of(&uri))
    }
}

impl Snapshot {
    pub fn rel_of(&self, uri: &Uri) -> String {
        rel_of(self.root.as_deref(), uri)
    }

    pub fn file(&self, rel: &str) -> Option<SourceFile> {
        self.files.get(rel).copied()
    }

    /// The text of a project file.
    pub fn text(&self, rel: &str) -> Option<&str> {
        self.files.get(rel).map(|f| f.text(&self.db).as_str())
    }

    pub fn paths(&self) -> impl Iterator<Item = &String> {
        self.files.keys()
    }

    /// The URI to show a project file under.
    pub fn uri(&self, rel: &str) -> Option<Uri> {
        if let Some(u) = self.uris.get(rel) {
            return Some(u.clone());
        }
        match &self.root {
            Some(root) if !rel.starts_with('/') && !rel.contains(':') => {
                Uri::from_file_path(root.join(rel))
            }
            _ => Uri::from_file_path(rel).or_else(|| Uri::from_str(rel).ok()),
        }
    }

    pub fn line_index<'a>(&self, text: &'a str) -> LineIndex<'a> {
        LineIndex::new(text, self.encoding)
    }
}

/// Relative path with `/` for a file under the root; otherwise the absolute path, or
/// the URI itself for documents that are not files.
fn rel_of(root: Option<&Path>, uri: &Uri) -> String {
    let Some(path) = uri.to_file_path() else {
        return uri.as_str().to_string();
    };
    if let Some(rel) = root.and_then(|r| path.strip_prefix(r).ok()) {
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if !parts.is_empty() {
            return parts.join("/");
        }
    }
    path.to_string_lossy().into_owned()
}

/// Every `.seg` file under `dir`, skipping hidden entries (as `seg check` does).
fn collect(dir: &Path, out: &mut Vec<PathBuf>, errors: &mut Vec<String>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            errors.push(format!("{}: {e}", dir.display()));
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        match entry.file_type() {
            Ok(t) if t.is_dir() => collect(&path, out, errors),
            Ok(_) if path.extension().is_some_and(|x| x == "seg") => out.push(path),
            _ => {}
        }
    }
}
