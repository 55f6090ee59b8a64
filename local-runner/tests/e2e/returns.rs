//! Returns, end to end: refunds at the sale's price, never beyond what was sold, exactly once,
//! stock and ledger, and the analytics by the return's day.

use serde_json::Value;

use crate::helpers::{TestApp, spawn_app};

async fn post_return(app: &TestApp, sale: &str, body: &str, key: Option<&str>) -> (u16, Value) {
    let mut req = app
        .http
        .post(format!("{}/sales/{sale}/returns", app.base))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(k) = key {
        req = req.header("Idempotency-Key", k);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// Sells `units` of `product` (at `at`, else now): the sale's id.
async fn sell(app: &TestApp, product: i64, units: i64, at: Option<&str>) -> String {
    let body = match at {
        Some(at) => format!(r#"{{"product_id":{product},"units_sold":{units},"sold_at":"{at}"}}"#),
        None => format!(r#"{{"product_id":{product},"units_sold":{units}}}"#),
    };
    app.post("/sales", &body).await.assert_status(201)["id"].as_str().unwrap().to_owned()
}

fn stock(body: &Value) -> i64 {
    body["current_inventory"].as_i64().unwrap()
}

#[tokio::test]
async fn a_refund_is_at_the_price_of_the_sale_after_a_price_change() {
    let app = spawn_app().await;
    let id = app.toy("19.99", 10).await;
    let sale_id = &sell(&app, id, 3, None).await;
    app.patch(&format!("/products/{id}"), r#"{"price":"25.00"}"#).await.assert_status(200);

    let got = app.get(&format!("/sales/{sale_id}")).await;
    assert_eq!(got.assert_status(200)["units_returned"], 0);
    assert_eq!(got.body["unit_price"], "19.99");

    let (status, r) = post_return(&app, sale_id, r#"{"units":2,"reason":"damaged"}"#, None).await;
    assert_eq!(status, 201, "{r}");
    assert_eq!(r["refund"], "39.98");
    assert_eq!((r["units"].as_i64(), r["restocked"].as_bool()), (Some(2), Some(true)));
    assert_eq!((r["sale_id"].as_str(), r["product_id"].as_i64()), (Some(sale_id.as_str()), Some(id)));
    assert_eq!((r["category_name"].as_str(), r["reason"].as_str()), (Some("toys"), Some("damaged")));
    assert!(r["returned_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(app.get(&format!("/sales/{sale_id}")).await.body["units_returned"], 2);

    // One more than is left: 422 with what is returnable, nothing written.
    let (status, problem) = post_return(&app, sale_id, r#"{"units":2}"#, None).await;
    assert_eq!((status, problem["returnable"].as_i64()), (422, Some(1)), "{problem}");
    assert_eq!(problem["type"], "/problems/not-returnable");
    let listed = app.get(&format!("/sales/{sale_id}/returns")).await;
    assert_eq!(listed.assert_status(200)["items"].as_array().unwrap().len(), 1);
    assert_eq!(listed.body["items"][0]["id"], r["id"]);
}

#[tokio::test]
async fn return_errors_of_the_contract() {
    let app = spawn_app().await;
    let id = app.toy("5", 10).await;
    let sale_id = &sell(&app, id, 2, Some("2023-05-01T10:00:00Z")).await;
    app.get("/sales/01HCJ7T2Q1ZQ8YJ3X2M5V6B7N8").await.assert_problem(404);
    app.get("/sales/not-a-sale").await.assert_problem(400);
    app.get("/sales/01HCJ7T2Q1ZQ8YJ3X2M5V6B7N8/returns").await.assert_problem(404);
    let (status, _) = post_return(&app, "01HCJ7T2Q1ZQ8YJ3X2M5V6B7N8", r#"{"units":1}"#, None).await;
    assert_eq!(status, 404);
    for (body, field) in [
        (r#"{"units":0}"#, "units"),
        (r#"{"units":1,"returned_at":"2023-05-01T09:59:59Z"}"#, "returned_at"),
        (r#"{"units":1,"restock":"no"}"#, "restock"),
        (r#"{"units":1,"refund":"1"}"#, "refund"),
    ] {
        let (status, problem) = post_return(&app, sale_id, body, None).await;
        assert_eq!(status, 422, "{body}: {problem}");
        assert_eq!(problem["errors"][0]["field"], field, "{body}");
    }
    let future = (chrono::Utc::now() + chrono::Duration::minutes(6)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let (status, _) = post_return(&app, sale_id, &format!(r#"{{"units":1,"returned_at":"{future}"}}"#), None).await;
    assert_eq!(status, 422);
    let (status, _) = post_return(&app, sale_id, "{", None).await;
    assert_eq!(status, 400);
    // Nothing was written by any of them.
    assert_eq!(app.get(&format!("/sales/{sale_id}")).await.body["units_returned"], 0);
    assert_eq!(stock(&app.get(&format!("/products/{id}")).await.body), 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn six_concurrent_returns_of_one_unit_with_two_returnable_give_exactly_two() {
    let app = spawn_app().await;
    let id = app.toy("5", 10).await;
    let sale_id = sell(&app, id, 2, None).await;
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let (http, base, sale_id) = (app.http.clone(), app.base.clone(), sale_id.clone());
            tokio::spawn(async move {
                let resp = http
                    .post(format!("{base}/sales/{sale_id}/returns"))
                    .header("content-type", "application/json")
                    .body(r#"{"units":1}"#)
                    .send()
                    .await
                    .unwrap();
                let status = resp.status().as_u16();
                (status, resp.json::<Value>().await.unwrap())
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        let (status, body) = t.await.unwrap();
        if status == 422 {
            assert_eq!(body["returnable"], 0, "{body}");
        }
        statuses.push(status);
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 201, 422, 422, 422, 422]);
    assert_eq!(app.get(&format!("/sales/{sale_id}")).await.body["units_returned"], 2);
    let listed = app.get(&format!("/sales/{sale_id}/returns")).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 2);
    assert_eq!(stock(&app.get(&format!("/products/{id}")).await.body), 10, "both restocked, once each");
}

#[tokio::test]
async fn a_retried_return_with_the_same_key_is_one_return() {
    let app = spawn_app().await;
    let id = app.toy("5", 10).await;
    let sale_id = &sell(&app, id, 3, None).await;
    let (s1, first) = post_return(&app, sale_id, r#"{"units":1,"reason":"late"}"#, Some("rma-1")).await;
    let (s2, again) = post_return(&app, sale_id, r#"{"reason":"late", "units":1.0}"#, Some("rma-1")).await;
    assert_eq!((s1, s2), (201, 201));
    assert_eq!(first, again, "the replay is the first response");
    let (s3, mismatch) = post_return(&app, sale_id, r#"{"units":2}"#, Some("rma-1")).await;
    assert_eq!(s3, 422, "{mismatch}");
    assert_eq!(app.get(&format!("/sales/{sale_id}")).await.body["units_returned"], 1);
    assert_eq!(app.get(&format!("/sales/{sale_id}/returns")).await.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(stock(&app.get(&format!("/products/{id}")).await.body), 8);
    // The same key on another sale is another request.
    let other = sell(&app, id, 1, None).await;
    let (s4, r4) = post_return(&app, &other, r#"{"units":1,"reason":"late"}"#, Some("rma-1")).await;
    assert_eq!(s4, 201);
    assert_ne!(r4["id"], first["id"]);
}

#[tokio::test]
async fn stock_and_ledger_after_restocked_and_not_restocked_returns() {
    let app = spawn_app().await;
    let id = app.toy("5", 10).await;
    let sale_id = &sell(&app, id, 4, None).await;
    assert_eq!(stock(&app.get(&format!("/products/{id}")).await.body), 6);
    let (status, _) = post_return(&app, sale_id, r#"{"units":1,"restock":false}"#, None).await;
    assert_eq!(status, 201);
    assert_eq!(stock(&app.get(&format!("/products/{id}")).await.body), 6, "not restocked");
    let (status, r) = post_return(&app, sale_id, r#"{"units":2}"#, None).await;
    assert_eq!((status, r["restocked"].as_bool()), (201, Some(true)));
    assert_eq!(stock(&app.get(&format!("/products/{id}")).await.body), 8);
    let ledger = app.get(&format!("/products/{id}/inventory")).await.body;
    let entries = ledger["items"].as_array().unwrap();
    assert_eq!(entries.iter().filter(|e| e["reason"] == "return").count(), 1, "one entry: the restocked return");
    assert_eq!(entries[0]["reason"], "return");
    assert_eq!(entries[0]["change"], 2);
    assert_eq!(entries[0]["quantity_after"], 8);
    assert_eq!(entries[0]["sale_id"], sale_id.as_str());
    let returns = app.get(&format!("/sales/{sale_id}/returns?limit=1")).await;
    let body = returns.assert_status(200);
    assert_eq!(body["items"][0]["id"], r["id"], "newest first");
    let next = body["next_cursor"].as_str().unwrap();
    let page2 = app.get(&format!("/sales/{sale_id}/returns?limit=1&cursor={next}")).await;
    assert_eq!(page2.assert_status(200)["items"][0]["restocked"], false);

    // has_returns filters the listing.
    let plain = sell(&app, id, 1, None).await;
    let with = app.get("/sales?has_returns=true").await;
    let items = with.assert_status(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!((items[0]["id"].as_str(), items[0]["units_returned"].as_i64()), (Some(sale_id.as_str()), Some(3)));
    let without = app.get("/sales?has_returns=false").await;
    let items = without.assert_status(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.iter().map(|s| s["id"].clone()).collect::<Vec<_>>(), [Value::from(plain)]);
    app.get("/sales?has_returns=maybe").await.assert_problem(400);
}

#[tokio::test]
async fn summaries_count_sales_on_the_sales_day_and_returns_on_the_returns_day() {
    let app = spawn_app().await;
    let id = app.toy("10", 100).await;
    let sale_id = &sell(&app, id, 5, Some("2023-05-01T10:00:00Z")).await;
    let (status, _) = post_return(&app, sale_id, r#"{"units":2,"returned_at":"2023-05-03T09:30:00Z"}"#, None).await;
    assert_eq!(status, 201);
    app.aggregate().await;
    let summary = app.get("/sales/summary?group_by=day").await;
    let rows = summary.assert_status(200)["rows"].as_array().unwrap().clone();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0]["period"], "2023-05-01");
    assert_eq!((rows[0]["total_revenue"].as_str(), rows[0]["total_refunded"].as_str()), (Some("50.00"), Some("0.00")));
    assert_eq!(rows[0]["net_revenue"], "50.00");
    assert_eq!(rows[1]["period"], "2023-05-03");
    assert_eq!((rows[1]["sales_count"].as_i64(), rows[1]["total_units_returned"].as_i64()), (Some(0), Some(2)));
    assert_eq!((rows[1]["total_refunded"].as_str(), rows[1]["net_revenue"].as_str()), (Some("20.00"), Some("-20.00")));
    let total = app.get(&format!("/sales/summary?product_id={id}")).await;
    assert_eq!(total.assert_status(200)["rows"][0]["net_revenue"], "30.00");
    // A bound inside the return's hour reads the edge exactly.
    let edge = app.get("/sales/summary?from=2023-05-03T09:15:00Z&to=2023-05-03T09:45:00Z").await;
    assert_eq!(edge.assert_status(200)["rows"][0]["total_refunded"], "20.00");
    let before = app.get("/sales/summary?from=2023-05-03T09:31:00Z&to=2023-05-03T09:45:00Z").await;
    assert_eq!(before.assert_status(200)["rows"].as_array().unwrap().len(), 0);
    let edge_cat = app.get("/sales/summary?category_name=toys&from=2023-05-03T09:15:00Z&to=2023-05-03T09:45:00Z").await;
    assert_eq!(edge_cat.assert_status(200)["rows"][0]["total_refunded"], "20.00");
    let edge_product =
        app.get(&format!("/sales/summary?product_id={id}&from=2023-05-03T09:15:00Z&to=2023-05-03T09:45:00Z")).await;
    assert_eq!(edge_product.assert_status(200)["rows"][0]["returns_count"], 1);

    let compare = app.get("/sales/compare?period=day&current=2023-05-03&previous=2023-05-01").await;
    let row = &compare.assert_status(200)["rows"][0];
    assert_eq!(
        (row["current"]["net_revenue"].as_str(), row["previous"]["net_revenue"].as_str()),
        (Some("-20.00"), Some("50.00"))
    );
    let top = app.get("/sales/top?by=product&period=month&at=2023-05&metric=net_revenue").await;
    let body = top.assert_status(200);
    assert_eq!(body["metric"], "net_revenue");
    assert_eq!(body["rows"][0]["net_revenue"], "30.00");

    // The daily report of the return's day carries it.
    let report = reports::build_daily_report(
        &app.state,
        chrono::NaiveDate::from_ymd_opt(2023, 5, 3).unwrap(),
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(
        (report["totals"]["total_refunded"].as_str(), report["totals"]["net_revenue"].as_str()),
        (Some("20.00"), Some("-20.00"))
    );
    assert_eq!(report["by_category"][0]["returns_count"], 1);

    // verify agrees with the counters; rebuild of a counter lost to drift puts it back.
    let verified = app.state.store().verify_counters(chrono_tz::UTC, chrono::Utc::now()).await.unwrap();
    assert_eq!((verified.returns, verified.drift.len(), verified.pending), (1, 0, 0), "{:?}", verified.drift);
}

#[tokio::test]
async fn rebuild_writes_the_lookup_by_id_of_a_sale_recorded_before_it_existed() {
    let app = spawn_app().await;
    let id = app.toy("5", 10).await;
    let sale_id = &sell(&app, id, 2, None).await;
    // As a table written by an older version: no lookup.
    let key = store::keys::sale_ref(sale_id);
    app.state
        .store()
        .client()
        .delete_item()
        .table_name(app.state.store().table())
        .set_key(Some(store::key_item(&key)))
        .send()
        .await
        .unwrap();
    app.get(&format!("/sales/{sale_id}")).await.assert_problem(404);
    app.aggregate().await;
    let report = app.state.store().verify_counters(chrono_tz::UTC, chrono::Utc::now()).await.unwrap();
    assert_eq!(report.missing_sale_refs.len(), 1);
    let repaired = app.state.store().repair_counters(&report).await.unwrap();
    assert_eq!(repaired.sale_refs, 1);
    let got = app.get(&format!("/sales/{sale_id}")).await;
    assert_eq!(
        (got.assert_status(200)["units_returned"].as_i64(), got.body["total_price"].as_str()),
        (Some(0), Some("10.00"))
    );
    let (status, _) = post_return(&app, sale_id, r#"{"units":1}"#, None).await;
    assert_eq!(status, 201);
}

#[tokio::test]
async fn a_restocking_return_keeps_the_stock_cap_like_every_stock_change() {
    let app = spawn_app().await;
    let id = app.toy("5", 10).await;
    let sale_id = sell(&app, id, 1, None).await;
    let top_up = app.post(&format!("/products/{id}/inventory"), r#"{"set":1000000000,"reason":"adjustment"}"#).await;
    top_up.assert_status(201);
    app.post(&format!("/products/{id}/inventory"), r#"{"change":1,"reason":"restock"}"#).await.assert_problem(422);
    let (status, problem) = post_return(&app, &sale_id, r#"{"units":1}"#, None).await;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (422, Some("units")), "{problem}");
    assert_eq!(stock(&app.get(&format!("/products/{id}")).await.body), 1_000_000_000);
    // Not into stock, the return is no stock change: it is taken.
    let (status, _) = post_return(&app, &sale_id, r#"{"units":1,"restock":false}"#, None).await;
    assert_eq!(status, 201);
}
