//! The dashboard's reads: summary, compare and top, served from counters (and, for a bound inside
//! an hour, that hour's sales). A summary's cost follows the rows asked for, never the number of
//! sales.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use futures::{StreamExt, TryStreamExt};

use crate::App;
use crate::Error;
use domain::aggregate::{
    Board, Bucket, Grain, ReturnFact, Run, SaleFact, Scope, Totals, Window, cover_runs, extend_to_period_end,
    split_window,
};
use domain::analytics::Metric;
use domain::analytics::{ComparedTotals, GroupBy, GroupKey, GroupKind, RankedTotals, Summary, SummaryRow};
use store::Store;
use store::counters::BoardEntry;
use store::sales::SalesFilter;

/// A summary request, already parsed.
#[derive(Debug, Clone)]
pub struct SummaryQuery {
    pub group_by: GroupBy,
    pub product_id: Option<i64>,
    pub category_name: Option<String>,
    /// Inclusive bounds, as `GET /sales` reads them.
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// The request's `from` / `to` as written, echoed in the response.
    pub from_text: Option<String>,
    pub to_text: Option<String>,
}

/// The instants that can hold sales: from the store's opening (no sale may be dated before it)
/// to a horizon past the latest a sale may be dated (now + 5 minutes). Bounds beyond them are
/// clamped to them, which changes no answer and keeps every bucket key well-formed.
#[derive(Debug, Clone, Copy)]
pub struct History {
    pub opened: DateTime<Utc>,
    pub horizon: DateTime<Utc>,
}

impl History {
    /// From the first instant of the store-local day `opened` to the end of the store-local day
    /// after `now` (whole days, so that unbounded summaries read counters only).
    pub fn new(opened: chrono::NaiveDate, now: DateTime<Utc>, tz: Tz) -> History {
        let tomorrow = now.with_timezone(&tz).date_naive() + Duration::days(2);
        History { opened: crate::time::start_of_day(opened, tz), horizon: crate::time::start_of_day(tomorrow, tz) }
    }
}

/// What a summary row is keyed by, besides its period.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum RowKey {
    Total,
    Product(i64),
    Category(String),
}

/// The most leaderboards (one Query each) one summary may read: a grouping by product or
/// category over more periods with sales than this is refused (400) before any is read. With the
/// counter runs, this bounds a summary's DynamoDB calls to about 1,030 and keeps it well inside
/// Lambda's and API Gateway's time limits.
pub const MAX_SUMMARY_BOARDS: usize = 1_000;

/// The most rows one summary may answer (about 3 MB of JSON, under Lambda's 6 MB response limit).
pub const MAX_SUMMARY_ROWS: usize = 20_000;

/// The work one summary may do.
#[derive(Debug, Clone, Copy)]
pub struct SummaryLimits {
    pub boards: usize,
    pub rows: usize,
}

impl Default for SummaryLimits {
    fn default() -> Self {
        SummaryLimits { boards: MAX_SUMMARY_BOARDS, rows: MAX_SUMMARY_ROWS }
    }
}

/// Leaderboard reads run this many at a time.
const CONCURRENT_READS: usize = 8;

/// Sales read one by one at a window's edges, at most this many pages of 100: an edge is at most
/// two real hours (a repeated hour), so this bounds the cost by two hours of sales.
const EDGE_PAGE: i32 = 100;

/// `GET /sales/summary`: exactly the fold of the sales `GET /sales` lists with the same
/// filters and bounds. Whole local hours come from counters: per scope, one Query per run of
/// buckets (at most seven), which returns only buckets that hold sales, so the cost follows
/// the rows, never the length of the range or the number of sales; a grouping by product or
/// category adds one leaderboard Query per such bucket. A bound inside an hour (or inside one
/// occurrence of a repeated hour) is served by reading that edge's sales from the listing's
/// index: at most two edges, each at most two hours of sales.
pub async fn summary(app: &App, q: &SummaryQuery, tz: Tz, history: History) -> Result<Summary, Error> {
    summary_within(app, q, tz, history, SummaryLimits::default()).await
}

/// [`summary`] with other limits than the deployed ones (tests). Its steps: plan the window
/// (which whole buckets, which edges, which scope and leaderboard), read the counters of the
/// whole buckets, read the sales and returns of the edges, fold them into rows, and cap.
pub async fn summary_within(
    app: &App,
    q: &SummaryQuery,
    tz: Tz,
    history: History,
    limits: SummaryLimits,
) -> Result<Summary, Error> {
    let plan = Plan::of(q, tz, history);
    let mut fold = Fold::default();
    if let Some(core) = plan.window.core {
        let runs = cover_runs(core, plan.grain.unwrap_or(Grain::All));
        let reading = Reading { store: app.store(), plan: &plan, runs: &runs, limits };
        if plan.board == Some(Board::Categories) {
            read_categories(&reading, &mut fold).await?;
        } else {
            read_counters(&reading, &mut fold).await?;
        }
    }
    read_edges(app.store(), q, &plan, &mut fold).await?;
    let summary = fold.into_summary(q, &plan, limits)?;
    tracing::debug!(group_by = %summary.group_by, rows = summary.rows.len(), items_read = summary.items_read, "summary");
    Ok(summary)
}

/// What a summary reads: the window split into whole buckets and edges, and the scope whose
/// counters answer directly (or, for a grouping by product or category, whose non-empty buckets
/// tell which leaderboards to read).
struct Plan {
    group_by: GroupBy,
    tz: Tz,
    grain: Option<Grain>,
    window: Window,
    scope: Scope,
    board: Option<Board>,
    /// The row the scope's own counters add to.
    own_key: RowKey,
}

impl Plan {
    fn of(q: &SummaryQuery, tz: Tz, history: History) -> Plan {
        let group_by = q.group_by;
        let from = q.from.map_or(history.opened, |f| f.max(history.opened));
        let to =
            q.to.and_then(|t| t.checked_add_signed(Duration::microseconds(1)))
                .map_or(history.horizon, |t| t.min(history.horizon));
        let mut window = split_window(from, to, tz);
        let grain = group_by.period;
        if to == history.horizon
            && let Some(core) = window.core.as_mut()
        {
            // Up to the horizon (no bound, or one past it): no sale is dated after it, so the rest
            // of its month or year is empty, and whole months or years are fewer counters to read.
            *core = extend_to_period_end(*core, grain.unwrap_or(Grain::All));
        }
        let (scope, board) = match (group_by.kind, q.product_id, &q.category_name) {
            (_, Some(p), Some(c)) => (Scope::ProductInCategory(c.clone(), p), None),
            (_, Some(p), None) => (Scope::Product(p), None),
            (Some(GroupKind::Category) | None, None, Some(c)) => (Scope::Category(c.clone()), None),
            (Some(GroupKind::Product), None, Some(c)) => {
                (Scope::Category(c.clone()), Some(Board::ProductsIn(c.clone())))
            }
            (Some(kind), None, None) => (Scope::Store, Some(kind.board())),
            (None, None, None) => (Scope::Store, None),
        };
        let own_key = match (group_by.kind, &scope) {
            (Some(GroupKind::Product), Scope::Product(p) | Scope::ProductInCategory(_, p)) => RowKey::Product(*p),
            (Some(GroupKind::Category), Scope::Category(c)) => RowKey::Category(c.clone()),
            (Some(GroupKind::Category), Scope::ProductInCategory(c, _)) => RowKey::Category(c.clone()),
            _ => RowKey::Total,
        };
        Plan { group_by, tz, grain, window, scope, board, own_key }
    }

    /// The period (of the grouping's grain) a bucket of counters falls in.
    fn period_of(&self, bucket: &Bucket) -> Option<String> {
        let g = self.grain?;
        bucket.start().map(|start| Bucket::containing(g, start).period)
    }

    /// The row a sale or a return read from an edge adds to: its product or category (or the
    /// total) and the period of its instant in the store's zone.
    fn edge_row(&self, product_id: i64, category_name: &str, at: DateTime<Utc>) -> (RowKey, Option<String>) {
        let key = match self.group_by.kind {
            None => RowKey::Total,
            Some(GroupKind::Product) => RowKey::Product(product_id),
            Some(GroupKind::Category) => RowKey::Category(category_name.to_owned()),
        };
        let local = at.with_timezone(&self.tz).naive_local();
        (key, self.grain.map(|g| Bucket::containing(g, local).period))
    }
}

/// What reading the counters of a summary's whole buckets needs: the store, the plan, the runs of
/// buckets that cover the window's core, and the limits.
#[derive(Clone, Copy)]
struct Reading<'a> {
    store: &'a Store,
    plan: &'a Plan,
    runs: &'a [Run],
    limits: SummaryLimits,
}

/// The rows being summed, and the items read to sum them.
#[derive(Default)]
struct Fold {
    rows: BTreeMap<(RowKey, Option<String>), Totals>,
    items_read: usize,
}

impl Fold {
    fn add(&mut self, row: (RowKey, Option<String>), totals: &Totals) {
        self.rows.entry(row).or_default().add(totals);
    }

    /// The summary of the rows with anything in them, refused if it has more than `limits` allow.
    fn into_summary(self, q: &SummaryQuery, plan: &Plan, limits: SummaryLimits) -> Result<Summary, Error> {
        if self.rows.len() > limits.rows {
            return Err(Error::SummaryTooLarge(format!("has {} rows; at most {}", self.rows.len(), limits.rows)));
        }
        let rows = self
            .rows
            .into_iter()
            .filter(|(_, t)| !t.is_empty())
            .map(|((key, period), totals)| {
                let (product_id, category_name) = match key {
                    RowKey::Total => (None, None),
                    RowKey::Product(p) => (Some(p), None),
                    RowKey::Category(c) => (None, Some(c)),
                };
                SummaryRow { product_id, category_name, period, totals }
            })
            .collect();
        Ok(Summary {
            group_by: plan.group_by.name(),
            from: q.from_text.clone(),
            to: q.to_text.clone(),
            timezone: plan.tz.name().to_owned(),
            rows,
            items_read: self.items_read,
        })
    }
}

/// By category: every category that ever had a sale is on the all-time categories board (one
/// Query), then each category's own counters, one Query per run. The cost follows the number of
/// categories (a handful), not the number of periods.
async fn read_categories(reading: &Reading<'_>, fold: &mut Fold) -> Result<(), Error> {
    let Reading { store, plan, runs, limits } = *reading;
    let categories = store.read_board(&Board::Categories, &Bucket::all(), false, None).await?;
    fold.items_read += categories.len();
    let scopes: Vec<Scope> =
        categories.into_iter().map(|e| e.scope).filter(|s| matches!(s, Scope::Category(_))).collect();
    if scopes.len() * runs.len() > limits.boards {
        return Err(Error::SummaryTooLarge(format!(
            "reads {} categories in {} runs of periods; at most {} reads",
            scopes.len(),
            runs.len(),
            limits.boards
        )));
    }
    let pairs: Vec<(Scope, Run)> =
        scopes.iter().flat_map(|scope| runs.iter().map(|run| (scope.clone(), run.clone()))).collect();
    let reads: Vec<(Scope, Vec<(Bucket, Totals)>)> = futures::stream::iter(pairs)
        .map(|(scope, run)| async move { store.read_run(&scope, &run).await.map(|values| (scope, values)) })
        .buffer_unordered(CONCURRENT_READS)
        .try_collect()
        .await?;
    for (scope, values) in reads {
        let Scope::Category(name) = scope else { continue };
        fold.items_read += values.len();
        for (bucket, totals) in values {
            fold.add((RowKey::Category(name.clone()), plan.period_of(&bucket)), &totals);
        }
    }
    Ok(())
}

/// The plan's scope's counters over the whole buckets, one Query per run; grouped by product or
/// category, the leaderboard of each bucket with sales.
async fn read_counters(reading: &Reading<'_>, fold: &mut Fold) -> Result<(), Error> {
    let Reading { store, plan, runs, limits } = *reading;
    let mut buckets = Vec::new();
    for run in runs {
        let values = store.read_run(&plan.scope, run).await?;
        fold.items_read += values.len();
        buckets.extend(values);
    }
    let Some(board) = &plan.board else {
        for (bucket, totals) in &buckets {
            fold.add((plan.own_key.clone(), plan.period_of(bucket)), totals);
        }
        return Ok(());
    };
    if buckets.len() > limits.boards {
        return Err(Error::SummaryTooLarge(format!(
            "groups {} periods with sales by {}; at most {}",
            buckets.len(),
            plan.group_by.name(),
            limits.boards
        )));
    }
    let boards: Vec<(Bucket, Vec<BoardEntry>)> = futures::stream::iter(buckets.into_iter().map(|(b, _)| b))
        .map(|b: Bucket| async move { store.read_board(board, &b, false, None).await.map(|e| (b, e)) })
        .buffer_unordered(CONCURRENT_READS)
        .try_collect()
        .await?;
    for (bucket, entries) in boards {
        fold.items_read += entries.len();
        for entry in entries {
            let key = match entry.scope {
                Scope::Product(p) | Scope::ProductInCategory(_, p) => RowKey::Product(p),
                Scope::Category(c) => RowKey::Category(c),
                Scope::Store => continue,
            };
            fold.add((key, plan.period_of(&bucket)), &entry.totals);
        }
    }
    Ok(())
}

/// The sales (and the returns made) in each edge of the window, read one by one from the
/// listing's index: at most two edges, each at most two hours of sales.
async fn read_edges(store: &Store, q: &SummaryQuery, plan: &Plan, fold: &mut Fold) -> Result<(), Error> {
    for (start, end) in &plan.window.edges {
        let filter = SalesFilter {
            product_id: q.product_id,
            category_name: q.category_name.clone(),
            from: Some(*start),
            to: Some(*end - Duration::microseconds(1)),
        };
        let mut cursor: Option<String> = None;
        loop {
            let page = store.list_sales(&filter, EDGE_PAGE, cursor.as_deref()).await?;
            fold.items_read += page.items.len();
            for sale in &page.items {
                let fact = SaleFact::from_sale(sale);
                fold.add(plan.edge_row(fact.product_id, &fact.category_name, fact.sold_at), &Totals::of_sale(&fact));
            }
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        // The returns made in the edge (by `returned_at`) of the sales the filters select.
        let returns = store.returns_between(&filter).await?;
        fold.items_read += returns.len();
        for r in &returns {
            let fact = ReturnFact::from_return(r);
            fold.add(plan.edge_row(fact.product_id, &fact.category_name, fact.returned_at), &Totals::of_return(&fact));
        }
    }
    Ok(())
}

/// `GET /sales/compare`: two periods side by side, store-wide or per category or product.
pub async fn compare(
    app: &App,
    current: &Bucket,
    previous: &Bucket,
    by: Option<GroupKind>,
) -> Result<Vec<ComparedTotals>, Error> {
    let store = app.store();
    match by {
        None => {
            let values = store.read_counters(&Scope::Store, &[current.clone(), previous.clone()]).await?;
            let get = |b: &Bucket| values.get(b).copied().unwrap_or_default();
            Ok(vec![ComparedTotals { key: None, current: get(current), previous: get(previous) }])
        }
        Some(kind) => {
            let board = kind.board();
            let (cur, prev) = futures::try_join!(
                store.read_board(&board, current, false, None),
                store.read_board(&board, previous, false, None)
            )?;
            let mut merged: BTreeMap<Scope, (Totals, Totals)> = BTreeMap::new();
            for e in cur {
                merged.entry(e.scope).or_default().0 = e.totals;
            }
            for e in prev {
                merged.entry(e.scope).or_default().1 = e.totals;
            }
            Ok(merged
                .into_iter()
                .map(|(scope, (current, previous))| ComparedTotals { key: group_key(&scope), current, previous })
                .collect())
        }
    }
}

/// `GET /sales/top`: one Query of the period's leaderboard (by revenue, units or net
/// revenue).
pub async fn top(
    app: &App,
    kind: GroupKind,
    bucket: &Bucket,
    metric: Metric,
    limit: i32,
) -> Result<Vec<RankedTotals>, Error> {
    let store = app.store();
    let entries = store.read_board_by(&kind.board(), bucket, metric, Some(limit)).await?;
    Ok(ranked(entries))
}

/// A leaderboard's entries, best first, as ranked rows (1 is the best).
pub fn ranked(entries: Vec<BoardEntry>) -> Vec<RankedTotals> {
    (1..)
        .zip(entries)
        .filter_map(|(rank, e)| group_key(&e.scope).map(|key| RankedTotals { rank, key, totals: e.totals }))
        .collect()
}

/// What a leaderboard entry's row is about. A product's entry on a category's board is the
/// product's; the store-wide scope is on no board.
fn group_key(scope: &Scope) -> Option<GroupKey> {
    match scope {
        Scope::Product(id) | Scope::ProductInCategory(_, id) => Some(GroupKey::Product(*id)),
        Scope::Category(name) => Some(GroupKey::Category(name.clone())),
        Scope::Store => None,
    }
}
