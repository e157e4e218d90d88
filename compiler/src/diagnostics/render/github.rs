//! `seg check --format github` (§12): one GitHub Actions workflow command per
//! diagnostic, which the runner turns into an annotation on the file and line:
//!
//! ```text
//! ::error file=F,line=L,col=C,title=CODE::message
//! ::warning file=F,line=L,col=C,title=CODE::message
//! ```
//!
//! Exactly the properties of §12, in that order. The help line, when there is one,
//! follows the message on a second line of the annotation (`%0Ahelp: …`).
//! Escaping follows the workflow-command rules (as `@actions/core` does): in the
//! message `%` `\r` `\n` become `%25` `%0D` `%0A`; in a property value `:` and `,`
//! become `%3A` and `%2C` as well.

use super::{Positions, Sources};
use crate::diagnostics::Diagnostic;

/// Escapes the data part of a workflow command (after `::`).
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value of a workflow command.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// One workflow command per diagnostic, each ending with a newline.
pub fn render_github(diags: &[Diagnostic], sources: &Sources<'_>) -> String {
    let mut positions = Positions::new(sources);
    let mut out = String::new();
    for d in diags {
        let r = positions.range(&d.location);
        let mut message = d.message.clone();
        if let Some(h) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(h);
        }
        out.push_str(&format!(
            "::{} file={},line={},col={},title={}::{}\n",
            d.severity.as_str(),
            escape_property(&d.location.file),
            r.line,
            r.column,
            escape_property(d.code),
            escape_data(&message)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{escape_data, escape_property, render_github};
    use crate::diagnostics::Diagnostic;
    use crate::syntax::ast::Span;

    #[test]
    fn escapes_like_the_actions_toolkit() {
        assert_eq!(escape_data("50% a\r\nb: c, d"), "50%25 a%0D%0Ab: c, d");
        assert_eq!(
            escape_property("dir,x/a:b%.seg\n"),
            "dir%2Cx/a%3Ab%25.seg%0A"
        );
        // `%` first, so an escape is never escaped twice.
        assert_eq!(escape_data("%0A"), "%250A");
    }

    #[test]
    fn one_line_per_diagnostic_with_help_on_a_second_annotation_line() {
        let sources = |_: &str| Some("é\n\tsegment s = x\n");
        let diags = [
            Diagnostic::new("E0201", "unknown `x`: 100%", "p,q/a.seg", Span::new(16, 17))
                .with_help("did you mean `y`?"),
            Diagnostic::new("W0301", "careful\nnow", "a.seg", Span::new(0, 2)),
        ];
        assert_eq!(
            render_github(&diags, &sources),
            "::error file=p%2Cq/a.seg,line=2,col=14,title=E0201::unknown `x`: 100%25%0Ahelp: did you mean `y`?\n\
             ::warning file=a.seg,line=1,col=1,title=W0301::careful%0Anow\n"
        );
    }
}
