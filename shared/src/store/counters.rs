//! Counter storage: applying a chunk of sales exactly once, and reading counters back by scope
//! and bucket or by leaderboard.

use std::collections::{BTreeMap, HashMap, HashSet};

use aws_sdk_dynamodb::types::{ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::keys::{self, Index};
use super::{Item, Store, StoreError, TxOutcome, backoff, key_item, n, put_new, s};
use crate::domain::aggregate::{Bucket, CounterKey, Grain, SaleFact, Scope, Totals, fold};
use crate::time;

/// How long a sale's "already counted" marker is kept. DynamoDB Streams keep records for 24
/// hours, so no redelivery can come after this; the margin covers a paused event source.
pub const MARKER_TTL_SECS: i64 = 7 * 24 * 3600;

/// The most attempts to apply one chunk before its records are reported as failed.
const MAX_APPLY_ATTEMPTS: u32 = 12;

/// What applying a chunk did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Applied {
    /// Sales newly counted.
    pub counted: usize,
    /// Sales that were already counted (a redelivery), skipped.
    pub duplicates: usize,
    /// Counter updates written.
    pub counter_writes: usize,
    /// Transactions committed.
    pub transactions: usize,
}

/// A counter as stored.
#[derive(Debug, Clone, Deserialize)]
struct CounterItem {
    #[serde(default)]
    scope: String,
    #[serde(default)]
    product_id: Option<i64>,
    #[serde(default)]
    category_name: Option<String>,
    #[serde(default, rename = "SK")]
    sk: String,
    #[serde(default)]
    units: i64,
    #[serde(default)]
    revenue_minor: i64,
    #[serde(default)]
    sales_count: i64,
    #[serde(default)]
    last_sold_at: Option<String>,
}

impl CounterItem {
    fn totals(&self) -> Totals {
        Totals {
            units: self.units,
            revenue_minor: self.revenue_minor,
            sales_count: self.sales_count,
            last_sold_at: self.last_sold_at.as_deref().and_then(time::from_stored),
        }
    }
}

/// A counter read from a leaderboard: whose it is and what it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct BoardEntry {
    pub scope: Scope,
    /// For a product: the category of its latest counted sale; for a category: itself.
    pub category_name: Option<String>,
    pub totals: Totals,
}

fn marker_put(table: &str, sale_id: &str, now: DateTime<Utc>) -> TransactWriteItem {
    let mut item = key_item(&keys::aggregated_marker(sale_id));
    item.insert("entity".into(), s("aggregated"));
    item.insert("sale_id".into(), s(sale_id));
    item.insert("expires_at".into(), n(now.timestamp() + MARKER_TTL_SECS));
    put_new(table, item)
}

/// Adds `delta` to a counter. `last_sold_at` is a maximum, which an update expression cannot
/// compute: it is set on condition that it grows, and when that condition fails the caller
/// retries without setting it (the stored value is already later).
fn counter_update(
    table: &str,
    key: &CounterKey,
    delta: &Totals,
    set_last: bool,
    category_hint: Option<&str>,
) -> TransactWriteItem {
    let mut set = vec!["entity = :entity", "#scope = :scope", "grain = :grain", "period = :period"];
    let mut update = Update::builder()
        .table_name(table)
        .set_key(Some(key_item(&keys::counter(key))))
        .expression_attribute_names("#scope", "scope")
        .expression_attribute_values(":entity", s("counter"))
        .expression_attribute_values(":scope", s(key.scope.kind()))
        .expression_attribute_values(":grain", s(key.bucket.grain.name()))
        .expression_attribute_values(":period", s(key.bucket.period.clone()))
        .expression_attribute_values(":units", n(delta.units))
        .expression_attribute_values(":revenue", n(delta.revenue_minor))
        .expression_attribute_values(":count", n(delta.sales_count));
    match &key.scope {
        Scope::Store => {}
        Scope::Category(name) => {
            set.extend(["board = :board", "category_name = :category"]);
            update = update
                .expression_attribute_values(":board", s(keys::board(key.scope.kind(), &key.bucket)))
                .expression_attribute_values(":category", s(name.clone()));
        }
        Scope::Product(id) => {
            set.extend(["board = :board", "product_id = :product"]);
            update = update
                .expression_attribute_values(":board", s(keys::board(key.scope.kind(), &key.bucket)))
                .expression_attribute_values(":product", n(*id));
            if let Some(category) = category_hint {
                set.push("category_name = :category");
                update = update.expression_attribute_values(":category", s(category));
            }
        }
    }
    if let (true, Some(last)) = (set_last, delta.last_sold_at) {
        set.push("last_sold_at = :last");
        update = update
            .expression_attribute_values(":last", s(time::to_stored(last)))
            .condition_expression("attribute_not_exists(last_sold_at) OR last_sold_at < :last")
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::None);
    }
    let expression = format!("SET {} ADD units :units, revenue_minor :revenue, sales_count :count", set.join(", "));
    TransactWriteItem::builder()
        .update(update.update_expression(expression).build().expect("table, key and expression are set"))
        .build()
}

impl Store {
    /// Counts a chunk of sales exactly once: one transaction of a marker per sale (which fails if
    /// the sale was already counted) and one update per counter. Sales already counted are
    /// dropped and the rest retried, so a redelivered or replayed record never counts twice and
    /// a crash between transactions loses nothing (the uncounted sales have no marker).
    pub async fn apply_sales(
        &self,
        sales: &[SaleFact],
        tz: chrono_tz::Tz,
        now: DateTime<Utc>,
    ) -> Result<Applied, StoreError> {
        let mut pending: Vec<SaleFact> = sales.to_vec();
        let mut keep_last: HashSet<CounterKey> = HashSet::new();
        let mut applied = Applied::default();
        // A product's counters remember the category of its latest sale in the chunk.
        for attempt in 0..MAX_APPLY_ATTEMPTS {
            if pending.is_empty() {
                return Ok(applied);
            }
            let counters: BTreeMap<CounterKey, Totals> = fold(&pending, tz);
            let latest_category: HashMap<i64, &str> = {
                let mut by_time: Vec<&SaleFact> = pending.iter().collect();
                by_time.sort_by_key(|f| f.sold_at);
                by_time.into_iter().map(|f| (f.product_id, f.category_name.as_str())).collect()
            };
            let mut items: Vec<TransactWriteItem> =
                pending.iter().map(|f| marker_put(self.table(), &f.sale_id, now)).collect();
            let counter_keys: Vec<&CounterKey> = counters.keys().collect();
            for (key, delta) in &counters {
                let hint = match key.scope {
                    Scope::Product(id) => latest_category.get(&id).copied(),
                    _ => None,
                };
                items.push(counter_update(self.table(), key, delta, !keep_last.contains(key), hint));
            }
            assert!(
                items.len() <= crate::domain::aggregate::MAX_TRANSACTION_ITEMS,
                "chunks are planned within the limit"
            );
            match self.transact(items).await? {
                TxOutcome::Committed => {
                    applied.counted += pending.len();
                    applied.counter_writes += counters.len();
                    applied.transactions += 1;
                    return Ok(applied);
                }
                TxOutcome::Cancelled(reasons) => {
                    let mut already = HashSet::new();
                    let mut retry_now = false;
                    for (i, reason) in reasons.iter().enumerate() {
                        if !reason.condition_failed() {
                            retry_now |= reason.code == "TransactionConflict" || reason.code.contains("Throttl");
                            continue;
                        }
                        if i < pending.len() {
                            already.insert(i);
                        } else if let Some(key) = counter_keys.get(i - pending.len()) {
                            keep_last.insert((*key).clone());
                        }
                    }
                    if !already.is_empty() {
                        applied.duplicates += already.len();
                        pending = pending
                            .into_iter()
                            .enumerate()
                            .filter(|(i, _)| !already.contains(i))
                            .map(|(_, f)| f)
                            .collect();
                    }
                    if retry_now || (already.is_empty() && reasons.iter().all(|r| !r.condition_failed())) {
                        tokio::time::sleep(backoff(attempt)).await;
                    }
                }
            }
        }
        Err(StoreError::Request {
            operation: "TransactWriteItems",
            message: format!("could not apply {} sales after retries", pending.len()),
        })
    }

    /// Counters of one scope for the given buckets (missing ones are absent). Buckets of one grain
    /// that are consecutive in `buckets` are read with one Query each.
    pub async fn read_counters(
        &self,
        scope: &Scope,
        buckets: &[Bucket],
    ) -> Result<HashMap<Bucket, Totals>, StoreError> {
        let mut runs: Vec<(Bucket, Bucket)> = Vec::new();
        for b in buckets {
            match runs.last_mut() {
                Some((_, last)) if last.grain == b.grain && b.sort_key() > last.sort_key() => *last = b.clone(),
                _ => runs.push((b.clone(), b.clone())),
            }
        }
        let wanted: HashSet<&Bucket> = buckets.iter().collect();
        let pk = keys::counter_pk(scope);
        let mut out = HashMap::new();
        for (first, last) in runs {
            for item in self.query_range(&pk, &first.sort_key(), &last.sort_key()).await? {
                let counter: CounterItem =
                    serde_dynamo::from_item(item).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                if let Some(bucket) = bucket_of_sort_key(&counter.sk)
                    && wanted.contains(&bucket)
                {
                    out.insert(bucket, counter.totals());
                }
            }
        }
        Ok(out)
    }

    /// Every bucket of `grain` that has a counter for `scope`, in time order.
    pub async fn counter_buckets(&self, scope: &Scope, grain: Grain) -> Result<Vec<Bucket>, StoreError> {
        let prefix = format!("{}#", grain.code());
        let items = self.query_range(&keys::counter_pk(scope), &prefix, &format!("{prefix}~")).await?;
        Ok(items
            .into_iter()
            .filter_map(|i| i.get(keys::SK).and_then(|v| v.as_s().ok()).and_then(|sk| bucket_of_sort_key(sk)))
            .collect())
    }

    async fn query_range(&self, pk: &str, low: &str, high: &str) -> Result<Vec<Item>, StoreError> {
        let query = self
            .client()
            .query()
            .table_name(self.table())
            .key_condition_expression("PK = :pk AND SK BETWEEN :low AND :high")
            .expression_attribute_values(":pk", s(pk))
            .expression_attribute_values(":low", s(low))
            .expression_attribute_values(":high", s(high));
        self.query_all(query).await
    }

    /// The leaderboard of products or categories (`kind`) in one bucket, best first by
    /// `metric`, at most `limit` entries (`None`: all of them).
    pub async fn read_board(
        &self,
        kind: &str,
        bucket: &Bucket,
        by_units: bool,
        limit: Option<i32>,
    ) -> Result<Vec<BoardEntry>, StoreError> {
        let index = if by_units { Index::Gsi6 } else { Index::Gsi5 };
        let mut out = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .client()
                .query()
                .table_name(self.table())
                .index_name(index.name())
                .key_condition_expression("board = :board")
                .expression_attribute_values(":board", s(keys::board(kind, bucket)))
                .scan_index_forward(false)
                .set_limit(limit.map(|l| l - out.len() as i32))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| StoreError::from_sdk("Query", e))?;
            for item in page.items.unwrap_or_default() {
                let counter: CounterItem =
                    serde_dynamo::from_item(item).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let scope = match (counter.scope.as_str(), counter.product_id, &counter.category_name) {
                    ("PRODUCT", Some(id), _) => Scope::Product(id),
                    ("CATEGORY", _, Some(name)) => Scope::Category(name.clone()),
                    _ => return Err(StoreError::Corrupt(format!("counter on board without scope: {counter:?}"))),
                };
                out.push(BoardEntry { scope, category_name: counter.category_name.clone(), totals: counter.totals() });
            }
            let full = limit.is_some_and(|l| out.len() as i32 >= l);
            match page.last_evaluated_key {
                Some(k) if !full => start = Some(k),
                _ => return Ok(out),
            }
        }
    }
}

fn bucket_of_sort_key(sk: &str) -> Option<Bucket> {
    let (code, period) = sk.split_once('#')?;
    let grain = match code {
        "H" => Grain::Hour,
        "D" => Grain::Day,
        "M" => Grain::Month,
        "Y" => Grain::Year,
        "A" => Grain::All,
        _ => return None,
    };
    Some(Bucket { grain, period: period.to_owned() })
}
