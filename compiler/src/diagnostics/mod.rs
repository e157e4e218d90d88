//! Diagnostics as plain values: code, severity, message, a primary span, secondary
//! labels and an optional help line. Produced by the parser and the checker, rendered
//! by `render` for the CLI and converted by the language server.
//!
//! Nothing here reads files: renderers receive the source texts they need.

pub mod codes;
pub mod render;

use crate::syntax::ast::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A span in a named file. `file` is the path relative to the project root, with `/`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    pub file: String,
    pub span: Span,
}

/// A secondary span with a message, e.g. "first declared here".
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Label {
    pub location: Location,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    /// Stable code such as `E0201` (see `codes`).
    pub code: &'static str,
    pub severity: Severity,
    /// Lowercase, no final period, user text in backticks.
    pub message: String,
    pub location: Location,
    /// Short text shown under the primary span (may be empty).
    pub primary_label: String,
    pub labels: Vec<Label>,
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error whose severity comes from the code catalog.
    pub fn new(code: &'static str, message: impl Into<String>, file: &str, span: Span) -> Self {
        let severity = if code.starts_with('W') {
            Severity::Warning
        } else {
            Severity::Error
        };
        Diagnostic {
            code,
            severity,
            message: message.into(),
            location: Location {
                file: file.to_string(),
                span,
            },
            primary_label: String::new(),
            labels: Vec::new(),
            help: None,
        }
    }
    pub fn with_primary_label(mut self, text: impl Into<String>) -> Self {
        self.primary_label = text.into();
        self
    }
    pub fn with_label(mut self, file: &str, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            location: Location {
                file: file.to_string(),
                span,
            },
            message: message.into(),
        });
        self
    }
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Sorts diagnostics by file, then position, then code, for stable output; ties
/// are broken by the texts and labels, so the order never depends on the order the
/// rules ran in.
pub fn sort(diags: &mut [Diagnostic]) {
    fn head(d: &Diagnostic) -> (&str, u32, u32, &str, &str, &str, Option<&str>) {
        let at = &d.location;
        let help = d.help.as_deref();
        (
            &at.file,
            at.span.start,
            at.span.end,
            d.code,
            &d.message,
            &d.primary_label,
            help,
        )
    }
    fn label(l: &Label) -> (&str, u32, u32, &str) {
        let at = &l.location;
        (&at.file, at.span.start, at.span.end, &l.message)
    }
    diags.sort_by(|a, b| {
        head(a)
            .cmp(&head(b))
            .then_with(|| a.labels.iter().map(label).cmp(b.labels.iter().map(label)))
    });
}
