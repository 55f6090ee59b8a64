//! Returns: what a request to return units of a sale says, and what a recorded return is.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::sales::{MAX_FUTURE_SKEW, MAX_UNITS_PER_SALE};
use crate::error::AppError;
use crate::input::{Field, JsonObject};
use crate::money::Money;
use crate::time;

/// The longest `reason` a return may carry.
pub const MAX_REASON_LEN: usize = 500;

/// A recorded return of units of one sale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleReturn {
    /// A ULID.
    pub id: String,
    pub sale_id: String,
    /// The sale's product and category (at the moment of sale).
    pub product_id: i64,
    pub category_name: String,
    pub units: i64,
    /// `units` x the sale's unit price.
    pub refund: Money,
    pub reason: Option<String>,
    pub restocked: bool,
    pub returned_at: DateTime<Utc>,
}

/// A return as the API returns it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Return, example = json!({"id": "01HCJ9A1B2C3D4E5F6G7H8J9K0", "sale_id": "01HCJ7T2Q1ZQ8YJ3X2M5V6B7N8",
    "product_id": 1, "category_name": "electronics", "units": 1, "refund": "1999.99", "reason": "damaged",
    "restocked": true, "returned_at": "2023-10-10T09:00:00Z"}))]
pub struct ReturnView<'a> {
    pub id: &'a str,
    pub sale_id: &'a str,
    pub product_id: i64,
    pub category_name: &'a str,
    pub units: i64,
    pub refund: Money,
    #[schema(required = true)]
    pub reason: Option<&'a str>,
    pub restocked: bool,
    #[schema(format = DateTime)]
    pub returned_at: String,
}

impl SaleReturn {
    pub fn view(&self, tz: Option<Tz>) -> ReturnView<'_> {
        ReturnView {
            id: &self.id,
            sale_id: &self.sale_id,
            product_id: self.product_id,
            category_name: &self.category_name,
            units: self.units,
            refund: self.refund,
            reason: self.reason.as_deref(),
            restocked: self.restocked,
            returned_at: time::to_api(self.returned_at, tz),
        }
    }
}

/// `POST /sales/{id}/returns`. What can be checked without the sale: `units` against the
/// sale (returnable) and `returned_at` against `sold_at` are checked when the sale is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReturn {
    pub units: i64,
    pub reason: Option<String>,
    pub restock: bool,
    pub returned_at: DateTime<Utc>,
}

impl NewReturn {
    /// Reads the body; `returned_at` defaults to `now` and may be at most 5 minutes after it.
    pub fn from_json(mut body: JsonObject, now: DateTime<Utc>) -> Result<Self, AppError> {
        let before = body.error_count();
        let units = match body.integer("units") {
            Field::Value(u) if (1..=MAX_UNITS_PER_SALE).contains(&u) => Some(u),
            Field::Value(_) => {
                body.error("units", format!("must be a whole number from 1 to {MAX_UNITS_PER_SALE}"));
                None
            }
            _ => {
                if body.error_count() == before {
                    body.error("units", "is required");
                }
                None
            }
        };
        let reason = match body.string("reason") {
            Field::Value(text) if text.chars().count() > MAX_REASON_LEN => {
                body.error("reason", format!("must be at most {MAX_REASON_LEN} characters"));
                None
            }
            Field::Value(text) if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) => {
                body.error("reason", "must not contain control characters other than line breaks and tabs");
                None
            }
            Field::Value(text) if text.trim().is_empty() => None,
            Field::Value(text) => Some(text),
            Field::Null | Field::Absent => None,
        };
        let restock = match body.boolean("restock") {
            Field::Value(b) => b,
            Field::Null | Field::Absent => true,
        };
        let returned_at = match body.string("returned_at") {
            Field::Absent | Field::Null => Some(now),
            Field::Value(text) => match time::parse_rfc3339(&text) {
                Some(at) if at > now + MAX_FUTURE_SKEW => {
                    body.error("returned_at", "is more than 5 minutes in the future");
                    None
                }
                Some(at) => Some(at),
                None => {
                    body.error("returned_at", "must be an RFC 3339 timestamp such as 2023-10-10T09:00:00Z");
                    None
                }
            },
        };
        body.finish()?;
        match (units, returned_at) {
            (Some(units), Some(returned_at)) => Ok(NewReturn { units, reason, restock, returned_at }),
            _ => Err(AppError::Internal("a return field was neither read nor reported".into())),
        }
    }
}

/// Whether a path value can be a sale id (a ULID as the API writes them: 26 characters of
/// Crockford's base 32, upper case). Anything else is a malformed path value (400).
pub fn is_sale_id(text: &str) -> bool {
    text.len() == 26 && text.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<NewReturn, AppError> {
        let now = time::parse_rfc3339("2024-01-01T12:00:00Z").unwrap();
        NewReturn::from_json(JsonObject::parse(json.as_bytes()).unwrap(), now)
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
        let r =
            parse(r#"{"units":1,"restock":false,"reason":"damaged","returned_at":"2023-05-01T00:00:00Z"}"#).unwrap();
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

    #[test]
    fn sale_ids_are_ulids() {
        assert!(is_sale_id("01HCJ7T2Q1ZQ8YJ3X2M5V6B7N8"));
        assert!(!is_sale_id("01hcj7t2q1zq8yj3x2m5v6b7n8"));
        assert!(!is_sale_id("1"));
    }
}
