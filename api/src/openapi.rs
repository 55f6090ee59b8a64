//! The OpenAPI 3.1 description of the API, generated from the code with utoipa.
//!
//! Operations are documented where they are implemented: each handler carries a
//! `#[utoipa::path]` and is registered with `utoipa_axum::routes!`, which adds the route and its
//! documentation together; each request, query, path and response type is documented by its own
//! definition (the wire modules). This module holds what the handlers share: the common error
//! responses (their body is `error::Problem`), the time-zone parameter's schema, and the
//! document's header.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::{Modify, OpenApi, ToResponse};

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Type};

use crate::error::{FieldError, Problem};
use crate::wire::{CategoryName, MoneyInput, MoneyView, TimeBound};

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
        schemas(Problem, FieldError, MoneyView, MoneyInput, CategoryName, TimeBound),
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
