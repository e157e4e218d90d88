//! Decoder tests: one per rule of §7 and §15, and the check order.

use seg_compiler::ir::schema::*;

use super::*;

fn field(name: &str, ty: ValueType, optional: bool) -> FieldSchema {
    FieldSchema {
        name: name.into(),
        ty,
        optional,
        pii: false,
    }
}

fn event(name: &str, wire: &str, fields: Vec<FieldSchema>) -> EventSchema {
    EventSchema {
        name: name.into(),
        wire: wire.into(),
        fields,
        retain_ms: None,
        purposes: vec![],
    }
}

fn purpose(name: &str, category: &str) -> PurposeSchema {
    PurposeSchema {
        name: name.into(),
        basis: Basis::Consent,
        category: category.into(),
    }
}

/// Events: 0 `Product Viewed` (as in conformance case 26), 1 `page`, 2 `Typed`
/// (one optional field of every type). Identity: user_id, email (trim, lower,
/// sha256), anonymous_id. Purposes: ads and mail share "Marketing"; stats.
fn schema() -> Schema {
    let typed = [
        ("i", ValueType::Int),
        ("f", ValueType::Float),
        ("d", ValueType::Decimal),
        ("b", ValueType::Bool),
        ("s", ValueType::String),
        ("du", ValueType::Duration),
        ("ts", ValueType::Timestamp),
    ];
    Schema {
        events: vec![
            event(
                "viewed",
                "Product Viewed",
                vec![
                    field("product_id", ValueType::String, false),
                    field("price", ValueType::Float, false),
                    field("category", ValueType::String, false),
                    field("coupon", ValueType::String, true),
                ],
            ),
            event("page", "page", vec![field("path", ValueType::String, true)]),
            event(
                "typed",
                "Typed",
                typed.iter().map(|(n, t)| field(n, *t, true)).collect(),
            ),
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
            ids[2].priority = 3;
            ids
        },
        purposes: vec![
            purpose("ads", "Marketing"),
            purpose("mail", "Marketing"),
            purpose("stats", "stats"),
        ],
        attrs: vec![
            AttrSchema {
                name: "plan".into(),
                ty: ValueType::String,
            },
            AttrSchema {
                name: "nps".into(),
                ty: ValueType::Int,
            },
        ],
    }
}

fn outcome(line: &str) -> String {
    match decode(line, &schema()) {
        Decoded::Invalid { reason, .. } => reason.as_str().to_string(),
        Decoded::Ignored(r) => format!("ignored {r:?}"),
        Decoded::Blank => "blank".into(),
        Decoded::Message(_) => "ok".into(),
    }
}

fn dead(line: &str) -> (String, String) {
    match decode(line, &schema()) {
        Decoded::Invalid { reason, detail } => (reason.as_str().to_string(), detail),
        other => panic!("{line}: {other:?}"),
    }
}

fn message(line: &str) -> Message {
    match decode(line, &schema()) {
        Decoded::Message(m) => m,
        other => panic!("{line}: {other:?}"),
    }
}

const TS: &str = r#""timestamp":"2026-01-01T10:00:00Z""#;
const T0: i64 = 1_767_261_600_000;

/// A track message of `Typed` with the given properties object text.
fn typed(props: &str) -> String {
    format!(r#"{{"type":"track","event":"Typed",{TS},"userId":"u","properties":{props}}}"#)
}

fn typed_fields(props: &str) -> Vec<Value> {
    match message(&typed(props)).body {
        Body::Track { event: 2, fields } => fields,
        other => panic!("{other:?}"),
    }
}

fn hex(s: &str) -> String {
    sha256_hex(s)
}

#[test]
fn blank_lines_hold_only_json_whitespace() {
    for blank in ["", " ", "\t", "\r", " \t\r "] {
        assert_eq!(outcome(blank), "blank", "{blank:?}");
    }
    for not_blank in ["\u{a0}", "\u{feff}", "\u{2028}", "\u{b}", "\u{c}"] {
        assert_eq!(outcome(not_blank), "invalid_json", "{not_blank:?}");
    }
}

#[test]
fn conformance_case_26_reasons_and_details() {
    let cases = [
        (
            r#"{"type":"track","event":"Product Viewed","#,
            "invalid_json",
            None,
        ),
        (
            r#"{"type": "track", "event": "Product Viewed", "userId": "u1", "properties": {"product_id": "p1", "price": 1, "category": "c"}}"#,
            "missing_timestamp",
            Some("no timestamp"),
        ),
        (
            r#"{"type": "track", "event": "Product Viewed", "userId": "u1", "timestamp": "2026-13-01T00:00:00Z", "properties": {"product_id": "p1", "price": 1, "category": "c"}}"#,
            "bad_timestamp",
            Some("not an RFC 3339 timestamp: 2026-13-01T00:00:00Z"),
        ),
        (
            r#"{"type": "track", "event": "Product Viewed", "timestamp": "2026-01-01T10:00:00.000Z", "properties": {"product_id": "p1", "price": 1, "category": "c"}}"#,
            "no_identifier",
            Some("the message carries no identifier"),
        ),
        (
            r#"{"type": "track", "event": "Product Viewed", "userId": "u1", "timestamp": "2026-01-01T10:00:00.000Z", "properties": {"product_id": "p1", "price": "cheap", "category": "c"}}"#,
            "type_error",
            Some(r#"property 'price': expected float, got "cheap""#),
        ),
        (
            r#"{"type": "track", "event": "Product Viewed", "userId": "u1", "timestamp": "2026-01-01T10:00:00.000Z", "properties": {"product_id": "p1", "price": 3}}"#,
            "type_error",
            Some("missing required property 'category'"),
        ),
    ];
    for (line, reason, detail) in cases {
        let (r, d) = dead(line);
        assert_eq!(r, reason, "{line}");
        assert!(!d.is_empty());
        if let Some(detail) = detail {
            assert_eq!(d, detail, "{line}");
        }
    }
    assert_eq!(
        outcome(
            r#"{"type": "track", "event": "Newsletter Opened", "userId": "u1", "timestamp": "2026-01-01T10:00:00.000Z"}"#
        ),
        "ignored UnknownEvent"
    );
    assert_eq!(
        outcome(
            r#"{"type": "group", "groupId": "g1", "userId": "u1", "timestamp": "2026-01-01T10:00:00.000Z"}"#
        ),
        "ignored UnknownType"
    );
    let m = message(
        r#"{"type": "track", "event": "Product Viewed", "userId": "u1", "timestamp": 1767261600000, "properties": {"product_id": "p1", "price": 3, "category": "c", "extra": true}}"#,
    );
    assert_eq!(m.ts, T0);
    assert_eq!(
        m.body,
        Body::Track {
            event: 0,
            fields: vec![
                Value::str("p1"),
                Value::Float(3.0),
                Value::str("c"),
                Value::None
            ]
        }
    );
}

#[test]
fn the_first_failing_check_decides() {
    // Not an object beats everything.
    assert_eq!(outcome("[1]"), "invalid_json");
    assert_eq!(outcome("\"x\""), "invalid_json");
    assert_eq!(outcome("null"), "invalid_json");
    assert_eq!(outcome(r#"{"a":1} x"#), "invalid_json");
    // Timestamp before type: an unknown type without a timestamp is dead.
    assert_eq!(outcome(r#"{"type":"nope"}"#), "missing_timestamp");
    assert_eq!(
        outcome(r#"{"type":"nope","timestamp":"yesterday"}"#),
        "bad_timestamp"
    );
    // Type and event before identifiers.
    assert_eq!(
        outcome(&format!(r#"{{"type":"track","event":"Nope",{TS}}}"#)),
        "ignored UnknownEvent"
    );
    assert_eq!(outcome(&format!(r#"{{{TS}}}"#)), "ignored UnknownType");
    assert_eq!(
        outcome(&format!(r#"{{"type":7,{TS},"userId":"u"}}"#)),
        "ignored UnknownType"
    );
    assert_eq!(
        outcome(&format!(r#"{{"type":"track",{TS},"userId":"u"}}"#)),
        "ignored UnknownEvent",
        "a track without an event name"
    );
    // Identifiers before properties.
    assert_eq!(
        outcome(&format!(
            r#"{{"type":"track","event":"Product Viewed",{TS},"properties":7}}"#
        )),
        "no_identifier"
    );
    assert_eq!(
        outcome(&format!(
            r#"{{"type":"identify",{TS},"traits":{{"plan":5}}}}"#
        )),
        "no_identifier"
    );
}

#[test]
fn out_of_range_numbers_and_lone_surrogates_are_invalid_json() {
    for line in [
        r#"{"type":"track","x":1e400}"#,
        r#"{"type":"track","x":-1e400}"#,
        r#"{"context":{"a":[1,{"b":[2e308]}]},"timestamp":"2026-01-01T10:00:00Z"}"#,
        r#"{"type":"track","x":"\ud800"}"#,
        r#"{"type":"track","x":"\udc00x"}"#,
        r#"{"\ud83d":1}"#,
    ] {
        assert_eq!(outcome(line), "invalid_json", "{line}");
    }
    // A surrogate pair is fine; 1e-400 is a finite (zero) number.
    assert_eq!(
        outcome(&format!(
            r#"{{"type":"identify",{TS},"userId":"\ud83d\ude00","x":1e-400}}"#
        )),
        "ok"
    );
    assert_eq!(
        message(&format!(
            r#"{{"type":"identify",{TS},"userId":"\ud83d\ude00"}}"#
        ))
        .ids,
        vec![(0, "\u{1f600}".to_string())]
    );
}

#[test]
fn timestamps() {
    let ts = |v: &str| format!(r#"{{"type":"identify","timestamp":{v},"userId":"u"}}"#);
    assert_eq!(message(&ts("1767261600000")).ts, T0);
    assert_eq!(message(&ts("-5")).ts, -5);
    assert_eq!(message(&ts(r#""2026-01-01T11:00:00.0009+01:00""#)).ts, T0);
    assert_eq!(
        message(&ts(r#""2026-01-01T10:00:00.123456Z""#)).ts,
        T0 + 123
    );
    assert_eq!(outcome(&ts("null")), "missing_timestamp");
    for bad in [
        "1.5",
        "1e3",
        "1767261600000.0",
        "9223372036854775808",
        "true",
        r#""1767261600000""#,
        r#""2026-01-01 10:00""#,
        "{}",
        "[]",
    ] {
        assert_eq!(outcome(&ts(bad)), "bad_timestamp", "{bad}");
    }
}

#[test]
fn properties_are_checked_against_the_declaration() {
    let viewed = |props: &str| {
        format!(
            r#"{{"type":"track","event":"Product Viewed",{TS},"userId":"u","properties":{props}}}"#
        )
    };
    let missing = |props: &str| dead(&viewed(props));
    assert_eq!(
        missing("null"),
        (
            "type_error".into(),
            "missing required property 'product_id'".into()
        )
    );
    assert_eq!(
        missing(r#"{"product_id":null,"price":1,"category":"c"}"#).1,
        "missing required property 'product_id'"
    );
    assert_eq!(missing(r#""x""#).0, "type_error");
    assert_eq!(missing("[]").0, "type_error");
    assert_eq!(
        missing(r#"{"product_id":"p","price":1,"category":"c","coupon":5}"#).1,
        "property 'coupon': expected string, got 5",
        "a wrong type for an optional field is an error too"
    );
    let ok = message(&viewed(
        r#"{"product_id":"p","price":1.5,"category":"c","coupon":null}"#,
    ));
    assert!(matches!(ok.body, Body::Track { event: 0, ref fields } if fields[3] == Value::None));
    // An event without required fields needs no properties at all.
    let page = message(&format!(r#"{{"type":"page",{TS},"userId":"u"}}"#));
    assert_eq!(
        page.body,
        Body::Track {
            event: 1,
            fields: vec![Value::None]
        }
    );
    let page = message(&format!(
        r#"{{"type":"page",{TS},"userId":"u","properties":{{"path":"/x"}}}}"#
    ));
    assert!(
        matches!(page.body, Body::Track { event: 1, ref fields } if fields[0] == Value::str("/x"))
    );
}

#[test]
fn wire_types() {
    let f = typed_fields(
        r#"{"i":-7,"f":3,"d":100.01,"b":true,"s":"é","du":1800000,"ts":"2026-01-01T10:00:00Z"}"#,
    );
    assert_eq!(f[0], Value::Int(-7));
    assert_eq!(f[1], Value::Float(3.0));
    assert_eq!(f[2], Value::Decimal(Decimal::parse_json("100.01").unwrap()));
    assert_eq!(f[3], Value::Bool(true));
    assert_eq!(f[4], Value::str("é"));
    assert_eq!(f[5], Value::Duration(1_800_000));
    assert_eq!(f[6], Value::Timestamp(T0));
    let f = typed_fields(r#"{"i":-9223372036854775808,"f":0.1,"d":10.00,"ts":1767261600000}"#);
    assert_eq!(f[0], Value::Int(i64::MIN));
    assert_eq!(f[1], Value::Float(0.1));
    match &f[2] {
        Value::Decimal(d) => assert_eq!(d.to_string(), "10.00", "decimal keeps its text"),
        other => panic!("{other:?}"),
    }
    assert_eq!(f[6], Value::Timestamp(T0));
    let f = typed_fields(r#"{"d":5,"f":1e2}"#);
    assert_eq!(f[2], Value::Decimal(Decimal::from_i64(5)));
    assert_eq!(f[1], Value::Float(100.0));
}

#[test]
fn wrong_wire_types_are_type_errors() {
    for (props, detail) in [
        (r#"{"i":7.0}"#, "property 'i': expected int, got 7.0"),
        (r#"{"i":1e2}"#, "property 'i': expected int, got 1e+2"),
        (
            r#"{"i":9223372036854775808}"#,
            "property 'i': expected int, got 9223372036854775808 (out of the 64-bit integer range)",
        ),
        (r#"{"i":"7"}"#, r#"property 'i': expected int, got "7""#),
        (r#"{"f":"1.5"}"#, r#"property 'f': expected float, got "1.5""#),
        (r#"{"d":"100.01"}"#, r#"property 'd': expected decimal, got "100.01""#),
        (
            r#"{"d":12345678901234567890123456789}"#,
            "property 'd': expected decimal, got 12345678901234567890123456789 (a decimal has at most 28 significant digits, 28 after the point)",
        ),
        (r#"{"b":1}"#, "property 'b': expected bool, got 1"),
        (r#"{"s":["x"]}"#, r#"property 's': expected string, got ["x"]"#),
        (r#"{"du":"1h"}"#, r#"property 'du': expected duration, got "1h""#),
        (r#"{"du":1.5}"#, "property 'du': expected duration, got 1.5"),
        (r#"{"ts":"today"}"#, r#"property 'ts': expected timestamp, got "today""#),
        (r#"{"ts":1.5}"#, "property 'ts': expected timestamp, got 1.5"),
    ] {
        assert_eq!(dead(&typed(props)), ("type_error".into(), detail.into()), "{props}");
    }
    let long = format!(r#"{{"i":"{}"}}"#, "x".repeat(200));
    let (_, detail) = dead(&typed(&long));
    assert!(
        detail.ends_with('…') && detail.chars().count() < 140,
        "{detail}"
    );
}

#[test]
fn identifiers_are_normalised_hashed_and_ordered() {
    let m = message(&format!(
        r#"{{"type":"identify",{TS},"anonymousId":"a","userId":42,"traits":{{"email":"  Ada@X.com "}}}}"#
    ));
    assert_eq!(
        m.ids,
        vec![
            (0, "42".to_string()),
            (1, hex("ada@x.com")),
            (2, "a".to_string())
        ]
    );
    // The first present path wins; an empty value after normalisation is absent
    // and the next path is tried.
    let m = message(&format!(
        r#"{{"type":"identify",{TS},"traits":{{"email":" \t "}},"context":{{"traits":{{"email":"B@Y"}}}}}}"#
    ));
    assert_eq!(m.ids, vec![(1, hex("b@y"))]);
    // Unicode-aware trim and lowercase (`ẞ` lowercases to `ß`).
    let m = message(&format!(
        r#"{{"type":"identify",{TS},"traits":{{"email":"\u2003ẞ@X\u3000"}}}}"#
    ));
    assert_eq!(m.ids, vec![(1, hex("ß@x"))]);
    // Without normalisers, whitespace is kept.
    let m = message(&format!(r#"{{"type":"identify",{TS},"userId":" u "}}"#));
    assert_eq!(m.ids, vec![(0, " u ".to_string())]);
    assert_eq!(
        sha256_hex("abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[test]
fn numeric_identifiers() {
    let ids = |v: &str| message(&format!(r#"{{"type":"identify",{TS},"userId":{v}}}"#)).ids;
    assert_eq!(ids("42"), vec![(0, "42".to_string())]);
    assert_eq!(ids(r#""42""#), vec![(0, "42".to_string())]);
    assert_eq!(ids("-3"), vec![(0, "-3".to_string())]);
    assert_eq!(ids("-0"), vec![(0, "0".to_string())]);
    assert_eq!(
        ids("123456789012345678901234567890"),
        vec![(0, "123456789012345678901234567890".to_string())]
    );
    for not_an_id in ["42.0", "42.5", "1e2", "true", "null", r#""""#, "[1]", "{}"] {
        let line = format!(r#"{{"type":"identify",{TS},"userId":{not_an_id}}}"#);
        assert_eq!(outcome(&line), "no_identifier", "{not_an_id}");
    }
    // 42.5 is not an identifier, but another type may still carry one (case 36).
    let m = message(&format!(
        r#"{{"type":"track","event":"Typed",{TS},"userId":42.5,"anonymousId":7}}"#
    ));
    assert_eq!(m.ids, vec![(2, "7".to_string())]);
}

#[test]
fn alias_reads_previous_id_for_anonymous_types() {
    let m = message(&format!(
        r#"{{"type":"alias",{TS},"userId":"u1","previousId":"p","anonymousId":"a"}}"#
    ));
    assert_eq!(m.ids, vec![(0, "u1".into()), (2, "p".into())]);
    assert_eq!(m.body, Body::Alias);
    let m = message(&format!(
        r#"{{"type":"alias",{TS},"userId":"42","previousId":"a1"}}"#
    ));
    assert_eq!(m.ids, vec![(0, "42".into()), (2, "a1".into())]);
    // anonymousId is not read by an alias.
    let m = message(&format!(
        r#"{{"type":"alias",{TS},"userId":"u","anonymousId":"a"}}"#
    ));
    assert_eq!(m.ids, vec![(0, "u".into())]);
    // Other messages do not read previousId.
    let m = message(&format!(
        r#"{{"type":"identify",{TS},"userId":"u","previousId":"p"}}"#
    ));
    assert_eq!(m.ids, vec![(0, "u".into())]);
    assert_eq!(
        outcome(&format!(r#"{{"type":"alias",{TS},"anonymousId":"a"}}"#)),
        "no_identifier"
    );
}

#[test]
fn identify_reads_declared_traits() {
    let m = message(&format!(
        r#"{{"type":"identify",{TS},"userId":"u","traits":{{"nps":9,"plan":null,"other":[1]}}}}"#
    ));
    assert_eq!(
        m.body,
        Body::Identify {
            attrs: vec![(0, Value::None), (1, Value::Int(9))]
        }
    );
    let empty = Body::Identify { attrs: vec![] };
    assert_eq!(
        message(&format!(r#"{{"type":"identify",{TS},"userId":"u"}}"#)).body,
        empty
    );
    assert_eq!(
        message(&format!(
            r#"{{"type":"identify",{TS},"userId":"u","traits":null}}"#
        ))
        .body,
        empty
    );
    assert_eq!(
        dead(&format!(
            r#"{{"type":"identify",{TS},"userId":"u","traits":{{"plan":5}}}}"#
        )),
        (
            "type_error".into(),
            "trait 'plan': expected string, got 5".into()
        )
    );
    assert_eq!(
        dead(&format!(
            r#"{{"type":"identify",{TS},"userId":"u","traits":"pro"}}"#
        ))
        .0,
        "type_error"
    );
    // Track messages do not read traits; identify does not read properties.
    assert_eq!(
        outcome(&format!(
            r#"{{"type":"identify",{TS},"userId":"u","properties":7}}"#
        )),
        "ok"
    );
}

#[test]
fn consent_categories() {
    let consent = |prefs: &str| {
        message(&format!(
            r#"{{"type":"identify",{TS},"userId":"u","context":{{"consent":{{"categoryPreferences":{prefs}}}}}}}"#
        ))
        .consent
    };
    // A category shared by two purposes updates both.
    assert_eq!(
        consent(r#"{"Marketing":true,"Other":false,"stats":"yes"}"#),
        vec![(0, true), (1, true)]
    );
    assert_eq!(
        consent(r#"{"stats":false,"Marketing":false}"#),
        vec![(0, false), (1, false), (2, false)]
    );
    assert_eq!(
        consent(r#"{"marketing":true}"#),
        vec![],
        "categories are case-sensitive"
    );
    assert_eq!(consent(r#"{"Marketing":null}"#), vec![]);
    assert_eq!(consent("[true]"), vec![]);
    assert_eq!(consent("null"), vec![]);
    let track = message(&format!(
        r#"{{"type":"track","event":"Typed",{TS},"userId":"u","context":{{"consent":{{"categoryPreferences":{{"stats":true}}}}}}}}"#
    ));
    assert_eq!(track.consent, vec![(2, true)]);
    let forget = message(&format!(
        r#"{{"type":"forget",{TS},"userId":"u","context":{{"consent":{{"categoryPreferences":{{"stats":true}}}}}}}}"#
    ));
    assert_eq!((forget.body, forget.consent), (Body::Forget, vec![]));
}

#[test]
fn message_ids_keep_their_json_text() {
    let id = |v: &str| {
        message(&format!(
            r#"{{"type":"identify",{TS},"userId":"u","messageId":{v}}}"#
        ))
        .message_id
    };
    assert_eq!(id("1").as_deref(), Some("1"));
    assert_eq!(id(r#""1""#).as_deref(), Some(r#""1""#));
    assert_ne!(id("1"), id(r#""1""#));
    assert_eq!(id("1.0").as_deref(), Some("1.0"));
    assert_eq!(id(r#""\u0041""#), id(r#""A""#));
    assert_eq!(id("null"), None);
    assert_eq!(
        message(&format!(r#"{{"type":"identify",{TS},"userId":"u"}}"#)).message_id,
        None
    );
}

#[test]
fn page_and_screen_map_to_declared_events() {
    assert_eq!(
        outcome(&format!(r#"{{"type":"page",{TS},"userId":"u"}}"#)),
        "ok"
    );
    assert_eq!(
        outcome(&format!(r#"{{"type":"screen",{TS},"userId":"u"}}"#)),
        "ignored UnknownEvent"
    );
    // The page's `name` does not matter; the event is `page`.
    let m = message(&format!(
        r#"{{"type":"page","name":"Product Viewed",{TS},"userId":"u"}}"#
    ));
    assert!(matches!(m.body, Body::Track { event: 1, .. }));
    // A screen message with no identifier is still ignored first.
    assert_eq!(
        outcome(&format!(r#"{{"type":"screen",{TS}}}"#)),
        "ignored UnknownEvent"
    );
}
