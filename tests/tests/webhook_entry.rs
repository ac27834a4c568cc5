//! The webhook contract at the real Lambda handler: refusals cost nothing outside.

use e2e::{event, invoke, with_body, with_header, Harness, Store};
use serde_json::Value;
use ticket_created::TicketCreated;

async fn refused(h: &Harness, ev: Value) -> (u16, Value) {
    let answer = invoke(&h.app, &TicketCreated, ev).await;
    assert_eq!(
        h.outbound_calls(),
        0,
        "a refused webhook must not call Freshdesk or Simpli"
    );
    answer
}

#[tokio::test]
async fn wrong_or_missing_secret_is_401_with_zero_outbound_calls() {
    let h = Harness::start(Store::Memory).await;
    let wrong_basic = format!("Basic {}", base64_of("freshdesk:wrong"));
    for ev in [
        with_header(event("ticket-created.json"), "authorization", None),
        with_header(event("ticket-created.json"), "authorization", Some(&wrong_basic)),
        with_header(
            with_header(event("customer-replied.json"), "x-webhook-secret", Some("nope")),
            "authorization",
            None,
        ),
    ] {
        let (status, body) = refused(&h, ev).await;
        assert_eq!(status, 401, "{body}");
        assert!(body["error"].as_str().unwrap().contains("secret"));
    }
}

#[tokio::test]
async fn malformed_bodies_are_400_with_zero_outbound_calls() {
    let h = Harness::start(Store::Memory).await;
    for body in [
        "not json",
        r#"{"id": 101}"#,
        r#"{"ticket_id": "abc"}"#,
        r#"{"ticket_id": 1.5}"#,
        r#"[101]"#,
        "",
    ] {
        let (status, answer) = refused(&h, with_body(event("ticket-created.json"), body)).await;
        assert_eq!(status, 400, "{body:?} → {answer}");
        assert!(answer["error"].is_string(), "{answer}");
    }
}

#[tokio::test]
async fn oversized_body_is_413_with_zero_outbound_calls() {
    let h = Harness::start(Store::Memory).await;
    let body = format!(r#"{{"ticket_id": 101, "pad": "{}"}}"#, "x".repeat(70 * 1024));
    let (status, _) = refused(&h, with_body(event("ticket-created.json"), &body)).await;
    assert_eq!(status, 413);
}

#[tokio::test]
async fn secret_header_and_extra_fields_are_accepted() {
    let h = Harness::start(Store::Memory).await;
    let body = r#"{"ticket_id": "101", "event": "{ticket_action:created}", "subject": "ignored"}"#;
    let ev = with_header(
        with_header(with_body(event("ticket-created.json"), body), "authorization", None),
        "x-webhook-secret",
        Some(e2e::SECRET),
    );
    let (status, answer) = invoke(&h.app, &TicketCreated, ev).await;
    assert_eq!(
        (status, answer["status"].as_str()),
        (200, Some("processed")),
        "{answer}"
    );
}

#[tokio::test]
async fn body_broken_by_unescaped_placeholder_text_still_yields_the_ticket() {
    let h = Harness::start(Store::Memory).await;
    let body = "{\"ticket_id\": 101, \"subject\": \"Refund \"now\"\nplease\"}";
    let (status, answer) = invoke(&h.app, &TicketCreated, with_body(event("ticket-created.json"), body)).await;
    assert_eq!((status, answer["ticket_id"].as_u64()), (200, Some(101)), "{answer}");
}

fn base64_of(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}
