//! ticket-resolved end to end.

use e2e::{event, invoke, with_body, Harness, Store};
use serde_json::json;
use sim::FreshdeskSim;
use ticket_resolved::TicketResolved;

#[tokio::test]
async fn resolved_ticket_is_scored_from_public_messages_and_gets_one_qa_note() {
    let h = Harness::start(Store::Dynamo).await;
    let (status, body) = invoke(&h.app, &TicketResolved, event("ticket-resolved.json")).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("processed")), "{body}");

    let qa = h
        .simpli
        .requests()
        .into_iter()
        .find(|r| r.path == "/evaluate")
        .expect("evaluate");
    assert_eq!(qa.body["agent_id"], "9102", "the responder");
    assert_eq!(qa.body["conversation_id"], "104");
    let messages = qa.body["messages"].as_array().unwrap();
    assert_eq!(
        messages.len(),
        5,
        "description + 4 public conversations, the private note left out"
    );
    assert_eq!(messages[0]["role"], "customer");
    let private =
        h.fd.conversations(104)
            .into_iter()
            .find(|c| c["private"] == true)
            .unwrap();
    let private_text = private["body_text"].as_str().unwrap();
    assert!(messages.iter().all(|m| m["content"].as_str() != Some(private_text)));

    let notes = h.fd.notes(104);
    assert_eq!(notes.len(), 1);
    let note = notes[0]["body"].as_str().unwrap();
    assert!(note.starts_with("<p><strong>QA Score: 82%</strong></p><ul>"), "{note}");
    assert!(note.contains("<li>Empathy: 90%</li>"), "{note}");
}

#[tokio::test]
async fn duplicate_resolution_posts_no_second_note_but_a_re_resolution_does() {
    let h = Harness::start(Store::Dynamo).await;
    invoke(&h.app, &TicketResolved, event("ticket-resolved.json")).await;
    let (_, body) = invoke(&h.app, &TicketResolved, event("ticket-resolved.json")).await;
    assert_eq!(body["status"], "duplicate");
    assert_eq!(h.fd.notes(104).len(), 1);
    // reopened and resolved again: a new resolved_at is a new job
    h.fd.add_ticket(json!({"id": 104, "subject": "Cannot download my invoice", "description_text": "It fails", "status": 4, "source": 7, "requester_id": 5004, "responder_id": 9102, "stats": {"resolved_at": "2030-01-01T00:00:00Z"}}));
    let (_, body) = invoke(&h.app, &TicketResolved, event("ticket-resolved.json")).await;
    assert_eq!(body["status"], "processed", "{body}");
    assert_eq!(h.fd.notes(104).len(), 2);
}

#[tokio::test]
async fn every_page_of_conversations_is_read_and_agent_falls_back_to_last_public_reply() {
    let fd = FreshdeskSim::seeded_demo(e2e::API_KEY);
    let id = fd.add_ticket(json!({"subject": "Long thread", "description_text": "First message", "status": 4, "source": 1, "requester_id": 5001, "stats": {"resolved_at": "2030-01-01T00:00:00Z"}}));
    for i in 0..130u64 {
        let agent = i % 2 == 1;
        fd.add_conversation(id, json!({"body": format!("<p>message {i}</p>"), "body_text": format!("message {i}"), "incoming": !agent, "private": false, "source": 0, "user_id": if agent { 9101 } else { 5001 }}));
    }
    fd.add_conversation(id, json!({"body": "<p>internal</p>", "body_text": "internal", "incoming": false, "private": true, "source": 2, "user_id": 9102}));
    let h = e2e::Harness::with(fd, sim::SimpliSim::new(), Store::Memory, &[]).await;
    let (_, body) = invoke(
        &h.app,
        &TicketResolved,
        with_body(event("ticket-resolved.json"), &format!(r#"{{"ticket_id": {id}}}"#)),
    )
    .await;
    assert_eq!(body["status"], "processed", "{body}");
    let qa = h.simpli.requests().into_iter().find(|r| r.path == "/evaluate").unwrap();
    let messages = qa.body["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 131);
    assert_eq!(messages[130]["content"], "message 129");
    assert_eq!(qa.body["agent_id"], "9101");
    assert_eq!(
        h.fd.count("GET", &format!("/api/v2/tickets/{id}/conversations")),
        2,
        "per_page=100 → two pages"
    );
    assert_eq!(
        h.fd.requests().len(),
        2 + 2,
        "ticket + note + two conversation pages (no discovery needed)"
    );
}

#[tokio::test]
async fn unassigned_when_no_responder_and_no_public_agent_reply() {
    let fd = FreshdeskSim::seeded_demo(e2e::API_KEY);
    let id = fd.add_ticket(json!({"subject": "Quiet", "description_text": "Just closing", "status": 4, "source": 1, "requester_id": 5001, "stats": {"resolved_at": "2030-01-01T00:00:00Z"}}));
    let h = e2e::Harness::with(fd, sim::SimpliSim::new(), Store::Memory, &[]).await;
    invoke(
        &h.app,
        &TicketResolved,
        with_body(event("ticket-resolved.json"), &format!(r#"{{"ticket_id": {id}}}"#)),
    )
    .await;
    let qa = h.simpli.requests().into_iter().find(|r| r.path == "/evaluate").unwrap();
    assert_eq!(qa.body["agent_id"], "unassigned");
}

async fn crashed_first_attempt(h: &Harness, key: &str) {
    use shared::setup::clock::now_ms;
    use shared::store::ClaimOutcome;
    let lease = std::time::Duration::from_secs(30);
    let ClaimOutcome::Claimed(first) = h.store.claim(key, now_ms(), lease, lease * 100).await.unwrap() else {
        panic!("claim {key}")
    };
    h.store.release(&first).await.unwrap(); // its lease is over
}

fn bridge_qa_note(created_at: &str) -> serde_json::Value {
    json!({"body": "<p><strong>QA Score: 40%</strong></p>", "body_text": "QA Score: 40%", "private": true, "incoming": false,
           "source": 2, "user_id": sim::BOT_AGENT_ID, "created_at": created_at})
}

const KEY_104: &str = "ticket-resolved#104#2024-05-07T09:30:00Z";

#[tokio::test]
async fn a_qa_note_posted_by_an_attempt_that_died_before_recording_it_is_adopted() {
    let h = Harness::start(Store::Dynamo).await;
    crashed_first_attempt(&h, KEY_104).await;
    h.fd.add_conversation(104, bridge_qa_note("2024-05-07T09:31:00Z"));
    let (_, body) = invoke(&h.app, &TicketResolved, event("ticket-resolved.json")).await;
    assert_eq!(body["status"], "processed", "{body}");
    assert_eq!(h.fd.notes(104).len(), 0, "no second QA note");
    assert_eq!(h.simpli.count("/evaluate"), 0);
    assert!(h.store.get(KEY_104).await.unwrap().unwrap().steps.contains("note"));
}

#[tokio::test]
async fn a_qa_note_of_an_earlier_resolution_is_not_taken_for_this_ones() {
    let h = Harness::start(Store::Dynamo).await;
    crashed_first_attempt(&h, KEY_104).await;
    h.fd.add_conversation(104, bridge_qa_note("2024-05-01T00:00:00Z"));
    invoke(&h.app, &TicketResolved, event("ticket-resolved.json")).await;
    assert_eq!(h.fd.notes(104).len(), 1);
    assert_eq!(h.simpli.count("/evaluate"), 1);
}
