//! Seg language server.

/// Runs the language server on stdio.
pub fn run_stdio() -> std::io::Result<()> {
    Err(std::io::Error::other(
        "the language server is not available in this build",
    ))
}
