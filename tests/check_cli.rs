//! `seg check`, `seg fmt` and usage errors through the binary: exit codes of §14,
//! every output format, SARIF validated against the official schema.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn seg(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_seg"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const BROKEN: &str = "tests/data/check/broken";

#[test]
fn clean_examples_exit_zero() {
    for dir in ["examples/retail", "examples/b2b"] {
        let o = seg(&["check", dir]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(seg(&["fmt", "--check", dir]).status.code(), Some(0));
    }
}

#[test]
fn every_error_is_reported_in_one_run() {
    let o = seg(&["check", BROKEN, "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let codes: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec!["E0203", "E0301", "E0101", "W0301"], "{v}");
    assert_eq!(v["errors"], 3);
    assert_eq!(v["warnings"], 1);
    let first = &v["diagnostics"][0];
    assert_eq!(
        (
            first["file"].as_str(),
            first["line"].as_u64(),
            first["column"].as_u64()
        ),
        (Some("project.seg"), Some(3), Some(19))
    );
    assert_eq!(first["help"], "did you mean `viewed_product`?");
}

#[test]
fn human_output_shows_code_location_and_help() {
    let o = seg(&["check", BROKEN]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("[E0203] Error: unknown event `viewed_prodct`"),
        "{err}"
    );
    assert!(err.contains("project.seg:3:19"), "{err}");
    assert!(err.contains("did you mean `viewed_product`?"), "{err}");
    assert!(err.contains("3 errors, 1 warning"), "{err}");
}

#[test]
fn github_format_prints_workflow_commands() {
    let o = seg(&["check", BROKEN, "--format", "github"]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(
        lines[0].starts_with("::error file=project.seg,line=3,col=19,"),
        "{out}"
    );
    assert!(
        lines[0].contains("title=E0203::unknown event `viewed_prodct`"),
        "{out}"
    );
    assert!(
        lines[3].starts_with("::warning file=project.seg,line=6,"),
        "{out}"
    );
}

#[test]
fn sarif_format_validates() {
    let o = seg(&["check", BROKEN, "--format", "sarif"]);
    assert_eq!(o.status.code(), Some(1));
    let doc = String::from_utf8(o.stdout).unwrap();
    let schema = root().join("compiler/tests/data/sarif-schema-2.1.0.json");
    let file = std::env::temp_dir().join(format!("seg-cli-{}.sarif", std::process::id()));
    std::fs::write(&file, &doc).unwrap();
    let script = "import json,sys,jsonschema\ns=json.load(open(sys.argv[1]))\njsonschema.validators.validator_for(s)(s).validate(json.load(open(sys.argv[2])))";
    let v = Command::new("python3")
        .args(["-c", script])
        .arg(&schema)
        .arg(&file)
        .output()
        .expect("python3 with jsonschema is needed");
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stderr));
    let parsed: serde_json::Value = serde_json::from_str(&doc).unwrap();
    assert_eq!(parsed["runs"][0]["results"].as_array().unwrap().len(), 4);
}

#[test]
fn usage_and_io_errors_exit_two_without_panicking() {
    let o = seg(&["check", "--format", "yaml", "."]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("Usage"));
    let o = seg(&["frobnicate"]);
    assert_eq!(o.status.code(), Some(2));
    let o = seg(&["check", "no/such/dir"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("cannot read project directory `no/such/dir`"),
        "{err}"
    );
    assert!(!err.contains("panicked"));
    let o = seg(&["run", "examples/retail", "--events", "no/such/file.ndjson"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot read events"));
    let o = seg(&[
        "run",
        "examples/retail",
        "--events",
        "-",
        "--max-delay",
        "soon",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let o = seg(&["run", BROKEN, "--events", "examples/retail/events.ndjson"]);
    assert_eq!(o.status.code(), Some(1), "a project that does not compile");
}

#[test]
fn fmt_check_reports_unformatted_files() {
    let dir = std::env::temp_dir().join(format!("seg-fmt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("a.seg"),
        "segment   s=count(e,1h)>=1\nevent e {}\n",
    )
    .unwrap();
    let d = dir.to_str().unwrap();
    assert_eq!(seg(&["fmt", "--check", d]).status.code(), Some(1));
    assert_eq!(seg(&["fmt", d]).status.code(), Some(0));
    assert_eq!(seg(&["fmt", "--check", d]).status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(Path::new(&dir).join("a.seg")).unwrap(),
        "segment s = count(e, 1h) >= 1\n\nevent e {}\n"
    );
}
