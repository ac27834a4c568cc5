//! Freshdesk-style request validation: every problem in a body is collected
//! into one `400 {"description":"Validation failed","errors":[...]}`, with
//! the codes and message wording the real API uses (`invalid_field`,
//! `invalid_value` "It should be one of these values: '...'",
//! `datatype_mismatch`, `missing_field`).

use serde_json::{json, Map, Value};

use super::fields::{by_name, choice_values};
use super::wire::Resp;

/// Collected field errors of one request.
#[derive(Debug, Default)]
pub(crate) struct Errors(Vec<Value>);

impl Errors {
    pub(crate) fn push(&mut self, field: &str, message: impl Into<String>, code: &str) {
        self.0
            .push(json!({"field": field, "message": message.into(), "code": code}));
    }

    pub(crate) fn invalid_field(&mut self, field: &str) {
        self.push(field, "Unexpected/invalid field in request", "invalid_field");
    }

    pub(crate) fn mismatch(&mut self, field: &str, expected: &str, got: &Value) {
        let msg = format!("Value set is of type {}.It should be a/an {expected}", type_name(got));
        self.push(field, msg, "datatype_mismatch");
    }

    pub(crate) fn not_one_of(&mut self, field: &str, allowed: &[String]) {
        self.push(field, one_of(allowed), "invalid_value");
    }

    /// `Ok` when there were no errors, else the 400 answer.
    pub(crate) fn into_result(self) -> Result<(), Resp> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Resp::json(
                400,
                json!({"description": "Validation failed", "errors": self.0}),
            ))
        }
    }
}

/// `It should be one of these values: 'a,b,c'`.
pub(crate) fn one_of(allowed: &[String]) -> String {
    format!("It should be one of these values: '{}'", allowed.join(","))
}

/// Freshdesk's name for a JSON value's type in `datatype_mismatch` messages.
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "Null",
        Value::Bool(_) => "Boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "Integer",
        Value::Number(_) => "Number",
        Value::String(_) => "String",
        Value::Array(_) => "Array",
        Value::Object(_) => "key/value pair",
    }
}

/// An integer that must be one of `allowed` (priority, status, source).
pub(crate) fn int_choice(errs: &mut Errors, field: &str, v: &Value, allowed: &[u64]) {
    match v.as_u64() {
        None => errs.mismatch(field, "Integer", v),
        Some(n) if !allowed.contains(&n) => {
            let list: Vec<String> = allowed.iter().map(u64::to_string).collect();
            errs.not_one_of(field, &list);
        }
        Some(_) => {}
    }
}

/// A string (or null when `nullable`).
pub(crate) fn string(errs: &mut Errors, field: &str, v: &Value, nullable: bool) {
    if !(v.is_string() || (nullable && v.is_null())) {
        errs.mismatch(field, "String", v);
    }
}

/// An array of strings (tags).
pub(crate) fn string_array(errs: &mut Errors, field: &str, v: &Value) {
    match v.as_array() {
        Some(items) if items.iter().all(Value::is_string) => {}
        Some(_) => errs.push(
            field,
            "It should contain elements of type String only",
            "datatype_mismatch",
        ),
        None => errs.mismatch(field, "Array", v),
    }
}

/// `custom_fields` of a PUT against the account's field definitions: unknown
/// names are `invalid_field`, wrong types `datatype_mismatch`, dropdown values
/// outside the choices `invalid_value`. Null clears any field.
pub(crate) fn custom_fields(errs: &mut Errors, v: &Value, defs: &[Value], custom: &[String]) {
    let Some(given) = v.as_object() else {
        errs.mismatch("custom_fields", "key/value pair", v);
        return;
    };
    for (name, value) in given {
        let field = format!("custom_fields.{name}");
        let def = by_name(defs, name).filter(|_| custom.iter().any(|c| c == name));
        let Some(def) = def else {
            errs.invalid_field(&field);
            continue;
        };
        if value.is_null() {
            continue;
        }
        let kind = def.get("type").and_then(Value::as_str).unwrap_or("custom_text");
        match kind {
            "custom_number" if !(value.is_i64() || value.is_u64()) => errs.mismatch(&field, "Integer", value),
            "custom_decimal" if !value.is_number() => errs.mismatch(&field, "Number", value),
            "custom_checkbox" if !value.is_boolean() => errs.mismatch(&field, "Boolean", value),
            "custom_text" | "custom_paragraph" | "custom_date" | "nested_field" => {
                check_text(errs, &field, kind, value)
            }
            "custom_dropdown" => match value.as_str() {
                None => errs.mismatch(&field, "String", value),
                Some(s) => {
                    let allowed = choice_values(def);
                    if !allowed.iter().any(|a| a == s) {
                        errs.not_one_of(&field, &allowed);
                    }
                }
            },
            _ => {}
        }
    }
}

fn check_text(errs: &mut Errors, field: &str, kind: &str, value: &Value) {
    let Some(s) = value.as_str() else {
        errs.mismatch(field, "String", value);
        return;
    };
    if kind == "custom_text" && s.chars().count() > 255 {
        errs.push(
            field,
            "It should be a/an String with maximum 255 characters",
            "invalid_value",
        );
    }
    if kind == "custom_date" && !is_date(s) {
        errs.push(field, "It should be in the 'yyyy-mm-dd' format", "invalid_value");
    }
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// Merge `custom_fields` of a PUT into the stored object (per key).
pub(crate) fn merge_custom(target: &mut Map<String, Value>, given: &Value) {
    let Some(given) = given.as_object() else {
        return;
    };
    let entry = target
        .entry("custom_fields")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(cf) = entry {
        for (k, v) in given {
            cf.insert(k.clone(), v.clone());
        }
    } else {
        *entry = Value::Object(given.clone());
    }
}
