//! Data-driven tests of the project-wide checker (`check::check_project`).
//!
//! Every `*.seg` file under `tests/data/check/` is a one-file project; every
//! directory there is a project of all the `.seg` files below it. Each project's
//! diagnostics are snapshotted (`tests/snapshots/check_rules__*.snap`). Files named
//! after a code (`e0401_….seg`) must report that code; `clean_….seg` files must
//! report nothing. The docs test checks `docs/diagnostics.md` covers every code.

// Helpers outside `#[test]` functions: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use seg_compiler::check::check_project;
use seg_compiler::diagnostics::{codes, Diagnostic, Location};
use seg_compiler::syntax::{ast, parser};

mod common;
use common::seg_files;

/// A project: a name and its (relative path, text) files.
struct Project {
    name: String,
    files: Vec<(String, String)>,
}

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/check")
}

fn projects() -> Vec<Project> {
    let root = data_dir();
    let mut entries: Vec<PathBuf> = fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    let mut out = Vec::new();
    for path in entries {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let mut files = Vec::new();
        if path.is_dir() {
            seg_files(&path, &path, &mut files);
        } else if path.extension().is_some_and(|e| e == "seg") {
            let file = path.file_name().unwrap().to_string_lossy().to_string();
            files.push((file, fs::read_to_string(&path).unwrap()));
        } else {
            continue;
        }
        out.push(Project { name, files });
    }
    assert!(
        out.len() > 10,
        "test data not found under {}",
        root.display()
    );
    out
}

/// Parses a project (the data must parse cleanly) and runs the checker.
fn check(p: &Project) -> Vec<Diagnostic> {
    let mut parsed: Vec<(String, ast::File)> = Vec::new();
    for (path, text) in &p.files {
        let (file, diags) = parser::parse(text, path);
        assert!(
            diags.is_empty(),
            "{}: {path} does not parse: {diags:#?}",
            p.name
        );
        parsed.push((path.clone(), file));
    }
    let files: Vec<(&str, &ast::File)> = parsed.iter().map(|(p, f)| (p.as_str(), f)).collect();
    check_project(&files)
}

/// 1-based line and column (in Unicode scalar values) of a byte offset.
fn line_col(text: &str, offset: u32) -> (usize, usize) {
    let before = text.get(..offset as usize).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, col)
}

fn place(p: &Project, loc: &Location) -> String {
    let text = p
        .files
        .iter()
        .find(|(f, _)| *f == loc.file)
        .map(|(_, t)| t.as_str())
        .unwrap_or("");
    let (l1, c1) = line_col(text, loc.span.start);
    let (l2, c2) = line_col(text, loc.span.end);
    let snippet = text.get(loc.span.range()).unwrap_or("?");
    let snippet: String = snippet.split_whitespace().collect::<Vec<_>>().join(" ");
    format!("{}:{l1}:{c1}-{l2}:{c2} `{snippet}`", loc.file)
}

/// A readable, stable rendering of the diagnostics for snapshots.
fn render(p: &Project, diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        out.push_str(&format!(
            "{}[{}]: {}\n",
            d.severity.as_str(),
            d.code,
            d.message
        ));
        out.push_str(&format!("  --> {}", place(p, &d.location)));
        if !d.primary_label.is_empty() {
            out.push_str(&format!(" — {}", d.primary_label));
        }
        out.push('\n');
        for l in &d.labels {
            out.push_str(&format!(
                "  label {} — {}\n",
                place(p, &l.location),
                l.message
            ));
        }
        if let Some(h) = &d.help {
            out.push_str(&format!("  help: {h}\n"));
        }
        out.push('\n');
    }
    if diags.is_empty() {
        out.push_str("(no diagnostics)\n");
    }
    out
}

#[test]
fn snapshots() {
    for p in projects() {
        let diags = check(&p);
        insta::assert_snapshot!(p.name.clone(), render(&p, &diags));
    }
}

/// The code a data file is named after: `e0401_purpose` → `E0401`.
fn named_code(name: &str) -> Option<String> {
    let code = name.split('_').next()?.to_uppercase();
    codes::info(&code).map(|c| c.code.to_string())
}

#[test]
fn each_file_reports_the_code_it_is_named_after() {
    for p in projects() {
        let Some(code) = named_code(&p.name) else {
            continue;
        };
        let found: BTreeSet<&str> = check(&p).iter().map(|d| d.code).collect();
        assert!(
            found.contains(code.as_str()),
            "{}: expected {code}, got {found:?}",
            p.name
        );
    }
}

#[test]
fn every_checker_code_has_a_data_file() {
    let emitted = [
        codes::CYCLE,
        codes::DUPLICATE_FIELD,
        codes::DUPLICATE_BLOCK,
        codes::DUPLICATE_WIRE,
        codes::IDENTITY_CLAUSE,
        codes::PRIORITY_NOT_UNIQUE,
        codes::UNKNOWN_NORMALIZER,
        codes::HOLDOUT_RANGE,
        codes::BAD_LIMIT,
        codes::SEGMENT_CLAUSE,
        codes::PURPOSE_CLAUSE,
        codes::PURPOSE_VIOLATION,
        codes::EVENT_WITHOUT_PURPOSE,
        codes::SEGMENT_WITHOUT_PURPOSE,
        codes::PII_OUTPUT,
        codes::WINDOW_OVER_RETENTION,
        codes::NON_POSITIVE_WINDOW,
        codes::SHORT_LIVED_B,
    ];
    let named: BTreeSet<String> = projects()
        .iter()
        .filter_map(|p| named_code(&p.name))
        .collect();
    for code in emitted {
        assert!(
            named.contains(code),
            "no tests/data/check/{}_….seg",
            code.to_lowercase()
        );
    }
}

#[test]
fn clean_projects_report_nothing() {
    let clean: Vec<Project> = projects()
        .into_iter()
        .filter(|p| p.name.starts_with("clean_"))
        .collect();
    assert!(clean.len() >= 2);
    for p in clean {
        let diags = check(&p);
        assert!(diags.is_empty(), "{}:\n{}", p.name, render(&p, &diags));
    }
}

#[test]
fn one_file_with_many_errors_reports_all_of_them() {
    let p = projects()
        .into_iter()
        .find(|p| p.name == "many_errors")
        .unwrap();
    let found: BTreeSet<&str> = check(&p).iter().map(|d| d.code).collect();
    for code in [
        "E0209", "E0210", "E0212", "E0311", "E0312", "E0313", "E0314", "E0315",
    ] {
        assert!(
            found.contains(code),
            "many_errors: missing {code}, got {found:?}"
        );
    }
    for code in [
        "E0317", "E0401", "E0402", "E0403", "E0404", "E0501", "E0502",
    ] {
        assert!(
            found.contains(code),
            "many_errors: missing {code}, got {found:?}"
        );
    }
}

#[test]
fn diagnostics_are_sorted_and_well_formed() {
    for p in projects() {
        let diags = check(&p);
        let mut sorted = diags.clone();
        seg_compiler::diagnostics::sort(&mut sorted);
        assert_eq!(diags, sorted, "{}: not sorted", p.name);
        for d in &diags {
            assert!(
                codes::info(d.code).is_some(),
                "{}: unknown code {}",
                p.name,
                d.code
            );
            let first = d.message.chars().next().unwrap();
            assert!(
                !first.is_uppercase() && !d.message.ends_with('.'),
                "{}: message style: {}",
                p.name,
                d.message
            );
            assert!(d.help.is_some(), "{}: {} has no help", p.name, d.code);
            assert!(
                d.location.span.start < d.location.span.end,
                "{}: empty span for {}",
                p.name,
                d.code
            );
        }
    }
}

#[test]
fn docs_cover_every_code() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/diagnostics.md");
    let docs = fs::read_to_string(&path).unwrap();
    let headings: BTreeSet<&str> = docs
        .lines()
        .filter_map(|l| l.strip_prefix("## "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let missing: Vec<&str> = codes::ALL
        .iter()
        .map(|c| c.code)
        .filter(|c| !headings.contains(c))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/diagnostics.md has no `## CODE` heading for {missing:?}"
    );
}
