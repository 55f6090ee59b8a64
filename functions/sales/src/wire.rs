//! The sales API's request bodies: read (`shared::wire::ValidJson`), documented (`ToSchema`) and
//! converted into their domain types by the same definitions (see `products::wire`).

use chrono::{DateTime, Utc};
use serde::Deserialize;
use shared::domain::returns::{self, NewReturn};
use shared::domain::sales::{self, NewSale};
use shared::wire::{Field, FieldErrors, Flag, IntoDomain, Text, Whole};
use utoipa::ToSchema;

/// What a sale's times are checked against: the server clock and the store's opening.
pub struct SaleClock {
    pub now: DateTime<Utc>,
    pub opened: DateTime<Utc>,
}

/// `POST /sales`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"product_id": 1, "units_sold": 2, "sold_at": "2023-10-08T12:48:25Z"}))]
pub struct NewSaleBody {
    /// An existing, active product (404 / 422 otherwise).
    #[schema(value_type = i64, minimum = 1)]
    pub product_id: Field<Whole>,
    #[schema(value_type = i64, minimum = 1, maximum = 10000)]
    pub units_sold: Field<Whole>,
    /// Default now; a past time back-dates the sale; more than 5 minutes ahead is 422.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub sold_at: Field<Text>,
}

impl IntoDomain<SaleClock> for NewSaleBody {
    type Domain = NewSale;

    fn into_domain(self, clock: SaleClock, errors: &mut FieldErrors) -> Option<NewSale> {
        let product_id = whole(errors, "product_id", self.product_id, sales::product_ref);
        let units_sold = whole(errors, "units_sold", self.units_sold, sales::units);
        let sold_at = match self.sold_at.value() {
            Some(Text(text)) => errors.check("sold_at", sales::sold_at(&text, clock.now, clock.opened)),
            None => Some(clock.now),
        };
        Some(NewSale { product_id: product_id?, units_sold: units_sold?, sold_at: sold_at? })
    }
}

/// `POST /sales/{id}/returns`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"units": 1, "reason": "damaged", "restock": true}))]
pub struct NewReturnBody {
    /// 1 up to the units of the sale not yet returned (422 with `returnable` otherwise).
    #[schema(value_type = i64, minimum = 1, maximum = 10000)]
    pub units: Field<Whole>,
    #[schema(value_type = Option<String>, max_length = 500)]
    pub reason: Field<Text>,
    /// Put the units back in stock with a `return` ledger entry (default true).
    #[schema(value_type = Option<bool>)]
    pub restock: Field<Flag>,
    /// Default now; before the sale or more than 5 minutes ahead is 422.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub returned_at: Field<Text>,
}

impl IntoDomain<DateTime<Utc>> for NewReturnBody {
    type Domain = NewReturn;

    fn into_domain(self, now: DateTime<Utc>, errors: &mut FieldErrors) -> Option<NewReturn> {
        let units = whole(errors, "units", self.units, sales::units);
        let reason = match self.reason.value() {
            Some(Text(text)) => errors.check("reason", returns::return_reason(text)),
            None => Some(None),
        };
        let returned_at = match self.returned_at.value() {
            Some(Text(text)) => errors.check("returned_at", returns::returned_at(&text, now)),
            None => Some(now),
        };
        let restock = self.restock.value().is_none_or(|Flag(restock)| restock);
        Some(NewReturn { units: units?, reason: reason?, restock, returned_at: returned_at? })
    }
}

/// A required whole number checked by `rule` (`null` is as good as absent).
fn whole(
    errors: &mut FieldErrors,
    field: &str,
    value: Field<Whole>,
    rule: fn(i64) -> Result<i64, String>,
) -> Option<i64> {
    let value = errors.required(field, value.value())?;
    errors.check(field, rule(value.0))
}

#[cfg(test)]
mod tests {
    use shared::error::AppError;
    use shared::time;
    use shared::wire::ValidJson;

    use super::*;

    mod sale {
        use super::*;

        fn parse(json: &str) -> Result<NewSale, AppError> {
            let now = time::parse_rfc3339("2024-01-01T12:00:00Z").unwrap();
            let opened = time::parse_rfc3339("2000-01-01T00:00:00Z").unwrap();
            ValidJson::<NewSaleBody>::parse(json.as_bytes())?.into_domain(SaleClock { now, opened })
        }

        fn fields(json: &str) -> Vec<String> {
            match parse(json) {
                Err(AppError::Validation(e)) => e.into_iter().map(|e| e.field).collect(),
                other => panic!("expected a validation error, got {other:?}"),
            }
        }
        #[test]
        fn defaults_sold_at_to_now_and_accepts_back_dating() {
            let s = parse(r#"{"product_id":1,"units_sold":2}"#).unwrap();
            assert_eq!(time::to_api(s.sold_at, None), "2024-01-01T12:00:00Z");
            let s = parse(r#"{"product_id":1,"units_sold":2,"sold_at":"2022-10-08T12:51:20Z"}"#).unwrap();
            assert_eq!(time::to_api(s.sold_at, None), "2022-10-08T12:51:20Z");
            // Within the allowed clock skew.
            assert!(parse(r#"{"product_id":1,"units_sold":1,"sold_at":"2024-01-01T12:04:59Z"}"#).is_ok());
        }

        #[test]
        fn rejects_each_bad_field() {
            assert_eq!(fields(r#"{"units_sold":1}"#), ["product_id"]);
            assert_eq!(fields(r#"{"product_id":0,"units_sold":1}"#), ["product_id"]);
            assert_eq!(fields(r#"{"product_id":1,"units_sold":0}"#), ["units_sold"]);
            assert_eq!(fields(r#"{"product_id":1,"units_sold":10001}"#), ["units_sold"]);
            assert_eq!(fields(r#"{"product_id":1,"units_sold":1.5}"#), ["units_sold"]);
            assert_eq!(fields(r#"{"product_id":1}"#), ["units_sold"]);
            assert_eq!(fields(r#"{"product_id":1,"units_sold":1,"sold_at":"2024-01-01T12:05:01Z"}"#), ["sold_at"]);
            assert_eq!(fields(r#"{"product_id":1,"units_sold":1,"sold_at":"last tuesday"}"#), ["sold_at"]);
            assert_eq!(fields(r#"{"product_id":1,"units_sold":1,"sold_at":"0000-01-01T00:00:00Z"}"#), ["sold_at"]);
            assert_eq!(fields(r#"{"product_id":1,"units_sold":1,"sold_at":"1999-12-31T23:59:59Z"}"#), ["sold_at"]);
            assert!(parse(r#"{"product_id":1,"units_sold":1,"sold_at":"2000-01-01T00:00:00Z"}"#).is_ok());
            assert_eq!(fields(r#"{"product_id":"1","units_sold":1}"#), ["product_id"]);
            assert_eq!(fields(r#"{"product_id":1,"units_sold":1,"price":5}"#), ["price"]);
        }
    }

    mod r#return {
        use super::*;

        fn parse(json: &str) -> Result<NewReturn, AppError> {
            let now = time::parse_rfc3339("2024-01-01T12:00:00Z").unwrap();
            ValidJson::<NewReturnBody>::parse(json.as_bytes())?.into_domain(now)
        }

        fn fields(json: &str) -> Vec<String> {
            match parse(json) {
                Err(AppError::Validation(e)) => e.into_iter().map(|e| e.field).collect(),
                other => panic!("expected a validation error, got {other:?}"),
            }
        }

        #[test]
        fn defaults() {
            let r = parse(r#"{"units":2}"#).unwrap();
            assert_eq!((r.units, r.restock, r.reason), (2, true, None));
            assert_eq!(time::to_api(r.returned_at, None), "2024-01-01T12:00:00Z");
            let r = parse(r#"{"units":1,"restock":false,"reason":"damaged","returned_at":"2023-05-01T00:00:00Z"}"#)
                .unwrap();
            assert_eq!((r.restock, r.reason.as_deref()), (false, Some("damaged")));
            assert_eq!(time::to_api(r.returned_at, None), "2023-05-01T00:00:00Z");
        }

        #[test]
        fn rejects_each_bad_field() {
            assert_eq!(fields(r#"{}"#), ["units"]);
            assert_eq!(fields(r#"{"units":0}"#), ["units"]);
            assert_eq!(fields(r#"{"units":1.5}"#), ["units"]);
            assert_eq!(fields(r#"{"units":1,"restock":"yes"}"#), ["restock"]);
            assert_eq!(fields(r#"{"units":1,"returned_at":"2024-01-01T12:05:01Z"}"#), ["returned_at"]);
            assert_eq!(fields(r#"{"units":1,"returned_at":"soon"}"#), ["returned_at"]);
            assert_eq!(fields(r#"{"units":1,"reason":"\u0000"}"#), ["reason"]);
            assert_eq!(fields(r#"{"units":1,"refund":"5"}"#), ["refund"]);
        }
    }
}
