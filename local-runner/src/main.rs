//! `local-runner [serve|dynamodb|create-table|seed|report|aggregates|openapi|schedule-now]`: the
//! API on one port against a local DynamoDB, the local DynamoDB itself, and the commands around
//! them.
//!
//! Environment: `PORT` (default 3000), `TABLE_NAME`, `STORE_TIMEZONE`, `AWS_ENDPOINT_URL`
//! (`serve` defaults it to the local DynamoDB on http://127.0.0.1:4566 and starts one there if
//! nothing answers; the other commands use what it names, AWS when unset), `DYNAMODB_DATA`;
//! `LAMBDA=1` serves the real Lambda binaries instead (`local_runner::lambda_mode`).

use anyhow::Context;
use api::http::AppState;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    app::telemetry::init();
    let command = std::env::args().nth(1).unwrap_or_else(|| "serve".into());
    if command == "openapi" {
        // The document needs no table: print it for tools (schemathesis, client generators) and
        // for docs/openapi.json (`cargo run -p local-runner -- openapi > docs/openapi.json`).
        print!("{}", local_runner::openapi_json());
        return Ok(());
    }
    if command == "dynamodb" {
        return dynamodb_alone(std::env::args().skip(2).collect()).await;
    }
    if command == "schedule-now" {
        // LAMBDA=1: the template's schedule event to its function under cargo lambda watch.
        return local_runner::lambda_mode::schedule_now(std::env::args().nth(2)).await;
    }
    // `serve` is the local stack: its DynamoDB is local unless AWS_ENDPOINT_URL names another.
    let mut endpoint = std::env::var("AWS_ENDPOINT_URL").ok().filter(|e| !e.is_empty());
    let mut embedded = None;
    if command == "serve" {
        let local = endpoint.get_or_insert_with(|| local_runner::DEFAULT_LOCAL_ENDPOINT.into());
        embedded = local_runner::local_dynamodb_at(local, std::env::var_os("DYNAMODB_DATA").map(Into::into)).await?;
    }
    // Like `sam local start-api`, the local runner does not check tokens unless asked to
    // (AUTH_MODE=local-jwt; see README).
    let config = app::Config::from_lookup(|k| match k {
        "AWS_ENDPOINT_URL" => endpoint.clone(),
        _ => std::env::var(k).ok().or_else(|| (k == "AUTH_MODE").then(|| "off".into())),
    })?;
    let state = AppState::from_config(config).await;
    match command.as_str() {
        "serve" => {
            if let Some(db) = &embedded {
                println!("DynamoDB: {} (this process; data in {})", db.endpoint(), db.data().display());
            }
            let served = serve(state).await;
            if let Some(db) = embedded {
                db.stop().await;
            }
            served
        }
        "create-table" => {
            let created = local_runner::ensure_table(&state).await?;
            println!("table {} {}", state.store().table(), if created { "created" } else { "already exists" });
            Ok(())
        }
        "seed" => {
            local_runner::ensure_table(&state).await?;
            seed_if_empty(&state).await
        }
        "report" => {
            let date = std::env::args().nth(2).context("usage: local-runner report YYYY-MM-DD")?;
            let date = reports::parse_date(&date).context("the date must be written like 2023-10-08")?;
            let report = reports::build_daily_report(&state, date, app::time::now()).await?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(())
        }
        "aggregates" => {
            let action = std::env::args().nth(2).unwrap_or_default();
            local_runner::aggregates(&state, &action).await
        }
        other => anyhow::bail!(
            "unknown command {other:?}; use serve, dynamodb [--port N] [--data PATH], create-table, seed, \
             report YYYY-MM-DD, aggregates verify|rebuild, openapi or schedule-now [TIME]"
        ),
    }
}

/// `local-runner dynamodb [--port N] [--data PATH]`: the local DynamoDB alone, until Ctrl-C, so
/// the API can be stopped and restarted against it (as Lambdas come and go against DynamoDB).
async fn dynamodb_alone(args: Vec<String>) -> anyhow::Result<()> {
    let mut port: u16 = 4566;
    let mut data = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                port = args.next().context("--port needs a number")?.parse().context("--port needs a port number")?;
            }
            "--data" => data = Some(std::path::PathBuf::from(args.next().context("--data needs a path")?)),
            other => anyhow::bail!("unknown option {other:?}; use --port N and --data PATH"),
        }
    }
    let data = data.unwrap_or_else(|| local_runner::default_data_file(port));
    let db = local_dynamodb::LocalDynamoDb::start(std::net::SocketAddr::from(([127, 0, 0, 1], port)), &data).await?;
    println!("DynamoDB: {} (DynamoDB and DynamoDB Streams; data in {})", db.endpoint(), data.display());
    println!("Press Ctrl-C to stop.");
    shutdown_signal().await;
    db.stop().await;
    Ok(())
}

async fn seed_if_empty(state: &AppState) -> anyhow::Result<()> {
    if local_runner::seed::is_empty(state).await? {
        let report = local_runner::seed::load(state, &local_runner::seed::demo_data()).await?;
        println!(
            "loaded demo data: {} categories, {} products, {} sales",
            report.categories, report.products, report.sales
        );
    } else {
        println!("table {} already has data; demo data not loaded", state.store().table());
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
        println!("created table {}", state.store().table());
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
    println!("Dashboard: {base}/dashboard/");
    println!("Table:   {} on {}", state.store().table(), state.config.endpoint_url.as_deref().unwrap_or("AWS"));
    // LAMBDA=1: the real function binaries under `cargo lambda watch` behind the template's
    // routes, stream mapping and schedule (local_runner::lambda_mode).
    let lambda = if local_runner::lambda_mode::enabled() {
        Some(local_runner::lambda_mode::LambdaMode::start(&state).await?)
    } else {
        None
    };
    let checkpoints = std::env::var("STREAM_CHECKPOINT_DIR").unwrap_or_else(|_| ".local/stream-checkpoints".into());
    let mut poller = local_runner::stream::StreamPoller::new(state.clone(), checkpoints.clone().into()).await?;
    if let Some(lambda) = &lambda {
        poller = poller.with_handler(lambda.stream_handler()?);
        println!(
            "Stream:  the table's stream through the template's filter to aggregate-stream (checkpoints in {checkpoints})"
        );
    } else {
        println!("Stream:  polling the table's stream into counters (checkpoints in {checkpoints})");
    }
    println!("Press Ctrl-C to stop.");
    let (stop, _) = tokio::sync::watch::channel(false);
    let aggregator = tokio::spawn(local_runner::stream::poll_until_stopped(poller, stop.subscribe()));
    let (schedule, app) = if let Some(lambda) = &lambda {
        println!("Reports: the template's schedule invokes reports at its time (or: local-runner schedule-now [TIME])");
        let (gateway, table, tz) =
            (lambda.gateway.clone(), state.config.table_name.clone(), state.config.store_timezone);
        let schedule = tokio::spawn(local_runner::lambda_mode::run_schedules(gateway, table, tz, stop.subscribe()));
        (schedule, lambda.gateway.clone().router())
    } else {
        println!("Reports: the daily report is built at 00:15 store time (or: local-runner report YYYY-MM-DD)");
        (tokio::spawn(local_runner::report_schedule(state.clone(), stop.subscribe())), local_runner::app(state))
    };
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await?;
    let _ = stop.send(true);
    let _ = aggregator.await;
    let _ = schedule.await;
    if let Some(lambda) = lambda {
        lambda.emulator.stop().await;
    }
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
    tokio::select! { () = ctrl_c => {}, () = terminate => {} }
}
