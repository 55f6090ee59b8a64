//! A way to see heat locally: the write units a load puts on each partition of the table and of
//! its global secondary indexes, computed from the table's stream under DynamoDB's documented
//! sizing and index rules ([`meter`]), summed into a [`HeatReport`]: units per partition and per
//! sale, the hottest partition and the sales per second its 1,000 write units per second allow,
//! the most-written item.
//!
//! ```text
//! let meter = Meter::new(TableSchema::from_template()?, true);
//! let records = read_table_stream(&streams, table).await?;
//! println!("{}", HeatReport::measure(&meter, &records, sales));
//! ```

pub mod meter;
pub mod report;
pub mod schema;
pub mod stream;

pub use meter::{ChangeRecord, EventName, Meter, Partition, Write, WriteKind, sequence_after};
pub use report::{HeatReport, ItemHeat, PARTITION_WRITE_UNITS_PER_SECOND, PartitionHeat};
pub use schema::{IndexSchema, KeySchema, Projection, TableSchema};
pub use stream::read_table_stream;
