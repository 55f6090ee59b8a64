//! Catalogue use cases that read, apply a rule and write: stock changes.

use chrono::{DateTime, Utc};

use super::Error;
use crate::domain::{LedgerEntry, StockChange};
use crate::store::{Attempt, Missing, Store, StoreError, optimistic};

/// What a stock change did.
#[derive(Debug, Clone, PartialEq)]
pub enum StockChanged {
    /// The change, with its new ledger entry.
    Written(LedgerEntry),
    /// Nothing to change (`set` to the quantity in stock): the latest entry, nothing written.
    Unchanged(LedgerEntry),
}

/// Records a restock, return or adjustment: the product and its ledger entry in one write, on
/// condition that the product is unchanged since it was read (else read again).
pub async fn change_stock(
    store: &Store,
    id: i64,
    change: &StockChange,
    now: DateTime<Utc>,
) -> Result<StockChanged, Error> {
    optimistic("the product's stock", || async {
        let current = store.find_product(id, true).await?.ok_or(StoreError::NotFound(Missing::Product(id)))?;
        let after = change.apply_to(current.current_inventory)?;
        if after == current.current_inventory {
            // Only a `set` to the current quantity gets here (a `change` is never 0).
            let latest = store.list_ledger(id, 1, None).await?.items.into_iter().next();
            let entry = latest.unwrap_or(LedgerEntry {
                at: current.updated_at,
                change: 0,
                quantity_after: after,
                reason: change.reason,
                sale_id: None,
            });
            return Ok(Attempt::Done(StockChanged::Unchanged(entry)));
        }
        let change_by = after
            .checked_sub(current.current_inventory)
            .ok_or_else(|| StoreError::Corrupt(format!("product {id} has a stock of {}", current.current_inventory)))?;
        let (next, entry) = current
            .stock_moved(change_by, change.reason, None, now)
            .ok_or(Error::Stock(crate::domain::StockRejected::AboveMaximum))?;
        Ok::<_, Error>(match store.write_stock_change(&next, current.version, &entry).await? {
            Attempt::Done(()) => Attempt::Done(StockChanged::Written(entry)),
            Attempt::Retry => Attempt::Retry,
        })
    })
    .await
}
