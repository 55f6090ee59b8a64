//! The write units one stream record stands for, on the table and on each global secondary index,
//! under DynamoDB's documented rules:
//!
//! - item size: attribute names plus values, as "Item sizes and formats"
//!   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html)
//!   gives it: S its UTF-8 bytes, N about one byte per two significant digits plus one, B its raw
//!   bytes, BOOL and NULL one byte, L and M three bytes plus their elements and one byte per element
//!   (plus the names of a map's), sets the sum of their members. The project computes it in one
//!   place, `store::item_size`, which this uses;
//! - the table: a write of an item costs one write unit per started KB of the larger of the item
//!   before and after it ("Read/write capacity mode",
//!   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html),
//!   and twice that inside a transaction (TransactWriteItems: two underlying writes per item);
//! - each global secondary index ("Provisioned throughput considerations for Global Secondary
//!   Indexes", https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html): an item
//!   is in the index when it has the index's key attributes. Entering is a put, leaving a delete
//!   (of the old projected item), a changed index key a delete from the old place and a put in the
//!   new one, and an unchanged key whose projected attributes changed one write of the new
//!   projected item; an update that changes nothing the index holds writes nothing to it. The
//!   index entry is the table's keys, the index's keys and the projected attributes, rounded up
//!   to a KB per write; index writes are not doubled by a transaction.
//!
//! What a stream does not show is not counted: a write that changes nothing (DynamoDB writes no
//! stream record for it, yet charges at least one unit; the local DynamoDB does write one, and it
//! is counted), a write refused by its condition or a cancelled transaction (charged, never on
//! the stream), and a transaction's ConditionCheck items. Deletes by TTL are free and skipped.

use store::{Item, item_size, write_units};

use crate::schema::{IndexSchema, KeyValue, TableSchema, render};

/// A change to one item, as a stream record with NEW_AND_OLD_IMAGES carries it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeRecord {
    pub event: EventName,
    /// The item's table key.
    pub keys: Item,
    pub old_image: Option<Item>,
    pub new_image: Option<Item>,
    /// Its place in its shard (a decimal number).
    pub sequence_number: String,
    /// Deleted by TTL (the record's `userIdentity` is the DynamoDB service): no write units.
    pub by_ttl: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventName {
    Insert,
    Modify,
    Remove,
}

/// Where a write lands: the table or an index, and the partition key's value there.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Partition {
    /// `None`: the table.
    pub index: Option<String>,
    pub key: String,
}

impl std::fmt::Display for Partition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.index {
            None => write!(f, "{}", self.key),
            Some(index) => write!(f, "{index} {}", self.key),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteKind {
    /// An item written where there was none (or a changed index entry rewritten in place).
    Put,
    /// An item rewritten in place.
    Update,
    Delete,
}

/// One write to one partition, and what it costs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Write {
    pub partition: Partition,
    pub kind: WriteKind,
    /// The size the write is charged for.
    pub bytes: usize,
    pub units: u64,
}

/// Turns stream records into writes.
#[derive(Debug, Clone)]
pub struct Meter {
    pub schema: TableSchema,
    /// Table writes are made in transactions (charged twice).
    pub transactional: bool,
}

impl Meter {
    pub fn new(schema: TableSchema, transactional: bool) -> Self {
        Meter { schema, transactional }
    }

    /// The table's write and each index write `record` stands for, the table's first.
    pub fn writes(&self, record: &ChangeRecord) -> Vec<Write> {
        if record.by_ttl {
            return Vec::new();
        }
        let (old, new) = (record.old_image.as_ref(), record.new_image.as_ref());
        let Some(table_key) = self.schema.key.key_of(&record.keys) else { return Vec::new() };
        let bytes = old.map_or(0, item_size).max(new.map_or(0, item_size));
        let kind = match record.event {
            EventName::Insert => WriteKind::Put,
            EventName::Modify => WriteKind::Update,
            EventName::Remove => WriteKind::Delete,
        };
        let factor = if self.transactional { 2 } else { 1 };
        let mut out = vec![Write {
            partition: Partition { index: None, key: render(&table_key.hash) },
            kind,
            bytes,
            units: factor * write_units(bytes) as u64,
        }];
        for index in &self.schema.indexes {
            out.extend(self.index_writes(index, old, new));
        }
        out
    }

    fn index_writes(&self, index: &IndexSchema, old: Option<&Item>, new: Option<&Item>) -> Vec<Write> {
        let entry = |item: Option<&Item>| -> Option<(KeyValue, Item)> {
            let item = item?;
            Some((index.key.key_of(item)?, self.schema.projected(index, item)))
        };
        let write = |kind, key: &KeyValue, projected: &Item| {
            let bytes = item_size(projected);
            Write {
                partition: Partition { index: Some(index.name.clone()), key: render(&key.hash) },
                kind,
                bytes,
                units: write_units(bytes) as u64,
            }
        };
        match (entry(old), entry(new)) {
            (None, None) => vec![],
            (None, Some((key, projected))) => vec![write(WriteKind::Put, &key, &projected)],
            (Some((key, projected)), None) => vec![write(WriteKind::Delete, &key, &projected)],
            (Some((old_key, old_projected)), Some((new_key, new_projected))) => {
                if old_key != new_key {
                    vec![
                        write(WriteKind::Delete, &old_key, &old_projected),
                        write(WriteKind::Put, &new_key, &new_projected),
                    ]
                } else if old_projected != new_projected {
                    vec![write(WriteKind::Update, &new_key, &new_projected)]
                } else {
                    vec![]
                }
            }
        }
    }
}

/// The item's table key as text, `PK / SK`.
pub fn item_key(schema: &TableSchema, keys: &Item) -> String {
    schema.key.attributes().filter_map(|name| keys.get(name)).map(render).collect::<Vec<_>>().join(" / ")
}

/// `a` comes after `b` in a shard (sequence numbers are decimal numbers of varying length).
pub fn sequence_after(a: &str, b: &str) -> bool {
    (a.len(), a) > (b.len(), b)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use aws_sdk_dynamodb::primitives::Blob;
    use aws_sdk_dynamodb::types::AttributeValue;
    use store::s;

    use super::*;
    use crate::schema::{KeySchema, Projection};

    fn item(attributes: &[(&str, AttributeValue)]) -> Item {
        attributes.iter().map(|(n, v)| ((*n).to_owned(), v.clone())).collect()
    }

    fn n(v: &str) -> AttributeValue {
        AttributeValue::N(v.into())
    }

    // Sizes, by the rules of "Item sizes and formats" (see the module's comment), one type at a
    // time: the name's UTF-8 bytes plus the value's.
    #[test]
    fn sizes_follow_the_documented_rules() {
        let size = |attributes: &[(&str, AttributeValue)]| item_size(&item(attributes));
        // S: UTF-8 bytes of name and value ("é" and "€" are 2 and 3 bytes).
        assert_eq!(size(&[("name", s("Desk lamp"))]), 4 + 9);
        assert_eq!(size(&[("café", s("10€"))]), 5 + 5);
        // N: 1 byte per two significant digits, plus 1; leading and trailing zeroes trimmed.
        assert_eq!(size(&[("n", n("7"))]), 1 + 2);
        assert_eq!(size(&[("n", n("1999"))]), 1 + 3);
        assert_eq!(size(&[("n", n("12345"))]), 1 + 4);
        assert_eq!(size(&[("n", n("1000000"))]), 1 + 2);
        assert_eq!(size(&[("n", n("-12.5"))]), 1 + 3);
        // B: raw bytes (not base64).
        assert_eq!(size(&[("b", AttributeValue::B(Blob::new(vec![0u8; 10])))]), 1 + 10);
        // BOOL and NULL: 1 byte.
        assert_eq!(size(&[("ok", AttributeValue::Bool(true)), ("no", AttributeValue::Null(true))]), 2 + 1 + 2 + 1);
        // L and M: 3 bytes, plus each element and 1 byte per element (a map's names too); empty: 3.
        assert_eq!(size(&[("l", AttributeValue::L(vec![]))]), 1 + 3);
        assert_eq!(size(&[("l", AttributeValue::L(vec![s("ab"), n("12")]))]), 1 + 3 + (1 + 2) + (1 + 2));
        let map = AttributeValue::M(HashMap::from([("k".to_owned(), s("abc"))]));
        assert_eq!(size(&[("m", map)]), 1 + 3 + (1 + 1 + 3));
        // Sets: the sum of the members.
        assert_eq!(size(&[("ss", AttributeValue::Ss(vec!["ab".into(), "cde".into()]))]), 2 + 5);
        assert_eq!(size(&[("ns", AttributeValue::Ns(vec!["1".into(), "123".into()]))]), 2 + 2 + 3);
        // "Read/write capacity mode": one write unit per started KB.
        assert_eq!((write_units(1), write_units(1024), write_units(1025), write_units(3500)), (1, 1, 2, 4));
    }

    /// A table with `PK`/`SK`, one INCLUDE index `I` on `IPK`/`ISK` projecting `shown`, one
    /// KEYS_ONLY index `K` on `KPK`.
    fn meter(transactional: bool) -> Meter {
        let key = |hash: &str, range: Option<&str>| KeySchema { hash: hash.into(), range: range.map(Into::into) };
        Meter::new(
            TableSchema {
                key: key("PK", Some("SK")),
                indexes: vec![
                    IndexSchema {
                        name: "I".into(),
                        key: key("IPK", Some("ISK")),
                        projection: Projection::Include(["shown".to_owned()].into()),
                    },
                    IndexSchema { name: "K".into(), key: key("KPK", None), projection: Projection::KeysOnly },
                ],
            },
            transactional,
        )
    }

    fn record(old: Option<Item>, new: Option<Item>) -> ChangeRecord {
        let event = match (&old, &new) {
            (None, _) => EventName::Insert,
            (Some(_), Some(_)) => EventName::Modify,
            (Some(_), None) => EventName::Remove,
        };
        let keys = item(&[("PK", s("P")), ("SK", s("S"))]);
        ChangeRecord { event, keys, old_image: old, new_image: new, sequence_number: "1".into(), by_ttl: false }
    }

    /// An item in index `I` under `ipk`, with `shown` (projected) and `hidden` (not).
    fn product(ipk: &str, shown: &str, hidden: &str) -> Item {
        item(&[
            ("PK", s("P")),
            ("SK", s("S")),
            ("IPK", s(ipk)),
            ("ISK", s("1")),
            ("shown", s(shown)),
            ("hidden", s(hidden)),
        ])
    }

    fn summary(writes: &[Write]) -> Vec<(String, WriteKind, u64)> {
        writes.iter().map(|w| (w.partition.to_string(), w.kind, w.units)).collect()
    }

    #[test]
    fn a_table_write_is_charged_on_the_larger_image_per_started_kb_and_twice_in_a_transaction() {
        let small = product("A", "x", "y");
        let big = product("A", "x", &"y".repeat(1500));
        let update = record(Some(big.clone()), Some(small.clone()));
        assert_eq!(meter(false).writes(&update)[0].bytes, item_size(&big));
        assert_eq!(meter(false).writes(&update)[0].units, 2);
        assert_eq!(meter(true).writes(&update)[0].units, 4);
        assert_eq!(summary(&meter(true).writes(&record(None, Some(small))))[0], ("P".to_owned(), WriteKind::Put, 2));
    }

    #[test]
    fn an_item_entering_an_index_is_a_put_of_its_projected_entry() {
        let writes = meter(false).writes(&record(None, Some(product("A", "x", "y"))));
        assert_eq!(summary(&writes), [("P".into(), WriteKind::Put, 1), ("I A".into(), WriteKind::Put, 1)]);
        // The entry: table keys, index keys and `shown`, not `hidden`.
        assert_eq!(writes[1].bytes, (2 + 1) * 2 + (3 + 1) + (3 + 1) + (5 + 1));
    }

    #[test]
    fn an_item_leaving_an_index_is_a_delete_from_its_old_partition() {
        let mut without_key = product("A", "x", "y");
        without_key.remove("ISK");
        let writes = meter(false).writes(&record(Some(product("A", "x", "y")), Some(without_key)));
        assert_eq!(summary(&writes), [("P".into(), WriteKind::Update, 1), ("I A".into(), WriteKind::Delete, 1)]);
        let writes = meter(false).writes(&record(Some(product("A", "x", "y")), None));
        assert_eq!(summary(&writes), [("P".into(), WriteKind::Delete, 1), ("I A".into(), WriteKind::Delete, 1)]);
    }

    #[test]
    fn a_changed_index_key_is_a_delete_from_the_old_partition_and_a_put_in_the_new() {
        let big_shown = "z".repeat(1100);
        let writes = meter(false).writes(&record(Some(product("A", &big_shown, "y")), Some(product("B", "x", "y"))));
        // The delete is of the old entry (over 1 KB), the put of the new one.
        assert_eq!(
            summary(&writes),
            [
                ("P".into(), WriteKind::Update, 2),
                ("I A".into(), WriteKind::Delete, 2),
                ("I B".into(), WriteKind::Put, 1)
            ]
        );
        // A changed sort key alone moves the entry too (delete and put in the same partition).
        let mut moved = product("A", "x", "y");
        moved.insert("ISK".into(), s("2"));
        let writes = meter(false).writes(&record(Some(product("A", "x", "y")), Some(moved)));
        assert_eq!(summary(&writes)[1..], [("I A".into(), WriteKind::Delete, 1), ("I A".into(), WriteKind::Put, 1)]);
    }

    #[test]
    fn a_changed_projected_attribute_under_the_same_key_is_one_write_of_the_new_entry() {
        let writes = meter(true).writes(&record(Some(product("A", "x", "y")), Some(product("A", "xx", "y"))));
        assert_eq!(summary(&writes), [("P".into(), WriteKind::Update, 2), ("I A".into(), WriteKind::Update, 1)]);
        assert_eq!(writes[1].bytes, (2 + 1) * 2 + (3 + 1) + (3 + 1) + (5 + 2));
    }

    #[test]
    fn a_change_to_what_no_index_holds_writes_only_the_table() {
        let writes = meter(true).writes(&record(Some(product("A", "x", "y")), Some(product("A", "x", "yy"))));
        assert_eq!(summary(&writes), [("P".into(), WriteKind::Update, 2)]);
    }

    #[test]
    fn a_keys_only_index_is_written_when_its_key_appears_or_changes_never_for_another_attribute() {
        let mut low = product("A", "x", "y");
        low.insert("KPK".into(), s("LOW"));
        let entered = meter(false).writes(&record(Some(product("A", "x", "y")), Some(low.clone())));
        assert_eq!(summary(&entered)[1..], [("K LOW".into(), WriteKind::Put, 1)]);
        // The entry is the keys: PK, SK and KPK.
        assert_eq!(entered[1].bytes, (2 + 1) * 2 + (3 + 3));
        let mut still_low = low.clone();
        still_low.insert("shown".into(), s("changed"));
        let writes = meter(false).writes(&record(Some(low), Some(still_low)));
        assert_eq!(summary(&writes)[1..], [("I A".into(), WriteKind::Update, 1)]);
    }

    #[test]
    fn a_ttl_delete_is_free() {
        let mut expired = record(Some(product("A", "x", "y")), None);
        expired.by_ttl = true;
        assert!(meter(true).writes(&expired).is_empty());
    }

    #[test]
    fn sequence_numbers_compare_as_numbers() {
        assert!(sequence_after("100", "99"));
        assert!(sequence_after("1000000000000000000021", "1000000000000000000020"));
        assert!(!sequence_after("7", "7"));
    }
}
