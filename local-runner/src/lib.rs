//! The local runner: every HTTP function of the API on one port, like API Gateway, against a
//! local DynamoDB (its own, embedded, or LocalStack), plus the table set-up and the demo data.
//!
//! - [`stream`]: the stream consumer (the event source mapping), handing batches to a
//!   [`batch::BatchHandler`], records filtered by [`event_pattern`] and shaped by
//!   [`stream_event`];
//! - [`schedule`]: the scheduler, for both modes;
//! - [`lambda_mode`]: `LAMBDA=1`, the real function binaries behind the local API Gateway;
//! - [`cli`]: the command line (`main.rs` runs it); [`seed`], [`dashboard`].

pub mod batch;
pub mod cli;
pub mod dashboard;
pub mod event_pattern;
pub mod lambda_mode;
pub mod schedule;
pub mod seed;
pub mod stream;
pub mod stream_event;

use api::http::AppState;
use axum::Router;
use store::StoreError;
use store::table::TableDefinition;
use utoipa_axum::router::OpenApiRouter;

pub use schedule::next_local_time;

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
/// default [`default_data_file`]), injecting `faults`, when it is a loopback address where
/// nothing answers; an error for any other address where nothing answers.
pub async fn local_dynamodb_at(
    endpoint: &str,
    data: Option<std::path::PathBuf>,
    faults: local_dynamodb::Faults,
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
    Ok(Some(local_dynamodb::LocalDynamoDb::start_with(addr, &data, faults).await?))
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
    let definition: TableDefinition = sam_template::Template::embedded()
        .and_then(sam_template::Template::table)
        .map_err(|e| StoreError::Corrupt(format!("{e:#}")))?;
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
