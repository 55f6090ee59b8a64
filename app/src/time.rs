//! Timestamps: the domain's forms and parsers (`domain::time`), and the clock, which the domain
//! does not read (its rules take `now` from their callers).

use chrono::{DateTime, SubsecRound, Utc};
pub use domain::time::*;

/// Now, truncated to what we store.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}
