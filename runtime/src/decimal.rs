//! Exact decimals (§4, §15): an integer mantissa `c` with |c| < 10^28 scaled by
//! 10^−s, 0 ≤ s ≤ 28. Every operation is exact or yields None: nothing is rounded.
//! Equality, ordering and hashing are by numeric value (`1.0 == 1.00`). Wide
//! intermediates use 256-bit integers so no exact result is lost to overflow.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

use ethnum::I256;

/// Largest scale and the bound on the mantissa.
pub const MAX_SCALE: u8 = 28;
const LIMIT: i128 = 10_000_000_000_000_000_000_000_000_000;

#[derive(Clone, Copy, Debug)]
pub struct Decimal {
    mantissa: i128,
    scale: u8,
}

fn pow10(n: u32) -> I256 {
    let mut p = I256::ONE;
    for _ in 0..n {
        p *= I256::from(10);
    }
    p
}

/// Brings `c · 10^-s` into range by dropping trailing zeros if needed.
fn fit(mut c: I256, mut s: u32) -> Option<Decimal> {
    let limit = I256::from(LIMIT);
    let ten = I256::from(10);
    while (s > u32::from(MAX_SCALE) || c.abs() >= limit) && s > 0 && c % ten == I256::ZERO {
        c /= ten;
        s -= 1;
    }
    if s > u32::from(MAX_SCALE) || c.abs() >= limit {
        return None;
    }
    Some(Decimal {
        mantissa: c.as_i128(),
        scale: u8::try_from(s).ok()?,
    })
}

impl Decimal {
    pub const ZERO: Decimal = Decimal {
        mantissa: 0,
        scale: 0,
    };

    /// `mantissa · 10^-scale`, if in range.
    pub fn from_parts(mantissa: i128, scale: u8) -> Option<Decimal> {
        fit(I256::from(mantissa), u32::from(scale))
    }

    pub fn from_i64(i: i64) -> Decimal {
        Decimal {
            mantissa: i128::from(i),
            scale: 0,
        }
    }

    pub fn mantissa(&self) -> i128 {
        self.mantissa
    }

    pub fn scale(&self) -> u8 {
        self.scale
    }

    /// Reads a JSON number's text exactly (`100.01`, `-5E-3`); None when it does not
    /// fit 28 significant digits.
    pub fn parse_json(text: &str) -> Option<Decimal> {
        let (neg, rest) = match text.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (num, exp) = match rest.find(['e', 'E']) {
            Some(i) => (&rest[..i], rest[i + 1..].parse::<i64>().ok()?),
            None => (rest, 0),
        };
        let (int, frac) = num.split_once('.').unwrap_or((num, ""));
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        let digits: String = int.chars().chain(frac.chars()).collect();
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let significant = digits.trim_start_matches('0');
        if significant.len() > 40 {
            return None;
        }
        let mut c = I256::ZERO;
        for b in significant.bytes() {
            c = c * I256::from(10) + I256::from(b - b'0');
        }
        if neg {
            c = -c;
        }
        let scale = i64::try_from(frac.len()).ok()? - exp;
        if scale < 0 {
            let up = u32::try_from(-scale).ok().filter(|u| *u <= 40)?;
            return fit(c * pow10(up), 0);
        }
        fit(c, u32::try_from(scale).ok().filter(|s| *s <= 80)?)
    }

    /// Reads a literal's text (same forms as JSON numbers).
    pub fn parse_literal(text: &str) -> Option<Decimal> {
        Self::parse_json(text)
    }

    /// The nearest f64.
    pub fn to_f64(&self) -> f64 {
        format!("{}e-{}", self.mantissa, self.scale)
            .parse()
            .unwrap_or(f64::NAN)
    }

    fn wide(&self, scale: u8) -> I256 {
        I256::from(self.mantissa) * pow10(u32::from(scale - self.scale))
    }

    fn aligned(&self, other: &Decimal) -> (I256, I256, u8) {
        let s = self.scale.max(other.scale);
        (self.wide(s), other.wide(s), s)
    }

    pub fn checked_add(&self, other: &Decimal) -> Option<Decimal> {
        let (a, b, s) = self.aligned(other);
        fit(a + b, u32::from(s))
    }

    pub fn checked_sub(&self, other: &Decimal) -> Option<Decimal> {
        let (a, b, s) = self.aligned(other);
        fit(a - b, u32::from(s))
    }

    pub fn checked_mul(&self, other: &Decimal) -> Option<Decimal> {
        fit(
            I256::from(self.mantissa) * I256::from(other.mantissa),
            u32::from(self.scale) + u32::from(other.scale),
        )
    }

    /// Remainder truncated toward zero, like Rust's `%`; None on a zero divisor.
    pub fn checked_rem(&self, other: &Decimal) -> Option<Decimal> {
        let (a, b, s) = self.aligned(other);
        if b == I256::ZERO {
            return None;
        }
        fit(a % b, u32::from(s))
    }

    pub fn checked_neg(&self) -> Option<Decimal> {
        Some(Decimal {
            mantissa: -self.mantissa,
            scale: self.scale,
        })
    }

    /// The value with trailing fractional zeros removed (for hashing).
    fn normalized(&self) -> (i128, u8) {
        let (mut m, mut s) = (self.mantissa, self.scale);
        while s > 0 && m % 10 == 0 {
            m /= 10;
            s -= 1;
        }
        (m, s)
    }
}

impl PartialEq for Decimal {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Decimal {}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> Ordering {
        let (a, b, _) = self.aligned(other);
        a.cmp(&b)
    }
}

impl Hash for Decimal {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.normalized().hash(state);
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.mantissa.unsigned_abs().to_string();
        let sign = if self.mantissa < 0 { "-" } else { "" };
        let scale = usize::from(self.scale);
        if scale == 0 {
            return write!(f, "{sign}{digits}");
        }
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (i, frac) = padded.split_at(padded.len() - scale);
        write!(f, "{sign}{i}.{frac}")
    }
}

/// Exact sum of many decimals, accumulated at scale 28 in 256 bits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DecimalSum {
    total: I256,
    /// The largest scale added: the result keeps it (`100.01 + 0.99` is `101.00`).
    scale: u8,
}

impl DecimalSum {
    pub fn new() -> Self {
        DecimalSum {
            total: I256::ZERO,
            scale: 0,
        }
    }
    pub fn add(&mut self, d: &Decimal) {
        self.total += d.wide(MAX_SCALE);
        self.scale = self.scale.max(d.scale);
    }
    pub fn sub(&mut self, d: &Decimal) {
        self.total -= d.wide(MAX_SCALE);
    }
    pub fn merge(&mut self, other: &DecimalSum) {
        self.total += other.total;
        self.scale = self.scale.max(other.scale);
    }
    /// The exact sum at the largest scale added, or None when it is not a decimal.
    pub fn result(&self) -> Option<Decimal> {
        let drop = pow10(u32::from(MAX_SCALE - self.scale));
        if self.total % drop == I256::ZERO {
            return fit(self.total / drop, u32::from(self.scale));
        }
        fit(self.total, u32::from(MAX_SCALE))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::parse_json(s).unwrap()
    }

    #[test]
    fn sums_money_exactly() {
        let mut s = DecimalSum::new();
        for v in ["100.01", "129.52", "270.47"] {
            s.add(&d(v));
        }
        assert_eq!(s.result().unwrap(), d("500.00"));
        assert_eq!(s.result().unwrap().to_string(), "500.00");
        assert_eq!(d("0.10").checked_add(&d("0.20")).unwrap(), d("0.3"));
    }

    #[test]
    fn rejects_what_does_not_fit() {
        assert!(Decimal::parse_json("12345678901234567890123456789").is_none());
        assert!(Decimal::parse_json("1234567890123456789012345678").is_some());
        assert!(Decimal::parse_json("0.00000000000000000000000000001").is_none());
        assert_eq!(d("1.0000000000000000000000000000000"), d("1"));
        let big = d("9999999999999999999999999999");
        assert!(big.checked_add(&d("1")).is_none());
        assert!(big.checked_mul(&d("10")).is_none());
    }

    #[test]
    fn reads_exponents_and_compares_by_value() {
        assert_eq!(d("1e2"), d("100"));
        assert_eq!(d("-5E-3").to_string(), "-0.005");
        assert!(d("0.1") < d("0.11"));
        assert_eq!(d("1.50"), d("1.5"));
        assert_eq!(d("0.1").to_f64(), 0.1);
        assert_eq!(d("7").checked_rem(&d("2.5")).unwrap(), d("2"));
        assert!(d("7").checked_rem(&d("0")).is_none());
        assert!(Decimal::parse_json("abc").is_none());
    }
}
