//! The sales API: recording sales exactly once and listing them.
//! Handlers are thin: read the request, call the store, shape the response.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use chrono_tz::Tz;
use shared::domain::{NewSale, is_valid_category_name, parse_product_id};
use shared::error::AppError;
use shared::http::{AppState, JsonBody, Query, ok};
use shared::store::catalogue::Page;
use shared::store::sales::{IdempotencyKey, SalesFilter, StoredResponse};
use shared::time;

/// The sales routes, without fallbacks (see `shared::http::finish`).
pub fn router(state: AppState) -> Router {
    Router::new().route("/sales", post(record_sale).get(list_sales)).with_state(state)
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
