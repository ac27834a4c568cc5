//! A record whose worker was killed while holding it (never released, never failed) still
//! outlives a dead-lettered message, so a replay days later finds the note already posted.

use e2e::{Harness, Store};
use shared::job::JobCtx;
use shared::setup::clock::now_ms;
use shared::store::REPLAY_TTL;

#[tokio::test]
async fn a_claim_abandoned_by_a_killed_worker_outlives_the_dead_letter_queue() {
    let h = Harness::start(Store::Memory).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let ctx = JobCtx::new(&h.app, "ticket-created", 101, deadline, "test".into());
    assert!(ctx.claim("ticket-created#101".into()).await.unwrap().is_none());
    ctx.step("note").await.unwrap();
    // The worker dies here: nothing else is written.
    let record = h.store.get("ticket-created#101").await.unwrap().unwrap();
    let expires_at = record.expires_at.expect("expires_at");
    assert!(
        expires_at >= now_ms() / 1000 + REPLAY_TTL.as_secs() - 60,
        "expires {} s from now, less than the DLQ's 14 days",
        expires_at.saturating_sub(now_ms() / 1000)
    );
}
