//! The daily report: the store-timezone day's totals, by category, its top 5 products, the low
//! stock, and the change against the day before and the same weekday a week before, from the
//! counters; stored one per date (rebuilding a date replaces its report).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use serde_json::{Value, json};

use super::Error;
use crate::domain::aggregate::{Board, Bucket, Grain, Scope};
use crate::domain::analytics::{compare_row, totals_into};
use crate::store::Store;

/// Builds and stores the report of `date`; returns it.
pub async fn build_daily_report(store: &Store, tz: Tz, date: NaiveDate, now: DateTime<Utc>) -> Result<Value, Error> {
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
        store.read_board(&Board::Products, &today, false, Some(5)),
    )?;
    let mut low_stock = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = store.list_low_stock(None, 100, cursor.as_deref()).await?;
        low_stock.extend(page.items.into_iter().map(|p| {
            json!({
                "id": p.id, "name": p.name, "category_name": p.category_name,
                "current_inventory": p.current_inventory, "low_stock_alert_threshold": p.low_stock_alert_threshold,
            })
        }));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let mut totals_json = serde_json::Map::new();
    totals_into(&mut totals_json, &get(&today), true);
    let mut categories: Vec<(String, Value)> = by_category
        .iter()
        .filter_map(|e| match &e.scope {
            Scope::Category(name) => {
                let mut row = serde_json::Map::new();
                row.insert("category_name".into(), name.clone().into());
                totals_into(&mut row, &e.totals, false);
                Some((name.clone(), Value::Object(row)))
            }
            _ => None,
        })
        .collect();
    categories.sort_by(|a, b| a.0.cmp(&b.0));
    let top: Vec<Value> = top_products
        .iter()
        .enumerate()
        .filter_map(|(i, e)| match e.scope {
            Scope::Product(id) => {
                let mut row = serde_json::Map::new();
                row.insert("rank".into(), (i + 1).into());
                row.insert("product_id".into(), id.into());
                totals_into(&mut row, &e.totals, false);
                Some(Value::Object(row))
            }
            _ => None,
        })
        .collect();
    let with_date = |row: Value, other: &Bucket| {
        let mut row = row;
        row["previous_date"] = other.period.clone().into();
        row
    };
    let report = json!({
        "date": today.period,
        "timezone": tz.name(),
        "generated_at": crate::time::to_api(now, None),
        "totals": Value::Object(totals_json),
        "by_category": categories.into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
        "top_products": top,
        "low_stock": low_stock,
        "change_vs_previous_day": with_date(compare_row(None, &get(&today), &get(&yesterday)), &yesterday),
        "change_vs_same_weekday_last_week": with_date(compare_row(None, &get(&today), &get(&last_week)), &last_week),
    });
    store.put_daily_report(&today.period, &report).await?;
    Ok(report)
}
