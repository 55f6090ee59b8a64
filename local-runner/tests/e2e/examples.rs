//! Every script of `examples/` runs against a fresh local stack with the demo data, as a user
//! would run it against `make dev`: the examples cannot rot.

use crate::helpers::spawn_app;

/// A fresh stack with the demo data aggregated and the report of 2022-10-08 built (what
/// `make dev` has after its first night).
async fn demo_stack() -> crate::helpers::TestApp {
    let app = spawn_app().await;
    local_runner::seed::load(&app.state, &local_runner::seed::demo_data()).await.expect("seed");
    app.aggregate().await;
    let date = reports::parse_date("2022-10-08").expect("a date");
    reports::build_daily_report(&app.state, date, app::time::now()).await.expect("report");
    app
}

#[tokio::test]
async fn every_example_runs_against_the_demo_stack() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut scripts: Vec<_> = std::fs::read_dir(&dir)
        .expect("examples/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "sh") && p.file_name().is_some_and(|n| n != "lib.sh"))
        .collect();
    scripts.sort();
    assert!(scripts.len() >= 16, "the examples are there: {scripts:?}");
    let runs = scripts.into_iter().map(|script| async move {
        let app = demo_stack().await;
        let out = tokio::process::Command::new("bash")
            .arg(&script)
            .env("API", &app.base)
            .env_remove("AUTH_HEADER")
            .output()
            .await
            .expect("bash runs");
        (script, out)
    });
    let mut failed = Vec::new();
    for (script, out) in futures::future::join_all(runs).await {
        let stdout = String::from_utf8_lossy(&out.stdout);
        // Every request the script made was answered as it expected (lib.sh exits otherwise),
        // and none was a server error.
        if !out.status.success() || stdout.lines().any(|l| l.starts_with("< 5")) || !stdout.contains("< ") {
            failed.push(format!("{}:\n{stdout}\n{}", script.display(), String::from_utf8_lossy(&out.stderr)));
        }
    }
    assert!(failed.is_empty(), "examples failed:\n{}", failed.join("\n"));
}
