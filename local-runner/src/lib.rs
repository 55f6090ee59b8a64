//! The local runner: every HTTP function of the API on one port, like API Gateway, against a
//! local DynamoDB (its own, embedded, or LocalStack), plus the table set-up and the demo data.

pub mod dashboard;
pub mod lambda_mode;
pub mod seed;
pub mod stream;

use api::http::AppState;
use axum::Router;
use store::StoreError;
use store::table::TableDefinition;
use utoipa_axum::router::OpenApiRouter;

/// All functions' routes behind one router, as API Gateway routes them in AWS, with the API's
/// description as generated from them.
pub fn app(state: AppState) -> Router {
    let config = state.config.clone();
    let routes = Router::from(all_routes().with_state(state)).merge(products::docs::docs_router(openapi_json()));
    api::http::finish_for(routes, &config).merge(dashboard::router())
}

/// Every function's routes with their documentation; the runner serves them all, and the
/// document describes them all.
pub fn all_routes() -> OpenApiRouter<AppState> {
    products::routes().merge(sales::routes()).merge(reports::routes())
}

/// The whole API's OpenAPI document, generated from the code.
pub fn api_document() -> utoipa::openapi::OpenApi {
    api::openapi::document([all_routes().into_openapi()])
}

/// [`api_document`] as the JSON text committed as `docs/openapi.json`
/// (`products::docs::COMMITTED_DOCUMENT`, which the products Lambda serves).
pub fn openapi_json() -> String {
    let mut json = api_document().to_pretty_json().expect("the OpenAPI document serializes");
    json.push('\n');
    json
}

/// Where `make dev` looks for DynamoDB when `AWS_ENDPOINT_URL` is unset (LocalStack's port too).
pub const DEFAULT_LOCAL_ENDPOINT: &str = "http://127.0.0.1:4566";

/// The SQLite file of the embedded DynamoDB on `port`: one per port, so stacks run side by side.
pub fn default_data_file(port: u16) -> std::path::PathBuf {
    std::path::PathBuf::from(format!(".local/dynamodb-{port}.sqlite3"))
}

/// The local DynamoDB for `endpoint`: `None` when something already answers there (LocalStack,
/// DynamoDB Local, another runner's, AWS); a local DynamoDB started on its port (data in `data`,
/// default [`default_data_file`]) when it is a loopback address where nothing answers; an error
/// for any other address where nothing answers.
pub async fn local_dynamodb_at(
    endpoint: &str,
    data: Option<std::path::PathBuf>,
) -> anyhow::Result<Option<local_dynamodb::LocalDynamoDb>> {
    let (host, port) =
        url_host_port(endpoint).ok_or_else(|| anyhow::anyhow!("AWS_ENDPOINT_URL={endpoint:?} is not a URL"))?;
    let answers = tokio::time::timeout(
        std::time::Duration::from_secs(2),
        tokio::net::TcpStream::connect((host.trim_matches(['[', ']']), port)),
    )
    .await
    .is_ok_and(|c| c.is_ok());
    if answers {
        return Ok(None);
    }
    if !store::sdk::is_loopback(endpoint) {
        anyhow::bail!(
            "nothing answers at AWS_ENDPOINT_URL={endpoint}, and it is not this machine's: start it, or unset AWS_ENDPOINT_URL"
        );
    }
    let data = data.unwrap_or_else(|| default_data_file(port));
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    Ok(Some(local_dynamodb::LocalDynamoDb::start(addr, &data).await?))
}

/// `(host, port)` of an `http(s)://host[:port]/...` URL.
fn url_host_port(url: &str) -> Option<(String, u16)> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    Some(match authority.rsplit_once(':') {
        Some((host, port)) if !port.contains(']') => (host.to_owned(), port.parse().ok()?),
        _ => (authority.to_owned(), if scheme == "https" { 443 } else { 80 }),
    })
}

/// Creates the table from `template.yaml` unless it exists; returns whether it was created.
pub async fn ensure_table(state: &AppState) -> Result<bool, StoreError> {
    let definition = TableDefinition::from_template().map_err(StoreError::Corrupt)?;
    definition.create(state.store().client(), state.store().table()).await
}

/// `aggregates verify` reports counter drift against the raw sales; `aggregates rebuild` also
/// repairs it. Works against any table the environment names (a local one or one in AWS).
pub async fn aggregates(state: &AppState, action: &str) -> anyhow::Result<()> {
    let repair = match action {
        "verify" => false,
        "rebuild" => true,
        other => anyhow::bail!("unknown action {other:?}; use `aggregates verify` or `aggregates rebuild`"),
    };
    let report = app::counters::verify_counters(state, app::time::now()).await?;
    println!(
        "{} counters, {} sales ({} not yet counted by the aggregator, left to it; returns included), {} returns, {} drifted, {} sales without their lookup by id",
        report.counters,
        report.sales,
        report.pending,
        report.returns,
        report.drift.len(),
        report.missing_sale_refs.len()
    );
    for d in report.drift.iter().take(50) {
        println!(
            "  {:?} {}: stored {:?}, expected {:?}",
            d.key.scope,
            store::keys::bucket_sort_key(&d.key.bucket),
            d.stored,
            d.expected
        );
    }
    if repair && (!report.drift.is_empty() || !report.missing_sale_refs.is_empty()) {
        let repaired = app::counters::repair_counters(state, &report).await?;
        println!(
            "repaired {} counters; {} changed while verifying (run again); wrote {} lookups by id",
            repaired.repaired, repaired.changed_meanwhile, repaired.sale_refs
        );
    }
    if !repair && !report.drift.is_empty() {
        anyhow::bail!("{} counters drifted; `aggregates rebuild` repairs them", report.drift.len());
    }
    Ok(())
}

/// The EventBridge schedule, locally: every day at 00:15 store time, the report of the day
/// that just ended.
pub async fn report_schedule(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    let tz = state.config.store_timezone;
    loop {
        let now = app::time::now();
        let next = next_local_time(now, tz, chrono::NaiveTime::from_hms_opt(0, 15, 0).expect("a valid time"));
        let wait = (next - now).to_std().unwrap_or_default();
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            _ = stop.changed() => return,
        }
        let date = reports::previous_day(app::time::now(), tz);
        match reports::build_daily_report(&state, date, app::time::now()).await {
            Ok(_) => tracing::info!(%date, "daily report written"),
            Err(e) => tracing::error!(%date, error = %e, "daily report failed"),
        }
    }
}

/// The next instant after `now` whose local time in `tz` is `at`.
pub fn next_local_time(
    now: chrono::DateTime<chrono::Utc>,
    tz: chrono_tz::Tz,
    at: chrono::NaiveTime,
) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    let mut date = now.with_timezone(&tz).date_naive();
    loop {
        if let Some(t) = tz.from_local_datetime(&date.and_time(at)).earliest().map(|t| t.with_timezone(&chrono::Utc))
            && t > now
        {
            return t;
        }
        date += chrono::Duration::days(1);
    }
}
