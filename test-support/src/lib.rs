//! What the tests and benchmarks share, so that each test runs alone and leaves nothing behind:
//!
//! - [`fresh_store`] / [`fresh_state`]: a table of the test's own, created exactly as
//!   `template.yaml` defines it, on a local DynamoDB of the test's own (the embedded emulator, in
//!   process, free port, temporary SQLite file), or, when [`ENDPOINT_VARIABLE`] names one, on
//!   that external DynamoDB (DynamoDB Local: `scripts/dynamodb-local.sh`); dropping the returned
//!   guard ([`TestDynamoDb`]) stops the embedded emulator and removes its files, or deletes the
//!   table from the external one;
//! - [`fresh_embedded_store`]: always the embedded emulator, for the tests of what only it does
//!   (its TTL sweep, its fault injection, Dynoxide's own deviations from DynamoDB);
//!   with the faults the environment asks for ([`local_dynamodb::Faults::from_env`]):
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

/// The environment variable that names an external DynamoDB endpoint for the tests
/// (`TEST_DYNAMODB_ENDPOINT=http://127.0.0.1:8000`): set, [`fresh_store`] and [`fresh_state`]
/// make their tables there instead of starting the embedded emulator, so the same tests run on
/// DynamoDB Local (`scripts/dynamodb-local.sh test`). Only loopback endpoints are accepted: the
/// tests create and delete tables.
pub const ENDPOINT_VARIABLE: &str = "TEST_DYNAMODB_ENDPOINT";

/// The external endpoint [`ENDPOINT_VARIABLE`] names, if any (panics on one that is not this
/// machine's).
pub fn external_endpoint() -> Option<String> {
    let endpoint = std::env::var(ENDPOINT_VARIABLE).ok().filter(|e| !e.is_empty())?;
    assert!(
        store::sdk::is_loopback(&endpoint),
        "{ENDPOINT_VARIABLE}={endpoint} is not a loopback address: the tests create and delete tables there"
    );
    Some(endpoint)
}

/// Which DynamoDB the tests of this process run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Emulator {
    /// The embedded emulator (Dynoxide, `local-dynamodb`), one per test.
    Embedded,
    /// The external endpoint of [`ENDPOINT_VARIABLE`] (DynamoDB Local in `make test`).
    External,
}

impl Emulator {
    /// [`Emulator::External`] when [`ENDPOINT_VARIABLE`] is set.
    pub fn current() -> Emulator {
        if external_endpoint().is_some() { Emulator::External } else { Emulator::Embedded }
    }
}

/// The DynamoDB a test's table lives on, for as long as the test holds it: its own embedded
/// emulator (stopped, and its files removed, on drop), or the external endpoint (the test's
/// table deleted on drop, so a long run leaves nothing behind).
pub struct TestDynamoDb {
    endpoint: String,
    backend: Backend,
}

enum Backend {
    Embedded(LocalDynamoDb),
    External { table: String },
}

impl TestDynamoDb {
    /// `http://127.0.0.1:<port>`, for `AWS_ENDPOINT_URL`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Which emulator this is.
    pub fn emulator(&self) -> Emulator {
        match self.backend {
            Backend::Embedded(_) => Emulator::Embedded,
            Backend::External { .. } => Emulator::External,
        }
    }

    /// The embedded emulator, when the table is on one.
    pub fn embedded(&self) -> Option<&LocalDynamoDb> {
        match &self.backend {
            Backend::Embedded(db) => Some(db),
            Backend::External { .. } => None,
        }
    }
}

impl Drop for TestDynamoDb {
    fn drop(&mut self) {
        let Backend::External { table } = &self.backend else { return };
        let (endpoint, table) = (self.endpoint.clone(), table.clone());
        // On a thread and a runtime of its own: the test's runtime may have one thread, and it is
        // the one dropping this. A client of its own too (the test's keeps connections that
        // belong to the test's runtime).
        let deleted = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(async {
                let store = store::sdk::connect(Some(&endpoint), table.clone()).await;
                store.client().delete_table().table_name(&table).send().await?;
                anyhow::Ok(())
            })
        })
        .join();
        if let Ok(Err(e)) = deleted {
            eprintln!("the test table could not be deleted from {}: {e:#}", self.endpoint);
        }
    }
}

/// A store on a fresh table of its own (on the tests' DynamoDB: [`ENDPOINT_VARIABLE`]); the
/// table exists as long as the returned guard.
pub async fn fresh_store() -> (Store, TestDynamoDb) {
    let (state, dynamodb) = fresh_state("test").await;
    (state.store().clone(), dynamodb)
}

/// A store on a fresh table of an embedded emulator of its own, whatever [`ENDPOINT_VARIABLE`]
/// says: for tests of what only the embedded emulator does.
pub async fn fresh_embedded_store() -> (Store, LocalDynamoDb) {
    store_on(local_dynamodb().await).await
}

/// An embedded local DynamoDB of the caller's own, with the faults the environment asks for
/// (`DYNAMODB_CONTENTION_MS`; none when unset).
pub async fn local_dynamodb() -> LocalDynamoDb {
    let faults = local_dynamodb::Faults::from_env().expect("the fault settings");
    LocalDynamoDb::ephemeral_with(faults).await.expect("a local DynamoDB")
}

/// A store on a fresh table of `dynamodb` (for instance one with injected faults), returned
/// with it.
pub async fn store_on(dynamodb: LocalDynamoDb) -> (Store, LocalDynamoDb) {
    let (state, _table) = state_at(dynamodb.endpoint(), "test", "UTC", None).await;
    (state.store().clone(), dynamodb)
}

/// The functions' state (store and configuration, authorization off, store time zone `UTC`)
/// on a fresh table of its own named after `prefix`, on the tests' DynamoDB (a local DynamoDB
/// of its own, or [`ENDPOINT_VARIABLE`]'s); the table exists as long as the returned guard.
pub async fn fresh_state(prefix: &str) -> (AppState, TestDynamoDb) {
    fresh_state_in(prefix, "UTC").await
}

/// As [`fresh_state`], with the store in the IANA time zone `tz`.
pub async fn fresh_state_in(prefix: &str, tz: &str) -> (AppState, TestDynamoDb) {
    fresh_state_opened(prefix, tz, None).await
}

/// As [`fresh_state_in`], with `STORE_OPENED` set to `opened` (`YYYY-MM-DD`) when given.
pub async fn fresh_state_opened(prefix: &str, tz: &str, opened: Option<&str>) -> (AppState, TestDynamoDb) {
    if let Some(endpoint) = external_endpoint() {
        let (state, table) = state_at(&endpoint, prefix, tz, opened).await;
        return (state, TestDynamoDb { endpoint, backend: Backend::External { table } });
    }
    embedded_state(local_dynamodb().await, prefix, tz, opened).await
}

/// As [`fresh_state_in`], on a fresh table of the embedded `dynamodb` (for instance one with
/// injected faults), returned with it.
pub async fn state_on(dynamodb: LocalDynamoDb, prefix: &str, tz: &str) -> (AppState, TestDynamoDb) {
    embedded_state(dynamodb, prefix, tz, None).await
}

async fn embedded_state(
    dynamodb: LocalDynamoDb,
    prefix: &str,
    tz: &str,
    opened: Option<&str>,
) -> (AppState, TestDynamoDb) {
    let (state, _table) = state_at(dynamodb.endpoint(), prefix, tz, opened).await;
    (state, TestDynamoDb { endpoint: dynamodb.endpoint().to_owned(), backend: Backend::Embedded(dynamodb) })
}

/// The state on a new table (a unique name starting with `prefix`) at `endpoint`, and the name.
async fn state_at(endpoint: &str, prefix: &str, tz: &str, opened: Option<&str>) -> (AppState, String) {
    init_logs();
    let table = format!("{prefix}-{}", uuid::Uuid::new_v4().simple());
    let config = Config::from_lookup(|k| match k {
        "TABLE_NAME" => Some(table.clone()),
        "AWS_ENDPOINT_URL" => Some(endpoint.to_owned()),
        "STORE_TIMEZONE" => Some(tz.to_owned()),
        "AUTH_MODE" => Some("off".into()),
        "STORE_OPENED" => opened.map(str::to_owned),
        _ => None,
    })
    .expect("the test configuration");
    let store = config.connect().await;
    assert!(table_definition().create(store.client(), &table).await.expect("create the table"), "a fresh table");
    (AppState::new(store, config), table)
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

/// Creates `categories`, then `products` products spread over them in turn (product `p` priced
/// `5 + p`.99, a million in stock), through the API at `base`: the benchmarks' catalogue.
pub async fn create_catalogue(http: &reqwest::Client, base: &str, categories: &[&str], products: usize) {
    for name in categories {
        let r = http.post(format!("{base}/categories")).body(format!(r#"{{"name":"{name}"}}"#)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 201);
    }
    for p in 0..products {
        let body = format!(
            r#"{{"name":"item {p}","price":"{}.99","category_name":"{}","current_inventory":1000000}}"#,
            5 + p,
            categories[p % categories.len()]
        );
        let r = http.post(format!("{base}/products")).body(body).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 201);
    }
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
