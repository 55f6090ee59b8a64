//! Stored daily reports.

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::Value;

use super::catalogue::Page;
use super::{Missing, Store, StoreError, cursor, key_item, keys};

impl Store {
    /// Writes (or rewrites) the report of `date`.
    pub async fn put_daily_report(&self, date: &str, report: &Value) -> Result<(), StoreError> {
        let mut item = key_item(&keys::daily_report(date));
        item.insert("entity".into(), AttributeValue::S("report".into()));
        item.insert("date".into(), AttributeValue::S(date.into()));
        item.insert("report".into(), AttributeValue::S(report.to_string()));
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
        report_of(&item)
    }

    /// Reports, newest first.
    pub async fn list_daily_reports(&self, limit: i32, cursor: Option<&str>) -> Result<Page<Value>, StoreError> {
        let start =
            cursor.map(|c| cursor::decode(c, &[keys::PK, keys::SK], keys::PK, keys::DAILY_REPORTS_PK)).transpose()?;
        let out = self
            .client()
            .query()
            .table_name(self.table())
            .key_condition_expression("PK = :pk")
            .expression_attribute_values(":pk", AttributeValue::S(keys::DAILY_REPORTS_PK.into()))
            .scan_index_forward(false)
            .limit(limit)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("Query", e))?;
        let items = out.items.unwrap_or_default().iter().map(report_of).collect::<Result<Vec<_>, _>>()?;
        Ok(Page { items, next_cursor: out.last_evaluated_key.as_ref().map(cursor::encode) })
    }
}

fn report_of(item: &super::Item) -> Result<Value, StoreError> {
    let text = item
        .get("report")
        .and_then(|v| v.as_s().ok())
        .ok_or_else(|| StoreError::Corrupt("report without body".into()))?;
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}
