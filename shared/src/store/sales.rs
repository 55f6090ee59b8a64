//! Sales storage: recording a sale (one conditional transaction with the stock decrement and the
//! ledger entry), idempotency records, and the sales listings.

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::catalogue::{Page, ledger_item, product_not_found};
use super::keys::{self, Index};
use super::{Attempt, CancelReason, Item, Store, StoreError, TxOutcome, cursor, key_item, optimistic, put_new};
use crate::domain::{LedgerEntry, LedgerReason, NewSale, ProductStatus, Sale};
use crate::error::{AppError, INSUFFICIENT_STOCK, OUT_OF_STOCK, PRODUCT_INACTIVE};
use crate::money::Money;
use crate::time;

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
pub fn sale_item(sale: &Sale, recorded_at: DateTime<Utc>) -> Item {
    let mut item: Item = serde_dynamo::to_item(SaleRecord::from_sale(sale)).expect("sale serializes");
    let key = keys::sale(sale.product_id, sale.sold_at, &sale.id);
    item.insert(keys::PK.into(), AttributeValue::S(key.pk));
    item.insert(keys::SK.into(), AttributeValue::S(key.sk));
    for (name, value) in keys::sale_index_attributes(sale.product_id, &sale.category_name, sale.sold_at, &sale.id) {
        item.insert(name.into(), AttributeValue::S(value));
    }
    item.insert("recorded_at".into(), AttributeValue::S(time::to_stored(recorded_at)));
    item
}

pub fn sale_from_item(item: Item) -> Result<Sale, StoreError> {
    serde_dynamo::from_item::<_, SaleRecord>(item).map_err(|e| StoreError::Corrupt(e.to_string()))?.into_sale()
}

/// A response kept under an idempotency key and returned to every retry.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredResponse {
    pub status: u16,
    pub body: Value,
}

/// An idempotency key and the fingerprint of the body it was sent with.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    pub key: String,
    pub fingerprint: String,
}

/// How long a key is remembered.
pub const IDEMPOTENCY_TTL_SECS: i64 = 24 * 3600;
/// How long a claimed key stays "in flight" before a retry may take it over (a crashed request).
pub const IDEMPOTENCY_LEASE_SECS: i64 = 30;

enum Claim {
    Acquired { token: String },
    Replay(StoredResponse),
    InFlight,
    Mismatch,
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
    /// Records a sale exactly once per idempotency key: a retry with the same body gets the
    /// first response (status and body, so the same sale id), with another body a 422, and
    /// while the first is still running a 409. Without a key every call records a sale.
    pub async fn record_sale_once(
        &self,
        new: &NewSale,
        idempotency: Option<&IdempotencyKey>,
        now: DateTime<Utc>,
    ) -> Result<StoredResponse, AppError> {
        let Some(idem) = idempotency else {
            let sale = self.record_sale(new, now, None).await?;
            return Ok(StoredResponse { status: 201, body: sale_body(&sale) });
        };
        let token = match self.claim_idempotency_key(idem, now).await? {
            Claim::Acquired { token } => token,
            Claim::Replay(response) => return Ok(response),
            Claim::Mismatch => {
                return Err(AppError::invalid("Idempotency-Key", "was already used with a different request body"));
            }
            Claim::InFlight => {
                return Err(AppError::Conflict(
                    "a request with this Idempotency-Key is still in progress; retry shortly".into(),
                ));
            }
        };
        match self.record_sale(new, now, Some((&idem.key, &token))).await {
            Ok(sale) => Ok(StoredResponse { status: 201, body: sale_body(&sale) }),
            // A definite answer about this request (unknown product, stock, inactive) is the
            // response every retry must get; keep it.
            Err(e) if matches!(e.status().as_u16(), 404 | 422) => {
                let response = StoredResponse { status: e.status().as_u16(), body: e.problem() };
                self.complete_idempotency_key(&idem.key, &token, &response, now).await?;
                Err(e)
            }
            // Anything transient: free the key so a retry can try again.
            Err(e) => {
                if let Err(release) = self.release_idempotency_key(&idem.key, &token).await {
                    tracing::warn!(error = %release, "could not release an idempotency key; it frees itself when its lease ends");
                }
                Err(e)
            }
        }
    }

    /// Records one sale: stock decrement on condition, the sale at the product's current price and
    /// category, and the `sale` ledger entry, in one transaction (plus the idempotency record's
    /// completion when `claim` is given, so the key can never say "done" without the sale).
    pub async fn record_sale(
        &self,
        new: &NewSale,
        now: DateTime<Utc>,
        claim: Option<(&str, &str)>,
    ) -> Result<Sale, AppError> {
        let table = self.table().to_owned();
        // Chosen once, so every retry of the optimistic loop writes the same sale.
        let sale_id = ulid::Ulid::from_datetime(now.into()).to_string();
        optimistic("the product's stock", || async {
            let product =
                self.find_product(new.product_id, true).await?.ok_or_else(|| product_not_found(new.product_id))?;
            if product.status != ProductStatus::Active {
                return Err(AppError::rule(
                    PRODUCT_INACTIVE,
                    format!("product {} is inactive and cannot be sold", product.id),
                ));
            }
            if product.current_inventory == 0 {
                return Err(AppError::rule(OUT_OF_STOCK, format!("product {} is out of stock", product.id)));
            }
            if product.current_inventory < new.units_sold {
                let mut err = AppError::rule(
                    INSUFFICIENT_STOCK,
                    format!(
                        "product {} has {} in stock; {} requested",
                        product.id, product.current_inventory, new.units_sold
                    ),
                );
                if let AppError::Rule { extensions, .. } = &mut err {
                    extensions.insert("available".into(), product.current_inventory.into());
                }
                return Err(err);
            }
            let total = product
                .price
                .checked_mul(new.units_sold)
                .filter(|t| *t <= Money::MAX_FIELD)
                .ok_or_else(|| AppError::invalid("units_sold", "the sale total is too large"))?;
            let sale = Sale {
                id: sale_id.clone(),
                product_id: product.id,
                category_name: product.category_name.clone(),
                units_sold: new.units_sold,
                unit_price: product.price,
                total_price: total,
                sold_at: new.sold_at,
            };
            let mut next = product.clone();
            next.current_inventory -= new.units_sold;
            next.version += 1;
            next.updated_at = now;
            let entry = LedgerEntry {
                at: now,
                change: -new.units_sold,
                quantity_after: next.current_inventory,
                reason: LedgerReason::Sale,
                sale_id: Some(sale.id.clone()),
            };
            let mut items = vec![
                sale_stock_update(&table, &next, product.version),
                put_new(&table, sale_item(&sale, now)),
                put_new(&table, ledger_item(product.id, next.version, &entry)),
            ];
            if let Some((key, token)) = claim {
                let response = StoredResponse { status: 201, body: sale_body(&sale) };
                items.push(
                    TransactWriteItem::builder().update(idempotency_completion(&table, key, token, &response)).build(),
                );
            }
            match self.transact(items).await? {
                TxOutcome::Committed => Ok(Attempt::Done(sale)),
                TxOutcome::Cancelled(r) if r.get(3).is_some_and(CancelReason::condition_failed) => Err(
                    AppError::Conflict("this Idempotency-Key was taken over by a retry after its lease expired".into()),
                ),
                TxOutcome::Cancelled(r)
                    if r.first().is_some_and(|r| r.condition_failed())
                        || r.iter().any(|r| r.code == "TransactionConflict") =>
                {
                    Ok(Attempt::Retry)
                }
                TxOutcome::Cancelled(r) => {
                    let codes: Vec<String> = r.into_iter().map(|r| r.code).collect();
                    Err(StoreError::Request {
                        operation: "TransactWriteItems",
                        message: format!("sale cancelled: {codes:?}"),
                    }
                    .into())
                }
            }
        })
        .await
    }

    async fn claim_idempotency_key(&self, idem: &IdempotencyKey, now: DateTime<Utc>) -> Result<Claim, AppError> {
        let token = uuid::Uuid::new_v4().to_string();
        let epoch = now.timestamp();
        let mut item = key_item(&keys::idempotency(&idem.key));
        item.insert("entity".into(), AttributeValue::S("idempotency".into()));
        item.insert("state".into(), AttributeValue::S("in_flight".into()));
        item.insert("fingerprint".into(), AttributeValue::S(idem.fingerprint.clone()));
        item.insert("owner".into(), AttributeValue::S(token.clone()));
        item.insert("lease_until".into(), AttributeValue::N((epoch + IDEMPOTENCY_LEASE_SECS).to_string()));
        item.insert("expires_at".into(), AttributeValue::N((epoch + IDEMPOTENCY_TTL_SECS).to_string()));
        let result = self
            .client()
            .put_item()
            .table_name(self.table())
            .set_item(Some(item))
            // Free, expired (TTL deletion can lag by days), or in flight past its lease.
            .condition_expression(
                "attribute_not_exists(PK) OR expires_at < :now OR (#state = :in_flight AND lease_until < :now)",
            )
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":now", AttributeValue::N(epoch.to_string()))
            .expression_attribute_values(":in_flight", AttributeValue::S("in_flight".into()))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        let existing = match result {
            Ok(_) => return Ok(Claim::Acquired { token }),
            Err(e) => match e.as_service_error() {
                Some(aws_sdk_dynamodb::operation::put_item::PutItemError::ConditionalCheckFailedException(c)) => {
                    c.item.clone().unwrap_or_default()
                }
                _ => return Err(StoreError::from_sdk("PutItem", e).into()),
            },
        };
        let text = |name: &str| existing.get(name).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
        if text("fingerprint") != idem.fingerprint {
            return Ok(Claim::Mismatch);
        }
        if text("state") != "completed" {
            return Ok(Claim::InFlight);
        }
        let status = existing.get("response_status").and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok());
        let body = serde_json::from_str(&text("response_body")).ok();
        match (status, body) {
            (Some(status), Some(body)) => Ok(Claim::Replay(StoredResponse { status, body })),
            _ => Err(StoreError::Corrupt(format!("idempotency record {:?}", idem.key)).into()),
        }
    }

    async fn complete_idempotency_key(
        &self,
        key: &str,
        token: &str,
        response: &StoredResponse,
        _now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let update = idempotency_completion(self.table(), key, token, response);
        let result = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(update.key))
            .set_update_expression(Some(update.update_expression))
            .set_condition_expression(update.condition_expression)
            .set_expression_attribute_names(update.expression_attribute_names)
            .set_expression_attribute_values(update.expression_attribute_values)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // Our lease ran out and a retry owns the key now; its answer will stand.
            Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => Ok(()),
            Err(e) => Err(StoreError::from_sdk("UpdateItem", e).into()),
        }
    }

    async fn release_idempotency_key(&self, key: &str, token: &str) -> Result<(), StoreError> {
        let result = self
            .client()
            .delete_item()
            .table_name(self.table())
            .set_key(Some(key_item(&keys::idempotency(key))))
            .condition_expression("#owner = :token AND #state = :in_flight")
            .expression_attribute_names("#owner", "owner")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":token", AttributeValue::S(token.into()))
            .expression_attribute_values(":in_flight", AttributeValue::S("in_flight".into()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => Ok(()),
            Err(e) => Err(StoreError::from_sdk("DeleteItem", e)),
        }
    }

    /// Sales, newest first.
    pub async fn list_sales(
        &self,
        filter: &SalesFilter,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<Page<Sale>, AppError> {
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
        let start = cursor.map(|c| cursor::decode(c, &cursor_attrs, pk_attr, &partition)).transpose()?;
        let (low, high) = keys::sale_range(prefix, filter.from, filter.to);
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
        let out = query
            .scan_index_forward(false)
            .limit(limit)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("Query", e))?;
        let items = out.items.unwrap_or_default().into_iter().map(sale_from_item).collect::<Result<Vec<_>, _>>()?;
        Ok(Page { items, next_cursor: out.last_evaluated_key.as_ref().map(cursor::encode) })
    }
}

/// What a sale changes in its product: the stock, the version and `updated_at` (as any stock
/// change), and the low-stock index attributes when the sale takes the product to its threshold,
/// on condition that the product is still at the version the sale read. An `Update` of those
/// attributes only, never a full `Put`: the sale cannot rewrite the name, price, category or
/// status, nor an attribute written meanwhile without a version bump.
pub fn sale_stock_update(table: &str, after: &crate::domain::Product, expected_version: i64) -> TransactWriteItem {
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

fn sale_body(sale: &Sale) -> Value {
    serde_json::to_value(sale.view(None)).expect("sale serializes")
}

/// Marks a claimed key completed with its response, on condition that we still own it.
fn idempotency_completion(table: &str, key: &str, token: &str, response: &StoredResponse) -> Update {
    Update::builder()
        .table_name(table)
        .set_key(Some(key_item(&keys::idempotency(key))))
        .update_expression(
            "SET #state = :completed, response_status = :status, response_body = :body REMOVE lease_until",
        )
        .condition_expression("#owner = :token AND #state = :in_flight")
        .expression_attribute_names("#state", "state")
        .expression_attribute_names("#owner", "owner")
        .expression_attribute_values(":completed", AttributeValue::S("completed".into()))
        .expression_attribute_values(":in_flight", AttributeValue::S("in_flight".into()))
        .expression_attribute_values(":token", AttributeValue::S(token.into()))
        .expression_attribute_values(":status", AttributeValue::N(response.status.to_string()))
        .expression_attribute_values(":body", AttributeValue::S(response.body.to_string()))
        .build()
        .expect("table, key and expression are set")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Product;

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
