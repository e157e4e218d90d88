//! End-to-end: real Neovim (0.7.2, Debian's) runs `seg lsp` headless on
//! `tests/lsp/project`, opens `segments.seg` (which has a typo in an event name) and
//! checks the published diagnostics, a hover and a go-to-definition.
//!
//! Without `nvim` on PATH the test is skipped with a loud message, unless `CI` is
//! set, where a missing Neovim is a failure.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

fn nvim_available() -> bool {
    Command::new("nvim")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// 0-based line and UTF-16 column of the first `needle` in `text`, `delta` bytes in.
fn position(text: &str, needle: &str, delta: usize) -> Value {
    let offset = text.find(needle).unwrap() + delta;
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col: usize = before[line_start..].chars().map(char::len_utf16).sum();
    json!({ "line": line, "character": col })
}

/// Runs nvim with the Lua driver; kills it after `limit`.
fn run_nvim(case: &Value, limit: Duration) -> std::process::Output {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lsp/nvim_e2e.lua");
    let mut child = Command::new("nvim")
        .args(["--headless", "-u", "NONE", "-i", "NONE", "-n", "-c"])
        .arg(format!("luafile {}", script.display()))
        .env("SEG_E2E_CASE", case.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start nvim");
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn neovim_shows_diagnostics_hover_and_definition() {
    if !nvim_available() {
        assert!(
            !in_ci(),
            "`nvim` is not installed but CI is set: install Debian's `neovim` package"
        );
        eprintln!();
        eprintln!("==============================================================");
        eprintln!("  SKIPPED lsp_nvim: `nvim` not found on PATH.");
        eprintln!("  Install it (`apt-get install -y neovim`) to run this test.");
        eprintln!("==============================================================");
        eprintln!();
        return;
    }
    let root: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lsp/project");
    let file = root.join("segments.seg");
    let text = std::fs::read_to_string(&file).unwrap();
    let out = std::env::temp_dir().join(format!("seg-nvim-e2e-{}.json", std::process::id()));
    let _ = std::fs::remove_file(&out);
    let case = json!({
        "bin": env!("CARGO_BIN_EXE_seg"),
        "root": root,
        "file": file,
        "out": out,
        "hover": position(&text, "viewed_product, 30m", 3),
        "definition": position(&text, "viewed_product, 30m", 3),
    });
    let output = run_nvim(&case, Duration::from_secs(90));
    let report = std::fs::read_to_string(&out).unwrap_or_else(|e| {
        panic!(
            "nvim wrote no report ({e}); status {:?}\nstdout: {}\nstderr: {}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let _ = std::fs::remove_file(&out);
    let report: Value = serde_json::from_str(&report).unwrap();
    assert!(
        report.get("error").is_none(),
        "nvim driver failed: {report:#}"
    );

    // Diagnostics: exactly the typo, on line 5 (0-based 4), as an error.
    let diags = report["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 1, "{report:#}");
    let d = &diags[0];
    assert_eq!(d["code"], "E0203", "{d:#}");
    assert_eq!(d["severity"], 1, "{d:#}");
    assert_eq!(d["lnum"], 4, "{d:#}");
    let typo = position(&text, "viewed_prodct", 0);
    assert_eq!(d["col"], typo["character"], "{d:#}");
    assert_eq!(
        d["end_col"].as_u64(),
        typo["character"].as_u64().map(|c| c + 13)
    );
    let message = d["message"].as_str().unwrap();
    assert!(
        message.contains("unknown event `viewed_prodct`"),
        "{message}"
    );
    assert!(
        message.contains("did you mean `viewed_product`?"),
        "{message}"
    );

    // Hover on the event reference: its declaration and doc comment.
    let hover = report["hover"]["contents"]["value"]
        .as_str()
        .unwrap_or_default();
    assert!(
        hover.contains("event viewed_product = \"Product Viewed\""),
        "{report:#}"
    );
    assert!(
        hover.contains("A product detail page was viewed."),
        "{hover}"
    );
    assert!(hover.contains("**Retention:** 90d"), "{hover}");

    // Definition: the event's name in events.seg.
    let def = &report["definition"][0];
    assert!(
        def["uri"]
            .as_str()
            .unwrap()
            .ends_with("/tests/lsp/project/events.seg"),
        "{report:#}"
    );
    let events = std::fs::read_to_string(root.join("events.seg")).unwrap();
    assert_eq!(
        def["range"]["start"],
        position(&events, "viewed_product =", 0),
        "{report:#}"
    );
}
