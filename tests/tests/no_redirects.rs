//! HTTP clients follow no redirects: a 3xx from Freshdesk or Simpli is a clear error, and the
//! request (with its credentials) is never re-sent to where the redirect points.

use std::net::SocketAddr;

use axum::http::{header, StatusCode, Uri};
use e2e::{build_app, event, invoke, Harness, Store};
use ticket_created::TicketCreated;

/// A server that answers every request with `307` to the same path on `target`.
async fn redirector(target: SocketAddr) -> SocketAddr {
    let app = axum::Router::new().fallback(move |uri: Uri| async move {
        let location = format!("http://{target}{uri}");
        (StatusCode::TEMPORARY_REDIRECT, [(header::LOCATION, location)])
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

#[tokio::test]
async fn a_freshdesk_redirect_is_not_followed_and_fails_the_job_clearly() {
    let h = Harness::start(Store::Memory).await;
    let hop = redirector(h.fd_addr).await;
    let app = build_app(hop, h.simpli_addr, h.store.clone(), &[]);
    let (status, body) = invoke(&app, &TicketCreated, event("ticket-created.json")).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("failed")), "{body}");
    let error = body["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("307") && error.contains("redirect_not_followed"),
        "{error}"
    );
    assert_eq!(h.fd.requests().len(), 0, "nothing re-sent to the redirect's target");
}

#[tokio::test]
async fn a_simpli_redirect_is_not_followed() {
    let h = Harness::start(Store::Memory).await;
    let hop = redirector(h.simpli_addr).await;
    let app = build_app(h.fd_addr, hop, h.store.clone(), &[]);
    let (status, body) = invoke(&app, &TicketCreated, event("ticket-created.json")).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("failed")), "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap_or_default()
            .contains("307 redirect_not_followed"),
        "{body}"
    );
    assert_eq!(h.simpli.requests().len(), 0, "nothing re-sent to the redirect's target");
}
