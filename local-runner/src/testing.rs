//! Helpers for tests and benchmarks: a local DynamoDB of their own, a fresh table on it, and the
//! API on a random port.

use local_dynamodb::LocalDynamoDb;
use shared::Config;
use shared::http::AppState;
use shared::store::Store;

/// State on a new table of a new in-process local DynamoDB (free port, temporary database). The
/// emulator runs, and its files exist, as long as the returned guard.
pub async fn fresh_state(prefix: &str) -> (AppState, LocalDynamoDb) {
    let dynamodb = LocalDynamoDb::ephemeral().await.expect("a local DynamoDB");
    let state = state_on(dynamodb.endpoint(), prefix).await;
    (state, dynamodb)
}

/// State on a new, uniquely named table at `endpoint`.
pub async fn state_on(endpoint: &str, prefix: &str) -> AppState {
    let table = format!("{prefix}-{}", uuid::Uuid::new_v4().simple());
    let config = Config::from_lookup(|k| match k {
        "TABLE_NAME" => Some(table.clone()),
        "AWS_ENDPOINT_URL" => Some(endpoint.to_owned()),
        "STORE_TIMEZONE" => std::env::var("STORE_TIMEZONE").ok(),
        "AUTH_MODE" => Some("off".into()),
        _ => None,
    })
    .expect("config");
    let client = config.dynamodb_client().await;
    let state = AppState::new(Store::new(client, table), config);
    assert!(crate::ensure_table(&state).await.expect("create table"), "a fresh table");
    state
}

/// Serves the whole API on 127.0.0.1 at a random port; returns its base URL.
pub async fn spawn(state: AppState) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let app = crate::app(state);
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    base
}
