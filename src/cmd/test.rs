//! `seg test [DIR]`: runs every `test` block; a failure is reported at its `expect`
//! with the expected and the actual value. Exit 1 on any failure or compile error.

use std::path::PathBuf;

use seg_compiler::diagnostics::Diagnostic;
use seg_runtime::harness;

use super::engine::{Engine, EngineChoice};
use crate::Outcome;

#[derive(clap::Args)]
pub struct Args {
    /// Project directory
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Evaluation engine
    #[arg(long, value_enum, default_value = "jit")]
    engine: EngineChoice,
}

pub fn run(a: Args) -> Outcome {
    let loaded = match super::load_runnable(&a.dir) {
        Ok(l) => l,
        Err(o) => return o,
    };
    let Some(plan) = loaded.plan() else {
        return Outcome::Failed;
    };
    let engine = Engine::new(plan, a.engine);
    let mut failures = Vec::new();
    let (mut passed, mut failed) = (0, 0);
    for test in &loaded.program().tests {
        let result = harness::run_test(plan, engine.evaluator(), &test.file, &test.decl);
        if result.failures.is_empty() {
            passed += 1;
            println!("PASS {}: {}", result.file, result.name);
        } else {
            failed += 1;
            println!("FAIL {}: {}", result.file, result.name);
            for f in result.failures {
                failures.push(
                    Diagnostic::new(
                        "test",
                        format!("test `{}` failed", result.name),
                        &result.file,
                        f.span,
                    )
                    .with_primary_label(f.message),
                );
            }
        }
    }
    super::print_diagnostics(&loaded, &failures);
    println!("{passed} passed, {failed} failed");
    if failed > 0 {
        Outcome::Failed
    } else {
        Outcome::Ok
    }
}
