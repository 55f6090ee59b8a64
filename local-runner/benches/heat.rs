//! `make bench`: the heat of the sale path and of the stream consumer, measured from the table's
//! stream with `heat-meter` (DynamoDB's write units per partition; table writes counted as
//! transactional, as both paths write in TransactWriteItems).
//!
//! Two loads, each on a fresh table of the embedded local DynamoDB, 6 categories and 48 products
//! with ample stock, the API served over HTTP as `make dev` serves it but without the stream
//! consumer, 16 clients through `POST /sales`, every sale in the current hour:
//! - store-wide: 960 sales over the 48 products, round-robin;
//! - one product: 480 sales of one product.
//!
//! For each: the heat of the sale path (the stream records after the catalogue's); then the
//! consumer run over that backlog (the poller reads the stream as the event source mapping does,
//! template.yaml's filters and BatchSize, and hands each batch to the aggregator's handler, as
//! the local runner's in-process handler does) and the heat of its own writes (the records after
//! the sale path's), then both together. Then the same load again on the same table with the
//! consumer polling beside it, as `make dev` runs it, and the heat of both together: the
//! consumer's cost per sale follows its batches, whose size follows the pace of the sales (one
//! product's sales come slowly, a few to a batch). Then the one-product load's sales/s against the
//! store-wide load's (same clients, same run) and each load's latencies: the "before" figures of
//! the flash-sale work. Prints figures; asserts only that every sale was recorded.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aggregate_stream::BatchReport;
use api::http::AppState;
use aws_sdk_dynamodbstreams::types::Record;
use heat_meter::{ChangeRecord, HeatReport, Meter, TableSchema, read_table_stream, sequence_after};
use local_runner::batch::{BatchHandler, BoxFuture, InProcess};
use local_runner::stream::StreamPoller;

const CLIENTS: usize = 16;
const CATEGORIES: [&str; 6] = ["electronics", "fashion", "home", "garden", "toys", "books"];
const PRODUCTS: usize = 48;
const STORE_WIDE_SALES: usize = 960;
const ONE_PRODUCT_SALES: usize = 480;

#[tokio::main]
async fn main() {
    let meter = Meter::new(TableSchema::from_template().expect("template.yaml's table"), true);
    println!(
        "heat: write units per partition from the table's stream ({CLIENTS} clients through POST /sales, \
         {PRODUCTS} products in {} categories, the consumer run after the load; table writes transactional)",
        CATEGORIES.len()
    );
    let store_wide = measure_load(
        &meter,
        &format!("store-wide: {STORE_WIDE_SALES} sales over {PRODUCTS} products"),
        STORE_WIDE_SALES,
        |i| i % PRODUCTS + 1,
    )
    .await;
    let one_product =
        measure_load(&meter, &format!("one product: {ONE_PRODUCT_SALES} sales of product 1"), ONE_PRODUCT_SALES, |_| 1)
            .await;
    println!("\n== sales/s, {CLIENTS} clients ==");
    for (name, load) in [("48 products", &store_wide), ("one product", &one_product)] {
        println!(
            "{name:<12} {:>7.1} sales/s; latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; {} answered 409 and sent again",
            load.sales_per_second,
            ms(load.p50),
            ms(load.p99),
            ms(load.max),
            load.conflicts
        );
    }
    println!(
        "one product / 48 products: {:.2}x the sales/s",
        one_product.sales_per_second / store_wide.sales_per_second
    );
}

/// What a load measured besides its heat.
struct LoadFigures {
    sales_per_second: f64,
    p50: Duration,
    p99: Duration,
    max: Duration,
    /// Sales answered 409 (contended) and sent again.
    conflicts: usize,
}

/// On a fresh table: the catalogue, `sales` sales of `product_of(i)`, the sale path's heat, the
/// consumer over the backlog and its heat, both together.
async fn measure_load(meter: &Meter, name: &str, sales: usize, product_of: fn(usize) -> usize) -> LoadFigures {
    let (state, _dynamodb) = test_support::fresh_state("bench-heat").await;
    let base = test_support::serve(local_runner::app(state.clone())).await;
    let http = reqwest::Client::new();
    test_support::create_catalogue(&http, &base, &CATEGORIES, PRODUCTS).await;
    let streams =
        aws_sdk_dynamodbstreams::Client::new(&store::sdk::sdk_config(state.config.endpoint_url.as_deref()).await);
    let table = state.store().table().to_owned();
    let catalogue = read_table_stream(&streams, &table).await.unwrap();
    let catalogue_end = last_sequence(&catalogue);

    let started = Instant::now();
    let (mut latencies, conflicts) = send_sales(&http, &base, sales, product_of).await;
    let elapsed = started.elapsed();
    latencies.sort();

    let sale_path = records_after(read_table_stream(&streams, &table).await.unwrap(), &catalogue_end);
    let sale_path_end = last_sequence(&sale_path);
    println!("\n== {name} ==");
    println!("-- sale path --");
    print!("{}", HeatReport::measure(meter, &sale_path, sales as u64));

    let checkpoints = tempfile::tempdir().unwrap();
    let batches = consume(&state, checkpoints.path()).await;
    let consumer = records_after(read_table_stream(&streams, &table).await.unwrap(), &sale_path_end);
    let counted: usize = batches.iter().map(|b| b.applied.counted).sum();
    assert_eq!(counted, sales, "the consumer counted every sale");
    println!("-- consumer over the backlog: {} --", batches_line(&batches));
    print!("{}", HeatReport::measure(meter, &consumer, sales as u64));
    let backlog_end = last_sequence(&consumer);
    println!("-- sale path and consumer together --");
    let together: Vec<ChangeRecord> = sale_path.into_iter().chain(consumer).collect();
    print!("{}", HeatReport::measure(meter, &together, sales as u64));

    // The same load again on the same table, the consumer polling beside it as `make dev` runs
    // it: its batches are what arrived since its last poll, so their size follows the sales' pace.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let beside = consume_beside(&state, checkpoints.path(), stopped).await;
    let again_started = Instant::now();
    send_sales(&http, &base, sales, product_of).await;
    let again_elapsed = again_started.elapsed();
    let _ = stop.send(true);
    let mut batches = beside.await.unwrap();
    batches.extend(consume(&state, checkpoints.path()).await);
    let counted: usize = batches.iter().map(|b| b.applied.counted).sum();
    assert_eq!(counted, sales, "the consumer counted every sale of the second load");
    let again = records_after(read_table_stream(&streams, &table).await.unwrap(), &backlog_end);
    println!(
        "-- the same load again ({:.1} sales/s), the consumer beside it: {}; sale path and consumer together --",
        sales as f64 / again_elapsed.as_secs_f64(),
        batches_line(&batches)
    );
    print!("{}", HeatReport::measure(meter, &again, sales as u64));

    let at = |q: usize| latencies[(latencies.len() * q / 100).min(latencies.len() - 1)];
    LoadFigures {
        sales_per_second: sales as f64 / elapsed.as_secs_f64(),
        p50: at(50),
        p99: at(99),
        max: *latencies.last().unwrap(),
        conflicts,
    }
}

/// Sends sales `0..sales` from [`CLIENTS`] clients, sale `i` of product `product_of(i)`, all
/// dated when the load starts (one hour's counters); a sale answered 409 (contended) is sent
/// again. Returns each sale's latency (from its first sending) and the number of 409s.
async fn send_sales(
    http: &reqwest::Client,
    base: &str,
    sales: usize,
    product_of: fn(usize) -> usize,
) -> (Vec<Duration>, usize) {
    let sold_at = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (http, base, next, sold_at) = (http.clone(), base.to_owned(), next.clone(), sold_at.clone());
            tokio::spawn(async move {
                let (mut latencies, mut conflicts) = (Vec::new(), 0);
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= sales {
                        return (latencies, conflicts);
                    }
                    let body = format!(
                        r#"{{"product_id":{},"units_sold":{},"sold_at":"{sold_at}"}}"#,
                        product_of(i),
                        i % 3 + 1
                    );
                    let sent = Instant::now();
                    loop {
                        let r = http.post(format!("{base}/sales")).body(body.clone()).send().await.unwrap();
                        match r.status().as_u16() {
                            201 => break,
                            409 => conflicts += 1,
                            status => panic!("POST /sales answered {status}: {}", r.text().await.unwrap()),
                        }
                    }
                    latencies.push(sent.elapsed());
                }
            })
        })
        .collect();
    let (mut latencies, mut conflicts) = (Vec::with_capacity(sales), 0);
    for task in tasks {
        let (l, c) = task.await.unwrap();
        latencies.extend(l);
        conflicts += c;
    }
    (latencies, conflicts)
}

/// The local runner's in-process handler on each batch, keeping what each batch did.
struct Aggregator {
    in_process: InProcess,
    batches: Arc<Mutex<Vec<BatchReport>>>,
}

impl BatchHandler for Aggregator {
    fn handle<'a>(&'a self, arn: &'a str, records: &'a [Record]) -> BoxFuture<'a, anyhow::Result<Vec<String>>> {
        Box::pin(async move {
            let report = self.in_process.aggregate(arn, records).await;
            let failed = report.failed.clone();
            self.batches.lock().unwrap().push(report);
            Ok(failed)
        })
    }
}

/// Runs the consumer over the stream, from its checkpoint in `checkpoints`, until a poll finds
/// nothing new (its own writes' records included); what each batch did.
async fn consume(state: &AppState, checkpoints: &Path) -> Vec<BatchReport> {
    let batches = Arc::new(Mutex::new(Vec::new()));
    let mut poller = StreamPoller::new(state.clone(), checkpoints.into())
        .await
        .unwrap()
        .with_handler(Aggregator { in_process: InProcess { state: state.clone() }, batches: batches.clone() });
    while poller.poll_once().await.unwrap() > 0 {}
    batches.lock().unwrap().clone()
}

/// The consumer polling beside the load, as `make dev` runs it (from its checkpoint in
/// `checkpoints`), until `stop`; what each batch did.
async fn consume_beside(
    state: &AppState,
    checkpoints: &Path,
    stop: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<Vec<BatchReport>> {
    let batches = Arc::new(Mutex::new(Vec::new()));
    let poller = StreamPoller::new(state.clone(), checkpoints.into())
        .await
        .unwrap()
        .with_handler(Aggregator { in_process: InProcess { state: state.clone() }, batches: batches.clone() });
    tokio::spawn(async move {
        local_runner::stream::poll_until_stopped(poller, stop).await;
        batches.lock().unwrap().clone()
    })
}

/// A line on what the consumer's batches did.
fn batches_line(batches: &[BatchReport]) -> String {
    let counted: usize = batches.iter().map(|b| b.applied.counted).sum();
    format!(
        "{} batches, {:.1} sales a batch, {} transactions, {} counter writes",
        batches.len(),
        counted as f64 / batches.len().max(1) as f64,
        batches.iter().map(|b| b.applied.transactions).sum::<usize>(),
        batches.iter().map(|b| b.applied.counter_writes).sum::<usize>()
    )
}

fn last_sequence(records: &[ChangeRecord]) -> String {
    records
        .iter()
        .map(|r| r.sequence_number.clone())
        .reduce(|a, b| if sequence_after(&b, &a) { b } else { a })
        .unwrap_or_default()
}

fn records_after(records: Vec<ChangeRecord>, after: &str) -> Vec<ChangeRecord> {
    records.into_iter().filter(|r| after.is_empty() || sequence_after(&r.sequence_number, after)).collect()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
