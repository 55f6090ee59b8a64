//! The table `template.yaml` defines (read by `sam-template`) is the one the code's keys and
//! indexes name, and the one LocalStack's init hook creates.

use store::keys;
use store::table::TableDefinition;

#[test]
fn the_localstack_table_is_the_template_table() {
    let localstack: TableDefinition =
        serde_json::from_str(include_str!("../../../localstack/init/table.json")).unwrap();
    let template = test_support::table_definition();
    // CreateTable cannot carry TTL; the init hook enables it separately.
    assert_eq!(TableDefinition { time_to_live_specification: None, ..template }, localstack);
    assert!(include_str!("../../../localstack/init/ready.d/create-table.sh").contains("TTL_ATTRIBUTE=expires_at"));
}

#[test]
fn template_defines_the_table_the_code_uses() {
    let def = test_support::table_definition();
    assert_eq!(def.billing_mode, "PAY_PER_REQUEST");
    assert_eq!(def.stream_specification.stream_view_type, "NEW_AND_OLD_IMAGES");
    assert_eq!(def.key_schema[0].attribute_name, keys::PK);
    assert_eq!(def.time_to_live_specification.as_ref().unwrap().attribute_name, "expires_at");
    use keys::Index;
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
