//! EventBridge Scheduler, locally, for both modes: each schedule of the template (its daily
//! `cron(M H * * ? *)`, store time) sends its `Input` (the `<aws.scheduler.*>` placeholders
//! filled) to its function: the function's own handler in this process ([`InProcess`]), or the
//! real binary under the Lambda emulator (`lambda_mode::Invoker`). `local-runner schedule-now`
//! sends the same events at once.

use anyhow::Context;
use api::http::AppState;
use axum::Router;
use sam_template::Schedule;
use serde_json::Value;

use crate::batch::BoxFuture;

/// Where a schedule's event goes: the function the schedule names.
pub trait Target: Send + Sync {
    /// Invokes the schedule's function with `event`; its result.
    fn invoke<'a>(&'a self, schedule: &'a Schedule, event: Value) -> BoxFuture<'a, anyhow::Result<Value>>;

    /// Where the events go, for messages.
    fn describe(&self) -> String;
}

/// The functions in this process: the reports function's handler (`reports::handle_event`, the
/// code its Lambda runs) on the stack's table.
pub struct InProcess {
    state: AppState,
    router: Router,
}

impl InProcess {
    pub fn new(state: AppState) -> InProcess {
        let router = reports::router(state.clone());
        InProcess { state, router }
    }
}

impl Target for InProcess {
    fn invoke<'a>(&'a self, schedule: &'a Schedule, event: Value) -> BoxFuture<'a, anyhow::Result<Value>> {
        Box::pin(async move {
            anyhow::ensure!(
                schedule.function == "reports",
                "the schedule {} names the function {}, which has no scheduled handler in this process",
                schedule.name,
                schedule.function
            );
            // `handle_event`'s future is not `Send` (its HTTP branch holds a response body across
            // an await), so it runs on a thread of its own, driven by this runtime.
            let (state, router, runtime) = (self.state.clone(), self.router.clone(), tokio::runtime::Handle::current());
            tokio::task::spawn_blocking(move || {
                runtime.block_on(reports::handle_event(&state, &router, event, lambda_runtime::Context::default()))
            })
            .await?
            .map_err(|e| anyhow::anyhow!("{e}"))
        })
    }

    fn describe(&self) -> String {
        format!("the reports function in this process (table {})", self.state.store().table())
    }
}

/// The event the scheduler sends for a run at `at`: the template's `Input` with its
/// `<aws.scheduler.*>` placeholders filled.
pub fn schedule_event(schedule: &Schedule, table: &str, at: chrono::DateTime<chrono::Utc>) -> anyhow::Result<Value> {
    let input = schedule
        .input
        .replace("<aws.scheduler.scheduled-time>", &at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .replace(
            "<aws.scheduler.schedule-arn>",
            &format!("arn:aws:scheduler:us-east-1:123456789012:schedule/default/{table}-{}", schedule.name),
        )
        .replace("<aws.scheduler.execution-id>", &uuid::Uuid::new_v4().to_string())
        .replace("<aws.scheduler.attempt-number>", "1");
    serde_json::from_str(&input).with_context(|| format!("the schedule {}'s Input is not JSON", schedule.name))
}

/// Sends `schedule`'s event for the run at `at` to `target` now; the function's result.
pub async fn fire(
    target: &dyn Target,
    schedule: &Schedule,
    table: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<Value> {
    let event = schedule_event(schedule, table, at)?;
    target.invoke(schedule, event).await
}

/// The scheduler: each daily schedule's event at its time of day in `tz`, until `stop`.
pub async fn run(
    target: impl Target,
    schedules: Vec<Schedule>,
    table: String,
    tz: chrono_tz::Tz,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut runs = Vec::new();
    for schedule in schedules {
        if let Some(at) = schedule.daily_time() {
            runs.push((schedule, at));
        } else {
            tracing::warn!(
                schedule = %schedule.name, expression = %schedule.expression,
                "only daily cron(M H * * ? *) schedules run locally; use `local-runner schedule-now`"
            );
        }
    }
    loop {
        let now = app::time::now();
        let Some((next, schedule)) =
            runs.iter().map(|(s, at)| (next_local_time(now, tz, *at), s)).min_by_key(|(t, _)| *t)
        else {
            return;
        };
        let wait = (next - now).to_std().unwrap_or_default();
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            _ = stop.changed() => return,
        }
        match fire(&target, schedule, &table, next).await {
            Ok(result) => tracing::info!(schedule = %schedule.name, %result, "schedule invoked its function"),
            Err(e) => tracing::error!(schedule = %schedule.name, error = %e, "scheduled invocation failed"),
        }
    }
}

/// The daily time of each schedule, for messages: `DailySchedule at 00:15`.
pub fn describe(schedules: &[Schedule]) -> String {
    let each: Vec<String> = schedules
        .iter()
        .map(|s| match s.daily_time() {
            Some(at) => format!("{} at {} store time", s.name, at.format("%H:%M")),
            None => format!("{} ({}: not run locally)", s.name, s.expression),
        })
        .collect();
    each.join(", ")
}

/// The next instant after `now` whose local time in `tz` is `at`.
pub fn next_local_time(
    now: chrono::DateTime<chrono::Utc>,
    tz: chrono_tz::Tz,
    at: chrono::NaiveTime,
) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    let mut date = now.with_timezone(&tz).date_naive();
    loop {
        if let Some(t) = tz.from_local_datetime(&date.and_time(at)).earliest().map(|t| t.with_timezone(&chrono::Utc))
            && t > now
        {
            return t;
        }
        date += chrono::Duration::days(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&chrono::Utc)
    }

    #[test]
    fn schedule_input_is_filled() {
        let t = sam_template::Template::embedded().unwrap();
        let e = schedule_event(&t.schedules[0], "shop", at("2023-10-09T00:15:00Z")).unwrap();
        assert_eq!(e["source"], "aws.scheduler");
        assert_eq!(e["detail-type"], "Scheduled Event");
        assert_eq!(e["time"], "2023-10-09T00:15:00Z");
        assert!(e["resources"][0].as_str().unwrap().starts_with("arn:aws:scheduler:"));
        assert!(reports::is_scheduled(&e), "the reports function reads it as its schedule");
    }

    #[test]
    fn the_next_run_is_at_the_local_time_of_the_store() {
        let quarter_past = chrono::NaiveTime::from_hms_opt(0, 15, 0).unwrap();
        let berlin = chrono_tz::Europe::Berlin;
        // 2023-03-26: Berlin moves from UTC+1 to UTC+2 at 02:00 local time.
        assert_eq!(next_local_time(at("2023-03-25T12:00:00Z"), berlin, quarter_past), at("2023-03-25T23:15:00Z"));
        assert_eq!(next_local_time(at("2023-03-25T23:15:00Z"), berlin, quarter_past), at("2023-03-26T22:15:00Z"));
        let half_past_two = chrono::NaiveTime::from_hms_opt(2, 30, 0).unwrap();
        assert_eq!(
            next_local_time(at("2023-03-25T12:00:00Z"), berlin, half_past_two),
            at("2023-03-27T00:30:00Z"),
            "a time the clock skips that day runs the next day"
        );
    }

    #[test]
    fn schedules_are_described_by_their_time() {
        let t = sam_template::Template::embedded().unwrap();
        assert_eq!(describe(&t.schedules), "DailySchedule at 00:15 store time");
    }
}
