//! Black-box tests of the Freshdesk simulator's tickets over real HTTP:
//! auth, ticket reads with includes, and validated partial updates.

mod common;

use common::{demo, get, json_of, put, KEY};
use reqwest::{Client, StatusCode};
use serde_json::json;

#[tokio::test]
async fn missing_or_wrong_credentials_get_401_and_are_logged() {
    let (sim, base) = demo().await;
    let anonymous = Client::new()
        .get(format!("{base}/tickets/101"))
        .send()
        .await
        .expect("send");
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(json_of(anonymous).await["code"], "invalid_credentials");
    let wrong = Client::new()
        .get(format!("{base}/tickets/101"))
        .basic_auth("other-key", Some("X"))
        .send()
        .await
        .expect("send");
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let statuses: Vec<u16> = sim.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![401, 401]);
}

#[tokio::test]
async fn ticket_get_serves_seeded_shape_with_includes() {
    let (_sim, base) = demo().await;
    let r = get(&base, "/tickets/104?include=stats,requester").await;
    assert_eq!(r.status(), StatusCode::OK);
    let t = json_of(r).await;
    assert_eq!(t["status"], 4);
    assert_eq!(t["responder_id"], 9102);
    assert_eq!(t["stats"]["resolved_at"], "2024-05-07T09:30:00Z");
    assert_eq!(t["requester"]["email"], "tom.becker@example.com");
    assert!(t["custom_fields"]
        .as_object()
        .is_some_and(|cf| cf.contains_key("cf_ai_confidence2931")));
    let t102 = json_of(get(&base, "/tickets/102").await).await;
    assert!(t102["description"]
        .as_str()
        .is_some_and(|d| d.contains("&lt;script&gt;")));
    assert!(t102["description_text"]
        .as_str()
        .is_some_and(|d| d.contains("<script>alert(1)</script>")));
    assert_eq!(get(&base, "/tickets/999").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        get(&base, "/tickets/101?include=bogus").await.status(),
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn put_with_read_only_keys_is_rejected_and_changes_nothing() {
    let (sim, base) = demo().await;
    let before = sim.ticket(101);
    let r = put(
        &base,
        "/tickets/101",
        json!({"id": 101, "created_at": "x", "priority": 3}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body = json_of(r).await;
    assert_eq!(body["description"], "Validation failed");
    let errors = body["errors"].as_array().cloned().unwrap_or_default();
    assert_eq!(errors.len(), 2);
    assert!(errors.iter().all(|e| e["code"] == "invalid_field"));
    assert!(errors.iter().any(|e| e["field"] == "created_at"));
    assert_eq!(sim.ticket(101), before);
    assert_eq!(sim.applied_puts(101), 0);
}

#[tokio::test]
async fn put_with_unknown_type_lists_the_allowed_values() {
    let (_sim, base) = demo().await;
    let body = json_of(put(&base, "/tickets/101", json!({"type": "Billing"})).await).await;
    assert_eq!(body["errors"][0]["field"], "type");
    assert_eq!(body["errors"][0]["code"], "invalid_value");
    assert_eq!(
        body["errors"][0]["message"],
        "It should be one of these values: 'Question,Incident,Problem,Feature Request,Refund'"
    );
}

#[tokio::test]
async fn put_collects_every_validation_error() {
    let (_sim, base) = demo().await;
    let r = put(
        &base,
        "/tickets/101",
        json!({"priority": "high", "status": 9, "group_id": 77,
               "custom_fields": {"cf_nope": "x", "cf_ai_urgency": "urgent", "cf_ai_category": 5}}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let errors = json_of(r).await["errors"].as_array().cloned().unwrap_or_default();
    let find = |f: &str| errors.iter().find(|e| e["field"] == f).map(|e| e["code"].clone());
    assert_eq!(find("priority"), Some(json!("datatype_mismatch")));
    assert_eq!(find("status"), Some(json!("invalid_value")));
    assert_eq!(find("group_id"), Some(json!("invalid_value")));
    assert_eq!(find("custom_fields.cf_nope"), Some(json!("invalid_field")));
    assert_eq!(find("custom_fields.cf_ai_urgency"), Some(json!("invalid_value")));
    assert_eq!(find("custom_fields.cf_ai_category"), Some(json!("datatype_mismatch")));
}

#[tokio::test]
async fn put_replaces_tags_merges_custom_fields_and_bumps_updated_at() {
    let (sim, base) = demo().await;
    let first = put(
        &base,
        "/tickets/101",
        json!({"custom_fields": {"cf_ai_category": "billing"}}),
    )
    .await;
    assert_eq!(first.status(), StatusCode::OK);
    let r = put(
        &base,
        "/tickets/101",
        json!({"tags": ["ai-category:billing"], "priority": 3, "type": "Refund", "group_id": 42,
               "custom_fields": {"cf_ai_urgency": "high", "cf_ai_confidence2931": "0.87"}}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let t = json_of(r).await;
    assert_eq!(t["tags"], json!(["ai-category:billing"]));
    assert_eq!(t["custom_fields"]["cf_ai_category"], "billing");
    assert_eq!(t["custom_fields"]["cf_ai_urgency"], "high");
    assert_eq!(t["group_id"], 42);
    assert!(t["updated_at"].as_str() > Some("2024-05-02T09:14:07Z"));
    assert_eq!(sim.ticket(101), Some(t));
    assert_eq!(sim.applied_puts(101), 2);
}

#[tokio::test]
async fn put_needs_json_content_and_a_valid_body() {
    let (_sim, base) = demo().await;
    let client = Client::new();
    let form = client
        .put(format!("{base}/tickets/101"))
        .basic_auth(KEY, Some("X"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("priority=3")
        .send()
        .await
        .expect("send");
    assert_eq!(form.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let broken = client
        .put(format!("{base}/tickets/101"))
        .basic_auth(KEY, Some("X"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("send");
    assert_eq!(broken.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_of(broken).await["code"], "invalid_json");
    assert_eq!(
        put(&base, "/tickets/999", json!({"priority": 2})).await.status(),
        StatusCode::NOT_FOUND
    );
}
