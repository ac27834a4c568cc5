//! What Lambda's SQS event-source mapping does: receive a batch (with
//! `ApproximateReceiveCount`), invoke the function with an SQS event, delete the records not
//! listed in `batchItemFailures` (none when the invocation failed or timed out). It exists so
//! queue-mode tests see the same redelivery and partial-batch rules as production.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::sqs::{SqsEvent, SqsMessage, SqsMessageAttribute};
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, Message, MessageSystemAttributeName};
use serde_json::Value;

use super::{InvokeError, QueuePair, RuntimeApi, REGION};

/// What an [`EventSourceMapping`] did so far.
#[derive(Debug, Default)]
pub struct MappingStats {
    pub invocations: AtomicUsize,
    pub records: AtomicUsize,
    pub deleted: AtomicUsize,
    pub item_failures: AtomicUsize,
    pub function_errors: AtomicUsize,
    pub timeouts: AtomicUsize,
}

/// A copy of [`MappingStats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MappingCounts {
    pub invocations: usize,
    pub records: usize,
    pub deleted: usize,
    pub item_failures: usize,
    pub function_errors: usize,
    pub timeouts: usize,
}

impl MappingStats {
    pub fn counts(&self) -> MappingCounts {
        MappingCounts {
            invocations: self.invocations.load(Ordering::SeqCst),
            records: self.records.load(Ordering::SeqCst),
            deleted: self.deleted.load(Ordering::SeqCst),
            item_failures: self.item_failures.load(Ordering::SeqCst),
            function_errors: self.function_errors.load(Ordering::SeqCst),
            timeouts: self.timeouts.load(Ordering::SeqCst),
        }
    }
}

/// Lambda's SQS poller for one queue and one function.
#[derive(Clone)]
pub struct EventSourceMapping {
    client: aws_sdk_sqs::Client,
    queue_url: String,
    queue_arn: String,
    runtime: RuntimeApi,
    batch_size: i32,
    function_timeout: Duration,
    stats: Arc<MappingStats>,
}

/// The SQS event Lambda builds from received messages.
pub fn sqs_event(messages: &[Message], queue_arn: &str) -> Value {
    let mut event = SqsEvent::default();
    event.records = messages.iter().map(|m| sqs_record(m, queue_arn)).collect();
    serde_json::to_value(&event).expect("an SQS event serializes")
}

/// One record of [`sqs_event`]: what the poller received, plus where it came from.
fn sqs_record(m: &Message, queue_arn: &str) -> SqsMessage {
    let mut record = SqsMessage::default();
    record.message_id = m.message_id().map(str::to_string);
    record.receipt_handle = m.receipt_handle().map(str::to_string);
    record.body = m.body().map(str::to_string);
    record.md5_of_body = m.md5_of_body().map(str::to_string);
    record.attributes = m
        .attributes()
        .map(|a| a.iter().map(|(k, v)| (k.as_str().to_string(), v.clone())).collect())
        .unwrap_or_default();
    record.message_attributes = m
        .message_attributes()
        .map(|a| {
            a.iter()
                .map(|(k, v)| {
                    let mut attribute = SqsMessageAttribute::default();
                    attribute.string_value = v.string_value().map(str::to_string);
                    attribute.string_list_values = v.string_list_values().to_vec();
                    attribute.data_type = Some(v.data_type().to_string());
                    (k.clone(), attribute)
                })
                .collect()
        })
        .unwrap_or_default();
    record.event_source = Some("aws:sqs".into());
    record.event_source_arn = Some(queue_arn.into());
    record.aws_region = Some(REGION.into());
    record
}

/// The message ids a batch response asks to keep; `None` when the response is not a valid
/// partial-batch answer (then Lambda treats the whole batch as failed).
pub fn batch_failures(response: &Value, batch: &HashSet<String>) -> Option<HashSet<String>> {
    let failures = match response.get("batchItemFailures") {
        None | Some(Value::Null) => return Some(HashSet::new()),
        Some(Value::Array(items)) => items,
        Some(_) => return None,
    };
    let mut ids = HashSet::new();
    for f in failures {
        let id = f
            .get("itemIdentifier")
            .and_then(Value::as_str)
            .filter(|id| batch.contains(*id))?;
        ids.insert(id.to_string());
    }
    Some(ids)
}

impl EventSourceMapping {
    pub fn new(
        client: aws_sdk_sqs::Client,
        queues: &QueuePair,
        runtime: RuntimeApi,
        function_timeout: Duration,
    ) -> Self {
        Self {
            client,
            queue_url: queues.url.clone(),
            queue_arn: queues.arn.clone(),
            runtime,
            batch_size: 10,
            function_timeout,
            stats: Arc::new(MappingStats::default()),
        }
    }

    pub fn batch_size(mut self, n: i32) -> Self {
        self.batch_size = n.clamp(1, 10);
        self
    }

    pub fn stats(&self) -> MappingCounts {
        self.stats.counts()
    }

    /// One receive (long-poll up to 1 s), one invocation, the deletes. Returns the records delivered.
    pub async fn poll_once(&self) -> Result<usize, String> {
        let out = self
            .client
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(self.batch_size)
            .wait_time_seconds(1)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .message_attribute_names("All")
            .send()
            .await
            .map_err(|e| format!("ReceiveMessage: {}", aws_sdk_sqs::error::DisplayErrorContext(&e)))?;
        let messages = out.messages.unwrap_or_default();
        if messages.is_empty() {
            return Ok(0);
        }
        let event = sqs_event(&messages, &self.queue_arn);
        self.stats.invocations.fetch_add(1, Ordering::SeqCst);
        self.stats.records.fetch_add(messages.len(), Ordering::SeqCst);
        let ids: HashSet<String> = messages
            .iter()
            .filter_map(|m| m.message_id().map(str::to_string))
            .collect();
        let keep = match self.runtime.invoke(event, self.function_timeout).await {
            Ok(response) => match batch_failures(&response, &ids) {
                Some(keep) => keep,
                None => {
                    eprintln!("invalid batch response, the whole batch returns: {response}");
                    ids.clone()
                }
            },
            Err(InvokeError::Function { error_type, body }) => {
                eprintln!("function error {error_type}: {body}");
                self.stats.function_errors.fetch_add(1, Ordering::SeqCst);
                ids.clone()
            }
            Err(_) => {
                self.stats.timeouts.fetch_add(1, Ordering::SeqCst);
                ids.clone()
            }
        };
        self.stats.item_failures.fetch_add(keep.len(), Ordering::SeqCst);
        let done: Vec<&Message> = messages
            .iter()
            .filter(|m| m.message_id().is_some_and(|id| !keep.contains(id)))
            .collect();
        if !done.is_empty() {
            let mut req = self.client.delete_message_batch().queue_url(&self.queue_url);
            for (i, m) in done.iter().enumerate() {
                let entry = DeleteMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .receipt_handle(m.receipt_handle().unwrap_or_default())
                    .build()
                    .map_err(|e| e.to_string())?;
                req = req.entries(entry);
            }
            let out = req
                .send()
                .await
                .map_err(|e| format!("DeleteMessageBatch: {}", aws_sdk_sqs::error::DisplayErrorContext(&e)))?;
            self.stats.deleted.fetch_add(out.successful.len(), Ordering::SeqCst);
            if !out.failed.is_empty() {
                eprintln!("DeleteMessageBatch: {} failed: {:?}", out.failed.len(), out.failed);
            }
        }
        Ok(messages.len())
    }

    /// Runs `pollers` concurrent pollers (Lambda scales its pollers with the queue) until the
    /// handle is stopped or dropped.
    pub fn start(&self, pollers: usize) -> MappingHandle {
        let stop = Arc::new(AtomicBool::new(false));
        let tasks = (0..pollers.max(1))
            .map(|_| {
                let (mapping, stop) = (self.clone(), stop.clone());
                tokio::spawn(async move {
                    while !stop.load(Ordering::SeqCst) {
                        if let Err(e) = mapping.poll_once().await {
                            eprintln!("event source mapping: {e}");
                            tokio::time::sleep(Duration::from_millis(200)).await;
                        }
                    }
                })
            })
            .collect();
        MappingHandle {
            stop,
            tasks,
            stats: self.stats.clone(),
        }
    }
}

/// Running pollers; dropping the handle stops them.
pub struct MappingHandle {
    stop: Arc<AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    stats: Arc<MappingStats>,
}

impl MappingHandle {
    pub fn stats(&self) -> MappingCounts {
        self.stats.counts()
    }

    /// Stops polling after the current batches (waits for them).
    pub async fn stop(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for task in std::mem::take(&mut self.tasks) {
            let _ = task.await;
        }
    }
}

impl Drop for MappingHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for task in &self.tasks {
            task.abort();
        }
    }
}

// ---------------------------------------------------------------- a whole test bed
