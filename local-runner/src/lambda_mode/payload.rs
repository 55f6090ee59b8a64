//! API Gateway's payload format 2.0: a request as the event the route's function receives, and
//! the function's result as the HTTP response; and API Gateway's own answers.

use std::collections::{BTreeMap, HashMap};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use sam_template::Route;
use serde_json::{Map, Value, json};

/// API Gateway's own answers (no route, no token, a failed invocation): `{"message": ...}`.
pub fn api_gateway_answer(status: StatusCode, message: &str) -> Response {
    (status, [(axum::http::header::CONTENT_TYPE, "application/json")], json!({ "message": message }).to_string())
        .into_response()
}

/// A request as it reached the gateway.
pub struct HttpRequest<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

/// The payload format 2.0 event API Gateway sends the route's function.
pub fn http_event(
    route: &Route,
    params: &BTreeMap<String, String>,
    request: &HttpRequest<'_>,
    claims: Option<&HashMap<String, String>>,
) -> Value {
    // Headers: names lower-cased, repeated ones joined with commas; cookies apart.
    let mut headers = Map::new();
    let mut cookies = Vec::new();
    for (name, value) in request.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        if name == axum::http::header::COOKIE {
            cookies.extend(value.split(';').map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()));
            continue;
        }
        match headers.get_mut(name.as_str()) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(&value);
            }
            _ => {
                headers.insert(name.as_str().to_owned(), Value::String(value));
            }
        }
    }
    let mut query = Map::new();
    for (k, v) in form_urlencoded::parse(request.query.as_bytes()) {
        let (k, v) = (k.into_owned(), v.into_owned());
        match query.get_mut(&k) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(&v);
            }
            _ => {
                query.insert(k, Value::String(v));
            }
        }
    }
    let (body, base64) = match std::str::from_utf8(request.body) {
        _ if request.body.is_empty() => (Value::Null, false),
        Ok(text) => (Value::String(text.to_owned()), false),
        Err(_) => (Value::String(base64::engine::general_purpose::STANDARD.encode(request.body)), true),
    };
    let host = headers.get("host").and_then(Value::as_str).unwrap_or("localhost").to_owned();
    let now = chrono::Utc::now();
    let route_key = route.key();
    let mut event = json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": request.path,
        "rawQueryString": request.query,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": host,
            "domainPrefix": host.split('.').next().unwrap_or("local"),
            "http": {
                "method": request.method,
                "path": request.path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": headers.get("user-agent").and_then(Value::as_str).unwrap_or(""),
            },
            "requestId": uuid::Uuid::new_v4().to_string(),
            "routeKey": route_key,
            "stage": "$default",
            "time": now.format("%d/%b/%Y:%H:%M:%S %z").to_string(),
            "timeEpoch": now.timestamp_millis(),
        },
        "isBase64Encoded": base64,
    });
    if !cookies.is_empty() {
        event["cookies"] = json!(cookies);
    }
    if !query.is_empty() {
        event["queryStringParameters"] = Value::Object(query);
    }
    if !params.is_empty() {
        event["pathParameters"] = json!(params);
    }
    if !body.is_null() {
        event["body"] = body;
    }
    if let Some(claims) = claims {
        event["requestContext"]["authorizer"] = json!({ "jwt": { "claims": claims, "scopes": null } });
    }
    event
}

/// The HTTP response for a function's payload format 2.0 result: `statusCode`, `headers`
/// (`multiValueHeaders` for names not in `headers`), `cookies`, `body`, `isBase64Encoded`; any
/// other JSON is a 200 with that JSON as its body, as API Gateway does.
pub fn http_response(result: &Value) -> Response {
    let Some(status) = result.get("statusCode").and_then(Value::as_u64) else {
        return (StatusCode::OK, [(axum::http::header::CONTENT_TYPE, "application/json")], result.to_string())
            .into_response();
    };
    let Ok(status) = StatusCode::from_u16(status as u16) else {
        return api_gateway_answer(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
    };
    let mut builder = Response::builder().status(status);
    let mut named = std::collections::HashSet::new();
    if let Some(Value::Object(headers)) = result.get("headers") {
        for (k, v) in headers {
            let v = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            if let (Ok(k), Ok(v)) = (HeaderName::try_from(k.as_str()), HeaderValue::try_from(v)) {
                named.insert(k.clone());
                builder = builder.header(k, v);
            }
        }
    }
    if let Some(Value::Object(headers)) = result.get("multiValueHeaders") {
        for (k, values) in headers {
            let Ok(k) = HeaderName::try_from(k.as_str()) else { continue };
            if named.contains(&k) {
                continue;
            }
            for v in values.as_array().into_iter().flatten() {
                if let Some(Ok(v)) = v.as_str().map(HeaderValue::try_from) {
                    builder = builder.header(k.clone(), v);
                }
            }
        }
    }
    for cookie in result.get("cookies").and_then(Value::as_array).into_iter().flatten() {
        if let Some(Ok(v)) = cookie.as_str().map(HeaderValue::try_from) {
            builder = builder.header(axum::http::header::SET_COOKIE, v);
        }
    }
    let body = match result.get("body") {
        Some(Value::String(b)) if result.get("isBase64Encoded").and_then(Value::as_bool) == Some(true) => {
            match base64::engine::general_purpose::STANDARD.decode(b) {
                Ok(bytes) => bytes,
                Err(_) => return api_gateway_answer(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"),
            }
        }
        Some(Value::String(b)) => b.clone().into_bytes(),
        _ => Vec::new(),
    };
    builder
        .body(Body::from(body))
        .unwrap_or_else(|_| api_gateway_answer(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_carry_what_api_gateway_sends() {
        let route = Route { function: "f".into(), method: None, path: Some("/p/{id}".into()), authorized: true };
        let mut headers = HeaderMap::new();
        headers.insert("host", "127.0.0.1:3000".parse().unwrap());
        headers.append("x-a", "1".parse().unwrap());
        headers.append("x-a", "2".parse().unwrap());
        headers.insert("cookie", "a=1; b=2".parse().unwrap());
        let params = BTreeMap::from([("id".to_owned(), "7".to_owned())]);
        let body = [0xffu8, 0, 1];
        let request =
            HttpRequest { method: "PATCH", path: "/p/7", query: "q=a%20b&q=c&x", headers: &headers, body: &body };
        let claims = api::auth::unverified_bearer_claims(&{
            let mut h = HeaderMap::new();
            let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(br#"{"sub":"u","cognito:groups":["admin","analyst"],"exp":1}"#);
            h.insert("authorization", format!("Bearer e30.{payload}.sig").parse().unwrap());
            h
        })
        .unwrap();
        let e = http_event(&route, &params, &request, Some(&claims));
        assert_eq!(e["routeKey"], "ANY /p/{id}");
        assert_eq!(e["rawQueryString"], "q=a%20b&q=c&x");
        assert_eq!(e["queryStringParameters"], json!({"q": "a b,c", "x": ""}));
        assert_eq!(e["pathParameters"], json!({"id": "7"}));
        assert_eq!(e["headers"]["x-a"], "1,2");
        assert_eq!(e["cookies"], json!(["a=1", "b=2"]));
        assert!(e["headers"].get("cookie").is_none());
        assert_eq!(e["isBase64Encoded"], true);
        assert_eq!(e["body"], "/wAB");
        assert_eq!(e["requestContext"]["http"]["method"], "PATCH");
        assert_eq!(e["requestContext"]["stage"], "$default");
        assert_eq!(e["requestContext"]["authorizer"]["jwt"]["claims"]["cognito:groups"], "[admin analyst]");
        assert_eq!(e["requestContext"]["authorizer"]["jwt"]["claims"]["exp"], "1");
        // lambda_http reads it as an HTTP API request.
        let request: lambda_http::request::LambdaRequest = serde_json::from_value(e).unwrap();
        let request = lambda_http::Request::from(request);
        assert_eq!(request.uri().path(), "/p/7");
        assert_eq!(request.uri().query(), Some("q=a%20b&q=c&x"));
    }

    #[tokio::test]
    async fn responses_become_http_responses() {
        let r = http_response(&json!({
            "statusCode": 201,
            "headers": {"content-type": "application/json", "x-one": "1"},
            "multiValueHeaders": {"x-one": ["ignored"], "x-two": ["a", "b"]},
            "cookies": ["s=1; Path=/"],
            "body": "eyJhIjoxfQ==",
            "isBase64Encoded": true
        }));
        assert_eq!(r.status(), StatusCode::CREATED);
        assert_eq!(r.headers().get_all("x-one").iter().count(), 1);
        assert_eq!(r.headers().get_all("x-two").iter().count(), 2);
        assert_eq!(r.headers()["set-cookie"], "s=1; Path=/");
        let body = axum::body::to_bytes(r.into_body(), 1024).await.unwrap();
        assert_eq!(&body[..], br#"{"a":1}"#);
        let r = http_response(&json!({"date": "2023-10-08"}));
        assert_eq!(r.status(), StatusCode::OK);
        let r = http_response(&json!({"statusCode": 200, "body": "!!", "isBase64Encoded": true}));
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR, "a body that is not base64");
    }
}
