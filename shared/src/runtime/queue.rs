//! Queue mode: the HTTP entry enqueues one job message and answers 202; the same binary
//! consumes its event's SQS queue. Retries set the message's visibility to the backoff; a
//! non-retryable failure is parked in the DLQ by the function itself so it can be replayed.

use std::time::Duration;

use aws_sdk_sqs::types::QueueAttributeName;
use serde::{Deserialize, Serialize};
use tokio::sync::OnceCell;

/// The job message (SQS body).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct JobMessage {
    pub event: String,
    pub ticket_id: u64,
    /// Epoch milliseconds the webhook arrived.
    pub received_at: u64,
    pub request_id: String,
}

#[derive(Debug, thiserror::Error)]
#[error("sqs: {0}")]
pub struct QueueError(pub String);

#[derive(Debug, Clone)]
pub struct JobQueue {
    client: aws_sdk_sqs::Client,
    url: String,
    dlq_url: std::sync::Arc<OnceCell<String>>,
}

/// SQS caps visibility timeouts at 12 hours.
const MAX_VISIBILITY: Duration = Duration::from_secs(12 * 3600);

impl JobQueue {
    pub fn new(aws: &aws_config::SdkConfig, url: String, dlq_url: Option<String>) -> Self {
        let cell = OnceCell::new();
        if let Some(d) = dlq_url {
            let _ = cell.set(d);
        }
        Self {
            client: aws_sdk_sqs::Client::new(aws),
            url,
            dlq_url: std::sync::Arc::new(cell),
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub async fn enqueue(&self, msg: &JobMessage) -> Result<String, QueueError> {
        let body = serde_json::to_string(msg).map_err(|e| QueueError(e.to_string()))?;
        let out = self
            .client
            .send_message()
            .queue_url(&self.url)
            .message_body(body)
            .send()
            .await
            .map_err(err)?;
        Ok(out.message_id.unwrap_or_default())
    }

    /// Hides a received message for `delay` (its next attempt).
    pub async fn retry_in(&self, receipt_handle: &str, delay: Duration) -> Result<(), QueueError> {
        let secs = delay.min(MAX_VISIBILITY).as_secs().max(1) as i32;
        self.client
            .change_message_visibility()
            .queue_url(&self.url)
            .receipt_handle(receipt_handle)
            .visibility_timeout(secs)
            .send()
            .await
            .map_err(err)?;
        Ok(())
    }

    /// Parks a message in the DLQ with the reason as a message attribute.
    pub async fn dead_letter(&self, body: &str, reason: &str) -> Result<(), QueueError> {
        let dlq = self.dlq_url().await?;
        let reason = crate::job::text::truncate_chars(reason, 1000).to_string();
        self.client
            .send_message()
            .queue_url(dlq)
            .message_body(body)
            .message_attributes(
                "failure",
                aws_sdk_sqs::types::MessageAttributeValue::builder()
                    .data_type("String")
                    .string_value(reason)
                    .build()
                    .map_err(|e| QueueError(e.to_string()))?,
            )
            .send()
            .await
            .map_err(err)?;
        Ok(())
    }

    /// `JOB_DLQ_URL`, else read once from the queue's `RedrivePolicy`.
    pub async fn dlq_url(&self) -> Result<&str, QueueError> {
        self.dlq_url
            .get_or_try_init(|| async {
                let attrs = self
                    .client
                    .get_queue_attributes()
                    .queue_url(&self.url)
                    .attribute_names(QueueAttributeName::RedrivePolicy)
                    .send()
                    .await
                    .map_err(err)?;
                let policy = attrs
                    .attributes
                    .and_then(|a| a.get(&QueueAttributeName::RedrivePolicy).cloned())
                    .ok_or_else(|| QueueError("queue has no RedrivePolicy and JOB_DLQ_URL is unset".into()))?;
                let arn = serde_json::from_str::<serde_json::Value>(&policy)
                    .ok()
                    .and_then(|v| {
                        v.get("deadLetterTargetArn")
                            .and_then(|a| a.as_str())
                            .map(str::to_string)
                    })
                    .ok_or_else(|| QueueError("RedrivePolicy without deadLetterTargetArn".into()))?;
                let name = arn.rsplit(':').next().unwrap_or_default().to_string();
                let out = self.client.get_queue_url().queue_name(name).send().await.map_err(err)?;
                out.queue_url.ok_or_else(|| QueueError("DLQ url not found".into()))
            })
            .await
            .map(String::as_str)
    }
}

fn err<E: aws_sdk_sqs::error::ProvideErrorMetadata + std::error::Error + 'static>(e: E) -> QueueError {
    QueueError(crate::clients::aws::describe(&e))
}
