//! The checks of `ops doctor` outside Freshdesk: each Simpli service's `GET /health`, the dedup
//! table and its TTL, each queue and its DLQ depth.

use std::time::Duration;

use aws_sdk_sqs::types::QueueAttributeName;
use shared::Config;

use super::{fail, pass, Check};

pub(super) async fn simpli_checks(config: &Config, keyed: bool, checks: &mut Vec<Check>) {
    let http = match reqwest::Client::builder().timeout(Duration::from_secs(5)).build() {
        Ok(h) => h,
        Err(e) => return checks.push(fail("Simpli", e.to_string(), "retry")),
    };
    let s = &config.simpli;
    for (name, var, url) in [
        ("Triage", "TRIAGE_URL", &s.triage),
        ("Reply", "REPLY_URL", &s.reply),
        ("Sentiment", "SENTIMENT_URL", &s.sentiment),
        ("QA", "QA_URL", &s.qa),
        ("KB", "KB_URL", &s.kb),
    ] {
        let health = format!("{}/health", url.as_str().trim_end_matches('/'));
        let result = match http.get(&health).send().await {
            Ok(r) if r.status().is_success() => Ok(()),
            Ok(r) => Err(format!("HTTP {}", r.status().as_u16())),
            Err(e) => Err(shared::clients::http::root_cause(&e)),
        };
        let check = format!("Simpli {name}");
        checks.push(match result {
            Ok(()) => pass(
                check,
                format!("{health} ok{}", if keyed { " (X-API-Key set)" } else { "" }),
            ),
            Err(e) => fail(
                check,
                format!("{health}: {e}"),
                format!("start the service, or fix {var}"),
            ),
        });
    }
}

pub(super) async fn table_check(aws: &aws_config::SdkConfig, table: Option<&str>) -> Check {
    let Some(table) = table else {
        return fail(
            "dedup table",
            "IDEMPOTENCY_TABLE not set: the functions would keep dedup in memory",
            "set IDEMPOTENCY_TABLE to the stack's IdempotencyTableName",
        );
    };
    let client = aws_sdk_dynamodb::Client::new(aws);
    if let Err(e) = client.describe_table().table_name(table).send().await {
        return fail(
            "dedup table",
            format!("{table}: {}", shared::clients::aws::describe(&e)),
            "deploy the stack, or fix IDEMPOTENCY_TABLE and the role's dynamodb:DescribeTable",
        );
    }
    let ttl = match client.describe_time_to_live().table_name(table).send().await {
        Ok(out) => out.time_to_live_description,
        Err(e) => {
            return fail(
                "dedup table",
                format!("{table}: {}", shared::clients::aws::describe(&e)),
                "allow dynamodb:DescribeTimeToLive",
            )
        }
    };
    let status = ttl
        .as_ref()
        .and_then(|t| t.time_to_live_status.as_ref())
        .map(|s| s.as_str().to_string());
    let attr = ttl.as_ref().and_then(|t| t.attribute_name.clone());
    match (status.as_deref(), attr.as_deref()) {
        (Some("ENABLED" | "ENABLING"), Some("expires_at")) => pass("dedup table", format!("{table}, TTL on expires_at")),
        _ => fail(
            "dedup table",
            format!("{table} has no TTL on expires_at: its items are never deleted"),
            format!("aws dynamodb update-time-to-live --table-name {table} --time-to-live-specification Enabled=true,AttributeName=expires_at"),
        ),
    }
}

/// The queues to check: each event's `*_QUEUE_URL`, else `JOB_QUEUE_URL` once.
fn queues(config: &Config) -> Vec<(String, String)> {
    let mut out = crate::show::event_queues(None);
    if out.is_empty() {
        if let Some(url) = &config.job_queue_url {
            out.push(("<event>".into(), url.clone()));
        }
    }
    out
}

pub(super) async fn queue_checks(aws: &aws_config::SdkConfig, config: &Config) -> Vec<Check> {
    let queues = queues(config);
    if queues.is_empty() {
        return vec![fail(
            "queues",
            "no queue URL set (TICKET_CREATED_QUEUE_URL, … or JOB_QUEUE_URL)",
            "set them from the stack's outputs",
        )];
    }
    let client = aws_sdk_sqs::Client::new(aws);
    let mut checks = Vec::new();
    for (event, url) in queues {
        checks.push(queue_check(aws, &client, &event, &url, config.job_dlq_url.clone()).await);
    }
    checks
}

async fn queue_check(
    aws: &aws_config::SdkConfig,
    client: &aws_sdk_sqs::Client,
    event: &str,
    url: &str,
    dlq: Option<String>,
) -> Check {
    let name = format!("queue {event}");
    let depth = match depth_of(client, url).await {
        Ok(d) => d,
        Err(e) => {
            return fail(
                name,
                format!("{url}: {e}"),
                "deploy the stack, or fix the queue URL and the role's sqs:GetQueueAttributes",
            )
        }
    };
    let dlq_url = match crate::resolve_dlq_url(aws, url, dlq).await {
        Ok(u) => u,
        Err(e) => {
            return fail(
                name,
                e.to_string(),
                "give the queue a RedrivePolicy (the template does)",
            )
        }
    };
    match depth_of(client, &dlq_url).await {
        Ok(0) => pass(name, format!("{depth} waiting, DLQ empty")),
        Ok(n) => fail(
            name,
            format!("{depth} waiting, {n} message(s) in the DLQ"),
            format!("see why with `ops show --ticket N`, fix the cause, then `ops replay --event {event}`"),
        ),
        Err(e) => fail(
            name,
            format!("DLQ {dlq_url}: {e}"),
            "allow sqs:GetQueueAttributes on the DLQ",
        ),
    }
}

async fn depth_of(client: &aws_sdk_sqs::Client, url: &str) -> Result<u64, String> {
    let out = client
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .send()
        .await
        .map_err(|e| shared::clients::aws::describe(&e))?;
    Ok(out
        .attributes()
        .and_then(|a| a.get(&QueueAttributeName::ApproximateNumberOfMessages))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}
