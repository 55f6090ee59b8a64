//! `make bench`: the aggregation's write cost and the summaries' read cost.
//!
//! 1. Counter writes and write units per sale when the stream delivers batches of 1, 10 and 100
//!    sales (a realistic day: a handful of products in two categories).
//! 2. A category-by-month summary over two years, read from counters, against recomputing it
//!    from the raw sales (a Query of every sale in the range), at 10,000 and 100,000 sales:
//!    items read and time.
//!
//! Prints figures; asserts only that both ways give the same answer. Times are the emulator's
//! (an in-memory Python server that scans a whole table for every index Query), so the items
//! read are the figure that carries over to DynamoDB.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use app::analytics::{History, SummaryQuery};
use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use chrono::{TimeZone, Utc};
use domain::Sale;
use domain::aggregate::{SaleFact, fold, plan_chunks};
use domain::analytics::GroupBy;
use domain::money::Money;
use store::MAX_TRANSACTION_ITEMS;
use store::keys::{self, Index};
use store::rebuild::counter_attributes;
use store::sales::sale_item;
use store::{Item, item_size, key_item, write_units};

const TZ: chrono_tz::Tz = chrono_tz::UTC;

fn sale_of(f: &SaleFact) -> Sale {
    Sale {
        id: f.sale_id.clone(),
        product_id: f.product_id,
        category_name: f.category_name.clone(),
        units_sold: f.units,
        unit_price: Money::from_minor(f.revenue_minor / f.units),
        total_price: Money::from_minor(f.revenue_minor),
        sold_at: f.sold_at,
    }
}

fn record(f: &SaleFact, seq: usize) -> EventRecord {
    let mut r = EventRecord::default();
    r.event_name = "INSERT".into();
    r.change.sequence_number = Some(format!("{seq:021}"));
    r.change.new_image = serde_dynamo::Item::from(sale_item(&sale_of(f), f.sold_at).unwrap());
    r
}

/// `n` sales over two years, 20 products in 4 categories.
fn two_years_of_sales(n: usize) -> Vec<SaleFact> {
    let start = Utc.with_ymd_and_hms(2022, 1, 1, 0, 0, 0).unwrap();
    let span = 2 * 365 * 24 * 3600;
    (0..n)
        .map(|i| {
            let product = 1 + (i * 7919 % 20) as i64;
            SaleFact {
                sale_id: format!("{i:026}"),
                product_id: product,
                category_name: format!("category-{}", product % 4),
                units: 1 + (i % 3) as i64,
                revenue_minor: (1 + (i % 3) as i64) * 1999,
                sold_at: start + chrono::Duration::seconds((i as i64 * 104_729) % span),
            }
        })
        .collect()
}

#[tokio::main]
async fn main() {
    write_cost_per_batch_size().await;
    for n in [10_000, 100_000] {
        summary_versus_raw(n).await;
    }
}

async fn write_cost_per_batch_size() {
    println!("aggregation write cost (a day of sales of 5 products in 2 categories):");
    let counter_size = |scope_attrs: usize| 160 + scope_attrs;
    for batch in [1usize, 10, 100] {
        let (state, _dynamodb) = test_support::fresh_state("bench-agg").await;
        let day = Utc.with_ymd_and_hms(2023, 6, 1, 9, 0, 0).unwrap();
        let sales: Vec<SaleFact> = (0..300)
            .map(|i| SaleFact {
                sale_id: format!("{i:026}"),
                product_id: 1 + i64::from(i % 5),
                category_name: if i % 5 < 3 { "toys".into() } else { "home".into() },
                units: 1,
                revenue_minor: 1999,
                sold_at: day + chrono::Duration::minutes(i64::from(i) * 2),
            })
            .collect();
        let mut counters = 0;
        let mut board_counters = 0;
        let mut transactions = 0;
        for (b, chunk) in sales.chunks(batch).enumerate() {
            let mut event = Event::default();
            event.records = chunk.iter().enumerate().map(|(i, f)| record(f, b * batch + i)).collect();
            let report = aggregate_stream::handle(state.store(), TZ, &event, Utc::now()).await;
            assert!(report.failed.is_empty());
            counters += report.applied.counter_writes;
            transactions += report.applied.transactions;
            // Store counters (5 of every 15) are on no leaderboard; the rest are on two.
            board_counters += plan_chunks(chunk, TZ, MAX_TRANSACTION_ITEMS)
                .iter()
                .map(|c| c.counters.keys().filter(|k| k.scope.kind() != "STORE").count())
                .sum::<usize>();
        }
        let n = sales.len() as f64;
        let marker_wcu = 2 * write_units(60);
        let counter_wcu = 2 * write_units(counter_size(40));
        // A leaderboard entry moves when its sort key (revenue, units) changes: delete + put.
        let board_wcu = 2 * 2 * write_units(counter_size(40));
        let wcu = sales.len() * marker_wcu + counters * counter_wcu + board_counters * board_wcu;
        println!(
            "  batch {batch:>3}: {:>5.2} transactions, {:>5.2} counter writes, {:>5.2} WCU per sale (marker {marker_wcu}, counters {:.2}, leaderboards {:.2}); naive: 15 counter writes, {} WCU",
            transactions as f64 / n,
            counters as f64 / n,
            wcu as f64 / n,
            (counters * counter_wcu) as f64 / n,
            (board_counters * board_wcu) as f64 / n,
            15 * counter_wcu + 10 * board_wcu + marker_wcu,
        );
    }
}

async fn summary_versus_raw(n: usize) {
    let (state, _dynamodb) = test_support::fresh_state("bench-sum").await;
    let sales = two_years_of_sales(n);
    let started = Instant::now();
    // Set-up, not what is measured: the raw sales as the sale path writes them, and the counters
    // the aggregator would keep for them (the fold it is property-tested to equal), both with
    // BatchWriteItem because the emulator is too slow to aggregate 100,000 sales one
    // transaction at a time.
    let sale_items: Vec<Item> = sales.iter().map(|f| sale_item(&sale_of(f), f.sold_at).unwrap()).collect();
    let counter_items: Vec<Item> = fold(&sales, TZ)
        .iter()
        .map(|(key, totals)| {
            let mut item = key_item(&keys::counter(key));
            item.extend(counter_attributes(key, totals).into_iter().map(|(k, v)| (k.to_owned(), v)));
            item
        })
        .collect();
    let counters_written = counter_items.len();
    for chunk in sale_items.chunks(25).chain(counter_items.chunks(25)) {
        let requests: Vec<WriteRequest> = chunk
            .iter()
            .map(|item| {
                WriteRequest::builder()
                    .put_request(PutRequest::builder().set_item(Some(item.clone())).build().unwrap())
                    .build()
            })
            .collect();
        let mut pending = Some(requests);
        while let Some(reqs) = pending.take().filter(|r| !r.is_empty()) {
            let out = state
                .store()
                .client()
                .batch_write_item()
                .request_items(state.store().table(), reqs)
                .send()
                .await
                .unwrap();
            pending = out.unprocessed_items.and_then(|mut u| u.remove(state.store().table()));
        }
    }
    println!(
        "\ncategory-month summary over 2022-2023, {n} sales, {counters_written} counters (loaded in {:.0}s):",
        started.elapsed().as_secs_f64()
    );

    let from = Utc.with_ymd_and_hms(2022, 1, 1, 0, 0, 0).unwrap();
    let to = Utc.with_ymd_and_hms(2023, 12, 31, 23, 59, 59).unwrap();
    let query = SummaryQuery {
        group_by: GroupBy::parse("category-month").unwrap(),
        product_id: None,
        category_name: None,
        from: Some(from),
        to: Some(to),
        from_text: None,
        to_text: None,
    };
    let mut times = Vec::new();
    let mut summary = None;
    let history = History::new(chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap(), Utc::now(), TZ);
    for _ in 0..5 {
        let t = Instant::now();
        summary = Some(app::analytics::summary(&state, &query, TZ, history).await.unwrap());
        times.push(t.elapsed());
    }
    let summary = summary.unwrap();
    times.sort();

    let mut raw_times = Vec::new();
    let mut raw_items = 0;
    let mut raw: BTreeMap<(String, String), i64> = BTreeMap::new();
    for _ in 0..3 {
        let t = Instant::now();
        raw.clear();
        raw_items = 0;
        for c in 0..4 {
            let category = format!("category-{c}");
            let mut start = None;
            loop {
                let page = state
                    .store()
                    .client()
                    .query()
                    .table_name(state.store().table())
                    .index_name(Index::Gsi2.name())
                    .key_condition_expression("GSI2PK = :pk AND GSI2SK BETWEEN :low AND :high")
                    .expression_attribute_values(":pk", AttributeValue::S(keys::sales_of_category(&category)))
                    .expression_attribute_values(":low", AttributeValue::S(keys::time_key(from)))
                    .expression_attribute_values(":high", AttributeValue::S(format!("{}#~", keys::time_key(to))))
                    .set_exclusive_start_key(start)
                    .send()
                    .await
                    .unwrap();
                for item in page.items.unwrap_or_default() {
                    raw_items += 1;
                    let at = item["sold_at"].as_s().unwrap();
                    let revenue: i64 = item["total_minor"].as_n().unwrap().parse().unwrap();
                    *raw.entry((category.clone(), at[..7].to_owned())).or_default() += revenue;
                }
                match page.last_evaluated_key {
                    Some(k) => start = Some(k),
                    None => break,
                }
            }
        }
        raw_times.push(t.elapsed());
    }
    raw_times.sort();
    let from_counters: BTreeMap<(String, String), i64> = summary
        .rows
        .iter()
        .map(|r| {
            let revenue = r.totals.revenue_minor;
            ((r.category_name.clone().unwrap(), r.period.clone().unwrap()), revenue)
        })
        .collect();
    assert_eq!(from_counters, raw, "counters and raw sales agree");
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let raw_bytes: usize = item_size(&sale_item(&sale_of(&sales[0]), sales[0].sold_at).unwrap());
    println!(
        "  from counters: {:>6} items read (~{} KB), {:>8.1} ms on the emulator, {} rows",
        summary.items_read,
        // A counter item is about 200 bytes.
        (summary.items_read * 200).div_ceil(1024),
        ms(times[times.len() / 2]),
        summary.rows.len()
    );
    println!(
        "  from raw sales: {:>6} items read (~{} KB), {:>8.1} ms on the emulator",
        raw_items,
        (raw_items * raw_bytes).div_ceil(1024),
        ms(raw_times[raw_times.len() / 2]),
    );
}
