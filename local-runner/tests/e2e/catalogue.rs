//! The catalogue endpoints of the contract, end to end.

use reqwest::Method;
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn category_lifecycle() {
    let app = spawn_app().await;
    let created = app.post("/categories", r#"{"name":"electronics","description":"gadgets"}"#).await;
    let body = created.assert_status(201);
    assert_eq!(body["name"], "electronics");
    assert_eq!(body["description"], "gadgets");
    assert!(body["created_at"].as_str().unwrap().ends_with('Z'));

    app.post("/categories", r#"{"name":"electronics"}"#).await.assert_problem(409);

    let got = app.get("/categories/electronics").await;
    assert_eq!(got.assert_status(200)["description"], "gadgets");
    app.get("/categories/nothing-here").await.assert_problem(404);

    let patched = app.patch("/categories/electronics", r#"{"description":"phones and more"}"#).await;
    assert_eq!(patched.assert_status(200)["description"], "phones and more");
    app.patch("/categories/nothing-here", r#"{"description":"x"}"#).await.assert_problem(404);

    let deleted = app.delete("/categories/electronics").await;
    assert_eq!(deleted.status.as_u16(), 204);
    app.get("/categories/electronics").await.assert_problem(404);
    app.delete("/categories/electronics").await.assert_problem(404);
}

#[tokio::test]
async fn categories_page_with_cursor_in_name_order() {
    let app = spawn_app().await;
    for name in ["toys", "fashion", "electronics", "home", "books"] {
        app.category(name).await;
    }
    let first = app.get("/categories?limit=2").await;
    let body = first.assert_status(200);
    let names: Vec<&str> = body["items"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["books", "electronics"]);
    let mut seen: Vec<String> = names.iter().map(std::string::ToString::to_string).collect();
    let mut cursor = body["next_cursor"].as_str().map(str::to_owned);
    while let Some(c) = cursor {
        let page = app.get(&format!("/categories?limit=2&cursor={c}")).await;
        let body = page.assert_status(200).clone();
        seen.extend(body["items"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_owned()));
        cursor = body["next_cursor"].as_str().map(str::to_owned);
    }
    assert_eq!(seen, ["books", "electronics", "fashion", "home", "toys"]);

    app.get("/categories?limit=0").await.assert_problem(400);
    app.get("/categories?limit=101").await.assert_problem(400);
    app.get("/categories?limit=abc").await.assert_problem(400);
    app.get("/categories?cursor=garbage").await.assert_problem(400);
    // A cursor of another list (another partition), even bound to this listing, is rejected
    // before DynamoDB sees it.
    let product_cursor = store::cursor::encode(
        &std::collections::HashMap::from([
            ("PK".to_owned(), aws_sdk_dynamodb::types::AttributeValue::S("PRODUCT#1".into())),
            ("SK".to_owned(), aws_sdk_dynamodb::types::AttributeValue::S("LEDGER#1".into())),
        ]),
        &store::cursor::Listing::new("categories"),
    );
    app.get(&format!("/categories?cursor={product_cursor}")).await.assert_problem(400);
}

#[tokio::test]
async fn category_in_use_cannot_be_deleted_until_its_products_move() {
    let app = spawn_app().await;
    app.category("toys").await;
    app.category("games").await;
    let product = app.stocked_product("toys", "10", 1).await;
    let id = product["id"].as_i64().unwrap();

    let refused = app.delete("/categories/toys").await;
    refused.assert_problem(409);
    assert!(refused.body["detail"].as_str().unwrap().contains("1 product"));

    app.patch(&format!("/products/{id}"), r#"{"category_name":"games"}"#).await.assert_status(200);
    assert_eq!(app.get("/categories/toys").await.body["product_count"], 0);
    assert_eq!(app.get("/categories/games").await.body["product_count"], 1);
    assert_eq!(app.delete("/categories/toys").await.status.as_u16(), 204);
    app.delete("/categories/games").await.assert_problem(409);
}

#[tokio::test]
async fn product_create_get_and_defaults() {
    let app = spawn_app().await;
    app.category("electronics").await;
    let created = app.post("/products", r#"{"name":"Ophone","price":2000,"category_name":"electronics"}"#).await;
    let p = created.assert_status(201);
    assert_eq!(p["id"], 1);
    assert_eq!(p["price"], "2000.00");
    assert_eq!(p["status"], "active");
    assert_eq!(p["current_inventory"], 0);
    assert_eq!(p["low_stock_alert_threshold"], 10);
    assert_eq!(p["description"], serde_json::Value::Null);
    for field in [
        "id",
        "name",
        "description",
        "price",
        "image",
        "category_name",
        "status",
        "current_inventory",
        "low_stock_alert_threshold",
        "created_at",
        "updated_at",
    ] {
        assert!(p.get(field).is_some(), "product has {field}");
    }
    let second =
        app.product(r#"{"name":"Tablet","price":"0.10","category_name":"electronics","current_inventory":3}"#).await;
    assert_eq!(second["id"], 2);
    assert_eq!(second["price"], "0.10");

    let got = app.get("/products/2").await;
    assert_eq!(got.assert_status(200)["name"], "Tablet");
    app.get("/products/999").await.assert_problem(404);
    app.get("/products/abc").await.assert_problem(400);
    app.get("/products/0").await.assert_problem(400);
    assert_eq!(app.get("/categories/electronics").await.body["product_count"], 2);
}

#[tokio::test]
async fn bad_product_input_is_rejected_and_writes_nothing() {
    let app = spawn_app().await;
    app.category("toys").await;
    let cases: &[(&str, u16, &[&str])] = &[
        (r#"{"name":"x","price":"1.234","category_name":"toys"}"#, 422, &["price"]),
        (r#"{"name":"x","price":-1,"category_name":"toys"}"#, 422, &["price"]),
        (r#"{"name":"x","price":1e3,"category_name":"toys"}"#, 422, &["price"]),
        (r#"{"name":"x","price":true,"category_name":"toys"}"#, 422, &["price"]),
        (r#"{"name":"","price":1,"category_name":"toys"}"#, 422, &["name"]),
        (r#"{"price":1,"category_name":"toys"}"#, 422, &["name"]),
        (r#"{"name":"x","price":1,"category_name":"toys","current_inventory":-1}"#, 422, &["current_inventory"]),
        (r#"{"name":"x","price":1,"category_name":"toys","current_inventory":1.5}"#, 422, &["current_inventory"]),
        (r#"{"name":"x","price":1,"category_name":"toys","status":"sold"}"#, 422, &["status"]),
        (r#"{"name":"x","price":1,"category_name":"toys","colour":"red"}"#, 422, &["colour"]),
        (r#"{"name":"x","price":1,"category_name":"Toys!"}"#, 422, &["category_name"]),
        (r#"{"name":"x","price":1,"category_name":"no-such"}"#, 422, &["category_name"]),
        (r#"{"name":"x","price":1,"#, 400, &[]),
        (r"[1,2]", 400, &[]),
    ];
    for (body, status, fields) in cases {
        let reply = app.post("/products", body).await;
        reply.assert_problem(*status);
        assert_eq!(reply.error_fields(), *fields, "{body}");
    }
    // Nothing was written and no id was used up: the next good product is id 1.
    assert_eq!(app.get("/products").await.body["items"], json!([]));
    assert_eq!(app.get("/categories/toys").await.body["product_count"], 0);
    assert_eq!(app.stocked_product("toys", "1", 0).await["id"], 1);
}

#[tokio::test]
async fn oversized_and_wrong_method_requests_are_problems() {
    let app = spawn_app().await;
    let big = format!(r#"{{"name":"toys","description":"{}"}}"#, "x".repeat(70 * 1024));
    app.post("/categories", &big).await.assert_problem(413);
    app.request(Method::PUT, "/categories", Some("{}")).await.assert_problem(405);
    app.request(Method::DELETE, "/products/1", None).await.assert_problem(405);
    app.get("/nowhere").await.assert_problem(404);
    app.get("/categories/Not%20Valid").await.assert_problem(400);
    app.get("/products?bogus=1").await.assert_problem(400);
    app.get("/products?status=gone").await.assert_problem(400);
    assert_eq!(app.get("/categories").await.body["items"], json!([]));
}

#[tokio::test]
async fn product_ids_are_allocated_atomically_under_concurrency() {
    let app = spawn_app().await;
    app.category("toys").await;
    let creates = (0..12).map(|_| app.post("/products", r#"{"name":"x","price":"1","category_name":"toys"}"#));
    let replies = futures::future::join_all(creates).await;
    let mut ids: Vec<i64> = replies.iter().map(|r| r.assert_status(201)["id"].as_i64().unwrap()).collect();
    ids.sort_unstable();
    assert_eq!(ids, (1..=12).collect::<Vec<_>>());
    assert_eq!(app.get("/categories/toys").await.body["product_count"], 12);
}

#[tokio::test]
async fn product_lists_filter_by_category_and_status_and_page() {
    let app = spawn_app().await;
    app.category("toys").await;
    app.category("home").await;
    for (cat, status) in
        [("toys", "active"), ("home", "active"), ("toys", "inactive"), ("toys", "active"), ("home", "inactive")]
    {
        app.product(&format!(r#"{{"name":"p","price":"1","category_name":"{cat}","status":"{status}"}}"#)).await;
    }
    let ids = |path: String| {
        let app = &app;
        async move {
            let mut all = Vec::new();
            let mut cursor: Option<String> = None;
            loop {
                let sep = if path.contains('?') { '&' } else { '?' };
                let url = match &cursor {
                    Some(c) => format!("{path}{sep}limit=2&cursor={c}"),
                    None => format!("{path}{sep}limit=2"),
                };
                let body = app.get(&url).await.assert_status(200).clone();
                all.extend(body["items"].as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()));
                match body["next_cursor"].as_str() {
                    Some(c) => cursor = Some(c.to_owned()),
                    None => return all,
                }
            }
        }
    };
    assert_eq!(ids("/products".into()).await, [1, 2, 3, 4, 5]);
    assert_eq!(ids("/products?status=inactive".into()).await, [3, 5]);
    assert_eq!(ids("/products?category_name=toys".into()).await, [1, 4, 3], "active first, then inactive");
    assert_eq!(ids("/products?category_name=toys&status=active".into()).await, [1, 4]);
    assert_eq!(ids("/products?category_name=home&status=inactive".into()).await, [5]);
    assert_eq!(ids("/products?category_name=nothing".into()).await, Vec::<i64>::new());
}

#[tokio::test]
async fn patch_product_fields_and_absolute_stock() {
    let app = spawn_app().await;
    app.category("toys").await;
    let p = app.stocked_product("toys", "10.00", 20).await;
    let id = p["id"].as_i64().unwrap();
    let patched = app
        .patch(
            &format!("/products/{id}"),
            r#"{"name":"Robot","price":"12.5","description":"beep","current_inventory":7,"status":"inactive"}"#,
        )
        .await;
    let body = patched.assert_status(200);
    assert_eq!(body["name"], "Robot");
    assert_eq!(body["price"], "12.50");
    assert_eq!(body["current_inventory"], 7);
    assert_eq!(body["status"], "inactive");
    assert_ne!(body["updated_at"], p["updated_at"]);

    let ledger = app.get(&format!("/products/{id}/inventory")).await;
    let entries = ledger.assert_status(200)["items"].as_array().unwrap().clone();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["reason"], "adjustment");
    assert_eq!(entries[0]["change"], -13);
    assert_eq!(entries[0]["quantity_after"], 7);
    assert_eq!(entries[1]["reason"], "initial");

    let cleared = app.patch(&format!("/products/{id}"), r#"{"description":null}"#).await;
    assert_eq!(cleared.assert_status(200)["description"], serde_json::Value::Null);

    app.patch(&format!("/products/{id}"), r#"{"category_name":"nowhere"}"#).await.assert_problem(422);
    app.patch(&format!("/products/{id}"), "{}").await.assert_problem(422);
    app.patch(&format!("/products/{id}"), r#"{"price":"abc"}"#).await.assert_problem(422);
    app.patch("/products/999", r#"{"name":"x"}"#).await.assert_problem(404);
    // The failed patches changed nothing.
    let after = app.get(&format!("/products/{id}")).await.body;
    assert_eq!((after["category_name"].as_str(), after["price"].as_str()), (Some("toys"), Some("12.50")));
    assert_eq!(app.get(&format!("/products/{id}/inventory")).await.body["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn inventory_changes_write_one_ledger_entry_each() {
    let app = spawn_app().await;
    let id = app.toy("1", 5).await;
    let path = format!("/products/{id}/inventory");

    let restock = app.post(&path, r#"{"change":10,"reason":"restock"}"#).await;
    let e = restock.assert_status(201);
    assert_eq!(
        (e["change"].as_i64(), e["quantity_after"].as_i64(), e["reason"].as_str()),
        (Some(10), Some(15), Some("restock"))
    );

    let set = app.post(&path, r#"{"set":4}"#).await;
    let e = set.assert_status(201);
    assert_eq!(
        (e["change"].as_i64(), e["quantity_after"].as_i64(), e["reason"].as_str()),
        (Some(-11), Some(4), Some("adjustment"))
    );

    let below = app.post(&path, r#"{"change":-5}"#).await;
    below.assert_problem(422);

    app.post(&path, r#"{"change":0}"#).await.assert_problem(422);
    app.post(&path, r#"{"set":-1}"#).await.assert_problem(422);
    app.post(&path, r#"{"change":1,"reason":"sale"}"#).await.assert_problem(422);
    app.post(&path, r#"{"change":1,"set":2}"#).await.assert_problem(422);
    // Exponents too large for any whole number are rejected from their digits, never expanded
    // (api::wire's unit tests pin the reading), and change nothing.
    for huge in ["1e9223372036854775807", "1e99999999999999999999", "-12e9223372036854775806"] {
        let reply = app.post(&path, &format!(r#"{{"change":{huge}}}"#)).await;
        assert_eq!(reply.assert_problem(422).error_fields(), ["change"], "{huge}");
    }
    assert_eq!(app.get(&format!("/products/{id}")).await.body["current_inventory"], 4, "no change was written");
    app.post("/products/999/inventory", r#"{"change":1}"#).await.assert_problem(404);
    app.get("/products/999/inventory").await.assert_problem(404);

    assert_eq!(app.get(&format!("/products/{id}")).await.body["current_inventory"], 4);
    let ledger = app.get(&path).await.body;
    let reasons: Vec<&str> =
        ledger["items"].as_array().unwrap().iter().map(|e| e["reason"].as_str().unwrap()).collect();
    assert_eq!(reasons, ["adjustment", "restock", "initial"], "newest first, failed changes absent");
}

#[tokio::test]
async fn concurrent_stock_changes_are_all_counted() {
    let app = spawn_app().await;
    let id = app.toy("1", 0).await;
    let path = format!("/products/{id}/inventory");
    let changes = (0..15).map(|_| app.post(&path, r#"{"change":2}"#));
    for reply in futures::future::join_all(changes).await {
        reply.assert_status(201);
    }
    assert_eq!(app.get(&format!("/products/{id}")).await.body["current_inventory"], 30);
    let ledger = app.get(&format!("{path}?limit=100")).await.body;
    let entries = ledger["items"].as_array().unwrap();
    assert_eq!(entries.len(), 16);
    let mut after: Vec<i64> = entries.iter().map(|e| e["quantity_after"].as_i64().unwrap()).collect();
    after.reverse();
    assert_eq!(after, (0..=15).map(|i| i * 2).collect::<Vec<_>>(), "every entry continues the last one");
}

#[tokio::test]
async fn low_stock_lists_active_products_at_or_below_threshold() {
    let app = spawn_app().await;
    app.category("toys").await;
    app.category("home").await;
    let plenty = app.product(r#"{"name":"a","price":"1","category_name":"toys","current_inventory":50}"#).await;
    let low = app.product(r#"{"name":"b","price":"1","category_name":"toys","current_inventory":10}"#).await;
    let low_home = app
        .product(
            r#"{"name":"c","price":"1","category_name":"home","current_inventory":2,"low_stock_alert_threshold":3}"#,
        )
        .await;
    app.product(r#"{"name":"d","price":"1","category_name":"home","current_inventory":0,"status":"inactive"}"#).await;

    let ids = |body: &serde_json::Value| {
        body["items"].as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect::<Vec<_>>()
    };
    let all = app.get("/inventory/low-stock").await;
    assert_eq!(ids(all.assert_status(200)), [low_home["id"].as_i64().unwrap(), low["id"].as_i64().unwrap()]);
    let toys = app.get("/inventory/low-stock?category_name=toys").await;
    assert_eq!(ids(toys.assert_status(200)), [low["id"].as_i64().unwrap()]);

    // Falling to the threshold adds a product; restocking above it removes it.
    let plenty_id = plenty["id"].as_i64().unwrap();
    app.post(&format!("/products/{plenty_id}/inventory"), r#"{"set":1}"#).await.assert_status(201);
    app.post(&format!("/products/{}/inventory", low["id"]), r#"{"change":100}"#).await.assert_status(201);
    let toys = app.get("/inventory/low-stock?category_name=toys").await;
    assert_eq!(ids(toys.assert_status(200)), [plenty_id]);
    app.get("/inventory/low-stock?category_name=BAD").await.assert_problem(400);
}

#[tokio::test]
async fn health_and_request_ids() {
    let app = spawn_app().await;
    let resp = app.http.get(format!("{}/health", app.base)).header("x-request-id", "abc-123").send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()["x-request-id"], "abc-123");
    let resp = app.http.get(format!("{}/health", app.base)).send().await.unwrap();
    assert_eq!(resp.headers()["x-request-id"].len(), 36, "a generated uuid");
    let insane = "x".repeat(200);
    let resp = app.http.get(format!("{}/health", app.base)).header("x-request-id", &insane).send().await.unwrap();
    assert_eq!(resp.headers()["x-request-id"].len(), 36, "an overlong caller id is replaced by a uuid");
    let resp = app.http.get(format!("{}/nowhere", app.base)).header("x-request-id", "abc-124").send().await.unwrap();
    assert_eq!((resp.status().as_u16(), &resp.headers()["x-request-id"]), (404, &"abc-124".parse().unwrap()));
}
