//! `seg check --format sarif`: a SARIF 2.1.0 log with one run of the `seg` tool,
//! a rule per code that occurs, and one result per diagnostic with its region and
//! related locations for secondary labels.

use serde_json::{json, Value};

use super::{range, Sources};
use crate::diagnostics::{codes, Diagnostic, Location, Severity};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn location(
    sources: &Sources<'_>,
    loc: &Location,
    message: Option<&str>,
    id: Option<usize>,
) -> Value {
    let (line, col, end_line, end_col) = range(sources, loc);
    let mut v = json!({
        "physicalLocation": {
            "artifactLocation": { "uri": loc.file },
            "region": { "startLine": line, "startColumn": col, "endLine": end_line, "endColumn": end_col }
        }
    });
    if let (Some(m), Some(obj)) = (message, v.as_object_mut()) {
        obj.insert("message".into(), json!({ "text": m }));
    }
    if let (Some(i), Some(obj)) = (id, v.as_object_mut()) {
        obj.insert("id".into(), json!(i));
    }
    v
}

pub fn render_sarif<'s>(diags: &[Diagnostic], sources: &Sources<'s>) -> String {
    let mut used: Vec<&str> = diags.iter().map(|d| d.code).collect();
    used.sort_unstable();
    used.dedup();
    let rules: Vec<Value> = used
        .iter()
        .map(|c| {
            let title = codes::info(c).map_or("", |i| i.title);
            json!({ "id": c, "shortDescription": { "text": title } })
        })
        .collect();
    let results: Vec<Value> = diags
        .iter()
        .map(|d| {
            let level = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            let mut text = d.message.clone();
            if let Some(h) = &d.help {
                text.push_str(&format!(" (help: {h})"));
            }
            let related: Vec<Value> = d
                .labels
                .iter()
                .enumerate()
                .map(|(i, l)| location(sources, &l.location, Some(&l.message), Some(i + 1)))
                .collect();
            let mut r = json!({
                "ruleId": d.code,
                "ruleIndex": used.iter().position(|c| *c == d.code).unwrap_or(0),
                "level": level,
                "message": { "text": text },
                "locations": [location(sources, &d.location, None, None)],
            });
            if let (false, Some(obj)) = (related.is_empty(), r.as_object_mut()) {
                obj.insert("relatedLocations".into(), Value::Array(related));
            }
            r
        })
        .collect();
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "seg",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules
            }},
            "results": results
        }]
    });
    serde_json::to_string_pretty(&log).unwrap_or_default()
}
