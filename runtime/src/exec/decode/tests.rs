//! Decoder tests: one per rule of §7 and §15.

use seg_compiler::ir::schema::*;

use super::*;

fn schema() -> Schema {
    let field = |name: &str, ty, optional| FieldSchema {
        name: name.into(),
        ty,
        optional,
        pii: false,
    };
    Schema {
        events: vec![
            EventSchema {
                name: "viewed".into(),
                wire: "Product Viewed".into(),
                fields: vec![
                    field("price", ValueType::Float, false),
                    field("coupon", ValueType::String, true),
                    field("n", ValueType::Int, true),
                    field("amount", ValueType::Decimal, true),
                ],
                retain_ms: None,
                purposes: vec![],
            },
            EventSchema {
                name: "page".into(),
                wire: "page".into(),
                fields: vec![],
                retain_ms: None,
                purposes: vec![],
            },
        ],
        identity: {
            let mut ids = Schema::default_identity();
            ids.insert(
                1,
                IdTypeSchema {
                    name: "email".into(),
                    paths: vec![
                        vec!["traits".into(), "email".into()],
                        vec!["context".into(), "traits".into(), "email".into()],
                    ],
                    normalize: vec![Normalizer::Trim, Normalizer::Lower],
                    hash_sha256: true,
                    priority: 2,
                    limit: 5,
                },
            );
            ids
        },
        purposes: vec![
            PurposeSchema {
                name: "ads".into(),
                basis: Basis::Consent,
                category: "Marketing".into(),
            },
            PurposeSchema {
                name: "mail".into(),
                basis: Basis::Consent,
                category: "Marketing".into(),
            },
        ],
        attrs: vec![AttrSchema {
            name: "plan".into(),
            ty: ValueType::String,
        }],
    }
}

fn reason(line: &str) -> String {
    match decode(line, &schema()) {
        Decoded::Invalid { reason, .. } => reason.as_str().to_string(),
        Decoded::Ignored(r) => format!("ignored {r:?}"),
        Decoded::Blank => "blank".into(),
        Decoded::Message(_) => "ok".into(),
    }
}

fn message(line: &str) -> Message {
    match decode(line, &schema()) {
        Decoded::Message(m) => m,
        other => panic!("{other:?}"),
    }
}

const TS: &str = r#""timestamp":"2026-01-01T10:00:00Z""#;

#[test]
fn checks_run_in_order() {
    assert_eq!(reason("  \t\r"), "blank");
    assert_eq!(reason("\u{a0}"), "invalid_json");
    assert_eq!(reason(r#"{"type":"track""#), "invalid_json");
    assert_eq!(reason("[1]"), "invalid_json");
    assert_eq!(reason(r#"{"type":"track","x":1e400}"#), "invalid_json");
    assert_eq!(reason(r#"{"type":"track","x":"\ud800"}"#), "invalid_json");
    assert_eq!(reason(r#"{"type":"nope"}"#), "missing_timestamp");
    assert_eq!(
        reason(r#"{"type":"track","timestamp":"2026-13-01T00:00:00Z"}"#),
        "bad_timestamp"
    );
    assert_eq!(
        reason(r#"{"type":"track","timestamp":1.5}"#),
        "bad_timestamp"
    );
    assert_eq!(
        reason(&format!(r#"{{"type":"group",{TS}}}"#)),
        "ignored UnknownType"
    );
    assert_eq!(
        reason(&format!(r#"{{"type":"track","event":"Nope",{TS}}}"#)),
        "ignored UnknownEvent"
    );
    assert_eq!(
        reason(&format!(r#"{{"type":"screen",{TS},"userId":"u"}}"#)),
        "ignored UnknownEvent"
    );
    assert_eq!(
        reason(&format!(
            r#"{{"type":"track","event":"Product Viewed",{TS}}}"#
        )),
        "no_identifier"
    );
    assert_eq!(
        reason(&format!(
            r#"{{"type":"track","event":"Product Viewed",{TS},"userId":"u"}}"#
        )),
        "type_error"
    );
    assert_eq!(
        reason(&format!(
            r#"{{"type":"track","event":"Product Viewed",{TS},"userId":"u","properties":{{"price":"x"}}}}"#
        )),
        "type_error"
    );
    assert_eq!(
        reason(&format!(
            r#"{{"type":"track","event":"Product Viewed",{TS},"userId":"u","properties":[]}}"#
        )),
        "type_error"
    );
    assert_eq!(
        reason(&format!(r#"{{"type":"page",{TS},"userId":"u"}}"#)),
        "ok"
    );
}

#[test]
fn reads_fields_by_declared_type() {
    let m = message(&format!(
        r#"{{"type":"track","event":"Product Viewed",{TS},"userId":"u","properties":{{"price":3,"coupon":null,"n":7,"amount":100.01,"extra":true}}}}"#
    ));
    let Body::Track { fields, .. } = m.body else {
        panic!()
    };
    assert_eq!(fields[0], Value::Float(3.0));
    assert_eq!(fields[1], Value::None);
    assert_eq!(fields[2], Value::Int(7));
    assert_eq!(
        fields[3],
        Value::Decimal(Decimal::parse_json("100.01").unwrap())
    );
    let bad_int = format!(
        r#"{{"type":"track","event":"Product Viewed",{TS},"userId":"u","properties":{{"price":1,"n":7.0}}}}"#
    );
    assert_eq!(reason(&bad_int), "type_error");
    let big = format!(
        r#"{{"type":"track","event":"Product Viewed",{TS},"userId":"u","properties":{{"price":1,"amount":12345678901234567890123456789}}}}"#
    );
    assert_eq!(reason(&big), "type_error");
}

#[test]
fn identifiers_normalise_hash_and_accept_integers() {
    let m = message(&format!(
        r#"{{"type":"identify",{TS},"userId":42,"anonymousId":"a","traits":{{"email":"  Ada@X.com ","plan":null}}}}"#
    ));
    let email: String = Sha256::digest(b"ada@x.com")
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        m.ids,
        vec![(0, "42".to_string()), (1, email), (2, "a".to_string())]
    );
    assert_eq!(
        m.body,
        Body::Identify {
            attrs: vec![(0, Value::None)]
        }
    );
    assert_eq!(
        message(&format!(
            r#"{{"type":"alias",{TS},"userId":-0,"previousId":"p"}}"#
        ))
        .ids,
        vec![(0, "0".into()), (2, "p".into())]
    );
    for bad in ["42.0", "true", "\"\""] {
        let line = format!(r#"{{"type":"identify",{TS},"userId":{bad}}}"#);
        assert_eq!(reason(&line), "no_identifier", "{bad}");
    }
}

#[test]
fn consent_categories_update_every_purpose_and_ids_keep_json_text() {
    let m = message(&format!(
        r#"{{"type":"identify",{TS},"userId":"u","messageId":1,"context":{{"consent":{{"categoryPreferences":{{"Marketing":true,"Other":false,"Bad":"yes"}}}}}}}}"#
    ));
    assert_eq!(m.consent, vec![(0, true), (1, true)]);
    assert_eq!(m.message_id.as_deref(), Some("1"));
    let s = message(&format!(
        r#"{{"type":"identify",{TS},"userId":"u","messageId":"1"}}"#
    ));
    assert_eq!(s.message_id.as_deref(), Some("\"1\""));
    assert_eq!(
        message(&format!(r#"{{"type":"forget",{TS},"userId":"u"}}"#)).body,
        Body::Forget
    );
}

#[test]
fn timestamps_as_epoch_milliseconds() {
    assert_eq!(
        message(r#"{"type":"identify","timestamp":1767261600000,"userId":"u"}"#).ts,
        1_767_261_600_000
    );
}
