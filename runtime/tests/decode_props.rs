//! Malformed input never panics: random bytes, random JSON, random Segment-Spec
//! envelopes and mutated real messages go through the decoder (whose outcome
//! must be well-formed) and the executor, and every non-blank line is accounted
//! for in the run summary.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use seg_compiler::db::{self, Database};
use seg_compiler::ir::schema::{Schema, ValueType};
use seg_compiler::ir::Plan;
use seg_runtime::exec::decode::{decode, is_blank, Body, Decoded};
use seg_runtime::executor::{Executor, MemorySink};
use seg_runtime::interp::Interpreter;
use seg_runtime::value::Value;

const PROJECT: &str = r#"
purpose ads { basis consent category "Ads" }
identity {
  user_id = userId priority 1 limit 1
  email = traits.email | context.traits.email normalize(trim, lower) hash(sha256) priority 2 limit 2
  anonymous_id = anonymousId priority 3 limit 3
}
profile { plan: string? }
event viewed = "Product Viewed" for ads retain 2d { price: decimal  category: string  n: int? }
event bought = "Order Completed" for ads { revenue: float }
segment busy for ads = count(viewed, 1h) >= 2 and (sum(viewed.price, 1d) > 10.5 or since(bought) < 1h)
segment gone for ads = viewed then not bought within 30m
trait plan = profile.plan
"#;

fn plan() -> Plan {
    let db = Database::default();
    let project = db.load(vec![("p.seg".into(), PROJECT.into())]);
    db::plan(&db, project)
        .clone()
        .expect("test project compiles")
}

const SAMPLES: &[&str] = &[
    r#"{"type":"track","event":"Product Viewed","userId":"u1","timestamp":"2026-01-01T10:00:00Z","properties":{"price":1.5,"category":"c","n":3},"messageId":"m1","context":{"consent":{"categoryPreferences":{"Ads":true}}}}"#,
    r#"{"type":"identify","userId":42,"anonymousId":"a","traits":{"email":" X@Y.com ","plan":"pro"},"timestamp":1767261600000}"#,
    r#"{"type":"alias","previousId":"a","userId":"u2","timestamp":"2026-01-01T10:00:01+01:00"}"#,
    r#"{"type":"forget","userId":"u1","timestamp":"2026-01-01T10:05:00Z"}"#,
    r#"{"type":"track","event":"Order Completed","anonymousId":"b","timestamp":"2026-01-01T10:06:00Z","properties":{"revenue":20}}"#,
];

fn run_lines(plan: &Plan, lines: &[String]) {
    let interp = Interpreter::new(plan);
    let mut exec = Executor::new(plan, &interp, 60_000);
    let mut sink = MemorySink::default();
    for (i, l) in lines.iter().enumerate() {
        exec.push_line(i as u64 + 1, l, &mut sink);
    }
    exec.finish(None, &mut sink);
    let _ = exec.snapshot();
    let s = &exec.stats;
    let blank = lines
        .iter()
        .filter(|l| l.chars().all(|c| matches!(c, ' ' | '\t' | '\r' | '\n')))
        .count() as u64;
    assert_eq!(
        s.events + s.invalid + s.late + s.duplicates + s.ignored + blank,
        lines.len() as u64
    );
    assert_eq!(sink.dead_letters.len() as u64, s.invalid + s.late);
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(serde_json::Value::from),
        "[a-zA-Z0-9 :.+-]{0,24}".prop_map(serde_json::Value::from),
        Just(serde_json::Value::from("2026-01-01T10:00:00Z")),
        Just(serde_json::Value::from("Product Viewed")),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        let keys = prop_oneof![
            Just("type".to_string()),
            Just("event".to_string()),
            Just("userId".to_string()),
            Just("anonymousId".to_string()),
            Just("previousId".to_string()),
            Just("timestamp".to_string()),
            Just("properties".to_string()),
            Just("traits".to_string()),
            Just("context".to_string()),
            Just("messageId".to_string()),
            Just("price".to_string()),
            Just("category".to_string()),
            "[a-z]{1,6}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map(keys, inner, 0..6)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

fn mutate(line: &str, at: usize, byte: u8, cut: bool) -> String {
    let mut b = line.as_bytes().to_vec();
    let i = at % (b.len() + 1);
    if cut {
        b.truncate(i);
    } else {
        b.insert(i, byte);
    }
    String::from_utf8_lossy(&b).into_owned()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let plan = plan();
        let line = String::from_utf8_lossy(&bytes).into_owned();
        let _ = decode(&line, &plan.schema);
        run_lines(&plan, &[line]);
    }

    #[test]
    fn random_json_never_panics(values in prop::collection::vec(json_value(), 1..12)) {
        let plan = plan();
        let lines: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        for l in &lines {
            if let Decoded::Invalid { detail, .. } = decode(l, &plan.schema) {
                prop_assert!(!detail.is_empty());
            }
        }
        run_lines(&plan, &lines);
    }

    #[test]
    fn mutated_messages_never_panic(edits in prop::collection::vec((0usize..5, any::<usize>(), any::<u8>(), any::<bool>()), 1..20)) {
        let plan = plan();
        let lines: Vec<String> = edits.iter().map(|(s, at, byte, cut)| mutate(SAMPLES[*s], *at, *byte, *cut)).collect();
        run_lines(&plan, &lines);
    }

    #[test]
    fn decode_outcomes_are_well_formed(lines in prop::collection::vec(envelope(), 1..8)) {
        let plan = plan();
        for l in &lines {
            check_outcome(l, &plan.schema)?;
        }
        run_lines(&plan, &lines);
    }

    #[test]
    fn decode_random_bytes_and_json(bytes in prop::collection::vec(any::<u8>(), 0..300), v in json_value()) {
        let plan = plan();
        check_outcome(&String::from_utf8_lossy(&bytes), &plan.schema)?;
        check_outcome(&v.to_string(), &plan.schema)?;
        let wrapped = serde_json::json!({"type": "track", "event": "Product Viewed", "userId": "u",
            "timestamp": "2026-01-01T10:00:00Z", "properties": v.clone(), "traits": v.clone(),
            "context": {"consent": {"categoryPreferences": v}}});
        check_outcome(&wrapped.to_string(), &plan.schema)?;
    }
}

/// What any decoded line must look like, whatever the input.
fn check_outcome(line: &str, schema: &Schema) -> Result<(), TestCaseError> {
    match decode(line, schema) {
        Decoded::Blank => prop_assert!(is_blank(line)),
        Decoded::Invalid { detail, .. } => prop_assert!(!detail.is_empty()),
        Decoded::Ignored(_) => {}
        Decoded::Message(m) => {
            prop_assert!(!m.ids.is_empty());
            let priorities: Vec<u32> = m
                .ids
                .iter()
                .map(|(t, _)| schema.identity[*t].priority)
                .collect();
            prop_assert!(priorities.windows(2).all(|w| w[0] < w[1]), "{:?}", m.ids);
            prop_assert!(m.ids.iter().all(|(_, v)| !v.is_empty()));
            prop_assert!(m.consent.iter().all(|(p, _)| *p < schema.purposes.len()));
            match &m.body {
                Body::Track { event, fields } => {
                    let declared = &schema.events[*event].fields;
                    prop_assert_eq!(fields.len(), declared.len());
                    for (f, v) in declared.iter().zip(fields) {
                        prop_assert!(
                            matches_type(v, f.ty) || (f.optional && v.is_none()),
                            "{} {:?}",
                            f.name,
                            v
                        );
                    }
                }
                Body::Identify { attrs } => {
                    for (a, v) in attrs {
                        prop_assert!(v.is_none() || matches_type(v, schema.attrs[*a].ty));
                    }
                }
                Body::Alias | Body::Forget => {}
            }
        }
    }
    Ok(())
}

fn matches_type(v: &Value, ty: ValueType) -> bool {
    matches!(
        (v, ty),
        (Value::Int(_), ValueType::Int)
            | (Value::Float(_), ValueType::Float)
            | (Value::Decimal(_), ValueType::Decimal)
            | (Value::Bool(_), ValueType::Bool)
            | (Value::Str(_), ValueType::String)
            | (Value::Duration(_), ValueType::Duration)
            | (Value::Timestamp(_), ValueType::Timestamp)
    )
}

/// Segment-Spec-shaped messages with random (often wrong) parts.
fn envelope() -> impl Strategy<Value = String> {
    let kind = prop_oneof![
        Just("track"),
        Just("identify"),
        Just("alias"),
        Just("page"),
        Just("screen"),
        Just("forget"),
        Just("group")
    ];
    let event = prop_oneof![
        Just("Product Viewed"),
        Just("Order Completed"),
        Just("Nope")
    ];
    let ts = prop_oneof![
        Just(Some(serde_json::json!("2026-01-01T10:00:00.000Z"))),
        Just(Some(serde_json::json!("2026-01-01T11:00:00.123456+01:00"))),
        (0i64..2_000_000_000_000).prop_map(|n| Some(serde_json::json!(n))),
        json_value().prop_map(Some),
        Just(None),
    ];
    let id = prop_oneof![
        "[a-zA-Z0-9 @.]{0,8}".prop_map(|s| Some(serde_json::json!(s))),
        any::<i64>().prop_map(|n| Some(serde_json::json!(n))),
        Just(Some(serde_json::json!(42.0))),
        Just(Some(serde_json::json!(true))),
        Just(None),
    ];
    let number = prop_oneof![
        "-?[0-9]{1,35}(\\.[0-9]{1,35})?([eE][+-]?[0-9]{1,3})?",
        Just("1e400".to_string()),
        Just("-0".to_string()),
    ];
    let props = prop::collection::vec(
        (
            prop_oneof![
                Just("price"),
                Just("category"),
                Just("n"),
                Just("revenue"),
                Just("x")
            ],
            number,
        ),
        0..4,
    );
    (kind, event, ts, id.clone(), id.clone(), id, props, json_value(), any::<bool>()).prop_map(
        |(kind, event, ts, user, anon, email, props, extra, consent)| {
            let mut m = serde_json::Map::new();
            m.insert("type".into(), kind.into());
            m.insert("event".into(), event.into());
            if let Some(ts) = ts {
                m.insert("timestamp".into(), ts);
            }
            for (k, v) in [("userId", user.clone()), ("anonymousId", anon.clone()), ("previousId", anon)] {
                if let Some(v) = v {
                    m.insert(k.into(), v);
                }
            }
            if let Some(e) = email {
                m.insert("traits".into(), serde_json::json!({"email": e, "plan": extra.clone()}));
            }
            m.insert("messageId".into(), user.unwrap_or(serde_json::Value::Null));
            m.insert(
                "context".into(),
                serde_json::json!({"consent": {"categoryPreferences": {"Ads": consent, "Other": extra}}}),
            );
            let body: Vec<String> = props.iter().map(|(k, n)| format!("\"{k}\":{n}")).collect();
            let text = serde_json::Value::Object(m).to_string();
            // Splice the numbers in as raw text so they keep their exact form.
            format!("{},\"properties\":{{{}}}}}", &text[..text.len() - 1], body.join(","))
        },
    )
}
