//! Admin endpoints of the Freshdesk simulator: custom field creation (`POST
//! /admin/ticket_fields`, `POST /contact_fields`, Freshdesk-style validation: unique label,
//! known type, dropdown choices) and `GET /groups`. Automation rules are in `rules.rs`, the
//! helpers that build broken accounts in `broken.rs`.

use serde_json::{json, Map, Value};

use super::state::State;
use super::validate::Errors;
use super::wire::{paginate, Req, Resp};

/// Custom field types the create endpoints accept.
const FIELD_TYPES: [&str; 7] = [
    "custom_text",
    "custom_paragraph",
    "custom_checkbox",
    "custom_number",
    "custom_decimal",
    "custom_date",
    "custom_dropdown",
];

/// Labels of the five AI custom fields the integration guide's set-up creates.
pub const AI_FIELD_LABELS: [&str; 5] = [
    "AI Category",
    "AI Urgency",
    "AI Confidence",
    "Sentiment Score",
    "Escalation Risk",
];

/// `POST /admin/ticket_fields` (`contact` false) or `POST /contact_fields`.
pub(crate) fn create_field(st: &mut State, r: &Req, contact: bool) -> Resp {
    let body = match r.json_object() {
        Ok(b) => b,
        Err(resp) => return resp,
    };
    let existing = if contact { &st.contact_fields } else { &st.ticket_fields };
    if let Err(resp) = validate_field(&body, existing) {
        return resp;
    }
    let field = new_field(st, &body, contact);
    let list = if contact {
        &mut st.contact_fields
    } else {
        &mut st.ticket_fields
    };
    list.push(field.clone());
    Resp::json(201, field)
}

fn validate_field(body: &Map<String, Value>, existing: &[Value]) -> Result<(), Resp> {
    let mut errs = Errors::default();
    for key in body.keys() {
        if ![
            "label",
            "label_for_customers",
            "type",
            "choices",
            "position",
            "description",
            "required_for_agents",
        ]
        .contains(&key.as_str())
        {
            errs.invalid_field(key);
        }
    }
    let label = body.get("label").and_then(Value::as_str).map(str::trim).unwrap_or("");
    if label.is_empty() {
        errs.push("label", "It should be a non-empty String", "missing_field");
    } else if existing.iter().any(|f| same_label(f, label)) {
        errs.push("label", "It should be a unique value", "duplicate_value");
    }
    if body.get("label_for_customers").and_then(Value::as_str).is_none() {
        errs.push(
            "label_for_customers",
            "It should be a non-empty String",
            "missing_field",
        );
    }
    match body.get("type").and_then(Value::as_str) {
        None => errs.push("type", "It should be a non-empty String", "missing_field"),
        Some(t) if !FIELD_TYPES.contains(&t) => {
            errs.not_one_of("type", &FIELD_TYPES.map(String::from));
        }
        Some("custom_dropdown") => check_choices(&mut errs, body.get("choices")),
        Some(_) if body.contains_key("choices") => {
            errs.push(
                "choices",
                "Choices are allowed only for dropdown fields",
                "invalid_field",
            );
        }
        Some(_) => {}
    }
    errs.into_result()
}

/// Dropdown choices: a non-empty list of `{value, position}` with unique non-empty values.
fn check_choices(errs: &mut Errors, choices: Option<&Value>) {
    let Some(Value::Array(items)) = choices else {
        errs.push("choices", "It should be a non-empty Array", "missing_field");
        return;
    };
    let values: Vec<&str> = items
        .iter()
        .filter_map(|c| c.get("value").and_then(Value::as_str))
        .collect();
    if items.is_empty() || values.len() != items.len() || values.iter().any(|v| v.trim().is_empty()) {
        errs.push(
            "choices",
            "Each choice should be an object with a non-empty value",
            "invalid_value",
        );
        return;
    }
    let mut seen: Vec<String> = Vec::new();
    for v in values {
        let v = v.to_lowercase();
        if seen.contains(&v) {
            errs.push("choices", "Choice values should be unique", "duplicate_value");
            return;
        }
        seen.push(v);
    }
}

pub(crate) fn same_label(field: &Value, label: &str) -> bool {
    field
        .get("label")
        .and_then(Value::as_str)
        .is_some_and(|l| l.trim().eq_ignore_ascii_case(label))
}

/// The stored field: a generated id and API name (`cf_` for ticket fields, plus a numeric
/// suffix when the name is taken, as Freshdesk does) and choices as `{id, value, position}`.
fn new_field(st: &mut State, body: &Map<String, Value>, contact: bool) -> Value {
    st.next_field_id += 1;
    let id = st.next_field_id;
    let label = body.get("label").and_then(Value::as_str).unwrap_or("").trim();
    let stem: String = label
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let stem = if contact { stem } else { format!("cf_{stem}") };
    let list = if contact { &st.contact_fields } else { &st.ticket_fields };
    let taken = |n: &str| list.iter().any(|f| f.get("name").and_then(Value::as_str) == Some(n));
    let name = if taken(&stem) {
        format!("{stem}{}", id % 10_000)
    } else {
        stem
    };
    let mut field = json!({
        "id": id, "name": name, "label": label,
        "label_for_customers": body.get("label_for_customers").cloned().unwrap_or(Value::Null),
        "type": body.get("type").cloned().unwrap_or(Value::Null),
        "position": list.len() + 1, "default": false, "archived": false,
        "required_for_agents": false, "customers_can_edit": false,
        "created_at": "2024-01-10T08:00:00Z", "updated_at": "2024-01-10T08:00:00Z",
    });
    if let Some(Value::Array(choices)) = body.get("choices") {
        let choices: Vec<Value> = choices
            .iter()
            .zip(1u64..)
            .map(|(c, n)| json!({"id": id * 100 + n, "value": c.get("value").cloned().unwrap_or(Value::Null), "position": n}))
            .collect();
        field["choices"] = Value::Array(choices);
    }
    field
}

/// `GET /groups`.
pub(crate) fn groups(st: &State, r: &Req) -> Resp {
    let items: Vec<Value> = st
        .groups
        .iter()
        .map(|(id, name)| json!({"id": id, "name": name, "description": null}))
        .collect();
    paginate(st, r, items)
}
