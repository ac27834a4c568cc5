//! The lease a claim holds: the invocation's remaining time plus a margin (so a crashed
//! attempt is claimable soon after its deadline), and how long a claimed record lives.

use std::time::{Duration, Instant};

/// Extra lease beyond the invocation's deadline, so a crashed attempt is claimable soon after.
pub const LEASE_MARGIN: Duration = Duration::from_secs(5);

/// The lease for an attempt that must end by `deadline`.
pub fn lease_until(deadline: Instant) -> Duration {
    crate::job::retry::remaining(deadline) + LEASE_MARGIN
}

/// How long a claimed record lives at the least. A worker killed while it holds the claim
/// (a Lambda timeout) never releases it; if its message is then dead-lettered, a replay may
/// come up to 14 days later and must still find the steps done, so the claim itself outlives
/// the DLQ, like a released or failed record.
pub fn claim_ttl(configured: Duration) -> Duration {
    configured.max(crate::store::REPLAY_TTL)
}
