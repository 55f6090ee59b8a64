//! The catalogue's use cases: categories and products as they are, and stock changes (read, apply
//! the rule, write).

use chrono::{DateTime, Utc};

use crate::Error;
use crate::{App, Page};
use domain::outcome::Missing;
use domain::{Category, LedgerEntry, NewCategory, NewProduct, Product, ProductPatch, StockChange};
pub use store::catalogue::ProductFilter;
use store::{Attempt, optimistic};

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
pub async fn change_stock(app: &App, id: i64, change: &StockChange, now: DateTime<Utc>) -> Result<StockChanged, Error> {
    let store = app.store();
    optimistic("the product's stock", || async {
        let current = store.find_product(id, true).await?.ok_or(Error::NotFound(Missing::Product(id)))?;
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
            .ok_or_else(|| Error::Failed(format!("product {id} has a stock of {}", current.current_inventory)))?;
        let (next, entry) = current
            .stock_moved(change_by, change.reason, None, now)
            .ok_or(Error::Stock(domain::StockRejected::AboveMaximum))?;
        Ok::<_, Error>(match store.write_stock_change(&next, current.version, &entry).await? {
            Attempt::Done(()) => Attempt::Done(StockChanged::Written(entry)),
            Attempt::Retry => Attempt::Retry,
        })
    })
    .await
}

// ---- what the catalogue's handlers read and write as it is --------------------------------------

pub async fn create_category(app: &App, new: NewCategory, now: DateTime<Utc>) -> Result<Category, Error> {
    Ok(app.store().create_category(new, now).await?)
}

pub async fn get_category(app: &App, name: &str) -> Result<Category, Error> {
    Ok(app.store().get_category(name).await?)
}

pub async fn list_categories(app: &App, limit: i32, cursor: Option<&str>) -> Result<Page<Category>, Error> {
    Ok(app.store().list_categories(limit, cursor).await?)
}

pub async fn update_category(app: &App, name: &str, description: Option<String>) -> Result<Category, Error> {
    Ok(app.store().update_category(name, description).await?)
}

/// Deletes a category no product uses (else [`Error::Refused`]).
pub async fn delete_category(app: &App, name: &str) -> Result<(), Error> {
    Ok(app.store().delete_category(name).await?)
}

pub async fn create_product(app: &App, new: NewProduct, now: DateTime<Utc>) -> Result<Product, Error> {
    Ok(app.store().create_product(new, now).await?)
}

pub async fn get_product(app: &App, id: i64) -> Result<Product, Error> {
    Ok(app.store().get_product(id).await?)
}

pub async fn list_products(
    app: &App,
    filter: &ProductFilter,
    limit: i32,
    cursor: Option<&str>,
) -> Result<Page<Product>, Error> {
    Ok(app.store().list_products(filter, limit, cursor).await?)
}

/// Active products at or under their low-stock threshold.
pub async fn list_low_stock(
    app: &App,
    category: Option<&str>,
    limit: i32,
    cursor: Option<&str>,
) -> Result<Page<Product>, Error> {
    Ok(app.store().list_low_stock(category, limit, cursor).await?)
}

pub async fn update_product(app: &App, id: i64, patch: &ProductPatch, now: DateTime<Utc>) -> Result<Product, Error> {
    Ok(app.store().update_product(id, patch, now).await?)
}

/// A product's stock ledger, newest first.
pub async fn list_ledger(app: &App, id: i64, limit: i32, cursor: Option<&str>) -> Result<Page<LedgerEntry>, Error> {
    Ok(app.store().list_ledger(id, limit, cursor).await?)
}
