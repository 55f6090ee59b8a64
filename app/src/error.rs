//! Why a use case did not do what it was asked: the outcomes of the store, in the use cases'
//! words (the API maps each to its problem without knowing the store), and the domain's
//! rejections.

use domain::outcome::{Missing, Refusal};
use domain::{ReturnRejected, SaleRejected, StockRejected};
use store::StoreError;

#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// The thing asked for does not exist.
    #[error("{0} does not exist")]
    NotFound(Missing),
    /// A write's check of the table refused it.
    #[error("refused: {0}")]
    Refused(Refusal),
    /// A list cursor that no listing of this kind returned (forged or foreign).
    #[error("the cursor is not one this list returned")]
    BadCursor,
    /// An optimistic write lost its race on every attempt.
    #[error("{what} is being changed by many requests at once")]
    Contended { what: &'static str },
    /// DynamoDB is throttling; a retry may pass.
    #[error("DynamoDB throttled {0}")]
    Throttled(&'static str),
    /// A failure below the use cases (a request that failed, an item that could not be read or
    /// written): detail for the logs, never for the client.
    #[error("{0}")]
    Failed(String),
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
    /// [`crate::analytics::SummaryLimits`]).
    #[error("this summary {0}: narrow from/to, filter by a product or category, or group by a coarser period")]
    SummaryTooLarge(String),
    /// A day whose report cannot be built (beyond the calendar's range).
    #[error("no day {0} to report on")]
    NoSuchDay(chrono::NaiveDate),
    /// A response that could not be rendered for an idempotency record.
    #[error("could not render a response: {0}")]
    Render(String),
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(missing) => Error::NotFound(missing),
            StoreError::ConditionFailed(refusal) => Error::Refused(refusal),
            StoreError::BadCursor => Error::BadCursor,
            StoreError::Contended { what } => Error::Contended { what },
            StoreError::Throttled(operation) => Error::Throttled(operation),
            e @ (StoreError::Corrupt(_) | StoreError::Encode(_) | StoreError::Request { .. }) => {
                Error::Failed(e.to_string())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stores_outcomes_keep_their_meaning_and_failures_their_detail() {
        assert!(matches!(Error::from(StoreError::NotFound(Missing::Product(9))), Error::NotFound(Missing::Product(9))));
        assert!(matches!(
            Error::from(StoreError::ConditionFailed(Refusal::CategoryExists("toys".into()))),
            Error::Refused(Refusal::CategoryExists(name)) if name == "toys"
        ));
        assert!(matches!(Error::from(StoreError::BadCursor), Error::BadCursor));
        assert!(matches!(Error::from(StoreError::Throttled("Query")), Error::Throttled("Query")));
        let failed = Error::from(StoreError::Corrupt("product 9 has no price".into()));
        assert!(matches!(&failed, Error::Failed(detail) if detail.contains("product 9 has no price")));
    }
}
