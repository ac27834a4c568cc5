//! How a job ends: its [`Outcome`] when it did not fail, its [`JobError`] when it did (and
//! whether a retry can help), and the [`JobReport`] the entries answer and log from.

use std::time::Duration;

use serde_json::Value;

use crate::clients::freshdesk::FreshdeskError;
use crate::clients::simpli::SimpliError;
use crate::obs::{Detail, JobLine};
use crate::store::DedupError;

/// How a job ended (when it did not fail).
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Work done; a short summary for the answer, the log and the dedup record.
    Processed(Value),
    /// Already completed by an earlier delivery.
    Duplicate,
    /// Another attempt holds a live lease.
    InProgress { retry_after: Duration },
    /// Nothing to do (ticket gone, nothing new).
    Skipped(String),
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JobError {
    /// A retry can succeed (429, 5xx, timeouts); `retry_after` when the service named a delay.
    #[error("{cause}")]
    Retryable {
        cause: String,
        retry_after: Option<Duration>,
    },
    /// A retry cannot help until someone fixes something.
    #[error("{cause}")]
    Fatal { cause: String },
    /// What the job writes to was deleted meanwhile (a Freshdesk 404 after the job began):
    /// nothing is wrong and a retry cannot help, so the job ends `skipped`.
    #[error("{cause}")]
    Gone { cause: String },
}

impl JobError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Retryable { .. })
    }
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Retryable { retry_after, .. } => *retry_after,
            Self::Fatal { .. } | Self::Gone { .. } => None,
        }
    }
}

impl From<FreshdeskError> for JobError {
    fn from(e: FreshdeskError) -> Self {
        if matches!(e, FreshdeskError::NotFound { .. }) {
            JobError::Gone { cause: e.to_string() }
        } else if e.is_retryable() {
            JobError::Retryable {
                retry_after: e.retry_after(),
                cause: e.to_string(),
            }
        } else {
            JobError::Fatal { cause: e.to_string() }
        }
    }
}

impl From<SimpliError> for JobError {
    fn from(e: SimpliError) -> Self {
        if e.is_retryable() {
            JobError::Retryable {
                retry_after: None,
                cause: e.to_string(),
            }
        } else {
            JobError::Fatal { cause: e.to_string() }
        }
    }
}

impl From<DedupError> for JobError {
    fn from(e: DedupError) -> Self {
        JobError::Retryable {
            retry_after: None,
            cause: e.to_string(),
        }
    }
}

/// Collects the failures of independent writes, so one failed write does not stop the others;
/// a retryable failure outranks the others (the retry may fix them all), and a record gone
/// meanwhile outranks a fatal failure (nothing is left to fix).
#[derive(Debug, Default)]
pub struct Failures(Vec<JobError>);

impl Failures {
    pub fn push(&mut self, e: impl Into<JobError>) {
        let e = e.into();
        tracing::warn!(error = %e, retryable = e.is_retryable(), "step failed");
        self.0.push(e);
    }

    pub fn into_result<T>(self, ok: T) -> Result<T, JobError> {
        if self.0.is_empty() {
            return Ok(ok);
        }
        let cause = self.0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
        if self.0.iter().any(JobError::is_retryable) {
            let retry_after = self.0.iter().filter_map(JobError::retry_after).max();
            Err(JobError::Retryable { cause, retry_after })
        } else if self.0.iter().any(|e| matches!(e, JobError::Gone { .. })) {
            Err(JobError::Gone { cause })
        } else {
            Err(JobError::Fatal { cause })
        }
    }
}

/// The result of one job, as the entries report it.
#[derive(Debug, Clone, PartialEq)]
pub struct JobReport {
    pub event: &'static str,
    pub ticket_id: u64,
    pub attempt: u32,
    pub duration: Duration,
    pub result: Result<Outcome, JobError>,
}

impl JobReport {
    /// `processed` | `duplicate` | `in_progress` | `skipped` | `retried` | `failed`.
    pub fn label(&self) -> &'static str {
        match &self.result {
            Ok(Outcome::Processed(_)) => "processed",
            Ok(Outcome::Duplicate) => "duplicate",
            Ok(Outcome::InProgress { .. }) => "in_progress",
            Ok(Outcome::Skipped(_)) | Err(JobError::Gone { .. }) => "skipped",
            Err(JobError::Retryable { .. }) => "retried",
            Err(JobError::Fatal { .. }) => "failed",
        }
    }

    /// The one structured log line per job outcome, and its metric.
    pub fn log(&self) {
        let detail = match &self.result {
            Err(e) => Detail::Error(e.to_string()),
            Ok(Outcome::Skipped(reason)) => Detail::Reason(reason.clone()),
            Ok(_) => Detail::None,
        };
        let job = JobLine {
            event: self.event,
            ticket_id: Some(self.ticket_id),
            attempt: self.attempt,
        };
        crate::obs::record_outcome(&job, self.label(), self.duration, &detail);
    }
}
