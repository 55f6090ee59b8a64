//! The contention mode of the fault-injecting front (`Faults::transaction_conflict_window`), read
//! with the AWS SDK the code uses. A transaction lasts the window and holds its items meanwhile:
//! another transaction on one of them is cancelled with DynamoDB's `TransactionCanceledException`
//! (reason `TransactionConflict` for that item, `None` for the others) and writes nothing; a
//! single-item write on one is `TransactionConflictException`; other items, and the same item once
//! the first transaction has ended, are written.

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType, Put, ScalarAttributeType,
    TransactWriteItem, Update,
};
use local_dynamodb::{Faults, LocalDynamoDb};

const TABLE: &str = "contention";

/// A local DynamoDB with contention on (`window`), and a client to it with a table `PK`/`SK`.
/// Tests that need two calls to overlap take a long window: the first holds its items that long.
async fn contended(window: Duration) -> (LocalDynamoDb, Client) {
    let db = LocalDynamoDb::ephemeral_with(Faults::contention(window)).await.expect("a local DynamoDB");
    let client = Client::new(&store::sdk::sdk_config(Some(db.endpoint())).await);
    let key = |name: &str, kind| KeySchemaElement::builder().attribute_name(name).key_type(kind).build().unwrap();
    let attribute = |name: &str| {
        AttributeDefinition::builder().attribute_name(name).attribute_type(ScalarAttributeType::S).build().unwrap()
    };
    client
        .create_table()
        .table_name(TABLE)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key("PK", KeyType::Hash))
        .key_schema(key("SK", KeyType::Range))
        .attribute_definitions(attribute("PK"))
        .attribute_definitions(attribute("SK"))
        .send()
        .await
        .expect("create the table");
    (db, client)
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

/// Adds 1 to `n` of item `pk`/`ITEM`.
fn increment(pk: &str) -> TransactWriteItem {
    let update = Update::builder()
        .table_name(TABLE)
        .key("PK", s(pk))
        .key("SK", s("ITEM"))
        .update_expression("ADD n :one")
        .expression_attribute_values(":one", AttributeValue::N("1".into()))
        .build()
        .unwrap();
    TransactWriteItem::builder().update(update).build()
}

/// Puts item `pk`/`ITEM` (the key read from the item, as the front must).
fn put(pk: &str) -> TransactWriteItem {
    let put = Put::builder().table_name(TABLE).item("PK", s(pk)).item("SK", s("ITEM")).build().unwrap();
    TransactWriteItem::builder().put(put).build()
}

async fn transact(client: &Client, items: Vec<TransactWriteItem>) -> Result<(), TransactWriteItemsError> {
    client
        .transact_write_items()
        .set_transact_items(Some(items))
        .send()
        .await
        .map(|_| ())
        .map_err(aws_sdk_dynamodb::error::SdkError::into_service_error)
}

/// The reasons' codes of a cancellation, or a panic for any other outcome.
fn cancellation_codes(result: Result<(), TransactWriteItemsError>) -> Vec<String> {
    match result {
        Err(TransactWriteItemsError::TransactionCanceledException(e)) => {
            assert!(e.message().is_some_and(|m| m.starts_with("Transaction cancelled")), "{e:?}");
            e.cancellation_reasons().iter().map(|r| r.code().unwrap_or("").to_owned()).collect()
        }
        other => panic!("expected a cancellation, got {other:?}"),
    }
}

/// `n` of item `pk`/`ITEM` (`None` when the item does not exist).
async fn count(client: &Client, pk: &str) -> Option<String> {
    let out =
        client.get_item().table_name(TABLE).key("PK", s(pk)).key("SK", s("ITEM")).send().await.expect("get the item");
    out.item.map(|item| item.get("n").and_then(|n| n.as_n().ok()).cloned().unwrap_or_default())
}

/// Waits until a transaction holds items (it runs for the window from then on).
async fn until_held(db: &LocalDynamoDb) {
    while db.items_held() == 0 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

#[tokio::test]
async fn a_transaction_on_an_item_another_transaction_holds_is_cancelled_and_writes_nothing() {
    let (db, client) = contended(Duration::from_secs(2)).await;
    let first = transact(&client, vec![increment("a"), put("b")]);
    let second = async {
        until_held(&db).await;
        // `c` is free, `b` is held by the first (a put: its key read from the item).
        let codes = cancellation_codes(transact(&client, vec![increment("c"), increment("b")]).await);
        assert_eq!(codes, ["None", "TransactionConflict"]);
        let codes = cancellation_codes(transact(&client, vec![put("a")]).await);
        assert_eq!(codes, ["TransactionConflict"]);
    };
    let (first, ()) = futures::join!(first, second);
    first.expect("the first transaction");
    assert_eq!(count(&client, "a").await.as_deref(), Some("1"), "a incremented once, not replaced");
    assert_eq!(count(&client, "b").await.as_deref(), Some(""), "b put, not incremented");
    assert_eq!(count(&client, "c").await, None, "nothing of the cancelled transaction was written");
    assert_eq!(db.injected_faults(), 2);
}

#[tokio::test]
async fn transactions_on_one_item_one_after_the_other_both_pass() {
    let (db, client) = contended(Duration::from_millis(20)).await;
    // The first's answer comes once it has ended: the second does not overlap it.
    transact(&client, vec![increment("a")]).await.expect("the first transaction");
    transact(&client, vec![increment("a")]).await.expect("the second, after the first");
    assert_eq!(count(&client, "a").await.as_deref(), Some("2"));
    assert_eq!(db.injected_faults(), 0);
}

#[tokio::test]
async fn transactions_on_different_items_both_pass_at_once() {
    let (db, client) = contended(Duration::from_secs(1)).await;
    let (first, second) =
        futures::join!(transact(&client, vec![increment("a")]), transact(&client, vec![increment("b"), put("c")]));
    first.expect("the first transaction");
    second.expect("the second transaction");
    assert_eq!(count(&client, "a").await.as_deref(), Some("1"));
    assert_eq!(count(&client, "b").await.as_deref(), Some("1"));
    assert_eq!(db.injected_faults(), 0);
}

#[tokio::test]
async fn the_same_key_in_another_table_is_another_item() {
    let (db, client) = contended(Duration::from_secs(1)).await;
    let first = transact(&client, vec![increment("a")]);
    let second = async {
        until_held(&db).await;
        let other = Put::builder().table_name("missing").item("PK", s("a")).item("SK", s("ITEM")).build().unwrap();
        // Not refused by the front: forwarded, and answered by the emulator (no such table).
        transact(&client, vec![TransactWriteItem::builder().put(other).build()]).await
    };
    let (first, second) = futures::join!(first, second);
    first.expect("the first transaction");
    assert!(matches!(second, Err(TransactWriteItemsError::ResourceNotFoundException(_))), "{second:?}");
}

#[tokio::test]
async fn a_single_item_write_on_an_item_a_transaction_holds_is_a_transaction_conflict() {
    let (db, client) = contended(Duration::from_secs(2)).await;
    let first = transact(&client, vec![increment("a")]);
    let put_item = |pk: &str| client.put_item().table_name(TABLE).item("PK", s(pk)).item("SK", s("ITEM")).send();
    let second = async {
        until_held(&db).await;
        let refused = put_item("a").await.map_err(aws_sdk_dynamodb::error::SdkError::into_service_error);
        assert!(matches!(refused, Err(PutItemError::TransactionConflictException(_))), "{refused:?}");
        // Single-item writes hold nothing, and other items are free.
        put_item("d").await.expect("a free item");
        transact(&client, vec![increment("d")]).await.expect("a transaction after a single-item write");
    };
    let (first, ()) = futures::join!(first, second);
    first.expect("the transaction");
    assert_eq!(count(&client, "a").await.as_deref(), Some("1"), "not overwritten");
    assert_eq!(db.injected_faults(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_twenty_concurrent_transactions_on_one_item_one_is_written() {
    let (db, client) = contended(Duration::from_secs(1)).await;
    let results = futures::future::join_all((0..20).map(|_| transact(&client, vec![increment("a")]))).await;
    let written = results.iter().filter(|r| r.is_ok()).count();
    let conflicts = results
        .into_iter()
        .filter(Result::is_err)
        .map(cancellation_codes)
        .filter(|codes| codes == &["TransactionConflict"])
        .count();
    assert_eq!((written, conflicts), (1, 19));
    assert_eq!(count(&client, "a").await.as_deref(), Some("1"));
    assert_eq!(db.injected_faults(), 19);
}
