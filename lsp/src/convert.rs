//! Compiler values (byte spans, plain structs) to LSP protocol values, in the
//! negotiated position encoding. Pure functions of a `Snapshot`; no analysis here.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use seg_compiler::diagnostics::{self, Severity};
use seg_compiler::ide::{self, CompletionKind, DocSymbol, SymbolKind};
use seg_compiler::syntax::ast::Span;
use tower_lsp_server::ls_types::{
    self as lsp, CompletionItem, CompletionItemKind, DiagnosticRelatedInformation,
    DiagnosticSeverity, Documentation, Location, MarkupContent, MarkupKind, NumberOrString, Range,
    TextEdit, Uri, WorkspaceEdit,
};

use crate::position::LineIndex;
use crate::workspace::Snapshot;

/// Line indexes of the project's files, built once per file on first use.
pub struct Lines<'a> {
    snap: &'a Snapshot,
    cache: RefCell<HashMap<String, Rc<LineIndex<'a>>>>,
}

impl<'a> Lines<'a> {
    pub fn new(snap: &'a Snapshot) -> Lines<'a> {
        Lines {
            snap,
            cache: RefCell::new(HashMap::new()),
        }
    }

    fn index(&self, file: &str) -> Option<Rc<LineIndex<'a>>> {
        if let Some(ix) = self.cache.borrow().get(file) {
            return Some(ix.clone());
        }
        let ix = Rc::new(self.snap.line_index(self.snap.text(file)?));
        self.cache.borrow_mut().insert(file.to_string(), ix.clone());
        Some(ix)
    }

    /// The range of a span in a project file (empty at 0:0 for unknown files).
    pub fn range(&self, file: &str, span: Span) -> Range {
        self.index(file)
            .map(|ix| ix.range(span.start as usize, span.end as usize))
            .unwrap_or_default()
    }

    pub fn location(&self, file: &str, span: Span) -> Option<Location> {
        Some(Location::new(self.snap.uri(file)?, self.range(file, span)))
    }
}

/// The range of a span in a project file (an empty range at 0:0 for unknown files).
pub fn range(snap: &Snapshot, file: &str, span: Span) -> Range {
    Lines::new(snap).range(file, span)
}

/// One compiler diagnostic; secondary labels become related information.
pub fn diagnostic(lines: &Lines<'_>, d: &diagnostics::Diagnostic) -> lsp::Diagnostic {
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .labels
        .iter()
        .filter_map(|l| {
            Some(DiagnosticRelatedInformation {
                location: lines.location(&l.location.file, l.location.span)?,
                message: l.message.clone(),
            })
        })
        .collect();
    lsp::Diagnostic {
        range: lines.range(&d.location.file, d.location.span),
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.to_string())),
        source: Some("seg".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..lsp::Diagnostic::default()
    }
}

/// Edits grouped by document.
pub fn workspace_edit(snap: &Snapshot, edits: &[ide::Edit]) -> WorkspaceEdit {
    let lines = Lines::new(snap);
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for e in edits {
        if let Some(uri) = snap.uri(&e.file) {
            changes.entry(uri).or_default().push(TextEdit {
                range: lines.range(&e.file, e.span),
                new_text: e.text.clone(),
            });
        }
    }
    WorkspaceEdit {
        changes: Some(changes),
        ..WorkspaceEdit::default()
    }
}

pub fn markdown(text: String) -> MarkupContent {
    MarkupContent {
        kind: MarkupKind::Markdown,
        value: text,
    }
}

pub fn completion(c: ide::Completion) -> CompletionItem {
    let kind = match c.kind {
        CompletionKind::Keyword => CompletionItemKind::KEYWORD,
        CompletionKind::Event => CompletionItemKind::EVENT,
        CompletionKind::Field => CompletionItemKind::FIELD,
        CompletionKind::Attr => CompletionItemKind::PROPERTY,
        CompletionKind::Trait => CompletionItemKind::VARIABLE,
        CompletionKind::Segment => CompletionItemKind::CLASS,
        CompletionKind::Purpose => CompletionItemKind::ENUM_MEMBER,
        CompletionKind::IdType => CompletionItemKind::CONSTANT,
        CompletionKind::Function => CompletionItemKind::FUNCTION,
        CompletionKind::Type => CompletionItemKind::TYPE_PARAMETER,
        CompletionKind::Unit => CompletionItemKind::UNIT,
    };
    CompletionItem {
        label: c.label,
        kind: Some(kind),
        detail: c.detail,
        documentation: c.doc.map(|d| Documentation::MarkupContent(markdown(d))),
        ..CompletionItem::default()
    }
}

pub fn symbol_kind(k: SymbolKind) -> lsp::SymbolKind {
    match k {
        SymbolKind::Event => lsp::SymbolKind::EVENT,
        SymbolKind::Field => lsp::SymbolKind::FIELD,
        SymbolKind::Identity => lsp::SymbolKind::NAMESPACE,
        SymbolKind::IdType => lsp::SymbolKind::KEY,
        SymbolKind::Purpose => lsp::SymbolKind::ENUM_MEMBER,
        SymbolKind::Profile => lsp::SymbolKind::STRUCT,
        SymbolKind::Attr => lsp::SymbolKind::PROPERTY,
        SymbolKind::Trait => lsp::SymbolKind::VARIABLE,
        SymbolKind::Segment => lsp::SymbolKind::CLASS,
        SymbolKind::Test => lsp::SymbolKind::METHOD,
    }
}

#[allow(deprecated)] // `deprecated` is a required field of the protocol type
pub fn document_symbol(lines: &Lines<'_>, file: &str, s: DocSymbol) -> lsp::DocumentSymbol {
    let children: Vec<lsp::DocumentSymbol> = s
        .children
        .into_iter()
        .map(|c| document_symbol(lines, file, c))
        .collect();
    lsp::DocumentSymbol {
        name: s.name,
        detail: s.detail,
        kind: symbol_kind(s.kind),
        tags: None,
        deprecated: None,
        range: lines.range(file, s.span),
        selection_range: lines.range(file, s.name_span),
        children: (!children.is_empty()).then_some(children),
    }
}

#[allow(deprecated)] // `deprecated` is a required field of the protocol type
pub fn workspace_symbol(
    lines: &Lines<'_>,
    s: ide::WorkspaceSymbol,
) -> Option<lsp::SymbolInformation> {
    Some(lsp::SymbolInformation {
        location: lines.location(&s.file, s.span)?,
        name: s.name,
        kind: symbol_kind(s.kind),
        tags: None,
        deprecated: None,
        container_name: s.container,
    })
}
