//! The table definition (`template.yaml`'s `Table` resource, the one source of truth, read by
//! the `sam-template` crate: `Template::embedded()?.table::<TableDefinition>()`), and its
//! creation on a local endpoint.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, StreamSpecification, StreamViewType, TableStatus, TimeToLiveSpecification,
};
use serde::Deserialize;

use super::StoreError;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TableDefinition {
    pub attribute_definitions: Vec<AttributeDef>,
    pub key_schema: Vec<KeyDef>,
    #[serde(default)]
    pub global_secondary_indexes: Vec<IndexDef>,
    pub stream_specification: StreamDef,
    pub time_to_live_specification: Option<TtlDef>,
    pub billing_mode: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttributeDef {
    pub attribute_name: String,
    pub attribute_type: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyDef {
    pub attribute_name: String,
    pub key_type: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct IndexDef {
    pub index_name: String,
    pub key_schema: Vec<KeyDef>,
    pub projection: ProjectionDef,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProjectionDef {
    pub projection_type: String,
    #[serde(default)]
    pub non_key_attributes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StreamDef {
    pub stream_view_type: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TtlDef {
    pub attribute_name: String,
}

impl TableDefinition {
    /// Creates the table (if it does not exist) and waits until it is active.
    pub async fn create(&self, client: &Client, table_name: &str) -> Result<bool, StoreError> {
        let key_schema = |defs: &[KeyDef]| -> Vec<KeySchemaElement> {
            defs.iter()
                .map(|k| {
                    KeySchemaElement::builder()
                        .attribute_name(&k.attribute_name)
                        .key_type(KeyType::from(k.key_type.as_str()))
                        .build()
                        .expect("name and type are set")
                })
                .collect()
        };
        let mut request = client
            .create_table()
            .table_name(table_name)
            .billing_mode(BillingMode::from(self.billing_mode.as_str()))
            .set_key_schema(Some(key_schema(&self.key_schema)))
            .stream_specification(
                StreamSpecification::builder()
                    .stream_enabled(true)
                    .stream_view_type(StreamViewType::from(self.stream_specification.stream_view_type.as_str()))
                    .build()
                    .expect("enabled is set"),
            );
        for a in &self.attribute_definitions {
            request = request.attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(&a.attribute_name)
                    .attribute_type(ScalarAttributeType::from(a.attribute_type.as_str()))
                    .build()
                    .expect("name and type are set"),
            );
        }
        for index in &self.global_secondary_indexes {
            let mut projection =
                Projection::builder().projection_type(ProjectionType::from(index.projection.projection_type.as_str()));
            for a in &index.projection.non_key_attributes {
                projection = projection.non_key_attributes(a);
            }
            request = request.global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(&index.index_name)
                    .set_key_schema(Some(key_schema(&index.key_schema)))
                    .projection(projection.build())
                    .build()
                    .expect("name and keys are set"),
            );
        }
        match request.send().await {
            Ok(_) => {}
            Err(e)
                if e.as_service_error().is_some_and(
                    aws_sdk_dynamodb::operation::create_table::CreateTableError::is_resource_in_use_exception,
                ) =>
            {
                return Ok(false);
            }
            Err(e) => return Err(StoreError::from_sdk("CreateTable", e)),
        }
        for _ in 0..600 {
            let out = client
                .describe_table()
                .table_name(table_name)
                .send()
                .await
                .map_err(|e| StoreError::from_sdk("DescribeTable", e))?;
            if out.table.and_then(|t| t.table_status) == Some(TableStatus::Active) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        if let Some(ttl) = &self.time_to_live_specification {
            client
                .update_time_to_live()
                .table_name(table_name)
                .time_to_live_specification(
                    TimeToLiveSpecification::builder()
                        .enabled(true)
                        .attribute_name(&ttl.attribute_name)
                        .build()
                        .expect("fields are set"),
                )
                .send()
                .await
                .map_err(|e| StoreError::from_sdk("UpdateTimeToLive", e))?;
        }
        Ok(true)
    }
}
