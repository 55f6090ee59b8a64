//! The API describes itself: `/openapi.json` documents every route (and no route exists without
//! its documentation), and Swagger UI at `/docs` renders it with no internet.

use reqwest::Method;
use serde_json::Value;

use crate::helpers::spawn_app;

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// A path template with its parameters filled with values that exist in a fresh table's terms.
fn concrete(path: &str) -> String {
    let id = if path.starts_with("/sales/") { "01HCJ7T2Q1ZQ8YJ3X2M5V6B7N8" } else { "1" };
    path.replace("{id}", id).replace("{name}", "electronics").replace("{date}", "2022-10-08")
}

#[tokio::test]
async fn the_document_is_openapi_3_1_with_every_contract_path() {
    let app = spawn_app().await;
    let doc = app.get("/openapi.json").await.assert_status(200).clone();
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")), "{}", doc["openapi"]);
    let paths = doc["paths"].as_object().expect("paths");
    for (path, methods) in [
        ("/categories", &["get", "post"][..]),
        ("/categories/{name}", &["get", "patch", "delete"]),
        ("/products", &["get", "post"]),
        ("/products/{id}", &["get", "patch"]),
        ("/products/{id}/inventory", &["get", "post"]),
        ("/inventory/low-stock", &["get"]),
        ("/sales", &["get", "post"]),
        ("/sales/summary", &["get"]),
        ("/sales/compare", &["get"]),
        ("/sales/top", &["get"]),
        ("/sales/{id}", &["get"]),
        ("/sales/{id}/returns", &["get", "post"]),
        ("/reports/daily", &["get"]),
        ("/reports/daily/{date}", &["get"]),
        ("/health", &["get"]),
        ("/openapi.json", &["get"]),
    ] {
        for method in methods {
            let op = &paths[path][*method];
            assert!(op.is_object(), "{method} {path} is documented");
            assert!(op["responses"].as_object().is_some_and(|r| !r.is_empty()), "{method} {path} has responses");
            let documents = |status: &str| op["responses"].get(status).is_some();
            if path.contains('{') {
                assert!(documents("404"), "{method} {path} documents 404 for an unknown resource");
            }
            if op.get("requestBody").is_some() {
                assert!(documents("413") && documents("422"), "{method} {path} documents 413 and 422");
            }
        }
    }
    // Problem responses are problem+json with the Problem schema.
    let bad = &doc["components"]["responses"]["BadRequest"]["content"]["application/problem+json"]["schema"];
    assert_eq!(bad["$ref"], "#/components/schemas/Problem");
    // Bodies have examples, so Swagger UI and schemathesis start from realistic requests.
    assert!(doc["components"]["schemas"]["NewProductBody"]["example"].is_object());
}

/// Every documented operation is served, and on a documented path every method that is not
/// documented is a 405: the router and the document agree.
#[tokio::test]
async fn every_documented_operation_is_served_and_no_other_method() {
    let app = spawn_app().await;
    let doc = app.get("/openapi.json").await.assert_status(200).clone();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            let documented = item.get(method.to_lowercase()).is_some();
            let url = concrete(path);
            let body = matches!(method, "POST" | "PATCH" | "PUT").then_some("{}");
            let reply = app.request(Method::from_bytes(method.as_bytes()).unwrap(), &url, body).await;
            if documented {
                assert_ne!(reply.status.as_u16(), 405, "{method} {path} is documented and served");
                let unrouted = reply.status.as_u16() == 404 && reply.body["detail"] == "no such resource";
                assert!(!unrouted, "{method} {path} is documented and routed");
                assert!(reply.status.as_u16() < 500, "{method} {path}: {}", reply.body);
            } else {
                assert_eq!(reply.status.as_u16(), 405, "{method} {path} is not documented, so not served");
            }
        }
    }
}

/// A value each query parameter accepts, by name (`by` suits both compare and top).
fn query_value(name: &str) -> &'static str {
    match name {
        "limit" => "5",
        "category_name" => "electronics",
        "status" => "active",
        "product_id" => "1",
        "from" => "2022-01-01",
        "to" => "2023-12-31",
        "tz" => "Asia/Karachi",
        "group_by" => "month",
        "period" => "year",
        "current" | "at" => "2023",
        "previous" => "2022",
        "by" => "product",
        "metric" => "units",
        "has_returns" => "true",
        other => panic!("no test value for the query parameter {other}: add one"),
    }
}

/// Every query parameter the document names is one its handler reads: sent alone (with the
/// operation's required ones), none is "not a known query parameter", and each such request
/// succeeds.
#[tokio::test]
async fn every_documented_query_parameter_is_read_by_its_handler() {
    let app = spawn_app().await;
    let doc = app.get("/openapi.json").await.assert_status(200).clone();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let Some(op) = item.get("get") else { continue };
        let params: Vec<&Value> =
            op["parameters"].as_array().map(|p| p.iter().filter(|p| p["in"] == "query").collect()).unwrap_or_default();
        let required: Vec<String> = params
            .iter()
            .filter(|p| p["required"] == true)
            .map(|p| format!("{}={}", p["name"].as_str().unwrap(), query_value(p["name"].as_str().unwrap())))
            .collect();
        for p in params.iter().filter(|p| p["name"] != "cursor") {
            let name = p["name"].as_str().unwrap();
            let mut query = required.clone();
            let pair = format!("{name}={}", query_value(name));
            if !query.contains(&pair) {
                query.push(pair);
            }
            let url = format!("{}?{}", concrete(path), query.join("&"));
            let reply = app.get(&url).await;
            assert!(
                reply.status.is_success() || reply.status.as_u16() == 404,
                "GET {url} reads every documented parameter: {} {}",
                reply.status,
                reply.body
            );
            checked += 1;
        }
    }
    assert!(checked >= 25, "checked {checked} parameters");
}

/// The other half of "the document's parameters are the handler's": with every required
/// parameter given, a parameter the operation does not document is a 400 naming it, so a handler
/// cannot read a query parameter its document leaves out. (Operations without query parameters
/// read no query string at all.)
#[tokio::test]
async fn every_operation_refuses_an_undocumented_query_parameter() {
    let app = spawn_app().await;
    let doc = app.get("/openapi.json").await.assert_status(200).clone();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let Some(op) = item.get("get") else { continue };
        if op["security"] == serde_json::json!([{}]) {
            continue; // the service's own public paths read no input
        }
        let params: Vec<&Value> =
            op["parameters"].as_array().map(|p| p.iter().filter(|p| p["in"] == "query").collect()).unwrap_or_default();
        if params.is_empty() {
            continue;
        }
        let mut query: Vec<String> = params
            .iter()
            .filter(|p| p["required"] == true)
            .map(|p| format!("{}={}", p["name"].as_str().unwrap(), query_value(p["name"].as_str().unwrap())))
            .collect();
        query.push("undocumented=1".into());
        let url = format!("{}?{}", concrete(path), query.join("&"));
        let reply = app.get(&url).await;
        reply.assert_problem(400);
        assert_eq!(reply.error_fields(), ["undocumented"], "GET {url}: {}", reply.body);
        checked += 1;
    }
    assert!(checked >= 10, "checked {checked} operations");
}

/// The function crates add routes only through `utoipa_axum::routes!`, which takes each route
/// from its handler's `#[utoipa::path]`: a plain axum route would exist without documentation.
#[test]
fn function_crates_add_no_undocumented_routes() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut sources = Vec::new();
    let mut dirs: Vec<_> = ["functions/products", "functions/sales", "functions/reports", "functions/aggregate-stream"]
        .iter()
        .map(|c| root.join(c).join("src"))
        .collect();
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                sources.push(path);
            }
        }
    }
    let mut offenders = Vec::new();
    for path in sources {
        // The document's own route and the UI's static files (see its module comment); the
        // document-and-router agreement test covers `/openapi.json`.
        if path.ends_with("products/src/docs.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("source");
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            let adds_route =
                [".route(", ".route_service(", ".nest(", ".nest_service("].iter().any(|p| code.contains(p));
            // An axum Router (not utoipa's OpenApiRouter) built in a function crate.
            let axum_router = ["Router::new(", "Router::default("].iter().any(|p| {
                code.match_indices(p).any(|(i, _)| !code[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_'))
            });
            if adds_route || axum_router {
                offenders.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(offenders.is_empty(), "routes added without documentation:\n{}", offenders.join("\n"));
}

/// Swagger UI, served from assets compiled into the binary, renders the operation list in
/// headless Chromium (Debian's `chromium`; `make test` installs it).
#[tokio::test]
async fn swagger_ui_renders_the_operations_in_headless_chromium() {
    let app = spawn_app().await;
    let doc = app.get("/openapi.json").await.assert_status(200).clone();
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "chromium".into());
    let profile = std::env::temp_dir().join(format!("chromium-{}", uuid::Uuid::new_v4().simple()));
    let out = tokio::process::Command::new(&chromium)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"])
        // No calls home: on a closed network they stall start-up.
        .args(["--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic"])
        .arg(format!("--user-data-dir={}", profile.display()))
        // Lets the page's scripts run (fetch the document, render) before the DOM is printed.
        .arg("--virtual-time-budget=30000")
        .arg("--dump-dom")
        .arg(format!("{}/docs", app.base))
        .output()
        .await
        .unwrap_or_else(|e| panic!("{chromium} runs ({e}); `make test` installs Debian's chromium"));
    let _ = std::fs::remove_dir_all(&profile);
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(dom.contains("swagger-ui"), "the page loaded: {}", String::from_utf8_lossy(&out.stderr));
    // Each operation is an `opblock` whose id is `operations-<tag>-<operationId>`.
    let mut missing = Vec::new();
    let mut shown = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let (Some(id), Some(tag)) = (op["operationId"].as_str(), op["tags"][0].as_str()) else { continue };
            if dom.contains(&format!("id=\"operations-{tag}-{id}\"")) {
                shown += 1;
            } else {
                missing.push(format!("{method} {path} ({id})"));
            }
        }
    }
    assert!(missing.is_empty() && shown >= 20, "operations not rendered: {missing:?} (rendered {shown})");
    assert!(dom.contains("E-commerce admin API"), "the title is rendered");
}

#[tokio::test]
async fn health_and_docs_need_no_credentials_and_docs_redirect_to_the_ui() {
    let app = spawn_app().await;
    let no_redirects = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let reply = no_redirects.get(format!("{}/docs", app.base)).send().await.expect("request");
    assert!(reply.status().is_redirection());
    // Under /docs/{proxy+}, the route API Gateway sends to the products function.
    assert_eq!(reply.headers()["location"], "/docs/index.html");
    let reply = app.http.get(format!("{}/docs/index.html", app.base)).send().await.expect("request");
    assert_eq!(reply.status(), 200);
    assert!(reply.text().await.unwrap().contains("swagger-ui-bundle.js"));
    let bundle = app.http.get(format!("{}/docs/swagger-ui-bundle.js", app.base)).send().await.expect("request");
    assert_eq!(bundle.status(), 200);
    assert!(bundle.bytes().await.unwrap().len() > 100_000, "the bundle is served from the binary");
    let doc: Value = app.http.get(format!("{}/openapi.json", app.base)).send().await.unwrap().json().await.unwrap();
    assert_eq!(doc["paths"]["/health"]["get"]["security"], serde_json::json!([{}]));
}

/// The products Lambda serves the committed `docs/openapi.json` (it does not link the other
/// functions, so it cannot generate the whole document): the file must be the document the code
/// generates. `UPDATE_OPENAPI=1` rewrites it.
#[test]
fn the_committed_document_is_the_generated_one() {
    let generated = local_runner::openapi_json();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/openapi.json");
        std::fs::write(&path, &generated).expect("write docs/openapi.json");
    } else {
        assert!(
            generated == products::docs::COMMITTED_DOCUMENT,
            "docs/openapi.json is not the document the code generates; regenerate it with \
             `cargo run -p local-runner -- openapi > docs/openapi.json` \
             (or `UPDATE_OPENAPI=1 cargo test -p local-runner --test e2e committed_document`) and commit it"
        );
    }
    let document: Value = serde_json::from_str(products::docs::COMMITTED_DOCUMENT).expect("docs/openapi.json is JSON");
    assert!(document["paths"]["/products"].is_object() && document["paths"]["/sales"].is_object());
}
