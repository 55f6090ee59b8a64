//! The OpenAPI 3.1 description of the API, generated from the code with utoipa.
//!
//! Operations are documented where they are implemented: each handler carries a
//! `#[utoipa::path]` and is registered with `utoipa_axum::routes!`, which adds the route and its
//! documentation together. This module holds what the handlers share: the wire shapes that have
//! no Rust type of their own (request bodies are read member by member, see `input`; analytics
//! responses are built as JSON), the problem document, the common error responses, the query
//! parameters of lists, and the document's header.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::{Modify, OpenApi, ToResponse, ToSchema};

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Type};

use crate::domain::LedgerReason;
use crate::error::{FieldError, Problem};
use crate::money::Money;
use crate::wire::{CategoryName, MoneyInput, TimeBound};


/// The first part of the document: title, description, security, shared components. Each
/// function's routes add their paths to it.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "E-commerce admin API",
        description = "Catalogue, stock, sales and sales analytics of one store.\n\n\
            Money is exact: requests accept a JSON number or a decimal string with at most two \
            decimals; responses carry a decimal string with exactly two (`\"2000.00\"`). \
            Timestamps are RFC 3339, UTC unless `tz` is given. Errors are \
            `application/problem+json` (RFC 9457). In AWS every request needs a JWT of the \
            store's identity provider (group `admin` for changes, `admin` or `analyst` for reads); \
            the local runner does not check it unless `AUTH_MODE=local-jwt`.",
        license(name = "MIT", identifier = "MIT")
    ),
    paths(crate::http::health, openapi_json),
    components(
        schemas(Problem, FieldError, Money, MoneyInput, CategoryName, TimeBound, LedgerReason),
        responses(BadRequest, NotFound, Conflict, PayloadTooLarge, Unprocessable, Unauthorized, Forbidden)
    ),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags(
        (name = "categories", description = "Product categories"),
        (name = "products", description = "Products and their stock"),
        (name = "inventory", description = "The stock ledger and low-stock alerts"),
        (name = "sales", description = "Recording and listing sales"),
        (name = "analytics", description = "Summaries, comparisons and rankings from pre-aggregated counters"),
        (name = "reports", description = "Daily reports written by the schedule"),
        (name = "service", description = "Health and this document")
    )
)]
pub struct ApiHeader;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("A JWT of the store's identity provider (API Gateway JWT authorizer)."))
                    .build(),
            ),
        );
    }
}

/// The whole document: the header plus every function's paths, and the error responses every
/// operation shares, added here once rather than repeated on each: 400 (a query or path value
/// that cannot be read), 413 on operations with a body, 401 and 403 (credentials, in AWS).
pub fn document(parts: impl IntoIterator<Item = utoipa::openapi::OpenApi>) -> utoipa::openapi::OpenApi {
    let mut doc = ApiHeader::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    for part in parts {
        doc.merge(part);
    }
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
            &mut item.head,
            &mut item.options,
            &mut item.trace,
        ];
        for op in operations.into_iter().flatten() {
            let public = SecurityRequirement::default();
            if op.security.as_ref().is_some_and(|s| s.iter().all(|r| *r == public)) {
                continue; // the service's own public paths read no input
            }
            let mut shared = vec![("400", "BadRequest"), ("401", "Unauthorized"), ("403", "Forbidden")];
            if op.request_body.is_some() {
                shared.push(("413", "PayloadTooLarge"));
            }
            for (status, name) in shared {
                op.responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| RefOr::Ref(utoipa::openapi::Ref::from_response_name(name)));
            }
        }
    }
    doc
}

// ---- shared shapes --------------------------------------------------------------------------

/// Declares the reusable problem responses: each a problem+json body with a description.
macro_rules! problem_responses {
    ($($(#[$doc:meta])* $name:ident => $description:expr;)+) => {$(
        $(#[$doc])*
        #[derive(ToResponse)]
        #[response(description = $description, content_type = "application/problem+json")]
        pub struct $name(pub Problem);
    )+};
}

problem_responses! {
    /// 400: the request could not be read.
    BadRequest => "Malformed request: JSON, query parameter or path value";
    /// 401: the request carries no valid credentials (AWS only).
    Unauthorized => "No valid credentials. A token API Gateway's authorizer rejects is answered by API Gateway \
                     itself: `{\"message\":\"Unauthorized\"}` as application/json.";
    /// 403: the credentials lack the needed group (AWS only).
    Forbidden => "Credentials lack the needed group";
    /// 404: the resource does not exist.
    NotFound => "No such resource";
    /// 409: the request conflicts with the current state.
    Conflict => "Conflict with the current state";
    /// 413: body over 64 KiB.
    PayloadTooLarge => "Body over 64 KiB";
    /// 422: well-formed input that breaks a rule.
    Unprocessable => "Valid JSON that breaks a rule";
}

// ---- request bodies -------------------------------------------------------------------------

// ---- responses without a Rust type of their own ---------------------------------------------

/// A sale with the units returned so far.
#[derive(ToSchema)]
#[schema(example = json!({"id": "01HCJ7T2Q1ZQ8YJ3X2M5V6B7N8", "product_id": 1, "category_name": "electronics",
    "units_sold": 2, "unit_price": "1999.99", "total_price": "3999.98", "sold_at": "2023-10-08T12:48:25Z",
    "units_returned": 1}))]
pub struct SaleWithReturns {
    pub id: String,
    pub product_id: i64,
    pub category_name: String,
    pub units_sold: i64,
    pub unit_price: Money,
    pub total_price: Money,
    #[schema(format = DateTime)]
    pub sold_at: String,
    pub units_returned: i64,
}

/// Totals of a group of sales, and of the returns made in the same period.
#[derive(ToSchema)]
pub struct Totals {
    pub total_units_sold: i64,
    pub total_revenue: Money,
    pub sales_count: i64,
    pub total_units_returned: i64,
    pub total_refunded: Money,
    pub returns_count: i64,
    /// `total_revenue` minus `total_refunded`.
    pub net_revenue: Money,
}

/// One row of a summary: its grouping keys and its totals.
#[derive(ToSchema)]
pub struct SummaryRow {
    /// With `product` groupings.
    pub product_id: Option<i64>,
    /// With `category` groupings.
    pub category_name: Option<String>,
    /// With period groupings: `2023-10-08T13`, `2023-10-08`, `2023-10` or `2023`.
    pub period: Option<String>,
    pub total_units_sold: i64,
    pub total_revenue: Money,
    pub sales_count: i64,
    pub total_units_returned: i64,
    pub total_refunded: Money,
    pub returns_count: i64,
    /// `total_revenue` minus `total_refunded`.
    pub net_revenue: Money,
    /// Null in a period with returns and no sales.
    #[schema(required = true, format = DateTime)]
    pub last_sold_at: Option<String>,
}

/// `GET /sales/summary`.
#[derive(ToSchema)]
#[schema(example = json!({
    "group_by": "year", "from": null, "to": null, "timezone": "UTC",
    "rows": [{"period": "2022", "total_units_sold": 19, "total_revenue": "28500.00", "sales_count": 9,
              "total_units_returned": 1, "total_refunded": "1500.00", "returns_count": 1,
              "net_revenue": "27000.00", "last_sold_at": "2022-12-18T11:00:00Z"}]
}))]
pub struct Summary {
    /// The grouping, in its canonical spelling (`product-day` for `product_id-date`).
    pub group_by: String,
    /// The request's `from` as given (a date or an RFC 3339 time); null when not given.
    #[schema(required = true)]
    pub from: Option<String>,
    /// The request's `to` as given; null when not given.
    #[schema(required = true)]
    pub to: Option<String>,
    pub timezone: String,
    pub rows: Vec<SummaryRow>,
}

/// One row of a comparison.
#[derive(ToSchema)]
pub struct CompareRow {
    /// With `by=product`.
    pub product_id: Option<i64>,
    /// With `by=category`.
    pub category_name: Option<String>,
    pub current: Totals,
    pub previous: Totals,
    /// Current minus previous.
    pub change: Totals,
    /// (current - previous) / previous revenue, in percent with one decimal; null when the
    /// previous revenue is 0.
    #[schema(required = true)]
    pub revenue_change_pct: Option<f64>,
}

/// `GET /sales/compare`.
#[derive(ToSchema)]
pub struct Comparison {
    pub period: String,
    pub current: String,
    pub previous: String,
    pub by: String,
    pub rows: Vec<CompareRow>,
}

/// One row of a ranking.
#[derive(ToSchema)]
pub struct TopRow {
    #[schema(minimum = 1)]
    pub rank: i64,
    /// With `by=product`.
    pub product_id: Option<i64>,
    /// With `by=category`.
    pub category_name: Option<String>,
    pub total_units_sold: i64,
    pub total_revenue: Money,
    pub sales_count: i64,
    pub total_units_returned: i64,
    pub total_refunded: Money,
    pub returns_count: i64,
    /// `total_revenue` minus `total_refunded`.
    pub net_revenue: Money,
}

/// `GET /sales/top`.
#[derive(ToSchema)]
pub struct Ranking {
    pub by: String,
    pub period: String,
    pub at: String,
    pub metric: String,
    pub rows: Vec<TopRow>,
}

/// A product in a report's low-stock list.
#[derive(ToSchema)]
pub struct LowStockLine {
    pub id: i64,
    pub name: String,
    pub category_name: String,
    pub current_inventory: i64,
    pub low_stock_alert_threshold: i64,
}

/// A day's totals against another day's.
#[derive(ToSchema)]
pub struct DayComparison {
    pub previous_date: String,
    pub current: Totals,
    pub previous: Totals,
    pub change: Totals,
    #[schema(required = true)]
    pub revenue_change_pct: Option<f64>,
}

/// Totals of one category.
#[derive(ToSchema)]
pub struct CategoryTotals {
    pub category_name: String,
    pub total_units_sold: i64,
    pub total_revenue: Money,
    pub sales_count: i64,
    pub total_units_returned: i64,
    pub total_refunded: Money,
    pub returns_count: i64,
    /// `total_revenue` minus `total_refunded`.
    pub net_revenue: Money,
}

/// The day's totals.
#[derive(ToSchema)]
pub struct DayTotals {
    pub total_units_sold: i64,
    pub total_revenue: Money,
    pub sales_count: i64,
    pub total_units_returned: i64,
    pub total_refunded: Money,
    pub returns_count: i64,
    /// `total_revenue` minus `total_refunded`.
    pub net_revenue: Money,
    /// Null in a period with returns and no sales.
    #[schema(required = true, format = DateTime)]
    pub last_sold_at: Option<String>,
}

/// The report of one store-timezone day.
#[derive(ToSchema)]
pub struct DailyReport {
    /// `2023-10-08`.
    #[schema(format = Date)]
    pub date: String,
    pub timezone: String,
    #[schema(format = DateTime)]
    pub generated_at: String,
    pub totals: DayTotals,
    pub by_category: Vec<CategoryTotals>,
    /// The 5 best products of the day by revenue.
    pub top_products: Vec<TopRow>,
    pub low_stock: Vec<LowStockLine>,
    pub change_vs_previous_day: DayComparison,
    pub change_vs_same_weekday_last_week: DayComparison,
}

// ---- query parameters -----------------------------------------------------------------------

// Parameters are documented as the handlers read them: optional ones carry `#[serde(default)]`
// (not required, and never `null`: a query string has no null).

/// An IANA time zone name: the zones this build knows, listed so clients can offer them.
pub fn time_zone_schema() -> utoipa::openapi::schema::Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        // utoipa drops a parameter's doc comment when its schema is `schema_with`: say it here.
        .description(Some("An IANA zone for the dates and for the returned timestamps, such as `Asia/Karachi`."))
        .enum_values(Some(chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name())))
        .examples(["Asia/Karachi"])
        .build()
}

/// `GET /openapi.json`: documented here because the Swagger UI router serves it.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "service",
    security(()),
    responses((status = 200, description = "This document (OpenAPI 3.1)", content_type = "application/json"))
)]
pub fn openapi_json() {}
