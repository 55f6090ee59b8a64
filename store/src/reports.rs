//! Stored daily reports (`REPORT#daily` / `{date}`), one per date.

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::catalogue::Page;
use super::{Item, Missing, Store, StoreError, cursor, encode, key_item, keys};

/// The stored shape of a daily report (its key attributes aside): the report's JSON as text, so
/// that it reads back exactly as written.
#[derive(Debug, Serialize, Deserialize)]
struct DailyReportRecord {
    entity: String,
    date: String,
    report: String,
}

impl DailyReportRecord {
    fn to_item(date: &str, report: &Value) -> Result<Item, StoreError> {
        let record = DailyReportRecord { entity: "report".into(), date: date.to_owned(), report: report.to_string() };
        let mut item = encode(&record)?;
        item.extend(key_item(&keys::daily_report(date)));
        Ok(item)
    }

    fn report_of(item: Item) -> Result<Value, StoreError> {
        let record: DailyReportRecord =
            serde_dynamo::from_item(item).map_err(|e| StoreError::Corrupt(format!("daily report: {e}")))?;
        serde_json::from_str(&record.report)
            .map_err(|e| StoreError::Corrupt(format!("daily report of {}: {e}", record.date)))
    }
}

impl Store {
    /// Writes (or rewrites) the report of `date`.
    pub async fn put_daily_report(&self, date: &str, report: &Value) -> Result<(), StoreError> {
        let item = DailyReportRecord::to_item(date, report)?;
        self.client()
            .put_item()
            .table_name(self.table())
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("PutItem", e))?;
        Ok(())
    }

    pub async fn get_daily_report(&self, date: &str) -> Result<Value, StoreError> {
        let out = self
            .client()
            .get_item()
            .table_name(self.table())
            .set_key(Some(key_item(&keys::daily_report(date))))
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("GetItem", e))?;
        let item = out.item.ok_or_else(|| StoreError::NotFound(Missing::DailyReport(date.to_owned())))?;
        DailyReportRecord::report_of(item)
    }

    /// Reports, newest first.
    pub async fn list_daily_reports(&self, limit: i32, cursor: Option<&str>) -> Result<Page<Value>, StoreError> {
        let listing = cursor::Listing::new("daily-reports");
        let start = cursor
            .map(|c| cursor::decode(c, &listing, &[keys::PK, keys::SK], keys::PK, keys::DAILY_REPORTS_PK))
            .transpose()?;
        super::query_page(
            self.client()
                .query()
                .table_name(self.table())
                .key_condition_expression("PK = :pk")
                .expression_attribute_values(":pk", AttributeValue::S(keys::DAILY_REPORTS_PK.into()))
                .scan_index_forward(false),
            &listing,
            limit,
            start,
            DailyReportRecord::report_of,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_reads_back_as_written() {
        let report = serde_json::json!({"date": "2023-10-08", "totals": {"total_revenue": "10.00"}});
        let item = DailyReportRecord::to_item("2023-10-08", &report).unwrap();
        assert_eq!(item.get("PK"), Some(&AttributeValue::S(keys::DAILY_REPORTS_PK.into())));
        assert_eq!(item.get("entity"), Some(&AttributeValue::S("report".into())));
        assert_eq!(DailyReportRecord::report_of(item).unwrap(), report);
        let mut broken = DailyReportRecord::to_item("2023-10-08", &report).unwrap();
        broken.insert("report".into(), AttributeValue::S("{".into()));
        assert!(matches!(DailyReportRecord::report_of(broken), Err(StoreError::Corrupt(_))));
    }
}
