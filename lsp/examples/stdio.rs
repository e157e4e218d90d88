//! The language server on stdio without the rest of the `seg` CLI (for trying editor
//! setups while the CLI is being rebuilt): `cargo run -p seg-lsp --example stdio`.

fn main() -> std::io::Result<()> {
    seg_lsp::run_stdio()
}
