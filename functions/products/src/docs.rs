//! The API's own description: `GET /openapi.json` (OpenAPI 3.1, generated from every function's
//! routes) and `GET /docs` (Swagger UI, its assets compiled into the binary from the vendored
//! `utoipa-swagger-ui` package: no CDN at run time). In AWS the products function serves both
//! (see `template.yaml`); locally the runner does.

use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use shared::error::AppError;
use shared::http::AppState;
use utoipa_axum::router::OpenApiRouter;

/// Every function's routes with their documentation; the runner serves them all, and the
/// document describes them all.
pub fn all_routes() -> OpenApiRouter<AppState> {
    crate::routes().merge(sales::routes()).merge(reports::routes())
}

/// The whole API's OpenAPI document.
pub fn api_document() -> utoipa::openapi::OpenApi {
    shared::openapi::document([all_routes().into_openapi()])
}

/// `/openapi.json` and Swagger UI under `/docs`. `/docs` redirects to `/docs/index.html` rather
/// than to `/docs/`, so every page and asset is under the API Gateway route `/docs/{proxy+}`.
/// (`/openapi.json` is documented in `shared::openapi`; the UI's files are not API operations.)
pub fn docs_router() -> Router {
    // Built on first request, not at start-up: it is not on any cold start's path.
    let document: Arc<OnceLock<String>> = Arc::default();
    let config = Arc::new(utoipa_swagger_ui::Config::from("/openapi.json").display_request_duration(true));
    Router::new()
        .route(
            "/openapi.json",
            get(move || {
                let document = document.clone();
                async move {
                    let json = document.get_or_init(|| api_document().to_json().unwrap_or_else(|e| e.to_string()));
                    ([(header::CONTENT_TYPE, "application/json")], json.clone()).into_response()
                }
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
