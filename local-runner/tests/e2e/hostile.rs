//! Input that once broke a request: each answer is a clear 4xx problem+json and writes nothing,
//! or, where the input means the same as a valid one, the same answer.

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::spawn_app;

#[tokio::test]
async fn the_smallest_integer_as_a_stock_change_is_a_rule_broken_not_a_crash() {
    let app = spawn_app().await;
    let id = app.toy("1.00", 5).await;
    for change in ["-9223372036854775808", "9223372036854775807", "-1e30"] {
        let r = app.post(&format!("/products/{id}/inventory"), &format!(r#"{{"change":{change}}}"#)).await;
        assert!(matches!(r.status.as_u16(), 400 | 422), "{change}: {}", r.body);
        r.assert_problem(r.status.as_u16());
    }
    assert_eq!(app.get(&format!("/products/{id}")).await.body["current_inventory"], 5);
}

#[tokio::test]
async fn names_need_a_visible_character_and_no_control_characters() {
    let app = spawn_app().await;
    app.category("toys").await;
    for (body, field) in [
        (r#"{"name":"\u200b","price":"1.00","category_name":"toys"}"#, "name"),
        (r#"{"name":"\u200d\ufeff ","price":"1.00","category_name":"toys"}"#, "name"),
        (r#"{"name":"a\u0000b","price":"1.00","category_name":"toys"}"#, "name"),
        (r#"{"name":"lamp","description":"bad\u001b[31m","price":"1.00","category_name":"toys"}"#, "description"),
    ] {
        let r = app.post("/products", body).await;
        r.assert_problem(422);
        assert_eq!(r.error_fields(), [field], "{body}");
    }
    let ok = app
        .post("/products", r#"{"name":"Lämp ✨","description":"two\nlines","price":"1.00","category_name":"toys"}"#)
        .await;
    ok.assert_status(201);
    let listed = app.get("/products").await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1, "only the valid product was stored");
    let r = app.post("/categories", r#"{"name":"garden","description":"nul\u0000"}"#).await;
    r.assert_problem(422);
    assert_eq!(r.error_fields(), ["description"]);
}

#[tokio::test]
async fn setting_the_stock_it_already_has_writes_no_entry_on_either_path() {
    let app = spawn_app().await;
    let id = app.toy("1.00", 7).await;
    let entries =
        || async { app.get(&format!("/products/{id}/inventory")).await.body["items"].as_array().unwrap().len() };
    assert_eq!(entries().await, 1, "the initial entry");
    let same = app.post(&format!("/products/{id}/inventory"), r#"{"set":7}"#).await;
    let entry = same.assert_status(200);
    assert_eq!(
        (entry["quantity_after"].as_i64(), entry["reason"].as_str()),
        (Some(7), Some("initial")),
        "the latest entry"
    );
    app.patch(&format!("/products/{id}"), r#"{"current_inventory":7}"#).await.assert_status(200);
    assert_eq!(entries().await, 1, "no zero entry from either path");
    app.post(&format!("/products/{id}/inventory"), r#"{"set":9}"#).await.assert_status(201);
    assert_eq!(entries().await, 2);
}

#[tokio::test]
async fn a_retry_that_writes_the_same_number_differently_is_the_same_request() {
    let app = spawn_app().await;
    let id = app.toy("1.00", 10).await;
    let send = |body: String| {
        let app = &app;
        async move {
            let r = app
                .http
                .post(format!("{}/sales", app.base))
                .header("Idempotency-Key", "till-7-order-1")
                .body(body)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<serde_json::Value>().await.unwrap())
        }
    };
    let (s1, first) = send(format!(r#"{{"product_id":{id},"units_sold":2.0}}"#)).await;
    let (s2, again) = send(format!(r#"{{"units_sold":2,"product_id":{id}.0}}"#)).await;
    assert_eq!((s1, s2), (201, 201));
    assert_eq!(first["id"], again["id"], "the first response again");
    let (s3, _) = send(format!(r#"{{"product_id":{id},"units_sold":3}}"#)).await;
    assert_eq!(s3, 422, "a different body under the same key");
    assert_eq!(app.get(&format!("/products/{id}")).await.body["current_inventory"], 8, "one sale");
}

#[tokio::test]
async fn a_body_shorter_than_its_content_length_is_malformed_not_too_large() {
    let app = spawn_app().await;
    let addr = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = "POST /categories HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\
                   Connection: close\r\n\r\n{\"name\":\"abc\"}";
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.shutdown().await.unwrap(); // the rest of the body never comes
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 400"), "{response}");
    assert!(response.contains("application/problem+json"), "{response}");
    assert!(response.contains("could not be read"), "{response}");
    assert_eq!(app.get("/categories/abc").await.status.as_u16(), 404, "nothing written");
}
