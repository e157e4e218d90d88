//! `seg bench DIR --events FILE`: measures one stream end to end with the
//! decode-only floor (read + JSON decode, no evaluation), the interpreter and the
//! JIT, interleaved round by round so that a noisy machine affects all alike, and
//! prints medians as a Markdown table. It writes no output files: changes are
//! counted and hashed so that the engines can be seen to agree. A second table
//! isolates the evaluation core (`core`): the engine calls alone, replayed.

mod core;

use std::collections::hash_map::DefaultHasher;
use std::fs::File;
use std::hash::{Hash, Hasher};
use std::io;
use std::path::PathBuf;
use std::time::Instant;

use cpu_time::ThreadTime;

use seg_compiler::ir::Plan;
use seg_runtime::exec::decode;
use seg_runtime::executor::{Change, Evaluator, Executor, Sink};

use super::decode_ahead::{self, Item};
use super::engine::{Engine, EngineChoice};
use super::lines::{self, Line};
use crate::Outcome;

#[derive(clap::Args)]
pub struct Args {
    /// Project directory
    dir: PathBuf,
    /// Segment-Spec NDJSON input file
    #[arg(long)]
    events: PathBuf,
    /// Rounds; every round measures each mode once, and the median is reported
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Events whose engine calls are recorded and replayed for the evaluation core
    #[arg(long, default_value_t = 200_000)]
    core_events: u64,
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Decode,
    Interp,
    Jit,
}

impl Mode {
    fn label(self) -> &'static str {
        match self {
            Mode::Decode => "decode only (floor)",
            Mode::Interp => "interpreter",
            Mode::Jit => "JIT",
        }
    }
}

/// What one pass produced.
#[derive(Default, Clone, Copy, PartialEq, Debug)]
struct Pass {
    /// Until the last output, not counting freeing the state afterwards.
    seconds: f64,
    /// CPU time of the thread that evaluates (for the floor: that decodes), and
    /// of the thread that reads and decodes ahead of it (engine passes only);
    /// None where the platform has no per-thread clock.
    eval_cpu: Option<f64>,
    read_cpu: Option<f64>,
    lines: u64,
    changes: u64,
    digest: u64,
}

/// Counts and hashes the output instead of writing it.
#[derive(Default)]
struct Tally {
    changes: u64,
    hasher: DefaultHasher,
}

impl Sink for Tally {
    fn change(&mut self, segment_name: &str, c: &Change) {
        self.changes += 1;
        (segment_name, &c.profile, c.enter, c.at, c.holdout).hash(&mut self.hasher);
    }
    fn merge(&mut self, absorbed: &str, into: &str, at: i64) {
        (absorbed, into, at).hash(&mut self.hasher);
    }
    fn dead_letter(&mut self, line: u64, reason: &str, _detail: &str, _raw: &str) {
        (line, reason).hash(&mut self.hasher);
    }
    fn audit(&mut self, erased: &str, at: i64) {
        (erased, at).hash(&mut self.hasher);
    }
}

pub fn run(a: Args) -> Outcome {
    if a.runs == 0 {
        return super::usage_error("--runs must be at least 1");
    }
    let loaded = match super::load_runnable(&a.dir) {
        Ok(l) => l,
        Err(o) => return o,
    };
    let Some(plan) = loaded.plan() else {
        return Outcome::Failed;
    };
    let jit = Engine::new(plan, EngineChoice::Jit);
    let modes: Vec<Mode> = match jit {
        Engine::Jit(_) => vec![Mode::Decode, Mode::Interp, Mode::Jit],
        Engine::Interp(_) => vec![Mode::Decode, Mode::Interp],
    };
    let interp = Engine::new(plan, EngineChoice::Interp);
    let mut passes: Vec<Vec<Pass>> = vec![Vec::new(); modes.len()];
    for round in 0..a.runs {
        // The engines swap places every round, so that neither always runs
        // after the other (a pass inherits the previous one's heap).
        let mut order: Vec<usize> = (0..modes.len()).collect();
        if round % 2 == 1 {
            order[1..].reverse();
        }
        for i in order {
            let mode = &modes[i];
            let engine = if *mode == Mode::Jit { &jit } else { &interp };
            let pass = match one_pass(plan, *mode, engine, &a.events) {
                Ok(p) => p,
                Err(e) => {
                    let shown = a.events.display();
                    return super::usage_error(&format!("cannot read events `{shown}`: {e}"));
                }
            };
            let secs = pass.seconds;
            eprintln!("round {}: {:<20} {secs:.3} s", round + 1, mode.label());
            passes[i].push(pass);
        }
    }
    print_table(&modes, &passes);
    if let Engine::Jit(j) = &jit {
        let recording =
            match core::Recording::take(plan, interp.evaluator(), &a.events, a.core_events) {
                Ok(r) => r,
                Err(e) => return super::usage_error(&format!("cannot read events: {e}")),
            };
        print_core(&recording, interp.evaluator(), j.as_ref(), a.runs);
    }
    Outcome::Ok
}

/// Replays the recorded engine calls on both engines, interleaved, and prints medians:
/// once per call as in the stream (each call on another profile's state), and with
/// each call repeated so that its state is in cache. The replay loop alone (the
/// same calls to an evaluator that does nothing) is measured beside them, and the
/// ratios are given with and without it.
fn print_core(rec: &core::Recording, interp: &dyn Evaluator, jit: &dyn Evaluator, runs: usize) {
    let events = rec.lines.max(1) as f64;
    let runs = runs.max(3);
    println!(
        "\nevaluation core over the first {} events ({} filter calls, {} segment evaluations), median of {runs}:\n",
        rec.lines,
        rec.filter_calls(),
        rec.segment_calls(),
    );
    println!("| engine | ns/event, states as in the stream | ns/event, state in cache |");
    println!("|---|---|---|");
    let rows: [(&str, &dyn Evaluator); 3] = [
        ("interpreter", interp),
        ("JIT", jit),
        ("replay loop alone", &core::Nothing),
    ];
    let mut medians = [[0.0; 2]; 3];
    for (k, repeat) in [1, 8].into_iter().enumerate() {
        let mut times = [Vec::new(), Vec::new(), Vec::new()];
        for _ in 0..runs {
            for (e, (_, engine)) in rows.iter().enumerate() {
                times[e].push(rec.replay(*engine, repeat));
            }
        }
        for (e, t) in times.iter().enumerate() {
            medians[e][k] = median(t) * 1e9 / events;
        }
    }
    for (e, (name, _)) in rows.iter().enumerate() {
        println!("| {name} | {:.1} | {:.1} |", medians[e][0], medians[e][1]);
    }
    let [i, j, l] = medians;
    let ratio = |k: usize, loop_ns: f64| (i[k] - loop_ns) / (j[k] - loop_ns).max(1e-9);
    println!(
        "\nevaluation core, interpreter ÷ JIT: {:.2}× (states as in the stream), {:.2}× (state in cache); \
         without the replay loop: {:.2}×, {:.2}×",
        ratio(0, 0.0),
        ratio(1, 0.0),
        ratio(0, l[0]),
        ratio(1, l[1]),
    );
}

fn one_pass(plan: &Plan, mode: Mode, engine: &Engine<'_>, path: &PathBuf) -> io::Result<Pass> {
    let started = Instant::now();
    let cpu_started = ThreadTime::try_now().ok();
    let cpu_now = || {
        cpu_started
            .and_then(|s| s.try_elapsed().ok())
            .map(|d| d.as_secs_f64())
    };
    let file = File::open(path)?;
    let mut tally = Tally::default();
    let mut pass = Pass::default();
    if mode == Mode::Decode {
        let mut decoded: u64 = 0;
        lines::each_line(file, |line| {
            pass.lines += 1;
            if let Line::Text(_, text, _) = line {
                if matches!(
                    decode::decode(text, &plan.schema),
                    decode::Decoded::Message(_)
                ) {
                    decoded += 1;
                }
            }
        })?;
        pass.digest = decoded;
        pass.seconds = started.elapsed().as_secs_f64();
        pass.eval_cpu = cpu_now();
        return Ok(pass);
    }
    let mut exec = Executor::new(plan, engine.evaluator(), 0);
    exec.keep_spent();
    let read_cpu = decode_ahead::each_decoded(file, &plan.schema, |item, spent| {
        pass.lines += 1;
        if let Item::Decoded(n, text, decoded, _) = item {
            exec.push_decoded(n, text, decoded, &mut tally);
            exec.take_spent(spent);
        }
    })?;
    exec.finish(None, &mut tally);
    pass.seconds = started.elapsed().as_secs_f64();
    pass.eval_cpu = cpu_now();
    pass.read_cpu = read_cpu.map(|d| d.as_secs_f64());
    pass.changes = tally.changes;
    pass.digest = tally.hasher.finish();
    Ok(pass)
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s.get(s.len() / 2).copied().unwrap_or(0.0)
}

/// The median wall time of a mode's passes (0 for none).
fn wall(runs: &[Pass]) -> f64 {
    median_of(runs, |p| Some(p.seconds)).unwrap_or(0.0)
}

/// The median of one figure over a mode's passes (None if any pass lacks it).
fn median_of(passes: &[Pass], figure: impl Fn(&Pass) -> Option<f64>) -> Option<f64> {
    let v: Option<Vec<f64>> = passes.iter().map(figure).collect();
    v.filter(|v| !v.is_empty()).map(|v| median(&v))
}

/// Prints one row per mode: wall time end to end and above the floor, and the
/// CPU time of each thread. The evaluating thread's CPU time bounds the end to
/// end time from below however the two threads overlap.
fn print_table(modes: &[Mode], passes: &[Vec<Pass>]) {
    let first = passes.first().and_then(|p| p.first()).copied();
    let lines = first.unwrap_or_default().lines.max(1) as f64;
    let floor = wall(passes.first().map_or(&[], Vec::as_slice)).max(1e-9);
    let ns =
        |secs: Option<f64>| secs.map_or("—".to_string(), |s| format!("{:.0}", s * 1e9 / lines));
    println!(
        "| mode | median s | events/s | ns/event end to end | ns/event above the floor | × floor \
         | evaluating thread CPU, ns/event | its × floor | reading thread CPU, ns/event | changes |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for (mode, runs) in modes.iter().zip(passes) {
        let t = wall(runs);
        let eval_cpu = median_of(runs, |p| p.eval_cpu);
        let floor_only = *mode == Mode::Decode;
        let above = if floor_only {
            None
        } else {
            Some((t - floor).max(0.0))
        };
        let changes = match runs.last() {
            Some(p) if !floor_only => p.changes.to_string(),
            _ => "—".into(),
        };
        println!(
            "| {} | {t:.3} | {:.0} | {:.0} | {} | {:.2} | {} | {} | {} | {changes} |",
            mode.label(),
            lines / t.max(1e-9),
            t * 1e9 / lines,
            ns(above),
            t / floor,
            ns(eval_cpu),
            eval_cpu.map_or("—".to_string(), |c| format!("{:.2}", c / floor)),
            ns(median_of(runs, |p| p.read_cpu)),
        );
    }
    agreement(modes, passes, floor, lines);
}

fn agreement(modes: &[Mode], passes: &[Vec<Pass>], floor: f64, lines: f64) {
    let Some(j) = modes.iter().position(|m| *m == Mode::Jit) else {
        println!("\nJIT unavailable for this plan: only the interpreter was measured.");
        return;
    };
    let digest = |i: usize| passes.get(i).and_then(|p| p.last()).map(|p| p.digest);
    let same = digest(1) == digest(j);
    let core = |i: usize| {
        let t = wall(passes.get(i).map_or(&[], Vec::as_slice));
        (t - floor).max(1e-9) * 1e9 / lines
    };
    println!(
        "\nabove the floor, interpreter ÷ JIT: {:.2}×; outputs identical: {}",
        core(1) / core(j),
        if same { "yes" } else { "NO" }
    );
}
