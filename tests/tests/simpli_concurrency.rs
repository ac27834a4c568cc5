//! ticket-created's three Simpli calls (Triage, Reply, Sentiment) are independent and must be
//! in flight at once. The stand-in holds each of them at a barrier that opens only when all
//! three have arrived; sequential calls would each wait alone until the barrier's timeout,
//! which the stand-in counts, so the test fails (rather than hangs) if they are not concurrent.

use std::time::Duration;

use e2e::{event, invoke, Harness, Store};
use ticket_created::TicketCreated;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticket_created_has_its_three_simpli_calls_in_flight_at_once() {
    let h = Harness::start(Store::Memory).await;
    h.simpli
        .hold_until_all_arrive(&["/classify", "/api/v1/draft", "/analyze"], Duration::from_secs(5));
    let (_, body) = invoke(&h.app, &TicketCreated, event("ticket-created.json")).await;
    assert_eq!(body["status"], "processed", "{body}");
    assert!(
        h.simpli.barrier_released(),
        "the three calls never were in flight together"
    );
    assert_eq!(h.simpli.barrier_timeouts(), 0, "a call waited alone at the barrier");
}
