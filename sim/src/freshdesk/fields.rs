//! Default `GET /ticket_fields` and `GET /contact_fields` definitions of a
//! fresh simulated account (the five AI fields exactly as the integration
//! guide's set-up creates them: its types and choices, with the awkward
//! real-world naming: `cf_` prefixes and a numeric suffix), plus
//! helpers to read a field's choices in any of Freshdesk's three shapes.

use serde_json::{json, Map, Value};

use super::state::State;

/// API name of the "AI Category" ticket field (custom_dropdown of [`CATEGORIES`]).
pub const FIELD_AI_CATEGORY: &str = "cf_ai_category";
/// API name of the "AI Urgency" ticket field (custom_dropdown of [`URGENCIES`]).
pub const FIELD_AI_URGENCY: &str = "cf_ai_urgency";
/// API name of the "AI Confidence" ticket field (custom_text) — note the suffix.
pub const FIELD_AI_CONFIDENCE: &str = "cf_ai_confidence2931";
/// API name of the "Sentiment Score" contact field (custom_dropdown of [`SENTIMENT_LABELS`]).
pub const FIELD_SENTIMENT_SCORE: &str = "sentiment_score";
/// API name of the "Escalation Risk" contact field (custom_text).
pub const FIELD_ESCALATION_RISK: &str = "escalation_risk";

/// Choices of the "AI Category" dropdown: the categories Triage answers.
pub const CATEGORIES: [&str; 5] = [
    "billing",
    "technical_issue",
    "feature_request",
    "account",
    "general_inquiry",
];
/// Choices of the "AI Urgency" dropdown, as the guide lists them.
pub const URGENCIES: [&str; 4] = ["low", "medium", "high", "critical"];
/// Choices of the "Sentiment Score" dropdown, as the guide lists them.
pub const SENTIMENT_LABELS: [&str; 3] = ["positive", "neutral", "negative"];

/// Default ticket types (choices of the `ticket_type` field).
pub const TICKET_TYPES: [&str; 5] = ["Question", "Incident", "Problem", "Feature Request", "Refund"];

fn field(id: u64, name: &str, label: &str, kind: &str, position: u64) -> Value {
    json!({
        "id": id, "name": name, "label": label, "label_for_customers": label,
        "description": label, "position": position, "type": kind,
        "default": kind.starts_with("default_"), "customers_can_edit": false,
        "required_for_closure": false, "required_for_agents": false,
        "required_for_customers": false, "displayed_to_customers": true,
        "archived": false, "created_at": "2024-01-10T08:00:00Z",
        "updated_at": "2024-01-10T08:00:00Z",
    })
}

fn with_choices(mut f: Value, choices: Value) -> Value {
    if let Some(obj) = f.as_object_mut() {
        obj.insert("choices".into(), choices);
    }
    f
}

/// A custom dropdown whose choices come as `{id, value, position}` objects.
fn dropdown(id: u64, name: &str, label: &str, position: u64, choices: &[&str]) -> Value {
    let choices: Vec<Value> = choices
        .iter()
        .zip(1u64..)
        .map(|(value, n)| json!({"id": id * 100 + n, "value": value, "position": n}))
        .collect();
    with_choices(
        field(id, name, label, "custom_dropdown", position),
        Value::Array(choices),
    )
}

/// The ticket fields of a fresh account. `default_group` / `default_agent`
/// choices are filled from the account's groups and agents when served.
pub fn default_ticket_fields() -> Vec<Value> {
    vec![
        field(60_001, "requester", "Search a requester", "default_requester", 1),
        field(60_002, "subject", "Subject", "default_subject", 2),
        with_choices(
            field(60_003, "ticket_type", "Type", "default_ticket_type", 3),
            json!(TICKET_TYPES),
        ),
        with_choices(
            field(60_004, "source", "Source", "default_source", 4),
            json!({"Email": 1, "Portal": 2, "Phone": 3, "Chat": 7, "Feedback Widget": 9, "Outbound Email": 10}),
        ),
        with_choices(
            field(60_005, "status", "Status", "default_status", 5),
            json!({
                "2": ["Open", "Being Processed"],
                "3": ["Pending", "Awaiting your Reply"],
                "4": ["Resolved", "This ticket has been Resolved"],
                "5": ["Closed", "This ticket has been Closed"],
            }),
        ),
        with_choices(
            field(60_006, "priority", "Priority", "default_priority", 6),
            json!({"Low": 1, "Medium": 2, "High": 3, "Urgent": 4}),
        ),
        with_choices(field(60_007, "group", "Group", "default_group", 7), json!({})),
        with_choices(field(60_008, "agent", "Agent", "default_agent", 8), json!({})),
        field(60_009, "description", "Description", "default_description", 9),
        dropdown(60_101, FIELD_AI_CATEGORY, "AI Category", 10, &CATEGORIES),
        dropdown(60_102, FIELD_AI_URGENCY, "AI Urgency", 11, &URGENCIES),
        field(60_103, FIELD_AI_CONFIDENCE, "AI Confidence", "custom_text", 12),
    ]
}

/// The contact fields of a fresh account.
pub fn default_contact_fields() -> Vec<Value> {
    vec![
        field(70_001, "name", "Full name", "default_name", 1),
        field(70_002, "job_title", "Title", "default_job_title", 2),
        field(70_003, "email", "Email", "default_email", 3),
        field(70_004, "phone", "Work phone", "default_phone", 4),
        field(70_005, "mobile", "Mobile phone", "default_mobile", 5),
        field(70_006, "twitter_id", "Twitter", "default_twitter_id", 6),
        field(70_007, "company_name", "Company", "default_company_name", 7),
        field(70_008, "address", "Address", "default_address", 8),
        field(70_009, "time_zone", "Time zone", "default_time_zone", 9),
        field(70_010, "language", "Language", "default_language", 10),
        field(70_011, "tag_names", "Tags", "default_tag_names", 11),
        field(70_012, "description", "About", "default_description", 12),
        dropdown(70_101, FIELD_SENTIMENT_SCORE, "Sentiment Score", 13, &SENTIMENT_LABELS),
        field(70_102, FIELD_ESCALATION_RISK, "Escalation Risk", "custom_text", 14),
    ]
}

/// The allowed values of a field, whatever shape its `choices` take: a list of
/// strings, a list of `{value,...}` objects, or a map (its keys).
pub(crate) fn choice_values(field: &Value) -> Vec<String> {
    match field.get("choices") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|c| match c {
                Value::String(s) => Some(s.clone()),
                Value::Object(o) => o.get("value").and_then(Value::as_str).map(str::to_string),
                _ => None,
            })
            .collect(),
        Some(Value::Object(map)) => map.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// The field of `fields` with this `type` (e.g. `default_ticket_type`).
pub(crate) fn by_type<'a>(fields: &'a [Value], kind: &str) -> Option<&'a Value> {
    fields
        .iter()
        .find(|f| f.get("type").and_then(Value::as_str) == Some(kind))
}

/// The field of `fields` with this API `name`.
pub(crate) fn by_name<'a>(fields: &'a [Value], name: &str) -> Option<&'a Value> {
    fields
        .iter()
        .find(|f| f.get("name").and_then(Value::as_str) == Some(name))
}

/// `GET /ticket_fields`: group/agent choices reflect the account's current
/// groups and agents (`{"name": id}` maps, as Freshdesk serves them).
pub(crate) fn served_ticket_fields(st: &State) -> Vec<Value> {
    let groups: Map<String, Value> = st.groups.iter().map(|(id, n)| (n.clone(), json!(id))).collect();
    let agents: Map<String, Value> = st
        .agents
        .iter()
        .map(|(id, a)| {
            (
                a.get("name").and_then(Value::as_str).unwrap_or("").to_string(),
                json!(id),
            )
        })
        .collect();
    st.ticket_fields
        .iter()
        .cloned()
        .map(|mut f| {
            let kind = f.get("type").and_then(Value::as_str).unwrap_or("").to_string();
            if let Some(obj) = f.as_object_mut() {
                match kind.as_str() {
                    "default_group" => obj.insert("choices".into(), Value::Object(groups.clone())),
                    "default_agent" => obj.insert("choices".into(), Value::Object(agents.clone())),
                    _ => None,
                };
            }
            f
        })
        .collect()
}
