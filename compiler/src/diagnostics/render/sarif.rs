//! `seg check --format sarif`: a SARIF 2.1.0 log (OASIS Static Analysis Results
//! Interchange Format), as code-scanning services and editors read it.
//!
//! One run of the tool `seg`:
//! - `tool.driver`: name, version, and one rule per code that
//!   occurs among the diagnostics, in catalog order ([`codes::ALL`]), with the
//!   catalog title as `shortDescription` and the code's severity as
//!   `defaultConfiguration.level`;
//! - `columnKind: "unicodeCodePoints"`: columns count Unicode scalar values, as in
//!   every other format (SARIF's default would be UTF-16 code units);
//! - one result per diagnostic: `ruleId` and `ruleIndex`, `level` (`error` or
//!   `warning`), `message.text` (the message, then `help: …` on a second line when
//!   there is a help), one location (the primary span, with the primary label as
//!   its message when there is one) and a `relatedLocations` entry per secondary
//!   label (ids 1, 2, …), possibly in other files.
//!
//! Regions are 1-based with an exclusive end column, as SARIF defines them. File
//! paths are relative to the project root, written as relative URI references
//! (characters outside the unreserved set and `/` percent-encoded).
//!
//! `compiler/tests/render.rs` validates the output against the official schema.

use serde::Serialize;

use super::{Positions, Sources};
use crate::diagnostics::{codes, Diagnostic, Location, Severity};

/// The `$schema` of the log: the official OASIS SARIF 2.1.0 schema (errata 01).
pub const SARIF_SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    rules: Vec<Rule<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    id: &'a str,
    short_description: Message,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Message,
    locations: Vec<SarifLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<SarifLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Message>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// A relative path as a URI reference: unreserved characters and `/` stay, every
/// other byte of its UTF-8 is percent-encoded.
fn path_uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn location(
    positions: &mut Positions<'_, '_>,
    loc: &Location,
    id: Option<usize>,
    message: &str,
) -> SarifLocation {
    let r = positions.range(loc);
    SarifLocation {
        id,
        physical_location: PhysicalLocation {
            artifact_location: ArtifactLocation {
                uri: path_uri(&loc.file),
            },
            region: Region {
                start_line: r.line,
                start_column: r.column,
                end_line: r.end_line,
                end_column: r.end_column,
            },
        },
        message: (!message.is_empty()).then(|| Message {
            text: message.to_string(),
        }),
    }
}

/// The codes that occur, catalog codes first in catalog order, then any others
/// sorted.
fn used_codes(diags: &[Diagnostic]) -> Vec<&'static str> {
    let mut used: Vec<&'static str> = codes::ALL
        .iter()
        .map(|c| c.code)
        .filter(|c| diags.iter().any(|d| d.code == *c))
        .collect();
    let mut others: Vec<&'static str> = diags
        .iter()
        .map(|d| d.code)
        .filter(|c| codes::info(c).is_none())
        .collect();
    others.sort_unstable();
    others.dedup();
    used.extend(others);
    used
}

/// The SARIF 2.1.0 log for `diags` (pretty-printed JSON, no trailing newline).
pub fn render_sarif(diags: &[Diagnostic], sources: &Sources<'_>) -> String {
    let mut positions = Positions::new(sources);
    let used = used_codes(diags);
    let rules = used
        .iter()
        .map(|c| Rule {
            id: c,
            short_description: Message {
                text: codes::info(c).map_or_else(|| (*c).to_string(), |i| i.title.to_string()),
            },
            default_configuration: Configuration {
                level: if c.starts_with('W') {
                    "warning"
                } else {
                    "error"
                },
            },
        })
        .collect();
    let results = diags
        .iter()
        .map(|d| {
            let mut text = d.message.clone();
            if let Some(h) = &d.help {
                text.push_str("\nhelp: ");
                text.push_str(h);
            }
            SarifResult {
                rule_id: d.code,
                rule_index: used.iter().position(|c| *c == d.code).unwrap_or(0),
                level: level(d.severity),
                message: Message { text },
                locations: vec![location(
                    &mut positions,
                    &d.location,
                    None,
                    &d.primary_label,
                )],
                related_locations: d
                    .labels
                    .iter()
                    .enumerate()
                    .map(|(i, l)| location(&mut positions, &l.location, Some(i + 1), &l.message))
                    .collect(),
            }
        })
        .collect();
    let log = Log {
        schema: SARIF_SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "seg",
                    version: env!("CARGO_PKG_VERSION"),
                    rules,
                },
            },
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    serde_json::to_string_pretty(&log).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::{path_uri, render_sarif};
    use crate::diagnostics::Diagnostic;
    use crate::syntax::ast::Span;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(path_uri("dir/a_b-c.seg"), "dir/a_b-c.seg");
        assert_eq!(path_uri("my dir/größe.seg"), "my%20dir/gr%C3%B6%C3%9Fe.seg");
        assert_eq!(path_uri("a#b?c%.seg"), "a%23b%3Fc%25.seg");
    }

    #[test]
    fn rules_in_catalog_order_and_rule_indexes() {
        let sources = |_: &str| Some("segment s = x\n");
        let diags = [
            Diagnostic::new("W0301", "w", "a.seg", Span::new(0, 1)),
            Diagnostic::new("E0201", "e", "a.seg", Span::new(12, 13)),
            Diagnostic::new("W0301", "w again", "a.seg", Span::new(0, 1)),
        ];
        let v: serde_json::Value =
            serde_json::from_str(&render_sarif(&diags, &sources)).unwrap_or_default();
        let run = &v["runs"][0];
        assert_eq!(run["columnKind"], "unicodeCodePoints");
        let rules = run["tool"]["driver"]["rules"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let ids: Vec<_> = rules
            .iter()
            .map(|r| r["id"].as_str().unwrap_or(""))
            .collect();
        assert_eq!(ids, ["E0201", "W0301"]);
        assert_eq!(rules[1]["defaultConfiguration"]["level"], "warning");
        let idx: Vec<_> = run["results"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|r| r["ruleIndex"].as_u64().unwrap_or(99))
            .collect();
        assert_eq!(idx, [1, 0, 1]);
        assert_eq!(
            run["results"][1]["locations"][0]["physicalLocation"]["region"]["startColumn"],
            13
        );
    }
}
