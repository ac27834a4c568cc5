//! Sending a recovered job exactly as the webhook entry would: a [`JobMessage`] on its event's
//! queue, or, when that event has no queue, the job itself run inline. A guard item taken
//! before and completed after the send keeps a job from being sent twice.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use crate::job::{run_job, Job, JobError, JobReport};
use crate::runtime::queue::{JobMessage, JobQueue};
use crate::setup::app::App;
use crate::setup::clock::now_ms;
use crate::store::ClaimOutcome;

/// Runs one job of a named event inline.
pub trait Runner: Send + Sync {
    fn run_inline<'a>(
        &'a self,
        app: &'a App,
        event: &'a str,
        ticket_id: u64,
        deadline: Instant,
        request_id: String,
    ) -> Pin<Box<dyn Future<Output = Option<JobReport>> + Send + 'a>>;
}

/// The three webhook jobs, for running recovered jobs inline.
pub struct Jobs<C, R, S> {
    pub created: C,
    pub replied: R,
    pub resolved: S,
}

impl<C: Job, R: Job, S: Job> Runner for Jobs<C, R, S> {
    fn run_inline<'a>(
        &'a self,
        app: &'a App,
        event: &'a str,
        ticket_id: u64,
        deadline: Instant,
        request_id: String,
    ) -> Pin<Box<dyn Future<Output = Option<JobReport>> + Send + 'a>> {
        Box::pin(async move {
            if event == C::EVENT {
                Some(run_job(app, &self.created, ticket_id, deadline, request_id).await)
            } else if event == R::EVENT {
                Some(run_job(app, &self.replied, ticket_id, deadline, request_id).await)
            } else if event == S::EVENT {
                Some(run_job(app, &self.resolved, ticket_id, deadline, request_id).await)
            } else {
                None
            }
        })
    }
}

/// Where each event's recovered jobs go.
pub struct Sender<'r> {
    queues: BTreeMap<&'static str, JobQueue>,
    runner: &'r dyn Runner,
    request_id: String,
}

/// How long a guard is held while its job is being sent.
const GUARD_LEASE: Duration = Duration::from_secs(15 * 60);

impl<'r> Sender<'r> {
    /// `queues`: (event, queue URL) for each event that has one; the others run inline.
    pub async fn new(queues: &[(&'static str, String)], runner: &'r dyn Runner, request_id: &str) -> Self {
        let mut map = BTreeMap::new();
        if !queues.is_empty() {
            let aws = crate::clients::aws::sdk_config().await;
            for (event, url) in queues {
                map.insert(*event, JobQueue::new(&aws, url.clone(), None));
            }
        }
        Self {
            queues: map,
            runner,
            request_id: request_id.to_string(),
        }
    }

    /// Whether `event` goes to a queue (else it runs inline).
    pub fn queued(&self, event: &str) -> bool {
        self.queues.contains_key(event)
    }

    /// Sends one job under its guard. `Ok(true)`: sent now; `Ok(false)`: another sweep holds or
    /// completed the guard. An error leaves the guard released, so the next sweep sends it.
    pub async fn send(
        &self,
        app: &App,
        event: &str,
        ticket_id: u64,
        guard: &str,
        deadline: Instant,
    ) -> Result<bool, JobError> {
        let claim = match app
            .dedup
            .claim(guard, now_ms(), GUARD_LEASE, app.config.dedup_ttl)
            .await?
        {
            ClaimOutcome::Claimed(c) => c,
            ClaimOutcome::Duplicate { .. } | ClaimOutcome::InProgress { .. } => return Ok(false),
        };
        let request_id = format!("{}#{event}#{ticket_id}", self.request_id);
        match self.dispatch(app, event, ticket_id, deadline, request_id).await {
            Ok(how) => {
                app.dedup.complete(&claim, how).await?;
                Ok(true)
            }
            Err(e) => {
                if let Err(release) = app.dedup.release(&claim).await {
                    tracing::warn!(error = %release, "could not release a recovery guard; it expires with its lease");
                }
                Err(e)
            }
        }
    }

    async fn dispatch(
        &self,
        app: &App,
        event: &str,
        ticket_id: u64,
        deadline: Instant,
        request_id: String,
    ) -> Result<&'static str, JobError> {
        if let Some(queue) = self.queues.get(event) {
            let msg = JobMessage {
                event: event.to_string(),
                ticket_id,
                received_at: now_ms(),
                request_id,
            };
            queue.enqueue(&msg).await.map_err(|e| JobError::Retryable {
                cause: e.to_string(),
                retry_after: None,
            })?;
            return Ok("queued");
        }
        let report = self
            .runner
            .run_inline(app, event, ticket_id, deadline, request_id)
            .await
            .ok_or_else(|| JobError::Fatal {
                cause: format!("no job for event {event}"),
            })?;
        match report.result {
            // A retryable failure: the job released its claim; the guard is released too so
            // the next sweep sends it again.
            Err(e) if e.is_retryable() => Err(e),
            // Done, skipped, or failed for good (its FAILED record says why; `ops` can replay).
            _ => Ok("ran"),
        }
    }
}
