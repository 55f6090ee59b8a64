//! API Gateway (HTTP API) in front of the functions: each request routed by the template's
//! routes, the JWT authorizer played (`AUTH_MODE=local-jwt`), the route's function invoked with
//! the payload 2.0 event, its result as the response.

use std::sync::Arc;

use api::auth::AuthMode;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use sam_template::Template;

use super::invoker::{InvokeError, Invoker};
use super::payload::{HttpRequest, api_gateway_answer, http_event, http_response};
use super::routes;

/// The HTTP API in front of the functions.
#[derive(Clone)]
pub struct Gateway {
    template: Arc<Template>,
    invoker: Invoker,
    /// Whether the JWT authorizer is played (`AUTH_MODE=local-jwt`).
    authorize: bool,
}

impl Gateway {
    pub fn new(template: Arc<Template>, invoker: Invoker, auth_mode: AuthMode) -> Gateway {
        Gateway { template, invoker, authorize: auth_mode != AuthMode::Off }
    }

    pub fn template(&self) -> &Template {
        &self.template
    }

    pub fn invoker(&self) -> &Invoker {
        &self.invoker
    }

    /// The router: every request goes through the API's routes (the dashboard, which is on
    /// CloudFront in AWS, is served as in the in-process mode).
    pub fn router(self) -> Router {
        Router::new().fallback(gateway).with_state(self).merge(crate::dashboard::router())
    }
}

/// The largest request body the HTTP API accepts.
pub const MAX_BODY: usize = 10 * 1024 * 1024;

async fn gateway(State(gw): State<Gateway>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let method = parts.method.as_str().to_owned();
    let path = parts.uri.path().to_owned();
    let Some((route, params)) = routes::select(&gw.template.routes, &method, &path) else {
        return api_gateway_answer(StatusCode::NOT_FOUND, "Not Found");
    };
    let claims = if gw.authorize && route.authorized {
        match api::auth::unverified_bearer_claims(&parts.headers) {
            Some(claims) => Some(claims),
            None => return api_gateway_answer(StatusCode::UNAUTHORIZED, "Unauthorized"),
        }
    } else {
        None
    };
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY).await else {
        return api_gateway_answer(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large");
    };
    let request = HttpRequest {
        method: &method,
        path: &path,
        query: parts.uri.query().unwrap_or(""),
        headers: &parts.headers,
        body: &body,
    };
    let event = http_event(route, &params, &request, claims.as_ref());
    let started = std::time::Instant::now();
    let result = gw.invoker.invoke(&route.function, &event).await;
    let request_id = event["requestContext"]["requestId"].as_str().unwrap_or_default().to_owned();
    match result {
        Ok(value) => {
            let response = http_response(&value);
            tracing::info!(
                route = route.key(), function = %route.function, status = response.status().as_u16(),
                ms = started.elapsed().as_millis() as u64, request_id, "invoked"
            );
            response
        }
        Err(InvokeError::Timeout) => {
            tracing::error!(route = route.key(), function = %route.function, request_id, "the function timed out");
            api_gateway_answer(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable")
        }
        Err(e) => {
            tracing::error!(route = route.key(), function = %route.function, request_id, error = %e, "invocation failed");
            api_gateway_answer(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use sam_template::Route;
    use serde_json::{Value, json};

    use super::*;

    /// What the gateway answers to `GET path` with one route, `/a` (behind the authorizer when
    /// `authorized`), whose function is never reached.
    async fn gateway_answer(authorized: bool, mode: AuthMode, path: &str) -> (StatusCode, Value) {
        let mut t = Template::default();
        t.routes = vec![Route { function: "f".into(), method: None, path: Some("/a".into()), authorized }];
        let app = Gateway::new(Arc::new(t.clone()), Invoker::new("http://127.0.0.1:9", &t), mode).router();
        let response = tower::ServiceExt::oneshot(app, Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), 1024).await.unwrap();
        (status, serde_json::from_slice::<Value>(&body).unwrap())
    }

    #[tokio::test]
    async fn a_path_without_a_route_is_api_gateways_404() {
        let (status, body) = gateway_answer(false, AuthMode::Off, "/b").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body, json!({ "message": "Not Found" }));
    }

    #[tokio::test]
    async fn a_protected_route_without_a_token_is_the_authorizers_401() {
        let (status, body) = gateway_answer(true, AuthMode::LocalJwt, "/a").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body, json!({ "message": "Unauthorized" }));
    }

    #[tokio::test]
    async fn an_unreachable_function_is_api_gateways_500() {
        let (status, body) = gateway_answer(false, AuthMode::Off, "/a").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body, json!({ "message": "Internal Server Error" }));
    }
}
