//! Authorization from the JWT authorizer's claims, driven with real API Gateway HTTP API
//! (payload 2.0) events through the same router the Lambda serves.

use api::auth::AuthMode;
use axum::body::Body;
use base64::Engine;
use serde_json::json;
use tower::ServiceExt;

async fn app_with(mode: AuthMode) -> (axum::Router, api::http::AppState, test_support::TestDynamoDb) {
    let (mut state, dynamodb) = test_support::fresh_state("auth").await;
    let mut config = (*state.config).clone();
    config.auth_mode = mode;
    state.config = std::sync::Arc::new(config);
    (local_runner::app(state.clone()), state, dynamodb)
}

/// An HTTP API event as API Gateway sends it after its JWT authorizer accepted the token.
fn event(method: &str, path: &str, body: Option<&str>, groups: Option<&str>) -> lambda_http::Request {
    let authorizer = groups.map(|g| {
        json!({ "jwt": { "claims": {
            "sub": "3f1c0b1e-user", "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_example",
            "aud": "dashboard", "token_use": "id", "cognito:groups": g
        }, "scopes": null } })
    });
    let event = json!({
        "version": "2.0",
        "routeKey": format!("{method} {path}"),
        "rawPath": path,
        "rawQueryString": "",
        "headers": { "content-type": "application/json", "authorization": "Bearer token", "host": "abc123.execute-api.us-east-1.amazonaws.com" },
        "requestContext": {
            "accountId": "123456789012", "apiId": "abc123", "authorizer": authorizer,
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com", "domainPrefix": "abc123",
            "http": { "method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1", "userAgent": "dashboard" },
            "requestId": "JKJaXmPLvHcESHA=", "routeKey": format!("{method} {path}"), "stage": "$default",
            "time": "25/Nov/2026:05:00:00 +0000", "timeEpoch": 1795582800000u64
        },
        "body": body,
        "isBase64Encoded": false
    });
    lambda_http::request::from_str(&event.to_string()).expect("an API Gateway v2 event")
}

async fn call(app: &axum::Router, req: lambda_http::Request) -> (u16, String, serde_json::Value) {
    let (parts, body) = req.into_parts();
    let bytes = match body {
        lambda_http::Body::Text(t) => t.into_bytes(),
        lambda_http::Body::Binary(b) => b,
        _ => Vec::new(),
    };
    let req = axum::http::Request::from_parts(parts, Body::from(bytes));
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status().as_u16();
    let ct = resp.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20).await.unwrap();
    (status, ct, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null))
}

#[tokio::test]
async fn writes_need_admin_and_reads_need_admin_or_analyst() {
    let (app, _, _dynamodb) = app_with(AuthMode::Authorizer).await;
    let (status, _, body) = call(&app, event("POST", "/categories", Some(r#"{"name":"toys"}"#), Some("[admin]"))).await;
    assert_eq!(status, 201, "{body}");
    let (status, ct, body) =
        call(&app, event("POST", "/categories", Some(r#"{"name":"home"}"#), Some("[analyst]"))).await;
    assert_eq!((status, ct.as_str()), (403, "application/problem+json"), "{body}");
    let (status, _, body) = call(&app, event("GET", "/categories", None, Some("[analyst staff]"))).await;
    assert_eq!(status, 200);
    assert_eq!(body["items"].as_array().unwrap().len(), 1, "the analyst's POST wrote nothing");
    let (status, _, _) = call(&app, event("GET", "/categories", None, Some("[staff]"))).await;
    assert_eq!(status, 403);
    let (status, ct, _) = call(&app, event("GET", "/categories", None, None)).await;
    assert_eq!((status, ct.as_str()), (401, "application/problem+json"));
    let (status, _, _) = call(&app, event("GET", "/health", None, None)).await;
    assert_eq!(status, 200, "health is public");
    let (status, _, _) = call(&app, event("DELETE", "/categories/toys", None, Some(r#"["admin","analyst"]"#))).await;
    assert_eq!(status, 204);
}

#[tokio::test]
async fn the_local_switch_reads_groups_from_the_bearer_token() {
    let (app, state, _dynamodb) = app_with(AuthMode::LocalJwt).await;
    let base = test_support::serve(local_runner::app(state)).await;
    drop(app);
    let token = |groups: &[&str]| {
        let enc = |v: serde_json::Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        format!("{}.{}.unsigned", enc(json!({"alg": "none"})), enc(json!({"sub": "dev", "cognito:groups": groups})))
    };
    let http = reqwest::Client::new();
    let get = |t: Option<String>| {
        let mut req = http.get(format!("{base}/categories"));
        if let Some(t) = t {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    assert_eq!(get(None).await.unwrap().status().as_u16(), 401);
    assert_eq!(get(Some(token(&["analyst"]))).await.unwrap().status().as_u16(), 200);
    let post = http
        .post(format!("{base}/categories"))
        .bearer_auth(token(&["analyst"]))
        .body(r#"{"name":"toys"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(post.status().as_u16(), 403);
    let post = http
        .post(format!("{base}/categories"))
        .bearer_auth(token(&["admin"]))
        .body(r#"{"name":"toys"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(post.status().as_u16(), 201);
}

/// The reports function takes both its triggers in one handler: the schedule's event and API
/// Gateway's, answered in the proxy response format.
#[tokio::test]
async fn the_reports_lambda_handles_its_schedule_and_its_http_events() {
    let (_, state, _dynamodb) = app_with(AuthMode::Authorizer).await;
    local_runner::seed::load(&state, &local_runner::seed::demo_data()).await.unwrap();
    let checkpoints = tempfile::tempdir().unwrap();
    let mut poller = local_runner::stream::StreamPoller::new(state.clone(), checkpoints.path().into()).await.unwrap();
    while poller.poll_once().await.unwrap() > 0 {}
    let router = api::http::finish(reports::router(state.clone()), AuthMode::Authorizer);

    let scheduled = json!({"version":"0","id":"x","source":"aws.scheduler","detail-type":"Scheduled Event",
        "time":"2023-10-09T00:15:00Z","resources":["arn:aws:scheduler:us-east-1:123456789012:schedule/default/daily"],"detail":{}});
    let out = reports::handle_event(&state, &router, scheduled, lambda_runtime::Context::default()).await.unwrap();
    assert_eq!(out["date"], "2023-10-08", "the day before the scheduled time");

    let http = |path: &str, groups: Option<&str>| {
        let authorizer = groups.map(|g| json!({"jwt": {"claims": {"sub": "u", "cognito:groups": g}, "scopes": null}}));
        json!({
            "version": "2.0", "routeKey": format!("GET {path}"), "rawPath": path, "rawQueryString": "",
            "headers": {"host": "abc123.execute-api.us-east-1.amazonaws.com"},
            "requestContext": {"accountId": "123456789012", "apiId": "abc123", "authorizer": authorizer,
                "domainName": "abc123.execute-api.us-east-1.amazonaws.com", "domainPrefix": "abc123",
                "http": {"method": "GET", "path": path, "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1", "userAgent": "x"},
                "requestId": "r1", "routeKey": format!("GET {path}"), "stage": "$default", "time": "25/Nov/2026:05:00:00 +0000", "timeEpoch": 1u64},
            "isBase64Encoded": false
        })
    };
    let ok = reports::handle_event(
        &state,
        &router,
        http("/reports/daily/2023-10-08", Some("[analyst]")),
        lambda_runtime::Context::default(),
    )
    .await
    .unwrap();
    assert_eq!(ok["statusCode"], 200);
    let report: serde_json::Value = serde_json::from_str(ok["body"].as_str().unwrap()).unwrap();
    assert_eq!(report["date"], "2023-10-08");
    let missing = reports::handle_event(
        &state,
        &router,
        http("/reports/daily/2023-10-10", Some("[analyst]")),
        lambda_runtime::Context::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        (missing["statusCode"].as_u64(), missing["headers"]["content-type"].as_str()),
        (Some(404), Some("application/problem+json"))
    );
    let anonymous =
        reports::handle_event(&state, &router, http("/reports/daily", None), lambda_runtime::Context::default())
            .await
            .unwrap();
    assert_eq!(anonymous["statusCode"], 401);
}
