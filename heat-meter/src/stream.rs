//! Reads every record of a table's stream, as the meter's [`ChangeRecord`]s: the table's latest
//! stream (ListStreams), its shards (DescribeStream, parents before their children), each from
//! TRIM_HORIZON (GetShardIterator) with GetRecords until a page comes back empty.
//!
//! For a local endpoint, whose stream holds what was written before the call: DynamoDB can answer
//! an empty page while a shard still has records, which this would take for the end.

use std::collections::HashMap;

use anyhow::Context;
use aws_sdk_dynamodbstreams::Client;
use aws_sdk_dynamodbstreams::types::{AttributeValue, OperationType, Record, ShardIteratorType};
use store::Item;

use crate::meter::{ChangeRecord, EventName};

/// Records per GetRecords call: DynamoDB Streams' maximum.
const READ_LIMIT: i32 = 1000;

/// Every record of `table`'s latest stream, shard by shard (parents first), in order.
pub async fn read_table_stream(streams: &Client, table: &str) -> anyhow::Result<Vec<ChangeRecord>> {
    let listed = streams.list_streams().table_name(table).send().await.context("ListStreams")?;
    let arn = listed
        .streams
        .unwrap_or_default()
        .into_iter()
        .filter(|s| s.table_name.as_deref() == Some(table))
        .filter_map(|s| s.stream_arn)
        .next_back()
        .with_context(|| format!("the table {table} has no stream"))?;
    let mut out = Vec::new();
    for shard in shards_in_order(streams, &arn).await? {
        let mut iterator = trim_horizon(streams, &arn, &shard).await?;
        while let Some(it) = iterator {
            let page = streams.get_records().shard_iterator(it).limit(READ_LIMIT).send().await.context("GetRecords")?;
            let records = page.records.unwrap_or_default();
            if records.is_empty() {
                break;
            }
            out.extend(records.iter().filter_map(change_record));
            iterator = page.next_shard_iterator;
        }
    }
    Ok(out)
}

/// An iterator at the oldest record of `shard` (TRIM_HORIZON); `None` where DynamoDB gives none.
pub async fn trim_horizon(streams: &Client, arn: &str, shard: &str) -> anyhow::Result<Option<String>> {
    let it = streams
        .get_shard_iterator()
        .stream_arn(arn)
        .shard_id(shard)
        .shard_iterator_type(ShardIteratorType::TrimHorizon)
        .send()
        .await
        .context("GetShardIterator")?;
    Ok(it.shard_iterator)
}

/// The stream's shard ids, each parent before its children.
async fn shards_in_order(streams: &Client, arn: &str) -> anyhow::Result<Vec<String>> {
    let mut shards: Vec<(String, Option<String>)> = Vec::new();
    let mut start: Option<String> = None;
    loop {
        let described = streams
            .describe_stream()
            .stream_arn(arn)
            .set_exclusive_start_shard_id(start.clone())
            .send()
            .await
            .context("DescribeStream")?;
        let description = described.stream_description.context("no stream description")?;
        shards.extend(
            description.shards.unwrap_or_default().into_iter().filter_map(|s| Some((s.shard_id?, s.parent_shard_id))),
        );
        match description.last_evaluated_shard_id {
            Some(last) if Some(&last) != start.as_ref() => start = Some(last),
            _ => break,
        }
    }
    // A shard goes after its parent when the parent is listed (an expired parent is not).
    let mut ordered: Vec<String> = Vec::with_capacity(shards.len());
    while ordered.len() < shards.len() {
        let before = ordered.len();
        for (id, parent) in &shards {
            let parent_done =
                parent.as_ref().is_none_or(|p| ordered.contains(p) || !shards.iter().any(|(s, _)| s == p));
            if !ordered.contains(id) && parent_done {
                ordered.push(id.clone());
            }
        }
        anyhow::ensure!(ordered.len() > before, "the stream's shards name each other as parents");
    }
    Ok(ordered)
}

/// One stream record as a [`ChangeRecord`] (`None`: not a change to an item).
pub fn change_record(record: &Record) -> Option<ChangeRecord> {
    let event = match record.event_name.as_ref()? {
        OperationType::Insert => EventName::Insert,
        OperationType::Modify => EventName::Modify,
        OperationType::Remove => EventName::Remove,
        _ => return None,
    };
    let change = record.dynamodb.as_ref()?;
    let by_ttl = record.user_identity.as_ref().is_some_and(|u| {
        u.r#type.as_deref() == Some("Service") && u.principal_id.as_deref() == Some("dynamodb.amazonaws.com")
    });
    Some(ChangeRecord {
        event,
        keys: item(change.keys.as_ref()).unwrap_or_default(),
        old_image: item(change.old_image.as_ref()),
        new_image: item(change.new_image.as_ref()),
        sequence_number: change.sequence_number.clone().unwrap_or_default(),
        by_ttl,
    })
}

/// A stream image as the table's item type (serde_dynamo converts between the two SDKs' types).
fn item(image: Option<&HashMap<String, AttributeValue>>) -> Option<Item> {
    image.map(|m| serde_dynamo::Item::from(m.clone()).into())
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodbstreams::types::{Identity, StreamRecord};

    use super::*;

    #[test]
    fn a_record_keeps_its_keys_images_and_sequence_and_a_ttl_delete_is_marked() {
        let s = |v: &str| AttributeValue::S(v.into());
        let keys = HashMap::from([("PK".to_owned(), s("P")), ("SK".to_owned(), s("S"))]);
        let mut image = keys.clone();
        image.insert("n".into(), AttributeValue::N("12".into()));
        let record = |event, identity: Option<Identity>| {
            Record::builder()
                .event_name(event)
                .dynamodb(
                    StreamRecord::builder()
                        .set_keys(Some(keys.clone()))
                        .set_old_image(Some(image.clone()))
                        .sequence_number("42")
                        .build(),
                )
                .set_user_identity(identity)
                .build()
        };
        let change = change_record(&record(OperationType::Remove, None)).unwrap();
        assert_eq!(change.event, EventName::Remove);
        assert_eq!(change.keys["PK"], aws_sdk_dynamodb::types::AttributeValue::S("P".into()));
        assert_eq!(change.old_image.unwrap()["n"], aws_sdk_dynamodb::types::AttributeValue::N("12".into()));
        assert_eq!((change.new_image, change.sequence_number.as_str(), change.by_ttl), (None, "42", false));
        let ttl = Identity::builder().r#type("Service").principal_id("dynamodb.amazonaws.com").build();
        assert!(change_record(&record(OperationType::Remove, Some(ttl))).unwrap().by_ttl);
    }
}
