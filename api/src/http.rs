//! HTTP plumbing shared by every function's router: state, extractors whose rejections are
//! problem+json, the 404/405 fallbacks, request ids and request logs, panic safety.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Request};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use tracing::Span;

use crate::error::AppError;
use app::config::Config;

/// What every handler gets: the use cases' handle (the store behind it, one client built once)
/// and the configuration (`state.config`).
pub use app::App as AppState;

/// The largest request body accepted (413 above it).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// How long a request body may take to arrive in full (400 after it), as API Gateway bounds it.
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(5);

/// Reads the request body in full before anything else, as API Gateway does before it calls a
/// function: a `Content-Length` over [`MAX_BODY_BYTES`] is a 413 at once, a body that grows past
/// it a 413, one that does not arrive within [`BODY_READ_TIMEOUT`] a 400; each of these answers
/// closes the connection (its unread rest cannot be told from the next request). Without it, a
/// client that declares a body and sends none held a connection and a task open forever.
async fn read_body_first(req: Request, next: Next) -> Response {
    use futures::StreamExt;
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return closing(AppError::PayloadTooLarge(MAX_BODY_BYTES));
    }
    let (parts, body) = req.into_parts();
    let mut chunks = body.into_data_stream();
    let mut bytes = Vec::new();
    let read = async {
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk.map_err(|e| AppError::bad_request(format!("the request body could not be read: {e}")))?;
            if bytes.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(AppError::PayloadTooLarge(MAX_BODY_BYTES));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(())
    };
    match tokio::time::timeout(BODY_READ_TIMEOUT, read).await {
        Ok(Ok(())) => next.run(Request::from_parts(parts, axum::body::Body::from(bytes))).await,
        Ok(Err(e)) => closing(e),
        Err(_) => closing(AppError::bad_request(format!(
            "the request body did not arrive in full within {} s",
            BODY_READ_TIMEOUT.as_secs()
        ))),
    }
}

/// `error`'s answer, with the connection closed after it.
fn closing(error: AppError) -> Response {
    let mut response = error.into_response();
    response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// The body, within the limit `finish` sets (`DefaultBodyLimit`): over it is 413; anything else
/// (a body that ends before its Content-Length, a broken chunked encoding) is malformed.
pub(crate) async fn body_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, AppError> {
    Bytes::from_request(req, state).await.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge(MAX_BODY_BYTES),
        _ => AppError::bad_request(format!("the request body could not be read: {}", rejection.body_text())),
    })
}

/// `GET /health`: the process is up (it does not call DynamoDB, so a throttled table does not
/// make the load balancer or a monitor think the function is down).
#[utoipa::path(
    get,
    path = "/health",
    tag = "service",
    security(()),
    responses((status = 200, description = "Up", body = Health))
)]
pub async fn health() -> axum::Json<Health> {
    axum::Json(Health { status: "ok" })
}

/// `GET /health`'s answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"status": "ok"}))]
pub struct Health {
    /// Always `ok`.
    pub status: &'static str,
}

/// Completes a router made of one or more functions' routes: the health check, problem+json
/// 404 and 405, CORS preflights answered before authorization (no origin allowed), authorization
/// by group, a request id and one log line per request, and a 500 problem on panic.
pub fn finish(routes: Router, auth: crate::auth::AuthMode) -> Router {
    finish_with_cors(routes, auth, Cors::default())
}

/// `finish` with the configuration's authorization mode and CORS origins (`CORS_ALLOW_ORIGINS`):
/// what the Lambdas serve.
pub fn finish_for(routes: Router, config: &Config) -> Router {
    finish_with_cors(routes, config.auth_mode, Cors::new(&config.cors_allow_origins))
}

fn finish_with_cors(routes: Router, auth: crate::auth::AuthMode, cors: Cors) -> Router {
    routes
        .route("/health", axum::routing::get(health))
        .fallback(|| async { AppError::NotFound("no such resource".into()) })
        .method_not_allowed_fallback(|| async { AppError::MethodNotAllowed })
        .layer(middleware::from_fn_with_state(auth, crate::auth::authorize))
        // Outside authorization: a browser's preflight carries no token.
        .layer(middleware::from_fn_with_state(cors, cors_layer))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(read_body_first))
        .layer(CatchPanicLayer::custom(|_panic: Box<dyn std::any::Any + Send>| {
            AppError::Internal("handler panicked".into()).into_response()
        }))
        // Request ids and the request log, outermost, so a panic's 500 and a rejected request are
        // logged with their id too: a sane caller id is kept, else a new uuid; the span carries it;
        // the response returns it.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_request(())
                .on_response(log_finished)
                .on_failure(()),
        )
        .layer(PropagateRequestIdLayer::new(HeaderName::from_static(REQUEST_ID_HEADER)))
        .layer(SetRequestIdLayer::new(HeaderName::from_static(REQUEST_ID_HEADER), MakeRequestUuid))
        .layer(middleware::map_request(drop_insane_request_id))
}

/// What a browser on an allowed origin may send: the methods of the API and the headers the
/// dashboard sets. The same values are in template.yaml's `CorsConfiguration`.
pub const CORS_ALLOW_METHODS: &str = "GET, POST, PATCH, DELETE";
pub const CORS_ALLOW_HEADERS: &str = "authorization, content-type, idempotency-key, x-request-id";
pub const CORS_EXPOSE_HEADERS: &str = "x-request-id";
/// How long a browser may cache a preflight answer, in seconds.
pub const CORS_MAX_AGE: &str = "600";

/// The origins allowed to call the API from a browser, compared exactly with `Origin`.
#[derive(Debug, Clone, Default)]
pub struct Cors {
    origins: Arc<[HeaderValue]>,
}

impl Cors {
    pub fn new(origins: &[String]) -> Self {
        Cors { origins: origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect() }
    }

    pub fn allows(&self, origin: &HeaderValue) -> bool {
        self.origins.iter().any(|o| o == origin)
    }
}

/// CORS (<https://fetch.spec.whatwg.org/#http-cors-protocol>). A preflight (`OPTIONS` with
/// `Origin` and `Access-Control-Request-Method`) is answered here with 204, before authorization
/// and routing, carrying the allow headers only when the origin is allowed; the browser then
/// refuses the call for any other origin. Other responses get `Access-Control-Allow-Origin` for an
/// allowed origin, and always `Vary: Origin`, since they differ by origin.
async fn cors_layer(axum::extract::State(cors): axum::extract::State<Cors>, req: Request, next: Next) -> Response {
    let allowed = req.headers().get(header::ORIGIN).filter(|o| cors.allows(o)).cloned();
    let preflight = req.method() == Method::OPTIONS
        && req.headers().contains_key(header::ORIGIN)
        && req.headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if preflight {
        let mut response = StatusCode::NO_CONTENT.into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::VARY,
            HeaderValue::from_static("origin, access-control-request-method, access-control-request-headers"),
        );
        if let Some(origin) = allowed {
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static(CORS_ALLOW_METHODS));
            headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static(CORS_ALLOW_HEADERS));
            headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static(CORS_MAX_AGE));
        }
        return response;
    }
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    headers.append(header::VARY, HeaderValue::from_static("origin"));
    if let Some(origin) = allowed {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static(CORS_EXPOSE_HEADERS));
    }
    response
}

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// A caller's request id is kept only if it is 1 to 128 visible ASCII characters; otherwise it
/// is dropped here and `SetRequestIdLayer` gives the request a new uuid.
async fn drop_insane_request_id(mut req: Request) -> Request {
    let sane = |v: &HeaderValue| !v.is_empty() && v.len() <= 128 && v.as_bytes().iter().all(u8::is_ascii_graphic);
    if req.headers().get(REQUEST_ID_HEADER).is_some_and(|v| !sane(v)) {
        req.headers_mut().remove(REQUEST_ID_HEADER);
    }
    req
}

/// The span every event of a request is logged in: its id, method and path.
fn request_span(req: &Request) -> Span {
    let request_id = req.extensions().get::<RequestId>().and_then(|id| id.header_value().to_str().ok()).unwrap_or("");
    tracing::info_span!("request", request_id = %request_id, method = %req.method(), path = %req.uri().path())
}

/// The one log line of a finished request (in its span, so it carries the request id).
fn log_finished<B>(response: &Response<B>, latency: Duration, _span: &Span) {
    tracing::info!(status = response.status().as_u16(), latency_ms = latency.as_millis() as u64, "request finished");
}
