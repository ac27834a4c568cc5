//! `BRIDGE_MODE=shadow` end to end: the real handlers against the Freshdesk simulator, the
//! Simpli stand-ins and DynamoDB (moto). ticket-created posts one note with the draft and what
//! it would set, and makes no ticket or contact PUT; customer-replied writes nothing;
//! ticket-resolved posts its QA note as usual.

use e2e::{event, invoke, Harness, Store};
use serde_json::Value;
use sim::{FreshdeskSim, SimpliSim};

const SHADOW: &[(&str, &str)] = &[
    ("BRIDGE_MODE", "shadow"),
    ("TYPE_MAP", r#"{"billing": "Refund"}"#),
    ("GROUP_MAP", r#"{"billing-team": 42}"#),
];

async fn harness() -> Harness {
    Harness::with(
        FreshdeskSim::seeded_demo(e2e::API_KEY),
        SimpliSim::new(),
        Store::Dynamo,
        SHADOW,
    )
    .await
}

fn writes(h: &Harness, method: &str) -> Vec<String> {
    h.fd.requests()
        .into_iter()
        .filter(|r| r.method == method)
        .map(|r| r.path)
        .collect()
}

/// A ticket without `updated_at` (which a note bumps, as in Freshdesk).
fn fields(ticket: Option<Value>) -> Value {
    let mut t = ticket.expect("ticket");
    t.as_object_mut().map(|o| o.remove("updated_at"));
    t
}

#[tokio::test]
async fn ticket_created_posts_one_note_with_the_would_be_changes_and_puts_nothing() {
    let h = harness().await;
    let before = h.fd.ticket(101).expect("ticket");
    let contact_before = h.fd.contact(5001).expect("contact");
    let (status, body) = invoke(&h.app, &ticket_created::TicketCreated, event("ticket-created.json")).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("processed")), "{body}");

    assert!(writes(&h, "PUT").is_empty(), "zero PUTs: {:?}", writes(&h, "PUT"));
    assert_eq!(
        fields(h.fd.ticket(101)),
        fields(Some(before)),
        "the ticket's fields are unchanged"
    );
    assert_eq!(h.fd.contact(5001), Some(contact_before), "the contact is unchanged");
    let notes = h.fd.notes(101);
    assert_eq!(notes.len(), 1);
    let note = notes[0]["body"].as_str().unwrap_or_default();
    assert_eq!(notes[0]["private"], true);
    assert!(note.contains("<strong>AI Draft Response</strong>"), "{note}");
    assert!(
        note.contains("<strong>Shadow mode: the bridge would set</strong>"),
        "{note}"
    );
    for item in [
        "<li>Type: Refund</li>",
        "<li>Group: 42</li>",
        "<li>Ticket field cf_ai_category: billing</li>",
        "<li>Ticket field cf_ai_confidence2931: 0.87</li>",
        "<li>Tags: returns, ai-category:billing",
        "<li>Contact field sentiment_score: ",
        "<li>Contact field escalation_risk: ",
    ] {
        assert!(note.contains(item), "{item} in {note}");
    }

    let record = h.store.get("ticket-created#101").await.expect("get").expect("record");
    assert_eq!(record.status, "COMPLETED");
    let outcome: Value = serde_json::from_str(record.outcome.as_deref().unwrap_or("")).expect("JSON summary");
    assert_eq!(outcome["mode"], "shadow");
    assert_eq!(outcome["category"], "billing");
    assert!(outcome["sentiment"]["label"].is_string(), "{outcome}");
    assert_eq!(outcome["held_back"], serde_json::json!(["ticket", "contact"]));

    // A redelivery is a duplicate: still one note.
    let (_, again) = invoke(&h.app, &ticket_created::TicketCreated, event("ticket-created.json")).await;
    assert_eq!(again["status"], "duplicate", "{again}");
    assert_eq!(h.fd.notes(101).len(), 1);
}

#[tokio::test]
async fn customer_replied_writes_nothing_and_ticket_resolved_posts_its_qa_note() {
    let h = harness().await;
    let (status, body) = invoke(
        &h.app,
        &customer_replied::CustomerReplied,
        event("customer-replied.json"),
    )
    .await;
    assert_eq!((status, body["status"].as_str()), (200, Some("processed")), "{body}");
    assert!(
        writes(&h, "PUT").is_empty() && writes(&h, "POST").is_empty(),
        "{:?}",
        h.fd.requests()
    );
    assert!(
        h.simpli.count("/analyze") == 1,
        "the reply is still scored, for the log and the summary"
    );

    let (status, body) = invoke(&h.app, &ticket_resolved::TicketResolved, event("ticket-resolved.json")).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("processed")), "{body}");
    let notes = h.fd.notes(104);
    assert!(
        notes
            .iter()
            .any(|n| n["body"].as_str().is_some_and(|b| b.contains("QA Score:"))),
        "{notes:?}"
    );
    assert!(writes(&h, "PUT").is_empty());
}

#[tokio::test]
async fn a_bad_bridge_mode_fails_the_cold_start_naming_the_variable() {
    let e = shared::Config::from_lookup(|k| match k {
        "FRESHDESK_BASE_URL" => Some("http://127.0.0.1:9/api/v2".into()),
        "FRESHDESK_API_KEY" => Some("k".into()),
        "BRIDGE_MODE" => Some("preview".into()),
        _ => None,
    })
    .unwrap_err();
    assert_eq!(e.var, "BRIDGE_MODE");
    assert!(e.to_string().contains("`live` or `shadow`"), "{e}");
}
