//! The dashboard's questions (summary, compare, top) and their answers as values. Pure: the
//! reads are in `app::analytics`, the JSON the API writes of them in the wire types.

use chrono::NaiveDate;

use super::aggregate::{Board, Bucket, Grain, Totals};

/// What a summary row is keyed by besides the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupKind {
    Product,
    Category,
}

impl GroupKind {
    /// The store-wide leaderboard of the kind.
    pub fn board(self) -> Board {
        match self {
            GroupKind::Product => Board::Products,
            GroupKind::Category => Board::Categories,
        }
    }
}

/// `group_by`: `total`, a period, a scope, or scope-period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupBy {
    pub kind: Option<GroupKind>,
    pub period: Option<Grain>,
}

impl GroupBy {
    /// Parses `group_by`, accepting the seed's spellings: `product_id` for `product` and
    /// `date` for `day` (`product_id-date` is `product-day`).
    pub fn parse(text: &str) -> Option<GroupBy> {
        let kind_of = |k: &str| match k {
            "product" | "product_id" => Some(GroupKind::Product),
            "category" | "category_name" => Some(GroupKind::Category),
            _ => None,
        };
        if text == "total" {
            return Some(GroupBy { kind: None, period: None });
        }
        if let Some(grain) = Grain::parse(text) {
            return Some(GroupBy { kind: None, period: Some(grain) });
        }
        if let Some(kind) = kind_of(text) {
            return Some(GroupBy { kind: Some(kind), period: None });
        }
        let (k, p) = text.rsplit_once('-')?;
        Some(GroupBy { kind: Some(kind_of(k)?), period: Some(Grain::parse(p)?) })
    }

    /// The canonical name (`product-month`).
    pub fn name(&self) -> String {
        let kind = self.kind.map(|k| match k {
            GroupKind::Product => "product",
            GroupKind::Category => "category",
        });
        match (kind, self.period) {
            (None, None) => "total".into(),
            (None, Some(p)) => p.name().into(),
            (Some(k), None) => k.into(),
            (Some(k), Some(p)) => format!("{k}-{}", p.name()),
        }
    }
}

/// One row of a summary.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRow {
    pub product_id: Option<i64>,
    pub category_name: Option<String>,
    pub period: Option<String>,
    pub totals: Totals,
}

/// A summary's answer: its rows, ordered by grouping key then period.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// The grouping in its canonical spelling.
    pub group_by: String,
    /// The request's bounds as written.
    pub from: Option<String>,
    pub to: Option<String>,
    /// The store's zone, whose calendar the periods follow.
    pub timezone: String,
    pub rows: Vec<SummaryRow>,
    /// Counter items DynamoDB returned to build this summary (for benchmarks and logs).
    pub items_read: usize,
}

/// What a row of a comparison or a ranking is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum GroupKey {
    Product(i64),
    Category(String),
}

/// One row of a comparison: a group's totals in two periods (no key: the whole store).
#[derive(Debug, Clone, PartialEq)]
pub struct ComparedTotals {
    pub key: Option<GroupKey>,
    pub current: Totals,
    pub previous: Totals,
}

/// One row of a ranking: a group's place (1 is the best) and its totals.
#[derive(Debug, Clone, PartialEq)]
pub struct RankedTotals {
    pub rank: i64,
    pub key: GroupKey,
    pub totals: Totals,
}

/// `revenue_change_pct`: (current - previous) / previous x 100, rounded half away from zero to
/// one decimal; `None` when previous revenue is 0. Computed in integers.
pub fn revenue_change_pct(current: i64, previous: i64) -> Option<f64> {
    if previous == 0 {
        return None;
    }
    let numerator = (i128::from(current) - i128::from(previous)) * 1000;
    let denominator = i128::from(previous);
    let tenths =
        (numerator.abs() * 2 + denominator.abs()) / (denominator.abs() * 2) * numerator.signum() * denominator.signum();
    // A value with one decimal; the float only carries it to JSON (e.g. 14.0, -2.5).
    Some(tenths as f64 / 10.0)
}

/// A `period` of compare or top that is not `day`, `month` or `year`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be day, month or year")]
pub struct InvalidPeriodGrain {
    /// The parameter that held it.
    pub parameter: &'static str,
}

/// A period value that is not one of its grain (`2023`, `2023-10`, `2023-10-08`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be a {} written like {}", .grain.name(), example_period(*.grain))]
pub struct InvalidPeriod {
    /// The parameter that held it.
    pub parameter: &'static str,
    pub grain: Grain,
}

fn example_period(grain: Grain) -> &'static str {
    match grain {
        Grain::Year => "2023",
        Grain::Month => "2023-10",
        _ => "2023-10-08",
    }
}

/// `period` of compare and top: `day`, `month` or `year`.
pub fn parse_period_grain(parameter: &'static str, text: &str) -> Result<Grain, InvalidPeriodGrain> {
    match text {
        "day" => Ok(Grain::Day),
        "month" => Ok(Grain::Month),
        "year" => Ok(Grain::Year),
        _ => Err(InvalidPeriodGrain { parameter }),
    }
}

/// A period value (`2023`, `2023-10`, `2023-10-08`) of a grain.
pub fn parse_period(parameter: &'static str, grain: Grain, text: &str) -> Result<Bucket, InvalidPeriod> {
    Bucket::parse(grain, text).ok_or(InvalidPeriod { parameter, grain })
}

/// A calendar date written `YYYY-MM-DD` (a daily report's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CalendarDate(pub NaiveDate);

/// A text that is not a date written `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be a date written like 2023-10-08")]
pub struct InvalidDate;

impl std::str::FromStr for CalendarDate {
    type Err = InvalidDate;

    /// Exactly `YYYY-MM-DD` of a date that exists (no `2023-2-3`, no `2023-02-30`).
    fn from_str(text: &str) -> Result<Self, InvalidDate> {
        Bucket::parse(Grain::Day, text).and_then(|day| day.start()).map(|t| CalendarDate(t.date())).ok_or(InvalidDate)
    }
}

/// What a leaderboard is ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    Revenue,
    Units,
    NetRevenue,
}

impl Metric {
    pub fn parse(text: &str) -> Option<Metric> {
        match text {
            "revenue" => Some(Metric::Revenue),
            "units" => Some(Metric::Units),
            "net_revenue" => Some(Metric::NetRevenue),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Metric::Revenue => "revenue",
            Metric::Units => "units",
            Metric::NetRevenue => "net_revenue",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_by_names_and_aliases() {
        for (text, name) in [
            ("total", "total"),
            ("hour", "hour"),
            ("date", "day"),
            ("product", "product"),
            ("product_id", "product"),
            ("category-year", "category-year"),
            ("product_id-date", "product-day"),
            ("category-date", "category-day"),
            ("product_id-month", "product-month"),
        ] {
            assert_eq!(GroupBy::parse(text).map(|g| g.name()), Some(name.to_owned()), "{text}");
        }
        for bad in ["", "week", "product-week", "store", "-day", "product-"] {
            assert!(GroupBy::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn percent_change_is_exact_to_one_decimal() {
        assert_eq!(revenue_change_pct(2_850_000, 2_500_000), Some(14.0));
        assert_eq!(revenue_change_pct(2_500_000, 2_850_000), Some(-12.3));
        assert_eq!(revenue_change_pct(1, 3), Some(-66.7));
        assert_eq!(revenue_change_pct(5, 0), None);
        assert_eq!(revenue_change_pct(0, 4), Some(-100.0));
        assert_eq!(revenue_change_pct(1_001, 1_000), Some(0.1));
        assert_eq!(revenue_change_pct(10_005, 10_000), Some(0.1), "0.05 rounds half away from zero");
    }
}
