//! Pre-aggregated sales counters: which buckets a sale counts in, how a batch of sales is
//! coalesced into few counter writes within DynamoDB's transaction limits, and which buckets
//! exactly cover a time range. Pure: no I/O.
//!
//! Buckets are calendar periods of the store's time zone, computed from the local wall-clock
//! time of the sale, so days, months and years follow DST (a day has 23 or 25 hours). In the
//! hour that repeats when clocks go back, both instants are the same local hour and share
//! its bucket.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};
use chrono_tz::Tz;

/// Bucket granularity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Grain {
    Hour,
    Day,
    Month,
    Year,
    All,
}

impl Grain {
    pub const PERIODIC: [Grain; 4] = [Grain::Hour, Grain::Day, Grain::Month, Grain::Year];

    pub fn name(self) -> &'static str {
        match self {
            Grain::Hour => "hour",
            Grain::Day => "day",
            Grain::Month => "month",
            Grain::Year => "year",
            Grain::All => "all",
        }
    }

    pub fn parse(name: &str) -> Option<Grain> {
        Some(match name {
            "hour" => Grain::Hour,
            "day" | "date" => Grain::Day,
            "month" => Grain::Month,
            "year" => Grain::Year,
            _ => return None,
        })
    }
}

/// One calendar period: `2023-10-08T13`, `2023-10-08`, `2023-10`, `2023`, or `ALL`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Bucket {
    pub grain: Grain,
    pub period: String,
}

impl Bucket {
    pub fn all() -> Bucket {
        Bucket { grain: Grain::All, period: "ALL".into() }
    }

    /// The bucket of `grain` containing the local time `local`.
    pub fn containing(grain: Grain, local: NaiveDateTime) -> Bucket {
        let period = match grain {
            Grain::Hour => local.format("%Y-%m-%dT%H").to_string(),
            Grain::Day => local.format("%Y-%m-%d").to_string(),
            Grain::Month => local.format("%Y-%m").to_string(),
            Grain::Year => local.format("%Y").to_string(),
            Grain::All => "ALL".into(),
        };
        Bucket { grain, period }
    }

    /// Parses a period written as the contract writes it, for a given grain.
    pub fn parse(grain: Grain, period: &str) -> Option<Bucket> {
        let start = period_start(grain, period)?;
        let bucket = Bucket::containing(grain, start);
        (bucket.period == period).then_some(bucket)
    }

    /// The first local instant of the period.
    pub fn start(&self) -> Option<NaiveDateTime> {
        period_start(self.grain, &self.period)
    }

    /// The first local instant after the period.
    pub fn end(&self) -> Option<NaiveDateTime> {
        self.start().map(|s| next_start(self.grain, s))
    }

    /// The period before this one (for compare).
    pub fn previous(&self) -> Option<Bucket> {
        let start = self.start()?;
        let before = match self.grain {
            Grain::Hour => start - Duration::hours(1),
            Grain::Day => start - Duration::days(1),
            Grain::Month | Grain::Year => start - Duration::days(1),
            Grain::All => return None,
        };
        Some(Bucket::containing(self.grain, before))
    }
}

fn period_start(grain: Grain, period: &str) -> Option<NaiveDateTime> {
    let date = |y: i32, m: u32, d: u32| NaiveDate::from_ymd_opt(y, m, d);
    let num = |s: &str| -> Option<u32> {
        if s.bytes().all(|b| b.is_ascii_digit()) && !s.is_empty() { s.parse().ok() } else { None }
    };
    if !period.is_ascii() {
        return None; // and so every byte index below is a character boundary
    }
    match grain {
        Grain::Year if period.len() == 4 => Some(date(num(period)? as i32, 1, 1)?.and_time(NaiveTime::MIN)),
        Grain::Month if period.len() == 7 && &period[4..5] == "-" => {
            Some(date(num(&period[..4])? as i32, num(&period[5..])?, 1)?.and_time(NaiveTime::MIN))
        }
        Grain::Day if period.len() == 10 => {
            Some(NaiveDate::parse_from_str(period, "%Y-%m-%d").ok()?.and_time(NaiveTime::MIN))
        }
        Grain::Hour if period.len() == 13 && &period[10..11] == "T" => {
            let day = NaiveDate::parse_from_str(&period[..10], "%Y-%m-%d").ok()?;
            let hour = num(&period[11..])?;
            (hour < 24).then(|| day.and_hms_opt(hour, 0, 0)).flatten()
        }
        Grain::All if period == "ALL" => NaiveDate::from_ymd_opt(1, 1, 1).map(|d| d.and_time(NaiveTime::MIN)),
        _ => None,
    }
}

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

/// A half-open local-time range `[start, end)`, both on hour boundaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalRange {
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
}

fn floor_hour(t: NaiveDateTime) -> NaiveDateTime {
    t.date().and_hms_opt(t.hour(), 0, 0).expect("valid hour")
}

impl LocalRange {
    /// The local hours touched by the UTC instants `from..=to` (inclusive): counters resolve
    /// hours, so a range is widened to whole hours.
    pub fn from_instants(from: DateTime<Utc>, to: DateTime<Utc>, tz: Tz) -> LocalRange {
        let start = floor_hour(from.with_timezone(&tz).naive_local());
        let end = floor_hour(to.with_timezone(&tz).naive_local()) + Duration::hours(1);
        LocalRange { start, end: end.max(start) }
    }

    pub fn is_empty(&self) -> bool {
        self.start >= self.end
    }

    /// How many periods of `grain` the range touches, counted without listing them (a bound
    /// is checked on this before any are).
    pub fn periods(&self, grain: Grain) -> u64 {
        if self.is_empty() {
            return 0;
        }
        let last = self.end - Duration::hours(1);
        let months = |t: NaiveDateTime| i64::from(t.year()) * 12 + i64::from(t.month0());
        let count = match grain {
            Grain::Hour => (self.end - self.start).num_hours(),
            Grain::Day => (last.date() - self.start.date()).num_days() + 1,
            Grain::Month => months(last) - months(self.start) + 1,
            Grain::Year => i64::from(last.year() - self.start.year()) + 1,
            Grain::All => 1,
        };
        count.max(0) as u64
    }
}

fn next_start(grain: Grain, start: NaiveDateTime) -> NaiveDateTime {
    match grain {
        Grain::Hour => start + Duration::hours(1),
        Grain::Day => start + Duration::days(1),
        Grain::Month => {
            let (y, m) = if start.month() == 12 { (start.year() + 1, 1) } else { (start.year(), start.month() + 1) };
            NaiveDate::from_ymd_opt(y, m, 1).map_or(NaiveDateTime::MAX, |d| d.and_time(NaiveTime::MIN))
        }
        Grain::Year => {
            NaiveDate::from_ymd_opt(start.year() + 1, 1, 1).map_or(NaiveDateTime::MAX, |d| d.and_time(NaiveTime::MIN))
        }
        Grain::All => NaiveDateTime::MAX,
    }
}

fn starts_period(grain: Grain, t: NaiveDateTime) -> bool {
    Bucket::containing(grain, t).start() == Some(t)
}

/// The coarsest buckets that exactly cover `range`: whole years, then months, then days, then
/// hours, in time order.
pub fn cover(range: LocalRange) -> Vec<Bucket> {
    let mut out = Vec::new();
    let mut t = range.start;
    while t < range.end {
        let grain = [Grain::Year, Grain::Month, Grain::Day]
            .into_iter()
            .find(|g| starts_period(*g, t) && next_start(*g, t) <= range.end)
            .unwrap_or(Grain::Hour);
        out.push(Bucket::containing(grain, t));
        t = next_start(grain, t);
    }
    out
}

/// Splits `range` at the boundaries of `grain`: one `(period, part)` per period it touches.
pub fn split_by(range: LocalRange, grain: Grain) -> Vec<(Bucket, LocalRange)> {
    let mut out = Vec::new();
    let mut t = range.start;
    while t < range.end {
        let bucket = Bucket::containing(grain, t);
        let period_end = next_start(grain, bucket.start().expect("a bucket has a start"));
        let end = period_end.min(range.end);
        out.push((bucket, LocalRange { start: t, end }));
        t = end;
    }
    out
}

fn floor_to(grain: Grain, t: NaiveDateTime) -> NaiveDateTime {
    let d = t.date();
    let date = match grain {
        Grain::Hour => return d.and_hms_opt(t.hour(), 0, 0).unwrap_or(t),
        Grain::Day | Grain::All => d,
        Grain::Month => d.with_day(1).unwrap_or(d),
        Grain::Year => d.with_day(1).and_then(|d| d.with_month(1)).unwrap_or(d),
    };
    date.and_time(NaiveTime::MIN)
}

fn ceil_to(grain: Grain, t: NaiveDateTime) -> NaiveDateTime {
    let floor = floor_to(grain, t);
    if floor == t { t } else { next_start(grain, floor) }
}

/// `range` with its end moved forward to the end of its period of the coarsest grain
/// [`cover_runs`] may use (`max`, a year at most). For a range that ends where sales end (a
/// summary's horizon: no sale is dated after it) the buckets added are empty, so every total is
/// the same, and fewer, coarser runs cover it: a summary up to today reads this month's counter
/// rather than the counters of its days.
pub fn extend_to_period_end(range: LocalRange, max: Grain) -> LocalRange {
    let coarsest = max.min(Grain::Year);
    LocalRange { start: range.start, end: ceil_to(coarsest, range.end).max(range.end) }
}

/// Consecutive buckets of one grain, `first..=last`: one Query of a counter partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub grain: Grain,
    pub first: Bucket,
    pub last: Bucket,
}

/// The coarsest runs of buckets, none coarser than `max`, that exactly cover `range` (whole
/// local hours), in time order. Computed without listing buckets: any range is at most seven
/// runs (hours, days, months, years, months, days, hours).
pub fn cover_runs(range: LocalRange, max: Grain) -> Vec<Run> {
    fn go(start: NaiveDateTime, end: NaiveDateTime, grains: &[Grain], out: &mut Vec<Run>) {
        let Some((&grain, finer)) = grains.split_first() else { return };
        if start >= end {
            return;
        }
        let run = |a: NaiveDateTime, b: NaiveDateTime| Run {
            grain,
            first: Bucket::containing(grain, a),
            last: Bucket::containing(grain, b - Duration::hours(1)),
        };
        if finer.is_empty() {
            out.push(run(start, end));
            return;
        }
        let (a, b) = (ceil_to(grain, start), floor_to(grain, end));
        if a < b {
            go(start, a, finer, out);
            out.push(run(a, b));
            go(b, end, finer, out);
        } else {
            go(start, end, finer, out);
        }
    }
    let grains: Vec<Grain> =
        [Grain::Year, Grain::Month, Grain::Day, Grain::Hour].into_iter().filter(|g| *g <= max).collect();
    let mut out = Vec::new();
    go(range.start, range.end, &grains, &mut out);
    out
}

/// The first instant whose local time in `tz` is `local` or later: `local` itself, or, when
/// `local` falls in a gap (clocks going forward), the end of the gap. Gaps are whole multiples
/// of 15 minutes in every zone.
pub fn first_instant_at_or_after(local: NaiveDateTime, tz: Tz) -> DateTime<Utc> {
    use chrono::TimeZone;
    for quarter in 0..=16 {
        if let Some(t) = tz.from_local_datetime(&(local + Duration::minutes(15 * quarter))).earliest() {
            return t.with_timezone(&Utc);
        }
    }
    local.and_utc()
}

/// The instants `[start, end)` whose local time falls in the local hour starting at `hour`: one
/// real hour, two when clocks go back (the hour repeats), none in a gap.
pub fn hour_interval(hour: NaiveDateTime, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    (first_instant_at_or_after(hour, tz), first_instant_at_or_after(hour + Duration::hours(1), tz))
}

/// An exact time window `[from, to)` split into what counters answer and what they cannot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// The whole local hours inside the window: answered by counters.
    pub core: Option<LocalRange>,
    /// At most two partial local hours at the edges (a bound inside an hour, or inside one
    /// occurrence of a repeated hour): `[start, end)` instants whose sales are read one by one.
    pub edges: Vec<(DateTime<Utc>, DateTime<Utc>)>,
}

/// Splits the instants `[from, to)` into whole local hour buckets and partial edges, so that
/// every instant in the window is counted once and no instant outside it is.
pub fn split_window(from: DateTime<Utc>, to: DateTime<Utc>, tz: Tz) -> Window {
    let mut window = Window { core: None, edges: Vec::new() };
    if from >= to {
        return window;
    }
    let first_hour = floor_to(Grain::Hour, from.with_timezone(&tz).naive_local());
    let last_hour = floor_to(Grain::Hour, (to - Duration::microseconds(1)).with_timezone(&tz).naive_local());
    let (first_start, first_end) = hour_interval(first_hour, tz);
    let (last_start, last_end) = hour_interval(last_hour, tz);
    if first_hour == last_hour {
        if first_start == from && last_end == to {
            window.core = Some(LocalRange { start: first_hour, end: first_hour + Duration::hours(1) });
        } else {
            window.edges.push((from, to));
        }
        return window;
    }
    let mut core_start = first_hour;
    if first_start < from {
        window.edges.push((from, first_end.min(to)));
        core_start = first_hour + Duration::hours(1);
    }
    let mut core_end = last_hour + Duration::hours(1);
    if last_end > to {
        window.edges.push((last_start.max(from), to));
        core_end = last_hour;
    }
    if core_start < core_end {
        window.core = Some(LocalRange { start: core_start, end: core_end });
    }
    window
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_rfc3339;

    #[test]
    fn a_range_ending_at_the_horizon_is_covered_by_whole_periods() {
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap();
        let range = LocalRange { start: at("2024-12-01T00:00"), end: at("2026-11-27T00:00") };
        assert_eq!(cover_runs(range, Grain::Month).len(), 2, "months, then the days of November");
        let months = cover_runs(extend_to_period_end(range, Grain::Month), Grain::Month);
        assert_eq!(months.len(), 1);
        assert_eq!((months[0].first.period.as_str(), months[0].last.period.as_str()), ("2024-12", "2026-11"));
        let years = extend_to_period_end(range, Grain::All);
        assert_eq!(years.end, at("2027-01-01T00:00"));
        assert_eq!(extend_to_period_end(range, Grain::Day), range, "already a whole day");
        assert_eq!(extend_to_period_end(range, Grain::Hour), range);
    }

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

    /// A bucket written as grain initial and period (`M#2023-10`), to compare lists of them.
    fn label(bucket: &Bucket) -> String {
        let initial = bucket.grain.name()[..1].to_ascii_uppercase();
        format!("{initial}#{}", bucket.period)
    }

    fn periods(buckets: &[Bucket]) -> Vec<String> {
        buckets.iter().map(label).collect()
    }

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
    fn a_range_counts_its_periods_as_split_by_lists_them() {
        let at = |date: &str, hour: u32| {
            NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap().and_hms_opt(hour, 0, 0).unwrap()
        };
        let range = |a: (&str, u32), b: (&str, u32)| LocalRange { start: at(a.0, a.1), end: at(b.0, b.1) };
        let r = range(("2022-12-31", 22), ("2024-01-02", 1));
        assert_eq!(r.periods(Grain::Year), 3);
        assert_eq!(r.periods(Grain::Month), 14);
        assert_eq!(r.periods(Grain::Day), 368);
        assert_eq!(r.periods(Grain::Hour), 2 + 365 * 24 + 24 + 1);
        assert_eq!(split_by(r, Grain::Day).len() as u64, r.periods(Grain::Day));
        assert_eq!(split_by(r, Grain::Month).len() as u64, r.periods(Grain::Month));
        assert_eq!(range(("2023-01-01", 5), ("2023-01-01", 5)).periods(Grain::Day), 0);
    }

    #[test]
    fn periods_parse_only_in_their_canonical_form() {
        assert_eq!(label(&Bucket::parse(Grain::Month, "2023-10").unwrap()), "M#2023-10");
        // Multi-byte text of the right byte length is not a period (and does not panic).
        assert!(Bucket::parse(Grain::Month, "20€-10").is_none());
        assert!(Bucket::parse(Grain::Hour, "2023-10-0€13").is_none());
        assert_eq!(label(&Bucket::parse(Grain::Hour, "2023-10-08T13").unwrap()), "H#2023-10-08T13");
        for (grain, bad) in [
            (Grain::Month, "2023-1"),
            (Grain::Month, "2023-13"),
            (Grain::Day, "2023-02-30"),
            (Grain::Year, "23"),
            (Grain::Hour, "2023-10-08T24"),
            (Grain::Year, "2023-10"),
        ] {
            assert!(Bucket::parse(grain, bad).is_none(), "{bad}");
        }
        assert_eq!(Bucket::parse(Grain::Month, "2023-01").unwrap().previous().unwrap().period, "2022-12");
        assert_eq!(Bucket::parse(Grain::Day, "2024-03-01").unwrap().previous().unwrap().period, "2024-02-29");
        assert_eq!(Bucket::parse(Grain::Year, "2023").unwrap().previous().unwrap().period, "2022");
    }

    #[test]
    fn cover_uses_the_coarsest_exact_buckets() {
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap();
        let range = LocalRange { start: at("2021-12-30T22:00"), end: at("2024-02-02T03:00") };
        let c = cover(range);
        assert_eq!(
            periods(&c),
            [
                "H#2021-12-30T22",
                "H#2021-12-30T23",
                "D#2021-12-31",
                "Y#2022",
                "Y#2023",
                "M#2024-01",
                "D#2024-02-01",
                "H#2024-02-02T00",
                "H#2024-02-02T01",
                "H#2024-02-02T02",
            ]
        );
        let months = LocalRange { start: at("2022-01-01T00:00"), end: at("2024-01-01T00:00") };
        assert_eq!(periods(&cover(months)), ["Y#2022", "Y#2023"]);
        assert!(cover(LocalRange { start: at("2022-01-01T00:00"), end: at("2022-01-01T00:00") }).is_empty());
    }

    #[test]
    fn split_by_cuts_at_period_boundaries() {
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap();
        let parts = split_by(LocalRange { start: at("2023-01-15T00:00"), end: at("2023-03-10T00:00") }, Grain::Month);
        let names: Vec<String> = parts.iter().map(|(b, _)| b.period.clone()).collect();
        assert_eq!(names, ["2023-01", "2023-02", "2023-03"]);
        assert_eq!(parts[1].1, LocalRange { start: at("2023-02-01T00:00"), end: at("2023-03-01T00:00") });
        assert_eq!(parts[2].1.end, at("2023-03-10T00:00"));
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
