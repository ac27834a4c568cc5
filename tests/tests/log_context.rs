//! Every log line a job writes carries the job's context as top-level JSON fields, so a
//! CloudWatch query on one ticket finds all of it. The real ticket-created binary under the
//! Runtime API stand-in, in inline mode, with a Freshdesk 5xx retried on the way.

use std::time::Duration;

use e2e::runtime_api::{FunctionProcess, RuntimeApi};
use serde_json::Value;
use sim::{Fault, FreshdeskSim, SimpliSim};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_line_of_a_job_carries_its_request_event_ticket_and_attempt() {
    let fd = FreshdeskSim::seeded_demo(e2e::API_KEY);
    let simpli = SimpliSim::new();
    let fd_addr = fd.start(0).await.unwrap();
    let simpli_addr = simpli.start(0).await.unwrap();
    // A retried call writes a WARN line mid-job: it must carry the context too.
    fd.inject(Fault::status("PUT", "/tickets/101", 503));
    let env = e2e::sim_env(fd_addr, simpli_addr);
    let runtime = RuntimeApi::start("ticket-created").await.unwrap();
    let worker = FunctionProcess::spawn("ticket-created", &runtime, &env).unwrap();
    let answer = runtime
        .invoke(e2e::event("ticket-created.json"), Duration::from_secs(30))
        .await
        .unwrap_or_else(|e| panic!("{e:?}\n{}", worker.log_tail(20)));
    assert_eq!(answer["statusCode"], 200, "{answer}");

    // Every log line (metric lines have no level) but the cold start's and the runtime's own.
    let lines: Vec<Value> = worker
        .log()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l.get("level").is_some())
        .collect();
    let cold_start = |l: &&Value| {
        l["target"].as_str().is_some_and(|t| t.starts_with("lambda_runtime"))
            || l["message"]
                .as_str()
                .is_some_and(|m| m.contains("IDEMPOTENCY_TABLE is unset"))
    };
    let job_lines: Vec<&Value> = lines.iter().filter(|l| !cold_start(l)).collect();
    assert!(
        job_lines.len() >= 5,
        "claimed, discovered, steps, a retry, the outcome: {lines:#?}"
    );
    assert!(
        job_lines.iter().any(|l| l["message"] == "freshdesk retry"),
        "{lines:#?}"
    );
    for line in &job_lines {
        assert_eq!(line["event"], "ticket-created", "{line}");
        assert_eq!(line["ticket_id"], 101, "{line}");
        assert!(line["request_id"].as_str().is_some_and(|r| !r.is_empty()), "{line}");
        assert!(line.get("fields").is_none(), "fields are top-level: {line}");
        if line["message"] != "claimed" || line.get("attempt").is_some() {
            assert_eq!(line["attempt"], 1, "{line}");
        }
    }
}

/// kb-sync's lines carry its run's context: the request id and the event, no ticket.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_line_of_a_kb_sync_run_carries_its_request_and_event() {
    let fd = FreshdeskSim::seeded_demo(e2e::API_KEY);
    let simpli = SimpliSim::new();
    let fd_addr = fd.start(0).await.unwrap();
    let simpli_addr = simpli.start(0).await.unwrap();
    // A retried article read writes a WARN line mid-run.
    fd.inject(Fault::status("GET", "/solutions/categories", 503));
    let env = e2e::sim_env(fd_addr, simpli_addr);
    let runtime = RuntimeApi::start("kb-sync").await.unwrap();
    let worker = FunctionProcess::spawn("kb-sync", &runtime, &env).unwrap();
    let answer = runtime
        .invoke(e2e::event("kb-sync.schedule.json"), Duration::from_secs(60))
        .await
        .unwrap_or_else(|e| panic!("{e:?}\n{}", worker.log_tail(20)));
    assert!(answer.is_object(), "{answer}");
    let lines: Vec<Value> = worker
        .log()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l.get("level").is_some())
        .filter(|l| !l["target"].as_str().is_some_and(|t| t.starts_with("lambda_runtime")))
        .filter(|l| !l["message"].as_str().is_some_and(|m| m.contains("is unset")))
        .collect();
    assert!(lines.iter().any(|l| l["message"] == "freshdesk retry"), "{lines:#?}");
    assert!(
        lines.iter().any(|l| l["message"] == "job"),
        "the outcome line: {lines:#?}"
    );
    for line in &lines {
        assert_eq!(line["event"], "kb-sync", "{line}");
        assert!(line["request_id"].as_str().is_some_and(|r| !r.is_empty()), "{line}");
        assert!(line.get("ticket_id").is_none(), "a run is about no ticket: {line}");
        assert!(line.get("fields").is_none(), "fields are top-level: {line}");
    }
}
