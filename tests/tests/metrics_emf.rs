//! The metrics a job writes, read back from the real ticket-created binary's output the way
//! CloudWatch reads them (embedded metric format): every document declares the `service`
//! dimension (here from `METRICS_SERVICE`), the container's `ColdStart`, a 429 from Freshdesk
//! (`FreshdeskThrottled`), the wait for the budget it causes (`PacingWait`), the AI fields left
//! out of the writes (`FieldLeftOut`: one refuses the value, one is missing, and the ticket type
//! the account does not offer), and the job.

use std::time::Duration;

use e2e::runtime_api::{FunctionProcess, RuntimeApi};
use serde_json::Value;
use sim::{Fault, FreshdeskSim, SimpliSim};

const SERVICE: &str = "metrics-test";

/// An account whose AI Category is a number field (a category cannot go there) and which has
/// no Escalation Risk contact field.
fn account() -> FreshdeskSim {
    let fd = FreshdeskSim::seeded_demo(e2e::API_KEY);
    let mut ticket_fields = fd.ticket_fields();
    for f in &mut ticket_fields {
        if f["label"] == "AI Category" {
            f["type"] = "custom_number".into();
            f.as_object_mut().map(|o| o.remove("choices"));
        }
    }
    fd.set_ticket_fields(Value::Array(ticket_fields));
    let contact_fields: Vec<Value> = fd
        .contact_fields()
        .into_iter()
        .filter(|f| f["label"] != "Escalation Risk")
        .collect();
    fd.set_contact_fields(Value::Array(contact_fields));
    fd
}

/// Every EMF document of `log`, checked to be well formed: each declared dimension and metric
/// is a top-level field, dimensions as strings, metrics as numbers.
fn documents(log: &str) -> Vec<Value> {
    let docs: Vec<Value> = log
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|d| d.get("_aws").is_some())
        .collect();
    for d in &docs {
        let directive = &d["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "SimpliFreshdesk", "{d}");
        assert!(d["_aws"]["Timestamp"].as_u64().is_some(), "{d}");
        let dims = directive["Dimensions"][0].as_array().expect("one dimension set");
        assert_eq!(dims[0], "service", "service comes first: {d}");
        for dim in dims {
            assert!(d[dim.as_str().unwrap()].is_string(), "dimension {dim} missing: {d}");
        }
        for m in directive["Metrics"].as_array().unwrap() {
            assert!(d[m["Name"].as_str().unwrap()].is_u64(), "metric {m} missing: {d}");
        }
        assert_eq!(d["service"], SERVICE, "{d}");
    }
    docs
}

fn named<'a>(docs: &'a [Value], metric: &str) -> Vec<&'a Value> {
    docs.iter().filter(|d| d.get(metric).is_some()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_reports_cold_start_throttling_pacing_fields_left_out_and_its_outcome() {
    let fd = account();
    let simpli = SimpliSim::new();
    let fd_addr = fd.start(0).await.unwrap();
    let simpli_addr = simpli.start(0).await.unwrap();
    // One 429 with a one-second window on both sides: the retry waits for the budget in-job.
    fd.inject(Fault::rate_limited("PUT", "/tickets/101", 1));
    let mut env = e2e::sim_env(fd_addr, simpli_addr);
    env.push(("RATE_LIMIT_WINDOW_SECONDS".into(), "1".into()));
    env.push(("METRICS_SERVICE".into(), SERVICE.into()));
    let runtime = RuntimeApi::start("ticket-created").await.unwrap();
    let worker = FunctionProcess::spawn("ticket-created", &runtime, &env).unwrap();
    let answer = runtime
        .invoke(e2e::event("ticket-created.json"), Duration::from_secs(30))
        .await
        .unwrap_or_else(|e| panic!("{e:?}\n{}", worker.log_tail(30)));
    assert_eq!(answer["statusCode"], 200, "{answer}");
    let docs = documents(&worker.log());

    let cold = named(&docs, "ColdStart");
    assert_eq!(cold.len(), 1, "once per container: {docs:#?}");
    assert_eq!(cold[0]["function"], "ticket-created");

    let throttled = named(&docs, "FreshdeskThrottled");
    assert_eq!(throttled.len(), 1, "{docs:#?}");
    assert_eq!(throttled[0]["function"], "ticket-created");

    let waits = named(&docs, "PacingWait");
    assert!(!waits.is_empty(), "the retry after the 429 waited: {docs:#?}");
    assert!(waits.iter().all(|w| w["function"] == "ticket-created"));
    let waited: u64 = waits.iter().map(|w| w["PacingWaitTime"].as_u64().unwrap()).sum();
    assert!(waited > 0, "{waits:#?}");

    let mut left_out: Vec<&str> = named(&docs, "FieldLeftOut")
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    left_out.sort();
    // AI Category refuses a word, Escalation Risk is missing, and with no TYPE_MAP the
    // category's title-cased type is not one of the demo account's ticket types.
    assert_eq!(left_out, ["AI Category", "Escalation Risk", "Type"], "{docs:#?}");

    let jobs = named(&docs, "Jobs");
    assert_eq!(jobs.len(), 1, "{docs:#?}");
    assert_eq!(
        (jobs[0]["event"].as_str(), jobs[0]["outcome"].as_str()),
        (Some("ticket-created"), Some("processed"))
    );
    assert!(jobs[0]["JobDuration"].as_u64().unwrap() >= waited);
}
