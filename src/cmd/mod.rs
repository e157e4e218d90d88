//! One module per `seg` command.
pub mod bench;
pub mod check;
pub mod compile;
pub mod decode_ahead;
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

/// Loads a project that must compile (`run`, `test`, `explain`, `bench`): a load
/// error is a usage error, compile errors are printed and fail the command.
pub fn load_runnable(dir: &std::path::Path) -> Result<Loaded, crate::Outcome> {
    let loaded = crate::project::load(dir).map_err(|e| usage_error(&e))?;
    if loaded.plan().is_none() {
        print_diagnostics(&loaded, &loaded.checked().diagnostics);
        return Err(crate::Outcome::Failed);
    }
    Ok(loaded)
}

/// Reports a usage or IO error.
pub fn usage_error(msg: &str) -> crate::Outcome {
    eprintln!("error: {msg}");
    crate::Outcome::Usage
}
