//! Polls the table's stream like Lambda's event source mapping (template.yaml's, read by
//! `sam-template`): every shard (children after their parents), the records that pass the
//! mapping's filters, in order, in batches of its `BatchSize`, a batch that is not full handed
//! once its `MaximumBatchingWindowInSeconds` has passed, to the same handler as in AWS; resuming
//! from the earliest failed record, with a durable checkpoint per shard so a restart (even after
//! `kill -9`) neither loses records nor counts any twice (a record handled but not yet
//! checkpointed is redelivered, and the handler's markers skip it).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use api::http::AppState;
use aws_sdk_dynamodbstreams::Client as StreamsClient;
use aws_sdk_dynamodbstreams::types::{Record, ShardIteratorType};
use serde::{Deserialize, Serialize};

use crate::batch::{BatchHandler, InProcess};
use crate::event_pattern::Filters;
use crate::stream_event::lambda_records;

/// Where each shard got to: the last sequence number handled.
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq)]
pub struct Checkpoint {
    pub stream_arn: String,
    pub shards: BTreeMap<String, String>,
    /// Closed shards read to their end.
    pub finished: BTreeSet<String>,
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
    shard_refresh: Duration,
    /// DescribeStream calls made, for tests.
    pub describe_stream_calls: usize,
    /// How many polls of [`poll_until_stopped`] found nothing new: once it grows, the stream has
    /// been read to its end (benchmarks measure reads with the consumer idle).
    idle_polls: tokio::sync::watch::Sender<u64>,
    /// The event source mapping's `FilterCriteria`, `BatchSize` and
    /// `MaximumBatchingWindowInSeconds`, from template.yaml.
    filters: Filters,
    batch_size: usize,
    batching_window: Duration,
    /// What it has read and handed so far.
    pub progress: Progress,
}

/// What a poller has done: stream records read past (handled or filtered out), and the batches
/// handed to the handler (how many, their records, the largest).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub read: usize,
    pub batches: usize,
    pub records: usize,
    pub largest: usize,
}

/// One drain of a shard: the batch being gathered, and how far it has read.
struct Drain<'a> {
    shard_id: &'a str,
    batch: Vec<Gathered>,
    /// When the batch's first record was read.
    since: Option<Instant>,
    /// Records read in this drain.
    read: usize,
    /// The last record read.
    last: Option<Position>,
    /// Records read past by the checkpoint in this drain.
    committed: usize,
}

/// A record that passed the filters, waiting for its batch to be handed.
struct Gathered {
    record: Record,
    /// The record read just before it (where the checkpoint goes if it fails).
    before: Option<Position>,
}

/// A record of the drain: its sequence number, and how many records the drain had read with it.
#[derive(Clone)]
struct Position {
    sequence: String,
    read: usize,
}

/// A stream's shards, each with its parent, as DescribeStream listed them at `described`.
struct ShardList {
    shards: Vec<(String, Option<String>)>,
    described: Instant,
}

/// How long the poller keeps a stream's shard list without a reason to describe it again (the
/// Kinesis Client Library's shard sync interval): new shards come as children of a shard read to
/// its end, which describes the stream again at once; this is the safety net.
pub const SHARD_REFRESH: Duration = Duration::from_mins(1);

/// Records per GetRecords call: DynamoDB Streams' maximum. The event source mapping reads this
/// much, filters, and hands the handler batches of `BatchSize` records that passed (gathered
/// across calls), so a batch holds 100 sales, not 100 stream records of which a fifth are sales.
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
        // The aggregator's mapping in template.yaml, as Lambda applies it.
        let source =
            sam_template::Template::embedded()?.stream().context("template.yaml has no DynamoDB stream event")?;
        let filters = Filters::new(&source.filters).context("the stream mapping's FilterCriteria")?;
        if source.parallelization_factor > 1 {
            tracing::warn!(
                factor = source.parallelization_factor,
                "ParallelizationFactor: locally each shard's batches are handed one at a time"
            );
        }
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
            batch_size: source.batch_size,
            batching_window: source.maximum_batching_window,
            progress: Progress::default(),
        })
    }

    /// The same poller handing its batches to `handler` instead (e.g. a Lambda function).
    pub fn with_handler(mut self, handler: impl BatchHandler + 'static) -> Self {
        self.handler = Box::new(handler);
        self
    }

    /// The same poller keeping a shard list at most `refresh` (tests: `ZERO` describes the stream
    /// on every poll).
    pub fn with_shard_refresh(mut self, refresh: Duration) -> Self {
        self.shard_refresh = refresh;
        self
    }

    /// The same poller with another `MaximumBatchingWindowInSeconds`.
    pub fn with_batching_window(mut self, window: Duration) -> Self {
        self.batching_window = window;
        self
    }

    /// The mapping's `BatchSize` and `MaximumBatchingWindowInSeconds`.
    pub fn batching(&self) -> (usize, Duration) {
        (self.batch_size, self.batching_window)
    }

    /// The number of polls that found nothing new, as it grows.
    pub fn idle_polls(&self) -> tokio::sync::watch::Receiver<u64> {
        self.idle_polls.subscribe()
    }

    pub fn checkpoint(&self) -> &Checkpoint {
        &self.checkpoint
    }

    /// Reads every shard up to what is available now and hands every record that passed at once
    /// (no batching window); returns the number of stream records read past (handled, or
    /// filtered out).
    pub async fn poll_once(&mut self) -> anyhow::Result<usize> {
        self.poll(Duration::ZERO).await
    }

    /// As the event source mapping polls: reads every shard up to what is available, a batch
    /// that is not full waiting up to the mapping's batching window for more records.
    pub async fn poll_batched(&mut self) -> anyhow::Result<usize> {
        self.poll(self.batching_window).await
    }

    /// Reads every shard up to what is available, a batch that is not full waiting up to `window`
    /// (from when its first record was read) for more records; returns the number of stream
    /// records read past.
    pub async fn poll(&mut self, window: Duration) -> anyhow::Result<usize> {
        let arn = match &self.stream_arn {
            Some(arn) => arn.clone(),
            None => self.describe_stream_arn().await?,
        };
        let polled = self.poll_stream(&arn, window).await;
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

    async fn poll_stream(&mut self, arn: &str, window: Duration) -> anyhow::Result<usize> {
        if self.checkpoint.stream_arn != arn {
            // A new table (or a recreated one): its stream starts from the beginning.
            self.checkpoint = Checkpoint { stream_arn: arn.to_owned(), ..Default::default() };
        }
        let shards = match &self.shard_list {
            Some(list) if list.described.elapsed() < self.shard_refresh => list.shards.clone(),
            _ => {
                let shards = self.shards(arn).await?;
                self.shard_list = Some(ShardList { shards: shards.clone(), described: Instant::now() });
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
            handled += self.drain_shard(arn, shard_id, window).await?;
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

    /// Reads `shard_id` from its checkpoint up to what is available: the records that pass the
    /// filters gathered into batches of `BatchSize`, each handed when full, and the last one when
    /// the shard has nothing more and `window` has passed since its first record was read (or
    /// the shard is closed). The checkpoint moves past each batch handled (and past the records
    /// filtered out around it); a batch with failures stops the drain at its earliest failed
    /// record. Returns the number of records read past.
    async fn drain_shard(&mut self, arn: &str, shard_id: &str, window: Duration) -> anyhow::Result<usize> {
        let mut request = self.streams.get_shard_iterator().stream_arn(arn).shard_id(shard_id);
        request = match self.checkpoint.shards.get(shard_id) {
            Some(seq) => request.shard_iterator_type(ShardIteratorType::AfterSequenceNumber).sequence_number(seq),
            None => request.shard_iterator_type(ShardIteratorType::TrimHorizon),
        };
        let mut iterator = request.send().await?.shard_iterator;
        let mut drain = Drain { shard_id, batch: Vec::new(), since: None, read: 0, last: None, committed: 0 };
        loop {
            let Some(it) = iterator else {
                // A closed shard read to its end: nothing more joins the batch.
                if self.hand(arn, &mut drain).await? {
                    self.checkpoint.finished.insert(shard_id.to_owned());
                    self.save()?;
                }
                return Ok(drain.committed);
            };
            let page = self.streams.get_records().shard_iterator(it).limit(READ_LIMIT).send().await?;
            iterator = page.next_shard_iterator;
            let records = page.records.unwrap_or_default();
            if records.is_empty() {
                if iterator.is_none() {
                    continue;
                }
                // Read up to what the stream has now: hand the batch, unless its window is open.
                let open_for = drain.since.and_then(|t| window.checked_sub(t.elapsed())).filter(|d| !d.is_zero());
                let Some(open_for) = open_for else {
                    self.hand(arn, &mut drain).await?;
                    return Ok(drain.committed);
                };
                tokio::time::sleep(open_for.min(IDLE_WAIT)).await;
                continue;
            }
            let events = if self.filters.pass_all() { None } else { Some(lambda_records(arn, &records)?) };
            for (i, record) in records.into_iter().enumerate() {
                let passes = events.as_ref().is_none_or(|events| self.filters.pass(&events[i]));
                let sequence = record.dynamodb.as_ref().and_then(|d| d.sequence_number.clone());
                if passes {
                    drain.since.get_or_insert_with(Instant::now);
                    drain.batch.push(Gathered { record, before: drain.last.clone() });
                }
                drain.read += 1;
                if let Some(sequence) = sequence {
                    drain.last = Some(Position { sequence, read: drain.read });
                }
                if drain.batch.len() >= self.batch_size && !self.hand(arn, &mut drain).await? {
                    return Ok(drain.committed);
                }
            }
            // Past the records filtered out, up to the batch being gathered.
            let settled = match drain.batch.first() {
                Some(first) => first.before.clone(),
                None => drain.last.clone(),
            };
            self.commit(&mut drain, settled)?;
        }
    }

    /// Hands the gathered batch (if any) to the handler; moves the checkpoint past it, or, when
    /// records failed, to just before the earliest of them and answers `false`.
    async fn hand(&mut self, arn: &str, drain: &mut Drain<'_>) -> anyhow::Result<bool> {
        let gathered = std::mem::take(&mut drain.batch);
        drain.since = None;
        if gathered.is_empty() {
            let last = drain.last.clone();
            self.commit(drain, last)?;
            return Ok(true);
        }
        let records: Vec<Record> = gathered.iter().map(|g| g.record.clone()).collect();
        let failed = self.handler.handle(arn, &records).await?;
        self.progress.batches += 1;
        self.progress.records += records.len();
        self.progress.largest = self.progress.largest.max(records.len());
        let sequence = |r: &Record| r.dynamodb.as_ref().and_then(|d| d.sequence_number.clone());
        let Some(first_failed) = gathered.iter().find(|g| sequence(&g.record).is_some_and(|s| failed.contains(&s)))
        else {
            let last = drain.last.clone();
            self.commit(drain, last)?;
            return Ok(true);
        };
        let before = first_failed.before.clone();
        self.commit(drain, before)?;
        tracing::warn!(
            shard_id = drain.shard_id,
            failed = failed.len(),
            "stream batch had failures; retrying from the earliest on the next poll"
        );
        Ok(false)
    }

    /// Moves the shard's checkpoint to `to` (when it is further).
    fn commit(&mut self, drain: &mut Drain<'_>, to: Option<Position>) -> anyhow::Result<()> {
        if let Some(to) = to
            && to.read > drain.committed
        {
            self.checkpoint.shards.insert(drain.shard_id.to_owned(), to.sequence);
            self.save()?;
            self.progress.read += to.read - drain.committed;
            drain.committed = to.read;
        }
        Ok(())
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
pub const IDLE_WAIT: Duration = Duration::from_millis(250);

/// Polls until `stop` turns true, as the event source mapping does: straight on while there are
/// records, [`IDLE_WAIT`] between polls when there are none or a poll failed; returns the poller.
pub async fn poll_until_stopped(
    mut poller: StreamPoller,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> StreamPoller {
    loop {
        let wait = match poller.poll_batched().await {
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
            return poller;
        }
        if wait {
            tokio::select! {
                () = tokio::time::sleep(IDLE_WAIT) => {}
                _ = stop.changed() => return poller,
            }
        }
    }
}
