//! A cold start makes no outbound call: the real binary, started as a Lambda under the
//! Runtime API stand-in with a complete deployment environment, reaches its first
//! `GET /next` without calling Freshdesk or Simpli (field discovery waits for the first job).
//! The same instance then runs a job against the same simulators, so the zero is not an
//! unreachable address.
//!
//! Needs moto (`scripts/test.sh` starts it).

use std::time::Duration;

use e2e::runtime_api::{wait_until, BedOptions, QueueBed};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cold_start_calls_neither_freshdesk_nor_simpli_before_its_first_poll() {
    let mut opts = BedOptions::new("ticket-created");
    opts.env.push(("JOB_QUEUE_URL".into(), String::new()));
    let bed = QueueBed::start(opts).await;
    let worker = bed.spawn_worker();
    let polled = wait_until(Duration::from_secs(30), || async { bed.runtime.polls() >= 1 }).await;
    assert!(
        polled,
        "the instance never asked for an invocation\n{}",
        worker.log_tail(40)
    );
    assert_eq!(bed.fd.requests().len(), 0, "Freshdesk calls at cold start");
    assert_eq!(bed.simpli.requests().len(), 0, "Simpli calls at cold start");

    let (status, body) = bed.webhook(101).await.expect("the instance answers");
    assert_eq!((status, body["status"].as_str()), (200, Some("processed")), "{body}");
    assert_eq!(
        bed.fd.count("GET", "/api/v2/ticket_fields"),
        1,
        "discovery ran on the first job"
    );
    assert!(bed.simpli.requests().len() >= 3);
}
