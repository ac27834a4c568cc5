//! Keeps the bridge inside the account's shared per-minute budget, whatever kind of minute it is.
//!
//! Freshdesk reports `X-RateLimit-Total` and `X-RateLimit-Remaining` on every answer but no reset
//! time, and does not say whether its minute is a fixed window or a rolling one. Assuming a
//! refill rate that the account does not have (or that several containers each count as their
//! own) is what makes workers stampede into 429s. So the pacer assumes nothing comes back
//! before a whole window has passed, and keeps three rules that hold under either kind:
//!
//! 1. The bridge's own calls in any window stay below `(1 − reserve) × Total`.
//! 2. Between answers, the credits left are the last reading minus the calls sent since; a
//!    call that would take them below `reserve × Total` (or, with no reserve, below one credit)
//!    is not sent.
//! 3. Once an answer shows `Remaining < reserve × Total`, when rule 2 stops a call, or after a
//!    429, nothing is sent — not even a probe — until one window after that answer (or after
//!    the 429's `Retry-After`, if later). By then a fixed window has reset and a rolling one has
//!    forgotten every call it counted.
//!
//! The caller waits when that fits its deadline and otherwise gives the job back with the wait.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Freshdesk's rate-limit window.
pub const WINDOW: Duration = Duration::from_secs(60);

/// The last `X-RateLimit-*` reading and what was sent since.
#[derive(Debug, Clone, Copy)]
struct Reading {
    total: f64,
    /// Remaining at the reading, minus the calls sent since or not yet answered then.
    left: f64,
    at: Instant,
}

#[derive(Debug, Default)]
struct State {
    reading: Option<Reading>,
    quiet_until: Option<Instant>,
    /// When each of this container's calls of the last window was sent.
    sent: VecDeque<Instant>,
    in_flight: u32,
}

/// Budget state shared by every call of one container.
#[derive(Debug)]
pub struct Pacer {
    reserve: f64,
    window: Duration,
    state: Mutex<State>,
}

/// One call the pacer let through: report its answer with [`Sent::answered`]; a call that got
/// no answer (transport error, cancelled) is settled when dropped.
#[derive(Debug)]
pub struct Sent<'a> {
    pacer: &'a Pacer,
    settled: bool,
    /// The credits the call costs (most calls 1; a ticket list with `include=stats` 3).
    credits: u32,
}

impl Pacer {
    /// `reserve`: the share of the budget left to everyone else; `window`: Freshdesk's minute
    /// ([`WINDOW`]; shorter only against a simulator configured alike).
    pub fn new(reserve: f64, window: Duration) -> Self {
        Self {
            reserve: reserve.clamp(0.0, 0.95),
            window: window.max(Duration::from_millis(1)),
            state: Mutex::new(State::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Lets one call through now, or says how long nothing may be sent.
    pub fn acquire(&self, now: Instant) -> Result<Sent<'_>, Duration> {
        self.acquire_credits(now, 1)
    }

    /// [`Pacer::acquire`] for a call that costs `credits` (Freshdesk charges embeds extra).
    pub fn acquire_credits(&self, now: Instant, credits: u32) -> Result<Sent<'_>, Duration> {
        let credits = credits.max(1);
        let cost = f64::from(credits);
        let mut st = self.lock();
        if let Some(until) = st.quiet_until.filter(|u| *u > now) {
            return Err(until - now);
        }
        while st
            .sent
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= self.window)
        {
            st.sent.pop_front();
        }
        // A reading older than a window says nothing about the budget now.
        if st
            .reading
            .is_some_and(|r| now.saturating_duration_since(r.at) >= self.window)
        {
            st.reading = None;
        }
        if let Some(r) = st.reading {
            if st.sent.len() as f64 + cost >= (1.0 - self.reserve) * r.total {
                if let Some(first) = st.sent.front() {
                    return Err(*first + self.window - now);
                }
            }
            if r.left - cost < self.floor(r.total) {
                let until = r.at + self.window;
                st.quiet_until = Some(until);
                return Err(until.saturating_duration_since(now));
            }
        }
        if let Some(r) = st.reading.as_mut() {
            r.left -= cost;
        }
        st.sent.extend(std::iter::repeat_n(now, credits as usize));
        st.in_flight += credits;
        Ok(Sent {
            pacer: self,
            settled: false,
            credits,
        })
    }

    /// The account's budget per window, from the last answer's `X-RateLimit-Total`.
    pub fn total(&self) -> Option<u32> {
        self.lock().reading.map(|r| r.total as u32)
    }

    /// The lowest balance the bridge leaves: the reserve, and at least nothing owed.
    fn floor(&self, total: f64) -> f64 {
        self.reserve * total
    }

    fn settle(&self, credits: u32) {
        let mut st = self.lock();
        st.in_flight = st.in_flight.saturating_sub(credits);
    }

    /// Records an answer's headers (`total`, `remaining`) and, for a 429, its `Retry-After`.
    fn observe(
        &self,
        credits: u32,
        total: Option<u32>,
        remaining: Option<u32>,
        limited: Option<Duration>,
        now: Instant,
    ) {
        let mut st = self.lock();
        st.in_flight = st.in_flight.saturating_sub(credits);
        let mut quiet = None;
        if let Some(retry_after) = limited {
            quiet = Some(now + retry_after.max(self.window));
        }
        if let (Some(total), Some(remaining)) = (total, remaining) {
            let (total, remaining) = (f64::from(total), f64::from(remaining));
            if remaining < self.floor(total) {
                quiet = quiet.max(Some(now + self.window));
            }
            // Calls still in flight were sent before this answer and may not be counted in it.
            st.reading = Some(Reading {
                total,
                left: remaining - f64::from(st.in_flight),
                at: now,
            });
        }
        if let Some(q) = quiet {
            st.quiet_until = st.quiet_until.max(Some(q));
        }
    }
}

impl Sent<'_> {
    /// The call was answered: its rate-limit headers, and `Retry-After` when it was a 429.
    pub fn answered(mut self, total: Option<u32>, remaining: Option<u32>, limited: Option<Duration>, now: Instant) {
        self.settled = true;
        self.pacer.observe(self.credits, total, remaining, limited, now);
    }
}

impl Drop for Sent<'_> {
    fn drop(&mut self) {
        if !self.settled {
            self.pacer.settle(self.credits);
        }
    }
}

#[cfg(test)]
#[path = "pacing_tests.rs"]
mod tests;
