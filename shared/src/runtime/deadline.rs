//! The invocation's deadline, read with suspicion, and the part of it a job may use.
//!
//! The Lambda service sends `Lambda-Runtime-Deadline-Ms` as an epoch time in milliseconds.
//! Local emulators do not all agree: cargo-lambda's `watch` sends a duration (`600000`), which
//! read as an epoch time lies in 1970 and would leave every job zero time. A value that cannot
//! be a deadline is not obeyed blindly: a small value is a relative budget, a value far in the
//! past or the future falls back to the function's configured timeout, and each such reading
//! is logged once per container at WARN.
//!
//! The job does not run to the very end of the invocation: a bookkeeping reserve (5 % of the
//! budget, at least 1 s, at most 5 s) is kept, so that releasing a claim, changing a message's
//! visibility and answering the batch always happen before Lambda stops the process.

use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

/// No epoch deadline of a live invocation is this small: such a value is a duration.
const RELATIVE_MAX: Duration = Duration::from_secs(24 * 3600);
/// A deadline this far in the past is a broken clock or header, not a late invocation.
const PAST_TOLERANCE: Duration = Duration::from_secs(24 * 3600);
/// Lambda's longest timeout: the cap when the function's own timeout is not known.
pub const LAMBDA_MAX_TIMEOUT: Duration = Duration::from_secs(900);
/// The budget when the runtime sent no deadline and the timeout is not known.
const DEFAULT_BUDGET: Duration = Duration::from_secs(60);
/// Slack for clock skew before a deadline counts as "too far in the future".
const FUTURE_SLACK: Duration = Duration::from_secs(5);

/// How the runtime's deadline header was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// An epoch deadline that can be true: obeyed as sent.
    Epoch,
    /// A small value: a duration from now (cargo-lambda's emulator).
    Relative,
    /// No deadline at all (0).
    Missing,
    /// An epoch time more than a day in the past.
    FarPast,
    /// Further away than the function's timeout allows.
    FarFuture,
}

impl Reading {
    fn describe(self) -> &'static str {
        match self {
            Reading::Epoch => "an epoch deadline",
            Reading::Relative => "a duration, not an epoch time (a local emulator?): used as the budget",
            Reading::Missing => "no deadline: using the function's timeout",
            Reading::FarPast => "more than a day in the past: using the function's timeout",
            Reading::FarFuture => "beyond the function's timeout: capped to it",
        }
    }
}

/// The time an invocation may use, from the runtime's `deadline_ms` and the clock `now_ms`.
/// `timeout` is the function's configured timeout when the environment tells it.
pub fn budget(deadline_ms: u64, now_ms: u64, timeout: Option<Duration>) -> (Duration, Reading) {
    let cap = timeout.unwrap_or(LAMBDA_MAX_TIMEOUT);
    let fallback = timeout.unwrap_or(DEFAULT_BUDGET);
    let deadline = Duration::from_millis(deadline_ms);
    let now = Duration::from_millis(now_ms);
    if deadline_ms == 0 {
        (fallback, Reading::Missing)
    } else if deadline <= RELATIVE_MAX {
        (deadline.min(cap), Reading::Relative)
    } else if deadline + PAST_TOLERANCE < now {
        (fallback, Reading::FarPast)
    } else if deadline > now + cap + FUTURE_SLACK {
        (cap, Reading::FarFuture)
    } else {
        (deadline.saturating_sub(now), Reading::Epoch)
    }
}

/// What is kept back from a budget for the bookkeeping after the job: ≈ 5 %, within [1 s, 5 s],
/// and never more than half of a very short budget.
pub fn bookkeeping_reserve(budget: Duration) -> Duration {
    (budget / 20)
        .clamp(Duration::from_secs(1), Duration::from_secs(5))
        .min(budget / 2)
}

/// The two deadlines of one invocation.
#[derive(Debug, Clone, Copy)]
pub struct Deadlines {
    /// When Lambda stops the process.
    pub invocation: Instant,
    /// When the job's own work must stop, leaving the bookkeeping reserve.
    pub job: Instant,
}

impl Deadlines {
    /// From the runtime's deadline header, warning once per container about a reading that is
    /// not a plain epoch deadline.
    pub fn from_runtime(deadline_ms: u64, timeout: Option<Duration>) -> Self {
        let (left, reading) = budget(deadline_ms, crate::setup::clock::now_ms(), timeout);
        if reading != Reading::Epoch && WARNED.first(reading) {
            tracing::warn!(
                deadline_ms,
                budget_ms = left.as_millis() as u64,
                "runtime deadline is {}",
                reading.describe()
            );
        }
        Self::with_budget(left)
    }

    /// A budget of `left` from now.
    pub fn with_budget(left: Duration) -> Self {
        let now = Instant::now();
        Self {
            invocation: now + left,
            job: now + left - bookkeeping_reserve(left),
        }
    }
}

/// One bit per [`Reading`]: set the first time that reading is logged.
struct Once(AtomicU8);

impl Once {
    /// True the first time `reading` is seen by this container.
    fn first(&self, reading: Reading) -> bool {
        let bit = 1u8 << reading as u8;
        self.0.fetch_or(bit, Ordering::Relaxed) & bit == 0
    }
}

static WARNED: Once = Once(AtomicU8::new(0));

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_796_083_356_969; // 2026-12-01, in epoch ms
    const S: Duration = Duration::from_secs(1);

    #[test]
    fn an_epoch_deadline_is_obeyed_as_sent() {
        assert_eq!(budget(NOW + 30_000, NOW, None), (30 * S, Reading::Epoch));
        assert_eq!(budget(NOW + 120_000, NOW, Some(120 * S)), (120 * S, Reading::Epoch));
    }

    #[test]
    fn a_deadline_just_passed_leaves_no_time() {
        assert_eq!(budget(NOW - 2_000, NOW, None), (Duration::ZERO, Reading::Epoch));
    }

    #[test]
    fn cargo_lambdas_duration_is_a_relative_budget() {
        assert_eq!(budget(600_000, NOW, None), (600 * S, Reading::Relative));
    }

    #[test]
    fn a_relative_budget_is_capped_by_the_configured_timeout() {
        assert_eq!(budget(600_000, NOW, Some(120 * S)), (120 * S, Reading::Relative));
        assert_eq!(budget(3_600_000, NOW, None), (LAMBDA_MAX_TIMEOUT, Reading::Relative));
    }

    #[test]
    fn no_deadline_uses_the_timeout_or_a_minute() {
        assert_eq!(budget(0, NOW, Some(120 * S)), (120 * S, Reading::Missing));
        assert_eq!(budget(0, NOW, None), (60 * S, Reading::Missing));
    }

    #[test]
    fn a_deadline_more_than_a_day_old_falls_back_to_the_timeout() {
        let two_days = 2 * 24 * 3600 * 1000;
        assert_eq!(budget(NOW - two_days, NOW, Some(30 * S)), (30 * S, Reading::FarPast));
        assert_eq!(budget(NOW - two_days, NOW, None), (60 * S, Reading::FarPast));
    }

    #[test]
    fn a_deadline_beyond_the_timeout_is_capped_to_it() {
        assert_eq!(
            budget(NOW + 3_600_000, NOW, Some(120 * S)),
            (120 * S, Reading::FarFuture)
        );
        assert_eq!(
            budget(NOW + 3_600_000, NOW, None),
            (LAMBDA_MAX_TIMEOUT, Reading::FarFuture)
        );
        // within the clock-skew slack it is still a plain deadline
        assert_eq!(budget(NOW + 123_000, NOW, Some(120 * S)), (123 * S, Reading::Epoch));
    }

    #[test]
    fn each_odd_reading_is_reported_once() {
        let once = Once(AtomicU8::new(0));
        assert!(once.first(Reading::Relative));
        assert!(!once.first(Reading::Relative));
        assert!(once.first(Reading::FarPast));
        assert!(!once.first(Reading::FarPast));
        assert!(!once.first(Reading::Relative));
    }

    #[test]
    fn the_bookkeeping_reserve_is_five_percent_within_one_and_five_seconds() {
        assert_eq!(bookkeeping_reserve(120 * S), 5 * S);
        assert_eq!(bookkeeping_reserve(60 * S), 3 * S);
        assert_eq!(bookkeeping_reserve(10 * S), S);
        assert_eq!(bookkeeping_reserve(900 * S), 5 * S);
        assert_eq!(bookkeeping_reserve(S), S / 2);
    }

    #[test]
    fn the_job_deadline_comes_before_the_invocations() {
        let d = Deadlines::with_budget(60 * S);
        assert_eq!(d.invocation - d.job, 3 * S);
    }
}
