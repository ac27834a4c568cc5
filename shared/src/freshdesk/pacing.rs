//! Keeps the bridge inside the account's shared per-minute budget.
//!
//! Freshdesk reports `X-RateLimit-Total` and `X-RateLimit-Remaining` on every answer but no reset
//! time, so the budget is modelled as refilling at Total/60 credits per second. When the
//! remaining credits fall below `reserve × Total`, the bridge waits for the missing credits to
//! refill instead of spending everyone else's share (and instead of collecting 429s in a burst).

use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
struct Observed {
    total: f64,
    remaining: f64,
    at: Instant,
}

/// Budget state shared by every call of one container.
#[derive(Debug)]
pub struct Pacer {
    reserve: f64,
    state: Mutex<Option<Observed>>,
}

impl Pacer {
    pub fn new(reserve: f64) -> Self {
        Self {
            reserve: reserve.clamp(0.0, 0.95),
            state: Mutex::new(None),
        }
    }

    /// Takes one credit; returns how long to wait first (zero when the budget allows it now).
    pub fn acquire(&self, now: Instant) -> Duration {
        let mut guard = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let Some(obs) = guard.as_mut() else {
            return Duration::ZERO;
        };
        let rate = obs.total / 60.0;
        if rate <= 0.0 {
            return Duration::ZERO;
        }
        // credits refilled since the last observation
        let elapsed = now.saturating_duration_since(obs.at).as_secs_f64();
        obs.remaining = (obs.remaining + elapsed * rate).min(obs.total);
        obs.at = now;
        let floor = self.reserve * obs.total;
        // spend the credit now; if that dips under the floor, the wait is the refill time
        obs.remaining -= 1.0;
        if obs.remaining >= floor {
            Duration::ZERO
        } else {
            Duration::from_secs_f64((floor - obs.remaining) / rate)
        }
    }

    /// Gives back a credit taken by `acquire` that was not spent (the call was not made).
    pub fn refund(&self) {
        let mut guard = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(obs) = guard.as_mut() {
            obs.remaining = (obs.remaining + 1.0).min(obs.total);
        }
    }

    /// Records the headers of an answer.
    pub fn observe(&self, total: Option<u32>, remaining: Option<u32>, now: Instant) {
        let (Some(total), Some(remaining)) = (total, remaining) else {
            return;
        };
        let mut guard = self.state.lock().unwrap_or_else(|e| e.into_inner());
        // Concurrent calls answer out of order; the lowest fresh reading is the safe one.
        let remaining = match guard.as_ref() {
            Some(obs)
                if obs.total == total as f64 && now.saturating_duration_since(obs.at) < Duration::from_millis(200) =>
            {
                obs.remaining.min(remaining as f64)
            }
            _ => remaining as f64,
        };
        *guard = Some(Observed {
            total: total as f64,
            remaining,
            at: now,
        });
    }

    /// After a 429: nothing is left until `retry_after` has passed.
    pub fn exhausted(&self, retry_after: Duration, now: Instant) {
        let mut guard = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(obs) = guard.as_mut() {
            let rate = obs.total / 60.0;
            obs.remaining = self.reserve * obs.total - retry_after.as_secs_f64() * rate;
            obs.at = now;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_reading_no_wait() {
        assert_eq!(Pacer::new(0.2).acquire(Instant::now()), Duration::ZERO);
    }

    #[test]
    fn spends_freely_above_the_reserve() {
        let p = Pacer::new(0.2);
        let t = Instant::now();
        p.observe(Some(600), Some(500), t);
        for _ in 0..300 {
            assert_eq!(p.acquire(t), Duration::ZERO);
        }
    }

    #[test]
    fn below_the_reserve_waits_for_the_refill() {
        let p = Pacer::new(0.2);
        let t = Instant::now();
        // 600/min = 10 credits/s; floor = 120
        p.observe(Some(600), Some(120), t);
        let wait = p.acquire(t);
        assert!((wait.as_secs_f64() - 0.1).abs() < 1e-6, "{wait:?}");
        // a second caller waits longer: its credit is further below the floor
        let wait2 = p.acquire(t);
        assert!((wait2.as_secs_f64() - 0.2).abs() < 1e-6, "{wait2:?}");
        // after a second, ten credits came back
        assert_eq!(p.acquire(t + Duration::from_secs(1)), Duration::ZERO);
    }

    #[test]
    fn a_429_empties_the_budget_for_retry_after() {
        let p = Pacer::new(0.2);
        let t = Instant::now();
        p.observe(Some(600), Some(400), t);
        p.exhausted(Duration::from_secs(3), t);
        let wait = p.acquire(t);
        assert!(wait >= Duration::from_secs(3), "{wait:?}");
    }
}
