//! Human-readable diagnostics with source excerpts (ariadne): the code in the
//! header, the primary label, secondary labels (also in other files) and the help.

use ariadne::{Config, IndexType, Label, Report, ReportKind};

use super::Sources;
use crate::diagnostics::{Diagnostic, Location, Severity};

/// A location's span in Unicode scalar values, as ariadne counts with `IndexType::Char`.
fn chars(sources: &Sources<'_>, loc: &Location) -> std::ops::Range<usize> {
    let text = sources(&loc.file).unwrap_or("");
    let at = |b: usize| {
        text.get(..b.min(text.len()))
            .map_or(0, |t| t.chars().count())
    };
    at(loc.span.start as usize)..at(loc.span.end as usize)
}

/// Renders every diagnostic; `color` for a terminal.
pub fn render_human<'s>(diags: &[Diagnostic], sources: &Sources<'s>, color: bool) -> String {
    let mut out = Vec::new();
    for d in diags {
        if write_one(d, sources, color, &mut out).is_err() {
            out.extend_from_slice(
                format!("{}[{}]: {}\n", d.severity.as_str(), d.code, d.message).as_bytes(),
            );
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn write_one(
    d: &Diagnostic,
    sources: &Sources<'_>,
    color: bool,
    out: &mut Vec<u8>,
) -> std::io::Result<()> {
    let kind = match d.severity {
        Severity::Error => ReportKind::Error,
        Severity::Warning => ReportKind::Warning,
    };
    let file = d.location.file.clone();
    let config = Config::default()
        .with_index_type(IndexType::Char)
        .with_color(color);
    let primary = chars(sources, &d.location);
    let mut label = Label::new((file.clone(), primary.clone())).with_order(0);
    if !d.primary_label.is_empty() {
        label = label.with_message(&d.primary_label);
    }
    let mut report = Report::build(kind, (file.clone(), primary))
        .with_code(d.code)
        .with_message(&d.message)
        .with_config(config)
        .with_label(label);
    let mut files = vec![file];
    for (i, l) in d.labels.iter().enumerate() {
        report = report.with_label(
            Label::new((l.location.file.clone(), chars(sources, &l.location)))
                .with_message(&l.message)
                .with_order(i32::try_from(i + 1).unwrap_or(i32::MAX)),
        );
        if !files.contains(&l.location.file) {
            files.push(l.location.file.clone());
        }
    }
    if let Some(h) = &d.help {
        report = report.with_help(h);
    }
    let cache = ariadne::sources(files.into_iter().map(|f| {
        let text = sources(&f).unwrap_or("").to_string();
        (f, text)
    }));
    report.finish().write(cache, out)
}
