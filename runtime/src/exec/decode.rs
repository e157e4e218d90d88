//! Decoding one Segment-Spec NDJSON line against the project's schema (§7, §15).
//!
//! Checks run in the order the reference fixes and the first failure decides:
//! JSON object (`invalid_json`) → timestamp (`missing_timestamp`,
//! `bad_timestamp`) → `type` and `event` (unknown: ignored) → identifiers
//! (`no_identifier`) → properties or traits (`type_error`). Duplicate and late are
//! the executor's to decide, as are identity resolution and consent state: this
//! module only reads one line. It never panics, whatever the input.

use std::sync::Arc;

use seg_compiler::ir::schema::{IdTypeSchema, Normalizer, Schema, ValueType};
use serde_json::{Map, Number, Value as Json};
use sha2::{Digest, Sha256};

use super::time::parse_rfc3339;
use crate::decimal::Decimal;
use crate::value::Value;

/// Why a line goes to the dead-letter output (`late` is the executor's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeadReason {
    InvalidJson,
    MissingTimestamp,
    BadTimestamp,
    NoIdentifier,
    TypeError,
}

impl DeadReason {
    /// The `reason` field's text.
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

/// Why a valid line is ignored (counted, not dead-lettered).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IgnoreReason {
    /// `type` is none of track, page, screen, identify, alias, forget.
    UnknownType,
    /// A track message naming no declared event, or page/screen without a
    /// declared `page`/`screen` event.
    UnknownEvent,
}

/// What a message does besides identifying and carrying consent.
#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    /// An event (track, page or screen): `event` indexes `schema.events`;
    /// one value per declared field, `Value::None` for an absent optional field.
    Track {
        event: usize,
        fields: Vec<Value>,
    },
    /// (index into `schema.attrs`, value) for each declared attribute present in
    /// `traits`, in declaration order; JSON `null` gives `Value::None` (sets none).
    Identify {
        attrs: Vec<(usize, Value)>,
    },
    Alias,
    Forget,
}

/// A valid message, ready for de-duplication, lateness and identity resolution.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    /// Event time, epoch milliseconds.
    pub ts: i64,
    /// The JSON text of `messageId` (strings quoted: `1` and `"1"` differ);
    /// None when absent or `null`.
    pub message_id: Option<String>,
    /// (index into `schema.identity`, normalised and hashed value), at most one
    /// per type, strongest first; never empty.
    pub ids: Vec<(usize, String)>,
    /// (index into `schema.purposes`, granted) for every purpose whose category
    /// has a boolean entry in `context.consent.categoryPreferences` (empty for
    /// `forget`).
    pub consent: Vec<(usize, bool)>,
    pub body: Body,
}

/// The outcome of decoding one line.
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

/// Decodes one line (without its newline). Blank lines hold only JSON
/// whitespace (space, tab, CR).
pub fn decode(line: &str, schema: &Schema) -> Decoded {
    if is_blank(line) {
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
    decode_object(&obj, schema).unwrap_or_else(|d| d)
}

/// Nothing but JSON whitespace (a newline is tolerated too).
pub fn is_blank(line: &str) -> bool {
    line.bytes()
        .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

/// The message kinds the runtime reads.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Track,
    Page,
    Screen,
    Identify,
    Alias,
    Forget,
}

fn kind(obj: &Map<String, Json>) -> Option<Kind> {
    Some(match obj.get("type")?.as_str()? {
        "track" => Kind::Track,
        "page" => Kind::Page,
        "screen" => Kind::Screen,
        "identify" => Kind::Identify,
        "alias" => Kind::Alias,
        "forget" => Kind::Forget,
        _ => return None,
    })
}

/// The declared event a track/page/screen message is (None for other kinds);
/// Err(ignored) when there is no such event.
fn event_of(
    kind: Kind,
    obj: &Map<String, Json>,
    schema: &Schema,
) -> Result<Option<usize>, Decoded> {
    let wire = match kind {
        Kind::Track => obj.get("event").and_then(Json::as_str),
        Kind::Page => Some("page"),
        Kind::Screen => Some("screen"),
        Kind::Identify | Kind::Alias | Kind::Forget => return Ok(None),
    };
    wire.and_then(|w| schema.events.iter().position(|e| e.wire == w))
        .map(Some)
        .ok_or(Decoded::Ignored(IgnoreReason::UnknownEvent))
}

fn decode_object(obj: &Map<String, Json>, schema: &Schema) -> Result<Decoded, Decoded> {
    let ts = timestamp(obj.get("timestamp"))?;
    let Some(kind) = kind(obj) else {
        return Ok(Decoded::Ignored(IgnoreReason::UnknownType));
    };
    let event = event_of(kind, obj, schema)?;
    let ids = identifiers(obj, schema, kind == Kind::Alias);
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
        (Kind::Identify, _) => Body::Identify {
            attrs: traits(obj.get("traits"), schema)?,
        },
        (Kind::Alias, _) => Body::Alias,
        _ => Body::Forget,
    };
    // A forget erases the profile: consent it carries has nothing to apply to.
    let consent = match body {
        Body::Forget => Vec::new(),
        _ => consent(obj, schema),
    };
    Ok(Decoded::Message(Message {
        ts,
        message_id: message_id(obj),
        ids,
        consent,
        body,
    }))
}

/// `messageId` as its JSON text (strings quoted, so `1` and `"1"` differ and
/// equal strings written with different escapes agree); `null` counts as absent.
fn message_id(obj: &Map<String, Json>) -> Option<String> {
    obj.get("messageId")
        .filter(|v| !v.is_null())
        .map(Json::to_string)
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
    let text = n.as_str();
    if !is_integer_text(text) {
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
    // The schema lists types strongest first already; make sure of it.
    out.sort_by_key(|(i, _)| schema.identity.get(*i).map_or(u32::MAX, |t| t.priority));
    out
}

fn identifier_value(ty: &IdTypeSchema, v: &Json) -> Option<String> {
    match v {
        Json::String(s) => normalize_identifier(ty, s),
        Json::Number(n) => {
            let text = n.as_str();
            if !is_integer_text(text) {
                return None;
            }
            normalize_identifier(ty, if text == "-0" { "0" } else { text })
        }
        _ => None,
    }
}

/// Applies an identifier type's normalisers (in written order) and hash to a raw
/// value; None when the value is empty after normalisation.
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
        return Some(sha256_hex(&v));
    }
    Some(v)
}

/// Lowercase hex SHA-256 of a string's UTF-8 bytes.
pub fn sha256_hex(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(s.as_bytes());
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
    out
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
            Some(v) => out
                .push(wire_value(v, f.ty).ok_or_else(|| wrong_type("property", &f.name, f.ty, v))?),
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
                wire_value(v, a.ty).ok_or_else(|| wrong_type("trait", &a.name, a.ty, v))?,
            )),
        }
    }
    Ok(out)
}

/// The `type_error` for a value that does not read as its declared type:
/// `property 'price': expected float, got "cheap"`.
fn wrong_type(what: &str, name: &str, ty: ValueType, v: &Json) -> Decoded {
    let shown = shorten(&v.to_string());
    let why = match (ty, v) {
        (ValueType::Decimal, Json::Number(_)) => {
            " (a decimal has at most 28 significant digits, 28 after the point)"
        }
        (ValueType::Int | ValueType::Duration | ValueType::Timestamp, Json::Number(n))
            if is_integer_text(n.as_str()) =>
        {
            " (out of the 64-bit integer range)"
        }
        _ => "",
    };
    invalid(
        DeadReason::TypeError,
        format!(
            "{what} '{name}': expected {}, got {shown}{why}",
            type_name(ty)
        ),
    )
}

/// At most 80 characters of a value's JSON text, for details.
fn shorten(text: &str) -> String {
    match text.char_indices().nth(80) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
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
            Decimal::parse_json(n.as_str()).map(Value::Decimal)
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
