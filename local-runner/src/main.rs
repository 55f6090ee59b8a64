//! `local-runner [COMMAND]` (`local-runner --help`): the API on one port against a local
//! DynamoDB, its stream consumer and schedule, the local DynamoDB itself, and the commands around
//! them. An error is one line on stderr and exit status 1 (with its backtrace when
//! `RUST_BACKTRACE` asks for one); a command line clap cannot read, its message and status 2.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use api::http::AppState;
use clap::Parser;
use local_runner::cli::{Cli, Command, Consume, Serve, Stack, Switch};
use local_runner::{lambda_mode, schedule, stream};
use sam_template::Template;

fn main() -> ExitCode {
    let command = Cli::parse().into_command();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => return failed(&anyhow::Error::from(e).context("starting the async runtime")),
    };
    match runtime.block_on(run(command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => failed(&e),
    }
}

fn failed(error: &anyhow::Error) -> ExitCode {
    let backtrace = ["RUST_BACKTRACE", "RUST_LIB_BACKTRACE"]
        .iter()
        .any(|name| std::env::var(name).is_ok_and(|v| !v.is_empty() && v != "0"));
    if backtrace {
        eprintln!("error: {error:?}");
    } else {
        eprintln!("error: {error:#}");
    }
    ExitCode::FAILURE
}

async fn run(command: Command) -> anyhow::Result<()> {
    app::telemetry::init();
    match command {
        // The document needs no table: print it for tools (schemathesis, client generators) and
        // for docs/openapi.json (`cargo run -p local-runner -- openapi > docs/openapi.json`).
        Command::Openapi => {
            print!("{}", local_runner::openapi_json());
            Ok(())
        }
        Command::Dynamodb(args) => {
            dynamodb_alone(args.port, args.data, local_dynamodb::Faults::contention_ms(args.contention_ms)).await
        }
        Command::ScheduleNow { time, in_process } => {
            let at = time.unwrap_or_else(app::time::now);
            if in_process {
                let state = state(std::env::var("AWS_ENDPOINT_URL").ok().filter(|e| !e.is_empty())).await?;
                schedule_now(&schedule::InProcess::new(state), at).await
            } else {
                schedule_now(&lambda_mode::local_invoker(Template::embedded()?)?, at).await
            }
        }
        Command::Serve(args) => on_local_stack(&args.stack, |state| serve(state, &args)).await,
        Command::Consume(args) => on_local_stack(&args.stack, |state| consume(state, &args)).await,
        // The operator's commands, on the table the environment names (AWS when unset).
        other => {
            let state = state(std::env::var("AWS_ENDPOINT_URL").ok().filter(|e| !e.is_empty())).await?;
            operate(&state, other).await
        }
    }
}

async fn operate(state: &AppState, command: Command) -> anyhow::Result<()> {
    match command {
        Command::CreateTable => {
            let created = local_runner::ensure_table(state).await?;
            println!("table {} {}", state.store().table(), if created { "created" } else { "already exists" });
        }
        Command::Seed => {
            local_runner::ensure_table(state).await?;
            seed_if_empty(state).await?;
        }
        Command::Report { date } => {
            let report = reports::build_daily_report(state, date, app::time::now()).await?;
            println!("{}", serde_json::to_string_pretty(&report)?);
        }
        Command::Aggregates { action } => local_runner::aggregates(state, action.as_str()).await?,
        _ => unreachable!("the other commands are run by `run`"),
    }
    Ok(())
}

/// The functions' state on DynamoDB at `endpoint` (AWS when `None`). Like `sam local
/// start-api`, the local runner does not check tokens unless asked to (AUTH_MODE=local-jwt; see
/// README).
async fn state(endpoint: Option<String>) -> anyhow::Result<AppState> {
    let config = app::Config::from_lookup(|k| match k {
        "AWS_ENDPOINT_URL" => endpoint.clone(),
        _ => std::env::var(k).ok().or_else(|| (k == "AUTH_MODE").then(|| "off".into())),
    })?;
    Ok(AppState::from_config(config).await)
}

/// Runs `run` on the local stack `stack` names, then stops the DynamoDB it embedded, if any.
async fn on_local_stack<F, Run>(stack: &Stack, run: F) -> anyhow::Result<()>
where
    F: FnOnce(AppState) -> Run,
    Run: Future<Output = anyhow::Result<()>>,
{
    let (state, embedded) = local_stack(stack).await?;
    let done = run(state).await;
    if let Some(db) = embedded {
        db.stop().await;
    }
    done
}

/// The local stack's state: DynamoDB at `AWS_ENDPOINT_URL`, by default the local one, started in
/// this process (returned, to stop) when nothing answers there.
async fn local_stack(stack: &Stack) -> anyhow::Result<(AppState, Option<local_dynamodb::LocalDynamoDb>)> {
    let endpoint = std::env::var("AWS_ENDPOINT_URL")
        .ok()
        .filter(|e| !e.is_empty())
        .unwrap_or_else(|| local_runner::DEFAULT_LOCAL_ENDPOINT.into());
    let faults = local_dynamodb::Faults::contention_ms(stack.contention_ms);
    let embedded = local_runner::local_dynamodb_at(&endpoint, stack.data.clone(), faults).await?;
    if let Some(db) = &embedded {
        println!("DynamoDB: {} (this process; data in {}){}", db.endpoint(), db.data().display(), contention(faults));
    }
    Ok((state(Some(endpoint)).await?, embedded))
}

/// `local-runner dynamodb [--port N] [--data PATH]`: the local DynamoDB alone, until Ctrl-C, so
/// the API can be stopped and restarted against it (as Lambdas come and go against DynamoDB).
async fn dynamodb_alone(port: u16, data: Option<PathBuf>, faults: local_dynamodb::Faults) -> anyhow::Result<()> {
    let data = data.unwrap_or_else(|| local_runner::default_data_file(port));
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let db = local_dynamodb::LocalDynamoDb::start_with(addr, &data, faults).await?;
    println!(
        "DynamoDB: {} (DynamoDB and DynamoDB Streams; data in {}){}",
        db.endpoint(),
        data.display(),
        contention(faults)
    );
    println!("Press Ctrl-C to stop.");
    shutdown_signal().await;
    db.stop().await;
    Ok(())
}

/// How the local DynamoDB's banner says contention is on (nothing when off).
fn contention(faults: local_dynamodb::Faults) -> String {
    faults.transaction_conflict_window.map_or_else(String::new, |window| {
        format!("; contention: a transaction holds its items {} ms, concurrent ones conflict", window.as_millis())
    })
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

/// `local-runner schedule-now [TIME]`: every schedule's event (scheduled time `at`) to its
/// function through `target`, as the scheduler would; prints each result.
async fn schedule_now(target: &dyn schedule::Target, at: chrono::DateTime<chrono::Utc>) -> anyhow::Result<()> {
    let template = Template::embedded()?;
    anyhow::ensure!(!template.schedules.is_empty(), "template.yaml has no schedule");
    let table = std::env::var("TABLE_NAME").unwrap_or_else(|_| app::config::DEFAULT_TABLE_NAME.into());
    for s in &template.schedules {
        let result = schedule::fire(target, s, &table, at).await.with_context(|| {
            format!("invoking {} for the schedule {} through {}", s.function, s.name, target.describe())
        })?;
        println!("{} -> {}: {result}", s.name, s.function);
    }
    Ok(())
}

async fn serve(state: AppState, args: &Serve) -> anyhow::Result<()> {
    let template = Template::embedded()?;
    let created = local_runner::ensure_table(&state).await?;
    if created {
        println!("created table {}", state.store().table());
    }
    seed_if_empty(&state).await?;
    let port = args.port;
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
    let lambda = if lambda_mode::enabled() { Some(lambda_mode::LambdaMode::start(&state).await?) } else { None };
    let (stop, _) = tokio::sync::watch::channel(false);

    let mapping_enabled = template.stream().is_some_and(|s| s.enabled);
    let consumer = if args.stream == Switch::Off || !mapping_enabled {
        let why = if mapping_enabled { "STREAM=off" } else { "the template's mapping is not Enabled" };
        println!("Stream:  off ({why}): the counters do not move; `local-runner consume` reads the stream");
        None
    } else {
        let mut poller = stream::StreamPoller::new(state.clone(), args.stack.checkpoints.clone()).await?;
        let checkpoints = args.stack.checkpoints.display();
        if let Some(lambda) = &lambda {
            poller = poller.with_handler(lambda.stream_handler()?);
            println!(
                "Stream:  the table's stream through the template's filter to aggregate-stream (checkpoints in {checkpoints})"
            );
        } else {
            println!("Stream:  polling the table's stream into counters (checkpoints in {checkpoints})");
        }
        Some(tokio::spawn(stream::poll_until_stopped(poller, stop.subscribe())))
    };

    let (table, tz) = (state.config.table_name.clone(), state.config.store_timezone);
    let schedules = template.schedules.clone();
    println!(
        "Reports: {} (or: local-runner schedule-now [TIME], local-runner report YYYY-MM-DD)",
        schedule::describe(&schedules)
    );
    let (schedule, app) = if let Some(lambda) = &lambda {
        let target = lambda.gateway.invoker().clone();
        (tokio::spawn(schedule::run(target, schedules, table, tz, stop.subscribe())), lambda.gateway.clone().router())
    } else {
        let target = schedule::InProcess::new(state.clone());
        (tokio::spawn(schedule::run(target, schedules, table, tz, stop.subscribe())), local_runner::app(state))
    };
    println!("Press Ctrl-C to stop.");
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await?;
    let _ = stop.send(true);
    if let Some(consumer) = consumer {
        let _ = consumer.await;
    }
    let _ = schedule.await;
    if let Some(lambda) = lambda {
        lambda.emulator.stop().await;
    }
    Ok(())
}

/// `local-runner consume [--until-idle]`: the stream consumer alone, in this process, as the
/// event source mapping reads (the template's filters, `BatchSize` and batching window).
async fn consume(state: AppState, args: &Consume) -> anyhow::Result<()> {
    let mut poller = stream::StreamPoller::new(state.clone(), args.stack.checkpoints.clone()).await?;
    let (batch_size, window) = poller.batching();
    println!(
        "Stream:  consuming table {}'s stream into counters: batches of up to {batch_size} records, a batching window of {} s (checkpoints in {})",
        state.store().table(),
        window.as_secs_f64(),
        args.stack.checkpoints.display()
    );
    if args.until_idle {
        while poller.poll_batched().await? > 0 {}
    } else {
        println!("Press Ctrl-C to stop.");
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let consumer = tokio::spawn(stream::poll_until_stopped(poller, stopped));
        shutdown_signal().await;
        let _ = stop.send(true);
        poller = consumer.await.context("the consumer stopped")?;
    }
    let done = poller.progress;
    println!(
        "consumed: {} stream records read; {} records handed in {} batches (largest {})",
        done.read, done.records, done.batches, done.largest
    );
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
