//! Webhook dedup: one record per job key, claimed with a conditional write.
//!
//! The claim is a lease: `IN_PROGRESS` with `lease_until`, taken only when the key is new, its
//! lease has expired (a crashed or released attempt), or it `FAILED` (a replay after a fix).
//! Each claim bumps `attempt`, which then fences every later write of that attempt: a worker
//! that lost its lease can no longer record steps or complete. Two adapters share this
//! contract: DynamoDB (deployed) and in-memory (dev, sandbox); one test suite runs on both.

mod dynamo;
mod markers;
mod memory;

use std::collections::BTreeSet;
use std::time::Duration;

use crate::setup::clock::now_ms;

pub use dynamo::DynamoDedupStore;
pub use markers::MarkerStore;
pub use memory::MemoryDedupStore;

/// Status values stored in the table.
pub const IN_PROGRESS: &str = "IN_PROGRESS";
pub const COMPLETED: &str = "COMPLETED";
pub const FAILED: &str = "FAILED";

/// A lease this attempt holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    pub key: String,
    /// The fencing token: this claim's `attempt` value.
    pub attempt: u32,
    /// Side effects earlier attempts already made.
    pub steps: BTreeSet<String>,
    pub lease_until_ms: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ClaimOutcome {
    Claimed(Claim),
    /// The job already completed.
    Duplicate {
        outcome: Option<String>,
    },
    /// Another attempt holds a live lease.
    InProgress {
        lease_until_ms: u64,
    },
}

/// A stored record, for inspection (tests, operators).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DedupRecord {
    pub status: String,
    pub attempt: u32,
    pub lease_until_ms: u64,
    pub expires_at: Option<u64>,
    pub steps: BTreeSet<String>,
    pub outcome: Option<String>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum DedupError {
    /// Our lease was taken over (we ran past it); our writes must stop.
    #[error("dedup: lease on {key} lost")]
    LeaseLost { key: String },
    #[error("dedup store: {0}")]
    Backend(String),
}

impl DedupError {
    pub fn is_retryable(&self) -> bool {
        true
    }
}

/// The port. All times are passed in or derived from the claim, so both adapters behave alike.
#[async_trait::async_trait]
/// A dedup table also keeps the markers ([`MarkerStore`]): one table, two ports.
pub trait DedupStore: MarkerStore {
    /// Claims `key` for `lease` from `now_ms`; `ttl` sets `expires_at`.
    async fn claim(&self, key: &str, now_ms: u64, lease: Duration, ttl: Duration) -> Result<ClaimOutcome, DedupError>;
    /// Adds `step` to the record's `steps` while the claim still holds.
    async fn record_step(&self, claim: &Claim, step: &str) -> Result<(), DedupError>;
    /// Gives the lease up (`lease_until = 0`), keeping `steps`, so a retry can claim at once.
    async fn release(&self, claim: &Claim) -> Result<(), DedupError> {
        self.release_recording(claim, &BTreeSet::new()).await
    }
    /// [`DedupStore::release`] that also adds `steps` done in this attempt but not yet recorded
    /// (idempotent writes, recorded with the release rather than one write each).
    async fn release_recording(&self, claim: &Claim, steps: &BTreeSet<String>) -> Result<(), DedupError>;
    /// Marks the job `COMPLETED` with a short outcome summary.
    async fn complete(&self, claim: &Claim, outcome: &str) -> Result<(), DedupError>;
    /// Marks the job `FAILED` with its cause (non-retryable failure).
    async fn fail(&self, claim: &Claim, error: &str) -> Result<(), DedupError> {
        self.fail_recording(claim, error, &BTreeSet::new()).await
    }
    /// [`DedupStore::fail`] that also adds `steps` (see [`DedupStore::release_recording`]).
    async fn fail_recording(&self, claim: &Claim, error: &str, steps: &BTreeSet<String>) -> Result<(), DedupError>;
    /// Reads a record.
    async fn get(&self, key: &str) -> Result<Option<DedupRecord>, DedupError>;
}

/// How long a released or `FAILED` record is kept at the least. A job's message can wait in the
/// dead-letter queue for 14 days before someone replays it; the replay must still find the
/// steps already done (or it posts a second note), so the record outlives the message.
pub const REPLAY_TTL: Duration = Duration::from_secs(15 * 24 * 3600);

/// `expires_at` (epoch s) for a record `claim` gives up: [`REPLAY_TTL`] from now, or from the
/// end of the claim's lease if that is later (so the bound holds whatever clock the claim used).
pub fn replay_expiry(claim: &Claim) -> u64 {
    now_ms().max(claim.lease_until_ms) / 1000 + REPLAY_TTL.as_secs()
}
