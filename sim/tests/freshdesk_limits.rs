//! Black-box tests of the Freshdesk simulator's rate limit, rate-limit
//! headers and fault injection.

use std::time::Duration;

use reqwest::{Client, Response, StatusCode};
use serde_json::json;
use sim::{Fault, RateWindow};

mod common;

use common::{demo, get, KEY};

fn header(r: &Response, name: &str) -> Option<String> {
    r.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
}

#[tokio::test]
async fn every_response_carries_rate_limit_headers() {
    let (_sim, base) = demo().await;
    let r = get(&base, "/tickets/101").await;
    assert_eq!(header(&r, "x-ratelimit-total").as_deref(), Some("10000"));
    assert_eq!(header(&r, "x-ratelimit-remaining").as_deref(), Some("9999"));
    assert_eq!(header(&r, "x-ratelimit-used-currentrequest").as_deref(), Some("1"));
    let missing = get(&base, "/tickets/999").await;
    assert_eq!(header(&missing, "x-ratelimit-remaining").as_deref(), Some("9998"));
}

#[tokio::test]
async fn budget_exhaustion_answers_429_with_retry_after() {
    let (sim, base) = demo().await;
    sim.set_rate_limit(3);
    let unauthenticated = Client::new()
        .get(format!("{base}/tickets/101"))
        .send()
        .await
        .expect("send");
    assert_eq!(
        unauthenticated.status(),
        StatusCode::UNAUTHORIZED,
        "failed requests still spend credits"
    );
    assert_eq!(get(&base, "/tickets/101").await.status(), StatusCode::OK);
    let last = get(&base, "/tickets/101").await;
    assert_eq!(header(&last, "x-ratelimit-remaining").as_deref(), Some("0"));
    let limited = get(&base, "/tickets/101").await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = header(&limited, "retry-after")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!((1..=60).contains(&retry), "retry-after {retry}");
    assert_eq!(header(&limited, "x-ratelimit-total").as_deref(), Some("3"));
    let body: serde_json::Value = limited.json().await.expect("json");
    assert_eq!(body["message"], "You have exceeded the limit of requests per minute");
    let statuses: Vec<u16> = sim.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![401, 200, 200, 429]);
    assert_eq!(sim.rate_limit_remaining(), 0);
}

#[tokio::test]
async fn refill_window_returns_credits_gradually() {
    let (sim, base) = demo().await;
    sim.set_rate_limit(60);
    sim.set_rate_window(RateWindow::Refill);
    let mut allowed = 0;
    let limited = loop {
        let r = get(&base, "/ticket_fields").await;
        if r.status() == StatusCode::TOO_MANY_REQUESTS || allowed > 1000 {
            break r;
        }
        allowed += 1;
    };
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(allowed >= 60, "the full bucket is spendable at once ({allowed})");
    assert_eq!(header(&limited, "retry-after").as_deref(), Some("1"));
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(get(&base, "/ticket_fields").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn injected_status_fault_is_consumed_then_service_is_normal() {
    let (sim, base) = demo().await;
    sim.inject(Fault::status("PUT", "/tickets/101", 503).times(2).with_retry_after(2));
    let put = |p: u8| {
        Client::new()
            .put(format!("{base}/tickets/101"))
            .basic_auth(KEY, Some("X"))
            .json(&json!({"priority": p}))
            .send()
    };
    let first = put(3).await.expect("send");
    assert_eq!(first.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(header(&first, "retry-after").as_deref(), Some("2"));
    assert_eq!(put(3).await.expect("send").status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        sim.ticket(101).map(|t| t["priority"].clone()),
        Some(json!(1)),
        "faults change nothing"
    );
    assert_eq!(
        get(&base, "/tickets/101").await.status(),
        StatusCode::OK,
        "GET is not faulted"
    );
    assert_eq!(put(3).await.expect("send").status(), StatusCode::OK);
    assert_eq!(sim.applied_puts(101), 1);
    assert_eq!(sim.count("PUT", "/tickets/101"), 3);
    assert!(sim.pending_faults().is_empty());
}

#[tokio::test]
async fn prefix_rate_limited_and_delay_faults() {
    let (sim, base) = demo().await;
    sim.inject(Fault::rate_limited("*", "/tickets", 7).as_prefix());
    sim.inject(Fault::delay("GET", "/api/v2/contacts/5001", Duration::from_millis(300)));
    let limited = get(&base, "/tickets/103/conversations").await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&limited, "retry-after").as_deref(), Some("7"));
    assert_eq!(header(&limited, "x-ratelimit-remaining").as_deref(), Some("0"));
    assert_eq!(get(&base, "/tickets/103/conversations").await.status(), StatusCode::OK);
    let delayed = get(&base, "/contacts/5001").await;
    assert_eq!(delayed.status(), StatusCode::OK);
    assert_eq!(
        header(&delayed, sim::DELAY_HEADER).as_deref(),
        Some("300"),
        "the delay was applied"
    );
    assert_eq!(header(&limited, sim::DELAY_HEADER), None, "a 429 fault is not a delay");
    assert_eq!(sim.count_prefix("GET", "/tickets/103"), 2);
}
