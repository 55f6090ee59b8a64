//! The sales API: recording sales exactly once and listing them.
//! Handlers are thin: read the request, call the store, shape the response.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono_tz::Tz;
use shared::app::analytics::{self, History, SummaryQuery};
use shared::app::sales::{record_return_once, record_sale_once};
use shared::domain::aggregate::Grain;
use shared::domain::analytics::{GroupBy, GroupKind, parse_period, parse_period_grain};
use shared::domain::{ReturnView as Return, SaleView as Sale, is_sale_id, is_valid_category_name, parse_product_id};
use shared::error::AppError;
use shared::http::{AppState, PathParam, Query, ok};
use shared::openapi::{BadRequest, Comparison, Conflict, PageParams, Ranking, SaleWithReturns, Unprocessable};
use shared::store::catalogue::Page;
use shared::store::counters::Metric as RankMetric;
use shared::store::sales::{IdempotencyKey, SalesFilter, StoredResponse};
use shared::store::{Missing, StoreError};
use shared::time;
use shared::wire::ValidJson;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub mod wire;

use wire::{NewReturnBody, NewSaleBody, SaleClock};

/// The sales routes and their documentation, without fallbacks (see `shared::http::finish`).
/// Every route is registered with `routes!`, so none exists without its documentation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(record_sale, list_sales))
        .routes(routes!(get_sale))
        .routes(routes!(record_return, list_returns))
        .routes(routes!(summary))
        .routes(routes!(compare))
        .routes(routes!(top))
}

/// The sales routes with their state, as the Lambda serves them.
pub fn router(state: AppState) -> axum::Router {
    routes().with_state(state).into()
}

pub const IDEMPOTENCY_KEY_HEADER: &str = "idempotency-key";

/// Records a sale: the sale, the stock decrement and the `sale` ledger entry in one conditional
/// transaction, at the product's current price and category.
#[utoipa::path(
    post, path = "/sales", tag = "sales",
    params(
        ("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = r"^[!-~]+$",
         description = "Retries with the same key and body return the first response and record nothing new"),
    ),
    request_body = NewSaleBody,
    responses(
        (status = 201, description = "Recorded (or the replay of the first response for this key)", body = Sale),
        (status = 400, response = BadRequest),
        (status = 404, response = shared::openapi::NotFound),
        (status = 409, response = Conflict),
        (status = 422, response = Unprocessable),
    )
)]
async fn record_sale(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: ValidJson<NewSaleBody>,
) -> Result<Response, AppError> {
    let key = idempotency_key(&headers)?;
    let fingerprint = body.fingerprint().to_owned();
    let now = time::now();
    let opened = shared::time::start_of_day(state.config.store_opened, state.config.store_timezone);
    let new = body.into_domain(SaleClock { now, opened })?;
    let idempotency = key.map(|key| IdempotencyKey { key, fingerprint });
    let response = record_sale_once(&state.store, &new, idempotency.as_ref(), now).await?;
    Ok(stored_response(response))
}

/// `Idempotency-Key`: 1 to 255 visible ASCII characters.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, AppError> {
    let Some(value) = headers.get(IDEMPOTENCY_KEY_HEADER) else { return Ok(None) };
    match value.to_str() {
        Ok(key) if !key.is_empty() && key.len() <= 255 && key.bytes().all(|b| b.is_ascii_graphic()) => {
            Ok(Some(key.to_owned()))
        }
        _ => Err(AppError::bad_field("Idempotency-Key", "must be 1 to 255 visible ASCII characters")),
    }
}

fn stored_response(response: StoredResponse) -> Response {
    let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut http = (status, response.body.to_string()).into_response();
    let content_type = if status.is_success() { "application/json" } else { "application/problem+json" };
    http.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    http
}

/// Filters of the sales list and of summaries.
#[derive(serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documentation only: the handlers read the query themselves
struct SalesFilterParams {
    /// Only this product's sales (summaries: not together with `category_name`).
    #[serde(default)]
    #[param(minimum = 1)]
    product_id: i64,
    /// Only sales of this category (its category at the moment of sale).
    #[serde(default)]
    #[param(pattern = "^[a-z0-9][a-z0-9_-]{0,39}$")]
    category_name: String,
    /// From this date (`YYYY-MM-DD`, inclusive, in `tz` or the store's zone) or RFC 3339 time
    /// (summaries resolve it to the hour).
    #[serde(default)]
    #[param(
        pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([Tt ]([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))?$"
    )]
    from: String,
    /// Up to this date (inclusive) or RFC 3339 time; not before `from`.
    #[serde(default)]
    #[param(
        pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([Tt ]([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))?$"
    )]
    to: String,
}

/// The time zone of a sales list.
#[derive(serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documentation only
struct TimeZoneParam {
    /// An IANA zone for the dates and for the returned timestamps, such as `Asia/Karachi`.
    #[serde(default)]
    #[param(schema_with = shared::openapi::time_zone_schema)]
    tz: String,
}

/// Whether the listed sales have returns.
#[derive(serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documentation only
struct HasReturnsParam {
    /// `true`: only sales with at least one return; `false`: only sales without. Each listed
    /// sale then carries `units_returned`. A page may hold fewer than `limit` sales while
    /// `next_cursor` says there are more.
    #[serde(default)]
    has_returns: Option<bool>,
}

/// Lists sales, newest first: by product, by category or all, in a time range.
#[utoipa::path(
    get, path = "/sales", tag = "sales",
    params(SalesFilterParams, TimeZoneParam, HasReturnsParam, PageParams),
    responses((status = 200, description = "A page of sales", body = Page<Sale>), (status = 400, response = BadRequest))
)]
async fn list_sales(State(state): State<AppState>, Query(mut q): Query) -> Result<Response, AppError> {
    let product_id = q
        .get("product_id")
        .map(|p| parse_product_id(&p).map_err(|_| AppError::bad_field("product_id", "must be a positive integer")))
        .transpose()?;
    let category_name = q.get("category_name").map(|c| {
        if is_valid_category_name(&c) {
            Ok(c)
        } else {
            Err(AppError::bad_field("category_name", "must match ^[a-z0-9][a-z0-9_-]{0,39}$"))
        }
    });
    let category_name = category_name.transpose()?;
    let tz = q
        .get("tz")
        .map(|t| {
            t.parse::<Tz>().map_err(|_| AppError::bad_field("tz", "must be an IANA time zone such as Asia/Karachi"))
        })
        .transpose()?;
    let bound_zone = tz.unwrap_or(state.config.store_timezone);
    let bound =
        |name: &str, text: Option<String>, end: bool| -> Result<Option<chrono::DateTime<chrono::Utc>>, AppError> {
            text.map(|t| {
                time::parse_bound(&t, bound_zone, end)
                    .ok_or_else(|| AppError::bad_field(name, "must be a date (YYYY-MM-DD) or an RFC 3339 time"))
            })
            .transpose()
        };
    let from = bound("from", q.get("from"), false)?;
    let to = bound("to", q.get("to"), true)?;
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err(AppError::bad_field("from", "must not be after to"));
    }
    let has_returns = match q.get("has_returns").as_deref() {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => return Err(AppError::bad_field("has_returns", "must be true or false")),
    };
    let limit = q.limit()?;
    let cursor = q.get("cursor");
    q.finish()?;
    let filter = SalesFilter { product_id, category_name, from, to };
    if let Some(has_returns) = has_returns {
        let page = state.store.list_sales_by_returns(&filter, has_returns, limit, cursor.as_deref()).await?;
        let views: Vec<_> = page.items.iter().map(|s| s.to_json(tz)).collect();
        return Ok(ok(&Page { items: views, next_cursor: page.next_cursor }));
    }
    let page = state.store.list_sales(&filter, limit, cursor.as_deref()).await?;
    let views: Vec<_> = page.items.iter().map(|s| s.view(tz)).collect();
    Ok(ok(&Page { items: views, next_cursor: page.next_cursor }))
}

fn product_filter(q: &mut shared::input::QueryParams) -> Result<Option<i64>, AppError> {
    q.get("product_id")
        .map(|p| parse_product_id(&p).map_err(|_| AppError::bad_field("product_id", "must be a positive integer")))
        .transpose()
}

fn category_filter(q: &mut shared::input::QueryParams) -> Result<Option<String>, AppError> {
    q.get("category_name")
        .map(|c| {
            if is_valid_category_name(&c) {
                Ok(c)
            } else {
                Err(AppError::bad_field("category_name", "must match ^[a-z0-9][a-z0-9_-]{0,39}$"))
            }
        })
        .transpose()
}

/// The grouping of a summary.
#[derive(serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documentation only
struct GroupByParam {
    /// `total` (default), `hour`, `day`, `month`, `year`, `product`, `category`, or
    /// `product-<period>` / `category-<period>`; `product_id-*` and `*-date` are aliases.
    #[serde(default)]
    #[param(
        pattern = "^(total|hour|day|date|month|year|product|product_id|category|(product|product_id|category)-(hour|day|date|month|year))$"
    )]
    group_by: String,
}

/// Totals grouped by product, category and/or period, read from the pre-aggregated counters:
/// the cost depends on the rows asked for, never on the number of sales. Bounds are clamped to
/// the years with sales; a grouping over more than 100000 periods is 400, as is `product_id`
/// with `category_name`.
#[utoipa::path(
    get, path = "/sales/summary", tag = "analytics",
    params(GroupByParam, SalesFilterParams),
    responses((status = 200, body = shared::openapi::Summary), (status = 400, response = BadRequest))
)]
async fn summary(State(state): State<AppState>, Query(mut q): Query) -> Result<Response, AppError> {
    let tz = state.config.store_timezone;
    let group_by = match q.get("group_by") {
        None => GroupBy { kind: None, period: None },
        Some(text) => GroupBy::parse(&text).ok_or_else(|| {
            AppError::bad_field(
                "group_by",
                "must be total, hour, day, month, year, product, category, or product-<period> / category-<period>",
            )
        })?,
    };
    let product_id = product_filter(&mut q)?;
    let category_name = category_filter(&mut q)?;
    let from_text = q.get("from");
    let to_text = q.get("to");
    let bound = |name: &str, text: &Option<String>, end: bool| {
        text.as_deref()
            .map(|t| {
                time::parse_bound(t, tz, end)
                    .ok_or_else(|| AppError::bad_field(name, "must be a date (YYYY-MM-DD) or an RFC 3339 time"))
            })
            .transpose()
    };
    let from = bound("from", &from_text, false)?;
    let to = bound("to", &to_text, true)?;
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err(AppError::bad_field("from", "must not be after to"));
    }
    q.finish()?;
    if product_id.is_some() && category_name.is_none() && group_by.kind == Some(GroupKind::Category) {
        return Err(AppError::bad_field(
            "product_id",
            "cannot be combined with a category grouping unless category_name names the category",
        ));
    }
    let query = SummaryQuery { group_by, product_id, category_name, from, to, from_text, to_text };
    let history = History::new(state.config.store_opened, time::now(), tz);
    Ok(ok(&analytics::summary(&state.store, &query, tz, history).await?))
}

fn group_kind(name: &str, text: Option<String>, allow_total: bool) -> Result<Option<GroupKind>, AppError> {
    match text.as_deref() {
        Some("product") => Ok(Some(GroupKind::Product)),
        Some("category") => Ok(Some(GroupKind::Category)),
        Some("total") | None if allow_total => Ok(None),
        _ if allow_total => Err(AppError::bad_field(name, "must be total, category or product")),
        _ => Err(AppError::bad_field(name, "must be product or category")),
    }
}

/// Query of a comparison.
#[derive(serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documentation only
struct CompareParams {
    /// `day`, `month` or `year`.
    #[param(inline, value_type = PeriodGrain)]
    period: String,
    /// The period, written like `2023`, `2023-10` or `2023-10-08` (as `period` says).
    #[param(pattern = r"^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$")]
    current: String,
    /// The period to compare with.
    #[param(pattern = r"^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$")]
    previous: String,
    /// `total` (default), `category` or `product`.
    #[serde(default)]
    #[param(inline, value_type = CompareBy)]
    by: String,
}

/// A period grain of compare and top.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
enum PeriodGrain {
    Day,
    Month,
    Year,
}

/// The grouping of a comparison.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
enum CompareBy {
    Total,
    Category,
    Product,
}

/// What to rank.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
enum RankBy {
    Product,
    Category,
}

/// What to rank by.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
enum Metric {
    Revenue,
    Units,
    NetRevenue,
}

/// One period against another, in total or per category or product.
#[utoipa::path(
    get, path = "/sales/compare", tag = "analytics",
    params(CompareParams),
    responses((status = 200, body = Comparison), (status = 400, response = BadRequest))
)]
async fn compare(State(state): State<AppState>, Query(mut q): Query) -> Result<Response, AppError> {
    let grain =
        parse_period_grain("period", &q.get("period").ok_or_else(|| AppError::bad_field("period", "is required"))?)?;
    let current_text = q.get("current").ok_or_else(|| AppError::bad_field("current", "is required"))?;
    let previous_text = q.get("previous").ok_or_else(|| AppError::bad_field("previous", "is required"))?;
    let current = parse_period("current", grain, &current_text)?;
    let previous = parse_period("previous", grain, &previous_text)?;
    let by_text = q.get("by");
    let by = group_kind("by", by_text, true)?;
    q.finish()?;
    let rows = analytics::compare(&state.store, &current, &previous, by).await?;
    let by_name = match by {
        None => "total",
        Some(GroupKind::Category) => "category",
        Some(GroupKind::Product) => "product",
    };
    Ok(ok(&serde_json::json!({
        "period": grain.name(),
        "current": current.period,
        "previous": previous.period,
        "by": by_name,
        "rows": rows,
    })))
}

/// Query of a ranking.
#[derive(serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documentation only
struct TopParams {
    #[param(inline, value_type = RankBy)]
    by: String,
    #[param(inline, value_type = PeriodGrain)]
    period: String,
    /// The period, written like `2023`, `2023-10` or `2023-10-08` (as `period` says).
    #[param(pattern = r"^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$")]
    at: String,
    /// Default `revenue`; `net_revenue` is revenue minus refunds.
    #[serde(default)]
    #[param(inline, value_type = Metric)]
    metric: String,
    #[serde(default)]
    #[param(minimum = 1, maximum = 100, default = 10)]
    limit: i64,
}

/// The best products or categories of a period.
#[utoipa::path(
    get, path = "/sales/top", tag = "analytics",
    params(TopParams),
    responses((status = 200, body = Ranking), (status = 400, response = BadRequest))
)]
async fn top(State(state): State<AppState>, Query(mut q): Query) -> Result<Response, AppError> {
    let by_text = q.get("by").ok_or_else(|| AppError::bad_field("by", "is required"))?;
    let Some(kind) = group_kind("by", Some(by_text), false)? else {
        return Err(AppError::bad_field("by", "must be product or category"));
    };
    let grain: Grain =
        parse_period_grain("period", &q.get("period").ok_or_else(|| AppError::bad_field("period", "is required"))?)?;
    let at_text = q.get("at").ok_or_else(|| AppError::bad_field("at", "is required"))?;
    let at = parse_period("at", grain, &at_text)?;
    let metric = match q.get("metric").as_deref() {
        None => RankMetric::Revenue,
        Some(text) => RankMetric::parse(text)
            .ok_or_else(|| AppError::bad_field("metric", "must be revenue, units or net_revenue"))?,
    };
    let limit = q.bounded_int("limit", 1, 100, 10)?;
    q.finish()?;
    let rows = analytics::top(&state.store, kind, &at, metric, limit).await?;
    Ok(ok(&serde_json::json!({
        "by": if kind == GroupKind::Product { "product" } else { "category" },
        "period": grain.name(),
        "at": at.period,
        "metric": metric.name(),
        "rows": rows,
    })))
}

/// A sale path value: 400 unless it can be a sale id.
fn sale_id(PathParam(id): PathParam) -> Result<String, AppError> {
    if is_sale_id(&id) { Ok(id) } else { Err(AppError::bad_field("id", "must be a sale id (26 characters, 0-9 A-Z)")) }
}

/// The sale id of a path.
#[derive(serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)] // documentation only
struct SaleIdParam {
    /// A sale id (a ULID).
    #[param(pattern = "^[0-9A-Z]{26}$", example = "01HCJ7T2Q1ZQ8YJ3X2M5V6B7N8")]
    id: String,
}

/// A sale by id, with the units returned so far.
#[utoipa::path(
    get, path = "/sales/{id}", tag = "sales",
    params(SaleIdParam, TimeZoneParam),
    responses(
        (status = 200, body = SaleWithReturns),
        (status = 400, response = BadRequest),
        (status = 404, response = shared::openapi::NotFound),
    )
)]
async fn get_sale(State(state): State<AppState>, path: PathParam, Query(mut q): Query) -> Result<Response, AppError> {
    let id = sale_id(path)?;
    let tz = time_zone(&mut q)?;
    q.finish()?;
    let found = state.store.find_sale(&id, false).await?.ok_or(StoreError::NotFound(Missing::Sale(id)))?;
    Ok(ok(&found.to_json(tz)))
}

fn time_zone(q: &mut shared::input::QueryParams) -> Result<Option<Tz>, AppError> {
    q.get("tz")
        .map(|t| {
            t.parse::<Tz>().map_err(|_| AppError::bad_field("tz", "must be an IANA time zone such as Asia/Karachi"))
        })
        .transpose()
}

/// Returns units of a sale: the return (refund at the sale's unit price), the sale's returned
/// units (never beyond units sold, under any concurrency) and, with `restock` (default), the
/// stock increment with a `return` ledger entry carrying the sale id, in one conditional
/// transaction. 422 with `returnable` when more units are returned than are left.
#[utoipa::path(
    post, path = "/sales/{id}/returns", tag = "sales",
    params(
        SaleIdParam,
        ("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = r"^[!-~]+$",
         description = "Retries with the same key and body return the first response and record nothing new"),
    ),
    request_body = NewReturnBody,
    responses(
        (status = 201, description = "Recorded (or the replay of the first response for this key)", body = Return),
        (status = 400, response = BadRequest),
        (status = 404, response = shared::openapi::NotFound),
        (status = 409, response = Conflict),
        (status = 422, response = Unprocessable),
    )
)]
async fn record_return(
    State(state): State<AppState>,
    path: PathParam,
    headers: HeaderMap,
    body: ValidJson<NewReturnBody>,
) -> Result<Response, AppError> {
    let id = sale_id(path)?;
    let key = idempotency_key(&headers)?;
    let fingerprint = body.fingerprint().to_owned();
    let now = time::now();
    let new = body.into_domain(now)?;
    let idempotency = key.map(|key| IdempotencyKey { key, fingerprint });
    let response = record_return_once(&state.store, &id, &new, idempotency.as_ref(), now).await?;
    Ok(stored_response(response))
}

/// A sale's returns, newest first.
#[utoipa::path(
    get, path = "/sales/{id}/returns", tag = "sales",
    params(SaleIdParam, TimeZoneParam, PageParams),
    responses(
        (status = 200, description = "A page of returns", body = Page<Return>),
        (status = 400, response = BadRequest),
        (status = 404, response = shared::openapi::NotFound),
    )
)]
async fn list_returns(
    State(state): State<AppState>,
    path: PathParam,
    Query(mut q): Query,
) -> Result<Response, AppError> {
    let id = sale_id(path)?;
    let tz = time_zone(&mut q)?;
    let limit = q.limit()?;
    let cursor = q.get("cursor");
    q.finish()?;
    let page = state.store.list_returns(&id, limit, cursor.as_deref()).await?;
    let views: Vec<_> = page.items.iter().map(|r| r.view(tz)).collect();
    Ok(ok(&Page { items: views, next_cursor: page.next_cursor }))
}
