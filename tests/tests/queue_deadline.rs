//! The bookkeeping reserve in queue mode: a dependency call that runs past the job's time is
//! cut before the Lambda deadline, so the batch is still answered in time, the lease is
//! released for the retry, and a batch-mate that finished is not redone. The real
//! ticket-created binary under the Runtime API stand-in, with SQS and DynamoDB on moto.

use std::collections::HashSet;
use std::time::Duration;

use e2e::runtime_api::{batch_failures, peek, sqs_event, BedOptions, QueueBed};
use shared::setup::clock::now_ms;
use shared::store::{COMPLETED, IN_PROGRESS};
use sim::Fault;

const TIMEOUT: Duration = Duration::from_secs(6);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_past_the_jobs_time_still_answers_the_batch_before_the_deadline_and_releases_the_lease() {
    let mut opts = BedOptions::new("ticket-created");
    opts.function_timeout = TIMEOUT;
    // Only the function's own visibility change can bring a message back during this test.
    opts.visibility = Duration::from_secs(600);
    let bed = QueueBed::start(opts).await;
    let worker = bed.spawn_worker();
    for ticket in [101, 102] {
        let (status, body) = bed.webhook(ticket).await.expect("the HTTP entry answers");
        assert_eq!(status, 202, "{body}");
    }
    // Ticket 101's update hangs far beyond the function's timeout; 102 is healthy.
    bed.fd
        .inject(Fault::delay("PUT", "/tickets/101", Duration::from_secs(120)));

    let messages = peek(&bed.sqs, &bed.queues.url, 2, Duration::from_secs(600)).await;
    assert_eq!(messages.len(), 2);
    let ids: HashSet<String> = messages.iter().filter_map(|m| m.message_id.clone()).collect();
    let slow = messages
        .iter()
        .find(|m| m.body().is_some_and(|b| b.contains("\"ticket_id\":101")))
        .and_then(|m| m.message_id.clone())
        .expect("the message of ticket 101");

    let deadline_ms = now_ms() + TIMEOUT.as_millis() as u64;
    let answer = bed
        .runtime
        .invoke(sqs_event(&messages, &bed.queues.arn), TIMEOUT)
        .await
        .unwrap_or_else(|e| panic!("the batch was not answered: {e:?}\n{}", worker.log_tail(30)));
    let answered_ms = now_ms();
    assert!(
        answered_ms <= deadline_ms,
        "answered {} ms after the deadline\n{}",
        answered_ms - deadline_ms,
        worker.log_tail(30)
    );
    assert_eq!(batch_failures(&answer, &ids), Some(HashSet::from([slow])), "{answer}");

    let slow_record = bed.record("ticket-created#101").await.expect("101 was claimed");
    assert_eq!(slow_record.status, IN_PROGRESS);
    assert_eq!(slow_record.lease_until_ms, 0, "the lease was released: {slow_record:?}");
    assert!(
        slow_record.steps.contains("note"),
        "the note it posted is kept: {slow_record:?}"
    );
    let done = bed.record("ticket-created#102").await.expect("102 was claimed");
    assert_eq!(done.status, COMPLETED);

    // The retry of 101 (delivered again with 102's, as a redelivery might) finishes 101 only.
    bed.fd.clear_faults();
    let notes_102 = bed.fd.notes(102).len();
    let again = bed
        .runtime
        .invoke(sqs_event(&messages, &bed.queues.arn), TIMEOUT)
        .await
        .expect("the retry is answered");
    assert_eq!(batch_failures(&again, &ids), Some(HashSet::new()), "{again}");
    assert_eq!(bed.record("ticket-created#101").await.unwrap().status, COMPLETED);
    assert_eq!(bed.fd.notes(101).len(), 1, "101 has one note");
    assert_eq!(bed.fd.notes(102).len(), notes_102, "102 was not redone");
    assert_eq!(notes_102, 1);
}
