//! `seg check --format json` (§12): one JSON document, on one line,
//!
//! ```json
//! {"diagnostics":[{"code":"E0201","severity":"error","message":"…","file":"a.seg",
//!   "line":3,"column":5,"end_line":3,"end_column":19,
//!   "labels":[{"file":"b.seg","line":1,"column":9,"message":"…"}],"help":"…"}],
//!  "errors":1,"warnings":0}
//! ```
//!
//! with keys in exactly that order. Lines and columns are 1-based, columns count
//! Unicode scalar values, and `end_line`/`end_column` are exclusive (the position just
//! past the span's last character, as in SARIF and LSP). The primary label text is
//! not part of §12's shape and is left out.
//!
//! **`help` is always present**: the help text, or `null` when the diagnostic has
//! none, so every entry has the same keys and consumers need no existence check.

use serde::Serialize;

use super::{counts, Positions, Sources};
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

/// The §12 JSON document for `diags`, in their order, without a trailing newline.
pub fn render_json(diags: &[Diagnostic], sources: &Sources<'_>) -> String {
    let mut positions = Positions::new(sources);
    let (errors, warnings) = counts(diags);
    let diagnostics = diags
        .iter()
        .map(|d| {
            let r = positions.range(&d.location);
            let labels = d
                .labels
                .iter()
                .map(|l| {
                    let lr = positions.range(&l.location);
                    LabelEntry {
                        file: &l.location.file,
                        line: lr.line,
                        column: lr.column,
                        message: &l.message,
                    }
                })
                .collect();
            Entry {
                code: d.code,
                severity: d.severity.as_str(),
                message: &d.message,
                file: &d.location.file,
                line: r.line,
                column: r.column,
                end_line: r.end_line,
                end_column: r.end_column,
                labels,
                help: d.help.as_deref(),
            }
        })
        .collect();
    let doc = Doc {
        diagnostics,
        errors,
        warnings,
    };
    // Serialising plain strings and integers cannot fail; keep the document's shape
    // even if it somehow did.
    serde_json::to_string(&doc).unwrap_or_else(|_| {
        format!("{{\"diagnostics\":[],\"errors\":{errors},\"warnings\":{warnings}}}")
    })
}

#[cfg(test)]
mod tests {
    use super::render_json;
    use crate::diagnostics::Diagnostic;
    use crate::syntax::ast::Span;

    #[test]
    fn empty_document() {
        let sources = |_: &str| None;
        assert_eq!(
            render_json(&[], &sources),
            r#"{"diagnostics":[],"errors":0,"warnings":0}"#
        );
    }

    #[test]
    fn keys_in_the_order_of_section_12_and_help_null() {
        let sources = |_: &str| Some("x\n  größe = \"a\\\"b\"\n");
        let d = Diagnostic::new("W0301", "a \"quoted\" größe", "d/a.seg", Span::new(4, 10))
            .with_label("d/a.seg", Span::new(0, 1), "here");
        let out = render_json(&[d], &sources);
        assert_eq!(
            out,
            concat!(
                r#"{"diagnostics":[{"code":"W0301","severity":"warning","#,
                r#""message":"a \"quoted\" größe","file":"d/a.seg","line":2,"column":3,"#,
                r#""end_line":2,"end_column":7,"labels":[{"file":"d/a.seg","line":1,"#,
                r#""column":1,"message":"here"}],"help":null}],"errors":0,"warnings":1}"#
            )
        );
    }
}
