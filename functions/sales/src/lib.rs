//! The sales API: recording sales exactly once and listing them.
//! Handlers are thin: read the request, call the store, shape the response.

use api::error::{AppError, PROBLEM_JSON, definite_answer};
use api::http::AppState;
use api::openapi::{BadRequest, Conflict, Unprocessable};
use api::wire::Page;
use api::wire::{CategoryName, TimeBound, ValidJson, ValidPath, ValidQuery, page_limit};
use app::analytics::{self, History, SummaryQuery};
use app::idempotency::{IdempotencyKey, StoredResponse};
use app::sales::{self as sales_cases, SalesFilter};
use app::time;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use domain::analytics::{GroupBy, GroupKind, Metric, parse_period};
use domain::{SaleId, parse_product_id};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub mod wire;

use wire::{
    CompareBy, ComparisonView, NewReturnBody, NewSaleBody, PeriodGrain, RankBy, RankMetric, RankingView, ReturnView,
    SaleClock, SaleView, SaleWithReturnsView, SalesPage, SummaryView,
};

/// The sales routes and their documentation, without fallbacks (see `api::http::finish`).
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
        ("Idempotency-Key" = Option<String>, Header, nullable = false, min_length = 1, max_length = 255, pattern = r"^[!-~]+$",
         description = "Retries with the same key and body return the first response and record nothing new"),
    ),
    request_body = NewSaleBody,
    responses(
        (status = 201, description = "Recorded (or the replay of the first response for this key)", body = SaleView),
        (status = 400, response = BadRequest),
        (status = 404, response = api::openapi::NotFound),
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
    let opened = app::time::start_of_day(state.config.store_opened, state.config.store_timezone);
    let new = body.into_domain(SaleClock { now, opened })?;
    let idempotency = key.map(|key| IdempotencyKey { key, fingerprint });
    let response =
        sales_cases::record_sale_once(&state, &new, idempotency.as_ref(), now, wire::sale_created, &definite_answer)
            .await?;
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
    let content_type = if status.is_success() { "application/json" } else { PROBLEM_JSON };
    http.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    http
}

/// The query of the sales list.
#[derive(serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ListSalesQuery {
    /// Only this product's sales.
    #[param(value_type = Option<i64>, minimum = 1)]
    product_id: Option<String>,
    /// Only sales of this category (its category at the moment of sale).
    category_name: Option<CategoryName>,
    /// From this date (`YYYY-MM-DD`, inclusive, in `tz` or the store's zone) or RFC 3339 time.
    from: Option<TimeBound>,
    /// Up to this date (inclusive) or RFC 3339 time; not before `from`.
    to: Option<TimeBound>,
    #[param(schema_with = api::openapi::time_zone_schema)]
    tz: Option<String>,
    /// `true`: only sales with at least one return; `false`: only sales without. Each listed
    /// sale then carries `units_returned`. A page may hold fewer than `limit` sales while
    /// `next_cursor` says there are more.
    has_returns: Option<bool>,
    /// Items per page (1 to 100, default 50).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1)]
    cursor: Option<String>,
}

/// Lists sales, newest first: by product, by category or all, in a time range.
#[utoipa::path(
    get, path = "/sales", tag = "sales",
    params(ListSalesQuery),
    responses((status = 200, description = "A page of sales", body = Page<SaleView>), (status = 400, response = BadRequest))
)]
async fn list_sales(
    State(state): State<AppState>,
    ValidQuery(q): ValidQuery<ListSalesQuery>,
) -> Result<Json<SalesPage>, AppError> {
    let product_id = product_filter(q.product_id.as_deref())?;
    let tz = time_zone(q.tz.as_deref())?;
    let (from, to) = time_range(q.from.as_ref(), q.to.as_ref(), tz.unwrap_or(state.config.store_timezone))?;
    let limit = page_limit(q.limit, 50)?;
    let filter = SalesFilter { product_id, category_name: q.category_name.map(|c| c.0), from, to };
    if let Some(has_returns) = q.has_returns {
        let page = sales_cases::list_sales_by_returns(&state, &filter, has_returns, limit, q.cursor.as_deref()).await?;
        return Ok(Json(SalesPage::WithReturns(Page::of(page, |s| SaleWithReturnsView::new(&s, tz)))));
    }
    let page = sales_cases::list_sales(&state, &filter, limit, q.cursor.as_deref()).await?;
    Ok(Json(SalesPage::Sales(Page::of(page, |s| SaleView::new(&s, tz)))))
}

fn product_filter(text: Option<&str>) -> Result<Option<i64>, AppError> {
    text.map(|p| parse_product_id(p).map_err(|_| AppError::bad_field("product_id", "must be a positive integer")))
        .transpose()
}

/// A time range's bounds, each optional.
type TimeRange = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// `from` and `to` as instants (dates in `zone`); `from` not after `to`.
fn time_range(from: Option<&TimeBound>, to: Option<&TimeBound>, zone: Tz) -> Result<TimeRange, AppError> {
    let bound = |name: &str, text: Option<&TimeBound>, end: bool| {
        text.map(|t| {
            time::parse_bound(&t.0, zone, end)
                .ok_or_else(|| AppError::bad_field(name, "must be a date (YYYY-MM-DD) or an RFC 3339 time"))
        })
        .transpose()
    };
    let (from, to) = (bound("from", from, false)?, bound("to", to, true)?);
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err(AppError::bad_field("from", "must not be after to"));
    }
    Ok((from, to))
}

/// The query of a summary.
#[derive(serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct SummaryParams {
    /// `total` (default), `hour`, `day`, `month`, `year`, `product`, `category`, or
    /// `product-<period>` / `category-<period>`; `product_id-*` and `*-date` are aliases.
    #[param(
        pattern = "^(total|hour|day|date|month|year|product|product_id|category|(product|product_id|category)-(hour|day|date|month|year))$"
    )]
    group_by: Option<String>,
    /// Only this product's sales.
    #[param(value_type = Option<i64>, minimum = 1)]
    product_id: Option<String>,
    /// Only sales of this category (its category at the moment of sale).
    category_name: Option<CategoryName>,
    /// From this date (`YYYY-MM-DD`, inclusive, in the store's zone) or RFC 3339 time (resolved
    /// to the hour).
    from: Option<TimeBound>,
    /// Up to this date (inclusive) or RFC 3339 time; not before `from`.
    to: Option<TimeBound>,
}

/// Totals grouped by product, category and/or period, read from the pre-aggregated counters:
/// the cost depends on the rows asked for, never on the number of sales. Bounds are clamped to
/// the years with sales; a grouping over more than 100000 periods is 400, as is `product_id`
/// with a category grouping unless `category_name` names the category.
#[utoipa::path(
    get, path = "/sales/summary", tag = "analytics",
    params(SummaryParams),
    responses((status = 200, body = SummaryView), (status = 400, response = BadRequest))
)]
async fn summary(
    State(state): State<AppState>,
    ValidQuery(q): ValidQuery<SummaryParams>,
) -> Result<Json<SummaryView>, AppError> {
    let tz = state.config.store_timezone;
    let group_by = match q.group_by.as_deref() {
        None => GroupBy { kind: None, period: None },
        Some(text) => GroupBy::parse(text).ok_or_else(|| {
            AppError::bad_field(
                "group_by",
                "must be total, hour, day, month, year, product, category, or product-<period> / category-<period>",
            )
        })?,
    };
    let product_id = product_filter(q.product_id.as_deref())?;
    let category_name = q.category_name.map(|c| c.0);
    let (from, to) = time_range(q.from.as_ref(), q.to.as_ref(), tz)?;
    if product_id.is_some() && category_name.is_none() && group_by.kind == Some(GroupKind::Category) {
        return Err(AppError::bad_field(
            "product_id",
            "cannot be combined with a category grouping unless category_name names the category",
        ));
    }
    let (from_text, to_text) = (q.from.map(|b| b.0), q.to.map(|b| b.0));
    let query = SummaryQuery { group_by, product_id, category_name, from, to, from_text, to_text };
    let history = History::new(state.config.store_opened, time::now(), tz);
    Ok(Json(SummaryView::from(&analytics::summary(&state, &query, tz, history).await?)))
}

/// A required parameter's value.
fn required<T>(name: &str, value: Option<T>) -> Result<T, AppError> {
    value.ok_or_else(|| AppError::bad_field(name, "is required"))
}

/// Query of a comparison.
#[derive(serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct CompareParams {
    /// `day`, `month` or `year`.
    #[param(required = true, inline)]
    period: Option<PeriodGrain>,
    /// The period, written like `2023`, `2023-10` or `2023-10-08` (as `period` says).
    #[param(required = true, value_type = String, pattern = r"^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$")]
    current: Option<String>,
    /// The period to compare with.
    #[param(required = true, value_type = String, pattern = r"^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$")]
    previous: Option<String>,
    /// `total` (default), `category` or `product`.
    #[param(inline)]
    by: Option<CompareBy>,
}

/// One period against another, in total or per category or product.
#[utoipa::path(
    get, path = "/sales/compare", tag = "analytics",
    params(CompareParams),
    responses((status = 200, body = ComparisonView), (status = 400, response = BadRequest))
)]
async fn compare(
    State(state): State<AppState>,
    ValidQuery(q): ValidQuery<CompareParams>,
) -> Result<Json<ComparisonView>, AppError> {
    let PeriodGrain(grain) = required("period", q.period)?;
    let current = parse_period("current", grain, &required("current", q.current)?)?;
    let previous = parse_period("previous", grain, &required("previous", q.previous)?)?;
    let by = q.by.and_then(|CompareBy(kind)| kind);
    let rows = analytics::compare(&state, &current, &previous, by).await?;
    Ok(Json(ComparisonView::new(&current, &previous, by, &rows)))
}

/// Query of a ranking.
#[derive(serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct TopParams {
    #[param(required = true, inline)]
    by: Option<RankBy>,
    #[param(required = true, inline)]
    period: Option<PeriodGrain>,
    /// The period, written like `2023`, `2023-10` or `2023-10-08` (as `period` says).
    #[param(required = true, value_type = String, pattern = r"^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$")]
    at: Option<String>,
    /// Default `revenue`; `net_revenue` is revenue minus refunds.
    #[param(inline)]
    metric: Option<RankMetric>,
    #[param(minimum = 1, maximum = 100, default = 10)]
    limit: Option<i64>,
}

/// The best products or categories of a period.
#[utoipa::path(
    get, path = "/sales/top", tag = "analytics",
    params(TopParams),
    responses((status = 200, body = RankingView), (status = 400, response = BadRequest))
)]
async fn top(
    State(state): State<AppState>,
    ValidQuery(q): ValidQuery<TopParams>,
) -> Result<Json<RankingView>, AppError> {
    let RankBy(kind) = required("by", q.by)?;
    let PeriodGrain(grain) = required("period", q.period)?;
    let at = parse_period("at", grain, &required("at", q.at)?)?;
    let metric = q.metric.map_or(Metric::Revenue, |RankMetric(metric)| metric);
    let limit = page_limit(q.limit, 10)?;
    let rows = analytics::top(&state, kind, &at, metric, limit).await?;
    Ok(Json(RankingView::new(kind, &at, metric, &rows)))
}

/// A sale by id, with the units returned so far.
#[utoipa::path(
    get, path = "/sales/{id}", tag = "sales",
    params(ValidPath<SaleId>, TimeZoneParam),
    responses(
        (status = 200, body = SaleWithReturnsView),
        (status = 400, response = BadRequest),
        (status = 404, response = api::openapi::NotFound),
    )
)]
async fn get_sale(
    State(state): State<AppState>,
    ValidPath(SaleId(id)): ValidPath<SaleId>,
    ValidQuery(q): ValidQuery<TimeZoneParam>,
) -> Result<Json<SaleWithReturnsView>, AppError> {
    let tz = time_zone(q.tz.as_deref())?;
    let found = sales_cases::get_sale(&state, &id).await?;
    Ok(Json(SaleWithReturnsView::new(&found, tz)))
}

/// The time zone of a sale's timestamps.
#[derive(serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct TimeZoneParam {
    #[param(schema_with = api::openapi::time_zone_schema)]
    tz: Option<String>,
}

/// The query of a sale's returns.
#[derive(serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ReturnsQuery {
    #[param(schema_with = api::openapi::time_zone_schema)]
    tz: Option<String>,
    /// Items per page (1 to 100, default 50).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(min_length = 1)]
    cursor: Option<String>,
}

fn time_zone(text: Option<&str>) -> Result<Option<Tz>, AppError> {
    text.map(|t| {
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
        ValidPath<SaleId>,
        ("Idempotency-Key" = Option<String>, Header, nullable = false, min_length = 1, max_length = 255, pattern = r"^[!-~]+$",
         description = "Retries with the same key and body return the first response and record nothing new"),
    ),
    request_body = NewReturnBody,
    responses(
        (status = 201, description = "Recorded (or the replay of the first response for this key)", body = ReturnView),
        (status = 400, response = BadRequest),
        (status = 404, response = api::openapi::NotFound),
        (status = 409, response = Conflict),
        (status = 422, response = Unprocessable),
    )
)]
async fn record_return(
    State(state): State<AppState>,
    ValidPath(SaleId(id)): ValidPath<SaleId>,
    headers: HeaderMap,
    body: ValidJson<NewReturnBody>,
) -> Result<Response, AppError> {
    let key = idempotency_key(&headers)?;
    let fingerprint = body.fingerprint().to_owned();
    let now = time::now();
    let new = body.into_domain(now)?;
    let idempotency = key.map(|key| IdempotencyKey { key, fingerprint });
    let response = sales_cases::record_return_once(
        &state,
        &id,
        &new,
        idempotency.as_ref(),
        now,
        wire::return_created,
        &definite_answer,
    )
    .await?;
    Ok(stored_response(response))
}

/// A sale's returns, newest first.
#[utoipa::path(
    get, path = "/sales/{id}/returns", tag = "sales",
    params(ValidPath<SaleId>, ReturnsQuery),
    responses(
        (status = 200, description = "A page of returns", body = Page<ReturnView>),
        (status = 400, response = BadRequest),
        (status = 404, response = api::openapi::NotFound),
    )
)]
async fn list_returns(
    State(state): State<AppState>,
    ValidPath(SaleId(id)): ValidPath<SaleId>,
    ValidQuery(q): ValidQuery<ReturnsQuery>,
) -> Result<Json<Page<ReturnView>>, AppError> {
    let tz = time_zone(q.tz.as_deref())?;
    let limit = page_limit(q.limit, 50)?;
    let page = sales_cases::list_returns(&state, &id, limit, q.cursor.as_deref()).await?;
    Ok(Json(Page::of(page, |r| ReturnView::new(&r, tz))))
}
