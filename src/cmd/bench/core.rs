//! The evaluation core alone: the engine calls a stream causes (filter tests on
//! incoming events, segment predicates on touched profiles), recorded once with
//! the interpreter over the first events of the stream, then replayed on each
//! engine in a tight loop. What the executor does around them (decoding, identity,
//! reordering, state updates, output) is not in these figures; it is the same code
//! for both engines.

use std::cell::RefCell;
use std::fs::File;
use std::hint::black_box;
use std::io::{BufRead, BufReader};
use std::time::Instant;

use seg_compiler::ir::Plan;
use seg_runtime::executor::{Evaluator, Executor};
use seg_runtime::state::{FilterEval, ProfileState};
use seg_runtime::value::Value;

use super::Tally;

/// One engine call seen while running the stream.
enum Call {
    Filter {
        store: usize,
        source: usize,
        fields: Vec<Value>,
    },
    Segments {
        state: Box<ProfileState>,
        t: i64,
        want: Vec<bool>,
    },
}

/// Wraps the interpreter and records every call made to it.
struct Recorder<'a> {
    inner: &'a dyn Evaluator,
    calls: RefCell<Vec<Call>>,
}

impl FilterEval for Recorder<'_> {
    fn accepts(&self, store: usize, source: usize, fields: &[Value]) -> bool {
        self.calls.borrow_mut().push(Call::Filter {
            store,
            source,
            fields: fields.to_vec(),
        });
        self.inner.accepts(store, source, fields)
    }
}

impl Evaluator for Recorder<'_> {
    fn segments(&self, state: &ProfileState, t: i64, out: &mut Vec<bool>) {
        self.inner.segments(state, t, out);
    }
    fn segments_where(&self, state: &ProfileState, t: i64, want: &[bool], out: &mut [bool]) {
        self.calls.borrow_mut().push(Call::Segments {
            state: Box::new(state.clone()),
            t,
            want: want.to_vec(),
        });
        self.inner.segments_where(state, t, want, out);
    }
    fn traits(&self, state: &ProfileState, t: i64) -> Vec<Value> {
        self.inner.traits(state, t)
    }
}

/// The calls of the first `limit` lines of `path`, and how many lines that was.
pub struct Recording {
    calls: Vec<Call>,
    pub lines: u64,
}

impl Recording {
    pub fn take(
        plan: &Plan,
        interp: &dyn Evaluator,
        path: &std::path::Path,
        limit: u64,
    ) -> std::io::Result<Recording> {
        let recorder = Recorder {
            inner: interp,
            calls: RefCell::new(Vec::new()),
        };
        let mut tally = Tally::default();
        let mut n = 0;
        {
            let mut exec = Executor::new(plan, &recorder, 0);
            let reader = BufReader::with_capacity(1 << 16, File::open(path)?);
            for bytes in reader
                .split(b'\n')
                .take(usize::try_from(limit).unwrap_or(usize::MAX))
            {
                let bytes = bytes?;
                n += 1;
                if let Ok(text) = std::str::from_utf8(&bytes) {
                    exec.push_line(n, text.trim_end_matches('\r'), &mut tally);
                }
            }
            exec.finish(None, &mut tally);
        }
        Ok(Recording {
            calls: recorder.calls.into_inner(),
            lines: n,
        })
    }

    pub fn filter_calls(&self) -> usize {
        let filters = self.calls.iter();
        filters.filter(|c| matches!(c, Call::Filter { .. })).count()
    }

    pub fn segment_calls(&self) -> usize {
        self.calls.len() - self.filter_calls()
    }

    /// Seconds `engine` takes to make every recorded call once. With `repeat` > 1
    /// each call is made that many times in a row (its state then in cache) and the
    /// time is divided by `repeat`: the engine's own cost without memory latency.
    pub fn replay(&self, engine: &dyn Evaluator, repeat: u32) -> f64 {
        let mut out = Vec::new();
        let started = Instant::now();
        for call in &self.calls {
            for _ in 0..repeat {
                self.call(engine, call, &mut out);
            }
        }
        started.elapsed().as_secs_f64() / f64::from(repeat.max(1))
    }

    fn call(&self, engine: &dyn Evaluator, call: &Call, out: &mut Vec<bool>) {
        {
            match call {
                Call::Filter {
                    store,
                    source,
                    fields,
                } => {
                    black_box(engine.accepts(*store, *source, fields));
                }
                Call::Segments { state, t, want } => {
                    out.clear();
                    out.resize(want.len(), false);
                    engine.segments_where(state, *t, want, out);
                    black_box(&out);
                }
            }
        }
    }
}

/// An evaluator that does nothing: replaying on it measures the replay loop.
pub struct Nothing;

impl FilterEval for Nothing {
    fn accepts(&self, _: usize, _: usize, _: &[Value]) -> bool {
        true
    }
}

impl Evaluator for Nothing {
    fn segments(&self, _: &ProfileState, _: i64, _: &mut Vec<bool>) {}
    fn segments_where(&self, _: &ProfileState, _: i64, _: &[bool], _: &mut [bool]) {}
    fn traits(&self, _: &ProfileState, _: i64) -> Vec<Value> {
        Vec::new()
    }
}
