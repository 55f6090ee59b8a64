//! End-to-end tests: each spawns the local runner's router on a random port against its own
//! fresh table on the emulator (`AWS_ENDPOINT_URL`, set by `make test`), and drives it over HTTP.

mod aggregates;
mod analytics_model;
mod auth;
mod bodies;
mod calendars;
mod catalogue;
mod consume;
mod contention;
mod docs;
mod examples;
mod helpers;
mod hostile;
mod restart;
mod returns;
mod sales;
mod streams;
