use reqwest::{Method, StatusCode};
use serde_json::Value;
use shared::http::AppState;

pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub state: AppState,
    /// Where this app's stream poller keeps its checkpoints (removed on drop).
    pub checkpoints: std::path::PathBuf,
    /// The app's own local DynamoDB (stopped and removed on drop).
    pub _dynamodb: local_dynamodb::LocalDynamoDb,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.checkpoints);
    }
}

/// A response: status, headers and JSON body (Null when empty).
pub struct Reply {
    pub status: StatusCode,
    pub content_type: String,
    pub body: Value,
}

impl Reply {
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

/// The router on 127.0.0.1:<random>, on a table of its own.
pub async fn spawn_app() -> TestApp {
    spawn_app_in("UTC").await
}

/// As `spawn_app`, with the store in time zone `tz`.
pub async fn spawn_app_in(tz: &str) -> TestApp {
    let (mut state, dynamodb) = local_runner::testing::fresh_state("e2e").await;
    let mut config = (*state.config).clone();
    config.store_timezone = tz.parse().expect("an IANA zone");
    state.config = std::sync::Arc::new(config);
    let base = local_runner::testing::spawn(state.clone()).await;
    let checkpoints = std::env::temp_dir().join(format!("e2e-checkpoints-{}", uuid::Uuid::new_v4().simple()));
    TestApp { base, http: reqwest::Client::new(), state, checkpoints, _dynamodb: dynamodb }
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

    pub async fn request(&self, method: Method, path: &str, body: Option<&str>) -> Reply {
        let mut req = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(body) = body {
            req = req.header("content-type", "application/json").body(body.to_owned());
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let content_type = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        let bytes = resp.bytes().await.expect("body");
        let body = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).expect("JSON body") };
        Reply { status, content_type, body }
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

    /// Creates a category; panics unless 201.
    pub async fn category(&self, name: &str) -> Value {
        self.post("/categories", &format!(r#"{{"name":"{name}"}}"#)).await.assert_status(201).clone()
    }

    /// Creates a product from a JSON body; panics unless 201.
    pub async fn product(&self, body: &str) -> Value {
        self.post("/products", body).await.assert_status(201).clone()
    }

    /// A product in `category` with `stock` units at `price`.
    pub async fn stocked_product(&self, category: &str, price: &str, stock: i64) -> Value {
        self.product(&format!(
            r#"{{"name":"item","price":"{price}","category_name":"{category}","current_inventory":{stock}}}"#
        ))
        .await
    }
}
