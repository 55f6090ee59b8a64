//! `serve --stream off` (`STREAM=off`) serves the API without the stream consumer, like a disabled event
//! source mapping: sales are recorded, the counters do not move. `consume --until-idle` then
//! reads the backlog alone, as the mapping would (the template's filter, `BatchSize` records per
//! batch), stops once it is drained, and leaves every counter exact.

use serde_json::Value;

use crate::restart::{Stack, counted_sales, listed_sales};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sales_recorded_with_the_consumer_off_are_counted_exactly_by_consume() {
    let stack = Stack::new();
    let (http, base) = (&stack.http, &stack.base);
    let mut serve = stack.start(&["serve", "--stream", "off"]).await;

    // The demo data's 18 sales, and 232 more from 4 clients: 250 sales to count.
    let id = stack.cheap_product("backlog").await;
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
    assert_eq!(listed_sales(http, base).await, 250, "every sale is recorded");
    let summary: Value = test_support::send_json(http.get(format!("{base}/sales/summary"))).await;
    assert_eq!(summary["rows"], serde_json::json!([]), "with the consumer off no counter moved: {summary}");

    let said = stack.run_to_end(&["consume", "--until-idle"]).await;
    // 250 sale INSERTs pass the filter (the products', categories' and ledger's records do not),
    // in batches of BatchSize 100 gathered across the stream's pages: 100, 100, 50.
    assert!(said.contains("250 records handed in 3 batches (largest 100)"), "{said}");

    assert_eq!(counted_sales(http, base).await, 250, "every sale counted once");
    let summary: Value = test_support::send_json(http.get(format!("{base}/sales/summary"))).await;
    assert_eq!(summary["rows"][0]["total_revenue"], "54080.00", "the demo data's 53500.00 and 232 x 2.50");
    stack.assert_counters_exact(250).await;

    // Read to its end: a second run hands nothing.
    let said = stack.run_to_end(&["consume", "--until-idle"]).await;
    assert!(said.contains("0 records handed in 0 batches"), "{said}");
    serve.start_kill().unwrap();
    serve.wait().await.unwrap();
}
