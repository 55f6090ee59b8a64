//! `serve` with `STREAM=off` serves the API without the stream consumer, like a disabled event
//! source mapping: sales are recorded, the counters do not move. `consume --until-idle` then
//! reads the backlog alone, as the mapping would (the template's filter, `BatchSize` records per
//! batch), stops once it is drained, and leaves every counter exact.

use std::process::Stdio;

use serde_json::Value;

use crate::restart::{command, counted_sales, free_port, listed_sales};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sales_recorded_with_the_consumer_off_are_counted_exactly_by_consume() {
    let dir = tempfile::tempdir().unwrap();
    let (dynamodb_port, api_port) = (free_port(), free_port());
    let base = format!("http://127.0.0.1:{api_port}");
    let http = reqwest::Client::new();
    let mut serve = command(dir.path(), dynamodb_port, api_port, &["serve"]).env("STREAM", "off").spawn().unwrap();
    let mut up = false;
    for _ in 0..600 {
        if http.get(format!("{base}/health")).send().await.is_ok_and(|r| r.status() == 200) {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(up, "the runner did not answer");

    // The demo data's 18 sales, and 232 more from 4 clients: 250 sales to count.
    let product: Value = test_support::send_json(
        http.post(format!("{base}/products"))
            .body(r#"{"name":"backlog","price":"2.50","category_name":"electronics","current_inventory":1000}"#),
    )
    .await;
    let id = product["id"].as_i64().unwrap_or_else(|| panic!("{product}"));
    let sellers: Vec<_> = (0..4)
        .map(|_| {
            let (http, base) = (http.clone(), base.clone());
            tokio::spawn(async move {
                for _ in 0..58 {
                    let sale: Value = test_support::send_json(
                        http.post(format!("{base}/sales")).body(format!(r#"{{"product_id":{id},"units_sold":1}}"#)),
                    )
                    .await;
                    assert_eq!(sale["total_price"], "2.50", "{sale}");
                }
            })
        })
        .collect();
    for s in sellers {
        s.await.unwrap();
    }
    assert_eq!(listed_sales(&http, &base).await, 250, "every sale is recorded");
    let summary: Value = test_support::send_json(http.get(format!("{base}/sales/summary"))).await;
    assert_eq!(summary["rows"], serde_json::json!([]), "with the consumer off no counter moved: {summary}");

    let consumed = command(dir.path(), dynamodb_port, api_port, &["consume", "--until-idle"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .await
        .unwrap();
    let said = String::from_utf8_lossy(&consumed.stdout);
    assert!(consumed.status.success(), "consume: {said}{}", String::from_utf8_lossy(&consumed.stderr));
    // 250 sale INSERTs pass the filter (the products', categories' and ledger's records do not),
    // in batches of BatchSize 100 gathered across the stream's pages: 100, 100, 50.
    assert!(said.contains("250 records handed in 3 batches (largest 100)"), "{said}");

    assert_eq!(counted_sales(&http, &base).await, 250, "every sale counted once");
    let summary: Value = test_support::send_json(http.get(format!("{base}/sales/summary"))).await;
    assert_eq!(summary["rows"][0]["total_revenue"], "54080.00", "the demo data's 53500.00 and 232 x 2.50");
    let verify = command(dir.path(), dynamodb_port, api_port, &["aggregates", "verify"])
        .stdout(Stdio::piped())
        .output()
        .await
        .unwrap();
    let out = String::from_utf8_lossy(&verify.stdout);
    assert!(verify.status.success(), "verify: {out}");
    assert!(out.contains("250 sales (0 not yet counted") && out.contains(" 0 drifted"), "{out}");

    // Read to its end: a second run hands nothing.
    let again = command(dir.path(), dynamodb_port, api_port, &["consume", "--until-idle"])
        .stdout(Stdio::piped())
        .output()
        .await
        .unwrap();
    let said = String::from_utf8_lossy(&again.stdout);
    assert!(again.status.success() && said.contains("0 records handed in 0 batches"), "{said}");
    serve.start_kill().unwrap();
    serve.wait().await.unwrap();
}
