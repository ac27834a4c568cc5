//! Contact routes: `GET`/`PUT /contacts/{id}`. A PUT accepts only the
//! updatable keys, checks custom fields against `contact_fields` (names without
//! `cf_`), and rejects an email another contact already uses with 409.

use serde_json::{json, Map, Value};

use super::state::State;
use super::validate::{self, Errors};
use super::wire::{Req, Resp};

const PUT_KEYS: [&str; 10] = [
    "name",
    "email",
    "phone",
    "mobile",
    "job_title",
    "description",
    "tags",
    "custom_fields",
    "language",
    "time_zone",
];

pub(crate) fn get(st: &State, id: u64) -> Resp {
    match st.render_contact(id) {
        Some(c) => Resp::json(200, Value::Object(c)),
        None => Resp::not_found(),
    }
}

pub(crate) fn put(st: &mut State, r: &Req, id: u64) -> Resp {
    if !st.contacts.contains_key(&id) {
        return Resp::not_found();
    }
    let checked = r.json_object().and_then(|b| validate_put(st, &b).map(|()| b));
    let body = match checked {
        Ok(b) => b,
        Err(resp) => return resp,
    };
    if email_taken(st, &body, id) {
        return Resp::json(
            409,
            json!({"description": "Validation failed", "errors": [
                {"field": "email", "message": "It should be a unique value", "code": "duplicate_value"}]}),
        );
    }
    let now = st.clock.now();
    let Some(c) = st.contacts.get_mut(&id) else {
        return Resp::not_found();
    };
    for (k, v) in &body {
        if k == "custom_fields" {
            validate::merge_custom(c, v);
        } else {
            c.insert(k.clone(), v.clone());
        }
    }
    c.insert("updated_at".into(), json!(now));
    get(st, id)
}

/// Every key of a PUT body checked; the 400 lists all the problems at once.
fn validate_put(st: &State, body: &Map<String, Value>) -> Result<(), Resp> {
    let mut errs = Errors::default();
    let custom = State::custom_names(&st.contact_fields);
    for (k, v) in body {
        match k.as_str() {
            k if !PUT_KEYS.contains(&k) => errs.invalid_field(k),
            "tags" => validate::string_array(&mut errs, k, v),
            "custom_fields" => validate::custom_fields(&mut errs, v, &st.contact_fields, &custom),
            "name" => match v.as_str() {
                Some(s) if s.trim().is_empty() => errs.push(
                    k,
                    "It should not be blank as this is a mandatory field",
                    "invalid_value",
                ),
                Some(_) => {}
                None => errs.mismatch(k, "String", v),
            },
            "email" => match v.as_str() {
                Some(s) if !looks_like_email(s) => {
                    errs.push(k, "It should be in the 'valid email address' format", "invalid_value")
                }
                _ => validate::string(&mut errs, k, v, true),
            },
            _ => validate::string(&mut errs, k, v, true),
        }
    }
    errs.into_result()
}

/// Whether the body's email (if any) already belongs to another contact, ignoring case.
fn email_taken(st: &State, body: &Map<String, Value>, id: u64) -> bool {
    let Some(email) = body.get("email").and_then(Value::as_str) else {
        return false;
    };
    st.contacts.iter().any(|(other, c)| {
        *other != id
            && c.get("email")
                .and_then(Value::as_str)
                .is_some_and(|e| e.eq_ignore_ascii_case(email))
    })
}

fn looks_like_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((user, domain)) => !user.is_empty() && domain.contains('.') && !s.contains(' '),
        None => false,
    }
}
