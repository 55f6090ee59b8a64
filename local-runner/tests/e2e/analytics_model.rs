//! The analytics rule of the contract, checked against a naive model: every summary, compare and
//! top answer equals the fold of `GET /sales` with the same filters and bounds, plus the fold of
//! `GET /sales/{id}/returns` of those sales' returns made within the bounds (by `returned_at`). Random stores
//! (products, categories, products moving between categories, price changes, sales around the
//! DST changes of America/New_York), random bounds (dates, whole and partial hours, instants in
//! the repeated hour), every `group_by`, every filter, compare and top.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;
use serde_json::Value;

use crate::helpers::{TestApp, spawn_app_in};

const CATEGORIES: [&str; 3] = ["toys", "home", "garden"];

#[derive(Debug, Clone)]
enum Event {
    Sale {
        product: usize,
        units: i64,
        at: DateTime<Utc>,
    },
    Move {
        product: usize,
        category: usize,
    },
    Reprice {
        product: usize,
        cents: i64,
    },
    /// A return of units of the `sale`-th sale recorded so far (modulo), at `at` or at the sale's
    /// time if that is later.
    Return {
        sale: usize,
        units: i64,
        at: DateTime<Utc>,
    },
}

/// Instants that matter: the two DST changes of 2023 in New York (clocks back at 06:00Z on
/// 2023-11-05, forward at 07:00Z on 2023-03-12), midnights, and anywhere in the year.
fn arb_instant() -> impl Strategy<Value = DateTime<Utc>> {
    let anchors = [
        Utc.with_ymd_and_hms(2023, 11, 5, 4, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2023, 3, 12, 5, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2023, 12, 31, 23, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2023, 6, 30, 3, 0, 0).unwrap(),
    ];
    prop_oneof![
        3 => (prop::sample::select(anchors.to_vec()), 0i64..(4 * 3600)).prop_map(|(a, s)| a + Duration::seconds(s)),
        1 => (0i64..(365 * 24 * 3600)).prop_map(|s| Utc.with_ymd_and_hms(2023, 1, 1, 0, 0, 0).unwrap() + Duration::seconds(s)),
    ]
}

fn arb_events(products: usize) -> impl Strategy<Value = Vec<Event>> {
    let event = prop_oneof![
        6 => (0..products, 1i64..=4, arb_instant()).prop_map(|(product, units, at)| Event::Sale { product, units, at }),
        1 => (0..products, 0..CATEGORIES.len()).prop_map(|(product, category)| Event::Move { product, category }),
        1 => (0..products, 1i64..=5000).prop_map(|(product, cents)| Event::Reprice { product, cents }),
        2 => (0usize..40, 1i64..=3, arb_instant()).prop_map(|(sale, units, at)| Event::Return { sale, units, at }),
    ];
    prop::collection::vec(event, 5..35)
}

/// A bound as a client writes it: a date, an instant on a whole hour, inside an hour, or in the
/// repeated hour.
fn arb_bound() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        1 => Just(None),
        2 => (1u32..=12, 1u32..=28).prop_map(|(m, d)| Some(format!("2023-{m:02}-{d:02}"))),
        2 => Just(Some("2023-11-05".to_owned())),
        3 => (arb_instant(), prop::bool::ANY).prop_map(|(t, whole)| {
            let t = if whole { t - Duration::seconds(t.timestamp().rem_euclid(3600)) } else { t };
            Some(t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        }),
        1 => (0i64..=2).prop_map(|h| Some(format!("2023-11-05T0{}:{}:00Z", 5 + h, if h == 1 { "00" } else { "30" }))),
    ]
}

#[derive(Debug, Clone)]
struct Query {
    group_by: &'static str,
    product: Option<usize>,
    category: Option<usize>,
    from: Option<String>,
    to: Option<String>,
}

const GROUPINGS: [&str; 15] = [
    "total",
    "hour",
    "day",
    "month",
    "year",
    "product",
    "category",
    "product-hour",
    "product-day",
    "product-month",
    "product-year",
    "category-hour",
    "category-day",
    "category-month",
    "category-year",
];

fn arb_query(products: usize) -> impl Strategy<Value = Query> {
    (
        prop::sample::select(GROUPINGS.to_vec()),
        prop::option::weighted(0.3, 0..products),
        prop::option::weighted(0.4, 0..CATEGORIES.len()),
        arb_bound(),
        arb_bound(),
    )
        .prop_map(|(group_by, product, category, from, to)| Query { group_by, product, category, from, to })
}

impl Query {
    /// `from` after `to` is a 400, tested elsewhere: the pair in the order the API compares it,
    /// by the instants its bounds stand for in the store's zone. Text order is not that order: in
    /// New York, `2023-12-17` as `from` starts at 05:00Z, after `2023-12-17T04:00:00Z`. Swapped,
    /// a pair is always in order, since a bound's start is never after its end.
    fn in_order(mut self, tz: Tz) -> Self {
        if let (Some(from), Some(to)) = (&self.from, &self.to)
            && app::time::parse_bound(from, tz, false) > app::time::parse_bound(to, tz, true)
        {
            std::mem::swap(&mut self.from, &mut self.to);
        }
        self
    }
}

fn cents_signed(text: &Value) -> i64 {
    let t = text.as_str().unwrap();
    match t.strip_prefix('-') {
        Some(rest) => -cents(&Value::String(rest.to_owned())),
        None => cents(text),
    }
}

fn cents(text: &Value) -> i64 {
    let t = text.as_str().unwrap();
    let (whole, frac) = t.split_once('.').unwrap();
    whole.parse::<i64>().unwrap() * 100 + frac.parse::<i64>().unwrap()
}

#[derive(Debug, Default, Clone, PartialEq)]
struct Fold {
    units: i64,
    revenue: i64,
    count: i64,
    last: Option<String>,
    units_returned: i64,
    refunded: i64,
    returns: i64,
    net: i64,
}

impl Fold {
    fn add_sale(&mut self, s: &Value) {
        self.units += s["units_sold"].as_i64().unwrap();
        self.revenue += cents(&s["total_price"]);
        self.count += 1;
        let at = s["sold_at"].as_str().unwrap().to_owned();
        if self.last.as_ref().is_none_or(|l| *l < at) {
            self.last = Some(at);
        }
        self.net = self.revenue - self.refunded;
    }

    fn add_return(&mut self, r: &Value) {
        self.units_returned += r["units"].as_i64().unwrap();
        self.refunded += cents(&r["refund"]);
        self.returns += 1;
        self.net = self.revenue - self.refunded;
    }

    fn of_row(row: &Value, with_last: bool) -> Fold {
        Fold {
            units: row["total_units_sold"].as_i64().unwrap(),
            revenue: cents(&row["total_revenue"]),
            count: row["sales_count"].as_i64().unwrap(),
            last: if with_last { row["last_sold_at"].as_str().map(str::to_owned) } else { None },
            units_returned: row["total_units_returned"].as_i64().unwrap(),
            refunded: cents(&row["total_refunded"]),
            returns: row["returns_count"].as_i64().unwrap(),
            net: cents_signed(&row["net_revenue"]),
        }
    }
}

/// Every item of a paged listing (`path` has its query string), following `next_cursor`.
async fn all_pages(app: &TestApp, path: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = match &cursor {
            Some(c) => app.get(&format!("{path}&cursor={c}")).await,
            None => app.get(path).await,
        };
        let body = page.assert_status(200);
        out.extend(body["items"].as_array().unwrap().iter().cloned());
        match body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return out,
        }
    }
}

async fn all_sales(app: &TestApp, params: &str) -> Vec<Value> {
    all_pages(app, &format!("/sales?limit=100{params}")).await
}

/// The returns of the sales listed with `params` (every page of `GET /sales/{id}/returns`).
async fn returns_of(app: &TestApp, params: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for sale in all_sales(app, params).await {
        let id = sale["id"].as_str().unwrap();
        out.extend(all_pages(app, &format!("/sales/{id}/returns?limit=100")).await);
    }
    out
}

fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

/// The group of a sale or a return in rows `by` product, category or (else) in total.
fn group_of(fact: &Value, by: &str) -> String {
    match by {
        "product" => format!("{:012}", fact["product_id"].as_i64().unwrap()),
        "category" => fact["category_name"].as_str().unwrap().to_owned(),
        _ => String::new(),
    }
}

fn local_period(at: &str, grain: &str, tz: Tz) -> String {
    let at = DateTime::parse_from_rfc3339(at).unwrap().with_timezone(&tz);
    match grain {
        "hour" => at.format("%Y-%m-%dT%H").to_string(),
        "day" => at.format("%Y-%m-%d").to_string(),
        "month" => at.format("%Y-%m").to_string(),
        _ => at.format("%Y").to_string(),
    }
}

async fn check_summary(app: &TestApp, ids: &[i64], q: &Query, tz: Tz) {
    let mut params = String::new();
    if let Some(p) = q.product {
        params.push_str(&format!("&product_id={}", ids[p]));
    }
    if let Some(c) = q.category {
        params.push_str(&format!("&category_name={}", CATEGORIES[c]));
    }
    for (name, value) in [("from", &q.from), ("to", &q.to)] {
        if let Some(v) = value {
            params.push_str(&format!("&{name}={v}"));
        }
    }
    let (kind, grain) = match q.group_by.split_once('-') {
        Some((k, g)) => (Some(k), Some(g)),
        None if ["product", "category"].contains(&q.group_by) => (Some(q.group_by), None),
        None if q.group_by == "total" => (None, None),
        None => (None, Some(q.group_by)),
    };
    if q.product.is_some() && q.category.is_none() && kind == Some("category") {
        let refused = app.get(&format!("/sales/summary?group_by={}{params}", q.group_by)).await;
        refused.assert_problem(400);
        assert_eq!(refused.error_fields(), ["product_id"]);
        return;
    }
    // The row a sale or a return counts in: its group, and the period of its time `at`.
    let row_of = |fact: &Value, at: &str| {
        let period = grain.map(|g| local_period(fact[at].as_str().unwrap(), g, tz)).unwrap_or_default();
        (group_of(fact, kind.unwrap_or("total")), period)
    };
    let mut expected: BTreeMap<(String, String), Fold> = BTreeMap::new();
    for sale in all_sales(app, &params).await {
        expected.entry(row_of(&sale, "sold_at")).or_default().add_sale(&sale);
    }
    // The returns of the sales the filters select (whenever sold), made within the bounds.
    let mut filters = String::new();
    if let Some(p) = q.product {
        filters.push_str(&format!("&product_id={}", ids[p]));
    }
    if let Some(c) = q.category {
        filters.push_str(&format!("&category_name={}", CATEGORIES[c]));
    }
    let from = q.from.as_deref().map(|f| app::time::parse_bound(f, tz, false).unwrap());
    let to = q.to.as_deref().map(|t| app::time::parse_bound(t, tz, true).unwrap());
    for r in returns_of(app, &filters).await {
        let at = instant(r["returned_at"].as_str().unwrap());
        if from.is_some_and(|f| at < f) || to.is_some_and(|t| at > t) {
            continue;
        }
        expected.entry(row_of(&r, "returned_at")).or_default().add_return(&r);
    }
    let got = app.get(&format!("/sales/summary?group_by={}{params}", q.group_by)).await;
    let body = got.assert_status(200);
    let actual: Vec<((String, String), Fold)> = body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let key = match kind {
                Some("product") => format!("{:012}", r["product_id"].as_i64().unwrap()),
                Some(_) => r["category_name"].as_str().unwrap().to_owned(),
                None => String::new(),
            };
            let period = r["period"].as_str().unwrap_or_default().to_owned();
            ((key, period), Fold::of_row(r, true))
        })
        .collect();
    let expected: Vec<((String, String), Fold)> = expected.into_iter().collect();
    assert_eq!(actual, expected, "summary {q:?} against the fold of GET /sales{params}");
}

async fn check_compare_and_top(
    app: &TestApp,
    sales: &[Value],
    returns: &[Value],
    tz: Tz,
    grain: &str,
    current: &str,
    previous: &str,
) {
    for by in ["total", "category", "product"] {
        let body =
            app.get(&format!("/sales/compare?period={grain}&current={current}&previous={previous}&by={by}")).await;
        let body = body.assert_status(200).clone();
        let fold_of = |period: &str| {
            let mut m: BTreeMap<String, Fold> = BTreeMap::new();
            for s in sales.iter().filter(|s| local_period(s["sold_at"].as_str().unwrap(), grain, tz) == period) {
                m.entry(group_of(s, by)).or_default().add_sale(s);
            }
            for r in returns.iter().filter(|r| local_period(r["returned_at"].as_str().unwrap(), grain, tz) == period) {
                m.entry(group_of(r, by)).or_default().add_return(r);
            }
            m
        };
        let (cur, prev) = (fold_of(current), fold_of(previous));
        for row in body["rows"].as_array().unwrap() {
            let key = match by {
                "product" => format!("{:012}", row["product_id"].as_i64().unwrap()),
                "category" => row["category_name"].as_str().unwrap().to_owned(),
                _ => String::new(),
            };
            assert_eq!(
                Fold::of_row(&row["current"], false),
                Fold { last: None, ..cur.get(&key).cloned().unwrap_or_default() },
                "compare {by} {current} {key}"
            );
            assert_eq!(
                Fold::of_row(&row["previous"], false),
                Fold { last: None, ..prev.get(&key).cloned().unwrap_or_default() },
                "compare {by} {previous} {key}"
            );
        }
        if by == "total" {
            continue;
        }
        let keys: std::collections::BTreeSet<&String> = cur.keys().chain(prev.keys()).collect();
        assert_eq!(body["rows"].as_array().unwrap().len(), keys.len(), "compare {by}: a row per key with sales");

        let top = app.get(&format!("/sales/top?by={by}&period={grain}&at={current}&limit=100")).await;
        let rows = top.assert_status(200)["rows"].as_array().unwrap().clone();
        let mut got: Vec<(String, Fold)> = rows
            .iter()
            .map(|r| {
                let key = match by {
                    "product" => format!("{:012}", r["product_id"].as_i64().unwrap()),
                    _ => r["category_name"].as_str().unwrap().to_owned(),
                };
                (key, Fold::of_row(r, false))
            })
            .collect();
        assert!(got.windows(2).all(|w| w[0].1.revenue >= w[1].1.revenue), "top is best first");
        let net =
            app.get(&format!("/sales/top?by={by}&period={grain}&at={current}&limit=100&metric=net_revenue")).await;
        let net_rows = net.assert_status(200)["rows"].as_array().unwrap().clone();
        let nets: Vec<i64> = net_rows.iter().map(|r| cents_signed(&r["net_revenue"])).collect();
        assert!(nets.windows(2).all(|w| w[0] >= w[1]), "top by net revenue is best first: {nets:?}");
        assert_eq!(net_rows.len(), got.len(), "the same rows by net revenue");
        got.sort_by(|a, b| a.0.cmp(&b.0));
        let want: Vec<(String, Fold)> = cur.into_iter().map(|(k, f)| (k, Fold { last: None, ..f })).collect();
        assert_eq!(got, want, "top {by} {grain} {current}");
    }
}

async fn run_case(events: Vec<Event>, queries: Vec<Query>, zone: &str) {
    let tz: Tz = zone.parse().unwrap();
    let app = spawn_app_in(zone).await;
    for c in CATEGORIES {
        app.category(c).await;
    }
    let mut ids = Vec::new();
    for i in 0..4 {
        let category = CATEGORIES[i % 2];
        ids.push(
            app.stocked_product(category, &format!("{}.{:02}", 3 + i, 25 * i), 100_000).await["id"].as_i64().unwrap(),
        );
    }
    // Recorded sales: id, sold_at, units left to return.
    let mut sold: Vec<(String, DateTime<Utc>, i64)> = Vec::new();
    for e in &events {
        match e {
            Event::Sale { product, units, at } => {
                let body = format!(
                    r#"{{"product_id":{},"units_sold":{units},"sold_at":"{}"}}"#,
                    ids[*product],
                    at.format("%Y-%m-%dT%H:%M:%S%.6fZ")
                );
                let sale = app.post("/sales", &body).await.assert_status(201).clone();
                sold.push((sale["id"].as_str().unwrap().to_owned(), *at, *units));
            }
            Event::Return { sale, units, at } => {
                if sold.is_empty() {
                    continue;
                }
                let i = sale % sold.len();
                let (id, sold_at, left) = sold[i].clone();
                let units = (*units).min(left);
                if units == 0 {
                    continue;
                }
                let at = (*at).max(sold_at);
                let body = format!(r#"{{"units":{units},"returned_at":"{}"}}"#, at.format("%Y-%m-%dT%H:%M:%S%.6fZ"));
                app.post(&format!("/sales/{id}/returns"), &body).await.assert_status(201);
                sold[i].2 -= units;
            }
            Event::Move { product, category } => {
                let body = format!(r#"{{"category_name":"{}"}}"#, CATEGORIES[*category]);
                app.patch(&format!("/products/{}", ids[*product]), &body).await.assert_status(200);
            }
            Event::Reprice { product, cents } => {
                let body = format!(r#"{{"price":"{}.{:02}"}}"#, cents / 100, cents % 100);
                app.patch(&format!("/products/{}", ids[*product]), &body).await.assert_status(200);
            }
        }
    }
    app.aggregate().await;
    for q in queries {
        check_summary(&app, &ids, &q.in_order(tz), tz).await;
    }
    let sales = all_sales(&app, "").await;
    let returns = returns_of(&app, "").await;
    for (grain, current, previous) in [
        ("day", "2023-11-05", "2023-11-04"),
        ("day", "2023-03-12", "2023-03-11"),
        ("month", "2023-11", "2023-10"),
        ("year", "2023", "2022"),
    ] {
        check_compare_and_top(&app, &sales, &returns, tz, grain, current, previous).await;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn summary_compare_and_top_equal_the_fold_of_the_sales_listing(
        events in arb_events(4),
        queries in prop::collection::vec(arb_query(4), 30),
        zone in prop::sample::select(vec!["America/New_York", "America/New_York", "UTC", "Asia/Kolkata", "Pacific/Apia", "Asia/Kathmandu"]),
    ) {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(run_case(events, queries, zone));
    }
}

/// Every grouping once, on a fixed store, so each is covered whatever the random cases draw.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_grouping_and_filter_equals_the_fold_on_a_store_whose_products_moved() {
    let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
    let events = vec![
        Event::Sale { product: 0, units: 2, at: at("2023-11-05T05:30:00Z") },
        Event::Sale { product: 0, units: 1, at: at("2023-11-05T06:30:00Z") },
        Event::Move { product: 0, category: 1 },
        Event::Sale { product: 0, units: 3, at: at("2023-11-05T06:45:00Z") },
        Event::Reprice { product: 1, cents: 999 },
        Event::Sale { product: 1, units: 1, at: at("2023-03-12T06:59:59Z") },
        Event::Sale { product: 1, units: 1, at: at("2023-03-12T07:00:00Z") },
        Event::Move { product: 1, category: 2 },
        Event::Sale { product: 1, units: 4, at: at("2023-06-30T03:15:00Z") },
        // Returns of the first sale (sold in toys, its product now in home) in the repeated
        // hour and of the last one on another day.
        Event::Return { sale: 0, units: 1, at: at("2023-11-05T06:20:00Z") },
        Event::Return { sale: 5, units: 2, at: at("2023-07-01T12:00:00Z") },
        Event::Return { sale: 3, units: 1, at: at("2023-03-12T07:30:00Z") },
    ];
    let mut queries = Vec::new();
    for group_by in GROUPINGS {
        for (product, category) in [(None, None), (Some(0), None), (None, Some(0)), (None, Some(1)), (Some(0), Some(1))]
        {
            for (from, to) in [
                (None, None),
                (Some("2023-11-05T06:00:00Z"), Some("2023-11-05T06:59:59Z")),
                (Some("2023-11-05T05:45:00Z"), Some("2023-11-05")),
                (Some("2023-03-12"), Some("2023-03-12T07:00:00Z")),
                // In this order in text, the other way round in time (a local day starts at 05:00Z).
                (Some("2023-12-17"), Some("2023-12-17T04:00:00Z")),
            ] {
                queries.push(Query { group_by, product, category, from: from.map(Into::into), to: to.map(Into::into) });
            }
        }
    }
    run_case(events, queries, "America/New_York").await;
}
