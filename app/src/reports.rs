//! The daily report: the store-timezone day's totals, by category, its top 5 products, the low
//! stock, and the change against the day before and the same weekday a week before, from the
//! counters. The reports function renders it and stores it, one per date (rebuilding a date
//! replaces its report).

use chrono::{Duration, NaiveDate};

use crate::Error;
use crate::analytics::ranked;
use crate::{App, Page};
use domain::Product;
use domain::aggregate::{Board, Bucket, Grain, Scope, Totals};
use domain::analytics::RankedTotals;
use serde_json::Value;

/// How many products the report ranks.
const TOP_PRODUCTS: i32 = 5;

/// The figures of one store-timezone day's report.
#[derive(Debug, Clone, PartialEq)]
pub struct DailyReport {
    /// The day, `2023-10-08`.
    pub date: String,
    pub totals: Totals,
    /// Each category with sales or returns that day, by name.
    pub by_category: Vec<(String, Totals)>,
    /// The day's best products by revenue.
    pub top_products: Vec<RankedTotals>,
    /// Active products at or below their alert threshold.
    pub low_stock: Vec<Product>,
    /// The day before (its date and totals).
    pub previous_day: (String, Totals),
    /// The same weekday a week before.
    pub same_weekday_last_week: (String, Totals),
}

/// Reads the figures of the report of `date` from the counters and the low-stock index.
pub async fn daily_report(app: &App, date: NaiveDate) -> Result<DailyReport, Error> {
    let store = app.store();
    let day = |days_before: i64| {
        date.checked_sub_signed(Duration::days(days_before))
            .and_then(|d| Bucket::parse(Grain::Day, &d.format("%Y-%m-%d").to_string()))
            .ok_or(Error::NoSuchDay(date))
    };
    let (today, yesterday, last_week) = (day(0)?, day(1)?, day(7)?);
    let totals = store.read_counters(&Scope::Store, &[today.clone(), yesterday.clone(), last_week.clone()]).await?;
    let get = |b: &Bucket| totals.get(b).copied().unwrap_or_default();
    let (by_category, top_products) = futures::try_join!(
        store.read_board(&Board::Categories, &today, false, None),
        store.read_board(&Board::Products, &today, false, Some(TOP_PRODUCTS)),
    )?;
    let mut low_stock = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = store.list_low_stock(None, 100, cursor.as_deref()).await?;
        low_stock.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let mut categories: Vec<(String, Totals)> = by_category
        .into_iter()
        .filter_map(|e| match e.scope {
            Scope::Category(name) => Some((name, e.totals)),
            _ => None,
        })
        .collect();
    categories.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(DailyReport {
        totals: get(&today),
        by_category: categories,
        top_products: ranked(top_products),
        low_stock,
        previous_day: (yesterday.period.clone(), get(&yesterday)),
        same_weekday_last_week: (last_week.period.clone(), get(&last_week)),
        date: today.period,
    })
}

/// Builds the report of `date` from the counters, renders it with `render` (the API's document:
/// the use case does not know the wire shape) and stores it, replacing any report of that date;
/// returns the document as stored, which `GET /reports/daily/{date}` serves.
pub async fn write_daily_report(
    app: &App,
    date: NaiveDate,
    render: impl FnOnce(&DailyReport) -> Result<Value, Error>,
) -> Result<Value, Error> {
    let figures = daily_report(app, date).await?;
    let document = render(&figures)?;
    app.store().put_daily_report(&figures.date, &document).await?;
    Ok(document)
}

/// The stored reports, newest first.
pub async fn list_daily_reports(app: &App, limit: i32, cursor: Option<&str>) -> Result<Page<Value>, Error> {
    Ok(app.store().list_daily_reports(limit, cursor).await?)
}

/// The stored report of one store-timezone day.
pub async fn get_daily_report(app: &App, date: NaiveDate) -> Result<Value, Error> {
    Ok(app.store().get_daily_report(&date.format("%Y-%m-%d").to_string()).await?)
}
