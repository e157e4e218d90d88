//! A plan the JIT declines runs on the interpreter: `seg run --engine jit` warns on
//! stderr, names the reason, and writes exactly the interpreter's output; a plan the
//! JIT compiles runs without the warning.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const WARNING: &str = "warning: the JIT cannot compile this plan";

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("seg-jit-fallback-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A project whose filter reads 17 distinct fields, one more than the JIT's limit.
fn wide_project(dir: &Path) {
    let n = 17;
    let fields: Vec<String> = (0..n).map(|k| format!("  f{k}: int")).collect();
    let pred: Vec<String> = (0..n).map(|k| format!("f{k} >= {k}")).collect();
    let src = format!(
        "event wide = \"Wide\" {{\n{}\n}}\n\nsegment all_set = count(wide[{}], 30m) >= 1\n",
        fields.join("\n"),
        pred.join(" and ")
    );
    std::fs::write(dir.join("project.seg"), src).unwrap();
}

fn events() -> String {
    let props = |v: i64| {
        let p: Vec<String> = (0..17).map(|k| format!("\"f{k}\":{}", k + v)).collect();
        p.join(",")
    };
    [
        format!(
            r#"{{"type":"track","event":"Wide","userId":"u1","timestamp":"2026-01-01T10:00:00Z","properties":{{{}}}}}"#,
            props(0)
        ),
        format!(
            r#"{{"type":"track","event":"Wide","userId":"u2","timestamp":"2026-01-01T10:01:00Z","properties":{{{}}}}}"#,
            props(-1)
        ),
    ]
    .join("\n")
}

/// (stdout, stderr) of `seg run DIR --events - --engine ENGINE EXTRA…`.
fn run(dir: &Path, engine: &str, input: &str, extra: &[&str]) -> (String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_seg"))
        .arg("run")
        .arg(dir)
        .args(["--events", "-", "--engine", engine])
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn an_unsupported_plan_falls_back_to_the_interpreter_with_a_warning() {
    let dir = temp_dir("wide");
    wide_project(&dir);
    let input = events();
    let until = ["--until", "+1h"];
    let (jit_out, jit_err) = run(&dir, "jit", &input, &until);
    let (interp_out, interp_err) = run(&dir, "interp", &input, &until);
    assert!(
        jit_err.contains(WARNING) && jit_err.contains("reads 17 fields"),
        "{jit_err}"
    );
    assert!(!interp_err.contains(WARNING), "{interp_err}");
    assert_eq!(jit_out, interp_out);
    let expected = [
        r#"{"profile":"user_id:u1","segment":"all_set","change":"enter","at":"2026-01-01T10:00:00.000Z"}"#,
        r#"{"profile":"user_id:u1","segment":"all_set","change":"exit","at":"2026-01-01T10:30:00.000Z"}"#,
    ];
    let got: Vec<&str> = jit_out.lines().collect();
    assert_eq!(got.len(), expected.len(), "{jit_out}");
    for (line, want) in got.iter().zip(expected) {
        let line: serde_json::Value = serde_json::from_str(line).unwrap();
        let want: serde_json::Value = serde_json::from_str(want).unwrap();
        for key in ["profile", "segment", "change", "at"] {
            assert_eq!(line[key], want[key], "{jit_out}");
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_examples_run_natively_without_the_warning() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    for ex in ["retail", "b2b"] {
        let dir = root.join(ex);
        let input = std::fs::read_to_string(dir.join("events.ndjson")).unwrap();
        let (jit_out, jit_err) = run(&dir, "jit", &input, &[]);
        let (interp_out, _) = run(&dir, "interp", &input, &[]);
        assert!(!jit_err.contains(WARNING), "{ex}: {jit_err}");
        assert_eq!(jit_out, interp_out, "{ex}");
        assert!(!jit_out.is_empty(), "{ex}");
    }
}
