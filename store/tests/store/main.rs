//! Integration tests of the DynamoDB access layer, each against a local DynamoDB of its own.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
mod contract;
mod table;

use store::{key_item, keys};

use test_support::fresh_store;

/// An index as compared: name, key schema, projection type, projected attributes.
type IndexShape = (String, Vec<(String, String)>, String, Vec<String>);

#[tokio::test]
async fn created_table_equals_the_template_definition() {
    let (store, _dynamodb) = fresh_store().await;
    let def = test_support::table_definition();
    let described = store.client().describe_table().table_name(store.table()).send().await.unwrap().table.unwrap();

    let keys_of = |ks: &[aws_sdk_dynamodb::types::KeySchemaElement]| -> Vec<(String, String)> {
        ks.iter().map(|k| (k.attribute_name.clone(), k.key_type.as_str().to_owned())).collect()
    };
    let expected_keys: Vec<(String, String)> =
        def.key_schema.iter().map(|k| (k.attribute_name.clone(), k.key_type.clone())).collect();
    assert_eq!(keys_of(described.key_schema()), expected_keys);

    let mut attrs: Vec<(String, String)> = described
        .attribute_definitions()
        .iter()
        .map(|a| (a.attribute_name.clone(), a.attribute_type.as_str().to_owned()))
        .collect();
    let mut expected_attrs: Vec<(String, String)> =
        def.attribute_definitions.iter().map(|a| (a.attribute_name.clone(), a.attribute_type.clone())).collect();
    attrs.sort();
    expected_attrs.sort();
    assert_eq!(attrs, expected_attrs);

    let mut indexes: Vec<IndexShape> = described
        .global_secondary_indexes()
        .iter()
        .map(|i| {
            let p = i.projection.as_ref().unwrap();
            (
                i.index_name.clone().unwrap(),
                keys_of(i.key_schema()),
                p.projection_type.as_ref().unwrap().as_str().to_owned(),
                p.non_key_attributes().to_vec(),
            )
        })
        .collect();
    let mut expected_indexes: Vec<IndexShape> = def
        .global_secondary_indexes
        .iter()
        .map(|i| {
            (
                i.index_name.clone(),
                i.key_schema.iter().map(|k| (k.attribute_name.clone(), k.key_type.clone())).collect(),
                i.projection.projection_type.clone(),
                i.projection.non_key_attributes.clone(),
            )
        })
        .collect();
    indexes.sort();
    expected_indexes.sort();
    assert_eq!(indexes, expected_indexes);

    let stream = described.stream_specification.unwrap();
    assert_eq!(stream.stream_view_type.unwrap().as_str(), def.stream_specification.stream_view_type);
    let ttl = store.client().describe_time_to_live().table_name(store.table()).send().await.unwrap();
    assert_eq!(ttl.time_to_live_description.unwrap().attribute_name.unwrap(), "expires_at");

    // Creating it again is a no-op, not an error.
    assert!(!def.create(store.client(), store.table()).await.unwrap());
}

#[tokio::test]
async fn batch_get_keeps_the_requested_order_and_skips_missing_items() {
    let (store, _dynamodb) = fresh_store().await;
    for id in [3, 1, 2] {
        let mut item = key_item(&keys::product(id));
        item.insert("marker".into(), AttributeValue::N(id.to_string()));
        store.client().put_item().table_name(store.table()).set_item(Some(item)).send().await.unwrap();
    }
    let wanted = [2, 99, 1, 3].map(|id| key_item(&keys::product(id))).to_vec();
    let got = store.batch_get(wanted).await.unwrap();
    let markers: Vec<&str> = got.iter().map(|i| i["marker"].as_n().unwrap().as_str()).collect();
    assert_eq!(markers, ["2", "1", "3"]);
    assert!(store.batch_get(Vec::new()).await.unwrap().is_empty());
    let _: HashMap<String, AttributeValue> = got.into_iter().next().unwrap();
}
