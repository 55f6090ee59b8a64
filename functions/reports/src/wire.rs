//! The reports API's response types: the daily report document, built from the figures of
//! `app::reports`, serialized (and stored, see `build_daily_report`) and documented by
//! the same definitions.

use api::wire::analytics::{ChangeView, TopRowView, TotalsView, last_sold_at};
use app::reports::DailyReport;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use domain::Product;
use domain::aggregate::Totals;
use serde::Serialize;
use utoipa::ToSchema;

/// The report of one store-timezone day.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = DailyReport)]
pub struct DailyReportView {
    /// `2023-10-08`.
    #[schema(format = Date)]
    pub date: String,
    pub timezone: String,
    #[schema(format = DateTime)]
    pub generated_at: String,
    pub totals: DayTotalsView,
    pub by_category: Vec<CategoryTotalsView>,
    /// The 5 best products of the day by revenue.
    pub top_products: Vec<TopRowView>,
    pub low_stock: Vec<LowStockLineView>,
    pub change_vs_previous_day: DayComparisonView,
    pub change_vs_same_weekday_last_week: DayComparisonView,
}

impl DailyReportView {
    /// The report of `figures`, in the store's zone `tz`, generated at `now`.
    pub fn new(figures: &DailyReport, tz: Tz, now: DateTime<Utc>) -> Self {
        DailyReportView {
            date: figures.date.clone(),
            timezone: tz.name().to_owned(),
            generated_at: app::time::to_api(now, None),
            totals: (&figures.totals).into(),
            by_category: figures
                .by_category
                .iter()
                .map(|(name, totals)| CategoryTotalsView { category_name: name.clone(), totals: totals.into() })
                .collect(),
            top_products: figures.top_products.iter().map(TopRowView::from).collect(),
            low_stock: figures.low_stock.iter().map(LowStockLineView::from).collect(),
            change_vs_previous_day: DayComparisonView::new(&figures.totals, &figures.previous_day),
            change_vs_same_weekday_last_week: DayComparisonView::new(&figures.totals, &figures.same_weekday_last_week),
        }
    }
}

/// A daily report as `build_daily_report` stored it: served as it was rendered when it was
/// built (a cache of what was served), not rendered again; documented as a `DailyReportView`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct StoredDailyReport(pub serde_json::Value);

/// The day's totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = DayTotals)]
pub struct DayTotalsView {
    #[serde(flatten)]
    pub totals: TotalsView,
    /// Null in a period with returns and no sales.
    #[schema(required = true, format = DateTime)]
    pub last_sold_at: Option<String>,
}

impl From<&Totals> for DayTotalsView {
    fn from(totals: &Totals) -> Self {
        DayTotalsView { totals: totals.into(), last_sold_at: last_sold_at(totals) }
    }
}

/// Totals of one category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = CategoryTotals)]
pub struct CategoryTotalsView {
    pub category_name: String,
    #[serde(flatten)]
    pub totals: TotalsView,
}

/// A product in a report's low-stock list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = LowStockLine)]
pub struct LowStockLineView {
    pub id: i64,
    pub name: String,
    pub category_name: String,
    pub current_inventory: i64,
    pub low_stock_alert_threshold: i64,
}

impl From<&Product> for LowStockLineView {
    fn from(p: &Product) -> Self {
        LowStockLineView {
            id: p.id,
            name: p.name.clone(),
            category_name: p.category_name.clone(),
            current_inventory: p.current_inventory,
            low_stock_alert_threshold: p.low_stock_alert_threshold,
        }
    }
}

/// The day's totals against another day's.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = DayComparison)]
pub struct DayComparisonView {
    /// The other day, `2023-10-07`.
    #[schema(format = Date)]
    pub previous_date: String,
    #[serde(flatten)]
    pub change: ChangeView,
}

impl DayComparisonView {
    fn new(today: &Totals, (previous_date, previous): &(String, Totals)) -> Self {
        DayComparisonView { previous_date: previous_date.clone(), change: ChangeView::new(today, previous) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::analytics::{GroupKey, RankedTotals};

    #[test]
    fn a_report_has_the_contract_members() {
        let day = Totals { units: 2, revenue_minor: 2_000, sales_count: 1, ..Totals::default() };
        let figures = DailyReport {
            date: "2023-10-08".into(),
            totals: day,
            by_category: vec![("toys".into(), day)],
            top_products: vec![RankedTotals { rank: 1, key: GroupKey::Product(3), totals: day }],
            low_stock: Vec::new(),
            previous_day: ("2023-10-07".into(), Totals::default()),
            same_weekday_last_week: ("2023-10-01".into(), day),
        };
        let now = app::time::parse_rfc3339("2023-10-09T00:15:00Z").unwrap();
        let json = serde_json::to_value(DailyReportView::new(&figures, chrono_tz::UTC, now)).unwrap();
        assert_eq!(
            (json["date"].as_str(), json["generated_at"].as_str()),
            (Some("2023-10-08"), Some("2023-10-09T00:15:00Z"))
        );
        assert_eq!(
            (json["totals"]["total_revenue"].as_str(), json["totals"]["last_sold_at"].is_null()),
            (Some("20.00"), true)
        );
        assert_eq!(
            serde_json::to_string(&json["by_category"][0]).unwrap(),
            r#"{"category_name":"toys","net_revenue":"20.00","returns_count":0,"sales_count":1,"total_refunded":"0.00","total_revenue":"20.00","total_units_returned":0,"total_units_sold":2}"#
        );
        assert_eq!(
            (json["top_products"][0]["rank"].as_i64(), json["top_products"][0]["product_id"].as_i64()),
            (Some(1), Some(3))
        );
        let previous = &json["change_vs_previous_day"];
        assert_eq!(
            (previous["previous_date"].as_str(), previous["revenue_change_pct"].is_null()),
            (Some("2023-10-07"), true)
        );
        assert_eq!(json["change_vs_same_weekday_last_week"]["revenue_change_pct"], 0.0);
        assert!(previous.get("product_id").is_none() && previous["current"].get("last_sold_at").is_none());
    }
}
