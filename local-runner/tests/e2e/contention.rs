//! Flash-sale contention, end to end, with the local DynamoDB's contention mode on
//! (`Faults::contention`): a transaction on an item that another transaction touched in the last
//! few milliseconds is cancelled with `TransactionConflict`, as DynamoDB cancels concurrent
//! transactions on one item (the emulator alone runs one call at a time and never does). Many
//! buyers of one product: each sale answers 201 or a clear 4xx, none is lost, none oversold.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

use crate::helpers::{TestApp, spawn_app_on};

/// How long a transaction holds its items: a few times what one takes in the emulator, so
/// concurrent buyers of one product overlap as they would in DynamoDB.
const WINDOW: Duration = Duration::from_millis(10);

async fn contended_app() -> TestApp {
    let faults = local_dynamodb::Faults::contention(WINDOW);
    spawn_app_on(local_dynamodb::LocalDynamoDb::ephemeral_with(faults).await.expect("a local DynamoDB"), "UTC").await
}

async fn sale(app: &TestApp, body: &str, key: Option<&str>) -> (u16, Value) {
    let mut request =
        app.http.post(format!("{}/sales", app.base)).header("content-type", "application/json").body(body.to_owned());
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let problem = response.headers().get("content-type").is_some_and(|v| v == "application/problem+json");
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if status >= 400 {
        assert!(problem, "{status} is problem+json: {body}");
    }
    (status, body)
}

fn histogram(statuses: impl IntoIterator<Item = u16>) -> BTreeMap<u16, usize> {
    let mut counts = BTreeMap::new();
    for status in statuses {
        *counts.entry(status).or_default() += 1;
    }
    counts
}

async fn stock_and_ledger(app: &TestApp, id: i64) -> (Value, usize) {
    let stock = app.get(&format!("/products/{id}")).await.body["current_inventory"].clone();
    let ledger = app.get(&format!("/products/{id}/inventory?limit=100")).await.body;
    let sales = ledger["items"].as_array().unwrap().iter().filter(|e| e["reason"] == "sale").count();
    (stock, sales)
}

#[tokio::test]
async fn forty_concurrent_buyers_of_ten_units_under_contention_buy_exactly_ten() {
    let app = contended_app().await;
    let id = app.toy("3.50", 10).await;
    let body = format!(r#"{{"product_id":{id},"units_sold":1}}"#);
    let results = futures::future::join_all((0..40).map(|_| sale(&app, &body, None))).await;
    let statuses = histogram(results.iter().map(|r| r.0));
    // 201 sold; 422 out of stock; 409 "retry shortly" if a buyer's retries ran out under
    // contention (it bought nothing). Never a 5xx.
    assert!(statuses.keys().all(|s| [201, 409, 422].contains(s)), "statuses: {statuses:?}");
    assert_eq!(statuses.get(&201), Some(&10), "statuses: {statuses:?}");
    assert_eq!(stock_and_ledger(&app, id).await, (Value::from(0), 10));
    let listed = app.get(&format!("/sales?product_id={id}&limit=100")).await.body;
    assert_eq!(listed["items"].as_array().unwrap().len(), 10);
    assert!(app._dynamodb.embedded().expect("an embedded emulator").injected_faults() > 0, "transactions conflicted");

    // The counters, kept by the stream consumer (whose transactions conflict too), agree.
    assert!(app.aggregate().await >= 10, "the sales went through the stream");
    let summary = app.get(&format!("/sales/summary?product_id={id}")).await;
    assert_eq!(summary.assert_status(200)["rows"][0]["total_units_sold"], 10, "{}", summary.body);
}

#[tokio::test]
async fn forty_buyers_retrying_with_their_keys_under_contention_each_get_a_definite_answer() {
    let app = contended_app().await;
    let id = app.toy("2", 10).await;
    let body = format!(r#"{{"product_id":{id},"units_sold":1}}"#);
    // Each buyer retries its own order (same Idempotency-Key) while told 409, as a client would.
    let buyer = |n: usize| {
        let (app, body) = (&app, &body);
        async move {
            let key = format!("order-{n}");
            for _ in 0..50 {
                let (status, answer) = sale(app, body, Some(&key)).await;
                if status != 409 {
                    return (status, answer);
                }
                tokio::time::sleep(WINDOW).await;
            }
            panic!("order {n} still 409 after 50 tries");
        }
    };
    let results = futures::future::join_all((0..40).map(buyer)).await;
    let statuses = histogram(results.iter().map(|r| r.0));
    assert_eq!(statuses, BTreeMap::from([(201, 10), (422, 30)]), "every buyer answered, none lost");
    assert!(results.iter().filter(|r| r.0 == 422).all(|r| r.1["type"] == "/problems/out-of-stock"));
    assert_eq!(stock_and_ledger(&app, id).await, (Value::from(0), 10));
    assert!(app._dynamodb.embedded().expect("an embedded emulator").injected_faults() > 0, "transactions conflicted");
}

/// A client's retry of its order (same `Idempotency-Key`) while the first request's transaction
/// is still in progress: its claim of the key (a PutItem) meets that transaction, which DynamoDB
/// refuses with `TransactionConflictException`. The retry is told the first is still in flight
/// (409), and one sale is recorded.
#[tokio::test]
async fn a_retry_while_the_first_request_s_transaction_runs_is_told_to_retry() {
    let faults = local_dynamodb::Faults::contention(Duration::from_secs(1));
    let app = spawn_app_on(local_dynamodb::LocalDynamoDb::ephemeral_with(faults).await.unwrap(), "UTC").await;
    let id = app.toy("2", 10).await;
    let body = format!(r#"{{"product_id":{id},"units_sold":1}}"#);
    let retry = async {
        while app._dynamodb.embedded().expect("an embedded emulator").items_held() == 0 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        sale(&app, &body, Some("order-1")).await
    };
    let (first, retry) = futures::join!(sale(&app, &body, Some("order-1")), retry);
    assert_eq!(first.0, 201, "{}", first.1);
    assert_eq!(retry.0, 409, "{}", retry.1);
    assert_eq!(stock_and_ledger(&app, id).await, (Value::from(9), 1));
    let (status, replay) = sale(&app, &body, Some("order-1")).await;
    assert_eq!((status, &replay["id"]), (201, &first.1["id"]), "settled, the retry replays the sale");
}
