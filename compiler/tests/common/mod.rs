//! Helpers shared by the compiler's integration tests: reading `.seg` files from
//! test data, and the vocabulary of token-soup properties.

// Each test file uses some of these.
#![allow(dead_code, clippy::unwrap_used)]

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use seg_compiler::check::walk::AGGREGATES;
use seg_compiler::syntax::ast::KEYWORDS;

/// Every `.seg` file under `dir`, in path order, as (path relative to `root`, text).
pub fn seg_files(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            seg_files(&path, root, out);
        } else if path.extension().is_some_and(|e| e == "seg") {
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.push((rel, fs::read_to_string(&path).unwrap()));
        }
    }
}

/// Words and symbols of the language besides its keywords, including malformed
/// literals.
const NON_KEYWORDS: &[&str] = &[
    "identify",
    "forget",
    "since",
    "starts_with",
    "contains",
    "lower",
    "trim",
    "sha256",
    "userId",
    "user_id",
    "viewed",
    "price",
    "x",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ",",
    ":",
    ".",
    "|",
    "=",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "?",
    "??",
    "+",
    "-",
    "*",
    "/",
    "%",
    "0",
    "1",
    "42",
    "99999999999999999999999999999999",
    "3.5",
    "0.0",
    "\"s\"",
    "\"a\\\"b\"",
    "\"\\u{1F600}\"",
    "\"\\q\"",
    "\"open",
    "30m",
    "1h30m",
    "30m1h",
    "0ms",
    "1.5h",
    "7x",
    "10%",
    "2.5%",
    "150%",
    "10:00",
    "25:61",
    "10:00:30",
    "2026-01-01T10:00:00Z",
    "2026-13-01T10:00:00Z",
    "// c",
    "/// d",
    "\n",
    "\"\\u{",
    "25:00",
    "///doc\n",
    "// c\n",
    "é",
    "\u{0}",
    "\\",
    "#",
    "@",
    "'",
    ";",
    "!",
];

/// Every keyword, aggregate and entry of `NON_KEYWORDS`: the vocabulary of token
/// soups.
pub fn soup_words() -> &'static [&'static str] {
    static WORDS: OnceLock<Vec<&'static str>> = OnceLock::new();
    WORDS.get_or_init(|| {
        KEYWORDS
            .iter()
            .chain(AGGREGATES)
            .chain(NON_KEYWORDS)
            .copied()
            .collect()
    })
}
