//! Unit tests of the JIT: hand-written projects and streams run through the
//! executor with both engines must produce identical output and snapshots.

use seg_compiler::ir::Plan;

use super::JitEngine;
use crate::executor::{Evaluator, Executor, MemorySink};
use crate::interp::Interpreter;
use crate::state::FilterEval;

fn compile(src: &str) -> Plan {
    crate::testing::plan_of(src)
}

fn run(plan: &Plan, eval: &dyn Evaluator, lines: &[String]) -> String {
    let mut exec = Executor::new(plan, eval, 0);
    let mut sink = MemorySink::default();
    for (i, l) in lines.iter().enumerate() {
        exec.push_line(i as u64 + 1, l, &mut sink);
    }
    exec.finish(None, &mut sink);
    let snap = exec.snapshot();
    format!(
        "{:?}\n{:?}\n{:?}\n{:#?}",
        sink.changes, sink.merges, sink.dead_letters, snap
    )
}

fn same(src: &str, lines: &[String]) -> String {
    let plan = compile(src);
    let jit = JitEngine::new(&plan).unwrap();
    let interp = Interpreter::new(&plan);
    let a = run(&plan, &interp, lines);
    let b = run(&plan, &jit, lines);
    assert_eq!(a, b);
    a
}

fn track(user: &str, event: &str, minute: i64, props: &str) -> String {
    let ts = 1_767_261_600_000i64 + minute * 60_000;
    let ts = crate::exec::time::format_ts(ts);
    format!(
        r#"{{"type":"track","event":"{event}","userId":"{user}","timestamp":"{ts}","properties":{props}}}"#
    )
}

#[test]
fn count_window_and_filters() {
    let src = r#"
        event viewed { category: string price: float }
        segment high = count(viewed, 30m) >= 2
        segment shoes = count(viewed[category == "shoes" and price > 50.0], 1h) >= 1
        segment long_name = count(viewed[category == "a-very-long-category-name-over-32-bytes"]) >= 1
        segment not_shoes = count(viewed[category != "shoes"]) >= 1
        trait spent = sum(viewed.price, 1d)
        trait avg_price = avg(viewed.price)
        trait fav = most_frequent(viewed.category)
        trait lowest = min(viewed.category)
    "#;
    let lines = vec![
        track("u1", "viewed", 0, r#"{"category":"shoes","price":60.0}"#),
        track("u1", "viewed", 5, r#"{"category":"hats","price":10.5}"#),
        track(
            "u2",
            "viewed",
            6,
            r#"{"category":"a-very-long-category-name-over-32-bytes","price":1.0}"#,
        ),
        track("u1", "viewed", 90, r#"{"category":"shoe","price":70.0}"#),
    ];
    let out = same(src, &lines);
    assert!(out.contains("enter: true"), "{out}");
}

#[test]
fn arithmetic_none_and_decimals() {
    let src = r#"
        event paid { amount: decimal n: int f: float d: duration note: string? }
        trait total = sum(paid.amount)
        trait last_n = last(paid.n)
        trait q = (last(paid.n) ?? 0) % 0
        trait r = (last(paid.n) ?? 7) % 3
        trait div = (last(paid.n) ?? 1) / 0
        trait fdiv = (last(paid.f) ?? 1.0) / 4
        trait frem = (last(paid.f) ?? 1.0) % 0.75
        trait big = (last(paid.n) ?? 0) * 9223372036854775807
        trait dd = (last(paid.d) ?? 1s) * 3 + 2m
        trait dec = total * 2 - 0.5
        trait dec_rem = total % 0.3
        trait neg = -(last(paid.n) ?? 0)
        trait lowered = lower(last(paid.note) ?? "ABC")
        segment rich = total > 100.10
        segment mid = total >= 10 and total <= 100.10
        segment odd = (last(paid.n) ?? 0) in [1, 3, 5]
        segment noted = starts_with(last(paid.note) ?? "", "x") or contains(lower(last(paid.note) ?? ""), "yz")
        segment fl = (avg(paid.f) ?? 0.0) > 1.5
        segment conv = avg(paid.amount) ?? 0.0 > 2.0
    "#;
    let lines = vec![
        track(
            "u1",
            "paid",
            0,
            r#"{"amount":10.25,"n":3,"f":2.5,"d":1000,"note":"xYZ"}"#,
        ),
        track(
            "u1",
            "paid",
            1,
            r#"{"amount":95.0,"n":-9223372036854775808,"f":0.0,"d":5}"#,
        ),
        track(
            "u2",
            "paid",
            2,
            r#"{"amount":0.1,"n":5,"f":-0.0,"d":-5,"note":"ZZ"}"#,
        ),
    ];
    same(src, &lines);
}

#[test]
fn sequences_absence_since_and_consent() {
    let src = r#"
        purpose mkt { basis consent category "Marketing" }
        purpose ana { basis legitimate_interest }
        event cart for mkt, ana { id: string }
        event buy for mkt, ana { id: string }
        segment abandoned for mkt = cart then not buy within 15m
        segment bought for ana = cart then buy within 1h
        segment twice for ana = count(cart then buy within 1h, 1d) >= 2
        segment fresh for ana = since(cart) < 10m
        segment both for mkt = abandoned and not fresh
        trait n = count(cart then buy within 1h, 1d)
    "#;
    let consent = |minute: i64, v: bool| {
        let ts = crate::exec::time::format_ts(1_767_261_600_000i64 + minute * 60_000);
        format!(
            r#"{{"type":"identify","userId":"u1","timestamp":"{ts}","context":{{"consent":{{"categoryPreferences":{{"Marketing":{v}}}}}}}}}"#
        )
    };
    let lines = vec![
        consent(0, true),
        track("u1", "cart", 1, r#"{"id":"a"}"#),
        track("u1", "buy", 5, r#"{"id":"a"}"#),
        track("u1", "cart", 10, r#"{"id":"b"}"#),
        track("u1", "buy", 20, r#"{"id":"b"}"#),
        track("u1", "cart", 30, r#"{"id":"c"}"#),
        consent(50, false),
        consent(55, true),
        track("u2", "cart", 60, r#"{"id":"d"}"#),
    ];
    same(src, &lines);
}

#[test]
fn traits_segments_and_attributes() {
    let src = r#"
        profile { plan: string? score: int? }
        event e { x: int }
        trait xs = sum(e.x)
        trait doubled = xs * 2
        segment big = doubled > 10
        segment pro = (profile.plan ?? "") == "pro" and big
        trait is_pro = pro
        trait first_x = first(e.x)
        trait plan_name = profile.plan
        segment scored = (profile.score ?? 0) >= 5
    "#;
    let identify = |minute: i64, traits: &str| {
        let ts = crate::exec::time::format_ts(1_767_261_600_000i64 + minute * 60_000);
        format!(r#"{{"type":"identify","userId":"u1","timestamp":"{ts}","traits":{traits}}}"#)
    };
    let lines = vec![
        identify(0, r#"{"plan":"pro","score":7}"#),
        track("u1", "e", 1, r#"{"x":4}"#),
        track("u1", "e", 2, r#"{"x":4}"#),
        identify(3, r#"{"plan":null}"#),
    ];
    same(src, &lines);
}

#[test]
fn clif_text_is_deterministic() {
    let plan = compile(
        r#"event viewed { category: string }
           segment a = count(viewed[category == "shoes"], 30m) >= 2"#,
    );
    let a = super::clif_text(&plan).unwrap();
    let b = super::clif_text(&plan).unwrap();
    assert_eq!(a, b);
    assert!(a.contains("; segments"), "{a}");
    assert!(a.contains("seg_count") || a.contains("call"), "{a}");
}

/// A project whose one filter reads `n` distinct fields.
fn wide_filter(n: usize) -> String {
    let fields: Vec<String> = (0..n).map(|k| format!("f{k}: int")).collect();
    let pred: Vec<String> = (0..n).map(|k| format!("f{k} >= {k}")).collect();
    format!(
        "event e {{ {} }}\nsegment wide = count(e[{}]) >= 1\n",
        fields.join(" "),
        pred.join(" and ")
    )
}

#[test]
fn a_filter_at_the_field_limit_is_compiled() {
    let plan = compile(&wide_filter(super::FILTER_FIELD_LIMIT));
    assert!(JitEngine::new(&plan).is_ok());
}

#[test]
fn a_filter_past_the_field_limit_is_declined() {
    let n = super::FILTER_FIELD_LIMIT + 1;
    let plan = compile(&wide_filter(n));
    let Err(reason) = JitEngine::new(&plan) else {
        panic!("the JIT compiled a filter reading {n} fields");
    };
    assert!(
        reason.contains(&format!("reads {n} fields")) && reason.contains("at most 16"),
        "{reason}"
    );
    assert_eq!(super::clif_text(&plan).err(), Some(reason));
    // The interpreter still evaluates the plan.
    let props: Vec<String> = (0..n).map(|k| format!("\"f{k}\":{k}")).collect();
    let lines = vec![track("u1", "e", 0, &format!("{{{}}}", props.join(",")))];
    let out = run(&plan, &Interpreter::new(&plan), &lines);
    assert!(out.contains("enter: true"), "{out}");
}

/// Counts this thread's heap allocations, to show that evaluation allocates nothing.
struct Counting;

thread_local! {
    static ALLOCATIONS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

// SAFETY: every call is forwarded unchanged to the system allocator; the counter is
// a const-initialised thread-local `Cell`, which itself never allocates.
unsafe impl std::alloc::GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        // SAFETY: the caller's contract is the system allocator's.
        unsafe { std::alloc::System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        // SAFETY: as above.
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> u64 {
    ALLOCATIONS.with(|n| n.get())
}

#[test]
fn evaluation_does_not_allocate_once_warm() {
    let src = r#"
        purpose mkt { basis consent category "Marketing" }
        profile { plan: string? }
        event viewed for mkt { category: string price: decimal n: int }
        event bought for mkt { id: string }
        trait fav = most_frequent(viewed.category, 1d)
        trait kinds = distinct(viewed.category, 1d)
        trait spent = sum(viewed.price, 1d)
        trait top = max(viewed.category)
        segment busy for mkt = count(viewed[lower(category) == "shoes" and n > 1], 1h) >= 1
            and kinds >= 2 and spent > 10.5 and (fav ?? "") != "" and top >= "a"
        segment pro for mkt = starts_with(lower(profile.plan ?? ""), "pr") and since(viewed) < 1h
        segment seq for mkt = viewed then bought within 1h
        segment idle for mkt = viewed then not bought within 10m
    "#;
    let plan = compile(src);
    let jit = JitEngine::new(&plan).unwrap();
    let interp = Interpreter::new(&plan);
    let ts = |m: i64| crate::exec::time::format_ts(1_767_261_600_000i64 + m * 60_000);
    let lines = [
        format!(
            r#"{{"type":"identify","userId":"u1","timestamp":"{}","traits":{{"plan":"Pro"}},"context":{{"consent":{{"categoryPreferences":{{"Marketing":true}}}}}}}}"#,
            ts(0)
        ),
        track(
            "u1",
            "viewed",
            1,
            r#"{"category":"Shoes","price":7.25,"n":2}"#,
        ),
        track(
            "u1",
            "viewed",
            2,
            r#"{"category":"hats","price":4.5,"n":3}"#,
        ),
        track("u1", "viewed", 3, r#"{"category":"Shoes","price":1,"n":1}"#),
        track("u1", "bought", 4, r#"{"id":"o1"}"#),
    ];
    let mut exec = Executor::new(&plan, &interp, 0);
    let mut sink = MemorySink::default();
    for (i, l) in lines.iter().enumerate() {
        exec.push_line(i as u64 + 1, l, &mut sink);
    }
    let state = exec.profile_state("user_id:u1").unwrap();
    let fields = vec![
        crate::value::Value::str("SHOES"),
        crate::value::Value::Decimal(crate::decimal::Decimal::from_i64(3)),
        crate::value::Value::Int(2),
    ];
    let filtered = plan
        .stores
        .iter()
        .position(|s| match &s.kind {
            seg_compiler::ir::plan::StoreKind::Log { sources } => sources[0].filter.is_some(),
            _ => false,
        })
        .unwrap();
    let t0 = 1_767_261_600_000i64 + 4 * 60_000;
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let evaluate = |out: &mut Vec<bool>| {
        let mut accepted = 0;
        for dt in [0, 60_000, 600_000, 3_600_000] {
            Evaluator::segments(&jit, state, t0 + dt, out);
            accepted += usize::from(jit.accepts(filtered, 0, &fields));
        }
        accepted
    };
    let before = allocations();
    std::hint::black_box(vec![0u8; 1]);
    assert!(allocations() > before, "the allocation counter counts");
    evaluate(&mut b);
    let before = allocations();
    let accepted = evaluate(&mut b);
    let used = allocations() - before;
    assert_eq!(used, 0, "the JIT allocated {used} times while evaluating");
    assert_eq!(accepted, 4);
    interp.segments(state, t0, &mut a);
    Evaluator::segments(&jit, state, t0, &mut b);
    assert_eq!(a, b);
    // Every helper ran: `busy` evaluates its whole `and` chain.
    assert_eq!(b, [true, true, false, false]);
}

/// Nineteen segments (two chunks of eight and three more) over five events: an
/// event asks for the few segments reading it, so the segments function skips
/// whole chunks, and a segment of the last chunk refers to one of the first.
#[test]
fn segments_past_a_chunk_of_eight() {
    let mut src = String::new();
    for e in 0..5 {
        src.push_str(&format!("event e{e} {{ n: int }}\n"));
    }
    for k in 0..18 {
        let e = k % 5;
        src.push_str(&format!(
            "segment s{k:02} = count(e{e}[n > {k}], 1h) >= 1\n"
        ));
    }
    src.push_str("segment s18 = s00 and count(e4, 2h) >= 2\n");
    let lines: Vec<String> = [
        ("u1", 0, 20, 0),
        ("u1", 4, 1, 10),
        ("u2", 3, 14, 15),
        ("u1", 4, 30, 30),
        ("u2", 2, 18, 40),
        ("u1", 2, 2, 50),
        ("u2", 3, 9, 70),
    ]
    .into_iter()
    .map(|(user, e, n, minute)| track(user, &format!("e{e}"), minute, &format!(r#"{{"n":{n}}}"#)))
    .collect();
    let out = same(&src, &lines);
    // s18 (of the third chunk, reading s00 of the first), s13 and s17.
    for k in [18, 13, 17] {
        let entered = format!("segment: {k}, enter: true");
        assert!(out.contains(&entered), "s{k}: {out}");
    }
}

/// A store read several segments make is computed once per call of the segments
/// function, whichever path computes it first: here `count(viewed, 1h)` is not
/// reached in `a` (its `and` stops first), then computed by `b` and reused by `c`.
#[test]
fn a_read_several_segments_share_is_made_once_per_evaluation() {
    let src = r#"
        event viewed { n: int }
        segment a = count(viewed, 2h) >= 9 and count(viewed, 1h) >= 1
        segment b = count(viewed, 1h) >= 2
        segment c = count(viewed, 1h) >= 1 and count(viewed, 2h) >= 1
    "#;
    let plan = compile(src);
    let jit = JitEngine::new(&plan).unwrap();
    let interp = Interpreter::new(&plan);
    let lines = [0, 50, 80].map(|m| track("u1", "viewed", m, r#"{"n":1}"#));
    let mut exec = Executor::new(&plan, &jit, 0);
    let mut sink = MemorySink::default();
    for (i, l) in lines.iter().enumerate() {
        exec.push_line(i as u64 + 1, l, &mut sink);
    }
    exec.finish(None, &mut sink);
    let (_, state) = exec.profile_of("user_id", "u1").unwrap();
    let t = 1_767_261_600_000i64 + 90 * 60_000;
    let calls = |want: &[bool]| {
        let mut got = vec![false; 3];
        let before = super::helpers::COUNT_CALLS.with(|n| n.get());
        jit.segments_where(state, t, want, &mut got);
        let made = super::helpers::COUNT_CALLS.with(|n| n.get()) - before;
        (got, made)
    };
    let mut expected = Vec::new();
    interp.segments(state, t, &mut expected);
    assert_eq!(expected, [false, true, true]);
    assert_eq!(calls(&[true; 3]), (expected.clone(), 2));
    assert_eq!(calls(&[false, false, true]), (vec![false, false, true], 2));
    assert_eq!(calls(&[false, true, false]), (vec![false, true, false], 1));
}
