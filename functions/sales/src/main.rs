//! The sales Lambda: the sales router behind API Gateway.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let state = shared::http::AppState::from_env().await?;
    let auth = state.config.auth_mode;
    shared::lambda::run_http(shared::http::finish(sales::router(state), auth)).await
}
