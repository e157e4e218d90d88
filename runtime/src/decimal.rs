//! Exact decimals (§4, §15): an integer mantissa `c` with |c| < 10^28 scaled by
//! 10^−s, 0 ≤ s ≤ 28.
//!
//! Every operation is exact or yields `None`: nothing is ever rounded, except
//! [`Decimal::to_f64`], which is documented to give the nearest f64. Equality,
//! ordering and hashing are by numeric value (`1.0 == 1.00`), while the scale is
//! kept for display (`500.00` prints as written). Wide intermediates use 256-bit
//! integers (`ethnum::I256`) so no exact result is lost to an intermediate overflow.
//!
//! This module knows nothing of expressions or of JSON decoding beyond reading a
//! number's text.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

use ethnum::I256;

/// Largest scale (digits after the point).
pub const MAX_SCALE: u8 = 28;
/// Most significant digits of a mantissa.
pub const MAX_DIGITS: usize = 28;
/// Exclusive bound on |mantissa|: 10^28.
const LIMIT: i128 = 10_000_000_000_000_000_000_000_000_000;

/// An exact base-10 number `mantissa · 10^-scale`.
///
/// Packed to 8-byte alignment: 24 bytes instead of 32, which keeps `Value` (and
/// every stored log entry) at 32 bytes. Fields are only ever read by value.
#[derive(Clone, Copy, Debug)]
#[repr(C, packed(8))]
pub struct Decimal {
    mantissa: i128,
    scale: u8,
}

/// 10^n for n ≤ 38 (fits in i128).
const POW10: [i128; 39] = {
    let mut t = [1i128; 39];
    let mut i = 1;
    while i < 39 {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

/// 10^n as a 256-bit integer (10^76 is the largest that fits; callers stay far
/// below that).
fn pow10(n: u32) -> I256 {
    match POW10.get(n as usize) {
        Some(p) => I256::from(*p),
        None => {
            let mut p = I256::from(POW10[38]);
            for _ in 38..n.min(76) {
                p *= I256::from(10);
            }
            p
        }
    }
}

/// Brings `c · 10^-s` into range by dropping trailing zeros if (and only if)
/// needed; None when the value is not a decimal.
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

/// The parts of a number's text: sign, digit string (integer and fraction digits
/// concatenated) and the power of ten the digit string is scaled by.
struct Parts<'a> {
    negative: bool,
    digits_int: &'a str,
    digits_frac: &'a str,
    exponent: i64,
}

/// Splits JSON-number-like text (`-12.50e-3`); None on anything else. A leading
/// `+` and a missing integer or fraction part (`.5`, `5.`) are tolerated for
/// literals; JSON text never has them.
fn split_number(text: &str) -> Option<Parts<'_>> {
    let (negative, rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (num, exponent) = match rest.find(['e', 'E']) {
        Some(i) => (&rest[..i], parse_exponent(&rest[i + 1..])?),
        None => (rest, 0),
    };
    let (digits_int, digits_frac) = num.split_once('.').unwrap_or((num, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (digits_int.is_empty() && digits_frac.is_empty())
        || !all_digits(digits_int)
        || !all_digits(digits_frac)
    {
        return None;
    }
    Some(Parts {
        negative,
        digits_int,
        digits_frac,
        exponent,
    })
}

/// An exponent, clamped to ±10^6 (anything that large makes a non-zero value
/// unrepresentable anyway; zero stays zero).
fn parse_exponent(text: &str) -> Option<i64> {
    let (neg, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let significant = digits.trim_start_matches('0');
    let magnitude = if significant.len() > 7 {
        1_000_000
    } else {
        significant.parse::<i64>().unwrap_or(0).min(1_000_000)
    };
    Some(if neg { -magnitude } else { magnitude })
}

impl Decimal {
    pub const ZERO: Decimal = Decimal {
        mantissa: 0,
        scale: 0,
    };

    /// `mantissa · 10^-scale`, if in range (trailing zeros are dropped when that
    /// makes it fit).
    pub fn from_parts(mantissa: i128, scale: u8) -> Option<Decimal> {
        fit(I256::from(mantissa), u32::from(scale))
    }

    /// An integer as a decimal of scale 0 (every i64 has ≤ 19 digits, so it fits).
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

    pub fn is_zero(&self) -> bool {
        self.mantissa == 0
    }

    /// Reads a JSON number's text exactly (`100.01`, `1e2`, `-0.5E-3`), keeping
    /// the written scale where it fits (`10.00` has scale 2). None when the value
    /// is not a decimal: more than 28 significant digits, or more than 28 digits
    /// after the point once trailing zeros are dropped. Exponents shift the point
    /// (`1e2` is `100`, scale 0; `5E-3` is `0.005`).
    pub fn parse_json(text: &str) -> Option<Decimal> {
        let p = split_number(text)?;
        let frac_len = i64::try_from(p.digits_frac.len()).ok()?;
        // The value is DIGITS · 10^-written, DIGITS = integer and fraction digits.
        let written = frac_len - p.exponent;
        let all = format!("{}{}", p.digits_int, p.digits_frac);
        let core = all.trim_start_matches('0').trim_end_matches('0');
        let max = i64::from(MAX_SCALE);
        if core.is_empty() {
            let scale = u8::try_from(written.clamp(0, max)).ok()?;
            return Some(Decimal { mantissa: 0, scale });
        }
        let trailing = all.len() - all.trim_end_matches('0').len();
        // value = core · 10^-min_scale, core without trailing zeros.
        let min_scale = written - i64::try_from(trailing).ok()?;
        let d = i64::try_from(core.len()).ok()?;
        // Largest scale ≤ the written one whose mantissa keeps ≤ 28 digits.
        let hi = written.clamp(0, max).min(min_scale + max - d);
        if d > max || min_scale > max || hi < min_scale.max(0) {
            return None;
        }
        let up = u32::try_from(hi - min_scale).ok()?;
        let c: i128 = core.parse::<i128>().ok()? * POW10.get(up as usize)?;
        let mantissa = if p.negative { -c } else { c };
        Some(Decimal {
            mantissa,
            scale: u8::try_from(hi).ok()?,
        })
    }

    /// Reads a literal's text (same forms as JSON numbers, `+`/`.5`/`5.`
    /// tolerated). None when it does not fit (a compile error for literals).
    pub fn parse_literal(text: &str) -> Option<Decimal> {
        Self::parse_json(text)
    }

    /// The nearest f64 (Rust's float parser rounds the exact text correctly).
    pub fn to_f64(&self) -> f64 {
        let text = format!("{}e-{}", self.mantissa(), self.scale);
        text.parse().unwrap_or(f64::NAN)
    }

    /// The mantissa rescaled to `scale` (≥ own scale) in 256 bits.
    fn wide(&self, scale: u8) -> I256 {
        I256::from(self.mantissa) * pow10(u32::from(scale.saturating_sub(self.scale)))
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

    /// Exact product; its scale is the sum of the scales, trailing zeros dropped
    /// only when needed to fit.
    pub fn checked_mul(&self, other: &Decimal) -> Option<Decimal> {
        fit(
            I256::from(self.mantissa) * I256::from(other.mantissa),
            u32::from(self.scale) + u32::from(other.scale),
        )
    }

    /// Remainder truncated toward zero, like Rust's `%` (sign of the dividend);
    /// None on a zero divisor.
    pub fn checked_rem(&self, other: &Decimal) -> Option<Decimal> {
        let (a, b, s) = self.aligned(other);
        if b == I256::ZERO {
            return None;
        }
        fit(a % b, u32::from(s))
    }

    /// Always Some: the range is symmetric.
    pub fn checked_neg(&self) -> Option<Decimal> {
        Some(Decimal {
            mantissa: -self.mantissa,
            scale: self.scale,
        })
    }

    /// Exact comparison with an integer.
    pub fn cmp_i64(&self, other: i64) -> Ordering {
        self.wide(self.scale)
            .cmp(&(I256::from(other) * pow10(u32::from(self.scale))))
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
        if self.scale == other.scale {
            return self.mantissa().cmp(&other.mantissa());
        }
        let (a, b, _) = self.aligned(other);
        a.cmp(&b)
    }
}

impl Hash for Decimal {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.normalized().hash(state);
    }
}

/// Canonical text keeping the scale: `500.00`, `-0.005`, `42`.
impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.mantissa < 0 { "-" } else { "" };
        let abs = self.mantissa.unsigned_abs();
        if self.scale == 0 {
            return write!(f, "{sign}{abs}");
        }
        let unit = POW10[usize::from(self.scale)].unsigned_abs();
        let (int, frac) = (abs / unit, abs % unit);
        let width = usize::from(self.scale);
        write!(f, "{sign}{int}.{frac:0width$}")
    }
}

/// Exact sum of many decimals, accumulated at scale 28 in 256 bits (room for
/// about 10^20 maximal terms), supporting removal for sliding windows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DecimalSum {
    total: I256,
    /// The largest scale ever added: the result keeps it (`100.01 + 0.99` is
    /// `101.00`). Removal does not lower it.
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

    /// Removes a value added earlier.
    pub fn sub(&mut self, d: &Decimal) {
        self.total -= d.wide(MAX_SCALE);
    }

    /// Adds another accumulator (profile merges).
    pub fn merge(&mut self, other: &DecimalSum) {
        self.total += other.total;
        self.scale = self.scale.max(other.scale);
    }

    /// The exact sum at the largest scale added (trailing zeros dropped only when
    /// needed to fit), or None when it is not a decimal.
    pub fn result(&self) -> Option<Decimal> {
        let drop = pow10(u32::from(MAX_SCALE - self.scale.min(MAX_SCALE)));
        if self.total % drop == I256::ZERO {
            return fit(self.total / drop, u32::from(self.scale));
        }
        fit(self.total, u32::from(MAX_SCALE))
    }
}

#[cfg(test)]
mod tests;
