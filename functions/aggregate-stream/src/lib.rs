//! The stream aggregator: turns sale and return INSERT records of the table's stream into exact
//! counters. A return counts in every counter its sale feeds (the sale's category and product),
//! in the buckets of its `returned_at`.
//!
//! Exactly once: each sale's (or return's) counter updates commit in one transaction with a
//! marker that can be written only once (`Store::apply_sales`; `AGGREGATED#{sale_id}`,
//! `AGGREGATED#RETURN#{return_id}`), so redelivery, retries, bisection and replays never count
//! one twice. Coalescing: a batch becomes a few transactions, each of at most 100 items (markers
//! plus one update per distinct counter).
//!
//! Partial batch failures: records that could not be applied (or parsed) are returned as
//! `batchItemFailures`; Lambda resumes from the earliest of them, and everything after it that
//! was applied is skipped as a duplicate on the retry.

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use domain::aggregate::{Fact, ReturnFact, SaleFact, plan_chunks};
use store::counters::Applied;
use store::sales::{ReturnRecord, SaleRecord};
use store::{MAX_TRANSACTION_ITEMS, Store};

/// What a batch did, for the log line and the tests.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct BatchReport {
    pub records: usize,
    pub ignored: usize,
    pub applied: Applied,
    /// Sequence numbers reported back as failed.
    pub failed: Vec<String>,
}

/// A record this function acts on: an INSERT of a sale or of a return.
fn fact_of(record: &EventRecord) -> Option<Result<Fact, String>> {
    if record.event_name != "INSERT" {
        return None;
    }
    let image = &record.change.new_image;
    match image.get("entity") {
        Some(serde_dynamo::AttributeValue::S(e)) if e == "sale" => Some(
            serde_dynamo::from_item::<_, SaleRecord>(image.clone())
                .map_err(|e| e.to_string())
                .and_then(|r| r.into_sale().map_err(|e| e.to_string()))
                .map(|sale| Fact::Sale(SaleFact::from_sale(&sale))),
        ),
        Some(serde_dynamo::AttributeValue::S(e)) if e == "return" => Some(
            serde_dynamo::from_item::<_, ReturnRecord>(image.clone())
                .map_err(|e| e.to_string())
                .and_then(|r| r.into_return().map_err(|e| e.to_string()))
                .map(|r| Fact::Return(ReturnFact::from_return(&r))),
        ),
        _ => None,
    }
}

/// Handles one batch of stream records.
pub async fn handle(store: &Store, tz: Tz, event: &Event, now: DateTime<Utc>) -> BatchReport {
    let mut report = BatchReport { records: event.records.len(), ..Default::default() };
    let mut facts: Vec<(Fact, String)> = Vec::new();
    for record in &event.records {
        let sequence = record.change.sequence_number.clone().unwrap_or_default();
        match fact_of(record) {
            None => report.ignored += 1,
            Some(Ok(fact)) => facts.push((fact, sequence)),
            // A sale record we cannot read: report it, so that after bounded retries it reaches
            // the on-failure destination for a person to look at; the rest of the batch proceeds.
            Some(Err(reason)) => {
                tracing::error!(sequence_number = %sequence, event_id = %record.event_id, reason, "unreadable sale or return record");
                report.failed.push(sequence);
            }
        }
    }
    let sale_facts: Vec<Fact> = facts.iter().map(|(f, _)| f.clone()).collect();
    for chunk in plan_chunks(&sale_facts, tz, MAX_TRANSACTION_ITEMS) {
        match store.apply_sales(&chunk.sales, tz, now).await {
            Ok(applied) => {
                report.applied.counted += applied.counted;
                report.applied.duplicates += applied.duplicates;
                report.applied.counter_writes += applied.counter_writes;
                report.applied.transactions += applied.transactions;
            }
            Err(e) => {
                tracing::error!(error = %e, sales = chunk.sales.len(), "could not apply a chunk; its records are reported for retry");
                let ids: std::collections::HashSet<String> = chunk.sales.iter().map(Fact::marker_id).collect();
                report
                    .failed
                    .extend(facts.iter().filter(|(f, _)| ids.contains(&f.marker_id())).map(|(_, seq)| seq.clone()));
            }
        }
    }
    tracing::info!(
        records = report.records,
        ignored = report.ignored,
        counted = report.applied.counted,
        duplicates = report.applied.duplicates,
        counter_writes = report.applied.counter_writes,
        transactions = report.applied.transactions,
        failed = report.failed.len(),
        "stream batch processed"
    );
    report
}

/// The Lambda response: the failed records' sequence numbers as `itemIdentifier`s.
pub fn response(report: &BatchReport) -> DynamoDbEventResponse {
    let mut response = DynamoDbEventResponse::default();
    response.batch_item_failures = report
        .failed
        .iter()
        .map(|seq| {
            let mut failure = DynamoDbBatchItemFailure::default();
            failure.item_identifier = Some(seq.clone());
            failure
        })
        .collect();
    response
}
