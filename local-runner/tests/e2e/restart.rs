//! The local stack as `make dev` runs it (the `local-runner serve` binary with its embedded
//! DynamoDB), killed with SIGKILL while it aggregates, then restarted on the same data: every
//! committed write is still there and every counter ends exact.

use std::path::Path;
use std::process::Stdio;

use serde_json::Value;

struct Runner {
    child: tokio::process::Child,
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The runner binary with `args`, on the DynamoDB at `dynamodb_port` (its data in `dir`), the
/// API on `api_port`.
pub(crate) fn command(dir: &Path, dynamodb_port: u16, api_port: u16, args: &[&str]) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_local-runner"));
    cmd.args(args)
        .current_dir(dir)
        .env("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{dynamodb_port}"))
        .env("DYNAMODB_DATA", dir.join("dynamodb.sqlite3"))
        .env("STREAM_CHECKPOINT_DIR", dir.join("checkpoints"))
        .env("TABLE_NAME", "restart")
        .env("STORE_TIMEZONE", "UTC")
        .env("PORT", api_port.to_string())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    cmd
}

async fn start(dir: &Path, dynamodb_port: u16, api_port: u16, http: &reqwest::Client) -> Runner {
    let child = command(dir, dynamodb_port, api_port, &["serve"]).spawn().expect("the runner starts");
    for _ in 0..600 {
        if http.get(format!("http://127.0.0.1:{api_port}/health")).send().await.is_ok_and(|r| r.status() == 200) {
            return Runner { child };
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the runner did not answer");
}

pub(crate) async fn counted_sales(http: &reqwest::Client, base: &str) -> i64 {
    let summary: Value = test_support::send_json(http.get(format!("{base}/sales/summary"))).await;
    summary["rows"][0]["sales_count"].as_i64().unwrap_or(0)
}

pub(crate) async fn listed_sales(http: &reqwest::Client, base: &str) -> i64 {
    let (mut n, mut cursor) = (0, None::<String>);
    loop {
        let mut url = format!("{base}/sales?limit=100");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let page: Value = test_support::send_json(http.get(url)).await;
        n += page["items"].as_array().unwrap().len() as i64;
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return n,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_9_while_aggregating_then_a_restart_leaves_every_counter_exact() {
    let dir = tempfile::tempdir().unwrap();
    let (dynamodb_port, api_port) = (free_port(), free_port());
    let base = format!("http://127.0.0.1:{api_port}");
    let http = reqwest::Client::new();
    let mut runner = start(dir.path(), dynamodb_port, api_port, &http).await;

    // The demo data (18 sales), then sales from 8 clients, killed part-way while the poller is
    // counting them.
    let product: Value = test_support::send_json(
        http.post(format!("{base}/products"))
            .body(r#"{"name":"crash test","price":"2.50","category_name":"electronics","current_inventory":100000}"#),
    )
    .await;
    let id = product["id"].as_i64().unwrap();
    let sellers: Vec<_> = (0..8)
        .map(|_| {
            let (http, base) = (http.clone(), base.clone());
            tokio::spawn(async move {
                for _ in 0..200 {
                    let sent =
                        http.post(format!("{base}/sales")).body(format!(r#"{{"product_id":{id},"units_sold":1}}"#));
                    if sent.send().await.is_err() {
                        return; // the process is gone
                    }
                }
            })
        })
        .collect();
    loop {
        if counted_sales(&http, &base).await > 18 + 50 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    runner.child.start_kill().unwrap(); // SIGKILL
    runner.child.wait().await.unwrap();
    for s in sellers {
        s.await.unwrap();
    }

    let mut runner = start(dir.path(), dynamodb_port, api_port, &http).await;
    let listed = listed_sales(&http, &base).await;
    assert!(listed > 18 + 50, "the sales committed before the kill are still there: {listed}");
    let mut counted = 0;
    for _ in 0..600 {
        counted = counted_sales(&http, &base).await;
        if counted == listed {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(counted, listed, "the restarted poller counted every sale once");

    // Every counter (product, category, store x hour, day, month, year) equals the raw sales.
    let verify = command(dir.path(), dynamodb_port, api_port, &["aggregates", "verify"])
        .stdout(Stdio::piped())
        .output()
        .await
        .unwrap();
    let out = String::from_utf8_lossy(&verify.stdout);
    assert!(verify.status.success(), "verify: {out}");
    assert!(out.contains(&format!("{listed} sales (0 not yet counted")) && out.contains(" 0 drifted"), "{out}");
    runner.child.start_kill().unwrap();
    runner.child.wait().await.unwrap();
}
