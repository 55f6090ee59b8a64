//! The reports Lambda. One binary, two triggers chosen by `REPORTS_TRIGGER`:
//! `http` (default) serves the report routes behind API Gateway; `schedule` handles the
//! EventBridge schedule by building the previous store-timezone day's report.

use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init();
    let state = shared::http::AppState::from_env().await?;
    match std::env::var("REPORTS_TRIGGER").as_deref() {
        Ok("schedule") => {
            lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
                let state = state.clone();
                async move {
                    // The scheduled event's time says which day just ended.
                    let at = event
                        .payload
                        .get("time")
                        .and_then(Value::as_str)
                        .and_then(shared::time::parse_rfc3339)
                        .unwrap_or_else(shared::time::now);
                    let tz = state.config.store_timezone;
                    let date = reports::previous_day(at, tz);
                    let report = reports::build_daily_report(&state.store, tz, date, shared::time::now())
                        .await
                        .map_err(|e| e.to_string())?;
                    tracing::info!(date = %date, "daily report written");
                    Ok::<Value, lambda_runtime::Error>(serde_json::json!({ "date": report["date"] }))
                }
            }))
            .await
        }
        _ => {
            let auth = state.config.auth_mode;
            shared::lambda::run_http(shared::http::finish(reports::router(state), auth)).await
        }
    }
}
