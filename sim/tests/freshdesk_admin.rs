//! The simulator's admin endpoints: custom field creation with Freshdesk-style validation,
//! automation rules (list and create), groups, and the helpers that build broken accounts.

use reqwest::Method;
use serde_json::{json, Value};
use sim::{FreshdeskSim, SimpliSim};

mod common;

use common::{get, json_of, send, KEY};

async fn bare() -> (FreshdeskSim, String) {
    let sim = FreshdeskSim::without_ai_fields(KEY);
    let addr = sim.start(0).await.expect("bind");
    (sim, FreshdeskSim::base_url(addr))
}

async fn post(base: &str, path: &str, body: Value) -> (u16, Value) {
    let r = send(Method::POST, base, path, body).await;
    let status = r.status().as_u16();
    (status, json_of(r).await)
}

fn codes(body: &Value) -> Vec<(String, String)> {
    body["errors"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap_or("").into(),
                e["code"].as_str().unwrap_or("").into(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_created_ticket_field_gets_a_cf_name_and_is_listed_and_usable() {
    let (sim, base) = bare().await;
    let (status, field) = post(
        &base,
        "/admin/ticket_fields",
        json!({"label": "AI Urgency", "label_for_customers": "AI Urgency", "type": "custom_dropdown",
               "choices": [{"value": "low", "position": 1}, {"value": "high", "position": 2}]}),
    )
    .await;
    assert_eq!(status, 201, "{field}");
    assert_eq!(field["name"], "cf_ai_urgency");
    assert_eq!(field["choices"][1]["value"], "high");
    let listed = json_of(get(&base, "/ticket_fields").await).await;
    assert!(listed.as_array().unwrap().iter().any(|f| f["name"] == "cf_ai_urgency"));
    assert_eq!(sim.field_choices("AI Urgency"), ["low", "high"]);

    let (status, contact) = post(
        &base,
        "/contact_fields",
        json!({"label": "Escalation Risk", "label_for_customers": "Escalation Risk", "type": "custom_text"}),
    )
    .await;
    assert_eq!(
        (status, contact["name"].as_str()),
        (201, Some("escalation_risk")),
        "contact fields get no cf_"
    );
}

#[tokio::test]
async fn field_creation_is_validated_like_freshdesk() {
    let (_sim, base) = bare().await;
    let (status, body) = post(
        &base,
        "/admin/ticket_fields",
        json!({"type": "custom_color", "colour": 1}),
    )
    .await;
    assert_eq!(status, 400);
    let c = codes(&body);
    for want in [
        ("colour", "invalid_field"),
        ("label", "missing_field"),
        ("label_for_customers", "missing_field"),
        ("type", "invalid_value"),
    ] {
        assert!(c.contains(&(want.0.into(), want.1.into())), "{want:?} in {c:?}");
    }
    let dropdown = |choices: Value| json!({"label": "X", "label_for_customers": "X", "type": "custom_dropdown", "choices": choices});
    let (status, body) = post(&base, "/admin/ticket_fields", dropdown(json!([]))).await;
    assert_eq!((status, codes(&body)[0].1.as_str()), (400, "invalid_value"));
    let (_, body) = post(
        &base,
        "/admin/ticket_fields",
        dropdown(json!([{"value": "a"}, {"value": "A"}])),
    )
    .await;
    assert_eq!(codes(&body)[0].1, "duplicate_value");
    let (status, body) = post(
        &base,
        "/admin/ticket_fields",
        json!({"label": "subject", "label_for_customers": "S", "type": "custom_text"}),
    )
    .await;
    assert_eq!(
        (status, codes(&body)),
        (400, vec![("label".into(), "duplicate_value".into())]),
        "labels are unique"
    );
}

fn webhook(url: &str) -> Value {
    json!({"field_name": "trigger_webhook", "request_type": "post", "url": url, "content_type": "json",
           "content": "{\"ticket_id\": {{ticket.id}}}"})
}

#[tokio::test]
async fn automation_rules_are_validated_created_and_listed_by_type() {
    let (sim, base) = bare().await;
    let (status, body) = post(
        &base,
        "/automations/1/rules",
        json!({"name": "r", "actions": [webhook("https://x.example/hook")], "performer": {"type": 1}}),
    )
    .await;
    assert_eq!(status, 400);
    let c = codes(&body);
    assert!(
        c.contains(&("conditions".into(), "missing_field".into())),
        "creation rules need a condition: {c:?}"
    );
    assert!(c.contains(&("performer".into(), "invalid_field".into())), "{c:?}");

    let (status, body) = post(
        &base,
        "/automations/4/rules",
        json!({"name": "r", "performer": {"type": 2}, "events": [{"field_name": "reply_sent"}],
               "actions": [webhook("not a url")]}),
    )
    .await;
    assert_eq!(
        (status, codes(&body)),
        (400, vec![("actions.url".into(), "invalid_value".into())])
    );

    let rule = json!({"name": "ok", "performer": {"type": 2}, "events": [{"field_name": "reply_sent"}],
                      "actions": [webhook("https://x.example/hook")]});
    let (status, created) = post(&base, "/automations/4/rules", rule).await;
    assert_eq!(status, 201, "{created}");
    assert!(created["id"].as_u64().is_some());
    let listed = json_of(get(&base, "/automations/4/rules").await).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    assert_eq!(json_of(get(&base, "/automations/1/rules").await).await, json!([]));
    assert_eq!(get(&base, "/automations/2/rules").await.status(), 404);

    assert!(sim.set_rule_url("ok", "https://elsewhere.example"));
    assert_eq!(sim.rules(4)[0]["actions"][0]["url"], "https://elsewhere.example");
    assert!(sim.remove_rule("ok"));
    assert!(sim.rules(4).is_empty());
}

#[tokio::test]
async fn groups_are_listed_and_broken_accounts_can_be_built() {
    let (sim, base) = bare().await;
    sim.add_group(42, "Billing");
    let groups = json_of(get(&base, "/groups").await).await;
    assert_eq!(groups, json!([{"id": 42, "name": "Billing", "description": null}]));

    let demo = FreshdeskSim::new(KEY);
    assert!(demo.set_field_type("Sentiment Score", "custom_number"));
    let f = demo
        .contact_fields()
        .into_iter()
        .find(|f| f["label"] == "Sentiment Score")
        .unwrap();
    assert_eq!((f["type"].as_str(), f.get("choices")), (Some("custom_number"), None));
    assert!(demo.remove_field("AI Confidence"));
    assert!(!demo.remove_field("AI Confidence"));
    assert!(
        !sim.set_field_choices("AI Category", &["x"]),
        "the bare account has no AI fields"
    );
}

#[tokio::test]
async fn every_simpli_service_answers_health_and_a_fault_takes_it_down() {
    let simpli = SimpliSim::with_api_key("k");
    let addr = simpli.start(0).await.expect("bind");
    let url = format!("http://{addr}/health");
    let ok = reqwest::get(&url).await.expect("health");
    assert_eq!(ok.status(), 200, "no key needed");
    assert_eq!(ok.json::<Value>().await.unwrap(), json!({"status": "ok"}));
    simpli.inject("/health", 503, 1);
    assert_eq!(reqwest::get(&url).await.unwrap().status(), 503);
    assert_eq!(reqwest::get(&url).await.unwrap().status(), 200);
}
