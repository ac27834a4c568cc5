//! CloudWatch Embedded Metric Format: one JSON line per data point on stdout, which CloudWatch
//! turns into metrics of the `SimpliFreshdesk` namespace (no API calls). Every metric carries
//! the `service` dimension (`METRICS_SERVICE`, the stack's name when deployed; default
//! `simpli-freshdesk`), so two stacks in one account keep their figures apart.
//!
//! The [`CATALOGUE`] is every metric the bridge emits with its dimension sets; nothing is
//! emitted outside it, and scripts/check_template.py checks that the dashboard asks only for
//! what it lists. docs/metrics.md describes each for operators.

use std::sync::OnceLock;

use serde_json::{json, Map, Value};

pub const NAMESPACE: &str = "SimpliFreshdesk";
/// The `service` dimension when `METRICS_SERVICE` is unset or empty.
pub const DEFAULT_SERVICE: &str = "simpli-freshdesk";

/// Metrics written together: (name, unit) each, and the dimension sets CloudWatch files them
/// under (the first is the full set; the others are roll-ups of it).
pub struct Family {
    pub metrics: &'static [(&'static str, &'static str)],
    pub dimension_sets: &'static [&'static [&'static str]],
}

/// Every job or scheduled run as it ends. Rolled up by outcome (the failure-rate alarm) and
/// in total.
pub const JOBS: Family = Family {
    metrics: &[("Jobs", "Count"), ("JobDuration", "Milliseconds")],
    dimension_sets: &[&["service", "event", "outcome"], &["service", "outcome"], &["service"]],
};
/// Once per container, before its set-up (a failed set-up counts too).
pub const COLD_START: Family = Family {
    metrics: &[("ColdStart", "Count")],
    dimension_sets: &[&["service", "function"]],
};
/// An AI field left out of a write (the account lacks it, or it cannot take the value), or the
/// ticket type the account does not offer (`Type`).
pub const FIELD_LEFT_OUT: Family = Family {
    metrics: &[("FieldLeftOut", "Count")],
    dimension_sets: &[&["service", "field"]],
};
/// Freshdesk answered 429.
pub const THROTTLED: Family = Family {
    metrics: &[("FreshdeskThrottled", "Count")],
    dimension_sets: &[&["service", "function"]],
};
/// A Freshdesk call waited for the rate-limit budget, and for how long.
pub const PACING: Family = Family {
    metrics: &[("PacingWait", "Count"), ("PacingWaitTime", "Milliseconds")],
    dimension_sets: &[&["service", "function"]],
};

/// Jobs a reconcile run recovered (non-zero means Freshdesk dropped webhooks), by event and in
/// total (the alarm's metric).
pub const RECONCILED: Family = Family {
    metrics: &[("Reconciled", "Count")],
    dimension_sets: &[&["service", "event"], &["service"]],
};
/// Writes shadow mode held back, by event.
pub const SHADOW_SKIPPED: Family = Family {
    metrics: &[("ShadowSkippedWrites", "Count")],
    dimension_sets: &[&["service", "event"]],
};

pub const CATALOGUE: &[&Family] = &[
    &JOBS,
    &COLD_START,
    &FIELD_LEFT_OUT,
    &THROTTLED,
    &PACING,
    &RECONCILED,
    &SHADOW_SKIPPED,
];

static FUNCTION: OnceLock<String> = OnceLock::new();

/// The EMF document of one data point of `family`: `dimensions` (all of its full set but
/// `service`, in order) and one value per metric. Separate from the printing so tests can read it.
pub fn document(family: &Family, service: &str, dimensions: &[&str], values: &[u64], timestamp_ms: u64) -> Value {
    let full = family.dimension_sets[0];
    debug_assert_eq!(full.len(), dimensions.len() + 1, "{full:?}");
    debug_assert_eq!(family.metrics.len(), values.len());
    let metrics: Vec<Value> = family
        .metrics
        .iter()
        .map(|(name, unit)| json!({"Name": name, "Unit": unit}))
        .collect();
    let mut doc = Map::new();
    doc.insert(
        "_aws".into(),
        json!({
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{"Namespace": NAMESPACE, "Dimensions": family.dimension_sets, "Metrics": metrics}]
        }),
    );
    let dimension_values = std::iter::once(service).chain(dimensions.iter().copied());
    for (name, value) in full.iter().zip(dimension_values) {
        doc.insert((*name).into(), json!(value));
    }
    for ((name, _), value) in family.metrics.iter().zip(values) {
        doc.insert((*name).into(), json!(value));
    }
    Value::Object(doc)
}

/// The EMF document for one job (separate from the log line so tests can read it).
pub fn job_document(event: &str, outcome: &str, duration_ms: u64, timestamp_ms: u64) -> Value {
    document(&JOBS, &service(), &[event, outcome], &[1, duration_ms], timestamp_ms)
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
fn emit(family: &Family, dimensions: &[&str], values: &[u64]) {
    if std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some() {
        let doc = document(family, &service(), dimensions, values, crate::setup::clock::now_ms());
        println!("{doc}");
    }
}

pub fn emit_job(event: &str, outcome: &str, duration_ms: u64) {
    emit(&JOBS, &[event, outcome], &[1, duration_ms]);
}

/// Once per container, before its set-up: names the function for the per-container metrics.
pub fn emit_cold_start(function: &str) {
    let _ = FUNCTION.set(function.to_string());
    emit(&COLD_START, &[function], &[1]);
}

/// A field left out of a write; `field` is its label (`AI Category`, `Type`), not the account's API name.
pub fn emit_field_left_out(field: &str) {
    emit(&FIELD_LEFT_OUT, &[field], &[1]);
}

/// Freshdesk answered 429.
pub fn emit_throttled() {
    emit(&THROTTLED, &[function()], &[1]);
}

/// A call waited `wait_ms` for the rate-limit budget.
pub fn emit_pacing_wait(wait_ms: u64) {
    emit(&PACING, &[function()], &[1, wait_ms]);
}

/// A reconcile run's recoveries for one event.
pub fn emit_reconciled(event: &str, count: u32) {
    emit(&RECONCILED, &[event], &[u64::from(count)]);
}

/// Writes shadow mode held back in one job.
pub fn emit_shadow_skipped(event: &str, writes: u64) {
    emit(&SHADOW_SKIPPED, &[event], &[writes]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_declares_its_metrics() {
        let d = job_document("ticket-created", "processed", 12, 1);
        assert_eq!(d["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"], "Jobs");
        assert_eq!(d["JobDuration"], 12);
        assert_eq!(d["outcome"], "processed");
        assert_eq!(
            d["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([["service", "event", "outcome"], ["service", "outcome"], ["service"]])
        );
    }

    #[test]
    fn every_family_files_under_service_and_rolls_up_only_its_own_dimensions() {
        for family in CATALOGUE {
            let full = family.dimension_sets[0];
            for set in family.dimension_sets {
                assert_eq!(set[0], "service", "{set:?}");
                assert!(set.iter().all(|d| full.contains(d)), "{set:?} within {full:?}");
            }
        }
    }

    #[test]
    fn a_document_carries_the_service_and_every_dimension_as_fields() {
        let d = document(&FIELD_LEFT_OUT, "stack", &["AI Urgency"], &[1], 1);
        assert_eq!(
            d["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([["service", "field"]])
        );
        assert_eq!(
            (d["service"].as_str(), d["field"].as_str()),
            (Some("stack"), Some("AI Urgency"))
        );
        assert_eq!(d["FieldLeftOut"], 1);
    }

    #[test]
    fn reconciled_files_by_event_and_in_total() {
        let r = document(&RECONCILED, "stack", &["ticket-created"], &[2], 1);
        assert_eq!(r["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"], "Reconciled");
        assert_eq!(
            r["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([["service", "event"], ["service"]])
        );
        assert_eq!(
            (r["Reconciled"].as_u64(), r["event"].as_str()),
            (Some(2), Some("ticket-created"))
        );
    }
}
