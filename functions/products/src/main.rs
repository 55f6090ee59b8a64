//! The products Lambda: the catalogue router behind API Gateway, plus the API's description
//! (`/openapi.json`, `/docs`).

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    // Built once per execution environment: config and SDK set-up dominate cold start.
    let state = shared::http::AppState::from_env().await?;
    let config = state.config.clone();
    let routes = products::router(state).merge(products::docs::docs_router(products::docs::COMMITTED_DOCUMENT));
    shared::lambda::run_http(shared::http::finish_for(routes, &config)).await
}
