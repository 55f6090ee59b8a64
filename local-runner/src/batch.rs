//! What the stream consumer hands each batch of records to: the stream's function, in this
//! process ([`InProcess`]) or under the Lambda emulator (`lambda_mode::LambdaStream`).

use api::http::AppState;
use aws_sdk_dynamodbstreams::types::Record;

/// A boxed future, as the handlers' traits (this one, `schedule::Target`) return them.
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// A handler of batches of stream records (in shard order, at most the mapping's `BatchSize`):
/// answers the sequence numbers of the records it could not handle (`batchItemFailures`); the
/// consumer resumes from the earliest of them. An `Err` fails the whole batch, retried from its
/// start on the next poll (a function error).
pub trait BatchHandler: Send + Sync {
    fn handle<'a>(&'a self, arn: &'a str, records: &'a [Record]) -> BoxFuture<'a, anyhow::Result<Vec<String>>>;
}

/// The default handler: `aggregate_stream::handle` in this process.
pub struct InProcess {
    pub state: AppState,
}

impl InProcess {
    /// Hands one batch to `aggregate_stream::handle`, as the Lambda event it would be; what the
    /// batch did (for a caller that keeps more than the failures, such as a benchmark).
    pub async fn aggregate(&self, arn: &str, records: &[Record]) -> aggregate_stream::BatchReport {
        let event = crate::stream_event::lambda_event(arn, records);
        aggregate_stream::handle(self.state.store(), self.state.config.store_timezone, &event, app::time::now()).await
    }
}

impl BatchHandler for InProcess {
    fn handle<'a>(&'a self, arn: &'a str, records: &'a [Record]) -> BoxFuture<'a, anyhow::Result<Vec<String>>> {
        Box::pin(async move { Ok(self.aggregate(arn, records).await.failed) })
    }
}
