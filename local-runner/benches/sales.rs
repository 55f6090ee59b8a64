//! `make bench`: sales recorded per second and latency percentiles with 16 concurrent clients
//! against the local stack (the API over HTTP, DynamoDB on the local emulator), and the DynamoDB
//! write units one sale costs, computed from the items it writes with DynamoDB's size rules.
//!
//! Prints figures; asserts only that every sale was recorded (stock and ledger agree).

use std::time::{Duration, Instant};

use domain::money::Money;
use domain::{LedgerEntry, LedgerReason, Sale};
use store::catalogue::{ledger_item, product_item};
use store::keys::Index;
use store::sales::sale_item;
use store::{Item, item_size, write_units};

const CLIENTS: usize = 16;
const SALES_PER_CLIENT: usize = 100;

#[tokio::main]
async fn main() {
    let (state, _dynamodb) = test_support::fresh_state("bench").await;
    let base = test_support::serve(local_runner::app(state.clone())).await;
    let http = reqwest::Client::new();
    let post = |path: &str, body: String| http.post(format!("{base}{path}")).body(body).send();
    post("/categories", r#"{"name":"bench"}"#.into()).await.unwrap();
    for _ in 0..CLIENTS {
        let r = post(
            "/products",
            r#"{"name":"bench item","price":"19.99","category_name":"bench","current_inventory":100000}"#.into(),
        )
        .await
        .unwrap();
        assert_eq!(r.status().as_u16(), 201);
    }

    println!("sales benchmark: {CLIENTS} concurrent clients x {SALES_PER_CLIENT} sales, release build, local emulator");
    for (label, spread) in [("16 products, one per client", true), ("one hot product, all clients", false)] {
        for (keyed, key_label) in [(false, "no Idempotency-Key"), (true, "with Idempotency-Key")] {
            let started = Instant::now();
            let mut tasks = Vec::new();
            for client in 0..CLIENTS {
                let http = http.clone();
                let base = base.clone();
                let product = if spread { client + 1 } else { 1 };
                tasks.push(tokio::spawn(async move {
                    let mut latencies = Vec::with_capacity(SALES_PER_CLIENT);
                    for n in 0..SALES_PER_CLIENT {
                        let mut req = http
                            .post(format!("{base}/sales"))
                            .body(format!(r#"{{"product_id":{product},"units_sold":1}}"#));
                        if keyed {
                            req = req.header(
                                "Idempotency-Key",
                                format!("{}-{client}-{n}-{spread}", uuid::Uuid::new_v4().simple()),
                            );
                        }
                        let t = Instant::now();
                        let resp = req.send().await.unwrap();
                        assert_eq!(resp.status().as_u16(), 201, "{}", resp.text().await.unwrap());
                        latencies.push(t.elapsed());
                    }
                    latencies
                }));
            }
            let mut latencies: Vec<Duration> = Vec::new();
            for t in tasks {
                latencies.extend(t.await.unwrap());
            }
            let elapsed = started.elapsed();
            latencies.sort();
            let pct = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p).round() as usize];
            println!(
                "  {label:<30} {key_label:<22} {:>6} sales in {:>6.2}s = {:>7.1} sales/s   p50 {:>7.1} ms   p99 {:>7.1} ms",
                latencies.len(),
                elapsed.as_secs_f64(),
                latencies.len() as f64 / elapsed.as_secs_f64(),
                pct(0.50).as_secs_f64() * 1000.0,
                pct(0.99).as_secs_f64() * 1000.0,
            );
        }
    }
    let remaining: i64 = {
        let mut total = 0;
        for id in 1..=CLIENTS as i64 {
            total += state.store().get_product(id).await.unwrap().current_inventory;
        }
        total
    };
    let sold = 100_000 * CLIENTS as i64 - remaining;
    assert_eq!(sold as usize, 4 * CLIENTS * SALES_PER_CLIENT, "every 201 decremented stock exactly once");

    print_write_units(&state).await;
}

/// Write units of one sale, from the items the sale transaction writes.
async fn print_write_units(state: &api::http::AppState) {
    let product = state.store().get_product(1).await.unwrap();
    let sale = Sale {
        id: ulid::Ulid::new().to_string(),
        product_id: product.id,
        category_name: product.category_name.clone(),
        units_sold: 1,
        unit_price: product.price,
        total_price: Money::from_minor(product.price.minor()),
        sold_at: chrono::Utc::now(),
    };
    let entry = LedgerEntry {
        at: sale.sold_at,
        change: -1,
        quantity_after: 9,
        reason: LedgerReason::Sale,
        sale_id: Some(sale.id.clone()),
    };
    let sale_item = sale_item(&sale, sale.sold_at).unwrap();
    let sizes = [
        ("product", item_size(&product_item(&product).unwrap())),
        ("sale", item_size(&sale_item)),
        ("ledger entry", item_size(&ledger_item(1, 2, &entry).unwrap())),
    ];
    println!("\nDynamoDB write units per sale (sizes by DynamoDB's rules):");
    let mut total = 0;
    for (name, size) in sizes {
        let units = 2 * write_units(size);
        total += units;
        println!("  {name:<14} {size:>4} B  transactional write: {units} WCU");
    }
    let projected = |index: Index| -> usize {
        let keep = [
            "PK",
            "SK",
            index.pk(),
            index.sk(),
            "entity",
            "sale_id",
            "product_id",
            "category_name",
            "units_sold",
            "unit_price_minor",
            "total_minor",
            "sold_at",
        ];
        let item: Item =
            sale_item.iter().filter(|(k, _)| keep.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect();
        write_units(item_size(&item))
    };
    let index_units: usize = [Index::Gsi1, Index::Gsi2, Index::Gsi3].into_iter().map(projected).sum();
    total += index_units;
    println!("  sale in GSI1-3 (projected copies): {index_units} WCU");
    println!(
        "  product index entries: 0 WCU (stock is not projected; GSI4 changes only when the product crosses its threshold)"
    );
    println!("  total without Idempotency-Key: {total} WCU");
    let idem = 1 + 2;
    println!(
        "  with Idempotency-Key: + 1 WCU (claim PutItem) + 2 WCU (completion inside the transaction) = {} WCU",
        total + idem
    );
    println!("  reads per sale: 1 strongly consistent GetItem of the product = 1 RCU");
}
