//! What a job costs the dedup table: each write is a DynamoDB request (CPU and money), so only
//! the claim, the non-idempotent steps and the settlement are written.

use std::sync::Arc;

use e2e::hooked_store::HookedStore;
use e2e::{build_app, event, invoke, Harness, Store};
use ticket_created::TicketCreated;

#[tokio::test]
async fn a_ticket_created_job_makes_three_dedup_writes_claim_note_complete() {
    let h = Harness::start(Store::Memory).await;
    let store = Arc::new(HookedStore::wrapping(h.store.clone()));
    let app = build_app(h.fd_addr, h.simpli_addr, store.clone(), &[]);
    let (_, body) = invoke(&app, &TicketCreated, event("ticket-created.json")).await;
    assert_eq!(body["status"], "processed", "{body}");
    assert_eq!(h.fd.applied_puts(101), 1);
    assert_eq!(store.writes(), 3, "claim, the note step, complete");
}

#[tokio::test]
async fn the_puts_of_a_released_job_are_recorded_with_the_release_and_not_redone() {
    let h = Harness::start(Store::Memory).await;
    let store = Arc::new(HookedStore::wrapping(h.store.clone()));
    let app = build_app(h.fd_addr, h.simpli_addr, store.clone(), &[]);
    // The draft fails for now: the note is left for the retry; the two PUTs are done.
    h.simpli.inject("/api/v1/draft", 503, 1);
    let (status, body) = invoke(&app, &TicketCreated, event("ticket-created.json")).await;
    assert_eq!((status, body["status"].as_str()), (503, Some("retry")), "{body}");
    assert_eq!(
        store.writes(),
        2,
        "claim and release, the PUTs recorded with the release"
    );
    let record = h.store.get("ticket-created#101").await.unwrap().unwrap();
    let steps: Vec<&str> = record.steps.iter().map(String::as_str).collect();
    assert_eq!(steps, ["contact", "ticket"]);

    let (_, body) = invoke(&app, &TicketCreated, event("ticket-created.json")).await;
    assert_eq!(body["status"], "processed", "{body}");
    assert_eq!(h.fd.applied_puts(101), 1, "the ticket PUT was not made again");
    assert_eq!(h.simpli.count("/classify"), 1, "nor was Triage asked again");
    assert_eq!(h.fd.notes(101).len(), 1);
}
