//! Sales storage: recording a sale (one conditional transaction with the stock decrement and the
//! ledger entry), idempotency records, and the sales listings.

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::catalogue::{Page, ledger_item};
use super::idempotency::{Completion, idempotency_completion};
use super::keys::{self, Index};
use super::{
    Attempt, CancelReason, Item, Missing, Refusal, Store, StoreError, TxOutcome, cursor, encode, key_item, put_new,
};
use domain::money::Money;
use domain::time;
use domain::{Restock, Sale, SaleOfProduct, SaleReturn};

/// The attributes of a sale item; the same names are projected into the indexes, so a listing
/// reads sales straight from an index.
#[derive(Debug, Serialize, Deserialize)]
pub struct SaleRecord {
    pub entity: String,
    pub sale_id: String,
    pub product_id: i64,
    pub category_name: String,
    pub units_sold: i64,
    pub unit_price_minor: i64,
    pub total_minor: i64,
    pub sold_at: String,
    /// On the sale's lookup item by id only: the units returned so far, raised by its returns
    /// on condition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units_returned: Option<i64>,
}

impl SaleRecord {
    pub fn from_sale(sale: &Sale) -> Self {
        SaleRecord {
            entity: "sale".into(),
            sale_id: sale.id.clone(),
            product_id: sale.product_id,
            category_name: sale.category_name.clone(),
            units_sold: sale.units_sold,
            unit_price_minor: sale.unit_price.minor(),
            total_minor: sale.total_price.minor(),
            sold_at: time::to_stored(sale.sold_at),
            units_returned: None,
        }
    }

    pub fn into_sale(self) -> Result<Sale, StoreError> {
        Ok(Sale {
            sold_at: time::from_stored(&self.sold_at)
                .ok_or_else(|| StoreError::Corrupt(format!("sold_at {:?}", self.sold_at)))?,
            id: self.sale_id,
            product_id: self.product_id,
            category_name: self.category_name,
            units_sold: self.units_sold,
            unit_price: Money::from_minor(self.unit_price_minor),
            total_price: Money::from_minor(self.total_minor),
        })
    }
}

/// The full stored item of a sale: keys, index attributes, the sale, when it was recorded.
pub fn sale_item(sale: &Sale, recorded_at: DateTime<Utc>) -> Result<Item, StoreError> {
    let key = keys::sale(sale.product_id, sale.sold_at, &sale.id);
    let index = keys::sale_index_attributes(sale.product_id, &sale.category_name, sale.sold_at, &sale.id);
    Ok(stored_item(encode(&SaleRecord::from_sale(sale))?, key, index, recorded_at))
}

/// A record as it is stored: with its key, its index attributes and when it was recorded.
fn stored_item(mut item: Item, key: keys::Key, index: Vec<(&'static str, String)>, recorded_at: DateTime<Utc>) -> Item {
    item.insert(keys::PK.into(), AttributeValue::S(key.pk));
    item.insert(keys::SK.into(), AttributeValue::S(key.sk));
    for (name, value) in index {
        item.insert(name.into(), AttributeValue::S(value));
    }
    item.insert("recorded_at".into(), AttributeValue::S(time::to_stored(recorded_at)));
    item
}

pub fn sale_from_item(item: Item) -> Result<Sale, StoreError> {
    serde_dynamo::from_item::<_, SaleRecord>(item).map_err(|e| StoreError::Corrupt(e.to_string()))?.into_sale()
}

/// The lookup item of a sale by id (`SALEID#{id}` / `SALE`): a copy of the sale under another
/// entity name (the aggregator counts only `sale` items) with no index attributes, plus
/// `units_returned`, which its returns raise on condition.
pub fn sale_ref_item(sale: &Sale, units_returned: i64) -> Result<Item, StoreError> {
    let record =
        SaleRecord { entity: "sale_ref".into(), units_returned: Some(units_returned), ..SaleRecord::from_sale(sale) };
    let mut item = encode(&record)?;
    item.extend(key_item(&keys::sale_ref(&sale.id)));
    Ok(item)
}

/// A sale read by id, with the units returned so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleWithReturns {
    pub sale: Sale,
    pub units_returned: i64,
}

fn sale_ref_from_item(item: Item) -> Result<SaleWithReturns, StoreError> {
    let mut record: SaleRecord = serde_dynamo::from_item(item).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    // A lookup written before returns existed has no `units_returned`: none returned.
    let units_returned = record.units_returned.take().unwrap_or(0);
    Ok(SaleWithReturns { sale: record.into_sale()?, units_returned })
}

/// The attributes of a return item; `entity`, `sale_id`, `product_id` and `category_name` are
/// also projected into the indexes (a return listing by time reads keys there, then the items).
#[derive(Debug, Serialize, Deserialize)]
pub struct ReturnRecord {
    pub entity: String,
    pub return_id: String,
    pub sale_id: String,
    pub product_id: i64,
    pub category_name: String,
    pub units: i64,
    pub refund_minor: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub restocked: bool,
    pub returned_at: String,
}

impl ReturnRecord {
    pub fn from_return(r: &SaleReturn) -> Self {
        ReturnRecord {
            entity: "return".into(),
            return_id: r.id.clone(),
            sale_id: r.sale_id.clone(),
            product_id: r.product_id,
            category_name: r.category_name.clone(),
            units: r.units,
            refund_minor: r.refund.minor(),
            reason: r.reason.clone(),
            restocked: r.restocked,
            returned_at: time::to_stored(r.returned_at),
        }
    }

    pub fn into_return(self) -> Result<SaleReturn, StoreError> {
        Ok(SaleReturn {
            returned_at: time::from_stored(&self.returned_at)
                .ok_or_else(|| StoreError::Corrupt(format!("returned_at {:?}", self.returned_at)))?,
            id: self.return_id,
            sale_id: self.sale_id,
            product_id: self.product_id,
            category_name: self.category_name,
            units: self.units,
            refund: Money::from_minor(self.refund_minor),
            reason: self.reason,
            restocked: self.restocked,
        })
    }
}

/// The full stored item of a return: keys (in its sale's id partition), index attributes (by
/// time), the return, when it was recorded.
pub fn return_item(r: &SaleReturn, recorded_at: DateTime<Utc>) -> Result<Item, StoreError> {
    let key = keys::sale_return(&r.sale_id, r.returned_at, &r.id);
    let index = keys::return_index_attributes(r.product_id, &r.category_name, r.returned_at, &r.id);
    Ok(stored_item(encode(&ReturnRecord::from_return(r))?, key, index, recorded_at))
}

pub fn return_from_item(item: Item) -> Result<SaleReturn, StoreError> {
    serde_dynamo::from_item::<_, ReturnRecord>(item).map_err(|e| StoreError::Corrupt(e.to_string()))?.into_return()
}

/// How sales are filtered; each combination is a Query on a key made for it.
#[derive(Debug, Clone, Default)]
pub struct SalesFilter {
    pub product_id: Option<i64>,
    pub category_name: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

impl Store {
    /// Writes one sale in one transaction: the product's stock update on condition that it is
    /// still at `read_version` (the version `made` was computed from), the sale (new), its
    /// `sale` ledger entry (new), the idempotency key's completion when given, and the sale's
    /// lookup by id. [`Attempt::Retry`] when the product moved on since it was read.
    pub async fn write_sale(
        &self,
        made: &SaleOfProduct,
        read_version: i64,
        completion: Option<&Completion<'_>>,
        now: DateTime<Utc>,
    ) -> Result<Attempt<()>, StoreError> {
        let table = self.table();
        let sale = &made.sale;
        let mut items = vec![
            sale_stock_update(table, &made.product_after, read_version),
            put_new(table, sale_item(sale, now)?),
            put_new(table, ledger_item(sale.product_id, made.product_after.version, &made.ledger_entry)?),
        ];
        let completion_at = items.len();
        if let Some(completion) = completion {
            items.push(TransactWriteItem::builder().update(idempotency_completion(table, completion)).build());
        }
        // The lookup by id, last: the idempotency completion stays the fourth item.
        items.push(put_new(table, sale_ref_item(sale, 0)?));
        // The product moved on since it was read: read again.
        let raced = |reasons: &[CancelReason]| reasons.first().is_some_and(CancelReason::condition_failed);
        self.transact_attempt(items, completion.is_some().then_some(completion_at), "sale", raced).await
    }

    /// Sales, newest first.
    pub async fn list_sales(
        &self,
        filter: &SalesFilter,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<Page<Sale>, StoreError> {
        self.list_sales_in(filter, "returns:any", limit, cursor).await
    }

    /// [`Store::list_sales`], its cursors bound to `filtered`, what the caller keeps of the
    /// sales read (a cursor of one `has_returns` is not read by another).
    async fn list_sales_in(
        &self,
        filter: &SalesFilter,
        filtered: &str,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<Page<Sale>, StoreError> {
        let (index, partition, prefix) = match (filter.product_id, &filter.category_name) {
            (None, None) => (Some(Index::Gsi1), keys::ALL_SALES.to_owned(), ""),
            (Some(p), None) => (None, keys::product_sales_pk(p), keys::SALE_SK_PREFIX),
            (None, Some(c)) => (Some(Index::Gsi2), keys::sales_of_category(c), ""),
            (Some(p), Some(c)) => (Some(Index::Gsi3), keys::sales_of_category_product(c, p), ""),
        };
        let (pk_attr, sk_attr) = index.map_or((keys::PK, keys::SK), |i| (i.pk(), i.sk()));
        let cursor_attrs: Vec<&str> = match index {
            Some(i) => vec![keys::PK, keys::SK, i.pk(), i.sk()],
            None => vec![keys::PK, keys::SK],
        };
        let (low, high) = keys::sale_range(prefix, filter.from, filter.to);
        let listing = cursor::Listing::new(format!(
            "sales|{}|{partition}|{low:?}|{high:?}|{filtered}",
            index.map_or("table", |i| i.name())
        ));
        let start = cursor.map(|c| cursor::decode(c, &listing, &cursor_attrs, pk_attr, &partition)).transpose()?;
        let condition = match (&low, &high) {
            (Some(_), Some(_)) => "#pk = :pk AND #sk BETWEEN :low AND :high",
            (Some(_), None) => "#pk = :pk AND #sk >= :low",
            (None, Some(_)) => "#pk = :pk AND #sk <= :high",
            (None, None) => "#pk = :pk",
        };
        let mut query = self
            .client()
            .query()
            .table_name(self.table())
            .set_index_name(index.map(|i| i.name().to_owned()))
            .key_condition_expression(condition)
            .expression_attribute_names("#pk", pk_attr)
            .expression_attribute_values(":pk", AttributeValue::S(partition));
        if low.is_some() || high.is_some() {
            query = query.expression_attribute_names("#sk", sk_attr);
        }
        if let Some(low) = low {
            query = query.expression_attribute_values(":low", AttributeValue::S(low));
        }
        if let Some(high) = high {
            query = query.expression_attribute_values(":high", AttributeValue::S(high));
        }
        super::query_page(query.scan_index_forward(false), &listing, limit, start, sale_from_item).await
    }
}

impl Store {
    /// Writes a sale's or a return's items in one transaction. Committed, it is done; cancelled,
    /// the idempotency completion (at `completion_at`) refused means a retry took the key over
    /// after its lease expired; a race (`raced` of the reasons, or a transaction conflict) is
    /// retried on fresh reads; anything else is a failure.
    async fn transact_attempt(
        &self,
        items: Vec<TransactWriteItem>,
        completion_at: Option<usize>,
        what: &str,
        raced: impl FnOnce(&[CancelReason]) -> bool,
    ) -> Result<Attempt<()>, StoreError> {
        let reasons = match self.transact(items).await? {
            TxOutcome::Committed => return Ok(Attempt::Done(())),
            TxOutcome::Cancelled(reasons) => reasons,
        };
        if completion_at.and_then(|i| reasons.get(i)).is_some_and(CancelReason::condition_failed) {
            return Err(StoreError::ConditionFailed(Refusal::IdempotencyKeyTakenOver));
        }
        if raced(&reasons) || reasons.iter().any(|r| r.code == "TransactionConflict") {
            return Ok(Attempt::Retry);
        }
        let codes: Vec<&str> = reasons.iter().map(|r| r.code.as_str()).collect();
        Err(StoreError::Request { operation: "TransactWriteItems", message: format!("{what} cancelled: {codes:?}") })
    }
}

/// What a sale changes in its product: the stock, the version and `updated_at` (as any stock
/// change), and the low-stock index attributes when the sale takes the product to its threshold,
/// on condition that the product is still at the version the sale read. An `Update` of those
/// attributes only, never a full `Put`: the sale cannot rewrite the name, price, category or
/// status, nor an attribute written meanwhile without a version bump.
pub fn sale_stock_update(table: &str, after: &domain::Product, expected_version: i64) -> TransactWriteItem {
    let mut set = vec!["current_inventory = :stock", "version = :version", "updated_at = :updated_at"];
    let mut update = Update::builder()
        .table_name(table)
        .set_key(Some(key_item(&keys::product(after.id))))
        .condition_expression("version = :expected")
        .expression_attribute_values(":stock", AttributeValue::N(after.current_inventory.to_string()))
        .expression_attribute_values(":version", AttributeValue::N(after.version.to_string()))
        .expression_attribute_values(":updated_at", AttributeValue::S(time::to_stored(after.updated_at)))
        .expression_attribute_values(":expected", AttributeValue::N(expected_version.to_string()));
    // A sale only lowers the stock of an active product: it can enter the low-stock index, never
    // leave it. Setting the entry again when it is already there writes the same values.
    if after.is_low_stock() {
        let attributes: std::collections::HashMap<&str, String> =
            keys::product_index_attributes(after).into_iter().collect();
        for (placeholder, name) in [("low_stock_pk", Index::Gsi4.pk()), ("low_stock_sk", Index::Gsi4.sk())] {
            if let Some(value) = attributes.get(name) {
                set.push(if placeholder == "low_stock_pk" {
                    "#low_stock_pk = :low_stock_pk"
                } else {
                    "#low_stock_sk = :low_stock_sk"
                });
                update = update
                    .expression_attribute_names(format!("#{placeholder}"), name)
                    .expression_attribute_values(format!(":{placeholder}"), AttributeValue::S(value.clone()));
            }
        }
    }
    let update =
        update.update_expression(format!("SET {}", set.join(", "))).build().expect("table, key and expression are set");
    TransactWriteItem::builder().update(update).build()
}

// ---- returns ---------------------------------------------------------------------------------

/// Which returns, by time: the same filters as the sales listing (the sale's product and
/// category), and inclusive bounds on `returned_at`.
pub type ReturnsFilter = SalesFilter;

/// The most index pages a `has_returns` listing reads to fill one page of results.
const HAS_RETURNS_MAX_PAGES: usize = 5;

impl Store {
    /// A sale by id, with its units returned (one GetItem of its lookup item).
    pub async fn find_sale(&self, sale_id: &str, consistent: bool) -> Result<Option<SaleWithReturns>, StoreError> {
        self.get(&keys::sale_ref(sale_id), consistent).await?.map(sale_ref_from_item).transpose()
    }

    /// Writes one return in one transaction: the sale's `units_returned` raised on condition
    /// that it stays within `units_sold` (so concurrent returns never exceed the sale), the
    /// return (new), and, with `restock`, the product's stock increment on condition that it is
    /// still at the version read, with its `return` ledger entry (plus the idempotency key's
    /// completion when given). [`Attempt::Retry`] when another return took units or the stock
    /// moved since they were read.
    pub async fn write_return(
        &self,
        sale: &Sale,
        returned: &SaleReturn,
        restock: Option<(&Restock, i64)>,
        completion: Option<&Completion<'_>>,
        now: DateTime<Utc>,
    ) -> Result<Attempt<()>, StoreError> {
        let table = self.table();
        let units_returned_raise = Update::builder()
            .table_name(table)
            .set_key(Some(key_item(&keys::sale_ref(&sale.id))))
            .update_expression("SET units_returned = if_not_exists(units_returned, :zero) + :units")
            // units_returned + units <= units_sold, written without arithmetic.
            .condition_expression(
                "attribute_exists(PK) AND (attribute_not_exists(units_returned) OR units_returned <= :most)",
            )
            .expression_attribute_values(":zero", AttributeValue::N("0".into()))
            .expression_attribute_values(":units", AttributeValue::N(returned.units.to_string()))
            .expression_attribute_values(
                ":most",
                AttributeValue::N(sale.units_sold.saturating_sub(returned.units).to_string()),
            )
            .build()
            .expect("table, key and expression are set");
        let mut items = vec![
            TransactWriteItem::builder().update(units_returned_raise).build(),
            put_new(table, return_item(returned, now)?),
        ];
        if let Some((restock, read_version)) = restock {
            let after = &restock.product_after;
            items.push(return_stock_update(table, after, read_version));
            items.push(put_new(table, ledger_item(after.id, after.version, &restock.ledger_entry)?));
        }
        let completion_at = items.len();
        if let Some(completion) = completion {
            items.push(TransactWriteItem::builder().update(idempotency_completion(table, completion)).build());
        }
        // Another return took units (re-read: it may now be refused), or the stock moved.
        let raced = |reasons: &[CancelReason]| {
            reasons.first().is_some_and(CancelReason::condition_failed)
                || (restock.is_some() && reasons.get(2).is_some_and(CancelReason::condition_failed))
        };
        self.transact_attempt(items, completion.is_some().then_some(completion_at), "return", raced).await
    }

    /// A sale's returns, newest first (one Query of its id partition).
    pub async fn list_returns(
        &self,
        sale_id: &str,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<Page<SaleReturn>, StoreError> {
        if self.find_sale(sale_id, false).await?.is_none() {
            return Err(StoreError::NotFound(Missing::Sale(sale_id.to_owned())));
        }
        let partition = keys::sale_id_pk(sale_id);
        let listing = cursor::Listing::new(format!("returns|{partition}"));
        let start =
            cursor.map(|c| cursor::decode(c, &listing, &[keys::PK, keys::SK], keys::PK, &partition)).transpose()?;
        super::query_page(
            self.client()
                .query()
                .table_name(self.table())
                .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
                .expression_attribute_values(":pk", AttributeValue::S(partition))
                .expression_attribute_values(":prefix", AttributeValue::S(keys::RETURN_SK_PREFIX.into()))
                .scan_index_forward(false),
            &listing,
            limit,
            start,
            return_from_item,
        )
        .await
    }

    /// Every return whose sale matches `filter`'s product and category with `returned_at` within
    /// its bounds, oldest first: a Query of the returns-by-time index (GSI1 all, GSI2 by
    /// category, GSI3 by category and product; by product alone, GSI1 filtered on the projected
    /// `product_id`), then the items (BatchGetItem). For a summary's edges: at most two hours.
    pub async fn returns_between(&self, filter: &ReturnsFilter) -> Result<Vec<SaleReturn>, StoreError> {
        let (index, partition) = match &filter.category_name {
            None => (Index::Gsi1, keys::ALL_RETURNS.to_owned()),
            Some(c) => match filter.product_id {
                None => (Index::Gsi2, keys::returns_of_category(c)),
                Some(p) => (Index::Gsi3, keys::returns_of_category_product(c, p)),
            },
        };
        let (low, high) = keys::sale_range("", filter.from, filter.to);
        let condition = match (&low, &high) {
            (Some(_), Some(_)) => "#pk = :pk AND #sk BETWEEN :low AND :high",
            (Some(_), None) => "#pk = :pk AND #sk >= :low",
            (None, Some(_)) => "#pk = :pk AND #sk <= :high",
            (None, None) => "#pk = :pk",
        };
        let mut query = self
            .client()
            .query()
            .table_name(self.table())
            .index_name(index.name())
            .key_condition_expression(condition)
            .expression_attribute_names("#pk", index.pk())
            .expression_attribute_values(":pk", AttributeValue::S(partition));
        if low.is_some() || high.is_some() {
            query = query.expression_attribute_names("#sk", index.sk());
        }
        if let Some(low) = low {
            query = query.expression_attribute_values(":low", AttributeValue::S(low));
        }
        if let Some(high) = high {
            query = query.expression_attribute_values(":high", AttributeValue::S(high));
        }
        if let (Some(p), None) = (filter.product_id, &filter.category_name) {
            query = query
                .filter_expression("product_id = :product")
                .expression_attribute_values(":product", AttributeValue::N(p.to_string()));
        }
        let keys_read = self.query_all(query).await?;
        let mut out = Vec::new();
        for chunk in keys_read.chunks(100) {
            let wanted = chunk
                .iter()
                .filter_map(|i| {
                    Some(key_item(&keys::Key {
                        pk: i.get(keys::PK)?.as_s().ok()?.clone(),
                        sk: i.get(keys::SK)?.as_s().ok()?.clone(),
                    }))
                })
                .collect();
            for item in self.batch_get(wanted).await? {
                out.push(return_from_item(item)?);
            }
        }
        Ok(out)
    }

    /// Sales as [`Store::list_sales`] lists them, keeping those with (`true`) or without
    /// (`false`) returns, each with its units returned. The listing's pages are read and each
    /// page's sales looked up by id (one BatchGetItem), up to a few index pages per request, so
    /// a page may hold fewer than `limit` sales while `next_cursor` says there are more.
    pub async fn list_sales_by_returns(
        &self,
        filter: &SalesFilter,
        has_returns: bool,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<Page<SaleWithReturns>, StoreError> {
        let mut out = Vec::new();
        let mut cursor = cursor.map(str::to_owned);
        for _ in 0..HAS_RETURNS_MAX_PAGES {
            let filtered = if has_returns { "returns:some" } else { "returns:none" };
            let page = self.list_sales_in(filter, filtered, limit, cursor.as_deref()).await?;
            let wanted = page.items.iter().map(|s| key_item(&keys::sale_ref(&s.id))).collect();
            let found: std::collections::HashMap<String, i64> = self
                .batch_get(wanted)
                .await?
                .into_iter()
                .filter_map(|i| sale_ref_from_item(i).ok())
                .map(|s| (s.sale.id, s.units_returned))
                .collect();
            for sale in page.items {
                let units_returned = found.get(&sale.id).copied().unwrap_or(0);
                if (units_returned > 0) == has_returns {
                    out.push(SaleWithReturns { sale, units_returned });
                }
            }
            cursor = page.next_cursor;
            if cursor.is_none() || !out.is_empty() {
                break;
            }
        }
        Ok(Page { items: out, next_cursor: cursor })
    }

    /// Writes the lookup item of every sale that has none (sales recorded before lookups
    /// existed): the operator's `aggregates rebuild`. Returns how many were written.
    pub async fn backfill_sale_refs(&self, sales: &[Sale]) -> Result<usize, StoreError> {
        let mut written = 0;
        for chunk in sales.chunks(100) {
            let wanted = chunk.iter().map(|s| key_item(&keys::sale_ref(&s.id))).collect();
            let have: std::collections::HashSet<String> = self
                .batch_get(wanted)
                .await?
                .iter()
                .filter_map(|i| i.get(keys::PK).and_then(|v| v.as_s().ok()).cloned())
                .collect();
            for sale in chunk.iter().filter(|s| !have.contains(&keys::sale_id_pk(&s.id))) {
                let result = self
                    .client()
                    .put_item()
                    .table_name(self.table())
                    .set_item(Some(sale_ref_item(sale, 0)?))
                    .condition_expression("attribute_not_exists(PK)")
                    .send()
                    .await;
                match result {
                    Ok(_) => written += 1,
                    Err(e)
                        if e.as_service_error().is_some_and(
                            aws_sdk_dynamodb::operation::put_item::PutItemError::is_conditional_check_failed_exception,
                        ) => {}
                    Err(e) => return Err(StoreError::from_sdk("PutItem", e)),
                }
            }
        }
        Ok(written)
    }
}

/// What a restocking return changes in its product: the stock, the version and `updated_at`,
/// and the low-stock index attributes (set while at or below the threshold, removed above it),
/// on condition that the product is still at the version read. Never a full `Put`.
pub fn return_stock_update(table: &str, after: &domain::Product, expected_version: i64) -> TransactWriteItem {
    let mut update = Update::builder()
        .table_name(table)
        .set_key(Some(key_item(&keys::product(after.id))))
        .condition_expression("version = :expected")
        .expression_attribute_values(":stock", AttributeValue::N(after.current_inventory.to_string()))
        .expression_attribute_values(":version", AttributeValue::N(after.version.to_string()))
        .expression_attribute_values(":updated_at", AttributeValue::S(time::to_stored(after.updated_at)))
        .expression_attribute_values(":expected", AttributeValue::N(expected_version.to_string()))
        .expression_attribute_names("#low_stock_pk", Index::Gsi4.pk())
        .expression_attribute_names("#low_stock_sk", Index::Gsi4.sk());
    let set = "SET current_inventory = :stock, version = :version, updated_at = :updated_at";
    let attributes: std::collections::HashMap<&str, String> =
        keys::product_index_attributes(after).into_iter().collect();
    let expression = match (attributes.get(Index::Gsi4.pk()), attributes.get(Index::Gsi4.sk())) {
        (Some(pk), Some(sk)) => {
            update = update
                .expression_attribute_values(":low_stock_pk", AttributeValue::S(pk.clone()))
                .expression_attribute_values(":low_stock_sk", AttributeValue::S(sk.clone()));
            format!("{set}, #low_stock_pk = :low_stock_pk, #low_stock_sk = :low_stock_sk")
        }
        _ => format!("{set} REMOVE #low_stock_pk, #low_stock_sk"),
    };
    let update = update.update_expression(expression).build().expect("table, key and expression are set");
    TransactWriteItem::builder().update(update).build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::{Product, ProductStatus};

    fn product(stock: i64, threshold: i64) -> Product {
        let at = time::from_stored("2023-10-08T12:00:00.000000Z").unwrap();
        Product {
            id: 7,
            name: "Desk lamp".into(),
            description: Some("bright".into()),
            price: Money::from_minor(1999),
            image: None,
            category_name: "home".into(),
            status: ProductStatus::Active,
            current_inventory: stock,
            low_stock_alert_threshold: threshold,
            created_at: at,
            updated_at: at,
            version: 4,
        }
    }

    /// The attribute names an update writes, with `#placeholders` resolved.
    fn written_names(update: &Update) -> Vec<String> {
        let names = update.expression_attribute_names.clone().unwrap_or_default();
        let set = update.update_expression.strip_prefix("SET ").expect("only SET");
        set.split(", ")
            .map(|a| {
                let name = a.split(" = ").next().unwrap();
                names.get(name).cloned().unwrap_or_else(|| name.to_owned())
            })
            .collect()
    }

    #[test]
    fn a_sale_updates_only_the_stock_of_its_product() {
        let item = sale_stock_update("t", &product(5, 2), 3);
        assert!(item.put.is_none() && item.delete.is_none(), "an update, never a full put");
        let update = item.update.expect("an update");
        assert_eq!(update.key, key_item(&keys::product(7)));
        assert_eq!(written_names(&update), ["current_inventory", "version", "updated_at"]);
        assert_eq!(update.condition_expression.as_deref(), Some("version = :expected"));
        let values = update.expression_attribute_values.unwrap();
        assert_eq!(values[":expected"], AttributeValue::N("3".into()));
        assert_eq!(values[":version"], AttributeValue::N("4".into()));
        assert_eq!(values[":stock"], AttributeValue::N("5".into()));
        assert_eq!(values.len(), 4, "no value for any other attribute: {values:?}");
    }

    #[test]
    fn a_sale_that_reaches_the_threshold_enters_the_low_stock_index() {
        let after = product(2, 2);
        let update = sale_stock_update("t", &after, 3).update.expect("an update");
        assert_eq!(written_names(&update), ["current_inventory", "version", "updated_at", "GSI4PK", "GSI4SK"]);
        let values = update.expression_attribute_values.unwrap();
        let expected: std::collections::HashMap<&str, String> =
            keys::product_index_attributes(&after).into_iter().collect();
        assert_eq!(values[":low_stock_pk"], AttributeValue::S(expected["GSI4PK"].clone()));
        assert_eq!(values[":low_stock_sk"], AttributeValue::S(expected["GSI4SK"].clone()));
    }
}
