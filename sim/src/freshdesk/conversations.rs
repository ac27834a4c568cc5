//! Conversation routes: `GET /tickets/{id}/conversations` (paginated, oldest
//! first) and `POST /tickets/{id}/notes` / `/reply`. Notes default to private
//! and are authored by the bot agent; the ones created here are remembered so
//! tests can tell them apart from seeded conversations.

use serde_json::{json, Map, Value};

use super::state::{State, BOT_AGENT_ID};
use super::validate::{self, Errors};
use super::wire::{paginate, Req, Resp};

pub(crate) fn list(st: &State, r: &Req, id: u64) -> Resp {
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
pub(crate) fn add(st: &mut State, r: &Req, id: u64, note: bool) -> Resp {
    if !st.tickets.contains_key(&id) {
        return Resp::not_found();
    }
    let body = match r.json_object() {
        Ok(b) => b,
        Err(resp) => return resp,
    };
    if let Err(resp) = validate_add(&body, note) {
        return resp;
    }
    let conv_id = st.insert_conversation(id, conversation(&body, note));
    if note {
        st.api_notes.insert(conv_id);
    }
    let created = st.conversations.get(&id).and_then(|cs| cs.last().cloned());
    let created_at = created.as_ref().and_then(|c| c.get("created_at").cloned());
    touch_ticket(st, id, created_at, note);
    match created {
        Some(c) => Resp::json(201, Value::Object(c)),
        None => Resp::empty(500),
    }
}

/// The keys a note or a reply accepts, their types, and a non-blank `body`.
fn validate_add(body: &Map<String, Value>, note: bool) -> Result<(), Resp> {
    let allowed: &[&str] = if note {
        &["body", "private", "incoming", "notify_emails", "user_id"]
    } else {
        &["body", "from_email", "user_id", "cc_emails", "bcc_emails"]
    };
    let mut errs = Errors::default();
    for (k, v) in body {
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
    errs.into_result()
}

/// The stored conversation for a valid body: notes default to private and come
/// from the bot agent unless `user_id` says otherwise.
fn conversation(body: &Map<String, Value>, note: bool) -> Value {
    let flag = |k: &str, d: bool| body.get(k).and_then(Value::as_bool).unwrap_or(d);
    let user_id = body.get("user_id").and_then(Value::as_u64).unwrap_or(BOT_AGENT_ID);
    let mut conv = json!({
        "body": body.get("body").cloned().unwrap_or(Value::Null),
        "private": note && flag("private", true),
        "incoming": note && flag("incoming", false),
        "source": if note { 2 } else { 0 },
        "user_id": user_id,
    });
    if let Some(c) = conv.as_object_mut() {
        let emails = body.get("notify_emails").cloned().unwrap_or_else(|| json!([]));
        c.insert(if note { "notified_to" } else { "to_emails" }.into(), emails);
        for k in ["cc_emails", "bcc_emails", "from_email"] {
            if let Some(v) = body.get(k) {
                c.insert(k.into(), v.clone());
            }
        }
    }
    conv
}

/// A new conversation moves the ticket's `updated_at`; a reply also sets the
/// agent response times in its stats (the first one only once).
fn touch_ticket(st: &mut State, id: u64, created_at: Option<Value>, note: bool) {
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
}
