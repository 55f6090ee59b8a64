//! The other half of "the document cannot drift" (the first: `docs::the_committed_document_is_the_generated_one`):
//! every request body the document describes is the body its handler reads. Walked from the
//! document, not listed by hand, for each operation with a body and each form of it (`oneOf`):
//! - it is a closed object (`additionalProperties: false`) whose required members are declared;
//! - a body of only its required members (from the schema's example) passes validation;
//! - without any one required member, or with a member it does not declare, it is a 422
//!   problem+json, the unknown member named;
//! - each declared member is one the handler knows.

use reqwest::Method;
use serde_json::{Map, Value, json};

use crate::helpers::{TestApp, spawn_app};

/// A member no body declares.
const UNDOCUMENTED: &str = "x_undocumented";

/// The schema `schema` stands for: a `$ref` to the document's components followed.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/schemas/")) {
        Some(name) => resolve(doc, &doc["components"]["schemas"][name]),
        None => schema,
    }
}

/// The forms a body may take: each alternative of a `oneOf` or `anyOf`, or the one object.
fn forms<'a>(doc: &'a Value, schema: &'a Value) -> Vec<&'a Value> {
    let schema = resolve(doc, schema);
    match schema.get("oneOf").or_else(|| schema.get("anyOf")).and_then(Value::as_array) {
        Some(alternatives) => alternatives.iter().flat_map(|a| forms(doc, a)).collect(),
        None => vec![schema],
    }
}

/// A schema's example: `examples[0]`, or the older `example`.
fn example(schema: &Value) -> Option<&Map<String, Value>> {
    schema["examples"][0].as_object().or_else(|| schema["example"].as_object())
}

/// The smallest valid body of a form: its required members, and more of its example while the
/// form asks for more members (`minProperties`), the values taken from its example.
fn required_only(form: &Value, example: &Map<String, Value>, operation: &str) -> Map<String, Value> {
    let mut body = Map::new();
    for name in form["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
        let value = example.get(name).unwrap_or_else(|| panic!("{operation}: the example gives the required {name}"));
        body.insert(name.to_owned(), value.clone());
    }
    let min_properties = form["minProperties"].as_u64().unwrap_or(0);
    for (name, value) in example {
        if body.len() as u64 >= min_properties {
            break;
        }
        body.insert(name.clone(), value.clone());
    }
    body
}

/// A table where every path the document names exists: the category `electronics`, products 1
/// to 4 with stock, and a sale of product 1 (its id returned, for `/sales/{id}` paths).
async fn stocked_table(app: &TestApp) -> String {
    app.category("electronics").await;
    for _ in 1..=4 {
        app.stocked_product("electronics", "10.00", 1000).await;
    }
    let sale = app.post("/sales", r#"{"product_id":1,"units_sold":100}"#).await.assert_status(201).clone();
    sale["id"].as_str().expect("sale id").to_owned()
}

/// Whether a reply says the body was refused by validation (400 or a validation 422), rather
/// than served or refused by a rule of the resource (404, 409, another 422).
fn refused_by_validation(reply: &test_support::Reply) -> bool {
    reply.status.as_u16() == 400 || (reply.status.as_u16() == 422 && reply.body["type"] == "/problems/validation-error")
}

#[tokio::test]
async fn every_request_body_schema_is_the_body_its_handler_reads() {
    let app = spawn_app().await;
    let sale_id = stocked_table(&app).await;
    let doc = app.get("/openapi.json").await.assert_status(200).clone();
    let mut forms_checked = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let url = path
            .replace("{id}", if path.starts_with("/sales/") { &sale_id } else { "1" })
            .replace("{name}", "electronics");
        for (method, op) in item.as_object().expect("path item") {
            let Some(schema) = op["requestBody"]["content"]["application/json"].get("schema") else { continue };
            let operation = format!("{} {path}", method.to_uppercase());
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let send = |body: &Map<String, Value>| {
                let body = Value::Object(body.clone()).to_string();
                let (method, url) = (method.clone(), url.clone());
                let app = &app;
                async move { app.request(method, &url, Some(&body)).await }
            };
            let body_example = example(resolve(&doc, schema));
            for form in forms(&doc, schema) {
                let name = format!("{operation} ({})", form["required"]);
                assert_eq!(form["type"], "object", "{name}: a body is an object");
                assert_eq!(form["additionalProperties"], false, "{name}: unknown members are refused, so documented");
                let properties = form["properties"].as_object().unwrap_or_else(|| panic!("{name} declares members"));
                let required: Vec<&str> =
                    form["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
                for member in &required {
                    assert!(properties.contains_key(*member), "{name}: the required {member} is declared");
                }
                let example = example(form).or(body_example).unwrap_or_else(|| panic!("{name} has an example"));
                let minimal = required_only(form, example, &name);

                let reply = send(&minimal).await;
                assert!(
                    !refused_by_validation(&reply),
                    "{name}: {minimal:?} passes validation: {} {}",
                    reply.status,
                    reply.body
                );

                for member in &required {
                    let mut body = minimal.clone();
                    body.remove(*member);
                    let reply = send(&body).await;
                    reply.assert_problem(422);
                    assert!(
                        refused_by_validation(&reply),
                        "{name}: without {member} the body is invalid: {}",
                        reply.body
                    );
                }

                let mut body = minimal.clone();
                body.insert(UNDOCUMENTED.into(), json!(1));
                let reply = send(&body).await;
                reply.assert_problem(422);
                assert_eq!(
                    reply.error_fields(),
                    [UNDOCUMENTED],
                    "{name}: an undocumented member is named: {}",
                    reply.body
                );

                for member in properties.keys() {
                    let mut body = minimal.clone();
                    body.insert(member.clone(), example.get(member).cloned().unwrap_or(Value::Null));
                    let reply = send(&body).await;
                    let unknown = reply.body["errors"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|e| e["field"] == member.as_str() && e["message"] == "is not a known field");
                    assert!(!unknown, "{name}: the declared {member} is one the handler knows: {}", reply.body);
                }
                forms_checked += 1;
            }
        }
    }
    // Two category bodies, two product bodies, the two forms of a stock change, a sale, a return.
    assert!(forms_checked >= 8, "checked {forms_checked} body forms");
}

/// Sends `head` (and `body`) on a raw connection to the app; the status line of the answer and
/// whether the server then closed the connection. A bound on every read: a server that holds
/// the connection fails the test rather than hanging it.
async fn raw_exchange(app: &TestApp, head: &str, body: &[u8]) -> (String, bool) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.base.trim_start_matches("http://").trim_end_matches('/').to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let bound = std::time::Duration::from_secs(30);
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    let closed = loop {
        match tokio::time::timeout(bound, stream.read(&mut buf)).await {
            Ok(Ok(0)) => break true,
            Ok(Ok(n)) => answer.extend_from_slice(&buf[..n]),
            Ok(Err(_)) => break true, // reset: closed too
            Err(_) => break false,
        }
    };
    let text = String::from_utf8_lossy(&answer);
    (text.lines().next().unwrap_or("").to_owned(), closed)
}

#[tokio::test]
async fn a_body_declared_over_the_limit_is_refused_at_once_and_the_connection_closed() {
    let app = spawn_app().await;
    for length in ["99999999", "70000"] {
        let head = format!(
            "POST /sales HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
        );
        let (status, closed) = raw_exchange(&app, &head, b"").await;
        assert_eq!((status.as_str(), closed), ("HTTP/1.1 413 Payload Too Large", true), "{length}");
    }
}

#[tokio::test]
async fn a_body_that_stalls_is_refused_and_the_connection_closed() {
    let app = spawn_app().await;
    let head =
        "POST /sales HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n";
    let (status, closed) = raw_exchange(&app, head, br#"{"product_id":"#).await;
    assert_eq!((status.as_str(), closed), ("HTTP/1.1 400 Bad Request", true));
}
