//! `seg check --format github`: one GitHub Actions workflow command per diagnostic,
//! `::error file=F,line=L,col=C,title=CODE::message` (or `::warning`), escaped as
//! the workflow-command syntax requires.

use super::{range, Sources};
use crate::diagnostics::Diagnostic;

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render_github<'s>(diags: &[Diagnostic], sources: &Sources<'s>) -> String {
    let mut out = String::new();
    for d in diags {
        let (line, col, end_line, end_col) = range(sources, &d.location);
        let mut message = d.message.clone();
        if let Some(h) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(h);
        }
        out.push_str(&format!(
            "::{} file={},line={line},col={col},endLine={end_line},endColumn={end_col},title={}::{}\n",
            d.severity.as_str(),
            escape_property(&d.location.file),
            escape_property(d.code),
            escape_data(&message)
        ));
    }
    out
}
