//! Benchmark: checking a generated 10,000-declaration project, cold and after a
//! one-line edit through the salsa database. Prints medians of several runs and the
//! machine; `cargo bench -p seg-compiler --bench check` (release). Not a test: no thresholds.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use salsa::Setter;
use seg_compiler::db::{self, Database};

/// 100 files of 100 declarations: 20 events, 40 traits, 40 segments each.
fn project() -> Vec<(String, String)> {
    let mut files = Vec::new();
    for f in 0..100 {
        let mut text = String::new();
        for i in 0..20 {
            text.push_str(&format!(
                "event e{f}_{i} = \"Event {f} {i}\" retain 90d {{\n  product_id: string\n  price: decimal\n  category: string\n}}\n"
            ));
        }
        for i in 0..40 {
            let e = format!("e{f}_{}", i % 20);
            text.push_str(&format!(
                "trait t{f}_{i} = sum({e}.price, 30d) + count({e}[category == \"c{i}\"], 7d)\n"
            ));
        }
        for i in 0..40 {
            let e = format!("e{f}_{}", (i + 3) % 20);
            text.push_str(&format!(
                "/// Segment {i}.\nsegment s{f}_{i} = t{f}_{i} > 100.50 and (last({e}.category) ?? \"\") != \"x\" and since({e}) < 3d\n"
            ));
        }
        files.push((format!("f{f:03}.seg"), text));
    }
    files
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Edits file 50 with `edit`, re-checks through salsa, returns the time taken.
fn timed_edit(db: &mut Database, project: db::Project, edit: fn(&str) -> String) -> Duration {
    let file = project.files(db)[50];
    let text = edit(file.text(db));
    let started = Instant::now();
    file.set_text(db).to(text);
    let checked = db::check_project(db, project);
    let took = started.elapsed();
    assert!(!checked.has_errors());
    took
}

fn main() {
    let files = project();
    let lines: usize = files.iter().map(|(_, t)| t.lines().count()).sum();
    let runs = 5;
    let mut cold = Vec::new();
    let mut same = Vec::new();
    let mut longer = Vec::new();
    let mut decl = Vec::new();
    for _ in 0..runs {
        let db = Database::default();
        let started = Instant::now();
        let project = db.load(files.clone());
        let checked = db::check_project(&db, project);
        cold.push(started.elapsed());
        assert!(
            !checked.has_errors(),
            "generated project has errors: {:?}",
            checked.diagnostics.first()
        );
        let mut db = db;
        // A threshold changed in place; then one made longer, moving every
        // declaration after it; then a new declaration.
        same.push(timed_edit(&mut db, project, |t| {
            t.replacen("> 100.50", "> 100.75", 1)
        }));
        longer.push(timed_edit(&mut db, project, |t| {
            t.replacen("> 100.75", "> 1000.755", 1)
        }));
        decl.push(timed_edit(&mut db, project, |t| {
            format!("{t}trait added = 1\n")
        }));
    }
    println!("project: 10000 declarations in 100 files, {lines} lines");
    println!(
        "cold check (parse, resolve, type-check, rules): median {:?} of {runs}",
        median(cold)
    );
    println!(
        "after a one-line edit, same length (salsa, re-check): median {:?} of {runs}",
        median(same)
    );
    println!(
        "after a one-line edit that moves the rest of the file: median {:?} of {runs}",
        median(longer)
    );
    println!(
        "after adding a declaration (every file re-checked): median {:?} of {runs}",
        median(decl)
    );
}
