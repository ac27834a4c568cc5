//! Edge outcomes: a ticket deleted while its job runs is `skipped` (never `FAILED`, never the
//! DLQ), and an update with nothing to change is not sent.

use std::sync::Arc;
use std::time::Duration;

use e2e::runtime_api::{aws_config, create_queue_pair, peek, queue_total, sqs_client, sqs_event};
use e2e::{event, invoke, Harness, Store};
use shared::runtime::queue::{JobMessage, JobQueue};
use shared::store::{DedupStore, MemoryDedupStore, COMPLETED};
use shared::{App, Secrets};
use sim::Fault;
use ticket_created::TicketCreated;
use ticket_resolved::TicketResolved;

async fn assert_completed_as_skipped(store: &dyn DedupStore, key: &str) {
    let record = store.get(key).await.unwrap().expect("record");
    assert_eq!(record.status, COMPLETED, "{record:?}");
    assert!(
        record.outcome.as_deref().is_some_and(|o| o.starts_with("skipped")),
        "{record:?}"
    );
}

#[tokio::test]
async fn a_ticket_deleted_before_its_put_ends_the_job_skipped_not_failed() {
    let h = Harness::start(Store::Dynamo).await;
    h.fd.inject(Fault::status("PUT", "/tickets/101", 404));
    let (status, body) = invoke(&h.app, &TicketCreated, event("ticket-created.json")).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("skipped")), "{body}");
    assert_completed_as_skipped(h.store.as_ref(), "ticket-created#101").await;
}

#[tokio::test]
async fn a_ticket_deleted_before_its_qa_note_ends_the_job_skipped_not_failed() {
    let h = Harness::start(Store::Dynamo).await;
    h.fd.inject(Fault::status("POST", "/tickets/104/notes", 404));
    let (status, body) = invoke(&h.app, &TicketResolved, event("ticket-resolved.json")).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("skipped")), "{body}");
    assert_completed_as_skipped(h.store.as_ref(), "ticket-resolved#104#2024-05-07T09:30:00Z").await;
}

#[tokio::test]
async fn in_queue_mode_a_ticket_deleted_meanwhile_is_acknowledged_and_never_dead_lettered() {
    let h = Harness::start(Store::Memory).await;
    h.fd.inject(Fault::status("PUT", "/tickets/101", 404));
    let sqs = sqs_client().await;
    let queues = create_queue_pair(&sqs, "gone", Duration::from_secs(30), 10).await;
    let queue = JobQueue::new(&aws_config().await, queues.url.clone(), Some(queues.dlq_url.clone()));
    let config = e2e::config_for(h.fd_addr, h.simpli_addr, &[("JOB_QUEUE_URL", &queues.url)]);
    let secrets = Secrets {
        freshdesk_api_key: e2e::API_KEY.to_string().into(),
        webhook_secret: Some(e2e::SECRET.to_string().into()),
        simpli_api_key: None,
    };
    let store = Arc::new(MemoryDedupStore::new());
    let app = App::with_parts(config, secrets, store.clone(), Some(queue.clone())).unwrap();
    let message = JobMessage {
        event: "ticket-created".into(),
        ticket_id: 101,
        received_at: shared::setup::clock::now_ms(),
        request_id: "edge-gone".into(),
    };
    queue.enqueue(&message).await.unwrap();
    let received = peek(&sqs, &queues.url, 1, Duration::from_secs(30)).await;
    let batch = sqs_event(&received, &queues.arn);

    let answer = shared::runtime::handle(&app, &TicketCreated, batch, e2e::context(60))
        .await
        .expect("batch answer");
    assert_eq!(answer["batchItemFailures"], serde_json::json!([]), "{answer}");
    assert_eq!(queue_total(&sqs, &queues.dlq_url).await, 0, "never the DLQ");
    assert_completed_as_skipped(store.as_ref(), "ticket-created#101").await;
}

#[tokio::test]
async fn simpli_answers_with_null_optional_fields_are_read_as_absent() {
    let h = Harness::start(Store::Memory).await;
    h.simpli.set_response(
        "/evaluate",
        serde_json::json!({"overall_score": 0.7, "dimensions": {"empathy": null}, "coaching_notes": null}),
    );
    let (status, body) = invoke(&h.app, &TicketResolved, event("ticket-resolved.json")).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("processed")), "{body}");
    let notes = h.fd.notes(104);
    let note = notes[0]["body"].as_str().unwrap_or_default();
    assert_eq!(note, "<p><strong>QA Score: 70%</strong></p>");
}

#[tokio::test]
async fn a_ticket_that_already_holds_every_value_gets_no_put() {
    let h = Harness::start(Store::Memory).await;
    let (_, body) = invoke(&h.app, &TicketCreated, event("ticket-created.json")).await;
    assert_eq!(body["status"], "processed", "{body}");
    assert_eq!(h.fd.count("PUT", "/tickets/101"), 1);
    // The same job again (a replay with its record gone): the ticket already holds it all.
    let fresh = e2e::build_app(h.fd_addr, h.simpli_addr, Arc::new(MemoryDedupStore::new()), &[]);
    let (_, body) = invoke(&fresh, &TicketCreated, event("ticket-created.json")).await;
    assert_eq!(body["status"], "processed", "{body}");
    assert_eq!(h.fd.count("PUT", "/tickets/101"), 1, "an empty PUT is not sent");
}
