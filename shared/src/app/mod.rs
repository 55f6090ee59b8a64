//! The use cases: what a request asks for, done by calling the store and the domain's rules.
//! Handlers extract a request, call one of these and respond; errors come back typed ([`Error`])
//! and the API layer maps them to problems (`crate::error`).

pub mod analytics;
pub mod catalogue;
pub mod idempotency;
pub mod reports;
pub mod sales;

use crate::domain::{ReturnRejected, SaleRejected, StockRejected};
use crate::store::StoreError;

/// Why a use case did not do what it was asked.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Sale(#[from] SaleRejected),
    #[error(transparent)]
    Return(#[from] ReturnRejected),
    #[error(transparent)]
    Stock(#[from] StockRejected),
    /// The `Idempotency-Key` was first sent with another body.
    #[error("the idempotency key was already used with a different request body")]
    IdempotencyKeyReused,
    /// The first request with this `Idempotency-Key` is still running.
    #[error("a request with this idempotency key is still in progress")]
    IdempotencyKeyInFlight,
    /// A summary that would read or answer more than one request may (see
    /// [`analytics::SummaryLimits`]).
    #[error("this summary {0}: narrow from/to, filter by a product or category, or group by a coarser period")]
    SummaryTooLarge(String),
    /// A day whose report cannot be built (beyond the calendar's range).
    #[error("no day {0} to report on")]
    NoSuchDay(chrono::NaiveDate),
    /// A response that could not be rendered for an idempotency record.
    #[error("could not render a response: {0}")]
    Render(String),
}
