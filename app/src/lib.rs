//! The use cases: what a request asks for, done by calling the store and the domain's rules.
//! Handlers extract a request, call one of these and respond; errors come back typed ([`Error`])
//! and the API layer maps them to problems. Nothing here knows HTTP.

pub mod analytics;
pub mod catalogue;
pub mod config;
pub mod counters;
mod error;
pub mod idempotency;
pub mod reports;
pub mod sales;
pub mod telemetry;
pub mod time;

use std::sync::Arc;

pub use config::Config;
pub use error::Error;
/// A page of a list (`next_cursor` is `None` on the last page), as the store reads it.
pub use store::Page;
use store::Store;

/// What every use case works with: the store (one DynamoDB client, built once per process) and
/// the configuration. Cheap to clone; the API's handlers share one.
#[derive(Clone)]
pub struct App {
    store: Store,
    pub config: Arc<Config>,
}

impl App {
    pub fn new(store: Store, config: Config) -> App {
        App { store, config: Arc::new(config) }
    }

    /// Reads the configuration and builds the DynamoDB client: once per process, at start-up.
    pub async fn from_env() -> Result<App, config::ConfigError> {
        Ok(App::from_config(Config::from_env()?).await)
    }

    pub async fn from_config(config: Config) -> App {
        App::new(config.connect().await, config)
    }

    /// The store, for what works below the use cases: the stream consumer, the local runner's
    /// table and counter commands, tests. Handlers call use cases, never this.
    pub fn store(&self) -> &Store {
        &self.store
    }
}
