//! The one application error type, mapped once to `application/problem+json` (RFC 9457).
//!
//! Handlers and services return `Result<_, AppError>` and use `?`; storage failures convert via
//! `From<StoreError>`. Internal detail is logged, never returned to the client.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::store::StoreError;

/// One problem with one input field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError { field: field.into(), message: message.into() }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400: the request could not be read (malformed JSON, query or path value).
    #[error("{detail}")]
    BadRequest { detail: String, errors: Vec<FieldError> },
    /// 401: no valid credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: credentials lack the needed group.
    #[error("{0}")]
    Forbidden(String),
    /// 404: the resource does not exist.
    #[error("{0}")]
    NotFound(String),
    /// 405: the path exists, the method does not.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 409: the request conflicts with the current state.
    #[error("{0}")]
    Conflict(String),
    /// 413: body over the limit.
    #[error("request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    /// 422: well-formed input that breaks a field rule.
    #[error("the request has invalid fields")]
    Validation(Vec<FieldError>),
    /// 422: well-formed input that breaks a business rule (stock, status, ...).
    /// `extensions` are extra members of the problem document (for example `available`).
    #[error("{detail}")]
    Rule { title: &'static str, detail: String, extensions: Map<String, Value> },
    /// 503: the store is throttling; the client may retry.
    #[error("the service is busy, retry shortly")]
    Busy,
    /// 500: a failure of ours. Logged with detail, returned without.
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Internal(String),
}

impl AppError {
    pub fn bad_request(detail: impl Into<String>) -> Self {
        AppError::BadRequest { detail: detail.into(), errors: Vec::new() }
    }

    pub fn bad_field(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        AppError::BadRequest { detail: format!("{field}: {message}"), errors: vec![FieldError::new(field, message)] }
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Validation(vec![FieldError::new(field, message)])
    }

    pub fn rule(title: &'static str, detail: impl Into<String>) -> Self {
        AppError::Rule { title, detail: detail.into(), extensions: Map::new() }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Validation(_) | AppError::Rule { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Store(StoreError::Throttled(_)) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Store(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The problem document: `type`, `title`, `status`, `detail`, and `errors` for field problems.
    pub fn problem(&self) -> Value {
        let status = self.status();
        let (slug, title): (&str, &str) = match self {
            AppError::BadRequest { .. } => ("bad-request", "Malformed request"),
            AppError::Unauthorized(_) => ("unauthorized", "Authentication required"),
            AppError::Forbidden(_) => ("forbidden", "Not allowed"),
            AppError::NotFound(_) => ("not-found", "Not found"),
            AppError::MethodNotAllowed => ("method-not-allowed", "Method not allowed"),
            AppError::Conflict(_) => ("conflict", "Conflict"),
            AppError::PayloadTooLarge(_) => ("payload-too-large", "Payload too large"),
            AppError::Validation(_) => ("validation-error", "Invalid request fields"),
            AppError::Rule { title, .. } => (rule_slug(title), title),
            AppError::Busy | AppError::Store(StoreError::Throttled(_)) => ("busy", "Service busy"),
            AppError::Store(_) | AppError::Internal(_) => ("internal", "Internal error"),
        };
        let detail = match self {
            AppError::Store(StoreError::Throttled(_)) => AppError::Busy.to_string(),
            AppError::Store(_) | AppError::Internal(_) => "an internal error occurred; it has been logged".to_owned(),
            AppError::Validation(errors) => {
                errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ")
            }
            other => other.to_string(),
        };
        let mut doc = Map::new();
        doc.insert("type".into(), Value::String(format!("/problems/{slug}")));
        doc.insert("title".into(), Value::String(title.to_owned()));
        doc.insert("status".into(), Value::from(status.as_u16()));
        doc.insert("detail".into(), Value::String(detail));
        match self {
            AppError::Validation(errors) | AppError::BadRequest { errors, .. } if !errors.is_empty() => {
                doc.insert("errors".into(), serde_json::to_value(errors).unwrap_or(Value::Null));
            }
            AppError::Rule { extensions, .. } => {
                for (k, v) in extensions {
                    doc.insert(k.clone(), v.clone());
                }
            }
            _ => {}
        }
        Value::Object(doc)
    }
}

fn rule_slug(title: &str) -> &'static str {
    match title {
        t if t.eq_ignore_ascii_case(OUT_OF_STOCK) => "out-of-stock",
        t if t.eq_ignore_ascii_case(INSUFFICIENT_STOCK) => "insufficient-stock",
        t if t.eq_ignore_ascii_case(PRODUCT_INACTIVE) => "product-inactive",
        t if t.eq_ignore_ascii_case(NOT_RETURNABLE) => "not-returnable",
        _ => "rule-violation",
    }
}

/// Titles of the business-rule problems, shared so tests and clients can match them.
pub const OUT_OF_STOCK: &str = "Out of stock";
pub const INSUFFICIENT_STOCK: &str = "Insufficient stock";
pub const PRODUCT_INACTIVE: &str = "Product inactive";
/// More units returned than the sale has left to return (`returnable` in the body).
pub const NOT_RETURNABLE: &str = "Not returnable";

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, debug = ?self, "request failed");
        } else {
            tracing::info!(status = status.as_u16(), error = %self, "request rejected");
        }
        problem_response(
            status,
            &self.problem(),
            matches!(self, AppError::Busy | AppError::Store(StoreError::Throttled(_))),
        )
    }
}

fn problem_response(status: StatusCode, doc: &Value, retry_after: bool) -> Response {
    let body = serde_json::to_vec(doc).unwrap_or_default();
    let mut response = (status, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
    if retry_after {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_problem_lists_fields() {
        let err = AppError::Validation(vec![FieldError::new("price", "must be at least 0")]);
        let doc = err.problem();
        assert_eq!(doc["status"], 422);
        assert_eq!(doc["type"], "/problems/validation-error");
        assert_eq!(doc["errors"][0]["field"], "price");
        assert_eq!(doc["detail"], "price: must be at least 0");
    }

    #[test]
    fn internal_detail_is_not_returned() {
        let err = AppError::Internal("secret table arn".into());
        let doc = err.problem();
        assert_eq!(doc["status"], 500);
        assert!(!doc["detail"].as_str().unwrap().contains("secret"));
    }

    #[test]
    fn rule_problem_carries_extensions() {
        let mut err = AppError::rule(INSUFFICIENT_STOCK, "only 3 left");
        if let AppError::Rule { extensions, .. } = &mut err {
            extensions.insert("available".into(), 3.into());
        }
        let doc = err.problem();
        assert_eq!(doc["available"], 3);
        assert_eq!(doc["type"], "/problems/insufficient-stock");
        assert_eq!(doc["status"], 422);
    }
}
