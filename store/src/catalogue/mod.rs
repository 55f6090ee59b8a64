//! Catalogue storage: categories (`categories`), products and their stock ledger (`products`).
//! Every multi-item change is one conditional transaction; read-modify-write paths are
//! optimistic on the product `version`.

mod categories;
mod products;

pub use products::{
    ProductFilter, ledger_item, product_from_item, product_item, product_key, product_not_found, put_product_if_version,
};

use aws_sdk_dynamodb::types::{TransactWriteItem, Update};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::keys::{self};
use super::{CancelReason, Item, Missing, Refusal, StoreError, key_item, n};
use domain::time;

/// One page of a list: `next_cursor` is null on the last page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// The same page with each item converted (into its wire view, say).
    pub fn map<U>(self, convert: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(convert).collect(), next_cursor: self.next_cursor }
    }
}

fn parse_time(text: &str) -> Result<DateTime<Utc>, StoreError> {
    time::from_stored(text).ok_or_else(|| StoreError::Corrupt(format!("bad timestamp {text:?}")))
}

fn from_item<T: for<'de> Deserialize<'de>>(item: Item) -> Result<T, StoreError> {
    serde_dynamo::from_item(item).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Adds `delta` to a category's product count; the category must exist.
fn bump_category(table: &str, category: &str, delta: i64) -> TransactWriteItem {
    TransactWriteItem::builder()
        .update(
            Update::builder()
                .table_name(table)
                .set_key(Some(key_item(&keys::category(category))))
                .update_expression("ADD product_count :delta")
                .condition_expression("attribute_exists(PK)")
                .expression_attribute_values(":delta", n(delta))
                .build()
                .expect("table, key and expression are set"),
        )
        .build()
}

fn any_conflict(reasons: &[CancelReason]) -> bool {
    reasons.iter().any(|r| r.code == "TransactionConflict")
}

fn unexpected(operation: &'static str, reasons: &[CancelReason]) -> StoreError {
    let codes: Vec<&str> = reasons.iter().map(|r| r.code.as_str()).collect();
    if codes.iter().any(|c| *c == "ThrottlingError" || *c == "ProvisionedThroughputExceeded") {
        return StoreError::Throttled(operation);
    }
    StoreError::Request { operation, message: format!("transaction cancelled: {codes:?}") }
}

fn unknown_category(name: &str) -> StoreError {
    StoreError::ConditionFailed(Refusal::UnknownCategory(name.to_owned()))
}

fn no_category(name: &str) -> StoreError {
    StoreError::NotFound(Missing::Category(name.to_owned()))
}
