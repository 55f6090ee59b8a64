//! The DynamoDB behaviours the code relies on, each shown on the local DynamoDB (Dynoxide) through
//! the same SDK calls the code makes. Where the emulator could differ from DynamoDB, the test says
//! what DynamoDB does and pins it.

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
};
use aws_sdk_dynamodbstreams::types::ShardIteratorType;
use store::Item;

use crate::fresh_store;

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

fn item(pairs: &[(&str, &str)]) -> Item {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), s(v))).collect()
}

async fn put(store: &store::Store, item: Item) {
    store.client().put_item().table_name(store.table()).set_item(Some(item)).send().await.unwrap();
}

fn put_new(table: &str, item: Item) -> TransactWriteItem {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(PK)")
        .build()
        .unwrap();
    TransactWriteItem::builder().put(put).build()
}

#[tokio::test]
async fn a_cancelled_transaction_writes_nothing_and_reports_each_item_with_its_old_image() {
    let (store, _db) = fresh_store().await;
    put(&store, item(&[("PK", "A"), ("SK", "A"), ("stock", "1")])).await;
    let check = ConditionCheck::builder()
        .table_name(store.table())
        .key("PK", s("A"))
        .key("SK", s("A"))
        .condition_expression("stock = :two")
        .expression_attribute_values(":two", s("2"))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .build()
        .unwrap();
    let err = store
        .client()
        .transact_write_items()
        .transact_items(put_new(store.table(), item(&[("PK", "B"), ("SK", "B")])))
        .transact_items(TransactWriteItem::builder().condition_check(check).build())
        .send()
        .await
        .expect_err("the condition fails");
    let SdkError::ServiceError(e) = err else { panic!("a service error: {err:?}") };
    let TransactWriteItemsError::TransactionCanceledException(cancelled) = e.err() else {
        panic!("TransactionCanceledException: {:?}", e.err())
    };
    let reasons = cancelled.cancellation_reasons();
    assert_eq!(reasons.len(), 2, "one reason per item, in order");
    assert_eq!(reasons[0].code(), Some("None"));
    assert_eq!(reasons[1].code(), Some("ConditionalCheckFailed"));
    assert_eq!(reasons[1].item().and_then(|i| i.get("stock")), Some(&s("1")), "ALL_OLD returns the item");
    let b = store.client().get_item().table_name(store.table()).key("PK", s("B")).key("SK", s("B")).send().await;
    assert!(b.unwrap().item.is_none(), "nothing of the transaction was written");
}

#[tokio::test]
async fn dynamodb_limits_hold_a_transaction_to_100_items_and_an_item_to_400_kb() {
    let (store, _db) = fresh_store().await;
    // DynamoDB rejects a 101-item transaction and a 400 KB+ item; the code never sends either
    // (aggregate::MAX_TRANSACTION_ITEMS, bounded field lengths), and the emulator rejects them
    // too, so a slip would fail here as it would in AWS.
    let mut too_many = store.client().transact_write_items();
    for i in 0..101 {
        too_many = too_many.transact_items(put_new(store.table(), item(&[("PK", &format!("T{i}")), ("SK", "x")])));
    }
    assert!(too_many.send().await.is_err(), "101 items in one transaction are refused");
    let big = "x".repeat(400 * 1024);
    let refused = store
        .client()
        .put_item()
        .table_name(store.table())
        .set_item(Some(item(&[("PK", "big"), ("SK", "big"), ("blob", &big)])))
        .send()
        .await;
    assert!(refused.is_err(), "an item over 400 KB is refused");
}

#[tokio::test]
async fn index_queries_return_only_the_projected_attributes_of_items_that_have_the_index_keys() {
    let (store, _db) = fresh_store().await;
    let def = test_support::table_definition();
    for projection in ["INCLUDE", "KEYS_ONLY"] {
        let index = def.global_secondary_indexes.iter().find(|i| i.projection.projection_type == projection).unwrap();
        let (hash, range) = (&index.key_schema[0].attribute_name, &index.key_schema[1].attribute_name);
        let mut with_keys = item(&[("PK", "P1"), ("SK", projection), ("not_projected", "secret")]);
        with_keys.insert(hash.clone(), s(&format!("{projection}-h")));
        with_keys.insert(range.clone(), s("r1"));
        for attr in &index.projection.non_key_attributes {
            with_keys.entry(attr.clone()).or_insert_with(|| s("included"));
        }
        put(&store, with_keys).await;
        // An item without the index's keys is not in the (sparse) index.
        put(&store, item(&[("PK", "P2"), ("SK", projection), ("not_projected", "x")])).await;

        let got = store
            .client()
            .query()
            .table_name(store.table())
            .index_name(&index.index_name)
            .key_condition_expression("#h = :h")
            .expression_attribute_names("#h", hash)
            .expression_attribute_values(":h", s(&format!("{projection}-h")))
            .send()
            .await
            .unwrap();
        let items = got.items();
        assert_eq!(items.len(), 1, "{}: only the item with the index keys", index.index_name);
        let mut names: Vec<&str> = items[0].keys().map(String::as_str).collect();
        names.sort_unstable();
        let mut expected: Vec<&str> = ["PK", "SK", hash.as_str(), range.as_str()]
            .into_iter()
            .chain(index.projection.non_key_attributes.iter().map(String::as_str))
            .collect();
        expected.sort_unstable();
        expected.dedup();
        assert_eq!(names, expected, "{} ({projection}) projects exactly these", index.index_name);
    }
}

#[tokio::test]
async fn the_stream_has_old_and_new_images_in_sequence_and_resumes_after_a_sequence_number() {
    let (store, db) = fresh_store().await;
    put(&store, item(&[("PK", "S"), ("SK", "S"), ("v", "1")])).await;
    put(&store, item(&[("PK", "S"), ("SK", "S"), ("v", "2")])).await;
    store.client().delete_item().table_name(store.table()).key("PK", s("S")).key("SK", s("S")).send().await.unwrap();

    let streams = aws_sdk_dynamodbstreams::Client::new(&store::sdk::sdk_config(Some(db.endpoint())).await);
    let listed = streams.list_streams().table_name(store.table()).send().await.unwrap();
    let arn = listed.streams()[0].stream_arn().unwrap().to_owned();
    let described = streams.describe_stream().stream_arn(&arn).send().await.unwrap();
    let description = described.stream_description.unwrap();
    assert_eq!(
        description.stream_view_type().map(aws_sdk_dynamodbstreams::types::StreamViewType::as_str),
        Some("NEW_AND_OLD_IMAGES")
    );
    let shard = description.shards()[0].shard_id().unwrap().to_owned();

    let read_from = |kind: ShardIteratorType, after: Option<String>| {
        let streams = streams.clone();
        let (arn, shard) = (arn.clone(), shard.clone());
        async move {
            let it = streams
                .get_shard_iterator()
                .stream_arn(arn)
                .shard_id(shard)
                .shard_iterator_type(kind)
                .set_sequence_number(after)
                .send()
                .await
                .unwrap()
                .shard_iterator
                .unwrap();
            streams.get_records().shard_iterator(it).send().await.unwrap().records.unwrap_or_default()
        }
    };
    let records = read_from(ShardIteratorType::TrimHorizon, None).await;
    let events: Vec<&str> = records.iter().map(|r| r.event_name().unwrap().as_str()).collect();
    assert_eq!(events, ["INSERT", "MODIFY", "REMOVE"]);
    let d: Vec<_> = records.iter().map(|r| r.dynamodb().unwrap()).collect();
    assert!(d[0].old_image.is_none() && d[0].new_image.as_ref().unwrap()["v"].as_s().unwrap() == "1");
    assert!(
        d[1].old_image.as_ref().unwrap()["v"].as_s().unwrap() == "1"
            && d[1].new_image.as_ref().unwrap()["v"].as_s().unwrap() == "2"
    );
    assert!(d[2].old_image.as_ref().unwrap()["v"].as_s().unwrap() == "2" && d[2].new_image.is_none());
    // Sequence numbers are decimal strings that grow (compared as numbers, as DynamoDB's do).
    let seq: Vec<u128> = d.iter().map(|r| r.sequence_number().unwrap().parse().unwrap()).collect();
    assert!(seq.windows(2).all(|w| w[0] < w[1]), "{seq:?}");

    let rest = read_from(ShardIteratorType::AfterSequenceNumber, d[0].sequence_number.clone()).await;
    let rest: Vec<&str> = rest.iter().map(|r| r.event_name().unwrap().as_str()).collect();
    assert_eq!(rest, ["MODIFY", "REMOVE"], "AFTER_SEQUENCE_NUMBER resumes after the record");
}

#[tokio::test]
async fn expired_items_are_deleted_and_the_others_kept() {
    // The embedded emulator's sweep (DynamoDB deletes expired items within days, DynamoDB Local
    // never does): the code checks expiry in its conditions and never relies on when.
    let (store, db) = test_support::fresh_embedded_store().await;
    let past = (chrono::Utc::now().timestamp() - 60).to_string();
    let future = (chrono::Utc::now().timestamp() + 3600).to_string();
    for (pk, at) in [("old", &past), ("new", &future)] {
        let mut i = item(&[("PK", pk), ("SK", pk)]);
        i.insert("expires_at".into(), AttributeValue::N(at.clone()));
        put(&store, i).await;
    }
    assert_eq!(db.sweep_expired_items().await.unwrap(), 1);
    let get =
        |pk: &'static str| store.client().get_item().table_name(store.table()).key("PK", s(pk)).key("SK", s(pk)).send();
    assert!(get("old").await.unwrap().item.is_none(), "expired: deleted");
    assert!(get("new").await.unwrap().item.is_some(), "not yet expired: kept");
}

#[tokio::test]
async fn a_paginated_scan_reads_every_item_once() {
    // Only the operator commands (`aggregates verify|rebuild`) scan; no request path does.
    let (store, _db) = fresh_store().await;
    for i in 0..25 {
        put(&store, item(&[("PK", &format!("K{i:02}")), ("SK", "x")])).await;
    }
    let pages = store.client().scan().table_name(store.table()).limit(7).into_paginator().items().send();
    let mut seen: Vec<String> =
        pages.collect::<Vec<_>>().await.into_iter().map(|r| r.unwrap()["PK"].as_s().unwrap().clone()).collect();
    seen.sort();
    let expected: Vec<String> = (0..25).map(|i| format!("K{i:02}")).collect();
    assert_eq!(seen, expected);
}
