//! Polls the table's stream like Lambda's event source mapping: every shard (children after
//! their parents), the records that pass the mapping's filters in batches of its BatchSize, in
//! order (template.yaml's), the same handler as in AWS, resuming
//! from the earliest failed record, and a durable checkpoint per shard so a restart (even after
//! `kill -9`) neither loses records nor counts any twice (a record handled but not yet
//! checkpointed is redelivered, and the handler's markers skip it).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use anyhow::Context;
use api::http::AppState;
use aws_lambda_events::event::dynamodb::{Event, EventRecord, StreamRecord, StreamViewType};
use aws_sdk_dynamodbstreams::Client as StreamsClient;
use aws_sdk_dynamodbstreams::types::{AttributeValue, Record, ShardIteratorType, StreamViewType as SdkStreamViewType};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Where each shard got to: the last sequence number handled.
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq)]
pub struct Checkpoint {
    pub stream_arn: String,
    pub shards: BTreeMap<String, String>,
    /// Closed shards read to their end.
    pub finished: BTreeSet<String>,
}

/// What the poller hands each batch of records to (in shard order, up to [`BATCH_SIZE`]): the
/// sequence numbers of the records it could not handle (`batchItemFailures`); the poller resumes
/// from the earliest of them. An `Err` fails the whole batch, retried from its start on the next
/// poll (a function error).
pub trait BatchHandler: Send + Sync {
    fn handle<'a>(&'a self, arn: &'a str, records: &'a [Record]) -> BoxFuture<'a, anyhow::Result<Vec<String>>>;
}

pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// The default handler: `aggregate_stream::handle` in this process, on every record (the
/// handler itself skips what is not a sale INSERT).
pub struct InProcess {
    state: AppState,
}

impl BatchHandler for InProcess {
    fn handle<'a>(&'a self, arn: &'a str, records: &'a [Record]) -> BoxFuture<'a, anyhow::Result<Vec<String>>> {
        Box::pin(async move {
            let event = lambda_event(arn, records);
            let report = aggregate_stream::handle(
                self.state.store(),
                self.state.config.store_timezone,
                &event,
                app::time::now(),
            )
            .await;
            Ok(report.failed)
        })
    }
}

pub struct StreamPoller {
    state: AppState,
    handler: Box<dyn BatchHandler>,
    streams: StreamsClient,
    path: PathBuf,
    checkpoint: Checkpoint,
    /// The table's stream, from DescribeTable: kept, and described again only after a stream
    /// call failed (the table may have been recreated). DescribeTable is not free on every
    /// emulator (Dynoxide counts the table's items), and the poller runs four times a second.
    stream_arn: Option<String>,
    /// DescribeTable calls made, for tests.
    pub describe_calls: usize,
    /// The stream's shards (with their parents) from DescribeStream, and when they were read:
    /// kept between polls, and described again when a shard was read to its end (its children
    /// appear then), after a failed poll, or [`SHARD_REFRESH`] after the last time. Dynoxide
    /// answers DescribeStream by reading every record of the shard (the first and last sequence
    /// numbers in one statement, which no index serves: 29 ms at 100,000 records on 2 cores), so
    /// describing it on every poll, four times a second even when idle, cost more the longer the
    /// stream grew, all of it holding the emulator's one connection.
    shard_list: Option<ShardList>,
    shard_refresh: std::time::Duration,
    /// DescribeStream calls made, for tests.
    pub describe_stream_calls: usize,
    /// How many polls of [`poll_until_stopped`] found nothing new: once it grows, the stream has
    /// been read to its end (benchmarks measure reads with the consumer idle).
    idle_polls: tokio::sync::watch::Sender<u64>,
    /// The event source mapping's `FilterCriteria` patterns (a record passes when any matches;
    /// all pass when there is none) and `BatchSize`, from template.yaml.
    filters: Vec<Value>,
    batch_size: usize,
}

/// A stream's shards, each with its parent, as DescribeStream listed them at `described`.
struct ShardList {
    shards: Vec<(String, Option<String>)>,
    described: std::time::Instant,
}

/// How long the poller keeps a stream's shard list without a reason to describe it again (the
/// Kinesis Client Library's shard sync interval): new shards come as children of a shard read to
/// its end, which describes the stream again at once; this is the safety net.
pub const SHARD_REFRESH: std::time::Duration = std::time::Duration::from_mins(1);

/// The event source mapping's BatchSize when the template names none.
pub const BATCH_SIZE: usize = 100;

/// Records per GetRecords call: DynamoDB Streams' maximum. The event source mapping reads this
/// much, filters, and hands the handler batches of `BatchSize` records that passed, so a batch
/// holds 100 sales, not 100 stream records of which a fifth are sales.
pub const READ_LIMIT: i32 = 1000;

impl StreamPoller {
    /// A poller checkpointing to `dir/<table>.json`.
    pub async fn new(state: AppState, dir: PathBuf) -> anyhow::Result<Self> {
        let streams = StreamsClient::new(&store::sdk::sdk_config(state.config.endpoint_url.as_deref()).await);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let path = dir.join(format!("{}.json", state.store().table()));
        let checkpoint = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).with_context(|| format!("reading {}", path.display()))?,
            Err(_) => Checkpoint::default(),
        };
        let handler = Box::new(InProcess { state: state.clone() });
        // The aggregator's mapping in template.yaml, as Lambda applies it; without a readable
        // template every record goes to the handler (which skips what it does not count).
        let source = crate::lambda_mode::Template::load()
            .map_err(|e| tracing::warn!(error = %e, "template.yaml unreadable: the stream is not filtered"))
            .ok()
            .and_then(|t| t.streams.into_iter().next());
        let (filters, batch_size) = source.map_or((Vec::new(), BATCH_SIZE), |s| (s.filters, s.batch_size.max(1)));
        Ok(StreamPoller {
            state,
            handler,
            streams,
            path,
            checkpoint,
            stream_arn: None,
            describe_calls: 0,
            shard_list: None,
            shard_refresh: SHARD_REFRESH,
            describe_stream_calls: 0,
            idle_polls: tokio::sync::watch::Sender::new(0),
            filters,
            batch_size,
        })
    }

    /// The same poller handing its batches to `handler` instead (e.g. a Lambda function).
    pub fn with_handler(mut self, handler: impl BatchHandler + 'static) -> Self {
        self.handler = Box::new(handler);
        self
    }

    /// The same poller keeping a shard list at most `refresh` (tests: `ZERO` describes the stream
    /// on every poll).
    pub fn with_shard_refresh(mut self, refresh: std::time::Duration) -> Self {
        self.shard_refresh = refresh;
        self
    }

    /// The number of polls that found nothing new, as it grows.
    pub fn idle_polls(&self) -> tokio::sync::watch::Receiver<u64> {
        self.idle_polls.subscribe()
    }

    pub fn checkpoint(&self) -> &Checkpoint {
        &self.checkpoint
    }

    /// Reads every shard up to what is available now; returns the number of records handled.
    pub async fn poll_once(&mut self) -> anyhow::Result<usize> {
        let arn = match &self.stream_arn {
            Some(arn) => arn.clone(),
            None => self.describe_stream_arn().await?,
        };
        let polled = self.poll_stream(&arn).await;
        if polled.is_err() {
            self.stream_arn = None;
            self.shard_list = None;
        }
        polled
    }

    async fn describe_stream_arn(&mut self) -> anyhow::Result<String> {
        self.describe_calls += 1;
        let table = self.state.store().client().describe_table().table_name(self.state.store().table()).send().await?;
        let arn = table.table.and_then(|t| t.latest_stream_arn).context("the table has no stream")?;
        self.stream_arn = Some(arn.clone());
        Ok(arn)
    }

    async fn poll_stream(&mut self, arn: &str) -> anyhow::Result<usize> {
        if self.checkpoint.stream_arn != arn {
            // A new table (or a recreated one): its stream starts from the beginning.
            self.checkpoint = Checkpoint { stream_arn: arn.to_owned(), ..Default::default() };
        }
        let shards = match &self.shard_list {
            Some(list) if list.described.elapsed() < self.shard_refresh => list.shards.clone(),
            _ => {
                let shards = self.shards(arn).await?;
                self.shard_list = Some(ShardList { shards: shards.clone(), described: std::time::Instant::now() });
                shards
            }
        };
        let known: BTreeSet<String> = shards.iter().map(|(id, _)| id.clone()).collect();
        let finished_before = self.checkpoint.finished.len();
        let mut handled = 0;
        for (shard_id, parent) in &shards {
            if self.checkpoint.finished.contains(shard_id) {
                continue;
            }
            // Order: a child shard is read only after its parent is finished.
            if let Some(parent) = parent
                && known.contains(parent)
                && !self.checkpoint.finished.contains(parent)
            {
                continue;
            }
            handled += self.drain_shard(arn, shard_id).await?;
        }
        if self.checkpoint.finished.len() != finished_before {
            // A shard was read to its end: its children are in the next description.
            self.shard_list = None;
        }
        Ok(handled)
    }

    async fn shards(&mut self, arn: &str) -> anyhow::Result<Vec<(String, Option<String>)>> {
        let mut out = Vec::new();
        let mut start: Option<String> = None;
        loop {
            self.describe_stream_calls += 1;
            let d = self
                .streams
                .describe_stream()
                .stream_arn(arn)
                .set_exclusive_start_shard_id(start.clone())
                .send()
                .await?;
            let desc = d.stream_description.context("no stream description")?;
            // A recreated table has a new stream: DynamoDB reports the old one DISABLED; Dynoxide
            // answers an old ARN with the new stream (another label). Either way: describe the
            // table again.
            let enabled = desc.stream_status.as_ref().is_none_or(|s| matches!(s.as_str(), "ENABLED" | "ENABLING"));
            let same = desc.stream_label.as_ref().is_none_or(|label| arn.ends_with(&format!("/stream/{label}")));
            if !(enabled && same) {
                anyhow::bail!("the table's stream {arn} is no longer its current one (recreated table?)");
            }
            for shard in desc.shards.unwrap_or_default() {
                if let Some(id) = shard.shard_id {
                    out.push((id, shard.parent_shard_id));
                }
            }
            match desc.last_evaluated_shard_id {
                Some(last) if Some(&last) != start.as_ref() => start = Some(last),
                _ => return Ok(out),
            }
        }
    }

    async fn drain_shard(&mut self, arn: &str, shard_id: &str) -> anyhow::Result<usize> {
        let mut request = self.streams.get_shard_iterator().stream_arn(arn).shard_id(shard_id);
        request = match self.checkpoint.shards.get(shard_id) {
            Some(seq) => request.shard_iterator_type(ShardIteratorType::AfterSequenceNumber).sequence_number(seq),
            None => request.shard_iterator_type(ShardIteratorType::TrimHorizon),
        };
        let mut iterator = request.send().await?.shard_iterator;
        let mut handled = 0;
        while let Some(it) = iterator {
            let page = self.streams.get_records().shard_iterator(it).limit(READ_LIMIT).send().await?;
            let records = page.records.unwrap_or_default();
            if records.is_empty() {
                if page.next_shard_iterator.is_none() {
                    self.checkpoint.finished.insert(shard_id.to_owned());
                    self.save()?;
                }
                return Ok(handled);
            }
            // As the event source mapping: the records that pass the filters, in batches of
            // BatchSize; after each batch the checkpoint moves past it (and past the records
            // filtered out before it); a failure stops at the earliest failed record.
            let passing: Vec<usize> = if self.filters.is_empty() {
                (0..records.len()).collect()
            } else {
                let events = lambda_records(arn, &records)?;
                (0..records.len())
                    .filter(|i| self.filters.iter().any(|f| crate::lambda_mode::pattern_matches(f, &events[*i])))
                    .collect()
            };
            let sequence = |i: usize| records[i].dynamodb.as_ref().and_then(|d| d.sequence_number.clone());
            for chunk in passing.chunks(self.batch_size) {
                let batch: Vec<Record> = chunk.iter().map(|i| records[*i].clone()).collect();
                let failed = self.handler.handle(arn, &batch).await?;
                let first_failed = chunk.iter().copied().find(|i| sequence(*i).is_some_and(|s| failed.contains(&s)));
                let Some(first_failed) = first_failed else {
                    continue;
                };
                handled += first_failed;
                if let Some(seq) = first_failed.checked_sub(1).and_then(sequence) {
                    self.checkpoint.shards.insert(shard_id.to_owned(), seq);
                    self.save()?;
                }
                tracing::warn!(
                    shard_id,
                    failed = failed.len(),
                    "stream batch had failures; retrying from the earliest on the next poll"
                );
                return Ok(handled);
            }
            handled += records.len();
            if let Some(seq) = records.len().checked_sub(1).and_then(sequence) {
                self.checkpoint.shards.insert(shard_id.to_owned(), seq);
                self.save()?;
            }
            iterator = page.next_shard_iterator;
        }
        self.checkpoint.finished.insert(shard_id.to_owned());
        self.save()?;
        Ok(handled)
    }

    /// Writes the checkpoint durably: a temporary file, fsync, then an atomic rename.
    fn save(&self) -> anyhow::Result<()> {
        use std::io::Write;
        let tmp = self.path.with_extension("json.tmp");
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(&serde_json::to_vec_pretty(&self.checkpoint)?)?;
        file.sync_all()?;
        std::fs::rename(&tmp, &self.path)?;
        Ok(())
    }
}

/// How long the poller waits when the stream has nothing new (Lambda's event source mapping
/// polls each shard about four times a second).
pub const IDLE_WAIT: std::time::Duration = std::time::Duration::from_millis(250);

/// Polls until `stop` turns true, as the event source mapping does: straight on while there are
/// records, [`IDLE_WAIT`] between polls when there are none or a poll failed.
pub async fn poll_until_stopped(mut poller: StreamPoller, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        let wait = match poller.poll_once().await {
            Ok(0) => {
                poller.idle_polls.send_modify(|n| *n += 1);
                true
            }
            Ok(n) => {
                tracing::info!(records = n, "stream records handled");
                false
            }
            Err(e) => {
                tracing::error!(error = %e, "stream poll failed; retrying");
                true
            }
        };
        if *stop.borrow() {
            return;
        }
        if wait {
            tokio::select! {
                () = tokio::time::sleep(IDLE_WAIT) => {}
                _ = stop.changed() => return,
            }
        }
    }
}

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
pub(crate) fn region() -> String {
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
