//! The aggregate-stream Lambda: the table's stream (filtered to sale INSERTs) into counters.

use aws_lambda_events::event::dynamodb::Event;
use aws_lambda_events::event::streams::DynamoDbEventResponse;
use lambda_runtime::{LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    app::telemetry::init();
    let config = app::Config::from_env()?;
    let store = config.connect().await;
    let tz = config.store_timezone;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Event>| {
        let store = store.clone();
        async move {
            let report = aggregate_stream::handle(&store, tz, &event.payload, app::time::now()).await;
            Ok::<DynamoDbEventResponse, lambda_runtime::Error>(aggregate_stream::response(&report))
        }
    }))
    .await
}
