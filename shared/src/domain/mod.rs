//! Domain types and their validation: pure, no I/O.

pub mod aggregate;
pub mod analytics;
pub mod catalogue;
pub mod returns;
pub mod sales;

pub use catalogue::*;
pub use returns::*;
pub use sales::*;
