//! Translates plan expressions to Cranelift IR, one function body at a time.
//!
//! A value is a `V`: its static `Ty`, an `i8` presence flag and the words of its type
//! (see `abi::NVal`). Booleans, ints, durations, timestamps and floats are computed
//! natively with the interpreter's none rules (checked integer arithmetic, none on
//! division by zero, comparisons false against none, `??`, `in`, short-circuit
//! `and`/`or`); equality of a string with a string constant is inlined as a length
//! test and word compares; decimals, string order and helpers, and every read of
//! store state call host helpers. Values that are none always carry zero words, so
//! helpers may be called on them without branching (their result is masked).
//! This module builds IR only: it owns no memory and runs nothing.

use std::collections::HashMap;

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{
    types, AbiParam, Block, BlockArg, FuncRef, InstBuilder, MemFlagsData, StackSlot, StackSlotData,
    StackSlotKind, Type, Value as IrValue,
};
use cranelift_frontend::FunctionBuilder;
use cranelift_jit::JITModule;
use cranelift_module::{FuncId, Module};
use seg_compiler::hir::{AggFunc, Helper};
use seg_compiler::ir::plan::{Expr, Plan};
use seg_compiler::syntax::ast::BinOp;

use super::abi::{
    CTX_CONSTS, CTX_FIELDS, CTX_GATES, CTX_OUT, NVAL_A, NVAL_B, NVAL_C, NVAL_SIZE, STRCONST_SIZE,
};
use super::helpers::{self, H};
use super::memo::{Memo, Read};
use super::typing::{self, Node, Scope, Ty};
use crate::ops;
use crate::value::Value;

/// String constants of the plan, in order of first use.
#[derive(Default)]
pub struct Pool {
    pub strings: Vec<String>,
}

impl Pool {
    fn index(&mut self, s: &str) -> usize {
        match self.strings.iter().position(|x| x == s) {
            Some(i) => i,
            None => {
                self.strings.push(s.to_string());
                self.strings.len() - 1
            }
        }
    }
}

/// A value in generated code.
#[derive(Clone, Debug)]
pub struct V {
    pub ty: Ty,
    /// `i8`: 1 present, 0 none.
    pub present: IrValue,
    pub w: Vec<IrValue>,
    /// A string constant's pool index.
    konst: Option<usize>,
}

fn word_types(ty: Ty) -> &'static [Type] {
    match ty {
        Ty::Null => &[],
        Ty::Bool => &[types::I8],
        Ty::Int | Ty::Duration | Ty::Timestamp => &[types::I64],
        Ty::Float => &[types::F64],
        Ty::Str => &[types::I64, types::I64],
        Ty::Decimal => &[types::I64, types::I64, types::I64],
    }
}

/// Imported helpers: their ids in the module.
pub type HelperIds = HashMap<H, FuncId>;

/// Where a function keeps the values it computes at most once per call: a flag
/// byte per value in `flags` (at the value's index), set once the value is in its
/// slot.
struct MemoFrame {
    flags: StackSlot,
    index: HashMap<Memo, i32>,
    /// Each value's type and slot, from its first computing site on.
    slots: HashMap<Memo, (Ty, StackSlot)>,
}

pub struct Gen<'a, 'f> {
    pub b: FunctionBuilder<'f>,
    module: &'a mut JITModule,
    ids: &'a HelperIds,
    refs: HashMap<H, FuncRef>,
    plan: &'a Plan,
    pool: &'a mut Pool,
    scope: Scope,
    /// Inside a filter: the field read by each slot of `Ctx::fields`.
    slots: Vec<usize>,
    pub ctx: IrValue,
    traits: Vec<Option<V>>,
    segs: Vec<Option<V>>,
    /// In the segments function, traits and segments are computed where first
    /// needed (behind the same short-circuits as in the interpreter, and only for
    /// the segments asked for), and the referenced ones kept (`memo`).
    pub lazy_nodes: bool,
    /// The values computed at most once per call (none until `keep`).
    memo: Option<MemoFrame>,
    /// Purposes of gated segments; bit k of `Ctx::gates` is `gate_purposes[k]`.
    gate_purposes: Vec<usize>,
}

fn mem() -> MemFlagsData {
    MemFlagsData::trusted()
}

impl<'a, 'f> Gen<'a, 'f> {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        b: FunctionBuilder<'f>,
        module: &'a mut JITModule,
        ids: &'a HelperIds,
        plan: &'a Plan,
        pool: &'a mut Pool,
        scope: Scope,
        slots: Vec<usize>,
        ctx: IrValue,
        gate_purposes: Vec<usize>,
    ) -> Self {
        Gen {
            b,
            module,
            ids,
            refs: HashMap::new(),
            plan,
            pool,
            scope,
            slots,
            ctx,
            traits: vec![None; plan.traits.len()],
            segs: vec![None; plan.segments.len()],
            lazy_nodes: false,
            memo: None,
            gate_purposes,
        }
    }

    /// Seals and finalizes the function; true when it calls a helper that needs
    /// the call's `Scratch` buffers.
    pub fn finish(mut self) -> bool {
        let cfg = self.module.target_config();
        self.b.seal_all_blocks();
        self.b.finalize(cfg);
        self.refs.keys().any(|h| h.uses_scratch())
    }

    fn i8c(&mut self, v: i64) -> IrValue {
        self.b.ins().iconst(types::I8, v)
    }

    fn i64c(&mut self, v: i64) -> IrValue {
        self.b.ins().iconst(types::I64, v)
    }

    fn zero(&mut self, t: Type) -> IrValue {
        if t == types::F64 {
            self.b.ins().f64const(0.0)
        } else {
            self.b.ins().iconst(t, 0)
        }
    }

    /// A none of type `ty` (zero words).
    fn none(&mut self, ty: Ty) -> V {
        let present = self.i8c(0);
        let w = word_types(ty).iter().map(|t| self.zero(*t)).collect();
        V {
            ty,
            present,
            w,
            konst: None,
        }
    }

    fn present(&mut self, ty: Ty, w: Vec<IrValue>) -> V {
        let present = self.i8c(1);
        V {
            ty,
            present,
            w,
            konst: None,
        }
    }

    fn boolean(&mut self, x: IrValue) -> V {
        self.present(Ty::Bool, vec![x])
    }

    fn and8(&mut self, a: IrValue, b: IrValue) -> IrValue {
        self.b.ins().band(a, b)
    }

    fn not8(&mut self, a: IrValue) -> IrValue {
        self.b.ins().bxor_imm_u(a, 1)
    }

    fn helper(&mut self, h: H) -> Result<FuncRef, String> {
        if let Some(r) = self.refs.get(&h) {
            return Ok(*r);
        }
        let id = *self
            .ids
            .get(&h)
            .ok_or_else(|| format!("helper {h:?} is not declared"))?;
        let r = self.module.declare_func_in_func(id, self.b.func);
        self.refs.insert(h, r);
        Ok(r)
    }

    fn call(&mut self, h: H, args: &[IrValue]) -> Result<IrValue, String> {
        let f = self.helper(h)?;
        let inst = self.b.ins().call(f, args);
        self.b
            .inst_results(inst)
            .first()
            .copied()
            .ok_or_else(|| format!("helper {h:?} returns nothing"))
    }

    /// Reads `Ctx::out` as a value of `ty` whose presence is the helper's `tag`.
    fn read_out(&mut self, ty: Ty, tag: IrValue) -> V {
        let present = self.b.ins().icmp_imm_s(IntCC::NotEqual, tag, 0);
        let base = CTX_OUT;
        let w = self.load_words(ty, self.ctx, base);
        V {
            ty,
            present,
            w,
            konst: None,
        }
    }

    /// Loads the words of an `NVal` of type `ty` at `ptr + base`.
    fn load_words(&mut self, ty: Ty, ptr: IrValue, base: i32) -> Vec<IrValue> {
        let offs = [NVAL_A, NVAL_B, NVAL_C];
        match ty {
            Ty::Null => Vec::new(),
            Ty::Bool => {
                let a = self.b.ins().load(types::I64, mem(), ptr, base + NVAL_A);
                vec![self.b.ins().icmp_imm_s(IntCC::NotEqual, a, 0)]
            }
            _ => word_types(ty)
                .iter()
                .zip(offs)
                .map(|(t, o)| self.b.ins().load(*t, mem(), ptr, base + o))
                .collect(),
        }
    }

    /// Stores a value as an `NVal` at `ptr + base`.
    pub fn store_nval(&mut self, v: &V, ptr: IrValue, base: i32) {
        let tag = self.b.ins().uextend(types::I64, v.present);
        self.b.ins().store(mem(), tag, ptr, base);
        let offs = [NVAL_A, NVAL_B, NVAL_C];
        for (w, o) in v.w.iter().zip(offs) {
            let w = if v.ty == Ty::Bool {
                self.b.ins().uextend(types::I64, *w)
            } else {
                *w
            };
            self.b.ins().store(mem(), w, ptr, base + o);
        }
    }

    /// Truthiness (`ops::truthy`): a present `true`.
    pub fn truthy(&mut self, v: &V) -> IrValue {
        match (v.ty, v.w.first()) {
            (Ty::Bool, Some(w)) => {
                let w = *w;
                self.and8(v.present, w)
            }
            _ => self.i8c(0),
        }
    }

    fn merge_block(&mut self, ty: Ty) -> Block {
        let blk = self.b.create_block();
        self.b.append_block_param(blk, types::I8);
        for t in word_types(ty) {
            self.b.append_block_param(blk, *t);
        }
        blk
    }

    fn args_of(v: &V) -> Vec<BlockArg> {
        std::iter::once(v.present)
            .chain(v.w.iter().copied())
            .map(BlockArg::Value)
            .collect()
    }

    fn block_value(&mut self, blk: Block, ty: Ty) -> V {
        let ps = self.b.block_params(blk).to_vec();
        let (present, w) = match ps.split_first() {
            Some((p, w)) => (*p, w.to_vec()),
            None => (self.i8c(0), Vec::new()),
        };
        V {
            ty,
            present,
            w,
            konst: None,
        }
    }

    /// Compiles the consent-gated value of every node in `order` (dependencies
    /// first), keeping each for later references.
    pub fn nodes(&mut self, order: &[Node]) -> Result<(), String> {
        for &n in order {
            let v = self.node(n)?;
            let slot = match n {
                Node::Trait(i) => self.traits.get_mut(i),
                Node::Segment(i) => self.segs.get_mut(i),
            };
            if let Some(slot) = slot {
                *slot = Some(v);
            }
        }
        Ok(())
    }

    /// Computes a trait's value, or a segment's consent-gated membership, here.
    fn node(&mut self, n: Node) -> Result<V, String> {
        match n {
            Node::Trait(i) => {
                let e = &self.plan.traits.get(i).ok_or("missing trait")?.expr;
                self.expr(e, 0)
            }
            Node::Segment(i) => {
                let seg = self.plan.segments.get(i).ok_or("missing segment")?;
                let Some(p) = seg.purpose else {
                    let v = self.expr(&seg.expr, 0)?;
                    let x = self.truthy(&v);
                    return Ok(self.boolean(x));
                };
                self.gated(p, &seg.expr)
            }
        }
    }

    /// A gated segment's membership: false without evaluating `e` when the gate
    /// of purpose `p` is closed (as the interpreter, which never evaluates the
    /// expressions of a segment it may not use).
    fn gated(&mut self, p: usize, e: &Expr) -> Result<V, String> {
        let g = self.gate(p)?;
        self.short_circuit(g, true, e, 0)
    }

    /// The consent gate of purpose `p` (bit of `Ctx::gates`), as `i8`.
    fn gate(&mut self, p: usize) -> Result<IrValue, String> {
        let k = self
            .gate_purposes
            .iter()
            .position(|x| *x == p)
            .ok_or("ungated purpose")?;
        let gates = self.b.ins().load(types::I64, mem(), self.ctx, CTX_GATES);
        let bit = self.b.ins().ushr_imm_u(gates, k as i64);
        let bit = self.b.ins().band_imm_u(bit, 1);
        Ok(self.b.ins().ireduce(types::I8, bit))
    }

    pub fn node_value(&self, n: Node) -> Option<&V> {
        match n {
            Node::Trait(i) => self.traits.get(i)?.as_ref(),
            Node::Segment(i) => self.segs.get(i)?.as_ref(),
        }
    }

    /// Compiles one expression.
    pub fn expr(&mut self, e: &Expr, depth: usize) -> Result<V, String> {
        if depth > typing::MAX_DEPTH {
            return Err("expression too deep".into());
        }
        let d = depth + 1;
        match e {
            Expr::Const(l) => self.constant(&ops::literal(l)),
            Expr::Field(i) => Ok(self.field(*i)),
            Expr::Attr(i) => self.attr(*i),
            Expr::Trait(i) => self.reference(Node::Trait(*i)),
            Expr::Segment(i) => self.reference(Node::Segment(*i)),
            Expr::Matched { .. } => {
                let r = Read::of(e).ok_or("not a store read")?;
                let n = self.read(r)?;
                let n = n.w.first().copied().ok_or("a match count without words")?;
                let x = self.b.ins().icmp_imm_s(IntCC::SignedGreaterThan, n, 0);
                Ok(self.boolean(x))
            }
            Expr::Agg { .. } | Expr::Since { .. } | Expr::Matches { .. } | Expr::Absent { .. } => {
                self.read(Read::of(e).ok_or("not a store read")?)
            }
            Expr::Neg(x) => {
                let v = self.expr(x, d)?;
                self.neg(v)
            }
            Expr::Not(x) => {
                let v = self.expr(x, d)?;
                let t = self.truthy(&v);
                let n = self.not8(t);
                Ok(self.boolean(n))
            }
            Expr::Binary { op, lhs, rhs, .. } => self.binary(*op, lhs, rhs, d),
            Expr::Convert { to, expr } => {
                let v = self.expr(expr, d)?;
                self.convert(v, *to)
            }
            Expr::In { expr, items } => {
                let v = self.expr(expr, d)?;
                let mut acc = self.i8c(0);
                for it in items {
                    let x = self.expr(it, d)?;
                    let eq = self.compare(BinOp::Eq, &v, &x)?;
                    acc = self.b.ins().bor(acc, eq);
                }
                Ok(self.boolean(acc))
            }
            Expr::Helper { func, args } => {
                let mut vals = Vec::with_capacity(args.len());
                for a in args {
                    vals.push(self.expr(a, d)?);
                }
                self.string_helper(*func, &vals)
            }
        }
    }

    fn constant(&mut self, v: &Value) -> Result<V, String> {
        Ok(match v {
            Value::None => self.none(Ty::Null),
            Value::Bool(x) => {
                let c = self.i8c(i64::from(*x));
                self.boolean(c)
            }
            Value::Int(i) => {
                let c = self.i64c(*i);
                self.present(Ty::Int, vec![c])
            }
            Value::Duration(i) => {
                let c = self.i64c(*i);
                self.present(Ty::Duration, vec![c])
            }
            Value::Timestamp(i) => {
                let c = self.i64c(*i);
                self.present(Ty::Timestamp, vec![c])
            }
            Value::Float(f) => {
                let c = self.b.ins().f64const(*f);
                self.present(Ty::Float, vec![c])
            }
            Value::Decimal(x) => {
                let m = x.mantissa();
                let lo = self.i64c(m as i64);
                let hi = self.i64c((m >> 64) as i64);
                let s = self.i64c(i64::from(x.scale()));
                self.present(Ty::Decimal, vec![lo, hi, s])
            }
            Value::Str(s) => {
                let k = self.pool.index(s);
                let base = self.b.ins().load(types::I64, mem(), self.ctx, CTX_CONSTS);
                let off = STRCONST_SIZE * k as i32;
                let p = self.b.ins().load(types::I64, mem(), base, off);
                let l = self.b.ins().load(types::I64, mem(), base, off + 8);
                let mut v = self.present(Ty::Str, vec![p, l]);
                v.konst = Some(k);
                v
            }
        })
    }

    fn field(&mut self, i: usize) -> V {
        let Scope::Filter { event } = self.scope else {
            return self.none(Ty::Null);
        };
        let ty = self
            .plan
            .schema
            .events
            .get(event)
            .and_then(|e| e.fields.get(i))
            .map(|f| Ty::of_value_type(f.ty));
        let (Some(ty), Some(slot)) = (ty, self.slots.iter().position(|s| *s == i)) else {
            return self.none(Ty::Null);
        };
        let fields = self.b.ins().load(types::I64, mem(), self.ctx, CTX_FIELDS);
        let base = NVAL_SIZE * slot as i32;
        let tag = self.b.ins().load(types::I64, mem(), fields, base);
        let present = self.b.ins().icmp_imm_s(IntCC::NotEqual, tag, 0);
        let w = self.load_words(ty, fields, base);
        V {
            ty,
            present,
            w,
            konst: None,
        }
    }

    fn attr(&mut self, i: usize) -> Result<V, String> {
        let Some(ty) = self
            .plan
            .schema
            .attrs
            .get(i)
            .map(|a| Ty::of_value_type(a.ty))
        else {
            return Ok(self.none(Ty::Null));
        };
        let a = self.i64c(i as i64);
        let t = self.i64c(ty.code());
        let tag = self.call(H::Attr, &[self.ctx, a, t])?;
        Ok(self.read_out(ty, tag))
    }

    pub fn reference(&mut self, n: Node) -> Result<V, String> {
        if self.lazy_nodes {
            return self.memoized(Memo::Node(n), |g| g.node(n));
        }
        self.node_value(n)
            .cloned()
            .ok_or_else(|| format!("{n:?} is used before it is computed"))
    }

    /// Lays out the values this function keeps (`memo::kept`): one flag byte per
    /// value, cleared here, at the function's entry; the values' own slots are
    /// made where each is first computed, once its type is known.
    pub fn keep(&mut self, kept: Vec<Memo>) -> Result<(), String> {
        if kept.is_empty() {
            return Ok(());
        }
        let words = kept.len().div_ceil(8);
        let size = u32::try_from(words * 8).map_err(|_| "too many kept values")?;
        let flags = self.b.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            size,
            3,
        ));
        let zero = self.i64c(0);
        for k in 0..words {
            let off = i32::try_from(k * 8).map_err(|_| "too many kept values")?;
            self.b.ins().stack_store(types::I64, zero, flags, off);
        }
        self.memo = Some(MemoFrame {
            flags,
            index: kept.into_iter().zip(0..).collect(),
            slots: HashMap::new(),
        });
        Ok(())
    }

    /// `m`'s value: when the function keeps it, computed here by `compute` unless
    /// a path to this site already computed it in this call (its flag is set);
    /// otherwise computed here.
    fn memoized(
        &mut self,
        m: Memo,
        compute: impl FnOnce(&mut Self) -> Result<V, String>,
    ) -> Result<V, String> {
        let Some((flags, at)) = self
            .memo
            .as_ref()
            .and_then(|f| Some((f.flags, *f.index.get(&m)?)))
        else {
            return compute(self);
        };
        let flag = self.b.ins().stack_load(types::I64, types::I8, flags, at);
        let compute_blk = self.b.create_block();
        let have = self.b.create_block();
        self.b.ins().brif(flag, have, &[], compute_blk, &[]);
        self.b.switch_to_block(compute_blk);
        let v = compute(self)?;
        let (ty, slot) = self.value_slot(m, v.ty)?;
        let n = word_types(ty).len() as i32;
        for (k, w) in v.w.iter().enumerate() {
            self.b.ins().stack_store(types::I64, *w, slot, 8 * k as i32);
        }
        self.b.ins().stack_store(types::I64, v.present, slot, 8 * n);
        let one = self.i8c(1);
        self.b.ins().stack_store(types::I64, one, flags, at);
        self.b.ins().jump(have, &[]);
        self.b.switch_to_block(have);
        let w = word_types(ty)
            .iter()
            .enumerate()
            .map(|(k, t)| self.b.ins().stack_load(types::I64, *t, slot, 8 * k as i32))
            .collect();
        Ok(V {
            ty,
            present: self.b.ins().stack_load(types::I64, types::I8, slot, 8 * n),
            w,
            konst: None,
        })
    }

    /// The stack slot holding kept value `m` (its words, then its presence byte),
    /// made on first use for type `ty`; an error if an earlier site gave it
    /// another type.
    fn value_slot(&mut self, m: Memo, ty: Ty) -> Result<(Ty, StackSlot), String> {
        let frame = self.memo.as_mut().ok_or("no kept values")?;
        if let Some((t, slot)) = frame.slots.get(&m) {
            if *t != ty {
                return Err(format!("{m:?} has two native types"));
            }
            return Ok((*t, *slot));
        }
        let size = 8 * (word_types(ty).len() as u32 + 1);
        let slot = self.b.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            size,
            3,
        ));
        frame.slots.insert(m, (ty, slot));
        Ok((ty, slot))
    }

    /// A store read: computed once per call when the function keeps it (several
    /// places make it: `memo::shared_reads`), else here.
    fn read(&mut self, r: Read) -> Result<V, String> {
        self.memoized(Memo::Read(r), |g| g.store_read(r))
    }

    /// Calls the helper behind a store read.
    fn store_read(&mut self, r: Read) -> Result<V, String> {
        match r {
            Read::Agg {
                func,
                store,
                window,
                base,
            } => self.aggregate(func, store, window, base),
            Read::Since(store) => {
                let s = self.i64c(store as i64);
                let tag = self.call(H::Since, &[self.ctx, s])?;
                Ok(self.read_out(Ty::Duration, tag))
            }
            Read::Matches { store, window } => {
                let n = self.matches(store, window)?;
                Ok(self.present(Ty::Int, vec![n]))
            }
            Read::Absent(store) => {
                let within = self
                    .plan
                    .stores
                    .get(store)
                    .map_or(0, |s| helpers::absence_within(&s.kind));
                let s = self.i64c(store as i64);
                let w = self.i64c(within);
                let r = self.call(H::Absent, &[self.ctx, s, w])?;
                let x = self.b.ins().icmp_imm_s(IntCC::NotEqual, r, 0);
                Ok(self.boolean(x))
            }
        }
    }

    fn window_args(&mut self, window: Option<i64>) -> (IrValue, IrValue) {
        let has = self.i64c(i64::from(window.is_some()));
        let w = self.i64c(window.unwrap_or(0));
        (has, w)
    }

    fn matches(&mut self, store: usize, window: Option<i64>) -> Result<IrValue, String> {
        let s = self.i64c(store as i64);
        let (has, w) = self.window_args(window);
        self.call(H::Matches, &[self.ctx, s, has, w])
    }

    fn aggregate(
        &mut self,
        func: AggFunc,
        store: usize,
        window: Option<i64>,
        base: seg_compiler::hir::Base,
    ) -> Result<V, String> {
        let ty = typing::agg_ty(func, base).ok_or("an aggregate has no type")?;
        let s = self.i64c(store as i64);
        let (has, w) = self.window_args(window);
        if func == AggFunc::Count {
            let n = self.call(H::Count, &[self.ctx, s, has, w])?;
            return Ok(self.present(Ty::Int, vec![n]));
        }
        let f = self.i64c(helpers::agg_code(func));
        let bc = self.i64c(helpers::base_code(base));
        let t = self.i64c(ty.code());
        let tag = self.call(H::Agg, &[self.ctx, s, f, bc, has, w, t])?;
        Ok(self.read_out(ty, tag))
    }

    fn neg(&mut self, v: V) -> Result<V, String> {
        let Some(x) = v.w.first().copied() else {
            return Ok(self.none(Ty::Null));
        };
        match v.ty {
            Ty::Int | Ty::Duration => {
                let ok = self.b.ins().icmp_imm_s(IntCC::NotEqual, x, i64::MIN);
                let present = self.and8(v.present, ok);
                let n = self.b.ins().ineg(x);
                Ok(V {
                    ty: v.ty,
                    present,
                    w: vec![n],
                    konst: None,
                })
            }
            Ty::Float => {
                let n = self.b.ins().fneg(x);
                Ok(V {
                    ty: Ty::Float,
                    present: v.present,
                    w: vec![n],
                    konst: None,
                })
            }
            Ty::Decimal => {
                let mut args = vec![self.ctx];
                args.extend(v.w.iter().copied());
                let tag = self.call(H::DecNeg, &args)?;
                let mut r = self.read_out(Ty::Decimal, tag);
                r.present = self.and8(r.present, v.present);
                Ok(r)
            }
            _ => Ok(self.none(Ty::Null)),
        }
    }

    fn convert(&mut self, v: V, to: seg_compiler::hir::Base) -> Result<V, String> {
        let target = typing::convert_ty(v.ty, to);
        if target == v.ty {
            return Ok(v);
        }
        let x =
            v.w.first()
                .copied()
                .ok_or("conversion of a value without words")?;
        let w = match (v.ty, target) {
            (Ty::Int, Ty::Decimal) => {
                let hi = self.b.ins().sshr_imm_u(x, 63);
                let s = self.i64c(0);
                vec![x, hi, s]
            }
            (Ty::Int, Ty::Float) => vec![self.b.ins().fcvt_from_sint(types::F64, x)],
            (Ty::Decimal, Ty::Float) => vec![self.call(H::DecToF64, &v.w)?],
            _ => return Err("unexpected conversion".into()),
        };
        Ok(V {
            ty: target,
            present: v.present,
            w,
            konst: None,
        })
    }

    fn binary(&mut self, op: BinOp, lhs: &Expr, rhs: &Expr, d: usize) -> Result<V, String> {
        match op {
            BinOp::And | BinOp::Or => self.logic(op == BinOp::And, lhs, rhs, d),
            BinOp::Coalesce => self.coalesce(lhs, rhs, d),
            _ if op.is_comparison() => {
                let l = self.expr(lhs, d)?;
                let r = self.expr(rhs, d)?;
                let x = self.compare(op, &l, &r)?;
                Ok(self.boolean(x))
            }
            _ => {
                let l = self.expr(lhs, d)?;
                let r = self.expr(rhs, d)?;
                self.arith(op, &l, &r)
            }
        }
    }

    /// Short-circuit `and` / `or` over truthiness.
    fn logic(&mut self, and: bool, lhs: &Expr, rhs: &Expr, d: usize) -> Result<V, String> {
        let l = self.expr(lhs, d)?;
        let l = self.truthy(&l);
        self.short_circuit(l, and, rhs, d)
    }

    /// `l` (an `i8` truth value) when it is not `go_on`; otherwise the truth of
    /// `rhs`, evaluated only then.
    fn short_circuit(
        &mut self,
        l: IrValue,
        go_on: bool,
        rhs: &Expr,
        d: usize,
    ) -> Result<V, String> {
        let rb = self.b.create_block();
        let merge = self.b.create_block();
        self.b.append_block_param(merge, types::I8);
        let done = [BlockArg::Value(l)];
        if go_on {
            self.b.ins().brif(l, rb, &[], merge, &done);
        } else {
            self.b.ins().brif(l, merge, &done, rb, &[]);
        }
        self.b.switch_to_block(rb);
        let r = self.expr(rhs, d)?;
        let r = self.truthy(&r);
        self.b.ins().jump(merge, &[BlockArg::Value(r)]);
        self.b.switch_to_block(merge);
        let x = self
            .b
            .block_params(merge)
            .first()
            .copied()
            .ok_or("no param")?;
        Ok(self.boolean(x))
    }

    /// `x ?? y`: x unless none, then y (evaluated only then).
    fn coalesce(&mut self, lhs: &Expr, rhs: &Expr, d: usize) -> Result<V, String> {
        let l = self.expr(lhs, d)?;
        if l.ty == Ty::Null {
            return self.expr(rhs, d);
        }
        let merge = self.merge_block(l.ty);
        let rb = self.b.create_block();
        let largs = Self::args_of(&l);
        self.b.ins().brif(l.present, merge, &largs, rb, &[]);
        self.b.switch_to_block(rb);
        let r = self.expr(rhs, d)?;
        let r = if r.ty == Ty::Null {
            self.none(l.ty)
        } else if r.ty == l.ty {
            r
        } else {
            return Err(format!(
                "`??` of {:?} and {:?} has no single type",
                l.ty, r.ty
            ));
        };
        let rargs = Self::args_of(&r);
        self.b.ins().jump(merge, &rargs);
        self.b.switch_to_block(merge);
        Ok(self.block_value(merge, l.ty))
    }

    /// A comparison (`ops::comparison`): false when either side is none or the
    /// types differ. Returns `i8`.
    fn compare(&mut self, op: BinOp, l: &V, r: &V) -> Result<IrValue, String> {
        if l.ty != r.ty || l.ty == Ty::Null {
            return Ok(self.i8c(0));
        }
        let both = self.and8(l.present, r.present);
        let (Some(x), Some(y)) = (l.w.first().copied(), r.w.first().copied()) else {
            return Err("comparison of values without words".into());
        };
        let c = match l.ty {
            Ty::Int | Ty::Duration | Ty::Timestamp => self.b.ins().icmp(signed_cc(op)?, x, y),
            Ty::Bool => self.b.ins().icmp(unsigned_cc(op)?, x, y),
            Ty::Float => self.b.ins().fcmp(float_cc(op)?, x, y),
            Ty::Str => self.compare_str(op, l, r)?,
            Ty::Decimal => {
                let mut args = l.w.clone();
                args.extend(r.w.iter().copied());
                let o = self.call(H::DecCmp, &args)?;
                self.order_result(op, o)?
            }
            Ty::Null => self.i8c(0),
        };
        Ok(self.and8(both, c))
    }

    /// Maps an order result (-1, 0, 1; anything else: not comparable) to `op`.
    fn order_result(&mut self, op: BinOp, o: IrValue) -> Result<IrValue, String> {
        let is = |g: &mut Self, k: i64| g.b.ins().icmp_imm_s(IntCC::Equal, o, k);
        Ok(match op {
            BinOp::Eq => is(self, 0),
            BinOp::Lt => is(self, -1),
            BinOp::Gt => is(self, 1),
            BinOp::Ne => {
                let a = is(self, -1);
                let b = is(self, 1);
                self.b.ins().bor(a, b)
            }
            BinOp::Le => {
                let a = is(self, -1);
                let b = is(self, 0);
                self.b.ins().bor(a, b)
            }
            BinOp::Ge => {
                let a = is(self, 0);
                let b = is(self, 1);
                self.b.ins().bor(a, b)
            }
            _ => return Err("not a comparison".into()),
        })
    }

    fn compare_str(&mut self, op: BinOp, l: &V, r: &V) -> Result<IrValue, String> {
        let (Some(&lp), Some(&ll), Some(&rp), Some(&rl)) =
            (l.w.first(), l.w.get(1), r.w.first(), r.w.get(1))
        else {
            return Err("string without words".into());
        };
        if matches!(op, BinOp::Eq | BinOp::Ne) {
            let eq = match (l.konst, r.konst) {
                (_, Some(k)) => self.str_eq_const(lp, ll, k)?,
                (Some(k), None) => self.str_eq_const(rp, rl, k)?,
                (None, None) => {
                    let e = self.call(H::StrEq, &[lp, ll, rp, rl])?;
                    self.b.ins().icmp_imm_s(IntCC::NotEqual, e, 0)
                }
            };
            return Ok(if op == BinOp::Eq { eq } else { self.not8(eq) });
        }
        let o = self.call(H::StrCmp, &[lp, ll, rp, rl])?;
        self.order_result(op, o)
    }

    /// Equality with the string constant `k`: a length test, then word compares.
    fn str_eq_const(&mut self, p: IrValue, l: IrValue, k: usize) -> Result<IrValue, String> {
        let bytes = self
            .pool
            .strings
            .get(k)
            .map(|s| s.as_bytes().to_vec())
            .ok_or("missing constant")?;
        let n = bytes.len();
        if n > 32 {
            let base = self.b.ins().load(types::I64, mem(), self.ctx, CTX_CONSTS);
            let off = STRCONST_SIZE * k as i32;
            let kp = self.b.ins().load(types::I64, mem(), base, off);
            let kl = self.b.ins().load(types::I64, mem(), base, off + 8);
            let e = self.call(H::StrEq, &[p, l, kp, kl])?;
            return Ok(self.b.ins().icmp_imm_s(IntCC::NotEqual, e, 0));
        }
        let len_ok = self.b.ins().icmp_imm_s(IntCC::Equal, l, n as i64);
        if n == 0 {
            return Ok(len_ok);
        }
        let cmp = self.b.create_block();
        let merge = self.b.create_block();
        self.b.append_block_param(merge, types::I8);
        let zero = self.i8c(0);
        self.b
            .ins()
            .brif(len_ok, cmp, &[], merge, &[BlockArg::Value(zero)]);
        self.b.switch_to_block(cmp);
        let mut acc = self.i8c(1);
        let mut off = 0usize;
        // Bytes of the string: readable because its length equals the constant's.
        let flags = MemFlagsData::new().with_notrap().with_readonly();
        for (size, t) in [
            (8usize, types::I64),
            (4, types::I32),
            (2, types::I16),
            (1, types::I8),
        ] {
            while n - off >= size {
                let mut word = [0u8; 8];
                if let (Some(dst), Some(src)) = (word.get_mut(..size), bytes.get(off..off + size)) {
                    dst.copy_from_slice(src);
                }
                let imm = u64::from_le_bytes(word) as i64;
                let loaded = self.b.ins().load(t, flags, p, off as i32);
                let c = self.b.ins().iconst(t, imm);
                let e = self.b.ins().icmp(IntCC::Equal, loaded, c);
                acc = self.and8(acc, e);
                off += size;
            }
        }
        self.b.ins().jump(merge, &[BlockArg::Value(acc)]);
        self.b.switch_to_block(merge);
        self.b
            .block_params(merge)
            .first()
            .copied()
            .ok_or_else(|| "no param".to_string())
    }

    /// Arithmetic (`ops::arith`) with the none rules.
    fn arith(&mut self, op: BinOp, l: &V, r: &V) -> Result<V, String> {
        let ty = typing::arith_ty(op, l.ty, r.ty);
        if ty == Ty::Null {
            return Ok(self.none(Ty::Null));
        }
        let both = self.and8(l.present, r.present);
        let (Some(x), Some(y)) = (l.w.first().copied(), r.w.first().copied()) else {
            return Err("arithmetic on values without words".into());
        };
        let (w, ok) = match (l.ty, r.ty) {
            (Ty::Float, Ty::Float) => self.float_arith(op, x, y)?,
            (Ty::Decimal, Ty::Decimal) => {
                let mut args = vec![self.ctx];
                let code = self.i64c(helpers::op_code(op));
                args.push(code);
                args.extend(l.w.iter().copied());
                args.extend(r.w.iter().copied());
                let tag = self.call(H::DecArith, &args)?;
                let v = self.read_out(Ty::Decimal, tag);
                (v.w, Some(v.present))
            }
            _ => self.int_arith(op, x, y)?,
        };
        let present = match ok {
            Some(ok) => self.and8(both, ok),
            None => both,
        };
        Ok(V {
            ty,
            present,
            w,
            konst: None,
        })
    }

    /// Checked i64 arithmetic (ints, durations, timestamps): (words, ok flag).
    fn int_arith(
        &mut self,
        op: BinOp,
        x: IrValue,
        y: IrValue,
    ) -> Result<(Vec<IrValue>, Option<IrValue>), String> {
        let (v, overflow) = match op {
            BinOp::Add => self.b.ins().sadd_overflow(x, y),
            BinOp::Sub => self.b.ins().ssub_overflow(x, y),
            BinOp::Mul => self.b.ins().smul_overflow(x, y),
            BinOp::Rem => {
                let zero = self.b.ins().icmp_imm_s(IntCC::Equal, y, 0);
                let min = self.b.ins().icmp_imm_s(IntCC::Equal, x, i64::MIN);
                let m1 = self.b.ins().icmp_imm_s(IntCC::Equal, y, -1);
                let ovf = self.and8(min, m1);
                let bad = self.b.ins().bor(zero, ovf);
                let one = self.i64c(1);
                let safe = self.b.ins().select(bad, one, y);
                let v = self.b.ins().srem(x, safe);
                (v, bad)
            }
            _ => return Err(format!("integer `{}`", op.symbol())),
        };
        let ok = self.not8(overflow);
        Ok((vec![v], Some(ok)))
    }

    fn float_arith(
        &mut self,
        op: BinOp,
        x: IrValue,
        y: IrValue,
    ) -> Result<(Vec<IrValue>, Option<IrValue>), String> {
        let nonzero = |g: &mut Self| {
            let z = g.b.ins().f64const(0.0);
            g.b.ins().fcmp(FloatCC::NotEqual, y, z)
        };
        Ok(match op {
            BinOp::Add => (vec![self.b.ins().fadd(x, y)], None),
            BinOp::Sub => (vec![self.b.ins().fsub(x, y)], None),
            BinOp::Mul => (vec![self.b.ins().fmul(x, y)], None),
            BinOp::Div => {
                let ok = nonzero(self);
                (vec![self.b.ins().fdiv(x, y)], Some(ok))
            }
            BinOp::Rem => {
                let ok = nonzero(self);
                (vec![self.call(H::Fmod, &[x, y])?], Some(ok))
            }
            _ => return Err(format!("float `{}`", op.symbol())),
        })
    }

    fn string_helper(&mut self, func: Helper, vals: &[V]) -> Result<V, String> {
        let tys: Vec<Ty> = vals.iter().map(|v| v.ty).collect();
        match (typing::helper_ty(func, &tys), vals) {
            (Ty::Str, [s]) => {
                let (Some(&p), Some(&l)) = (s.w.first(), s.w.get(1)) else {
                    return Err("string without words".into());
                };
                let tag = self.call(H::Lower, &[self.ctx, p, l])?;
                let mut v = self.read_out(Ty::Str, tag);
                v.present = self.and8(v.present, s.present);
                Ok(v)
            }
            (Ty::Bool, [s, x]) if s.ty == Ty::Str && x.ty == Ty::Str => {
                let h = if func == Helper::StartsWith {
                    H::StartsWith
                } else {
                    H::Contains
                };
                let args = [s.w[0], s.w[1], x.w[0], x.w[1]];
                let r = self.call(h, &args)?;
                let r = self.b.ins().icmp_imm_s(IntCC::NotEqual, r, 0);
                let both = self.and8(s.present, x.present);
                let r = self.and8(both, r);
                Ok(self.boolean(r))
            }
            (Ty::Bool, _) => {
                let f = self.i8c(0);
                Ok(self.boolean(f))
            }
            _ => Ok(self.none(Ty::Null)),
        }
    }
}

fn signed_cc(op: BinOp) -> Result<IntCC, String> {
    Ok(match op {
        BinOp::Eq => IntCC::Equal,
        BinOp::Ne => IntCC::NotEqual,
        BinOp::Lt => IntCC::SignedLessThan,
        BinOp::Le => IntCC::SignedLessThanOrEqual,
        BinOp::Gt => IntCC::SignedGreaterThan,
        BinOp::Ge => IntCC::SignedGreaterThanOrEqual,
        _ => return Err("not a comparison".into()),
    })
}

fn unsigned_cc(op: BinOp) -> Result<IntCC, String> {
    Ok(match op {
        BinOp::Eq => IntCC::Equal,
        BinOp::Ne => IntCC::NotEqual,
        BinOp::Lt => IntCC::UnsignedLessThan,
        BinOp::Le => IntCC::UnsignedLessThanOrEqual,
        BinOp::Gt => IntCC::UnsignedGreaterThan,
        BinOp::Ge => IntCC::UnsignedGreaterThanOrEqual,
        _ => return Err("not a comparison".into()),
    })
}

/// Ordered float conditions: every comparison with NaN is false, like
/// `partial_cmp` returning None in `ops::compare` (also for `!=`).
fn float_cc(op: BinOp) -> Result<FloatCC, String> {
    Ok(match op {
        BinOp::Eq => FloatCC::Equal,
        BinOp::Ne => FloatCC::OrderedNotEqual,
        BinOp::Lt => FloatCC::LessThan,
        BinOp::Le => FloatCC::LessThanOrEqual,
        BinOp::Gt => FloatCC::GreaterThan,
        BinOp::Ge => FloatCC::GreaterThanOrEqual,
        _ => return Err("not a comparison".into()),
    })
}

/// Signature parameter for a helper kind.
pub fn abi_param(k: helpers::K) -> AbiParam {
    match k {
        helpers::K::I => AbiParam::new(types::I64),
        helpers::K::F => AbiParam::new(types::F64),
    }
}
