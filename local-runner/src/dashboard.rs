//! The store manager's dashboard at `/dashboard/`: the built single-page app (`dashboard/dist`,
//! or `DASHBOARD_DIR`) and its runtime `config.json`, which locally names this origin as the API
//! and no sign-in. Served outside the API's authorization, like any static site: the API calls
//! the page makes are what is authorized.

use std::path::PathBuf;

use api::error::{PROBLEM_JSON, Problem};
use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use tower_http::services::ServeDir;

/// Where the built dashboard is: `DASHBOARD_DIR`, else `dashboard/dist` of this repository.
pub fn dashboard_dir() -> PathBuf {
    std::env::var_os("DASHBOARD_DIR")
        .filter(|d| !d.is_empty())
        .map_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../dashboard/dist")), PathBuf::from)
}

/// The dashboard's routes, for [`crate::app`] to merge.
pub fn router() -> Router {
    router_for(dashboard_dir())
}

/// The dashboard's routes serving the build in `dir`.
pub fn router_for(dir: PathBuf) -> Router {
    let assets = move |req: Request| serve(dir.clone(), req);
    Router::new()
        .route("/dashboard", get(to_slash))
        .route("/dashboard/config.json", get(config))
        .route("/dashboard/", get(assets.clone()))
        .route("/dashboard/{*path}", get(assets))
}

/// `/dashboard` -> `/dashboard/`, keeping the query (`?from=...&to=...`).
async fn to_slash(uri: Uri) -> Redirect {
    match uri.query() {
        Some(q) => Redirect::permanent(&format!("/dashboard/?{q}")),
        None => Redirect::permanent("/dashboard/"),
    }
}

/// The runtime configuration: the API is this origin, and nobody signs in locally.
async fn config() -> Response {
    let mut res = axum::Json(serde_json::json!({ "apiBaseUrl": "", "oidc": null })).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

async fn serve(dir: PathBuf, req: Request) -> Response {
    if !dir.join("index.html").is_file() {
        let html =
            req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"));
        return not_built(&dir, html);
    }
    let (mut parts, body) = req.into_parts();
    let rest = parts.uri.path().strip_prefix("/dashboard").unwrap_or("/");
    let rest = if rest.is_empty() { "/" } else { rest };
    let hashed = rest.starts_with("/assets/");
    let path_and_query = match parts.uri.query() {
        Some(q) => format!("{rest}?{q}"),
        None => rest.to_owned(),
    };
    parts.uri = match path_and_query.parse() {
        Ok(uri) => uri,
        Err(_) => return StatusCode::BAD_REQUEST.into_response(),
    };
    let req = Request::from_parts(parts, body);
    let mut res = match ServeDir::new(&dir).append_index_html_on_directories(true).try_call(req).await {
        Ok(res) => res.map(Body::new),
        Err(e) => {
            tracing::error!(error = %e, "dashboard file could not be read");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    if res.status() == StatusCode::NOT_FOUND {
        return problem(StatusCode::NOT_FOUND, "Not Found", "no such file of the dashboard");
    }
    // Vite names the files under assets/ by their content hash: they never change. index.html does.
    let cache = if hashed { "public, max-age=31536000, immutable" } else { "no-cache" };
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    res
}

/// 503 while `dashboard/dist` is missing: an HTML page for browsers, problem+json for the rest.
fn not_built(dir: &std::path::Path, html: bool) -> Response {
    let status = StatusCode::SERVICE_UNAVAILABLE;
    if html {
        let page = format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Dashboard not built</title></head>\
             <body><h1>The dashboard is not built</h1><p>Run <code>make dev</code> (it builds it), or \
             <code>npm ci &amp;&amp; npm run build</code> in <code>dashboard/</code>, then reload.</p>\
             <p>Looked in <code>{}</code> (<code>DASHBOARD_DIR</code> overrides).</p></body></html>",
            html_escape(&dir.display().to_string())
        );
        let mut res = (status, axum::response::Html(page)).into_response();
        res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return res;
    }
    let detail = format!(
        "the dashboard is not built: run `make dev` (it builds it), or `npm ci && npm run build` in dashboard/ (looked in {})",
        dir.display()
    );
    problem(status, "Dashboard not built", &detail)
}

fn problem(status: StatusCode, title: &str, detail: &str) -> Response {
    let problem = Problem {
        kind: "about:blank".into(),
        title: title.to_owned(),
        status: status.as_u16(),
        detail: detail.to_owned(),
        errors: Vec::new(),
        available: None,
        returnable: None,
    };
    // A struct of strings and integers: serializing it cannot fail.
    let body = serde_json::to_string(&problem).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, PROBLEM_JSON)], body).into_response()
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request as HttpRequest;
    use tower::ServiceExt;

    async fn get(router: &Router, uri: &str, accept: Option<&str>) -> (StatusCode, axum::http::HeaderMap, String) {
        let mut req = HttpRequest::get(uri);
        if let Some(a) = accept {
            req = req.header(header::ACCEPT, a);
        }
        let res = router.clone().oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let body = axum::body::to_bytes(res.into_body(), 1 << 20).await.unwrap();
        (status, headers, String::from_utf8_lossy(&body).into_owned())
    }

    /// A dashboard build in a temporary folder, removed when the test ends (passed or not).
    fn built() -> tempfile::TempDir {
        let dir = tempfile::Builder::new().prefix("dashboard-dist-").tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("assets")).unwrap();
        std::fs::write(dir.path().join("index.html"), "<!doctype html><title>dashboard</title>").unwrap();
        std::fs::write(dir.path().join("assets/index-abc.js"), "console.log(1)").unwrap();
        std::fs::write(dir.path().join("assets/index-abc.css"), "body{}").unwrap();
        dir
    }

    #[tokio::test]
    async fn serves_the_build_with_content_types_and_caching() {
        let dir = built();
        let router = router_for(dir.path().to_owned());
        for uri in ["/dashboard/", "/dashboard/index.html", "/dashboard/?from=2022-01-01&to=2023-12-31"] {
            let (status, headers, body) = get(&router, uri, None).await;
            assert_eq!(status, StatusCode::OK, "{uri}");
            assert!(headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"), "{uri}");
            assert_eq!(headers[header::CACHE_CONTROL], "no-cache", "{uri}");
            assert!(body.contains("<title>dashboard</title>"), "{uri}");
        }
        let (status, headers, _) = get(&router, "/dashboard/assets/index-abc.js", None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(headers[header::CONTENT_TYPE].to_str().unwrap().contains("javascript"));
        assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=31536000, immutable");
        let (_, headers, _) = get(&router, "/dashboard/assets/index-abc.css", None).await;
        assert!(headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/css"));
        for missing in ["/dashboard/assets/nope.js", "/dashboard/sales", "/dashboard/..%2f..%2fCargo.toml"] {
            let (status, headers, _) = get(&router, missing, None).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
            assert_eq!(headers[header::CONTENT_TYPE], "application/problem+json", "{missing}");
        }
    }

    #[tokio::test]
    async fn redirects_to_the_slash_keeping_the_range_and_answers_its_config() {
        let dir = built();
        let router = router_for(dir.path().to_owned());
        let (status, headers, _) = get(&router, "/dashboard?from=2022-01-01&to=2023-12-31", None).await;
        assert_eq!(status, StatusCode::PERMANENT_REDIRECT);
        assert_eq!(headers[header::LOCATION], "/dashboard/?from=2022-01-01&to=2023-12-31");
        let (_, headers, _) = get(&router, "/dashboard", None).await;
        assert_eq!(headers[header::LOCATION], "/dashboard/");
        let (status, headers, body) = get(&router, "/dashboard/config.json", None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers[header::CACHE_CONTROL], "no-store");
        let config: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(config, serde_json::json!({ "apiBaseUrl": "", "oidc": null }));
    }

    #[tokio::test]
    async fn without_a_build_it_says_how_to_make_one() {
        let empty = tempfile::tempdir().unwrap();
        let router = router_for(empty.path().join("dist"));
        let (status, headers, body) = get(&router, "/dashboard/", None).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(headers[header::CONTENT_TYPE], "application/problem+json");
        let problem: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(problem["status"], 503);
        assert!(problem["detail"].as_str().unwrap().contains("npm run build"));
        let (status, headers, body) = get(&router, "/dashboard/", Some("text/html,application/xhtml+xml")).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
        assert!(body.contains("make dev"));
        // The runtime configuration does not need the build.
        let (status, _, _) = get(&router, "/dashboard/config.json", None).await;
        assert_eq!(status, StatusCode::OK);
    }
}
