//! CloudWatch Embedded Metric Format: one JSON line per data point on stdout, which CloudWatch
//! turns into metrics of the `SimpliFreshdesk` namespace (no API calls). Every metric carries
//! the `service` dimension (`METRICS_SERVICE`, the stack's name when deployed; default
//! `simpli-freshdesk`), so two stacks in one account keep their figures apart.
//!
//! | metric | unit | dimensions | when |
//! |---|---|---|---|
//! | `Jobs`, `JobDuration` | Count, Milliseconds | service, event, outcome | every job or scheduled run ends |
//! | `ColdStart` | Count | service, function | once per container, before its set-up |
//! | `FieldLeftOut` | Count | service, field | an AI field is left out of a write (missing, or refuses the value) |
//! | `FreshdeskThrottled` | Count | service, function | Freshdesk answered 429 |
//! | `PacingWait`, `PacingWaitTime` | Count, Milliseconds | service, function | a call waited for the rate-limit budget |
//!
//! docs/metrics.md describes them for operators; scripts/check_template.py checks that the
//! dashboard asks only for these names and dimensions (keep its list in step).

use std::sync::OnceLock;

use serde_json::{json, Map, Value};

pub const NAMESPACE: &str = "SimpliFreshdesk";
/// The `service` dimension when `METRICS_SERVICE` is unset or empty.
pub const DEFAULT_SERVICE: &str = "simpli-freshdesk";

static FUNCTION: OnceLock<String> = OnceLock::new();

/// One metric of a document: its name, unit and value.
pub struct Point<'a> {
    pub name: &'a str,
    pub unit: &'a str,
    pub value: u64,
}

/// The EMF document of `points` under `dimensions` (name, value), the `service` dimension
/// first. Separate from the printing so tests can read it.
pub fn document(service: &str, dimensions: &[(&str, &str)], points: &[Point<'_>], timestamp_ms: u64) -> Value {
    let mut names = vec!["service"];
    names.extend(dimensions.iter().map(|(n, _)| *n));
    let metrics: Vec<Value> = points.iter().map(|p| json!({"Name": p.name, "Unit": p.unit})).collect();
    let mut doc = Map::new();
    doc.insert(
        "_aws".into(),
        json!({
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{"Namespace": NAMESPACE, "Dimensions": [names], "Metrics": metrics}]
        }),
    );
    doc.insert("service".into(), json!(service));
    for (name, value) in dimensions {
        doc.insert((*name).into(), json!(value));
    }
    for p in points {
        doc.insert(p.name.into(), json!(p.value));
    }
    Value::Object(doc)
}

/// The EMF document for one job (separate from the log line so tests can read it).
pub fn job_document(event: &str, outcome: &str, duration_ms: u64, timestamp_ms: u64) -> Value {
    document(
        &service(),
        &[("event", event), ("outcome", outcome)],
        &[
            Point {
                name: "Jobs",
                unit: "Count",
                value: 1,
            },
            Point {
                name: "JobDuration",
                unit: "Milliseconds",
                value: duration_ms,
            },
        ],
        timestamp_ms,
    )
}

/// The `service` dimension's value: `METRICS_SERVICE`, or [`DEFAULT_SERVICE`].
pub fn service() -> String {
    static SERVICE: OnceLock<String> = OnceLock::new();
    SERVICE
        .get_or_init(|| {
            std::env::var("METRICS_SERVICE")
                .ok()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| DEFAULT_SERVICE.to_string())
        })
        .clone()
}

/// The function this process serves (its event's name), for the per-container metrics.
fn function() -> &'static str {
    FUNCTION.get().map(String::as_str).unwrap_or("unknown")
}

/// Prints a document on stdout when running in Lambda (elsewhere it would only be noise).
fn emit(dimensions: &[(&str, &str)], points: &[Point<'_>]) {
    if std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some() {
        let doc = document(&service(), dimensions, points, crate::setup::clock::now_ms());
        println!("{doc}");
    }
}

fn count(name: &str) -> Point<'_> {
    Point {
        name,
        unit: "Count",
        value: 1,
    }
}

pub fn emit_job(event: &str, outcome: &str, duration_ms: u64) {
    emit(
        &[("event", event), ("outcome", outcome)],
        &[
            count("Jobs"),
            Point {
                name: "JobDuration",
                unit: "Milliseconds",
                value: duration_ms,
            },
        ],
    );
}

/// Once per container, before its set-up: names the function for the per-container metrics.
pub fn emit_cold_start(function: &str) {
    let _ = FUNCTION.set(function.to_string());
    emit(&[("function", function)], &[count("ColdStart")]);
}

/// An AI field left out of a write; `field` is its label (`AI Category`), not the account's API name.
pub fn emit_field_left_out(field: &str) {
    emit(&[("field", field)], &[count("FieldLeftOut")]);
}

/// Freshdesk answered 429.
pub fn emit_throttled() {
    emit(&[("function", function())], &[count("FreshdeskThrottled")]);
}

/// A call waited `wait_ms` for the rate-limit budget.
pub fn emit_pacing_wait(wait_ms: u64) {
    emit(
        &[("function", function())],
        &[
            count("PacingWait"),
            Point {
                name: "PacingWaitTime",
                unit: "Milliseconds",
                value: wait_ms,
            },
        ],
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn document_declares_its_metrics() {
        let d = super::job_document("ticket-created", "processed", 12, 1);
        assert_eq!(d["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"], "Jobs");
        assert_eq!(d["JobDuration"], 12);
        assert_eq!(d["outcome"], "processed");
    }

    #[test]
    fn every_document_carries_the_service_dimension_first() {
        let d = super::document("stack", &[("field", "AI Urgency")], &[super::count("FieldLeftOut")], 1);
        let dims = &d["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0];
        assert_eq!(dims, &serde_json::json!(["service", "field"]));
        assert_eq!(d["service"], "stack");
        assert_eq!(d["field"], "AI Urgency");
        assert_eq!(d["FieldLeftOut"], 1);
    }
}
