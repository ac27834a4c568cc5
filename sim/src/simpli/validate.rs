//! Request validation mirroring the Simpli services' pydantic models: strings
//! must be JSON strings (no int → str coercion), required fields present, the
//! Sentiment `customer_id` pattern and `text` length enforced in characters.
//! Unknown fields are ignored, as FastAPI does.

use serde_json::{Map, Value};

/// `(field, message)` pairs; empty means valid.
pub(crate) type FieldErrors = Vec<(String, String)>;

const ROLES: [&str; 3] = ["customer", "agent", "system"];
const CHANNELS: [&str; 5] = ["email", "chat", "phone", "social", "web"];
const MAX_TEXT: usize = 10_000;

/// Validate the body of a POST to `path`.
pub(crate) fn body(path: &str, b: &Map<String, Value>) -> FieldErrors {
    let mut e = FieldErrors::new();
    match path {
        "/classify" => {
            let subject = opt_string(&mut e, b, "subject");
            let text = opt_string(&mut e, b, "body");
            let blank = |s: Option<&str>| s.is_none_or(|s| s.trim().is_empty());
            if e.is_empty() && blank(subject) && blank(text) {
                e.push((
                    "body".into(),
                    "Either subject or body must be a non-empty string".into(),
                ));
            }
            if !b.get("metadata").is_none_or(|m| m.is_object() || m.is_null()) {
                e.push(("metadata".into(), "Input should be a valid dictionary".into()));
            }
        }
        "/route" => {
            req_string(&mut e, b, "ticket_id");
            req_string(&mut e, b, "category");
            opt_string(&mut e, b, "urgency");
            opt_string(&mut e, b, "sentiment");
        }
        "/api/v1/draft" => {
            req_string(&mut e, b, "ticket_id");
            messages(&mut e, b, "conversation");
            opt_string(&mut e, b, "style");
            opt_string(&mut e, b, "language");
        }
        "/analyze" => analyze(&mut e, b),
        "/evaluate" => {
            req_string(&mut e, b, "conversation_id");
            req_string(&mut e, b, "agent_id");
            messages(&mut e, b, "messages");
        }
        "/articles" => {
            if req_string(&mut e, b, "title").is_some_and(|t| t.trim().is_empty()) {
                e.push(("title".into(), "String should have at least 1 character".into()));
            }
            req_string(&mut e, b, "content");
            opt_string(&mut e, b, "source");
            match b.get("tags") {
                None | Some(Value::Null) => {}
                Some(Value::Array(items)) => {
                    for (i, t) in items.iter().enumerate() {
                        if !t.is_string() {
                            e.push((format!("tags[{i}]"), "Input should be a valid string".into()));
                        }
                    }
                }
                Some(_) => e.push(("tags".into(), "Input should be a valid list".into())),
            }
        }
        _ => {}
    }
    e
}

fn analyze(e: &mut FieldErrors, b: &Map<String, Value>) {
    if let Some(id) = req_string(e, b, "customer_id") {
        if !valid_customer_id(id) {
            e.push((
                "customer_id".into(),
                "String should match pattern '^[A-Za-z0-9][A-Za-z0-9\\-_]{0,63}$'".into(),
            ));
        }
    }
    if let Some(text) = req_string(e, b, "text") {
        let n = text.chars().count();
        if n == 0 {
            e.push(("text".into(), "String should have at least 1 character".into()));
        } else if n > MAX_TEXT {
            e.push((
                "text".into(),
                format!("String should have at most {MAX_TEXT} characters"),
            ));
        }
    }
    if let Some(ch) = opt_string(e, b, "channel") {
        if !CHANNELS.contains(&ch) {
            e.push((
                "channel".into(),
                "Input should be 'email', 'chat', 'phone', 'social' or 'web'".into(),
            ));
        }
    }
}

/// `^[A-Za-z0-9][A-Za-z0-9\-_]{0,63}$` without a regex engine.
pub(crate) fn valid_customer_id(id: &str) -> bool {
    let bytes = id.as_bytes();
    match bytes.split_first() {
        Some((first, rest)) => {
            first.is_ascii_alphanumeric()
                && rest.len() <= 63
                && rest
                    .iter()
                    .all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_')
        }
        None => false,
    }
}

fn req_string<'a>(e: &mut FieldErrors, b: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    match b.get(key) {
        None => {
            e.push((key.into(), "Field required".into()));
            None
        }
        Some(Value::String(s)) => Some(s),
        Some(_) => {
            e.push((key.into(), "Input should be a valid string".into()));
            None
        }
    }
}

fn opt_string<'a>(e: &mut FieldErrors, b: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    match b.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(_) => {
            e.push((key.into(), "Input should be a valid string".into()));
            None
        }
    }
}

fn messages(e: &mut FieldErrors, b: &Map<String, Value>, key: &str) {
    let items = match b.get(key) {
        None => return e.push((key.into(), "Field required".into())),
        Some(Value::Array(items)) => items,
        Some(_) => return e.push((key.into(), "Input should be a valid list".into())),
    };
    if items.is_empty() {
        e.push((
            key.into(),
            "List should have at least 1 item after validation, not 0".into(),
        ));
    }
    for (i, m) in items.iter().enumerate() {
        let Some(m) = m.as_object() else {
            e.push((format!("{key}[{i}]"), "Input should be a valid dictionary".into()));
            continue;
        };
        let mut inner = FieldErrors::new();
        if let Some(role) = req_string(&mut inner, m, "role") {
            if !ROLES.contains(&role) {
                inner.push(("role".into(), "Input should be 'customer', 'agent' or 'system'".into()));
            }
        }
        req_string(&mut inner, m, "content");
        e.extend(inner.into_iter().map(|(f, msg)| (format!("{key}[{i}].{f}"), msg)));
    }
}

#[cfg(test)]
mod tests {
    use super::valid_customer_id;

    #[test]
    fn customer_id_pattern() {
        assert!(valid_customer_id("5001"));
        assert!(valid_customer_id("a-b_C9"));
        assert!(valid_customer_id(&"a".repeat(64)));
        assert!(!valid_customer_id(&"a".repeat(65)));
        assert!(!valid_customer_id(""));
        assert!(!valid_customer_id("-5001"));
        assert!(!valid_customer_id("dana@example.com"));
        assert!(!valid_customer_id("ünï"));
    }
}
