//! A function's error reaches the Lambda console as a named kind and a message, not a Rust
//! type name. The real ticket-created binary under the Runtime API stand-in.

use std::time::Duration;

use e2e::runtime_api::{FunctionProcess, InvokeError, RuntimeApi};
use serde_json::json;

#[tokio::test]
async fn a_scheduled_event_sent_to_a_webhook_function_is_refused_with_a_named_error() {
    let runtime = RuntimeApi::start("ticket-created").await.unwrap();
    let env = [
        ("FRESHDESK_BASE_URL", "http://127.0.0.1:9/api/v2"),
        ("FRESHDESK_API_KEY", "k"),
        ("WEBHOOK_SECRET", "s"),
    ]
    .map(|(k, v)| (k.to_string(), v.to_string()));
    let worker = FunctionProcess::spawn("ticket-created", &runtime, &env).unwrap();
    let schedule = json!({"version": "0", "detail-type": "Scheduled Event", "source": "aws.scheduler", "detail": {}});
    match runtime.invoke(schedule, Duration::from_secs(10)).await {
        Err(InvokeError::Function { body, .. }) => {
            assert_eq!(body["errorType"], "ScheduledEventRefused", "{body}");
            assert!(
                body["errorMessage"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("webhook function"),
                "{body}"
            );
        }
        other => panic!("{other:?}\n{}", worker.log_tail(10)),
    }
}
