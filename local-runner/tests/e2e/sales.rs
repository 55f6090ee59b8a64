//! Recording and listing sales, end to end.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

async fn sale(app: &TestApp, body: &str, key: Option<&str>) -> (u16, String, Value) {
    let mut req =
        app.http.post(format!("{}/sales", app.base)).header("content-type", "application/json").body(body.to_owned());
    if let Some(k) = key {
        req = req.header("Idempotency-Key", k);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let content_type = resp.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (status, content_type, resp.json().await.unwrap_or(Value::Null))
}

async fn ledger_sales(app: &TestApp, id: i64) -> usize {
    let body = app.get(&format!("/products/{id}/inventory?limit=100")).await.body;
    body["items"].as_array().unwrap().iter().filter(|e| e["reason"] == "sale").count()
}

#[tokio::test]
async fn a_sale_takes_price_and_category_at_that_moment_and_decrements_stock() {
    let app = spawn_app().await;
    let id = app.toy("19.99", 10).await;
    let (status, content_type, s) = sale(&app, &format!(r#"{{"product_id":{id},"units_sold":3}}"#), None).await;
    assert_eq!(status, 201, "{s}");
    assert_eq!(content_type, "application/json");
    assert_eq!(s["unit_price"], "19.99");
    assert_eq!(s["total_price"], "59.97");
    assert_eq!(s["category_name"], "toys");
    assert_eq!(s["units_sold"], 3);
    assert!(s["id"].as_str().unwrap().len() == 26, "a ULID");
    assert!(s["sold_at"].as_str().unwrap().ends_with('Z'));

    // A later price change does not rewrite the sale.
    app.patch(&format!("/products/{id}"), r#"{"price":"25"}"#).await.assert_status(200);
    let listed = app.get(&format!("/sales?product_id={id}")).await;
    assert_eq!(listed.assert_status(200)["items"][0]["unit_price"], "19.99");

    assert_eq!(app.get(&format!("/products/{id}")).await.body["current_inventory"], 7);
    let ledger = app.get(&format!("/products/{id}/inventory")).await.body;
    assert_eq!(ledger["items"][0]["reason"], "sale");
    assert_eq!(ledger["items"][0]["change"], -3);
    assert_eq!(ledger["items"][0]["quantity_after"], 7);
    assert_eq!(ledger["items"][0]["sale_id"], s["id"]);
}

#[tokio::test]
async fn sale_errors_of_the_contract() {
    let app = spawn_app().await;
    let id = app.toy("5", 2).await;
    let empty = app.stocked_product("toys", "5", 0).await["id"].as_i64().unwrap();
    let inactive = app
        .product(r#"{"name":"x","price":"1","category_name":"toys","current_inventory":5,"status":"inactive"}"#)
        .await["id"]
        .as_i64()
        .unwrap();

    let (status, ct, body) = sale(&app, r#"{"product_id":999,"units_sold":1}"#, None).await;
    assert_eq!((status, ct.as_str()), (404, "application/problem+json"), "{body}");
    let (status, _, body) = sale(&app, &format!(r#"{{"product_id":{inactive},"units_sold":1}}"#), None).await;
    assert_eq!((status, body["type"].as_str()), (422, Some("/problems/product-inactive")));
    let (status, _, body) = sale(&app, &format!(r#"{{"product_id":{empty},"units_sold":1}}"#), None).await;
    assert_eq!((status, body["type"].as_str()), (422, Some("/problems/out-of-stock")));
    let (status, _, body) = sale(&app, &format!(r#"{{"product_id":{id},"units_sold":3}}"#), None).await;
    assert_eq!(
        (status, body["type"].as_str(), body["available"].as_i64()),
        (422, Some("/problems/insufficient-stock"), Some(2))
    );
    let future = (chrono::Utc::now() + chrono::Duration::minutes(6)).to_rfc3339();
    let (status, _, body) =
        sale(&app, &format!(r#"{{"product_id":{id},"units_sold":1,"sold_at":"{future}"}}"#), None).await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["field"], "sold_at");

    for bad in [
        r#"{"product_id":1}"#.to_owned(),
        format!(r#"{{"product_id":{id},"units_sold":0}}"#),
        format!(r#"{{"product_id":{id},"units_sold":10001}}"#),
        format!(r#"{{"product_id":{id},"units_sold":"2"}}"#),
        format!(r#"{{"product_id":{id},"units_sold":1,"sold_at":"2023-02-30T00:00:00Z"}}"#),
        format!(r#"{{"product_id":{id},"units_sold":1,"total_price":"1.00"}}"#),
    ] {
        let (status, ct, body) = sale(&app, &bad, None).await;
        assert_eq!((status, ct.as_str()), (422, "application/problem+json"), "{bad}: {body}");
    }
    let (status, _, _) = sale(&app, r#"{"product_id":1,"#, None).await;
    assert_eq!(status, 400);
    let (status, _, _) =
        sale(&app, &format!(r#"{{"product_id":{id},"units_sold":1}}"#), Some("bad key with spaces")).await;
    assert_eq!(status, 400);

    // Nothing above was written.
    assert_eq!(app.get(&format!("/products/{id}")).await.body["current_inventory"], 2);
    assert_eq!(app.get("/sales").await.body["items"], json!([]));
    assert_eq!(ledger_sales(&app, id).await, 0);
}

#[tokio::test]
async fn forty_concurrent_sales_of_ten_units_sell_exactly_ten() {
    let app = spawn_app().await;
    let id = app.toy("3.50", 10).await;
    let body = format!(r#"{{"product_id":{id},"units_sold":1}}"#);
    let attempts = (0..40).map(|_| sale(&app, &body, None));
    let results = futures::future::join_all(attempts).await;
    let ok = results.iter().filter(|(s, _, _)| *s == 201).count();
    let refused = results.iter().filter(|(s, _, _)| *s == 422).count();
    assert_eq!((ok, refused), (10, 30), "statuses: {:?}", results.iter().map(|r| r.0).collect::<Vec<_>>());
    assert_eq!(app.get(&format!("/products/{id}")).await.body["current_inventory"], 0);
    assert_eq!(ledger_sales(&app, id).await, 10);
    let listed = app.get(&format!("/sales?product_id={id}&limit=100")).await.body;
    assert_eq!(listed["items"].as_array().unwrap().len(), 10);
}

#[tokio::test]
async fn idempotent_replay_returns_the_first_response_and_records_once() {
    let app = spawn_app().await;
    let id = app.toy("2", 100).await;
    let body = format!(r#"{{"product_id":{id},"units_sold":2}}"#);
    let reordered = format!(r#"{{ "units_sold": 2, "product_id": {id} }}"#);

    let (s1, _, first) = sale(&app, &body, Some("order-1")).await;
    let (s2, _, again) = sale(&app, &reordered, Some("order-1")).await;
    assert_eq!((s1, s2), (201, 201));
    assert_eq!(first, again, "same body, same sale id");

    let (s3, _, mismatch) = sale(&app, &format!(r#"{{"product_id":{id},"units_sold":3}}"#), Some("order-1")).await;
    assert_eq!(s3, 422, "{mismatch}");
    assert_eq!(mismatch["errors"][0]["field"], "Idempotency-Key");

    assert_eq!(app.get(&format!("/products/{id}")).await.body["current_inventory"], 98);
    assert_eq!(ledger_sales(&app, id).await, 1);

    // A refused sale's answer is kept too: a retry gets the same 422 even after a restock.
    let (s4, _, refused) = sale(&app, &format!(r#"{{"product_id":{id},"units_sold":500}}"#), Some("order-2")).await;
    assert_eq!(s4, 422);
    app.post(&format!("/products/{id}/inventory"), r#"{"change":1000}"#).await.assert_status(201);
    let (s5, ct, replayed) = sale(&app, &format!(r#"{{"product_id":{id},"units_sold":500}}"#), Some("order-2")).await;
    assert_eq!((s5, ct.as_str()), (422, "application/problem+json"));
    assert_eq!(refused, replayed);
}

#[tokio::test]
async fn the_same_key_sent_ten_times_at_once_records_one_sale() {
    let app = spawn_app().await;
    let id = app.toy("2", 100).await;
    let body = format!(r#"{{"product_id":{id},"units_sold":1}}"#);
    let results = futures::future::join_all((0..10).map(|_| sale(&app, &body, Some("burst")))).await;
    let created: Vec<&Value> = results.iter().filter(|r| r.0 == 201).map(|r| &r.2).collect();
    // Every request either got the one sale, or was told the first is still in flight (409).
    assert!(results.iter().all(|r| r.0 == 201 || r.0 == 409), "{:?}", results.iter().map(|r| r.0).collect::<Vec<_>>());
    assert!(!created.is_empty());
    assert!(created.iter().all(|s| s["id"] == created[0]["id"]), "one sale id");
    assert_eq!(app.get(&format!("/products/{id}")).await.body["current_inventory"], 99);
    assert_eq!(ledger_sales(&app, id).await, 1);
    // Once settled, a retry replays it.
    let (status, _, replay) = sale(&app, &body, Some("burst")).await;
    assert_eq!((status, &replay["id"]), (201, &created[0]["id"]));
}

#[tokio::test]
async fn sales_listings_filter_by_product_category_and_time_newest_first() {
    let app = spawn_app().await;
    app.category("toys").await;
    app.category("home").await;
    let toy = app.stocked_product("toys", "1", 100).await["id"].as_i64().unwrap();
    let lamp = app.stocked_product("home", "2", 100).await["id"].as_i64().unwrap();
    let at = [
        ("2023-01-31T23:30:00Z", toy),
        ("2023-02-01T00:30:00Z", lamp),
        ("2023-02-01T12:00:00Z", toy),
        ("2023-03-01T00:00:00Z", lamp),
    ];
    for (sold_at, id) in at {
        let (status, _, body) =
            sale(&app, &format!(r#"{{"product_id":{id},"units_sold":1,"sold_at":"{sold_at}"}}"#), None).await;
        assert_eq!(status, 201, "{body}");
    }
    // The toy moves to home: its earlier sales stay in toys.
    app.patch(&format!("/products/{toy}"), r#"{"category_name":"home"}"#).await.assert_status(200);
    sale(&app, &format!(r#"{{"product_id":{toy},"units_sold":1,"sold_at":"2023-03-02T00:00:00Z"}}"#), None).await;

    let times = |body: &Value| {
        body["items"].as_array().unwrap().iter().map(|s| s["sold_at"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    };
    let all = app.get("/sales").await;
    assert_eq!(times(all.assert_status(200)).len(), 5);
    assert_eq!(times(&all.body)[0], "2023-03-02T00:00:00Z", "newest first");

    let toys = app.get("/sales?category_name=toys").await;
    assert_eq!(times(toys.assert_status(200)), ["2023-02-01T12:00:00Z", "2023-01-31T23:30:00Z"]);
    let toy_in_home = app.get(&format!("/sales?category_name=home&product_id={toy}")).await;
    assert_eq!(times(toy_in_home.assert_status(200)), ["2023-03-02T00:00:00Z"]);
    let by_product = app.get(&format!("/sales?product_id={toy}")).await;
    assert_eq!(times(by_product.assert_status(200)).len(), 3);

    // Dates are whole days, inclusive, in the store zone (UTC here) or `tz`.
    let feb = app.get("/sales?from=2023-02-01&to=2023-02-28").await;
    assert_eq!(times(feb.assert_status(200)), ["2023-02-01T12:00:00Z", "2023-02-01T00:30:00Z"]);
    let feb_karachi = app.get("/sales?from=2023-02-01&to=2023-02-28&tz=Asia/Karachi").await;
    // 2023-01-31T23:30Z is 04:30 on Feb 1 in Karachi; 2023-02-28 ends at 19:00Z.
    assert_eq!(
        times(feb_karachi.assert_status(200)),
        ["2023-02-01T17:00:00+05:00", "2023-02-01T05:30:00+05:00", "2023-02-01T04:30:00+05:00"]
    );
    let instant = app.get("/sales?from=2023-02-01T00:30:00Z&to=2023-02-01T00:30:00Z").await;
    assert_eq!(times(instant.assert_status(200)), ["2023-02-01T00:30:00Z"]);

    // Paging walks the same order.
    let mut seen = Vec::new();
    let mut url = "/sales?limit=2".to_owned();
    loop {
        let page = app.get(&url).await.assert_status(200).clone();
        seen.extend(times(&page));
        match page["next_cursor"].as_str() {
            Some(c) => url = format!("/sales?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, times(&all.body));

    for bad in [
        "/sales?from=2023-13-01",
        "/sales?tz=Mars/Olympus",
        "/sales?product_id=x",
        "/sales?category_name=BAD",
        "/sales?from=2023-02-02&to=2023-02-01",
        "/sales?limit=500",
        "/sales?cursor=abc",
    ] {
        app.get(bad).await.assert_problem(400);
    }
    app.request(Method::DELETE, "/sales", None).await.assert_problem(405);
}

/// A cursor is a position in one list: used with other filters, its key can be outside the
/// query's key condition, which DynamoDB refuses ("The provided starting key does not match the
/// range key predicate", a ValidationException). That is the caller's mistake, a 400 naming the
/// cursor, not a 500; DynamoDB Local showed it (Dynoxide answers the same).
#[tokio::test]
async fn a_cursor_used_with_other_filters_is_a_bad_cursor_not_an_internal_error() {
    let app = spawn_app().await;
    let toy = app.toy("1", 100).await;
    for sold_at in ["2022-06-01T10:00:00Z", "2023-06-01T10:00:00Z", "2023-06-02T10:00:00Z"] {
        let (status, _, body) =
            sale(&app, &format!(r#"{{"product_id":{toy},"units_sold":1,"sold_at":"{sold_at}"}}"#), None).await;
        assert_eq!(status, 201, "{body}");
    }
    for list in ["/sales?", &format!("/sales?product_id={toy}&"), "/sales?category_name=toys&"] {
        // The first page of the whole list ends on a 2023 sale...
        let page = app.get(&format!("{list}limit=1")).await.assert_status(200).clone();
        let cursor = page["next_cursor"].as_str().expect("a next page").to_owned();
        // ...which is outside 2022: the 2022 list cannot start after it.
        let reply = app.get(&format!("{list}from=2022-01-01&to=2022-12-31&cursor={cursor}")).await;
        reply.assert_problem(400);
        assert_eq!(reply.error_fields(), ["cursor"], "{list}: {}", reply.body);
        // With the filters it came from, it still reads on.
        let rest = app.get(&format!("{list}limit=5&cursor={cursor}")).await;
        assert_eq!(rest.assert_status(200)["items"].as_array().unwrap().len(), 2, "{list}");
    }
}

#[tokio::test]
async fn demo_data_loads_through_the_sale_path_and_matches_the_seed() {
    let app = spawn_app().await;
    assert!(local_runner::seed::is_empty(&app.state).await.unwrap());
    let report = local_runner::seed::load(&app.state, &local_runner::seed::demo_data()).await.unwrap();
    assert_eq!((report.categories, report.products, report.sales), (5, 8, 18));
    assert!(!local_runner::seed::is_empty(&app.state).await.unwrap());
    let stock = |id: i64| {
        let app = &app;
        async move { app.get(&format!("/products/{id}")).await.body["current_inventory"].as_i64().unwrap() }
    };
    assert_eq!((stock(1).await, stock(2).await, stock(3).await), (1, 6, 4));
    let sales = app.get("/sales?limit=100").await.body;
    assert_eq!(sales["items"].as_array().unwrap().len(), 18);
    assert_eq!(ledger_sales(&app, 1).await + ledger_sales(&app, 2).await + ledger_sales(&app, 3).await, 18);
}

#[tokio::test]
async fn a_cursor_is_bound_to_the_filters_and_window_it_was_issued_for() {
    let app = spawn_app().await;
    app.category("toys").await;
    let toy = app.stocked_product("toys", "1", 100).await["id"].as_i64().unwrap();
    for sold_at in ["2023-06-01T10:00:00Z", "2023-06-02T10:00:00Z", "2023-06-03T10:00:00Z", "2023-06-04T10:00:00Z"] {
        sale(&app, &format!(r#"{{"product_id":{toy},"units_sold":1,"sold_at":"{sold_at}"}}"#), None).await;
    }
    for list in ["/sales?", &format!("/sales?product_id={toy}&"), "/sales?category_name=toys&"] {
        let page = app.get(&format!("{list}limit=1&from=2023-01-01")).await.assert_status(200).clone();
        let cursor = page["next_cursor"].as_str().expect("a next page").to_owned();
        // The key it ends on is inside the other window too: only the binding can tell.
        for other in ["from=2023-06-02&to=2023-06-30", "to=2023-12-31", "", "has_returns=false&from=2023-01-01"] {
            let reply = app.get(&format!("{list}{other}&cursor={cursor}")).await;
            reply.assert_problem(400);
            assert_eq!(reply.error_fields(), ["cursor"], "{list}{other}: {}", reply.body);
        }
        let rest = app.get(&format!("{list}limit=5&from=2023-01-01&cursor={cursor}")).await;
        assert_eq!(rest.assert_status(200)["items"].as_array().unwrap().len(), 3, "{list}");
    }
    // Every other listing shape: a cursor of one listing is refused by another.
    app.category("games").await;
    app.stocked_product("games", "2", 100).await;
    let page = app.get("/products?limit=1").await.assert_status(200).clone();
    let cursor = page["next_cursor"].as_str().expect("a second product").to_owned();
    app.get(&format!("/products?status=active&cursor={cursor}")).await.assert_problem(400);
    app.get(&format!("/products?limit=1&cursor={cursor}")).await.assert_status(200);
    let page = app.get("/categories?limit=1").await.assert_status(200).clone();
    let cursor = page["next_cursor"].as_str().expect("a second category").to_owned();
    for other in ["/reports/daily", &format!("/products/{toy}/inventory"), "/inventory/low-stock", "/products"] {
        let reply = app.get(&format!("{other}?cursor={cursor}")).await;
        reply.assert_problem(400);
        assert_eq!(reply.error_fields(), ["cursor"], "{other}: {}", reply.body);
    }
}
