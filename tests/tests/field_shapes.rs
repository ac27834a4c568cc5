//! Accounts whose AI fields differ from the integration guide's set-up: other types, other
//! API names, a missing field, an env override. Each field gets the value its own type takes,
//! and a field that cannot take one is left out without failing the write.

use e2e::{event, invoke, Harness, Store};
use serde_json::{json, Value};
use sim::{FreshdeskSim, SimpliSim};
use ticket_created::TicketCreated;

/// A custom field definition as `GET /…_fields` lists it.
fn def(name: &str, label: &str, kind: &str, choices: &[&str]) -> Value {
    let mut f = json!({"id": 80_000 + name.len(), "name": name, "label": label, "type": kind});
    if !choices.is_empty() {
        f["choices"] = json!(choices);
    }
    f
}

/// The demo account's fields with every AI field (by label) replaced by `custom`.
fn with_custom(defaults: Vec<Value>, custom: &[Value]) -> Value {
    let ai = [
        "AI Category",
        "AI Urgency",
        "AI Confidence",
        "Sentiment Score",
        "Escalation Risk",
    ];
    let mut fields: Vec<Value> = defaults
        .into_iter()
        .filter(|f| !ai.iter().any(|l| f["label"] == *l))
        .collect();
    fields.extend(custom.iter().cloned());
    Value::Array(fields)
}

async fn run(ticket: &[Value], contact: &[Value], env: &[(&str, &str)]) -> (Harness, Value) {
    let fd = FreshdeskSim::seeded_demo(e2e::API_KEY);
    fd.set_ticket_fields(with_custom(fd.ticket_fields(), ticket));
    fd.set_contact_fields(with_custom(fd.contact_fields(), contact));
    let h = Harness::with(fd, SimpliSim::new(), Store::Memory, env).await;
    let (_, body) = invoke(&h.app, &TicketCreated, event("ticket-created.json")).await;
    assert_eq!(body["status"], "processed", "{body}");
    assert!(h.fd.requests().iter().all(|r| r.status != 400), "no write is refused");
    (h, body)
}

fn contact_fields(h: &Harness) -> Value {
    h.fd.contact(5001).unwrap()["custom_fields"].clone()
}

#[tokio::test]
async fn number_and_decimal_contact_fields_get_the_score_as_a_percentage_and_as_is() {
    let contact = [
        def("sentiment_score", "Sentiment Score", "custom_number", &[]),
        def("escalation_risk", "Escalation Risk", "custom_decimal", &[]),
    ];
    let (h, _) = run(&[], &contact, &[]).await;
    // ticket 101 mentions a refund once: score -0.35, risk 0.45
    let fields = contact_fields(&h);
    assert_eq!(
        (&fields["sentiment_score"], &fields["escalation_risk"]),
        (&json!(-35), &json!(0.45)),
        "{fields}"
    );
}

#[tokio::test]
async fn suffixed_text_and_decimal_ticket_fields_get_the_category_the_urgency_and_the_confidence() {
    let ticket = [
        def("cf_ai_category_1", "AI Category", "custom_text", &[]),
        def("cf_ai_urgency_7", "AI Urgency", "custom_text", &[]),
        def("cf_ai_confidence_2", "AI Confidence", "custom_decimal", &[]),
    ];
    let (h, _) = run(&ticket, &[], &[]).await;
    let t = h.fd.ticket(101).unwrap();
    let f = &t["custom_fields"];
    assert_eq!(
        (&f["cf_ai_category_1"], &f["cf_ai_urgency_7"], &f["cf_ai_confidence_2"]),
        (&json!("billing"), &json!("medium"), &json!(0.87)),
        "{t}"
    );
}

#[tokio::test]
async fn a_field_named_in_the_environment_wins_over_the_label() {
    let contact = [
        def(
            "cf_mood",
            "Mood",
            "custom_dropdown",
            &["Positive", "Neutral", "Negative"],
        ),
        def("sentiment_score", "Sentiment Score", "custom_text", &[]),
    ];
    let (h, _) = run(&[], &contact, &[("FIELD_SENTIMENT_SCORE", "cf_mood")]).await;
    let fields = contact_fields(&h);
    assert_eq!(
        fields["cf_mood"], "Negative",
        "written as the account spells it: {fields}"
    );
    assert_eq!(fields["sentiment_score"], Value::Null, "{fields}");
}

#[tokio::test]
async fn a_missing_field_and_a_label_that_is_no_choice_leave_the_rest_written() {
    let contact = [def(
        "sentiment_score",
        "Sentiment Score",
        "custom_dropdown",
        &["happy", "sad"],
    )];
    let ticket = [def("cf_ai_confidence", "AI Confidence", "custom_text", &[])];
    let (h, _) = run(&ticket, &contact, &[]).await;
    assert_eq!(h.fd.ticket(101).unwrap()["custom_fields"]["cf_ai_confidence"], "0.87");
    assert_eq!(contact_fields(&h)["sentiment_score"], Value::Null);
    assert_eq!(
        h.fd.count("PUT", "/api/v2/contacts/5001"),
        0,
        "nothing the contact can take: no empty PUT"
    );
}
