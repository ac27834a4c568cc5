//! The simulator's rate-limit window: its length can be shortened (so tests of the bridge's
//! quiet period do not wait a real minute), in both modes; every logged request carries the
//! `X-RateLimit-Remaining` of its answer.

use std::time::Duration;

use reqwest::StatusCode;
use sim::RateWindow;

mod common;

use common::{demo, get};

const WINDOW: Duration = Duration::from_millis(1500);

/// Spends credits until the first 429; returns how many requests were allowed.
async fn spend_all(base: &str) -> u32 {
    let mut allowed = 0;
    while get(base, "/ticket_fields").await.status() != StatusCode::TOO_MANY_REQUESTS {
        allowed += 1;
        assert!(allowed < 1000, "the budget never ran out");
    }
    allowed
}

#[tokio::test]
async fn a_fixed_window_of_a_set_length_returns_every_credit_at_once_when_it_ends() {
    let (sim, base) = demo().await;
    sim.set_rate_limit(5);
    sim.set_rate_window_length(WINDOW);
    assert_eq!(spend_all(&base).await, 5);
    tokio::time::sleep(WINDOW).await;
    assert_eq!(get(&base, "/ticket_fields").await.status(), StatusCode::OK);
    assert_eq!(sim.rate_limit_remaining(), 4, "the whole budget came back");
}

#[tokio::test]
async fn a_refill_window_of_a_set_length_refills_the_budget_over_that_length() {
    let (sim, base) = demo().await;
    sim.set_rate_window(RateWindow::Refill);
    sim.set_rate_limit(6);
    sim.set_rate_window_length(WINDOW);
    spend_all(&base).await;
    // 6 credits per 1.5 s: one is back after a quarter second
    tokio::time::sleep(WINDOW / 4).await;
    assert_eq!(get(&base, "/ticket_fields").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_window_length_survives_a_new_limit_or_mode() {
    let (sim, base) = demo().await;
    sim.set_rate_window_length(WINDOW);
    sim.set_rate_limit(2);
    sim.set_rate_window(RateWindow::Fixed);
    assert_eq!(spend_all(&base).await, 2);
    tokio::time::sleep(WINDOW).await;
    assert_eq!(get(&base, "/ticket_fields").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn every_logged_request_carries_the_remaining_credits_of_its_answer() {
    let (sim, base) = demo().await;
    sim.set_rate_limit(3);
    assert_eq!(spend_all(&base).await, 3);
    let remaining: Vec<(u16, u32)> = sim.requests().iter().map(|r| (r.status, r.remaining)).collect();
    assert_eq!(remaining, vec![(200, 2), (200, 1), (200, 0), (429, 0)]);
}
