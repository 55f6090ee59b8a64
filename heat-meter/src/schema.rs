//! What the meter needs of a table: its key, and each global secondary index's key and
//! projection, taken from the table definition the project reads from template.yaml.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use aws_sdk_dynamodb::types::AttributeValue;
use store::Item;
use store::table::{KeyDef, TableDefinition};

/// A key schema: the partition (hash) key attribute and the sort (range) key attribute, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySchema {
    pub hash: String,
    pub range: Option<String>,
}

/// Which attributes an index copies from the table's item besides the keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Projection {
    /// The whole item.
    All,
    /// The table's and the index's keys only.
    KeysOnly,
    /// The keys and these non-key attributes.
    Include(BTreeSet<String>),
}

/// One global secondary index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexSchema {
    pub name: String,
    pub key: KeySchema,
    pub projection: Projection,
}

/// The table's key and its global secondary indexes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSchema {
    pub key: KeySchema,
    pub indexes: Vec<IndexSchema>,
}

/// An item's key under a key schema: the partition key's value and the sort key's, when the item
/// has every key attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyValue {
    pub hash: AttributeValue,
    pub range: Option<AttributeValue>,
}

impl KeySchema {
    fn from_defs(defs: &[KeyDef]) -> Result<Self, String> {
        let named = |kind: &str| defs.iter().find(|k| k.key_type == kind).map(|k| k.attribute_name.clone());
        Ok(KeySchema { hash: named("HASH").ok_or("a key schema without a HASH key")?, range: named("RANGE") })
    }

    /// The key attributes' names.
    pub fn attributes(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.hash.as_str()).chain(self.range.as_deref())
    }

    /// The item's key, or `None` when it lacks a key attribute (for an index: the item is not in
    /// it, a sparse index).
    pub fn key_of(&self, item: &Item) -> Option<KeyValue> {
        let hash = item.get(&self.hash)?.clone();
        let range = match &self.range {
            Some(name) => Some(item.get(name)?.clone()),
            None => None,
        };
        Some(KeyValue { hash, range })
    }
}

impl TableSchema {
    /// The schema of a table definition (template.yaml's `Table`).
    pub fn from_definition(definition: &TableDefinition) -> Result<Self, String> {
        let indexes = definition
            .global_secondary_indexes
            .iter()
            .map(|index| {
                let projection = match index.projection.projection_type.as_str() {
                    "ALL" => Projection::All,
                    "KEYS_ONLY" => Projection::KeysOnly,
                    "INCLUDE" => Projection::Include(index.projection.non_key_attributes.iter().cloned().collect()),
                    other => return Err(format!("{}: unknown projection type {other}", index.index_name)),
                };
                Ok(IndexSchema {
                    name: index.index_name.clone(),
                    key: KeySchema::from_defs(&index.key_schema).map_err(|e| format!("{}: {e}", index.index_name))?,
                    projection,
                })
            })
            .collect::<Result<_, String>>()?;
        Ok(TableSchema { key: KeySchema::from_defs(&definition.key_schema)?, indexes })
    }

    /// The schema of template.yaml's table.
    pub fn from_template() -> Result<Self, String> {
        let definition: TableDefinition =
            sam_template::Template::embedded().and_then(sam_template::Template::table).map_err(|e| format!("{e:#}"))?;
        Self::from_definition(&definition)
    }

    /// What `index` holds of `item`: the table's keys, the index's keys and the projected
    /// attributes the item has.
    pub fn projected(&self, index: &IndexSchema, item: &Item) -> Item {
        let keeps = |name: &str| {
            self.key.attributes().any(|k| k == name)
                || index.key.attributes().any(|k| k == name)
                || match &index.projection {
                    Projection::All => true,
                    Projection::KeysOnly => false,
                    Projection::Include(names) => names.contains(name),
                }
        };
        item.iter().filter(|(name, _)| keeps(name)).map(|(n, v)| (n.clone(), v.clone())).collect()
    }
}

/// A key value as text, for a report: a string as it is, a number as its digits, a binary as hex.
pub fn render(value: &AttributeValue) -> String {
    match value {
        AttributeValue::S(s) | AttributeValue::N(s) => s.clone(),
        AttributeValue::B(b) => b.as_ref().iter().fold(String::new(), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        }),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> AttributeValue {
        AttributeValue::S(v.into())
    }

    #[test]
    fn the_template_table_has_its_keys_and_seven_indexes_with_their_projections() {
        let schema = TableSchema::from_template().unwrap();
        assert_eq!(schema.key, KeySchema { hash: "PK".into(), range: Some("SK".into()) });
        let names: Vec<&str> = schema.indexes.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["GSI1", "GSI2", "GSI3", "GSI4", "GSI5", "GSI6", "GSI7"]);
        let Projection::Include(included) = &schema.indexes[0].projection else { panic!("GSI1 is INCLUDE") };
        assert!(included.contains("units_sold") && !included.contains("current_inventory"));
        assert_eq!(schema.indexes[3].projection, Projection::KeysOnly);
        assert_eq!(schema.indexes[4].projection, Projection::All);
        assert_eq!(schema.indexes[5].key, KeySchema { hash: "board".into(), range: Some("units".into()) });
    }

    #[test]
    fn an_item_without_every_key_attribute_has_no_key_in_the_index() {
        let key = KeySchema { hash: "GSI4PK".into(), range: Some("GSI4SK".into()) };
        let full: Item = [("GSI4PK".to_owned(), s("LOW_STOCK")), ("GSI4SK".to_owned(), s("home#1"))].into();
        assert_eq!(key.key_of(&full), Some(KeyValue { hash: s("LOW_STOCK"), range: Some(s("home#1")) }));
        let half: Item = [("GSI4PK".to_owned(), s("LOW_STOCK"))].into();
        assert_eq!(key.key_of(&half), None);
    }

    #[test]
    fn a_projection_keeps_the_keys_and_what_it_names() {
        let table = TableSchema { key: KeySchema { hash: "PK".into(), range: Some("SK".into()) }, indexes: vec![] };
        let index = |projection| IndexSchema {
            name: "I".into(),
            key: KeySchema { hash: "IPK".into(), range: None },
            projection,
        };
        let item: Item = [("PK", "p"), ("SK", "s"), ("IPK", "i"), ("a", "1"), ("b", "2")]
            .into_iter()
            .map(|(n, v)| (n.to_owned(), s(v)))
            .collect();
        let names = |projected: Item| -> BTreeSet<String> { projected.into_keys().collect() };
        assert_eq!(names(table.projected(&index(Projection::All), &item)).len(), 5);
        assert_eq!(
            names(table.projected(&index(Projection::KeysOnly), &item)),
            ["IPK", "PK", "SK"].map(String::from).into()
        );
        assert_eq!(
            names(table.projected(&index(Projection::Include(["b".to_owned()].into())), &item)),
            ["IPK", "PK", "SK", "b"].map(String::from).into()
        );
    }
}
