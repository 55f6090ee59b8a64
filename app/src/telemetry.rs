//! Structured JSON logs. One line per event, with the current span's fields (the request id).

use tracing_subscriber::EnvFilter;

/// Installs the JSON subscriber (`RUST_LOG` filters, default `info`). Safe to call twice.
pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,aws_config=warn,aws_smithy_runtime=warn"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        .flatten_event(true)
        .try_init();
}
