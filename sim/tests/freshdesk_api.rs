//! Black-box tests of the Freshdesk simulator's resources over real HTTP:
//! auth, ticket reads and validated writes, notes, pagination, contacts,
//! field definitions and the knowledge base.

use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};
use sim::FreshdeskSim;

const KEY: &str = "test-key";

async fn demo() -> (FreshdeskSim, String) {
    let sim = FreshdeskSim::seeded_demo(KEY);
    let addr = sim.start(0).await.expect("bind");
    (sim, FreshdeskSim::base_url(addr))
}

async fn get(base: &str, path: &str) -> Response {
    Client::new()
        .get(format!("{base}{path}"))
        .basic_auth(KEY, Some("X"))
        .send()
        .await
        .expect("request")
}

async fn send(method: reqwest::Method, base: &str, path: &str, body: Value) -> Response {
    Client::new()
        .request(method, format!("{base}{path}"))
        .basic_auth(KEY, Some("X"))
        .json(&body)
        .send()
        .await
        .expect("request")
}

async fn put(base: &str, path: &str, body: Value) -> Response {
    send(reqwest::Method::PUT, base, path, body).await
}

async fn json_of(r: Response) -> Value {
    r.json().await.expect("json body")
}

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
    assert_eq!(
        get(&base, "/tickets/999").await.status(),
        StatusCode::NOT_FOUND
    );
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
               "custom_fields": {"cf_nope": "x", "cf_ai_urgency": "critical", "cf_ai_category": 5}}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let errors = json_of(r).await["errors"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let find = |f: &str| {
        errors
            .iter()
            .find(|e| e["field"] == f)
            .map(|e| e["code"].clone())
    };
    assert_eq!(find("priority"), Some(json!("datatype_mismatch")));
    assert_eq!(find("status"), Some(json!("invalid_value")));
    assert_eq!(find("group_id"), Some(json!("invalid_value")));
    assert_eq!(find("custom_fields.cf_nope"), Some(json!("invalid_field")));
    assert_eq!(
        find("custom_fields.cf_ai_urgency"),
        Some(json!("invalid_value"))
    );
    assert_eq!(
        find("custom_fields.cf_ai_category"),
        Some(json!("datatype_mismatch"))
    );
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
        put(&base, "/tickets/999", json!({"priority": 2}))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn note_is_stored_as_a_private_conversation() {
    let (sim, base) = demo().await;
    let r = send(
        reqwest::Method::POST,
        &base,
        "/tickets/101/notes",
        json!({"body": "<p>AI <b>draft</b></p>"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let note = json_of(r).await;
    assert_eq!(note["private"], true);
    assert_eq!(note["source"], 2);
    assert_eq!(note["incoming"], false);
    assert_eq!(note["user_id"], sim::BOT_AGENT_ID);
    assert_eq!(note["body_text"], "AI draft");
    assert_eq!(sim.notes(101), vec![note.clone()]);
    let listed = json_of(get(&base, "/tickets/101/conversations").await).await;
    assert_eq!(listed, json!([note]));
    let empty = send(
        reqwest::Method::POST,
        &base,
        "/tickets/101/notes",
        json!({"body": " "}),
    )
    .await;
    assert_eq!(empty.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_of(empty).await["errors"][0]["code"], "missing_field");
    let missing = send(
        reqwest::Method::POST,
        &base,
        "/tickets/999/notes",
        json!({"body": "x"}),
    )
    .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(sim.notes(101).len(), 1);
}

#[tokio::test]
async fn conversations_paginate_with_a_next_link_until_the_last_page() {
    let (sim, base) = demo().await;
    for i in 0..3 {
        sim.add_conversation(104, json!({"body": format!("extra {i}"), "incoming": true}));
    }
    let total = sim.conversations(104).len();
    assert_eq!(total, 8);
    let mut url = format!("{base}/tickets/104/conversations?per_page=3");
    let (mut pages, mut seen) = (0, Vec::new());
    loop {
        let r = Client::new()
            .get(&url)
            .basic_auth(KEY, Some("X"))
            .send()
            .await
            .expect("send");
        let link = r
            .headers()
            .get("link")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let items = json_of(r).await.as_array().cloned().unwrap_or_default();
        seen.extend(items.into_iter().filter_map(|c| c["id"].as_u64()));
        pages += 1;
        match link {
            Some(l) => {
                assert!(l.ends_with("; rel=\"next\""), "{l}");
                url = l
                    .trim_start_matches('<')
                    .split('>')
                    .next()
                    .unwrap_or("")
                    .to_string();
                assert!(
                    url.starts_with(&base) && url.contains("per_page=3"),
                    "{url}"
                );
            }
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let expected: Vec<u64> = sim
        .conversations(104)
        .iter()
        .filter_map(|c| c["id"].as_u64())
        .collect();
    assert_eq!(seen, expected);
    let too_big = get(&base, "/tickets/104/conversations?per_page=101").await;
    assert_eq!(too_big.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn deleted_ticket_answers_404() {
    let (sim, base) = demo().await;
    sim.delete_ticket(102);
    assert_eq!(
        get(&base, "/tickets/102").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&base, "/tickets/102/conversations").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn contact_put_validates_custom_fields_against_contact_fields() {
    let (sim, base) = demo().await;
    let bad = put(
        &base,
        "/contacts/5003",
        json!({"custom_fields": {"sentiment_score": "-0.6", "cf_escalation_risk": "x"}}),
    )
    .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let errors = json_of(bad).await["errors"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let code = |f: &str| {
        errors
            .iter()
            .find(|e| e["field"] == f)
            .map(|e| e["code"].clone())
    };
    assert_eq!(
        code("custom_fields.sentiment_score"),
        Some(json!("datatype_mismatch"))
    );
    assert_eq!(
        code("custom_fields.cf_escalation_risk"),
        Some(json!("invalid_field"))
    );
    let ok = put(
        &base,
        "/contacts/5003",
        json!({"custom_fields": {"sentiment_score": -0.6, "escalation_risk": "0.80"}}),
    )
    .await;
    assert_eq!(ok.status(), StatusCode::OK);
    let c = sim.contact(5003).unwrap_or_default();
    assert_eq!(c["custom_fields"]["sentiment_score"], -0.6);
    assert_eq!(c["custom_fields"]["escalation_risk"], "0.80");
    let dup = put(
        &base,
        "/contacts/5003",
        json!({"email": "dana@example.com"}),
    )
    .await;
    assert_eq!(dup.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn field_definitions_expose_api_names_and_choices() {
    let (_sim, base) = demo().await;
    let fields = json_of(get(&base, "/ticket_fields").await).await;
    let by = |name: &str| {
        fields
            .as_array()
            .and_then(|a| a.iter().find(|f| f["name"] == name).cloned())
    };
    assert_eq!(
        by("cf_ai_confidence2931").map(|f| f["label"].clone()),
        Some(json!("AI Confidence"))
    );
    assert_eq!(
        by("cf_ai_urgency").map(|f| f["choices"][3]["value"].clone()),
        Some(json!("urgent"))
    );
    assert_eq!(
        by("group").map(|f| f["choices"]["Billing"].clone()),
        Some(json!(42))
    );
    let contact = json_of(get(&base, "/contact_fields").await).await;
    let labels: Vec<Value> = contact
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|f| f["label"].clone())
        .collect();
    assert!(
        labels.contains(&json!("Sentiment Score")) && labels.contains(&json!("Escalation Risk"))
    );
}

#[tokio::test]
async fn knowledge_base_walks_categories_folders_subfolders_and_articles() {
    let (sim, base) = demo().await;
    let cats = json_of(get(&base, "/solutions/categories").await).await;
    assert_eq!(cats.as_array().map(Vec::len), Some(2));
    let folders = json_of(get(&base, "/solutions/categories/1002/folders").await).await;
    assert_eq!(
        folders.as_array().map(Vec::len),
        Some(1),
        "subfolders are not top-level"
    );
    let subs = json_of(get(&base, "/solutions/folders/2003/subfolders").await).await;
    assert_eq!(subs[0]["id"], 2004);
    let arts = json_of(get(&base, "/solutions/folders/2003/articles").await).await;
    let statuses: Vec<Value> = arts
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|a| a["status"].clone())
        .collect();
    assert_eq!(statuses, vec![json!(2), json!(1)]);
    let paged = get(&base, "/solutions/folders/2001/articles?per_page=1").await;
    assert!(paged.headers().contains_key("link"));
    let before = sim.article(3001).map(|a| a["updated_at"].clone());
    assert!(sim.update_article(3001, json!({"description": "<p>New text</p>"})));
    let after = sim.article(3001).unwrap_or_default();
    assert_ne!(Some(after["updated_at"].clone()), before);
    assert_eq!(after["description_text"], "New text");
    assert_eq!(
        get(&base, "/solutions/folders/9999/articles")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}
