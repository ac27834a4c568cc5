//! The rate-limit reserve holds whether the account's minute is a fixed or a rolling window:
//! the bridge keeps its share below the reserve, never answers a low balance with a probe, and
//! its jobs still complete. The simulator and the bridge share a shortened window
//! (`RATE_LIMIT_WINDOW_SECONDS`) so the quiet periods are waited out inside the test; the
//! production window is checked through the delay a job is given back with.

use std::time::{Duration, Instant};

use e2e::{seed_tickets, Harness, Store};
use shared::job::{run_job, Outcome};
use shared::App;
use sim::{FreshdeskSim, RateWindow, SimpliSim};
use ticket_created::TicketCreated;

/// 20 credits per 2-s window; a 0.2 reserve keeps 4 of them for everyone else.
const LIMIT: u32 = 20;
const WINDOW: Duration = Duration::from_secs(2);
const FLOOR: u32 = 4;

async fn account(mode: RateWindow, env: &[(&str, &str)]) -> Harness {
    let fd = FreshdeskSim::seeded_demo(e2e::API_KEY);
    fd.set_rate_window(mode);
    fd.set_rate_limit(LIMIT);
    Harness::with(fd, SimpliSim::new(), Store::Memory, env).await
}

async fn processed(app: &App, ids: &[u64]) -> usize {
    let mut done = 0;
    for id in ids {
        let deadline = Instant::now() + Duration::from_secs(28);
        let report = run_job(app, &TicketCreated, *id, deadline, format!("reserve-{id}")).await;
        done += usize::from(matches!(report.result, Ok(Outcome::Processed(_))));
    }
    done
}

/// Eight jobs need about 34 calls, more than the bridge's 15 per window: several windows.
async fn jobs_keep_the_reserve(mode: RateWindow) {
    let h = account(
        mode,
        &[("RATE_LIMIT_WINDOW_SECONDS", "2"), ("RATE_LIMIT_RESERVE", "0.2")],
    )
    .await;
    h.fd.set_rate_window_length(WINDOW);
    let ids = seed_tickets(&h.fd, 7001, 8);
    assert_eq!(processed(&h.app, &ids).await, ids.len(), "every job completes");
    let log = h.fd.requests();
    assert!(
        log.len() > 2 * 15,
        "the jobs needed more than two windows' share: {}",
        log.len()
    );
    assert!(log.iter().all(|r| r.status != 429), "no 429");
    let lowest = log.iter().map(|r| r.remaining).min();
    assert!(
        lowest >= Some(FLOOR),
        "the account never went below the reserve: {lowest:?}"
    );
    assert!(ids.iter().all(|id| h.fd.notes(*id).len() == 1));
}

#[tokio::test]
async fn jobs_never_take_a_fixed_window_account_below_the_reserve_and_all_complete() {
    jobs_keep_the_reserve(RateWindow::Fixed).await;
}

#[tokio::test]
async fn jobs_never_take_a_refilling_account_below_the_reserve_and_all_complete() {
    jobs_keep_the_reserve(RateWindow::Refill).await;
}

/// Others left less than the reserve: one call, then nothing until a whole minute after it.
async fn a_low_balance_gives_the_job_back_for_a_minute(mode: RateWindow) {
    let h = account(mode, &[("RATE_LIMIT_RESERVE", "0.2")]).await;
    h.fd.others_spend_down_to(FLOOR - 1);
    let deadline = Instant::now() + Duration::from_secs(28);
    let report = run_job(&h.app, &TicketCreated, 101, deadline, "low".into()).await;
    let err = report.result.expect_err("given back");
    assert!(err.is_retryable(), "{err}");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(60)), "{err}");
    assert_eq!(h.fd.requests().len(), 1, "not even a probe after the low answer");
    let again = run_job(&h.app, &TicketCreated, 101, deadline, "again".into()).await;
    assert!(again.result.is_err());
    assert_eq!(
        h.fd.requests().len(),
        1,
        "a retry inside the quiet minute sends nothing either"
    );
}

#[tokio::test]
async fn a_fixed_window_account_below_the_reserve_gets_no_call_for_a_minute() {
    a_low_balance_gives_the_job_back_for_a_minute(RateWindow::Fixed).await;
}

#[tokio::test]
async fn a_refilling_account_below_the_reserve_gets_no_call_for_a_minute() {
    a_low_balance_gives_the_job_back_for_a_minute(RateWindow::Refill).await;
}

/// With no reserve and a spent budget, two containers each meet one 429 and then wait a
/// whole window: no stampede of retries, and the jobs complete.
async fn no_reserve_and_a_spent_budget_cost_one_429_per_container(mode: RateWindow) {
    let env = [("RATE_LIMIT_WINDOW_SECONDS", "2"), ("RATE_LIMIT_RESERVE", "0")];
    let h = account(mode, &env).await;
    h.fd.set_rate_window_length(WINDOW);
    let ids = seed_tickets(&h.fd, 7101, 4);
    h.fd.others_spend_down_to(0);
    let other = h.container(&env);
    let (a, b) = tokio::join!(processed(&h.app, &ids[..2]), processed(&other, &ids[2..]));
    assert_eq!(a + b, ids.len(), "every job completes");
    let limited = h.fd.requests().iter().filter(|r| r.status == 429).count();
    assert!((1..=2).contains(&limited), "{limited} answers 429");
}

#[tokio::test]
async fn a_spent_fixed_window_with_no_reserve_costs_one_429_per_container() {
    no_reserve_and_a_spent_budget_cost_one_429_per_container(RateWindow::Fixed).await;
}

#[tokio::test]
async fn a_spent_refilling_budget_with_no_reserve_costs_one_429_per_container() {
    no_reserve_and_a_spent_budget_cost_one_429_per_container(RateWindow::Refill).await;
}
