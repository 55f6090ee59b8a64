//! The money codec of the wire: amounts answered as strings with two decimals, read from a JSON
//! number or a decimal string by their digits.

use serde::de::{self, Deserialize, Deserializer};
use serde_json::value::RawValue;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};

use domain::money::Money;

/// An amount of money in a response: a decimal string with exactly two decimals, such as
/// `"2000.00"`.
// Written by `Money`'s `Display`: the domain crate has no serializer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, utoipa::ToSchema)]
#[schema(as = Money, value_type = String, pattern = r"^-?[0-9]+\.[0-9]{2}$", example = "1999.99")]
pub struct MoneyView(pub Money);

impl serde::Serialize for MoneyView {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl From<Money> for MoneyView {
    fn from(money: Money) -> Self {
        MoneyView(money)
    }
}

/// A money amount in a request: a JSON number or a decimal string, 0 to 999999999999.99, with at
/// most two decimals (an amount with more is rejected, never rounded), read from its digits
/// (never through a binary float).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MoneyInput(pub Money);

impl<'de> Deserialize<'de> for MoneyInput {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        let raw = raw.get();
        let text = if raw.starts_with('"') { serde_json::from_str::<String>(raw).ok() } else { Some(raw.to_owned()) };
        match text.as_deref().map(Money::parse) {
            Some(Ok(m)) => Ok(MoneyInput(m)),
            Some(Err(e)) => Err(de::Error::custom(e)),
            None => Err(de::Error::custom("must be a decimal amount")),
        }
    }
}

impl utoipa::PartialSchema for MoneyInput {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some(r"^0*[0-9]{1,12}(\.[0-9]{1,2})?$"))
                    .examples(["1999.99"]),
            )
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Number)
                    .minimum(Some(0))
                    .maximum(Some(999_999_999_999.99))
                    .examples([1999.99]),
            )
            .description(Some(
                "A JSON number or a decimal string with at most two decimals; more decimals are \
                 rejected, never rounded.",
            ))
            .into()
    }
}

impl utoipa::ToSchema for MoneyInput {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_answered_with_exactly_two_decimals() {
        assert_eq!(serde_json::to_string(&MoneyView(Money::from_minor(1_990))).unwrap(), "\"19.90\"");
        assert_eq!(serde_json::to_string(&MoneyView(Money::from_minor(-5))).unwrap(), "\"-0.05\"");
    }
}
