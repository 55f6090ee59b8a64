//! The sales Lambda: the sales router behind API Gateway.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    app::telemetry::init();
    let state = api::http::AppState::from_env().await?;
    let config = state.config.clone();
    api::lambda::run_http(api::http::finish_for(sales::router(state), &config)).await
}
