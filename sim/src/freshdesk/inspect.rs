//! Inspection, fault-injection and rate-limit controls of [`FreshdeskSim`]:
//! what tests read back after driving the code under test (tickets, notes,
//! the request log) and the knobs that make the account misbehave.

use serde_json::Value;

use super::faults::{normalize_path, Fault, RateLimiter, RateWindow};
use super::state::RequestRecord;
use super::FreshdeskSim;

impl FreshdeskSim {
    // ---- inspection ----------------------------------------------------

    /// The ticket as `GET /tickets/{id}` would serve it (without includes).
    pub fn ticket(&self, id: u64) -> Option<Value> {
        self.state().render_ticket(id).map(Value::Object)
    }

    /// The ticket's `stats` object.
    pub fn stats(&self, id: u64) -> Option<Value> {
        self.state().stats.get(&id).cloned().map(Value::Object)
    }

    /// The contact as `GET /contacts/{id}` would serve it.
    pub fn contact(&self, id: u64) -> Option<Value> {
        self.state().render_contact(id).map(Value::Object)
    }

    /// All conversations of a ticket, oldest first (notes included).
    pub fn conversations(&self, ticket_id: u64) -> Vec<Value> {
        let st = self.state();
        st.conversations
            .get(&ticket_id)
            .map(|cs| cs.iter().cloned().map(Value::Object).collect())
            .unwrap_or_default()
    }

    /// The notes created through `POST /tickets/{id}/notes`, oldest first.
    pub fn notes(&self, ticket_id: u64) -> Vec<Value> {
        let st = self.state();
        let Some(cs) = st.conversations.get(&ticket_id) else {
            return Vec::new();
        };
        cs.iter()
            .filter(|c| {
                c.get("id")
                    .and_then(Value::as_u64)
                    .is_some_and(|id| st.api_notes.contains(&id))
            })
            .cloned()
            .map(Value::Object)
            .collect()
    }

    /// Solution articles, by id.
    pub fn article(&self, id: u64) -> Option<Value> {
        self.state().articles.get(&id).cloned().map(Value::Object)
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.state().log.clone()
    }

    /// Requests with this method (`"*"` = any) and exact path (with or
    /// without the `/api/v2` prefix, query ignored).
    pub fn count(&self, method: &str, path: &str) -> usize {
        let path = normalize_path(path);
        self.count_where(method, |p| p == path)
    }

    /// Requests with this method (`"*"` = any) whose path starts with `prefix`.
    pub fn count_prefix(&self, method: &str, prefix: &str) -> usize {
        let prefix = normalize_path(prefix);
        self.count_where(method, |p| p.starts_with(&prefix))
    }

    fn count_where(&self, method: &str, pred: impl Fn(&str) -> bool) -> usize {
        self.state()
            .log
            .iter()
            .filter(|r| (method == "*" || r.method.eq_ignore_ascii_case(method)) && pred(&r.path))
            .count()
    }

    /// `PUT /tickets/{id}` requests that were applied (answered 200).
    pub fn applied_puts(&self, ticket_id: u64) -> usize {
        let path = format!("/api/v2/tickets/{ticket_id}");
        self.state()
            .log
            .iter()
            .filter(|r| r.method == "PUT" && r.path == path && r.status == 200)
            .count()
    }

    /// Forget the request log (state and faults are kept).
    pub fn reset_log(&self) {
        self.state().log.clear();
    }

    // ---- faults and limits ---------------------------------------------

    /// Queue a fault; matching faults are consumed in injection order.
    pub fn inject(&self, fault: Fault) {
        self.state().faults.push(fault);
    }

    /// Drop all pending faults.
    pub fn clear_faults(&self) {
        self.state().faults.clear();
    }

    /// Faults not yet used up.
    pub fn pending_faults(&self) -> Vec<Fault> {
        self.state().faults.clone()
    }

    /// Set the account's per-minute credit budget and start a fresh window
    /// (default [`DEFAULT_RATE_LIMIT`](crate::DEFAULT_RATE_LIMIT)).
    pub fn set_rate_limit(&self, per_minute: u32) {
        let mut st = self.state();
        st.rate_limit = per_minute;
        st.limiter = st.limiter.renewed(per_minute, st.rate_mode);
    }

    /// Choose how credits come back (fixed window by default) and start fresh.
    pub fn set_rate_window(&self, mode: RateWindow) {
        let mut st = self.state();
        st.rate_mode = mode;
        st.limiter = st.limiter.renewed(st.rate_limit, mode);
    }

    /// Shorten (or lengthen) the rate-limit window, 60 s by default, and start
    /// fresh: tests of the bridge's quiet period set the bridge's
    /// `RATE_LIMIT_WINDOW_SECONDS` to the same length. The budget set by
    /// [`set_rate_limit`](Self::set_rate_limit) then applies per window.
    pub fn set_rate_window_length(&self, window: std::time::Duration) {
        let mut st = self.state();
        st.limiter = RateLimiter::with_window(st.rate_limit, st.rate_mode, window);
    }

    /// Spends the account's credits as its other API clients would (nothing is
    /// logged) until `left` remain.
    pub fn others_spend_down_to(&self, left: u32) {
        let mut st = self.state();
        let now = std::time::Instant::now();
        while st.limiter.remaining() > left && st.limiter.check(now).allowed {}
    }

    /// Credits left in the current window.
    pub fn rate_limit_remaining(&self) -> u32 {
        self.state().limiter.remaining()
    }
}
