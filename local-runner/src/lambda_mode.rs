//! `LAMBDA=1`: the local stack with the real function binaries. `cargo lambda watch` runs them
//! behind its Lambda Runtime API emulator, and this process plays the AWS services around them,
//! as `template.yaml` configures those:
//!
//! - API Gateway (HTTP API, payload format 2.0): the `HttpApi` events of every
//!   `AWS::Serverless::Function` are the routes, matched like API Gateway does (exact method over
//!   `ANY`, literal segments over `{param}` over `{proxy+}`, then `$default`, else 404
//!   `{"message":"Not Found"}`); with `AUTH_MODE=local-jwt` the routes with the default JWT
//!   authorizer need a bearer token, whose claims (not verified) reach the function in
//!   `requestContext.authorizer.jwt.claims`, as the authorizer's would;
//! - the stream's event source mapping: the table's stream records (the [`StreamPoller`] of the
//!   in-process mode, with its checkpoints), filtered by the mapping's `FilterCriteria` (a record no
//!   filter matches is dropped), in batches of its `BatchSize`, resuming from the earliest
//!   `batchItemFailures` item the function reports;
//! - EventBridge Scheduler: the schedule's `Input` (its `<aws.scheduler.*>` placeholders filled)
//!   sent to its function at the template's `cron(M H * * ? *)` time, store time; or at once with
//!   `local-runner schedule-now [TIME]`.
//!
//! Environment: `LAMBDA_INVOKE_PORT` (default 9000) is the emulator's; when something already
//! answers there it is used as it is, otherwise `cargo lambda watch` is started there (the
//! program from `CARGO_LAMBDA`, else `cargo-lambda` on `PATH`, else `.venv-lambda/bin/`),
//! reloading on code changes unless `LAMBDA_NO_RELOAD=1`, and stopped with the runner.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use api::auth::AuthMode;
use api::http::AppState;
use aws_sdk_dynamodbstreams::types::Record;
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Map, Value, json};
use serde_yaml_ng::Value as Yaml;

use crate::stream::{BatchHandler, BoxFuture};

/// Whether `LAMBDA` asks for this mode (`1`, `true`, `yes`).
pub fn enabled() -> bool {
    std::env::var("LAMBDA").is_ok_and(|v| matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes"))
}

/// The workspace (where `template.yaml` and `Cargo.toml` are): `LAMBDA_WORKSPACE`, else the one
/// this binary was built from.
pub fn workspace() -> PathBuf {
    std::env::var_os("LAMBDA_WORKSPACE").map_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".."), PathBuf::from)
}

/// The emulator's port: `LAMBDA_INVOKE_PORT`, default 9000 (cargo lambda's).
pub fn invoke_port() -> anyhow::Result<u16> {
    match std::env::var("LAMBDA_INVOKE_PORT") {
        Ok(p) => p.parse().context("LAMBDA_INVOKE_PORT must be a port number"),
        Err(_) => Ok(9000),
    }
}

// ---- template.yaml ----------------------------------------------------------------------------

/// One route of the HTTP API.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    /// The function's binary (`Metadata.BuildProperties.Binary`).
    pub function: String,
    /// `None` for `ANY`.
    pub method: Option<String>,
    /// `None` for the `$default` route (an `HttpApi` event without `Path`).
    pub path: Option<String>,
    /// Whether the API's default (JWT) authorizer guards it (not `Auth: {Authorizer: NONE}`).
    pub authorized: bool,
}

impl Route {
    /// The route key as API Gateway writes it: `GET /health`, `ANY /products/{id}`, `$default`.
    pub fn key(&self) -> String {
        match &self.path {
            None => "$default".into(),
            Some(path) => format!("{} {path}", self.method.as_deref().unwrap_or("ANY")),
        }
    }
}

/// A DynamoDB stream event source mapping.
#[derive(Debug, Clone)]
pub struct StreamSource {
    pub function: String,
    pub batch_size: usize,
    /// `FilterCriteria.Filters[].Pattern`, parsed; a record passes when any matches (all pass
    /// when there is none).
    pub filters: Vec<Value>,
}

/// An EventBridge Scheduler (`ScheduleV2`) or EventBridge (`Schedule`) event.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub function: String,
    pub name: String,
    /// The expression with `!Ref`s resolved to their parameter's default.
    pub expression: String,
    /// `Input`, with the scheduler's `<aws.scheduler.*>` placeholders.
    pub input: String,
}

/// What this mode needs of `template.yaml`.
#[derive(Debug, Clone, Default)]
pub struct Template {
    pub routes: Vec<Route>,
    pub streams: Vec<StreamSource>,
    pub schedules: Vec<Schedule>,
    /// `Globals.Function.Environment.Variables` with plain values (not intrinsic functions).
    pub environment: BTreeMap<String, String>,
    /// Each function binary's `Timeout` in seconds.
    pub timeouts: BTreeMap<String, u64>,
}

impl Template {
    /// `template.yaml` of [`workspace`].
    pub fn load() -> anyhow::Result<Template> {
        let path = workspace().join("template.yaml");
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        Template::parse(&text).with_context(|| format!("in {}", path.display()))
    }

    /// Reads the template. CloudFormation's short tags (`!Ref`, `!GetAtt`, `!Sub`, ...) are
    /// kept as tagged values; only a `!Ref` to a parameter is resolved (to its `Default`).
    pub fn parse(text: &str) -> anyhow::Result<Template> {
        let doc: Yaml = serde_yaml_ng::from_str(text).context("template.yaml is not YAML")?;
        let parameters = doc.get("Parameters").cloned().unwrap_or(Yaml::Null);
        let resolve = |v: &Yaml| -> Option<Yaml> {
            match v {
                Yaml::Tagged(t) if t.tag == "Ref" => {
                    let name = t.value.as_str()?;
                    parameters.get(name)?.get("Default").cloned()
                }
                Yaml::Tagged(_) => None,
                other => Some(other.clone()),
            }
        };
        let text_of = |v: Option<&Yaml>| -> Option<String> {
            match resolve(v?)? {
                Yaml::String(s) => Some(s),
                Yaml::Number(n) => Some(n.to_string()),
                Yaml::Bool(b) => Some(b.to_string()),
                _ => None,
            }
        };
        let globals = doc.get("Globals").and_then(|g| g.get("Function"));
        let mut template = Template::default();
        if let Some(Yaml::Mapping(vars)) = globals.and_then(|g| g.get("Environment")).and_then(|e| e.get("Variables")) {
            for (k, v) in vars {
                if let (Some(k), Some(v)) = (k.as_str(), text_of(Some(v))) {
                    template.environment.insert(k.to_owned(), v);
                }
            }
        }
        let default_timeout = text_of(globals.and_then(|g| g.get("Timeout"))).and_then(|t| t.parse().ok()).unwrap_or(3);
        let Some(Yaml::Mapping(resources)) = doc.get("Resources") else { bail!("the template has no Resources") };
        // Routes have the API's default authorizer unless they say `Authorizer: NONE`.
        let api_has_authorizer = |api: Option<&Yaml>| {
            let name = match api {
                Some(Yaml::Tagged(t)) => t.value.as_str().map(str::to_owned),
                _ => None,
            };
            name.and_then(|n| resources.get(n.as_str()))
                .and_then(|api| api.get("Properties")?.get("Auth")?.get("DefaultAuthorizer"))
                .is_some()
        };
        for (id, resource) in resources {
            if resource.get("Type").and_then(Yaml::as_str) != Some("AWS::Serverless::Function") {
                continue;
            }
            let id = id.as_str().unwrap_or_default();
            let binary = resource
                .get("Metadata")
                .and_then(|m| m.get("BuildProperties"))
                .and_then(|b| b.get("Binary"))
                .and_then(Yaml::as_str)
                .with_context(|| format!("function {id} has no Metadata.BuildProperties.Binary"))?
                .to_owned();
            let properties = resource.get("Properties");
            let timeout = text_of(properties.and_then(|p| p.get("Timeout")))
                .and_then(|t| t.parse().ok())
                .unwrap_or(default_timeout);
            template.timeouts.insert(binary.clone(), timeout);
            let Some(Yaml::Mapping(events)) = properties.and_then(|p| p.get("Events")) else { continue };
            for (name, event) in events {
                let name = name.as_str().unwrap_or_default();
                let props = event.get("Properties");
                let prop = |k: &str| props.and_then(|p| p.get(k));
                match event.get("Type").and_then(Yaml::as_str) {
                    Some("HttpApi") => {
                        let method = text_of(prop("Method")).map(|m| m.to_ascii_uppercase()).filter(|m| m != "ANY");
                        let path = text_of(prop("Path"));
                        let none = prop("Auth")
                            .and_then(|a| a.get("Authorizer"))
                            .and_then(Yaml::as_str)
                            .is_some_and(|a| a == "NONE");
                        let authorized = !none && api_has_authorizer(prop("ApiId"));
                        if path.is_none() && method.is_some() {
                            bail!("event {id}.{name}: a Method without a Path");
                        }
                        template.routes.push(Route { function: binary.clone(), method, path, authorized });
                    }
                    Some("DynamoDB") => {
                        let batch_size =
                            text_of(prop("BatchSize")).and_then(|b| b.parse().ok()).unwrap_or(100).clamp(1, 10_000);
                        let mut filters = Vec::new();
                        if let Some(Yaml::Sequence(list)) = prop("FilterCriteria").and_then(|f| f.get("Filters")) {
                            for filter in list {
                                let pattern = text_of(filter.get("Pattern"))
                                    .with_context(|| format!("event {id}.{name}: a filter without a Pattern"))?;
                                let pattern: Value = serde_json::from_str(&pattern)
                                    .with_context(|| format!("event {id}.{name}: the Pattern is not JSON"))?;
                                check_pattern(&pattern).with_context(|| format!("event {id}.{name}"))?;
                                filters.push(pattern);
                            }
                        }
                        template.streams.push(StreamSource { function: binary.clone(), batch_size, filters });
                    }
                    Some("ScheduleV2" | "Schedule") => {
                        let expression = text_of(prop("ScheduleExpression").or(prop("Schedule")))
                            .with_context(|| format!("event {id}.{name}: no ScheduleExpression"))?;
                        let input = text_of(prop("Input")).unwrap_or_else(|| "{}".into());
                        template.schedules.push(Schedule {
                            function: binary.clone(),
                            name: name.to_owned(),
                            expression,
                            input,
                        });
                    }
                    _ => {}
                }
            }
        }
        Ok(template)
    }

    /// The route API Gateway picks for `method` and `path`, with the path parameters.
    pub fn route(&self, method: &str, path: &str) -> Option<(&Route, BTreeMap<String, String>)> {
        let mut best: Option<(RouteRank, &Route, Params)> = None;
        for route in &self.routes {
            let Some(template_path) = &route.path else { continue };
            if route.method.as_deref().is_some_and(|m| m != method) {
                continue;
            }
            let Some((rank, params)) = match_path(template_path, path) else { continue };
            let key = (rank, route.method.is_some());
            if best.as_ref().is_none_or(|(b, _, _)| key > *b) {
                best = Some((key, route, params));
            }
        }
        best.map(|(_, r, p)| (r, p))
            .or_else(|| self.routes.iter().find(|r| r.path.is_none()).map(|r| (r, BTreeMap::new())))
    }

    /// The function binaries the template names.
    pub fn functions(&self) -> Vec<String> {
        let mut all: Vec<String> = self.timeouts.keys().cloned().collect();
        all.dedup();
        all
    }

    fn timeout(&self, function: &str) -> Duration {
        // The function's own timeout, plus time for `cargo run` to check the build and start it.
        Duration::from_secs(self.timeouts.get(function).copied().unwrap_or(15) + COLD_START_GRACE_SECS)
    }
}

/// A path's per-segment ranks, then whether the method is exact: the greater is more specific.
type RouteRank = (Vec<u8>, bool);
type Params = BTreeMap<String, String>;

/// What a first invocation may add to a function's timeout: `cargo lambda watch` starts each
/// function with `cargo run` on its first invocation (and after a code change, rebuilds it).
pub const COLD_START_GRACE_SECS: u64 = 120;

/// Matches a request path against a route path: per segment a rank (2 literal, 1 `{param}`, 0
/// `{proxy+}`, compared left to right: the most specific route wins) and the parameters.
fn match_path(template: &str, path: &str) -> Option<(Vec<u8>, BTreeMap<String, String>)> {
    let wanted: Vec<&str> = template.trim_start_matches('/').split('/').filter(|s| !s.is_empty()).collect();
    let given: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let given: Vec<&str> = if given == [""] { Vec::new() } else { given };
    let mut rank = Vec::new();
    let mut params = BTreeMap::new();
    for (i, segment) in wanted.iter().enumerate() {
        if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix("+}")) {
            let rest = given.get(i..).filter(|r| !r.is_empty() && !r.iter().all(|s| s.is_empty()))?;
            params.insert(name.to_owned(), rest.join("/"));
            rank.push(0);
            return Some((rank, params));
        }
        let part = given.get(i).filter(|p| !p.is_empty())?;
        if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            params.insert(name.to_owned(), percent_decode(part));
            rank.push(1);
        } else if segment == part {
            rank.push(2);
        } else {
            return None;
        }
    }
    (given.len() == wanted.len()).then_some((rank, params))
}

// ---- filter patterns --------------------------------------------------------------------------

/// Refuses what [`pattern_matches`] does not implement, so that a pattern is never silently
/// read differently from Lambda: exact values, `prefix`, `exists` and `anything-but`
/// (a value or a list of values), nested to any depth.
pub fn check_pattern(pattern: &Value) -> anyhow::Result<()> {
    let Value::Object(fields) = pattern else { bail!("a filter pattern must be a JSON object") };
    for (key, rule) in fields {
        match rule {
            Value::Object(_) => check_pattern(rule)?,
            Value::Array(values) => {
                for value in values {
                    if let Value::Object(op) = value {
                        let ok = op.len() == 1
                            && match op.iter().next() {
                                Some((k, v)) => match k.as_str() {
                                    "prefix" => v.is_string(),
                                    "exists" => v.is_boolean(),
                                    "anything-but" => !v.is_object(),
                                    _ => false,
                                },
                                None => false,
                            };
                        if !ok {
                            bail!(
                                "filter rule {value} of {key:?} is not supported locally (exact values, prefix, exists, anything-but)"
                            );
                        }
                    }
                }
            }
            other => bail!("filter rule {other} of {key:?} must be a list of values or an object"),
        }
    }
    Ok(())
}

/// Whether `event` matches the EventBridge-style content filter `pattern`: every key of the
/// pattern must match (an object rule descends, a list rule needs one of its values to match;
/// an array in the event matches when any element does).
pub fn pattern_matches(pattern: &Value, event: &Value) -> bool {
    let Value::Object(fields) = pattern else { return false };
    fields.iter().all(|(key, rule)| {
        let value = event.get(key);
        match rule {
            Value::Object(_) => value.is_some_and(|v| pattern_matches(rule, v)),
            Value::Array(values) => values.iter().any(|r| rule_matches(r, value)),
            _ => false,
        }
    })
}

fn rule_matches(rule: &Value, value: Option<&Value>) -> bool {
    let candidates: Vec<&Value> = match value {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(v) => vec![v],
        None => Vec::new(),
    };
    match rule {
        Value::Object(op) => match op.iter().next() {
            Some((k, v)) if k == "exists" => v.as_bool() == Some(value.is_some()),
            Some((k, Value::String(prefix))) if k == "prefix" => {
                candidates.iter().any(|c| c.as_str().is_some_and(|s| s.starts_with(prefix.as_str())))
            }
            Some((k, excluded)) if k == "anything-but" => {
                let excluded: Vec<&Value> = match excluded {
                    Value::Array(list) => list.iter().collect(),
                    one => vec![one],
                };
                !candidates.is_empty() && candidates.iter().all(|c| !excluded.contains(c))
            }
            _ => false,
        },
        exact => candidates.contains(&exact),
    }
}

// ---- invoking a function ----------------------------------------------------------------------

/// Why an invocation gave no result.
#[derive(Debug)]
pub enum InvokeError {
    /// The function did not answer in time.
    Timeout,
    /// The function failed (an error or a crash): its error payload.
    Function(String),
    /// The emulator could not be reached.
    Unreachable(String),
}

impl std::fmt::Display for InvokeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InvokeError::Timeout => write!(f, "the function did not answer in time"),
            InvokeError::Function(e) => write!(f, "the function failed: {e}"),
            InvokeError::Unreachable(e) => write!(f, "the Lambda emulator did not answer: {e}"),
        }
    }
}

impl std::error::Error for InvokeError {}

/// Invokes functions through the emulator's Lambda Invoke API.
#[derive(Clone)]
pub struct Invoker {
    http: reqwest::Client,
    base: String,
}

impl Invoker {
    /// The emulator at `base` (`http://127.0.0.1:9000`).
    pub fn new(base: impl Into<String>) -> Invoker {
        Invoker { http: reqwest::Client::new(), base: base.into() }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// Invokes `function` synchronously with `event`; its result.
    pub async fn invoke(&self, function: &str, event: &Value, timeout: Duration) -> Result<Value, InvokeError> {
        let url = format!("{}/2015-03-31/functions/{function}/invocations", self.base);
        let sent = self.http.post(url).json(event).timeout(timeout).send().await;
        let response = match sent {
            Ok(r) => r,
            Err(e) if e.is_timeout() => return Err(InvokeError::Timeout),
            Err(e) => return Err(InvokeError::Unreachable(e.to_string())),
        };
        let status = response.status();
        let function_error = response.headers().contains_key("x-amz-function-error");
        let body = match response.bytes().await {
            Ok(b) => b,
            Err(e) if e.is_timeout() => return Err(InvokeError::Timeout),
            Err(e) => return Err(InvokeError::Unreachable(e.to_string())),
        };
        let text = String::from_utf8_lossy(&body).into_owned();
        if !status.is_success() || function_error {
            return Err(InvokeError::Function(format!("{status}: {text}")));
        }
        let value: Value = serde_json::from_slice(&body).unwrap_or(Value::String(text.clone()));
        // The emulator may pass a function error on as a 200 with the error document.
        if value.get("errorType").is_some() && value.get("statusCode").is_none() {
            return Err(InvokeError::Function(text));
        }
        Ok(value)
    }
}

// ---- API Gateway ------------------------------------------------------------------------------

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

    /// The router: every request goes through the API's routes (the dashboard, which is on
    /// CloudFront in AWS, is served as in the in-process mode).
    pub fn router(self) -> Router {
        Router::new().fallback(gateway).with_state(self).merge(crate::dashboard::router())
    }
}

/// API Gateway's own answers: `{"message": ...}`.
fn gateway_error(status: StatusCode, message: &str) -> Response {
    (status, [(axum::http::header::CONTENT_TYPE, "application/json")], json!({ "message": message }).to_string())
        .into_response()
}

/// The largest request body the HTTP API accepts.
pub const MAX_BODY: usize = 10 * 1024 * 1024;

async fn gateway(State(gw): State<Gateway>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let method = parts.method.as_str().to_owned();
    let path = parts.uri.path().to_owned();
    let Some((route, params)) = gw.template.route(&method, &path) else {
        return gateway_error(StatusCode::NOT_FOUND, "Not Found");
    };
    let claims = if gw.authorize && route.authorized {
        match bearer_claims(&parts.headers) {
            Some(claims) => Some(claims),
            None => return gateway_error(StatusCode::UNAUTHORIZED, "Unauthorized"),
        }
    } else {
        None
    };
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY).await else {
        return gateway_error(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large");
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
    let result = gw.invoker.invoke(&route.function, &event, gw.template.timeout(&route.function)).await;
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
            gateway_error(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable")
        }
        Err(e) => {
            tracing::error!(route = route.key(), function = %route.function, request_id, error = %e, "invocation failed");
            gateway_error(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
        }
    }
}

/// The claims of `Authorization: Bearer <JWT>`, read without verifying the signature (see
/// `shared::auth`: local use only), as API Gateway hands them on: every value as text, arrays
/// as `[a b]`.
pub fn bearer_claims(headers: &HeaderMap) -> Option<Map<String, Value>> {
    let header = headers.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?;
    let token = header.strip_prefix("Bearer ").or_else(|| header.strip_prefix("bearer "))?;
    let payload = token.trim().split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let claims: Map<String, Value> = serde_json::from_slice(&bytes).ok()?;
    Some(
        claims
            .into_iter()
            .map(|(k, v)| {
                let text = match v {
                    Value::String(s) => s,
                    Value::Array(items) => format!(
                        "[{}]",
                        items
                            .iter()
                            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                            .collect::<Vec<_>>()
                            .join(" ")
                    ),
                    other => other.to_string(),
                };
                (k, Value::String(text))
            })
            .collect(),
    )
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
    claims: Option<&Map<String, Value>>,
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
    for pair in request.query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (percent_decode(&k.replace('+', " ")), percent_decode(&v.replace('+', " ")));
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
        return gateway_error(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
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
                Err(_) => return gateway_error(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"),
            }
        }
        Some(Value::String(b)) => b.clone().into_bytes(),
        _ => Vec::new(),
    };
    builder
        .body(Body::from(body))
        .unwrap_or_else(|_| gateway_error(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"))
}

/// `%XX` escapes decoded (invalid ones kept as they are).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = text.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

// ---- the stream's event source mapping --------------------------------------------------------

/// The stream poller's handler in this mode: the records that pass the mapping's filters, in
/// batches of its `BatchSize`, to its function; its `batchItemFailures` reported back.
pub struct LambdaStream {
    pub source: StreamSource,
    pub invoker: Invoker,
    pub timeout: Duration,
}

impl BatchHandler for LambdaStream {
    fn handle<'a>(&'a self, arn: &'a str, records: &'a [Record]) -> BoxFuture<'a, anyhow::Result<Vec<String>>> {
        Box::pin(async move {
            let all = crate::stream::lambda_records(arn, records)?;
            let total = all.len();
            let passed: Vec<Value> = all
                .into_iter()
                .filter(|r| self.source.filters.is_empty() || self.source.filters.iter().any(|f| pattern_matches(f, r)))
                .collect();
            if passed.is_empty() {
                tracing::debug!(records = total, "no stream record passed the filter");
                return Ok(Vec::new());
            }
            for batch in passed.chunks(self.source.batch_size) {
                let event = json!({ "Records": batch });
                let result = self.invoker.invoke(&self.source.function, &event, self.timeout).await?;
                let failed: Vec<String> = result
                    .get("batchItemFailures")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|f| f.get("itemIdentifier").and_then(Value::as_str).map(str::to_owned))
                    .collect();
                tracing::info!(
                    records = total, sent = batch.len(), failed = failed.len(), function = %self.source.function,
                    "stream batch invoked"
                );
                if !failed.is_empty() {
                    // The mapping checkpoints before the earliest failure and retries from there.
                    return Ok(failed);
                }
            }
            Ok(Vec::new())
        })
    }
}

// ---- the schedule -----------------------------------------------------------------------------

/// The event the scheduler sends for a run at `at`: the template's `Input` with its
/// `<aws.scheduler.*>` placeholders filled.
pub fn schedule_event(schedule: &Schedule, table: &str, at: chrono::DateTime<chrono::Utc>) -> anyhow::Result<Value> {
    let input = schedule
        .input
        .replace("<aws.scheduler.scheduled-time>", &at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .replace(
            "<aws.scheduler.schedule-arn>",
            &format!("arn:aws:scheduler:us-east-1:123456789012:schedule/default/{table}-{}", schedule.name),
        )
        .replace("<aws.scheduler.execution-id>", &uuid::Uuid::new_v4().to_string())
        .replace("<aws.scheduler.attempt-number>", "1");
    serde_json::from_str(&input).with_context(|| format!("the schedule {}'s Input is not JSON", schedule.name))
}

/// The local time of a `cron(M H * * ? *)` expression (a daily run); `None` for any other.
pub fn daily_time(expression: &str) -> Option<chrono::NaiveTime> {
    let fields: Vec<&str> = expression.strip_prefix("cron(")?.strip_suffix(')')?.split_whitespace().collect();
    match fields.as_slice() {
        [m, h, "*", "*", "?", "*"] | [m, h, "?", "*", "*", "*"] => {
            chrono::NaiveTime::from_hms_opt(h.parse().ok()?, m.parse().ok()?, 0)
        }
        _ => None,
    }
}

/// Sends the schedule's event now (for the run at `at`); the function's result.
pub async fn fire_schedule(
    invoker: &Invoker,
    template: &Template,
    schedule: &Schedule,
    table: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<Value> {
    let event = schedule_event(schedule, table, at)?;
    Ok(invoker.invoke(&schedule.function, &event, template.timeout(&schedule.function)).await?)
}

/// The scheduler: each schedule's event at its time of day, store time, until `stop`.
pub async fn run_schedules(
    gateway: Gateway,
    table: String,
    tz: chrono_tz::Tz,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut runs = Vec::new();
    for schedule in &gateway.template.schedules {
        if let Some(at) = daily_time(&schedule.expression) {
            runs.push((schedule.clone(), at));
        } else {
            tracing::warn!(
                schedule = %schedule.name, expression = %schedule.expression,
                "only daily cron(M H * * ? *) schedules run locally; use `local-runner schedule-now`"
            );
        }
    }
    if runs.is_empty() {
        return;
    }
    loop {
        let now = app::time::now();
        let Some((next, schedule)) =
            runs.iter().map(|(s, at)| (crate::next_local_time(now, tz, *at), s)).min_by_key(|(t, _)| *t)
        else {
            return;
        };
        let wait = (next - now).to_std().unwrap_or_default();
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            _ = stop.changed() => return,
        }
        match fire_schedule(&gateway.invoker, &gateway.template, schedule, &table, next).await {
            Ok(result) => tracing::info!(schedule = %schedule.name, %result, "schedule invoked its function"),
            Err(e) => tracing::error!(schedule = %schedule.name, error = %e, "scheduled invocation failed"),
        }
    }
}

/// `local-runner schedule-now [TIME]`: sends every schedule's event (scheduled time `TIME`,
/// RFC 3339, default now) to its function through the emulator at `LAMBDA_INVOKE_PORT`, as the
/// scheduler would; prints each result.
pub async fn schedule_now(time: Option<String>) -> anyhow::Result<()> {
    let at = match time {
        Some(t) => app::time::parse_rfc3339(&t).context("the time must be RFC 3339, e.g. 2023-10-09T00:15:00Z")?,
        None => app::time::now(),
    };
    let template = Template::load()?;
    let table = std::env::var("TABLE_NAME").unwrap_or_else(|_| app::config::DEFAULT_TABLE_NAME.into());
    let invoker = Invoker::new(format!("http://127.0.0.1:{}", invoke_port()?));
    if template.schedules.is_empty() {
        bail!("template.yaml has no schedule");
    }
    for schedule in &template.schedules {
        let result = fire_schedule(&invoker, &template, schedule, &table, at).await.with_context(|| {
            format!("invoking {} for the schedule {} at {}", schedule.function, schedule.name, invoker.base())
        })?;
        println!("{} -> {}: {result}", schedule.name, schedule.function);
    }
    Ok(())
}

// ---- the emulator -----------------------------------------------------------------------------

/// The `cargo lambda watch` this runner started (none when it found one already running).
pub struct Emulator {
    child: Option<tokio::process::Child>,
}

impl Emulator {
    /// Stops the emulator; it stops the function processes it started (each in a process group
    /// of its own) as it exits on SIGTERM.
    pub async fn stop(mut self) {
        let Some(mut child) = self.child.take() else { return };
        if let Some(pid) = child.id() {
            signal_group(pid, libc::SIGTERM);
            if tokio::time::timeout(Duration::from_secs(10), child.wait()).await.is_err() {
                signal_group(pid, libc::SIGKILL);
            }
        }
        let _ = child.wait().await;
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(pid) = self.child.as_ref().and_then(tokio::process::Child::id) {
            signal_group(pid, libc::SIGTERM);
        }
    }
}

fn signal_group(pid: u32, signal: i32) {
    // SAFETY: kill(2) on the process group this runner created for its own child.
    unsafe {
        libc::kill(-(pid as i32), signal);
    }
}

/// The cargo-lambda program: `CARGO_LAMBDA`, `cargo-lambda` on `PATH`, or the workspace's
/// `.venv-lambda` (`scripts/lib.sh` `ensure_cargo_lambda`).
pub fn cargo_lambda_program() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CARGO_LAMBDA").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join("cargo-lambda"))
        .find(|p| p.is_file());
    on_path.or_else(|| Some(workspace().join(".venv-lambda/bin/cargo-lambda")).filter(|p| p.is_file()))
}

/// The environment of the functions: the template's global variables, then the local stack's
/// (table, time zone, endpoint, region, CORS, `AUTH_MODE`: `authorizer` when the gateway plays
/// the JWT authorizer, `off` otherwise).
pub fn function_environment(template: &Template, config: &app::Config) -> BTreeMap<String, String> {
    let mut env = template.environment.clone();
    env.remove("CORS_ALLOW_ORIGINS");
    if let Ok(log) = std::env::var("RUST_LOG") {
        env.insert("RUST_LOG".into(), log);
    }
    env.insert("TABLE_NAME".into(), config.table_name.clone());
    env.insert("STORE_TIMEZONE".into(), config.store_timezone.name().into());
    if let Some(url) = &config.endpoint_url {
        env.insert("AWS_ENDPOINT_URL".into(), url.clone());
    }
    env.insert("AWS_REGION".into(), crate::stream::region());
    if !config.cors_allow_origins.is_empty() {
        env.insert("CORS_ALLOW_ORIGINS".into(), config.cors_allow_origins.join(","));
    }
    let auth = if config.auth_mode == AuthMode::Off { "off" } else { "authorizer" };
    env.insert("AUTH_MODE".into(), auth.into());
    env
}

/// Answers on `127.0.0.1:port`?
async fn answers(port: u16) -> bool {
    tokio::time::timeout(Duration::from_secs(1), tokio::net::TcpStream::connect(("127.0.0.1", port)))
        .await
        .is_ok_and(|c| c.is_ok())
}

/// The emulator on `port`: the one already answering there, or `cargo lambda watch` started
/// there after building the functions (so a compile error shows now, not on a first request).
pub async fn start_emulator(template: &Template, config: &app::Config, port: u16) -> anyhow::Result<Emulator> {
    if answers(port).await {
        println!("Lambda:  using the emulator already answering on 127.0.0.1:{port}");
        return Ok(Emulator { child: None });
    }
    let program = cargo_lambda_program().context(
        "cargo-lambda not found: `source scripts/lib.sh && ensure_cargo_lambda` installs it into .venv-lambda \
         (or set CARGO_LAMBDA)",
    )?;
    let root = workspace();
    let functions = template.functions();
    println!("Lambda:  building {}...", functions.join(", "));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = tokio::process::Command::new(cargo);
    build.arg("build").current_dir(&root);
    without_crate_environment(&mut build);
    for f in &functions {
        build.args(["--bin", f]);
    }
    let status = build.status().await.context("running cargo build")?;
    if !status.success() {
        bail!("building the functions failed");
    }
    let mut watch = tokio::process::Command::new(&program);
    watch
        .args(["lambda", "watch", "--invoke-address", "127.0.0.1", "--invoke-port", &port.to_string()])
        .current_dir(&root)
        .envs(function_environment(template, config))
        .process_group(0);
    without_crate_environment(&mut watch);
    if std::env::var("LAMBDA_NO_RELOAD").is_ok_and(|v| v == "1") {
        watch.arg("--ignore-changes");
    }
    // SAFETY: prctl only, between fork and exec: cargo-lambda (and so its functions) is told to
    // stop when this runner dies, even by SIGKILL.
    unsafe {
        watch.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            Ok(())
        });
    }
    let child = watch.spawn().with_context(|| format!("starting {} lambda watch", program.display()))?;
    let emulator = Emulator { child: Some(child) };
    for _ in 0..600 {
        if answers(port).await {
            return Ok(emulator);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    emulator.stop().await;
    bail!("cargo lambda watch did not answer on 127.0.0.1:{port}")
}

/// Leaves out of a child cargo's environment what cargo sets for the crate running this one
/// (`cargo run`, `cargo test`): build scripts that read such a variable (ring reads
/// `CARGO_MANIFEST_DIR`) would otherwise see it change between this build and the next outer one,
/// and rebuild, with everything above them, on every `make test`.
fn without_crate_environment(command: &mut tokio::process::Command) {
    let set_for_a_crate = |name: &str| {
        ["CARGO_PKG_", "CARGO_MANIFEST_", "CARGO_CRATE_", "CARGO_BIN_", "CARGO_PRIMARY_PACKAGE", "CARGO_TARGET_TMPDIR"]
            .iter()
            .any(|prefix| name.starts_with(prefix))
    };
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(set_for_a_crate) {
            command.env_remove(name);
        }
    }
}

/// Everything this mode runs in `serve`.
pub struct LambdaMode {
    pub gateway: Gateway,
    pub emulator: Emulator,
}

impl LambdaMode {
    /// The template read, the emulator started (or found), the gateway ready.
    pub async fn start(state: &AppState) -> anyhow::Result<LambdaMode> {
        let template = Arc::new(Template::load()?);
        let port = invoke_port()?;
        let emulator = start_emulator(&template, &state.config, port).await?;
        let invoker = Invoker::new(format!("http://127.0.0.1:{port}"));
        let gateway = Gateway::new(template.clone(), invoker, state.config.auth_mode);
        println!(
            "Lambda:  {} routes from template.yaml to {} under cargo lambda watch (http://127.0.0.1:{port})",
            template.routes.len(),
            template.functions().join(", ")
        );
        Ok(LambdaMode { gateway, emulator })
    }

    /// The stream's handler: the template's (first) DynamoDB event source mapping.
    pub fn stream_handler(&self) -> anyhow::Result<LambdaStream> {
        let template = &self.gateway.template;
        let source = template.streams.first().context("template.yaml has no DynamoDB stream event")?.clone();
        let timeout = template.timeout(&source.function);
        Ok(LambdaStream { source, invoker: self.gateway.invoker.clone(), timeout })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(template: &Template, method: &str, path: &str) -> Option<(String, BTreeMap<String, String>)> {
        template.route(method, path).map(|(r, p)| (r.key(), p))
    }

    #[test]
    fn reads_the_templates_routes_stream_and_schedule() {
        let t = Template::parse(store::table::TEMPLATE).unwrap();
        let keys: Vec<String> = t.routes.iter().map(Route::key).collect();
        for key in ["ANY /products/{id}", "GET /health", "$default", "OPTIONS /{proxy+}", "ANY /reports/daily/{date}"] {
            assert!(keys.contains(&key.to_owned()), "{key} in {keys:?}");
        }
        let health = t.routes.iter().find(|r| r.key() == "GET /health").unwrap();
        assert!(!health.authorized);
        assert_eq!(health.function, "products");
        assert!(t.routes.iter().find(|r| r.key() == "ANY /sales").unwrap().authorized);
        assert_eq!(t.streams.len(), 1);
        assert_eq!(t.streams[0].function, "aggregate-stream");
        assert_eq!(t.streams[0].batch_size, 100);
        assert_eq!(t.schedules.len(), 1);
        assert_eq!(t.schedules[0].function, "reports");
        assert_eq!(daily_time(&t.schedules[0].expression), chrono::NaiveTime::from_hms_opt(0, 15, 0));
        assert_eq!(t.environment["AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH"], "true");
        assert!(!t.environment.contains_key("TABLE_NAME"), "a !Ref to a resource is not a value");
        assert_eq!(t.timeouts["aggregate-stream"], 60);
        assert_eq!(t.timeouts["products"], 15);
    }

    #[test]
    fn unknown_tags_do_not_fail_the_parse() {
        let t = Template::parse(
            "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Metadata: {BuildProperties: {Binary: f}}\n    \
             Properties:\n      Role: !GetAtt R.Arn\n      Weird: !SomethingNew [a, b]\n      Events:\n        \
             A: {Type: HttpApi, Properties: {Path: /a, Method: get}}\n",
        )
        .unwrap();
        assert_eq!(t.routes[0].key(), "GET /a");
        assert!(!t.routes[0].authorized);
    }

    #[test]
    fn matches_routes_like_api_gateway() {
        let t = Template::parse(store::table::TEMPLATE).unwrap();
        assert_eq!(route(&t, "GET", "/products").unwrap().0, "ANY /products");
        let (key, params) = route(&t, "PATCH", "/products/7").unwrap();
        assert_eq!((key.as_str(), params["id"].as_str()), ("ANY /products/{id}", "7"));
        assert_eq!(route(&t, "OPTIONS", "/products/7").unwrap().0, "OPTIONS /products/{id}", "exact method over ANY");
        assert_eq!(route(&t, "GET", "/products/7/inventory").unwrap().0, "ANY /products/{id}/inventory");
        let (key, params) = route(&t, "GET", "/docs/swagger-ui.css").unwrap();
        assert_eq!((key.as_str(), params["proxy"].as_str()), ("GET /docs/{proxy+}", "swagger-ui.css"));
        assert_eq!(route(&t, "OPTIONS", "/anything/else").unwrap().0, "OPTIONS /{proxy+}");
        assert_eq!(route(&t, "POST", "/health").unwrap().0, "$default", "no POST /health route");
        assert_eq!(route(&t, "GET", "/categories/home%20garden").unwrap().1["name"], "home garden");
        assert_eq!(route(&t, "GET", "/nothing/here").unwrap().0, "$default");

        // Literal segments over parameters, parameters over greedy; no $default: no route.
        let t = Template {
            routes: [("GET", "/a/{x}"), ("GET", "/a/b"), ("ANY", "/{proxy+}"), ("GET", "/a/{x}/c")]
                .iter()
                .map(|(m, p)| Route {
                    function: "f".into(),
                    method: (*m != "ANY").then(|| m.to_string()),
                    path: Some(p.to_string()),
                    authorized: false,
                })
                .collect(),
            ..Default::default()
        };
        assert_eq!(route(&t, "GET", "/a/b").unwrap().0, "GET /a/b");
        assert_eq!(route(&t, "GET", "/a/z").unwrap().0, "GET /a/{x}");
        assert_eq!(route(&t, "GET", "/a/z/c").unwrap().0, "GET /a/{x}/c");
        assert_eq!(route(&t, "GET", "/a/z/d").unwrap().0, "ANY /{proxy+}");
        assert!(route(&t, "GET", "/").is_none(), "{{proxy+}} needs a segment");
        let t = Template { routes: t.routes[..2].to_vec(), ..Default::default() };
        assert!(route(&t, "GET", "/b").is_none());
    }

    /// What the gateway answers to `GET path` with one route, `/a` (behind the authorizer when
    /// `authorized`), whose function is never reached.
    async fn gateway_answer(authorized: bool, mode: AuthMode, path: &str) -> (StatusCode, Value) {
        let t = Template {
            routes: vec![Route { function: "f".into(), method: None, path: Some("/a".into()), authorized }],
            ..Default::default()
        };
        let app = Gateway::new(Arc::new(t), Invoker::new("http://127.0.0.1:9"), mode).router();
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

    #[test]
    fn the_templates_filter_passes_sale_inserts_only() {
        let t = Template::parse(store::table::TEMPLATE).unwrap();
        let pattern = &t.streams[0].filters[0];
        let record = |name: &str, entity: &str| json!({"eventName": name, "dynamodb": {"NewImage": {"entity": {"S": entity}, "PK": {"S": "x"}}, "SequenceNumber": "1"}});
        assert!(pattern_matches(pattern, &record("INSERT", "sale")));
        assert!(!pattern_matches(pattern, &record("MODIFY", "sale")));
        assert!(!pattern_matches(pattern, &record("INSERT", "product")));
        assert!(!pattern_matches(pattern, &json!({"eventName": "REMOVE", "dynamodb": {"OldImage": {}}})));
    }

    #[test]
    fn filter_operators() {
        let p =
            json!({"a": [{"prefix": "sa"}], "b": [{"exists": false}], "c": [{"anything-but": ["x"]}], "d": [1, "1"]});
        assert!(pattern_matches(&p, &json!({"a": "sale", "c": "y", "d": 1})));
        assert!(pattern_matches(&p, &json!({"a": ["no", "sale"], "c": "y", "d": "1"})), "arrays match any element");
        assert!(!pattern_matches(&p, &json!({"a": "sale", "b": 1, "c": "y", "d": 1})));
        assert!(!pattern_matches(&p, &json!({"a": "sale", "c": "x", "d": 1})));
        assert!(!pattern_matches(&p, &json!({"a": "sale", "c": "y", "d": 2})));
        assert!(check_pattern(&p).is_ok());
        assert!(check_pattern(&json!({"a": [{"numeric": [">", 1]}]})).is_err(), "refused, not misread");
        assert!(check_pattern(&json!({"a": "x"})).is_err());
    }

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
        let claims = bearer_claims(&{
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
    }

    #[test]
    fn schedule_input_is_filled() {
        let t = Template::parse(store::table::TEMPLATE).unwrap();
        let at = chrono::DateTime::parse_from_rfc3339("2023-10-09T00:15:00Z").unwrap().with_timezone(&chrono::Utc);
        let e = schedule_event(&t.schedules[0], "shop", at).unwrap();
        assert_eq!(e["source"], "aws.scheduler");
        assert_eq!(e["detail-type"], "Scheduled Event");
        assert_eq!(e["time"], "2023-10-09T00:15:00Z");
        assert!(e["resources"][0].as_str().unwrap().starts_with("arn:aws:scheduler:"));
        assert_eq!(daily_time("cron(5 23 * * ? *)"), chrono::NaiveTime::from_hms_opt(23, 5, 0));
        assert_eq!(daily_time("rate(1 hour)"), None);
    }
}
