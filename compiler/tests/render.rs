//! Renderer tests: every output format snapshotted for a diagnostic list spanning two
//! files (secondary label in the other file, a warning, non-ASCII text), and the SARIF
//! output validated against the official SARIF 2.1.0 schema by an independent
//! validator (Python `jsonschema`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;

use seg_compiler::diagnostics::render::{render_github, render_human, render_json, render_sarif};
use seg_compiler::diagnostics::Diagnostic;
use seg_compiler::syntax::ast::Span;

const A: &str = "event viewed = \"Product Viewed\" { price: float }\n// Größe\nsegment big = sum(viewed.price, 1d) > \"x\"\n";
const B: &str = "segment big = count(viewed) > 1\n";

fn sources(p: &str) -> Option<&'static str> {
    match p {
        "a.seg" => Some(A),
        "dir/b.seg" => Some(B),
        _ => None,
    }
}

fn diags() -> Vec<Diagnostic> {
    let seg_b = B.find("big").unwrap();
    let seg_a = A.find("big").unwrap();
    let sum = A.find("sum(").unwrap();
    let lit = A.find("\"x\"").unwrap();
    vec![
        Diagnostic::new(
            "E0202",
            "`big` is declared twice",
            "dir/b.seg",
            Span::new(seg_b, seg_b + 3),
        )
        .with_primary_label("declared again here")
        .with_label("a.seg", Span::new(seg_a, seg_a + 3), "first declared here")
        .with_help("rename one of the declarations"),
        Diagnostic::new(
            "E0301",
            "`>` cannot be applied to `float` and `string`",
            "a.seg",
            Span::new(sum, lit + 3),
        )
        .with_label("a.seg", Span::new(lit, lit + 3), "this is `string`"),
        Diagnostic::new(
            "W0301",
            "this comparison is false whenever the aggregate is none, 100% sure: a, b",
            "a.seg",
            Span::new(sum, sum + 4),
        ),
    ]
}

#[test]
fn human() {
    insta::assert_snapshot!(render_human(&diags(), &sources, false));
}

#[test]
fn json() {
    let text = render_json(&diags(), &sources);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["errors"], 2);
    assert_eq!(v["warnings"], 1);
    assert_eq!(v["diagnostics"][1]["line"], 3);
    assert_eq!(v["diagnostics"][1]["column"], 15);
    insta::assert_snapshot!(text);
}

#[test]
fn github() {
    let text = render_github(&diags(), &sources);
    assert_eq!(text.lines().count(), 3);
    assert!(
        text.starts_with("::error file=dir/b.seg,line=1,col=9,"),
        "{text}"
    );
    assert!(
        text.contains("::warning file=a.seg,line=3,col=15,"),
        "{text}"
    );
    assert!(
        text.contains("100%25 sure%3A a, b") || text.contains("100%25 sure: a, b"),
        "{text}"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn sarif() {
    insta::assert_snapshot!(render_sarif(&diags(), &sources));
}

/// Validates a SARIF document with Python's `jsonschema` against the vendored
/// official schema.
pub fn validate_sarif(doc: &str) {
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif-schema-2.1.0.json");
    let dir = std::env::temp_dir().join(format!("seg-sarif-{}-{}", std::process::id(), doc.len()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("out.sarif");
    std::fs::write(&file, doc).unwrap();
    let script = "import json,sys,jsonschema\nschema=json.load(open(sys.argv[1]))\ndoc=json.load(open(sys.argv[2]))\njsonschema.validators.validator_for(schema)(schema).validate(doc)\nprint('valid')";
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&schema)
        .arg(&file)
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) => {
            panic!("python3 is needed to validate SARIF (install python3 and jsonschema): {e}")
        }
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("No module named 'jsonschema'"),
        "install the Python package jsonschema to run this test"
    );
    assert!(
        out.status.success(),
        "SARIF output does not validate against the SARIF 2.1.0 schema:\n{stderr}\n{doc}"
    );
}

#[test]
fn sarif_validates_against_the_official_schema() {
    validate_sarif(&render_sarif(&diags(), &sources));
    validate_sarif(&render_sarif(&[], &sources));
}
