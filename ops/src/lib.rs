//! Operator tasks of the bridge.
//!
//! | command | module |
//! |---|---|
//! | `setup`: create the AI fields and automation rules an account lacks | `setup.rs` (what it creates: `guide.rs`) |
//! | `doctor`: read-only checks, one line each, ✔ or ✘ with the fix | `doctor/` (`freshdesk.rs`, `services.rs`) |
//! | `show`: a ticket's dedup items, the AI's answers, its DLQ messages | `show.rs` |
//! | `replay`: move dead-lettered jobs back to their queue | this file |
//!
//! `context.rs` reads the configuration and secrets as the functions do; `freshdesk.rs` is the
//! small admin client (no retries: a hand-run command reports each failure as it is).
//!
//! `replay` moves dead-lettered job messages back to their event's queue once the cause of
//! their failure is fixed (a Freshdesk field renamed, a key rotated, an outage over). A job
//! that lands in the DLQ keeps its dedup record (`FAILED`, or `IN_PROGRESS` with its steps),
//! and a claim may take a `FAILED` record, so a replayed job redoes only what is missing.
//!
//! The scan receives the DLQ's messages with a visibility timeout long enough for the run
//! (the "hold"), sends each selected one to the queue and then deletes it from the DLQ (so a
//! crash in between leaves a duplicate, which the dedup table absorbs, never a loss), and at
//! the end makes every message it held but did not move visible again.

pub mod backfill;

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::time::Duration;

use aws_sdk_sqs::error::ProvideErrorMetadata;
use aws_sdk_sqs::types::{ChangeMessageVisibilityBatchRequestEntry, MessageAttributeValue, MessageSystemAttributeName};
use aws_sdk_sqs::Client;
use shared::runtime::queue::JobMessage;

/// The webhook events whose jobs go through a queue.
pub const EVENTS: [&str; 3] = ["ticket-created", "customer-replied", "ticket-resolved"];

/// The message attribute in which a function records why it parked a job in the DLQ
/// (set by `shared::runtime::queue::JobQueue::dead_letter`). It is dropped on replay.
pub const FAILURE_ATTRIBUTE: &str = "failure";

/// A variable's trimmed value; empty counts as unset.
pub fn env_value(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// SQS limits.
const MAX_VISIBILITY_SECS: u64 = 12 * 3600;
const MAX_WAIT_SECS: u64 = 20;
const MAX_BATCH: usize = 10;

pub mod context;
pub mod doctor;
pub mod freshdesk;
pub mod guide;
pub mod setup;
pub mod show;

#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Config(String),
    #[error("freshdesk {0}")]
    Freshdesk(#[from] freshdesk::ApiError),
    #[error("sqs {op}: {cause}")]
    Sqs { op: &'static str, cause: String },
}

/// One line per SDK failure: the service's error code and message when it sent them, else the
/// whole cause chain (transport errors, timeouts).
fn sqs<E>(op: &'static str) -> impl FnOnce(E) -> OpsError
where
    E: std::error::Error + ProvideErrorMetadata + 'static,
{
    move |e| OpsError::Sqs {
        op,
        cause: shared::clients::aws::describe(&e),
    }
}

/// What to replay and how.
#[derive(Debug, Clone)]
pub struct ReplayOptions {
    /// The event (one of [`EVENTS`]); only job messages of this event are moved.
    pub event: String,
    /// Only the jobs of this ticket; the others stay in the DLQ.
    pub ticket_id: Option<u64>,
    pub queue_url: String,
    pub dlq_url: String,
    /// Report what would move without moving anything.
    pub dry_run: bool,
    /// How long the scanned messages stay hidden while the run lasts.
    pub hold: Duration,
    /// Long-poll wait of each receive; an empty receive ends the scan.
    pub wait: Duration,
    /// Upper bound on the messages examined, so a run always ends.
    pub max_messages: usize,
}

impl ReplayOptions {
    pub fn new(event: impl Into<String>, queue_url: impl Into<String>, dlq_url: impl Into<String>) -> Self {
        Self {
            event: event.into(),
            ticket_id: None,
            queue_url: queue_url.into(),
            dlq_url: dlq_url.into(),
            dry_run: false,
            hold: Duration::from_secs(120),
            wait: Duration::from_secs(1),
            max_messages: 10_000,
        }
    }

    pub fn ticket(mut self, ticket_id: Option<u64>) -> Self {
        self.ticket_id = ticket_id;
        self
    }

    pub fn dry_run(mut self, dry_run: bool) -> Self {
        self.dry_run = dry_run;
        self
    }

    fn check(&self) -> Result<(), OpsError> {
        if !EVENTS.contains(&self.event.as_str()) {
            return Err(OpsError::Usage(format!(
                "unknown event {:?} (expected one of {})",
                self.event,
                EVENTS.join(", ")
            )));
        }
        if self.queue_url.trim().is_empty() || self.dlq_url.trim().is_empty() {
            return Err(OpsError::Usage("both the queue URL and the DLQ URL are needed".into()));
        }
        if self.queue_url == self.dlq_url {
            return Err(OpsError::Usage("the queue and the DLQ are the same queue".into()));
        }
        Ok(())
    }
}

/// A message moved from the DLQ to the queue (or that would move, in a dry run).
#[derive(Debug, Clone, PartialEq)]
pub struct Moved {
    pub dlq_message_id: String,
    /// The id of the new message in the queue (empty in a dry run).
    pub queue_message_id: String,
    pub ticket_id: u64,
    /// Why the function parked it, when it said so (absent when the redrive policy moved it).
    pub failure: Option<String>,
}

/// A message left in the DLQ (made visible again).
#[derive(Debug, Clone, PartialEq)]
pub struct Left {
    pub message_id: String,
    pub ticket_id: Option<u64>,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReplayReport {
    pub event: String,
    pub dry_run: bool,
    pub moved: Vec<Moved>,
    pub left: Vec<Left>,
}

impl ReplayReport {
    /// One line per message, then the count.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let verb = if self.dry_run { "would move" } else { "moved" };
        for m in &self.moved {
            let _ = write!(out, "{verb} {} ticket {}", m.dlq_message_id, m.ticket_id);
            if !m.queue_message_id.is_empty() {
                let _ = write!(out, " -> queue message {}", m.queue_message_id);
            }
            if let Some(f) = &m.failure {
                let _ = write!(out, " (parked because: {})", one_line(f, 200));
            }
            out.push('\n');
        }
        for l in &self.left {
            let ticket = l.ticket_id.map_or_else(|| "-".to_string(), |t| t.to_string());
            let _ = writeln!(
                out,
                "left {} ticket {ticket} ({})",
                l.message_id,
                one_line(&l.reason, 200)
            );
        }
        let _ = writeln!(
            out,
            "{}: {verb} {} message(s) from the DLQ to the queue; {} left in the DLQ",
            self.event,
            self.moved.len(),
            self.left.len()
        );
        out
    }

    /// Ticket ids of the moved messages, in order.
    pub fn moved_tickets(&self) -> Vec<u64> {
        self.moved.iter().map(|m| m.ticket_id).collect()
    }
}

fn one_line(s: &str, max: usize) -> String {
    let flat: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    shared::job::text::truncate_chars(&flat, max).to_string()
}

/// Whether a DLQ message body is a job of `event` (and of `ticket_id`, if given).
pub fn select(body: &str, event: &str, ticket_id: Option<u64>) -> Result<JobMessage, (Option<u64>, String)> {
    let job = serde_json::from_str::<JobMessage>(body).map_err(|e| (None, format!("not a job message: {e}")))?;
    if job.event != event {
        return Err((Some(job.ticket_id), format!("a {} job, not {event}", job.event)));
    }
    if let Some(wanted) = ticket_id {
        if job.ticket_id != wanted {
            return Err((Some(job.ticket_id), format!("ticket {}, not {wanted}", job.ticket_id)));
        }
    }
    Ok(job)
}

/// The DLQ of `queue_url`: `explicit`, else the queue's `RedrivePolicy`.
pub async fn resolve_dlq_url(
    aws: &aws_config::SdkConfig,
    queue_url: &str,
    explicit: Option<String>,
) -> Result<String, OpsError> {
    if let Some(url) = explicit.filter(|u| !u.trim().is_empty()) {
        return Ok(url);
    }
    let queue = shared::runtime::queue::JobQueue::new(aws, queue_url.to_string(), None);
    queue.dlq_url().await.map(str::to_string).map_err(|e| {
        OpsError::Usage(format!(
            "no DLQ URL given (--dlq-url or JOB_DLQ_URL) and the queue's RedrivePolicy gave none: {}",
            one_line(&e.to_string(), 300)
        ))
    })
}

/// Moves the selected job messages of the DLQ back to the queue.
pub async fn replay(client: &Client, opts: &ReplayOptions) -> Result<ReplayReport, OpsError> {
    opts.check()?;
    let mut report = ReplayReport {
        event: opts.event.clone(),
        dry_run: opts.dry_run,
        ..ReplayReport::default()
    };
    let mut held = Vec::new();
    let scanned = scan(client, opts, &mut report, &mut held).await;
    // Whatever happened, what we hid but did not move becomes visible again.
    let released = release(client, &opts.dlq_url, &held).await;
    scanned?;
    released?;
    Ok(report)
}

async fn scan(
    client: &Client,
    opts: &ReplayOptions,
    report: &mut ReplayReport,
    held: &mut Vec<String>,
) -> Result<(), OpsError> {
    let hold = secs_i32(opts.hold.as_secs().clamp(1, MAX_VISIBILITY_SECS));
    let wait = secs_i32(opts.wait.as_secs().min(MAX_WAIT_SECS));
    let mut seen = HashSet::new();
    while seen.len() < opts.max_messages {
        let out = client
            .receive_message()
            .queue_url(&opts.dlq_url)
            .max_number_of_messages(MAX_BATCH as i32)
            .visibility_timeout(hold)
            .wait_time_seconds(wait)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .message_attribute_names("All")
            .send()
            .await
            .map_err(sqs("ReceiveMessage"))?;
        let messages = out.messages.unwrap_or_default();
        if messages.is_empty() {
            break;
        }
        for m in messages {
            let Some(receipt) = m.receipt_handle.clone() else {
                continue;
            };
            let id = m.message_id.clone().unwrap_or_default();
            if !seen.insert(id.clone()) {
                // Its hold ran out during a long run: it was decided already.
                held.push(receipt);
                continue;
            }
            if !decide(client, opts, report, &m, id)
                .await
                .inspect_err(|_| held.push(receipt.clone()))?
            {
                held.push(receipt);
            }
        }
    }
    Ok(())
}

/// Moves one DLQ message back to the queue if it is one to replay (or records why not).
/// Returns whether it left the DLQ; one that stays is held until the run ends.
async fn decide(
    client: &Client,
    opts: &ReplayOptions,
    report: &mut ReplayReport,
    m: &aws_sdk_sqs::types::Message,
    id: String,
) -> Result<bool, OpsError> {
    let body = m.body.as_deref().unwrap_or_default();
    let mut attributes: HashMap<String, MessageAttributeValue> = m.message_attributes.clone().unwrap_or_default();
    let failure = attributes.remove(FAILURE_ATTRIBUTE).and_then(|v| v.string_value);
    let job = match select(body, &opts.event, opts.ticket_id) {
        Ok(job) => job,
        Err((ticket_id, reason)) => {
            report.left.push(Left {
                message_id: id,
                ticket_id,
                reason,
            });
            return Ok(false);
        }
    };
    let mut moved = Moved {
        dlq_message_id: id,
        queue_message_id: String::new(),
        ticket_id: job.ticket_id,
        failure,
    };
    if opts.dry_run {
        report.moved.push(moved);
        return Ok(false);
    }
    let mut send = client.send_message().queue_url(&opts.queue_url).message_body(body);
    for (name, value) in attributes {
        send = send.message_attributes(name, value);
    }
    let sent = send.send().await.map_err(sqs("SendMessage"))?;
    // Sent first, deleted second: a failure here leaves a duplicate, never a loss.
    client
        .delete_message()
        .queue_url(&opts.dlq_url)
        .receipt_handle(m.receipt_handle.as_deref().unwrap_or_default())
        .send()
        .await
        .map_err(sqs(
            "DeleteMessage (the job was sent to the queue; its DLQ copy remains)",
        ))?;
    moved.queue_message_id = sent.message_id.unwrap_or_default();
    report.moved.push(moved);
    Ok(true)
}

/// Makes held messages visible again (visibility timeout 0).
async fn release(client: &Client, dlq_url: &str, receipts: &[String]) -> Result<(), OpsError> {
    let mut failed = Vec::new();
    for chunk in receipts.chunks(MAX_BATCH) {
        let mut req = client.change_message_visibility_batch().queue_url(dlq_url);
        for (i, receipt) in chunk.iter().enumerate() {
            let entry = ChangeMessageVisibilityBatchRequestEntry::builder()
                .id(i.to_string())
                .receipt_handle(receipt)
                .visibility_timeout(0)
                .build()
                .map_err(|e| OpsError::Sqs {
                    op: "ChangeMessageVisibilityBatch",
                    cause: e.to_string(),
                })?;
            req = req.entries(entry);
        }
        let out = req.send().await.map_err(sqs("ChangeMessageVisibilityBatch"))?;
        failed.extend(out.failed.into_iter().map(|f| f.message.unwrap_or(f.code)));
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(OpsError::Sqs {
            op: "ChangeMessageVisibilityBatch",
            cause: format!(
                "{} message(s) stay hidden until their hold ends: {}",
                failed.len(),
                failed.join("; ")
            ),
        })
    }
}

fn secs_i32(secs: u64) -> i32 {
    i32::try_from(secs).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(event: &str, ticket: u64) -> String {
        serde_json::to_string(&JobMessage {
            event: event.into(),
            ticket_id: ticket,
            received_at: 1,
            request_id: "r".into(),
        })
        .unwrap()
    }

    #[test]
    fn selects_jobs_of_the_event_and_ticket() {
        assert_eq!(
            select(&body("ticket-created", 7), "ticket-created", None)
                .unwrap()
                .ticket_id,
            7
        );
        assert_eq!(
            select(&body("ticket-created", 7), "ticket-created", Some(7))
                .unwrap()
                .ticket_id,
            7
        );
        let (ticket, reason) = select(&body("ticket-created", 8), "ticket-created", Some(7)).unwrap_err();
        assert_eq!((ticket, reason.as_str()), (Some(8), "ticket 8, not 7"));
        let (ticket, reason) = select(&body("customer-replied", 7), "ticket-created", None).unwrap_err();
        assert_eq!(ticket, Some(7));
        assert!(reason.contains("customer-replied"), "{reason}");
        let (ticket, reason) = select("not json", "ticket-created", None).unwrap_err();
        assert_eq!(ticket, None);
        assert!(reason.starts_with("not a job message"), "{reason}");
    }

    #[test]
    fn options_are_checked() {
        assert!(ReplayOptions::new("ticket-created", "q", "d").check().is_ok());
        assert!(matches!(
            ReplayOptions::new("kb-sync", "q", "d").check(),
            Err(OpsError::Usage(_))
        ));
        assert!(matches!(
            ReplayOptions::new("ticket-created", "q", "").check(),
            Err(OpsError::Usage(_))
        ));
        assert!(matches!(
            ReplayOptions::new("ticket-created", "q", "q").check(),
            Err(OpsError::Usage(_))
        ));
    }

    #[test]
    fn report_lists_each_message_and_the_count() {
        let report = ReplayReport {
            event: "ticket-created".into(),
            dry_run: false,
            moved: vec![Moved {
                dlq_message_id: "m1".into(),
                queue_message_id: "n1".into(),
                ticket_id: 101,
                failure: Some("bad\nfield".into()),
            }],
            left: vec![Left {
                message_id: "m2".into(),
                ticket_id: Some(102),
                reason: "ticket 102, not 101".into(),
            }],
        };
        let text = report.render();
        assert!(
            text.contains("moved m1 ticket 101 -> queue message n1 (parked because: bad field)"),
            "{text}"
        );
        assert!(text.contains("left m2 ticket 102 (ticket 102, not 101)"), "{text}");
        assert!(
            text.ends_with("ticket-created: moved 1 message(s) from the DLQ to the queue; 1 left in the DLQ\n"),
            "{text}"
        );
    }
}
