//! An in-process LSP client for tests: drives `seg_lsp::service()` through tower's
//! `Service` with JSON-RPC messages and collects the server's notifications.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::StreamExt;
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tower::{Service, ServiceExt};
use tower_lsp_server::jsonrpc::Request;
use tower_lsp_server::ls_types::Uri;
use tower_lsp_server::LspService;

pub struct TestClient {
    service: LspService<seg_lsp::Backend>,
    notes: mpsc::UnboundedReceiver<Value>,
    next_id: i64,
    pub root: PathBuf,
    root_uri: String,
    /// The last version sent for each open document.
    versions: std::collections::HashMap<String, i32>,
}

static DIRS: AtomicUsize = AtomicUsize::new(0);

/// A fresh directory holding copies of the fixture project `name` (if any).
pub fn workspace(name: Option<&str>) -> PathBuf {
    let n = DIRS.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("seg-lsp-test-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    if let Some(name) = name {
        let src = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name);
        for entry in std::fs::read_dir(src).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
        }
    }
    dir
}

pub fn fixture(name: &str, file: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .join(file);
    std::fs::read_to_string(p).unwrap()
}

impl TestClient {
    /// Starts a server on `root` and runs `initialize`/`initialized` with the given
    /// client capabilities.
    pub async fn start(root: PathBuf, capabilities: Value) -> (TestClient, Value) {
        let (service, socket) = seg_lsp::service();
        let (tx, notes) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut socket = socket;
            while let Some(req) = socket.next().await {
                let v = serde_json::to_value(&req).unwrap();
                if tx.send(v).is_err() {
                    break;
                }
            }
        });
        let root_uri = Uri::from_file_path(&root).unwrap().as_str().to_string();
        let mut client = TestClient {
            service,
            notes,
            next_id: 0,
            root,
            root_uri: root_uri.clone(),
            versions: std::collections::HashMap::new(),
        };
        let init = client
            .request(
                "initialize",
                json!({ "processId": null, "rootUri": root_uri, "capabilities": capabilities }),
            )
            .await;
        client.notify("initialized", json!({})).await;
        (client, init)
    }

    pub async fn start_default(root: PathBuf) -> TestClient {
        Self::start(root, json!({})).await.0
    }

    pub fn uri(&self, rel: &str) -> String {
        format!("{}/{rel}", self.root_uri)
    }

    /// Replaces the temporary root in URIs by `file:///ws` for stable snapshots.
    pub fn redact(&self, v: Value) -> Value {
        let text = serde_json::to_string(&v).unwrap();
        serde_json::from_str(&text.replace(&self.root_uri, "file:///ws")).unwrap()
    }

    /// Sends a request; returns its `result`, or `{"error": …}`.
    pub async fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let req = Request::build(method.to_string())
            .params(params)
            .id(self.next_id)
            .finish();
        let resp = self.call(req).await.expect("a request gets a response");
        let v = serde_json::to_value(resp).unwrap();
        match v.get("error") {
            Some(e) => json!({ "error": e }),
            None => v.get("result").cloned().unwrap_or(Value::Null),
        }
    }

    pub async fn notify(&mut self, method: &str, params: Value) {
        if method == "textDocument/didClose" {
            let uri = params["textDocument"]["uri"].as_str().unwrap_or("");
            let rel = uri
                .trim_start_matches(&format!("{}/", self.root_uri))
                .to_string();
            self.versions.remove(&rel);
        }
        let req = Request::build(method.to_string()).params(params).finish();
        assert!(self.call(req).await.is_none());
    }

    async fn call(&mut self, req: Request) -> Option<tower_lsp_server::jsonrpc::Response> {
        let svc = self.service.ready().await.unwrap();
        tokio::time::timeout(Duration::from_secs(30), svc.call(req))
            .await
            .expect("the server answers within 30 s")
            .unwrap()
    }

    pub async fn open(&mut self, rel: &str, text: &str) {
        self.versions.insert(rel.to_string(), 1);
        let params = json!({ "textDocument": {
            "uri": self.uri(rel), "languageId": "seg", "version": 1, "text": text } });
        self.notify("textDocument/didOpen", params).await;
    }

    /// Replaces the whole text of an open document.
    pub async fn replace(&mut self, rel: &str, version: i32, text: &str) {
        self.change(rel, version, json!([{ "text": text }])).await;
    }

    /// Sends `didChange` with the given content changes.
    pub async fn change(&mut self, rel: &str, version: i32, changes: Value) {
        self.versions.insert(rel.to_string(), version);
        let params = json!({
            "textDocument": { "uri": self.uri(rel), "version": version },
            "contentChanges": changes });
        self.notify("textDocument/didChange", params).await;
    }

    /// The diagnostics published for `rel` at the version last sent for it (for a
    /// closed document: the first publish without a version). Others are skipped.
    pub async fn diagnostics(&mut self, rel: &str) -> Value {
        let uri = self.uri(rel);
        let version = self.versions.get(rel).copied();
        loop {
            let n = tokio::time::timeout(Duration::from_secs(30), self.notes.recv())
                .await
                .expect("diagnostics within 30 s")
                .expect("the server is alive");
            let p = &n["params"];
            let matches = n["method"] == "textDocument/publishDiagnostics"
                && p["uri"] == uri
                && p["version"].as_i64() == version.map(i64::from);
            if matches {
                return self.redact(p["diagnostics"].clone());
            }
        }
    }

    /// Drops every notification received so far.
    pub fn clear(&mut self) {
        while self.notes.try_recv().is_ok() {}
    }

    /// A `textDocument/*` request at the `nth` (0-based) occurrence of `needle` in
    /// `text`, `delta` bytes into it.
    pub async fn at(
        &mut self,
        method: &str,
        rel: &str,
        text: &str,
        needle: &str,
        delta: usize,
        extra: Value,
    ) -> Value {
        let mut params = json!({
            "textDocument": { "uri": self.uri(rel) },
            "position": position(text, needle, delta),
        });
        if let (Some(p), Some(e)) = (params.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                p.insert(k.clone(), v.clone());
            }
        }
        let v = self.request(method, params).await;
        self.redact(v)
    }

    pub async fn shutdown(mut self) {
        let v = self.request("shutdown", Value::Null).await;
        assert_eq!(v, Value::Null);
    }
}

impl Drop for TestClient {
    /// Removes the temporary workspace directory.
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// Pretty JSON text (serde_json's own printer: exact numbers).
pub fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap()
}

/// The UTF-16 position of `needle` (first occurrence) in `text`, `delta` bytes in.
pub fn position(text: &str, needle: &str, delta: usize) -> Value {
    let offset = text.find(needle).expect("needle in text") + delta;
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let col: usize = before[before.rfind('\n').map_or(0, |i| i + 1)..]
        .chars()
        .map(char::len_utf16)
        .sum();
    json!({ "line": line, "character": col })
}
