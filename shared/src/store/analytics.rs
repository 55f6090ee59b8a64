//! The dashboard reads: summary, compare and top, served from counters alone. A summary's cost
//! follows the rows asked for (buckets x scopes with sales), never the number of sales.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use futures::{StreamExt, TryStreamExt};
use serde_json::Value;

use super::Store;
use super::counters::BoardEntry;
use crate::domain::aggregate::{Bucket, Grain, LocalRange, Scope, Totals, cover, split_by};
use crate::domain::analytics::{GroupBy, GroupKind, Summary, SummaryRow, compare_row};
use crate::error::AppError;

/// A summary request, already parsed.
#[derive(Debug, Clone)]
pub struct SummaryQuery {
    pub group_by: GroupBy,
    pub product_id: Option<i64>,
    pub category_name: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// The request's `from` / `to` as written, echoed in the response.
    pub from_text: Option<String>,
    pub to_text: Option<String>,
}

/// The most periods one summary may group by (over 11 years of hours): a bound on the work and
/// the response of one request.
pub const MAX_SUMMARY_PERIODS: u64 = 100_000;

/// Leaderboard reads run this many at a time.
const CONCURRENT_READS: usize = 8;

impl Store {
    pub async fn summary(&self, q: &SummaryQuery, tz: Tz) -> Result<Summary, AppError> {
        let group_by = q.group_by;
        if q.product_id.is_some() && q.category_name.is_some() {
            return Err(AppError::bad_field("category_name", "filter by product_id or by category_name, not both"));
        }
        if q.product_id.is_some() && group_by.kind == Some(GroupKind::Category) {
            return Err(AppError::bad_field("product_id", "cannot be combined with a category grouping"));
        }
        let mut summary = Summary {
            group_by: group_by.name(),
            from: q.from_text.clone(),
            to: q.to_text.clone(),
            timezone: tz.name().to_owned(),
            rows: Vec::new(),
            items_read: 0,
        };
        let Some(range) = self.effective_range(q.from, q.to, tz).await? else {
            return Ok(summary);
        };
        if let Some(grain) = group_by.period {
            let periods = range.periods(grain);
            if periods > MAX_SUMMARY_PERIODS {
                return Err(AppError::bad_field(
                    "group_by",
                    format!(
                        "asks for {periods} {} periods; at most {MAX_SUMMARY_PERIODS}: narrow from/to or group by a \
                         coarser period",
                        grain.name()
                    ),
                ));
            }
        }
        let groups: Vec<(Option<Bucket>, LocalRange)> = match group_by.period {
            Some(grain) => split_by(range, grain).into_iter().map(|(b, r)| (Some(b), r)).collect(),
            None => vec![(None, range)],
        };
        let covers: Vec<Vec<Bucket>> = groups.iter().map(|(_, r)| cover(*r)).collect();
        let all: Vec<Bucket> = covers.concat();
        let single = match (group_by.kind, q.product_id, &q.category_name) {
            (None, None, None) => Some(Scope::Store),
            (None | Some(GroupKind::Product), Some(p), _) => Some(Scope::Product(p)),
            (None | Some(GroupKind::Category), None, Some(c)) => Some(Scope::Category(c.clone())),
            _ => None,
        };
        let period_of = |gi: usize| groups[gi].0.as_ref().map(|b| b.period.clone());
        let mut rows = Vec::new();
        if let Some(scope) = single {
            let values = self.read_counters(&scope, &all).await?;
            summary.items_read += values.len();
            for (gi, buckets) in covers.iter().enumerate() {
                let mut t = Totals::default();
                for b in buckets {
                    if let Some(v) = values.get(b) {
                        t.add(v);
                    }
                }
                if !t.is_empty() {
                    rows.push(row(group_by.kind.map(|_| &scope), period_of(gi), t));
                }
            }
        } else {
            let kind = group_by.kind.expect("multi-scope summaries group by a scope");
            // Only buckets with store-wide sales can have product or category counters.
            let store_values = self.read_counters(&Scope::Store, &all).await?;
            summary.items_read += store_values.len();
            let nonempty: Vec<Bucket> = all.iter().filter(|b| store_values.contains_key(*b)).cloned().collect();
            let boards: HashMap<Bucket, Vec<BoardEntry>> =
                futures::stream::iter(nonempty)
                    .map(|b: Bucket| async move {
                        self.read_board(kind.board_kind(), &b, false, None).await.map(|e| (b, e))
                    })
                    .buffer_unordered(CONCURRENT_READS)
                    .try_collect()
                    .await?;
            summary.items_read += boards.values().map(Vec::len).sum::<usize>();
            let mut acc: BTreeMap<(Scope, usize), Totals> = BTreeMap::new();
            for (gi, buckets) in covers.iter().enumerate() {
                for entry in buckets.iter().filter_map(|b| boards.get(b)).flatten() {
                    if let Some(filter) = &q.category_name
                        && entry.category_name.as_ref() != Some(filter)
                    {
                        continue;
                    }
                    acc.entry((entry.scope.clone(), gi)).or_default().add(&entry.totals);
                }
            }
            rows = acc.into_iter().map(|((scope, gi), t)| row(Some(&scope), period_of(gi), t)).collect();
        }
        summary.rows = rows.iter().map(SummaryRow::to_json).collect();
        tracing::debug!(group_by = %summary.group_by, rows = summary.rows.len(), items_read = summary.items_read, "summary");
        Ok(summary)
    }

    /// The local range a summary covers: the request's bounds, clamped to the years that have
    /// sales (one small Query of the store's year counters). Clamping keeps the buckets a summary
    /// walks proportional to the store's history, not to the bounds a client writes
    /// (`from=0001-01-01&group_by=hour` would be 17 million hours). `None` when the range holds
    /// no year with sales.
    async fn effective_range(
        &self,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        tz: Tz,
    ) -> Result<Option<LocalRange>, AppError> {
        let years = self.counter_buckets(&Scope::Store, Grain::Year).await?;
        let (Some(first), Some(last)) = (years.first(), years.last()) else { return Ok(None) };
        let year_start = |year: i32| {
            chrono::NaiveDate::from_ymd_opt(year, 1, 1)
                .map(|d| crate::time::start_of_day(d, tz))
                .ok_or_else(|| AppError::Internal(format!("bad year bucket {year}")))
        };
        let year_of = |b: &Bucket| b.period.parse::<i32>().map_err(|_| AppError::Internal("bad year bucket".into()));
        let history_start = year_start(year_of(first)?)?;
        let history_end = year_start(year_of(last)? + 1)? - Duration::microseconds(1);
        let from = from.map_or(history_start, |f| f.max(history_start));
        let to = to.map_or(history_end, |t| t.min(history_end));
        if from > to {
            return Ok(None);
        }
        Ok(Some(LocalRange::from_instants(from, to, tz)))
    }

    /// `GET /sales/compare`: two periods side by side, store-wide or per category or product.
    pub async fn compare(
        &self,
        current: &Bucket,
        previous: &Bucket,
        by: Option<GroupKind>,
    ) -> Result<Vec<Value>, AppError> {
        match by {
            None => {
                let values = self.read_counters(&Scope::Store, &[current.clone(), previous.clone()]).await?;
                let get = |b: &Bucket| values.get(b).copied().unwrap_or_default();
                Ok(vec![compare_row(None, &get(current), &get(previous))])
            }
            Some(kind) => {
                let (cur, prev) = futures::try_join!(
                    self.read_board(kind.board_kind(), current, false, None),
                    self.read_board(kind.board_kind(), previous, false, None)
                )?;
                let mut merged: BTreeMap<Scope, (Totals, Totals)> = BTreeMap::new();
                for e in cur {
                    merged.entry(e.scope).or_default().0 = e.totals;
                }
                for e in prev {
                    merged.entry(e.scope).or_default().1 = e.totals;
                }
                Ok(merged.iter().map(|(scope, (c, p))| compare_row(Some(scope_key(scope)), c, p)).collect())
            }
        }
    }

    /// `GET /sales/top`: one Query of the period's leaderboard.
    pub async fn top(
        &self,
        kind: GroupKind,
        bucket: &Bucket,
        by_units: bool,
        limit: i32,
    ) -> Result<Vec<Value>, AppError> {
        let entries = self.read_board(kind.board_kind(), bucket, by_units, Some(limit)).await?;
        Ok(entries
            .into_iter()
            .enumerate()
            .map(|(i, e)| {
                let mut row = serde_json::Map::new();
                row.insert("rank".into(), (i + 1).into());
                let (name, value) = scope_key(&e.scope);
                row.insert(name.into(), value);
                crate::domain::analytics::totals_into(&mut row, &e.totals, false);
                Value::Object(row)
            })
            .collect())
    }
}

fn scope_key(scope: &Scope) -> (&'static str, Value) {
    match scope {
        Scope::Product(id) => ("product_id", (*id).into()),
        Scope::Category(name) => ("category_name", name.clone().into()),
        Scope::Store => ("store", Value::Null),
    }
}

fn row(scope: Option<&Scope>, period: Option<String>, totals: Totals) -> SummaryRow {
    SummaryRow {
        product_id: match scope {
            Some(Scope::Product(id)) => Some(*id),
            _ => None,
        },
        category_name: match scope {
            Some(Scope::Category(c)) => Some(c.clone()),
            _ => None,
        },
        period,
        totals,
    }
}
