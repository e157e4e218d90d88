//! The JIT equals the interpreter: random projects written as `.seg` source (every
//! expression form of LANGUAGE.md §5: literals, `count sum avg min max distinct
//! first last most_frequent` with and without windows, filtered events `E[…]` and
//! `any`, arithmetic with widening and overflow, comparisons, `in`, `and or not`,
//! `??`, string helpers, `since` against constants, positive sequences and their
//! counts, absences, traits and segment references, profile attributes, purposes
//! with consent and holdouts), checked by the real compiler, and random streams
//! (identity merges and aliases, consent changes, late, reordered and duplicate
//! messages, invalid messages, erasure) run through the `Executor` with each
//! engine. Changes, merge records, dead letters, audit records, counters and the
//! final snapshot must be identical; along the way the traits and segments of
//! every live profile are also compared at several instants on the same state.
//! A third run evaluates every segment after every change: the executor's
//! evaluation of only the segments that can see a change must emit the same.
//!
//! `SEG_JIT_EQUIV_CASES=N` sets the number of cases (default 200, a few seconds in
//! a debug build); `SEG_JIT_EQUIV_SECS=S` keeps generating cases for S seconds
//! instead; `SEG_JIT_EQUIV_SEED=X` replays the one case a failure printed. Case
//! seeds come from proptest's runner (deterministic unless a time budget is set).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use proptest::prelude::Rng as _;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use seg_compiler::db::{self, Database};
use seg_compiler::ir::Plan;
use seg_runtime::executor::{Evaluator, Executor, MemorySink};
use seg_runtime::interp::Interpreter;
use seg_runtime::jit::JitEngine;
use seg_runtime::state::{FilterEval, ProfileState};
use seg_runtime::value::Value;

// ------------------------------------------------------------------ randomness

/// SplitMix64: one case is a pure function of its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, U>(&mut self, xs: &'a [U]) -> &'a U {
        &xs[self.below(xs.len())]
    }
    fn word(&mut self, xs: &[&'static str]) -> &'static str {
        xs[self.below(xs.len())]
    }
}

// ------------------------------------------------------------------ projects

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum T {
    Bool,
    Int,
    Float,
    Dec,
    Str,
    Dur,
    Ts,
}

const TYPES: [T; 7] = [T::Bool, T::Int, T::Float, T::Dec, T::Str, T::Dur, T::Ts];

/// The fields every generated event declares: (name, type, optional).
const FIELDS: [(&str, T, bool); 11] = [
    ("s", T::Str, false),
    ("o", T::Str, true),
    ("i", T::Int, false),
    ("j", T::Int, true),
    ("f", T::Float, false),
    ("g", T::Float, true),
    ("d", T::Dec, false),
    ("e", T::Dec, true),
    ("du", T::Dur, true),
    ("when", T::Ts, true),
    ("b", T::Bool, true),
];

const EVENTS: usize = 3;
const WINDOWS: [&str; 6] = ["1ms", "10m", "30m", "1h", "1h30m", "2h"];
const WITHIN: [&str; 4] = ["1ms", "5m", "15m", "1h"];
const STRS: [&str; 7] = ["a", "b", "A", "Ab", "ünï", "ΣΑΣ", ""];

fn type_name(t: T) -> &'static str {
    match t {
        T::Bool => "bool",
        T::Int => "int",
        T::Float => "float",
        T::Dec => "decimal",
        T::Str => "string",
        T::Dur => "duration",
        T::Ts => "timestamp",
    }
}

struct Gen {
    r: Rng,
    /// Declared traits: (name, type, may be none).
    traits: Vec<(String, T, bool)>,
    segments: Vec<String>,
    /// Leaves generated outside filters, by type: reused now and then, so that
    /// several places of a project read a store alike (which the JIT computes
    /// once per call).
    leaves: Vec<(T, X)>,
    /// Inside `E[…]`: only fields and literals.
    in_filter: bool,
}

/// A generated expression: its text and whether it may be none.
type X = (String, bool);

impl Gen {
    fn event(&mut self) -> String {
        format!("e{}", self.r.below(EVENTS))
    }

    fn window(&mut self) -> &'static str {
        self.r.word(&WINDOWS)
    }

    /// `E`, `E[pred]` or (where allowed) `any`.
    fn event_ref(&mut self, allow_any: bool, depth: usize) -> String {
        if allow_any && self.r.chance(10) {
            return "any".into();
        }
        let e = self.event();
        if self.r.chance(35) && !self.in_filter {
            self.in_filter = true;
            let (p, _) = self.expr(T::Bool, depth.min(2) + 1);
            self.in_filter = false;
            format!("{e}[{p}]")
        } else {
            e
        }
    }

    /// A field of type `t` (and its optionality).
    fn field_of(&mut self, t: T) -> Option<(&'static str, bool)> {
        let fits: Vec<_> = FIELDS.iter().filter(|f| f.1 == t).collect();
        if fits.is_empty() {
            return None;
        }
        let f = self.r.pick(&fits);
        Some((f.0, f.2))
    }

    fn agg_window(&mut self) -> String {
        if self.r.chance(30) {
            String::new()
        } else {
            format!(", {}", self.window())
        }
    }

    fn int_lit(&mut self) -> String {
        match self.r.below(10) {
            0 => "9223372036854775807".into(),
            1 => "0".into(),
            _ => format!("{}", self.r.below(7)),
        }
    }

    fn float_lit(&mut self) -> String {
        self.r
            .pick(&["0.5", "1.25", "0.0", "2.0", "1000.0", "100.10"])
            .to_string()
    }

    fn dur_lit(&mut self) -> String {
        self.r
            .pick(&["0ms", "1ms", "5m", "30m", "1h", "1h30m", "7d"])
            .to_string()
    }

    fn str_lit(&mut self) -> String {
        format!("\"{}\"", self.r.pick(&STRS))
    }

    /// A literal of `t` usable on its own (decimals only next to a decimal).
    fn literal(&mut self, t: T) -> Option<String> {
        Some(match t {
            T::Bool => self.r.pick(&["true", "false"]).to_string(),
            T::Int => self.int_lit(),
            T::Float => self.float_lit(),
            T::Str => self.str_lit(),
            T::Dur => self.dur_lit(),
            T::Dec | T::Ts => return None,
        })
    }

    /// A literal written next to a decimal operand: read exactly.
    fn dec_lit(&mut self) -> String {
        self.r
            .pick(&["0", "1.5", "0.10", "500.10", "-2", "12.345", "0.3"])
            .to_string()
    }

    /// A leaf of type `t`.
    fn leaf(&mut self, t: T, depth: usize) -> X {
        if self.in_filter {
            return match (self.r.below(3), self.field_of(t), self.literal(t)) {
                (0, _, Some(l)) => (l, false),
                (_, Some((f, opt)), _) => (f.to_string(), opt),
                (_, None, Some(l)) => (l, false),
                _ => ("none".into(), true),
            };
        }
        let traits: Vec<_> = self.traits.iter().filter(|x| x.1 == t).cloned().collect();
        if !traits.is_empty() && self.r.chance(20) {
            let (n, _, opt) = self.r.pick(&traits).clone();
            return (n, opt);
        }
        if t == T::Bool && !self.segments.is_empty() && self.r.chance(15) {
            let k = self.r.below(self.segments.len());
            return (self.segments[k].clone(), false);
        }
        let seen: Vec<X> = self
            .leaves
            .iter()
            .filter(|l| l.0 == t)
            .map(|l| l.1.clone())
            .collect();
        if !seen.is_empty() && self.r.chance(25) {
            return self.r.pick(&seen).clone();
        }
        let x = self.fresh_leaf(t, depth);
        self.leaves.push((t, x.clone()));
        x
    }

    /// A new leaf of type `t` outside filters: a literal, a profile attribute or
    /// a store read.
    fn fresh_leaf(&mut self, t: T, depth: usize) -> X {
        let w = self.agg_window();
        match t {
            T::Bool => match self.r.below(7) {
                0 => {
                    let a = self.event_ref(true, depth);
                    let b = self.event_ref(true, depth);
                    let d = self.r.pick(&WITHIN);
                    (format!("({a} then {b} within {d})"), false)
                }
                1 => {
                    let a = self.event_ref(false, depth);
                    let b = self.event_ref(true, depth);
                    let d = self.r.pick(&WITHIN);
                    (format!("({a} then not {b} within {d})"), false)
                }
                2 => (self.since(depth), false),
                3 => {
                    let e = self.event_ref(false, depth);
                    (format!("(last({e}.b{w}) ?? false)"), false)
                }
                4 => ("true".into(), false),
                5 => ("false".into(), false),
                _ => {
                    let e = self.event_ref(false, depth);
                    (format!("last({e}.b{w})"), true)
                }
            },
            T::Int => match self.r.below(8) {
                0 => (self.int_lit(), false),
                1 | 2 => {
                    let e = self.event_ref(true, depth);
                    (format!("count({e}{w})"), false)
                }
                3 => {
                    let a = self.event_ref(true, depth);
                    let b = self.event_ref(true, depth);
                    let d = self.r.pick(&WITHIN);
                    (format!("count({a} then {b} within {d}{w})"), false)
                }
                4 => {
                    let e = self.event_ref(false, depth);
                    let (f, _) = self.any_field();
                    (format!("distinct({e}.{f}{w})"), false)
                }
                5 => {
                    let e = self.event_ref(false, depth);
                    let f = self.r.pick(&["i", "j"]);
                    (format!("sum({e}.{f}{w})"), false)
                }
                6 => ("profile.score".into(), true),
                _ => self.optional_agg(T::Int, depth),
            },
            T::Float => match self.r.below(5) {
                0 => (self.float_lit(), false),
                1 => {
                    let e = self.event_ref(false, depth);
                    let f = self.r.pick(&["i", "j", "f", "g", "d", "e"]);
                    (format!("avg({e}.{f}{w})"), true)
                }
                2 => {
                    let e = self.event_ref(false, depth);
                    let f = self.r.pick(&["f", "g"]);
                    (format!("sum({e}.{f}{w})"), false)
                }
                _ => self.optional_agg(T::Float, depth),
            },
            T::Dec => match self.r.below(3) {
                0 => {
                    let e = self.event_ref(false, depth);
                    let f = self.r.pick(&["d", "e"]);
                    (format!("sum({e}.{f}{w})"), false)
                }
                _ => self.optional_agg(T::Dec, depth),
            },
            T::Str => match self.r.below(5) {
                0 => (self.str_lit(), false),
                1 => ("profile.plan".into(), true),
                _ => self.optional_agg(T::Str, depth),
            },
            T::Dur => match self.r.below(4) {
                0 => (self.dur_lit(), false),
                1 => {
                    let e = self.event_ref(false, depth);
                    (format!("sum({e}.du{w})"), false)
                }
                _ => self.optional_agg(T::Dur, depth),
            },
            T::Ts => self.optional_agg(T::Ts, depth),
        }
    }

    fn any_field(&mut self) -> (&'static str, T) {
        let f = self.r.pick(&FIELDS);
        (f.0, f.1)
    }

    /// `min max first last most_frequent` of a field of type `t`.
    fn optional_agg(&mut self, t: T, depth: usize) -> X {
        let e = self.event_ref(false, depth);
        let (f, _) = self.field_of(t).unwrap_or(("i", false));
        let func = self
            .r
            .pick(&["min", "max", "first", "last", "most_frequent"]);
        let w = self.agg_window();
        (format!("{func}({e}.{f}{w})"), true)
    }

    /// `since(E)` compared with a constant duration, possibly through `??`.
    fn since(&mut self, depth: usize) -> String {
        let e = self.event_ref(true, depth);
        let op = self.r.pick(&["<", "<=", ">", ">=", "==", "!="]);
        let c = self
            .r
            .pick(&["1ms", "10m", "30m", "1h", "-5m", "1h - 30m", "7d"]);
        match self.r.below(3) {
            0 => format!("(since({e}) {op} {c})"),
            1 => format!("({c} {op} since({e}))"),
            _ => {
                let d = self.r.pick(&["0ms", "1h", "90m"]);
                format!("((since({e}) ?? {d}) {op} {c})")
            }
        }
    }

    /// An expression of type `t`.
    fn expr(&mut self, t: T, depth: usize) -> X {
        if depth >= 4 || self.r.chance(30) {
            return self.leaf(t, depth);
        }
        let d = depth + 1;
        match t {
            T::Bool => self.bool_expr(d),
            T::Int => self.int_expr(d),
            T::Float => self.float_expr(d),
            T::Dec => self.dec_expr(d),
            T::Str => self.str_expr(d),
            T::Dur => self.dur_expr(d),
            T::Ts => {
                let (a, _) = self.expr(T::Ts, d);
                let (b, _) = self.expr(T::Dur, d);
                let op = self.r.pick(&["+", "-"]);
                (format!("({a} {op} {b})"), true)
            }
        }
    }

    fn coalesce(&mut self, t: T, d: usize) -> X {
        let (a, opt) = self.expr(t, d);
        if !opt {
            return (a, false);
        }
        let b = match t {
            T::Dec => self.dec_lit(),
            _ => match self.literal(t) {
                Some(l) if self.r.chance(60) => l,
                _ => self.expr(t, d).0,
            },
        };
        (format!("({a} ?? {b})"), false)
    }

    fn bool_expr(&mut self, d: usize) -> X {
        match self.r.below(9) {
            0 => {
                let (a, _) = self.expr(T::Bool, d);
                let (b, _) = self.expr(T::Bool, d);
                let op = self.r.pick(&["and", "or"]);
                (format!("({a} {op} {b})"), false)
            }
            1 => {
                let (a, _) = self.expr(T::Bool, d);
                (format!("(not {a})"), false)
            }
            2 | 3 => self.comparison(d),
            4 => {
                let t = *self.r.pick(&[T::Str, T::Int, T::Dec]);
                let (a, _) = self.expr(t, d);
                let n = 1 + self.r.below(3);
                let items: Vec<String> = (0..n)
                    .map(|_| match t {
                        T::Dec => self.dec_lit(),
                        _ => self.literal(t).unwrap_or_default(),
                    })
                    .collect();
                (format!("({a} in [{}])", items.join(", ")), false)
            }
            5 => {
                let (a, _) = self.expr(T::Str, d);
                let (b, _) = self.expr(T::Str, d);
                let f = self.r.pick(&["starts_with", "contains"]);
                (format!("{f}({a}, {b})"), false)
            }
            6 => self.coalesce(T::Bool, d),
            _ => self.leaf(T::Bool, d),
        }
    }

    fn comparison(&mut self, d: usize) -> X {
        let op = *self.r.pick(&["==", "!=", "<", "<=", ">", ">="]);
        // Same types, or numeric operands that widen.
        let (lt, rt) = match self.r.below(10) {
            0 => (T::Int, T::Float),
            1 => (T::Int, T::Dec),
            2 => (T::Dec, T::Float),
            _ => {
                let t = *self.r.pick(&TYPES);
                (t, t)
            }
        };
        // Booleans have equality but no order.
        let op = if lt == T::Bool && !matches!(op, "==" | "!=") {
            "=="
        } else {
            op
        };
        let (a, _) = self.expr(lt, d);
        let b = if rt == T::Dec && self.r.chance(40) {
            self.dec_lit()
        } else {
            self.expr(rt, d).0
        };
        if self.r.chance(50) {
            (format!("({a} {op} {b})"), false)
        } else {
            (format!("({b} {op} {a})"), false)
        }
    }

    fn arith(&mut self, t: T, d: usize, ops: &[&str]) -> X {
        let op = *self.r.pick(ops);
        let (a, oa) = self.expr(t, d);
        let (b, ob) = if t == T::Dec && self.r.chance(40) {
            (self.dec_lit(), false)
        } else {
            self.expr(t, d)
        };
        (format!("({a} {op} {b})"), oa || ob)
    }

    fn int_expr(&mut self, d: usize) -> X {
        match self.r.below(4) {
            0 | 1 => self.arith(T::Int, d, &["+", "-", "*", "%"]),
            2 => {
                let (a, o) = self.expr(T::Int, d);
                (format!("(-{a})"), o)
            }
            _ => self.coalesce(T::Int, d),
        }
    }

    fn float_expr(&mut self, d: usize) -> X {
        match self.r.below(5) {
            0 => self.arith(T::Float, d, &["+", "-", "*", "/", "%"]),
            1 => {
                // `/` of any numbers is a float.
                let lt = *self.r.pick(&[T::Int, T::Dec, T::Float]);
                let (a, _) = self.expr(lt, d);
                let rt = *self.r.pick(&[T::Int, T::Float]);
                let (b, _) = self.expr(rt, d);
                (format!("({a} / {b})"), true)
            }
            2 => {
                // Widening: int or decimal with a float.
                let lt = *self.r.pick(&[T::Int, T::Dec]);
                let (a, oa) = self.expr(lt, d);
                let (b, ob) = self.expr(T::Float, d);
                let op = self.r.pick(&["+", "-", "*"]);
                (format!("({a} {op} {b})"), oa || ob)
            }
            3 => {
                let (a, o) = self.expr(T::Float, d);
                (format!("(-{a})"), o)
            }
            _ => self.coalesce(T::Float, d),
        }
    }

    fn dec_expr(&mut self, d: usize) -> X {
        match self.r.below(4) {
            0 => self.arith(T::Dec, d, &["+", "-", "*", "%"]),
            1 => {
                let (a, oa) = self.expr(T::Int, d);
                let (b, ob) = self.expr(T::Dec, d);
                let op = self.r.pick(&["+", "-", "*"]);
                (format!("({a} {op} {b})"), oa || ob)
            }
            2 => {
                let (a, o) = self.expr(T::Dec, d);
                (format!("(-{a})"), o)
            }
            _ => self.coalesce(T::Dec, d),
        }
    }

    fn str_expr(&mut self, d: usize) -> X {
        match self.r.below(2) {
            0 => {
                let (a, o) = self.expr(T::Str, d);
                (format!("lower({a})"), o)
            }
            _ => self.coalesce(T::Str, d),
        }
    }

    fn dur_expr(&mut self, d: usize) -> X {
        match self.r.below(4) {
            0 => self.arith(T::Dur, d, &["+", "-"]),
            1 => {
                let (a, oa) = self.expr(T::Dur, d);
                let (b, ob) = self.expr(T::Int, d);
                (format!("({a} * {b})"), oa || ob)
            }
            2 => {
                let (a, _) = self.expr(T::Ts, d);
                let (b, _) = self.expr(T::Ts, d);
                (format!("({a} - {b})"), true)
            }
            _ => self.coalesce(T::Dur, d),
        }
    }
}

/// A project: purposes, identity, profile, events, traits and segments.
struct Project {
    source: String,
    purposes: bool,
    page: bool,
    hashed_email: bool,
}

fn project(r: &mut Rng) -> Project {
    let purposes = r.chance(60);
    let page = r.chance(30);
    let hashed_email = r.chance(30);
    let mut src = String::new();
    if purposes {
        let basis = if r.chance(50) {
            "legitimate_interest"
        } else {
            "consent"
        };
        src.push_str("purpose p0 { basis consent category \"C0\" }\n");
        let _ = writeln!(src, "purpose p1 {{ basis {basis} category \"C1\" }}");
    }
    let hash = if hashed_email { " hash(sha256)" } else { "" };
    let _ = writeln!(
        src,
        "identity {{\n  user_id = userId priority 1 limit 1\n  email = traits.email normalize(trim, lower){hash} priority 2 limit 2\n  anonymous_id = anonymousId priority 3 limit 3\n}}"
    );
    src.push_str("profile { plan: string? score: int? }\n");
    for e in 0..EVENTS {
        let wire = if page && e == EVENTS - 1 {
            "page".to_string()
        } else {
            format!("E{e}")
        };
        let _ = write!(src, "event e{e} = \"{wire}\"");
        if purposes {
            src.push_str(" for p0, p1");
        }
        let retain = *r.pick(&["", "", " retain 2h", " retain 1d"]);
        let _ = writeln!(src, "{retain} {{");
        for (name, t, opt) in FIELDS {
            let q = if opt { "?" } else { "" };
            let _ = writeln!(src, "  {name}: {}{q}", type_name(t));
        }
        src.push_str("}\n");
    }
    let mut g = Gen {
        r: Rng(r.next()),
        traits: Vec::new(),
        segments: Vec::new(),
        leaves: Vec::new(),
        in_filter: false,
    };
    let n_traits = g.r.below(4);
    // Now and then more than eight segments, so that the JIT's segments function
    // skips chunks of eight and later segments refer to earlier chunks.
    let n_segments = if g.r.chance(15) {
        9 + g.r.below(12)
    } else {
        1 + g.r.below(4)
    };
    let mut decls = Vec::new();
    for k in 0..n_traits.max(n_segments) {
        if k < n_traits {
            let t = *g.r.pick(&TYPES);
            let (e, opt) = g.expr(t, 0);
            let name = format!("t{k}");
            decls.push(format!("trait {name} = {e}"));
            g.traits.push((name, t, opt));
        }
        if k < n_segments {
            let (e, _) = g.expr(T::Bool, 0);
            let name = format!("g{k}");
            let mut head = format!("segment {name}");
            if purposes {
                let _ = write!(head, " for p{}", g.r.below(2));
            }
            if g.r.chance(20) {
                head.push_str(g.r.word(&[" holdout 50%", " holdout 10%", " holdout 2.5%"]));
            }
            decls.push(format!("{head} = {e}"));
            g.segments.push(name);
        }
    }
    for d in decls {
        src.push_str(&d);
        src.push('\n');
    }
    Project {
        source: src,
        purposes,
        page,
        hashed_email,
    }
}

/// The plan of a project, or the compiler's messages.
fn compile(src: &str) -> Result<Plan, String> {
    let db = Database::default();
    let project = db.load(vec![("p.seg".into(), src.into())]);
    let checked = db::check_project(&db, project);
    if checked.has_errors() {
        let msgs: Vec<String> = checked
            .diagnostics
            .iter()
            .map(|d| format!("{:?} {}", d.code, d.message))
            .collect();
        return Err(msgs.join("\n"));
    }
    db::plan(&db, project)
        .clone()
        .ok_or_else(|| "no plan".to_string())
}

// ------------------------------------------------------------------ streams

const T0: i64 = 1_767_261_600_000;

fn ts_text(r: &mut Rng, ms: i64) -> String {
    if r.chance(20) {
        return ms.to_string();
    }
    let secs = ms.div_euclid(1000);
    let milli = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // 2026-01-01 is day 20454 since the epoch; streams stay within January.
    let day = days - 20_454 + 1;
    format!(
        "\"2026-01-{day:02}T{:02}:{:02}:{:02}.{milli:03}Z\"",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn prop_value(r: &mut Rng, t: T, opt: bool) -> Option<String> {
    if opt && r.chance(25) {
        return if r.chance(50) {
            None
        } else {
            Some("null".into())
        };
    }
    Some(match t {
        T::Str => format!("\"{}\"", r.pick(&STRS)),
        T::Int => r
            .pick(&[
                "0",
                "1",
                "2",
                "3",
                "-4",
                "5",
                "9223372036854775807",
                "-9223372036854775808",
            ])
            .to_string(),
        T::Float => r
            .pick(&["0.5", "-1.25", "0.0", "-0.0", "2", "1e308", "0.1", "3.75"])
            .to_string(),
        T::Dec => r
            .pick(&[
                "1.5",
                "0.10",
                "-2",
                "12.345",
                "0.2",
                "500.10",
                "9999999999999999999999999999",
            ])
            .to_string(),
        T::Dur => r.pick(&["0", "60000", "-1000", "3600000"]).to_string(),
        T::Ts => r
            .pick(&[
                "1767261600000",
                "\"2026-01-01T11:00:00Z\"",
                "\"2026-01-01T09:30:00.250+01:00\"",
            ])
            .to_string(),
        T::Bool => r.pick(&["true", "false"]).to_string(),
    })
}

fn ids(r: &mut Rng, out: &mut String) {
    let user = r.chance(55);
    let anon = !user || r.chance(40);
    if user {
        let _ = write!(out, ",\"userId\":\"u{}\"", r.below(3));
    }
    if anon {
        if r.chance(10) {
            let _ = write!(out, ",\"anonymousId\":{}", r.below(4));
        } else {
            let _ = write!(out, ",\"anonymousId\":\"a{}\"", r.below(4));
        }
    }
}

fn consent(r: &mut Rng, p: &Project, out: &mut String) {
    if !p.purposes || !r.chance(25) {
        return;
    }
    let mut prefs = Vec::new();
    for c in ["C0", "C1"] {
        if r.chance(60) {
            prefs.push(format!("\"{c}\":{}", r.chance(60)));
        }
    }
    if r.chance(10) {
        prefs.push("\"Other\":true".into());
    }
    let _ = write!(
        out,
        ",\"context\":{{\"consent\":{{\"categoryPreferences\":{{{}}}}}}}",
        prefs.join(",")
    );
}

fn stream(r: &mut Rng, p: &Project) -> Vec<String> {
    let n = 10 + r.below(50);
    let mut now = T0;
    let mut lines = Vec::with_capacity(n);
    for _ in 0..n {
        now += *r.pick(&[
            0, 0, 1, 1000, 60_000, 300_000, 600_000, 1_800_000, 3_600_000,
        ]);
        let mut ts = now;
        if r.chance(12) {
            ts -= *r.pick(&[1, 60_000, 300_000, 1_200_000]) as i64;
        }
        let stamp = ts_text(r, ts);
        let mut m = String::from("{");
        match r.below(20) {
            0..=12 => {
                let e = r.below(EVENTS);
                if p.page && e == EVENTS - 1 && r.chance(70) {
                    m.push_str("\"type\":\"page\"");
                } else if r.chance(3) {
                    m.push_str("\"type\":\"track\",\"event\":\"Unknown\"");
                } else {
                    let _ = write!(m, "\"type\":\"track\",\"event\":\"E{e}\"");
                }
                let mut props = Vec::new();
                for (name, t, opt) in FIELDS {
                    // Sometimes a required field is missing or mistyped: invalid.
                    if !opt && r.chance(2) {
                        continue;
                    }
                    let v = if r.chance(1) {
                        Some("\"wrong\"".to_string())
                    } else {
                        prop_value(r, t, opt)
                    };
                    if let Some(v) = v {
                        props.push(format!("\"{name}\":{v}"));
                    }
                }
                let _ = write!(m, ",\"properties\":{{{}}}", props.join(","));
            }
            13..=15 => {
                m.push_str("\"type\":\"identify\"");
                let mut traits = Vec::new();
                if r.chance(40) {
                    let v = r.pick(&["\"pro\"", "\"free\"", "null", "\"PRO\""]);
                    traits.push(format!("\"plan\":{v}"));
                }
                if r.chance(40) {
                    let v = r.pick(&["1", "7", "null", "-3"]);
                    traits.push(format!("\"score\":{v}"));
                }
                if r.chance(40) {
                    let v = r.pick(&["\" Ada@X.com \"", "\"ada@x.com\"", "\"bo@y.org\""]);
                    traits.push(format!("\"email\":{v}"));
                }
                let _ = write!(m, ",\"traits\":{{{}}}", traits.join(","));
            }
            16 | 17 => {
                let _ = write!(
                    m,
                    "\"type\":\"alias\",\"previousId\":\"a{}\",\"userId\":\"u{}\"",
                    r.below(4),
                    r.below(3)
                );
            }
            18 => m.push_str("\"type\":\"forget\""),
            _ => m.push_str("\"type\":\"group\""),
        }
        if !m.contains("\"alias\"") {
            ids(r, &mut m);
        }
        if r.chance(50) {
            let _ = write!(m, ",\"messageId\":\"m{}\"", r.below(25));
        }
        consent(r, p, &mut m);
        if !r.chance(2) {
            let _ = write!(m, ",\"timestamp\":{stamp}");
        }
        m.push('}');
        if r.chance(1) {
            m = "{not json".into();
        }
        lines.push(m);
    }
    lines
}

// ------------------------------------------------------------------ running

/// Evaluates every segment whenever the executor asks for some: the executor
/// evaluates only the segments that can see what changed, and must emit exactly
/// what evaluating all of them after every change emits.
struct EveryTime<'a>(&'a dyn Evaluator);

impl FilterEval for EveryTime<'_> {
    fn accepts(&self, store: usize, source: usize, fields: &[Value]) -> bool {
        self.0.accepts(store, source, fields)
    }
}

impl Evaluator for EveryTime<'_> {
    fn segments(&self, state: &ProfileState, t: i64, out: &mut Vec<bool>) {
        self.0.segments(state, t, out);
    }
    fn segments_where(&self, state: &ProfileState, t: i64, _want: &[bool], out: &mut [bool]) {
        let mut all = Vec::new();
        self.0.segments(state, t, &mut all);
        for (o, a) in out.iter_mut().zip(all) {
            *o = a;
        }
    }
    fn traits(&self, state: &ProfileState, t: i64) -> Vec<Value> {
        self.0.traits(state, t)
    }
}

fn run(
    plan: &Plan,
    eval: &dyn Evaluator,
    lines: &[String],
    max_delay: i64,
    until: Option<i64>,
) -> String {
    let mut exec = Executor::new(plan, eval, max_delay);
    let mut sink = MemorySink::default();
    for (i, l) in lines.iter().enumerate() {
        exec.push_line(i as u64 + 1, l, &mut sink);
    }
    let end = exec.finish(until, &mut sink);
    format!(
        "{:#?}\n{:?}\n{:#?}\n{:?}\n{:?}\n{:#?}\nend {end:?} clock {:?} live {}",
        sink.changes,
        sink.merges,
        sink.dead_letters,
        sink.audits,
        exec.stats,
        exec.snapshot(),
        exec.clock(),
        exec.live_profiles()
    )
}

/// Compares both engines' traits and segments on the states the interpreter-driven
/// executor holds after every line, at several instants.
fn probe(seed: u64, plan: &Plan, interp: &Interpreter<'_>, jit: &JitEngine<'_>, lines: &[String]) {
    let mut exec = Executor::new(plan, interp, 0);
    let mut sink = MemorySink::default();
    let mut ids: Vec<String> = Vec::new();
    for u in 0..3 {
        ids.push(format!("user_id:u{u}"));
    }
    for a in 0..4 {
        ids.push(format!("anonymous_id:a{a}"));
        ids.push(format!("anonymous_id:{a}"));
    }
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for (i, l) in lines.iter().enumerate() {
        exec.push_line(i as u64 + 1, l, &mut sink);
        let Some(clock) = exec.clock() else { continue };
        for id in &ids {
            let Some(state) = exec.profile_state(id) else {
                continue;
            };
            for dt in [0, 1, 599_999, 600_000, 3_600_000, 7_200_001] {
                let t = clock + dt;
                interp.segments(state, t, &mut a);
                Evaluator::segments(jit, state, t, &mut b);
                assert_eq!(a, b, "seed {seed}: segments of {id} at {t}");
                let x = format!("{:?}", interp.traits(state, t));
                let y = format!("{:?}", Evaluator::traits(jit, state, t));
                assert_eq!(x, y, "seed {seed}: traits of {id} at {t}");
            }
        }
    }
}

/// One case; returns false when the generated project did not compile.
fn case(seed: u64) -> bool {
    let mut r = Rng(seed);
    let p = project(&mut r);
    let plan = match compile(&p.source) {
        Ok(plan) => plan,
        Err(e) => {
            if std::env::var_os("SEG_JIT_EQUIV_VERBOSE").is_some() {
                eprintln!("rejected:\n{}\n{e}\n", p.source);
            }
            return false;
        }
    };
    let jit = match JitEngine::new(&plan) {
        Ok(j) => j,
        Err(e) => panic!("seed {seed}: the JIT declined: {e}\n{}", p.source),
    };
    let interp = Interpreter::new(&plan);
    let lines = stream(&mut r, &p);
    let max_delay = *r.pick(&[0, 0, 300_000]);
    let until = r
        .chance(40)
        .then(|| T0 + *r.pick(&[0, 3_600_000, 86_400_000]) as i64 * 3);
    let _ = p.hashed_email;
    let want = run(&plan, &interp, &lines, max_delay, until);
    let got = run(&plan, &jit, &lines, max_delay, until);
    let every = run(&plan, &EveryTime(&interp), &lines, max_delay, until);
    let shown = format!(
        "--- project\n{}\n--- stream\n{}",
        p.source,
        lines.join("\n")
    );
    let runs = [
        (
            "selective",
            "every segment",
            &every,
            "evaluating only the segments that see a change differs from evaluating all",
        ),
        ("interpreter", "jit", &got, "engines differ"),
    ];
    for (ours, theirs, other, what) in runs {
        if want != *other {
            let diff = want
                .lines()
                .zip(other.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(0);
            panic!(
                "seed {seed}: {what} (first at output line {diff})\n{shown}\n--- {ours}\n{want}\n--- {theirs}\n{other}"
            );
        }
    }
    if std::env::var_os("SEG_JIT_EQUIV_VERBOSE").is_some() {
        eprintln!(
            "seed {seed}\n--- project\n{}\n--- stream\n{}\n--- output\n{want}\n",
            p.source,
            lines.join("\n")
        );
    }
    probe(seed, &plan, &interp, &jit, &lines);
    true
}

#[test]
fn jit_equals_interpreter_on_random_projects_and_streams() {
    let env = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<u64>().ok());
    if let Some(seed) = env("SEG_JIT_EQUIV_SEED") {
        assert!(case(seed), "seed {seed}: the project does not compile");
        println!("replayed seed {seed}");
        return;
    }
    let budget = env("SEG_JIT_EQUIV_SECS").map(Duration::from_secs);
    let cases = env("SEG_JIT_EQUIV_CASES").unwrap_or(200);
    let rng = match budget {
        Some(_) => TestRunner::new(Config::default()).rng().clone(),
        None => TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    };
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    let start = Instant::now();
    let (mut ran, mut rejected) = (0u64, 0u64);
    loop {
        let done = match budget {
            Some(b) => start.elapsed() >= b,
            None => ran >= cases,
        };
        if done {
            break;
        }
        let seed = runner.rng().next_u64();
        if case(seed) {
            ran += 1;
        } else {
            rejected += 1;
            assert!(
                rejected <= 10 * (ran + 10),
                "too many generated projects do not compile ({rejected} of {})",
                ran + rejected
            );
        }
    }
    println!(
        "jit_equiv: {ran} cases compared ({rejected} generated projects rejected by the checker) in {:.1}s",
        start.elapsed().as_secs_f64()
    );
}
