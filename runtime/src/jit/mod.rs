//! Cranelift JIT engine (being built): until it compiles plans, `JitEngine::new`
//! declines and callers fall back to the interpreter.

use seg_compiler::ir::Plan;

use crate::executor::Evaluator;
use crate::state::{FilterEval, ProfileState};
use crate::value::Value;

pub struct JitEngine<'p> {
    _plan: &'p Plan,
}

impl<'p> JitEngine<'p> {
    pub fn new(_plan: &'p Plan) -> Result<JitEngine<'p>, String> {
        Err("native code generation is not available in this build".into())
    }
}

impl FilterEval for JitEngine<'_> {
    fn accepts(&self, _store: usize, _source: usize, _fields: &[Value]) -> bool {
        false
    }
}

impl Evaluator for JitEngine<'_> {
    fn segments(&self, _state: &ProfileState, _t: i64, out: &mut Vec<bool>) {
        out.clear();
    }
    fn traits(&self, _state: &ProfileState, _t: i64) -> Vec<Value> {
        Vec::new()
    }
}

pub fn clif_text(_plan: &Plan) -> Result<String, String> {
    Err("native code generation is not available in this build".into())
}
