//! The stream aggregator (filled by the aggregation work).
