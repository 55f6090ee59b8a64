//! Days where the zone's calendar is odd, end to end: a day Pacific/Apia skipped (2011-12-30)
//! and a midnight Asia/Kathmandu skipped (1986-01-01 began at 00:15). The listing and the
//! summary of each local day equal a fold of the sales by their local date.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::Value;

use crate::helpers::{TestApp, spawn_app_opened};

fn cents(text: &Value) -> i64 {
    let (whole, frac) = text.as_str().unwrap().split_once('.').unwrap();
    whole.parse::<i64>().unwrap() * 100 + frac.parse::<i64>().unwrap()
}

/// Records one sale of `units` (at 1.25 each) at each instant; returns them.
async fn record(app: &TestApp, at: &[(&str, i64)]) -> Vec<(DateTime<Utc>, i64)> {
    app.category("toys").await;
    let id = app.stocked_product("toys", "1.25", 10_000).await["id"].as_i64().unwrap();
    for (when, units) in at {
        let body = format!(r#"{{"product_id":{id},"units_sold":{units},"sold_at":"{when}"}}"#);
        app.post("/sales", &body).await.assert_status(201);
    }
    app.aggregate().await;
    at.iter().map(|(t, u)| (DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc), *u)).collect()
}

/// The day's listing (every page) and summary against the fold of `sales` by local date.
async fn check_day(app: &TestApp, sales: &[(DateTime<Utc>, i64)], tz: Tz, day: &str) {
    let (want_count, want_units) = sales
        .iter()
        .filter(|(t, _)| t.with_timezone(&tz).format("%Y-%m-%d").to_string() == day)
        .fold((0usize, 0i64), |(c, u), (_, units)| (c + 1, u + units));
    let listed = app.get(&format!("/sales?limit=100&from={day}&to={day}")).await;
    let items = listed.assert_status(200)["items"].as_array().unwrap().clone();
    let units: i64 = items.iter().map(|s| s["units_sold"].as_i64().unwrap()).sum();
    assert_eq!((items.len(), units), (want_count, want_units), "listing of {day}");
    let summary = app.get(&format!("/sales/summary?group_by=day&from={day}&to={day}")).await;
    let rows = summary.assert_status(200)["rows"].as_array().unwrap().clone();
    let got: (i64, i64, i64) = rows.iter().fold((0, 0, 0), |(c, u, r), row| {
        assert_eq!(row["period"], day, "{row}");
        (
            c + row["sales_count"].as_i64().unwrap(),
            u + row["total_units_sold"].as_i64().unwrap(),
            r + cents(&row["total_revenue"]),
        )
    });
    assert_eq!(got, (want_count as i64, want_units, want_units * 125), "summary of {day}");
}

#[tokio::test]
async fn apia_lists_and_sums_each_day_around_the_day_it_skipped() {
    let tz: Tz = "Pacific/Apia".parse().unwrap();
    let app = spawn_app_opened("Pacific/Apia", None).await;
    let sales = record(
        &app,
        &[
            ("2011-12-29T09:30:00Z", 1), // local 2011-12-28 23:30 (-10:00)
            ("2011-12-29T10:30:00Z", 2), // local 2011-12-29 00:30
            ("2011-12-29T20:00:00Z", 3), // local 2011-12-29 10:00
            ("2011-12-30T09:59:59Z", 4), // local 2011-12-29 23:59:59, the last second before the jump
            ("2011-12-30T10:00:00Z", 5), // local 2011-12-31 00:00 (+14:00)
            ("2011-12-30T15:00:00Z", 6), // local 2011-12-31 05:00
            ("2011-12-31T09:59:59Z", 7), // local 2011-12-31 23:59:59
        ],
    )
    .await;
    for day in ["2011-12-28", "2011-12-29", "2011-12-31", "2012-01-01"] {
        check_day(&app, &sales, tz, day).await;
    }
    // The skipped day has no instants: as a range it ends before it starts.
    let problem = app.get("/sales?from=2011-12-30&to=2011-12-30").await;
    assert_eq!(problem.assert_problem(400).error_fields(), ["from"]);
    // Across the jump, by instants: every grouping answers the fold, never a 500.
    let (from, to) = ("2011-12-30T09:59:59.999999Z", "2011-12-30T10:00:00Z");
    for group_by in ["total", "hour", "day", "month", "year", "product", "category", "product-day", "category-hour"] {
        let reply = app.get(&format!("/sales/summary?group_by={group_by}&from={from}&to={to}")).await;
        let rows = reply.assert_status(200)["rows"].as_array().unwrap().clone();
        let units: i64 = rows.iter().map(|r| r["total_units_sold"].as_i64().unwrap()).sum();
        assert_eq!(units, 5, "{group_by}: the sale at 10:00:00Z only");
    }
}

#[tokio::test]
async fn kathmandu_starts_1986_at_its_first_instant_00_15() {
    let tz: Tz = "Asia/Kathmandu".parse().unwrap();
    let app = spawn_app_opened("Asia/Kathmandu", Some("1985-01-01")).await;
    let sales = record(
        &app,
        &[
            ("1985-12-31T18:20:00Z", 1), // local 1985-12-31 23:50 (+05:30)
            ("1985-12-31T18:29:59Z", 2), // local 1985-12-31 23:59:59
            ("1985-12-31T18:30:00Z", 3), // local 1986-01-01 00:15 (+05:45)
            ("1985-12-31T18:40:00Z", 4), // local 1986-01-01 00:25
            ("1985-12-31T19:00:00Z", 5), // local 1986-01-01 00:45
        ],
    )
    .await;
    for day in ["1985-12-31", "1986-01-01"] {
        check_day(&app, &sales, tz, day).await;
    }
}
