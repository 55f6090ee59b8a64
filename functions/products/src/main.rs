//! The products Lambda: the catalogue router behind API Gateway.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    // Built once per execution environment: config and SDK set-up dominate cold start.
    let state = shared::http::AppState::from_env().await?;
    let auth = state.config.auth_mode;
    shared::lambda::run_http(shared::http::finish(products::router(state), auth)).await
}
