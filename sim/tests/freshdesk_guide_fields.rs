//! The simulated account's AI fields are what the integration guide's set-up creates: the
//! bridge is tested against the shape a real account following the guide has, not a
//! friendlier one.

use serde_json::Value;

mod common;

use common::{demo, get, json_of};

/// `(label, type, choice values)` of each field in a `GET /…_fields` answer.
fn shapes(fields: &Value) -> Vec<(String, String, Vec<String>)> {
    fields
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter(|f| {
            f["label"]
                .as_str()
                .is_some_and(|l| l.starts_with("AI ") || l.contains("Sentiment") || l.contains("Escalation"))
        })
        .map(|f| {
            let choices = f["choices"]
                .as_array()
                .map(|c| {
                    c.iter()
                        .filter_map(|x| x["value"].as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            (
                f["label"].as_str().unwrap_or_default().to_string(),
                f["type"].as_str().unwrap_or_default().to_string(),
                choices,
            )
        })
        .collect()
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn the_ticket_fields_are_the_guides_category_and_urgency_dropdowns_and_a_text_confidence() {
    let (_sim, base) = demo().await;
    let fields = json_of(get(&base, "/ticket_fields").await).await;
    let categories = strings(&[
        "billing",
        "technical_issue",
        "feature_request",
        "account",
        "general_inquiry",
    ]);
    assert_eq!(
        shapes(&fields),
        vec![
            ("AI Category".into(), "custom_dropdown".into(), categories),
            (
                "AI Urgency".into(),
                "custom_dropdown".into(),
                strings(&["low", "medium", "high", "critical"])
            ),
            ("AI Confidence".into(), "custom_text".into(), vec![]),
        ]
    );
}

#[tokio::test]
async fn the_contact_fields_are_a_sentiment_label_dropdown_and_a_text_escalation_risk() {
    let (_sim, base) = demo().await;
    let fields = json_of(get(&base, "/contact_fields").await).await;
    assert_eq!(
        shapes(&fields),
        vec![
            (
                "Sentiment Score".into(),
                "custom_dropdown".into(),
                strings(&["positive", "neutral", "negative"])
            ),
            ("Escalation Risk".into(), "custom_text".into(), vec![]),
        ]
    );
}
