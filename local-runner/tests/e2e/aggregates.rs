//! Counters kept from the stream, and the summary, compare and top queries, end to end.

use serde_json::Value;

use crate::helpers::{TestApp, spawn_app, spawn_app_in};

async fn seeded() -> TestApp {
    let app = spawn_app().await;
    local_runner::seed::load(&app.state, &local_runner::seed::demo_data()).await.unwrap();
    assert!(app.aggregate().await >= 18, "every demo sale went through the stream");
    app
}

fn rows(body: &Value) -> Vec<Value> {
    body["rows"].as_array().unwrap_or_else(|| panic!("rows in {body}")).clone()
}

#[tokio::test]
async fn the_demo_data_gives_the_seed_figures() {
    let app = seeded().await;
    let by_year = app.get("/sales/summary?group_by=year").await;
    let years = rows(by_year.assert_status(200));
    let revenue: Vec<(&str, &str)> =
        years.iter().map(|r| (r["period"].as_str().unwrap(), r["total_revenue"].as_str().unwrap())).collect();
    assert_eq!(revenue, [("2022", "28500.00"), ("2023", "25000.00")], "2022 out-sold 2023");
    assert_eq!(by_year.body["timezone"], "UTC");
    assert_eq!(by_year.body["group_by"], "year");

    let by_category = app.get("/sales/summary?group_by=category").await;
    let cats = rows(by_category.assert_status(200));
    let revenue_of = |name: &str| {
        cats.iter().find(|r| r["category_name"] == name).map(|r| r["total_revenue"].as_str().unwrap().to_owned())
    };
    assert_eq!(revenue_of("electronics").as_deref(), Some("37000.00"));
    assert_eq!(revenue_of("fashion").as_deref(), Some("16500.00"));

    let total = app.get("/sales/summary").await;
    let total = rows(total.assert_status(200));
    assert_eq!(total.len(), 1);
    assert_eq!(total[0]["total_revenue"], "53500.00");
    assert_eq!(total[0]["sales_count"], 18);

    // The seed's spelling of group_by.
    let alias = app.get("/sales/summary?group_by=product_id-date").await;
    assert_eq!(alias.assert_status(200)["group_by"], "product-day");
    assert!(!rows(&alias.body).is_empty());

    let compare = app.get("/sales/compare?period=year&current=2023&previous=2022").await;
    let c = compare.assert_status(200);
    assert_eq!(c["rows"][0]["current"]["total_revenue"], "25000.00");
    assert_eq!(c["rows"][0]["previous"]["total_revenue"], "28500.00");
    assert_eq!(c["rows"][0]["change"]["total_revenue"], "-3500.00");
    assert_eq!(c["rows"][0]["revenue_change_pct"], -12.3);

    let top = app.get("/sales/top?by=category&period=year&at=2022").await;
    let t = top.assert_status(200);
    assert_eq!(t["rows"][0]["rank"], 1);
    assert_eq!(t["rows"][0]["category_name"], "electronics");
}

#[tokio::test]
async fn summaries_group_and_filter_and_cover_ranges_exactly() {
    let app = spawn_app().await;
    app.category("toys").await;
    app.category("home").await;
    let toy = app.stocked_product("toys", "10.00", 1000).await["id"].as_i64().unwrap();
    let lamp = app.stocked_product("home", "2.50", 1000).await["id"].as_i64().unwrap();
    let sales = [
        (toy, 1, "2022-12-31T23:59:59Z"),
        (toy, 2, "2023-01-01T00:00:00Z"),
        (lamp, 4, "2023-01-15T10:30:00Z"),
        (toy, 1, "2023-02-01T08:00:00Z"),
        (lamp, 2, "2023-02-01T08:45:00Z"),
        (toy, 3, "2024-03-01T12:00:00Z"),
    ];
    for (id, units, at) in sales {
        app.post("/sales", &format!(r#"{{"product_id":{id},"units_sold":{units},"sold_at":"{at}"}}"#))
            .await
            .assert_status(201);
    }
    app.aggregate().await;
    let get_rows = |path: String| {
        let app = &app;
        async move { rows(app.get(&path).await.assert_status(200)) }
    };
    let pick = |rows: &[Value], keys: &[&str]| -> Vec<String> {
        rows.iter()
            .map(|r| {
                keys.iter()
                    .map(|k| r[*k].as_str().map_or_else(|| r[*k].to_string(), str::to_owned))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    };

    let months = get_rows("/sales/summary?group_by=month&from=2023-01-01&to=2023-12-31".into()).await;
    assert_eq!(
        pick(&months, &["period", "total_revenue", "total_units_sold", "sales_count"]),
        ["2023-01 30.00 6 2", "2023-02 15.00 3 2"]
    );

    let product_month = get_rows("/sales/summary?group_by=product-month".into()).await;
    assert_eq!(
        pick(&product_month, &["product_id", "period", "total_revenue"]),
        [
            format!("{toy} 2022-12 10.00"),
            format!("{toy} 2023-01 20.00"),
            format!("{toy} 2023-02 10.00"),
            format!("{toy} 2024-03 30.00"),
            format!("{lamp} 2023-01 10.00"),
            format!("{lamp} 2023-02 5.00")
        ]
    );

    // A range that is not whole months: covered by days and hours exactly.
    let partial = get_rows("/sales/summary?from=2023-01-01T00:00:00Z&to=2023-02-01T07:59:59Z".into()).await;
    assert_eq!(pick(&partial, &["total_revenue", "sales_count"]), ["30.00 2"]);
    // A bound inside an hour is exact: the toy sold at 08:00:00 is in, the lamp at 08:45 is not.
    let exact = get_rows("/sales/summary?from=2023-01-01T00:00:00Z&to=2023-02-01T08:00:00Z".into()).await;
    assert_eq!(pick(&exact, &["total_revenue", "sales_count"]), ["40.00 3"]);
    let inside =
        get_rows("/sales/summary?group_by=product&from=2023-02-01T08:30:00Z&to=2023-02-01T08:50:00Z".into()).await;
    assert_eq!(pick(&inside, &["product_id", "total_revenue"]), [format!("{lamp} 5.00")]);
    let hours = get_rows("/sales/summary?group_by=hour&from=2023-02-01&to=2023-02-01".into()).await;
    assert_eq!(pick(&hours, &["period", "total_revenue"]), ["2023-02-01T08 15.00"]);

    let toys_by_year = get_rows("/sales/summary?group_by=category-year&category_name=toys".into()).await;
    assert_eq!(
        pick(&toys_by_year, &["category_name", "period", "total_revenue"]),
        ["toys 2022 10.00", "toys 2023 30.00", "toys 2024 30.00"]
    );
    let one_product = get_rows(format!("/sales/summary?product_id={lamp}&group_by=year")).await;
    assert_eq!(pick(&one_product, &["period", "total_revenue"]), ["2023 15.00"]);
    let toy_in_toys = get_rows(format!("/sales/summary?product_id={toy}&category_name=toys")).await;
    assert_eq!(pick(&toy_in_toys, &["total_revenue", "sales_count"]), ["70.00 4"]);
    let products_in_home = get_rows("/sales/summary?group_by=product&category_name=home".into()).await;
    assert_eq!(pick(&products_in_home, &["product_id", "total_revenue"]), [format!("{lamp} 15.00")]);
    let last = get_rows(format!("/sales/summary?product_id={toy}")).await;
    assert_eq!(last[0]["last_sold_at"], "2024-03-01T12:00:00Z");

    let empty = get_rows("/sales/summary?from=2030-01-01&to=2030-12-31".into()).await;
    assert!(empty.is_empty(), "groups with no sales are omitted");

    for bad in [
        "/sales/summary?group_by=week",
        "/sales/summary?from=2023-02-30",
        "/sales/summary?from=2023-03-01&to=2023-01-01",
        "/sales/compare?period=week&current=2023&previous=2022",
        "/sales/compare?period=month&current=2023&previous=2022-12",
        "/sales/compare?period=year&current=2023",
        "/sales/top?by=store&period=year&at=2023",
        "/sales/top?by=product&period=year&at=2023&metric=profit",
        "/sales/top?by=product&period=year&at=2023&limit=0",
        "/sales/top?by=product&period=month&at=2023",
    ] {
        app.get(bad).await.assert_problem(400);
    }

    let top_units = app.get("/sales/top?by=product&period=month&at=2023-01&metric=units&limit=1").await;
    let t = top_units.assert_status(200);
    assert_eq!(t["rows"].as_array().unwrap().len(), 1);
    assert_eq!(t["rows"][0]["product_id"], lamp, "4 lamps out-sold 2 toys in units");
    let top_revenue = app.get("/sales/top?by=product&period=month&at=2023-01").await;
    assert_eq!(top_revenue.body["rows"][0]["product_id"], toy, "but not in revenue");
    assert_eq!(top_revenue.body["rows"][1]["rank"], 2);

    let by_cat = app.get("/sales/compare?period=month&current=2023-02&previous=2023-01&by=category").await;
    let rows_cmp = rows(by_cat.assert_status(200));
    assert_eq!(pick(&rows_cmp, &["category_name"]), ["home", "toys"]);
    assert_eq!(rows_cmp[0]["revenue_change_pct"], -50.0);
    let first_sales = app.get("/sales/compare?period=year&current=2022&previous=2021").await;
    assert_eq!(first_sales.body["rows"][0]["revenue_change_pct"], Value::Null, "no previous revenue");
}

#[tokio::test]
async fn dst_days_in_new_york_are_23_and_25_hours() {
    let app = spawn_app_in("America/New_York").await;
    let id = app.toy("1.00", 1000).await;
    // 2023-11-05 (fall back) runs 04:00Z to 05:00Z next day; 2023-03-12 (spring forward) 05:00Z to 04:00Z.
    for at in [
        "2023-11-05T03:59:59Z", // Nov 4, 23:59 EDT
        "2023-11-05T04:00:00Z", // Nov 5, 00:00 EDT
        "2023-11-05T05:30:00Z", // 01:30 EDT
        "2023-11-05T06:30:00Z", // 01:30 EST: the same local hour again
        "2023-11-06T04:59:59Z", // Nov 5, 23:59 EST: the 25th hour
        "2023-11-06T05:00:00Z", // Nov 6
        "2023-03-12T05:00:00Z", // Mar 12, 00:00 EST
        "2023-03-13T03:59:59Z", // Mar 12, 23:59 EDT: the 23rd hour
        "2023-03-13T04:00:00Z", // Mar 13
    ] {
        app.post("/sales", &format!(r#"{{"product_id":{id},"units_sold":1,"sold_at":"{at}"}}"#))
            .await
            .assert_status(201);
    }
    app.aggregate().await;
    let days = rows(app.get("/sales/summary?group_by=day&from=2023-11-04&to=2023-11-06").await.assert_status(200));
    let counts: Vec<(String, i64)> =
        days.iter().map(|r| (r["period"].as_str().unwrap().to_owned(), r["sales_count"].as_i64().unwrap())).collect();
    assert_eq!(counts, [("2023-11-04".to_owned(), 1), ("2023-11-05".to_owned(), 4), ("2023-11-06".to_owned(), 1)]);
    let hours = rows(app.get("/sales/summary?group_by=hour&from=2023-11-05&to=2023-11-05").await.assert_status(200));
    let hour_counts: Vec<(String, i64)> =
        hours.iter().map(|r| (r["period"].as_str().unwrap().to_owned(), r["sales_count"].as_i64().unwrap())).collect();
    assert_eq!(
        hour_counts,
        [("2023-11-05T00".to_owned(), 1), ("2023-11-05T01".to_owned(), 2), ("2023-11-05T23".to_owned(), 1)]
    );
    let march = rows(app.get("/sales/summary?group_by=day&from=2023-03-12&to=2023-03-13").await.assert_status(200));
    let counts: Vec<i64> = march.iter().map(|r| r["sales_count"].as_i64().unwrap()).collect();
    assert_eq!(counts, [2, 1]);
    let nov = app.get("/sales/compare?period=month&current=2023-11&previous=2023-10").await;
    assert_eq!(nov.body["rows"][0]["current"]["sales_count"], 6, "Nov 4 23:59 EDT is in November too");
}

#[tokio::test]
async fn the_poller_resumes_from_its_checkpoint_and_replays_count_nothing_twice() {
    let app = spawn_app().await;
    let id = app.toy("5.00", 1000).await;
    let sell = |n: usize| {
        let app = &app;
        async move {
            for _ in 0..n {
                let sale = format!(r#"{{"product_id":{id},"units_sold":1,"sold_at":"2023-06-01T12:00:00Z"}}"#);
                app.post("/sales", &sale).await.assert_status(201);
            }
        }
    };
    let total_count = || {
        let app = &app;
        async move { rows(&app.get("/sales/summary").await.body).first().map_or(0, |r| r["sales_count"].as_i64().unwrap()) }
    };
    sell(7).await;
    app.aggregate().await;
    assert_eq!(total_count().await, 7);
    // A restart resumes after its checkpoint: only the new records are handled.
    sell(3).await;
    let resumed = app.aggregate().await;
    assert_eq!(total_count().await, 10);
    assert_eq!(app.aggregate().await, 0, "nothing new since the checkpoint");
    // Losing the checkpoint (a replay from the start of the stream) counts nothing twice.
    std::fs::remove_dir_all(&app.checkpoints).unwrap();
    let replayed = app.aggregate().await;
    assert!(
        replayed > resumed,
        "the replay read the whole stream ({replayed} records), the restart only the rest ({resumed})"
    );
    assert_eq!(total_count().await, 10);
    let top = app.get("/sales/top?by=product&period=year&at=2023").await;
    assert_eq!(top.body["rows"][0]["total_revenue"], "50.00");
}

#[tokio::test]
async fn verify_finds_drift_and_rebuild_repairs_it() {
    let app = seeded().await;
    let clean = app.state.store().verify_counters(chrono_tz::UTC, app::time::now()).await.unwrap();
    assert!(clean.drift.is_empty(), "{:?}", clean.drift);
    assert_eq!((clean.sales, clean.pending), (18, 0));

    // Corrupt two counters behind the aggregator's back and add a stray one.
    let client = app.state.store().client();
    let table = app.state.store().table();
    let bump = |pk: &str, sk: &str| {
        client
            .update_item()
            .table_name(table)
            .key("PK", aws_sdk_dynamodb::types::AttributeValue::S(pk.into()))
            .key("SK", aws_sdk_dynamodb::types::AttributeValue::S(sk.into()))
            .update_expression("ADD revenue_minor :r")
            .expression_attribute_values(":r", aws_sdk_dynamodb::types::AttributeValue::N("700".into()))
            .send()
    };
    bump("COUNTER#STORE", "Y#2022").await.unwrap();
    bump("COUNTER#CATEGORY#electronics", "A#ALL").await.unwrap();
    let drifted = app.state.store().verify_counters(chrono_tz::UTC, app::time::now()).await.unwrap();
    assert_eq!(drifted.drift.len(), 2);
    assert!(local_runner::aggregates(&app.state, "verify").await.is_err(), "verify fails on drift");

    local_runner::aggregates(&app.state, "rebuild").await.unwrap();
    let repaired = app.state.store().verify_counters(chrono_tz::UTC, app::time::now()).await.unwrap();
    assert!(repaired.drift.is_empty(), "{:?}", repaired.drift);
    let years = rows(&app.get("/sales/summary?group_by=year").await.body);
    assert_eq!(years[0]["total_revenue"], "28500.00");
}

/// An app with one sale, not yet aggregated: `units` of a toy at `price` (10 in stock).
async fn app_with_one_sale(price: &str, units: i64) -> TestApp {
    let app = spawn_app().await;
    app.category("toys").await;
    let id = app.stocked_product("toys", price, 10).await["id"].as_i64().unwrap();
    app.post("/sales", &format!(r#"{{"product_id":{id},"units_sold":{units}}}"#)).await.assert_status(201);
    app
}

#[tokio::test]
async fn sales_not_yet_aggregated_are_pending_not_drift() {
    let app = app_with_one_sale("1.00", 1).await;
    let report = app.state.store().verify_counters(chrono_tz::UTC, app::time::now()).await.unwrap();
    assert_eq!((report.pending, report.drift.len()), (1, 0), "the stream has not counted it yet");
    app.aggregate().await;
    let report = app.state.store().verify_counters(chrono_tz::UTC, app::time::now()).await.unwrap();
    assert_eq!((report.pending, report.drift.len()), (0, 0));
}

#[tokio::test]
async fn a_sale_the_stream_lost_is_counted_by_rebuild_once_the_stream_has_dropped_it() {
    let app = app_with_one_sale("4.00", 2).await;
    // The aggregator never sees the record (a batch that went to the dead-letter queue).
    let now = chrono::Utc::now();
    let young = app.state.store().verify_counters(chrono_tz::UTC, now).await.unwrap();
    assert_eq!((young.pending, young.drift.len()), (1, 0), "within the stream's retention it is in flight");
    // 26 hours later the stream has dropped it: verify reports the drift, rebuild repairs it.
    let later = now + chrono::Duration::hours(26);
    let lost = app.state.store().verify_counters(chrono_tz::UTC, later).await.unwrap();
    assert_eq!(lost.pending, 0);
    assert!(!lost.drift.is_empty(), "the lost sale is drift");
    let repaired = app.state.store().repair_counters(&lost).await.unwrap();
    assert_eq!(repaired.repaired, lost.drift.len());
    let after = app.state.store().verify_counters(chrono_tz::UTC, later).await.unwrap();
    assert!(after.drift.is_empty(), "{:?}", after.drift);
    let total = rows(&app.get("/sales/summary").await.body);
    assert_eq!((total[0]["sales_count"].as_i64(), total[0]["total_revenue"].as_str()), (Some(1), Some("8.00")));
}

/// The summary of every sale, grouped by `group_by`.
fn summary_of_everything(group_by: &str) -> app::analytics::SummaryQuery {
    app::analytics::SummaryQuery {
        group_by: domain::analytics::GroupBy::parse(group_by).unwrap(),
        product_id: None,
        category_name: None,
        from: None,
        to: None,
        from_text: None,
        to_text: None,
    }
}

#[tokio::test]
async fn a_summary_over_its_limits_is_a_clear_400_before_it_reads_the_leaderboards() {
    use api::error::AppError;
    use app::analytics::{History, SummaryLimits, summary_within};
    let app = seeded().await;
    let history = History::new(app.state.config.store_opened, chrono::Utc::now(), chrono_tz::UTC);
    // The demo sales fall in 7 hours and 4 days.
    let limits = SummaryLimits { boards: 6, rows: 1_000 };
    let err = AppError::from(
        summary_within(&app.state, &summary_of_everything("product-hour"), chrono_tz::UTC, history, limits)
            .await
            .unwrap_err(),
    );
    assert_eq!(err.status().as_u16(), 400);
    assert!(err.to_string().contains("groups 7 periods with sales by product-hour; at most 6"), "{err}");
    let days = summary_within(&app.state, &summary_of_everything("product-day"), chrono_tz::UTC, history, limits)
        .await
        .unwrap();
    assert!(!days.rows.is_empty());
    let limits = SummaryLimits { boards: 1_000, rows: 3 };
    let err =
        summary_within(&app.state, &summary_of_everything("hour"), chrono_tz::UTC, history, limits).await.unwrap_err();
    assert!(err.to_string().contains("has 7 rows; at most 3"), "{err}");
}

#[tokio::test]
async fn the_daily_report_of_a_seed_day() {
    let app = seeded().await;
    let date = chrono::NaiveDate::from_ymd_opt(2023, 10, 8).unwrap();
    let built = reports::build_daily_report(&app.state, date, chrono::Utc::now()).await.unwrap();
    let got = app.get("/reports/daily/2023-10-08").await;
    let report = got.assert_status(200);
    assert_eq!(report, &built);
    assert_eq!(report["date"], "2023-10-08");
    let by_day = rows(&app.get("/sales/summary?from=2023-10-08&to=2023-10-08").await.body);
    assert_eq!(report["totals"]["total_revenue"], by_day[0]["total_revenue"]);
    assert!(report["top_products"].as_array().unwrap().len() <= 5);
    assert_eq!(report["top_products"][0]["rank"], 1);
    let categories: i64 =
        report["by_category"].as_array().unwrap().iter().map(|c| c["sales_count"].as_i64().unwrap()).sum();
    assert_eq!(categories, report["totals"]["sales_count"].as_i64().unwrap());
    assert!(report["low_stock"].as_array().unwrap().iter().any(|p| p["id"] == 1), "product 1 ends with 1 unit");
    assert_eq!(report["change_vs_previous_day"]["previous_date"], "2023-10-07");
    assert_eq!(report["change_vs_same_weekday_last_week"]["previous_date"], "2023-10-01");
    // Building it again replaces it: one report per date.
    reports::build_daily_report(&app.state, date, chrono::Utc::now()).await.unwrap();
    let list = app.get("/reports/daily").await;
    assert_eq!(list.assert_status(200)["items"].as_array().unwrap().len(), 1);
    app.get("/reports/daily/2023-10-09").await.assert_problem(404);
    app.get("/reports/daily/2023-13-01").await.assert_problem(400);
}

#[test]
fn the_local_schedule_fires_at_a_quarter_past_midnight_store_time() {
    let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&chrono::Utc);
    let quarter_past = chrono::NaiveTime::from_hms_opt(0, 15, 0).unwrap();
    let next = local_runner::next_local_time(at("2023-10-08T12:00:00Z"), chrono_tz::Asia::Karachi, quarter_past);
    assert_eq!(next, at("2023-10-08T19:15:00Z"));
    let next = local_runner::next_local_time(at("2023-10-08T19:15:00Z"), chrono_tz::Asia::Karachi, quarter_past);
    assert_eq!(next, at("2023-10-09T19:15:00Z"));
}

/// A summary walks the buckets of the store's history, not of the bounds a client writes: far
/// bounds are clamped to the years with sales, and a grouping over too many periods is a 400,
/// not minutes of work (schemathesis found `from=4898-12-30&to=8636-07-21&group_by=date` timing
/// out).
#[tokio::test]
async fn summaries_are_bounded_by_the_store_history() {
    let app = seeded().await;
    let days = app.get("/sales/summary?group_by=day&from=0001-01-01&to=9999-12-31").await;
    let days = rows(days.assert_status(200));
    let periods: Vec<&str> = days.iter().map(|r| r["period"].as_str().unwrap()).collect();
    assert_eq!(periods, ["2022-10-08", "2022-11-08", "2022-12-08", "2023-10-08"]);
    let by_hour = app.get("/sales/summary?group_by=hour&from=1900-01-01").await;
    let hours = rows(by_hour.assert_status(200));
    assert!(hours.iter().all(|r| r["period"].as_str().unwrap().starts_with("202")), "{hours:?}");
    assert_eq!(hours.iter().map(|r| r["sales_count"].as_i64().unwrap()).sum::<i64>(), 18, "every demo sale");
    // Bounds outside the history: nothing to read.
    let empty = app.get("/sales/summary?group_by=day&from=3000-01-01&to=3000-12-31").await;
    assert!(rows(empty.assert_status(200)).is_empty());

    // A back-dated import stretches the history to 2010: every summary still answers, and the
    // hours it reads are the hours that hold sales, not the 14 years between.
    app.post("/sales", r#"{"product_id":5,"units_sold":1,"sold_at":"2010-06-01T10:00:00Z"}"#).await.assert_status(201);
    // Before the store opened (STORE_OPENED, default 2000-01-01): refused, nothing stored.
    let ancient = app.post("/sales", r#"{"product_id":5,"units_sold":1,"sold_at":"0000-01-01T00:00:00Z"}"#).await;
    ancient.assert_problem(422);
    assert_eq!(ancient.error_fields(), ["sold_at"]);
    app.aggregate().await;
    let hours = rows(app.get("/sales/summary?group_by=hour").await.assert_status(200));
    assert_eq!(hours.len(), 8, "the demo data's 7 hours and 2010's");
    assert_eq!(hours[0]["period"], "2010-06-01T10");
    let query = summary_of_everything("hour");
    let history = app::analytics::History::new(app.state.config.store_opened, chrono::Utc::now(), chrono_tz::UTC);
    let summary = app::analytics::summary(&app.state, &query, chrono_tz::UTC, history).await.unwrap();
    assert_eq!(summary.items_read, 8, "one counter read per row");
    let by_year = app.get("/sales/summary?group_by=year").await;
    let years = rows(by_year.assert_status(200));
    assert_eq!(years.first().unwrap()["period"], "2010");
}

#[tokio::test]
async fn the_poller_describes_the_table_and_its_shards_once_and_again_only_when_needed() {
    let app = spawn_app().await;
    let mut poller =
        local_runner::stream::StreamPoller::new(app.state.clone(), app.checkpoints.clone()).await.expect("poller");
    let mut handled = 0;
    for i in 0..5 {
        app.category(&format!("c{i}")).await;
        handled += poller.poll_once().await.unwrap();
    }
    assert_eq!(handled, 5, "each poll read the category written before it");
    assert_eq!(poller.describe_calls, 1, "the stream ARN is kept between polls");
    // Dynoxide reads every record of the shard to describe it: the shard list is kept too, while
    // records arrive and while the stream is idle.
    for _ in 0..5 {
        poller.poll_once().await.unwrap();
    }
    assert_eq!(poller.describe_stream_calls, 1, "the shard list is kept between polls");
    let first_arn = poller.checkpoint().stream_arn.clone();
    // From here on the stream is described on every poll (as after `SHARD_REFRESH`), which is
    // how a recreated table shows (Dynoxide keeps answering the old stream ARN, DynamoDB
    // reports it DISABLED).
    let mut poller = poller.with_shard_refresh(std::time::Duration::ZERO);

    // The table is recreated: the kept stream is gone, a poll fails, the next describes again.
    let client = app.state.store().client();
    client.delete_table().table_name(app.state.store().table()).send().await.unwrap();
    local_runner::ensure_table(&app.state).await.unwrap();
    app.category("toys").await;
    let mut failed = false;
    for _ in 0..3 {
        if poller.poll_once().await.is_err() {
            failed = true;
        }
    }
    // (Dynoxide answers the old stream ARN with the new stream, under another label; DynamoDB
    // reports the old stream DISABLED. The poller treats both as a failed stream call.)
    assert!(failed, "the poll on the old stream failed");
    assert_eq!(poller.describe_calls, 2, "described again once");
    assert_ne!(poller.checkpoint().stream_arn, first_arn, "the new table's stream");
    let described = poller.describe_stream_calls;
    poller.poll_once().await.unwrap();
    assert_eq!(poller.describe_stream_calls, described + 1, "a refresh of zero describes the stream on every poll");
}

#[tokio::test]
async fn a_recreated_tables_counters_hold_none_of_the_old_tables_sales() {
    let app = app_with_one_sale("12.50", 2).await;
    let mut poller = local_runner::stream::StreamPoller::new(app.state.clone(), app.checkpoints.clone())
        .await
        .expect("poller")
        .with_shard_refresh(std::time::Duration::ZERO);
    poller.poll_once().await.unwrap();
    let client = app.state.store().client();
    client.delete_table().table_name(app.state.store().table()).send().await.unwrap();
    local_runner::ensure_table(&app.state).await.unwrap();
    // The poller finds the new stream (the old one's poll fails) and reads it from its start.
    let mut read_new_stream = false;
    for _ in 0..3 {
        read_new_stream |= poller.poll_once().await.is_ok();
    }
    assert!(read_new_stream);
    let summary = app.get("/sales/summary").await;
    let counted = rows(summary.assert_status(200));
    assert!(counted.is_empty(), "the new table has no sales; the old table's is not counted again: {counted:?}");
    let report = app.state.store().verify_counters(chrono_tz::UTC, app::time::now()).await.unwrap();
    assert_eq!((report.pending, report.drift.len()), (0, 0));
}

#[tokio::test]
async fn once_the_running_poller_has_been_idle_twice_after_a_sale_the_sale_is_counted() {
    let app = app_with_one_sale("12.50", 2).await;
    let poller =
        local_runner::stream::StreamPoller::new(app.state.clone(), app.checkpoints.clone()).await.expect("poller");
    let mut idle_polls = poller.idle_polls();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let consumer = tokio::spawn(local_runner::stream::poll_until_stopped(poller, stopped));
    // The second idle poll after this moment started after it, so it read the stream to its end.
    let seen = *idle_polls.borrow_and_update();
    tokio::time::timeout(std::time::Duration::from_secs(30), idle_polls.wait_for(|n| *n >= seen + 2))
        .await
        .expect("the poller goes idle")
        .expect("the poller runs");
    let summary = app.get("/sales/summary").await;
    let total = &rows(summary.assert_status(200))[0];
    assert_eq!((total["sales_count"].as_i64(), total["total_revenue"].as_str()), (Some(1), Some("25.00")));
    let _ = stop.send(true);
    consumer.await.expect("the poller stops");
}
