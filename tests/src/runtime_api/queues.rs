//! The tests' SQS on moto: the SDK client and config, a job queue with its DLQ and redrive
//! policy, and reads of what a queue holds. It exists so the mapping, the bed and the tests
//! that look at queues directly share one way to reach them.

use std::time::Duration;

use aws_sdk_sqs::types::{Message, MessageSystemAttributeName, QueueAttributeName};
use serde_json::json;

use super::REGION;

/// The SQS endpoint of the tests (moto, started by `scripts/test.sh`).
pub fn sqs_endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL_SQS")
        .or_else(|_| std::env::var("AWS_ENDPOINT_URL"))
        .expect("no SQS endpoint: run the tests with scripts/test.sh (it starts moto) or set AWS_ENDPOINT_URL")
}

/// An SDK config for moto: region us-east-1, dummy credentials, the SQS endpoint.
pub async fn aws_config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(REGION))
        .credentials_provider(aws_sdk_sqs::config::Credentials::new(
            "test", "test", None, None, "tests",
        ))
        .endpoint_url(sqs_endpoint())
        .load()
        .await
}

pub async fn sqs_client() -> aws_sdk_sqs::Client {
    aws_sdk_sqs::Client::new(&aws_config().await)
}

/// A job queue and its dead-letter queue.
#[derive(Debug, Clone)]
pub struct QueuePair {
    pub url: String,
    pub arn: String,
    pub dlq_url: String,
    pub dlq_arn: String,
}

async fn queue_arn(client: &aws_sdk_sqs::Client, url: &str) -> String {
    let out = client
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("GetQueueAttributes");
    out.attributes()
        .and_then(|a| a.get(&QueueAttributeName::QueueArn))
        .cloned()
        .expect("QueueArn")
}

/// A fresh queue (`visibility` timeout) whose redrive policy moves a message to a fresh DLQ
/// after `max_receive_count` receives.
pub async fn create_queue_pair(
    client: &aws_sdk_sqs::Client,
    prefix: &str,
    visibility: Duration,
    max_receive_count: u32,
) -> QueuePair {
    let name = format!("{prefix}-{:012x}", fastrand::u64(..) & 0xffff_ffff_ffff);
    let dlq_url = client
        .create_queue()
        .queue_name(format!("{name}-dlq"))
        .send()
        .await
        .expect("CreateQueue (DLQ)")
        .queue_url
        .expect("DLQ url");
    let dlq_arn = queue_arn(client, &dlq_url).await;
    let redrive = json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive_count.to_string()}).to_string();
    let url = client
        .create_queue()
        .queue_name(&name)
        .attributes(
            QueueAttributeName::VisibilityTimeout,
            visibility.as_secs().max(1).to_string(),
        )
        .attributes(QueueAttributeName::RedrivePolicy, redrive)
        .send()
        .await
        .expect("CreateQueue")
        .queue_url
        .expect("queue url");
    let arn = queue_arn(client, &url).await;
    QueuePair {
        url,
        arn,
        dlq_url,
        dlq_arn,
    }
}

/// Messages in a queue: (visible, in flight, delayed).
pub async fn queue_depth(client: &aws_sdk_sqs::Client, url: &str) -> (u64, u64, u64) {
    let out = client
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesDelayed)
        .send()
        .await
        .expect("GetQueueAttributes");
    let get = |name: QueueAttributeName| {
        out.attributes()
            .and_then(|a| a.get(&name))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (
        get(QueueAttributeName::ApproximateNumberOfMessages),
        get(QueueAttributeName::ApproximateNumberOfMessagesNotVisible),
        get(QueueAttributeName::ApproximateNumberOfMessagesDelayed),
    )
}

/// Total messages in a queue, visible or not.
pub async fn queue_total(client: &aws_sdk_sqs::Client, url: &str) -> u64 {
    let (a, b, c) = queue_depth(client, url).await;
    a + b + c
}

/// Receives what is visible (up to `max`), hides it for `hold`, and returns it (for inspection;
/// the messages stay in the queue).
pub async fn peek(client: &aws_sdk_sqs::Client, url: &str, max: usize, hold: Duration) -> Vec<Message> {
    let mut all = Vec::new();
    while all.len() < max {
        let out = client
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .visibility_timeout(hold.as_secs() as i32)
            .wait_time_seconds(0)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .message_attribute_names("All")
            .send()
            .await
            .expect("ReceiveMessage");
        let batch = out.messages.unwrap_or_default();
        if batch.is_empty() {
            break;
        }
        all.extend(batch);
    }
    all
}

// ---------------------------------------------------------------- event source mapping
