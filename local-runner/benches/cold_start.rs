//! `make bench`: each Lambda's deployment size and init time, release build.
//!
//! - zipped size: the `bootstrap` binary zipped as the deployment package is (deflate);
//! - init time: from process start to the function's first call of the Lambda Runtime API
//!   (`GET /2018-06-01/runtime/invocation/next`), against a local stub of that API, median of
//!   10 starts. This is the part of a cold start the code controls (configuration, SDK set-up);
//!   Lambda adds the sandbox and download on top.
//!
//! Expects the release binaries in target/release (scripts/bench.sh builds them first).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::get;
use tokio::sync::Notify;

const FUNCTIONS: [&str; 4] = ["products", "sales", "aggregate-stream", "reports"];
const STARTS: usize = 10;

/// Where the binaries are: `LAMBDA_BINARIES` (a directory, to measure another build), else
/// target/release.
fn release_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("LAMBDA_BINARIES") {
        return PathBuf::from(dir);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"), PathBuf::from);
    target.join("release")
}

/// Deflate-compressed size of the binary, as in the zip Lambda receives (`zip -9`).
fn zipped_size(path: &PathBuf) -> usize {
    let bytes = std::fs::read(path).unwrap();
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(&bytes).unwrap();
    encoder.finish().unwrap().len() + 100
}

#[tokio::main]
async fn main() {
    let arrived = Arc::new(Notify::new());
    let signal = arrived.clone();
    // The Runtime API stub: note the first poll for an invocation, then keep it waiting.
    let app = Router::new().route(
        "/2018-06-01/runtime/invocation/next",
        get(move || {
            let signal = signal.clone();
            async move {
                signal.notify_one();
                tokio::time::sleep(Duration::from_hours(1)).await;
                ""
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let api = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    println!("Lambda package size and init time (release build, x86_64, median of {STARTS} starts):");
    for function in FUNCTIONS {
        let path = release_dir().join(function);
        assert!(
            path.exists(),
            "{} is missing: run `cargo build --release -p {function}` (scripts/bench.sh does)",
            path.display()
        );
        let size = std::fs::metadata(&path).unwrap().len() as usize;
        let zipped = zipped_size(&path);
        let mut times = Vec::new();
        for _ in 0..STARTS {
            let started = Instant::now();
            let mut child = Command::new(&path)
                .env_clear()
                .env("AWS_LAMBDA_RUNTIME_API", &api)
                .env("AWS_LAMBDA_FUNCTION_NAME", function)
                .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
                .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
                .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
                .env("AWS_LAMBDA_LOG_GROUP_NAME", "bench")
                .env("AWS_REGION", "us-east-1")
                .env("AWS_ACCESS_KEY_ID", "bench")
                .env("AWS_SECRET_ACCESS_KEY", "bench")
                .env("AWS_SESSION_TOKEN", "bench")
                .env("TABLE_NAME", "bench")
                .env("RUST_LOG", "warn")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            tokio::time::timeout(Duration::from_secs(10), arrived.notified())
                .await
                .expect("the function polled the Runtime API");
            times.push(started.elapsed());
            child.kill().unwrap();
            child.wait().unwrap();
        }
        times.sort();
        println!(
            "  {function:<17} binary {:>5.1} MB, zipped {:>5.1} MB, init {:>6.1} ms (min {:.1}, max {:.1})",
            size as f64 / 1e6,
            zipped as f64 / 1e6,
            times[STARTS / 2].as_secs_f64() * 1000.0,
            times[0].as_secs_f64() * 1000.0,
            times[STARTS - 1].as_secs_f64() * 1000.0
        );
    }
}
