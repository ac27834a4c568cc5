//! ticket-created edge cases with no other test: Triage's own group, empty descriptions, an
//! account missing one of the AI fields, and a Freshdesk 5xx retried with backoff.

use e2e::{event, invoke, with_body, Harness, Store};
use serde_json::{json, Value};
use sim::fields::{default_contact_fields, default_ticket_fields, FIELD_AI_URGENCY, FIELD_ESCALATION_RISK};
use sim::{Fault, FreshdeskSim, SimpliSim};
use ticket_created::TicketCreated;

const MAPS: &[(&str, &str)] = &[
    ("TYPE_MAP", r#"{"billing": "Refund"}"#),
    ("GROUP_MAP", r#"{"billing-team": 42}"#),
];

async fn harness(fd: FreshdeskSim) -> Harness {
    Harness::with(fd, SimpliSim::new(), Store::Memory, MAPS).await
}

/// The body of the one ticket PUT, and the statuses of every Freshdesk answer.
fn put_body(h: &Harness, ticket: u64) -> Value {
    let path = format!("/api/v2/tickets/{ticket}");
    let puts: Vec<Value> =
        h.fd.requests()
            .into_iter()
            .filter(|r| r.method == "PUT" && r.path == path)
            .filter_map(|r| r.body)
            .collect();
    assert_eq!(puts.len(), 1, "{puts:?}");
    puts[0].clone()
}

fn simpli_texts(h: &Harness, path: &str, pointer: &str) -> Vec<String> {
    h.simpli
        .requests()
        .into_iter()
        .filter(|r| r.path == path)
        .map(|r| {
            r.body
                .pointer(pointer)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

fn no_error_answers(h: &Harness) -> Vec<String> {
    h.fd.requests()
        .into_iter()
        .filter(|r| r.status >= 400)
        .map(|r| format!("{} {} → {}", r.method, r.path, r.status))
        .collect()
}

async fn run_on(h: &Harness, ticket: u64) -> Value {
    let (status, body) = invoke(
        &h.app,
        &TicketCreated,
        with_body(event("ticket-created.json"), &format!(r#"{{"ticket_id": {ticket}}}"#)),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn a_group_id_from_triage_wins_over_the_group_map() {
    let h = harness(FreshdeskSim::seeded_demo(e2e::API_KEY)).await;
    h.simpli.set_route_group("billing", 44);
    let body = run_on(&h, 101).await;
    assert_eq!(body["status"], "processed", "{body}");
    assert_eq!(h.fd.ticket(101).unwrap()["group_id"], 44, "not GROUP_MAP's 42");
}

#[tokio::test]
async fn an_empty_description_falls_back_to_the_subject() {
    let fd = FreshdeskSim::seeded_demo(e2e::API_KEY);
    fd.add_ticket(json!({"id": 201, "subject": "Refund for order 77 please", "description": "", "description_text": "", "requester_id": 5001, "source": 1}));
    let h = harness(fd).await;
    let body = run_on(&h, 201).await;
    assert_eq!(body["status"], "processed", "{body}");
    let subject = "Refund for order 77 please";
    assert_eq!(simpli_texts(&h, "/api/v1/draft", "/conversation/0/content"), [subject]);
    assert_eq!(simpli_texts(&h, "/analyze", "/text"), [subject]);
    assert_eq!(h.fd.notes(201).len(), 1);
}

#[tokio::test]
async fn an_empty_description_and_subject_skip_the_job_without_any_simpli_call() {
    let fd = FreshdeskSim::seeded_demo(e2e::API_KEY);
    fd.add_ticket(
        json!({"id": 202, "subject": "", "description": "", "description_text": "", "requester_id": 5001, "source": 1}),
    );
    let h = harness(fd).await;
    let body = run_on(&h, 202).await;
    assert_eq!(
        body["status"], "skipped",
        "not a failure that a retry or a replay could fix: {body}"
    );
    assert_eq!(h.simpli.count("/api/v1/draft"), 0, "{body}");
    assert_eq!(h.simpli.count("/analyze"), 0, "{body}");
    assert_eq!(h.simpli.count("/classify"), 0, "Triage refuses an empty ticket: {body}");
    assert_eq!(h.fd.notes(202).len(), 0);
    assert_eq!(h.fd.count("PUT", "/api/v2/contacts/5001"), 0);
}

#[tokio::test]
async fn an_account_without_the_ai_urgency_field_still_gets_the_rest_and_no_400() {
    let fd = FreshdeskSim::seeded_demo(e2e::API_KEY);
    let fields: Vec<Value> = default_ticket_fields()
        .into_iter()
        .filter(|f| f["name"] != FIELD_AI_URGENCY)
        .collect();
    fd.set_ticket_fields(Value::from(fields));
    let h = harness(fd).await;
    let body = run_on(&h, 101).await;
    assert_eq!(body["status"], "processed", "{body}");
    assert_eq!(no_error_answers(&h), Vec::<String>::new());
    let put = put_body(&h, 101);
    let custom = put["custom_fields"].as_object().cloned().unwrap_or_default();
    assert!(!custom.contains_key(FIELD_AI_URGENCY), "{put}");
    assert_eq!(custom.get("cf_ai_category"), Some(&json!("billing")), "{put}");
    assert_eq!(put["priority"], 2, "{put}");
    assert_eq!(h.fd.ticket(101).unwrap()["type"], "Refund");
    assert_eq!(h.fd.notes(101).len(), 1);
    assert!(h.fd.contact(5001).unwrap()["custom_fields"]["sentiment_score"] != Value::Null);
}

#[tokio::test]
async fn an_account_without_the_escalation_risk_field_still_gets_the_sentiment_score_and_no_400() {
    let fd = FreshdeskSim::seeded_demo(e2e::API_KEY);
    let fields: Vec<Value> = default_contact_fields()
        .into_iter()
        .filter(|f| f["name"] != FIELD_ESCALATION_RISK)
        .collect();
    fd.set_contact_fields(Value::from(fields));
    let h = harness(fd).await;
    let body = run_on(&h, 101).await;
    assert_eq!(body["status"], "processed", "{body}");
    assert_eq!(no_error_answers(&h), Vec::<String>::new());
    let contact_puts: Vec<Value> =
        h.fd.requests()
            .into_iter()
            .filter(|r| r.method == "PUT" && r.path == "/api/v2/contacts/5001")
            .filter_map(|r| r.body)
            .collect();
    assert_eq!(contact_puts.len(), 1, "{contact_puts:?}");
    let custom = contact_puts[0]["custom_fields"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    assert!(
        custom.contains_key("sentiment_score") && !custom.contains_key(FIELD_ESCALATION_RISK),
        "{custom:?}"
    );
    assert_eq!(h.fd.applied_puts(101), 1);
}

#[tokio::test]
async fn a_freshdesk_5xx_on_the_ticket_get_is_retried_with_backoff_and_the_job_completes() {
    let h = harness(FreshdeskSim::seeded_demo(e2e::API_KEY)).await;
    h.fd.inject(Fault::status("GET", "/tickets/101", 503).times(2));
    let body = run_on(&h, 101).await;
    assert_eq!(body["status"], "processed", "{body}");
    let gets: Vec<u16> =
        h.fd.requests()
            .into_iter()
            .filter(|r| r.method == "GET" && r.path == "/api/v2/tickets/101")
            .map(|r| r.status)
            .collect();
    assert_eq!(gets, [503, 503, 200], "two retries within the attempt");
    assert_eq!(h.fd.applied_puts(101), 1);
    assert_eq!(h.fd.notes(101).len(), 1);
}
