//! Admin endpoints of the Freshdesk simulator: custom field creation (`POST
//! /admin/ticket_fields`, `POST /contact_fields`), automation rules (`GET|POST
//! /automations/{1|3|4}/rules`) and `GET /groups`, with Freshdesk-style validation,
//! plus the handle methods tests use to build broken accounts (a field of the wrong
//! type, a dropdown lacking a choice, a missing field or rule, a rule to another URL).

use serde_json::{json, Map, Value};

use super::fields::choice_values;
use super::state::State;
use super::validate::Errors;
use super::wire::{paginate, Req, Resp};
use super::FreshdeskSim;

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

/// Automation types: 1 ticket creation, 3 time triggers, 4 ticket updates.
const RULE_TYPES: [u64; 3] = [1, 3, 4];

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

fn same_label(field: &Value, label: &str) -> bool {
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

/// `GET|POST /automations/{type}/rules`.
pub(crate) fn rules(st: &mut State, r: &Req, kind: &str) -> Resp {
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

/// `GET /groups`.
pub(crate) fn groups(st: &State, r: &Req) -> Resp {
    let items: Vec<Value> = st
        .groups
        .iter()
        .map(|(id, name)| json!({"id": id, "name": name, "description": null}))
        .collect();
    paginate(st, r, items)
}

/// Test helpers that bend an account out of the shape the set-up gives it.
impl FreshdeskSim {
    /// An empty account that lacks the five AI custom fields (what `ops setup` starts from).
    pub fn without_ai_fields(api_key: &str) -> Self {
        let sim = Self::new(api_key);
        for label in AI_FIELD_LABELS {
            sim.remove_field(label);
        }
        sim
    }

    /// Remove the ticket or contact field with this label (case-insensitive); false if absent.
    pub fn remove_field(&self, label: &str) -> bool {
        let mut st = self.state();
        let before = st.ticket_fields.len() + st.contact_fields.len();
        st.ticket_fields.retain(|f| !same_label(f, label));
        st.contact_fields.retain(|f| !same_label(f, label));
        before != st.ticket_fields.len() + st.contact_fields.len()
    }

    /// Give the field with this label another type (dropping its choices unless
    /// it stays a dropdown); false if absent.
    pub fn set_field_type(&self, label: &str, kind: &str) -> bool {
        self.edit_field(label, |f| {
            f["type"] = json!(kind);
            if kind != "custom_dropdown" {
                if let Some(o) = f.as_object_mut() {
                    o.remove("choices");
                }
            }
        })
    }

    /// Replace a dropdown's choices with these values; false if absent.
    pub fn set_field_choices(&self, label: &str, values: &[&str]) -> bool {
        self.edit_field(label, |f| {
            let id = f.get("id").and_then(Value::as_u64).unwrap_or(0);
            let choices: Vec<Value> = values
                .iter()
                .zip(1u64..)
                .map(|(v, n)| json!({"id": id * 100 + n, "value": v, "position": n}))
                .collect();
            f["choices"] = Value::Array(choices);
        })
    }

    /// The choices of the field with this label (empty if absent or not a dropdown).
    pub fn field_choices(&self, label: &str) -> Vec<String> {
        let st = self.state();
        st.ticket_fields
            .iter()
            .chain(&st.contact_fields)
            .find(|f| same_label(f, label))
            .map(choice_values)
            .unwrap_or_default()
    }

    fn edit_field(&self, label: &str, edit: impl FnOnce(&mut Value)) -> bool {
        let mut st = self.state();
        let st = &mut *st;
        match st
            .ticket_fields
            .iter_mut()
            .chain(st.contact_fields.iter_mut())
            .find(|f| same_label(f, label))
        {
            Some(f) => {
                edit(f);
                true
            }
            None => false,
        }
    }

    /// The automation rules of this type (1 creation, 3 time triggers, 4 updates).
    pub fn rules(&self, kind: u64) -> Vec<Value> {
        self.state().rules.get(&kind).cloned().unwrap_or_default()
    }

    /// Add a rule as if an admin had made it (no validation); returns its id.
    pub fn add_rule(&self, kind: u64, mut rule: Value) -> u64 {
        let mut st = self.state();
        st.next_rule_id += 1;
        let id = st.next_rule_id;
        rule["id"] = json!(id);
        rule["automation_type_id"] = json!(kind);
        st.rules.entry(kind).or_default().push(rule);
        id
    }

    /// Remove the rule with this name from every type; false if absent.
    pub fn remove_rule(&self, name: &str) -> bool {
        let mut st = self.state();
        let mut removed = false;
        for list in st.rules.values_mut() {
            let before = list.len();
            list.retain(|r| r.get("name").and_then(Value::as_str) != Some(name));
            removed |= before != list.len();
        }
        removed
    }

    /// Point every webhook action of the rule with this name at `url`; false if absent.
    pub fn set_rule_url(&self, name: &str, url: &str) -> bool {
        let mut st = self.state();
        let rule = st
            .rules
            .values_mut()
            .flatten()
            .find(|r| r.get("name").and_then(Value::as_str) == Some(name));
        let Some(rule) = rule else { return false };
        if let Some(actions) = rule.get_mut("actions").and_then(Value::as_array_mut) {
            for a in actions.iter_mut().filter(|a| a["field_name"] == "trigger_webhook") {
                a["url"] = json!(url);
            }
        }
        true
    }
}
