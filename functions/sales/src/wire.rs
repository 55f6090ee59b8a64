//! The sales API's wire types. Request bodies: read (`api::wire::ValidJson`), documented
//! (`ToSchema`) and converted into their domain types by the same definitions (see
//! `products::wire`). Responses: built from the domain's values (`From`), serialized and
//! documented by the same definitions.

use api::wire::Page;
use api::wire::analytics::{ChangeView, GroupKeyView, TopRowView, TotalsView, last_sold_at};
use api::wire::{Field, FieldErrors, Flag, IntoDomain, MoneyView, Text, Whole};
use app::idempotency::StoredResponse;
use app::sales::SaleWithReturns;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use domain::aggregate::{Bucket, Grain};
use domain::analytics::Metric;
use domain::analytics::{ComparedTotals, GroupKind, RankedTotals, Summary, SummaryRow, parse_period_grain};
use domain::returns::{self, NewReturn, SaleReturn};
use domain::sales::{self, NewSale, Sale};
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

/// What a sale's times are checked against: the server clock and the store's opening.
pub struct SaleClock {
    pub now: DateTime<Utc>,
    pub opened: DateTime<Utc>,
}

/// `POST /sales`.
// The example sells a product the demo data has in stock (product 1 has a single unit), so that
// Swagger UI's "Try it out" and schemathesis's examples succeed on a fresh `make dev`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"product_id": 4, "units_sold": 2, "sold_at": "2023-10-08T12:48:25Z"}))]
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
    #[schema(value_type = Option<String>, max_length = 500, pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$")]
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

// ---- query values -------------------------------------------------------------------------

// Each reads its query parameter's text into the value the handler needs, with the words of a
// 400 (`ValidQuery` names the parameter), and documents the values it accepts.

/// A period grain of compare and top: `day`, `month` or `year`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodGrain(pub Grain);

impl<'de> Deserialize<'de> for PeriodGrain {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse_period_grain("period", &text).map(PeriodGrain).map_err(de::Error::custom)
    }
}

impl utoipa::PartialSchema for PeriodGrain {
    fn schema() -> RefOr<Schema> {
        text_enum("A period grain of compare and top.", ["day", "month", "year"])
    }
}

impl ToSchema for PeriodGrain {}

/// The grouping of a comparison: `total` (the default), `category` or `product`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompareBy(pub Option<GroupKind>);

impl<'de> Deserialize<'de> for CompareBy {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match String::deserialize(deserializer)?.as_str() {
            "total" => Ok(CompareBy(None)),
            "category" => Ok(CompareBy(Some(GroupKind::Category))),
            "product" => Ok(CompareBy(Some(GroupKind::Product))),
            _ => Err(de::Error::custom("must be total, category or product")),
        }
    }
}

impl utoipa::PartialSchema for CompareBy {
    fn schema() -> RefOr<Schema> {
        text_enum("The grouping of a comparison.", ["total", "category", "product"])
    }
}

impl ToSchema for CompareBy {}

/// What a ranking ranks: `product` or `category`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RankBy(pub GroupKind);

impl<'de> Deserialize<'de> for RankBy {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match String::deserialize(deserializer)?.as_str() {
            "product" => Ok(RankBy(GroupKind::Product)),
            "category" => Ok(RankBy(GroupKind::Category)),
            _ => Err(de::Error::custom("must be product or category")),
        }
    }
}

impl utoipa::PartialSchema for RankBy {
    fn schema() -> RefOr<Schema> {
        text_enum("What to rank.", ["product", "category"])
    }
}

impl ToSchema for RankBy {}

/// What a ranking ranks by: `revenue` (the default), `units` or `net_revenue`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RankMetric(pub Metric);

impl<'de> Deserialize<'de> for RankMetric {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Metric::parse(&text).map(RankMetric).ok_or_else(|| de::Error::custom("must be revenue, units or net_revenue"))
    }
}

impl utoipa::PartialSchema for RankMetric {
    fn schema() -> RefOr<Schema> {
        text_enum("What to rank by.", ["revenue", "units", "net_revenue"])
    }
}

impl ToSchema for RankMetric {}

/// A string schema of the listed values.
fn text_enum<const N: usize>(description: &str, values: [&str; N]) -> RefOr<Schema> {
    ObjectBuilder::new().schema_type(Type::String).description(Some(description)).enum_values(Some(values)).into()
}

// ---- responses ------------------------------------------------------------------------------

/// A sale as the API returns it, timestamps in UTC or the requested zone.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Sale, example = json!({"id": "01HCJ7T2Q1ZQ8YJ3X2M5V6B7N8", "product_id": 1,
    "category_name": "electronics", "units_sold": 2, "unit_price": "1999.99", "total_price": "3999.98",
    "sold_at": "2023-10-08T12:48:25Z"}))]
pub struct SaleView {
    pub id: String,
    pub product_id: i64,
    pub category_name: String,
    pub units_sold: i64,
    pub unit_price: MoneyView,
    pub total_price: MoneyView,
    #[schema(format = DateTime)]
    pub sold_at: String,
}

impl SaleView {
    /// Timestamps in UTC, or in `tz` when given.
    pub fn new(sale: &Sale, tz: Option<Tz>) -> Self {
        SaleView {
            id: sale.id.clone(),
            product_id: sale.product_id,
            category_name: sale.category_name.clone(),
            units_sold: sale.units_sold,
            unit_price: sale.unit_price.into(),
            total_price: sale.total_price.into(),
            sold_at: app::time::to_api(sale.sold_at, tz),
        }
    }
}

/// In UTC.
impl From<&Sale> for SaleView {
    fn from(sale: &Sale) -> Self {
        SaleView::new(sale, None)
    }
}

/// The `201` response of `POST /sales`, as kept under an idempotency key and replayed.
pub fn sale_created(sale: &Sale) -> Result<StoredResponse, app::Error> {
    api::error::created(&SaleView::from(sale))
}

/// A return as the API returns it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Return, example = json!({"id": "01HCJ9A1B2C3D4E5F6G7H8J9K0", "sale_id": "01HCJ7T2Q1ZQ8YJ3X2M5V6B7N8",
    "product_id": 1, "category_name": "electronics", "units": 1, "refund": "1999.99", "reason": "damaged",
    "restocked": true, "returned_at": "2023-10-10T09:00:00Z"}))]
pub struct ReturnView {
    pub id: String,
    pub sale_id: String,
    pub product_id: i64,
    pub category_name: String,
    pub units: i64,
    pub refund: MoneyView,
    #[schema(required = true)]
    pub reason: Option<String>,
    pub restocked: bool,
    #[schema(format = DateTime)]
    pub returned_at: String,
}

impl ReturnView {
    /// Timestamps in UTC, or in `tz` when given.
    pub fn new(returned: &SaleReturn, tz: Option<Tz>) -> Self {
        ReturnView {
            id: returned.id.clone(),
            sale_id: returned.sale_id.clone(),
            product_id: returned.product_id,
            category_name: returned.category_name.clone(),
            units: returned.units,
            refund: returned.refund.into(),
            reason: returned.reason.clone(),
            restocked: returned.restocked,
            returned_at: app::time::to_api(returned.returned_at, tz),
        }
    }
}

/// In UTC.
impl From<&SaleReturn> for ReturnView {
    fn from(returned: &SaleReturn) -> Self {
        ReturnView::new(returned, None)
    }
}

/// The `201` response of `POST /sales/{id}/returns`, as kept under an idempotency key and
/// replayed.
pub fn return_created(returned: &SaleReturn) -> Result<StoredResponse, app::Error> {
    api::error::created(&ReturnView::from(returned))
}

/// A sale with the units returned so far (`GET /sales/{id}`, and the sales `GET /sales` lists
/// with `has_returns`).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = SaleWithReturns, example = json!({"id": "01HCJ7T2Q1ZQ8YJ3X2M5V6B7N8", "product_id": 1,
    "category_name": "electronics", "units_sold": 2, "unit_price": "1999.99", "total_price": "3999.98",
    "sold_at": "2023-10-08T12:48:25Z", "units_returned": 1}))]
pub struct SaleWithReturnsView {
    #[serde(flatten)]
    pub sale: SaleView,
    pub units_returned: i64,
}

impl SaleWithReturnsView {
    /// Timestamps in UTC, or in `tz` when given.
    pub fn new(found: &SaleWithReturns, tz: Option<Tz>) -> Self {
        SaleWithReturnsView { sale: SaleView::new(&found.sale, tz), units_returned: found.units_returned }
    }
}

/// A page of `GET /sales`: the sales, or, filtered by `has_returns`, each with its units
/// returned. Either serializes as the page it holds.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum SalesPage {
    Sales(Page<SaleView>),
    WithReturns(Page<SaleWithReturnsView>),
}

/// One row of a summary: its grouping keys and its totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = SummaryRow)]
pub struct SummaryRowView {
    #[serde(flatten)]
    pub key: GroupKeyView,
    /// With period groupings: `2023-10-08T13`, `2023-10-08`, `2023-10` or `2023`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub period: Option<String>,
    #[serde(flatten)]
    pub totals: TotalsView,
    /// Null in a period with returns and no sales.
    #[schema(required = true, format = DateTime)]
    pub last_sold_at: Option<String>,
}

impl From<&SummaryRow> for SummaryRowView {
    fn from(row: &SummaryRow) -> Self {
        SummaryRowView {
            key: GroupKeyView { product_id: row.product_id, category_name: row.category_name.clone() },
            period: row.period.clone(),
            totals: (&row.totals).into(),
            last_sold_at: last_sold_at(&row.totals),
        }
    }
}

/// `GET /sales/summary`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = Summary, example = json!({
    "group_by": "year", "from": null, "to": null, "timezone": "UTC",
    "rows": [{"period": "2022", "total_units_sold": 19, "total_revenue": "28500.00", "sales_count": 9,
              "total_units_returned": 1, "total_refunded": "1500.00", "returns_count": 1,
              "net_revenue": "27000.00", "last_sold_at": "2022-12-18T11:00:00Z"}]
}))]
pub struct SummaryView {
    /// The grouping, in its canonical spelling (`product-day` for `product_id-date`).
    pub group_by: String,
    /// The request's `from` as given (a date or an RFC 3339 time); null when not given.
    #[schema(required = true)]
    pub from: Option<String>,
    /// The request's `to` as given; null when not given.
    #[schema(required = true)]
    pub to: Option<String>,
    pub timezone: String,
    pub rows: Vec<SummaryRowView>,
}

impl From<&Summary> for SummaryView {
    fn from(summary: &Summary) -> Self {
        SummaryView {
            group_by: summary.group_by.clone(),
            from: summary.from.clone(),
            to: summary.to.clone(),
            timezone: summary.timezone.clone(),
            rows: summary.rows.iter().map(SummaryRowView::from).collect(),
        }
    }
}

/// One row of a comparison.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = CompareRow)]
pub struct CompareRowView {
    #[serde(flatten)]
    pub key: GroupKeyView,
    #[serde(flatten)]
    pub change: ChangeView,
}

impl From<&ComparedTotals> for CompareRowView {
    fn from(row: &ComparedTotals) -> Self {
        CompareRowView { key: row.key.as_ref().into(), change: ChangeView::new(&row.current, &row.previous) }
    }
}

/// `GET /sales/compare`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = Comparison)]
pub struct ComparisonView {
    /// `day`, `month` or `year`.
    pub period: &'static str,
    pub current: String,
    pub previous: String,
    /// `total`, `category` or `product`.
    pub by: &'static str,
    pub rows: Vec<CompareRowView>,
}

impl ComparisonView {
    pub fn new(current: &Bucket, previous: &Bucket, by: Option<GroupKind>, rows: &[ComparedTotals]) -> Self {
        ComparisonView {
            period: current.grain.name(),
            current: current.period.clone(),
            previous: previous.period.clone(),
            by: by.map_or("total", group_kind_name),
            rows: rows.iter().map(CompareRowView::from).collect(),
        }
    }
}

/// `GET /sales/top`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = Ranking)]
pub struct RankingView {
    /// `product` or `category`.
    pub by: &'static str,
    /// `day`, `month` or `year`.
    pub period: &'static str,
    pub at: String,
    /// `revenue`, `units` or `net_revenue`.
    pub metric: &'static str,
    pub rows: Vec<TopRowView>,
}

impl RankingView {
    pub fn new(kind: GroupKind, at: &Bucket, metric: Metric, rows: &[RankedTotals]) -> Self {
        RankingView {
            by: group_kind_name(kind),
            period: at.grain.name(),
            at: at.period.clone(),
            metric: metric.name(),
            rows: rows.iter().map(TopRowView::from).collect(),
        }
    }
}

/// A grouping's name as the queries write it.
fn group_kind_name(kind: GroupKind) -> &'static str {
    match kind {
        GroupKind::Product => "product",
        GroupKind::Category => "category",
    }
}

#[cfg(test)]
mod tests {
    use api::error::AppError;
    use api::wire::ValidJson;
    use app::time;

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
            // A leap second would be counted in its day and listed in none (domain::time).
            assert_eq!(fields(r#"{"product_id":1,"units_sold":1,"sold_at":"2016-12-31T23:59:60Z"}"#), ["sold_at"]);
            assert_eq!(fields(r#"{"product_id":1,"units_sold":1,"sold_at":"2023-06-15T12:30:60Z"}"#), ["sold_at"]);
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
            assert_eq!(fields(r"{}"), ["units"]);
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

/// The responses serialize to the contract's JSON.
#[cfg(test)]
mod response_tests {
    use super::*;
    use domain::aggregate::Totals;
    use domain::analytics::GroupKey;

    fn totals() -> Totals {
        Totals {
            units: 3,
            revenue_minor: 300_000,
            sales_count: 2,
            last_sold_at: app::time::parse_rfc3339("2023-10-08T13:05:00Z"),
            units_returned: 1,
            refunded_minor: 100_000,
            returns_count: 1,
        }
    }

    #[test]
    fn a_summary_row_is_its_keys_then_its_totals() {
        let row =
            SummaryRow { product_id: Some(4), category_name: None, period: Some("2023-10".into()), totals: totals() };
        assert_eq!(
            serde_json::to_string(&SummaryRowView::from(&row)).unwrap(),
            r#"{"product_id":4,"period":"2023-10","total_units_sold":3,"total_revenue":"3000.00","sales_count":2,"total_units_returned":1,"total_refunded":"1000.00","returns_count":1,"net_revenue":"2000.00","last_sold_at":"2023-10-08T13:05:00Z"}"#
        );
        let returns_only = SummaryRow {
            product_id: None,
            category_name: Some("toys".into()),
            period: None,
            totals: Totals { units_returned: 1, refunded_minor: 5, returns_count: 1, ..Totals::default() },
        };
        let json = serde_json::to_value(SummaryRowView::from(&returns_only)).unwrap();
        assert_eq!((json["last_sold_at"].is_null(), json["net_revenue"].as_str()), (true, Some("-0.05")));
        assert!(json.get("product_id").is_none() && json.get("period").is_none());
    }

    #[test]
    fn a_summary_keeps_the_contract_members_in_order() {
        let summary = Summary {
            group_by: "total".into(),
            from: Some("2023-10-01".into()),
            to: None,
            timezone: "UTC".into(),
            rows: Vec::new(),
            items_read: 7,
        };
        assert_eq!(
            serde_json::to_string(&SummaryView::from(&summary)).unwrap(),
            r#"{"group_by":"total","from":"2023-10-01","to":null,"timezone":"UTC","rows":[]}"#
        );
    }

    #[test]
    fn a_comparison_row_has_its_key_and_the_change() {
        let row = ComparedTotals { key: Some(GroupKey::Product(9)), current: totals(), previous: Totals::default() };
        let json = serde_json::to_value(CompareRowView::from(&row)).unwrap();
        assert_eq!(json["product_id"], 9);
        assert!(json.get("category_name").is_none());
        assert_eq!(
            (json["change"]["total_revenue"].as_str(), json["revenue_change_pct"].is_null()),
            (Some("3000.00"), true)
        );
        let total = ComparedTotals { key: None, current: totals(), previous: totals() };
        let json = serde_json::to_value(CompareRowView::from(&total)).unwrap();
        assert_eq!(
            json.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["change", "current", "previous", "revenue_change_pct"]
        );
        assert_eq!(json["revenue_change_pct"], 0.0);
    }

    #[test]
    fn a_comparison_and_a_ranking_say_what_was_asked() {
        let (current, previous) = (
            Bucket::parse(domain::aggregate::Grain::Month, "2023-10").unwrap(),
            Bucket::parse(domain::aggregate::Grain::Month, "2023-09").unwrap(),
        );
        let json = serde_json::to_string(&ComparisonView::new(&current, &previous, None, &[])).unwrap();
        assert_eq!(json, r#"{"period":"month","current":"2023-10","previous":"2023-09","by":"total","rows":[]}"#);
        let json = serde_json::to_string(&RankingView::new(GroupKind::Category, &current, Metric::Units, &[])).unwrap();
        assert_eq!(json, r#"{"by":"category","period":"month","at":"2023-10","metric":"units","rows":[]}"#);
    }

    #[test]
    fn query_values_read_their_words_or_say_what_they_accept() {
        fn read<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
            serde_json::from_value(serde_json::Value::String(text.into())).map_err(|e| e.to_string())
        }
        assert_eq!(read::<PeriodGrain>("month"), Ok(PeriodGrain(Grain::Month)));
        assert_eq!(read::<PeriodGrain>("hour"), Err("must be day, month or year".into()));
        assert_eq!(read::<CompareBy>("total"), Ok(CompareBy(None)));
        assert_eq!(read::<CompareBy>("product"), Ok(CompareBy(Some(GroupKind::Product))));
        assert_eq!(read::<CompareBy>("store"), Err("must be total, category or product".into()));
        assert_eq!(read::<RankBy>("category"), Ok(RankBy(GroupKind::Category)));
        assert_eq!(read::<RankBy>("total"), Err("must be product or category".into()));
        assert_eq!(read::<RankMetric>("net_revenue"), Ok(RankMetric(Metric::NetRevenue)));
        assert_eq!(read::<RankMetric>("profit"), Err("must be revenue, units or net_revenue".into()));
    }

    fn sale() -> Sale {
        Sale {
            id: "01HCJ7T2Q1ZQ8YJ3X2M5V6B7N8".into(),
            product_id: 7,
            category_name: "home".into(),
            units_sold: 3,
            unit_price: domain::money::Money::from_minor(1999),
            total_price: domain::money::Money::from_minor(5997),
            sold_at: app::time::parse_rfc3339("2023-10-08T12:00:00Z").unwrap(),
        }
    }

    #[test]
    fn a_sale_and_its_returns_have_the_contract_members() {
        let sale = sale();
        assert_eq!(
            serde_json::to_string(&SaleView::from(&sale)).unwrap(),
            r#"{"id":"01HCJ7T2Q1ZQ8YJ3X2M5V6B7N8","product_id":7,"category_name":"home","units_sold":3,"unit_price":"19.99","total_price":"59.97","sold_at":"2023-10-08T12:00:00Z"}"#
        );
        let karachi = Some(chrono_tz::Asia::Karachi);
        assert_eq!(SaleView::new(&sale, karachi).sold_at, "2023-10-08T17:00:00+05:00");
        let found = SaleWithReturns { sale: sale.clone(), units_returned: 1 };
        let json = serde_json::to_string(&SaleWithReturnsView::new(&found, None)).unwrap();
        assert!(json.ends_with(r#""sold_at":"2023-10-08T12:00:00Z","units_returned":1}"#), "{json}");
        let returned = SaleReturn {
            id: "01HCJ9A1B2C3D4E5F6G7H8J9K0".into(),
            sale_id: sale.id.clone(),
            product_id: 7,
            category_name: "home".into(),
            units: 1,
            refund: domain::money::Money::from_minor(1999),
            reason: None,
            restocked: true,
            returned_at: app::time::parse_rfc3339("2023-10-09T00:00:00Z").unwrap(),
        };
        assert_eq!(
            serde_json::to_string(&ReturnView::from(&returned)).unwrap(),
            r#"{"id":"01HCJ9A1B2C3D4E5F6G7H8J9K0","sale_id":"01HCJ7T2Q1ZQ8YJ3X2M5V6B7N8","product_id":7,"category_name":"home","units":1,"refund":"19.99","reason":null,"restocked":true,"returned_at":"2023-10-09T00:00:00Z"}"#
        );
        let page = SalesPage::Sales(Page { items: Vec::new(), next_cursor: None });
        assert_eq!(serde_json::to_string(&page).unwrap(), r#"{"items":[],"next_cursor":null}"#);
    }

    #[test]
    fn the_kept_response_of_a_sale_is_its_201_view() {
        let sale = sale();
        let kept = sale_created(&sale).unwrap();
        assert_eq!(kept.status, 201);
        assert_eq!(kept.body, serde_json::to_value(SaleView::from(&sale)).unwrap());
    }
}
