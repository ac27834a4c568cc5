//! Retry decisions as pure functions, so the policy is unit-tested apart from any I/O.
//!
//! Two clocks matter: the invocation's deadline (never sleep past it) and the job's
//! retry schedule (`RETRY_BASE_SECONDS`, doubling, ±50 % jitter, capped at 900 s).

use std::time::{Duration, Instant};

/// What to do after a failed HTTP attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Try again after this pause (it fits the deadline).
    RetryAfter(Duration),
    /// Stop; the caller reports the error (and gives the job back if it is retryable).
    Stop,
}

/// Safety margin kept before the deadline for the writes that follow.
pub const DEADLINE_MARGIN: Duration = Duration::from_millis(500);

/// Decides whether an attempt that failed with `status` (None = transport error) is worth
/// retrying in-process.
///
/// - 429: wait `Retry-After` (default 1 s) if it fits the deadline.
/// - 5xx and transport errors: jittered exponential backoff from `base`, at most `max_attempts`.
/// - everything else: stop.
pub fn decide(
    status: Option<u16>,
    retry_after: Option<Duration>,
    attempt: u32,
    max_attempts: u32,
    base: Duration,
    remaining: Duration,
) -> Decision {
    let wait = match status {
        Some(429) => retry_after.unwrap_or(Duration::from_secs(1)),
        Some(s) if s >= 500 => {
            if attempt >= max_attempts {
                return Decision::Stop;
            }
            jittered(
                base.saturating_mul(1 << attempt.saturating_sub(1).min(16)),
                fastrand::f64(),
            )
        }
        None if attempt < max_attempts => jittered(
            base.saturating_mul(1 << attempt.saturating_sub(1).min(16)),
            fastrand::f64(),
        ),
        _ => return Decision::Stop,
    };
    if wait + DEADLINE_MARGIN <= remaining {
        Decision::RetryAfter(wait)
    } else {
        Decision::Stop
    }
}

/// `nominal` scaled by a factor in [0.5, 1.5) chosen by `unit` ∈ [0, 1).
pub fn jittered(nominal: Duration, unit: f64) -> Duration {
    nominal.mul_f64(0.5 + unit.clamp(0.0, 1.0))
}

/// Delay before a job's next attempt (queue mode): `base × 2^(attempt-1)`, ±50 %, ≤ 900 s.
pub fn job_backoff(base: Duration, attempt: u32, unit: f64) -> Duration {
    let nominal = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
    jittered(nominal, unit).min(Duration::from_secs(900))
}

/// Time left before `deadline`.
pub fn remaining(deadline: Instant) -> Duration {
    deadline.saturating_duration_since(Instant::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn rate_limit_waits_retry_after_when_it_fits() {
        assert_eq!(
            decide(Some(429), Some(3 * S), 1, 3, S, 10 * S),
            Decision::RetryAfter(3 * S)
        );
        assert_eq!(decide(Some(429), Some(30 * S), 1, 3, S, 10 * S), Decision::Stop);
        // without the header we still wait a little rather than hammer
        assert_eq!(decide(Some(429), None, 7, 3, S, 10 * S), Decision::RetryAfter(S));
    }

    #[test]
    fn server_errors_back_off_with_jitter_and_stop_after_max_attempts() {
        for attempt in 1..3 {
            match decide(Some(503), None, attempt, 3, S, 60 * S) {
                Decision::RetryAfter(d) => {
                    let nominal = S * (1 << (attempt - 1));
                    assert!(d >= nominal / 2 && d < nominal * 3 / 2, "{d:?}");
                }
                Decision::Stop => panic!("should retry"),
            }
        }
        assert_eq!(decide(Some(503), None, 3, 3, S, 60 * S), Decision::Stop);
        assert_eq!(decide(None, None, 3, 3, S, 60 * S), Decision::Stop);
    }

    #[test]
    fn client_errors_never_retry() {
        for status in [400, 401, 403, 404, 409, 415, 422] {
            assert_eq!(decide(Some(status), None, 1, 3, S, 60 * S), Decision::Stop);
        }
    }

    #[test]
    fn job_backoff_doubles_and_caps() {
        let base = Duration::from_secs(20);
        assert_eq!(job_backoff(base, 1, 0.5), base);
        assert_eq!(job_backoff(base, 2, 0.5), base * 2);
        assert_eq!(job_backoff(base, 3, 0.0), base * 2);
        assert_eq!(job_backoff(base, 30, 0.99), Duration::from_secs(900));
    }
}
