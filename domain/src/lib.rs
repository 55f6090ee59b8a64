//! The store's domain: categories, products and their stock, sales and returns, exact money,
//! timestamps and the pre-aggregated counters, with their rules and validation. Pure: no I/O, no
//! clock (callers pass `now`), and no wire format. This crate depends on no serializer, HTTP
//! framework or AWS SDK (see its Cargo.toml), so the compiler keeps it that way; the API layer
//! (`shared::wire` and each function's `wire.rs`) owns the JSON shapes, built from these types.

pub mod aggregate;
pub mod analytics;
pub mod calendar;
pub mod catalogue;
pub mod money;
pub mod outcome;
pub mod returns;
pub mod sales;
pub mod time;

pub use catalogue::*;
pub use returns::*;
pub use sales::*;
