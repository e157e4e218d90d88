//! `seg explain DIR --events FILE --profile ID --segment S [--at T]`: replays the
//! events up to T (default: the end of input) and prints why the profile is or is
//! not a member.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;

use seg_runtime::exec::time::parse_rfc3339;
use seg_runtime::executor::{Executor, MemorySink};

use crate::Outcome;

#[derive(clap::Args)]
pub struct Args {
    /// Project directory
    dir: PathBuf,
    /// Segment-Spec NDJSON events
    #[arg(long)]
    events: PathBuf,
    /// Profile id, e.g. `user_id:u1`
    #[arg(long)]
    profile: String,
    /// Segment name
    #[arg(long)]
    segment: String,
    /// Instant (RFC 3339); default: the end of input
    #[arg(long)]
    at: Option<String>,
}

pub fn run(a: Args) -> Outcome {
    let loaded = match super::load_runnable(&a.dir) {
        Ok(l) => l,
        Err(o) => return o,
    };
    let Some(plan) = loaded.plan() else {
        return Outcome::Failed;
    };
    let Some(segment) = plan.segments.iter().position(|s| s.name == a.segment) else {
        return super::usage_error(&format!("no segment `{}` in the project", a.segment));
    };
    let at = match a.at.as_deref().map(parse_rfc3339).transpose() {
        Ok(t) => t,
        Err(e) => return super::usage_error(&format!("--at: {e}")),
    };
    let file = match File::open(&a.events) {
        Ok(f) => f,
        Err(e) => return super::usage_error(&format!("cannot read `{}`: {e}", a.events.display())),
    };
    let interp = seg_runtime::interp::Interpreter::new(plan);
    let mut exec = Executor::new(plan, &interp, 0);
    exec.stop_after(at);
    let mut sink = MemorySink::default();
    for (n, line) in BufReader::new(file).lines().enumerate() {
        match line {
            Ok(l) => exec.push_line(n as u64 + 1, &l, &mut sink),
            Err(e) => {
                return super::usage_error(&format!("cannot read `{}`: {e}", a.events.display()))
            }
        }
    }
    let t = match at {
        Some(t) => {
            exec.run_through(t, &mut sink);
            t
        }
        None => exec.finish(None, &mut sink).unwrap_or(0),
    };
    let Some(state) = exec.profile_state(&a.profile) else {
        return super::usage_error(&format!("no live profile `{}` at that instant", a.profile));
    };
    print!(
        "{}",
        seg_runtime::explain::explain(plan, state, &a.profile, segment, t)
    );
    let history: Vec<String> = sink
        .changes
        .iter()
        .filter(|c| *c.profile == *a.profile && c.segment == segment)
        .map(|c| {
            format!(
                "{} at {} ({})",
                if c.enter { "entered" } else { "exited" },
                seg_runtime::exec::time::format_ts(c.at),
                c.cause.as_str()
            )
        })
        .collect();
    match history.last() {
        Some(last) => println!("last change: {last}"),
        None => println!("no change recorded for this profile and segment"),
    }
    Outcome::Ok
}
