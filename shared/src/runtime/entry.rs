//! The two entries of a function: the webhook (HTTP) and the job queue (SQS batch).
//! A job's outcome becomes a retry decision here ([`record_verdict`]); every HTTP status is
//! decided in [`crate::runtime::answer`].

use std::time::{Duration, Instant};

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use http::{HeaderMap, Method};

use crate::job::retry::job_backoff;
use crate::job::{run_job, Job, JobError, Outcome};
use crate::runtime::answer::HttpAnswer;
use crate::runtime::queue::JobMessage;
use crate::runtime::webhook::{authorize, parse_ticket_id, Refusal, MAX_BODY_BYTES};
use crate::setup::app::App;
use crate::setup::clock::now_ms;

/// API Gateway cuts a request at ~30 s: inline jobs answer before that.
pub const INLINE_BUDGET: Duration = Duration::from_secs(28);

/// The webhook entry: auth → size → parse → enqueue (queue mode) or run inline.
pub async fn webhook<J: Job>(
    app: &App,
    job: &J,
    method: &Method,
    headers: &HeaderMap,
    body: &[u8],
    deadline: Instant,
    request_id: &str,
) -> HttpAnswer {
    if let Err(r) = authorize(headers, app.webhook_secret()) {
        tracing::warn!(event = J::EVENT, "webhook refused: {r}");
        return HttpAnswer::refused(&r);
    }
    if method != Method::POST {
        return HttpAnswer::refused(&Refusal::MethodNotAllowed);
    }
    if body.len() > MAX_BODY_BYTES {
        return HttpAnswer::refused(&Refusal::TooLarge);
    }
    let ticket_id = match parse_ticket_id(body) {
        Ok(id) => id,
        Err(r) => {
            tracing::warn!(event = J::EVENT, "webhook refused: {r}");
            return HttpAnswer::refused(&r);
        }
    };
    if let Some(queue) = &app.queue {
        let msg = JobMessage {
            event: J::EVENT.to_string(),
            ticket_id,
            received_at: now_ms(),
            request_id: request_id.to_string(),
        };
        return match queue.enqueue(&msg).await {
            Ok(message_id) => {
                tracing::info!(event = J::EVENT, ticket_id, %message_id, outcome = "queued", "webhook");
                HttpAnswer::queued(J::EVENT, ticket_id, request_id)
            }
            Err(e) => {
                tracing::error!(event = J::EVENT, ticket_id, error = %e, "enqueue failed");
                HttpAnswer::not_queued()
            }
        };
    }
    let deadline = deadline.min(Instant::now() + INLINE_BUDGET);
    let report = run_job(app, job, ticket_id, deadline, request_id.to_string()).await;
    HttpAnswer::inline(&report)
}

/// The job entry: every record of the batch runs through the pipeline; the answer lists only
/// the records that must come back (`batchItemFailures`).
pub async fn sqs_batch<J: Job>(app: &App, job: &J, event: SqsEvent, deadline: Instant) -> SqsBatchResponse {
    let results = futures::future::join_all(event.records.into_iter().map(|record| async move {
        let id = record.message_id.clone().unwrap_or_default();
        (id, sqs_record(app, job, record, deadline).await)
    }))
    .await;
    let mut response = SqsBatchResponse::default();
    for (id, ack) in results {
        if !ack {
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            response.batch_item_failures.push(failure);
        }
    }
    response
}

/// What the job entry does with a record once its job has run.
#[derive(Debug, Clone, PartialEq)]
pub enum RecordVerdict<'a> {
    /// Acknowledge it: processed, a duplicate, or skipped.
    Done,
    /// It cannot succeed: park it in the DLQ, with this cause.
    Park(&'a str),
    /// Return it to the queue, visible again after this delay.
    RetryIn(Duration),
}

/// The retry decision of a record: a live lease → its remaining time + 1 s; a named delay
/// (`Retry-After`, the rate-limit quiet period) → that delay; another retryable failure →
/// the `RETRY_BASE_SECONDS` backoff for its `receive_count`, jittered by `unit` ∈ [0, 1).
pub fn record_verdict(
    result: &Result<Outcome, JobError>,
    retry_base: Duration,
    receive_count: u32,
    unit: f64,
) -> RecordVerdict<'_> {
    match result {
        Ok(Outcome::Processed(_) | Outcome::Duplicate | Outcome::Skipped(_)) | Err(JobError::Gone { .. }) => {
            RecordVerdict::Done
        }
        Ok(Outcome::InProgress { retry_after }) => RecordVerdict::RetryIn(*retry_after),
        Err(JobError::Retryable {
            retry_after: Some(after),
            ..
        }) => RecordVerdict::RetryIn(*after),
        Err(JobError::Retryable { .. }) => RecordVerdict::RetryIn(job_backoff(retry_base, receive_count, unit)),
        Err(JobError::Fatal { cause }) => RecordVerdict::Park(cause),
    }
}

/// This function's job message in a record's body, or why it is not one.
fn job_message<J: Job>(body: &str) -> Result<JobMessage, String> {
    match serde_json::from_str::<JobMessage>(body) {
        Ok(m) if m.event == J::EVENT && m.ticket_id > 0 => Ok(m),
        Ok(m) => Err(format!(
            "message for event {} (ticket {}) reached {}",
            m.event,
            m.ticket_id,
            J::EVENT
        )),
        Err(e) => Err(format!("not a job message: {e}")),
    }
}

/// Returns true when the record is done with (acknowledged), false when it must come back.
///
/// With no `JOB_QUEUE_URL` (a local `sam local invoke -e events/<event>.sqs.json`; deployed, the
/// template always sets it) there is no queue to set a backoff on and no DLQ to park in: the job
/// runs, and anything but a finished job hands the record back to Lambda's own retry.
async fn sqs_record<J: Job>(app: &App, job: &J, record: SqsMessage, deadline: Instant) -> bool {
    let body = record.body.clone().unwrap_or_default();
    let receipt = record.receipt_handle.clone().unwrap_or_default();
    let receive_count: u32 = record
        .attributes
        .get("ApproximateReceiveCount")
        .and_then(|c| c.parse().ok())
        .unwrap_or(1);
    let msg = match (job_message::<J>(&body), &app.queue) {
        (Ok(msg), _) => msg,
        (Err(reason), Some(queue)) => return park(queue, &body, &reason).await,
        (Err(reason), None) => {
            tracing::error!(event = J::EVENT, %reason, "no JOB_QUEUE_URL to park it in; returning the record");
            return false;
        }
    };
    let report = run_job(app, job, msg.ticket_id, deadline, msg.request_id.clone()).await;
    let verdict = record_verdict(&report.result, app.config.retry_base, receive_count, fastrand::f64());
    let Some(queue) = &app.queue else {
        return matches!(verdict, RecordVerdict::Done);
    };
    let delay = match verdict {
        RecordVerdict::Done => return true,
        RecordVerdict::Park(cause) => return park(queue, &body, cause).await,
        RecordVerdict::RetryIn(delay) => delay,
    };
    if let Err(e) = queue.retry_in(&receipt, delay).await {
        tracing::warn!(error = %e, "could not set the retry delay; the visibility timeout applies");
    }
    false
}

/// Sends a message that cannot succeed to the DLQ and acknowledges it; if the DLQ is
/// unreachable, the message goes back to the queue (and the redrive policy parks it later).
async fn park(queue: &crate::runtime::queue::JobQueue, body: &str, reason: &str) -> bool {
    match queue.dead_letter(body, reason).await {
        Ok(()) => {
            tracing::warn!(reason, "job parked in the DLQ");
            true
        }
        Err(e) => {
            tracing::error!(error = %e, reason, "could not park the job in the DLQ; returning it to the queue");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clients::freshdesk::FreshdeskError;

    const BASE: Duration = Duration::from_secs(20);

    #[test]
    fn a_job_given_back_by_the_rate_limit_returns_after_the_quiet_period() {
        let quiet = Err(JobError::from(FreshdeskError::RateLimited {
            retry_after: Duration::from_secs(60),
        }));
        assert_eq!(
            record_verdict(&quiet, BASE, 1, 0.5),
            RecordVerdict::RetryIn(Duration::from_secs(60))
        );
    }

    #[test]
    fn other_retryable_failures_back_off_and_fatal_ones_are_parked() {
        let outage = Err(JobError::Retryable {
            retry_after: None,
            cause: "freshdesk 503 server error".into(),
        });
        assert_eq!(record_verdict(&outage, BASE, 2, 0.5), RecordVerdict::RetryIn(BASE * 2));
        let bad = Err(JobError::Fatal { cause: "400".into() });
        assert_eq!(record_verdict(&bad, BASE, 1, 0.5), RecordVerdict::Park("400"));
        assert_eq!(
            record_verdict(&Ok(Outcome::Duplicate), BASE, 1, 0.5),
            RecordVerdict::Done
        );
    }
}
