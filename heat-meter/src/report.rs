//! The heat of a load: write units per partition and per sale, the hottest partition and the sales
//! per second it allows, the most-written item. A struct for tests, a table for people.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use crate::meter::{ChangeRecord, Meter, Partition, item_key};

/// What one partition of a table or of an index takes per second at most (DynamoDB's partition
/// limit, https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html).
pub const PARTITION_WRITE_UNITS_PER_SECOND: f64 = 1000.0;

/// How many partitions the printed table lists (the report keeps them all).
const PRINTED_PARTITIONS: usize = 12;

/// One partition's share of the load.
#[derive(Debug, Clone, PartialEq)]
pub struct PartitionHeat {
    pub partition: Partition,
    pub writes: u64,
    pub units: u64,
    pub units_per_sale: f64,
}

/// The item written most often.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemHeat {
    /// Its table key, `PK / SK`.
    pub key: String,
    pub writes: u64,
    /// Writes per sale.
    pub per_sale: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HeatReport {
    pub sales: u64,
    pub records: usize,
    pub total_units: u64,
    pub units_per_sale: f64,
    /// Units on the table and on each index (`table`, `GSI1`, ...), in the schema's order.
    pub by_target: Vec<(String, u64)>,
    /// Every partition written, hottest first.
    pub partitions: Vec<PartitionHeat>,
    pub most_written: Option<ItemHeat>,
}

impl HeatReport {
    /// The heat of `records` for a load of `sales` sales (0 is taken as 1).
    pub fn measure(meter: &Meter, records: &[ChangeRecord], sales: u64) -> Self {
        let per_sale = |n: u64| n as f64 / sales.max(1) as f64;
        let mut partitions: HashMap<Partition, (u64, u64)> = HashMap::new();
        let mut by_target: BTreeMap<usize, u64> = BTreeMap::new();
        let mut items: HashMap<String, u64> = HashMap::new();
        for record in records {
            let writes = meter.writes(record);
            if writes.is_empty() {
                continue;
            }
            *items.entry(item_key(&meter.schema, &record.keys)).or_default() += 1;
            for write in writes {
                let target = write
                    .partition
                    .index
                    .as_ref()
                    .and_then(|name| meter.schema.indexes.iter().position(|i| &i.name == name))
                    .map_or(0, |i| i + 1);
                *by_target.entry(target).or_default() += write.units;
                let entry = partitions.entry(write.partition).or_default();
                entry.0 += 1;
                entry.1 += write.units;
            }
        }
        let mut partitions: Vec<PartitionHeat> = partitions
            .into_iter()
            .map(|(partition, (writes, units))| PartitionHeat {
                partition,
                writes,
                units,
                units_per_sale: per_sale(units),
            })
            .collect();
        partitions.sort_by(|a, b| b.units.cmp(&a.units).then_with(|| a.partition.cmp(&b.partition)));
        let total_units = partitions.iter().map(|p| p.units).sum();
        let most_written = items
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
            .map(|(key, writes)| ItemHeat { key, writes, per_sale: per_sale(writes) });
        let target_name = |i: usize| if i == 0 { "table".to_owned() } else { meter.schema.indexes[i - 1].name.clone() };
        HeatReport {
            sales,
            records: records.len(),
            total_units,
            units_per_sale: per_sale(total_units),
            by_target: by_target.into_iter().map(|(i, units)| (target_name(i), units)).collect(),
            partitions,
            most_written,
        }
    }

    pub fn hottest(&self) -> Option<&PartitionHeat> {
        self.partitions.first()
    }

    /// The partition written as `label` (`PRODUCT#1`, `GSI1 SALES`).
    pub fn partition(&self, label: &str) -> Option<&PartitionHeat> {
        self.partitions.iter().find(|p| p.partition.to_string() == label)
    }

    /// The sales per second at which the hottest partition reaches its 1,000 write units per
    /// second (`None` when nothing was written).
    pub fn ceiling(&self) -> Option<f64> {
        self.hottest().filter(|p| p.units > 0).map(|p| PARTITION_WRITE_UNITS_PER_SECOND / p.units_per_sale)
    }
}

impl fmt::Display for HeatReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} stream records for {} sales: {} write units, {:.2} per sale",
            self.records, self.sales, self.total_units, self.units_per_sale
        )?;
        let targets: Vec<String> = self
            .by_target
            .iter()
            .map(|(name, units)| format!("{name} {:.2}", *units as f64 / self.sales.max(1) as f64))
            .collect();
        writeln!(f, "  per sale by table/index: {}", targets.join(", "))?;
        writeln!(f, "  {:<52} {:>8} {:>8} {:>10}", "partition", "writes", "units", "units/sale")?;
        for p in self.partitions.iter().take(PRINTED_PARTITIONS) {
            writeln!(f, "  {:<52} {:>8} {:>8} {:>10.2}", p.partition.to_string(), p.writes, p.units, p.units_per_sale)?;
        }
        if self.partitions.len() > PRINTED_PARTITIONS {
            let rest = &self.partitions[PRINTED_PARTITIONS..];
            writeln!(f, "  ... {} more partitions, {} units", rest.len(), rest.iter().map(|p| p.units).sum::<u64>())?;
        }
        match (self.hottest(), self.ceiling()) {
            (Some(hot), Some(ceiling)) => writeln!(
                f,
                "  hottest: {} at {:.2} units/sale: ceiling {ceiling:.0} sales/s ({PARTITION_WRITE_UNITS_PER_SECOND} units/s per partition)",
                hot.partition, hot.units_per_sale
            )?,
            _ => writeln!(f, "  nothing written")?,
        }
        if let Some(item) = &self.most_written {
            writeln!(f, "  most-written item: {} ({} writes, {:.2} per sale)", item.key, item.writes, item.per_sale)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use store::{Item, s};

    use super::*;
    use crate::meter::EventName;
    use crate::schema::{IndexSchema, KeySchema, Projection, TableSchema};

    fn meter() -> Meter {
        let key = |hash: &str, range: &str| KeySchema { hash: hash.into(), range: Some(range.into()) };
        Meter::new(
            TableSchema {
                key: key("PK", "SK"),
                indexes: vec![IndexSchema {
                    name: "GSI1".into(),
                    key: key("GSI1PK", "GSI1SK"),
                    projection: Projection::All,
                }],
            },
            true,
        )
    }

    fn put(pk: &str, sk: &str, gsi1pk: Option<&str>, sequence: u32) -> ChangeRecord {
        let mut item: Item = [("PK".to_owned(), s(pk)), ("SK".to_owned(), s(sk))].into();
        let keys = item.clone();
        if let Some(g) = gsi1pk {
            item.insert("GSI1PK".into(), s(g));
            item.insert("GSI1SK".into(), s(sk));
        }
        ChangeRecord {
            event: EventName::Insert,
            keys,
            old_image: None,
            new_image: Some(item),
            sequence_number: sequence.to_string(),
            by_ttl: false,
        }
    }

    #[test]
    fn partitions_are_summed_and_ranked_and_the_ceiling_follows_the_hottest() {
        // 4 sales: each a sale item (in GSI1 SALES) and a product write; product 1 sells thrice.
        let mut records = Vec::new();
        for (i, product) in [1, 1, 2, 1].into_iter().enumerate() {
            records.push(put(&format!("SALES#{product}"), &format!("SALE#{i}"), Some("SALES"), i as u32 * 2));
            records.push(put(&format!("PRODUCT#{product}"), "PRODUCT", None, i as u32 * 2 + 1));
        }
        let report = HeatReport::measure(&meter(), &records, 4);
        // Table writes are 2 units (transactional), index writes 1.
        assert_eq!(report.total_units, 8 * 2 + 4);
        assert!((report.units_per_sale - 5.0).abs() < 1e-9);
        assert_eq!(report.by_target, [("table".to_owned(), 16), ("GSI1".to_owned(), 4)]);
        assert_eq!(report.hottest().unwrap().partition.to_string(), "PRODUCT#1");
        assert_eq!(report.hottest().unwrap().units, 6);
        assert_eq!(report.partition("SALES#1").unwrap().units, 6);
        assert!((report.partition("GSI1 SALES").unwrap().units_per_sale - 1.0).abs() < 1e-9);
        assert_eq!(report.partition("PRODUCT#2").unwrap().writes, 1);
        // 1.5 units per sale on the hottest partition: 1,000 / 1.5 sales per second.
        assert!((report.ceiling().unwrap() - 1000.0 / 1.5).abs() < 1e-9);
        let item = report.most_written.as_ref().unwrap();
        assert_eq!((item.key.as_str(), item.writes, item.per_sale), ("PRODUCT#1 / PRODUCT", 3, 0.75));
        let printed = report.to_string();
        assert!(printed.contains("hottest: PRODUCT#1 at 1.50 units/sale: ceiling 667 sales/s"), "{printed}");
        assert!(printed.contains("GSI1 SALES"), "{printed}");
    }

    #[test]
    fn nothing_written_has_no_hottest_partition_and_no_ceiling() {
        let report = HeatReport::measure(&meter(), &[], 10);
        assert_eq!((report.total_units, report.hottest(), report.ceiling()), (0, None, None));
        assert!(report.to_string().contains("nothing written"));
    }
}
