//! Unknown outcomes: a note POST that may have been applied (a 5xx or a dropped connection after
//! the write) is never repeated within the attempt; the attempt gives the job back, and the next
//! one adopts the note instead of posting a second.

use std::sync::Arc;
use std::time::Duration;

use e2e::hooked_store::HookedStore;
use e2e::{build_app, event, invoke, Harness, Store};
use serde_json::{json, Value};
use shared::setup::clock::now_ms;
use shared::store::{ClaimOutcome, DedupStore, MemoryDedupStore, IN_PROGRESS};
use sim::Fault;
use ticket_created::TicketCreated;
use ticket_resolved::TicketResolved;

const CREATED_KEY: &str = "ticket-created#101";
const RESOLVED_KEY: &str = "ticket-resolved#104#2024-05-07T09:30:00Z";

/// Runs a job twice: the first attempt meets `fault` on its note POST and must give the job back;
/// the retry must finish. Returns the two answers' statuses.
async fn with_fault_then_retry<J: shared::Job>(h: &Harness, job: &J, event_file: &str, key: &str) -> [Value; 2] {
    let (status, first) = invoke(&h.app, job, event(event_file)).await;
    assert_eq!((status, first["status"].as_str()), (503, Some("retry")), "{first}");
    let record = h.store.get(key).await.unwrap().expect("record");
    assert_eq!(
        (record.status.as_str(), record.lease_until_ms),
        (IN_PROGRESS, 0),
        "released"
    );
    assert!(
        !record.steps.contains("note"),
        "the note's fate is unknown: {:?}",
        record.steps
    );
    let (status, second) = invoke(&h.app, job, event(event_file)).await;
    assert_eq!(
        (status, second["status"].as_str()),
        (200, Some("processed")),
        "{second}"
    );
    [first, second]
}

#[tokio::test]
async fn ticket_created_note_answered_502_after_the_write_ends_with_exactly_one_note() {
    let h = Harness::start(Store::Dynamo).await;
    h.fd.inject(Fault::after_write("POST", "/tickets/101/notes", 502));
    with_fault_then_retry(&h, &TicketCreated, "ticket-created.json", CREATED_KEY).await;
    assert_eq!(h.fd.notes(101).len(), 1);
    assert_eq!(h.fd.count("POST", "/tickets/101/notes"), 1, "never re-sent");
    assert!(h.store.get(CREATED_KEY).await.unwrap().unwrap().steps.contains("note"));
}

#[tokio::test]
async fn ticket_created_note_whose_connection_drops_after_the_write_ends_with_exactly_one_note() {
    let h = Harness::start(Store::Dynamo).await;
    h.fd.inject(Fault::drop_after_write("POST", "/tickets/101/notes"));
    with_fault_then_retry(&h, &TicketCreated, "ticket-created.json", CREATED_KEY).await;
    assert_eq!(h.fd.notes(101).len(), 1);
    assert_eq!(h.fd.count("POST", "/tickets/101/notes"), 1, "never re-sent");
}

#[tokio::test]
async fn ticket_resolved_note_answered_502_after_the_write_ends_with_exactly_one_note() {
    let h = Harness::start(Store::Dynamo).await;
    h.fd.inject(Fault::after_write("POST", "/tickets/104/notes", 502));
    with_fault_then_retry(&h, &TicketResolved, "ticket-resolved.json", RESOLVED_KEY).await;
    assert_eq!(h.fd.notes(104).len(), 1);
    assert_eq!(h.fd.count("POST", "/tickets/104/notes"), 1, "never re-sent");
    assert_eq!(h.simpli.count("/evaluate"), 1, "the adopted note is not scored again");
}

#[tokio::test]
async fn ticket_resolved_note_whose_connection_drops_after_the_write_ends_with_exactly_one_note() {
    let h = Harness::start(Store::Dynamo).await;
    h.fd.inject(Fault::drop_after_write("POST", "/tickets/104/notes"));
    with_fault_then_retry(&h, &TicketResolved, "ticket-resolved.json", RESOLVED_KEY).await;
    assert_eq!(h.fd.notes(104).len(), 1);
    assert_eq!(h.fd.count("POST", "/tickets/104/notes"), 1, "never re-sent");
}

#[tokio::test]
async fn ticket_resolved_adopts_a_note_posted_between_its_first_reads_and_its_claim() {
    let h = Harness::start(Store::Memory).await;
    let inner = Arc::new(MemoryDedupStore::new());
    // An earlier attempt claimed, posted its note without learning the outcome, and released.
    let ClaimOutcome::Claimed(earlier) = inner
        .claim(
            RESOLVED_KEY,
            now_ms(),
            Duration::from_secs(30),
            Duration::from_secs(3600),
        )
        .await
        .unwrap()
    else {
        panic!("claim")
    };
    inner.release(&earlier).await.unwrap();
    // Its note lands only now: after this attempt read the ticket, before it claims.
    let fd = h.fd.clone();
    let store = Arc::new(HookedStore::wrapping(inner).before_claim(move || {
        fd.add_conversation(
            104,
            json!({"body": "<p><strong>QA Score: 40%</strong></p>", "body_text": "QA Score: 40%",
                   "private": true, "incoming": false, "source": 2, "user_id": sim::BOT_AGENT_ID}),
        );
    }));
    let app = build_app(h.fd_addr, h.simpli_addr, store.clone(), &[]);
    let (_, body) = invoke(&app, &TicketResolved, event("ticket-resolved.json")).await;
    assert_eq!(body["status"], "processed", "{body}");
    assert_eq!(
        h.fd.notes(104).len(),
        0,
        "the earlier attempt's note is adopted, none posted"
    );
    assert_eq!(h.simpli.count("/evaluate"), 0);
    assert!(store.get(RESOLVED_KEY).await.unwrap().unwrap().steps.contains("note"));
}

#[tokio::test]
async fn kb_article_post_with_an_unknown_outcome_is_not_repeated_in_the_run_and_the_next_run_posts_it() {
    let h = Harness::start(Store::Memory).await;
    h.simpli.inject("/articles", 502, 1);
    let first = shared::runtime::handle_scheduled(&h.app, &kb_sync::KbSync::default(), e2e::context(60)).await;
    assert!(first.is_err(), "{first:?}");
    let posts: Vec<_> = h.simpli.requests().into_iter().filter(|r| r.method == "POST").collect();
    assert_eq!(posts.len(), 1, "the run stops at the failed POST and never re-sends it");
    let request_id = posts[0].request_id.clone().expect("X-Request-ID");
    let article = request_id
        .rsplit_once('#')
        .map(|(k, _)| k.to_string())
        .expect("kb-article#<id>#<updated_at>");
    assert_eq!(
        h.store.get_marker(&article).await.unwrap(),
        None,
        "no marker for an unknown outcome"
    );

    let second = shared::runtime::handle_scheduled(&h.app, &kb_sync::KbSync::default(), e2e::context(60))
        .await
        .expect("second run");
    assert_eq!(second["status"], "complete", "{second}");
    let again = h
        .simpli
        .requests()
        .into_iter()
        .filter(|r| r.request_id.as_deref() == Some(&request_id))
        .count();
    assert_eq!(again, 2, "the next run posts it again, under the same X-Request-ID");
    assert!(h.store.get_marker(&article).await.unwrap().is_some());
}
