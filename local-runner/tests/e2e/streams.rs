//! What the stream poller relies on from DynamoDB Streams, shown on the tests' DynamoDB: the
//! embedded emulator (Dynoxide), and DynamoDB Local, AWS's own emulator, when `make test` runs
//! these again with `TEST_DYNAMODB_ENDPOINT` (scripts/dynamodb-local.sh). Where Dynoxide answers
//! otherwise than DynamoDB, DynamoDB Local is the tie-breaker: the test asserts DynamoDB's answer
//! there, Dynoxide's deviation on the embedded emulator, and that the poller is right on both.

use aws_sdk_dynamodbstreams::Client as StreamsClient;
use aws_sdk_dynamodbstreams::types::Shard;
use heat_meter::stream::trim_horizon;
use local_runner::stream::READ_LIMIT;
use test_support::Emulator;

use crate::helpers::{TestApp, spawn_app};

/// The streams client of the app's endpoint, its table's stream ARN and that stream's shards.
async fn stream_of(app: &TestApp) -> (StreamsClient, String, Vec<Shard>) {
    let streams = StreamsClient::new(&store::sdk::sdk_config(app.state.config.endpoint_url.as_deref()).await);
    let table = app.state.store().client().describe_table().table_name(app.state.store().table()).send().await.unwrap();
    let arn = table.table.and_then(|t| t.latest_stream_arn).expect("the table has a stream");
    let described = streams.describe_stream().stream_arn(&arn).send().await.unwrap();
    let shards = described.stream_description.expect("a description").shards.unwrap_or_default();
    (streams, arn, shards)
}

/// The poller asks for READ_LIMIT records per GetRecords, DynamoDB Streams' maximum. DynamoDB
/// (DynamoDB Local: "Limit should be less than or equal to 1000", a ValidationException) refuses
/// one more; Dynoxide takes any limit, so on it alone a larger READ_LIMIT would pass unnoticed.
#[tokio::test]
async fn get_records_takes_the_pollers_read_limit_and_dynamodb_refuses_one_more() {
    let app = spawn_app().await;
    app.category("toys").await;
    let (streams, arn, shards) = stream_of(&app).await;
    let shard = shards.first().and_then(|s| s.shard_id.clone()).expect("a shard");
    let iterator = || async { trim_horizon(&streams, &arn, &shard).await.unwrap().expect("an iterator") };
    let page = streams.get_records().shard_iterator(iterator().await).limit(READ_LIMIT).send().await.unwrap();
    assert_eq!(page.records().len(), 1, "the category's INSERT");

    let over = streams.get_records().shard_iterator(iterator().await).limit(READ_LIMIT + 1).send().await;
    match app._dynamodb.emulator() {
        Emulator::External => {
            let err = over.expect_err("DynamoDB refuses more than 1,000 records per GetRecords");
            let code = err.as_service_error().and_then(aws_sdk_dynamodbstreams::error::ProvideErrorMetadata::code);
            assert_eq!(code, Some("ValidationException"), "{err:?}");
        }
        // Dynoxide's deviation.
        Emulator::Embedded => assert!(over.is_ok(), "Dynoxide takes a limit over 1,000"),
    }
}

/// DynamoDB gives a shard an EndingSequenceNumber only once it is closed (no more records will
/// come); Dynoxide reports its one shard's last record as its end while the table is still
/// written. The poller takes a shard as read to its end only when GetRecords gives no next
/// iterator, never from the description, so on both it reads what is written after.
#[tokio::test]
async fn an_open_shard_has_no_end_in_dynamodb_and_the_poller_reads_on_regardless() {
    let app = spawn_app().await;
    app.category("toys").await;
    let (_, _, shards) = stream_of(&app).await;
    let open = shards.last().expect("a shard");
    let end = open.sequence_number_range.as_ref().and_then(|r| r.ending_sequence_number.clone());
    match app._dynamodb.emulator() {
        Emulator::External => assert_eq!(end, None, "DynamoDB: the open shard has no end"),
        // Dynoxide's deviation.
        Emulator::Embedded => assert!(end.is_some(), "Dynoxide reports an end for its open shard"),
    }
    assert_eq!(app.aggregate().await, 1, "the category's INSERT");
    app.category("home").await;
    app.category("garden").await;
    assert_eq!(app.aggregate().await, 2, "read on past the end the description gave");
}
