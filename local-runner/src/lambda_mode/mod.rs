//! `LAMBDA=1`: the local stack with the real function binaries. `cargo lambda watch` runs them
//! behind its Lambda Runtime API emulator ([`emulator`]), and this process plays the AWS
//! services around them, as `template.yaml` configures those (read by `sam-template`):
//!
//! - API Gateway (HTTP API, payload format 2.0, [`gateway`]): the `HttpApi` events of every
//!   `AWS::Serverless::Function` are the routes, matched like API Gateway does ([`routes`]);
//!   with `AUTH_MODE=local-jwt` the routes with the default JWT authorizer need a bearer token,
//!   whose claims (not verified) reach the function in `requestContext.authorizer.jwt.claims`,
//!   as the authorizer's would; requests and responses are mapped by [`payload`];
//! - the stream's event source mapping: the [`StreamPoller`](crate::stream::StreamPoller) of the
//!   in-process mode (filters, `BatchSize`, batching window, checkpoints) hands its batches to the
//!   function ([`LambdaStream`]), resuming from the earliest `batchItemFailures` item;
//! - EventBridge Scheduler: the scheduler of the in-process mode ([`crate::schedule`]) sends the
//!   schedule's `Input` to the function through the [`Invoker`].
//!
//! Environment: `LAMBDA_INVOKE_PORT` (default 9000) is the emulator's; when something already
//! answers there it is used as it is, otherwise `cargo lambda watch` is started there (the
//! program from `CARGO_LAMBDA`, else `cargo-lambda` on `PATH`, else `.venv-lambda/bin/`),
//! reloading on code changes unless `LAMBDA_NO_RELOAD=1`, and stopped with the runner.

pub mod emulator;
pub mod gateway;
pub mod invoker;
pub mod payload;
pub mod routes;

use std::sync::Arc;

use anyhow::Context;
use api::http::AppState;
use aws_sdk_dynamodbstreams::types::Record;
use serde_json::{Value, json};

pub use emulator::{Emulator, workspace};
pub use gateway::Gateway;
pub use invoker::{InvokeError, Invoker};
pub use sam_template::{Route, Template};

use crate::batch::{BatchHandler, BoxFuture};

/// Whether `LAMBDA` asks for this mode (`1`, `true`, `yes`).
pub fn enabled() -> bool {
    std::env::var("LAMBDA").is_ok_and(|v| matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes"))
}

/// The emulator's port: `LAMBDA_INVOKE_PORT`, default 9000 (cargo lambda's).
pub fn invoke_port() -> anyhow::Result<u16> {
    match std::env::var("LAMBDA_INVOKE_PORT") {
        Ok(p) => p.parse().context("LAMBDA_INVOKE_PORT must be a port number"),
        Err(_) => Ok(9000),
    }
}

/// The invoker of the emulator at [`invoke_port`].
pub fn local_invoker(template: &Template) -> anyhow::Result<Invoker> {
    Ok(Invoker::new(format!("http://127.0.0.1:{}", invoke_port()?), template))
}

/// Everything this mode runs in `serve`.
pub struct LambdaMode {
    pub gateway: Gateway,
    pub emulator: Emulator,
}

impl LambdaMode {
    /// The template read, the emulator started (or found), the gateway ready.
    pub async fn start(state: &AppState) -> anyhow::Result<LambdaMode> {
        let template = Arc::new(Template::embedded()?.clone());
        let port = invoke_port()?;
        let emulator = emulator::start(&template, &state.config, port).await?;
        let gateway = Gateway::new(template.clone(), local_invoker(&template)?, state.config.auth_mode);
        println!(
            "Lambda:  {} routes from template.yaml to {} under cargo lambda watch (http://127.0.0.1:{port})",
            template.routes.len(),
            template.functions().join(", ")
        );
        Ok(LambdaMode { gateway, emulator })
    }

    /// The stream's handler: the function of the template's DynamoDB event source mapping.
    pub fn stream_handler(&self) -> anyhow::Result<LambdaStream> {
        let source = self.gateway.template().stream().context("template.yaml has no DynamoDB stream event")?;
        Ok(LambdaStream { function: source.function.clone(), invoker: self.gateway.invoker().clone() })
    }
}

/// The stream consumer's handler in this mode: each batch (filtered and sized by the consumer,
/// as the mapping does) to the mapping's function; its `batchItemFailures` reported back.
pub struct LambdaStream {
    pub function: String,
    pub invoker: Invoker,
}

impl BatchHandler for LambdaStream {
    fn handle<'a>(&'a self, arn: &'a str, records: &'a [Record]) -> BoxFuture<'a, anyhow::Result<Vec<String>>> {
        Box::pin(async move {
            let event = json!({ "Records": crate::stream_event::lambda_records(arn, records)? });
            let result = self.invoker.invoke(&self.function, &event).await?;
            let failed: Vec<String> = result
                .get("batchItemFailures")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|f| f.get("itemIdentifier").and_then(Value::as_str).map(str::to_owned))
                .collect();
            tracing::info!(
                records = records.len(), failed = failed.len(), function = %self.function, "stream batch invoked"
            );
            Ok(failed)
        })
    }
}
