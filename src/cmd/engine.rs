//! Choosing the evaluation engine for `run`, `test` and `explain`: the JIT by
//! default, the interpreter on request or when the JIT cannot compile a plan.

use clap::ValueEnum;
use seg_compiler::ir::Plan;
use seg_runtime::executor::Evaluator;
use seg_runtime::interp::Interpreter;
use seg_runtime::jit::JitEngine;

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum EngineChoice {
    /// Native code generated with Cranelift
    Jit,
    /// The reference interpreter
    Interp,
}

pub enum Engine<'p> {
    Interp(Interpreter<'p>),
    Jit(Box<JitEngine<'p>>),
}

impl<'p> Engine<'p> {
    pub fn new(plan: &'p Plan, choice: EngineChoice) -> Engine<'p> {
        if choice == EngineChoice::Jit {
            match JitEngine::new(plan) {
                Ok(jit) => return Engine::Jit(Box::new(jit)),
                Err(e) => eprintln!(
                    "warning: the JIT cannot compile this plan ({e}); using the interpreter"
                ),
            }
        }
        Engine::Interp(Interpreter::new(plan))
    }

    pub fn evaluator(&self) -> &dyn Evaluator {
        match self {
            Engine::Interp(i) => i,
            Engine::Jit(j) => j.as_ref(),
        }
    }
}
