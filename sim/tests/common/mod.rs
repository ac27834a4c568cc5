//! Helpers shared by the Freshdesk simulator test binaries: a started demo
//! account and authenticated request shortcuts.

// Each test binary compiles this module and uses only some of its helpers.
#![allow(dead_code)]

use reqwest::{Client, Response};
use serde_json::Value;
use sim::FreshdeskSim;

pub const KEY: &str = "test-key";

pub async fn demo() -> (FreshdeskSim, String) {
    let sim = FreshdeskSim::seeded_demo(KEY);
    let addr = sim.start(0).await.expect("bind");
    (sim, FreshdeskSim::base_url(addr))
}

pub async fn get(base: &str, path: &str) -> Response {
    Client::new()
        .get(format!("{base}{path}"))
        .basic_auth(KEY, Some("X"))
        .send()
        .await
        .expect("request")
}

pub async fn send(method: reqwest::Method, base: &str, path: &str, body: Value) -> Response {
    Client::new()
        .request(method, format!("{base}{path}"))
        .basic_auth(KEY, Some("X"))
        .json(&body)
        .send()
        .await
        .expect("request")
}

pub async fn put(base: &str, path: &str, body: Value) -> Response {
    send(reqwest::Method::PUT, base, path, body).await
}

pub async fn json_of(r: Response) -> Value {
    r.json().await.expect("json body")
}
