//! `seg compile DIR --emit clif` on the example projects: the Cranelift IR of every
//! generated function (filters, segments, traits) is stable text, identical from
//! run to run and kept as a reviewed snapshot.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;

fn clif(example: &str) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(example);
    let out = Command::new(env!("CARGO_BIN_EXE_seg"))
        .arg("compile")
        .arg(&dir)
        .args(["--emit", "clif"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

fn check(example: &str) {
    let text = clif(example);
    assert_eq!(
        text,
        clif(example),
        "the CLIF of {example} is not deterministic"
    );
    assert!(text.contains("; segments\n") && text.contains("; traits\n"));
    // The host's calling convention is the one thing that differs between machines.
    let mut text = text;
    for cc in [" system_v", " apple_aarch64", " windows_fastcall"] {
        text = text.replace(cc, " host_cc");
    }
    insta::assert_snapshot!(format!("clif_{example}"), text);
}

#[test]
fn retail_clif() {
    check("retail");
}

#[test]
fn b2b_clif() {
    check("b2b");
}
