//! `seg check --format json` (§12): one document with every diagnostic, 1-based
//! lines and columns, and the error and warning counts. `help` is `null` when a
//! diagnostic has none.

use serde::Serialize;

use super::{counts, range, Sources};
use crate::diagnostics::Diagnostic;

#[derive(Serialize)]
struct Doc<'a> {
    diagnostics: Vec<Entry<'a>>,
    errors: usize,
    warnings: usize,
}

#[derive(Serialize)]
struct Entry<'a> {
    code: &'a str,
    severity: &'a str,
    message: &'a str,
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    labels: Vec<LabelEntry<'a>>,
    help: Option<&'a str>,
}

#[derive(Serialize)]
struct LabelEntry<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    message: &'a str,
}

pub fn render_json<'s>(diags: &[Diagnostic], sources: &Sources<'s>) -> String {
    let (errors, warnings) = counts(diags);
    let diagnostics = diags
        .iter()
        .map(|d| {
            let (line, column, end_line, end_column) = range(sources, &d.location);
            let labels = d
                .labels
                .iter()
                .map(|l| {
                    let (line, column, _, _) = range(sources, &l.location);
                    LabelEntry {
                        file: &l.location.file,
                        line,
                        column,
                        message: &l.message,
                    }
                })
                .collect();
            Entry {
                code: d.code,
                severity: d.severity.as_str(),
                message: &d.message,
                file: &d.location.file,
                line,
                column,
                end_line,
                end_column,
                labels,
                help: d.help.as_deref(),
            }
        })
        .collect();
    serde_json::to_string(&Doc {
        diagnostics,
        errors,
        warnings,
    })
    .unwrap_or_default()
}
