//! customer-replied end to end.

use customer_replied::CustomerReplied;
use e2e::{event, invoke, with_body, Harness, Store};
use serde_json::json;

#[tokio::test]
async fn angry_reply_scores_only_new_text_updates_contact_and_tags_escalation() {
    let h = Harness::start(Store::Dynamo).await;
    let (status, body) = invoke(&h.app, &CustomerReplied, event("customer-replied.json")).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("processed")), "{body}");

    let analyze = h
        .simpli
        .requests()
        .into_iter()
        .find(|r| r.path == "/analyze")
        .expect("analyze call");
    let text = analyze.body["text"].as_str().unwrap().to_lowercase();
    assert!(text.contains("unacceptable"), "{text}");
    assert!(
        !text.contains("worst") && !text.contains("furious"),
        "quoted history must not be scored again: {text}"
    );
    assert_eq!(analyze.body["customer_id"], "5003");
    assert_eq!(analyze.body["channel"], "email");

    let contact = h.fd.contact(5003).unwrap();
    assert_eq!(contact["custom_fields"]["sentiment_score"], "negative", "{contact}");
    assert_eq!(contact["custom_fields"]["escalation_risk"], "0.90", "{contact}");
    let t = h.fd.ticket(103).unwrap();
    let tags: Vec<String> = serde_json::from_value(t["tags"].clone()).unwrap();
    assert_eq!(tags, ["shipping", "escalation-risk:high"]);
    assert!(h.fd.requests().len() <= 4 + 2, "≤ 4 calls plus discovery");
}

#[tokio::test]
async fn duplicate_reply_delivery_changes_nothing_more() {
    let h = Harness::start(Store::Dynamo).await;
    invoke(&h.app, &CustomerReplied, event("customer-replied.json")).await;
    let (_, body) = invoke(&h.app, &CustomerReplied, event("customer-replied.json")).await;
    assert_eq!(body["status"], "duplicate");
    assert_eq!(h.simpli.count("/analyze"), 1);
    assert_eq!(h.fd.applied_puts(103), 1);
}

#[tokio::test]
async fn a_new_reply_after_a_scored_one_is_scored_again_and_calm_text_adds_no_tag() {
    let h = Harness::start(Store::Memory).await;
    let (_, first) = invoke(&h.app, &CustomerReplied, event("customer-replied.json")).await;
    assert_eq!(first["status"], "processed", "{first}");
    h.fd.add_conversation(103, json!({"body": "<div>Thanks, that worked great!</div>", "body_text": "Thanks, that worked great!", "incoming": true, "private": false, "source": 0, "user_id": 5003, "created_at": "2030-01-01T00:00:00Z"}));
    let (_, body) = invoke(&h.app, &CustomerReplied, event("customer-replied.json")).await;
    assert_eq!(body["status"], "processed", "the new reply is a new job: {body}");
    assert_ne!(body["result"]["conversation_id"], first["result"]["conversation_id"]);
    assert_eq!(body["result"]["escalation_tagged"], false);

    let scored: Vec<String> = h
        .simpli
        .requests()
        .into_iter()
        .filter(|r| r.path == "/analyze")
        .map(|r| r.body["text"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(scored.len(), 2, "{scored:?}");
    assert_eq!(scored[1], "Thanks, that worked great!");
    assert_eq!(
        h.fd.count("PUT", "/api/v2/contacts/5003"),
        2,
        "the contact got the new score"
    );
    let tags: Vec<String> = serde_json::from_value(h.fd.ticket(103).unwrap()["tags"].clone()).unwrap();
    assert_eq!(
        tags,
        ["shipping", "escalation-risk:high"],
        "the calm reply added no tag"
    );
    assert_eq!(h.fd.applied_puts(103), 1, "only the angry reply's tag PUT");
}

#[tokio::test]
async fn ticket_without_customer_reply_is_skipped() {
    let h = Harness::start(Store::Memory).await;
    let (status, body) = invoke(
        &h.app,
        &CustomerReplied,
        with_body(event("customer-replied.json"), r#"{"ticket_id": 101}"#),
    )
    .await;
    assert_eq!((status, body["status"].as_str()), (200, Some("skipped")), "{body}");
    assert_eq!(h.simpli.requests().len(), 0);
}
