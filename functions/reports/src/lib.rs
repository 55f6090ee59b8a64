//! Daily reports: built on a schedule for the previous store-timezone day from the counters
//! (totals, by category, top 5 products, low stock, change against the day before and the same
//! weekday a week before), stored one per date (rebuilding a date replaces its report), and
//! served by `GET /reports/daily` and `GET /reports/daily/{date}`.

use api::error::AppError;
use api::http::AppState;
use api::openapi::{BadRequest, NotFound};
use api::wire::{Page, PageParams, ValidPath, ValidQuery};
use aws_lambda_events::cloudwatch_events::CloudWatchEvent;
use axum::extract::State;
use axum::{Json, Router};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use domain::analytics::CalendarDate;
use lambda_http::request::LambdaRequest;
use lambda_http::tower::ServiceExt;
use lambda_http::{Adapter, LambdaEvent};
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub mod wire;

use wire::{DailyReportView, StoredDailyReport};

/// The report routes and their documentation, without fallbacks (see `api::http::finish`).
/// Every route is registered with `routes!`, so none exists without its documentation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::default().routes(routes!(list_reports)).routes(routes!(get_report))
}

/// The report routes with their state, as the Lambda serves them.
pub fn router(state: AppState) -> Router {
    routes().with_state(state).into()
}

/// Daily reports, newest first.
#[utoipa::path(
    get, path = "/reports/daily", tag = "reports",
    params(PageParams),
    responses((status = 200, description = "A page of reports", body = Page<DailyReportView>), (status = 400, response = BadRequest))
)]
async fn list_reports(
    State(state): State<AppState>,
    ValidQuery(page): ValidQuery<PageParams>,
) -> Result<Json<Page<StoredDailyReport>>, AppError> {
    let page = app::reports::list_daily_reports(&state, page.limit()?, page.cursor.as_deref()).await?;
    Ok(Json(Page::of(page, StoredDailyReport)))
}

/// The report of one store-timezone day.
#[utoipa::path(
    get, path = "/reports/daily/{date}", tag = "reports",
    params(ValidPath<CalendarDate>),
    responses(
        (status = 200, body = DailyReportView),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
    )
)]
async fn get_report(
    State(state): State<AppState>,
    ValidPath(CalendarDate(date)): ValidPath<CalendarDate>,
) -> Result<Json<StoredDailyReport>, AppError> {
    Ok(Json(StoredDailyReport(app::reports::get_daily_report(&state, date).await?)))
}

/// Builds, renders (as `GET /reports/daily/{date}` serves it) and stores the report of `date`
/// (`app::reports::write_daily_report`); returns the document as stored.
pub async fn build_daily_report(state: &AppState, date: NaiveDate, now: DateTime<Utc>) -> Result<Value, app::Error> {
    let tz = state.config.store_timezone;
    app::reports::write_daily_report(state, date, |figures| {
        serde_json::to_value(DailyReportView::new(figures, tz, now))
            .map_err(|e| app::Error::Render(format!("daily report: {e}")))
    })
    .await
}

/// Whether a Lambda event is the daily schedule's (EventBridge Scheduler or an events rule)
/// rather than an API Gateway request.
pub fn is_scheduled(event: &Value) -> bool {
    event.get("detail-type").and_then(Value::as_str) == Some("Scheduled Event")
        || matches!(event.get("source").and_then(Value::as_str), Some("aws.scheduler" | "aws.events"))
}

/// One Lambda invocation of the reports function: the schedule builds the previous store day's
/// report; anything else is an API Gateway request for `router` (payload 1.0 or 2.0), answered
/// in the proxy response format.
pub async fn handle_event(
    state: &AppState,
    router: &Router,
    event: Value,
    context: lambda_runtime::Context,
) -> Result<Value, AppError> {
    if is_scheduled(&event) {
        // The scheduled time says which day just ended (a late retry still reports that day).
        // The scheduled-event envelope of EventBridge (CloudWatch Events, as aws_lambda_events
        // names it; its EventBridgeEvent would bring in serde_with for the same fields).
        let at = serde_json::from_value::<CloudWatchEvent>(event)
            .map_or_else(|_| app::time::now(), |scheduled| scheduled.time);
        let tz = state.config.store_timezone;
        let date = previous_day(at, tz);
        let report = build_daily_report(state, date, app::time::now()).await?;
        tracing::info!(%date, "daily report written");
        return Ok(json!({ "date": report["date"] }));
    }
    let request: LambdaRequest =
        serde_json::from_value(event).map_err(|e| AppError::Internal(format!("not an API Gateway event: {e}")))?;
    // lambda_http's adapter, the code `lambda_http::run` runs in the other functions: the request
    // with its Lambda context in, the proxy response of the request's payload version out (binary
    // bodies base64-encoded, repeated headers kept).
    let Ok(response) = ServiceExt::oneshot(Adapter::from(router.clone()), LambdaEvent::new(request, context)).await;
    serde_json::to_value(response).map_err(|e| AppError::Internal(format!("the proxy response: {e}")))
}

pub fn parse_date(text: &str) -> Option<NaiveDate> {
    text.parse::<CalendarDate>().ok().map(|date| date.0)
}

/// The store-timezone day before the one containing `now`: what the schedule reports on.
pub fn previous_day(now: DateTime<Utc>, tz: Tz) -> NaiveDate {
    now.with_timezone(&tz).date_naive() - Duration::days(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheduled_events_are_told_from_requests() {
        let scheduler =
            json!({"source":"aws.scheduler","detail-type":"Scheduled Event","time":"2023-10-09T00:15:00Z","detail":{}});
        let rule =
            json!({"version":"0","source":"aws.events","detail-type":"Scheduled Event","time":"2023-10-09T00:15:00Z"});
        let http =
            json!({"version":"2.0","routeKey":"GET /reports/daily","rawPath":"/reports/daily","requestContext":{}});
        assert!(is_scheduled(&scheduler) && is_scheduled(&rule) && !is_scheduled(&http));
    }

    #[test]
    fn the_schedule_reports_on_the_previous_store_day() {
        let at = DateTime::parse_from_rfc3339("2023-10-09T00:15:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(previous_day(at, chrono_tz::UTC).to_string(), "2023-10-08");
        // 00:15 UTC is still the 8th in New York: the report is of the 7th.
        assert_eq!(previous_day(at, chrono_tz::America::New_York).to_string(), "2023-10-07");
        assert!(parse_date("2023-02-30").is_none());
        assert!(parse_date("2023-2-3").is_none());
    }
}
