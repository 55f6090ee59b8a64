//! The local stack as `make dev` runs it (the `local-runner serve` binary with its embedded
//! DynamoDB), killed with SIGKILL while it aggregates, then restarted on the same data: every
//! committed write is still there and every counter ends exact.

use std::process::Stdio;

use serde_json::Value;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The runner binary's stack: its data in a temporary directory, its DynamoDB and its API each on
/// a free port, and a client of that API.
pub(crate) struct Stack {
    dir: tempfile::TempDir,
    dynamodb_port: u16,
    api_port: u16,
    pub(crate) base: String,
    pub(crate) http: reqwest::Client,
}

impl Stack {
    pub(crate) fn new() -> Self {
        let (dynamodb_port, api_port) = (free_port(), free_port());
        Stack {
            dir: tempfile::tempdir().unwrap(),
            dynamodb_port,
            api_port,
            base: format!("http://127.0.0.1:{api_port}"),
            http: reqwest::Client::new(),
        }
    }

    /// The runner binary with `args`, on this stack's DynamoDB, data and API port.
    fn command(&self, args: &[&str]) -> tokio::process::Command {
        let dir = self.dir.path();
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_local-runner"));
        cmd.args(args)
            .current_dir(dir)
            .env("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{}", self.dynamodb_port))
            .env("DYNAMODB_DATA", dir.join("dynamodb.sqlite3"))
            .env("STREAM_CHECKPOINT_DIR", dir.join("checkpoints"))
            .env("TABLE_NAME", "restart")
            .env("STORE_TIMEZONE", "UTC")
            .env("PORT", self.api_port.to_string())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        cmd
    }

    /// Starts the runner with `args` (`serve` and its options) and waits until its API answers.
    pub(crate) async fn start(&self, args: &[&str]) -> tokio::process::Child {
        let child = self.command(args).spawn().expect("the runner starts");
        for _ in 0..600 {
            if self.http.get(format!("{}/health", self.base)).send().await.is_ok_and(|r| r.status() == 200) {
                return child;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the runner did not answer");
    }

    /// Runs the runner binary with `args` to its end, which must be a success; answers what it
    /// printed.
    pub(crate) async fn run_to_end(&self, args: &[&str]) -> String {
        let done = self.command(args).stdout(Stdio::piped()).stderr(Stdio::piped()).output().await.unwrap();
        let said = String::from_utf8_lossy(&done.stdout).into_owned();
        assert!(done.status.success(), "{args:?}: {said}{}", String::from_utf8_lossy(&done.stderr));
        said
    }

    /// `aggregates verify` finds every one of the `sales` counted and no counter drifted.
    pub(crate) async fn assert_counters_exact(&self, sales: i64) {
        let out = self.run_to_end(&["aggregates", "verify"]).await;
        assert!(out.contains(&format!("{sales} sales (0 not yet counted")) && out.contains(" 0 drifted"), "{out}");
    }

    /// A product of the electronics category at 2.50 with 100,000 in stock: its id.
    pub(crate) async fn cheap_product(&self, name: &str) -> i64 {
        let product: Value = test_support::send_json(self.http.post(format!("{}/products", self.base)).body(format!(
            r#"{{"name":"{name}","price":"2.50","category_name":"electronics","current_inventory":100000}}"#
        )))
        .await;
        product["id"].as_i64().unwrap()
    }
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
    let stack = Stack::new();
    let (http, base) = (&stack.http, &stack.base);
    let mut runner = stack.start(&["serve"]).await;

    // The demo data (18 sales), then sales from 8 clients, killed part-way while the poller is
    // counting them.
    let id = stack.cheap_product("crash test").await;
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
        if counted_sales(http, base).await > 18 + 50 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    runner.start_kill().unwrap(); // SIGKILL
    runner.wait().await.unwrap();
    for s in sellers {
        s.await.unwrap();
    }

    let mut runner = stack.start(&["serve"]).await;
    let listed = listed_sales(http, base).await;
    assert!(listed > 18 + 50, "the sales committed before the kill are still there: {listed}");
    let mut counted = 0;
    for _ in 0..600 {
        counted = counted_sales(http, base).await;
        if counted == listed {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(counted, listed, "the restarted poller counted every sale once");

    // Every counter (product, category, store x hour, day, month, year) equals the raw sales.
    stack.assert_counters_exact(listed).await;
    runner.start_kill().unwrap();
    runner.wait().await.unwrap();
}
