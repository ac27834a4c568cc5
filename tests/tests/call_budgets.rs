//! Freshdesk calls per job, as facts: every call costs a rate-limit credit shared by the
//! whole account, so each event has a fixed budget. ticket-created: at most GET ticket, PUT
//! ticket, POST note, PUT contact, plus the field discovery once per container;
//! customer-replied: at most four, plus the same discovery; ticket-resolved: GET ticket,
//! POST note and one GET per conversation page, nothing else.

use e2e::{event, invoke, with_body, Harness, Store};
use serde_json::json;
use sim::{FreshdeskSim, SimpliSim};

const DISCOVERY: [&str; 2] = ["/api/v2/ticket_fields", "/api/v2/contact_fields"];

/// (job calls, discovery calls) in the Freshdesk log from index `from` on.
fn calls_since(h: &Harness, from: usize) -> (usize, usize) {
    let log = h.fd.requests();
    let discovery = log[from..]
        .iter()
        .filter(|r| DISCOVERY.contains(&r.path.as_str()))
        .count();
    (log.len() - from - discovery, discovery)
}

#[tokio::test]
async fn ticket_created_makes_at_most_four_freshdesk_calls_per_job_and_discovers_fields_once() {
    let h = Harness::start(Store::Memory).await;
    let (_, body) = invoke(&h.app, &ticket_created::TicketCreated, event("ticket-created.json")).await;
    assert_eq!(body["status"], "processed", "{body}");
    let (job, discovery) = calls_since(&h, 0);
    assert!(job <= 4, "first job: {job} calls: {:?}", h.fd.requests());
    assert_eq!(discovery, 2, "ticket and contact fields, once");

    let before = h.fd.requests().len();
    let (_, body) = invoke(
        &h.app,
        &ticket_created::TicketCreated,
        event("ticket-created.rest-v1.json"),
    )
    .await;
    assert_eq!(body["status"], "processed", "{body}");
    let (job, discovery) = calls_since(&h, before);
    assert!(job <= 4, "second job: {job} calls");
    assert_eq!(discovery, 0, "the container discovered the fields already");
}

#[tokio::test]
async fn customer_replied_makes_at_most_four_freshdesk_calls_per_job() {
    let h = Harness::start(Store::Memory).await;
    let (_, body) = invoke(
        &h.app,
        &customer_replied::CustomerReplied,
        event("customer-replied.json"),
    )
    .await;
    assert_eq!(body["status"], "processed", "{body}");
    assert_eq!(
        body["result"]["escalation_tagged"], true,
        "the job with the most writes"
    );
    let (job, discovery) = calls_since(&h, 0);
    assert!(job <= 4, "{job} calls: {:?}", h.fd.requests());
    assert!(discovery <= 2, "discovery at most once: {discovery}");
}

#[tokio::test]
async fn ticket_resolved_makes_two_freshdesk_calls_plus_one_per_conversation_page() {
    let h = Harness::start(Store::Memory).await;
    let (_, body) = invoke(&h.app, &ticket_resolved::TicketResolved, event("ticket-resolved.json")).await;
    assert_eq!(body["status"], "processed", "{body}");
    assert_eq!(calls_since(&h, 0), (2 + 1, 0), "{:?}", h.fd.requests());
}

#[tokio::test]
async fn ticket_resolved_reads_three_pages_of_a_long_thread_in_five_calls() {
    let fd = FreshdeskSim::seeded_demo(e2e::API_KEY);
    let id = fd.add_ticket(json!({"subject": "Long thread", "description_text": "First", "status": 4, "source": 1, "requester_id": 5001, "stats": {"resolved_at": "2030-01-01T00:00:00Z"}}));
    for i in 0..250u64 {
        fd.add_conversation(id, json!({"body": format!("<p>m{i}</p>"), "body_text": format!("m{i}"), "incoming": i % 2 == 0, "private": false, "source": 0, "user_id": if i % 2 == 0 { 5001 } else { 9101 }}));
    }
    let h = Harness::with(fd, SimpliSim::new(), Store::Memory, &[]).await;
    let ticket = format!(r#"{{"ticket_id": {id}}}"#);
    let (_, body) = invoke(
        &h.app,
        &ticket_resolved::TicketResolved,
        with_body(event("ticket-resolved.json"), &ticket),
    )
    .await;
    assert_eq!(body["status"], "processed", "{body}");
    let pages = h.fd.count("GET", &format!("/api/v2/tickets/{id}/conversations"));
    assert_eq!(pages, 3, "100 per page");
    assert_eq!(calls_since(&h, 0), (2 + pages, 0));
}
