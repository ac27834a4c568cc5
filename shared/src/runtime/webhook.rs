//! The webhook request contract: shared-secret auth in constant time, the 64 KiB body limit,
//! and the `ticket_id` parse (number or numeric string, with a lenient fallback for bodies that
//! Freshdesk's unescaped placeholders broke).

use base64::Engine;
use http::HeaderMap;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use subtle::ConstantTimeEq;

/// Largest accepted (decoded) body.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Why a webhook was refused; each maps to one status code.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Refusal {
    #[error("missing or wrong webhook secret")]
    Unauthorized,
    #[error("body larger than {MAX_BODY_BYTES} bytes")]
    TooLarge,
    #[error("method not allowed: use POST")]
    MethodNotAllowed,
    #[error("{0}")]
    BadRequest(String),
}

fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// The secret as the password of HTTP Basic auth, or in `X-Webhook-Secret`.
/// A function given no secret (a scheduled one) refuses every request.
pub fn authorize(headers: &HeaderMap, secret: Option<&SecretString>) -> Result<(), Refusal> {
    let expected = secret.map_or(&b""[..], |s| s.expose_secret().as_bytes());
    if expected.is_empty() {
        return Err(Refusal::Unauthorized);
    }
    let mut ok = false;
    for value in headers.get_all("x-webhook-secret") {
        ok |= ct_eq(value.as_bytes(), expected);
    }
    for value in headers.get_all(http::header::AUTHORIZATION) {
        let Ok(raw) = value.to_str() else { continue };
        let Some((scheme, token)) = raw.trim().split_once(' ') else {
            continue;
        };
        if !scheme.eq_ignore_ascii_case("basic") {
            continue;
        }
        let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(token.trim()) else {
            continue;
        };
        if let Some(pos) = decoded.iter().position(|b| *b == b':') {
            ok |= ct_eq(&decoded[pos + 1..], expected);
        }
    }
    if ok {
        Ok(())
    } else {
        Err(Refusal::Unauthorized)
    }
}

/// `ticket_id` from the body: a positive integer or a string of digits.
pub fn parse_ticket_id(body: &[u8]) -> Result<u64, Refusal> {
    if body.len() > MAX_BODY_BYTES {
        return Err(Refusal::TooLarge);
    }
    let text = std::str::from_utf8(body).map_err(|_| Refusal::BadRequest("body is not UTF-8".into()))?;
    if text.trim().is_empty() {
        return Err(Refusal::BadRequest("empty body: expected {\"ticket_id\": <id>}".into()));
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => match map.get("ticket_id") {
            Some(v) => id_from_value(v),
            None => Err(Refusal::BadRequest("missing ticket_id".into())),
        },
        Ok(_) => Err(Refusal::BadRequest("body must be a JSON object".into())),
        Err(_) => lenient_ticket_id(text),
    }
}

fn id_from_value(v: &Value) -> Result<u64, Refusal> {
    let parsed = match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => digits(s.trim()),
        _ => None,
    };
    match parsed {
        Some(id) if id > 0 => Ok(id),
        _ => Err(Refusal::BadRequest(format!(
            "ticket_id must be a positive integer or numeric string, got {}",
            kind_of(v)
        ))),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a non-integer number",
        Value::String(_) => "a non-numeric string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn digits(s: &str) -> Option<u64> {
    (!s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// For an object-looking body that is not valid JSON (placeholder text with raw quotes or
/// newlines): every `"ticket_id": <digits>` must agree, else the body is refused.
fn lenient_ticket_id(text: &str) -> Result<u64, Refusal> {
    let trimmed = text.trim();
    if !(trimmed.starts_with('{') && trimmed.ends_with('}')) {
        return Err(Refusal::BadRequest("body is not JSON".into()));
    }
    let mut found: Option<u64> = None;
    let mut rest = trimmed;
    while let Some(pos) = rest.find("\"ticket_id\"") {
        rest = &rest[pos + "\"ticket_id\"".len()..];
        let after = rest.trim_start();
        let Some(after) = after.strip_prefix(':') else { continue };
        let after = after.trim_start();
        let (quoted, after) = match after.strip_prefix('"') {
            Some(a) => (true, a),
            None => (false, after),
        };
        let end = after.find(|c: char| !c.is_ascii_digit()).unwrap_or(after.len());
        let terminated = if quoted {
            after[end..].starts_with('"')
        } else {
            after[end..].trim_start().starts_with([',', '}'])
        };
        let id = digits(&after[..end]).filter(|id| *id > 0 && terminated);
        match (id, found) {
            (None, _) => {
                return Err(Refusal::BadRequest(
                    "body is not valid JSON and its ticket_id is not numeric".into(),
                ))
            }
            (Some(id), Some(prev)) if id != prev => {
                return Err(Refusal::BadRequest("conflicting ticket_id values".into()))
            }
            (Some(id), _) => found = Some(id),
        }
    }
    found.ok_or_else(|| Refusal::BadRequest("body is not valid JSON and has no ticket_id".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn secret() -> SecretString {
        SecretString::from("s3cret")
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn basic_password_or_header_authorises() {
        let basic = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("freshdesk:s3cret")
        );
        assert!(authorize(&headers(&[("authorization", &basic)]), Some(&secret())).is_ok());
        assert!(authorize(&headers(&[("x-webhook-secret", "s3cret")]), Some(&secret())).is_ok());
    }

    #[test]
    fn wrong_missing_or_misplaced_secret_is_refused() {
        let wrong = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("freshdesk:nope")
        );
        let as_user = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode("s3cret:x"));
        for h in [
            headers(&[]),
            headers(&[("authorization", &wrong)]),
            headers(&[("authorization", &as_user)]),
            headers(&[("authorization", "Bearer s3cret")]),
            headers(&[("x-webhook-secret", "s3cre")]),
            headers(&[("x-webhook-secret", "s3cret ")]),
        ] {
            assert_eq!(authorize(&h, Some(&secret())), Err(Refusal::Unauthorized), "{h:?}");
        }
        assert!(authorize(&headers(&[("x-webhook-secret", "")]), Some(&SecretString::from(""))).is_err());
        assert!(authorize(&headers(&[("x-webhook-secret", "")]), None).is_err());
    }

    #[test]
    fn ticket_id_as_number_or_numeric_string() {
        assert_eq!(parse_ticket_id(br#"{"ticket_id": 4821}"#), Ok(4821));
        assert_eq!(
            parse_ticket_id(br#"{"ticket_id": "4821", "event": "{ticket_action:created}"}"#),
            Ok(4821)
        );
    }

    #[test]
    fn bad_bodies_are_400_with_a_reason() {
        for body in [
            &br#"{"ticket_id": "abc"}"#[..],
            br#"{"ticket_id": -3}"#,
            br#"{"ticket_id": 1.5}"#,
            br#"{"ticket_id": 0}"#,
            br#"{"ticket_id": null}"#,
            br#"{"id": 1}"#,
            br#"[1]"#,
            b"",
            b"ticket_id=1",
            br#"{"ticket_id": 12abc, "x": "y"y"}"#,
            br#"{"ticket_id": 1, "ticket_id": 2, "s": "a"b"}"#,
            b"\xff\xfe",
        ] {
            assert!(
                matches!(parse_ticket_id(body), Err(Refusal::BadRequest(_))),
                "{:?}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn placeholder_broken_body_still_yields_the_id() {
        let body = "{\"ticket_id\": 77, \"subject\": \"He said \"refund\" now\nplease\"}";
        assert_eq!(parse_ticket_id(body.as_bytes()), Ok(77));
        let quoted = "{\"ticket_id\":\"78\",\"description\":\"<div class=\"x\">hi</div>\"}";
        assert_eq!(parse_ticket_id(quoted.as_bytes()), Ok(78));
    }

    #[test]
    fn oversized_body_is_413() {
        let body = format!("{{\"ticket_id\": 1, \"pad\": \"{}\"}}", "x".repeat(MAX_BODY_BYTES));
        assert_eq!(parse_ticket_id(body.as_bytes()), Err(Refusal::TooLarge));
    }
}
