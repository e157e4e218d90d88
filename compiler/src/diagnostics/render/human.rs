//! `seg check` (human format): every diagnostic as an ariadne report with its code
//! in the header (`[E0203] Error: unknown event ...`), the file, line and column,
//! the source excerpt with the primary span, the secondary labels (also in other
//! files, each file with its own excerpt) and the help line.
//!
//! Spans are byte offsets in diagnostics but are handed to ariadne as character
//! offsets (`IndexType::Char`): with `IndexType::Byte`, ariadne 0.6 computes the
//! `file:line:col` header of a label group in a *second* file from a character
//! offset as if it were a byte offset, so the column is wrong after non-ASCII text
//! (`Report::write`, `labels[0].char_span.start` passed to `get_byte_line`). Both
//! index types draw the same excerpts otherwise. The primary span is always drawn:
//! when the diagnostic has no primary label, the code's catalog title labels it
//! (ariadne underlines only labels that carry a message). Colour only on request
//! (the CLI asks for it when stderr is a terminal), so snapshots are plain text.

use std::ops::Range;

use ariadne::{Color, Config, IndexType, Label, Report, ReportKind};

use super::{Positions, Sources};
use crate::diagnostics::{codes, Diagnostic, Location, Severity};

/// Renders every diagnostic, in order, each ending with a newline; `color` adds ANSI
/// colours for a terminal.
pub fn render_human(diags: &[Diagnostic], sources: &Sources<'_>, color: bool) -> String {
    let mut positions = Positions::new(sources);
    let mut out = Vec::new();
    for d in diags {
        let mut one = Vec::new();
        if write_one(d, &mut positions, color, &mut one).is_ok() {
            out.extend_from_slice(&one);
        } else {
            // Writing to a Vec only fails if ariadne cannot lay out the report:
            // fall back to the plain header and location.
            let r = positions.range(&d.location);
            out.extend_from_slice(
                format!(
                    "[{}] {}: {}\n  --> {}:{}:{}\n",
                    d.code,
                    kind_name(d.severity),
                    d.message,
                    d.location.file,
                    r.line,
                    r.column
                )
                .as_bytes(),
            );
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn kind_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "Error",
        Severity::Warning => "Warning",
    }
}

/// A location's span in characters, clamped to its file's text.
fn span(positions: &mut Positions<'_, '_>, loc: &Location) -> (String, Range<usize>) {
    let ix = positions.index(&loc.file);
    let start = ix.char_offset(loc.span.start as usize);
    let end = ix.char_offset(loc.span.end as usize).max(start);
    (loc.file.clone(), start..end)
}

fn write_one(
    d: &Diagnostic,
    positions: &mut Positions<'_, '_>,
    color: bool,
    out: &mut Vec<u8>,
) -> std::io::Result<()> {
    let (kind, primary_color) = match d.severity {
        Severity::Error => (ReportKind::Error, Color::Red),
        Severity::Warning => (ReportKind::Warning, Color::Yellow),
    };
    let config = Config::default()
        .with_index_type(IndexType::Char)
        .with_color(color);
    let primary = span(positions, &d.location);
    let primary_text = if d.primary_label.is_empty() {
        codes::info(d.code).map_or("here", |i| i.title)
    } else {
        d.primary_label.as_str()
    };
    let mut report = Report::build(kind, primary.clone())
        .with_config(config)
        .with_code(d.code)
        .with_message(&d.message)
        .with_label(
            Label::new(primary.clone())
                .with_message(primary_text)
                .with_color(primary_color)
                .with_order(0)
                .with_priority(1),
        );
    let mut files = vec![primary.0];
    for (i, l) in d.labels.iter().enumerate() {
        let s = span(positions, &l.location);
        if !files.contains(&s.0) {
            files.push(s.0.clone());
        }
        report = report.with_label(
            Label::new(s)
                .with_message(&l.message)
                .with_color(Color::Blue)
                .with_order(i32::try_from(i + 1).unwrap_or(i32::MAX)),
        );
    }
    if let Some(h) = &d.help {
        report = report.with_help(h);
    }
    let cache = ariadne::sources(files.into_iter().map(|f| {
        let text = positions.index(&f).text();
        (f, text)
    }));
    report.finish().write(cache, out)
}

#[cfg(test)]
mod tests {
    use super::render_human;
    use crate::diagnostics::Diagnostic;
    use crate::syntax::ast::Span;

    fn render(text: &'static str, d: Diagnostic) -> String {
        let sources = move |p: &str| (p == "a.seg").then_some(text);
        render_human(&[d], &sources, false)
    }

    #[test]
    fn header_location_and_unlabelled_primary_span() {
        let text = "// größe\nsegment s = x > 1\n";
        let x = text.find("x >").unwrap_or(0);
        let out = render(
            text,
            Diagnostic::new("E0201", "unknown name `x`", "a.seg", Span::new(x, x + 1)),
        );
        assert!(
            out.starts_with("[E0201] Error: unknown name `x`\n"),
            "{out}"
        );
        assert!(out.contains("a.seg:2:13"), "{out}");
        // The code's title labels an otherwise unlabelled primary span.
        assert!(out.contains("unknown trait or segment"), "{out}");
        assert!(!out.contains('\u{1b}'), "no colour when not asked: {out}");
    }

    #[test]
    fn columns_of_a_second_file_after_non_ascii_text() {
        let a = "segment s = 1\n";
        let b = "// Größe in €\r\nevent s {}\r\n";
        let sources = move |p: &str| match p {
            "a.seg" => Some(a),
            "b.seg" => Some(b),
            _ => None,
        };
        let at = b.find("s {").unwrap_or(0);
        let d = Diagnostic::new("E0202", "`s` is declared twice", "a.seg", Span::new(8, 9))
            .with_label("b.seg", Span::new(at, at + 1), "first declared here");
        let out = render_human(&[d], &sources, false);
        assert!(out.contains("a.seg:1:9"), "{out}");
        assert!(out.contains("b.seg:2:7"), "{out}");
    }

    #[test]
    fn colour_on_request() {
        let out = render(
            "segment s = x\n",
            Diagnostic::new("W0301", "careful", "a.seg", Span::new(12, 13)),
        );
        assert!(out.starts_with("[W0301] Warning: careful"), "{out}");
        let sources = |_: &str| Some("segment s = x\n");
        let d = Diagnostic::new("W0301", "careful", "a.seg", Span::new(12, 13));
        assert!(render_human(&[d], &sources, true).contains('\u{1b}'));
    }

    #[test]
    fn stale_spans_missing_files_and_eof_render() {
        // Past the end, inside a multi-byte character, inverted, unknown file.
        for (file, start, end) in [
            ("a.seg", 40, 90),
            ("a.seg", 2, 3),
            ("a.seg", 5, 1),
            ("b.seg", 3, 9),
            ("a.seg", 7, 7),
        ] {
            let d = Diagnostic::new("E0101", "syntax error", file, Span::new(start, end))
                .with_label("c.seg", Span::new(1, 4), "elsewhere");
            let out = render("aé b\ncd\n", d);
            assert!(out.contains("[E0101] Error: syntax error"), "{out}");
        }
    }
}
