//! One snapshot of every diagnostic code, rendered for people and as JSON (§12).
//!
//! `tests/data/diagnostics/<CODE>.seg` (or a `<CODE>/` directory for a project of
//! several files) is a minimal project that reports `<CODE>`. Each test loads it into
//! the salsa database, runs the whole pipeline (`db::check_project`, then `db::plan`),
//! checks the code is reported and snapshots the human rendering (no colour) and the
//! JSON document of ALL the project's diagnostics
//! (`tests/snapshots/diagnostics__<CODE>_{human,json}.snap`).
//!
//! `every_code_has_a_data_file_and_a_test` keeps the catalog and this file in step: a
//! new code in `codes::ALL` fails it until it gets a data file and a line below.
//! `many_errors.seg` and `recovery.seg` show that one run reports every error, also
//! after a syntax error.

// Helpers outside `#[test]` functions: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use seg_compiler::db::{self, Database};
use seg_compiler::diagnostics::{codes, render, Diagnostic};

mod common;
use common::seg_files;

/// Codes in the catalog that nothing in the compiler reports yet, so no data file can
/// trigger them. Each entry is a known gap, reported to the lead; remove it once the
/// compiler emits the code (the coverage test then demands a data file).
const NOT_EMITTED: &[&str] = &[];

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/diagnostics")
}

/// The project named `name`: `name.seg` alone, or every `.seg` file under `name/`.
fn project(name: &str) -> Vec<(String, String)> {
    let dir = data_dir().join(name);
    let file = data_dir().join(format!("{name}.seg"));
    let mut files = Vec::new();
    if dir.is_dir() {
        seg_files(&dir, &dir, &mut files);
    } else if file.is_file() {
        files.push((format!("{name}.seg"), fs::read_to_string(&file).unwrap()));
    }
    assert!(
        !files.is_empty(),
        "no tests/data/diagnostics/{name}.seg or {name}/"
    );
    files
}

/// Every diagnostic of the project, through the whole pipeline (lowering included:
/// `db::plan` must not panic on a project with errors either).
fn diagnose(files: &[(String, String)]) -> Vec<Diagnostic> {
    let db = Database::default();
    let project = db.load(files.to_vec());
    let diags = db::check_project(&db, project).diagnostics.clone();
    let plan = db::plan(&db, project);
    assert_eq!(
        plan.is_some(),
        !diags.iter().any(Diagnostic::is_error),
        "a plan exactly when there are no errors"
    );
    diags
}

/// (human, JSON) renderings of `diags` over the project's sources.
fn render_both(files: &[(String, String)], diags: &[Diagnostic]) -> (String, String) {
    let sources = |path: &str| {
        files
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, t)| t.as_str())
    };
    let human = render::render_human(diags, &sources, false);
    let json = render::render_json(diags, &sources);
    (human, json)
}

/// The codes of a rendered JSON document, checked against the diagnostics.
fn json_codes(json: &str, diags: &[Diagnostic]) -> Vec<String> {
    let doc: serde_json::Value = serde_json::from_str(json)
        .unwrap_or_else(|e| panic!("render_json is not JSON ({e}):\n{json}"));
    let list = doc["diagnostics"]
        .as_array()
        .expect("a `diagnostics` array");
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    assert_eq!(doc["errors"].to_string(), errors.to_string(), "{json}");
    assert_eq!(doc["warnings"].to_string(), warnings.to_string(), "{json}");
    list.iter()
        .map(|d| d["code"].as_str().unwrap_or("").to_string())
        .collect()
}

/// Loads the project of `code`, checks it reports `code`, and snapshots both
/// renderings of all its diagnostics.
fn snapshot_code(code: &str) {
    assert!(codes::info(code).is_some(), "{code} is not in the catalog");
    let files = project(code);
    let diags = diagnose(&files);
    let found: BTreeSet<&str> = diags.iter().map(|d| d.code).collect();
    assert!(
        found.contains(code),
        "{code}: the data file does not report {code}; got {found:?}"
    );
    let (human, json) = render_both(&files, &diags);
    assert!(human.contains(code), "{code}: human output lacks the code");
    let listed = json_codes(&json, &diags);
    let expected: Vec<String> = diags.iter().map(|d| d.code.to_string()).collect();
    assert_eq!(listed, expected, "{code}: JSON lists other diagnostics");
    insta::assert_snapshot!(format!("{code}_human"), human);
    insta::assert_snapshot!(format!("{code}_json"), json);
}

macro_rules! code_tests {
    ($($test:ident => $code:literal,)*) => {
        $(
            #[test]
            fn $test() {
                snapshot_code($code);
            }
        )*
        /// The codes that have a test above.
        const TESTED: &[&str] = &[$($code,)*];
    };
}

code_tests! {
    e0101_syntax => "E0101",
    e0102_bad_duration => "E0102",
    e0103_bad_escape => "E0103",
    e0104_clause_order => "E0104",
    e0105_keyword_as_name => "E0105",
    e0106_bad_time => "E0106",
    e0107_bad_number => "E0107",
    e0201_unknown_name => "E0201",
    e0202_duplicate => "E0202",
    e0203_unknown_event => "E0203",
    e0204_unknown_field => "E0204",
    e0205_unknown_purpose => "E0205",
    e0206_unknown_attr => "E0206",
    e0207_unknown_id_type => "E0207",
    e0208_unknown_function => "E0208",
    e0209_cycle => "E0209",
    e0210_duplicate_field => "E0210",
    e0211_duplicate_block => "E0211",
    e0212_duplicate_wire => "E0212",
    e0213_unknown_test_target => "E0213",
    e0301_type_mismatch => "E0301",
    e0302_compare_none => "E0302",
    e0303_since_not_const => "E0303",
    e0304_bad_arguments => "E0304",
    e0305_bad_field_type => "E0305",
    e0306_bad_filter => "E0306",
    e0307_not_bool_segment => "E0307",
    e0308_event_as_value => "E0308",
    e0310_decimal_literal => "E0310",
    e0311_identity_clause => "E0311",
    e0312_priority_not_unique => "E0312",
    e0313_unknown_normalizer => "E0313",
    e0314_holdout_range => "E0314",
    e0315_bad_limit => "E0315",
    e0316_segment_clause => "E0316",
    e0317_purpose_clause => "E0317",
    e0401_purpose_violation => "E0401",
    e0402_event_without_purpose => "E0402",
    e0403_segment_without_purpose => "E0403",
    e0404_pii_output => "E0404",
    e0501_window_over_retention => "E0501",
    e0502_non_positive_window => "E0502",
    w0301_maybe_none => "W0301",
    w0501_short_lived_b => "W0501",
}

#[test]
fn every_code_has_a_data_file_and_a_test() {
    let tested: BTreeSet<&str> = TESTED.iter().copied().collect();
    let exempt: BTreeSet<&str> = NOT_EMITTED.iter().copied().collect();
    for c in codes::ALL {
        if exempt.contains(c.code) {
            assert!(
                !tested.contains(c.code),
                "{} is tested: remove it from NOT_EMITTED",
                c.code
            );
            continue;
        }
        assert!(
            tested.contains(c.code),
            "{} ({}) has no snapshot test: add tests/data/diagnostics/{}.seg and a line in `code_tests!`",
            c.code,
            c.title,
            c.code
        );
        let dir = data_dir().join(c.code);
        let file = data_dir().join(format!("{}.seg", c.code));
        assert!(
            dir.is_dir() || file.is_file(),
            "no tests/data/diagnostics/{}.seg",
            c.code
        );
    }
    // No stale data: every file named like a code names a catalog code.
    for entry in fs::read_dir(data_dir()).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        let looks_like_code = stem.len() == 5
            && (stem.starts_with('E') || stem.starts_with('W'))
            && stem[1..].bytes().all(|b| b.is_ascii_digit());
        if looks_like_code {
            assert!(
                codes::info(&stem).is_some() && !exempt.contains(stem.as_str()),
                "{} is not a tested catalog code",
                path.display()
            );
        }
    }
}

#[test]
fn one_file_reports_errors_of_every_family() {
    let files = project("many_errors");
    let diags = diagnose(&files);
    let found: BTreeSet<&str> = diags.iter().map(|d| d.code).collect();
    let expected: BTreeSet<&str> = [
        "E0102", // `1h30`: syntax family, the declaration is still checked
        "E0201", // `vip`
        "E0203", // `viewd`
        "E0301", // `spend + "x"`
        "E0402", // `signed_up` names no purpose
        "E0403", // `busy` names no purpose
        "E0404", // `last(signed_up.email)` in a trait
        "E0501", // 30d window over a 7d retention
        "W0301", // `profile.plan == "pro"`
    ]
    .into_iter()
    .collect();
    let missing: Vec<&&str> = expected.difference(&found).collect();
    assert!(missing.is_empty(), "missing {missing:?}, got {found:?}");
    let (human, json) = render_both(&files, &diags);
    insta::assert_snapshot!("many_errors_human", human);
    insta::assert_snapshot!("many_errors_json", json);
}

#[test]
fn errors_after_a_syntax_error_are_still_reported() {
    let files = project("recovery");
    let diags = diagnose(&files);
    let text = &files[0].1;
    let at = |needle: &str| text.find(needle).unwrap() as u32;
    let has = |code: &str, needle: &str| {
        diags.iter().any(|d| {
            d.code == code
                && d.location.span.start >= at(needle)
                && d.location.span.start < at(needle) + needle.len() as u32
        })
    };
    // Two syntax errors: the unfinished `count(` and the field without `:`.
    let syntax = diags.iter().filter(|d| d.code == codes::SYNTAX).count();
    assert_eq!(syntax, 2, "{diags:#?}");
    // Name and type errors in the declarations after each of them.
    assert!(has("E0201", "unknown_trait"), "{diags:#?}");
    assert!(has("E0301", "count(viewed) + \"x\""), "{diags:#?}");
    assert!(has("E0203", "half)"), "{diags:#?}");
    // The declaration after the last error is read and clean.
    assert!(
        !diags
            .iter()
            .any(|d| d.location.span.start >= at("segment fine")),
        "{diags:#?}"
    );
    let (human, json) = render_both(&files, &diags);
    insta::assert_snapshot!("recovery_human", human);
    insta::assert_snapshot!("recovery_json", json);
}
