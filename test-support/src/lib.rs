//! What the tests and benchmarks share, so that each test runs alone and leaves nothing behind:
//!
//! - [`fresh_store`] / [`fresh_state`]: a local DynamoDB of the test's own (in process, free
//!   port, temporary SQLite file) with the table created exactly as `template.yaml` defines it;
//!   dropping the returned guard stops the emulator and removes its files, tables included. It
//!   injects the faults the environment asks for ([`local_dynamodb::Faults::from_env`]):
//!   `DYNAMODB_CONTENTION_MS=5 cargo test -p local-runner --test e2e sales::` runs those tests
//!   with contention on (each transaction holds its items 5 ms, and a concurrent one on any of
//!   them is cancelled with `TransactionConflict`);
//! - [`serve`]: a router on a free loopback port, and [`Client`], requests to it whose replies
//!   are read as JSON ([`Reply`]) with assertions on status and problem+json;
//! - logs: silent unless `TEST_LOG` is set (`TEST_LOG=debug cargo test ...`: a filter, as
//!   `RUST_LOG` takes), then written to the test's captured output.

use std::sync::Once;

use api::http::AppState;
use app::Config;
use local_dynamodb::LocalDynamoDb;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use store::Store;
use store::table::TableDefinition;

/// Installs a log subscriber once per test binary when `TEST_LOG` is set (its value filters, as
/// `RUST_LOG` does); otherwise nothing logs. Every helper of this crate calls it.
pub fn init_logs() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        let Some(filter) = std::env::var("TEST_LOG").ok().filter(|f| !f.is_empty()) else { return };
        let filter = if filter == "1" { "info".to_owned() } else { filter };
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_test_writer()
            .try_init();
    });
}

/// A store on a fresh table of a local DynamoDB of its own; the emulator runs, and its files
/// exist, as long as the returned guard.
pub async fn fresh_store() -> (Store, LocalDynamoDb) {
    store_on(local_dynamodb().await).await
}

/// A local DynamoDB of the caller's own, with the faults the environment asks for
/// (`DYNAMODB_CONTENTION_MS`; none when unset).
pub async fn local_dynamodb() -> LocalDynamoDb {
    let faults = local_dynamodb::Faults::from_env().expect("the fault settings");
    LocalDynamoDb::ephemeral_with(faults).await.expect("a local DynamoDB")
}

/// A store on a fresh table of `dynamodb` (for instance one with injected faults), returned
/// with it.
pub async fn store_on(dynamodb: LocalDynamoDb) -> (Store, LocalDynamoDb) {
    let (state, dynamodb) = state_on(dynamodb, "test", "UTC").await;
    (state.store().clone(), dynamodb)
}

/// The functions' state (store and configuration, authorization off, store time zone `UTC`)
/// on a fresh table of a local DynamoDB of its own, named after `prefix`; the emulator runs as
/// long as the returned guard.
pub async fn fresh_state(prefix: &str) -> (AppState, LocalDynamoDb) {
    fresh_state_in(prefix, "UTC").await
}

/// As [`fresh_state`], with the store in the IANA time zone `tz`.
pub async fn fresh_state_in(prefix: &str, tz: &str) -> (AppState, LocalDynamoDb) {
    state_on(local_dynamodb().await, prefix, tz).await
}

/// As [`fresh_state_in`], on a fresh table of `dynamodb` (for instance one with injected faults),
/// returned with it.
pub async fn state_on(dynamodb: LocalDynamoDb, prefix: &str, tz: &str) -> (AppState, LocalDynamoDb) {
    init_logs();
    let table = format!("{prefix}-{}", uuid::Uuid::new_v4().simple());
    let config = Config::from_lookup(|k| match k {
        "TABLE_NAME" => Some(table.clone()),
        "AWS_ENDPOINT_URL" => Some(dynamodb.endpoint().to_owned()),
        "STORE_TIMEZONE" => Some(tz.to_owned()),
        "AUTH_MODE" => Some("off".into()),
        _ => None,
    })
    .expect("the test configuration");
    let store = config.connect().await;
    assert!(table_definition().create(store.client(), &table).await.expect("create the table"), "a fresh table");
    (AppState::new(store, config), dynamodb)
}

/// The table `template.yaml` defines.
pub fn table_definition() -> TableDefinition {
    sam_template::Template::embedded().and_then(sam_template::Template::table).expect("the table of template.yaml")
}

/// Serves `app` on 127.0.0.1 at a free port until the test's runtime ends; returns its base URL.
pub async fn serve(app: axum::Router) -> String {
    init_logs();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a free port");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    base
}

/// Sends `request` and reads the reply's body as JSON, whatever its status (panics if the
/// request cannot be sent or the body is not JSON): for tests that drive a server over plain
/// reqwest, such as a child process, rather than through [`Client`].
pub async fn send_json(request: reqwest::RequestBuilder) -> Value {
    request.send().await.expect("request").json().await.expect("a JSON body")
}

/// Requests to a served API (`base`, as [`serve`] returns it).
#[derive(Clone)]
pub struct Client {
    pub base: String,
    pub http: reqwest::Client,
}

/// A response: status, content type and JSON body (`Null` when empty).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub content_type: String,
    pub body: Value,
}

impl Client {
    pub fn new(base: String) -> Self {
        Client { base, http: reqwest::Client::new() }
    }

    /// `method path` with an optional JSON body; the reply's body read as JSON.
    pub async fn request(&self, method: Method, path: &str, body: Option<&str>) -> Reply {
        let mut request = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(body) = body {
            request = request.header("content-type", "application/json").body(body.to_owned());
        }
        Reply::read(request.send().await.expect("request")).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.request(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: &str) -> Reply {
        self.request(Method::POST, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: &str) -> Reply {
        self.request(Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.request(Method::DELETE, path, None).await
    }
}

impl Reply {
    /// Reads a response whose body is JSON or empty.
    pub async fn read(response: reqwest::Response) -> Reply {
        let status = response.status();
        let content_type =
            response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        let bytes = response.bytes().await.expect("body");
        let body = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).expect("JSON body") };
        Reply { status, content_type, body }
    }

    /// Asserts a problem+json response with the status.
    #[track_caller]
    pub fn assert_problem(&self, status: u16) -> &Self {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.body);
        assert_eq!(self.content_type, "application/problem+json", "body: {}", self.body);
        assert_eq!(self.body["status"], status);
        for member in ["type", "title", "detail"] {
            assert!(self.body[member].is_string(), "problem has {member}: {}", self.body);
        }
        self
    }

    /// Asserts the status; the body.
    #[track_caller]
    pub fn assert_status(&self, status: u16) -> &Value {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.body);
        &self.body
    }

    /// The `field` members of a validation problem's `errors`.
    pub fn error_fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map_or(Vec::new(), |a| a.iter().map(|e| e["field"].as_str().unwrap_or("").to_owned()).collect())
    }
}
