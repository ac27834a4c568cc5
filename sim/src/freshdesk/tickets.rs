//! Ticket routes: `GET /tickets/{id}` (with `include=`) and `PUT /tickets/{id}`.
//! PUT validation follows the real API: only updatable keys, integer enums,
//! `type` and dropdowns restricted to their choices, known groups/agents, and
//! custom fields checked against the account's definitions.

use serde_json::{json, Map, Value};

use super::fields::{by_type, choice_values};
use super::state::State;
use super::validate::{self, Errors};
use super::wire::{Req, Resp};
use crate::util::html_to_text;

const INCLUDES: [&str; 4] = ["conversations", "requester", "company", "stats"];
const SOURCES: [u64; 13] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];

pub(crate) fn get(st: &State, r: &Req, id: u64) -> Resp {
    let Some(mut t) = st.render_ticket(id) else {
        return Resp::not_found();
    };
    let includes: Vec<&str> = r
        .param("include")
        .map(|s| s.split(',').map(str::trim).filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    if includes.iter().any(|i| !INCLUDES.contains(i)) {
        let allowed: Vec<String> = INCLUDES.iter().map(|s| s.to_string()).collect();
        let mut errs = Errors::default();
        errs.not_one_of("include", &allowed);
        if let Err(resp) = errs.into_result() {
            return resp;
        }
    }
    for inc in includes {
        let value = match inc {
            "stats" => st.stats.get(&id).cloned().map(Value::Object).unwrap_or(Value::Null),
            "requester" => requester(st, &t),
            "company" => Value::Null,
            _ => {
                let convs = st.conversations.get(&id).map(Vec::as_slice).unwrap_or(&[]);
                Value::Array(convs.iter().take(10).cloned().map(Value::Object).collect())
            }
        };
        t.insert(inc.to_string(), value);
    }
    Resp::json(200, Value::Object(t))
}

fn requester(st: &State, t: &Map<String, Value>) -> Value {
    let id = t.get("requester_id").and_then(Value::as_u64);
    match id.and_then(|id| st.contacts.get(&id)) {
        Some(c) => {
            let pick = |k: &str| c.get(k).cloned().unwrap_or(Value::Null);
            json!({"id": pick("id"), "name": pick("name"), "email": pick("email"),
                   "mobile": pick("mobile"), "phone": pick("phone")})
        }
        None => Value::Null,
    }
}

pub(crate) fn put(st: &mut State, r: &Req, id: u64) -> Resp {
    if !st.tickets.contains_key(&id) {
        return Resp::not_found();
    }
    let body = match r.json_object() {
        Ok(b) => b,
        Err(resp) => return resp,
    };
    if let Err(resp) = validate_put(st, &body) {
        return resp;
    }
    let now = st.clock.now();
    let Some(t) = st.tickets.get_mut(&id) else {
        return Resp::not_found();
    };
    let old_status = t.get("status").and_then(Value::as_u64);
    for (k, v) in &body {
        match k.as_str() {
            "custom_fields" => validate::merge_custom(t, v),
            "description" => {
                let text = html_to_text(v.as_str().unwrap_or(""));
                t.insert("description_text".into(), Value::String(text));
                t.insert(k.clone(), v.clone());
            }
            _ => {
                t.insert(k.clone(), v.clone());
            }
        }
    }
    t.insert("updated_at".into(), json!(now));
    let new_status = t.get("status").and_then(Value::as_u64);
    if new_status != old_status {
        if let Some(stats) = st.stats.get_mut(&id) {
            update_stats(stats, old_status, new_status, &now);
        }
    }
    match st.render_ticket(id) {
        Some(t) => Resp::json(200, Value::Object(t)),
        None => Resp::not_found(),
    }
}

fn update_stats(stats: &mut Map<String, Value>, old: Option<u64>, new: Option<u64>, now: &str) {
    stats.insert("status_updated_at".into(), json!(now));
    match new {
        Some(3) => {
            stats.insert("pending_since".into(), json!(now));
        }
        Some(4) => {
            stats.insert("resolved_at".into(), json!(now));
        }
        Some(5) => {
            stats.insert("closed_at".into(), json!(now));
            if stats.get("resolved_at").is_none_or(Value::is_null) {
                stats.insert("resolved_at".into(), json!(now));
            }
        }
        _ => {}
    }
    if matches!(old, Some(4 | 5)) && matches!(new, Some(2 | 3)) {
        stats.insert("reopened_at".into(), json!(now));
    }
}

fn validate_put(st: &State, body: &Map<String, Value>) -> Result<(), Resp> {
    let mut errs = Errors::default();
    let fields = &st.ticket_fields;
    for (k, v) in body {
        match k.as_str() {
            "priority" => validate::int_choice(&mut errs, k, v, &[1, 2, 3, 4]),
            "status" => {
                let allowed: Vec<u64> = by_type(fields, "default_status")
                    .map(|f| choice_values(f).iter().filter_map(|s| s.parse().ok()).collect())
                    .unwrap_or_else(|| vec![2, 3, 4, 5]);
                validate::int_choice(&mut errs, k, v, &allowed)
            }
            "source" => validate::int_choice(&mut errs, k, v, &SOURCES),
            "type" => {
                if let (Some(s), Some(def)) = (v.as_str(), by_type(fields, "default_ticket_type")) {
                    let allowed = choice_values(def);
                    if !allowed.iter().any(|a| a == s) {
                        errs.not_one_of(k, &allowed);
                    }
                } else {
                    validate::string(&mut errs, k, v, true);
                }
            }
            "group_id" => match v {
                Value::Null => {}
                v if v.as_u64().is_some_and(|g| st.groups.contains_key(&g)) => {}
                v if v.as_u64().is_some() => {
                    errs.push(k, "There is no group matching the given group_id", "invalid_value")
                }
                v => errs.mismatch(k, "Positive Integer", v),
            },
            "responder_id" => match v {
                Value::Null => {}
                v if v.as_u64().is_some_and(|a| st.agents.contains_key(&a)) => {}
                v if v.as_u64().is_some() => {
                    errs.push(k, "There is no agent matching the given responder_id", "invalid_value")
                }
                v => errs.mismatch(k, "Positive Integer", v),
            },
            "tags" => validate::string_array(&mut errs, k, v),
            "custom_fields" => validate::custom_fields(&mut errs, v, fields, &State::custom_names(fields)),
            "subject" | "description" => validate::string(&mut errs, k, v, false),
            _ => errs.invalid_field(k),
        }
    }
    errs.into_result()
}
