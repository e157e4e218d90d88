//! `seg lsp`: the language server on stdio.

use crate::Outcome;

pub fn run() -> Outcome {
    match seg_lsp::run_stdio() {
        Ok(()) => Outcome::Ok,
        Err(e) => super::usage_error(&format!("language server: {e}")),
    }
}
