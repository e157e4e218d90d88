//! Renderer tests: every output format snapshotted for one hand-built diagnostic list
//! spanning two files (an error whose secondary label is in the other file, an error
//! without a primary label, a warning, non-ASCII text, a tab and CRLF line ends), and
//! the SARIF output validated against the official SARIF 2.1.0 JSON schema
//! (`tests/data/sarif-schema-2.1.0.json`) by an independent validator, Python's
//! `jsonschema` package.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use seg_compiler::diagnostics::render::{render_github, render_human, render_json, render_sarif};
use seg_compiler::diagnostics::Diagnostic;
use seg_compiler::syntax::ast::Span;

/// `events.seg`: CRLF line ends and a non-ASCII comment before the spans.
const EVENTS: &str = "/// Größe in €\r\nevent viewed = \"Product Viewed\" for analytics {\r\n  price: float\r\n}\r\n";
/// `segments/shop.seg`: a tab before the expression.
const SHOP: &str = "// Ünïcödé\nsegment viewed for analytics =\n\tsum(viewed.price, 1d) > \"x\"\n";

fn sources(p: &str) -> Option<&'static str> {
    match p {
        "events.seg" => Some(EVENTS),
        "segments/shop.seg" => Some(SHOP),
        _ => None,
    }
}

fn at(text: &str, needle: &str) -> usize {
    text.find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not in the text"))
}

fn diags() -> Vec<Diagnostic> {
    let seg_name = at(SHOP, "viewed for");
    let ev_name = at(EVENTS, "viewed =");
    let sum = at(SHOP, "sum(");
    let lit = at(SHOP, "\"x\"");
    vec![
        Diagnostic::new(
            "E0202",
            "`viewed` is declared twice",
            "segments/shop.seg",
            Span::new(seg_name, seg_name + 6),
        )
        .with_primary_label("declared again here")
        .with_label(
            "events.seg",
            Span::new(ev_name, ev_name + 6),
            "first declared here",
        )
        .with_help(
            "rename one of the declarations: events, traits and segments share one namespace",
        ),
        Diagnostic::new(
            "E0301",
            "`>` cannot be applied to `float` and `string`",
            "segments/shop.seg",
            Span::new(sum, lit + 3),
        )
        .with_label(
            "segments/shop.seg",
            Span::new(sum, sum + 21),
            "this is `float`",
        )
        .with_label(
            "segments/shop.seg",
            Span::new(lit, lit + 3),
            "this is `string`",
        ),
        Diagnostic::new(
            "W0301",
            "this comparison is false whenever `sum` is none: 100% of the time, in a, b",
            "events.seg",
            Span::new(at(EVENTS, "price"), at(EVENTS, "price") + 12),
        )
        .with_primary_label("may be none")
        .with_help("write `(… ?? 0.0)`\nto choose a value"),
    ]
}

#[test]
fn human() {
    let text = render_human(&diags(), &sources, false);
    assert!(
        text.contains("[E0202] Error: `viewed` is declared twice"),
        "{text}"
    );
    assert!(text.contains("segments/shop.seg:2:9"), "{text}");
    assert!(text.contains("events.seg:2:7"), "{text}");
    assert!(text.contains("[W0301] Warning:"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn json() {
    let text = render_json(&diags(), &sources);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["errors"], 2);
    assert_eq!(v["warnings"], 1);
    let e0301 = &v["diagnostics"][1];
    // After a tab (one column): `sum` starts in column 2 of line 3.
    assert_eq!(
        (e0301["line"].as_u64(), e0301["column"].as_u64()),
        (Some(3), Some(2))
    );
    assert_eq!(e0301["end_column"], 29);
    assert_eq!(e0301["help"], serde_json::Value::Null);
    // CRLF line ends: `price` on line 3, column 3.
    assert_eq!(v["diagnostics"][2]["line"], 3);
    assert_eq!(v["diagnostics"][2]["column"], 3);
    assert_eq!(v["diagnostics"][2]["end_column"], 15);
    insta::assert_snapshot!(text);
}

#[test]
fn github() {
    let text = render_github(&diags(), &sources);
    assert_eq!(text.lines().count(), 3);
    assert!(
        text.starts_with("::error file=segments/shop.seg,line=2,col=9,title=E0202::"),
        "{text}"
    );
    assert!(
        text.contains("::warning file=events.seg,line=3,col=3,title=W0301::"),
        "{text}"
    );
    assert!(text.contains("100%25 of the time"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn sarif() {
    let text = render_sarif(&diags(), &sources);
    // The tool version changes with every release; the rest is stable.
    insta::assert_snapshot!(text.replace(
        &format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION")),
        "\"version\": \"[version]\""
    ));
}

static RUN: AtomicUsize = AtomicUsize::new(0);

/// Runs Python's `jsonschema` on `doc` against the vendored official schema, with
/// the validator class the schema declares (draft 4) and format checking on.
/// `Ok` when valid, `Err(validator output)` when not; panics when the validator
/// itself cannot run.
fn jsonschema_validate(doc: &str) -> Result<(), String> {
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif-schema-2.1.0.json");
    let dir = std::env::temp_dir().join(format!(
        "seg-sarif-{}-{}",
        std::process::id(),
        RUN.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("out.sarif");
    std::fs::write(&file, doc).unwrap();
    let script = r#"
import json, sys
try:
    import jsonschema
except ImportError:
    print("SEG-NO-JSONSCHEMA")
    sys.exit(3)
schema = json.load(open(sys.argv[1], encoding="utf-8"))
doc = json.load(open(sys.argv[2], encoding="utf-8"))
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
errors = sorted(cls(schema, format_checker=cls.FORMAT_CHECKER).iter_errors(doc), key=str)
for e in errors:
    print("/".join(str(p) for p in e.absolute_path), ":", e.message)
sys.exit(1 if errors else 0)
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&schema)
        .arg(&file)
        .output()
        .unwrap_or_else(|e| {
            panic!("python3 is needed to validate SARIF output (install python3 and the `jsonschema` package): {e}")
        });
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stdout.contains("SEG-NO-JSONSCHEMA"),
        "the Python package `jsonschema` is needed to validate SARIF output: pip install jsonschema"
    );
    match out.status.code() {
        Some(0) => Ok(()),
        Some(1) => Err(stdout.into_owned()),
        _ => panic!("the SARIF validator failed to run:\n{stdout}\n{stderr}"),
    }
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let doc = render_sarif(&diags(), &sources);
    if let Err(e) = jsonschema_validate(&doc) {
        panic!("SARIF output does not validate against the SARIF 2.1.0 schema:\n{e}\n{doc}");
    }
    // No diagnostics; a file the lookup does not know, a path that needs
    // percent-encoding and an empty span at the end of a file.
    let odd = [
        Diagnostic::new("E0101", "expected `}`", "my dir/größe.seg", Span::new(9, 9)).with_label(
            "events.seg",
            Span::new(EVENTS.len(), EVENTS.len()),
            "end of file",
        ),
    ];
    for doc in [render_sarif(&[], &sources), render_sarif(&odd, &sources)] {
        if let Err(e) = jsonschema_validate(&doc) {
            panic!("SARIF output does not validate:\n{e}\n{doc}");
        }
    }
}

/// The validator really validates: a SARIF log with an unknown level, a column 0
/// and a missing `driver` is rejected.
#[test]
fn the_validator_rejects_invalid_sarif() {
    let mut v: serde_json::Value = serde_json::from_str(&render_sarif(&diags(), &sources)).unwrap();
    v["runs"][0]["results"][0]["level"] = "fatal".into();
    let e = jsonschema_validate(&v.to_string()).unwrap_err();
    assert!(e.contains("fatal"), "{e}");
    v["runs"][0]["results"][0]["level"] = "error".into();
    v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startColumn"] =
        0.into();
    assert!(jsonschema_validate(&v.to_string()).is_err());
    let mut v: serde_json::Value = serde_json::from_str(&render_sarif(&[], &sources)).unwrap();
    v["runs"][0]["tool"] = serde_json::json!({});
    assert!(jsonschema_validate(&v.to_string()).is_err());
}
