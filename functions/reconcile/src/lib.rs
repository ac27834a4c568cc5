//! reconcile (scheduled): finds the work no webhook brought. Freshdesk drops webhooks (after
//! its own retries, past its 1 000-per-hour cap, while a rule is off), so every run lists the
//! tickets updated since its cursor (less a 5-minute overlap) and sends each job a ticket
//! misses to its event's queue, or runs it inline when that event has no queue. The sweep
//! itself is `shared::recover`; this is the run around it: one run at a time, the cursor,
//! the stop margin, the summary and the `Reconciled` metric.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use shared::recover::{self, time, Jobs, Plan, ReconcileSettings, Sender, Tally};
use shared::runtime::Scheduled;
use shared::setup::config::ConfigError;
use shared::{App, JobError};

/// Keeps one run from overlapping another.
pub const LOCK_KEY: &str = "reconcile#lock";
/// The newest `updated_at` fully handled.
pub const CURSOR_KEY: &str = "reconcile#cursor";
/// Each run looks this far behind its cursor: a ticket whose change is stamped slightly before
/// the newest one seen, or listed late, is still found.
pub const OVERLAP: Duration = Duration::from_secs(5 * 60);

pub struct Reconcile {
    pub settings: ReconcileSettings,
    /// The most time kept back before the deadline (a short run keeps a fifth of its time).
    pub stop_margin: Duration,
    pub jobs: Jobs<ticket_created::TicketCreated, customer_replied::CustomerReplied, ticket_resolved::TicketResolved>,
}

impl Reconcile {
    pub fn new(settings: ReconcileSettings) -> Self {
        Self {
            settings,
            stop_margin: Duration::from_secs(10),
            jobs: Jobs {
                created: ticket_created::TicketCreated,
                replied: customer_replied::CustomerReplied,
                resolved: ticket_resolved::TicketResolved,
            },
        }
    }

    /// Reads `RECONCILE_SINCE`, `RECONCILE_TAG` and the three queue URLs.
    pub fn from_env() -> Result<Self, ConfigError> {
        ReconcileSettings::from_env().map(Self::new)
    }
}

impl Scheduled for Reconcile {
    const NAME: &'static str = "reconcile";

    async fn run<'a>(&'a self, app: &'a App, deadline: Instant) -> Result<Value, JobError> {
        let run_time = shared::job::retry::remaining(deadline);
        let work_until = deadline
            .checked_sub(self.stop_margin.min(run_time / 5))
            .unwrap_or(deadline);
        let lease = shared::job::lease::lease_until(deadline);
        let now = shared::setup::clock::now_ms();
        let claim = match app.dedup.claim(LOCK_KEY, now, lease, app.config.dedup_ttl).await? {
            shared::store::ClaimOutcome::Claimed(c) => c,
            _ => return Ok(json!({"status": "in_progress", "reason": "another reconcile run holds the lock"})),
        };
        let result = self.sweep(app, work_until).await;
        if let Err(e) = app.dedup.release(&claim).await {
            tracing::warn!(error = %e, "could not release the reconcile lock; it expires with its lease");
        }
        result
    }
}

impl Reconcile {
    async fn sweep(&self, app: &App, work_until: Instant) -> Result<Value, JobError> {
        let cursor = match app.markers.get_marker(CURSOR_KEY).await?.filter(|c| !c.is_empty()) {
            Some(cursor) => cursor,
            None => {
                let start = self.settings.since.clone().unwrap_or_else(time::now);
                app.markers.put_marker(CURSOR_KEY, &start).await?;
                start
            }
        };
        let plan = Plan {
            since: time::minus(&cursor, OVERLAP),
            until: None,
            events: recover::EVENTS.to_vec(),
            tag: self.settings.tag.clone(),
            dry_run: false,
            work_until,
            spacing: None,
            cursor_key: Some(CURSOR_KEY.to_string()),
        };
        let run_id = format!("reconcile#{}", shared::setup::clock::now_ms());
        let sender = Sender::new(&self.settings.queues, &self.jobs, &run_id).await;
        let tally = recover::sweep(app, &plan, &sender, &|_| {}).await?;
        Ok(summarise(&cursor, &tally))
    }
}

/// The run's summary (returned and logged) and its `Reconciled` metric, by event.
pub fn summarise(cursor: &str, tally: &Tally) -> Value {
    for event in recover::EVENTS {
        let count = tally.sent.get(event).copied().unwrap_or(0);
        shared::obs::metrics::emit_reconciled(event, count);
    }
    let recovered = tally.sent_total();
    if recovered > 0 {
        tracing::warn!(recovered, sent = ?tally.sent, "reconcile recovered jobs: Freshdesk dropped webhooks");
    }
    let status = if tally.complete { "complete" } else { "partial" };
    tracing::info!(
        status,
        tickets = tally.tickets,
        pages = tally.pages,
        recovered,
        already_done = tally.already_done,
        skipped = tally.skipped,
        "reconcile run"
    );
    json!({
        "status": status,
        "from": cursor,
        "cursor": tally.newest.as_deref().unwrap_or(cursor),
        "pages": tally.pages,
        "tickets": tally.tickets,
        "reconciled": tally.sent,
        "already_done": tally.already_done,
        "skipped": tally.skipped,
    })
}
