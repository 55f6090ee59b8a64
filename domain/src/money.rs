//! Exact money. The store has one currency with two decimal places, so an amount is an integer
//! number of minor units (cents). No binary float is involved anywhere: request text is parsed
//! digit by digit and responses are formatted from the integer.

use std::fmt;

/// An amount in minor units (1 = 0.01). Written (`Display`) as a decimal with exactly two
/// decimals, as the API answers it (`api::wire::MoneyView`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("must be a decimal amount such as 12 or 12.50")]
    NotDecimal,
    #[error("must have at most 2 decimal places")]
    TooManyDecimals,
    #[error("is too large")]
    TooLarge,
}

impl Money {
    /// The largest amount any single field may hold (a price, a line total):
    /// 999,999,999,999.99 leaves i64 room for billions of such amounts in a counter.
    pub const MAX_FIELD: Money = Money(99_999_999_999_999);

    pub const ZERO: Money = Money(0);

    pub const fn from_minor(minor: i64) -> Self {
        Money(minor)
    }

    pub const fn minor(self) -> i64 {
        self.0
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    pub fn checked_mul(self, factor: i64) -> Option<Money> {
        self.0.checked_mul(factor).map(Money)
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).map(Money)
    }

    /// Parses `-?digits(.d{1,2})?`, the text of a JSON number or of a decimal string.
    /// Exponents, leading `+`, and more than two decimals are rejected rather than rounded.
    pub fn parse(text: &str) -> Result<Money, MoneyError> {
        let (negative, unsigned) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, fraction) = match unsigned.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (unsigned, None),
        };
        if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
            return Err(MoneyError::NotDecimal);
        }
        let fraction = match fraction {
            None => "",
            Some(f) if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) => {
                return Err(MoneyError::NotDecimal);
            }
            Some(f) if f.len() > 2 => return Err(MoneyError::TooManyDecimals),
            Some(f) => f,
        };
        let whole = whole.trim_start_matches('0');
        if whole.len() > 15 {
            return Err(MoneyError::TooLarge);
        }
        let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| MoneyError::TooLarge)? };
        let cents: i64 = match fraction.len() {
            0 => 0,
            1 => fraction.parse::<i64>().map_err(|_| MoneyError::NotDecimal)? * 10,
            _ => fraction.parse().map_err(|_| MoneyError::NotDecimal)?,
        };
        let minor = whole.checked_mul(100).and_then(|w| w.checked_add(cents)).ok_or(MoneyError::TooLarge)?;
        Ok(Money(if negative { -minor } else { minor }))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_integers_and_up_to_two_decimals() {
        assert_eq!(Money::parse("2000"), Ok(Money(200_000)));
        assert_eq!(Money::parse("2000.0"), Ok(Money(200_000)));
        assert_eq!(Money::parse("19.9"), Ok(Money(1_990)));
        assert_eq!(Money::parse("0.07"), Ok(Money(7)));
        assert_eq!(Money::parse("-3.25"), Ok(Money(-325)));
        assert_eq!(Money::parse("007.10"), Ok(Money(710)));
    }

    #[test]
    fn rejects_what_is_not_an_exact_two_decimal_amount() {
        assert_eq!(Money::parse("1.005"), Err(MoneyError::TooManyDecimals));
        assert_eq!(Money::parse("1e3"), Err(MoneyError::NotDecimal));
        assert_eq!(Money::parse("+1"), Err(MoneyError::NotDecimal));
        assert_eq!(Money::parse("1."), Err(MoneyError::NotDecimal));
        assert_eq!(Money::parse(".5"), Err(MoneyError::NotDecimal));
        assert_eq!(Money::parse(""), Err(MoneyError::NotDecimal));
        assert_eq!(Money::parse("12a"), Err(MoneyError::NotDecimal));
        assert_eq!(Money::parse("1234567890123456"), Err(MoneyError::TooLarge));
    }

    #[test]
    fn formats_with_exactly_two_decimals() {
        assert_eq!(Money(200_000).to_string(), "2000.00");
        assert_eq!(Money(5).to_string(), "0.05");
        assert_eq!(Money(-5).to_string(), "-0.05");
    }

    #[test]
    fn arithmetic_is_checked() {
        assert_eq!(Money(250).checked_mul(3), Some(Money(750)));
        assert_eq!(Money(i64::MAX).checked_mul(2), None);
        assert_eq!(Money(1).checked_add(Money(2)), Some(Money(3)));
    }
}
