//! The products Lambda: the catalogue router behind API Gateway, plus the API's description
//! (`/openapi.json`, `/docs`).

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    app::telemetry::init();
    // Built once per execution environment: config and SDK set-up dominate cold start.
    let state = api::http::AppState::from_env().await?;
    let config = state.config.clone();
    let routes = products::router(state).merge(products::docs::docs_router(products::docs::COMMITTED_DOCUMENT));
    api::lambda::run_http(api::http::finish_for(routes, &config)).await
}
