//! `LAMBDA=1`: the local stack with the real function binaries under `cargo lambda watch`. One
//! request of every route of template.yaml through the local API Gateway (with the JWT
//! authorizer played, `AUTH_MODE=local-jwt`), a sale counted by the aggregate-stream function
//! through the template's stream filter, and the template's schedule event building a report.
//!
//! cargo-lambda comes from PyPI into the git-ignored .venv-lambda (`scripts/lib.sh`
//! `ensure_cargo_lambda`); the test is skipped, loudly, only when it is missing and PyPI cannot
//! be reached.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use local_runner::lambda_mode::Template;
use local_runner::lambda_mode::routes;
use serde_json::{Value, json};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// cargo-lambda, installed into .venv-lambda if needed; `None` (the caller skips) only when it
/// cannot be installed because PyPI is unreachable.
fn cargo_lambda() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CARGO_LAMBDA").map(PathBuf::from).filter(|p| p.is_file()) {
        return Some(p);
    }
    let installed = Command::new("bash")
        .args(["-c", "source scripts/lib.sh && ensure_cargo_lambda"])
        .current_dir(workspace())
        .status()
        .is_ok_and(|s| s.success());
    let program = workspace().join(".venv-lambda/bin/cargo-lambda");
    if installed && program.is_file() {
        return Some(program);
    }
    let pypi = Command::new("curl")
        .args(["--silent", "--output", "/dev/null", "--max-time", "10", "https://pypi.org/simple/cargo-lambda/"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(!pypi, "PyPI answers but cargo-lambda could not be installed into .venv-lambda (see above)");
    None
}

/// The runner process (`local-runner serve` with LAMBDA=1); stopped with SIGTERM, so that it
/// stops its `cargo lambda watch` and the functions.
struct Runner {
    child: Child,
    log: PathBuf,
}

impl Runner {
    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(60)..].join("\n")
    }

    fn stop(&mut self) {
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if self.child.try_wait().ok().flatten().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("---- the runner's log ({}) ----\n{}", self.log.display(), self.log_tail());
        }
        self.stop();
    }
}

fn token(groups: &[&str]) -> String {
    let b64 = |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.local",
        b64(json!({"alg": "none", "typ": "JWT"})),
        b64(json!({"sub": "lambda-mode-test", "cognito:groups": groups}))
    )
}

struct Call<'a> {
    route: &'a str,
    method: &'a str,
    path: String,
    body: Option<Value>,
    status: u16,
}

fn call<'a>(route: &'a str, method: &'a str, path: impl Into<String>, body: Option<Value>, status: u16) -> Call<'a> {
    Call { route, method, path: path.into(), body, status }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_a_stream_batch_and_the_schedule_through_the_real_lambdas() {
    let Some(cargo_lambda) = cargo_lambda() else {
        eprintln!(
            "\n\n!!!!!!!! SKIPPED lambda_mode: cargo-lambda is not installed and PyPI is unreachable !!!!!!!!\n\
             !!!!!!!! (`source scripts/lib.sh && ensure_cargo_lambda` installs it)              !!!!!!!!\n\n"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (dynamodb_port, api_port, invoke_port) = (free_port(), free_port(), free_port());
    let base = format!("http://127.0.0.1:{api_port}");
    let log = dir.path().join("runner.log");
    let out = std::fs::File::create(&log).unwrap();
    let env = [
        ("LAMBDA", "1".to_owned()),
        ("LAMBDA_NO_RELOAD", "1".to_owned()),
        ("LAMBDA_INVOKE_PORT", invoke_port.to_string()),
        ("CARGO_LAMBDA", cargo_lambda.display().to_string()),
        ("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{dynamodb_port}")),
        ("DYNAMODB_DATA", dir.path().join("dynamodb.sqlite3").display().to_string()),
        ("STREAM_CHECKPOINT_DIR", dir.path().join("checkpoints").display().to_string()),
        ("TABLE_NAME", "lambda-mode".to_owned()),
        ("STORE_TIMEZONE", "UTC".to_owned()),
        ("AUTH_MODE", "local-jwt".to_owned()),
        ("PORT", api_port.to_string()),
        ("RUST_LOG", "info".to_owned()),
    ];
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_local-runner"))
        .arg("serve")
        .current_dir(dir.path())
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .stdin(Stdio::null())
        .spawn()
        .expect("the runner starts");
    let mut runner = Runner { child, log };
    let http = reqwest::Client::new();

    // Up: the runner builds the functions first (as `cargo lambda watch` runs them: without the
    // dev-dependencies' features, so not the units `cargo test` built; a no-op on a rerun), then
    // the health check is the products function's first (cold) invocation.
    let deadline = Instant::now() + Duration::from_mins(15);
    loop {
        if let Ok(r) = http.get(format!("{base}/health")).send().await
            && r.status() == 200
        {
            break;
        }
        if let Ok(Some(status)) = runner.child.try_wait() {
            panic!("the runner exited ({status})");
        }
        assert!(Instant::now() < deadline, "the runner did not answer /health through the products function");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let up = started.elapsed();

    // The gateway plays the JWT authorizer: no token on a protected route is its 401; the
    // function gets the claims (an analyst may not write: the function's 403).
    let r = http.get(format!("{base}/products")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"message": "Unauthorized"}));
    let r = http
        .post(format!("{base}/categories"))
        .bearer_auth(token(&["analyst"]))
        .body(r#"{"name":"nope"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(r.headers()["content-type"], "application/problem+json");

    // One request of every route (the table below must cover every route of the template).
    let admin = token(&["admin"]);
    let template = Template::embedded().unwrap();
    let mut covered = BTreeSet::new();
    let mut run = async |c: Call<'_>| -> Value {
        let path = c.path.split('?').next().unwrap();
        let (route, _) =
            routes::select(&template.routes, c.method, path).unwrap_or_else(|| panic!("no route for {}", c.path));
        assert_eq!(route.key(), c.route, "{} {} is routed by", c.method, c.path);
        covered.insert(c.route.to_owned());
        let url = format!("{base}{}", c.path);
        let mut request = http.request(c.method.parse().unwrap(), &url);
        if c.method == "OPTIONS" {
            // A browser's preflight: no token.
            request = request
                .header("origin", "http://localhost:5173")
                .header("access-control-request-method", "POST")
                .header("access-control-request-headers", "authorization,content-type");
        } else if route.authorized {
            request = request.bearer_auth(&admin);
        }
        if let Some(body) = &c.body {
            request = request.header("idempotency-key", uuid::Uuid::new_v4().to_string()).json(body);
        }
        let r = request.send().await.unwrap();
        let status = r.status().as_u16();
        let content_type = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
        let text = r.text().await.unwrap();
        assert_eq!(status, c.status, "{} {} answered {text}", c.method, c.path);
        if status == 204 {
            return Value::Null;
        }
        if content_type.contains("json") {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} {}: not JSON ({e}): {text}", c.method, c.path))
        } else {
            assert!(!text.is_empty(), "{} {}: an empty body", c.method, c.path);
            Value::String(text)
        }
    };
    let health = run(call("GET /health", "GET", "/health", None, 200)).await;
    assert_eq!(health["status"], "ok");
    let openapi = run(call("GET /openapi.json", "GET", "/openapi.json", None, 200)).await;
    assert!(openapi["paths"]["/products/{id}"].is_object());
    // /docs redirects to its index, served by the greedy route.
    run(call("GET /docs", "GET", "/docs", None, 200)).await;
    let index = run(call("GET /docs/{proxy+}", "GET", "/docs/index.html", None, 200)).await;
    assert!(index.as_str().unwrap().contains("swagger"), "Swagger UI's page");
    let created = run(call(
        "ANY /categories",
        "POST",
        "/categories",
        Some(json!({"name": "lambda-mode", "description": "through the real Lambdas"})),
        201,
    ))
    .await;
    assert_eq!(created["name"], "lambda-mode");
    run(call("ANY /categories/{name}", "GET", "/categories/lambda-mode", None, 200)).await;
    let product = run(call(
        "ANY /products",
        "POST",
        "/products",
        Some(json!({"name": "Lambda lamp", "price": "12.50", "category_name": "lambda-mode", "current_inventory": 3})),
        201,
    ))
    .await;
    let product_id = product["id"].as_i64().unwrap_or_else(|| panic!("{product}"));
    run(call("ANY /products/{id}", "GET", format!("/products/{product_id}"), None, 200)).await;
    run(call(
        "ANY /products/{id}/inventory",
        "POST",
        format!("/products/{product_id}/inventory"),
        Some(json!({"change": 5, "reason": "restock"})),
        201,
    ))
    .await;
    let low = run(call("ANY /inventory/low-stock", "GET", "/inventory/low-stock", None, 200)).await;
    assert!(low["items"].is_array());
    let sale =
        run(call("ANY /sales", "POST", "/sales", Some(json!({"product_id": product_id, "units_sold": 2})), 201)).await;
    assert_eq!(sale["total_price"], "25.00");
    run(call("ANY /sales/summary", "GET", "/sales/summary", None, 200)).await;
    run(call("ANY /sales/compare", "GET", "/sales/compare?period=year&current=2023&previous=2022", None, 200)).await;
    run(call("ANY /sales/top", "GET", "/sales/top?by=product&period=month&at=2023-10&metric=units", None, 200)).await;
    run(call("ANY /reports/daily", "GET", "/reports/daily?limit=5", None, 200)).await;
    // Before the schedule has run, the day has no report.
    let missing = run(call("ANY /reports/daily/{date}", "GET", "/reports/daily/2023-10-08", None, 404)).await;
    assert_eq!(missing["status"], 404);
    // Any other path: the $default route (the products function's 404 problem, not the gateway's).
    let other = run(call("$default", "GET", "/no/such/route", None, 404)).await;
    assert_eq!(other["status"], 404);
    // CORS preflights, without a token, answered by the products function.
    for (route, path) in [
        ("OPTIONS /categories", "/categories".to_owned()),
        ("OPTIONS /categories/{name}", "/categories/lambda-mode".to_owned()),
        ("OPTIONS /products", "/products".to_owned()),
        ("OPTIONS /products/{id}", format!("/products/{product_id}")),
        ("OPTIONS /products/{id}/inventory", format!("/products/{product_id}/inventory")),
        ("OPTIONS /inventory/low-stock", "/inventory/low-stock".to_owned()),
        ("OPTIONS /sales", "/sales".to_owned()),
        ("OPTIONS /sales/summary", "/sales/summary".to_owned()),
        ("OPTIONS /sales/compare", "/sales/compare".to_owned()),
        ("OPTIONS /sales/top", "/sales/top".to_owned()),
        ("OPTIONS /reports/daily", "/reports/daily".to_owned()),
        ("OPTIONS /reports/daily/{date}", "/reports/daily/2023-10-08".to_owned()),
        ("OPTIONS /{proxy+}", "/some/other/path".to_owned()),
    ] {
        run(call(route, "OPTIONS", path, None, 204)).await;
    }
    let every: BTreeSet<String> = template.routes.iter().map(local_runner::lambda_mode::Route::key).collect();
    assert_eq!(covered, every, "one request of every route of template.yaml");

    // The stream: the demo data's 18 sales and this one, counted by the aggregate-stream
    // function from the filtered stream.
    let deadline = Instant::now() + Duration::from_mins(2);
    loop {
        let summary: Value = test_support::send_json(
            http.get(format!("{base}/sales/summary?category_name=lambda-mode")).bearer_auth(&admin),
        )
        .await;
        if summary["rows"][0]["sales_count"] == 1 {
            assert_eq!(summary["rows"][0]["total_revenue"], "25.00");
            break;
        }
        assert!(Instant::now() < deadline, "the sale was not counted: {summary}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let summary: Value = test_support::send_json(http.get(format!("{base}/sales/summary")).bearer_auth(&admin)).await;
    assert_eq!(summary["rows"][0]["sales_count"], 19, "the demo data's 18 sales and this one: {summary}");

    // The schedule: the template's Input for the run of 2023-10-09 00:15 builds 2023-10-08's report.
    let fired = Command::new(env!("CARGO_BIN_EXE_local-runner"))
        .args(["schedule-now", "2023-10-09T00:15:00Z"])
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&fired.stdout);
    assert!(fired.status.success(), "schedule-now: {said}{}", String::from_utf8_lossy(&fired.stderr));
    assert!(said.contains(r#"{"date":"2023-10-08"}"#), "{said}");
    let report: Value =
        test_support::send_json(http.get(format!("{base}/reports/daily/2023-10-08")).bearer_auth(&admin)).await;
    assert_eq!(report["date"], "2023-10-08", "{report}");

    // The log names what went through the functions.
    let log = std::fs::read_to_string(&runner.log).unwrap();
    assert!(log.contains("stream batch invoked"), "the stream went to the function");
    eprintln!("lambda mode: up in {:?}, everything in {:?}", up, started.elapsed());
    runner.stop();
}
