//! Queue timing: a retried job comes back when the function says, not when the queue would.
//!
//! The test queues have a visibility timeout of minutes (`LONG_VISIBILITY`), far beyond any
//! wait here, so a message can only return in time through the function's own
//! `ChangeMessageVisibility`: the backoff of `RETRY_BASE_SECONDS`, a 429's `Retry-After`, or a
//! live lease's remaining time + 1 s. Where the backoff must not be what brings a message back,
//! `RETRY_BASE_SECONDS` is set to minutes too, so only the delay under test fits the patience.
//!
//! Needs moto (`scripts/test.sh` starts it).

use std::time::Duration;

use e2e::runtime_api::{wait_until, BedOptions, FunctionProcess, QueueBed};
use shared::store::COMPLETED;
use sim::Fault;

const EVENT: &str = "ticket-created";
/// Far less than the queue's own visibility timeout and than a backoff of minutes.
const PATIENCE: Duration = Duration::from_secs(45);

fn bed_options(retry_base_seconds: &str) -> BedOptions {
    let mut opts = BedOptions::new(EVENT);
    opts.env.push(("RETRY_BASE_SECONDS".into(), retry_base_seconds.into()));
    opts
}

/// Waits until ticket 101's job is COMPLETED and the queue and DLQ are empty.
async fn until_done(bed: &QueueBed, worker: &FunctionProcess) {
    let key = format!("{EVENT}#101");
    let done = wait_until(PATIENCE, || async {
        bed.record(&key).await.is_some_and(|r| r.status == COMPLETED) && bed.depths().await == (0, 0)
    })
    .await;
    assert!(
        done,
        "not done after {PATIENCE:?}: {:?}, queue/DLQ {:?}\n{}",
        bed.record(&key).await,
        bed.depths().await,
        worker.log_tail(40)
    );
}

async fn webhook_202(bed: &QueueBed) {
    let (status, body) = bed.webhook(101).await.expect("the HTTP entry answers");
    assert_eq!(status, 202, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retryable_failure_comes_back_after_the_backoff_the_function_set() {
    let bed = QueueBed::start(bed_options("1")).await;
    bed.simpli.inject("/classify", 503, 1);
    let worker = bed.spawn_worker();
    webhook_202(&bed).await;
    let handle = bed.mapping().start(1);

    until_done(&bed, &worker).await;

    let stats = handle.stats();
    assert_eq!(stats.item_failures, 1, "the failed attempt went back: {stats:?}");
    assert_eq!(bed.simpli.count("/classify"), 2);
    assert_eq!(bed.fd.notes(101).len(), 1);
    assert_eq!(bed.fd.applied_puts(101), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_longer_than_the_deadline_comes_back_after_its_retry_after_not_the_backoff() {
    // A backoff of 10 minutes or more: only the 6-s Retry-After can bring it back in time.
    // The pacer's quiet window after a 429 (a minute when deployed) is cut to 1 s here, so the
    // delay the function sets is the Retry-After.
    let mut opts = bed_options("600");
    opts.env.push(("RATE_LIMIT_WINDOW_SECONDS".into(), "1".into()));
    let bed = QueueBed::start(opts).await;
    bed.fd.inject(Fault::rate_limited("PUT", "/tickets/101", 6));
    let worker = bed.spawn_worker();
    webhook_202(&bed).await;
    let handle = bed.mapping().start(1);

    until_done(&bed, &worker).await;

    let stats = handle.stats();
    assert_eq!(stats.item_failures, 1, "the rate-limited attempt went back: {stats:?}");
    assert_eq!(bed.fd.count("PUT", "/api/v2/tickets/101"), 2, "one 429, then the PUT");
    assert_eq!(bed.fd.applied_puts(101), 1);
    assert_eq!(bed.fd.notes(101).len(), 1, "the retry did not post the note again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_that_meets_a_live_lease_comes_back_after_the_lease_not_the_backoff() {
    // A backoff of 10 minutes or more: only the lease's remaining time + 1 s fits the patience.
    let mut opts = bed_options("600");
    opts.function_timeout = Duration::from_secs(8);
    let bed = QueueBed::start(opts).await;
    // Hold the first attempt's ticket PUT so its lease is live when the duplicate claims.
    bed.fd
        .inject(Fault::delay("PUT", "/tickets/101", Duration::from_secs(2)));
    let workers = [bed.spawn_worker(), bed.spawn_worker()];
    webhook_202(&bed).await;
    webhook_202(&bed).await;
    // Both messages in one batch (their records run concurrently) or in two batches on two
    // pollers and two instances: either way one claims and the other meets its live lease.
    let handle = bed.mapping().batch_size(10).start(2);

    until_done(&bed, &workers[0]).await;

    let stats = handle.stats();
    assert_eq!(
        stats.item_failures, 1,
        "the delivery that met the lease went back: {stats:?}"
    );
    assert_eq!(stats.deleted, 2, "then it was acknowledged as a duplicate: {stats:?}");
    let record = bed.record(&format!("{EVENT}#101")).await.unwrap();
    assert_eq!(record.attempt, 1, "claimed once: {record:?}");
    assert_eq!(bed.fd.notes(101).len(), 1);
    assert_eq!(bed.fd.applied_puts(101), 1);
}
