//! `make bench`: the local stack as `make dev` runs it (the API over HTTP, the embedded local
//! DynamoDB, the stream consumer polling into the counters), loaded through `POST /sales` by 16
//! clients with two years of back-dated sales, and measured at 20, 2,000 and 20,000 sales:
//! p50/p95 of the reads a dashboard makes, the loading rate per 1,000 sales (flat or not), how
//! long after the last sale the counters are complete, and how long until the consumer has read
//! the stream to its end (the records of its own counter writes included); the reads are measured
//! after that, with the consumer idle.
//!
//! The clients send at `LOCAL_STACK_RATE` sales per second in all (default 100; 0: as fast as
//! they can), the rate a store's tills or an import would keep up, and what the stream consumer
//! must keep up with. `LOCAL_STACK_SALES=20,2000` measures other sizes. Prints figures; asserts
//! only that every sale was recorded and counted.
//!
//! Beside each read's p50/p95 it prints the CPU time the process spent per request (the API, the
//! local DynamoDB and the idle consumer all run in it): the work a request costs, which other
//! programs running on the machine do not change, where they do change latencies.

use std::time::{Duration, Instant};

use chrono::{Datelike, Utc};
use serde_json::Value;

const CLIENTS: usize = 16;
const PRODUCTS: usize = 16;
const CATEGORIES: [&str; 4] = ["electronics", "fashion", "home", "garden"];
const SAMPLES: usize = 100;

#[tokio::main]
async fn main() {
    let sizes: Vec<usize> = std::env::var("LOCAL_STACK_SALES")
        .unwrap_or_else(|_| "20,2000,20000".into())
        .split(',')
        .map(|n| n.trim().parse().expect("LOCAL_STACK_SALES: numbers"))
        .collect();
    let (state, _dynamodb) = test_support::fresh_state("bench-stack").await;
    let base = test_support::serve(local_runner::app(state.clone())).await;
    let checkpoints = tempfile::tempdir().unwrap();
    let (stop, _) = tokio::sync::watch::channel(false);
    let (mut consumer, mut idle_polls) = start_consumer(&state, checkpoints.path(), &stop).await;

    let http = reqwest::Client::new();
    test_support::create_catalogue(&http, &base, &CATEGORIES, PRODUCTS).await;

    println!(
        "local stack: {CLIENTS} clients through POST /sales, the stream consumer running, two years of sales \
         over {PRODUCTS} products in {} categories (release build, embedded local DynamoDB)",
        CATEGORIES.len()
    );
    let rate: f64 = std::env::var("LOCAL_STACK_RATE").ok().and_then(|r| r.parse().ok()).unwrap_or(100.0);
    println!("sending at {}", if rate > 0.0 { format!("{rate} sales/s") } else { "full speed".into() });
    let mut loaded = 0;
    let mut extra = 0; // sales posted by the latency measurement
    let mut windows = Vec::new();
    let mut p50s = Vec::new();
    for &size in &sizes {
        let started = Instant::now();
        let posted = load(&http, &base, loaded, size, rate).await;
        let load_time = started.elapsed();
        let step = posted.len();
        windows.extend(posted);
        loaded = size;
        let last_sale = Instant::now();
        wait_until_counted(&http, &base, size + extra).await;
        let catch_up = last_sale.elapsed();
        // The counters are complete, but the consumer may still be reading the stream records of
        // its own counter writes (filtered out, yet read): the reads are measured once it has read
        // the stream to its end, i.e. after two polls that found nothing (the second one started
        // after the counters were complete).
        let seen = *idle_polls.borrow_and_update();
        idle_polls.wait_for(|n| *n >= seen + 2).await.unwrap();
        let stream_read = last_sale.elapsed();
        println!("\n== {size} sales ==");
        println!(
            "loading: {:.1} sales/s ({step} sales); counters complete {:.2} s after the last sale, \
             the stream read to its end after {:.2} s",
            step as f64 / load_time.as_secs_f64().max(1e-9),
            catch_up.as_secs_f64(),
            stream_read.as_secs_f64()
        );
        let (reads, posted) = measure(&http, &base).await;
        extra += posted;
        // The same sales with the consumer stopped (it resumes from its checkpoint after): the
        // local DynamoDB runs one request at a time, so above, a sale also waits for the
        // transactions that count the sales before it; here it is the sale alone.
        let _ = stop.send(true);
        consumer.await.unwrap();
        extra += post_sales(&http, &base, "POST /sales, consumer stopped").await;
        (consumer, idle_polls) = start_consumer(&state, checkpoints.path(), &stop).await;
        p50s.push((size, reads));
    }
    println!("\nloading rate per 1,000 sales, from the first sale to the last:");
    for (i, chunk) in windows.chunks(1000).enumerate() {
        let span = chunk.last().unwrap().duration_since(*chunk.first().unwrap()).as_secs_f64().max(1e-9);
        println!(
            "  sales {:>6}-{:<6} {:>7.1} sales/s",
            i * 1000 + 1,
            i * 1000 + chunk.len(),
            chunk.len() as f64 / span
        );
    }
    let figure =
        |size_index: usize, name: &str| -> &Read { p50s[size_index].1.iter().find(|r| r.name == name).unwrap() };
    let (first, last) = (0, p50s.len() - 1);
    let (a, b) = (figure(last, CATEGORY_MONTH), figure(first, CATEGORY_MONTH));
    println!(
        "\ncategory-month summary at {} sales / at {} sales: p50 {:.2}x, CPU time {:.2}x",
        p50s[last].0,
        p50s[first].0,
        a.p50.as_secs_f64() / b.p50.as_secs_f64(),
        a.cpu.as_secs_f64() / b.cpu.as_secs_f64()
    );
    let (a, b) = (figure(last, ONE_CATEGORY), figure(last, PRODUCT_READ));
    println!(
        "one category by month for a year / a product read, at {} sales: p50 {:.2}x, CPU time {:.2}x",
        p50s[last].0,
        a.p50.as_secs_f64() / b.p50.as_secs_f64(),
        a.cpu.as_secs_f64() / b.cpu.as_secs_f64()
    );
    let _ = stop.send(true);
    let _ = consumer.await;
}

/// The stream consumer as `make dev` runs it, from its checkpoint in `checkpoints`, and the count
/// of its polls that found nothing new.
async fn start_consumer(
    state: &api::http::AppState,
    checkpoints: &std::path::Path,
    stop: &tokio::sync::watch::Sender<bool>,
) -> (tokio::task::JoinHandle<local_runner::stream::StreamPoller>, tokio::sync::watch::Receiver<u64>) {
    // `send_replace`: the stopped consumer dropped the only receiver, and `send` changes nothing
    // without one.
    stop.send_replace(false);
    let poller = local_runner::stream::StreamPoller::new(state.clone(), checkpoints.into()).await.unwrap();
    let idle_polls = poller.idle_polls();
    (tokio::spawn(local_runner::stream::poll_until_stopped(poller, stop.subscribe())), idle_polls)
}

const CATEGORY_MONTH: &str = "category-month summary, 2 years";
const ONE_CATEGORY: &str = "one category by month, 1 year";
const PRODUCT_READ: &str = "product read";

/// Posts sales `from..to` with 16 clients, back-dated over the last two years in time order, as
/// an import replays a history: every step spreads its sales over the whole two years, so the
/// store covers two years at every size. Returns when each sale was answered, in order.
async fn load(http: &reqwest::Client, base: &str, from: usize, to: usize, rate: f64) -> Vec<Instant> {
    let now = Utc::now();
    let started = Instant::now();
    let span = chrono::Duration::days(730);
    let step = (to - from).max(1) as i64;
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(from));
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (http, base, next) = (http.clone(), base.to_owned(), next.clone());
            tokio::spawn(async move {
                let mut done = Vec::new();
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= to {
                        return done;
                    }
                    if rate > 0.0 {
                        // Sale i leaves no earlier than i / rate seconds after the step started.
                        let due = started + Duration::from_secs_f64((i - from) as f64 / rate);
                        tokio::time::sleep_until(due.into()).await;
                    }
                    let offset = span.num_seconds() * (i - from) as i64 / step;
                    let sold_at = now - span + chrono::Duration::seconds(offset);
                    let body = format!(
                        r#"{{"product_id":{},"units_sold":{},"sold_at":"{}"}}"#,
                        i % PRODUCTS + 1,
                        i % 3 + 1,
                        sold_at.format("%Y-%m-%dT%H:%M:%SZ")
                    );
                    let r = http.post(format!("{base}/sales")).body(body).send().await.unwrap();
                    assert_eq!(r.status().as_u16(), 201, "{}", r.text().await.unwrap());
                    done.push(Instant::now());
                }
            })
        })
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all.sort();
    all
}

async fn wait_until_counted(http: &reqwest::Client, base: &str, sales: usize) {
    loop {
        let summary: Value = http.get(format!("{base}/sales/summary")).send().await.unwrap().json().await.unwrap();
        if summary["rows"][0]["sales_count"].as_u64() == Some(sales as u64) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// One read's figures.
struct Read {
    name: String,
    p50: Duration,
    /// The process's CPU time per request.
    cpu: Duration,
}

/// The CPU time this process has used (every thread), to the microsecond.
fn cpu_time() -> Duration {
    // SAFETY: getrusage only writes the struct it is given.
    let usage = unsafe {
        let mut usage = std::mem::zeroed::<libc::rusage>();
        libc::getrusage(libc::RUSAGE_SELF, &raw mut usage);
        usage
    };
    let micros = |t: libc::timeval| Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64);
    micros(usage.ru_utime) + micros(usage.ru_stime)
}

/// Prints p50/p95 and the CPU time per request of each read and of `POST /sales`; returns the
/// reads' figures and the number of sales it posted.
async fn measure(http: &reqwest::Client, base: &str) -> (Vec<Read>, usize) {
    let today = Utc::now().date_naive();
    let two_years_ago = today - chrono::Duration::days(730);
    let last_month = today - chrono::Duration::days(35);
    let month_start = last_month.with_day(1).unwrap();
    let month_end = (month_start + chrono::Duration::days(32)).with_day(1).unwrap() - chrono::Duration::days(1);
    let year = today.year() - 1;
    // Two years of whole months, the current one included.
    let first_month = two_years_ago.with_day(1).unwrap() + chrono::Months::new(1);
    let month_end_today = (today.with_day(1).unwrap() + chrono::Months::new(1)) - chrono::Duration::days(1);
    let reads = [
        (CATEGORY_MONTH, format!("/sales/summary?group_by=category-month&from={first_month}&to={month_end_today}")),
        (
            "product-day summary, 1 month",
            format!("/sales/summary?group_by=product-day&from={month_start}&to={month_end}"),
        ),
        (ONE_CATEGORY, format!("/sales/summary?group_by=month&category_name=home&from={year}-01-01&to={year}-12-31")),
        ("sales listing (a page of 50)", "/sales?category_name=fashion".to_owned()),
        (PRODUCT_READ, "/products/3".to_owned()),
        ("top products of a year", format!("/sales/top?by=product&period=year&at={year}&metric=revenue")),
    ];
    let mut out = Vec::new();
    println!("{:<34} {:>10} {:>10} {:>10} {:>6}", "request", "p50", "p95", "CPU/req", "rows");
    for (name, path) in reads {
        let mut times = Vec::with_capacity(SAMPLES);
        let mut rows = 0;
        let cpu_before = cpu_time();
        for _ in 0..SAMPLES {
            let t = Instant::now();
            let r = http.get(format!("{base}{path}")).send().await.unwrap();
            assert_eq!(r.status().as_u16(), 200, "{path}");
            let body: Value = r.json().await.unwrap();
            times.push(t.elapsed());
            rows = body["rows"].as_array().or(body["items"].as_array()).map_or(1, Vec::len);
        }
        let cpu = cpu_time().checked_sub(cpu_before).unwrap() / SAMPLES as u32;
        times.sort();
        let (p50, p95) = (times[SAMPLES / 2], times[SAMPLES * 95 / 100]);
        println!("{name:<34} {:>8.2}ms {:>8.2}ms {:>8.2}ms {rows:>6}", ms(p50), ms(p95), ms(cpu));
        out.push(Read { name: name.to_owned(), p50, cpu });
    }
    let posted = post_sales(http, base, "POST /sales (one client)").await;
    (out, posted)
}

/// Prints p50/p95 and the CPU time per request of `POST /sales` from one client (no other);
/// returns the number of sales it posted.
async fn post_sales(http: &reqwest::Client, base: &str, name: &str) -> usize {
    let mut times = Vec::with_capacity(SAMPLES);
    let cpu_before = cpu_time();
    for _ in 0..SAMPLES {
        let t = Instant::now();
        let r = http.post(format!("{base}/sales")).body(r#"{"product_id":1,"units_sold":1}"#).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 201);
        times.push(t.elapsed());
    }
    let cpu = cpu_time().checked_sub(cpu_before).unwrap() / SAMPLES as u32;
    times.sort();
    println!(
        "{name:<34} {:>8.2}ms {:>8.2}ms {:>8.2}ms",
        ms(times[SAMPLES / 2]),
        ms(times[SAMPLES * 95 / 100]),
        ms(cpu)
    );
    SAMPLES
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
