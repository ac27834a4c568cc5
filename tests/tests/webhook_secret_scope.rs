//! The webhook secret goes only where webhooks arrive: the real binaries under the Lambda
//! Runtime API stand-in. A webhook function cannot start without it; kb-sync, whose role
//! cannot read it, starts and runs without it, and so does reconcile.

use std::time::Duration;

use e2e::runtime_api::{wait_until, FunctionProcess, RuntimeApi};
use serde_json::{json, Value};
use sim::{FreshdeskSim, SimpliSim};

fn env_without_secret(fd: std::net::SocketAddr, simpli: std::net::SocketAddr) -> Vec<(String, String)> {
    sim::bridge_env_one_simpli(fd, e2e::API_KEY, simpli)
}

#[tokio::test]
async fn a_webhook_function_without_the_secret_fails_its_cold_start_naming_it() {
    let runtime = RuntimeApi::start("ticket-created").await.unwrap();
    let env = env_without_secret("127.0.0.1:9".parse().unwrap(), "127.0.0.1:9".parse().unwrap());
    let worker = FunctionProcess::spawn("ticket-created", &runtime, &env).unwrap();
    assert!(
        wait_until(Duration::from_secs(30), || async { !runtime.init_errors().is_empty() }).await,
        "{}",
        worker.log()
    );
    let reported = runtime.init_errors()[0].to_string();
    assert!(reported.contains("WEBHOOK_SECRET"), "{reported}");
    assert_eq!(runtime.polls(), 0);
}

/// Runs one scheduled invocation of `function` with no webhook secret in its environment; its
/// answer, and no init error.
async fn scheduled_run_without_secret(function: &str) -> Value {
    let fd = FreshdeskSim::seeded_demo(e2e::API_KEY);
    let simpli = SimpliSim::new();
    let fd_addr = fd.start(0).await.unwrap();
    let simpli_addr = simpli.start(0).await.unwrap();
    let runtime = RuntimeApi::start(function).await.unwrap();
    let worker = FunctionProcess::spawn(function, &runtime, &env_without_secret(fd_addr, simpli_addr)).unwrap();
    let schedule = json!({"version": "0", "detail-type": "Scheduled Event", "source": "aws.scheduler", "detail": {}});
    let summary = runtime
        .invoke(schedule, Duration::from_secs(30))
        .await
        .unwrap_or_else(|e| panic!("{e:?}\n{}", worker.log()));
    assert!(runtime.init_errors().is_empty());
    summary
}

#[tokio::test]
async fn kb_sync_starts_and_runs_without_the_webhook_secret() {
    let summary = scheduled_run_without_secret("kb-sync").await;
    assert_eq!(summary["status"], "complete", "{summary}");
    assert_eq!(summary["pushed"], 5, "{summary}");
}

#[tokio::test]
async fn reconcile_starts_and_runs_without_the_webhook_secret() {
    let summary = scheduled_run_without_secret("reconcile").await;
    assert_eq!(summary["status"], "complete", "{summary}");
    assert!(summary["reconciled"].is_object(), "{summary}");
}

#[tokio::test]
async fn a_malformed_reconcile_setting_fails_the_cold_start_naming_it() {
    let runtime = RuntimeApi::start("reconcile").await.unwrap();
    let mut env = env_without_secret("127.0.0.1:9".parse().unwrap(), "127.0.0.1:9".parse().unwrap());
    env.push(("RECONCILE_SINCE".into(), "last tuesday".into()));
    let worker = FunctionProcess::spawn("reconcile", &runtime, &env).unwrap();
    assert!(
        wait_until(Duration::from_secs(30), || async { !runtime.init_errors().is_empty() }).await,
        "{}",
        worker.log()
    );
    let reported = runtime.init_errors()[0].to_string();
    assert!(reported.contains("RECONCILE_SINCE"), "{reported}");
    assert_eq!(runtime.polls(), 0);
}
