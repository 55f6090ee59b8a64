//! Counter storage: applying a chunk of sales exactly once, and reading counters back by scope
//! and bucket or by leaderboard.

use std::collections::{BTreeMap, HashMap, HashSet};

use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::keys::{self, Index};
use backon::BackoffBuilder;

use super::{Item, Store, StoreError, TxOutcome, key_item, n, put_new, retry_delays, s};
use domain::aggregate::{Board, Bucket, CounterKey, Fact, Grain, Run, Scope, Totals, fold};
use domain::analytics::Metric;
use domain::time;

/// How long DynamoDB Streams keep a record: after this no redelivery of a sale can come.
pub const STREAM_RETENTION_SECS: i64 = 24 * 3600;

/// How long a sale's "already counted" marker is kept. DynamoDB Streams keep records for 24
/// hours, so no redelivery can come after this; the margin covers a paused event source.
pub const MARKER_TTL_SECS: i64 = 7 * 24 * 3600;

/// What this process knows of counters' `last_sold_at` (see `Store::latest_counted`), bounded.
#[derive(Debug, Default)]
pub struct LatestCounted(HashMap<CounterKey, DateTime<Utc>>);

impl LatestCounted {
    const MAX_ENTRIES: usize = 50_000;

    fn at_least(&self, key: &CounterKey, at: DateTime<Utc>) -> bool {
        self.0.get(key).is_some_and(|known| *known >= at)
    }

    fn raise(&mut self, key: &CounterKey, at: DateTime<Utc>) {
        if self.0.len() >= Self::MAX_ENTRIES && !self.0.contains_key(key) {
            self.0.clear();
        }
        let known = self.0.entry(key.clone()).or_insert(at);
        *known = (*known).max(at);
    }
}

/// The most attempts to apply one chunk before its records are reported as failed.
const MAX_APPLY_ATTEMPTS: usize = 12;

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
    #[serde(default)]
    units_returned: i64,
    #[serde(default)]
    refunded_minor: i64,
    #[serde(default)]
    returns_count: i64,
}

/// What [`CounterItem::totals`] and the bucket of a counter are read from.
const RUN_ATTRIBUTES: [&str; 8] = [
    "SK",
    "units",
    "revenue_minor",
    "sales_count",
    "last_sold_at",
    "units_returned",
    "refunded_minor",
    "returns_count",
];

impl CounterItem {
    fn totals(&self) -> Totals {
        Totals {
            units: self.units,
            revenue_minor: self.revenue_minor,
            sales_count: self.sales_count,
            last_sold_at: self.last_sold_at.as_deref().and_then(time::from_stored),
            units_returned: self.units_returned,
            refunded_minor: self.refunded_minor,
            returns_count: self.returns_count,
        }
    }
}

/// A counter read from a leaderboard: whose it is and what it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct BoardEntry {
    pub scope: Scope,
    pub totals: Totals,
}

fn marker_put(table: &str, fact: &Fact, now: DateTime<Utc>) -> TransactWriteItem {
    let mut item = key_item(&keys::aggregated_marker(&fact.marker_id()));
    item.insert("entity".into(), s("aggregated"));
    match fact {
        Fact::Sale(f) => {
            item.insert("sale_id".into(), s(&f.sale_id));
        }
        Fact::Return(f) => {
            item.insert("return_id".into(), s(&f.return_id));
            item.insert("sale_id".into(), s(&f.sale_id));
        }
    }
    item.insert("expires_at".into(), n(now.timestamp() + MARKER_TTL_SECS));
    put_new(table, item)
}

/// The attributes that say whose a counter is and put it on its leaderboard; the aggregator and
/// the repair write the same ones.
pub fn scope_attributes(key: &CounterKey) -> Vec<(&'static str, AttributeValue)> {
    let mut attrs = vec![
        ("entity", s("counter")),
        ("scope", s(key.scope.kind())),
        ("grain", s(key.bucket.grain.name())),
        ("period", s(key.bucket.period.clone())),
    ];
    if let Some(board) = key.scope.board() {
        attrs.push(("board", s(keys::board(&board, &key.bucket))));
    }
    match &key.scope {
        Scope::Store => {}
        Scope::Category(name) => attrs.push(("category_name", s(name.clone()))),
        Scope::Product(id) => attrs.push(("product_id", n(*id))),
        Scope::ProductInCategory(name, id) => {
            attrs.push(("category_name", s(name.clone())));
            attrs.push(("product_id", n(*id)));
        }
    }
    attrs
}

/// Adds `delta` to a counter. `last_sold_at` is a maximum, which an update expression cannot
/// compute: it is set on condition that it grows, and when that condition fails the caller
/// retries without setting it (the stored value is already later).
fn counter_update(table: &str, key: &CounterKey, delta: &Totals, set_last: bool) -> TransactWriteItem {
    let mut set = Vec::new();
    let mut update = Update::builder()
        .table_name(table)
        .set_key(Some(key_item(&keys::counter(key))))
        .expression_attribute_values(":units", n(delta.units))
        .expression_attribute_values(":revenue", n(delta.revenue_minor))
        .expression_attribute_values(":count", n(delta.sales_count))
        .expression_attribute_values(":units_returned", n(delta.units_returned))
        .expression_attribute_values(":refunded", n(delta.refunded_minor))
        .expression_attribute_values(":returns", n(delta.returns_count))
        .expression_attribute_values(":net", n(delta.net_minor()));
    for (i, (name, value)) in scope_attributes(key).into_iter().enumerate() {
        set.push(format!("#a{i} = :a{i}"));
        update = update
            .expression_attribute_names(format!("#a{i}"), name)
            .expression_attribute_values(format!(":a{i}"), value);
    }
    if let (true, Some(last)) = (set_last, delta.last_sold_at) {
        set.push("last_sold_at = :last".into());
        update = update
            .expression_attribute_values(":last", s(time::to_stored(last)))
            .condition_expression("attribute_not_exists(last_sold_at) OR last_sold_at < :last")
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::None);
    }
    let expression = format!(
        "SET {} ADD units :units, revenue_minor :revenue, sales_count :count, units_returned :units_returned, \
         refunded_minor :refunded, returns_count :returns, net_minor :net",
        set.join(", ")
    );
    TransactWriteItem::builder()
        .update(update.update_expression(expression).build().expect("table, key and expression are set"))
        .build()
}

impl Store {
    /// Counts a chunk of sales and returns exactly once: one transaction of a marker per fact
    /// (which fails if it was already counted) and one update per counter. Facts already counted
    /// are dropped and the rest retried, so a redelivered or replayed record never counts twice
    /// and a crash between transactions loses nothing (the uncounted facts have no marker).
    pub async fn apply_sales(
        &self,
        sales: &[Fact],
        tz: chrono_tz::Tz,
        now: DateTime<Utc>,
    ) -> Result<Applied, StoreError> {
        let mut pending: Vec<Fact> = sales.to_vec();
        let mut keep_last: HashSet<CounterKey> = HashSet::new();
        let mut applied = Applied::default();
        // A chunk is retried at once when a condition taught it something (facts already
        // counted, a `last_sold_at` not to raise), after a backoff when it only conflicted or was
        // throttled.
        let mut delays = retry_delays().build();
        for _ in 0..MAX_APPLY_ATTEMPTS {
            if pending.is_empty() {
                return Ok(applied);
            }
            let counters: BTreeMap<CounterKey, Totals> = fold(&pending, tz);
            {
                let known = self.latest_counted.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                for (key, delta) in &counters {
                    if delta.last_sold_at.is_some_and(|last| known.at_least(key, last)) {
                        keep_last.insert(key.clone());
                    }
                }
            }
            let mut items: Vec<TransactWriteItem> = pending.iter().map(|f| marker_put(self.table(), f, now)).collect();
            let counter_keys: Vec<&CounterKey> = counters.keys().collect();
            for (key, delta) in &counters {
                items.push(counter_update(self.table(), key, delta, !keep_last.contains(key)));
            }
            assert!(items.len() <= crate::MAX_TRANSACTION_ITEMS, "chunks are planned within the limit");
            match self.transact(items).await? {
                TxOutcome::Committed => {
                    let mut known = self.latest_counted.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    for (key, delta) in &counters {
                        if let Some(last) = delta.last_sold_at {
                            known.raise(key, last);
                        }
                    }
                    drop(known);
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
                            // Its stored value is later than this chunk's: remember that.
                            if let Some(last) = counters.get(*key).and_then(|t| t.last_sold_at) {
                                self.latest_counted
                                    .lock()
                                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                                    .raise(key, last);
                            }
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
                    let backoff = retry_now || (already.is_empty() && reasons.iter().all(|r| !r.condition_failed()));
                    if backoff && let Some(delay) = delays.next() {
                        tokio::time::sleep(delay).await;
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
                Some((_, last)) if last.grain == b.grain && keys::bucket_sort_key(b) > keys::bucket_sort_key(last) => {
                    *last = b.clone();
                }
                _ => runs.push((b.clone(), b.clone())),
            }
        }
        let wanted: HashSet<&Bucket> = buckets.iter().collect();
        let pk = keys::counter_pk(scope);
        let mut out = HashMap::new();
        for (first, last) in runs {
            for item in self.query_range(&pk, &keys::bucket_sort_key(&first), &keys::bucket_sort_key(&last)).await? {
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

    /// The counters of `scope` in the buckets of `run` that hold sales, in time order: one Query.
    /// A stored counter that does not parse is skipped (and logged): no stored value makes a
    /// read fail.
    pub async fn read_run(&self, scope: &Scope, run: &Run) -> Result<Vec<(Bucket, Totals)>, StoreError> {
        let mut query = self.range_query(
            &keys::counter_pk(scope),
            &keys::bucket_sort_key(&run.first),
            &keys::bucket_sort_key(&run.last),
        );
        // Only the bucket and its totals: a summary reads many counters, and a counter also
        // carries its scope and the keys of its leaderboards (the read costs the same; the
        // response, and the work of reading it, is about half).
        let mut projection = Vec::with_capacity(RUN_ATTRIBUTES.len());
        for (i, name) in RUN_ATTRIBUTES.iter().enumerate() {
            let placeholder = format!("#a{i}");
            query = query.expression_attribute_names(&placeholder, *name);
            projection.push(placeholder);
        }
        let items = self.query_all(query.projection_expression(projection.join(", "))).await?;
        Ok(items
            .into_iter()
            .filter_map(|item| match serde_dynamo::from_item::<_, CounterItem>(item) {
                Ok(counter) => Some((bucket_of_sort_key(&counter.sk)?, counter.totals())),
                Err(e) => {
                    tracing::warn!(error = %e, "a counter that does not parse; skipped");
                    None
                }
            })
            .filter(|(b, t)| b.grain == run.grain && b.start().is_some() && !t.is_empty())
            .collect())
    }

    /// Every bucket of `grain` that has a counter for `scope`, in time order.
    pub async fn counter_buckets(&self, scope: &Scope, grain: Grain) -> Result<Vec<Bucket>, StoreError> {
        let prefix = format!("{}#", keys::grain_code(grain));
        let items = self.query_range(&keys::counter_pk(scope), &prefix, &format!("{prefix}~")).await?;
        Ok(items
            .into_iter()
            .filter_map(|i| i.get(keys::SK).and_then(|v| v.as_s().ok()).and_then(|sk| bucket_of_sort_key(sk)))
            .collect())
    }

    async fn query_range(&self, pk: &str, low: &str, high: &str) -> Result<Vec<Item>, StoreError> {
        self.query_all(self.range_query(pk, low, high)).await
    }

    fn range_query(&self, pk: &str, low: &str, high: &str) -> QueryFluentBuilder {
        self.client()
            .query()
            .table_name(self.table())
            .key_condition_expression("PK = :pk AND SK BETWEEN :low AND :high")
            .expression_attribute_values(":pk", s(pk))
            .expression_attribute_values(":low", s(low))
            .expression_attribute_values(":high", s(high))
    }

    /// A leaderboard in one bucket, best first by revenue or units, at most `limit` entries
    /// (`None`: all of them).
    pub async fn read_board(
        &self,
        board: &Board,
        bucket: &Bucket,
        by_units: bool,
        limit: Option<i32>,
    ) -> Result<Vec<BoardEntry>, StoreError> {
        self.read_board_by(board, bucket, if by_units { Metric::Units } else { Metric::Revenue }, limit).await
    }

    /// A leaderboard in one bucket, best first by `metric`, at most `limit` entries.
    pub async fn read_board_by(
        &self,
        board: &Board,
        bucket: &Bucket,
        metric: Metric,
        limit: Option<i32>,
    ) -> Result<Vec<BoardEntry>, StoreError> {
        let index = match metric {
            Metric::Revenue => Index::Gsi5,
            Metric::Units => Index::Gsi6,
            Metric::NetRevenue => Index::Gsi7,
        };
        let mut out = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .client()
                .query()
                .table_name(self.table())
                .index_name(index.name())
                .key_condition_expression("board = :board")
                .expression_attribute_values(":board", s(keys::board(board, bucket)))
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
                    ("PRODUCT_IN_CATEGORY", Some(id), Some(name)) => Scope::ProductInCategory(name.clone(), id),
                    // Not one of ours: a read never fails on a stored value.
                    _ => {
                        tracing::warn!(?counter, "a counter on a leaderboard without a scope; skipped");
                        continue;
                    }
                };
                out.push(BoardEntry { scope, totals: counter.totals() });
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
