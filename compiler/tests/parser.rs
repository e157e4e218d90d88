//! Tests of the `.seg` parser (`syntax::parser::parse`) and lexer (`syntax::lexer::lex`).
//!
//! Data files under `tests/data/parse/` hold the spec's examples and a few
//! conformance projects; every `.seg` file of the repository is also checked for
//! agreement between the pest parser and the logos lexer. Expression shapes are
//! compared as compact S-expressions (`sx`); a few whole items are insta snapshots.

// Helpers outside `#[test]` functions (and proptest's generated ones) fail loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};

use pest::Parser as _;
use proptest::prelude::*;
use seg_compiler::diagnostics::Diagnostic;
use seg_compiler::syntax::ast::*;
use seg_compiler::syntax::lexer::{lex, Token, TokenKind};
use seg_compiler::syntax::parser::{parse, Rule, SegParser};

mod common;
use common::soup_words;

// ------------------------------------------------------------------ helpers

fn parse_clean(text: &str) -> File {
    let (file, diags) = parse(text, "t.seg");
    assert!(diags.is_empty(), "unexpected diagnostics: {diags:#?}");
    file
}

fn codes(text: &str) -> Vec<&'static str> {
    parse(text, "t.seg").1.iter().map(|d| d.code).collect()
}

fn diags(text: &str) -> Vec<Diagnostic> {
    parse(text, "t.seg").1
}

fn data(path: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/parse")
        .join(path);
    fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The expression of `trait t = SRC`.
fn expr(src: &str) -> Expr {
    let file = parse_clean(&format!("trait t = {src}"));
    match file.items.into_iter().next().map(|i| i.kind) {
        Some(ItemKind::Trait(t)) => t.expr,
        other => panic!("not a trait: {other:?}"),
    }
}

/// An expression as a compact S-expression; `<…>` is a kept parenthesis.
fn sx(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Int(t) | ExprKind::Float(t) => t.clone(),
        ExprKind::Str(s) => format!("{s:?}"),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::None => "none".into(),
        ExprKind::Duration(d) => format!("{}={}ms", d.text, d.ms),
        ExprKind::Name(i) => i.name.clone(),
        ExprKind::ProfileAttr(i) => format!("profile.{}", i.name),
        ExprKind::Filter { base, pred } => format!("{}[{}]", sx(base), sx(pred)),
        ExprKind::Field { base, field } => format!("{}.{}", sx(base), field.name),
        ExprKind::Call { func, args } => {
            format!(
                "{}({})",
                func.name,
                args.iter().map(sx).collect::<Vec<_>>().join(", ")
            )
        }
        ExprKind::Seq {
            a,
            b,
            negated,
            within,
        } => {
            let not = if *negated { "not " } else { "" };
            format!("(seq {} {not}{} {})", sx(a), sx(b), within.text)
        }
        ExprKind::Unary { op, expr } => {
            let op = if *op == UnaryOp::Neg { "-" } else { "not" };
            format!("({op} {})", sx(expr))
        }
        ExprKind::Binary { op, lhs, rhs } => format!("({} {} {})", op.symbol(), sx(lhs), sx(rhs)),
        ExprKind::In { expr, items } => {
            format!(
                "(in {} [{}])",
                sx(expr),
                items.iter().map(sx).collect::<Vec<_>>().join(", ")
            )
        }
        ExprKind::Paren(e) => format!("<{}>", sx(e)),
    }
}

fn item_named<'f>(file: &'f File, name: &str) -> &'f Item {
    file.items
        .iter()
        .find(|i| i.name().is_some_and(|n| n.name == name))
        .unwrap_or_else(|| panic!("no item `{name}`"))
}

fn segment_expr<'f>(file: &'f File, name: &str) -> &'f Expr {
    match &item_named(file, name).kind {
        ItemKind::Segment(s) => &s.expr,
        other => panic!("not a segment: {other:?}"),
    }
}

fn slice(text: &str, span: Span) -> &str {
    &text[span.range()]
}

// ------------------------------------------------------------------ spec examples

#[test]
fn spec_section_13_parses_with_expected_shapes() {
    let text = data("spec_examples.seg");
    let file = parse_clean(&text);
    assert_eq!(file.items.len(), 16);

    let ItemKind::Event(viewed) = &item_named(&file, "viewed_product").kind else {
        panic!()
    };
    assert_eq!(viewed.wire.as_ref().unwrap().value, "Product Viewed");
    let purposes: Vec<_> = viewed.purposes.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        purposes,
        ["analytics", "personalization", "email_marketing"]
    );
    let fields: Vec<_> = viewed
        .fields
        .iter()
        .map(|f| (f.name.name.as_str(), f.ty.base))
        .collect();
    assert_eq!(
        fields,
        [
            ("product_id", BaseType::String),
            ("price", BaseType::Decimal),
            ("category", BaseType::String)
        ]
    );

    let ItemKind::Purpose(p) = &item_named(&file, "personalization").kind else {
        panic!()
    };
    assert!(matches!(
        p.clauses[0],
        PurposeClause::Basis(Basis::Consent, _)
    ));
    assert!(matches!(&p.clauses[1], PurposeClause::Category(s, _) if s.value == "Personalization"));

    let high = item_named(&file, "high_intent");
    assert_eq!(
        high.doc.as_deref(),
        Some("≥ 2 product views within 30 minutes.")
    );
    assert_eq!(
        slice(&text, high.span),
        "segment high_intent for personalization = count(viewed_product, 30m) >= 2"
    );
    assert_eq!(
        sx(segment_expr(&file, "high_intent")),
        "(>= count(viewed_product, 30m=1800000ms) 2)"
    );
    assert_eq!(
        sx(segment_expr(&file, "cart_abandoner")),
        "(seq added_to_cart not purchased 15m)"
    );
    let ExprKind::Seq { within, .. } = &segment_expr(&file, "cart_abandoner").kind else {
        panic!()
    };
    assert_eq!(within.ms, 900_000);
    assert_eq!(
        sx(segment_expr(&file, "churn_risk")),
        "(and (== count(any, 30d=2592000000ms) 0) (<= <(?? last(nps_submitted.score) 10)> 6))"
    );
    assert_eq!(
        sx(segment_expr(&file, "vip")),
        "(and (> lifetime_value 1000) (not churn_risk))"
    );
    assert_eq!(
        sx(segment_expr(&file, "onboarding")),
        "(< since(signed_up) 7d=604800000ms)"
    );
    assert_eq!(item_named(&file, "lifetime_value").doc, None);

    let ItemKind::Segment(vip) = &item_named(&file, "vip").kind else {
        panic!()
    };
    assert!(matches!(&vip.clauses[..], [SegmentClause::For(p, _)] if p.name == "email_marketing"));
}

#[test]
fn spec_section_11_test_block_snapshot() {
    let text = data("spec_examples.seg");
    let file = parse_clean(&text);
    let test = file
        .items
        .iter()
        .find(|i| matches!(i.kind, ItemKind::Test(_)))
        .unwrap();
    let ItemKind::Test(t) = &test.kind else {
        unreachable!()
    };
    assert_eq!(t.name.value, "idle cart becomes abandoned after 15 minutes");
    assert_eq!(t.steps.len(), 4);
    assert!(matches!(
        &t.steps[3].kind,
        StepKind::ExpectMember { negated: true, segment, .. } if segment.name == "cart_abandoner"
    ));
    assert_eq!(
        slice(&text, t.steps[1].span),
        r#"at 10:16 expect user_id "u1" in cart_abandoner"#
    );
    insta::assert_snapshot!("spec_11_test", format!("{test:#?}"));
}

#[test]
fn spec_section_3_declarations() {
    let text = data("declarations.seg");
    let file = parse_clean(&text);

    let ItemKind::Event(e) = &item_named(&file, "viewed_product").kind else {
        panic!()
    };
    assert_eq!(e.retain.as_ref().map(|d| d.ms), Some(90 * 86_400_000));
    let coupon = &e.fields[3];
    assert!(coupon.ty.optional && !coupon.pii);
    assert_eq!(slice(&text, coupon.span), "coupon: string?");
    assert_eq!(slice(&text, coupon.ty.span), "string?");
    let email = &e.fields[4];
    assert!(email.pii && !email.ty.optional);
    assert_eq!(
        item_named(&file, "viewed_product").doc.as_deref(),
        Some("A product detail page was viewed.")
    );

    let ItemKind::Identity(id) = &file.items[1].kind else {
        panic!()
    };
    assert_eq!(slice(&text, id.keyword), "identity");
    let email = &id.lines[1];
    assert_eq!(email.name.name, "email");
    let paths: Vec<_> = email.paths.iter().map(|p| slice(&text, p.span)).collect();
    assert_eq!(paths, ["traits.email", "context.traits.email"]);
    assert_eq!(email.paths[1].segments.len(), 3);
    let kinds: Vec<String> = email
        .clauses
        .iter()
        .map(|c| match &c.kind {
            IdClauseKind::Normalize(n) => {
                format!(
                    "normalize({})",
                    n.iter()
                        .map(|i| i.name.as_str())
                        .collect::<Vec<_>>()
                        .join(",")
                )
            }
            IdClauseKind::Hash(h) => format!("hash({})", h.name),
            IdClauseKind::Priority(n) => format!("priority {}", n.text),
            IdClauseKind::Limit(n) => format!("limit {}", n.text),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "normalize(trim,lower)",
            "hash(sha256)",
            "priority 2",
            "limit 5"
        ]
    );
    assert_eq!(
        slice(&text, email.clauses[0].span),
        "normalize(trim, lower)"
    );
    assert!(slice(&text, email.span).starts_with("email        = traits.email"));
    assert!(slice(&text, email.span).ends_with("limit 5"));

    let ItemKind::Profile(profile) = &file.items[4].kind else {
        panic!()
    };
    assert_eq!(profile.attrs.len(), 2);
    assert!(profile.attrs.iter().all(|a| a.ty.optional));

    let ItemKind::Segment(s) = &item_named(&file, "shoe_fans").kind else {
        panic!()
    };
    match &s.clauses[..] {
        [SegmentClause::Holdout(p, hs), SegmentClause::For(f, fs)] => {
            assert_eq!(p.text, "2.5");
            assert_eq!(slice(&text, p.span), "2.5%");
            assert_eq!(slice(&text, *hs), "holdout 2.5%");
            assert_eq!(f.name, "personalization");
            assert_eq!(slice(&text, *fs), "for personalization");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        sx(&s.expr),
        r#"(>= count(viewed_product[(and (== category "shoes") (> price 50))], 7d=604800000ms) 3)"#
    );
    let ItemKind::Trait(t) = &item_named(&file, "eur_revenue").kind else {
        panic!()
    };
    assert_eq!(
        sx(&t.expr),
        r#"sum(purchased[(== currency "EUR")].revenue, 90d=7776000000ms)"#
    );
    assert_eq!(
        sx(segment_expr(&file, "quick_buyers")),
        "(> count((seq viewed_product purchased 1h30m), 30d=2592000000ms) 0)"
    );
    assert_eq!(
        sx(segment_expr(&file, "listed")),
        r#"(or (in profile.plan ["pro", "team"]) (!= (% (- profile.nps_score) 2) 0))"#
    );
}

#[test]
fn every_test_step_form() {
    let text = data("declarations.seg");
    let file = parse_clean(&text);
    let ItemKind::Test(t) = &file.items.last().unwrap().kind else {
        panic!()
    };
    let steps = &t.steps;
    assert_eq!(steps.len(), 10);
    let times: Vec<_> = steps.iter().map(|s| s.at.text.as_str()).collect();
    assert_eq!(times[..2], ["10:00", "10:00:30"]);
    assert_eq!(times[4], "2026-01-01T10:03:00Z");
    assert_eq!(times[5], "2026-01-01T11:03:00.250+01:00");

    let StepKind::Track { ids, event, fields } = &steps[0].kind else {
        panic!("{:?}", steps[0])
    };
    let ids: Vec<_> = ids
        .iter()
        .map(|i| (i.id_type.name.as_str(), i.value.value.as_str()))
        .collect();
    assert_eq!(ids, [("user_id", "u1"), ("anonymous_id", "a1")]);
    assert_eq!(event.name, "viewed_product");
    let values: Vec<_> = fields
        .iter()
        .map(|f| format!("{}={}", f.name.name, sx(&f.value)))
        .collect();
    assert_eq!(
        values,
        ["product_id=\"p1\"", "price=(- 1.5)", "category=\"xé\""]
    );

    assert!(
        matches!(&steps[1].kind, StepKind::Track { fields, event, .. } if fields.is_empty() && event.name == "signed_up")
    );
    let StepKind::Identify { attrs, .. } = &steps[2].kind else {
        panic!()
    };
    assert_eq!(attrs.len(), 2);
    let StepKind::Consent { decisions, .. } = &steps[3].kind else {
        panic!()
    };
    let d: Vec<_> = decisions
        .iter()
        .map(|(s, b)| (s.value.as_str(), *b))
        .collect();
    assert_eq!(d, [("Personalization", true), ("Analytics", false)]);
    assert!(matches!(
        &steps[4].kind,
        StepKind::ExpectMember { negated: false, .. }
    ));
    assert!(matches!(
        &steps[5].kind,
        StepKind::ExpectMember { negated: true, .. }
    ));
    let StepKind::ExpectTrait { id, name, value } = &steps[6].kind else {
        panic!()
    };
    assert_eq!(
        (
            id.id_type.name.as_str(),
            name.name.as_str(),
            sx(value).as_str()
        ),
        ("user_id", "lifetime_value", "0")
    );
    assert!(
        matches!(&steps[7].kind, StepKind::ExpectTrait { value, .. } if value.kind == ExprKind::None)
    );
    assert!(
        matches!(&steps[8].kind, StepKind::ExpectTrait { value, .. } if sx(value) == "(- 2.5)")
    );
    assert!(matches!(&steps[9].kind, StepKind::Forget { ids } if ids.len() == 1));
    assert_eq!(
        slice(&text, steps[9].span),
        r#"at 10:06 user_id "u1" forget"#
    );
}

#[test]
fn contextual_step_words_are_not_keywords() {
    let file = parse_clean(
        "event identified { n: int }\nevent forgotten { n: int }\ntest \"t\" { at 10:00 user_id \"u\" identified { n: 1 } at 10:01 user_id \"u\" forgotten }",
    );
    let ItemKind::Test(t) = &file.items[2].kind else {
        panic!()
    };
    assert!(
        matches!(&t.steps[0].kind, StepKind::Track { event, .. } if event.name == "identified")
    );
    assert!(matches!(&t.steps[1].kind, StepKind::Track { event, .. } if event.name == "forgotten"));
}

// ------------------------------------------------------------------ expressions

#[test]
fn precedence_and_associativity() {
    let cases = [
        ("a or b and c", "(or a (and b c))"),
        ("a and b or c", "(or (and a b) c)"),
        ("not a and b", "(and (not a) b)"),
        ("not a == b", "(not (== a b))"),
        ("not not a", "(not (not a))"),
        ("a == b ?? c", "(== a (?? b c))"),
        ("a ?? b ?? c", "(?? (?? a b) c)"),
        ("a ?? b + c", "(?? a (+ b c))"),
        ("a - b - c", "(- (- a b) c)"),
        ("a + b * c % d", "(+ a (% (* b c) d))"),
        ("a / b / c", "(/ (/ a b) c)"),
        ("-a * -b", "(* (- a) (- b))"),
        ("- -a", "(- (- a))"),
        ("-3.5", "(- 3.5)"),
        ("(a or b) and c", "(and <(or a b)> c)"),
        (
            "x in [1, 2.5, \"s\"] and y",
            "(and (in x [1, 2.5, \"s\"]) y)",
        ),
        ("a + 1 in []", "(in (+ a 1) [])"),
        ("true or false or none", "(or (or true false) none)"),
        ("profile.plan ?? \"free\"", "(?? profile.plan \"free\")"),
        (
            "lower(profile.country ?? \"\") == \"de\"",
            "(== lower((?? profile.country \"\")) \"de\")",
        ),
        (
            "count(a[x > 1 and y in [\"b\"]], 7d) >= 2",
            "(>= count(a[(and (> x 1) (in y [\"b\"]))], 7d=604800000ms) 2)",
        ),
        ("a then b within 10m", "(seq a b 10m)"),
        (
            "any[x == 1] then not b[y] within 1h",
            "(seq any[(== x 1)] not b[y] 1h)",
        ),
        ("a then b within 5m and c", "(and (seq a b 5m) c)"),
        ("not a then not b within 5m", "(not (seq a not b 5m))"),
        ("p[c == \"EUR\"].revenue", "p[(== c \"EUR\")].revenue"),
        ("f()", "f()"),
        ("x % 2 == 1", "(== (% x 2) 1)"),
        ("notes and orders", "(and notes orders)"),
        ("category", "category"),
        ("1h30m + 500ms", "(+ 1h30m=5400000ms 500ms=500ms)"),
    ];
    for (src, want) in cases {
        assert_eq!(sx(&expr(src)), want, "{src}");
    }
}

#[test]
fn comparisons_are_not_associative() {
    assert_eq!(codes("trait t = a == b == c"), ["E0101"]);
    assert_eq!(codes("trait t = a < b in [1]"), ["E0101"]);
}

#[test]
fn literal_texts_and_spans() {
    let text = "trait t = -42 + 3.50 * x[y].z";
    let file = parse_clean(text);
    let ItemKind::Trait(t) = &file.items[0].kind else {
        panic!()
    };
    assert_eq!(slice(text, t.name.span), "t");
    assert_eq!(slice(text, t.expr.span), "-42 + 3.50 * x[y].z");
    let ExprKind::Binary { lhs, rhs, .. } = &t.expr.kind else {
        panic!()
    };
    let ExprKind::Unary {
        op: UnaryOp::Neg,
        expr: inner,
    } = &lhs.kind
    else {
        panic!()
    };
    assert_eq!(inner.kind, ExprKind::Int("42".into()));
    assert_eq!(slice(text, inner.span), "42");
    assert_eq!(slice(text, lhs.span), "-42");
    let ExprKind::Binary {
        lhs: f, rhs: field, ..
    } = &rhs.kind
    else {
        panic!()
    };
    assert_eq!(f.kind, ExprKind::Float("3.50".into()));
    assert_eq!(slice(text, field.span), "x[y].z");
    let ExprKind::Field { base, field: name } = &field.kind else {
        panic!()
    };
    assert_eq!(slice(text, base.span), "x[y]");
    assert_eq!(slice(text, name.span), "z");
}

#[test]
fn strings_are_unescaped() {
    let e = expr(r#""a\"b\\c\nd\te\u{41}\u{1F600}""#);
    assert_eq!(e.kind, ExprKind::Str("a\"b\\c\nd\teA\u{1F600}".into()));
}

#[test]
fn doc_comments_attach_to_the_next_declaration() {
    let text = "/// One.\n///Two\n///   three\nevent a { x: int }\n\n// plain\ntrait b = 1\n/// orphan\n// breaks\ntrait c = 2\n";
    let file = parse_clean(text);
    assert_eq!(file.items[0].doc.as_deref(), Some("One.\nTwo\n  three"));
    assert_eq!(slice(text, file.items[0].span), "event a { x: int }");
    assert_eq!(file.items[1].doc, None);
    assert_eq!(file.items[2].doc, None);
}

#[test]
fn comments_and_commas_in_blocks() {
    let file = parse_clean(
        "event e { a: int, b: string? pii, // c\n c: timestamp  d: duration\n e: bool, }\nprofile { x: float? }",
    );
    let ItemKind::Event(e) = &file.items[0].kind else {
        panic!()
    };
    assert_eq!(e.fields.len(), 5);
    assert!(e.fields[1].pii && e.fields[1].ty.optional);
    assert_eq!(e.fields[2].ty.base, BaseType::Timestamp);
}

#[test]
fn keywords_as_field_names() {
    let file = parse_clean(
        "event e { category: string  event: int  pii: bool  test: int } profile { limit: int? }",
    );
    let ItemKind::Event(e) = &file.items[0].kind else {
        panic!()
    };
    let names: Vec<_> = e.fields.iter().map(|f| f.name.name.as_str()).collect();
    assert_eq!(names, ["category", "event", "pii", "test"]);
    assert_eq!(file.items.len(), 2);
    let d = diags("event e { in: string  ok: int }\nprofile { none: int? }");
    assert_eq!(
        d.iter().map(|d| d.code).collect::<Vec<_>>(),
        ["E0105", "E0105"]
    );
    assert!(d[0].message.contains("`in`"), "{}", d[0].message);
}

#[test]
fn purpose_and_identity_edge_cases() {
    let file = parse_clean("purpose ads { }\nidentity { user_id = userId priority 1\n anon = a.b limit 5 priority 2 hash(md5) }");
    let ItemKind::Purpose(p) = &file.items[0].kind else {
        panic!()
    };
    assert!(p.clauses.is_empty());
    let ItemKind::Identity(id) = &file.items[1].kind else {
        panic!()
    };
    assert_eq!(id.lines.len(), 2);
    assert_eq!(id.lines[1].clauses.len(), 3);
}

// ------------------------------------------------------------------ diagnostics

#[test]
fn event_clause_order_is_e0104_and_still_builds() {
    let text = "event e retain 7d for a = \"E\" { x: int }";
    let (file, d) = parse(text, "t.seg");
    assert_eq!(
        d.iter().map(|d| d.code).collect::<Vec<_>>(),
        ["E0104", "E0104"]
    );
    assert_eq!(d[0].message, "event clause `for` must come before `retain`");
    assert_eq!(slice(text, d[0].location.span), "for a");
    assert!(d[0].help.as_deref().unwrap().contains("retain D"));
    let ItemKind::Event(e) = &file.items[0].kind else {
        panic!()
    };
    assert_eq!(e.wire.as_ref().unwrap().value, "E");
    assert_eq!(e.purposes.len(), 1);
    assert!(e.retain.is_some());
    assert_eq!(codes("event e for a for b { x: int }"), ["E0104"]);
}

#[test]
fn segment_clauses_in_any_order() {
    assert!(codes("segment s holdout 5% for p = x").is_empty());
    assert!(codes("segment s for p holdout 5% = x").is_empty());
}

#[test]
fn keyword_as_declaration_name_is_e0105_and_still_builds() {
    let (file, d) = parse(
        "trait within = 1\nsegment consent = x\nevent int { a: int }\npurpose any { }",
        "t.seg",
    );
    assert_eq!(d.iter().map(|d| d.code).collect::<Vec<_>>(), ["E0105"; 4]);
    assert_eq!(
        d[0].message,
        "`within` is a keyword and cannot name a trait"
    );
    assert_eq!(file.items.len(), 4);
}

#[test]
fn bad_durations_are_e0102() {
    for (src, needle) in [
        ("30m1h", "largest to smallest"),
        ("1h1h", "largest to smallest"),
        ("30x", "unknown duration unit `x`"),
        ("1.5h", "fraction"),
        ("1h30", "no unit after `30`"),
    ] {
        let d = diags(&format!("segment s = since(a) < {src}"));
        assert_eq!(d.len(), 1, "{src}: {d:?}");
        assert_eq!(d[0].code, "E0102", "{src}");
        assert!(d[0].message.contains(needle), "{src}: {}", d[0].message);
        assert_eq!(d[0].location.span, Span::new(23, 23 + src.len()));
    }
    assert_eq!(codes("event e retain 7days { x: int }"), ["E0102"]);
    assert_eq!(codes("trait t = a then b within 1m1h"), ["E0102"]);
}

#[test]
fn bad_escapes_are_e0103() {
    let text = r#"event e = "a\qb" { x: int }"#;
    let d = diags(text);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].code, "E0103");
    assert_eq!(slice(text, d[0].location.span), r"\q");
    assert_eq!(
        codes(r#"trait t = "\u{110000}" == "\u{zz}""#),
        ["E0103", "E0103"]
    );
}

#[test]
fn bad_times_are_e0106() {
    for t in [
        "25:00",
        "10:60",
        "10:0",
        "10:00:61",
        "2026-02-30T10:00:00Z",
        "2026-01-01T10:00",
    ] {
        let text = format!("test \"t\" {{ at {t} expect user_id \"u\" in s }}");
        let d = diags(&text);
        assert_eq!(
            d.iter().map(|d| d.code).collect::<Vec<_>>(),
            ["E0106"],
            "{t}"
        );
        assert_eq!(slice(&text, d[0].location.span), t);
    }
}

#[test]
fn bad_numbers_are_e0107() {
    assert_eq!(codes("trait t = 123456789012345678901234567890"), ["E0107"]);
    assert!(
        codes("trait t = 12345678901234567890").is_empty(),
        "fits a decimal"
    );
    assert_eq!(
        codes("identity { u = userId priority 99999999999999999999 limit 1 }"),
        ["E0107"]
    );
    assert_eq!(codes("trait t = 99999999999999999999w"), ["E0107"]);
    let huge = format!("trait t = 1{}.0", "0".repeat(400));
    assert_eq!(codes(&huge), ["E0107"]);
}

#[test]
fn syntax_error_messages_are_readable() {
    let cases = [
        (
            "event e x { a: int }",
            "expected `for`, `retain`, `{` or `=`, found `x`",
            "x",
        ),
        (
            "trait t = ",
            "expected an expression, found the end of the file",
            "",
        ),
        (
            "trait t = a +\nsegment s = b",
            "expected an expression, found `segment`",
            "segment",
        ),
        (
            "trait t = a b",
            "expected an operator or the end of the declaration, found `b`",
            "b",
        ),
        (
            "event e { a: text }",
            "expected a type, found `text`",
            "text",
        ),
        (
            "segment s = a then b",
            "expected `within` or `[`, found the end of the file",
            "",
        ),
        (
            "purpose p { basis maybe }",
            "expected `consent` or `legitimate_interest`, found `maybe`",
            "maybe",
        ),
    ];
    for (text, message, found) in cases {
        let d = diags(text);
        assert_eq!(d.len(), 1, "{text}: {d:#?}");
        assert_eq!(d[0].code, "E0101");
        assert_eq!(d[0].message, message, "{text}");
        assert_eq!(slice(text, d[0].location.span), found, "{text}");
    }
    let d = diags("trait t = \"open\ntrait u = 1");
    assert_eq!(d[0].message, "unterminated string literal");
    assert!(d[0].help.is_some());
    assert!(codes("\u{FEFF}trait t = 1\r\n").is_empty(), "BOM and CRLF");
    let d = diags("hello\ntrait t = 1");
    assert_eq!(d[0].message, "expected a declaration, found `hello`");
}

#[test]
fn recovery_reports_every_broken_declaration() {
    let text = "\
event ok1 { a: int }
event broken1 { a: }
trait ok2 = count(ok1) + 1
segment broken2 = count(ok1 >= 
/// Documented.
segment ok3 for p = ok2 > 1
test \"broken3\" { at 10:00 user_id u1 ok1 }
trait ok4 = 1
";
    let (file, d) = parse(text, "t.seg");
    assert_eq!(
        d.iter().map(|d| d.code).collect::<Vec<_>>(),
        ["E0101"; 3],
        "{d:#?}"
    );
    let names: Vec<_> = file
        .items
        .iter()
        .filter_map(|i| i.name())
        .map(|n| n.name.as_str())
        .collect();
    assert_eq!(names, ["ok1", "ok2", "ok3", "ok4"]);
    assert_eq!(item_named(&file, "ok3").doc.as_deref(), Some("Documented."));
    let lines: Vec<_> = d
        .iter()
        .map(|d| text[..d.location.span.start as usize].lines().count())
        .collect();
    assert_eq!(lines, [2, 5, 7]);
}

#[test]
fn recovery_after_a_missing_closing_brace() {
    let (file, d) = parse(
        "event a {\n  x: int\n\nevent b { y: int }\ntrait t = 1",
        "t.seg",
    );
    assert_eq!(d.len(), 1);
    assert_eq!(file.items.len(), 2);
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    let text = format!(
        "trait t = {}1{}\ntrait u = 2",
        "(".repeat(5000),
        ")".repeat(5000)
    );
    let (file, d) = parse(&text, "t.seg");
    assert_eq!(d.len(), 1);
    assert_eq!(file.items.len(), 1);
    let text = format!("trait t = {}1{}", "(".repeat(60), ")".repeat(60));
    assert!(codes(&text).is_empty());
}

// ------------------------------------------------------------------ lexer

fn kinds(text: &str) -> Vec<(TokenKind, &str)> {
    lex(text)
        .into_iter()
        .map(|t| (t.kind, t.text(text)))
        .collect()
}

#[test]
fn lexer_kinds() {
    use TokenKind::*;
    let text = "/// doc\nsegment s holdout 2.5% = a % 10 ?? 1h30m >= 500ms // c\n\"s\\\"\" 3.5 10:00 10:00:30 2026-01-01T10:00:00.5+01:00 string? x.y | != == <= ! 5-3 10%2";
    assert_eq!(
        kinds(text),
        [
            (DocComment, "/// doc"),
            (Keyword, "segment"),
            (Ident, "s"),
            (Keyword, "holdout"),
            (Percent, "2.5%"),
            (Assign, "="),
            (Ident, "a"),
            (PercentSign, "%"),
            (Int, "10"),
            (Coalesce, "??"),
            (Duration, "1h30m"),
            (Ge, ">="),
            (Duration, "500ms"),
            (LineComment, "// c"),
            (Str, "\"s\\\"\""),
            (Float, "3.5"),
            (Time, "10:00"),
            (Time, "10:00:30"),
            (Timestamp, "2026-01-01T10:00:00.5+01:00"),
            (Keyword, "string"),
            (Question, "?"),
            (Ident, "x"),
            (Dot, "."),
            (Ident, "y"),
            (Pipe, "|"),
            (NotEq, "!="),
            (EqEq, "=="),
            (Le, "<="),
            (Error, "!"),
            (Int, "5"),
            (Minus, "-"),
            (Int, "3"),
            (Int, "10"),
            (PercentSign, "%"),
            (Int, "2"),
        ]
    );
}

#[test]
fn lexer_errors_do_not_swallow_lines() {
    let text = "trait t = \"open\ntrait u = é";
    let k = kinds(text);
    assert!(k.contains(&(TokenKind::Error, "\"open")));
    assert!(k.contains(&(TokenKind::Keyword, "trait")));
    assert_eq!(k.last(), Some(&(TokenKind::Error, "é")));
}

// ------------------------------------------------------------------ parser/lexer agreement

/// Every `.seg` file of the repository (outside `target/` and hidden directories),
/// plus this crate's parse test data.
fn repo_seg_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        let mut paths: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        paths.sort();
        for path in paths {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if path.is_dir() {
                if name != "target" && !name.starts_with('.') {
                    walk(&path, out);
                }
            } else if name.ends_with(".seg") {
                out.push(path);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap();
    let mut out = Vec::new();
    walk(&root, &mut out);
    out
}

/// Spans of every name and literal in an item, with the token kinds allowed there.
fn leaf_spans(item: &Item, out: &mut Vec<(Span, &'static [TokenKind])>) {
    use TokenKind::*;
    const NAME: &[TokenKind] = &[Ident, Keyword];
    const STR: &[TokenKind] = &[Str];
    const DUR: &[TokenKind] = &[Duration];
    let name = |i: &seg_compiler::syntax::ast::Ident, out: &mut Vec<_>| out.push((i.span, NAME));
    match &item.kind {
        ItemKind::Event(e) => {
            name(&e.name, out);
            if let Some(w) = &e.wire {
                out.push((w.span, STR));
            }
            e.purposes.iter().for_each(|p| name(p, out));
            if let Some(r) = &e.retain {
                out.push((r.span, DUR));
            }
            e.fields.iter().for_each(|f| name(&f.name, out));
        }
        ItemKind::Identity(b) => {
            for line in &b.lines {
                name(&line.name, out);
                line.paths
                    .iter()
                    .flat_map(|p| &p.segments)
                    .for_each(|s| name(s, out));
                for c in &line.clauses {
                    match &c.kind {
                        IdClauseKind::Normalize(n) => n.iter().for_each(|i| name(i, out)),
                        IdClauseKind::Hash(h) => name(h, out),
                        IdClauseKind::Priority(n) | IdClauseKind::Limit(n) => {
                            out.push((n.span, &[Int]))
                        }
                    }
                }
            }
        }
        ItemKind::Purpose(p) => {
            name(&p.name, out);
            for c in &p.clauses {
                if let PurposeClause::Category(s, _) = c {
                    out.push((s.span, STR));
                }
            }
        }
        ItemKind::Profile(p) => p.attrs.iter().for_each(|f| name(&f.name, out)),
        ItemKind::Trait(t) => {
            name(&t.name, out);
            expr_spans(&t.expr, out);
        }
        ItemKind::Segment(s) => {
            name(&s.name, out);
            for c in &s.clauses {
                match c {
                    SegmentClause::For(p, _) => name(p, out),
                    SegmentClause::Holdout(p, _) => out.push((p.span, &[Percent])),
                }
            }
            expr_spans(&s.expr, out);
        }
        ItemKind::Test(t) => {
            out.push((t.name.span, STR));
            for step in &t.steps {
                out.push((step.at.span, &[Time, Timestamp]));
                step_spans(&step.kind, out);
            }
        }
    }
}

fn step_spans(kind: &StepKind, out: &mut Vec<(Span, &'static [TokenKind])>) {
    use TokenKind::*;
    let id = |v: &IdValue, out: &mut Vec<(Span, &'static [TokenKind])>| {
        out.push((v.id_type.span, &[Ident, Keyword]));
        out.push((v.value.span, &[Str]));
    };
    let fields = |f: &[FieldValue], out: &mut Vec<(Span, &'static [TokenKind])>| {
        for fv in f {
            out.push((fv.name.span, &[Ident, Keyword]));
            expr_spans(&fv.value, out);
        }
    };
    match kind {
        StepKind::Track {
            ids,
            event,
            fields: f,
        } => {
            ids.iter().for_each(|i| id(i, out));
            out.push((event.span, &[Ident, Keyword]));
            fields(f, out);
        }
        StepKind::Identify { ids, attrs } => {
            ids.iter().for_each(|i| id(i, out));
            fields(attrs, out);
        }
        StepKind::Consent { ids, decisions } => {
            ids.iter().for_each(|i| id(i, out));
            decisions
                .iter()
                .for_each(|(s, _)| out.push((s.span, &[Str])));
        }
        StepKind::Forget { ids } => ids.iter().for_each(|i| id(i, out)),
        StepKind::ExpectMember { id: v, segment, .. } => {
            id(v, out);
            out.push((segment.span, &[Ident, Keyword]));
        }
        StepKind::ExpectTrait { id: v, name, value } => {
            id(v, out);
            out.push((name.span, &[Ident, Keyword]));
            expr_spans(value, out);
        }
    }
}

fn expr_spans(e: &Expr, out: &mut Vec<(Span, &'static [TokenKind])>) {
    use TokenKind::*;
    match &e.kind {
        ExprKind::Int(_) => out.push((e.span, &[Int])),
        ExprKind::Float(_) => out.push((e.span, &[Float])),
        ExprKind::Str(_) => out.push((e.span, &[Str])),
        ExprKind::Bool(_) | ExprKind::None => out.push((e.span, &[Keyword])),
        ExprKind::Duration(d) => out.push((d.span, &[Duration])),
        ExprKind::Name(i) | ExprKind::ProfileAttr(i) => out.push((i.span, &[Ident, Keyword])),
        ExprKind::Filter { base, pred } => {
            expr_spans(base, out);
            expr_spans(pred, out);
        }
        ExprKind::Field { base, field } => {
            expr_spans(base, out);
            out.push((field.span, &[Ident, Keyword]));
        }
        ExprKind::Call { func, args } => {
            out.push((func.span, &[Ident, Keyword]));
            args.iter().for_each(|a| expr_spans(a, out));
        }
        ExprKind::Seq { a, b, within, .. } => {
            expr_spans(a, out);
            expr_spans(b, out);
            out.push((within.span, &[Duration]));
        }
        ExprKind::Unary { expr, .. } | ExprKind::Paren(expr) => expr_spans(expr, out),
        ExprKind::Binary { lhs, rhs, .. } => {
            expr_spans(lhs, out);
            expr_spans(rhs, out);
        }
        ExprKind::In { expr, items } => {
            expr_spans(expr, out);
            items.iter().for_each(|i| expr_spans(i, out));
        }
    }
}

fn assert_tokens_agree(text: &str, file: &File, what: &str) -> usize {
    let tokens: Vec<Token> = lex(text);
    let mut leaves = Vec::new();
    file.items.iter().for_each(|i| leaf_spans(i, &mut leaves));
    for (span, allowed) in &leaves {
        let matching: Vec<_> = tokens.iter().filter(|t| t.span == *span).collect();
        assert_eq!(
            matching.len(),
            1,
            "{what}: no single token at {span:?} `{}`",
            slice(text, *span)
        );
        assert!(
            allowed.contains(&matching[0].kind),
            "{what}: `{}` lexed as {:?}, parsed as one of {allowed:?}",
            slice(text, *span),
            matching[0].kind
        );
    }
    leaves.len()
}

#[test]
fn parser_and_lexer_agree_on_every_repository_file() {
    let files = repo_seg_files();
    assert!(files.len() >= 12, "found only {files:?}");
    let mut leaves = 0;
    for path in &files {
        let text = fs::read_to_string(path).unwrap();
        let (file, diags) = parse(&text, &path.display().to_string());
        leaves += assert_tokens_agree(&text, &file, &path.display().to_string());
        if diags.is_empty() {
            let errors: Vec<_> = lex(&text)
                .into_iter()
                .filter(|t| t.kind == TokenKind::Error)
                .collect();
            assert!(errors.is_empty(), "{}: {errors:?}", path.display());
            // The whole-file rule of the grammar accepts every clean file too.
            let whole = SegParser::parse(Rule::file, &text);
            assert!(whole.is_ok(), "{}: {:?}", path.display(), whole.err());
        }
    }
    assert!(leaves > 500, "only {leaves} leaves checked");
}

#[test]
fn data_files_parse_cleanly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/parse")
        .canonicalize()
        .unwrap();
    let files: Vec<_> = repo_seg_files()
        .into_iter()
        .filter(|p| p.starts_with(&dir))
        .collect();
    assert!(files.len() >= 12);
    for path in files {
        let text = fs::read_to_string(&path).unwrap();
        let (file, diags) = parse(&text, "x.seg");
        assert!(diags.is_empty(), "{}: {diags:#?}", path.display());
        assert!(!file.items.is_empty());
    }
}

// ------------------------------------------------------------------ properties

fn check_invariants(text: &str) {
    let (file, diags) = parse(text, "p.seg");
    let len = text.len() as u32;
    for d in &diags {
        assert!(
            d.location.span.start <= d.location.span.end && d.location.span.end <= len,
            "{d:?}"
        );
        assert!(d.code.starts_with("E01"), "{d:?}");
    }
    for item in &file.items {
        assert!(item.span.end <= len);
        let mut leaves = Vec::new();
        leaf_spans(item, &mut leaves);
        for (span, _) in leaves {
            assert!(span.start <= span.end && span.end <= len);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn parse_never_panics_on_any_text(text in "\\PC{0,200}") {
        check_invariants(&text);
        let _ = lex(&text);
    }

    #[test]
    fn parse_never_panics_on_token_soup(
        parts in prop::collection::vec((prop::sample::select(soup_words()), prop::sample::select(&[" ", "", "\n"][..])), 0..80)
    ) {
        let text: String = parts.iter().flat_map(|(t, s)| [*t, *s]).collect();
        check_invariants(&text);
        let tokens = lex(&text);
        for w in tokens.windows(2) {
            prop_assert!(w[0].span.end <= w[1].span.start);
        }
    }

    #[test]
    fn lex_covers_all_non_whitespace(text in "[ -~\\n]{0,120}") {
        let tokens = lex(&text);
        let mut covered = vec![false; text.len()];
        for t in &tokens {
            for c in covered.iter_mut().take(t.span.end as usize).skip(t.span.start as usize) {
                *c = true;
            }
        }
        for (i, b) in text.bytes().enumerate() {
            prop_assert!(covered[i] || b.is_ascii_whitespace(), "byte {i} of {text:?}");
        }
    }
}
