//! What every function of the e-commerce admin back end shares: configuration, the use cases,
//! the single-table key design, the DynamoDB access layer, errors mapped to problem+json, and
//! the HTTP plumbing common to every router. The domain (types, rules, exact money, timestamps)
//! is the `domain` crate, re-exported here under its old paths (`shared::domain`,
//! `shared::money`, `shared::time`).
//!
//! The HTTP side (`auth`, `http`, `lambda`, `openapi`, `wire`, the problem+json response of
//! `error`) is the `http` feature: the functions behind API
//! Gateway enable it; the stream consumer does not, and links no axum, utoipa or lambda_http.

pub mod app;
#[cfg(feature = "http")]
pub mod auth;
pub mod config;
pub use domain;
pub mod error;
#[cfg(feature = "http")]
pub mod http;
#[cfg(feature = "http")]
pub mod lambda;
pub use domain::money;
#[cfg(feature = "http")]
pub mod openapi;
pub mod store;
pub mod telemetry;
pub mod time;
#[cfg(feature = "http")]
pub mod wire;

pub use config::Config;
pub use error::{AppError, FieldError};
pub use money::Money;
pub use store::Store;
