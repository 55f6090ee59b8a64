//! The table's stream records as the Lambda service delivers them to the stream's function
//! (the DynamoDB stream event): `aws_lambda_events`' types, keys and images converted by
//! serde_dynamo; as JSON, what filter patterns match.

use aws_lambda_events::event::dynamodb::{Event, EventRecord, StreamRecord, StreamViewType};
use aws_sdk_dynamodbstreams::types::{AttributeValue, Record, StreamViewType as SdkStreamViewType};
use serde_json::Value;

/// The records as the Lambda service would deliver them (the DynamoDB stream event).
pub fn lambda_event(arn: &str, records: &[Record]) -> Event {
    let region = region();
    let mut event = Event::default();
    event.records = records.iter().map(|r| lambda_record(arn, &region, r)).collect();
    event
}

/// Each record as it appears in the Lambda event's `Records` (what filter patterns match), as
/// JSON.
pub fn lambda_records(arn: &str, records: &[Record]) -> anyhow::Result<Vec<Value>> {
    let region = region();
    records.iter().map(|r| Ok(serde_json::to_value(lambda_record(arn, &region, r))?)).collect()
}

/// The region of the local stack (`AWS_REGION`, else us-east-1): what stream records name, and
/// what the functions are told; read once per batch.
pub fn region() -> String {
    std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".into())
}

/// One record of the stream as a record of the Lambda event: `aws_lambda_events`' type, its
/// keys and images converted by serde_dynamo.
fn lambda_record(arn: &str, region: &str, record: &Record) -> EventRecord {
    let mut change = StreamRecord::default();
    if let Some(d) = record.dynamodb.as_ref() {
        let item = |m: Option<&std::collections::HashMap<String, AttributeValue>>| {
            m.cloned().map(serde_dynamo::Item::from).unwrap_or_default()
        };
        if let Some(created) =
            d.approximate_creation_date_time.and_then(|t| chrono::DateTime::from_timestamp(t.secs(), t.subsec_nanos()))
        {
            change.approximate_creation_date_time = created;
        }
        change.keys = item(d.keys.as_ref());
        change.new_image = item(d.new_image.as_ref());
        change.old_image = item(d.old_image.as_ref());
        change.sequence_number.clone_from(&d.sequence_number);
        change.size_bytes = d.size_bytes.unwrap_or(0);
        change.stream_view_type = d.stream_view_type.as_ref().and_then(|v| match v {
            SdkStreamViewType::NewImage => Some(StreamViewType::NewImage),
            SdkStreamViewType::OldImage => Some(StreamViewType::OldImage),
            SdkStreamViewType::NewAndOldImages => Some(StreamViewType::NewAndOldImages),
            SdkStreamViewType::KeysOnly => Some(StreamViewType::KeysOnly),
            _ => None,
        });
    }
    let mut out = EventRecord::default();
    out.aws_region = region.to_owned();
    out.change = change;
    out.event_id = record.event_id.clone().unwrap_or_default();
    out.event_name = record.event_name.as_ref().map(|n| n.as_str().to_owned()).unwrap_or_default();
    out.event_source.clone_from(&record.event_source);
    out.event_version.clone_from(&record.event_version);
    out.event_source_arn = Some(arn.to_owned());
    out
}
