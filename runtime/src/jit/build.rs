//! Builds the Cranelift module of a plan: the ISA for the host, the imported host
//! helpers, one function per distinct filter, the segments function and the traits
//! function; finalizes them and hands back their addresses (or, for
//! `--emit clif`, only the IR text). Never calls generated code.

use std::collections::HashMap;

use cranelift_codegen::ir::{types, AbiParam, InstBuilder, MemFlagsData, UserFuncName, Value};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::Context;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{default_libcall_names, FuncId, Linkage, Module};
use seg_compiler::ir::plan::{Expr, Plan};

use super::abi::NVAL_SIZE;
use super::codegen::{abi_param, Gen, HelperIds, Pool};
use super::helpers;
use super::memo;
use super::typing::{self, Node, Scope, Ty};

/// Per store, per source: the compiled filter (address or id, and the (field,
/// type) of each slot), None when the source is unfiltered.
pub type Filters<F> = Vec<Vec<Option<Compiled<F>>>>;

/// A compiled filter: the function and the (field, type) of each slot.
pub type Compiled<F> = (F, Vec<(usize, Ty)>);

/// What compiling a plan produces.
pub struct Output {
    pub module: JITModule,
    /// Per store, per source: (address, slots) of its filter function.
    pub filters: Filters<*const u8>,
    pub segments: *const u8,
    pub traits: *const u8,
    pub trait_tys: Vec<Ty>,
    pub gate_purposes: Vec<usize>,
    /// Whether the segments function calls a helper that needs `Ctx::scratch`.
    pub segments_scratch: bool,
    pub strings: Vec<String>,
    /// The IR of every function (only when asked for).
    pub text: String,
}

struct Builder<'p> {
    plan: &'p Plan,
    module: JITModule,
    ids: HelperIds,
    pool: Pool,
    fctx: FunctionBuilderContext,
    cctx: Context,
    gate_purposes: Vec<usize>,
    /// The functions calling a helper that needs `Ctx::scratch`.
    scratch_users: Vec<FuncId>,
    /// Some: collect IR text and do not compile.
    text: Option<String>,
}

fn isa_module() -> Result<JITModule, String> {
    let mut flags = settings::builder();
    for (k, v) in [
        ("opt_level", "speed"),
        ("is_pic", "false"),
        ("use_colocated_libcalls", "false"),
    ] {
        flags
            .set(k, v)
            .map_err(|e| format!("cranelift flag {k}: {e}"))?;
    }
    let isa = cranelift_native::builder()
        .map_err(|e| format!("unsupported host: {e}"))?
        .finish(settings::Flags::new(flags))
        .map_err(|e| format!("cranelift: {e}"))?;
    if isa.pointer_type() != types::I64 {
        return Err("the JIT supports 64-bit hosts only".into());
    }
    let mut jb = JITBuilder::with_isa(isa, default_libcall_names());
    for h in helpers::ALL {
        jb.symbol(h.signature().0, h.address());
    }
    Ok(JITModule::new(jb))
}

/// Compiles the plan; with `text_only`, returns the IR text without machine code.
pub fn compile(plan: &Plan, text_only: bool) -> Result<Output, String> {
    typing::check_plan(plan)?;
    let mut module = isa_module()?;
    let mut ids = HashMap::new();
    let mut legend = String::from("; host helpers\n");
    for h in helpers::ALL {
        let (name, params, ret) = h.signature();
        let mut sig = module.make_signature();
        sig.params.extend(params.iter().map(|k| abi_param(*k)));
        sig.returns.extend(ret.map(abi_param));
        let id = module
            .declare_function(name, Linkage::Import, &sig)
            .map_err(|e| format!("cranelift: {e}"))?;
        legend.push_str(&format!(";   u0:{} = {name}\n", id.as_u32()));
        ids.insert(h, id);
    }
    legend.push('\n');
    let mut gate_purposes = Vec::new();
    for s in &plan.segments {
        if let Some(p) = s.purpose {
            if !gate_purposes.contains(&p) {
                gate_purposes.push(p);
            }
        }
    }
    let cctx = module.make_context();
    let mut b = Builder {
        plan,
        module,
        ids,
        pool: Pool::default(),
        fctx: FunctionBuilderContext::new(),
        cctx,
        gate_purposes,
        scratch_users: Vec::new(),
        text: text_only.then_some(legend),
    };
    let filters = b.filters()?;
    let segments = b.segments()?;
    let (traits, trait_tys) = b.traits()?;
    b.finish(filters, segments, traits, trait_tys)
}

/// Which part of the plan a function computes.
enum Body<'e> {
    Filter(&'e Expr),
    Segments,
    Traits,
}

impl Builder<'_> {
    /// Declares, generates and (unless only text is wanted) defines one function.
    /// Returns its id and, for the traits function, the trait types.
    fn function(
        &mut self,
        label: &str,
        scope: Scope,
        slots: Vec<usize>,
        body: Body<'_>,
    ) -> Result<(FuncId, Vec<Ty>), String> {
        let mut sig = self.module.make_signature();
        sig.params.push(AbiParam::new(types::I64));
        match body {
            Body::Filter(_) => sig.returns.push(AbiParam::new(types::I64)),
            Body::Segments => {
                sig.params.push(AbiParam::new(types::I64));
                sig.params.push(AbiParam::new(types::I64));
            }
            Body::Traits => sig.params.push(AbiParam::new(types::I64)),
        }
        let id = self
            .module
            .declare_anonymous_function(&sig)
            .map_err(|e| format!("cranelift: {e}"))?;
        self.cctx.func.signature = sig;
        self.cctx.func.name = UserFuncName::user(0, id.as_u32());
        let mut fb = FunctionBuilder::new(&mut self.cctx.func, &mut self.fctx);
        let entry = fb.create_block();
        fb.append_block_params_for_function_params(entry);
        fb.switch_to_block(entry);
        let params = fb.block_params(entry).to_vec();
        let ctx = params.first().copied().ok_or("no ctx parameter")?;
        let mut g = Gen::new(
            fb,
            &mut self.module,
            &self.ids,
            self.plan,
            &mut self.pool,
            scope,
            slots,
            ctx,
            self.gate_purposes.clone(),
        );
        let tys = emit(&mut g, self.plan, body, &params)?;
        if g.finish() {
            self.scratch_users.push(id);
        }
        if let Some(text) = &mut self.text {
            text.push_str(&format!("; {label}\n{}\n", self.cctx.func.display()));
            self.cctx.clear();
            return Ok((id, tys));
        }
        self.module
            .define_function(id, &mut self.cctx)
            .map_err(|e| format!("cranelift could not compile {label}: {e:?}"))?;
        self.module.clear_context(&mut self.cctx);
        Ok((id, tys))
    }

    /// One function per distinct (event, filter); per store and source, its id and
    /// slots.
    fn filters(&mut self) -> Result<Filters<FuncId>, String> {
        let plan = self.plan;
        let mut done: HashMap<(usize, &Expr), Compiled<FuncId>> = HashMap::new();
        let mut out = Vec::with_capacity(plan.stores.len());
        for (si, store) in plan.stores.iter().enumerate() {
            let mut per = Vec::new();
            for (k, src) in typing::flat_sources(&store.kind).into_iter().enumerate() {
                let Some(f) = &src.filter else {
                    per.push(None);
                    continue;
                };
                if let Some(x) = done.get(&(src.event, f)) {
                    per.push(Some(x.clone()));
                    continue;
                }
                let fields = typing::filter_fields(plan, src.event, f);
                let tys = fields
                    .iter()
                    .map(|i| {
                        let ev = plan.schema.events.get(src.event);
                        let fi = ev.and_then(|e| e.fields.get(*i));
                        (*i, fi.map_or(Ty::Null, |f| Ty::of_value_type(f.ty)))
                    })
                    .collect::<Vec<_>>();
                let label = format!("filter of store s{si}, source {k}");
                let scope = Scope::Filter { event: src.event };
                let (id, _) = self.function(&label, scope, fields, Body::Filter(f))?;
                done.insert((src.event, f), (id, tys.clone()));
                per.push(Some((id, tys)));
            }
            out.push(per);
        }
        Ok(out)
    }

    fn segments(&mut self) -> Result<FuncId, String> {
        self.function("segments", Scope::Profile, Vec::new(), Body::Segments)
            .map(|(id, _)| id)
    }

    fn traits(&mut self) -> Result<(FuncId, Vec<Ty>), String> {
        self.function("traits", Scope::Profile, Vec::new(), Body::Traits)
    }

    fn finish(
        mut self,
        filters: Filters<FuncId>,
        segments: FuncId,
        traits: FuncId,
        trait_tys: Vec<Ty>,
    ) -> Result<Output, String> {
        let text_only = self.text.is_some();
        let text = self.text.take().unwrap_or_default();
        if !text_only {
            self.module
                .finalize_definitions()
                .map_err(|e| format!("cranelift: {e}"))?;
        }
        let addr = |m: &JITModule, id: FuncId| {
            if text_only {
                std::ptr::null()
            } else {
                m.get_finalized_function(id)
            }
        };
        let filters = filters
            .into_iter()
            .map(|per| {
                per.into_iter()
                    .map(|f| f.map(|(id, tys)| (addr(&self.module, id), tys)))
                    .collect()
            })
            .collect();
        Ok(Output {
            segments: addr(&self.module, segments),
            traits: addr(&self.module, traits),
            filters,
            module: self.module,
            trait_tys,
            gate_purposes: self.gate_purposes,
            segments_scratch: self.scratch_users.contains(&segments),
            strings: self.pool.strings,
            text,
        })
    }
}

/// Generates a function body (`params`: the function's parameters, `ctx` first);
/// returns the trait types for the traits function.
fn emit(
    g: &mut Gen<'_, '_>,
    plan: &Plan,
    body: Body<'_>,
    params: &[Value],
) -> Result<Vec<Ty>, String> {
    let out = params.get(1).copied();
    match body {
        Body::Filter(f) => {
            let v = g.expr(f, 0)?;
            let t = g.truthy(&v);
            let r = g.b.ins().uextend(types::I64, t);
            g.b.ins().return_(&[r]);
            Ok(Vec::new())
        }
        Body::Segments => {
            let out = out.ok_or("no output parameter")?;
            let want = params.get(2).copied().ok_or("no mask parameter")?;
            g.keep(memo::kept(plan, true))?;
            // Nodes are generated where first referenced; the order is not
            // needed, but computing it refuses a reference cycle, on which
            // that generation would not end.
            typing::topo_order(plan, typing::plan_roots(plan, true))?;
            g.lazy_nodes = true;
            let n = plan.segments.len();
            // Segments go by eight: a chunk no segment of which is wanted is
            // skipped on one 8-byte load of the mask (`want` holds `n` bytes,
            // each 0 or 1, so the load stays inside it), and the rest one by one.
            for chunk in (0..n).step_by(8) {
                let end = (chunk + 8).min(n);
                let skip = if end - chunk == 8 {
                    let off = i32::try_from(chunk).map_err(|_| "too many segments")?;
                    let flags = MemFlagsData::new().with_notrap();
                    let any = g.b.ins().load(types::I64, flags, want, off);
                    let body = g.b.create_block();
                    let after = g.b.create_block();
                    g.b.ins().brif(any, body, &[], after, &[]);
                    g.b.switch_to_block(body);
                    Some(after)
                } else {
                    None
                };
                segment_range(g, chunk..end, want, out)?;
                if let Some(after) = skip {
                    g.b.ins().jump(after, &[]);
                    g.b.switch_to_block(after);
                }
            }
            g.b.ins().return_(&[]);
            Ok(Vec::new())
        }
        Body::Traits => {
            let out = out.ok_or("no output parameter")?;
            g.keep(memo::kept(plan, false))?;
            let order = typing::topo_order(plan, typing::plan_roots(plan, false))?;
            g.nodes(&order)?;
            let mut tys = Vec::with_capacity(plan.traits.len());
            for i in 0..plan.traits.len() {
                let v = g
                    .node_value(Node::Trait(i))
                    .cloned()
                    .ok_or("trait not computed")?;
                let off = i32::try_from(i)
                    .ok()
                    .and_then(|i| i.checked_mul(NVAL_SIZE))
                    .ok_or("too many traits")?;
                g.store_nval(&v, out, off);
                tys.push(v.ty);
            }
            g.b.ins().return_(&[]);
            Ok(tys)
        }
    }
}

/// Computes each segment of `range` that `want` marks and stores its byte in `out`.
fn segment_range(
    g: &mut Gen<'_, '_>,
    range: std::ops::Range<usize>,
    want: Value,
    out: Value,
) -> Result<(), String> {
    for i in range {
        let off = i32::try_from(i).map_err(|_| "too many segments")?;
        let wanted =
            g.b.ins()
                .load(types::I8, MemFlagsData::trusted(), want, off);
        let compute = g.b.create_block();
        let next = g.b.create_block();
        g.b.ins().brif(wanted, compute, &[], next, &[]);
        g.b.switch_to_block(compute);
        let v = g.reference(Node::Segment(i))?;
        let x = v.w.first().copied().ok_or("segment without value")?;
        g.b.ins().store(MemFlagsData::trusted(), x, out, off);
        g.b.ins().jump(next, &[]);
        g.b.switch_to_block(next);
    }
    Ok(())
}
