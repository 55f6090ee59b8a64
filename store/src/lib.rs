//! The DynamoDB access layer: one `Store` per process, built once, cheap to clone.

pub mod catalogue;
pub mod counters;
pub mod cursor;
pub mod idempotency;
pub mod keys;
pub mod rebuild;
pub mod reports;
pub mod sales;
pub mod sdk;
pub mod table;

use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, TransactWriteItem};
use backon::{BackoffBuilder, ExponentialBuilder, Retryable};

pub type Item = HashMap<String, AttributeValue>;

/// DynamoDB's limit of actions in one transaction.
pub const MAX_TRANSACTION_ITEMS: usize = 100;

pub use catalogue::Page;

/// What the store answers besides success: outcomes of the table (an item missing, a condition
/// that failed and why, a cursor that is not ours, a race lost too often) and failures (throttled,
/// an unreadable item, the SDK). No HTTP here: the API layer maps each to its problem.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// The item an operation needs does not exist.
    #[error("{0} does not exist")]
    NotFound(Missing),
    /// A write's condition failed, for this reason.
    #[error("refused: {0}")]
    ConditionFailed(Refusal),
    /// A list cursor that no listing of this partition and index returned (forged or foreign).
    #[error("the cursor is not one this list returned")]
    BadCursor,
    /// An optimistic write lost its race on every attempt.
    #[error("{what} is being changed by many requests at once")]
    Contended { what: &'static str },
    #[error("DynamoDB {operation} failed: {message}")]
    Request { operation: &'static str, message: String },
    #[error("DynamoDB throttled {0}")]
    Throttled(&'static str),
    #[error("stored item could not be read: {0}")]
    Corrupt(String),
    #[error("item could not be encoded: {0}")]
    Encode(String),
}

pub use domain::outcome::{Missing, Refusal};

impl StoreError {
    pub fn from_sdk<E, R>(operation: &'static str, err: SdkError<E, R>) -> StoreError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        let code = err.code().unwrap_or_default().to_owned();
        if matches!(
            code.as_str(),
            "ProvisionedThroughputExceededException" | "ThrottlingException" | "RequestLimitExceeded"
        ) {
            return StoreError::Throttled(operation);
        }
        // Only a cursor (an ExclusiveStartKey) draws this: one of another list, or of the same
        // list with other filters, whose key is outside the query's key condition. DynamoDB (and
        // both emulators) answer "The provided starting key does not match the range key
        // predicate" / "... is outside query boundaries ...": the caller's cursor is bad, a 400.
        if code == "ValidationException" && err.message().is_some_and(|m| m.contains("starting key")) {
            return StoreError::BadCursor;
        }
        let message = match err.message() {
            Some(m) => format!("{code}: {m}"),
            None => format!("{:?}", aws_sdk_dynamodb::error::DisplayErrorContext(&err)),
        };
        StoreError::Request { operation, message }
    }
}

/// A conditional write's outcome: `Ok(true)` written, `Ok(false)` refused by its condition, or
/// the failure. (Each operation has its own error type; the code is common to all of them.)
pub(crate) fn conditional_write<O, E, R>(
    operation: &'static str,
    result: Result<O, SdkError<E, R>>,
) -> Result<bool, StoreError>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match result {
        Ok(_) => Ok(true),
        Err(e) if e.code() == Some("ConditionalCheckFailedException") => Ok(false),
        Err(e) => Err(StoreError::from_sdk(operation, e)),
    }
}

/// Sends `query` for one page of at most `limit` items from `start` (a decoded cursor), each
/// item read by `decode`; the next page's cursor is DynamoDB's `LastEvaluatedKey`, bound to
/// `listing`.
pub(crate) async fn query_page<T>(
    query: aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
    listing: &cursor::Listing,
    limit: i32,
    start: Option<cursor::KeyMap>,
    decode: impl FnMut(Item) -> Result<T, StoreError>,
) -> Result<catalogue::Page<T>, StoreError> {
    let out =
        query.limit(limit).set_exclusive_start_key(start).send().await.map_err(|e| StoreError::from_sdk("Query", e))?;
    let items = out.items.unwrap_or_default().into_iter().map(decode).collect::<Result<Vec<_>, _>>()?;
    Ok(catalogue::Page { items, next_cursor: out.last_evaluated_key.as_ref().map(|k| cursor::encode(k, listing)) })
}

/// Why one item of a cancelled transaction failed.
#[derive(Debug, Clone)]
pub struct CancelReason {
    pub code: String,
    /// The item as it was, for items written with `ReturnValuesOnConditionCheckFailure`.
    pub item: Option<Item>,
}

impl CancelReason {
    pub fn condition_failed(&self) -> bool {
        self.code == "ConditionalCheckFailed"
    }
}

/// The outcome of a transaction that DynamoDB answered.
pub enum TxOutcome {
    Committed,
    /// One reason per item, in request order.
    Cancelled(Vec<CancelReason>),
}

/// A step of an optimistic read-modify-write loop.
pub enum Attempt<T> {
    Done(T),
    /// Someone else wrote first; read again and retry.
    Retry,
}

#[derive(Clone)]
pub struct Store {
    client: Client,
    table: String,
    /// A lower bound of each counter's stored `last_sold_at`, from this process's own writes: the
    /// aggregator does not ask to raise one it knows is already later (the condition that guards
    /// it would cancel the whole transaction). The condition stays: this only avoids the waste.
    pub(crate) latest_counted: std::sync::Arc<std::sync::Mutex<counters::LatestCounted>>,
}

impl Store {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Store { client, table: table.into(), latest_counted: std::sync::Arc::default() }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// Runs a transaction. Cancellation (a failed condition, a conflict) is an outcome for the
    /// caller to interpret; anything else is a `StoreError`.
    pub async fn transact(&self, items: Vec<TransactWriteItem>) -> Result<TxOutcome, StoreError> {
        debug_assert!(items.len() <= 100, "DynamoDB allows at most 100 items per transaction");
        match self.client.transact_write_items().set_transact_items(Some(items)).send().await {
            Ok(_) => Ok(TxOutcome::Committed),
            Err(e) => match e.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) => {
                    let reasons = cancelled
                        .cancellation_reasons()
                        .iter()
                        .map(|r| CancelReason { code: r.code().unwrap_or("None").to_owned(), item: r.item().cloned() })
                        .collect();
                    Ok(TxOutcome::Cancelled(reasons))
                }
                Some(TransactWriteItemsError::TransactionInProgressException(_)) => {
                    Ok(TxOutcome::Cancelled(vec![CancelReason { code: "TransactionConflict".into(), item: None }]))
                }
                _ => Err(StoreError::from_sdk("TransactWriteItems", e)),
            },
        }
    }

    /// Reads one item by key.
    pub async fn get(&self, key: &keys::Key, consistent: bool) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key_item(key)))
            .consistent_read(consistent)
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("GetItem", e))?;
        Ok(out.item)
    }

    /// Every item a Query returns, all pages.
    pub async fn query_all(
        &self,
        query: aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
    ) -> Result<Vec<Item>, StoreError> {
        query.into_paginator().items().send().try_collect().await.map_err(|e| StoreError::from_sdk("Query", e))
    }

    /// Reads up to 100 items by key, in one BatchGetItem (retrying unprocessed keys), and returns
    /// them in the order of `keys`; keys with no item are skipped.
    pub async fn batch_get(&self, keys: Vec<Item>) -> Result<Vec<Item>, StoreError> {
        debug_assert!(keys.len() <= 100);
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let key_of = |item: &Item| -> Option<(String, String)> {
            Some((item.get(keys::PK)?.as_s().ok()?.clone(), item.get(keys::SK)?.as_s().ok()?.clone()))
        };
        let order: Vec<(String, String)> = keys.iter().filter_map(key_of).collect();
        let mut found: HashMap<(String, String), Item> = HashMap::new();
        let mut pending = keys;
        let mut delays = retry_delays().with_max_times(MAX_UNPROCESSED_RETRIES).build();
        while !pending.is_empty() {
            let request = KeysAndAttributes::builder()
                .set_keys(Some(pending))
                .build()
                .map_err(|e| StoreError::Request { operation: "BatchGetItem", message: e.to_string() })?;
            let out = self
                .client
                .batch_get_item()
                .request_items(&self.table, request)
                .send()
                .await
                .map_err(|e| StoreError::from_sdk("BatchGetItem", e))?;
            for item in out.responses.and_then(|mut r| r.remove(&self.table)).unwrap_or_default() {
                if let Some(k) = key_of(&item) {
                    found.insert(k, item);
                }
            }
            pending = out.unprocessed_keys.and_then(|mut u| u.remove(&self.table)).map(|k| k.keys).unwrap_or_default();
            if !pending.is_empty() {
                let Some(delay) = delays.next() else { return Err(StoreError::Throttled("BatchGetItem")) };
                tokio::time::sleep(delay).await;
            }
        }
        Ok(order.into_iter().filter_map(|k| found.remove(&k)).collect())
    }
}

/// The size DynamoDB bills an item at: attribute names plus values (strings by UTF-8 length,
/// numbers by about one byte per two significant digits plus one). Items may not exceed 400 KB;
/// a write unit covers 1 KB (two for a transactional write), a read unit 4 KB.
pub fn item_size(item: &Item) -> usize {
    item.iter().map(|(name, value)| name.len() + value_size(value)).sum()
}

fn value_size(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::S(s) => s.len(),
        AttributeValue::N(n) => {
            let digits =
                n.trim_start_matches('-').trim_start_matches('0').replace('.', "").trim_end_matches('0').len().max(1);
            digits.div_ceil(2) + 1
        }
        AttributeValue::B(b) => b.as_ref().len(),
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        AttributeValue::L(items) => 3 + items.iter().map(|v| 1 + value_size(v)).sum::<usize>(),
        AttributeValue::M(map) => 3 + map.iter().map(|(k, v)| 1 + k.len() + value_size(v)).sum::<usize>(),
        AttributeValue::Ss(v) => v.iter().map(String::len).sum(),
        AttributeValue::Ns(v) => v.iter().map(|n| value_size(&AttributeValue::N(n.clone()))).sum(),
        AttributeValue::Bs(v) => v.iter().map(|b| b.as_ref().len()).sum(),
        _ => 0,
    }
}

/// Write units of one write of `size` bytes (standard; double it inside a transaction).
pub fn write_units(size: usize) -> usize {
    size.div_ceil(1024).max(1)
}

/// The item of a stored shape (a codec's record).
pub fn encode<T: serde::Serialize>(record: &T) -> Result<Item, StoreError> {
    serde_dynamo::to_item(record).map_err(|e| StoreError::Encode(e.to_string()))
}

/// A string attribute value.
pub fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

/// A number attribute value.
pub fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// A transactional put of a new item that must not exist yet.
pub fn put_new(table: &str, item: Item) -> TransactWriteItem {
    TransactWriteItem::builder()
        .put(
            aws_sdk_dynamodb::types::Put::builder()
                .table_name(table)
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(PK)")
                .build()
                .expect("table and item are set"),
        )
        .build()
}

/// Key attributes of an item as a key map.
pub fn key_item(key: &keys::Key) -> Item {
    HashMap::from([
        (keys::PK.to_owned(), AttributeValue::S(key.pk.clone())),
        (keys::SK.to_owned(), AttributeValue::S(key.sk.clone())),
    ])
}

/// The delays between retries of a lost race or of unprocessed keys: exponential from 2 ms,
/// doubling to at most 128 ms, each plus a random jitter of up to as much again, so that
/// contenders spread out instead of colliding again.
pub fn retry_delays() -> ExponentialBuilder {
    ExponentialBuilder::new()
        .with_min_delay(Duration::from_millis(2))
        .with_factor(2.0)
        .with_max_delay(Duration::from_millis(128))
        .with_jitter()
        .without_max_times()
}

/// The most attempts of one optimistic write before giving up ([`StoreError::Contended`]).
pub const MAX_ATTEMPTS: usize = 50;

/// How often unprocessed keys of a BatchGetItem are asked again before it counts as throttled.
const MAX_UNPROCESSED_RETRIES: usize = 8;

/// Runs a read-modify-write step until it is done, fails, or the retry budget is spent
/// ([`StoreError::Contended`]). Every retry means another writer won a race; the backoff spreads
/// the contenders out. `E` is the caller's error, so a step may also stop on a rule it checked.
pub async fn optimistic<T, E, F, Fut>(what: &'static str, mut step: F) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Attempt<T>, E>>,
    E: From<StoreError>,
{
    enum Stop<E> {
        Raced,
        Failed(E),
    }
    let attempt = || {
        let step = step();
        async move {
            match step.await {
                Ok(Attempt::Done(v)) => Ok(v),
                Ok(Attempt::Retry) => Err(Stop::Raced),
                Err(e) => Err(Stop::Failed(e)),
            }
        }
    };
    let outcome = attempt
        .retry(retry_delays().with_max_times(MAX_ATTEMPTS - 1))
        .when(|stop| matches!(stop, Stop::Raced))
        .notify(|_, delay| tracing::debug!(what, ?delay, "write raced with another; retrying"))
        .await;
    match outcome {
        Ok(v) => Ok(v),
        Err(Stop::Failed(e)) => Err(e),
        Err(Stop::Raced) => Err(StoreError::Contended { what }.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delays_grow_to_a_cap_and_stop_after_the_budget() {
        let delays: Vec<Duration> = retry_delays().with_max_times(MAX_ATTEMPTS - 1).build().collect();
        assert_eq!(delays.len(), MAX_ATTEMPTS - 1, "one delay between two attempts");
        assert!(delays.iter().all(|d| *d >= Duration::from_millis(2) && *d < Duration::from_millis(256)), "{delays:?}");
        assert!(delays[0] < Duration::from_millis(4));
    }

    #[tokio::test]
    async fn an_optimistic_write_retries_races_and_stops_on_a_failure() {
        let mut races = 2;
        let done: Result<&str, StoreError> = optimistic("the thing", || {
            let raced = races > 0;
            races -= 1;
            async move { Ok(if raced { Attempt::Retry } else { Attempt::Done("written") }) }
        })
        .await;
        assert_eq!(done.unwrap(), "written");
        let mut attempts = 0;
        let failed: Result<(), StoreError> = optimistic("the thing", || {
            attempts += 1;
            async { Err(StoreError::BadCursor) }
        })
        .await;
        assert!(matches!(failed, Err(StoreError::BadCursor)));
        assert_eq!(attempts, 1, "a failure is not retried");
    }

    #[test]
    fn item_size_follows_dynamodb_rules() {
        let item: Item = HashMap::from([
            ("PK".to_owned(), AttributeValue::S("PRODUCT#1".into())),
            ("n".to_owned(), AttributeValue::N("12345".into())),
        ]);
        assert_eq!(item_size(&item), 2 + 9 + 1 + (3 + 1));
        assert_eq!(write_units(1), 1);
        assert_eq!(write_units(1024), 1);
        assert_eq!(write_units(1025), 2);
    }
}
