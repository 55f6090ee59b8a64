//! The local runner: every HTTP function of the API on one port, like API Gateway, against a
//! local DynamoDB endpoint (moto or LocalStack), plus the table set-up and the demo data.

pub mod seed;
pub mod stream;
pub mod testing;

use axum::Router;
use shared::http::AppState;
use shared::store::StoreError;
use shared::store::table::TableDefinition;

/// All functions' routes behind one router, as API Gateway routes them in AWS.
pub fn app(state: AppState) -> Router {
    let auth = state.config.auth_mode;
    shared::http::finish(products::router(state.clone()).merge(sales::router(state)), auth)
}

/// Creates the table from `template.yaml` unless it exists; returns whether it was created.
pub async fn ensure_table(state: &AppState) -> Result<bool, StoreError> {
    let definition = TableDefinition::from_template().map_err(StoreError::Corrupt)?;
    definition.create(state.store.client(), state.store.table()).await
}

/// `aggregates verify` reports counter drift against the raw sales; `aggregates rebuild` also
/// repairs it. Works against any table the environment names (a local one or one in AWS).
pub async fn aggregates(state: &AppState, action: &str) -> anyhow::Result<()> {
    let repair = match action {
        "verify" => false,
        "rebuild" => true,
        other => anyhow::bail!("unknown action {other:?}; use `aggregates verify` or `aggregates rebuild`"),
    };
    let report = state.store.verify_counters(state.config.store_timezone, shared::time::now()).await?;
    println!(
        "{} counters, {} sales ({} not yet counted by the aggregator, left to it), {} drifted",
        report.counters,
        report.sales,
        report.pending,
        report.drift.len()
    );
    for d in report.drift.iter().take(50) {
        println!("  {:?} {}: stored {:?}, expected {:?}", d.key.scope, d.key.bucket.sort_key(), d.stored, d.expected);
    }
    if repair && !report.drift.is_empty() {
        let repaired = state.store.repair_counters(&report).await?;
        println!(
            "repaired {} counters; {} changed while verifying (run again)",
            repaired.repaired, repaired.changed_meanwhile
        );
    }
    if !repair && !report.drift.is_empty() {
        anyhow::bail!("{} counters drifted; `aggregates rebuild` repairs them", report.drift.len());
    }
    Ok(())
}
