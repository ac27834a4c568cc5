//! In-memory dedup store with the DynamoDB adapter's semantics (dev mode and the sandbox).
//! It lives as long as the process: fine for one local server, never for Lambda.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use super::*;

#[derive(Debug, Default)]
pub struct MemoryDedupStore {
    records: Mutex<HashMap<String, DedupRecord>>,
    markers: Mutex<HashMap<String, String>>,
}

impl MemoryDedupStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn with_held<T>(
        &self,
        claim: &Claim,
        f: impl FnOnce(&mut DedupRecord) -> T,
        require_in_progress: bool,
    ) -> Result<T, DedupError> {
        let mut records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        match records.get_mut(&claim.key) {
            Some(r) if r.attempt == claim.attempt && (!require_in_progress || r.status == IN_PROGRESS) => Ok(f(r)),
            _ => Err(DedupError::LeaseLost { key: claim.key.clone() }),
        }
    }
}

#[async_trait::async_trait]
impl DedupStore for MemoryDedupStore {
    async fn claim(&self, key: &str, now_ms: u64, lease: Duration, ttl: Duration) -> Result<ClaimOutcome, DedupError> {
        let mut records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        let record = records.entry(key.to_string()).or_default();
        let claimable = record.status.is_empty()
            || (record.status == IN_PROGRESS && record.lease_until_ms < now_ms)
            || record.status == FAILED;
        if !claimable {
            return Ok(if record.status == COMPLETED {
                ClaimOutcome::Duplicate {
                    outcome: record.outcome.clone(),
                }
            } else {
                ClaimOutcome::InProgress {
                    lease_until_ms: record.lease_until_ms,
                }
            });
        }
        record.status = IN_PROGRESS.into();
        record.attempt += 1;
        record.lease_until_ms = now_ms + lease.as_millis() as u64;
        record.expires_at = Some(now_ms / 1000 + ttl.as_secs());
        record.error = None;
        Ok(ClaimOutcome::Claimed(Claim {
            key: key.to_string(),
            attempt: record.attempt,
            steps: record.steps.clone(),
            lease_until_ms: record.lease_until_ms,
        }))
    }

    async fn record_step(&self, claim: &Claim, step: &str) -> Result<(), DedupError> {
        self.with_held(
            claim,
            |r| {
                r.steps.insert(step.to_string());
            },
            true,
        )
    }

    async fn release_recording(&self, claim: &Claim, steps: &BTreeSet<String>) -> Result<(), DedupError> {
        let expires_at = replay_expiry(claim);
        self.with_held(
            claim,
            |r| {
                r.steps.extend(steps.iter().cloned());
                r.lease_until_ms = 0;
                r.expires_at = r.expires_at.max(Some(expires_at));
            },
            true,
        )
    }

    async fn complete(&self, claim: &Claim, outcome: &str) -> Result<(), DedupError> {
        self.with_held(
            claim,
            |r| {
                r.status = COMPLETED.into();
                r.outcome = Some(outcome.to_string());
                r.lease_until_ms = 0;
            },
            true,
        )
    }

    async fn fail_recording(&self, claim: &Claim, error: &str, steps: &BTreeSet<String>) -> Result<(), DedupError> {
        let expires_at = replay_expiry(claim);
        self.with_held(
            claim,
            |r| {
                r.steps.extend(steps.iter().cloned());
                r.status = FAILED.into();
                r.error = Some(error.to_string());
                r.lease_until_ms = 0;
                r.expires_at = r.expires_at.max(Some(expires_at));
            },
            true,
        )
    }

    async fn get(&self, key: &str) -> Result<Option<DedupRecord>, DedupError> {
        let records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        Ok(records.get(key).filter(|r| !r.status.is_empty()).cloned())
    }
}

#[async_trait::async_trait]
impl MarkerStore for MemoryDedupStore {
    async fn get_marker(&self, key: &str) -> Result<Option<String>, DedupError> {
        Ok(self.markers.lock().unwrap_or_else(|e| e.into_inner()).get(key).cloned())
    }

    async fn put_marker(&self, key: &str, value: &str) -> Result<(), DedupError> {
        self.markers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.to_string(), value.to_string());
        Ok(())
    }
}
