//! The sales API: recording sales exactly once and listing them.
//! Handlers are thin: read the request, call the store, shape the response.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono_tz::Tz;
use shared::domain::aggregate::Grain;
use shared::domain::analytics::{GroupBy, GroupKind, parse_period, parse_period_grain};
use shared::domain::{NewSale, is_valid_category_name, parse_product_id};
use shared::error::AppError;
use shared::http::{AppState, JsonBody, Query, ok};
use shared::store::analytics::SummaryQuery;
use shared::store::catalogue::Page;
use shared::store::sales::{IdempotencyKey, SalesFilter, StoredResponse};
use shared::time;

/// The sales routes, without fallbacks (see `shared::http::finish`).
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/sales", post(record_sale).get(list_sales))
        .route("/sales/summary", get(summary))
        .route("/sales/compare", get(compare))
        .route("/sales/top", get(top))
        .with_state(state)
}

pub const IDEMPOTENCY_KEY_HEADER: &str = "idempotency-key";

async fn record_sale(
    State(state): State<AppState>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, AppError> {
    let key = idempotency_key(&headers)?;
    let fingerprint = body.fingerprint();
    let now = time::now();
    let new = NewSale::from_json(body, now)?;
    let idempotency = key.map(|key| IdempotencyKey { key, fingerprint });
    let response = state.store.record_sale_once(&new, idempotency.as_ref(), now).await?;
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
    let limit = q.limit()?;
    let cursor = q.get("cursor");
    q.finish()?;
    let filter = SalesFilter { product_id, category_name, from, to };
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

/// `GET /sales/summary`: totals grouped by product, category and/or period, from counters.
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
    let query = SummaryQuery { group_by, product_id, category_name, from, to, from_text, to_text };
    Ok(ok(&state.store.summary(&query, tz).await?))
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

/// `GET /sales/compare`: one period against another.
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
    let rows = state.store.compare(&current, &previous, by).await?;
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

/// `GET /sales/top`: the best products or categories of a period.
async fn top(State(state): State<AppState>, Query(mut q): Query) -> Result<Response, AppError> {
    let by_text = q.get("by").ok_or_else(|| AppError::bad_field("by", "is required"))?;
    let kind = group_kind("by", Some(by_text), false)?.expect("product or category");
    let grain: Grain =
        parse_period_grain("period", &q.get("period").ok_or_else(|| AppError::bad_field("period", "is required"))?)?;
    let at_text = q.get("at").ok_or_else(|| AppError::bad_field("at", "is required"))?;
    let at = parse_period("at", grain, &at_text)?;
    let by_units = match q.get("metric").as_deref() {
        None | Some("revenue") => false,
        Some("units") => true,
        Some(_) => return Err(AppError::bad_field("metric", "must be revenue or units")),
    };
    let limit = q.bounded_int("limit", 1, 100, 10)?;
    q.finish()?;
    let rows = state.store.top(kind, &at, by_units, limit).await?;
    Ok(ok(&serde_json::json!({
        "by": if kind == GroupKind::Product { "product" } else { "category" },
        "period": grain.name(),
        "at": at.period,
        "metric": if by_units { "units" } else { "revenue" },
        "rows": rows,
    })))
}
