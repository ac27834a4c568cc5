//! CloudWatch Embedded Metric Format: one JSON line per job outcome, which CloudWatch turns
//! into the `Jobs` count and `JobDuration` metrics by event and outcome (no API calls).

use serde_json::json;

pub const NAMESPACE: &str = "SimpliFreshdesk";

/// The EMF document for one job (separate from the log line so tests can read it).
pub fn job_document(event: &str, outcome: &str, duration_ms: u64, timestamp_ms: u64) -> serde_json::Value {
    json!({
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [["event", "outcome"]],
                "Metrics": [{"Name": "Jobs", "Unit": "Count"}, {"Name": "JobDuration", "Unit": "Milliseconds"}]
            }]
        },
        "event": event,
        "outcome": outcome,
        "Jobs": 1,
        "JobDuration": duration_ms,
    })
}

/// Prints the EMF line on stdout when running in Lambda (elsewhere it would only be noise).
pub fn emit_job(event: &str, outcome: &str, duration_ms: u64) {
    if std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some() {
        println!(
            "{}",
            job_document(event, outcome, duration_ms, crate::setup::clock::now_ms())
        );
    }
}

/// The EMF document of a sweep's recoveries for one event: `Reconciled` by `event`
/// (non-zero means Freshdesk dropped webhooks).
pub fn reconciled_document(event: &str, count: u32, timestamp_ms: u64) -> serde_json::Value {
    json!({
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                // By event, and in total (the alarm's metric).
                "Dimensions": [["event"], []],
                "Metrics": [{"Name": "Reconciled", "Unit": "Count"}]
            }]
        },
        "event": event,
        "Reconciled": count,
    })
}

/// Prints the `Reconciled` EMF line of each event when running in Lambda.
pub fn emit_reconciled(event: &str, count: u32) {
    if std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some() {
        println!("{}", reconciled_document(event, count, crate::setup::clock::now_ms()));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn document_declares_its_metrics() {
        let d = super::job_document("ticket-created", "processed", 12, 1);
        assert_eq!(d["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"], "Jobs");
        assert_eq!(d["JobDuration"], 12);
        assert_eq!(d["outcome"], "processed");
        let r = super::reconciled_document("ticket-created", 2, 1);
        assert_eq!(r["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"], "Reconciled");
        assert_eq!(r["Reconciled"], 2);
    }
}
