//! Decimal tests: exactness, range, parsing, ordering and the sum accumulator.

use std::cmp::Ordering;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use super::*;

fn d(s: &str) -> Decimal {
    Decimal::parse_json(s).unwrap()
}

fn hash(x: &Decimal) -> u64 {
    let mut h = DefaultHasher::new();
    x.hash(&mut h);
    h.finish()
}

#[test]
fn sums_money_exactly() {
    let mut s = DecimalSum::new();
    for v in ["100.01", "129.52", "270.47"] {
        s.add(&d(v));
    }
    let total = s.result().unwrap();
    assert_eq!(total, d("500.00"));
    assert_eq!(total.to_string(), "500.00");
    assert!(total.cmp_i64(500) == Ordering::Equal);
    assert!(total <= d("500"));
    let three = d("0.10").checked_add(&d("0.20")).unwrap();
    assert_eq!(three, d("0.3"));
    assert_eq!(three.to_string(), "0.30");
}

#[test]
fn sum_removal_merge_and_normalisation() {
    let mut a = DecimalSum::new();
    a.add(&d("1.5"));
    a.add(&d("2.25"));
    a.sub(&d("1.5"));
    assert_eq!(a.result().unwrap().to_string(), "2.25");
    let mut b = DecimalSum::new();
    b.add(&d("0.75"));
    a.merge(&b);
    assert_eq!(a.result().unwrap().to_string(), "3.00");
    assert_eq!(DecimalSum::new().result().unwrap().to_string(), "0");
    // 28-digit values at scale 1 and 0: the sum needs the trailing zero dropped.
    let mut c = DecimalSum::new();
    c.add(&d("999999999999999999999999999.0"));
    c.add(&d("1"));
    assert_eq!(
        c.result().unwrap().to_string(),
        "1000000000000000000000000000"
    );
    c.add(&d("9000000000000000000000000000"));
    assert!(c.result().is_none(), "10^28 does not fit");
    c.sub(&d("9000000000000000000000000000"));
    assert!(c.result().is_some(), "back in range after removal");
}

#[test]
fn rejects_what_does_not_fit() {
    assert!(Decimal::parse_json("12345678901234567890123456789").is_none());
    assert!(Decimal::parse_json("-1.2345678901234567890123456789").is_none());
    assert!(Decimal::parse_json("1234567890123456789012345678").is_some());
    assert!(Decimal::parse_json("0.0000000000000000000000000001").is_some());
    assert!(Decimal::parse_json("0.00000000000000000000000000001").is_none());
    assert!(Decimal::parse_json("1e28").is_none());
    assert!(Decimal::parse_json("1e27").is_some());
    assert!(Decimal::parse_json("1e-29").is_none());
    assert!(Decimal::parse_json("1e99999999999999999999").is_none());
    let big = d("9999999999999999999999999999");
    assert!(big.checked_add(&d("1")).is_none());
    assert!(big.checked_neg().unwrap().checked_sub(&d("1")).is_none());
    assert!(big.checked_mul(&d("10")).is_none());
    assert!(d("0.00000000000001")
        .checked_mul(&d("0.000000000000001"))
        .is_none());
}

#[test]
fn keeps_the_written_scale_where_it_fits() {
    assert_eq!(d("10.00").to_string(), "10.00");
    assert_eq!(d("10.00").scale(), 2);
    assert_eq!(d("1e2").to_string(), "100");
    assert_eq!(d("-0.5E-3").to_string(), "-0.0005");
    assert_eq!(d("1.50E+1").to_string(), "15.0");
    assert_eq!(d("0").to_string(), "0");
    assert_eq!(d("-0.0").to_string(), "0.0");
    assert_eq!(d("0e999999999999").to_string(), "0");
    // Trailing zeros beyond the range are dropped, the value is kept.
    let long = d("1.0000000000000000000000000000000");
    assert_eq!(long, d("1"));
    assert_eq!(long.to_string(), "1.000000000000000000000000000");
    assert_eq!(d("00012.5").to_string(), "12.5");
    assert_eq!(
        Decimal::parse_literal("+.5").unwrap().to_string(),
        "0.5",
        "literal forms"
    );
}

#[test]
fn rejects_text_that_is_not_a_number() {
    for bad in [
        "", "-", "abc", "1.2.3", "1e", "1e+", "--1", "1_000", " 1", "0x10", "1e2.5",
    ] {
        assert!(Decimal::parse_json(bad).is_none(), "{bad:?}");
    }
}

#[test]
fn compares_and_hashes_by_value() {
    assert_eq!(d("1.50"), d("1.5"));
    assert_eq!(hash(&d("1.50")), hash(&d("1.5")));
    assert_eq!(hash(&d("100")), hash(&d("1e2")));
    assert!(d("0.1") < d("0.11"));
    assert!(d("-2") < d("-1.5"));
    assert!(d("9999999999999999999999999999") > d("0.9999999999999999999999999999"));
    assert_eq!(d("2.5").cmp_i64(2), Ordering::Greater);
    assert_eq!(d("-2.5").cmp_i64(-2), Ordering::Less);
    assert_eq!(d("3.000").cmp_i64(3), Ordering::Equal);
    assert_eq!(
        d("0.0000000000000000000000000001").cmp_i64(i64::MIN),
        Ordering::Greater
    );
    assert_eq!(
        Decimal::from_i64(i64::MAX).cmp_i64(i64::MAX),
        Ordering::Equal
    );
}

#[test]
fn arithmetic_is_exact() {
    assert_eq!(d("1.1").checked_mul(&d("1.1")).unwrap().to_string(), "1.21");
    assert_eq!(d("7").checked_rem(&d("2.5")).unwrap(), d("2"));
    assert_eq!(d("-7").checked_rem(&d("2.5")).unwrap(), d("-2"));
    assert_eq!(d("7").checked_rem(&d("-2.5")).unwrap(), d("2"));
    assert!(d("7").checked_rem(&d("0.00")).is_none());
    assert_eq!(
        d("5.25").checked_sub(&d("0.25")).unwrap().to_string(),
        "5.00"
    );
    assert_eq!(d("-5.25").checked_neg().unwrap(), d("5.25"));
    assert_eq!(Decimal::from_i64(-42).to_string(), "-42");
    assert_eq!(
        Decimal::from_parts(12_000, 3).unwrap().to_string(),
        "12.000"
    );
    assert!(Decimal::from_parts(1, 29).is_none());
    assert_eq!(
        Decimal::from_parts(10, 29).unwrap().to_string(),
        "0.0000000000000000000000000001"
    );
}

#[test]
fn nearest_f64() {
    assert_eq!(d("0.1").to_f64(), 0.1);
    assert_eq!(d("100.01").to_f64(), 100.01);
    assert_eq!(d("-0.0005").to_f64(), -0.0005);
    assert_eq!(d("9999999999999999999999999999").to_f64(), 1e28);
    assert_eq!(d("0.3").to_f64(), 0.3);
    assert_ne!(d("0.3").to_f64(), 0.1 + 0.2);
}
