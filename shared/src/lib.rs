//! What every function of the e-commerce admin back end shares: configuration, domain types
//! and their validation, exact money, the single-table key design, the DynamoDB access layer,
//! errors mapped to problem+json, and the HTTP plumbing common to every router.

pub mod app;
pub mod auth;
pub mod config;
pub mod domain;
pub mod error;
pub mod http;
pub mod lambda;
pub mod money;
pub mod openapi;
pub mod store;
pub mod telemetry;
pub mod time;
pub mod wire;

pub use config::Config;
pub use error::{AppError, FieldError};
pub use money::Money;
pub use store::Store;
