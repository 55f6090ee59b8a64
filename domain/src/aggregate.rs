//! Pre-aggregated sales counters: which buckets a sale counts in, how a batch of sales is
//! coalesced into few counter writes within DynamoDB's transaction limits. Pure: no I/O. The
//! calendar arithmetic (periods, covers, windows) is `crate::calendar`, re-exported here.
//!
//! Buckets are calendar periods of the store's time zone, computed from the local wall-clock
//! time of the sale, so days, months and years follow DST (a day has 23 or 25 hours). In the
//! hour that repeats when clocks go back, both instants are the same local hour and share
//! its bucket.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

pub use crate::calendar::{
    Bucket, Grain, LocalRange, Run, Window, cover, cover_runs, extend_to_period_end, first_instant_at_or_after,
    hour_interval, split_by, split_window,
};

/// Whose counter: the store, a category, a product, or a product's sales made while it was in
/// a category (a product that moves between categories has one of these per category, so a
/// category's product rows hold only the sales made in it).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    Store,
    Category(String),
    Product(i64),
    ProductInCategory(String, i64),
}

impl Scope {
    pub fn kind(&self) -> &'static str {
        match self {
            Scope::Store => "STORE",
            Scope::Category(_) => "CATEGORY",
            Scope::Product(_) => "PRODUCT",
            Scope::ProductInCategory(..) => "PRODUCT_IN_CATEGORY",
        }
    }

    /// The leaderboard the scope's counters are on (the store's are on none).
    pub fn board(&self) -> Option<Board> {
        match self {
            Scope::Store => None,
            Scope::Category(_) => Some(Board::Categories),
            Scope::Product(_) => Some(Board::Products),
            Scope::ProductInCategory(category, _) => Some(Board::ProductsIn(category.clone())),
        }
    }

    /// The scopes one sale counts in.
    pub fn of_sale(fact: &SaleFact) -> [Scope; 4] {
        Fact::Sale(fact.clone()).scopes()
    }
}

/// A leaderboard: the counters of every product, every category, or every product in one
/// category, in one bucket (an index partition, ordered by revenue or by units).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Board {
    Products,
    Categories,
    ProductsIn(String),
}

/// One counter: a scope in a bucket.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CounterKey {
    pub scope: Scope,
    pub bucket: Bucket,
}

/// What a counter holds: the sales (units, revenue, count, latest) and the returns counted in
/// its bucket (by `returned_at`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    pub units: i64,
    pub revenue_minor: i64,
    pub sales_count: i64,
    pub last_sold_at: Option<DateTime<Utc>>,
    pub units_returned: i64,
    pub refunded_minor: i64,
    pub returns_count: i64,
}

impl Totals {
    /// Adds `other`. Counters come from the table: sums saturate rather than overflow (no
    /// real store comes near; a corrupted counter must not panic a request).
    pub fn add(&mut self, other: &Totals) {
        self.units = self.units.saturating_add(other.units);
        self.revenue_minor = self.revenue_minor.saturating_add(other.revenue_minor);
        self.sales_count = self.sales_count.saturating_add(other.sales_count);
        self.last_sold_at = self.last_sold_at.max(other.last_sold_at);
        self.units_returned = self.units_returned.saturating_add(other.units_returned);
        self.refunded_minor = self.refunded_minor.saturating_add(other.refunded_minor);
        self.returns_count = self.returns_count.saturating_add(other.returns_count);
    }

    /// What changed from `previous` to this (no `last_sold_at`), saturating as [`Totals::add`].
    pub fn change_from(&self, previous: &Totals) -> Totals {
        Totals {
            units: self.units.saturating_sub(previous.units),
            revenue_minor: self.revenue_minor.saturating_sub(previous.revenue_minor),
            sales_count: self.sales_count.saturating_sub(previous.sales_count),
            last_sold_at: None,
            units_returned: self.units_returned.saturating_sub(previous.units_returned),
            refunded_minor: self.refunded_minor.saturating_sub(previous.refunded_minor),
            returns_count: self.returns_count.saturating_sub(previous.returns_count),
        }
    }

    pub fn of_sale(fact: &SaleFact) -> Totals {
        Totals {
            units: fact.units,
            revenue_minor: fact.revenue_minor,
            sales_count: 1,
            last_sold_at: Some(fact.sold_at),
            ..Totals::default()
        }
    }

    pub fn of_return(fact: &ReturnFact) -> Totals {
        Totals { units_returned: fact.units, refunded_minor: fact.refund_minor, returns_count: 1, ..Totals::default() }
    }

    /// Revenue minus refunds.
    pub fn net_minor(&self) -> i64 {
        self.revenue_minor.saturating_sub(self.refunded_minor)
    }

    /// No sale and no return.
    pub fn is_empty(&self) -> bool {
        self.sales_count == 0 && self.returns_count == 0
    }
}

/// A recorded sale as the aggregator sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleFact {
    pub sale_id: String,
    pub product_id: i64,
    pub category_name: String,
    pub units: i64,
    pub revenue_minor: i64,
    pub sold_at: DateTime<Utc>,
}

impl SaleFact {
    pub fn from_sale(sale: &super::Sale) -> SaleFact {
        SaleFact {
            sale_id: sale.id.clone(),
            product_id: sale.product_id,
            category_name: sale.category_name.clone(),
            units: sale.units_sold,
            revenue_minor: sale.total_price.minor(),
            sold_at: sale.sold_at,
        }
    }
}

/// A recorded return as the aggregator sees it: it counts in every counter its sale feeds (the
/// sale's category and product), in the buckets of `returned_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnFact {
    pub return_id: String,
    pub sale_id: String,
    pub product_id: i64,
    pub category_name: String,
    pub units: i64,
    pub refund_minor: i64,
    pub returned_at: DateTime<Utc>,
}

impl ReturnFact {
    pub fn from_return(r: &super::SaleReturn) -> ReturnFact {
        ReturnFact {
            return_id: r.id.clone(),
            sale_id: r.sale_id.clone(),
            product_id: r.product_id,
            category_name: r.category_name.clone(),
            units: r.units,
            refund_minor: r.refund.minor(),
            returned_at: r.returned_at,
        }
    }
}

/// What the aggregator counts: a sale or a return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fact {
    Sale(SaleFact),
    Return(ReturnFact),
}

impl From<SaleFact> for Fact {
    fn from(f: SaleFact) -> Fact {
        Fact::Sale(f)
    }
}

impl From<ReturnFact> for Fact {
    fn from(f: ReturnFact) -> Fact {
        Fact::Return(f)
    }
}

impl Fact {
    /// The id of its "already counted" marker: the sale id, or `RETURN#{return_id}`.
    pub fn marker_id(&self) -> String {
        match self {
            Fact::Sale(s) => s.sale_id.clone(),
            Fact::Return(r) => format!("RETURN#{}", r.return_id),
        }
    }

    /// When it counts: `sold_at` or `returned_at`.
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            Fact::Sale(s) => s.sold_at,
            Fact::Return(r) => r.returned_at,
        }
    }

    pub fn totals(&self) -> Totals {
        match self {
            Fact::Sale(s) => Totals::of_sale(s),
            Fact::Return(r) => Totals::of_return(r),
        }
    }

    /// The scopes it counts in: its sale's store, category, product and product-in-category.
    pub fn scopes(&self) -> [Scope; 4] {
        let (category, product) = match self {
            Fact::Sale(s) => (&s.category_name, s.product_id),
            Fact::Return(r) => (&r.category_name, r.product_id),
        };
        [
            Scope::Store,
            Scope::Category(category.clone()),
            Scope::Product(product),
            Scope::ProductInCategory(category.clone(), product),
        ]
    }
}

/// The buckets (hour, day, month, year, all-time) of an instant in the store's zone.
pub fn buckets_of(at: DateTime<Utc>, tz: Tz) -> [Bucket; 5] {
    let local = at.with_timezone(&tz).naive_local();
    [
        Bucket::containing(Grain::Hour, local),
        Bucket::containing(Grain::Day, local),
        Bucket::containing(Grain::Month, local),
        Bucket::containing(Grain::Year, local),
        Bucket::all(),
    ]
}

/// The counters one sale adds to: each of its scopes in each of its buckets.
pub const COUNTERS_PER_SALE: usize = 20;

/// The [`COUNTERS_PER_SALE`] counters one sale (or return) adds to.
pub fn counters_of(fact: &Fact, tz: Tz) -> Vec<CounterKey> {
    let scopes = fact.scopes();
    let buckets = buckets_of(fact.at(), tz);
    scopes.iter().flat_map(|s| buckets.iter().map(|b| CounterKey { scope: s.clone(), bucket: b.clone() })).collect()
}

/// The naive fold: every counter's totals over `facts` (each sale and each return once).
pub fn fold<F: Clone + Into<Fact>>(facts: &[F], tz: Tz) -> BTreeMap<CounterKey, Totals> {
    let mut seen = BTreeSet::new();
    let mut out: BTreeMap<CounterKey, Totals> = BTreeMap::new();
    for fact in facts {
        let fact: Fact = fact.clone().into();
        if !seen.insert(fact.marker_id()) {
            continue;
        }
        let t = fact.totals();
        for key in counters_of(&fact, tz) {
            out.entry(key).or_default().add(&t);
        }
    }
    out
}

/// A group of sales and returns applied in one transaction: one marker per fact plus one update
/// per counter they touch, together within `max_items`.
#[derive(Debug, Clone, PartialEq)]
pub struct Chunk {
    pub sales: Vec<Fact>,
    pub counters: BTreeMap<CounterKey, Totals>,
}

impl Chunk {
    pub fn items(&self) -> usize {
        self.sales.len() + self.counters.len()
    }
}

/// Coalesces sales and returns into as few transactions as fit: each chunk is its facts'
/// markers plus one update per distinct counter, at most `max_items` in all. Duplicates (a
/// redelivered record inside one batch) are dropped, so no item appears twice in a transaction.
pub fn plan_chunks<F: Clone + Into<Fact>>(facts: &[F], tz: Tz, max_items: usize) -> Vec<Chunk> {
    assert!(max_items > COUNTERS_PER_SALE, "a chunk must fit at least one sale and its counters");
    let mut seen = BTreeSet::new();
    let mut chunks = Vec::new();
    let mut current = Chunk { sales: Vec::new(), counters: BTreeMap::new() };
    for fact in facts {
        let fact: Fact = fact.clone().into();
        if !seen.insert(fact.marker_id()) {
            continue;
        }
        let keys = counters_of(&fact, tz);
        let new_counters = keys.iter().filter(|k| !current.counters.contains_key(*k)).count();
        if current.items() + 1 + new_counters > max_items {
            chunks.push(std::mem::replace(&mut current, Chunk { sales: Vec::new(), counters: BTreeMap::new() }));
        }
        let t = fact.totals();
        for key in keys {
            current.counters.entry(key).or_default().add(&t);
        }
        current.sales.push(fact);
    }
    if !current.sales.is_empty() {
        chunks.push(current);
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::tests::periods;
    use crate::time::parse_rfc3339;
    use chrono::Duration;

    #[test]
    fn totals_from_the_table_never_overflow() {
        let huge = Totals { units: i64::MAX, revenue_minor: i64::MAX, refunded_minor: i64::MIN, ..Totals::default() };
        let mut sum = huge;
        sum.add(&huge);
        assert_eq!((sum.units, sum.revenue_minor, sum.refunded_minor), (i64::MAX, i64::MAX, i64::MIN));
        assert_eq!(huge.net_minor(), i64::MAX);
        let change = Totals::default().change_from(&huge);
        assert_eq!((change.units, change.refunded_minor), (-i64::MAX, i64::MAX));
        let small = Totals { units: 5, revenue_minor: 700, sales_count: 2, ..Totals::default() };
        let change = small.change_from(&Totals { units: 2, revenue_minor: 1000, sales_count: 1, ..Totals::default() });
        assert_eq!((change.units, change.revenue_minor, change.sales_count), (3, -300, 1));
    }

    fn fact(id: &str, product: i64, category: &str, at: &str, units: i64, revenue: i64) -> SaleFact {
        SaleFact {
            sale_id: id.into(),
            product_id: product,
            category_name: category.into(),
            units,
            revenue_minor: revenue,
            sold_at: parse_rfc3339(at).unwrap(),
        }
    }

    /// A transaction's limit of items, as the store plans chunks for DynamoDB.
    const MAX_TRANSACTION_ITEMS: usize = 100;

    #[test]
    fn buckets_are_local_calendar_periods() {
        let b = buckets_of(parse_rfc3339("2023-01-01T03:30:00Z").unwrap(), chrono_tz::America::New_York);
        assert_eq!(periods(&b), ["H#2022-12-31T22", "D#2022-12-31", "M#2022-12", "Y#2022", "A#ALL"]);
        let b = buckets_of(parse_rfc3339("2023-10-08T13:30:00Z").unwrap(), chrono_tz::UTC);
        assert_eq!(periods(&b)[0], "H#2023-10-08T13");
    }

    #[test]
    fn dst_days_have_23_and_25_hours_in_new_york() {
        let ny = chrono_tz::America::New_York;
        let hours_of_day = |day: &str| {
            let start = crate::time::parse_bound(day, ny, false).unwrap();
            let end = crate::time::parse_bound(day, ny, true).unwrap();
            let mut hours = BTreeSet::new();
            let mut instants = 0;
            let mut t = start;
            while t <= end {
                let b = buckets_of(t, ny);
                assert_eq!(b[1].period, day, "{t} is in the local day");
                hours.insert(b[0].period.clone());
                instants += 1;
                t += Duration::hours(1);
            }
            (instants, hours.len())
        };
        // Spring forward: 23 real hours, 23 hour buckets (02:00 does not exist).
        assert_eq!(hours_of_day("2023-03-12"), (23, 23));
        // Fall back: 25 real hours; the repeated 01:00 hour shares one bucket.
        assert_eq!(hours_of_day("2023-11-05"), (25, 24));
        assert_eq!(hours_of_day("2023-06-01"), (24, 24));
    }

    #[test]
    fn a_batch_of_a_few_products_on_one_day_coalesces_into_a_handful_of_writes() {
        let facts: Vec<SaleFact> = (0..100)
            .map(|i| {
                fact(
                    &format!("s{i:03}"),
                    1 + (i % 3),
                    "toys",
                    &format!("2023-10-08T{:02}:15:00Z", 10 + (i % 2)),
                    1,
                    250,
                )
            })
            .collect();
        let chunks = plan_chunks(&facts, chrono_tz::UTC, MAX_TRANSACTION_ITEMS);
        let counters: usize = chunks.iter().map(|c| c.counters.len()).sum();
        assert!(chunks.iter().all(|c| c.items() <= MAX_TRANSACTION_ITEMS));
        assert_eq!(chunks.iter().map(|c| c.sales.len()).sum::<usize>(), 100);
        // 8 scopes (store, toys, 3 products, 3 products in toys) x (2 hours + day + month + year
        // + all) = 48 counters.
        assert_eq!(chunks.len(), 2, "100 markers + 48 counters need two transactions");
        assert!(counters <= 96, "{counters} counter writes for 100 sales, not 2000");
    }

    #[test]
    fn chunks_add_up_to_the_naive_fold_and_drop_duplicates() {
        let mut facts: Vec<SaleFact> = (0..250)
            .map(|i| {
                fact(
                    &format!("s{i}"),
                    1 + (i % 7),
                    ["a", "b"][(i % 2) as usize],
                    &format!("2023-0{}-0{}T0{}:00:00Z", 1 + i % 9, 1 + i % 9, i % 10),
                    1 + i % 4,
                    100 * i,
                )
            })
            .collect();
        facts.push(facts[3].clone());
        let expected = fold(&facts, chrono_tz::Asia::Karachi);
        let mut summed: BTreeMap<CounterKey, Totals> = BTreeMap::new();
        for chunk in plan_chunks(&facts, chrono_tz::Asia::Karachi, MAX_TRANSACTION_ITEMS) {
            assert!(chunk.items() <= MAX_TRANSACTION_ITEMS);
            for (k, t) in chunk.counters {
                summed.entry(k).or_default().add(&t);
            }
        }
        assert_eq!(summed, expected);
        assert_eq!(expected[&CounterKey { scope: Scope::Store, bucket: Bucket::all() }].sales_count, 250);
    }
}
