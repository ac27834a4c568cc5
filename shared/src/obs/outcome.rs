//! The one record of how a job or a scheduled run ended: a structured log line (WARN for a
//! failure, INFO otherwise) and its `Jobs` / `JobDuration` metric. Every entry uses it, so a
//! dashboard and a log search see every outcome the same way.

use std::time::Duration;

/// Which job the line is about.
pub struct JobLine<'a> {
    pub event: &'a str,
    /// `None` for a scheduled run (kb-sync), which is about no one ticket.
    pub ticket_id: Option<u64>,
    pub attempt: u32,
}

/// What the line adds beyond the outcome.
pub enum Detail {
    None,
    /// Why a job was skipped.
    Reason(String),
    /// A scheduled run's summary.
    Summary(String),
    /// What failed (status, code and field names only; never echoed input).
    Error(String),
}

/// Logs and counts one outcome.
pub fn record_outcome(job: &JobLine<'_>, outcome: &str, duration: Duration, detail: &Detail) {
    let ms = duration.as_millis() as u64;
    let (event, ticket_id, attempt) = (job.event, job.ticket_id, job.attempt);
    match detail {
        Detail::Error(error) => {
            tracing::warn!(event, ticket_id, attempt, duration_ms = ms, outcome, error = %error, "job")
        }
        Detail::Reason(reason) => {
            tracing::info!(event, ticket_id, attempt, duration_ms = ms, outcome, reason = %reason, "job")
        }
        Detail::Summary(summary) => {
            tracing::info!(event, ticket_id, attempt, duration_ms = ms, outcome, summary = %summary, "job")
        }
        Detail::None => tracing::info!(event, ticket_id, attempt, duration_ms = ms, outcome, "job"),
    }
    super::metrics::emit_job(event, outcome, ms);
}
