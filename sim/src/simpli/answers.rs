//! Deterministic keyword answers of the Simpli stand-ins, so tests can predict
//! exactly what the bridge writes back: the category/urgency of a ticket, a
//! sentiment score and escalation risk from counted negative words, a fixed QA
//! score. Bodies given here have already been validated.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

/// Words that lower the sentiment score and raise the escalation risk.
pub const NEGATIVE: [&str; 9] = [
    "angry",
    "terrible",
    "worst",
    "unacceptable",
    "third time",
    "cancel",
    "refund",
    "ridiculous",
    "furious",
];
const POSITIVE: [&str; 7] = ["thank", "great", "love", "happy", "awesome", "perfect", "excellent"];
const ANGRY: [&str; 7] = [
    "angry",
    "furious",
    "unacceptable",
    "terrible",
    "worst",
    "ridiculous",
    "third time",
];

fn text_of(b: &Map<String, Value>, key: &str) -> String {
    b.get(key).and_then(Value::as_str).unwrap_or("").to_lowercase()
}

fn any(text: &str, words: &[&str]) -> bool {
    words.iter().any(|w| text.contains(w))
}

/// Triage category of a lower-cased text.
pub fn category(text: &str) -> &'static str {
    if any(text, &["refund", "charge", "invoice", "billing", "payment"]) {
        "billing"
    } else if any(text, &["crash", "error", "bug", "login", "log in"]) {
        "technical_issue"
    } else if text.contains("feature") {
        "feature_request"
    } else {
        "general_inquiry"
    }
}

pub(crate) fn classify(b: &Map<String, Value>) -> Value {
    let text = format!("{} {}", text_of(b, "subject"), text_of(b, "body"));
    let urgency = if any(&text, &["urgent", "asap", "immediately", "crash"]) {
        "critical"
    } else if any(&text, &ANGRY) {
        "high"
    } else {
        "medium"
    };
    let sentiment = if any(&text, &NEGATIVE) {
        "negative"
    } else if any(&text, &POSITIVE) {
        "positive"
    } else {
        "neutral"
    };
    json!({"category": category(&text), "urgency": urgency, "sentiment": sentiment, "confidence": 0.87})
}

pub(crate) fn route(b: &Map<String, Value>, groups: &HashMap<String, u64>) -> Value {
    let category = b.get("category").and_then(Value::as_str).unwrap_or("general_inquiry");
    let team = format!("{category}-team");
    let mut out = json!({"team": team, "reason": format!("Category '{category}' is handled by {team}")});
    if let (Some(g), Some(obj)) = (groups.get(category), out.as_object_mut()) {
        obj.insert("group_id".into(), json!(g));
    }
    out
}

pub(crate) fn draft(b: &Map<String, Value>, n: u64) -> Value {
    let last_customer = b
        .get("conversation")
        .and_then(Value::as_array)
        .and_then(|msgs| {
            msgs.iter()
                .rev()
                .find(|m| m.get("role").and_then(Value::as_str) == Some("customer"))
        })
        .and_then(|m| m.get("content").and_then(Value::as_str))
        .unwrap_or("");
    // The draft quotes the customer's message as sent (markup and all, up to 400 characters),
    // so whatever the bridge must escape in a note really reaches the note.
    let quoted: String = last_customer.trim().chars().take(400).collect();
    let quoted = if quoted.is_empty() {
        "> (your request)".to_string()
    } else {
        quoted
            .lines()
            .map(|l| format!("> {}", l.trim()))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let language = b.get("language").and_then(Value::as_str).unwrap_or("en");
    json!({
        "draft_id": format!("d_{n}"),
        "draft": format!("Hi there,\nThanks for reaching out. You wrote:\n{quoted}\n\
                          We are looking into it & will get back to you shortly.\nBest regards"),
        "confidence": 0.74,
        "suggested_template": null,
        "language": language,
    })
}

pub(crate) fn analyze(b: &Map<String, Value>) -> Value {
    let text = text_of(b, "text");
    let triggers: Vec<&str> = NEGATIVE.iter().copied().filter(|w| text.contains(w)).collect();
    let positive = any(&text, &POSITIVE);
    let (score, risk) = match triggers.len() {
        0 if positive => (0.6, 0.05),
        0 => (0.05, 0.1),
        1 => (-0.35, 0.45),
        2 => (-0.6, 0.8),
        _ => (-0.85, 0.9),
    };
    let label = if score >= 0.3 {
        "positive"
    } else if score <= -0.3 {
        "negative"
    } else {
        "neutral"
    };
    json!({"score": score, "label": label, "escalation_risk": risk, "triggers": triggers})
}

pub(crate) fn evaluate(b: &Map<String, Value>) -> Value {
    json!({
        "conversation_id": b.get("conversation_id"),
        "agent_id": b.get("agent_id"),
        "overall_score": 0.82,
        "dimensions": {"empathy": 0.9, "accuracy": 0.8, "resolution": 0.75},
        "coaching_notes": [
            "Acknowledge the customer's frustration before asking for details.",
            "Confirm the fix with the customer before resolving.",
        ],
    })
}

/// Topics that classified tickets asked about and no stored article covers.
pub(crate) fn gaps(classified: &[String], articles: &[Value]) -> Value {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for c in classified {
        match counts.iter_mut().find(|(t, _)| t == c) {
            Some((_, n)) => *n += 1,
            None => counts.push((c.clone(), 1)),
        }
    }
    if counts.is_empty() {
        counts = vec![("password reset".into(), 4), ("shipping delays".into(), 3)];
    }
    let covered = |topic: &str| {
        let words = topic.replace('_', " ");
        articles.iter().any(|a| {
            let title = a.get("title").and_then(Value::as_str).unwrap_or("").to_lowercase();
            let tagged = a
                .get("tags")
                .and_then(Value::as_array)
                .is_some_and(|t| t.iter().any(|t| t.as_str() == Some(topic)));
            tagged || title.contains(&words)
        })
    };
    let gaps: Vec<Value> = counts
        .into_iter()
        .filter(|(t, _)| !covered(t))
        .map(|(t, n)| json!({"topic": t.replace('_', " "), "ticket_count": n}))
        .collect();
    json!({"gaps": gaps})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn two_negative_words_are_an_escalation() {
        let a = analyze(&obj(json!({"text": "Third time asking, this is unacceptable"})));
        assert_eq!(a["label"], "negative");
        assert_eq!(a["escalation_risk"], 0.8);
        assert_eq!(a["triggers"], json!(["unacceptable", "third time"]));
    }

    #[test]
    fn crash_is_a_critical_technical_issue() {
        let c = classify(&obj(json!({"subject": "App crashes on login", "body": ""})));
        assert_eq!(c["category"], "technical_issue");
        assert_eq!(c["urgency"], "critical");
    }

    #[test]
    fn the_draft_quotes_the_customers_markup_from_any_line() {
        let msg = "First line\nThe box shows <script>alert(1)</script> then closes";
        let d = draft(&obj(json!({"conversation": [{"role": "customer", "content": msg}]})), 1);
        let text = d["draft"].as_str().unwrap_or_default();
        assert!(
            text.contains("> The box shows <script>alert(1)</script> then closes"),
            "{text}"
        );
    }
}
