//! Domain types and their validation: pure, no I/O.

pub mod catalogue;

pub use catalogue::*;
