//! ticket-created end to end: the real Lambda handler on the sample events, against the
//! Freshdesk simulator, the Simpli stand-ins and DynamoDB (moto).

use std::sync::Arc;

use e2e::{event, invoke, with_body, Harness, Store};
use serde_json::{json, Value};
use shared::store::{FAILED, IN_PROGRESS};
use sim::{Fault, FreshdeskSim, SimpliSim};
use ticket_created::TicketCreated;

const MAPS: &[(&str, &str)] = &[
    ("TYPE_MAP", r#"{"billing": "Refund", "technical_issue": "Incident"}"#),
    ("GROUP_MAP", r#"{"billing-team": 42, "technical_issue-team": 43}"#),
];

async fn harness() -> Harness {
    Harness::with(
        FreshdeskSim::seeded_demo(e2e::API_KEY),
        SimpliSim::new(),
        Store::Dynamo,
        MAPS,
    )
    .await
}

fn note_bodies(h: &Harness, ticket: u64) -> Vec<String> {
    h.fd.notes(ticket)
        .iter()
        .map(|n| n["body"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn tags(t: &Value) -> Vec<String> {
    serde_json::from_value(t["tags"].clone()).unwrap_or_default()
}

#[tokio::test]
async fn new_ticket_is_classified_routed_and_drafted_with_one_write_each() {
    let h = harness().await;
    let (status, body) = invoke(&h.app, &TicketCreated, event("ticket-created.json")).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("processed")), "{body}");

    let t = h.fd.ticket(101).unwrap();
    assert_eq!(t["priority"], 2, "medium urgency → Medium");
    assert_eq!(
        t["type"], "Refund",
        "TYPE_MAP billing → Refund, one of the account's types"
    );
    assert_eq!(t["group_id"], 42, "team billing-team mapped through GROUP_MAP");
    let tags = tags(&t);
    assert_eq!(tags[0], "returns", "existing tags are kept: {tags:?}");
    assert!(tags.contains(&"ai-category:billing".to_string()), "{tags:?}");
    assert!(tags.iter().any(|t| t.starts_with("ai-urgency:")), "{tags:?}");
    assert_eq!(t["custom_fields"]["cf_ai_category"], "billing");
    assert_eq!(
        t["custom_fields"]["cf_ai_confidence2931"], "0.87",
        "text field gets a two-place string"
    );
    assert_eq!(t["custom_fields"]["cf_ai_urgency"], "medium");

    let notes = note_bodies(&h, 101);
    assert_eq!(notes.len(), 1);
    assert!(
        notes[0].contains("<strong>AI Draft Response</strong>") && notes[0].contains("74%"),
        "{}",
        notes[0]
    );
    assert_eq!(h.fd.notes(101)[0]["private"], true);

    let contact = h.fd.contact(5001).unwrap();
    assert_eq!(
        (
            &contact["custom_fields"]["sentiment_score"],
            &contact["custom_fields"]["escalation_risk"]
        ),
        (&json!("negative"), &json!("0.45")),
        "the guide's dropdown gets Sentiment's label, the text field the risk: {contact}"
    );

    // Freshdesk calls: GET ticket, PUT ticket, POST note, PUT contact + discovery once.
    assert_eq!(h.fd.count("GET", "/api/v2/tickets/101"), 1);
    assert_eq!(h.fd.applied_puts(101), 1);
    assert_eq!(h.fd.count("POST", "/api/v2/tickets/101/notes"), 1);
    assert_eq!(h.fd.count("PUT", "/api/v2/contacts/5001"), 1);
    assert_eq!(
        h.fd.count("GET", "/api/v2/ticket_fields") + h.fd.count("GET", "/api/v2/contact_fields"),
        2
    );
    assert_eq!(h.fd.requests().len(), 6);
    for path in ["/classify", "/route", "/api/v1/draft", "/analyze"] {
        assert_eq!(h.simpli.count(path), 1, "{path}");
    }
    let analyze = h.simpli.requests().into_iter().find(|r| r.path == "/analyze").unwrap();
    assert_eq!(analyze.body["customer_id"], "5001");
    assert_eq!(analyze.body["channel"], "email");
    assert!(analyze.request_id.unwrap().starts_with("ticket-created#101#sentiment"));

    let record = h.store.get("ticket-created#101").await.unwrap().unwrap();
    assert_eq!(record.status, "COMPLETED");
    // Only the note is recorded as a step: the PUTs are idempotent and the job completed.
    assert_eq!(record.steps, ["note".to_string()].into(), "{:?}", record.steps);
}

#[tokio::test]
async fn discovery_runs_once_per_container() {
    let h = harness().await;
    invoke(&h.app, &TicketCreated, event("ticket-created.json")).await;
    invoke(&h.app, &TicketCreated, event("ticket-created.rest-v1.json")).await;
    assert_eq!(h.fd.count("GET", "/api/v2/ticket_fields"), 1);
}

#[tokio::test]
async fn duplicate_delivery_in_series_posts_one_note() {
    let h = harness().await;
    invoke(&h.app, &TicketCreated, event("ticket-created.json")).await;
    let (status, body) = invoke(&h.app, &TicketCreated, event("ticket-created.json")).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("duplicate")));
    assert_eq!(h.fd.notes(101).len(), 1);
    assert_eq!(h.fd.applied_puts(101), 1);
    assert_eq!(h.simpli.count("/api/v1/draft"), 1);
}

#[tokio::test]
async fn five_concurrent_deliveries_across_containers_post_one_note() {
    let h = harness().await;
    let apps: Vec<Arc<shared::App>> = (0..5).map(|_| h.container(MAPS)).collect();
    let answers = futures::future::join_all(
        apps.iter()
            .map(|app| invoke(app, &TicketCreated, event("ticket-created.json"))),
    )
    .await;
    let processed = answers.iter().filter(|(_, b)| b["status"] == "processed").count();
    assert_eq!(processed, 1, "{answers:?}");
    assert!(
        answers.iter().all(|(s, b)| *s == 200
            && ["processed", "in_progress", "duplicate"].contains(&b["status"].as_str().unwrap_or(""))),
        "{answers:?}"
    );
    assert_eq!(h.fd.notes(101).len(), 1);
    assert_eq!(h.fd.applied_puts(101), 1);
}

#[tokio::test]
async fn rest_v1_event_with_base64_body_and_string_id_is_processed() {
    let h = harness().await;
    let (status, body) = invoke(&h.app, &TicketCreated, event("ticket-created.rest-v1.json")).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("processed")), "{body}");
    assert_eq!(body["ticket_id"], 102);
    assert_eq!(h.fd.ticket(102).unwrap()["type"], "Incident");
}

#[tokio::test]
async fn script_in_description_and_in_draft_is_escaped() {
    let h = harness().await;
    h.simpli.set_response(
        "/api/v1/draft",
        json!({"draft_id": "d_x", "draft": "Hi <script>alert('x')</script> & \"bye\"\nLine two", "confidence": 0.5}),
    );
    // HTML only (an empty `description_text`), so the bridge itself turns the markup into text.
    let mut ticket = h.fd.ticket(102).unwrap();
    ticket["description_text"] = json!("");
    h.fd.add_ticket(ticket);
    invoke(&h.app, &TicketCreated, event("ticket-created.rest-v1.json")).await;
    let notes = note_bodies(&h, 102);
    assert_eq!(notes.len(), 1);
    let note = &notes[0];
    assert!(!note.contains("<script>"), "{note}");
    assert!(
        note.contains("Hi &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;bye&quot;<br>Line two"),
        "{note}"
    );
    // the description's markup reached Reply as plain text, never as HTML
    let draft = h
        .simpli
        .requests()
        .into_iter()
        .find(|r| r.path == "/api/v1/draft")
        .unwrap();
    let sent = draft.body["conversation"][0]["content"].as_str().unwrap().to_string();
    assert!(sent.starts_with("Every time I try to log in"), "{sent}");
    assert!(sent.contains("<script>alert(1)</script>"), "{sent}");
    assert!(!sent.contains("&lt;") && !sent.contains("<div>"), "{sent}");
}

#[tokio::test]
async fn rate_limited_put_is_retried_after_the_quiet_window_and_applied_once() {
    // a one-second rate-limit window on both sides keeps the quiet period inside the deadline
    let h = Harness::with(
        FreshdeskSim::seeded_demo(e2e::API_KEY),
        SimpliSim::new(),
        Store::Memory,
        &[MAPS, &[("RATE_LIMIT_WINDOW_SECONDS", "1")]].concat(),
    )
    .await;
    h.fd.inject(Fault::rate_limited("PUT", "/tickets/101", 1));
    let (status, body) = invoke(&h.app, &TicketCreated, event("ticket-created.json")).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("processed")), "{body}");
    assert_eq!(h.fd.count("PUT", "/api/v2/tickets/101"), 2, "one 429, one retry");
    assert_eq!(h.fd.applied_puts(101), 1);
    assert_eq!(h.fd.notes(101).len(), 1);
}

#[tokio::test]
async fn simpli_outage_answers_503_releases_the_claim_and_redelivery_finishes_without_a_second_note() {
    let h = harness().await;
    h.simpli.inject("/analyze", 503, 1);
    let (status, body) = invoke(&h.app, &TicketCreated, event("ticket-created.json")).await;
    assert_eq!(status, 503, "{body}");
    let record = h.store.get("ticket-created#101").await.unwrap().unwrap();
    assert_eq!(
        (record.status.as_str(), record.lease_until_ms),
        (IN_PROGRESS, 0),
        "released, not deleted"
    );
    assert!(
        record.steps.contains("note"),
        "the draft note was independent of Sentiment: {:?}",
        record.steps
    );
    assert_eq!(
        h.fd.applied_puts(101),
        0,
        "the ticket PUT waits for the escalation verdict"
    );

    let (status, body) = invoke(&h.app, &TicketCreated, event("ticket-created.json")).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("processed")), "{body}");
    assert_eq!(h.fd.notes(101).len(), 1);
    assert_eq!(
        h.simpli.count("/api/v1/draft"),
        1,
        "a done step is not asked of the model again"
    );
    assert_eq!(h.fd.applied_puts(101), 1);
    assert_eq!(h.store.get("ticket-created#101").await.unwrap().unwrap().attempt, 2);
}

#[tokio::test]
async fn low_confidence_changes_no_routing_but_flags_review() {
    let h = harness().await;
    h.simpli.set_response(
        "/classify",
        json!({"category": "billing", "urgency": "urgent", "sentiment": "negative", "confidence": 0.3}),
    );
    invoke(&h.app, &TicketCreated, event("ticket-created.json")).await;
    let t = h.fd.ticket(101).unwrap();
    assert_eq!(
        (t["priority"].clone(), t["type"].clone(), t["group_id"].clone()),
        (json!(1), json!(null), json!(null)),
        "seeded values stay: {t}"
    );
    let tags = tags(&t);
    assert!(tags.contains(&"ai-needs-review".to_string()), "{tags:?}");
    assert_eq!(t["custom_fields"]["cf_ai_category"], "billing");
    assert_eq!(
        t["custom_fields"]["cf_ai_urgency"], "critical",
        "urgent maps to the choice the guide's dropdown offers"
    );
    assert_eq!(t["custom_fields"]["cf_ai_confidence2931"], "0.30");
}

#[tokio::test]
async fn confident_critical_ticket_gets_priority_4_and_escalation_tag() {
    let h = harness().await;
    h.simpli.set_response(
        "/classify",
        json!({"category": "billing", "urgency": "urgent", "confidence": 0.95}),
    );
    h.simpli.set_response(
        "/analyze",
        json!({"score": -0.8, "label": "negative", "escalation_risk": 0.9, "triggers": ["refund"]}),
    );
    invoke(&h.app, &TicketCreated, event("ticket-created.json")).await;
    let t = h.fd.ticket(101).unwrap();
    assert_eq!(t["priority"], 4);
    assert!(tags(&t).contains(&"escalation-risk:high".to_string()));
    assert_eq!(h.fd.contact(5001).unwrap()["custom_fields"]["escalation_risk"], "0.90");
}

#[tokio::test]
async fn type_outside_the_accounts_types_is_left_out_and_the_put_succeeds() {
    let h = Harness::with(
        FreshdeskSim::seeded_demo(e2e::API_KEY),
        SimpliSim::new(),
        Store::Memory,
        &[],
    )
    .await;
    // no TYPE_MAP: billing → "Billing", which the account does not have
    let (_, body) = invoke(&h.app, &TicketCreated, event("ticket-created.json")).await;
    assert_eq!(body["status"], "processed", "{body}");
    let put =
        h.fd.requests()
            .into_iter()
            .find(|r| r.method == "PUT" && r.path == "/api/v2/tickets/101")
            .unwrap();
    assert!(put.body.unwrap().get("type").is_none());
    assert_eq!(h.fd.ticket(101).unwrap()["type"], json!(null), "unchanged");
}

#[tokio::test]
async fn missing_ticket_is_skipped_without_claim_or_write() {
    let h = harness().await;
    let (status, body) = invoke(
        &h.app,
        &TicketCreated,
        with_body(event("ticket-created.json"), r#"{"ticket_id": 999}"#),
    )
    .await;
    assert_eq!((status, body["status"].as_str()), (200, Some("skipped")), "{body}");
    assert!(h.fd.requests().iter().all(|r| r.method == "GET"));
    assert_eq!(h.simpli.requests().len(), 0);
    assert!(h.store.get("ticket-created#999").await.unwrap().is_none());
}

#[tokio::test]
async fn freshdesk_400_fails_the_job_for_good_but_keeps_independent_writes() {
    let h = harness().await;
    let body = json!({"description": "Validation failed", "errors": [{"field": "group_id", "message": "There is no group matching the given group_id", "code": "invalid_value"}]});
    h.fd.inject(Fault::status("PUT", "/tickets/101", 400).with_body(body));
    let (status, answer) = invoke(&h.app, &TicketCreated, event("ticket-created.json")).await;
    assert_eq!((status, answer["status"].as_str()), (200, Some("failed")), "{answer}");
    assert!(
        answer["error"].as_str().unwrap().contains("group_id invalid_value"),
        "{answer}"
    );
    assert_eq!(h.fd.notes(101).len(), 1, "the note does not depend on the PUT");
    assert_eq!(
        h.fd.contact(5001).unwrap()["custom_fields"]["sentiment_score"],
        "negative"
    );
    let record = h.store.get("ticket-created#101").await.unwrap().unwrap();
    assert_eq!(record.status, FAILED);
    assert!(record.error.unwrap().contains("group_id"));
    assert_eq!(
        h.fd.count("PUT", "/api/v2/tickets/101"),
        1,
        "a 400 is never retried blindly"
    );
}

#[tokio::test]
async fn rate_limit_longer_than_the_deadline_answers_503_and_releases_the_claim() {
    let h = harness().await;
    h.fd.inject(Fault::rate_limited("PUT", "/tickets/101", 120));
    let (status, body) = invoke(&h.app, &TicketCreated, event("ticket-created.json")).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["retry_after_seconds"], 120, "{body}");
    let record = h.store.get("ticket-created#101").await.unwrap().unwrap();
    assert_eq!((record.status.as_str(), record.lease_until_ms), (IN_PROGRESS, 0));
    assert_eq!(
        h.fd.count("PUT", "/api/v2/tickets/101"),
        1,
        "no hammering while rate limited"
    );
}

#[tokio::test]
async fn a_note_posted_by_an_attempt_that_died_before_recording_it_is_adopted_not_posted_again() {
    use shared::setup::clock::now_ms;
    use shared::store::ClaimOutcome;
    let h = harness().await;
    // attempt 1 claimed, posted its draft note, and died before recording the step
    let ClaimOutcome::Claimed(first) = h
        .store
        .claim(
            "ticket-created#101",
            now_ms(),
            std::time::Duration::from_secs(30),
            std::time::Duration::from_secs(3600),
        )
        .await
        .unwrap()
    else {
        panic!("claim")
    };
    h.fd.add_conversation(101, json!({"body": "<p><strong>AI Draft Response</strong></p><p>Hi Dana</p>", "body_text": "AI Draft Response\nHi Dana", "private": true, "incoming": false, "source": 2, "user_id": sim::BOT_AGENT_ID}));
    h.store.release(&first).await.unwrap(); // its lease is over

    let (status, body) = invoke(&h.app, &TicketCreated, event("ticket-created.json")).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("processed")), "{body}");
    assert_eq!(h.fd.notes(101).len(), 0, "no second note");
    assert_eq!(
        h.simpli.count("/api/v1/draft"),
        0,
        "the model is not asked again either"
    );
    assert_eq!(h.fd.applied_puts(101), 1);
    assert!(h
        .store
        .get("ticket-created#101")
        .await
        .unwrap()
        .unwrap()
        .steps
        .contains("note"));
}
