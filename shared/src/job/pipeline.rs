//! The job pipeline every event runs through: claim → event logic → complete / release / fail.
//!
//! An event supplies only its logic (a [`Job`]); the pipeline owns the dedup record, step
//! bookkeeping, panic safety, the outcome log line and the mapping of failures to retry
//! decisions, so every function behaves alike.

use std::collections::BTreeSet;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use futures::FutureExt;

use crate::clients::freshdesk::{Conversation, FreshdeskError, Ticket};
use crate::job::lease::{claim_ttl, lease_until};
use crate::job::{JobError, JobReport, Outcome};
use crate::setup::app::App;
use crate::setup::clock::now_ms;
use crate::store::{Claim, ClaimOutcome, DedupError};

/// One event's logic.
pub trait Job: Send + Sync + 'static {
    /// `ticket-created`, `customer-replied`, ...
    const EVENT: &'static str;
    fn run<'a>(&'a self, ctx: &'a JobCtx<'a>) -> impl Future<Output = Result<Outcome, JobError>> + Send + 'a;
}

/// What a job sees: the app, its input, its deadline, and its claim.
pub struct JobCtx<'a> {
    pub app: &'a App,
    pub event: &'static str,
    pub ticket_id: u64,
    pub deadline: Instant,
    pub request_id: String,
    claim: Mutex<Option<Claim>>,
    /// Idempotent writes done in this attempt, recorded when the claim is released or failed.
    unrecorded: Mutex<BTreeSet<String>>,
}

impl<'a> JobCtx<'a> {
    pub fn new(app: &'a App, event: &'static str, ticket_id: u64, deadline: Instant, request_id: String) -> Self {
        Self {
            app,
            event,
            ticket_id,
            deadline,
            request_id,
            claim: Mutex::new(None),
            unrecorded: Mutex::new(BTreeSet::new()),
        }
    }

    fn held(&self) -> Option<Claim> {
        self.claim.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Claims `key`. `Ok(None)`: go on. `Ok(Some(outcome))`: stop and return that outcome.
    pub async fn claim(&self, key: String) -> Result<Option<Outcome>, JobError> {
        let lease = lease_until(self.deadline);
        let now = now_ms();
        match self
            .app
            .dedup
            .claim(&key, now, lease, claim_ttl(self.app.config.dedup_ttl))
            .await?
        {
            ClaimOutcome::Claimed(claim) => {
                tracing::Span::current().record("attempt", claim.attempt);
                tracing::info!(key = %claim.key, steps = ?claim.steps, "claimed");
                *self.claim.lock().unwrap_or_else(|e| e.into_inner()) = Some(claim);
                Ok(None)
            }
            ClaimOutcome::Duplicate { .. } => Ok(Some(Outcome::Duplicate)),
            ClaimOutcome::InProgress { lease_until_ms } => Ok(Some(Outcome::InProgress {
                retry_after: Duration::from_millis(lease_until_ms.saturating_sub(now)) + Duration::from_secs(1),
            })),
        }
    }

    /// The claim's attempt number (1 for the first delivery).
    pub fn attempt(&self) -> u32 {
        self.held().map_or(0, |c| c.attempt)
    }

    /// Whether an earlier attempt already made this side effect.
    pub fn step_done(&self, step: &str) -> bool {
        self.held().is_some_and(|c| c.steps.contains(step))
    }

    /// On a retry, a note that an earlier attempt posted but died before recording is adopted:
    /// its step is recorded instead of posting the note again. Returns whether the note is done.
    pub async fn adopt_note(
        &self,
        step: &str,
        conversations: &[Conversation],
        title: &str,
        since: Option<&str>,
    ) -> Result<bool, JobError> {
        if self.step_done(step) {
            return Ok(true);
        }
        match crate::job::notes::find_bridge_note(conversations, title, since) {
            Some(note) if self.attempt() > 1 => {
                tracing::warn!(
                    step,
                    conversation_id = note.id,
                    "note posted by a crashed attempt adopted, not posted again"
                );
                self.step(step).await?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// Marks an idempotent write (a ticket or contact PUT) as done. It costs no write of its
    /// own: a completed job needs no record of it, and a released or failed one records it
    /// with the release. A worker killed before that repeats the PUT on its retry, which is
    /// harmless: the PUT sets the same values again.
    pub fn step_idempotent(&self, step: &str) {
        self.unrecorded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(step.to_string());
        if let Some(held) = self.claim.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
            held.steps.insert(step.to_string());
        }
        tracing::info!(step, "step done");
    }

    fn unrecorded(&self) -> BTreeSet<String> {
        self.unrecorded.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Records a non-idempotent side effect (a note, a KB post) as done, at once, under the lease.
    pub async fn step(&self, step: &str) -> Result<(), JobError> {
        let Some(claim) = self.held() else {
            return Err(JobError::Fatal {
                cause: format!("step {step} recorded without a claim"),
            });
        };
        self.app.dedup.record_step(&claim, step).await?;
        // Steps may be recorded concurrently: add to the held claim, never overwrite it.
        if let Some(held) = self.claim.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
            held.steps.insert(step.to_string());
        }
        tracing::info!(step, "step done");
        Ok(())
    }

    /// The job's ticket, or the `skipped` outcome when it is gone (404, deleted, spam): retrying
    /// cannot help, and nothing is claimed or written.
    pub async fn ticket(&self, with_stats: bool) -> Result<Result<Ticket, Outcome>, JobError> {
        match self
            .app
            .freshdesk
            .get_ticket(self.ticket_id, with_stats, self.deadline)
            .await
        {
            Err(FreshdeskError::NotFound { .. }) => Ok(Err(Outcome::Skipped("ticket not found".into()))),
            Err(e) => Err(e.into()),
            Ok(t) if t.deleted || t.spam => Ok(Err(Outcome::Skipped("ticket deleted or spam".into()))),
            Ok(t) => Ok(Ok(t)),
        }
    }

    /// `X-Request-ID` for a Simpli call: the idempotency key plus the step.
    pub fn request_id_for(&self, step: &str) -> String {
        match self.held() {
            Some(c) => format!("{}#{step}#a{}", c.key, c.attempt),
            None => format!("{}#{}#{step}", self.event, self.ticket_id),
        }
    }
}

/// Runs one job to its end and settles its claim.
pub async fn run_job<J: Job>(app: &App, job: &J, ticket_id: u64, deadline: Instant, request_id: String) -> JobReport {
    let started = Instant::now();
    let ctx = JobCtx::new(app, J::EVENT, ticket_id, deadline, request_id);
    // Every line of the job carries its context; `attempt` is known once the claim is taken.
    let span = tracing::info_span!(
        "job",
        request_id = %ctx.request_id,
        event = J::EVENT,
        ticket_id,
        attempt = tracing::field::Empty
    );
    let result = match AssertUnwindSafe(tracing::Instrument::instrument(job.run(&ctx), span.clone()))
        .catch_unwind()
        .await
    {
        Ok(r) => r,
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".into());
            Err(JobError::Retryable {
                cause: format!("job panicked: {msg}"),
                retry_after: None,
            })
        }
    };
    let result = match result {
        Err(JobError::Gone { cause }) => Ok(Outcome::Skipped(format!("gone meanwhile: {cause}"))),
        other => other,
    };
    let result = tracing::Instrument::instrument(settle(&ctx, result), span.clone()).await;
    let report = JobReport {
        event: J::EVENT,
        ticket_id,
        attempt: ctx.attempt(),
        duration: started.elapsed(),
        result,
    };
    span.in_scope(|| report.log());
    report
}

/// Completes, releases or fails the claim according to the result. A failure to settle turns a
/// success into a retryable error only when the work itself may be redone safely.
async fn settle(ctx: &JobCtx<'_>, result: Result<Outcome, JobError>) -> Result<Outcome, JobError> {
    let Some(claim) = ctx.held() else { return result };
    let store = &ctx.app.dedup;
    let settled = match &result {
        Ok(Outcome::Processed(summary)) => {
            store
                .complete(&claim, crate::job::text::truncate_chars(&summary.to_string(), 1000))
                .await
        }
        Ok(Outcome::Skipped(reason)) | Err(JobError::Gone { cause: reason }) => {
            store.complete(&claim, &format!("skipped: {reason}")).await
        }
        Ok(_) => Ok(()),
        Err(JobError::Retryable { .. }) => store.release_recording(&claim, &ctx.unrecorded()).await,
        Err(JobError::Fatal { cause }) => {
            let cause = crate::job::text::truncate_chars(cause, 1000);
            store.fail_recording(&claim, cause, &ctx.unrecorded()).await
        }
    };
    match (settled, result) {
        (Ok(()), r) => r,
        (Err(DedupError::LeaseLost { key }), r) => {
            // Someone else took over after our lease ran out; they own the record now.
            tracing::warn!(%key, "lease lost before settling");
            r
        }
        (Err(e), Ok(_)) => Err(JobError::Retryable {
            cause: format!("work done but not recorded as complete: {e}"),
            retry_after: None,
        }),
        (Err(e), Err(job_err)) => {
            tracing::warn!(error = %e, "could not settle the claim; it expires with its lease");
            Err(job_err)
        }
    }
}
