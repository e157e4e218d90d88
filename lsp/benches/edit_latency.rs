//! Latency from a one-character edit to fresh diagnostics, in a generated workspace
//! of about 5,000 lines (55 files), through the in-process server (JSON-RPC through
//! tower's `Service`, as the tests drive it). Run:
//!
//!     cargo bench -p seg-lsp --bench edit_latency
//!
//! Prints min / median / p95 / max over the edits, for an edit that keeps the project
//! valid and for one that breaks and repairs an event name (an E0203 appears and goes).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::TestClient;
use serde_json::json;

const GROUPS: usize = 27;

fn purposes() -> String {
    "purpose analytics { basis legitimate_interest }\n\
     purpose personalization { basis consent category \"Personalization\" }\n"
        .to_string()
}

/// Three events per group.
fn events(g: usize) -> String {
    let mut s = String::new();
    for (kind, extra) in [
        ("viewed", "category: string"),
        ("added", "quantity: int"),
        ("bought", "coupon: string?"),
    ] {
        s.push_str(&format!(
            "/// {kind} in group {g}.\n\
             event {kind}_{g} = \"{kind} {g}\" for analytics, personalization retain 400d {{\n\
             \x20 product_id: string\n\
             \x20 price: decimal\n\
             \x20 {extra}\n\
             \x20 email: string? pii\n\
             }}\n\n"
        ));
    }
    s
}

/// Traits and segments reading the group's events (about 230 lines).
fn rules(g: usize) -> String {
    let mut s = String::new();
    for i in 0..12 {
        s.push_str(&format!(
            "/// Spend {i} of group {g}.\n\
             trait spend_{g}_{i} = sum(bought_{g}[price > {i}].price, {d}d)\n\n\
             /// Views {i} of group {g}.\n\
             trait views_{g}_{i} = count(viewed_{g}[category == \"c{i}\" and price >= {i}.5], {d}d)\n\n\
             /// Segment {i} of group {g}.\n\
             segment s_{g}_{i} for personalization =\n\
             \x20 views_{g}_{i} >= 2\n\
             \x20 and spend_{g}_{i} > 10\n\
             \x20 and (last(added_{g}.quantity) ?? 0) < 5\n\
             \x20 and not (added_{g} then not bought_{g} within 15m)\n\
             \x20 and (since(viewed_{g}) ?? 0d) < 7d\n\n",
            d = i + 1
        ));
    }
    s
}

fn generate() -> Vec<(String, String)> {
    let mut files = vec![("purposes.seg".to_string(), purposes())];
    for g in 0..GROUPS {
        files.push((format!("events_{g}.seg"), events(g)));
        files.push((format!("rules_{g}.seg"), rules(g)));
    }
    files
}

fn stats(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let p = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    println!(
        "{name:<40} n={:<4} min {:>6.2} ms  median {:>6.2} ms  p95 {:>6.2} ms  max {:>6.2} ms",
        samples.len(),
        ms(samples[0]),
        ms(p(0.5)),
        ms(p(0.95)),
        ms(samples[samples.len() - 1])
    );
}

/// The same valid edit on the bare database: `set_text` then `check_project`.
fn compiler_only(files: &[(String, String)], target: &str) -> Vec<Duration> {
    use salsa::Setter;
    use seg_compiler::db::{check_project, Database};
    let mut db = Database::default();
    let project = db.load(files.to_vec());
    let file = project
        .files(&db)
        .iter()
        .copied()
        .find(|f| f.path(&db) == target)
        .unwrap();
    let mut text = file.text(&db).clone();
    let at = text.find(">= 2").unwrap() + 3;
    assert!(check_project(&db, project).diagnostics.is_empty());
    let mut out = Vec::new();
    for i in 0..200 {
        text.replace_range(at..at + 1, if i % 2 == 0 { "3" } else { "2" });
        let t = Instant::now();
        file.set_text(&mut db).to(text.clone());
        let n = check_project(&db, project).diagnostics.len();
        out.push(t.elapsed());
        assert_eq!(n, 0);
    }
    out
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let root = common::workspace(None);
    let files = generate();
    let lines: usize = files.iter().map(|(_, t)| t.lines().count()).sum();
    for (name, text) in &files {
        std::fs::write(root.join(name), text).unwrap();
    }
    let mut client = TestClient::start_default(root.clone()).await;
    let target = "rules_7.seg";
    let mut text = files.iter().find(|(n, _)| n == target).unwrap().1.clone();
    client.open(target, &text).await;
    let first = client.diagnostics(target).await;
    assert_eq!(
        first,
        json!([]),
        "the generated workspace has no diagnostics"
    );
    println!(
        "workspace: {} files, {lines} lines; editing {target}",
        files.len()
    );

    // A digit that toggles between 2 and 3: the project stays valid.
    let at = text.find(">= 2").unwrap() + 3;
    let pos = common::position(&text, ">= 2", 3);
    let mut valid = Vec::new();
    let mut version = 1;
    for i in 0..200 {
        let digit = if i % 2 == 0 { "3" } else { "2" };
        text.replace_range(at..at + 1, digit);
        version += 1;
        let change = json!([{ "range": { "start": pos, "end": { "line": pos["line"], "character": pos["character"].as_u64().unwrap() + 1 } }, "text": digit }]);
        let t = Instant::now();
        client.change(target, version, change).await;
        let d = client.diagnostics(target).await;
        valid.push(t.elapsed());
        assert_eq!(d, json!([]));
    }

    // Delete and restore one letter of an event name: E0203 appears, then goes.
    let name_at = text.find("viewed_7[").unwrap() + 5;
    let pos = common::position(&text, "viewed_7[", 5);
    let end = json!({ "line": pos["line"], "character": pos["character"].as_u64().unwrap() + 1 });
    let mut breaking = Vec::new();
    for i in 0..200 {
        let change = if i % 2 == 0 {
            text.replace_range(name_at..name_at + 1, "");
            json!([{ "range": { "start": pos, "end": end }, "text": "" }])
        } else {
            text.insert(name_at, 'd');
            json!([{ "range": { "start": pos, "end": pos }, "text": "d" }])
        };
        version += 1;
        let t = Instant::now();
        client.change(target, version, change).await;
        let d = client.diagnostics(target).await;
        breaking.push(t.elapsed());
        let expect_error = i % 2 == 0;
        assert_eq!(d.as_array().unwrap().is_empty(), !expect_error, "{d}");
    }
    stats("edit keeps the project valid", valid);
    stats("edit breaks/repairs an event name", breaking);
    stats(
        "compiler only (set_text + check)",
        compiler_only(&files, target),
    );
    let _ = std::fs::remove_dir_all(&root);
}
