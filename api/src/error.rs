//! The API's error: every failure as `application/problem+json` (RFC 9457).
//!
//! Handlers return `Result<_, AppError>` and use `?`: the outcomes of the layers below (the use
//! cases' [`app::Error`], which carries the store's outcomes and the domain's rejections) are mapped
//! here, once, to their status, problem type, title, detail and extension members. Internal
//! detail is logged, never returned to the client.

use axum::http::{self, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use app::idempotency::StoredResponse;
use domain::analytics::{InvalidPeriod, InvalidPeriodGrain};
use domain::outcome::{Missing, Refusal};
use domain::{ReturnRejected, SaleRejected, StockRejected};

/// One problem with one input field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

// `AppError::problem` is the one place a problem is made from an error.
/// An RFC 9457 problem document: what every failure answers, as `application/problem+json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(example = json!({
    "type": "/problems/validation-error",
    "title": "Invalid request fields",
    "status": 422,
    "detail": "price: must have at most 2 decimal places",
    "errors": [{"field": "price", "message": "must have at most 2 decimal places"}]
}))]
pub struct Problem {
    /// A URI reference naming the kind of problem, such as `/problems/out-of-stock`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Each field that was rejected, for validation problems.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(required = false)]
    pub errors: Vec<FieldError>,
    /// Stock available, on an `insufficient-stock` problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub available: Option<i64>,
    /// Units the sale has left to return, on a `not-returnable` problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub returnable: Option<i64>,
}

/// The members a business-rule problem adds to the document, besides its title and detail.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RuleMembers {
    /// `available`: the stock left.
    pub available: Option<i64>,
    /// `returnable`: the units of a sale left to return.
    pub returnable: Option<i64>,
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
    /// `members` are extra members of the problem document (for example `available`).
    #[error("{detail}")]
    Rule { title: &'static str, detail: String, members: RuleMembers },
    /// 503: the store is throttling; the client may retry.
    #[error("the service is busy, retry shortly")]
    Busy,
    /// 500: a failure of ours. Logged with detail, returned without.
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
        AppError::Rule { title, detail: detail.into(), members: RuleMembers::default() }
    }

    /// A broken rule whose problem carries more members (for example `available`).
    fn rule_with(title: &'static str, detail: impl Into<String>, members: RuleMembers) -> Self {
        AppError::Rule { title, detail: detail.into(), members }
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
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The problem document: `type`, `title`, `status`, `detail`, and `errors` for field problems.
    pub fn problem(&self) -> Problem {
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
            AppError::Busy => ("busy", "Service busy"),
            AppError::Internal(_) => ("internal", "Internal error"),
        };
        let detail = match self {
            AppError::Internal(_) => "an internal error occurred; it has been logged".to_owned(),
            AppError::Validation(errors) => {
                errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ")
            }
            other => other.to_string(),
        };
        let errors = match self {
            AppError::Validation(errors) | AppError::BadRequest { errors, .. } => errors.clone(),
            _ => Vec::new(),
        };
        let members = match self {
            AppError::Rule { members, .. } => *members,
            _ => RuleMembers::default(),
        };
        Problem {
            kind: format!("/problems/{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail,
            errors,
            available: members.available,
            returnable: members.returnable,
        }
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

/// What a client reads for the thing that was not there.
fn not_found(missing: &Missing) -> AppError {
    AppError::NotFound(match missing {
        Missing::Category(name) => format!("no category named {name:?}"),
        Missing::Product(id) => format!("no product with id {id}"),
        Missing::Sale(id) => format!("no sale with id {id}"),
        Missing::DailyReport(date) => format!("no daily report for {date}"),
    })
}

/// What a client reads for a write its check of the table refused.
fn refused(refusal: Refusal) -> AppError {
    match refusal {
        Refusal::UnknownCategory(name) => AppError::invalid("category_name", format!("no category named {name:?}")),
        Refusal::CategoryExists(name) => AppError::Conflict(format!("category {name:?} already exists")),
        Refusal::CategoryInUse { name, products } => AppError::Conflict(format!(
            "category {name:?} is used by {products} product(s); move or re-categorise them first"
        )),
        Refusal::IdempotencyKeyTakenOver => {
            AppError::Conflict("this Idempotency-Key was taken over by a retry after its lease expired".into())
        }
    }
}

impl From<SaleRejected> for AppError {
    fn from(e: SaleRejected) -> Self {
        match e {
            SaleRejected::ProductInactive { .. } => AppError::rule(PRODUCT_INACTIVE, e.to_string()),
            SaleRejected::OutOfStock { .. } => AppError::rule(OUT_OF_STOCK, e.to_string()),
            SaleRejected::InsufficientStock { available, .. } => AppError::rule_with(
                INSUFFICIENT_STOCK,
                e.to_string(),
                RuleMembers { available: Some(available), ..RuleMembers::default() },
            ),
            SaleRejected::TotalTooLarge => AppError::invalid("units_sold", "the sale total is too large"),
        }
    }
}

impl From<ReturnRejected> for AppError {
    fn from(e: ReturnRejected) -> Self {
        match e {
            ReturnRejected::BeforeSale { sold_at } => {
                AppError::invalid("returned_at", format!("is before the sale ({})", app::time::to_api(sold_at, None)))
            }
            ReturnRejected::NotReturnable { returnable, .. } => AppError::rule_with(
                NOT_RETURNABLE,
                e.to_string(),
                RuleMembers { returnable: Some(returnable), ..RuleMembers::default() },
            ),
            ReturnRejected::RefundTooLarge => AppError::invalid("units", "the refund is too large"),
            ReturnRejected::StockTooLarge => AppError::invalid("units", e.to_string()),
        }
    }
}

impl From<StockRejected> for AppError {
    fn from(e: StockRejected) -> Self {
        match e {
            StockRejected::BelowZero { .. } => AppError::rule(INSUFFICIENT_STOCK, e.to_string()),
            StockRejected::AboveMaximum => AppError::invalid("change", e.to_string()),
        }
    }
}

impl From<InvalidPeriodGrain> for AppError {
    fn from(e: InvalidPeriodGrain) -> Self {
        AppError::bad_field(e.parameter, e.to_string())
    }
}

impl From<InvalidPeriod> for AppError {
    fn from(e: InvalidPeriod) -> Self {
        AppError::bad_field(e.parameter, e.to_string())
    }
}

impl From<app::Error> for AppError {
    fn from(e: app::Error) -> Self {
        match e {
            app::Error::NotFound(missing) => not_found(&missing),
            app::Error::Refused(refusal) => refused(refusal),
            app::Error::BadCursor => AppError::bad_field("cursor", "is not a cursor this list returned"),
            app::Error::Contended { what } => {
                AppError::Conflict(format!("{what} is being changed by many requests at once; retry shortly"))
            }
            app::Error::Throttled(operation) => {
                tracing::warn!(operation, "DynamoDB throttled a request");
                AppError::Busy
            }
            app::Error::Failed(detail) => AppError::Internal(detail),
            app::Error::Sale(e) => e.into(),
            app::Error::Return(e) => e.into(),
            app::Error::Stock(e) => e.into(),
            app::Error::IdempotencyKeyReused => {
                AppError::invalid("Idempotency-Key", "was already used with a different request body")
            }
            app::Error::IdempotencyKeyInFlight => {
                AppError::Conflict("a request with this Idempotency-Key is still in progress; retry shortly".into())
            }
            app::Error::SummaryTooLarge(_) => AppError::bad_field("group_by", e.to_string()),
            app::Error::NoSuchDay(_) | app::Error::Render(_) => AppError::Internal(e.to_string()),
        }
    }
}

/// The response an idempotency key keeps for a failed write (`app::idempotency::once`): a 404
/// (unknown product or sale) or a 422 (a broken rule) is definite, the same request gets the
/// same answer; anything else may pass, and frees the key.
pub fn definite_answer(error: &app::Error) -> Option<StoredResponse> {
    let answer = AppError::from(error.clone());
    let status = answer.status().as_u16();
    let body = serde_json::to_value(answer.problem()).ok()?;
    matches!(status, 404 | 422).then_some(StoredResponse { status, body })
}

/// The `201 Created` response of `view`, as an idempotency key keeps it.
pub fn created<T: Serialize>(view: &T) -> Result<StoredResponse, app::Error> {
    let body = serde_json::to_value(view).map_err(|e| app::Error::Render(e.to_string()))?;
    Ok(StoredResponse { status: StatusCode::CREATED.as_u16(), body })
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
        problem_response(status, &self.problem(), matches!(self, AppError::Busy))
    }
}

fn problem_response(status: StatusCode, problem: &Problem, retry_after: bool) -> Response {
    // A struct of strings and integers: serializing it cannot fail.
    let body = serde_json::to_vec(problem).unwrap_or_default();
    let mut response = (status, body).into_response();
    response.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static(PROBLEM_JSON));
    if retry_after {
        response.headers_mut().insert(http::header::RETRY_AFTER, http::HeaderValue::from_static("1"));
    }
    response
}

/// The media type of a problem document.
pub const PROBLEM_JSON: &str = "application/problem+json";

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// The problem document as a client reads it.
    trait AsJson {
        fn problem_json(&self) -> Value;
    }

    impl AsJson for AppError {
        fn problem_json(&self) -> Value {
            serde_json::to_value(self.problem()).unwrap()
        }
    }

    #[test]
    fn validation_problem_lists_fields() {
        let err = AppError::Validation(vec![FieldError::new("price", "must be at least 0")]);
        let doc = err.problem_json();
        assert_eq!(doc["status"], 422);
        assert_eq!(doc["type"], "/problems/validation-error");
        assert_eq!(doc["errors"][0]["field"], "price");
        assert_eq!(doc["detail"], "price: must be at least 0");
    }

    #[test]
    fn internal_detail_is_not_returned() {
        let err = AppError::Internal("secret table arn".into());
        let doc = err.problem_json();
        assert_eq!(doc["status"], 500);
        assert!(!doc["detail"].as_str().unwrap().contains("secret"));
    }

    #[test]
    fn a_rejected_sale_is_the_problem_it_always_was() {
        let doc = AppError::from(SaleRejected::InsufficientStock { product_id: 3, available: 2, requested: 5 })
            .problem_json();
        assert_eq!(doc["type"], "/problems/insufficient-stock");
        assert_eq!(doc["title"], INSUFFICIENT_STOCK);
        assert_eq!(doc["detail"], "product 3 has 2 in stock; 5 requested");
        assert_eq!((doc["status"].as_u64(), doc["available"].as_i64()), (Some(422), Some(2)));
        let doc = AppError::from(SaleRejected::ProductInactive { product_id: 3 }).problem_json();
        assert_eq!(
            (doc["type"].as_str(), doc["detail"].as_str()),
            (Some("/problems/product-inactive"), Some("product 3 is inactive and cannot be sold"))
        );
        let doc = AppError::from(app::Error::Return(ReturnRejected::NotReturnable {
            sale_id: "S".into(),
            returnable: 1,
            units_sold: 3,
            requested: 2,
        }))
        .problem_json();
        assert_eq!(doc["detail"], "sale S has 1 of 3 units left to return; 2 requested");
        assert_eq!((doc["type"].as_str(), doc["returnable"].as_i64()), (Some("/problems/not-returnable"), Some(1)));
    }

    #[test]
    fn store_outcomes_keep_their_statuses_and_words() {
        let problem = |e: app::Error| {
            let doc = AppError::from(e).problem_json();
            (doc["status"].as_u64().unwrap_or_default(), doc["detail"].as_str().unwrap_or_default().to_owned())
        };
        assert_eq!(problem(app::Error::NotFound(Missing::Product(9))), (404, "no product with id 9".to_owned()));
        assert_eq!(
            problem(app::Error::Refused(Refusal::UnknownCategory("toys".into()))),
            (422, "category_name: no category named \"toys\"".to_owned())
        );
        assert_eq!(
            problem(app::Error::Refused(Refusal::CategoryExists("toys".into()))),
            (409, "category \"toys\" already exists".to_owned())
        );
        assert_eq!(problem(app::Error::BadCursor), (400, "cursor: is not a cursor this list returned".to_owned()));
        assert_eq!(
            problem(app::Error::Contended { what: "the product" }),
            (409, "the product is being changed by many requests at once; retry shortly".to_owned())
        );
        assert_eq!(problem(app::Error::Throttled("Query")), (503, "the service is busy, retry shortly".to_owned()));
        assert_eq!(problem(app::Error::Failed("secret".into())).0, 500);
    }

    #[test]
    fn only_definite_failures_are_kept_under_an_idempotency_key() {
        let kept = definite_answer(&app::Error::Sale(SaleRejected::OutOfStock { product_id: 1 })).unwrap();
        assert_eq!(kept.status, 422);
        assert_eq!(kept.body["type"], "/problems/out-of-stock");
        assert_eq!(definite_answer(&app::Error::NotFound(Missing::Sale("S".into()))).unwrap().status, 404);
        assert!(definite_answer(&app::Error::Contended { what: "x" }).is_none());
        assert!(definite_answer(&app::Error::Throttled("Query")).is_none());
    }

    #[test]
    fn rule_problem_carries_extensions() {
        let mut err = AppError::rule(INSUFFICIENT_STOCK, "only 3 left");
        if let AppError::Rule { members, .. } = &mut err {
            members.available = Some(3);
        }
        let doc = err.problem_json();
        assert_eq!(doc["available"], 3);
        assert_eq!(doc["type"], "/problems/insufficient-stock");
        assert_eq!(doc["status"], 422);
    }

    #[test]
    fn a_problem_serializes_to_the_contract_document() {
        let doc = serde_json::to_string(&AppError::bad_field("id", "must be a positive integer").problem()).unwrap();
        assert_eq!(
            doc,
            r#"{"type":"/problems/bad-request","title":"Malformed request","status":400,"detail":"id: must be a positive integer","errors":[{"field":"id","message":"must be a positive integer"}]}"#
        );
        let doc = serde_json::to_string(&AppError::NotFound("no product with id 9".into()).problem()).unwrap();
        assert_eq!(
            doc,
            r#"{"type":"/problems/not-found","title":"Not found","status":404,"detail":"no product with id 9"}"#
        );
        let doc = serde_json::to_string(
            &AppError::from(InvalidPeriod { parameter: "at", grain: domain::aggregate::Grain::Month }).problem(),
        )
        .unwrap();
        assert!(doc.contains(r#""detail":"at: must be a month written like 2023-10""#), "{doc}");
    }
}
