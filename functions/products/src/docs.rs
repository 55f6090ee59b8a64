//! The API's own description: `GET /openapi.json` (OpenAPI 3.1) and `GET /docs` (Swagger UI, its
//! assets compiled into the binary from the vendored `utoipa-swagger-ui` package: no CDN at run
//! time). In AWS the products function serves both (see `template.yaml`); locally the runner does.
//!
//! The document covers every function's routes, so it is generated where they are all linked
//! (the local runner: `cargo run -p local-runner -- openapi`) and committed as
//! `docs/openapi.json`; the products Lambda serves that file, so it links neither the sales nor
//! the reports function. A local-runner test fails when the file and the code disagree.

use std::sync::Arc;

use api::error::AppError;
use axum::Router;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

/// The whole API's OpenAPI document as committed (`docs/openapi.json`): what the products Lambda
/// serves.
pub const COMMITTED_DOCUMENT: &str = include_str!("../../../docs/openapi.json");

/// `/openapi.json` (`document`, the JSON text) and Swagger UI under `/docs`. `/docs` redirects
/// to `/docs/index.html` rather than to `/docs/`, so every page and asset is under the API Gateway route `/docs/{proxy+}`.
/// (`/openapi.json` is documented in `api::openapi`; the UI's files are not API operations.)
pub fn docs_router(document: impl Into<Bytes>) -> Router {
    let document: Bytes = document.into();
    let config = Arc::new(utoipa_swagger_ui::Config::from("/openapi.json").display_request_duration(true));
    Router::new()
        .route(
            "/openapi.json",
            get(move || {
                let document = document.clone();
                async move { ([(header::CONTENT_TYPE, "application/json")], document).into_response() }
            }),
        )
        .route("/docs", get(|| async { Redirect::to("/docs/index.html") }))
        .route("/docs/", get(|| async { Redirect::to("/docs/index.html") }))
        .route("/docs/{*file}", get(move |Path(file): Path<String>| swagger_file(file, config.clone())))
}

async fn swagger_file(file: String, config: Arc<utoipa_swagger_ui::Config<'static>>) -> Response {
    match utoipa_swagger_ui::serve(&file, config) {
        Ok(Some(found)) => {
            let mut response = (StatusCode::OK, found.bytes.into_owned()).into_response();
            if let Ok(value) = HeaderValue::from_str(&found.content_type) {
                response.headers_mut().insert(header::CONTENT_TYPE, value);
            }
            if found.gzpipped {
                response.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            }
            response
        }
        Ok(None) => AppError::NotFound(format!("no file {file} in the docs")).into_response(),
        Err(e) => AppError::Internal(format!("swagger ui: {e}")).into_response(),
    }
}
