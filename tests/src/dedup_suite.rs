//! The dedup store contract, written once and run against both adapters (in-memory and
//! DynamoDB on moto), so they cannot drift apart.

use std::collections::BTreeSet;
use std::time::Duration;

use shared::store::{Claim, ClaimOutcome, DedupError, DedupStore, COMPLETED, FAILED, IN_PROGRESS};

const LEASE: Duration = Duration::from_secs(30);
const TTL: Duration = Duration::from_secs(7 * 24 * 3600);
const NOW: u64 = 1_800_000_000_000;

fn key(name: &str) -> String {
    format!("{name}#{}", fastrand::u64(..))
}

async fn claimed(store: &dyn DedupStore, key: &str, now: u64) -> Claim {
    match store.claim(key, now, LEASE, TTL).await.expect("claim") {
        ClaimOutcome::Claimed(c) => c,
        other => panic!("expected a claim on {key}, got {other:?}"),
    }
}

pub async fn first_claim_takes_a_lease_with_ttl(store: &dyn DedupStore) {
    let k = key("first");
    let c = claimed(store, &k, NOW).await;
    assert_eq!(c.attempt, 1);
    assert!(c.steps.is_empty());
    assert_eq!(c.lease_until_ms, NOW + LEASE.as_millis() as u64);
    let r = store.get(&k).await.unwrap().expect("record");
    assert_eq!(r.status, IN_PROGRESS);
    assert_eq!(r.expires_at, Some(NOW / 1000 + TTL.as_secs()));
}

pub async fn live_lease_is_in_progress_and_completed_is_duplicate(store: &dyn DedupStore) {
    let k = key("live");
    let c = claimed(store, &k, NOW).await;
    assert_eq!(
        store.claim(&k, NOW + 1000, LEASE, TTL).await.unwrap(),
        ClaimOutcome::InProgress {
            lease_until_ms: c.lease_until_ms
        }
    );
    store.complete(&c, "done").await.unwrap();
    assert_eq!(
        store
            .claim(&k, NOW + 10 * LEASE.as_millis() as u64, LEASE, TTL)
            .await
            .unwrap(),
        ClaimOutcome::Duplicate {
            outcome: Some("done".into())
        }
    );
    assert_eq!(store.get(&k).await.unwrap().unwrap().status, COMPLETED);
}

pub async fn expired_lease_is_reclaimed_with_its_steps(store: &dyn DedupStore) {
    let k = key("expired");
    let c = claimed(store, &k, NOW).await;
    store.record_step(&c, "note").await.unwrap();
    let later = c.lease_until_ms + 1;
    let c2 = claimed(store, &k, later).await;
    assert_eq!(c2.attempt, 2);
    assert!(c2.steps.contains("note"));
    // the crashed attempt is fenced off: it can no longer write
    assert!(matches!(
        store.record_step(&c, "ticket").await,
        Err(DedupError::LeaseLost { .. })
    ));
    assert!(matches!(
        store.complete(&c, "late").await,
        Err(DedupError::LeaseLost { .. })
    ));
    store.complete(&c2, "ok").await.unwrap();
}

pub async fn release_keeps_steps_and_frees_the_key(store: &dyn DedupStore) {
    let k = key("release");
    let c = claimed(store, &k, NOW).await;
    store.record_step(&c, "note").await.unwrap();
    store.record_step(&c, "contact").await.unwrap();
    store.release(&c).await.unwrap();
    let r = store.get(&k).await.unwrap().unwrap();
    assert_eq!((r.status.as_str(), r.lease_until_ms), (IN_PROGRESS, 0));
    let c2 = claimed(store, &k, NOW + 1).await;
    assert_eq!(
        c2.steps.iter().map(String::as_str).collect::<Vec<_>>(),
        ["contact", "note"]
    );
}

/// Idempotent writes of an attempt are recorded with its release or failure, beside the steps
/// recorded at once; a retry (or a replay) sees them all.
pub async fn release_and_fail_record_the_attempts_idempotent_steps(store: &dyn DedupStore) {
    let later: BTreeSet<String> = ["contact", "ticket"].map(String::from).into();
    for give_up in ["release", "fail"] {
        let k = key(&format!("recording-{give_up}"));
        let c = claimed(store, &k, NOW).await;
        store.record_step(&c, "note").await.unwrap();
        if give_up == "release" {
            store.release_recording(&c, &later).await.unwrap();
        } else {
            store.fail_recording(&c, "freshdesk 400", &later).await.unwrap();
        }
        let c2 = claimed(store, &k, NOW + 1).await;
        let steps: Vec<&str> = c2.steps.iter().map(String::as_str).collect();
        assert_eq!(steps, ["contact", "note", "ticket"], "{give_up}");
    }
}

pub async fn failed_records_the_cause_and_can_be_claimed_again(store: &dyn DedupStore) {
    let k = key("failed");
    let c = claimed(store, &k, NOW).await;
    store.fail(&c, "freshdesk 400: type invalid_value").await.unwrap();
    let r = store.get(&k).await.unwrap().unwrap();
    assert_eq!(r.status, FAILED);
    assert_eq!(r.error.as_deref(), Some("freshdesk 400: type invalid_value"));
    let c2 = claimed(store, &k, NOW + 1).await;
    assert_eq!(c2.attempt, 2);
    assert_eq!(store.get(&k).await.unwrap().unwrap().error, None);
}

/// Released and `FAILED` records outlive a dead-lettered message (kept 14 days), so a replay
/// on day 9 or day 13 still finds the steps already done.
pub async fn released_and_failed_records_outlive_the_dead_letter_queue(store: &dyn DedupStore) {
    const DAY_MS: u64 = 24 * 3600 * 1000;
    for give_up in ["release", "fail"] {
        let k = key(give_up);
        let c = claimed(store, &k, NOW).await;
        store.record_step(&c, "note").await.unwrap();
        if give_up == "release" {
            store.release(&c).await.unwrap();
        } else {
            store.fail(&c, "freshdesk 400: type invalid_value").await.unwrap();
        }
        let expires_at = store.get(&k).await.unwrap().unwrap().expires_at.expect("expires_at");
        assert!(
            expires_at >= c.lease_until_ms / 1000 + 15 * 24 * 3600,
            "{give_up}: expires_at {expires_at} is less than 15 days on"
        );
        for day in [9, 13] {
            let replay_at = NOW + day * DAY_MS;
            assert!(
                expires_at > replay_at / 1000,
                "{give_up}: gone before a replay on day {day}"
            );
        }
        let replay = claimed(store, &k, NOW + 13 * DAY_MS).await;
        assert!(replay.steps.contains("note"), "{give_up}: {:?}", replay.steps);
    }
}

pub async fn only_one_of_many_concurrent_claims_wins(store: &dyn DedupStore) {
    let k = key("race");
    let outcomes = futures_join_all(store, &k).await;
    let wins = outcomes
        .iter()
        .filter(|o| matches!(o, ClaimOutcome::Claimed(_)))
        .count();
    assert_eq!(wins, 1, "{outcomes:?}");
    assert!(outcomes
        .iter()
        .all(|o| matches!(o, ClaimOutcome::Claimed(_) | ClaimOutcome::InProgress { .. })));
}

async fn futures_join_all(store: &dyn DedupStore, k: &str) -> Vec<ClaimOutcome> {
    let claims = (0..8).map(|_| store.claim(k, NOW, LEASE, TTL));
    futures::future::join_all(claims)
        .await
        .into_iter()
        .map(|r| r.expect("claim"))
        .collect()
}

pub async fn markers_round_trip_without_expiry(store: &dyn DedupStore) {
    let k = key("kb-article");
    assert_eq!(store.get_marker(&k).await.unwrap(), None);
    store.put_marker(&k, "2024-03-01T08:30:00Z").await.unwrap();
    store.put_marker(&k, "2024-03-02T08:30:00Z").await.unwrap();
    assert_eq!(
        store.get_marker(&k).await.unwrap().as_deref(),
        Some("2024-03-02T08:30:00Z")
    );
    assert_eq!(store.get(&k).await.unwrap(), None, "a marker is not a job record");
}

/// Every case of the contract, in order.
pub async fn run_all(store: &dyn DedupStore) {
    first_claim_takes_a_lease_with_ttl(store).await;
    live_lease_is_in_progress_and_completed_is_duplicate(store).await;
    expired_lease_is_reclaimed_with_its_steps(store).await;
    release_keeps_steps_and_frees_the_key(store).await;
    release_and_fail_record_the_attempts_idempotent_steps(store).await;
    failed_records_the_cause_and_can_be_claimed_again(store).await;
    released_and_failed_records_outlive_the_dead_letter_queue(store).await;
    only_one_of_many_concurrent_claims_wins(store).await;
    markers_round_trip_without_expiry(store).await;
}
