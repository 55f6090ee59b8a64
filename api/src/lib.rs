//! The HTTP side of every function: wire types and extractors (`wire`), the one mapping of
//! errors to `application/problem+json` (`error`), authorization (`auth`), the routers' common
//! layers and state (`http`), the OpenAPI document's shared parts (`openapi`), and the Lambda
//! glue (`lambda`). It calls the use cases (`app`) and knows the domain's types; it never reads
//! or writes the store itself.

pub mod auth;
pub mod error;
pub mod http;
pub mod lambda;
pub mod openapi;
pub mod wire;

pub use error::{AppError, FieldError};
