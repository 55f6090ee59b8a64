//! The operator's check of the counters against the raw sales and returns (`aggregates verify`),
//! and the repair of what drifted (`aggregates rebuild`, the last resort: it reads the whole
//! table).

use chrono::{DateTime, Utc};

use crate::{App, Error};
pub use store::rebuild::{Drift, RepairReport, VerifyReport};

/// Every counter compared with the fold of the sales and returns it counts.
pub async fn verify_counters(app: &App, now: DateTime<Utc>) -> Result<VerifyReport, Error> {
    Ok(app.store().verify_counters(app.config.store_timezone, now).await?)
}

/// Writes the expected totals of every drifted counter of `report` (and the missing lookups of
/// sales by id), each on condition that it is unchanged since it was verified.
pub async fn repair_counters(app: &App, report: &VerifyReport) -> Result<RepairReport, Error> {
    Ok(app.store().repair_counters(report).await?)
}
