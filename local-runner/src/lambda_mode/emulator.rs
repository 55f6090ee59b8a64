//! `cargo lambda watch`, the Lambda emulator the functions run under: found already answering,
//! or started (after a build, so that a compile error shows at once) with the functions'
//! environment, and stopped with the runner.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use api::auth::AuthMode;
use sam_template::Template;

/// The `cargo lambda watch` this runner started (none when it found one already running).
pub struct Emulator {
    child: Option<tokio::process::Child>,
}

impl Emulator {
    /// Stops the emulator; it stops the function processes it started (each in a process group
    /// of its own) as it exits on SIGTERM.
    pub async fn stop(mut self) {
        let Some(mut child) = self.child.take() else { return };
        if let Some(pid) = child.id() {
            signal_group(pid, libc::SIGTERM);
            if tokio::time::timeout(Duration::from_secs(10), child.wait()).await.is_err() {
                signal_group(pid, libc::SIGKILL);
            }
        }
        let _ = child.wait().await;
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(pid) = self.child.as_ref().and_then(tokio::process::Child::id) {
            signal_group(pid, libc::SIGTERM);
        }
    }
}

fn signal_group(pid: u32, signal: i32) {
    // SAFETY: kill(2) on the process group this runner created for its own child.
    unsafe {
        libc::kill(-(pid as i32), signal);
    }
}

/// The workspace (where `Cargo.toml` and the functions' code are): `LAMBDA_WORKSPACE`, else the
/// one this binary was built from.
pub fn workspace() -> PathBuf {
    std::env::var_os("LAMBDA_WORKSPACE").map_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".."), PathBuf::from)
}

/// The cargo-lambda program: `CARGO_LAMBDA`, `cargo-lambda` on `PATH`, or the workspace's
/// `.venv-lambda` (`scripts/lib.sh` `ensure_cargo_lambda`).
pub fn cargo_lambda_program() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CARGO_LAMBDA").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join("cargo-lambda"))
        .find(|p| p.is_file());
    on_path.or_else(|| Some(workspace().join(".venv-lambda/bin/cargo-lambda")).filter(|p| p.is_file()))
}

/// The environment of the functions: the template's global variables, then the local stack's
/// (table, time zone, endpoint, region, CORS, `AUTH_MODE`: `authorizer` when the gateway plays
/// the JWT authorizer, `off` otherwise).
pub fn function_environment(template: &Template, config: &app::Config) -> BTreeMap<String, String> {
    let mut env = template.environment.clone();
    env.remove("CORS_ALLOW_ORIGINS");
    if let Ok(log) = std::env::var("RUST_LOG") {
        env.insert("RUST_LOG".into(), log);
    }
    env.insert("TABLE_NAME".into(), config.table_name.clone());
    env.insert("STORE_TIMEZONE".into(), config.store_timezone.name().into());
    if let Some(url) = &config.endpoint_url {
        env.insert("AWS_ENDPOINT_URL".into(), url.clone());
    }
    env.insert("AWS_REGION".into(), crate::stream_event::region());
    if !config.cors_allow_origins.is_empty() {
        env.insert("CORS_ALLOW_ORIGINS".into(), config.cors_allow_origins.join(","));
    }
    let auth = if config.auth_mode == AuthMode::Off { "off" } else { "authorizer" };
    env.insert("AUTH_MODE".into(), auth.into());
    env
}

/// Answers on `127.0.0.1:port`?
async fn answers(port: u16) -> bool {
    tokio::time::timeout(Duration::from_secs(1), tokio::net::TcpStream::connect(("127.0.0.1", port)))
        .await
        .is_ok_and(|c| c.is_ok())
}

/// The emulator on `port`: the one already answering there, or `cargo lambda watch` started
/// there after building the functions (so a compile error shows now, not on a first request).
pub async fn start(template: &Template, config: &app::Config, port: u16) -> anyhow::Result<Emulator> {
    if answers(port).await {
        println!("Lambda:  using the emulator already answering on 127.0.0.1:{port}");
        return Ok(Emulator { child: None });
    }
    let program = cargo_lambda_program().context(
        "cargo-lambda not found: `source scripts/lib.sh && ensure_cargo_lambda` installs it into .venv-lambda \
         (or set CARGO_LAMBDA)",
    )?;
    let root = workspace();
    let functions = template.functions();
    println!("Lambda:  building {}...", functions.join(", "));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = tokio::process::Command::new(cargo);
    build.arg("build").current_dir(&root);
    without_crate_environment(&mut build);
    for f in &functions {
        build.args(["--bin", f]);
    }
    let status = build.status().await.context("running cargo build")?;
    if !status.success() {
        bail!("building the functions failed");
    }
    let mut watch = tokio::process::Command::new(&program);
    watch
        .args(["lambda", "watch", "--invoke-address", "127.0.0.1", "--invoke-port", &port.to_string()])
        .current_dir(&root)
        .envs(function_environment(template, config))
        .process_group(0);
    without_crate_environment(&mut watch);
    if std::env::var("LAMBDA_NO_RELOAD").is_ok_and(|v| v == "1") {
        watch.arg("--ignore-changes");
    }
    // SAFETY: prctl only, between fork and exec: cargo-lambda (and so its functions) is told to
    // stop when this runner dies, even by SIGKILL.
    unsafe {
        watch.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            Ok(())
        });
    }
    let child = watch.spawn().with_context(|| format!("starting {} lambda watch", program.display()))?;
    let emulator = Emulator { child: Some(child) };
    for _ in 0..600 {
        if answers(port).await {
            return Ok(emulator);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    emulator.stop().await;
    bail!("cargo lambda watch did not answer on 127.0.0.1:{port}")
}

/// Leaves out of a child cargo's environment what cargo sets for the crate running this one
/// (`cargo run`, `cargo test`): build scripts that read such a variable (ring reads
/// `CARGO_MANIFEST_DIR`) would otherwise see it change between this build and the next outer one,
/// and rebuild, with everything above them, on every `make test`.
fn without_crate_environment(command: &mut tokio::process::Command) {
    let set_for_a_crate = |name: &str| {
        ["CARGO_PKG_", "CARGO_MANIFEST_", "CARGO_CRATE_", "CARGO_BIN_", "CARGO_PRIMARY_PACKAGE", "CARGO_TARGET_TMPDIR"]
            .iter()
            .any(|prefix| name.starts_with(prefix))
    };
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(set_for_a_crate) {
            command.env_remove(name);
        }
    }
}
