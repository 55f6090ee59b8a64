//! Products and their stock ledger: the stored shapes, their codecs, the transaction items that
//! write them, and creating, reading, listing and changing products and their stock.

use aws_sdk_dynamodb::types::{AttributeValue, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Page, any_conflict, bump_category, from_item, parse_time, unexpected, unknown_category};
use crate::keys::{self, Index, Key};
use crate::{
    Attempt, CancelReason, Item, Missing, Store, StoreError, TxOutcome, cursor, encode, key_item, n, optimistic,
    put_new, s,
};
use domain::money::Money;
use domain::time;
use domain::{LedgerEntry, LedgerReason, NewProduct, Product, ProductPatch, ProductStatus};

#[derive(Debug, Serialize, Deserialize)]
struct ProductItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    entity: String,
    id: i64,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    description: Option<String>,
    price_minor: i64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    image: Option<String>,
    category_name: String,
    status: String,
    current_inventory: i64,
    low_stock_alert_threshold: i64,
    created_at: String,
    updated_at: String,
    version: i64,
}

#[derive(Debug, Serialize, Deserialize)]
struct LedgerItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    entity: String,
    product_id: i64,
    at: String,
    change: i64,
    quantity_after: i64,
    reason: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    sale_id: Option<String>,
}

/// The full stored item of a product, including its index attributes.
pub fn product_item(p: &Product) -> Result<Item, StoreError> {
    let key = keys::product(p.id);
    let mut item = encode(&ProductItem {
        pk: key.pk,
        sk: key.sk,
        entity: "product".into(),
        id: p.id,
        name: p.name.clone(),
        description: p.description.clone(),
        price_minor: p.price.minor(),
        image: p.image.clone(),
        category_name: p.category_name.clone(),
        status: p.status.as_str().into(),
        current_inventory: p.current_inventory,
        low_stock_alert_threshold: p.low_stock_alert_threshold,
        created_at: time::to_stored(p.created_at),
        updated_at: time::to_stored(p.updated_at),
        version: p.version,
    })?;
    for (name, value) in keys::product_index_attributes(p) {
        item.insert(name.to_owned(), AttributeValue::S(value));
    }
    Ok(item)
}

pub fn product_from_item(item: Item) -> Result<Product, StoreError> {
    let p: ProductItem = from_item(item)?;
    Ok(Product {
        id: p.id,
        name: p.name,
        description: p.description,
        price: Money::from_minor(p.price_minor),
        image: p.image,
        category_name: p.category_name,
        status: ProductStatus::parse(&p.status).ok_or_else(|| StoreError::Corrupt(format!("status {:?}", p.status)))?,
        current_inventory: p.current_inventory,
        low_stock_alert_threshold: p.low_stock_alert_threshold,
        created_at: parse_time(&p.created_at)?,
        updated_at: parse_time(&p.updated_at)?,
        version: p.version,
    })
}

pub fn ledger_item(product_id: i64, version: i64, entry: &LedgerEntry) -> Result<Item, StoreError> {
    let key = keys::ledger(product_id, version);
    encode(&LedgerItem {
        pk: key.pk,
        sk: key.sk,
        entity: "ledger".into(),
        product_id,
        at: time::to_stored(entry.at),
        change: entry.change,
        quantity_after: entry.quantity_after,
        reason: entry.reason.as_str().into(),
        sale_id: entry.sale_id.clone(),
    })
}

fn ledger_from_item(item: Item) -> Result<LedgerEntry, StoreError> {
    let l: LedgerItem = from_item(item)?;
    Ok(LedgerEntry {
        at: parse_time(&l.at)?,
        change: l.change,
        quantity_after: l.quantity_after,
        reason: LedgerReason::parse(&l.reason).ok_or_else(|| StoreError::Corrupt(format!("reason {:?}", l.reason)))?,
        sale_id: l.sale_id,
    })
}

// ---- transaction item builders -------------------------------------------------------------

/// A full replacement of a product, on condition that nobody wrote it since we read `expected_version`.
pub fn put_product_if_version(
    table: &str,
    product: &Product,
    expected_version: i64,
) -> Result<TransactWriteItem, StoreError> {
    Ok(TransactWriteItem::builder()
        .put(
            Put::builder()
                .table_name(table)
                .set_item(Some(product_item(product)?))
                .condition_expression("version = :expected")
                .expression_attribute_values(":expected", n(expected_version))
                .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
                .build()
                .expect("table and item are set"),
        )
        .build())
}

// ---- products ------------------------------------------------------------------------------

/// How a product list is filtered; each combination is one Query on an index made for it.
#[derive(Debug, Clone, Default)]
pub struct ProductFilter {
    pub category_name: Option<String>,
    pub status: Option<ProductStatus>,
}

impl Store {
    /// Creates a product with the next id, its `initial` ledger entry and the category's count,
    /// in one transaction. The id counter is part of the transaction, so a rejected product
    /// (unknown category) consumes no id and ids stay 1, 2, 3, ...
    pub async fn create_product(&self, new: NewProduct, now: DateTime<Utc>) -> Result<Product, StoreError> {
        self.create_product_at(new, now, now).await
    }

    /// As `create_product`, with the initial stock recorded at `stocked_at` (imports).
    pub async fn create_product_at(
        &self,
        new: NewProduct,
        now: DateTime<Utc>,
        stocked_at: DateTime<Utc>,
    ) -> Result<Product, StoreError> {
        let table = self.table().to_owned();
        optimistic("the product id sequence", || async {
            let last = self.read_sequence().await?;
            let id =
                last.checked_add(1).ok_or_else(|| StoreError::Corrupt(format!("product id sequence at {last}")))?;
            let product = Product {
                id,
                name: new.name.clone(),
                description: new.description.clone(),
                price: new.price,
                image: new.image.clone(),
                category_name: new.category_name.clone(),
                status: new.status,
                current_inventory: new.current_inventory,
                low_stock_alert_threshold: new.low_stock_alert_threshold,
                created_at: now,
                updated_at: now,
                version: 1,
            };
            let initial = LedgerEntry {
                at: stocked_at,
                change: new.current_inventory,
                quantity_after: new.current_inventory,
                reason: LedgerReason::Initial,
                sale_id: None,
            };
            let sequence = Update::builder()
                .table_name(&table)
                .set_key(Some(key_item(&keys::product_id_sequence())))
                .update_expression("SET last_value = :next")
                .condition_expression(if last == 0 { "attribute_not_exists(PK)" } else { "last_value = :last" })
                .set_expression_attribute_values(Some(if last == 0 {
                    [(":next".to_owned(), n(id))].into()
                } else {
                    [(":next".to_owned(), n(id)), (":last".to_owned(), n(last))].into()
                }))
                .build()
                .expect("table, key and expression are set");
            let items = vec![
                TransactWriteItem::builder().update(sequence).build(),
                put_new(&table, product_item(&product)?),
                bump_category(&table, &product.category_name, 1),
                put_new(&table, ledger_item(product.id, product.version, &initial)?),
            ];
            match self.transact(items).await? {
                TxOutcome::Committed => Ok(Attempt::Done(product)),
                TxOutcome::Cancelled(r) if r.get(2).is_some_and(CancelReason::condition_failed) => {
                    Err(unknown_category(&product.category_name))
                }
                TxOutcome::Cancelled(r)
                    if r.first().is_some_and(CancelReason::condition_failed) || any_conflict(&r) =>
                {
                    Ok(Attempt::Retry)
                }
                TxOutcome::Cancelled(r) => Err(unexpected("TransactWriteItems", &r)),
            }
        })
        .await
    }

    pub async fn read_sequence(&self) -> Result<i64, StoreError> {
        let item = self.get(&keys::product_id_sequence(), true).await?;
        Ok(match item.as_ref().and_then(|i| i.get("last_value")).and_then(|v| v.as_n().ok()) {
            Some(text) => text.parse().map_err(|_| StoreError::Corrupt("product id sequence".into()))?,
            None => 0,
        })
    }

    /// Reads a product; `consistent` for read-modify-write paths.
    pub async fn find_product(&self, id: i64, consistent: bool) -> Result<Option<Product>, StoreError> {
        self.get(&keys::product(id), consistent).await?.map(product_from_item).transpose()
    }

    pub async fn get_product(&self, id: i64) -> Result<Product, StoreError> {
        self.find_product(id, false).await?.ok_or_else(|| product_not_found(id))
    }

    pub async fn list_products(
        &self,
        filter: &ProductFilter,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<Page<Product>, StoreError> {
        let (index, partition, prefix) = match (&filter.category_name, filter.status) {
            (None, None) => (Index::Gsi1, keys::ALL_PRODUCTS.to_owned(), None),
            (None, Some(status)) => (Index::Gsi2, keys::products_by_status(status), None),
            (Some(c), None) => (Index::Gsi3, keys::products_of_category(c), None),
            (Some(c), Some(status)) => (Index::Gsi3, keys::products_of_category(c), Some(keys::status_prefix(status))),
        };
        self.list_indexed_products(index, partition, prefix, limit, cursor).await
    }

    /// Active products at or below their threshold, from the sparse low-stock index.
    pub async fn list_low_stock(
        &self,
        category: Option<&str>,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<Page<Product>, StoreError> {
        let prefix = category.map(keys::low_stock_category_prefix);
        let page = self.list_indexed_products(Index::Gsi4, keys::LOW_STOCK.to_owned(), prefix, limit, cursor).await?;
        // The index is eventually consistent; the items are read from the table, so drop any that
        // stopped being low since the index entry was written.
        Ok(Page {
            items: page.items.into_iter().filter(Product::is_low_stock).collect(),
            next_cursor: page.next_cursor,
        })
    }

    /// Query an index for product keys, then read the items (one BatchGetItem per page).
    async fn list_indexed_products(
        &self,
        index: Index,
        partition: String,
        sk_prefix: Option<String>,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<Page<Product>, StoreError> {
        let listing = cursor::Listing::new(format!("products|{}|{partition}|{sk_prefix:?}", index.name()));
        let start = cursor
            .map(|c| cursor::decode(c, &listing, &[keys::PK, keys::SK, index.pk(), index.sk()], index.pk(), &partition))
            .transpose()?;
        let mut query = self
            .client()
            .query()
            .table_name(self.table())
            .index_name(index.name())
            .expression_attribute_names("#pk", index.pk())
            .expression_attribute_values(":pk", s(partition))
            .limit(limit)
            .set_exclusive_start_key(start);
        query = match sk_prefix {
            Some(prefix) => query
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                .expression_attribute_names("#sk", index.sk())
                .expression_attribute_values(":prefix", s(prefix)),
            None => query.key_condition_expression("#pk = :pk"),
        };
        let out = query.send().await.map_err(|e| StoreError::from_sdk("Query", e))?;
        let keys: Vec<Item> = out
            .items
            .unwrap_or_default()
            .into_iter()
            .map(|i| i.into_iter().filter(|(k, _)| k == keys::PK || k == keys::SK).collect())
            .collect();
        let items = self.batch_get(keys).await?.into_iter().map(product_from_item).collect::<Result<Vec<_>, _>>()?;
        Ok(Page { items, next_cursor: out.last_evaluated_key.as_ref().map(|k| cursor::encode(k, &listing)) })
    }

    /// Applies a patch; moving category adjusts both categories' counts, and an absolute
    /// `current_inventory` writes an `adjustment` ledger entry, all in one transaction.
    pub async fn update_product(
        &self,
        id: i64,
        patch: &ProductPatch,
        now: DateTime<Utc>,
    ) -> Result<Product, StoreError> {
        let table = self.table().to_owned();
        optimistic("the product", || async {
            let current = self.find_product(id, true).await?.ok_or_else(|| product_not_found(id))?;
            let mut next = current.clone();
            if !patch.apply(&mut next) {
                return Ok(Attempt::Done(current));
            }
            next.version = current.version.checked_add(1).ok_or_else(|| corrupt_version(&current))?;
            next.updated_at = now;
            let mut items = vec![put_product_if_version(&table, &next, current.version)?];
            let moved = next.category_name != current.category_name;
            if moved {
                items.push(bump_category(&table, &next.category_name, 1));
                items.push(bump_category(&table, &current.category_name, -1));
            }
            if next.current_inventory != current.current_inventory {
                let entry = LedgerEntry {
                    at: now,
                    change: next.current_inventory.checked_sub(current.current_inventory).ok_or_else(|| {
                        StoreError::Corrupt(format!("product {id} has a stock of {}", current.current_inventory))
                    })?,
                    quantity_after: next.current_inventory,
                    reason: LedgerReason::Adjustment,
                    sale_id: None,
                };
                items.push(put_new(&table, ledger_item(id, next.version, &entry)?));
            }
            match self.transact(items).await? {
                TxOutcome::Committed => Ok(Attempt::Done(next)),
                TxOutcome::Cancelled(r) if moved && r.get(1).is_some_and(CancelReason::condition_failed) => {
                    Err(unknown_category(&next.category_name))
                }
                TxOutcome::Cancelled(r)
                    if r.first().is_some_and(super::CancelReason::condition_failed) || any_conflict(&r) =>
                {
                    Ok(Attempt::Retry)
                }
                TxOutcome::Cancelled(r) => Err(unexpected("TransactWriteItems", &r)),
            }
        })
        .await
    }

    /// Writes a restock, return or adjustment: the product on condition that it is still at
    /// `read_version`, and its ledger entry, in one transaction. [`Attempt::Retry`] when the
    /// product moved on since it was read.
    pub async fn write_stock_change(
        &self,
        product_after: &Product,
        read_version: i64,
        entry: &LedgerEntry,
    ) -> Result<Attempt<()>, StoreError> {
        let table = self.table();
        let items = vec![
            put_product_if_version(table, product_after, read_version)?,
            put_new(table, ledger_item(product_after.id, product_after.version, entry)?),
        ];
        match self.transact(items).await? {
            TxOutcome::Committed => Ok(Attempt::Done(())),
            TxOutcome::Cancelled(r)
                if r.first().is_some_and(super::CancelReason::condition_failed) || any_conflict(&r) =>
            {
                Ok(Attempt::Retry)
            }
            TxOutcome::Cancelled(r) => Err(unexpected("TransactWriteItems", &r)),
        }
    }

    /// The stock ledger of a product, newest first.
    pub async fn list_ledger(
        &self,
        id: i64,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<Page<LedgerEntry>, StoreError> {
        let pk = keys::product_pk(id);
        let listing = cursor::Listing::new(format!("ledger|{pk}"));
        let start = cursor.map(|c| cursor::decode(c, &listing, &[keys::PK, keys::SK], keys::PK, &pk)).transpose()?;
        if start.is_none() && self.find_product(id, false).await?.is_none() {
            return Err(product_not_found(id));
        }
        crate::query_page(
            self.client()
                .query()
                .table_name(self.table())
                .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
                .expression_attribute_values(":pk", s(pk))
                .expression_attribute_values(":prefix", s(keys::LEDGER_SK_PREFIX))
                .scan_index_forward(false),
            &listing,
            limit,
            start,
            ledger_from_item,
        )
        .await
    }
}

fn corrupt_version(product: &Product) -> StoreError {
    StoreError::Corrupt(format!("product {} is at version {}", product.id, product.version))
}

pub fn product_not_found(id: i64) -> StoreError {
    StoreError::NotFound(Missing::Product(id))
}

/// The key of a product, for callers that build their own transactions (sales).
pub fn product_key(id: i64) -> Key {
    keys::product(id)
}
