//! Categories: their items, and creating, reading, listing, changing and deleting them.

use aws_sdk_dynamodb::types::{ReturnValue, ReturnValuesOnConditionCheckFailure};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Page, from_item, no_category, parse_time};
use crate::keys::{self};
use crate::{Refusal, Store, StoreError, cursor, encode, key_item, n, s};
use domain::time;
use domain::{Category, NewCategory};

// ---- stored shapes -------------------------------------------------------------------------

#[derive(Debug, Serialize, Deserialize)]
struct CategoryItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    entity: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    description: Option<String>,
    created_at: String,
    product_count: i64,
}

impl CategoryItem {
    fn into_domain(self) -> Result<Category, StoreError> {
        Ok(Category {
            created_at: parse_time(&self.created_at)?,
            name: self.name,
            description: self.description,
            product_count: self.product_count,
        })
    }
}

// ---- categories ----------------------------------------------------------------------------

impl Store {
    pub async fn create_category(&self, new: NewCategory, now: DateTime<Utc>) -> Result<Category, StoreError> {
        let key = keys::category(&new.name);
        let item = CategoryItem {
            pk: key.pk,
            sk: key.sk,
            entity: "category".into(),
            name: new.name.clone(),
            description: new.description.clone(),
            created_at: time::to_stored(now),
            product_count: 0,
        };
        let result = self
            .client()
            .put_item()
            .table_name(self.table())
            .set_item(Some(encode(&item)?))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(Category { name: new.name, description: new.description, created_at: now, product_count: 0 }),
            Err(e)
                if e.as_service_error().is_some_and(
                    aws_sdk_dynamodb::operation::put_item::PutItemError::is_conditional_check_failed_exception,
                ) =>
            {
                Err(StoreError::ConditionFailed(Refusal::CategoryExists(new.name)))
            }
            Err(e) => Err(StoreError::from_sdk("PutItem", e)),
        }
    }

    pub async fn get_category(&self, name: &str) -> Result<Category, StoreError> {
        match self.get(&keys::category(name), false).await? {
            Some(item) => from_item::<CategoryItem>(item)?.into_domain(),
            None => Err(no_category(name)),
        }
    }

    pub async fn list_categories(&self, limit: i32, cursor: Option<&str>) -> Result<Page<Category>, StoreError> {
        let listing = cursor::Listing::new("categories");
        let start = cursor
            .map(|c| cursor::decode(c, &listing, &[keys::PK, keys::SK], keys::PK, keys::CATEGORIES_PK))
            .transpose()?;
        crate::query_page(
            self.client()
                .query()
                .table_name(self.table())
                .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
                .expression_attribute_values(":pk", s(keys::CATEGORIES_PK))
                .expression_attribute_values(":prefix", s(keys::CATEGORY_SK_PREFIX)),
            &listing,
            limit,
            start,
            |i| from_item::<CategoryItem>(i).and_then(CategoryItem::into_domain),
        )
        .await
    }

    /// Sets (or with `None` clears) a category's description.
    pub async fn update_category(&self, name: &str, description: Option<String>) -> Result<Category, StoreError> {
        let mut request = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(key_item(&keys::category(name))))
            .condition_expression("attribute_exists(PK)")
            .return_values(ReturnValue::AllNew);
        request = match description {
            Some(d) => request.update_expression("SET description = :d").expression_attribute_values(":d", s(d)),
            None => request.update_expression("REMOVE description"),
        };
        match request.send().await {
            Ok(out) => from_item::<CategoryItem>(out.attributes.unwrap_or_default())?.into_domain(),
            Err(e)
                if e.as_service_error().is_some_and(
                    aws_sdk_dynamodb::operation::update_item::UpdateItemError::is_conditional_check_failed_exception,
                ) =>
            {
                Err(no_category(name))
            }
            Err(e) => Err(StoreError::from_sdk("UpdateItem", e)),
        }
    }

    /// Deletes a category that no product uses (409 otherwise).
    pub async fn delete_category(&self, name: &str) -> Result<(), StoreError> {
        let result = self
            .client()
            .delete_item()
            .table_name(self.table())
            .set_key(Some(key_item(&keys::category(name))))
            .condition_expression("attribute_exists(PK) AND product_count = :zero")
            .expression_attribute_values(":zero", n(0))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) => {
                let old = e.as_service_error().and_then(|s| match s {
                    aws_sdk_dynamodb::operation::delete_item::DeleteItemError::ConditionalCheckFailedException(c) => {
                        Some(c.item.clone())
                    }
                    _ => None,
                });
                match old {
                    Some(Some(item)) => {
                        let products = from_item::<CategoryItem>(item)?.product_count;
                        Err(StoreError::ConditionFailed(Refusal::CategoryInUse { name: name.to_owned(), products }))
                    }
                    Some(None) => Err(no_category(name)),
                    None => Err(StoreError::from_sdk("DeleteItem", e)),
                }
            }
        }
    }
}
