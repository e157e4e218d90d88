//! Runs one analysis so that nothing it does can take the server down: a panic is
//! caught and turned into an error reply, and a salsa cancellation (a newer edit
//! arrived while the analysis ran) becomes `ContentModified`, which clients retry.
//! It does not decide what to compute, only how failures are reported.

use std::panic::{catch_unwind, AssertUnwindSafe};

use tower_lsp_server::jsonrpc::{Error, ErrorCode};

/// Why an analysis produced no result.
#[derive(Debug, PartialEq, Eq)]
pub enum Failure {
    /// The inputs changed while it ran.
    Cancelled,
    /// A bug: the panic message.
    Panicked(String),
}

impl From<Failure> for Error {
    fn from(f: Failure) -> Error {
        match f {
            Failure::Cancelled => Error {
                code: ErrorCode::ContentModified,
                message: "the document changed; retry".into(),
                data: None,
            },
            Failure::Panicked(msg) => Error {
                code: ErrorCode::InternalError,
                message: format!("internal error in the Seg language server: {msg}").into(),
                data: None,
            },
        }
    }
}

/// Runs `f`, catching panics and salsa cancellation.
pub fn run<T>(f: impl FnOnce() -> T) -> Result<T, Failure> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        if payload.downcast_ref::<salsa::Cancelled>().is_some() {
            return Failure::Cancelled;
        }
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        Failure::Panicked(msg)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::panic)]
    fn panics_become_failures() {
        assert_eq!(run(|| 1), Ok(1));
        let r: Result<(), _> = run(|| panic!("boom"));
        assert_eq!(r, Err(Failure::Panicked("boom".into())));
        let r: Result<(), _> =
            run(|| std::panic::resume_unwind(Box::new(salsa::Cancelled::PendingWrite)));
        assert_eq!(r, Err(Failure::Cancelled));
    }
}
