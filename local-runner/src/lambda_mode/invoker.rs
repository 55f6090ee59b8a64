//! Invoking a function through the emulator's Lambda Invoke API, as the AWS services do.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

use crate::batch::BoxFuture;
use sam_template::{Schedule, Template};

/// What a first invocation may add to a function's timeout: `cargo lambda watch` starts each
/// function with `cargo run` on its first invocation (and after a code change, rebuilds it).
pub const COLD_START_GRACE_SECS: u64 = 120;

/// A function's timeout when the template does not name the function.
const UNKNOWN_FUNCTION_TIMEOUT_SECS: u64 = 15;

/// Why an invocation gave no result.
#[derive(Debug)]
pub enum InvokeError {
    /// The function did not answer in time.
    Timeout,
    /// The function failed (an error or a crash): its error payload.
    Function(String),
    /// The emulator could not be reached.
    Unreachable(String),
}

impl std::fmt::Display for InvokeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InvokeError::Timeout => write!(f, "the function did not answer in time"),
            InvokeError::Function(e) => write!(f, "the function failed: {e}"),
            InvokeError::Unreachable(e) => write!(f, "the Lambda emulator did not answer: {e}"),
        }
    }
}

impl std::error::Error for InvokeError {}

/// Invokes functions through the emulator's Lambda Invoke API, each with its template timeout.
#[derive(Clone)]
pub struct Invoker {
    http: reqwest::Client,
    base: String,
    timeouts: BTreeMap<String, u64>,
}

impl Invoker {
    /// The emulator at `base` (`http://127.0.0.1:9000`), for the functions of `template`.
    pub fn new(base: impl Into<String>, template: &Template) -> Invoker {
        Invoker { http: reqwest::Client::new(), base: base.into(), timeouts: template.timeouts.clone() }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// How long an invocation of `function` may take: its own timeout, plus time for `cargo
    /// run` to check the build and start it.
    pub fn timeout(&self, function: &str) -> Duration {
        let own = self.timeouts.get(function).copied().unwrap_or(UNKNOWN_FUNCTION_TIMEOUT_SECS);
        Duration::from_secs(own + COLD_START_GRACE_SECS)
    }

    /// Invokes `function` synchronously with `event`; its result.
    pub async fn invoke(&self, function: &str, event: &Value) -> Result<Value, InvokeError> {
        let url = format!("{}/2015-03-31/functions/{function}/invocations", self.base);
        let sent = self.http.post(url).json(event).timeout(self.timeout(function)).send().await;
        let response = match sent {
            Ok(r) => r,
            Err(e) if e.is_timeout() => return Err(InvokeError::Timeout),
            Err(e) => return Err(InvokeError::Unreachable(e.to_string())),
        };
        let status = response.status();
        let function_error = response.headers().contains_key("x-amz-function-error");
        let body = match response.bytes().await {
            Ok(b) => b,
            Err(e) if e.is_timeout() => return Err(InvokeError::Timeout),
            Err(e) => return Err(InvokeError::Unreachable(e.to_string())),
        };
        let text = String::from_utf8_lossy(&body).into_owned();
        if !status.is_success() || function_error {
            return Err(InvokeError::Function(format!("{status}: {text}")));
        }
        let value: Value = serde_json::from_slice(&body).unwrap_or(Value::String(text.clone()));
        // The emulator may pass a function error on as a 200 with the error document.
        if value.get("errorType").is_some() && value.get("statusCode").is_none() {
            return Err(InvokeError::Function(text));
        }
        Ok(value)
    }
}

/// The scheduler's target in this mode: the schedule's function under the emulator.
impl crate::schedule::Target for Invoker {
    fn invoke<'a>(&'a self, schedule: &'a Schedule, event: Value) -> BoxFuture<'a, anyhow::Result<Value>> {
        Box::pin(async move { Ok(Invoker::invoke(self, &schedule.function, &event).await?) })
    }

    fn describe(&self) -> String {
        format!("the Lambda emulator at {}", self.base)
    }
}
