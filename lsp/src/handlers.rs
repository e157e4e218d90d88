//! One function per LSP request: protocol params and a `Snapshot` in, protocol
//! result out. They run on a blocking thread under `guard::run`; they must not touch
//! the mutable workspace or the client.

use std::collections::BTreeMap;

use seg_compiler::db::check_project;
use seg_compiler::ide;
use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, CodeActionResponse,
    CompletionParams, CompletionResponse, Diagnostic, DocumentFormattingParams,
    DocumentSymbolParams, DocumentSymbolResponse, GotoDefinitionParams, GotoDefinitionResponse,
    Hover, HoverContents, HoverParams, Location, ParameterInformation, ParameterLabel,
    PrepareRenameResponse, ReferenceParams, RenameParams, SemanticTokens, SemanticTokensParams,
    SemanticTokensResult, SignatureHelp, SignatureHelpParams, SignatureInformation,
    TextDocumentPositionParams, TextEdit, Uri, WorkspaceEdit, WorkspaceSymbolParams,
    WorkspaceSymbolResponse,
};

use crate::convert::{self, range};
use crate::tokens;
use crate::workspace::Snapshot;

/// The project file and byte offset of a position.
fn at(s: &Snapshot, p: &TextDocumentPositionParams) -> Option<(String, usize)> {
    let rel = s.rel_of(&p.text_document.uri);
    let text = s.text(&rel)?;
    let offset = s.line_index(text).offset(p.position);
    Some((rel, offset))
}

/// One file's diagnostics, ready to publish.
pub struct FileDiagnostics {
    pub rel: String,
    pub uri: Uri,
    pub diagnostics: Vec<Diagnostic>,
    pub version: Option<i32>,
    pub open: bool,
}

/// Diagnostics of every project file (files without any get an empty list), in
/// path order.
pub fn publishable(s: &Snapshot) -> Vec<FileDiagnostics> {
    let lines = convert::Lines::new(s);
    let mut by_file: BTreeMap<String, Vec<Diagnostic>> =
        s.paths().map(|p| (p.clone(), Vec::new())).collect();
    for d in &check_project(&s.db, s.project).diagnostics {
        by_file
            .entry(d.location.file.clone())
            .or_default()
            .push(convert::diagnostic(&lines, d));
    }
    by_file
        .into_iter()
        .filter_map(|(rel, diagnostics)| {
            Some(FileDiagnostics {
                uri: s.uri(&rel)?,
                version: s.versions.get(&rel).copied(),
                open: s.open.contains(&rel),
                rel,
                diagnostics,
            })
        })
        .collect()
}

pub fn hover(s: &Snapshot, p: HoverParams) -> Option<Hover> {
    let (rel, offset) = at(s, &p.text_document_position_params)?;
    let h = ide::hover(&s.db, s.project, &rel, offset)?;
    Some(Hover {
        contents: HoverContents::Markup(convert::markdown(h.markdown)),
        range: Some(range(s, &rel, h.span)),
    })
}

pub fn definition(s: &Snapshot, p: GotoDefinitionParams) -> Option<GotoDefinitionResponse> {
    let (rel, offset) = at(s, &p.text_document_position_params)?;
    let lines = convert::Lines::new(s);
    let locs: Vec<Location> = ide::definition(&s.db, s.project, &rel, offset)
        .iter()
        .filter_map(|o| lines.location(&o.file, o.span))
        .collect();
    (!locs.is_empty()).then_some(GotoDefinitionResponse::Array(locs))
}

pub fn references(s: &Snapshot, p: ReferenceParams) -> Option<Vec<Location>> {
    let (rel, offset) = at(s, &p.text_document_position)?;
    let decl = p.context.include_declaration;
    let lines = convert::Lines::new(s);
    let locs: Vec<Location> = ide::references(&s.db, s.project, &rel, offset, decl)
        .iter()
        .filter_map(|o| lines.location(&o.file, o.span))
        .collect();
    Some(locs)
}

pub fn prepare_rename(
    s: &Snapshot,
    p: TextDocumentPositionParams,
) -> Result<Option<PrepareRenameResponse>, String> {
    let Some((rel, offset)) = at(s, &p) else {
        return Ok(None);
    };
    let (span, name) = ide::prepare_rename(&s.db, s.project, &rel, offset)?;
    Ok(Some(PrepareRenameResponse::RangeWithPlaceholder {
        range: range(s, &rel, span),
        placeholder: name,
    }))
}

pub fn rename(s: &Snapshot, p: RenameParams) -> Result<Option<WorkspaceEdit>, String> {
    let Some((rel, offset)) = at(s, &p.text_document_position) else {
        return Ok(None);
    };
    let edits = ide::rename(&s.db, s.project, &rel, offset, &p.new_name)?;
    Ok(Some(convert::workspace_edit(s, &edits)))
}

pub fn completion(s: &Snapshot, p: CompletionParams) -> Option<CompletionResponse> {
    let (rel, offset) = at(s, &p.text_document_position)?;
    let text = s.text(&rel)?;
    let items = ide::completions(&s.db, s.project, text, offset)
        .into_iter()
        .map(convert::completion)
        .collect();
    Some(CompletionResponse::Array(items))
}

pub fn signature_help(s: &Snapshot, p: SignatureHelpParams) -> Option<SignatureHelp> {
    let (rel, offset) = at(s, &p.text_document_position_params)?;
    let sig = ide::signature_help(s.text(&rel)?, offset)?;
    let parameters = sig
        .params
        .iter()
        .map(|(a, b)| ParameterInformation {
            label: ParameterLabel::LabelOffsets([*a as u32, *b as u32]),
            documentation: None,
        })
        .collect();
    Some(SignatureHelp {
        signatures: vec![SignatureInformation {
            label: sig.label,
            documentation: Some(tower_lsp_server::ls_types::Documentation::MarkupContent(
                convert::markdown(sig.doc),
            )),
            parameters: Some(parameters),
            active_parameter: None,
        }],
        active_signature: Some(0),
        active_parameter: Some(sig.active_param as u32),
    })
}

pub fn semantic_tokens(s: &Snapshot, p: SemanticTokensParams) -> Option<SemanticTokensResult> {
    let rel = s.rel_of(&p.text_document.uri);
    Some(SemanticTokensResult::Tokens(SemanticTokens {
        result_id: None,
        data: tokens::encode(s, &rel),
    }))
}

pub fn document_symbol(s: &Snapshot, p: DocumentSymbolParams) -> Option<DocumentSymbolResponse> {
    let rel = s.rel_of(&p.text_document.uri);
    let file = s.file(&rel)?;
    let lines = convert::Lines::new(s);
    let symbols = ide::document_symbols(&s.db, file)
        .into_iter()
        .map(|d| convert::document_symbol(&lines, &rel, d))
        .collect();
    Some(DocumentSymbolResponse::Nested(symbols))
}

pub fn workspace_symbol(s: &Snapshot, p: WorkspaceSymbolParams) -> Option<WorkspaceSymbolResponse> {
    let lines = convert::Lines::new(s);
    let found = ide::workspace_symbols(&s.db, s.project, &p.query)
        .into_iter()
        .filter_map(|w| convert::workspace_symbol(&lines, w))
        .collect();
    Some(WorkspaceSymbolResponse::Flat(found))
}

/// The whole document replaced by its canonical form (no edits when it has syntax
/// errors or is already formatted).
pub fn formatting(s: &Snapshot, p: DocumentFormattingParams) -> Option<Vec<TextEdit>> {
    let rel = s.rel_of(&p.text_document.uri);
    let text = s.text(&rel)?;
    let formatted = seg_compiler::fmt::format_source(text, &rel).ok()?;
    if formatted == text {
        return Some(Vec::new());
    }
    let ix = s.line_index(text);
    Some(vec![TextEdit {
        range: tower_lsp_server::ls_types::Range::new(ix.position(0), ix.end()),
        new_text: formatted,
    }])
}

/// Quick fixes for the project's diagnostics that overlap the requested range.
pub fn code_action(s: &Snapshot, p: CodeActionParams) -> Option<CodeActionResponse> {
    let rel = s.rel_of(&p.text_document.uri);
    let text = s.text(&rel)?;
    let ix = s.line_index(text);
    let (from, to) = (ix.offset(p.range.start), ix.offset(p.range.end));
    let mut out = Vec::new();
    for d in &check_project(&s.db, s.project).diagnostics {
        let span = d.location.span;
        let overlaps = span.start as usize <= to && from <= span.end as usize;
        if d.location.file != rel || !overlaps {
            continue;
        }
        for fix in ide::fixes(&s.db, s.project, d) {
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: fix.title,
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![convert::diagnostic(&convert::Lines::new(s), d)]),
                edit: Some(convert::workspace_edit(s, &fix.edits)),
                is_preferred: Some(true),
                ..CodeAction::default()
            }));
        }
    }
    Some(out)
}
