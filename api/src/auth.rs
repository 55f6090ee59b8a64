//! Authorization from the API Gateway JWT authorizer's claims: writes need the group `admin`,
//! reads `admin` or `analyst`. The authorizer has already verified the token; the functions
//! decide what its groups may do.
//!
//! Modes (`AUTH_MODE`): `authorizer` (default; claims from the API Gateway request context),
//! `off` (the local runner's default, like `sam local start-api`), and `local-jwt` (the local
//! runner's switch to exercise the rules: the bearer token's claims are read WITHOUT verifying
//! its signature, which is only acceptable because nothing but this machine can reach it).

use std::collections::HashMap;

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use lambda_http::RequestExt;
use lambda_http::request::RequestContext;

use crate::error::AppError;

// Part of the configuration, which every function reads (the HTTP ones act on it here).
pub use app::config::AuthMode;

pub const ADMIN: &str = "admin";
pub const ANALYST: &str = "analyst";

/// Paths anyone may read: the health check and the API's own documentation.
pub fn is_public(path: &str) -> bool {
    path == "/health" || path == "/openapi.json" || path == "/docs" || path.starts_with("/docs/")
}

/// Groups from a claims map: Cognito's `cognito:groups` or a plain `groups` claim. API Gateway
/// hands array claims to the function as text, e.g. `[admin analyst]` or `["admin","analyst"]`.
pub fn groups_of(claims: &HashMap<String, String>) -> Vec<String> {
    let raw = claims.get("cognito:groups").or_else(|| claims.get("groups"));
    let Some(raw) = raw else { return Vec::new() };
    if let Ok(list) = serde_json::from_str::<Vec<String>>(raw) {
        return list;
    }
    raw.trim_matches(|c| c == '[' || c == ']')
        .split(|c: char| c == ',' || c.is_whitespace())
        .map(|g| g.trim_matches('"').to_owned())
        .filter(|g| !g.is_empty())
        .collect()
}

/// The rule: what `groups` may do with `method`.
pub fn check(method: &Method, groups: Option<&[String]>) -> Result<(), AppError> {
    let Some(groups) = groups else {
        return Err(AppError::Unauthorized("a valid bearer token is required".into()));
    };
    let has = |g: &str| groups.iter().any(|x| x == g);
    let read = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    if has(ADMIN) || (read && has(ANALYST)) {
        Ok(())
    } else if read {
        Err(AppError::Forbidden("reading needs the group admin or analyst".into()))
    } else {
        Err(AppError::Forbidden("changing data needs the group admin".into()))
    }
}

/// The claims of the request, as the mode finds them; `None` when there are none.
fn claims_of(mode: AuthMode, req: &Request) -> Option<HashMap<String, String>> {
    match mode {
        AuthMode::Off => None,
        AuthMode::Authorizer => match req.request_context_ref()? {
            RequestContext::ApiGatewayV2(ctx) => ctx.authorizer.as_ref()?.jwt.as_ref().map(|j| j.claims.clone()),
            RequestContext::ApiGatewayV1(ctx) => {
                let claims = ctx.authorizer.fields.get("claims")?.as_object()?;
                Some(
                    claims
                        .iter()
                        .map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
                        .collect(),
                )
            }
            _ => None,
        },
        AuthMode::LocalJwt => unverified_bearer_claims(req.headers()),
    }
}

/// The claims of `Authorization: Bearer <JWT>`, read WITHOUT verifying the token (local use
/// only: see the module's documentation), as API Gateway's JWT authorizer hands them to a
/// function: every value as text, an array as `[a b]`. The local runner's `AUTH_MODE=local-jwt`
/// reads them here, and its API Gateway (`LAMBDA=1`) passes them to the functions.
pub fn unverified_bearer_claims(headers: &axum::http::HeaderMap) -> Option<HashMap<String, String>> {
    let header = headers.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?;
    // `Bearer` in any case (auth schemes are case-insensitive, RFC 9110 11.1), then spaces.
    let (scheme, token) = header.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("Bearer") {
        return None;
    }
    let payload = token.trim().split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let claims: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&bytes).ok()?;
    let text = |value: serde_json::Value| match value {
        serde_json::Value::String(s) => s,
        serde_json::Value::Array(items) => {
            let items: Vec<String> =
                items.iter().map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned)).collect();
            format!("[{}]", items.join(" "))
        }
        other => other.to_string(),
    };
    Some(claims.into_iter().map(|(k, v)| (k, text(v))).collect())
}

/// Whether a request needs no claims: a public path, or an `OPTIONS` request. Browsers send a
/// CORS preflight without credentials; it reads and writes nothing (`http::finish` answers it
/// before this middleware, and any other `OPTIONS` gets the router's 405).
pub fn needs_no_claims(method: &Method, path: &str) -> bool {
    *method == Method::OPTIONS || is_public(path)
}

/// Middleware enforcing the rule on every non-public path.
pub async fn authorize(State(mode): State<AuthMode>, req: Request, next: Next) -> Response {
    if mode == AuthMode::Off || needs_no_claims(req.method(), req.uri().path()) {
        return next.run(req).await;
    }
    let groups = claims_of(mode, &req).map(|c| groups_of(&c));
    match check(req.method(), groups.as_deref()) {
        Ok(()) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(groups: &str) -> HashMap<String, String> {
        HashMap::from([("cognito:groups".to_owned(), groups.to_owned())])
    }

    #[test]
    fn groups_in_every_shape_api_gateway_sends() {
        assert_eq!(groups_of(&claims("[admin analyst]")), ["admin", "analyst"]);
        assert_eq!(groups_of(&claims("[admin, analyst]")), ["admin", "analyst"]);
        assert_eq!(groups_of(&claims(r#"["analyst"]"#)), ["analyst"]);
        assert_eq!(groups_of(&claims("admin")), ["admin"]);
        assert!(groups_of(&HashMap::new()).is_empty());
    }

    #[test]
    fn bearer_claims_as_the_authorizer_hands_them_on() {
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"sub":"u","cognito:groups":["admin","analyst"],"exp":1}"#);
        let mut headers = axum::http::HeaderMap::new();
        headers.insert("authorization", format!("Bearer e30.{payload}.sig").parse().unwrap());
        let claims = unverified_bearer_claims(&headers).unwrap();
        assert_eq!(claims["cognito:groups"], "[admin analyst]");
        assert_eq!(claims["exp"], "1");
        assert_eq!(groups_of(&claims), ["admin", "analyst"]);
        // The scheme is case-insensitive (RFC 9110, 11.1), and one or more spaces follow it.
        for scheme in ["bearer", "BEARER", "bEaReR", "Bearer  "] {
            headers.insert("authorization", format!("{scheme} e30.{payload}.sig").parse().unwrap());
            assert_eq!(unverified_bearer_claims(&headers).unwrap()["sub"], "u", "{scheme}");
        }
        for bad in
            ["Basic abc", "Bearer", "Bearere30.e30.sig", "Bearer e30", "Bearer e30.!!!.sig", "Bearer e30.WzFd.sig"]
        {
            headers.insert("authorization", bad.parse().unwrap());
            assert_eq!(unverified_bearer_claims(&headers), None, "{bad}");
        }
    }

    #[test]
    fn only_health_and_the_api_description_are_public() {
        for public in ["/health", "/openapi.json", "/docs", "/docs/index.html", "/docs/swagger-ui-bundle.js"] {
            assert!(is_public(public), "{public}");
        }
        for private in ["/products", "/docsx", "/openapi.json/x", "/sales/summary", "/"] {
            assert!(!is_public(private), "{private}");
        }
    }

    #[test]
    fn options_needs_no_claims() {
        assert!(needs_no_claims(&Method::OPTIONS, "/products"));
        assert!(needs_no_claims(&Method::GET, "/health"));
        assert!(!needs_no_claims(&Method::GET, "/products"));
    }

    #[test]
    fn writes_need_admin_reads_need_admin_or_analyst() {
        let admin = vec!["admin".to_owned()];
        let analyst = vec!["analyst".to_owned()];
        let nobody: Vec<String> = vec!["staff".to_owned()];
        assert!(check(&Method::POST, Some(&admin)).is_ok());
        assert!(check(&Method::GET, Some(&analyst)).is_ok());
        assert!(matches!(check(&Method::PATCH, Some(&analyst)), Err(AppError::Forbidden(_))));
        assert!(matches!(check(&Method::GET, Some(&nobody)), Err(AppError::Forbidden(_))));
        assert!(matches!(check(&Method::GET, None), Err(AppError::Unauthorized(_))));
    }
}
