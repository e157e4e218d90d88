//! Golden compiler stage dumps: every project under `tests/data/plans/` (and the
//! example projects) checks clean and lowers to the snapshotted plan text
//! (`seg compile --emit ir`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use seg_compiler::db::{self, Database};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "seg") {
            out.push(p);
        }
    }
}

fn load(dir: &Path) -> Vec<(String, String)> {
    let mut files = Vec::new();
    collect(dir, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| {
            (
                p.strip_prefix(dir).unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect()
}

fn plan_text(dir: &Path) -> String {
    let db = Database::default();
    let project = db.load(load(dir));
    let checked = db::check_project(&db, project);
    let errors: Vec<_> = checked
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .collect();
    assert!(errors.is_empty(), "{}: {errors:#?}", dir.display());
    db::plan(&db, project).as_ref().unwrap().to_string()
}

#[test]
fn plans_of_test_projects() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/plans");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty());
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        insta::assert_snapshot!(format!("plan_{name}"), plan_text(&dir));
    }
}

#[test]
fn plans_of_examples() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let Ok(entries) = std::fs::read_dir(&root) else {
        return;
    };
    let mut dirs: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        insta::assert_snapshot!(format!("example_plan_{name}"), plan_text(&dir));
    }
}
