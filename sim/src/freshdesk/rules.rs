//! Automation rules in the Freshdesk simulator: `GET|POST /automations/{1|3|4}/rules`, with the
//! validation a rule gets (creation rules need a condition and take no performer or events;
//! update rules need both; a webhook action needs a method, an absolute URL and an encoding).

use serde_json::{json, Map, Value};

use super::state::State;
use super::validate::Errors;
use super::wire::{paginate, Req, Resp};

/// Automation types: 1 ticket creation, 3 time triggers, 4 ticket updates.
const RULE_TYPES: [u64; 3] = [1, 3, 4];
/// `GET|POST /automations/{type}/rules`.
pub(crate) fn handle(st: &mut State, r: &Req, kind: &str) -> Resp {
    let Some(kind) = kind.parse::<u64>().ok().filter(|k| RULE_TYPES.contains(k)) else {
        return Resp::not_found();
    };
    match r.method.as_str() {
        "GET" => {
            let items = st.rules.get(&kind).cloned().unwrap_or_default();
            paginate(st, r, items)
        }
        "POST" => create_rule(st, r, kind),
        _ => super::server::not_allowed("GET, POST"),
    }
}

fn create_rule(st: &mut State, r: &Req, kind: u64) -> Resp {
    let body = match r.json_object() {
        Ok(b) => b,
        Err(resp) => return resp,
    };
    if let Err(resp) = validate_rule(&body, kind) {
        return resp;
    }
    st.next_rule_id += 1;
    let mut rule = Value::Object(body);
    rule["id"] = json!(st.next_rule_id);
    rule["automation_type_id"] = json!(kind);
    rule["created_at"] = json!("2024-01-10T08:00:00Z");
    let list = st.rules.entry(kind).or_default();
    if rule.get("position").is_none() {
        rule["position"] = json!(list.len() + 1);
    }
    list.push(rule.clone());
    Resp::json(201, rule)
}

fn validate_rule(body: &Map<String, Value>, kind: u64) -> Result<(), Resp> {
    let mut errs = Errors::default();
    if body
        .get("name")
        .and_then(Value::as_str)
        .is_none_or(|n| n.trim().is_empty())
    {
        errs.push("name", "It should be a non-empty String", "missing_field");
    }
    let updates = kind == 4;
    for key in ["performer", "events"] {
        match (updates, body.contains_key(key)) {
            (true, false) => errs.push(key, "It should be present for ticket update rules", "missing_field"),
            (false, true) => errs.invalid_field(key),
            _ => {}
        }
    }
    if updates && body.get("events").and_then(Value::as_array).is_none_or(Vec::is_empty) {
        errs.push("events", "It should contain at least one event", "invalid_value");
    }
    let conditions = body.get("conditions").and_then(Value::as_array);
    if kind == 1 && conditions.is_none_or(|c| c.iter().all(|set| properties(set).is_empty())) {
        errs.push(
            "conditions",
            "Ticket creation rules need at least one condition",
            "missing_field",
        );
    }
    for set in conditions.into_iter().flatten() {
        check_condition_set(&mut errs, set);
    }
    match body.get("actions").and_then(Value::as_array) {
        Some(actions) if !actions.is_empty() => actions.iter().for_each(|a| check_action(&mut errs, a)),
        _ => errs.push("actions", "It should contain at least one action", "missing_field"),
    }
    errs.into_result()
}

fn properties(set: &Value) -> Vec<Value> {
    set.get("properties")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

fn check_condition_set(errs: &mut Errors, set: &Value) {
    if !matches!(set.get("match_type").and_then(Value::as_str), Some("all" | "any")) {
        errs.not_one_of("conditions.match_type", &["all".into(), "any".into()]);
    }
    for p in properties(set) {
        let complete = ["field_name", "operator"]
            .iter()
            .all(|k| p.get(k).and_then(Value::as_str).is_some_and(|s| !s.is_empty()));
        if !complete {
            errs.push(
                "conditions.properties",
                "field_name and operator are required",
                "missing_field",
            );
        }
    }
}

fn check_action(errs: &mut Errors, action: &Value) {
    let Some(name) = action.get("field_name").and_then(Value::as_str) else {
        errs.push("actions.field_name", "It should be a non-empty String", "missing_field");
        return;
    };
    if name != "trigger_webhook" {
        return;
    }
    let methods = ["get", "post", "put", "patch", "delete"].map(String::from);
    if !action
        .get("request_type")
        .and_then(Value::as_str)
        .is_some_and(|m| methods.contains(&m.to_lowercase()))
    {
        errs.not_one_of("actions.request_type", &methods);
    }
    let url = action.get("url").and_then(Value::as_str).unwrap_or("");
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        errs.push("actions.url", "It should be a valid URL", "invalid_value");
    }
    let types = ["json", "xml", "urlencoded"].map(String::from);
    if !action
        .get("content_type")
        .and_then(Value::as_str)
        .is_some_and(|t| types.contains(&t.to_string()))
    {
        errs.not_one_of("actions.content_type", &types);
    }
}
