//! What is stored and answered of a Freshdesk or Simpli error is its status, code and field
//! names, never the input those services echo back (the customer's words).

use axum::http::StatusCode;
use axum::Json;
use e2e::{build_app, event, invoke, Harness, Store};
use serde_json::json;
use shared::store::FAILED;
use sim::Fault;
use ticket_created::TicketCreated;
use ticket_resolved::TicketResolved;

const ECHO: &str = "I was charged twice on card 4111";

#[tokio::test]
async fn a_freshdesk_400_is_stored_with_field_and_code_but_not_the_echoed_value() {
    let h = Harness::start(Store::Memory).await;
    let body = json!({"description": "Validation failed",
        "errors": [{"field": "cf_ai_category", "message": format!("{ECHO} is not a valid choice"), "code": "invalid_value"}]});
    h.fd.inject(Fault::status("PUT", "/tickets/101", 400).with_body(body));
    let (_, answer) = invoke(&h.app, &TicketCreated, event("ticket-created.json")).await;
    assert_eq!(answer["status"], "failed", "{answer}");
    let record = h.store.get("ticket-created#101").await.unwrap().expect("record");
    assert_eq!(record.status, FAILED);
    let error = record.error.unwrap_or_default();
    assert!(
        error.contains("400") && error.contains("cf_ai_category invalid_value"),
        "{error}"
    );
    assert!(
        !error.contains("4111") && !answer.to_string().contains("4111"),
        "{error}"
    );
}

#[tokio::test]
async fn a_simpli_422_is_stored_with_status_and_field_names_but_not_the_echoed_input() {
    let h = Harness::start(Store::Memory).await;
    // A QA service that rejects the request FastAPI-style, quoting the input back.
    let qa = axum::Router::new().fallback(|| async {
        let detail = json!({"detail": [{"loc": ["body", "messages", 0, "content"], "msg": "too long", "type": "string_too_long", "input": ECHO}]});
        (StatusCode::UNPROCESSABLE_ENTITY, Json(detail))
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let qa_url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, qa).await });
    let app = build_app(h.fd_addr, h.simpli_addr, h.store.clone(), &[("QA_URL", &qa_url)]);

    let (_, answer) = invoke(&app, &TicketResolved, event("ticket-resolved.json")).await;
    assert_eq!(answer["status"], "failed", "{answer}");
    let record = h
        .store
        .get("ticket-resolved#104#2024-05-07T09:30:00Z")
        .await
        .unwrap()
        .expect("record");
    let error = record.error.unwrap_or_default();
    assert!(
        error.contains("qa 422") && error.contains("body.messages.0.content"),
        "{error}"
    );
    assert!(
        !error.contains("4111") && !answer.to_string().contains("4111"),
        "{error}"
    );
}
