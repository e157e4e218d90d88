//! `seg test`: runs a project's `test` blocks on the same executor as `seg run`.
//! Each step that sends something becomes a Segment-Spec message line (so tests
//! exercise decoding, identity and consent exactly as production input does); each
//! `expect` advances the clock through its instant and compares membership or a
//! trait value. Failures carry the span of the failing `expect`.

use seg_compiler::hir::Base;
use seg_compiler::ir::schema::{IdTypeSchema, Schema};
use seg_compiler::ir::Plan;
use seg_compiler::syntax::ast::{self, ExprKind, Span, StepKind, TestDecl, UnaryOp};
use serde_json::{Map, Value as Json};

use crate::exec::decode::normalize_identifier;
use crate::exec::time::{format_ts, parse_rfc3339};
use crate::executor::{Evaluator, Executor, MemorySink};
use crate::ops;
use crate::value::Value;

/// 2026-01-01T00:00:00Z, the day `HH:MM` test times refer to.
const TEST_DAY_MS: i64 = 1_767_225_600_000;

/// One failed step.
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    pub span: Span,
    pub message: String,
}

/// The result of one `test` block.
#[derive(Clone, Debug, PartialEq)]
pub struct TestResult {
    pub name: String,
    pub file: String,
    pub failures: Vec<Failure>,
}

/// Runs one test block on a fresh executor.
pub fn run_test(plan: &Plan, eval: &dyn Evaluator, file: &str, test: &TestDecl) -> TestResult {
    let mut exec = Executor::new(plan, eval, 0);
    let mut sink = MemorySink::default();
    let mut failures = Vec::new();
    let mut last_t = i64::MIN;
    for (n, step) in test.steps.iter().enumerate() {
        let Some(t) = step_time(&step.at.text) else {
            failures.push(Failure {
                span: step.at.span,
                message: format!(
                    "`{}` is not a test time: write `HH:MM`, `HH:MM:SS` or an RFC 3339 timestamp",
                    step.at.text
                ),
            });
            break;
        };
        if t < last_t {
            failures.push(Failure {
                span: step.at.span,
                message: "test steps must not go back in time".into(),
            });
            break;
        }
        last_t = t;
        let line = u64::try_from(n + 1).unwrap_or(u64::MAX);
        match step_message(&plan.schema, t, &step.kind) {
            Ok(Some(msg)) => {
                exec.push_line(line, &msg, &mut sink);
                if let Some((_, reason, detail)) = sink.dead_letters.pop() {
                    failures.push(Failure {
                        span: step.span,
                        message: format!("this message was rejected ({reason}): {detail}"),
                    });
                }
            }
            Ok(None) => {
                exec.run_through(t, &mut sink);
                if let Some(msg) = check_expect(&exec, t, &step.kind) {
                    failures.push(Failure {
                        span: step.span,
                        message: msg,
                    });
                }
            }
            Err(msg) => failures.push(Failure {
                span: step.span,
                message: msg,
            }),
        }
    }
    TestResult {
        name: test.name.value.clone(),
        file: file.to_string(),
        failures,
    }
}

/// Milliseconds of a test time: `HH:MM[:SS]` on 2026-01-01 UTC or RFC 3339.
pub fn step_time(text: &str) -> Option<i64> {
    if text.contains('T') {
        return parse_rfc3339(text).ok();
    }
    let parts: Vec<&str> = text.split(':').collect();
    let num = |i: usize| parts.get(i).and_then(|p| p.parse::<i64>().ok());
    let (h, m) = (num(0)?, num(1)?);
    let s = if parts.len() == 3 { num(2)? } else { 0 };
    if parts.len() > 3 || h > 23 || m > 59 || s > 59 {
        return None;
    }
    Some(TEST_DAY_MS + ((h * 60 + m) * 60 + s) * 1000)
}

fn id_schema<'s>(schema: &'s Schema, name: &str) -> Result<&'s IdTypeSchema, String> {
    schema
        .identity
        .iter()
        .find(|i| i.name == name)
        .ok_or_else(|| {
            let known: Vec<String> = schema
                .identity
                .iter()
                .map(|i| format!("`{}`", i.name))
                .collect();
            format!(
                "unknown identifier type `{name}`; declared: {}",
                known.join(", ")
            )
        })
}

/// The Segment-Spec line a sending step stands for; None for an `expect`.
fn step_message(schema: &Schema, t: i64, kind: &StepKind) -> Result<Option<String>, String> {
    let mut msg = Map::new();
    msg.insert("timestamp".into(), Json::from(t));
    let ids = match kind {
        StepKind::Track { ids, event, fields } => {
            let ev = schema
                .events
                .iter()
                .find(|e| e.name == event.name)
                .ok_or_else(|| format!("unknown event `{}`", event.name))?;
            let is_page = ev.wire == "page" || ev.wire == "screen";
            msg.insert(
                "type".into(),
                Json::from(if is_page { ev.wire.as_str() } else { "track" }),
            );
            if !is_page {
                msg.insert("event".into(), Json::from(ev.wire.clone()));
            }
            msg.insert("properties".into(), Json::Object(values(fields)?));
            ids
        }
        StepKind::Identify { ids, attrs } => {
            msg.insert("type".into(), Json::from("identify"));
            msg.insert("traits".into(), Json::Object(values(attrs)?));
            ids
        }
        StepKind::Consent { ids, decisions } => {
            msg.insert("type".into(), Json::from("identify"));
            let prefs: Map<String, Json> = decisions
                .iter()
                .map(|(c, b)| (c.value.clone(), Json::from(*b)))
                .collect();
            let consent = Json::Object(Map::from_iter([(
                "categoryPreferences".to_string(),
                Json::Object(prefs),
            )]));
            msg.insert(
                "context".into(),
                Json::Object(Map::from_iter([("consent".to_string(), consent)])),
            );
            ids
        }
        StepKind::Forget { ids } => {
            msg.insert("type".into(), Json::from("forget"));
            ids
        }
        StepKind::ExpectMember { .. } | StepKind::ExpectTrait { .. } => return Ok(None),
    };
    for id in ids {
        let schema = id_schema(schema, &id.id_type.name)?;
        let path = schema
            .paths
            .first()
            .ok_or_else(|| format!("identifier type `{}` has no path", schema.name))?;
        insert_path(&mut msg, path, Json::from(id.value.value.clone()));
    }
    Ok(Some(Json::Object(msg).to_string()))
}

fn insert_path(obj: &mut Map<String, Json>, path: &[String], value: Json) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    if rest.is_empty() {
        obj.insert(first.clone(), value);
        return;
    }
    let child = obj
        .entry(first.clone())
        .or_insert_with(|| Json::Object(Map::new()));
    if let Json::Object(m) = child {
        insert_path(m, rest, value);
    }
}

fn values(fields: &[ast::FieldValue]) -> Result<Map<String, Json>, String> {
    fields
        .iter()
        .map(|f| Ok((f.name.name.clone(), literal_json(&f.value)?)))
        .collect()
}

/// A test literal as JSON; numbers keep their exact text.
fn literal_json(e: &ast::Expr) -> Result<Json, String> {
    let number = |text: String| {
        serde_json::from_str::<Json>(&text).map_err(|_| format!("`{text}` is not a number"))
    };
    match &e.kind {
        ExprKind::Int(t) | ExprKind::Float(t) => number(t.clone()),
        ExprKind::Unary {
            op: UnaryOp::Neg,
            expr,
        } => match &expr.kind {
            ExprKind::Int(t) | ExprKind::Float(t) => number(format!("-{t}")),
            ExprKind::Duration(d) => Ok(Json::from(-d.ms)),
            _ => Err("only literals may appear in test messages".into()),
        },
        ExprKind::Str(s) => Ok(Json::from(s.clone())),
        ExprKind::Bool(b) => Ok(Json::from(*b)),
        ExprKind::None => Ok(Json::Null),
        ExprKind::Duration(d) => Ok(Json::from(d.ms)),
        _ => Err("only literals may appear in test messages".into()),
    }
}

/// Compares an expectation at `t`; a message when it fails.
fn check_expect(exec: &Executor<'_>, t: i64, kind: &StepKind) -> Option<String> {
    let plan = exec.plan();
    match kind {
        StepKind::ExpectMember {
            id,
            negated,
            segment,
        } => {
            let Some(s) = plan.segments.iter().position(|x| x.name == segment.name) else {
                return Some(format!("unknown segment `{}`", segment.name));
            };
            let member = lookup(exec, id).and_then(|(_, state)| {
                let mut out = Vec::new();
                exec.evaluator().segments(state, t, &mut out);
                out.get(s).copied()
            });
            let actual = member.unwrap_or(false);
            let who = describe(exec, id);
            (actual == *negated).then(|| {
                let want = if *negated { "not in" } else { "in" };
                let got = if actual {
                    "is a member"
                } else {
                    "is not a member"
                };
                format!(
                    "expected {who} {want} `{}` at {}, but it {got}",
                    segment.name,
                    format_ts(t)
                )
            })
        }
        StepKind::ExpectTrait { id, name, value } => {
            let Some(i) = plan.traits.iter().position(|x| x.name == name.name) else {
                return Some(format!("unknown trait `{}`", name.name));
            };
            let base = plan.traits.get(i).map_or(Base::Error, |tr| tr.ty.base);
            let expected = match expected_value(value, base) {
                Ok(v) => v,
                Err(e) => return Some(e),
            };
            let actual = lookup(exec, id)
                .and_then(|(_, state)| exec.evaluator().traits(state, t).get(i).cloned())
                .unwrap_or(Value::None);
            let same = matches!((&actual, &expected), (Value::None, Value::None))
                || ops::equal(&actual, &expected);
            (!same).then(|| {
                format!(
                    "expected `{}` of {} to be {}, got {}",
                    name.name,
                    describe(exec, id),
                    show(&expected),
                    show(&actual)
                )
            })
        }
        _ => None,
    }
}

fn lookup<'e>(
    exec: &'e Executor<'_>,
    id: &ast::IdValue,
) -> Option<(&'e str, &'e crate::state::ProfileState)> {
    let schema = exec
        .plan()
        .schema
        .identity
        .iter()
        .find(|i| i.name == id.id_type.name)?;
    let value = normalize_identifier(schema, &id.value.value)?;
    exec.profile_of(&schema.name, &value)
}

fn describe(exec: &Executor<'_>, id: &ast::IdValue) -> String {
    match lookup(exec, id) {
        Some((pid, _)) => format!("profile `{pid}`"),
        None => format!(
            "{} \"{}\" (no such profile)",
            id.id_type.name, id.value.value
        ),
    }
}

/// The expected literal of a trait expectation, read at the trait's type.
fn expected_value(e: &ast::Expr, base: Base) -> Result<Value, String> {
    let (neg, inner) = match &e.kind {
        ExprKind::Unary {
            op: UnaryOp::Neg,
            expr,
        } => (true, expr.as_ref()),
        _ => (false, e),
    };
    let sign = if neg { "-" } else { "" };
    let v = match (&inner.kind, base) {
        (ExprKind::None, _) => Value::None,
        (ExprKind::Int(t) | ExprKind::Float(t), Base::Decimal) => {
            crate::decimal::Decimal::parse_literal(&format!("{sign}{t}"))
                .map(Value::Decimal)
                .ok_or("the expected value does not fit a decimal")?
        }
        (ExprKind::Int(t) | ExprKind::Float(t), Base::Float) => {
            Value::Float(format!("{sign}{t}").parse().map_err(|_| "not a number")?)
        }
        (ExprKind::Int(t), _) => Value::Int(
            format!("{sign}{t}")
                .parse()
                .map_err(|_| "integer out of range")?,
        ),
        (ExprKind::Float(t), _) => {
            Value::Float(format!("{sign}{t}").parse().map_err(|_| "not a number")?)
        }
        (ExprKind::Duration(d), _) => Value::Duration(if neg { -d.ms } else { d.ms }),
        (ExprKind::Str(s), _) => Value::Str(s.as_str().into()),
        (ExprKind::Bool(b), _) => Value::Bool(*b),
        _ => return Err("the expected value must be a literal".into()),
    };
    Ok(v)
}

/// A value as a test report shows it.
pub fn show(v: &Value) -> String {
    match v {
        Value::None => "none".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => format!("{f:?}"),
        Value::Decimal(d) => d.to_string(),
        Value::Str(s) => format!("{:?}", &**s),
        Value::Duration(ms) => format!("{ms}ms"),
        Value::Timestamp(ms) => format_ts(*ms),
    }
}
