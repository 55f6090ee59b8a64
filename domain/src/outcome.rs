//! What a request found instead of what it wanted: the thing that was not there, or the rule a
//! conditional write's check of the table refused. The store reports them; the use cases and the
//! API say them to the client.

/// The item that was not there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Missing {
    Category(String),
    Product(i64),
    Sale(String),
    DailyReport(String),
}

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Missing::Category(name) => write!(f, "category {name:?}"),
            Missing::Product(id) => write!(f, "product {id}"),
            Missing::Sale(id) => write!(f, "sale {id}"),
            Missing::DailyReport(date) => write!(f, "the daily report of {date}"),
        }
    }
}

/// Why a conditional write was refused (its condition read the table and said no).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// A product names a category that does not exist.
    #[error("no category named {0:?}")]
    UnknownCategory(String),
    #[error("category {0:?} already exists")]
    CategoryExists(String),
    /// A category that products still use cannot be deleted.
    #[error("category {name:?} is used by {products} product(s)")]
    CategoryInUse { name: String, products: i64 },
    /// The idempotency key this write was to complete was taken over by a retry after its lease
    /// expired: the retry's answer stands, this write is cancelled.
    #[error("the idempotency key was taken over by a retry")]
    IdempotencyKeyTakenOver,
}
