//! `--snapshot` lines (§10): one JSON object per live profile, keys in the order
//! `profile`, `identifiers`, `segments`, `traits`; durations in ms, none as null,
//! decimals as exact JSON numbers, timestamps as RFC 3339 strings.

use seg_compiler::ir::Plan;
use serde_json::Value as Json;

use crate::exec::time::format_ts;
use crate::executor::ProfileSnapshot;
use crate::value::Value;

/// Appends one snapshot line (with its newline) to `buf`.
pub fn write_line(buf: &mut Vec<u8>, plan: &Plan, p: &ProfileSnapshot) {
    let mut ids = serde_json::Map::new();
    for (ty, values) in &p.identifiers {
        ids.insert(ty.clone(), Json::from(values.clone()));
    }
    let segments: Vec<Json> = plan
        .segments
        .iter()
        .zip(&p.segments)
        .filter(|(_, member)| **member)
        .map(|(s, _)| Json::from(s.name.clone()))
        .collect();
    let mut traits = serde_json::Map::new();
    for (t, v) in plan.traits.iter().zip(&p.traits) {
        traits.insert(t.name.clone(), json_value(v));
    }
    buf.extend_from_slice(b"{\"profile\":");
    buf.extend_from_slice(Json::from(p.id.clone()).to_string().as_bytes());
    buf.extend_from_slice(b",\"identifiers\":");
    buf.extend_from_slice(Json::Object(ids).to_string().as_bytes());
    buf.extend_from_slice(b",\"segments\":");
    buf.extend_from_slice(Json::Array(segments).to_string().as_bytes());
    buf.extend_from_slice(b",\"traits\":");
    buf.extend_from_slice(Json::Object(traits).to_string().as_bytes());
    buf.extend_from_slice(b"}\n");
}

/// A runtime value as JSON.
pub fn json_value(v: &Value) -> Json {
    match v {
        Value::None => Json::Null,
        Value::Bool(b) => Json::from(*b),
        Value::Int(i) => Json::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        Value::Decimal(d) => d
            .to_string()
            .parse::<serde_json::Number>()
            .map_or(Json::Null, Json::Number),
        Value::Str(s) => Json::from(s.to_string()),
        Value::Duration(ms) => Json::from(*ms),
        Value::Timestamp(ms) => Json::from(format_ts(*ms)),
    }
}
