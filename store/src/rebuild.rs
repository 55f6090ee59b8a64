//! `verify` and `rebuild` of the counters: recompute them from the raw sales and returns,
//! report drift, repair it (and write the lookup by id of sales recorded before it existed). An operator's tool (it reads every sale and every counter, with a Scan for the
//! counters), never a request path.
//!
//! Consistency with a running aggregator: counters are read first, sales second. A sale recorded
//! within the stream's retention (24 hours, plus an hour of margin) is expected in the counters
//! only once the aggregator has counted it (it has a marker); without one it is still in flight,
//! left to the stream. An older sale is expected whatever its marker says: the stream can no
//! longer deliver it, so if the aggregator lost it (a batch sent to the dead-letter queue) the
//! repair counts it. A repair writes a
//! counter only if it still holds what was read, so a concurrent update is never overwritten.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use super::counters::STREAM_RETENTION_SECS;
use super::keys;
use super::sales::{SaleRecord, return_from_item};
use super::{Item, Store, StoreError, key_item};
use domain::aggregate::{Bucket, CounterKey, Fact, Grain, ReturnFact, SaleFact, Scope, Totals, fold};
use domain::time;

/// A counter whose stored value differs from the sales.
#[derive(Debug, Clone, PartialEq)]
pub struct Drift {
    pub key: CounterKey,
    pub stored: Option<Totals>,
    pub expected: Option<Totals>,
}

#[derive(Debug, Clone, Default)]
pub struct VerifyReport {
    pub counters: usize,
    pub sales: usize,
    pub returns: usize,
    /// Sales and returns not yet counted by the aggregator (left to it).
    pub pending: usize,
    pub drift: Vec<Drift>,
    /// Sales without their lookup by id (recorded before it existed); `rebuild` writes them.
    pub missing_sale_refs: Vec<domain::Sale>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RepairReport {
    pub repaired: usize,
    /// Counters that changed between the read and the repair (run again).
    pub changed_meanwhile: usize,
    /// Lookups by id written for older sales.
    pub sale_refs: usize,
}

fn text(item: &Item, name: &str) -> Option<String> {
    item.get(name).and_then(|v| v.as_s().ok()).cloned()
}

fn number(item: &Item, name: &str) -> Option<i64> {
    item.get(name).and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok())
}

/// Whose counter a stored counter item is (`None` for one that is not a well-formed counter).
pub fn counter_key_of(item: &Item) -> Option<CounterKey> {
    let scope = match text(item, "scope")?.as_str() {
        "STORE" => Scope::Store,
        "CATEGORY" => Scope::Category(text(item, "category_name")?),
        "PRODUCT" => Scope::Product(number(item, "product_id")?),
        "PRODUCT_IN_CATEGORY" => Scope::ProductInCategory(text(item, "category_name")?, number(item, "product_id")?),
        _ => return None,
    };
    let grain = match text(item, "grain")?.as_str() {
        "hour" => Grain::Hour,
        "day" => Grain::Day,
        "month" => Grain::Month,
        "year" => Grain::Year,
        "all" => Grain::All,
        _ => return None,
    };
    Some(CounterKey { scope, bucket: Bucket { grain, period: text(item, "period")? } })
}

/// What a stored counter item holds.
pub fn totals_of(item: &Item) -> Totals {
    Totals {
        units: number(item, "units").unwrap_or(0),
        revenue_minor: number(item, "revenue_minor").unwrap_or(0),
        sales_count: number(item, "sales_count").unwrap_or(0),
        last_sold_at: text(item, "last_sold_at").as_deref().and_then(time::from_stored),
        units_returned: number(item, "units_returned").unwrap_or(0),
        refunded_minor: number(item, "refunded_minor").unwrap_or(0),
        returns_count: number(item, "returns_count").unwrap_or(0),
    }
}

impl Store {
    /// Compares every counter with a fold over the counted sales and returns.
    pub async fn verify_counters(&self, tz: Tz, now: DateTime<Utc>) -> Result<VerifyReport, StoreError> {
        // Counters first, then sales: see the module comment.
        let items = self.scan_entity("counter").await?;
        // A counter written before returns existed has no `net_minor` (so it is on no net
        // revenue leaderboard): drift, which the repair's full rewrite fixes.
        let incomplete: BTreeSet<CounterKey> =
            items.iter().filter(|i| !i.contains_key("net_minor")).filter_map(counter_key_of).collect();
        let stored: BTreeMap<CounterKey, Totals> =
            items.iter().filter_map(|item| Some((counter_key_of(item)?, totals_of(item)))).collect();
        let sales = self.all_sales().await?;
        let returns = self.all_returns().await?;
        let mut missing_sale_refs = Vec::new();
        for chunk in sales.chunks(100) {
            let keys = chunk.iter().map(|(_, _, sale)| key_item(&keys::sale_ref(&sale.id))).collect();
            let have: BTreeSet<String> = self.batch_get(keys).await?.iter().filter_map(|i| text(i, keys::PK)).collect();
            missing_sale_refs.extend(
                chunk.iter().filter(|(_, _, s)| !have.contains(&keys::sale_id_pk(&s.id))).map(|(_, _, s)| s.clone()),
            );
        }
        let facts: Vec<(Fact, DateTime<Utc>)> = sales
            .iter()
            .map(|(f, recorded, _)| (Fact::Sale(f.clone()), *recorded))
            .chain(returns.iter().map(|(f, recorded)| (Fact::Return(f.clone()), *recorded)))
            .collect();
        let recent_since = now - Duration::seconds(STREAM_RETENTION_SECS) - Duration::hours(1);
        let recent: Vec<&(Fact, DateTime<Utc>)> =
            facts.iter().filter(|(_, recorded)| *recorded >= recent_since).collect();
        let mut counted_recent = BTreeSet::new();
        for chunk in recent.chunks(100) {
            let keys = chunk.iter().map(|(f, _)| key_item(&keys::aggregated_marker(&f.marker_id()))).collect();
            for marker in self.batch_get(keys).await? {
                if let Some(id) = text(&marker, keys::PK) {
                    counted_recent.insert(id);
                }
            }
        }
        let counted: Vec<Fact> = facts
            .iter()
            .filter(|(f, recorded)| {
                *recorded < recent_since || counted_recent.contains(&keys::aggregated_marker(&f.marker_id()).pk)
            })
            .map(|(f, _)| f.clone())
            .collect();
        let expected = fold(&counted, tz);
        let keys: BTreeSet<&CounterKey> = stored.keys().chain(expected.keys()).collect();
        let drift = keys
            .into_iter()
            .filter(|k| stored.get(*k) != expected.get(*k) || incomplete.contains(*k))
            .map(|k| Drift { key: k.clone(), stored: stored.get(k).copied(), expected: expected.get(k).copied() })
            .collect();
        Ok(VerifyReport {
            counters: stored.len(),
            sales: sales.len(),
            returns: returns.len(),
            pending: facts.len() - counted.len(),
            drift,
            missing_sale_refs,
        })
    }

    /// Writes the expected value of every drifted counter, each on condition that it still holds
    /// what `verify_counters` read.
    pub async fn repair_counters(&self, report: &VerifyReport) -> Result<RepairReport, StoreError> {
        let mut out =
            RepairReport { sale_refs: self.backfill_sale_refs(&report.missing_sale_refs).await?, ..Default::default() };
        for d in &report.drift {
            let key = key_item(&keys::counter(&d.key));
            let mut condition = String::from("attribute_not_exists(PK)");
            let mut values: HashMap<String, AttributeValue> = HashMap::new();
            if let Some(s) = &d.stored {
                condition = "units = :su AND revenue_minor = :sr AND sales_count = :sc".into();
                values.insert(":su".into(), AttributeValue::N(s.units.to_string()));
                values.insert(":sr".into(), AttributeValue::N(s.revenue_minor.to_string()));
                values.insert(":sc".into(), AttributeValue::N(s.sales_count.to_string()));
                // The returns' attributes: absent on a counter no return has touched yet.
                for (name, placeholder, value) in [
                    ("units_returned", ":sur", s.units_returned),
                    ("refunded_minor", ":srf", s.refunded_minor),
                    ("returns_count", ":src", s.returns_count),
                ] {
                    if value == 0 {
                        condition.push_str(&format!(" AND (attribute_not_exists({name}) OR {name} = {placeholder})"));
                    } else {
                        condition.push_str(&format!(" AND {name} = {placeholder}"));
                    }
                    values.insert(placeholder.into(), AttributeValue::N(value.to_string()));
                }
            }
            // No stored counter, no values (DynamoDB refuses an empty map).
            let values = (!values.is_empty()).then_some(values);
            let result = match &d.expected {
                None => {
                    let req = self
                        .client()
                        .delete_item()
                        .table_name(self.table())
                        .set_key(Some(key))
                        .condition_expression(condition)
                        .set_expression_attribute_values(values);
                    super::conditional_write("DeleteItem", req.send().await)
                }
                Some(t) => {
                    let mut item = key;
                    for (name, value) in counter_attributes(&d.key, t) {
                        item.insert(name.into(), value);
                    }
                    let req = self
                        .client()
                        .put_item()
                        .table_name(self.table())
                        .set_item(Some(item))
                        .condition_expression(condition)
                        .set_expression_attribute_values(values);
                    super::conditional_write("PutItem", req.send().await)
                }
            };
            if result? {
                out.repaired += 1;
            } else {
                out.changed_meanwhile += 1;
            }
        }
        Ok(out)
    }

    async fn scan_entity(&self, entity: &str) -> Result<Vec<Item>, StoreError> {
        self.client()
            .scan()
            .table_name(self.table())
            .filter_expression("entity = :e")
            .expression_attribute_values(":e", AttributeValue::S(entity.into()))
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| StoreError::from_sdk("Scan", e))
    }

    /// Every return with the time it was recorded (a Scan: an operator's tool).
    async fn all_returns(&self) -> Result<Vec<(ReturnFact, DateTime<Utc>)>, StoreError> {
        let mut out = Vec::new();
        for item in self.scan_entity("return").await? {
            let recorded = text(&item, "recorded_at").as_deref().and_then(time::from_stored);
            let r = return_from_item(item)?;
            out.push((ReturnFact::from_return(&r), recorded.unwrap_or(r.returned_at)));
        }
        Ok(out)
    }

    /// Every sale with the time it was recorded, product partition by product partition.
    async fn all_sales(&self) -> Result<Vec<(SaleFact, DateTime<Utc>, domain::Sale)>, StoreError> {
        let last_product = self.read_sequence().await.map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut out = Vec::new();
        for product in 1..=last_product {
            let query = self
                .client()
                .query()
                .table_name(self.table())
                .key_condition_expression("PK = :pk AND begins_with(SK, :sale)")
                .expression_attribute_values(":pk", AttributeValue::S(keys::product_sales_pk(product)))
                .expression_attribute_values(":sale", AttributeValue::S(keys::SALE_SK_PREFIX.into()));
            for item in self.query_all(query).await? {
                let recorded = text(&item, "recorded_at").as_deref().and_then(time::from_stored);
                let record: SaleRecord =
                    serde_dynamo::from_item(item).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let sale = record.into_sale()?;
                let recorded = recorded.unwrap_or(sale.sold_at);
                out.push((SaleFact::from_sale(&sale), recorded, sale));
            }
        }
        Ok(out)
    }
}

/// Every non-key attribute of a counter holding `t` (as the aggregator writes them).
pub fn counter_attributes(key: &CounterKey, t: &Totals) -> Vec<(&'static str, AttributeValue)> {
    let n = |v: i64| AttributeValue::N(v.to_string());
    let mut attrs = super::counters::scope_attributes(key);
    attrs.extend([
        ("units", n(t.units)),
        ("revenue_minor", n(t.revenue_minor)),
        ("sales_count", n(t.sales_count)),
        ("units_returned", n(t.units_returned)),
        ("refunded_minor", n(t.refunded_minor)),
        ("returns_count", n(t.returns_count)),
        ("net_minor", n(t.net_minor())),
    ]);
    if let Some(last) = t.last_sold_at {
        attrs.push(("last_sold_at", AttributeValue::S(time::to_stored(last))));
    }
    attrs
}
