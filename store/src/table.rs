//! The table definition, read from `template.yaml` (the one source of truth), and its creation
//! on a local endpoint. The template is embedded at build time, so the running code and the
//! deployed stack cannot disagree about keys or indexes.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, StreamSpecification, StreamViewType, TableStatus, TimeToLiveSpecification,
};
use serde::Deserialize;

use super::StoreError;

pub const TEMPLATE: &str = include_str!("../../template.yaml");

/// The logical id of the table resource in the template.
pub const TABLE_RESOURCE: &str = "Table";

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
    /// The definition of the `Table` resource in the embedded template.
    pub fn from_template() -> Result<Self, String> {
        Self::parse(TEMPLATE)
    }

    pub fn parse(template: &str) -> Result<Self, String> {
        let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(template).map_err(|e| format!("template.yaml: {e}"))?;
        let props = doc
            .get("Resources")
            .and_then(|r| r.get(TABLE_RESOURCE))
            .and_then(|t| t.get("Properties"))
            .ok_or("template.yaml has no Resources.Table.Properties")?;
        // Only the members we model are read; intrinsic functions elsewhere (!Ref ...) are ignored.
        let mut wanted = serde_yaml_ng::Mapping::new();
        for name in [
            "AttributeDefinitions",
            "KeySchema",
            "GlobalSecondaryIndexes",
            "StreamSpecification",
            "TimeToLiveSpecification",
            "BillingMode",
        ] {
            if let Some(v) = props.get(name) {
                wanted.insert(name.into(), v.clone());
            }
        }
        serde_yaml_ng::from_value(serde_yaml_ng::Value::Mapping(wanted))
            .map_err(|e| format!("template.yaml Table: {e}"))
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_localstack_table_is_the_template_table() {
        let localstack: TableDefinition =
            serde_json::from_str(include_str!("../../localstack/init/table.json")).unwrap();
        let template = TableDefinition::from_template().unwrap();
        // CreateTable cannot carry TTL; the init hook enables it separately.
        assert_eq!(TableDefinition { time_to_live_specification: None, ..template }, localstack);
        assert!(include_str!("../../localstack/init/ready.d/create-table.sh").contains("TTL_ATTRIBUTE=expires_at"));
    }

    #[test]
    fn template_defines_the_table_the_code_uses() {
        let def = TableDefinition::from_template().unwrap();
        assert_eq!(def.billing_mode, "PAY_PER_REQUEST");
        assert_eq!(def.stream_specification.stream_view_type, "NEW_AND_OLD_IMAGES");
        assert_eq!(def.key_schema[0].attribute_name, super::super::keys::PK);
        assert_eq!(def.time_to_live_specification.as_ref().unwrap().attribute_name, "expires_at");
        use super::super::keys::Index;
        for index in [Index::Gsi1, Index::Gsi2, Index::Gsi3, Index::Gsi4, Index::Gsi5, Index::Gsi6] {
            let found =
                def.global_secondary_indexes.iter().find(|i| i.index_name == index.name()).expect("index in template");
            assert_eq!(found.key_schema[0].attribute_name, index.pk());
            assert_eq!(found.key_schema[1].attribute_name, index.sk());
        }
        let defined: Vec<&str> = def.attribute_definitions.iter().map(|a| a.attribute_name.as_str()).collect();
        for index in &def.global_secondary_indexes {
            for k in &index.key_schema {
                assert!(defined.contains(&k.attribute_name.as_str()), "{} is defined", k.attribute_name);
            }
        }
    }
}
