//! `seg`: the command-line entry point. Parses arguments (clap), dispatches to one
//! module per command, and maps outcomes to the exit codes of §14: 0 success,
//! 1 the project does not compile or a check/test failed, 2 usage or IO error.

mod cmd;
mod project;

use std::process::ExitCode;

/// mimalloc: the runtime allocates and frees many small values (decoded messages,
/// identifiers, store entries), decoded on one thread and freed on another.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "seg",
    version,
    about = "Typed customer-data segmentation: check, run and test .seg projects"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse and type-check a project
    Check(cmd::check::Args),
    /// Evaluate a stream of Segment-Spec events and print membership changes
    Run(cmd::run::Args),
    /// Run the project's `test` blocks
    Test(cmd::test::Args),
    /// Format .seg files canonically
    Fmt(cmd::fmt::Args),
    /// Show a compiler stage (ast, ir, plan, clif)
    Compile(cmd::compile::Args),
    /// Explain why a profile is or is not in a segment at an instant
    Explain(cmd::explain::Args),
    /// Start the language server on stdio
    Lsp,
    /// Measure a stream: decode-only floor, interpreter and JIT
    Bench(cmd::bench::Args),
}

/// How a command ended.
pub enum Outcome {
    Ok,
    /// Errors in the project, or a failed check or test (exit 1).
    Failed,
    /// Usage or IO error, already reported (exit 2).
    Usage,
}

/// Parses the arguments; wrong use prints the error and the usage and exits 2.
fn parse_args() -> Result<Cli, ExitCode> {
    Cli::try_parse().map_err(|e| {
        if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        let _ = e.print();
        let mut cmd = Cli::command();
        if !e.to_string().contains("Usage:") {
            eprintln!("\n{}", cmd.render_usage());
        }
        ExitCode::from(2)
    })
}

fn main() -> ExitCode {
    let cli = match parse_args() {
        Ok(c) => c,
        Err(code) => return code,
    };
    let outcome = match cli.command {
        Command::Check(a) => cmd::check::run(a),
        Command::Run(a) => cmd::run::run(a),
        Command::Test(a) => cmd::test::run(a),
        Command::Fmt(a) => cmd::fmt::run(a),
        Command::Compile(a) => cmd::compile::run(a),
        Command::Explain(a) => cmd::explain::run(a),
        Command::Lsp => cmd::lsp::run(),
        Command::Bench(a) => cmd::bench::run(a),
    };
    match outcome {
        Outcome::Ok => ExitCode::SUCCESS,
        Outcome::Failed => ExitCode::from(1),
        Outcome::Usage => ExitCode::from(2),
    }
}
