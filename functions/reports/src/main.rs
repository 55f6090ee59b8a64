//! The reports Lambda: one function for both of its triggers. The EventBridge schedule builds
//! the previous store-timezone day's report; API Gateway requests are served by the report
//! routes (`reports::handle_event` tells them apart).

// The handler's future nests the router, the use case and the SDK's futures deeper than the
// default limit lets the compiler compute its layout.
#![recursion_limit = "256"]

use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    app::telemetry::init();
    // Built once per execution environment.
    let state = api::http::AppState::from_env().await?;
    let router =
        api::lambda::with_lambda_request_id(api::http::finish_for(reports::router(state.clone()), &state.config));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let (state, router) = (state.clone(), router.clone());
        async move {
            reports::handle_event(&state, &router, event.payload, event.context)
                .await
                .map_err(|e| lambda_runtime::Error::from(e.to_string()))
        }
    }))
    .await
}
