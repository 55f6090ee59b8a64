//! What API Gateway and Lambda see of the functions (issue 14): a browser's CORS preflight from
//! the dashboard's origin, sent as an HTTP API (payload 2.0) event through `lambda_http`'s own
//! adapter (the code `lambda_http::run` runs) into each HTTP function's router built as its
//! `main` builds it; and the one write a sale makes to its product.

use std::collections::HashMap;

use api::auth::AuthMode;
use api::http::AppState;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::Utc;
use domain::money::Money;
use domain::{NewCategory, NewProduct, NewSale, ProductStatus};
use lambda_http::tower::ServiceExt;
use serde_json::{Value, json};
use store::{key_item, keys};

const DASHBOARD: &str = "https://d1a2b3c4example.cloudfront.net";

/// The three HTTP functions' routers exactly as their `main`s build them (`finish_for` with the
/// configuration the Lambda reads from its environment), with authorization by the JWT
/// authorizer's claims and the dashboard's origin allowed.
fn lambdas(state: &AppState) -> Vec<(&'static str, axum::Router)> {
    let mut config = (*state.config).clone();
    config.auth_mode = AuthMode::Authorizer;
    config.cors_allow_origins = vec![DASHBOARD.to_owned(), "http://localhost:5173".to_owned()];
    let mut state = state.clone();
    state.config = std::sync::Arc::new(config.clone());
    let wrap = |routes| api::lambda::with_lambda_request_id(api::http::finish_for(routes, &config));
    vec![
        (
            "products",
            wrap(
                products::router(state.clone()).merge(products::docs::docs_router(products::docs::COMMITTED_DOCUMENT)),
            ),
        ),
        ("sales", wrap(sales::router(state.clone()))),
        ("reports", wrap(reports::router(state))),
    ]
}

/// An API Gateway HTTP API event: `groups` are the JWT authorizer's claims (`None`: no
/// authorizer ran, as for a route with `Authorizer: NONE`).
fn event(method: &str, path: &str, headers: &[(&str, &str)], groups: Option<&str>) -> Value {
    let mut all: serde_json::Map<String, Value> = headers.iter().map(|(k, v)| ((*k).to_owned(), json!(v))).collect();
    all.insert("host".into(), json!("abc123.execute-api.us-east-1.amazonaws.com"));
    let authorizer = groups.map(|g| json!({"jwt": {"claims": {"sub": "u", "cognito:groups": g}, "scopes": null}}));
    let route = if method == "OPTIONS" { "OPTIONS /{proxy+}".to_owned() } else { format!("{method} {path}") };
    json!({
        "version": "2.0", "routeKey": route, "rawPath": path, "rawQueryString": "",
        "headers": all,
        "requestContext": {
            "accountId": "123456789012", "apiId": "abc123", "authorizer": authorizer,
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com", "domainPrefix": "abc123",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1", "userAgent": "Mozilla/5.0"},
            "requestId": "JKJaXmPLvHcESHA=", "routeKey": route, "stage": "$default",
            "time": "25/Nov/2026:05:00:00 +0000", "timeEpoch": 1795582800000u64
        },
        "isBase64Encoded": false
    })
}

/// Runs `event` through `lambda_http`'s adapter into `router`, and returns the proxy response
/// Lambda would hand back to API Gateway: status and headers (lower-case names).
async fn invoke(router: &axum::Router, event: Value) -> (u64, HashMap<String, String>) {
    let payload: lambda_http::request::LambdaRequest = serde_json::from_value(event).expect("an HTTP API event");
    let adapter = lambda_http::Adapter::from(router.clone());
    let response = adapter
        .oneshot(lambda_http::LambdaEvent::new(payload, lambda_http::Context::default()))
        .await
        .expect("the router answers");
    let response = serde_json::to_value(&response).expect("a proxy response");
    let headers = response["headers"]
        .as_object()
        .map(|h| h.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.as_str().unwrap_or_default().to_owned())).collect())
        .unwrap_or_default();
    (response["statusCode"].as_u64().expect("a status"), headers)
}

fn preflight(origin: &str, path: &str) -> Value {
    event(
        "OPTIONS",
        path,
        &[
            ("origin", origin),
            ("access-control-request-method", "POST"),
            ("access-control-request-headers", "authorization,content-type"),
        ],
        None,
    )
}

#[tokio::test]
async fn a_preflight_from_the_dashboard_is_answered_without_a_token() {
    let (state, _dynamodb) = test_support::fresh_state("cors").await;
    for (function, router) in lambdas(&state) {
        for path in ["/products", "/sales", "/reports/daily", "/categories/toys", "/no/such/path"] {
            let (status, headers) = invoke(&router, preflight(DASHBOARD, path)).await;
            assert_eq!(status, 204, "{function} {path}: {headers:?}");
            assert_eq!(headers.get("access-control-allow-origin").map(String::as_str), Some(DASHBOARD));
            let methods = &headers["access-control-allow-methods"];
            assert!(["GET", "POST", "PATCH", "DELETE"].iter().all(|m| methods.contains(m)), "{methods}");
            let allowed = headers["access-control-allow-headers"].to_ascii_lowercase();
            assert!(allowed.contains("authorization") && allowed.contains("content-type"), "{allowed}");
            assert!(headers["vary"].to_ascii_lowercase().contains("origin"));
            assert!(headers.contains_key("access-control-max-age"));
        }
        // Another origin: answered (a preflight needs no token), but nothing that lets the
        // browser go on.
        let (status, headers) = invoke(&router, preflight("https://evil.example.com", "/products")).await;
        assert_eq!(status, 204, "{function}");
        let cors: Vec<&String> = headers.keys().filter(|k| k.starts_with("access-control-")).collect();
        assert!(cors.is_empty(), "{function}: no CORS header for another origin: {cors:?}");
    }
}

#[tokio::test]
async fn responses_carry_the_allowed_origin_and_a_token_is_still_required() {
    let (state, _dynamodb) = test_support::fresh_state("cors").await;
    let lambdas = lambdas(&state);
    let (_, products) = &lambdas[0];
    let get = |origin: &str, groups: Option<&str>| event("GET", "/categories", &[("origin", origin)], groups);

    let (status, headers) = invoke(products, get(DASHBOARD, Some("[analyst]"))).await;
    assert_eq!(status, 200);
    assert_eq!(headers.get("access-control-allow-origin").map(String::as_str), Some(DASHBOARD));
    assert!(headers["access-control-expose-headers"].contains("x-request-id"));
    assert!(headers["vary"].to_ascii_lowercase().contains("origin"));

    let (status, headers) = invoke(products, get("https://evil.example.com", Some("[analyst]"))).await;
    assert_eq!(status, 200, "CORS is enforced by the browser; the API answers as it would to curl");
    assert!(!headers.contains_key("access-control-allow-origin"));
    assert!(headers["vary"].to_ascii_lowercase().contains("origin"), "the answer depends on the origin");

    // The preflight exemption opens nothing: a real request without claims is still 401, and
    // is told so in a way the dashboard can read.
    let (status, headers) = invoke(products, get(DASHBOARD, None)).await;
    assert_eq!(status, 401);
    assert_eq!(headers.get("access-control-allow-origin").map(String::as_str), Some(DASHBOARD));
    // An OPTIONS that is not a preflight is no read either: the router's 405, not 401.
    let (status, _) = invoke(products, event("OPTIONS", "/products", &[], None)).await;
    assert_eq!(status, 405);
}

/// Reads a product's stored item as it is in the table.
async fn stored_product(state: &AppState, id: i64) -> HashMap<String, AttributeValue> {
    state.store().get(&keys::product(id), true).await.unwrap().expect("the product")
}

#[tokio::test]
async fn a_sale_changes_only_the_stock_of_its_product() {
    let (state, _dynamodb) = test_support::fresh_state("sale-update").await;
    let store = state.store();
    let now = Utc::now();
    store.create_category(NewCategory { name: "home".into(), description: None }, now).await.unwrap();
    let product = store
        .create_product(
            NewProduct {
                name: "Desk lamp".into(),
                description: Some("bright".into()),
                price: Money::from_minor(1999),
                image: None,
                category_name: "home".into(),
                status: ProductStatus::Active,
                current_inventory: 5,
                low_stock_alert_threshold: 2,
            },
            now,
        )
        .await
        .unwrap();
    // Another writer sets attributes of the product between the sale's read and its write
    // without a version bump (an attribute this code does not even know, and the name): a full
    // put of the product as the sale read it would erase both.
    store
        .client()
        .update_item()
        .table_name(store.table())
        .set_key(Some(key_item(&keys::product(product.id))))
        .update_expression("SET supplier = :s, #name = :n")
        .expression_attribute_names("#name", "name")
        .expression_attribute_values(":s", AttributeValue::S("acme".into()))
        .expression_attribute_values(":n", AttributeValue::S("Desk lamp (renamed)".into()))
        .send()
        .await
        .unwrap();
    let before = stored_product(&state, product.id).await;

    let later = now + chrono::Duration::seconds(1);
    let sale = NewSale { product_id: product.id, units_sold: 3, sold_at: later };
    app::sales::record_sale(&state, &sale, later, None).await.unwrap();

    let after = stored_product(&state, product.id).await;
    assert_eq!(after["current_inventory"], AttributeValue::N("2".into()));
    assert_eq!(after["version"], AttributeValue::N("2".into()));
    assert_eq!(after["supplier"], AttributeValue::S("acme".into()), "an attribute the sale does not own survives");
    assert_eq!(after["name"], AttributeValue::S("Desk lamp (renamed)".into()));
    // Down to its threshold: the product entered the low-stock index.
    assert!(!before.contains_key("GSI4PK"));
    assert_eq!(after["GSI4PK"], AttributeValue::S(keys::LOW_STOCK.into()));
    let changed: Vec<&String> = {
        let mut names: Vec<&String> = after
            .keys()
            .filter(|k| before.get(*k) != after.get(*k))
            .chain(before.keys().filter(|k| !after.contains_key(*k)))
            .collect();
        names.sort();
        names.dedup();
        names
    };
    assert_eq!(changed, ["GSI4PK", "GSI4SK", "current_inventory", "updated_at", "version"]);
    let low = store.list_low_stock(None, 10, None).await.unwrap();
    assert_eq!(low.items.iter().map(|p| p.id).collect::<Vec<_>>(), [product.id]);
}

/// The value of `key: value` in a one-line YAML flow mapping such as
/// `Properties: { ApiId: !Ref HttpApi, Path: /sales, Method: ANY }`.
fn flow_value<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let rest = &line[line.find(&format!("{key}: "))? + key.len() + 2..];
    match rest.strip_prefix('"') {
        Some(quoted) => quoted.split('"').next(),
        None => Some(rest.split([',', '}']).next()?.trim()),
    }
}

/// API Gateway sends a preflight to the route that matches OPTIONS and the path: for a path with
/// a JWT-protected `ANY` route that is the `ANY` route (401), unless the same path has its own
/// OPTIONS route without authorizer. So template.yaml must give every `ANY` path that twin, and
/// `OPTIONS /{proxy+}` for the paths `$default` takes; and API Gateway's CORS configuration must
/// allow what the functions allow.
#[test]
fn every_protected_route_has_an_unauthenticated_preflight_route() {
    let template = sam_template::TEMPLATE;
    let routes: Vec<(&str, &str, bool)> = template
        .lines()
        .filter(|l| l.contains("ApiId: !Ref HttpApi") && l.contains("Method: "))
        .map(|l| {
            (flow_value(l, "Path").expect("a path"), flow_value(l, "Method").unwrap(), l.contains("Authorizer: NONE"))
        })
        .collect();
    assert_eq!(
        routes.iter().filter(|r| r.1 == "ANY").count(),
        template.matches("Method: ANY").count(),
        "every ANY route is written on one line (this test reads them so)"
    );
    let protected: std::collections::BTreeSet<&str> =
        routes.iter().filter(|r| r.1 == "ANY" && !r.2).map(|r| r.0).collect();
    assert!(protected.len() >= 12, "{protected:?}");
    let preflight: std::collections::BTreeSet<&str> =
        routes.iter().filter(|r| r.1 == "OPTIONS" && r.2).map(|r| r.0).collect();
    let mut expected = protected.clone();
    expected.insert("/{proxy+}");
    assert_eq!(preflight, expected, "OPTIONS routes without authorizer");

    for line in template.lines().filter(|l| l.trim_start().starts_with("AllowMethods:")) {
        let methods: Vec<&str> = line.split(['[', ']']).nth(1).unwrap().split(", ").collect();
        assert_eq!(methods.join(", "), api::http::CORS_ALLOW_METHODS);
    }
    for line in template.lines().filter(|l| l.trim_start().starts_with("AllowHeaders:")) {
        let headers: Vec<&str> = line.split(['[', ']']).nth(1).unwrap().split(", ").collect();
        assert_eq!(headers.join(", "), api::http::CORS_ALLOW_HEADERS);
    }
}
