//! `local-runner [serve|create-table|seed|report|aggregates|openapi]`: the API on one port
//! against a local DynamoDB, and the commands around it.
//!
//! Environment: `PORT` (default 3000), `TABLE_NAME`, `STORE_TIMEZONE`, `AWS_ENDPOINT_URL`.

use anyhow::Context;
use shared::http::AppState;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    shared::telemetry::init();
    let command = std::env::args().nth(1).unwrap_or_else(|| "serve".into());
    if command == "openapi" {
        // The document needs no table: print it for tools (schemathesis, client generators).
        println!("{}", products::docs::api_document().to_pretty_json()?);
        return Ok(());
    }
    // Like `sam local start-api`, the local runner does not check tokens unless asked to
    // (AUTH_MODE=local-jwt; see README).
    let config =
        shared::Config::from_lookup(|k| std::env::var(k).ok().or_else(|| (k == "AUTH_MODE").then(|| "off".into())))?;
    let state = AppState::from_config(config).await;
    match command.as_str() {
        "serve" => serve(state).await,
        "create-table" => {
            let created = local_runner::ensure_table(&state).await?;
            println!("table {} {}", state.store.table(), if created { "created" } else { "already exists" });
            Ok(())
        }
        "seed" => {
            local_runner::ensure_table(&state).await?;
            seed_if_empty(&state).await
        }
        "report" => {
            let date = std::env::args().nth(2).context("usage: local-runner report YYYY-MM-DD")?;
            let date = reports::parse_date(&date).context("the date must be written like 2023-10-08")?;
            let report =
                reports::build_daily_report(&state.store, state.config.store_timezone, date, shared::time::now())
                    .await?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(())
        }
        "aggregates" => {
            let action = std::env::args().nth(2).unwrap_or_default();
            local_runner::aggregates(&state, &action).await
        }
        other => anyhow::bail!(
            "unknown command {other:?}; use serve, create-table, seed, report YYYY-MM-DD, \
             aggregates verify|rebuild or openapi"
        ),
    }
}

async fn seed_if_empty(state: &AppState) -> anyhow::Result<()> {
    if local_runner::seed::is_empty(state).await? {
        let report = local_runner::seed::load(state, &local_runner::seed::demo_data()).await?;
        println!(
            "loaded demo data: {} categories, {} products, {} sales",
            report.categories, report.products, report.sales
        );
    } else {
        println!("table {} already has data; demo data not loaded", state.store.table());
    }
    Ok(())
}

async fn serve(state: AppState) -> anyhow::Result<()> {
    let port: u16 = match std::env::var("PORT") {
        Ok(p) => p.parse().context("PORT must be a port number")?,
        Err(_) => 3000,
    };
    let created = local_runner::ensure_table(&state).await?;
    if created {
        println!("created table {}", state.store.table());
    }
    seed_if_empty(&state).await?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .with_context(|| format!("binding 127.0.0.1:{port}"))?;
    let base = format!("http://127.0.0.1:{port}");
    println!("API:     {base}");
    println!("Docs:    {base}/docs (Swagger UI)");
    println!("OpenAPI: {base}/openapi.json");
    println!("Health:  {base}/health");
    println!("Table:   {} on {}", state.store.table(), state.config.endpoint_url.as_deref().unwrap_or("AWS"));
    let checkpoints = std::env::var("STREAM_CHECKPOINT_DIR").unwrap_or_else(|_| ".local/stream-checkpoints".into());
    let mut poller = local_runner::stream::StreamPoller::new(state.clone(), checkpoints.clone().into()).await?;
    println!("Stream:  polling the table's stream into counters (checkpoints in {checkpoints})");
    println!("Press Ctrl-C to stop.");
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let aggregator = tokio::spawn(async move {
        loop {
            match poller.poll_once().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(records = n, "stream records handled"),
                Err(e) => tracing::error!(error = %e, "stream poll failed; retrying"),
            }
            tokio::select! {
                _ = tokio::time::sleep(std::time::Duration::from_millis(250)) => {}
                _ = stopped.changed() => return,
            }
        }
    });
    let schedule = tokio::spawn(local_runner::report_schedule(state.clone(), stop.subscribe()));
    println!("Reports: the daily report is built at 00:15 store time (or: local-runner report YYYY-MM-DD)");
    axum::serve(listener, local_runner::app(state)).with_graceful_shutdown(shutdown_signal()).await?;
    let _ = stop.send(true);
    let _ = aggregator.await;
    let _ = schedule.await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}
