//! End-to-end tests of `seg run` and `seg test` through the real binary: identity
//! limits, consent withdrawn inside a window, erasure, broken input, live streams.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn seg() -> Command {
    Command::new(env!("CARGO_BIN_EXE_seg"))
}

fn data(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/run")
        .join(p)
}

struct Run {
    changes: Vec<serde_json::Value>,
    dead: Vec<serde_json::Value>,
    snapshot: Vec<serde_json::Value>,
    audit: String,
    summary: serde_json::Value,
}

fn lines(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Runs `project` over `events` with the JIT and with the interpreter, asserts that
/// both produce the same output, and returns it.
fn run(project: &str, events: &str, extra: &[&str]) -> Run {
    let jit = run_on("jit", project, events, extra);
    let interp = run_on("interp", project, events, extra);
    let without_seconds = |r: &Run| {
        let mut s = r.summary.clone();
        s.as_object_mut().unwrap().remove("seconds");
        s
    };
    assert_eq!(
        jit.changes, interp.changes,
        "changes differ between engines"
    );
    assert_eq!(jit.dead, interp.dead, "dead letters differ between engines");
    assert_eq!(
        jit.snapshot, interp.snapshot,
        "snapshots differ between engines"
    );
    assert_eq!(
        jit.audit, interp.audit,
        "audit records differ between engines"
    );
    assert_eq!(without_seconds(&jit), without_seconds(&interp));
    jit
}

fn run_on(engine: &str, project: &str, events: &str, extra: &[&str]) -> Run {
    let dir = tempfile_dir();
    let input = dir.join("in.ndjson");
    std::fs::write(&input, events).unwrap();
    let (out, dl, snap, audit) = (
        dir.join("out"),
        dir.join("dl"),
        dir.join("snap"),
        dir.join("audit"),
    );
    let o = seg()
        .arg("run")
        .arg(data(project))
        .arg("--events")
        .arg(&input)
        .arg("--out")
        .arg(&out)
        .arg("--dead-letter")
        .arg(&dl)
        .arg("--snapshot")
        .arg(&snap)
        .arg("--audit")
        .arg(&audit)
        .args(["--engine", engine])
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "seg run failed: {stderr}");
    let summary = stderr
        .lines()
        .last()
        .map(|l| serde_json::from_str(l).unwrap())
        .unwrap();
    Run {
        changes: lines(&std::fs::read_to_string(out).unwrap()),
        dead: lines(&std::fs::read_to_string(dl).unwrap()),
        snapshot: lines(&std::fs::read_to_string(snap).unwrap()),
        audit: std::fs::read_to_string(audit).unwrap(),
        summary,
    }
}

fn tempfile_dir() -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "seg-e2e-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn view(user: &str, anon: Option<&str>, ts: &str, extra: &str) -> String {
    let anon = anon
        .map(|a| format!(r#","anonymousId":"{a}""#))
        .unwrap_or_default();
    format!(
        r#"{{"type":"track","event":"Product Viewed","userId":"{user}"{anon},"timestamp":"2026-01-01T{ts}Z","properties":{{"product_id":"p1","price":9.99,"category":"shoes"}}{extra}}}"#
    )
}

fn sha256_hex(s: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn change(c: &serde_json::Value) -> String {
    format!(
        "{} {} {} {}",
        c["profile"].as_str().unwrap(),
        c["segment"].as_str().unwrap(),
        c["change"].as_str().unwrap(),
        c["at"].as_str().unwrap()
    )
}

#[test]
fn a_merge_over_the_identifier_limit_is_refused() {
    let events = [
        r#"{"type":"track","event":"Product Viewed","userId":"u1","timestamp":"2026-01-01T10:00:00Z","properties":{"product_id":"p1","price":1,"category":"c"}}"#.to_string(),
        r#"{"type":"track","event":"Product Viewed","userId":"u2","anonymousId":"a2","timestamp":"2026-01-01T10:01:00Z","properties":{"product_id":"p1","price":1,"category":"c"}}"#.to_string(),
        // u1 and a2 belong to two profiles holding one user id each: limit 1 refuses the merge.
        r#"{"type":"track","event":"Product Viewed","userId":"u1","anonymousId":"a2","timestamp":"2026-01-01T10:02:00Z","properties":{"product_id":"p1","price":1,"category":"c"}}"#.to_string(),
    ]
    .join("\n");
    let r = run("shop", &events, &[]);
    assert_eq!(r.summary["refused_merges"], 1);
    assert_eq!(r.summary["merges"], 0);
    assert!(r.changes.iter().all(|c| c.get("merged_into").is_none()));
    // The message applied to the primary (u1) only: u1 has two views, u2 one.
    let got: Vec<String> = r.changes.iter().map(change).collect();
    assert_eq!(
        got,
        vec!["user_id:u1 seen_twice enter 2026-01-01T10:02:00.000Z"]
    );
    let u2 = r
        .snapshot
        .iter()
        .find(|p| p["profile"] == "user_id:u2")
        .unwrap();
    assert_eq!(u2["identifiers"]["anonymous_id"], serde_json::json!(["a2"]));
}

#[test]
fn consent_withdrawn_inside_a_window_exits_and_regranting_reenters() {
    let grant = |v: bool| {
        format!(r#","context":{{"consent":{{"categoryPreferences":{{"Personalization":{v}}}}}}}"#)
    };
    let events = [
        view("u1", None, "10:00:00", &grant(true)),
        view("u1", None, "10:01:00", ""),
        r#"{"type":"identify","userId":"u1","timestamp":"2026-01-01T10:10:00Z","context":{"consent":{"categoryPreferences":{"Personalization":false}}}}"#.to_string(),
        r#"{"type":"identify","userId":"u1","timestamp":"2026-01-01T10:20:00Z","context":{"consent":{"categoryPreferences":{"Personalization":true}}}}"#.to_string(),
    ]
    .join("\n");
    let r = run("shop", &events, &["--until", "+1h"]);
    let got: Vec<String> = r
        .changes
        .iter()
        .map(change)
        .filter(|c| c.contains("high_intent"))
        .collect();
    assert_eq!(
        got,
        vec![
            "user_id:u1 high_intent enter 2026-01-01T10:01:00.000Z",
            "user_id:u1 high_intent exit 2026-01-01T10:10:00.000Z",
            "user_id:u1 high_intent enter 2026-01-01T10:20:00.000Z",
            // the 10:00 view leaves the 30-minute window
            "user_id:u1 high_intent exit 2026-01-01T10:30:00.000Z",
        ]
    );
}

#[test]
fn forget_erases_every_identifier_and_later_messages_start_a_new_profile() {
    let email = r#","traits":{"email":"  Ada@Example.com "}"#;
    let events = [
        view("u1", Some("anon-7"), "10:00:00", email),
        view("u1", None, "10:01:00", ""),
        r#"{"type":"forget","userId":"u1","timestamp":"2026-01-01T10:02:00Z"}"#.to_string(),
        view("u1", None, "10:03:00", ""),
    ]
    .join("\n");
    let r = run("shop", &events, &[]);
    let got: Vec<String> = r.changes.iter().map(change).collect();
    assert_eq!(
        got,
        vec![
            "user_id:u1 seen_twice enter 2026-01-01T10:01:00.000Z",
            "user_id:u1 seen_twice exit 2026-01-01T10:02:00.000Z",
        ]
    );
    assert_eq!(r.summary["forgotten"], 1);
    assert!(
        r.audit
            .contains(r#"{"erased":"user_id:u1","at":"2026-01-01T10:02:00.000Z"}"#),
        "audit: {}",
        r.audit
    );
    let snapshot = serde_json::to_string(&r.snapshot).unwrap();
    let hashed = sha256_hex("ada@example.com");
    assert!(
        !snapshot.contains(&hashed),
        "erased email hash survived: {snapshot}"
    );
    assert!(
        !snapshot.contains("anon-7"),
        "erased anonymous id survived: {snapshot}"
    );
    assert!(!snapshot.to_lowercase().contains("ada@example.com"));
    let live: Vec<&serde_json::Value> = r.snapshot.iter().collect();
    assert_eq!(live.len(), 1);
    assert_eq!(
        live[0]["identifiers"],
        serde_json::json!({"user_id": ["u1"]})
    );
}

#[test]
fn every_broken_line_is_dead_lettered_and_the_summary_adds_up() {
    let mut lines = Vec::new();
    let mut broken = Vec::new();
    for i in 0..1000 {
        let ts = format!("10:{:02}:{:02}", i / 60 % 60, i % 60);
        let line = match i % 10 {
            3 => {
                let reason = [
                    "invalid_json",
                    "missing_timestamp",
                    "bad_timestamp",
                    "no_identifier",
                    "type_error",
                ][i / 10 % 5];
                broken.push((i + 1, reason));
                match reason {
                    "invalid_json" => r#"{"type":"track","event":"#.to_string(),
                    "missing_timestamp" => r#"{"type":"track","event":"Product Viewed","userId":"u1","properties":{}}"#.to_string(),
                    "bad_timestamp" => r#"{"type":"track","event":"Product Viewed","userId":"u1","timestamp":"yesterday"}"#.to_string(),
                    "no_identifier" => format!(r#"{{"type":"track","event":"Product Viewed","timestamp":"2026-01-01T{ts}Z","properties":{{"product_id":"p","price":1,"category":"c"}}}}"#),
                    _ => format!(r#"{{"type":"track","event":"Product Viewed","userId":"u1","timestamp":"2026-01-01T{ts}Z","properties":{{"product_id":"p","price":"free","category":"c"}}}}"#),
                }
            }
            _ => view(&format!("u{}", i % 37), None, &ts, ""),
        };
        lines.push(line);
    }
    let r = run("shop", &lines.join("\n"), &[]);
    let got: Vec<(usize, String)> = r
        .dead
        .iter()
        .map(|d| {
            (
                d["line"].as_u64().unwrap() as usize,
                d["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want: Vec<(usize, String)> = broken.iter().map(|(l, r)| (*l, r.to_string())).collect();
    assert_eq!(got, want);
    for d in &r.dead {
        let raw = d["raw"].as_str().unwrap();
        assert_eq!(raw, lines[d["line"].as_u64().unwrap() as usize - 1]);
    }
    let s = &r.summary;
    let total = ["events", "invalid", "late", "duplicates", "ignored"]
        .iter()
        .map(|k| s[*k].as_u64().unwrap())
        .sum::<u64>();
    assert_eq!(total, 1000);
    assert_eq!(s["invalid"], 100);
}

#[test]
fn a_live_stream_emits_changes_before_the_input_ends() {
    let mut child = seg()
        .arg("run")
        .arg(data("shop"))
        .args(["--events", "-", "--engine", "interp"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    for ts in ["10:00:00", "10:00:30"] {
        writeln!(stdin, "{}", view("u1", None, ts, "")).unwrap();
    }
    // seen_twice enters at 10:00:30; it is final once the clock passes that instant.
    writeln!(stdin, "{}", view("u2", None, "10:01:00", "")).unwrap();
    stdin.flush().unwrap();
    let first = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("no change before the input was closed");
    let c: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(
        change(&c),
        "user_id:u1 seen_twice enter 2026-01-01T10:00:30.000Z"
    );
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

#[test]
fn a_failing_test_shows_expected_and_actual_at_its_line() {
    let o = seg()
        .arg("test")
        .arg(data("failing_test"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        out.contains("FAIL") && out.contains("0 passed, 1 failed"),
        "{out}"
    );
    assert!(
        err.contains("project.seg:7"),
        "failure not located at the expect line: {err}"
    );
    assert!(
        err.contains("expected profile `user_id:u1` in `high_intent`"),
        "{err}"
    );
    assert!(err.contains("is not a member"), "{err}");
}

#[test]
fn a_retry_far_behind_the_clock_is_a_duplicate_not_late() {
    let first = r#"{"type":"track","event":"Product Viewed","userId":"u1","messageId":"m-1","timestamp":"2026-01-01T10:00:00Z","properties":{"product_id":"p1","price":1,"category":"c"}}"#;
    let later = r#"{"type":"track","event":"Product Viewed","userId":"u2","messageId":"m-2","timestamp":"2026-01-03T10:00:00Z","properties":{"product_id":"p1","price":1,"category":"c"}}"#;
    let stale = r#"{"type":"track","event":"Product Viewed","userId":"u3","messageId":"m-3","timestamp":"2026-01-01T09:00:00Z","properties":{"product_id":"p1","price":1,"category":"c"}}"#;
    let r = run("shop", &[first, later, first, stale].join("\n"), &[]);
    assert_eq!(r.summary["duplicates"], 1, "{}", r.summary);
    assert_eq!(r.summary["late"], 1);
    let dead: Vec<u64> = r.dead.iter().map(|d| d["line"].as_u64().unwrap()).collect();
    assert_eq!(dead, vec![4]);
}
