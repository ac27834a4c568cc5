//! Black-box tests of the Freshdesk simulator's other resources over real
//! HTTP: notes, conversation pagination, deletion, contacts, field
//! definitions and the knowledge base.

mod common;

use common::{demo, get, json_of, put, send, KEY};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

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
    let empty = send(reqwest::Method::POST, &base, "/tickets/101/notes", json!({"body": " "})).await;
    assert_eq!(empty.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_of(empty).await["errors"][0]["code"], "missing_field");
    let missing = send(reqwest::Method::POST, &base, "/tickets/999/notes", json!({"body": "x"})).await;
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
                url = l.trim_start_matches('<').split('>').next().unwrap_or("").to_string();
                assert!(url.starts_with(&base) && url.contains("per_page=3"), "{url}");
            }
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let expected: Vec<u64> = sim.conversations(104).iter().filter_map(|c| c["id"].as_u64()).collect();
    assert_eq!(seen, expected);
    let too_big = get(&base, "/tickets/104/conversations?per_page=101").await;
    assert_eq!(too_big.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn deleted_ticket_answers_404() {
    let (sim, base) = demo().await;
    sim.delete_ticket(102);
    assert_eq!(get(&base, "/tickets/102").await.status(), StatusCode::NOT_FOUND);
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
        json!({"custom_fields": {"sentiment_score": -0.6, "cf_escalation_risk": "x"}}),
    )
    .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let errors = json_of(bad).await["errors"].as_array().cloned().unwrap_or_default();
    let code = |f: &str| errors.iter().find(|e| e["field"] == f).map(|e| e["code"].clone());
    assert_eq!(code("custom_fields.sentiment_score"), Some(json!("datatype_mismatch")));
    assert_eq!(code("custom_fields.cf_escalation_risk"), Some(json!("invalid_field")));
    let ok = put(
        &base,
        "/contacts/5003",
        json!({"custom_fields": {"sentiment_score": "negative", "escalation_risk": "0.80"}}),
    )
    .await;
    assert_eq!(ok.status(), StatusCode::OK);
    let c = sim.contact(5003).unwrap_or_default();
    assert_eq!(c["custom_fields"]["sentiment_score"], "negative");
    assert_eq!(c["custom_fields"]["escalation_risk"], "0.80");
    let dup = put(&base, "/contacts/5003", json!({"email": "dana@example.com"})).await;
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
        Some(json!("critical"))
    );
    assert_eq!(by("group").map(|f| f["choices"]["Billing"].clone()), Some(json!(42)));
    let contact = json_of(get(&base, "/contact_fields").await).await;
    let labels: Vec<Value> = contact
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|f| f["label"].clone())
        .collect();
    assert!(labels.contains(&json!("Sentiment Score")) && labels.contains(&json!("Escalation Risk")));
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
        get(&base, "/solutions/folders/9999/articles").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn demo_threads_have_the_documented_shape() {
    let (sim, base) = demo().await;
    let thread = json_of(get(&base, "/tickets/103/conversations").await).await;
    let reply = &thread[1];
    assert_eq!(
        (reply["incoming"].clone(), reply["user_id"].clone()),
        (json!(true), json!(5003))
    );
    assert!(reply["body"].as_str().is_some_and(|b| b.contains("<blockquote")));
    let text = reply["body_text"].as_str().unwrap_or("");
    let new_text = text.split("\n\nOn ").next().unwrap_or("");
    assert!(new_text.contains("unacceptable") && !new_text.contains("furious"));
    assert!(text.contains("wrote:") && text.contains("furious"));
    let resolved = sim.conversations(104);
    let public = resolved.iter().filter(|c| c["private"] == false).count();
    let private = resolved.iter().filter(|c| c["private"] == true).count();
    assert_eq!((public, private), (4, 1));
    assert!(sim.notes(104).is_empty(), "seeded notes are not API notes");
}

#[tokio::test]
async fn reply_rejects_the_private_flag() {
    let (sim, base) = demo().await;
    let path = "/tickets/101/reply";
    let bad = send(
        reqwest::Method::POST,
        &base,
        path,
        json!({"body": "x", "private": true}),
    )
    .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_of(bad).await["errors"][0]["code"], "invalid_field");
    let ok = send(reqwest::Method::POST, &base, path, json!({"body": "Hello"})).await;
    assert_eq!(ok.status(), StatusCode::CREATED);
    assert_eq!(json_of(ok).await["source"], 0);
    let stats = sim.stats(101).unwrap_or_default();
    assert!(stats["first_responded_at"].is_string());
}
