//! One module per `seg` command.
pub mod bench;
pub mod check;
pub mod compile;
pub mod engine;
pub mod explain;
pub mod fmt;
pub mod lines;
pub mod lsp;
pub mod run;
pub mod test;

use std::io::IsTerminal;

use seg_compiler::diagnostics::{render, Diagnostic};

use crate::project::Loaded;

/// Prints diagnostics for a human on stderr (colour when it is a terminal).
pub fn print_diagnostics(loaded: &Loaded, diags: &[Diagnostic]) {
    if diags.is_empty() {
        return;
    }
    let color = std::io::stderr().is_terminal();
    let text = render::render_human(diags, &|p: &str| loaded.source(p), color);
    eprint!("{text}");
}

/// Reports a usage or IO error.
pub fn usage_error(msg: &str) -> crate::Outcome {
    eprintln!("error: {msg}");
    crate::Outcome::Usage
}
