//! `seg bench` through the binary: one row per mode, event counts from the input,
//! and both engines producing the same output.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::{Command, Output};

fn seg(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_seg"))
        .args(args)
        .current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")))
        .output()
        .unwrap()
}

#[test]
fn bench_prints_a_row_per_mode_and_the_engines_agree() {
    let o = seg(&[
        "bench",
        "examples/retail",
        "--events",
        "examples/retail/events.ndjson",
        "--runs",
        "2",
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains("| decode only (floor) |"), "{out}");
    assert!(out.contains("| evaluating thread CPU, ns/event |"), "{out}");
    assert!(out.contains("| interpreter |"), "{out}");
    // The end-to-end row of an engine gives both threads' CPU time (Linux has
    // per-thread clocks); the evaluation core's table comes after it.
    let row = out
        .lines()
        .find(|l| l.starts_with("| interpreter |"))
        .unwrap();
    let cells: Vec<&str> = row.split('|').map(str::trim).collect();
    let cpu: f64 = cells[7].parse().expect(row);
    let reading: f64 = cells[9].parse().expect(row);
    assert!(cpu > 0.0 && reading > 0.0, "{row}");
    if out.contains("| JIT |") {
        assert!(out.contains("outputs identical: yes"), "{out}");
        assert!(
            out.contains("evaluation core over the first 400 events"),
            "{out}"
        );
    } else {
        assert!(out.contains("JIT unavailable"), "{out}");
    }
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.matches("round 2:").count() >= 2, "{stderr}");
}

#[test]
fn bench_reports_a_missing_file_as_a_usage_error() {
    let o = seg(&[
        "bench",
        "examples/retail",
        "--events",
        "no/such/file.ndjson",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot read events"));
}

#[test]
fn bench_refuses_zero_runs() {
    let o = seg(&["bench", "examples/retail", "--events", "x", "--runs", "0"]);
    assert_eq!(o.status.code(), Some(2));
}
