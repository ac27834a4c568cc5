//! Queue mode for customer-replied and ticket-resolved: each real binary runs as a Lambda
//! under the Runtime API stand-in, its HTTP entry enqueues to a real SQS queue (moto) and an
//! event source mapping feeds the queue back to it. A duplicate delivery does the work once;
//! a Simpli outage sends the message back and the retry finishes the job.
//!
//! Needs moto (`scripts/test.sh` starts it).

use std::time::Duration;

use e2e::runtime_api::{wait_until, BedOptions, MappingHandle, QueueBed};
use serde_json::Value;

/// Far less than the queue's own visibility timeout: a retry returns by the function's backoff.
const PATIENCE: Duration = Duration::from_secs(45);

/// customer-replied's sample ticket (an angry reply) and ticket-resolved's (a resolved thread).
const REPLIED: (&str, u64) = ("customer-replied", 103);
const RESOLVED: (&str, u64) = ("ticket-resolved", 104);

/// Starts a bed for `event`, injects the Simpli failures, delivers the webhook `deliveries`
/// times and runs the mapping until `acknowledged` messages were deleted and the queues are
/// empty.
async fn run(
    (event, ticket): (&str, u64),
    deliveries: usize,
    simpli_failure: Option<&str>,
    acknowledged: usize,
) -> (QueueBed, MappingHandle) {
    let bed = QueueBed::start(BedOptions::new(event)).await;
    if let Some(path) = simpli_failure {
        bed.simpli.inject(path, 503, 1);
    }
    let worker = bed.spawn_worker();
    for _ in 0..deliveries {
        let (status, body) = bed.webhook(ticket).await.expect("the HTTP entry answers");
        assert_eq!((status, body["status"].as_str()), (202, Some("queued")), "{body}");
    }
    let handle = bed.mapping().start(1);
    let done = wait_until(PATIENCE, || async {
        handle.stats().deleted == acknowledged && bed.depths().await == (0, 0)
    })
    .await;
    assert!(
        done,
        "{event}: {:?}, queue/DLQ {:?}\n{}",
        handle.stats(),
        bed.depths().await,
        worker.log_tail(40)
    );
    (bed, handle)
}

fn tags(bed: &QueueBed, ticket: u64) -> Vec<Value> {
    bed.fd.ticket(ticket).unwrap()["tags"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_replied_in_queue_mode_scores_a_duplicate_delivery_once() {
    let (bed, handle) = run(REPLIED, 2, None, 2).await;
    assert_eq!(bed.simpli.count("/analyze"), 1);
    assert_eq!(bed.fd.applied_puts(103), 1, "one escalation tag PUT");
    assert_eq!(bed.fd.count("PUT", "/api/v2/contacts/5003"), 1);
    assert!(tags(&bed, 103).contains(&Value::from("escalation-risk:high")));
    assert_eq!(handle.stats().function_errors + handle.stats().timeouts, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_replied_in_queue_mode_retries_a_simpli_outage_and_finishes() {
    let (bed, handle) = run(REPLIED, 1, Some("/analyze"), 1).await;
    assert_eq!(handle.stats().item_failures, 1, "the failed attempt went back");
    assert_eq!(bed.simpli.count("/analyze"), 2);
    assert_eq!(bed.fd.applied_puts(103), 1);
    assert_eq!(bed.fd.count("PUT", "/api/v2/contacts/5003"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticket_resolved_in_queue_mode_posts_one_qa_note_for_a_duplicate_delivery() {
    let (bed, handle) = run(RESOLVED, 2, None, 2).await;
    assert_eq!(bed.simpli.count("/evaluate"), 1);
    assert_eq!(bed.fd.notes(104).len(), 1);
    assert_eq!(handle.stats().function_errors + handle.stats().timeouts, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticket_resolved_in_queue_mode_retries_a_simpli_outage_and_posts_one_note() {
    let (bed, handle) = run(RESOLVED, 1, Some("/evaluate"), 1).await;
    assert_eq!(handle.stats().item_failures, 1, "the failed attempt went back");
    assert_eq!(bed.simpli.count("/evaluate"), 2);
    assert_eq!(bed.fd.notes(104).len(), 1);
}
