//! Decoding one Segment-Spec NDJSON line against the project's schema (§7, §15).
//! Checks run in the order the reference fixes and the first failure decides: JSON
//! object → timestamp → type and event (unknown: ignored) → identifiers → properties
//! or traits → (duplicate and late are decided by the executor). Never panics.

use std::sync::Arc;

use seg_compiler::ir::schema::{IdTypeSchema, Normalizer, Schema, ValueType};
use serde_json::{Map, Number, Value as Json};
use sha2::{Digest, Sha256};

use super::time::parse_rfc3339;
use crate::decimal::Decimal;
use crate::value::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeadReason {
    InvalidJson,
    MissingTimestamp,
    BadTimestamp,
    NoIdentifier,
    TypeError,
}

impl DeadReason {
    pub fn as_str(self) -> &'static str {
        match self {
            DeadReason::InvalidJson => "invalid_json",
            DeadReason::MissingTimestamp => "missing_timestamp",
            DeadReason::BadTimestamp => "bad_timestamp",
            DeadReason::NoIdentifier => "no_identifier",
            DeadReason::TypeError => "type_error",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IgnoreReason {
    UnknownType,
    UnknownEvent,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    /// One value per declared field; `Value::None` for an absent optional field.
    Track {
        event: usize,
        fields: Vec<Value>,
    },
    /// Declared attributes present in `traits` (null sets none).
    Identify {
        attrs: Vec<(usize, Value)>,
    },
    Alias,
    Forget,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub ts: i64,
    /// The JSON text of `messageId` (`1` and `"1"` differ).
    pub message_id: Option<String>,
    /// (identifier type, normalised and hashed value), strongest first.
    pub ids: Vec<(usize, String)>,
    /// (purpose, granted)
    pub consent: Vec<(usize, bool)>,
    pub body: Body,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Decoded {
    Blank,
    Invalid { reason: DeadReason, detail: String },
    Ignored(IgnoreReason),
    Message(Message),
}

fn invalid(reason: DeadReason, detail: impl Into<String>) -> Decoded {
    Decoded::Invalid {
        reason,
        detail: detail.into(),
    }
}

/// Decodes one line.
pub fn decode(line: &str, schema: &Schema) -> Decoded {
    if line.chars().all(|c| matches!(c, ' ' | '\t' | '\r' | '\n')) {
        return Decoded::Blank;
    }
    let json: Json = match serde_json::from_str(line) {
        Ok(j) => j,
        Err(e) => return invalid(DeadReason::InvalidJson, e.to_string()),
    };
    let Json::Object(obj) = json else {
        return invalid(DeadReason::InvalidJson, "not a JSON object");
    };
    if let Some(n) = non_finite(&obj) {
        return invalid(DeadReason::InvalidJson, format!("number out of range: {n}"));
    }
    match decode_object(&obj, schema) {
        Ok(d) => d,
        Err(d) => d,
    }
}

fn decode_object(obj: &Map<String, Json>, schema: &Schema) -> Result<Decoded, Decoded> {
    let ts = timestamp(obj.get("timestamp"))?;
    let kind = match obj.get("type").and_then(Json::as_str) {
        Some(k @ ("track" | "page" | "screen" | "identify" | "alias" | "forget")) => k,
        _ => return Ok(Decoded::Ignored(IgnoreReason::UnknownType)),
    };
    let event = match kind {
        "track" => {
            let name = obj.get("event").and_then(Json::as_str);
            match name.and_then(|n| schema.events.iter().position(|e| e.wire == n)) {
                Some(e) => Some(e),
                None => return Ok(Decoded::Ignored(IgnoreReason::UnknownEvent)),
            }
        }
        "page" | "screen" => match schema.events.iter().position(|e| e.wire == kind) {
            Some(e) => Some(e),
            None => return Ok(Decoded::Ignored(IgnoreReason::UnknownEvent)),
        },
        _ => None,
    };
    let ids = identifiers(obj, schema, kind == "alias");
    if ids.is_empty() {
        return Err(invalid(
            DeadReason::NoIdentifier,
            "the message carries no identifier",
        ));
    }
    let body = match (kind, event) {
        (_, Some(e)) => Body::Track {
            event: e,
            fields: properties(obj.get("properties"), schema, e)?,
        },
        ("identify", _) => Body::Identify {
            attrs: traits(obj.get("traits"), schema)?,
        },
        ("alias", _) => Body::Alias,
        _ => Body::Forget,
    };
    let consent = if matches!(body, Body::Forget) {
        Vec::new()
    } else {
        consent(obj, schema)
    };
    let message_id = obj
        .get("messageId")
        .filter(|v| !v.is_null())
        .map(Json::to_string);
    Ok(Decoded::Message(Message {
        ts,
        message_id,
        ids,
        consent,
        body,
    }))
}

/// The first number anywhere in the message that is not a finite f64.
fn non_finite(obj: &Map<String, Json>) -> Option<String> {
    fn walk(v: &Json) -> Option<String> {
        match v {
            Json::Number(n) => n
                .as_f64()
                .filter(|f| f.is_finite())
                .is_none()
                .then(|| n.to_string()),
            Json::Array(a) => a.iter().find_map(walk),
            Json::Object(o) => o.values().find_map(walk),
            _ => None,
        }
    }
    obj.values().find_map(walk)
}

fn timestamp(v: Option<&Json>) -> Result<i64, Decoded> {
    match v {
        None | Some(Json::Null) => Err(invalid(DeadReason::MissingTimestamp, "no timestamp")),
        Some(Json::String(s)) => parse_rfc3339(s).map_err(|e| invalid(DeadReason::BadTimestamp, e)),
        Some(Json::Number(n)) => integer(n).ok_or_else(|| {
            invalid(
                DeadReason::BadTimestamp,
                format!("not epoch milliseconds: {n}"),
            )
        }),
        Some(other) => Err(invalid(
            DeadReason::BadTimestamp,
            format!("not a timestamp: {other}"),
        )),
    }
}

/// A JSON integer (no fraction, no exponent) that fits in i64.
fn integer(n: &Number) -> Option<i64> {
    let text = n.to_string();
    if !is_integer_text(&text) {
        return None;
    }
    text.parse().ok()
}

fn is_integer_text(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

fn path<'j>(obj: &'j Map<String, Json>, path: &[String]) -> Option<&'j Json> {
    let (first, rest) = path.split_first()?;
    let mut cur = obj.get(first)?;
    for seg in rest {
        cur = cur.as_object()?.get(seg)?;
    }
    Some(cur)
}

/// The identifier values a message carries, strongest type first.
fn identifiers(obj: &Map<String, Json>, schema: &Schema, alias: bool) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, ty) in schema.identity.iter().enumerate() {
        let found = ty.paths.iter().find_map(|p| {
            let reads_anon = p.len() == 1 && p.first().is_some_and(|s| s == "anonymousId");
            let v = if alias && reads_anon {
                obj.get("previousId")
            } else {
                path(obj, p)
            };
            v.and_then(|v| identifier_value(ty, v))
        });
        if let Some(v) = found {
            out.push((i, v));
        }
    }
    out
}

fn identifier_value(ty: &IdTypeSchema, v: &Json) -> Option<String> {
    match v {
        Json::String(s) => normalize_identifier(ty, s),
        Json::Number(n) => {
            let text = n.to_string();
            if !is_integer_text(&text) {
                return None;
            }
            let text = if text == "-0" { "0".to_string() } else { text };
            normalize_identifier(ty, &text)
        }
        _ => None,
    }
}

/// Applies an identifier type's normalisers and hash to a raw value; None when the
/// value is empty after normalisation.
pub fn normalize_identifier(ty: &IdTypeSchema, raw: &str) -> Option<String> {
    let mut v = raw.to_string();
    for n in &ty.normalize {
        v = match n {
            Normalizer::Trim => v.trim().to_string(),
            Normalizer::Lower => v.to_lowercase(),
        };
    }
    if v.is_empty() {
        return None;
    }
    if ty.hash_sha256 {
        return Some(
            Sha256::digest(v.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
        );
    }
    Some(v)
}

fn properties(v: Option<&Json>, schema: &Schema, event: usize) -> Result<Vec<Value>, Decoded> {
    let empty = Map::new();
    let props = match v {
        None | Some(Json::Null) => &empty,
        Some(Json::Object(o)) => o,
        Some(other) => {
            return Err(invalid(
                DeadReason::TypeError,
                format!("properties is not an object: {other}"),
            ))
        }
    };
    let Some(ev) = schema.events.get(event) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::with_capacity(ev.fields.len());
    for f in &ev.fields {
        match props.get(&f.name) {
            None | Some(Json::Null) if f.optional => out.push(Value::None),
            None | Some(Json::Null) => {
                return Err(invalid(
                    DeadReason::TypeError,
                    format!("missing required property '{}'", f.name),
                ))
            }
            Some(v) => out.push(wire_value(v, f.ty).ok_or_else(|| {
                invalid(
                    DeadReason::TypeError,
                    format!(
                        "property '{}': expected {}, got {v}",
                        f.name,
                        type_name(f.ty)
                    ),
                )
            })?),
        }
    }
    Ok(out)
}

fn traits(v: Option<&Json>, schema: &Schema) -> Result<Vec<(usize, Value)>, Decoded> {
    let traits = match v {
        None | Some(Json::Null) => return Ok(Vec::new()),
        Some(Json::Object(o)) => o,
        Some(other) => {
            return Err(invalid(
                DeadReason::TypeError,
                format!("traits is not an object: {other}"),
            ))
        }
    };
    let mut out = Vec::new();
    for (i, a) in schema.attrs.iter().enumerate() {
        match traits.get(&a.name) {
            None => {}
            Some(Json::Null) => out.push((i, Value::None)),
            Some(v) => out.push((
                i,
                wire_value(v, a.ty).ok_or_else(|| {
                    invalid(
                        DeadReason::TypeError,
                        format!("trait '{}': expected {}, got {v}", a.name, type_name(a.ty)),
                    )
                })?,
            )),
        }
    }
    Ok(out)
}

fn type_name(t: ValueType) -> &'static str {
    match t {
        ValueType::Int => "int",
        ValueType::Float => "float",
        ValueType::Decimal => "decimal",
        ValueType::Bool => "bool",
        ValueType::String => "string",
        ValueType::Duration => "duration",
        ValueType::Timestamp => "timestamp",
    }
}

/// A JSON value read as a declared type, or None when it has the wrong JSON type.
fn wire_value(v: &Json, ty: ValueType) -> Option<Value> {
    match (ty, v) {
        (ValueType::Int, Json::Number(n)) => integer(n).map(Value::Int),
        (ValueType::Float, Json::Number(n)) => n.as_f64().map(Value::Float),
        (ValueType::Decimal, Json::Number(n)) => {
            Decimal::parse_json(&n.to_string()).map(Value::Decimal)
        }
        (ValueType::Bool, Json::Bool(b)) => Some(Value::Bool(*b)),
        (ValueType::String, Json::String(s)) => Some(Value::Str(Arc::from(s.as_str()))),
        (ValueType::Duration, Json::Number(n)) => integer(n).map(Value::Duration),
        (ValueType::Timestamp, Json::String(s)) => parse_rfc3339(s).ok().map(Value::Timestamp),
        (ValueType::Timestamp, Json::Number(n)) => integer(n).map(Value::Timestamp),
        _ => None,
    }
}

fn consent(obj: &Map<String, Json>, schema: &Schema) -> Vec<(usize, bool)> {
    let prefs = obj
        .get("context")
        .and_then(|c| c.get("consent"))
        .and_then(|c| c.get("categoryPreferences"))
        .and_then(Json::as_object);
    let Some(prefs) = prefs else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (category, v) in prefs {
        let Some(granted) = v.as_bool() else { continue };
        for (i, p) in schema.purposes.iter().enumerate() {
            if &p.category == category {
                out.push((i, granted));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
