//! The sales API: recording sales exactly once and listing them.

use axum::Router;
use shared::http::AppState;

/// The sales routes, without fallbacks (see `shared::http::finish`).
pub fn router(state: AppState) -> Router {
    Router::new().with_state(state)
}
