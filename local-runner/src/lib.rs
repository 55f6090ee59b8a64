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
    shared::http::finish(products::router(state.clone()).merge(sales::router(state)))
}

/// Creates the table from `template.yaml` unless it exists; returns whether it was created.
pub async fn ensure_table(state: &AppState) -> Result<bool, StoreError> {
    let definition = TableDefinition::from_template().map_err(StoreError::Corrupt)?;
    definition.create(state.store.client(), state.store.table()).await
}
