//! Fault injection and the account-wide per-minute rate limit of the Freshdesk
//! simulator. Both are pure state machines (no I/O) so the server can consult
//! them under its lock and tests can reason about them deterministically.

use std::time::{Duration, Instant};

use serde_json::Value;

/// What an injected fault does to a matching request.
#[derive(Clone, Debug, PartialEq)]
pub enum FaultKind {
    /// Answer with this status (and optional JSON body / `Retry-After`)
    /// instead of handling the request. No state changes.
    Status {
        status: u16,
        body: Option<Value>,
        retry_after: Option<u64>,
    },
    /// Answer 429 with `Retry-After: retry_after` and Freshdesk's rate-limit
    /// body. No state changes.
    RateLimited { retry_after: u64 },
    /// Sleep this long, then handle the request normally (state does change).
    Delay(Duration),
    /// Handle the request normally (the write is applied), then answer this
    /// status instead of the result: the client cannot tell whether it worked.
    AfterWrite { status: u16 },
    /// Handle the request normally (the write is applied), then close the
    /// connection without an answer. The request log keeps the status the
    /// write got, which the caller never saw.
    DropAfterWrite,
}

/// One injected fault: applies to the next `times` requests whose method and
/// path match. Faults are consumed in the order they were injected.
#[derive(Clone, Debug, PartialEq)]
pub struct Fault {
    /// HTTP method, upper case; `"*"` matches any method.
    pub method: String,
    /// Path without query, normalised to start with `/api/v2`.
    pub path: String,
    /// `true`: `path` is a prefix; `false`: exact match.
    pub match_prefix: bool,
    /// How many requests it still applies to.
    pub times: usize,
    pub kind: FaultKind,
}

impl Fault {
    /// A fault for one request on exactly `path` (with or without `/api/v2`).
    pub fn new(method: &str, path: &str, kind: FaultKind) -> Self {
        Self {
            method: method.to_ascii_uppercase(),
            path: normalize_path(path),
            match_prefix: false,
            times: 1,
            kind,
        }
    }

    /// Respond with `status` (JSON body `{"code":"injected_fault",...}`).
    pub fn status(method: &str, path: &str, status: u16) -> Self {
        Self::new(
            method,
            path,
            FaultKind::Status {
                status,
                body: None,
                retry_after: None,
            },
        )
    }

    /// Respond 429 with `Retry-After`.
    pub fn rate_limited(method: &str, path: &str, retry_after: u64) -> Self {
        Self::new(method, path, FaultKind::RateLimited { retry_after })
    }

    /// Delay the request, then serve it normally.
    pub fn delay(method: &str, path: &str, delay: Duration) -> Self {
        Self::new(method, path, FaultKind::Delay(delay))
    }

    /// Apply the write, then answer `status` (e.g. 502): an unknown outcome.
    pub fn after_write(method: &str, path: &str, status: u16) -> Self {
        Self::new(method, path, FaultKind::AfterWrite { status })
    }

    /// Apply the write, then drop the connection before answering.
    pub fn drop_after_write(method: &str, path: &str) -> Self {
        Self::new(method, path, FaultKind::DropAfterWrite)
    }

    /// Apply to the next `n` matching requests instead of one.
    pub fn times(mut self, n: usize) -> Self {
        self.times = n;
        self
    }

    /// Treat the path as a prefix (e.g. `/tickets` matches every ticket route).
    pub fn as_prefix(mut self) -> Self {
        self.match_prefix = true;
        self
    }

    /// Replace the JSON body of a `Status` fault.
    pub fn with_body(mut self, value: Value) -> Self {
        if let FaultKind::Status { body, .. } = &mut self.kind {
            *body = Some(value);
        }
        self
    }

    /// Add a `Retry-After` header to a `Status` fault (e.g. a 503).
    pub fn with_retry_after(mut self, secs: u64) -> Self {
        if let FaultKind::Status { retry_after, .. } = &mut self.kind {
            *retry_after = Some(secs);
        }
        self
    }

    pub(crate) fn matches(&self, method: &str, path: &str) -> bool {
        let method_ok = self.method == "*" || self.method.eq_ignore_ascii_case(method);
        let path_ok = if self.match_prefix {
            path.starts_with(&self.path)
        } else {
            path == self.path
        };
        method_ok && path_ok && self.times > 0
    }
}

/// `"/tickets/1"` → `"/api/v2/tickets/1"`; paths already under `/api/v2` are
/// kept. Any query string is dropped.
pub fn normalize_path(path: &str) -> String {
    let path = path.split('?').next().unwrap_or("");
    if path.starts_with("/api/v2") {
        path.to_string()
    } else if path.starts_with('/') {
        format!("/api/v2{path}")
    } else {
        format!("/api/v2/{path}")
    }
}

/// How the per-minute credit budget comes back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum RateWindow {
    /// A fixed window (60 s unless [`FreshdeskSim::set_rate_window_length`]
    /// says otherwise) starting at the first request after the previous
    /// window ended; all credits return at once. `Retry-After` = seconds left
    /// in the window (≥ 1). The default: easiest to reason about in tests.
    #[default]
    Fixed,
    /// Token bucket: capacity = the limit, refilling at limit/window credits
    /// per second. `Retry-After` = seconds until one credit is back (≥ 1).
    Refill,
}

/// Result of charging one request against the budget.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RateDecision {
    pub allowed: bool,
    pub total: u32,
    pub remaining: u32,
    pub retry_after: u64,
    /// The credits the request was charged.
    pub cost: u32,
}

#[derive(Debug)]
pub(crate) struct RateLimiter {
    per_minute: u32,
    mode: RateWindow,
    window_start: Option<Instant>,
    used: u32,
    tokens: f64,
    last_refill: Option<Instant>,
    window: Duration,
}

/// Freshdesk's rate-limit window.
pub const WINDOW: Duration = Duration::from_secs(60);

impl RateLimiter {
    pub(crate) fn new(per_minute: u32, mode: RateWindow) -> Self {
        Self {
            per_minute,
            mode,
            window_start: None,
            used: 0,
            tokens: f64::from(per_minute),
            last_refill: None,
            window: WINDOW,
        }
    }

    /// A fresh budget of `per_window` credits per window of `window`.
    pub(crate) fn with_window(per_window: u32, mode: RateWindow, window: Duration) -> Self {
        Self {
            window: window.max(Duration::from_millis(1)),
            ..Self::new(per_window, mode)
        }
    }

    /// The same window length, with a fresh budget.
    pub(crate) fn renewed(&self, per_window: u32, mode: RateWindow) -> Self {
        Self::with_window(per_window, mode, self.window)
    }

    /// Charge one credit at `now`.
    pub(crate) fn check(&mut self, now: Instant) -> RateDecision {
        self.charge(now, 1)
    }

    /// Charge `cost` credits at `now` (a request is refused whole when fewer are left).
    pub(crate) fn charge(&mut self, now: Instant, cost: u32) -> RateDecision {
        let cost = cost.max(1);
        let d = match self.mode {
            RateWindow::Fixed => self.check_fixed(now, cost),
            RateWindow::Refill => self.check_refill(now, cost),
        };
        RateDecision { cost, ..d }
    }

    /// Credits left right now, without charging.
    pub(crate) fn remaining(&self) -> u32 {
        match self.mode {
            RateWindow::Fixed => match self.window_start {
                Some(start) if start.elapsed() < self.window => self.per_minute.saturating_sub(self.used),
                _ => self.per_minute,
            },
            RateWindow::Refill => self.tokens.floor() as u32,
        }
    }

    fn check_fixed(&mut self, now: Instant, cost: u32) -> RateDecision {
        let start = match self.window_start {
            Some(s) if now.duration_since(s) < self.window => s,
            _ => {
                self.used = 0;
                self.window_start = Some(now);
                now
            }
        };
        let allowed = self.used + cost <= self.per_minute;
        if allowed {
            self.used += cost;
        }
        let left = self.window.saturating_sub(now.duration_since(start));
        RateDecision {
            allowed,
            total: self.per_minute,
            remaining: self.per_minute.saturating_sub(self.used),
            retry_after: ceil_secs(left).max(1),
            cost,
        }
    }

    fn check_refill(&mut self, now: Instant, cost: u32) -> RateDecision {
        let cost = f64::from(cost);
        let rate = f64::from(self.per_minute.max(1)) / self.window.as_secs_f64();
        if let Some(last) = self.last_refill {
            let gained = now.duration_since(last).as_secs_f64() * rate;
            self.tokens = (self.tokens + gained).min(f64::from(self.per_minute));
        }
        self.last_refill = Some(now);
        let allowed = self.tokens >= cost;
        if allowed {
            self.tokens -= cost;
        }
        let missing = (cost - self.tokens).max(0.0);
        RateDecision {
            allowed,
            total: self.per_minute,
            remaining: self.tokens.floor() as u32,
            retry_after: ceil_secs(Duration::from_secs_f64(missing / rate)).max(1),
            cost: cost as u32,
        }
    }
}

fn ceil_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_window_blocks_then_resets() {
        let mut rl = RateLimiter::new(2, RateWindow::Fixed);
        let t0 = Instant::now();
        assert!(rl.check(t0).allowed);
        let second = rl.check(t0 + Duration::from_secs(10));
        assert!(second.allowed);
        assert_eq!(second.remaining, 0);
        let third = rl.check(t0 + Duration::from_secs(20));
        assert!(!third.allowed);
        assert_eq!(third.retry_after, 40);
        assert!(rl.check(t0 + Duration::from_secs(60)).allowed);
    }

    #[test]
    fn refill_window_returns_one_credit_at_a_time() {
        let mut rl = RateLimiter::new(60, RateWindow::Refill);
        let t0 = Instant::now();
        for _ in 0..60 {
            assert!(rl.check(t0).allowed);
        }
        let blocked = rl.check(t0);
        assert!(!blocked.allowed);
        assert_eq!(blocked.retry_after, 1);
        assert!(rl.check(t0 + Duration::from_secs(1)).allowed);
    }

    #[test]
    fn prefix_and_method_matching() {
        let f = Fault::status("put", "/tickets", 503).as_prefix();
        assert!(f.matches("PUT", "/api/v2/tickets/1"));
        assert!(!f.matches("GET", "/api/v2/tickets/1"));
        let any = Fault::status("*", "/api/v2/tickets/1", 500);
        assert!(any.matches("GET", "/api/v2/tickets/1"));
        assert!(!any.matches("GET", "/api/v2/tickets/10"));
    }
}
