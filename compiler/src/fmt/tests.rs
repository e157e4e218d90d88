//! Formatter tests: canonical layout, comments kept, idempotence.

use super::format_source;

fn fmt(s: &str) -> String {
    match format_source(s, "t.seg") {
        Ok(out) => out,
        Err(d) => panic!("format failed: {d:?}"),
    }
}

#[test]
fn lays_out_an_event_and_keeps_comments() {
    let src = "// taxonomy\nevent viewed_product=\"Product Viewed\" for a,b retain 90d {product_id:string, price:float\n coupon : string? // optional\n}\npurpose a { basis consent }\npurpose b { basis legitimate_interest category \"B\" }\n";
    let out = fmt(src);
    assert_eq!(
        out,
        "// taxonomy\nevent viewed_product = \"Product Viewed\" for a, b retain 90d {\n  product_id: string\n  price: float\n  coupon: string?  // optional\n}\n\npurpose a { basis consent }\npurpose b { basis legitimate_interest category \"B\" }\n"
    );
    assert_eq!(fmt(&out), out);
}

#[test]
fn breaks_long_segments_at_and() {
    let src = "event e { x: int }\nsegment s = count(e, 30m) >= 2 and sum(e.x, 30m) > 1000 and count(e[x > 5], 7d) >= 3 and since(e) < 7d and count(e[x > 7], 1d) > 0\n";
    let out = fmt(src);
    assert!(
        out.contains("segment s =\n  count(e, 30m) >= 2\n  and sum(e.x, 30m) > 1000\n"),
        "{out}"
    );
    assert_eq!(fmt(&out), out);
}

#[test]
fn keeps_doc_comments_tests_and_parentheses() {
    let src = "/// Cart idle.\nsegment a = (x or y) and not z\ntest \"t\" {\n  at 10:00 user_id \"u1\" viewed_product { product_id: \"p1\", price: -2.5 }\n  at 10:16 expect user_id \"u1\" not in a\n}\n";
    let out = fmt(src);
    assert!(
        out.starts_with("/// Cart idle.\nsegment a = (x or y) and not z\n\ntest \"t\" {\n"),
        "{out}"
    );
    assert_eq!(fmt(&out), out);
}

#[test]
fn refuses_files_with_syntax_errors() {
    assert!(format_source("segment = = 3", "t.seg").is_err());
}

#[test]
fn keeps_a_blank_line_after_a_leading_comment() {
    let src = "// header\n\n/// Doc.\npurpose a { basis consent }\n";
    assert_eq!(fmt(src), src);
}

#[test]
fn moves_a_long_expression_to_its_own_line_before_breaking_it() {
    let src = "event e { x: int }\nsegment s = count(e, 30m) >= 2 and sum(e.x, 30m) > 1000 and count(e[x > 5], 7d) >= 3 or since(e) < 7d\n";
    let out = fmt(src);
    assert!(
        out.contains("segment s =\n  count(e, 30m) >= 2 and sum"),
        "{out}"
    );
    assert_eq!(fmt(&out), out);
}
