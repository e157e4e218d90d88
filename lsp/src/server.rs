//! The `LanguageServer` implementation: protocol plumbing only. Notifications update
//! the `Workspace` synchronously (so edits apply in order) and then publish fresh
//! diagnostics; requests take a `Snapshot` and run their handler on a blocking
//! thread under `guard::run`, so a panic or a cancelled computation never takes the
//! server down. Analyses live in `handlers` and in the compiler's `ide` module.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

use crate::position::Encoding;
use crate::workspace::{Snapshot, Workspace};
use crate::{guard, handlers, tokens};

/// The server state shared by all requests.
pub struct Backend {
    client: Client,
    ws: Arc<Mutex<Workspace>>,
    /// Files whose last published diagnostics were not empty.
    published: Arc<tokio::sync::Mutex<HashSet<String>>>,
}

impl Backend {
    pub fn new(client: Client) -> Backend {
        Backend {
            client,
            ws: Arc::new(Mutex::new(Workspace::default())),
            published: Arc::new(tokio::sync::Mutex::new(HashSet::new())),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Workspace> {
        self.ws.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn snapshot(&self) -> Snapshot {
        self.lock().snapshot()
    }

    /// Runs a handler on a snapshot, off the async threads, catching failures.
    async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Snapshot) -> T + Send + 'static,
    {
        let snap = self.snapshot();
        let joined = tokio::task::spawn_blocking(move || guard::run(move || f(&snap))).await;
        match joined {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(failure)) => Err(failure.into()),
            Err(e) => Err(Error {
                code: tower_lsp_server::jsonrpc::ErrorCode::InternalError,
                message: format!("the request's task failed: {e}").into(),
                data: None,
            }),
        }
    }

    /// Computes and publishes the diagnostics of every file that has some, had some,
    /// or is open. A result computed for an outdated revision is dropped. The database
    /// snapshot never lives across an `.await` (a pending write waits for it).
    async fn publish(&self) {
        let snap = self.snapshot();
        let revision = snap.revision;
        let computed =
            tokio::task::spawn_blocking(move || guard::run(|| handlers::publishable(&snap))).await;
        let Ok(Ok(files)) = computed else {
            return;
        };
        let mut published = self.published.lock().await;
        if self.lock().revision != revision {
            return;
        }
        let mut now = HashSet::new();
        for f in files {
            let has_any = !f.diagnostics.is_empty();
            if has_any || f.open || published.contains(&f.rel) {
                self.client
                    .publish_diagnostics(f.uri, f.diagnostics, f.version)
                    .await;
            }
            if has_any {
                now.insert(f.rel);
            }
        }
        *published = now;
    }
}

fn root_of(params: &InitializeParams) -> Option<PathBuf> {
    let folder = params
        .workspace_folders
        .as_ref()
        .and_then(|f| f.first())
        .map(|f| f.uri.clone());
    #[allow(deprecated)] // older clients send only `rootUri`
    let uri = folder.or_else(|| params.root_uri.clone())?;
    uri.to_file_path().map(|p| p.into_owned())
}

fn capabilities(encoding: Encoding) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(encoding.kind()),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(false),
                })),
                ..TextDocumentSyncOptions::default()
            },
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: WorkDoneProgressOptions::default(),
        })),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".into(), "[".into()]),
            ..CompletionOptions::default()
        }),
        signature_help_provider: Some(SignatureHelpOptions {
            trigger_characters: Some(vec!["(".into(), ",".into()]),
            ..SignatureHelpOptions::default()
        }),
        semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
            SemanticTokensOptions {
                legend: tokens::legend(),
                full: Some(SemanticTokensFullOptions::Bool(true)),
                range: None,
                work_done_progress_options: WorkDoneProgressOptions::default(),
            },
        )),
        document_symbol_provider: Some(OneOf::Left(true)),
        workspace_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..CodeActionOptions::default()
        })),
        ..ServerCapabilities::default()
    }
}

fn watches_files(params: &InitializeParams) -> bool {
    params
        .capabilities
        .workspace
        .as_ref()
        .and_then(|w| w.did_change_watched_files.as_ref())
        .and_then(|d| d.dynamic_registration)
        .unwrap_or(false)
}

fn string_error(msg: String) -> Error {
    Error::invalid_params(msg)
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let offered = params
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_deref());
        let encoding = Encoding::negotiate(offered);
        let errors = {
            let mut ws = self.lock();
            ws.encoding = encoding;
            match root_of(&params) {
                Some(root) => ws.set_root(root),
                None => Vec::new(),
            }
        };
        for e in errors {
            self.client
                .log_message(MessageType::WARNING, format!("cannot read {e}"))
                .await;
        }
        if watches_files(&params) {
            self.lock().watch_files = true;
        }
        Ok(InitializeResult {
            capabilities: capabilities(encoding),
            server_info: Some(ServerInfo {
                name: "seg".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        if self.lock().watch_files {
            let options = DidChangeWatchedFilesRegistrationOptions {
                watchers: vec![FileSystemWatcher {
                    glob_pattern: GlobPattern::String("**/*.seg".into()),
                    kind: None,
                }],
            };
            let registration = Registration {
                id: "seg-files".into(),
                method: "workspace/didChangeWatchedFiles".into(),
                register_options: serde_json::to_value(options).ok(),
            };
            let _ = self.client.register_capability(vec![registration]).await;
        }
        self.publish().await;
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, p: DidOpenTextDocumentParams) {
        let doc = p.text_document;
        self.lock().open(&doc.uri, doc.version, doc.text);
        self.publish().await;
    }

    async fn did_change(&self, p: DidChangeTextDocumentParams) {
        let doc = p.text_document;
        self.lock().change(&doc.uri, doc.version, p.content_changes);
        self.publish().await;
    }

    async fn did_save(&self, _: DidSaveTextDocumentParams) {
        self.publish().await;
    }

    async fn did_close(&self, p: DidCloseTextDocumentParams) {
        self.lock().close(&p.text_document.uri);
        self.publish().await;
    }

    async fn did_change_watched_files(&self, p: DidChangeWatchedFilesParams) {
        {
            let mut ws = self.lock();
            for change in &p.changes {
                ws.reload_from_disk(&change.uri);
            }
        }
        self.publish().await;
    }

    async fn hover(&self, p: HoverParams) -> Result<Option<Hover>> {
        self.read(move |s| handlers::hover(s, p)).await
    }

    async fn goto_definition(
        &self,
        p: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        self.read(move |s| handlers::definition(s, p)).await
    }

    async fn references(&self, p: ReferenceParams) -> Result<Option<Vec<Location>>> {
        self.read(move |s| handlers::references(s, p)).await
    }

    async fn prepare_rename(
        &self,
        p: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        self.read(move |s| handlers::prepare_rename(s, p))
            .await?
            .map_err(string_error)
    }

    async fn rename(&self, p: RenameParams) -> Result<Option<WorkspaceEdit>> {
        self.read(move |s| handlers::rename(s, p))
            .await?
            .map_err(string_error)
    }

    async fn completion(&self, p: CompletionParams) -> Result<Option<CompletionResponse>> {
        self.read(move |s| handlers::completion(s, p)).await
    }

    async fn signature_help(&self, p: SignatureHelpParams) -> Result<Option<SignatureHelp>> {
        self.read(move |s| handlers::signature_help(s, p)).await
    }

    async fn semantic_tokens_full(
        &self,
        p: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        self.read(move |s| handlers::semantic_tokens(s, p)).await
    }

    async fn document_symbol(
        &self,
        p: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        self.read(move |s| handlers::document_symbol(s, p)).await
    }

    async fn symbol(&self, p: WorkspaceSymbolParams) -> Result<Option<WorkspaceSymbolResponse>> {
        self.read(move |s| handlers::workspace_symbol(s, p)).await
    }

    async fn formatting(&self, p: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        self.read(move |s| handlers::formatting(s, p)).await
    }

    async fn code_action(&self, p: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        self.read(move |s| handlers::code_action(s, p)).await
    }
}
