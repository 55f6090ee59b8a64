//! Domain types and their validation: pure, no I/O.

pub mod aggregate;
pub mod analytics;
pub mod catalogue;
pub mod sales;

pub use catalogue::*;
pub use sales::*;
