//! The simulator's unknown-outcome faults: the write is applied, but the caller hears a 502 or
//! nothing at all, as after a gateway error or a connection cut.

mod common;

use common::{demo, send};
use reqwest::{Client, Method, StatusCode};
use serde_json::json;
use sim::Fault;

#[tokio::test]
async fn a_502_after_the_write_still_creates_the_note() {
    let (sim, base) = demo().await;
    sim.inject(Fault::after_write("POST", "/tickets/101/notes", 502));
    let r = send(
        Method::POST,
        &base,
        "/tickets/101/notes",
        json!({"body": "hi", "private": true}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(sim.notes(101).len(), 1);
}

#[tokio::test]
async fn a_dropped_connection_after_the_write_gives_no_answer_but_creates_the_note() {
    let (sim, base) = demo().await;
    sim.inject(Fault::drop_after_write("POST", "/tickets/101/notes"));
    let sent = Client::new()
        .post(format!("{base}/tickets/101/notes"))
        .basic_auth(common::KEY, Some("X"))
        .json(&json!({"body": "hi", "private": true}))
        .send()
        .await;
    let err = sent.expect_err("no status line");
    assert!(!err.is_connect() && !err.is_timeout(), "{err}");
    assert_eq!(sim.notes(101).len(), 1);
}
