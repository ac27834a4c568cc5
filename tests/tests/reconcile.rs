//! reconcile end to end, against the Freshdesk simulator, the Simpli stand-ins and moto: the
//! scheduled handler recovers the jobs whose webhooks Freshdesk "dropped" (changes made in the
//! simulator without any webhook), inline or through the event queues.

use std::collections::BTreeMap;
use std::time::Duration;

use customer_replied::CustomerReplied;
use e2e::runtime_api::{create_queue_pair, sqs_client};
use e2e::{context, event, invoke, with_body, Harness, Store};
use reconcile::{Reconcile, CURSOR_KEY};
use serde_json::{json, Value};
use shared::recover::{time, ReconcileSettings};
use shared::runtime::queue::JobMessage;
use sim::Fault;
use ticket_created::TicketCreated;
use ticket_resolved::TicketResolved;

/// A cursor start just before the test's tickets (the demo account's own are older).
fn since() -> String {
    time::minus(&time::now(), Duration::from_secs(60))
}

fn task(settings: ReconcileSettings) -> Reconcile {
    Reconcile::new(ReconcileSettings {
        since: Some(since()),
        ..settings
    })
}

async fn run(h: &Harness, task: &Reconcile, secs: u64) -> Value {
    shared::runtime::handle_scheduled(&h.app, task, context(secs))
        .await
        .expect("reconcile run")
}

/// A ticket the customer opened, as the demo account's requester 5001 would.
fn new_ticket(h: &Harness, subject: &str, tags: &[&str]) -> u64 {
    h.fd.add_ticket(json!({
        "subject": subject, "description": "<div>My parcel never arrived and nobody answers.</div>",
        "source": 1, "requester_id": 5001, "tags": tags,
    }))
}

async fn webhook<J: shared::Job>(h: &Harness, job: &J, sample: &str, ticket: u64) -> Value {
    let body = json!({ "ticket_id": ticket }).to_string();
    let (status, body) = invoke(&h.app, job, with_body(event(sample), &body)).await;
    assert_eq!(status, 200, "{body}");
    body
}

fn reconciled(summary: &Value, event: &str) -> u64 {
    summary["reconciled"][event].as_u64().unwrap_or(0)
}

/// Receives and deletes every message of a queue.
async fn drain(url: &str) -> Vec<JobMessage> {
    let client = sqs_client().await;
    let mut out = Vec::new();
    loop {
        let got = client
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .wait_time_seconds(0)
            .send()
            .await
            .expect("ReceiveMessage")
            .messages
            .unwrap_or_default();
        if got.is_empty() {
            return out;
        }
        for m in got {
            out.push(serde_json::from_str(m.body().unwrap()).expect("a job message"));
            client
                .delete_message()
                .queue_url(url)
                .receipt_handle(m.receipt_handle().unwrap())
                .send()
                .await
                .expect("DeleteMessage");
        }
    }
}

async fn created_queue() -> String {
    create_queue_pair(&sqs_client().await, "reconcile-created", Duration::from_secs(60), 10)
        .await
        .url
}

#[tokio::test]
async fn dropped_webhooks_of_each_kind_are_recovered_by_one_run_and_a_second_sends_nothing() {
    let h = Harness::start(Store::Dynamo).await;
    let reconcile = task(ReconcileSettings::default());
    // Created with no webhook.
    let lost_create = new_ticket(&h, "Lost creation", &[]);
    // Created through its webhook; the customer's reply webhook is lost.
    let lost_reply = new_ticket(&h, "Lost reply", &[]);
    webhook(&h, &TicketCreated, "ticket-created.json", lost_reply).await;
    h.fd.customer_reply(lost_reply, "<p>This is unacceptable, I want my money back now.</p>")
        .unwrap();
    // Created and answered through webhooks; the resolution's webhook is lost.
    let lost_resolve = new_ticket(&h, "Lost resolution", &[]);
    webhook(&h, &TicketCreated, "ticket-created.json", lost_resolve).await;
    h.fd.add_conversation(lost_resolve, json!({"body": "<p>Refunded today.</p>", "user_id": 9001}));
    h.fd.resolve_ticket(lost_resolve);
    let notes_before = h.fd.notes(lost_reply).len() + h.fd.notes(lost_resolve).len();
    let contact_before = h.fd.contact(5001).unwrap()["custom_fields"].clone();

    let first = run(&h, &reconcile, 60).await;
    assert_eq!(first["status"], "complete", "{first}");
    assert_eq!(reconciled(&first, "ticket-created"), 1, "{first}");
    assert_eq!(reconciled(&first, "customer-replied"), 1, "{first}");
    assert_eq!(reconciled(&first, "ticket-resolved"), 1, "{first}");
    assert_eq!(
        h.fd.notes(lost_create).len(),
        1,
        "the draft note of the recovered creation"
    );
    assert!(
        h.fd.notes(lost_resolve)
            .iter()
            .any(|n| n["body"].as_str().unwrap().contains("QA Score")),
        "the QA note of the recovered resolution"
    );
    assert_eq!(
        h.fd.notes(lost_reply).len() + h.fd.notes(lost_resolve).len(),
        notes_before + 1
    );
    let contact_after = h.fd.contact(5001).unwrap()["custom_fields"].clone();
    assert_ne!(contact_before, contact_after, "the reply was scored on the contact");
    assert!(h
        .store
        .get(&format!("ticket-created#{lost_create}"))
        .await
        .unwrap()
        .is_some());

    let second = run(&h, &reconcile, 60).await;
    assert_eq!(second["reconciled"], json!({}), "nothing sent twice: {second}");
    assert!(second["already_done"].as_u64().unwrap() >= 5, "{second}");
    let cursor = h.store.get_marker(CURSOR_KEY).await.unwrap().unwrap();
    assert_eq!(second["cursor"], cursor.as_str());
}

#[tokio::test]
async fn a_late_webhook_after_the_recovery_posts_no_second_note() {
    let h = Harness::start(Store::Dynamo).await;
    let id = new_ticket(&h, "Webhook arrives late", &[]);
    let summary = run(&h, &task(ReconcileSettings::default()), 60).await;
    assert_eq!(reconciled(&summary, "ticket-created"), 1, "{summary}");
    assert_eq!(h.fd.notes(id).len(), 1);
    let late = webhook(&h, &TicketCreated, "ticket-created.json", id).await;
    assert_eq!(late["status"], "duplicate", "{late}");
    h.fd.resolve_ticket(id);
    let summary = run(&h, &task(ReconcileSettings::default()), 60).await;
    assert_eq!(reconciled(&summary, "ticket-resolved"), 1, "{summary}");
    let late = webhook(&h, &TicketResolved, "ticket-resolved.json", id).await;
    assert_eq!(late["status"], "duplicate", "{late}");
    assert_eq!(h.fd.notes(id).len(), 2, "one draft note, one QA note");
}

#[tokio::test]
async fn a_reply_already_scored_is_not_sent_again_and_a_description_is_not_a_reply() {
    let h = Harness::start(Store::Dynamo).await;
    let id = new_ticket(&h, "Reply came through", &[]);
    webhook(&h, &TicketCreated, "ticket-created.json", id).await;
    h.fd.customer_reply(id, "<p>Thanks, that works.</p>").unwrap();
    let scored = webhook(&h, &CustomerReplied, "customer-replied.json", id).await;
    assert_eq!(scored["status"], "processed", "{scored}");
    // Only a description: requester_responded_at stays null.
    let quiet = new_ticket(&h, "Only a description", &[]);
    webhook(&h, &TicketCreated, "ticket-created.json", quiet).await;
    let summary = run(&h, &task(ReconcileSettings::default()), 60).await;
    assert_eq!(summary["reconciled"], json!({}), "{summary}");
}

#[tokio::test]
async fn more_than_a_hundred_updated_tickets_are_read_page_by_page_into_the_queue() {
    let h = Harness::start(Store::Dynamo).await;
    let url = created_queue().await;
    let ids: Vec<u64> = (0..130).map(|i| new_ticket(&h, &format!("Bulk {i}"), &[])).collect();
    let settings = ReconcileSettings {
        queues: vec![("ticket-created", url.clone())],
        ..Default::default()
    };
    let summary = run(&h, &task(settings), 60).await;
    assert_eq!(reconciled(&summary, "ticket-created"), 130, "{summary}");
    assert!(summary["pages"].as_u64().unwrap() >= 2, "{summary}");
    let msgs = drain(&url).await;
    let mut got: Vec<u64> = msgs.iter().map(|m| m.ticket_id).collect();
    got.sort_unstable();
    assert_eq!(got, ids, "each ticket exactly once");
    assert!(msgs.iter().all(|m| m.event == "ticket-created" && m.received_at > 0));
    assert!(h.fd.notes(ids[0]).is_empty(), "queued, not run inline");
    let list_calls = h.fd.requests().iter().filter(|r| r.path == "/api/v2/tickets").count();
    assert_eq!(list_calls as u64, summary["pages"].as_u64().unwrap());
}

#[tokio::test]
async fn windows_move_past_the_page_cap() {
    let h = Harness::start(Store::Dynamo).await;
    h.fd.set_list_page_cap(1);
    let url = created_queue().await;
    for i in 0..120 {
        new_ticket(&h, &format!("Capped {i}"), &[]);
    }
    let settings = ReconcileSettings {
        queues: vec![("ticket-created", url.clone())],
        ..Default::default()
    };
    let summary = run(&h, &task(settings), 60).await;
    assert_eq!(reconciled(&summary, "ticket-created"), 120, "{summary}");
    assert_eq!(drain(&url).await.len(), 120);
}

#[tokio::test]
async fn a_run_cut_by_its_deadline_resumes_from_the_cursor_with_no_job_sent_twice() {
    let h = Harness::start(Store::Dynamo).await;
    let url = created_queue().await;
    let ids: Vec<u64> = (0..250).map(|i| new_ticket(&h, &format!("Slow {i}"), &[])).collect();
    // Each of the first two pages takes 3 s: the run (9 s, less 1 s of bookkeeping and a 1.5 s
    // stop margin) reads the first, handles it, and is cut during or after the second.
    h.fd.inject(Fault::delay("GET", "/tickets", Duration::from_secs(3)).times(2));
    let settings = ReconcileSettings {
        queues: vec![("ticket-created", url.clone())],
        ..Default::default()
    };
    let mut reconcile = task(settings);
    reconcile.stop_margin = Duration::from_millis(1500);
    let partial = run(&h, &reconcile, 9).await;
    assert_eq!(partial["status"], "partial", "{partial}");
    let first = reconciled(&partial, "ticket-created");
    assert!(first > 0 && first < 250, "{partial}");
    let cursor = h.store.get_marker(CURSOR_KEY).await.unwrap().unwrap();
    assert_eq!(
        partial["cursor"],
        cursor.as_str(),
        "the cursor moved over what was handled"
    );

    let rest = run(&h, &reconcile, 60).await;
    assert_eq!(rest["status"], "complete", "{rest}");
    assert_eq!(
        first + reconciled(&rest, "ticket-created"),
        250,
        "{partial} then {rest}"
    );
    let mut counts: BTreeMap<u64, usize> = BTreeMap::new();
    for m in drain(&url).await {
        *counts.entry(m.ticket_id).or_default() += 1;
    }
    assert_eq!(counts.len(), 250);
    assert!(counts.values().all(|n| *n == 1), "no job sent twice");
    assert_eq!(counts.keys().copied().collect::<Vec<_>>(), ids);
}

#[tokio::test]
async fn with_a_tag_untagged_tickets_are_left_alone() {
    let h = Harness::start(Store::Dynamo).await;
    let tagged = new_ticket(&h, "Tagged", &["simpli"]);
    let untagged = new_ticket(&h, "Untagged", &["other"]);
    let settings = ReconcileSettings {
        tag: Some("simpli".into()),
        ..Default::default()
    };
    let summary = run(&h, &task(settings), 60).await;
    assert_eq!(reconciled(&summary, "ticket-created"), 1, "{summary}");
    assert_eq!(summary["skipped"], 1, "{summary}");
    assert_eq!(h.fd.notes(tagged).len(), 1);
    assert!(h.fd.notes(untagged).is_empty());
    assert!(h
        .store
        .get(&format!("ticket-created#{untagged}"))
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn spam_and_deleted_tickets_are_skipped() {
    let h = Harness::start(Store::Dynamo).await;
    let spam = new_ticket(&h, "Buy cheap watches", &[]);
    let trashed = new_ticket(&h, "Sent by mistake", &[]);
    let real = new_ticket(&h, "Real problem", &[]);
    h.fd.flag_ticket(spam, "spam");
    h.fd.flag_ticket(trashed, "deleted");
    let summary = run(&h, &task(ReconcileSettings::default()), 60).await;
    assert_eq!(reconciled(&summary, "ticket-created"), 1, "{summary}");
    assert_eq!(h.fd.notes(real).len(), 1);
    for id in [spam, trashed] {
        assert!(h.fd.notes(id).is_empty());
        assert!(h.store.get(&format!("ticket-created#{id}")).await.unwrap().is_none());
    }
}

#[tokio::test]
async fn the_reserve_is_honoured_under_a_low_budget() {
    let h = Harness::start(Store::Dynamo).await;
    let url = created_queue().await;
    for i in 0..150 {
        new_ticket(&h, &format!("Budget {i}"), &[]);
    }
    // 20 credits a minute, others have left 9: a reserve of 4 (0.2 × 20) leaves room for one
    // three-credit page, and the second would eat into it.
    h.fd.set_rate_limit(20);
    h.fd.others_spend_down_to(9);
    let settings = ReconcileSettings {
        queues: vec![("ticket-created", url.clone())],
        ..Default::default()
    };
    match shared::runtime::handle_scheduled(&h.app, &task(settings), context(30)).await {
        // The budget comes back only after a minute: the run gives up and the next resumes.
        Err(err) => assert_eq!(err.error_type, "Retryable", "{}", err.error_message),
        // (On a loaded machine the deadline may come first.)
        Ok(summary) => assert_eq!(summary["status"], "partial", "{summary}"),
    }
    let lists =
        h.fd.requests()
            .into_iter()
            .filter(|r| r.path == "/api/v2/tickets")
            .collect::<Vec<_>>();
    assert_eq!(lists.len(), 1, "the second page was not asked for");
    assert!(lists.iter().all(|r| r.status == 200), "no 429");
    assert!(h.fd.rate_limit_remaining() >= 4, "the reserve stays untouched");
    let sent = drain(&url).await.len();
    assert!((1..=100).contains(&sent), "the page read was handled: {sent}");
    let cursor = h.store.get_marker(CURSOR_KEY).await.unwrap().unwrap();
    assert!(time::cmp(&cursor, &since()).is_gt(), "the cursor kept the progress");
}
