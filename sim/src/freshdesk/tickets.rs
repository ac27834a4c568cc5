//! Ticket routes: `GET`/`PUT /tickets/{id}`, `GET /tickets/{id}/conversations`,
//! `POST /tickets/{id}/notes` and `/reply`, and the served `GET /ticket_fields`.
//! PUT validation follows the real API: only updatable keys, integer enums,
//! `type` and dropdowns restricted to their choices, known groups/agents, and
//! custom fields checked against the account's definitions.

use serde_json::{json, Map, Value};

use super::fields::{by_type, choice_values};
use super::server::{paginate, Req, Resp};
use super::state::{State, BOT_AGENT_ID};
use super::validate::{self, Errors};
use crate::util::html_to_text;

const INCLUDES: [&str; 4] = ["conversations", "requester", "company", "stats"];
const SOURCES: [u64; 13] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];

pub(crate) fn get(st: &State, r: &Req, id: u64) -> Resp {
    let Some(mut t) = st.render_ticket(id) else {
        return Resp::not_found();
    };
    let includes: Vec<&str> = r
        .param("include")
        .map(|s| {
            s.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect()
        })
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
            "stats" => st
                .stats
                .get(&id)
                .cloned()
                .map(Value::Object)
                .unwrap_or(Value::Null),
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
                    .map(|f| {
                        choice_values(f)
                            .iter()
                            .filter_map(|s| s.parse().ok())
                            .collect()
                    })
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
                v if v.as_u64().is_some() => errs.push(
                    k,
                    "There is no group matching the given group_id",
                    "invalid_value",
                ),
                v => errs.mismatch(k, "Positive Integer", v),
            },
            "responder_id" => match v {
                Value::Null => {}
                v if v.as_u64().is_some_and(|a| st.agents.contains_key(&a)) => {}
                v if v.as_u64().is_some() => errs.push(
                    k,
                    "There is no agent matching the given responder_id",
                    "invalid_value",
                ),
                v => errs.mismatch(k, "Positive Integer", v),
            },
            "tags" => validate::string_array(&mut errs, k, v),
            "custom_fields" => {
                validate::custom_fields(&mut errs, v, fields, &State::custom_names(fields))
            }
            "subject" | "description" => validate::string(&mut errs, k, v, false),
            _ => errs.invalid_field(k),
        }
    }
    errs.into_result()
}

pub(crate) fn conversations(st: &State, r: &Req, id: u64) -> Resp {
    if !st.tickets.contains_key(&id) {
        return Resp::not_found();
    }
    let items: Vec<Value> = st
        .conversations
        .get(&id)
        .map(|cs| cs.iter().cloned().map(Value::Object).collect())
        .unwrap_or_default();
    paginate(st, r, items)
}

/// `POST /tickets/{id}/notes` (`note == true`) or `/reply`.
pub(crate) fn add_conversation(st: &mut State, r: &Req, id: u64, note: bool) -> Resp {
    if !st.tickets.contains_key(&id) {
        return Resp::not_found();
    }
    let body = match r.json_object() {
        Ok(b) => b,
        Err(resp) => return resp,
    };
    let allowed: &[&str] = if note {
        &["body", "private", "incoming", "notify_emails", "user_id"]
    } else {
        &["body", "from_email", "user_id", "cc_emails", "bcc_emails"]
    };
    let mut errs = Errors::default();
    for (k, v) in &body {
        match k.as_str() {
            k if !allowed.contains(&k) => errs.invalid_field(k),
            "body" | "from_email" => validate::string(&mut errs, k, v, false),
            "private" | "incoming" if !v.is_boolean() => errs.mismatch(k, "Boolean", v),
            "user_id" if v.as_u64().is_none() => errs.mismatch(k, "Positive Integer", v),
            "notify_emails" | "cc_emails" | "bcc_emails" => validate::string_array(&mut errs, k, v),
            _ => {}
        }
    }
    match body.get("body") {
        None => errs.push("body", "It should be a/an String", "missing_field"),
        Some(Value::String(s)) if s.trim().is_empty() => errs.push(
            "body",
            "It should not be blank as this is a mandatory field",
            "missing_field",
        ),
        _ => {}
    }
    if let Err(resp) = errs.into_result() {
        return resp;
    }
    let flag = |k: &str, d: bool| body.get(k).and_then(Value::as_bool).unwrap_or(d);
    let user_id = body
        .get("user_id")
        .and_then(Value::as_u64)
        .unwrap_or(BOT_AGENT_ID);
    let mut conv = json!({
        "body": body.get("body").cloned().unwrap_or(Value::Null),
        "private": note && flag("private", true),
        "incoming": note && flag("incoming", false),
        "source": if note { 2 } else { 0 },
        "user_id": user_id,
    });
    if let Some(c) = conv.as_object_mut() {
        let emails = body
            .get("notify_emails")
            .cloned()
            .unwrap_or_else(|| json!([]));
        c.insert(
            if note { "notified_to" } else { "to_emails" }.into(),
            emails,
        );
        for k in ["cc_emails", "bcc_emails", "from_email"] {
            if let Some(v) = body.get(k) {
                c.insert(k.into(), v.clone());
            }
        }
    }
    let conv_id = st.insert_conversation(id, conv);
    if note {
        st.api_notes.insert(conv_id);
    }
    let created = st.conversations.get(&id).and_then(|cs| cs.last().cloned());
    let created_at = created.as_ref().and_then(|c| c.get("created_at").cloned());
    if let (Some(t), Some(at)) = (st.tickets.get_mut(&id), created_at.clone()) {
        t.insert("updated_at".into(), at);
    }
    if !note {
        if let (Some(stats), Some(at)) = (st.stats.get_mut(&id), created_at) {
            stats.insert("agent_responded_at".into(), at.clone());
            let first = stats.entry("first_responded_at").or_insert(Value::Null);
            if first.is_null() {
                *first = at;
            }
        }
    }
    match created {
        Some(c) => Resp::json(201, Value::Object(c)),
        None => Resp::empty(500),
    }
}

/// `GET /ticket_fields`: group/agent choices reflect the account's current
/// groups and agents (`{"name": id}` maps, as Freshdesk serves them).
pub(crate) fn served_fields(st: &State) -> Vec<Value> {
    let groups: Map<String, Value> = st
        .groups
        .iter()
        .map(|(id, n)| (n.clone(), json!(id)))
        .collect();
    let agents: Map<String, Value> = st
        .agents
        .iter()
        .map(|(id, a)| {
            (
                a.get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                json!(id),
            )
        })
        .collect();
    st.ticket_fields
        .iter()
        .cloned()
        .map(|mut f| {
            let kind = f
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
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
