//! The parts of the analytics answers that more than one function sends: a group's totals, a
//! ranked row and the change between two periods (the sales function's summary, compare and top,
//! and the reports function's daily report). Each is built from the domain's values and
//! serialized as the contract writes it: money as decimal strings with two decimals, timestamps
//! in RFC 3339 UTC; the OpenAPI document describes the same types.

use serde::Serialize;
use utoipa::ToSchema;

use crate::wire::MoneyView;
use app::time;
use domain::aggregate::Totals;
use domain::analytics::{GroupKey, RankedTotals, revenue_change_pct};
use domain::money::Money;

/// Totals of a group of sales, and of the returns made in the same period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = Totals)]
pub struct TotalsView {
    pub total_units_sold: i64,
    pub total_revenue: MoneyView,
    pub sales_count: i64,
    pub total_units_returned: i64,
    pub total_refunded: MoneyView,
    pub returns_count: i64,
    /// `total_revenue` minus `total_refunded`.
    pub net_revenue: MoneyView,
}

impl From<&Totals> for TotalsView {
    fn from(t: &Totals) -> Self {
        TotalsView {
            total_units_sold: t.units,
            total_revenue: Money::from_minor(t.revenue_minor).into(),
            sales_count: t.sales_count,
            total_units_returned: t.units_returned,
            total_refunded: Money::from_minor(t.refunded_minor).into(),
            returns_count: t.returns_count,
            net_revenue: Money::from_minor(t.net_minor()).into(),
        }
    }
}

/// The time of a group's latest sale, as rows with a `last_sold_at` write it: `None` (`null`)
/// in a period with returns and no sales.
pub fn last_sold_at(t: &Totals) -> Option<String> {
    t.last_sold_at.map(|at| time::to_api(at, None))
}

/// What a row of a summary, a comparison or a ranking is about: its product (`product_id`) or
/// its category (`category_name`), whichever the grouping names; neither for the whole store.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = GroupKey)]
pub struct GroupKeyView {
    /// With a grouping or ranking by product.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub product_id: Option<i64>,
    /// With a grouping or ranking by category.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub category_name: Option<String>,
}

impl From<Option<&GroupKey>> for GroupKeyView {
    fn from(key: Option<&GroupKey>) -> Self {
        match key {
            None => GroupKeyView::default(),
            Some(GroupKey::Product(id)) => GroupKeyView { product_id: Some(*id), category_name: None },
            Some(GroupKey::Category(name)) => GroupKeyView { product_id: None, category_name: Some(name.clone()) },
        }
    }
}

/// A group's totals in two periods and the change between them.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(as = Change)]
pub struct ChangeView {
    pub current: TotalsView,
    pub previous: TotalsView,
    /// Current minus previous.
    pub change: TotalsView,
    /// (current - previous) / previous revenue, in percent with one decimal; null when the
    /// previous revenue is 0.
    #[schema(required = true)]
    pub revenue_change_pct: Option<f64>,
}

impl ChangeView {
    pub fn new(current: &Totals, previous: &Totals) -> Self {
        ChangeView {
            current: current.into(),
            previous: previous.into(),
            change: (&current.change_from(previous)).into(),
            revenue_change_pct: revenue_change_pct(current.revenue_minor, previous.revenue_minor),
        }
    }
}

/// One row of a ranking: its place, its product or category, its totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = TopRow)]
pub struct TopRowView {
    #[schema(minimum = 1)]
    pub rank: i64,
    #[serde(flatten)]
    pub key: GroupKeyView,
    #[serde(flatten)]
    pub totals: TotalsView,
}

impl From<&RankedTotals> for TopRowView {
    fn from(row: &RankedTotals) -> Self {
        TopRowView { rank: row.rank, key: Some(&row.key).into(), totals: (&row.totals).into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compare_row_shape() {
        let cur = Totals {
            units: 3,
            revenue_minor: 30_000,
            sales_count: 2,
            refunded_minor: 5_000,
            units_returned: 1,
            returns_count: 1,
            ..Totals::default()
        };
        let prev = Totals { units: 1, revenue_minor: 10_000, sales_count: 1, ..Totals::default() };
        let row = serde_json::to_value(ChangeView::new(&cur, &prev)).unwrap();
        assert_eq!(row["change"]["total_revenue"], "200.00");
        assert_eq!(row["revenue_change_pct"], 200.0);
        assert_eq!(row["current"]["total_units_sold"], 3);
        assert!(row["current"].get("last_sold_at").is_none());
        assert_eq!(row["current"]["net_revenue"], "250.00");
        assert_eq!(row["change"]["total_refunded"], "50.00");
        assert_eq!(row["previous"]["net_revenue"], "100.00");
    }

    #[test]
    fn a_top_row_is_rank_key_then_totals() {
        let totals = Totals { units: 2, revenue_minor: 1_050, sales_count: 1, ..Totals::default() };
        let row = TopRowView::from(&RankedTotals { rank: 1, key: GroupKey::Category("toys".into()), totals });
        assert_eq!(
            serde_json::to_string(&row).unwrap(),
            r#"{"rank":1,"category_name":"toys","total_units_sold":2,"total_revenue":"10.50","sales_count":1,"total_units_returned":0,"total_refunded":"0.00","returns_count":0,"net_revenue":"10.50"}"#
        );
        let row = TopRowView::from(&RankedTotals { rank: 2, key: GroupKey::Product(7), totals });
        assert!(serde_json::to_string(&row).unwrap().starts_with(r#"{"rank":2,"product_id":7,"total_units_sold":2,"#));
    }
}
