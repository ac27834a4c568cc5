//! `ops show --ticket N`: what the bridge knows of one ticket: every dedup item (status,
//! attempt, steps, error, times, and the AI's answers kept in the outcome summary) and the
//! ticket's messages in each event's DLQ.
//!
//! Cost: the dedup table's only key is `pk`, and two of the three keys end in a value the
//! ticket alone does not give (`customer-replied#<id>#<conversation>`,
//! `ticket-resolved#<id>#<resolved_at>`, one per reopening), so the items are found by one
//! filtered Scan of the table: it reads every item (about 1 read unit per 8 KB, in 1 MB pages),
//! which for a week of a busy account (tens of thousands of small items) is a few MB and a few
//! seconds. It is an operator command, run by hand; the functions never scan. The DLQ part is a
//! dry-run `replay` scan per event (messages are held while listed, then made visible again).

use std::fmt::Write as _;

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::Value;

use crate::{OpsError, ReplayOptions, EVENTS};

/// One dedup item of the ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub key: String,
    pub status: String,
    pub attempt: u64,
    pub steps: Vec<String>,
    pub error: Option<String>,
    pub lease_until_ms: Option<u64>,
    pub expires_at: Option<u64>,
    /// The outcome summary (JSON when it parses, else the raw text).
    pub outcome: Option<String>,
}

/// A DLQ message of the ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct Parked {
    pub event: String,
    pub message_id: String,
    pub failure: Option<String>,
}

#[derive(Debug, Default)]
pub struct ShowReport {
    pub ticket: u64,
    pub items: Vec<Item>,
    pub parked: Vec<Parked>,
    /// Queues that could not be read, with the cause.
    pub unread: Vec<String>,
}

/// Every dedup item of `ticket` (one filtered Scan, all pages), sorted by key.
pub async fn items(client: &aws_sdk_dynamodb::Client, table: &str, ticket: u64) -> Result<Vec<Item>, OpsError> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let out = client
            .scan()
            .table_name(table)
            .filter_expression("pk = :created OR begins_with(pk, :replied) OR begins_with(pk, :resolved)")
            .expression_attribute_values(":created", AttributeValue::S(format!("ticket-created#{ticket}")))
            .expression_attribute_values(":replied", AttributeValue::S(format!("customer-replied#{ticket}#")))
            .expression_attribute_values(":resolved", AttributeValue::S(format!("ticket-resolved#{ticket}#")))
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| OpsError::Config(format!("dynamodb scan {table}: {}", shared::clients::aws::describe(&e))))?;
        items.extend(out.items().iter().map(item_from));
        start = out.last_evaluated_key;
        if start.is_none() {
            break;
        }
    }
    items.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(items)
}

type Attrs = std::collections::HashMap<String, AttributeValue>;

fn item_from(a: &Attrs) -> Item {
    let s = |k: &str| a.get(k).and_then(|v| v.as_s().ok()).cloned();
    let n = |k: &str| a.get(k).and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok());
    let mut steps: Vec<String> = a.get("steps").and_then(|v| v.as_ss().ok()).cloned().unwrap_or_default();
    steps.sort();
    Item {
        key: s("pk").unwrap_or_default(),
        status: s("status").unwrap_or_default(),
        attempt: n("attempt").unwrap_or(0),
        steps,
        error: s("error"),
        lease_until_ms: n("lease_until").filter(|v| *v > 0),
        expires_at: n("expires_at"),
        outcome: s("outcome"),
    }
}

/// The ticket's messages in each event's DLQ (`queues`: event → queue URL).
pub async fn parked(
    aws: &aws_config::SdkConfig,
    queues: &[(String, String)],
    dlq: Option<String>,
    ticket: u64,
    report: &mut ShowReport,
) {
    let client = aws_sdk_sqs::Client::new(aws);
    for (event, queue) in queues {
        let dlq_url = match crate::resolve_dlq_url(aws, queue, dlq.clone()).await {
            Ok(u) => u,
            Err(e) => {
                report.unread.push(format!("{event}: {e}"));
                continue;
            }
        };
        let opts = ReplayOptions::new(event.clone(), queue.clone(), dlq_url)
            .ticket(Some(ticket))
            .dry_run(true);
        match crate::replay(&client, &opts).await {
            Ok(r) => report.parked.extend(r.moved.into_iter().map(|m| Parked {
                event: event.clone(),
                message_id: m.dlq_message_id,
                failure: m.failure,
            })),
            Err(e) => report.unread.push(format!("{event}: {e}")),
        }
    }
}

/// The queue of each event: `<EVENT>_QUEUE_URL`, else `JOB_QUEUE_URL` for every event.
pub fn event_queues(job_queue: Option<&str>) -> Vec<(String, String)> {
    EVENTS
        .iter()
        .filter_map(|event| {
            let var = format!("{}_QUEUE_URL", event.to_uppercase().replace('-', "_"));
            crate::env_value(&var)
                .or_else(|| job_queue.map(str::to_string))
                .map(|url| (event.to_string(), url))
        })
        .collect()
}

impl ShowReport {
    pub fn render(&self) -> String {
        let mut out = format!("ticket {}: {} dedup item(s)\n", self.ticket, self.items.len());
        for item in &self.items {
            render_item(&mut out, item);
        }
        let _ = writeln!(out, "DLQ: {} message(s) of this ticket", self.parked.len());
        for p in &self.parked {
            let why = p
                .failure
                .as_deref()
                .unwrap_or("moved by the redrive policy after too many receives");
            let _ = writeln!(out, "  {} {}: {why}", p.event, p.message_id);
        }
        for u in &self.unread {
            let _ = writeln!(out, "  not read: {u}");
        }
        out
    }
}

fn render_item(out: &mut String, item: &Item) {
    let _ = writeln!(out, "{}", item.key);
    let _ = writeln!(
        out,
        "  status {}, attempt {}, steps [{}]",
        item.status,
        item.attempt,
        item.steps.join(", ")
    );
    let lease = item.lease_until_ms.map_or("-".into(), |ms| iso(ms / 1000));
    let expires = item.expires_at.map_or("-".into(), iso);
    let _ = writeln!(out, "  lease until {lease}, expires {expires}");
    if let Some(e) = &item.error {
        let _ = writeln!(out, "  error: {e}");
    }
    if let Some(o) = &item.outcome {
        let _ = writeln!(out, "  AI: {}", ai_line(o));
    }
}

/// The AI's answers in the outcome summary, in words (the raw text when it is not JSON).
pub fn ai_line(outcome: &str) -> String {
    let Ok(v) = serde_json::from_str::<Value>(outcome) else {
        return outcome.to_string();
    };
    let mut parts = Vec::new();
    let field = |v: &Value, k: &str| {
        v.get(k)
            .filter(|x| !x.is_null())
            .map(|x| x.to_string().trim_matches('"').to_string())
    };
    if let Some(m) = field(&v, "mode") {
        parts.push(format!("mode {m}"));
    }
    let triage = v.get("ticket").unwrap_or(&v);
    for (k, name) in [
        ("category", "category"),
        ("urgency", "urgency"),
        ("confidence", "confidence"),
    ] {
        if let Some(x) = field(triage, k) {
            parts.push(format!("{name} {x}"));
        }
    }
    let sentiment = v.get("sentiment").filter(|s| s.is_object()).unwrap_or(&v);
    if let Some(l) = field(sentiment, "label") {
        parts.push(format!("sentiment {l}"));
    }
    if let Some(r) = field(sentiment, "escalation_risk") {
        parts.push(format!("escalation risk {r}"));
    }
    if let Some(q) = field(&v, "overall_score") {
        parts.push(format!("QA score {q}"));
    }
    if parts.is_empty() {
        return outcome.to_string();
    }
    parts.join(", ")
}

/// `YYYY-MM-DDTHH:MM:SSZ` for seconds since the epoch.
pub fn iso(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_seconds_print_as_utc() {
        assert_eq!(iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso(1_714_641_247), "2024-05-02T09:14:07Z");
        assert_eq!(iso(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn the_ai_line_reads_each_event_summary() {
        let created = r#"{"mode":"live","ticket":{"category":"billing","urgency":"high","confidence":0.87},"sentiment":{"label":"negative","score":-0.6,"escalation_risk":0.8}}"#;
        assert_eq!(
            ai_line(created),
            "mode live, category billing, urgency high, confidence 0.87, sentiment negative, escalation risk 0.8"
        );
        assert_eq!(
            ai_line(r#"{"mode":"live","overall_score":0.82}"#),
            "mode live, QA score 0.82"
        );
        assert_eq!(ai_line("{truncated"), "{truncated");
    }
}
