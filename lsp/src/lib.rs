//! Seg language server (`seg lsp`): tower-lsp-server over the compiler's salsa
//! database. The workspace is every `.seg` file under the client's root, with unsaved
//! buffers overlaid on the disk's contents.
//!
//! This crate only speaks the protocol and converts positions and values; analyses
//! (definitions, hover text, completion, rename, fixes) live in `seg_compiler::ide`.

mod convert;
mod guard;
mod handlers;
mod position;
mod server;
mod tokens;
mod workspace;

pub use server::Backend;
use tower_lsp_server::{ClientSocket, LspService, Server};

/// The service and the client socket, for driving the server in-process (tests).
pub fn service() -> (LspService<Backend>, ClientSocket) {
    LspService::new(Backend::new)
}

/// Runs the language server on stdin/stdout until the client sends `exit`.
pub fn run_stdio() -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let (service, socket) = service();
        Server::new(tokio::io::stdin(), tokio::io::stdout(), socket)
            .serve(service)
            .await;
    });
    Ok(())
}
