//! Cranelift JIT engine: compiles a plan's filters, segments and traits to native
//! code and evaluates them with exactly the interpreter's semantics (the
//! interpreter is the oracle; `tests/jit_equiv.rs` compares the two on random
//! projects and streams).
//!
//! Generated functions: one per distinct event filter (`accepts`), one computing
//! the consent-gated membership of every segment into a byte per segment, and one
//! computing every trait into an `NVal` per trait. State updates, pruning, merging
//! and deadlines stay in `state` (shared with the interpreter); store reads go
//! through host helpers (`helpers`) that reuse the interpreter's code, each read
//! that several places of the plan make alike once per call (`memo`).
//!
//! Every expression form of the language is compiled. A plan past one of the
//! documented limits (`typing`: a filter reading more than `FILTER_FIELD_LIMIT`
//! distinct fields, more than `MAX_NODES` expression nodes, nesting deeper than
//! `MAX_DEPTH`, segments gated by more than `MAX_PURPOSES` purposes) makes
//! `JitEngine::new` return the reason; callers then use the interpreter. Once the
//! reused `Scratch` buffers have grown, evaluation allocates nothing (`lower` of
//! non-ASCII text aside). All of the crate's `unsafe` code lives in this module:
//! calls into generated code, and the helpers' reads through the raw pointers
//! generated code passes them. This module must not change profile state.
#![allow(unsafe_code)]

mod abi;
mod aggregate;
mod build;
mod codegen;
mod helpers;
mod memo;
mod typing;

use std::cell::RefCell;
use std::sync::Arc;

use cranelift_jit::JITModule;
use seg_compiler::ir::schema::Basis;
use seg_compiler::ir::Plan;

use crate::executor::Evaluator;
use crate::interp::gate_open;
use crate::state::{FilterEval, ProfileState};
use crate::value::Value;

use abi::{marshal, unmarshal, Ctx, NVal, Scratch, StrConst};
use typing::{Ty, MAX_FILTER_FIELDS};

pub use typing::{MAX_DEPTH, MAX_FILTER_FIELDS as FILTER_FIELD_LIMIT, MAX_NODES, MAX_PURPOSES};

type FilterFn = unsafe extern "C" fn(*mut Ctx) -> i64;
type SegmentsFn = unsafe extern "C" fn(*mut Ctx, *mut u8, *const u8);
type TraitsFn = unsafe extern "C" fn(*mut Ctx, *mut NVal);

/// A compiled filter: the function and the (field index, type) of each slot.
struct NativeFilter {
    func: FilterFn,
    fields: Vec<(usize, Ty)>,
}

/// A plan compiled to native code.
pub struct JitEngine<'p> {
    plan: &'p Plan,
    /// Owns the generated code; freed on drop.
    module: Option<JITModule>,
    /// Per store, per source (a then b): the compiled filter, None when unfiltered.
    filters: Vec<Vec<Option<NativeFilter>>>,
    segments_fn: SegmentsFn,
    traits_fn: TraitsFn,
    trait_tys: Vec<Ty>,
    /// Bit k of the gate mask is the consent gate of `gate_purposes[k]` (the
    /// purpose and its legal basis).
    gate_purposes: Vec<(usize, Option<Basis>)>,
    /// The plan's string constants; `consts` points into them.
    _strings: Vec<Arc<str>>,
    consts: Vec<StrConst>,
    /// Buffers reused by every call (no allocation per evaluation once warm).
    scratch: RefCell<Scratch>,
    /// Whether the segments function uses them (else it gets none).
    segments_scratch: bool,
    /// The traits function's output slots.
    trait_buf: RefCell<Vec<NVal>>,
    /// A mask asking for every segment.
    every: Vec<bool>,
}

impl<'p> JitEngine<'p> {
    /// Compiles `plan`; an error names what is not supported.
    pub fn new(plan: &'p Plan) -> Result<JitEngine<'p>, String> {
        let out = build::compile(plan, false)?;
        let strings: Vec<Arc<str>> = out.strings.iter().map(|s| Arc::from(s.as_str())).collect();
        let consts = strings
            .iter()
            .map(|s| StrConst {
                ptr: s.as_ptr(),
                len: s.len(),
            })
            .collect();
        let module = out.module;
        // SAFETY: each pointer was returned by `get_finalized_function` for a function
        // generated with exactly this signature (see `build`), and `module`, which
        // owns the code, lives in the engine for as long as the pointers.
        let (segments_fn, traits_fn, filters) = unsafe {
            (
                std::mem::transmute::<*const u8, SegmentsFn>(out.segments),
                std::mem::transmute::<*const u8, TraitsFn>(out.traits),
                out.filters
                    .into_iter()
                    .map(|store| {
                        store
                            .into_iter()
                            .map(|f| {
                                f.map(|(ptr, fields)| NativeFilter {
                                    func: std::mem::transmute::<*const u8, FilterFn>(ptr),
                                    fields,
                                })
                            })
                            .collect()
                    })
                    .collect(),
            )
        };
        Ok(JitEngine {
            plan,
            module: Some(module),
            filters,
            segments_fn,
            traits_fn,
            trait_tys: out.trait_tys,
            gate_purposes: out
                .gate_purposes
                .iter()
                .map(|&p| (p, plan.schema.purposes.get(p).map(|p| p.basis)))
                .collect(),
            _strings: strings,
            consts,
            scratch: RefCell::new(Scratch::default()),
            segments_scratch: out.segments_scratch,
            trait_buf: RefCell::new(Vec::new()),
            every: vec![true; plan.segments.len()],
        })
    }

    fn gates(&self, state: &ProfileState) -> u64 {
        let mut bits = 0u64;
        for (k, (p, basis)) in self.gate_purposes.iter().enumerate() {
            if gate_open(*basis, state, *p) {
                bits |= 1 << k;
            }
        }
        bits
    }

    fn ctx(&self, state: *const ProfileState, t: i64, scratch: &mut Scratch) -> Ctx {
        scratch.reset();
        self.ctx_with(state, t, scratch)
    }

    /// A context whose `scratch` is `scratch` (null: the function needs none).
    fn ctx_with(&self, state: *const ProfileState, t: i64, scratch: *mut Scratch) -> Ctx {
        Ctx {
            state,
            t,
            consts: self.consts.as_ptr(),
            fields: std::ptr::null(),
            scratch,
            gates: 0,
            out: NVal::default(),
        }
    }

    /// Runs `f` with the engine's scratch buffers, or fresh ones if they are in use.
    fn with_scratch<R>(&self, f: impl FnOnce(&mut Scratch) -> R) -> R {
        match self.scratch.try_borrow_mut() {
            Ok(mut s) => f(&mut s),
            Err(_) => f(&mut Scratch::default()),
        }
    }

    fn run_filter(&self, f: &NativeFilter, fields: &[Value]) -> bool {
        let mut slots = [NVal::default(); MAX_FILTER_FIELDS];
        for ((i, ty), slot) in f.fields.iter().zip(slots.iter_mut()) {
            if let Some(v) = fields.get(*i) {
                *slot = marshal(v, *ty);
            }
        }
        self.with_scratch(|scratch| {
            let mut ctx = self.ctx(std::ptr::null(), 0, scratch);
            ctx.fields = slots.as_ptr();
            // SAFETY: `ctx` is fully initialised; `fields` holds MAX_FILTER_FIELDS
            // slots, at least as many as the filter reads (checked when compiling);
            // the strings the slots point to belong to `fields`, borrowed for the
            // call; `scratch` is borrowed exclusively for the call.
            let r = unsafe { (f.func)(&mut ctx) };
            r != 0
        })
    }
}

impl Drop for JitEngine<'_> {
    fn drop(&mut self) {
        if let Some(m) = self.module.take() {
            // SAFETY: the function pointers into this memory are fields of `self`,
            // which is being dropped, so no generated code runs afterwards.
            unsafe { m.free_memory() };
        }
    }
}

impl FilterEval for JitEngine<'_> {
    fn accepts(&self, store: usize, source: usize, fields: &[Value]) -> bool {
        let Some(s) = self.filters.get(store) else {
            return false;
        };
        match s.get(source) {
            Some(Some(f)) => self.run_filter(f, fields),
            _ => true,
        }
    }
}

impl Evaluator for JitEngine<'_> {
    fn segments(&self, state: &ProfileState, t: i64, out: &mut Vec<bool>) {
        out.clear();
        out.resize(self.plan.segments.len(), false);
        self.segments_where(state, t, &self.every, out);
    }

    fn segments_where(&self, state: &ProfileState, t: i64, want: &[bool], out: &mut [bool]) {
        // `every` holds one entry per segment.
        let n = self.every.len();
        if want.len() < n || out.len() < n {
            return;
        }
        let gates = self.gates(state);
        let mut run = |mut ctx: Ctx| {
            ctx.gates = gates;
            // SAFETY: `ctx` is fully initialised, `state` and `scratch` (when not
            // null) are borrowed for the call, and `scratch` is null only when the
            // function calls no helper that uses it (`segments_scratch`); the
            // function reads the `want` bytes of the plan's segments (a full chunk
            // of eight at once, never past the last segment) and writes one byte,
            // 0 or 1 (a valid `bool`), for each segment `want` marks; `want` and
            // `out` hold at least one per segment (checked above).
            unsafe {
                (self.segments_fn)(
                    &mut ctx,
                    out.as_mut_ptr().cast::<u8>(),
                    want.as_ptr().cast::<u8>(),
                )
            };
        };
        if self.segments_scratch {
            self.with_scratch(|scratch| run(self.ctx(state, t, scratch)));
        } else {
            run(self.ctx_with(state, t, std::ptr::null_mut()));
        }
    }

    fn traits(&self, state: &ProfileState, t: i64) -> Vec<Value> {
        let gates = self.gates(state);
        let mut fresh = Vec::new();
        let mut held = self.trait_buf.try_borrow_mut();
        let buf = match held.as_mut() {
            Ok(b) => &mut **b,
            Err(_) => &mut fresh,
        };
        buf.clear();
        buf.resize(self.trait_tys.len(), NVal::default());
        self.with_scratch(|scratch| {
            let mut ctx = self.ctx(state, t, scratch);
            ctx.gates = gates;
            // SAFETY: as in `segments`; the function writes one NVal per trait into
            // `buf`, which holds exactly that many.
            unsafe { (self.traits_fn)(&mut ctx, buf.as_mut_ptr()) };
            // Strings are copied while `state` and `scratch` still hold them.
            buf.iter()
                .zip(&self.trait_tys)
                .map(|(v, ty)| unmarshal(v, *ty, read_str))
                .collect()
        })
    }
}

/// Copies a string a trait result points to (into `state`, the constants or the
/// call's scratch buffers, all still alive here).
fn read_str(ptr: u64, len: u64) -> Option<Arc<str>> {
    if ptr == 0 {
        return Some(Arc::from(""));
    }
    let len = usize::try_from(len).ok()?;
    // SAFETY: generated code only produces (pointer, length) pairs of live strings:
    // event fields, attributes and aggregate results in the borrowed state, plan
    // constants owned by the engine, and helper results kept in the scratch
    // buffers, which are reset only at the next call.
    let bytes = unsafe { std::slice::from_raw_parts(ptr as *const u8, len) };
    std::str::from_utf8(bytes).ok().map(Arc::from)
}

/// The Cranelift IR generated for `plan` (`seg compile --emit clif`).
pub fn clif_text(plan: &Plan) -> Result<String, String> {
    build::compile(plan, true).map(|o| o.text)
}

#[cfg(test)]
mod tests;
