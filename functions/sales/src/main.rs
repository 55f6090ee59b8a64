//! The sales Lambda: the sales router behind API Gateway.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let state = shared::http::AppState::from_env().await?;
    let config = state.config.clone();
    shared::lambda::run_http(shared::http::finish_for(sales::router(state), &config)).await
}
