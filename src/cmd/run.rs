//! `seg run DIR --events FILE|-`: evaluates a stream and writes membership changes
//! (`--out`, default stdout), dead letters (`--dead-letter`, default stderr), erasure
//! audit records (`--audit`, default stderr), an optional `--snapshot`, and a one-line
//! JSON summary on stderr. With `--events -` the input is a live stream: output is
//! flushed as soon as the clock passes it.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use seg_compiler::ir::Plan;
use seg_runtime::exec::output;
use seg_runtime::exec::time::{parse_duration, parse_until, Until};
use seg_runtime::executor::{Change, Executor, Sink, Stats};

use super::decode_ahead::{self, Item};
use super::engine::{Engine, EngineChoice};
use crate::Outcome;

#[derive(clap::Args)]
pub struct Args {
    /// Project directory
    dir: PathBuf,
    /// Segment-Spec NDJSON input, or `-` for standard input (a live stream)
    #[arg(long)]
    events: String,
    /// Membership changes (default: standard output)
    #[arg(long)]
    out: Option<PathBuf>,
    /// Invalid and late messages (default: standard error)
    #[arg(long)]
    dead_letter: Option<PathBuf>,
    /// Erasure audit records (default: standard error)
    #[arg(long)]
    audit: Option<PathBuf>,
    /// Profile snapshot written at the end
    #[arg(long)]
    snapshot: Option<PathBuf>,
    /// Advance the clock to this instant at the end: RFC 3339 or `+DURATION`
    #[arg(long)]
    until: Option<String>,
    /// How late an event may arrive and still be reordered, e.g. `5m`
    #[arg(long, default_value = "0ms")]
    max_delay: String,
    /// Evaluation engine
    #[arg(long, value_enum, default_value = "jit")]
    engine: EngineChoice,
}

/// Where output goes.
struct Outputs {
    out: Box<dyn Write>,
    dead: Box<dyn Write>,
    audit: Box<dyn Write>,
    live: bool,
    dirty: bool,
    buf: Vec<u8>,
    error: Option<io::Error>,
}

impl Outputs {
    fn write(&mut self, which: Target) {
        let w = match which {
            Target::Out => &mut self.out,
            Target::Dead => &mut self.dead,
            Target::Audit => &mut self.audit,
        };
        if let Err(e) = w.write_all(&self.buf) {
            self.error.get_or_insert(e);
        }
        self.buf.clear();
        self.dirty = true;
    }
}

enum Target {
    Out,
    Dead,
    Audit,
}

impl Sink for Outputs {
    fn change(&mut self, segment_name: &str, c: &Change) {
        output::write_change(
            &mut self.buf,
            &c.profile,
            segment_name,
            c.enter,
            c.at,
            c.holdout,
            Some(c.cause.as_str()),
        );
        self.write(Target::Out);
    }
    fn merge(&mut self, absorbed: &str, into: &str, at: i64) {
        output::write_merge(&mut self.buf, absorbed, into, at);
        self.write(Target::Out);
    }
    fn dead_letter(&mut self, line: u64, reason: &str, detail: &str, raw: &str) {
        output::write_dead_letter(&mut self.buf, line, reason, detail, raw);
        self.write(Target::Dead);
    }
    fn audit(&mut self, erased: &str, at: i64) {
        output::write_audit(&mut self.buf, erased, at);
        self.write(Target::Audit);
    }
    fn line_done(&mut self) {
        if self.live && self.dirty {
            self.flush();
        }
    }
}

impl Outputs {
    fn flush(&mut self) {
        for w in [&mut self.out, &mut self.dead, &mut self.audit] {
            if let Err(e) = w.flush() {
                self.error.get_or_insert(e);
            }
        }
        self.dirty = false;
    }
}

fn create(path: &Option<PathBuf>, default: fn() -> Box<dyn Write>) -> io::Result<Box<dyn Write>> {
    Ok(match path {
        Some(p) => Box::new(BufWriter::new(File::create(p)?)),
        None => default(),
    })
}

pub fn run(a: Args) -> Outcome {
    let loaded = match super::load_runnable(&a.dir) {
        Ok(l) => l,
        Err(o) => return o,
    };
    let Some(plan) = loaded.plan() else {
        return Outcome::Failed;
    };
    let max_delay = match parse_duration(&a.max_delay) {
        Ok(d) => d,
        Err(e) => return super::usage_error(&format!("--max-delay: {e}")),
    };
    let until = match a.until.as_deref().map(parse_until).transpose() {
        Ok(u) => u,
        Err(e) => return super::usage_error(&format!("--until: {e}")),
    };
    let live = a.events == "-";
    let (input, size): (Box<dyn Read + Send>, Option<u64>) = if live {
        (Box::new(io::stdin()), None)
    } else {
        match File::open(&a.events) {
            Ok(f) => {
                let size = f.metadata().ok().map(|m| m.len());
                (Box::new(f), size)
            }
            Err(e) => {
                return super::usage_error(&format!("cannot read events `{}`: {e}", a.events))
            }
        }
    };
    let outputs = (|| -> io::Result<Outputs> {
        Ok(Outputs {
            out: create(&a.out, || Box::new(BufWriter::new(io::stdout())))?,
            dead: create(&a.dead_letter, || Box::new(io::stderr()))?,
            audit: create(&a.audit, || Box::new(io::stderr()))?,
            live,
            dirty: false,
            buf: Vec::with_capacity(256),
            error: None,
        })
    })();
    let mut outputs = match outputs {
        Ok(o) => o,
        Err(e) => return super::usage_error(&format!("cannot create output file: {e}")),
    };
    let engine = Engine::new(plan, a.engine);
    let started = Instant::now();
    let mut exec = Executor::new(plan, engine.evaluator(), max_delay);
    if let Err(e) = feed(&mut exec, input, size, &mut outputs) {
        return super::usage_error(&format!("cannot read events `{}`: {e}", a.events));
    }
    let until_ms = until.and_then(|u| match u {
        Until::At(t) => Some(t),
        Until::After(d) => exec.max_event_time().map(|m| m.saturating_add(d)),
    });
    exec.finish(until_ms, &mut outputs);
    outputs.flush();
    if let Some(path) = &a.snapshot {
        if let Err(e) = write_snapshot(path, plan, &exec) {
            return super::usage_error(&format!("cannot write snapshot `{}`: {e}", path.display()));
        }
    }
    if let Some(e) = outputs.error.take() {
        return super::usage_error(&format!("cannot write output: {e}"));
    }
    let summary = output::summary_line(&summary(
        &exec.stats,
        exec.live_profiles(),
        started.elapsed().as_secs_f64(),
    ));
    eprintln!("{summary}");
    // The process ends here: returning a million profiles' state to the allocator
    // one by one would only delay the exit.
    std::mem::forget(exec);
    Outcome::Ok
}

fn summary(s: &Stats, profiles: usize, seconds: f64) -> output::Summary {
    output::Summary {
        events: s.events,
        changes: s.changes,
        invalid: s.invalid,
        late: s.late,
        duplicates: s.duplicates,
        ignored: s.ignored,
        profiles: profiles as u64,
        merges: s.merges,
        refused_merges: s.refused_merges,
        skipped_identifiers: s.skipped_identifiers,
        forgotten: s.forgotten,
        seconds,
    }
}

/// Reads every line into the executor, with a progress bar on a terminal.
fn feed(
    exec: &mut Executor<'_>,
    input: Box<dyn Read + Send>,
    size: Option<u64>,
    outputs: &mut Outputs,
) -> io::Result<()> {
    let bar = progress(size);
    let plan = exec.plan();
    exec.keep_spent();
    decode_ahead::each_decoded(input, &plan.schema, |item, spent| {
        let read = match item {
            Item::Decoded(n, text, decoded, read) => {
                exec.push_decoded(n, text, decoded, outputs);
                exec.take_spent(spent);
                read
            }
            Item::NotUtf8(n, text, read) => {
                outputs.dead_letter(n, "invalid_json", "the line is not valid UTF-8", text);
                exec.stats.invalid += 1;
                read
            }
        };
        if let Some(b) = &bar {
            b.inc(read as u64);
        }
    })?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    Ok(())
}

fn progress(size: Option<u64>) -> Option<ProgressBar> {
    let size = size?;
    if !io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(size);
    let style =
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
            .ok()?;
    bar.set_style(style);
    Some(bar)
}

fn write_snapshot(path: &Path, plan: &Plan, exec: &Executor<'_>) -> io::Result<()> {
    let mut w = BufWriter::new(File::create(path)?);
    let mut buf = Vec::new();
    for p in exec.snapshot() {
        buf.clear();
        seg_runtime::snapshot::write_line(&mut buf, plan, &p);
        w.write_all(&buf)?;
    }
    w.flush()
}
