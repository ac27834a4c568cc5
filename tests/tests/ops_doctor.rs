//! `ops doctor` against the Freshdesk simulator, the Simpli stand-ins and moto, through the
//! real binary: a good account passes; each broken part is named with its fix.

use e2e::ops_cli::{OpsBed, Run, API_KEY, WEBHOOK_BASE};
use serde_json::Value;
use sim::FreshdeskSim;

/// A deployed, set-up account: fields as the guide has them, the rules from `ops setup`.
async fn good_bed() -> OpsBed {
    let fd = FreshdeskSim::seeded_demo(API_KEY);
    let mut bed = OpsBed::start(fd).await;
    bed.set("WEBHOOK_BASE_URL", WEBHOOK_BASE);
    bed.set("TYPE_MAP", r#"{"billing": "Refund", "technical_issue": "Incident"}"#);
    bed.set("GROUP_MAP", r#"{"billing-team": 42}"#);
    assert_eq!(bed.ops(&["setup", "--rules"]).code, 0);
    bed
}

fn failed(run: &Run) -> Vec<&str> {
    run.stdout.lines().filter(|l| l.starts_with('✘')).collect()
}

/// The ✘ line of `check`, which must carry a fix.
fn failure<'a>(run: &'a Run, check: &str) -> &'a str {
    let line = failed(run)
        .into_iter()
        .find(|l| l.starts_with(&format!("✘ {check}:")))
        .unwrap_or_else(|| panic!("no ✘ for {check}:\n{}", run.stdout));
    assert!(line.contains("→ fix: "), "{line}");
    line
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_passes_on_a_good_account_with_few_read_only_calls() {
    let bed = good_bed().await;
    let before = bed.fd.requests().len();
    let started = std::time::Instant::now();
    let run = bed.ops(&["doctor"]);
    let elapsed = started.elapsed();
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(failed(&run).is_empty(), "{}", run.stdout);
    let lines: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with('✔')).collect();
    assert!(lines.len() >= 18, "{}", run.stdout);
    assert!(run.stdout.contains("X-RateLimit-Total 10000/min"), "{}", run.stdout);
    let calls: Vec<_> = bed.fd.requests().into_iter().skip(before).collect();
    assert!(calls.iter().all(|r| r.method == "GET"), "read-only");
    assert!(calls.len() <= 5, "few calls: {}", calls.len());
    println!(
        "measured: ops doctor made {} Freshdesk calls and ran in {elapsed:?} (process start included)",
        calls.len()
    );

    let json = bed.ops(&["doctor", "--json"]);
    assert_eq!(json.code, 0);
    let v: Value = serde_json::from_str(&json.stdout).expect("one JSON object");
    assert_eq!(v["ok"], true);
    assert!(v["checks"]
        .as_array()
        .is_some_and(|c| c.iter().all(|c| c["ok"] == true)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_names_each_broken_part_with_its_fix() {
    let mut bed = good_bed().await;
    assert!(bed.fd.remove_field("Escalation Risk"));
    assert!(bed.fd.set_field_choices("Sentiment Score", &["positive", "neutral"]));
    bed.set("TYPE_MAP", r#"{"billing": "Billing Question"}"#);
    bed.set("GROUP_MAP", r#"{"billing-team": 77}"#);
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let down = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    bed.set("QA_URL", &down);
    bed.simpli.inject("/health", 503, 5);
    bed.set("IDEMPOTENCY_TABLE", &table_without_ttl().await);
    let sqs = e2e::runtime_api::sqs_client().await;
    sqs.send_message()
        .queue_url(&bed.queue.dlq_url)
        .message_body(r#"{"event":"ticket-created","ticket_id":101}"#)
        .send()
        .await
        .expect("send");
    assert!(bed.fd.remove_rule("Simpli bridge: customer replied"));
    assert!(bed
        .fd
        .set_rule_url("Simpli bridge: ticket resolved", "https://old-bridge.example.com/hook"));

    let run = bed.ops(&["doctor"]);
    assert_eq!(run.code, 1);
    assert!(failure(&run, "field Escalation Risk").contains("ops setup"));
    assert!(failure(&run, "field Sentiment Score").contains("'negative'"));
    assert!(failure(&run, "TYPE_MAP").contains("'Billing Question'"));
    assert!(failure(&run, "GROUP_MAP").contains("billing-team → 77"));
    assert!(failure(&run, "Simpli QA").contains("QA_URL"));
    assert!(failure(&run, "Simpli Triage").contains("HTTP 503"));
    assert!(failure(&run, "dedup table").contains("update-time-to-live"));
    assert!(failure(&run, "queue ticket-created").contains("1 message(s) in the DLQ"));
    assert!(failure(&run, "rule customer-replied").contains("ops setup --rules"));
    assert!(failure(&run, "rule ticket-resolved").contains("old-bridge.example.com"));
    // The other four Simpli services share the one stand-in, whose /health answers 503:
    // 9 broken parts, plus those four.
    assert_eq!(failed(&run).len(), 9 + 4, "{}", run.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_freshdesk_key_is_a_401_with_its_fix() {
    let mut bed = good_bed().await;
    bed.set("FRESHDESK_API_KEY", "revoked-key");
    let run = bed.ops(&["doctor", "--json"]);
    assert_eq!(run.code, 1);
    let v: Value = serde_json::from_str(&run.stdout).expect("JSON");
    let key = v["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["check"] == "Freshdesk key"))
        .expect("key check")
        .clone();
    assert_eq!(key["ok"], false);
    assert!(key["detail"].as_str().is_some_and(|d| d.contains("401")), "{key}");
    assert!(key["fix"].as_str().is_some_and(|f| f.contains("API key")), "{key}");
}

async fn table_without_ttl() -> String {
    e2e::create_table_without_ttl(&e2e::dynamo_client(), "no-ttl").await
}
