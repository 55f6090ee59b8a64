//! The whole API (the local runner's router) on a free port, on a table of its own, with the
//! stream poller run on demand.

use api::http::AppState;

pub struct TestApp {
    pub client: test_support::Client,
    pub state: AppState,
    /// Where this app's stream poller keeps its checkpoints, in `_temp`.
    pub checkpoints: std::path::PathBuf,
    /// Removed on drop.
    pub _temp: tempfile::TempDir,
    /// The DynamoDB of its table (its own embedded one, stopped and removed on drop, or
    /// `TEST_DYNAMODB_ENDPOINT`'s, the table deleted on drop).
    pub _dynamodb: test_support::TestDynamoDb,
}

/// Requests go through the client: `app.get(...)`, `app.base`.
impl std::ops::Deref for TestApp {
    type Target = test_support::Client;

    fn deref(&self) -> &test_support::Client {
        &self.client
    }
}

/// The router on 127.0.0.1:<random>, on a table of its own.
pub async fn spawn_app() -> TestApp {
    spawn_app_in("UTC").await
}

/// As `spawn_app`, with the store in time zone `tz`.
pub async fn spawn_app_in(tz: &str) -> TestApp {
    serve_state(test_support::fresh_state_opened("e2e", tz, None).await).await
}

/// As `spawn_app_in`, with `STORE_OPENED` (`YYYY-MM-DD`) when given.
pub async fn spawn_app_opened(tz: &str, opened: Option<&str>) -> TestApp {
    serve_state(test_support::fresh_state_opened("e2e", tz, opened).await).await
}

/// As `spawn_app_in`, on the embedded `dynamodb` (for instance one with injected faults).
pub async fn spawn_app_on(dynamodb: local_dynamodb::LocalDynamoDb, tz: &str) -> TestApp {
    serve_state(test_support::state_on(dynamodb, "e2e", tz).await).await
}

/// The router on the state of a fresh table, on 127.0.0.1:<random>.
async fn serve_state((state, dynamodb): (api::http::AppState, test_support::TestDynamoDb)) -> TestApp {
    let base = test_support::serve(local_runner::app(state.clone())).await;
    let temp = tempfile::Builder::new().prefix("e2e-").tempdir().expect("a temporary directory");
    let checkpoints = temp.path().join("checkpoints");
    TestApp { client: test_support::Client::new(base), state, checkpoints, _temp: temp, _dynamodb: dynamodb }
}

impl TestApp {
    /// Runs the stream poller (as `make dev` does) until it has handled everything written so
    /// far; returns the records handled. A new poller each time: it resumes from the checkpoint.
    pub async fn aggregate(&self) -> usize {
        let mut poller = local_runner::stream::StreamPoller::new(self.state.clone(), self.checkpoints.clone())
            .await
            .expect("poller");
        let mut total = 0;
        loop {
            match poller.poll_once().await.expect("poll") {
                0 => return total,
                n => total += n,
            }
        }
    }

    /// Creates a category; panics unless 201.
    pub async fn category(&self, name: &str) -> serde_json::Value {
        self.post("/categories", &format!(r#"{{"name":"{name}"}}"#)).await.assert_status(201).clone()
    }

    /// Creates a product from a JSON body; panics unless 201.
    pub async fn product(&self, body: &str) -> serde_json::Value {
        self.post("/products", body).await.assert_status(201).clone()
    }

    /// The category `toys` and a product in it with `stock` units at `price`: the product's id.
    pub async fn toy(&self, price: &str, stock: i64) -> i64 {
        self.category("toys").await;
        self.stocked_product("toys", price, stock).await["id"].as_i64().unwrap()
    }

    /// A product in `category` with `stock` units at `price`.
    pub async fn stocked_product(&self, category: &str, price: &str, stock: i64) -> serde_json::Value {
        self.product(&format!(
            r#"{{"name":"item","price":"{price}","category_name":"{category}","current_inventory":{stock}}}"#
        ))
        .await
    }
}
