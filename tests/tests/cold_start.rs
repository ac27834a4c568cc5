//! The real function binary under the Lambda Runtime API stand-in: a misconfigured cold start
//! fails with one line naming the variable, reported to the runtime API.

use std::time::Duration;

use e2e::runtime_api::{wait_until, FunctionProcess, RuntimeApi};

#[tokio::test]
async fn a_missing_variable_fails_the_cold_start_naming_it() {
    let runtime = RuntimeApi::start("ticket-created").await.unwrap();
    let env = vec![
        ("FRESHDESK_API_KEY".to_string(), "k".to_string()),
        ("WEBHOOK_SECRET".to_string(), "s".to_string()),
    ];
    let mut worker = FunctionProcess::spawn("ticket-created", &runtime, &env).unwrap();
    assert!(
        wait_until(Duration::from_secs(30), || async { !runtime.init_errors().is_empty() }).await,
        "{}",
        worker.log()
    );
    let reported = runtime.init_errors()[0].to_string();
    assert!(reported.contains("FRESHDESK_DOMAIN"), "{reported}");
    assert!(
        wait_until(Duration::from_secs(10), || {
            let exited = worker.exited().is_some();
            async move { exited }
        })
        .await
    );
    assert!(!worker.exited().unwrap().success());
    let log = worker.log();
    assert!(
        log.lines()
            .any(|l| l.contains("cold start failed") && l.contains("FRESHDESK_DOMAIN")),
        "{log}"
    );
    assert_eq!(runtime.polls(), 0, "no invocation is taken by a broken container");
}
