//! The part of the plan that describes input messages: declared events and their
//! fields, identifier types, purposes with their consent categories, and profile
//! attributes. The runtime decoder needs only this; expressions live in `plan`.

use serde::Serialize;

/// A value type on the wire and in the runtime (`T?` is `optional` on the field).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ValueType {
    Int,
    Float,
    Decimal,
    Bool,
    String,
    Duration,
    Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct FieldSchema {
    pub name: String,
    pub ty: ValueType,
    pub optional: bool,
    pub pii: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct EventSchema {
    /// Declared name, e.g. `viewed_product`.
    pub name: String,
    /// Name on the wire (`event` of a track message; `page`/`screen` for those types).
    pub wire: String,
    pub fields: Vec<FieldSchema>,
    /// `retain D` in milliseconds.
    pub retain_ms: Option<i64>,
    /// Indices into `Schema::purposes`.
    pub purposes: Vec<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Normalizer {
    Trim,
    Lower,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct IdTypeSchema {
    /// e.g. `user_id`; profile ids are `NAME:VALUE`.
    pub name: String,
    /// JSON paths tried in order, first present wins, e.g. `[["traits","email"]]`.
    pub paths: Vec<Vec<String>>,
    /// Applied in written order.
    pub normalize: Vec<Normalizer>,
    /// `hash(sha256)`: stored and shown as lowercase hex SHA-256.
    pub hash_sha256: bool,
    /// 1 = strongest; unique.
    pub priority: u32,
    /// Most distinct values of this type one profile may hold.
    pub limit: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    Consent,
    LegitimateInterest,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct PurposeSchema {
    pub name: String,
    pub basis: Basis,
    /// Consent category as it arrives in `context.consent.categoryPreferences`.
    pub category: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct AttrSchema {
    pub name: String,
    pub ty: ValueType,
}

/// Everything the decoder and identity resolution need to know about a project.
/// `identity` is sorted by priority, strongest first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Schema {
    pub events: Vec<EventSchema>,
    pub identity: Vec<IdTypeSchema>,
    pub purposes: Vec<PurposeSchema>,
    pub attrs: Vec<AttrSchema>,
}

impl Schema {
    /// The identity block used when a project declares none (§3.2).
    pub fn default_identity() -> Vec<IdTypeSchema> {
        vec![
            IdTypeSchema {
                name: "user_id".into(),
                paths: vec![vec!["userId".into()]],
                normalize: vec![],
                hash_sha256: false,
                priority: 1,
                limit: 1,
            },
            IdTypeSchema {
                name: "anonymous_id".into(),
                paths: vec![vec!["anonymousId".into()]],
                normalize: vec![],
                hash_sha256: false,
                priority: 2,
                limit: 100,
            },
        ]
    }
}
