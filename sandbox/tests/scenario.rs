//! The sandbox end to end: the scenario of `cargo run -p sandbox` run in-process, and the
//! `serve` command run as the real binary.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

async fn scenario() -> (sandbox::ScenarioReport, String) {
    let mut out = Vec::new();
    let report = sandbox::run_scenario(&mut out).await.expect("the sandbox runs");
    (report, String::from_utf8(out).expect("the report is UTF-8"))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_scenario_passes_every_check() {
    let (report, text) = scenario().await;
    assert!(report.passed(), "failed checks: {:#?}\n{text}", report.failures());
    assert_eq!(report.steps.len(), 9);
    assert!(text.contains("Sandbox OK: 9 requests"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_report_shows_each_ticket_before_and_after_and_what_was_refused() {
    let (_, text) = scenario().await;
    for line in [
        "[1/9] ticket-created #101",
        "events/ticket-created.rest-v1.json, Basic auth",
        "── Ticket #101 “Refund not received”",
        "  type                   — → Refund",
        "  tags                   returns → returns, ai-category:billing, ai-urgency:medium",
        "  contact 5001 Dana Kim",
        "    sentiment_score        — → negative",
        "    │ AI Draft Response (confidence 74%)",
        "  tags                   shipping → shipping, escalation-risk:high",
        "    │ QA Score: 82%",
        "  kb-sync                complete: pushed 5, unchanged 0, drafts 1",
        "  kb-sync again          complete: pushed 0, unchanged 5, drafts 1",
        "left out: #3006",
        r#"→ 200 {"event":"ticket-created","status":"duplicate","ticket_id":101}"#,
        r#"→ 401 {"error":"missing or wrong webhook secret"}"#,
        "  ✔ the wrong secret gets 401 and causes no Freshdesk or Simpli call",
        "Ticket #105 is created in Freshdesk, tagged simpli-bridge, and its webhook is dropped (no request).",
        r#""reconciled":{"ticket-created":1}"#,
        "  ✔ reconcile recovered the dropped ticket-created webhook of #105 (one draft note)",
    ] {
        assert!(text.contains(line), "the report lacks {line:?}:\n{text}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_simulators_hold_what_the_report_claims() {
    let (report, _) = scenario().await;
    let fd = &report.sims.freshdesk;
    assert_eq!(fd.notes(101).len(), 1, "one draft note despite the duplicate delivery");
    assert!(fd.notes(104)[0]["body"].as_str().unwrap().contains("QA Score"));
    let tags = fd.ticket(103).unwrap()["tags"].clone();
    assert!(
        tags.as_array().unwrap().contains(&Value::from("escalation-risk:high")),
        "{tags}"
    );
    for (contact, risk) in [(5001, "0.45"), (5003, "0.90")] {
        let fields = fd.contact(contact).unwrap()["custom_fields"].clone();
        assert_eq!(
            (&fields["sentiment_score"], &fields["escalation_risk"]),
            (&Value::from("negative"), &Value::from(risk)),
            "{contact}: {fields}"
        );
    }
    assert_eq!(report.sims.simpli.articles().len(), 5);
    assert_eq!(report.step("duplicate-101").unwrap().outcome(), Some("duplicate"));
    let refused = report.step("wrong-secret").unwrap();
    assert_eq!(
        (
            refused.status,
            refused.freshdesk_calls.len(),
            refused.simpli_calls.len()
        ),
        (401, 0, 0)
    );
}

/// Kills the server it wraps when the test ends, passed or not.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `sandbox serve --port 0 --with-simulators` plus `extra` and reads the first
/// `banner_lines` lines of its banner; the rest of its stdout is drained so it stays open.
/// The server, those lines, and the base URL of its webhook routes (from the first line).
fn serve(extra: &[&str], banner_lines: usize) -> (Running, Vec<String>, String) {
    let child = Command::new(env!("CARGO_BIN_EXE_sandbox"))
        .args(["serve", "--port", "0", "--with-simulators"])
        .args(extra)
        .env_clear()
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the sandbox binary");
    let mut server = Running(child);
    let stdout = server.0.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let banner: Vec<String> = lines
        .by_ref()
        .take(banner_lines)
        .map(|l| l.expect("readable"))
        .collect();
    std::thread::spawn(move || lines.for_each(drop)); // keeps the server's stdout open
    let base = banner[0]
        .split("webhook routes on ")
        .nth(1)
        .expect("the address in the banner")
        .trim()
        .to_string();
    (server, banner, base)
}

#[test]
fn serve_without_configuration_names_the_missing_variable_and_exits_2() {
    let out = Command::new(env!("CARGO_BIN_EXE_sandbox"))
        .arg("serve")
        .env_clear()
        .output()
        .expect("run the sandbox binary");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(
        stderr.trim(),
        "configuration: FRESHDESK_DOMAIN: required (or set FRESHDESK_BASE_URL)"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn a_bad_serve_option_is_a_usage_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_sandbox"))
        .args(["serve", "--port", "web"])
        .output()
        .expect("run the sandbox binary");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("invalid value 'web' for '--port <PORT>'"), "{stderr}");
    assert!(stderr.contains("--help"), "points at the usage: {stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_with_simulators_answers_a_webhook_with_its_outcome() {
    let (_server, _, base) = serve(&[], 1);

    let client = reqwest::Client::new();
    let post = |path: &str, secret: &str| {
        client
            .post(format!("{base}{path}"))
            .basic_auth("freshdesk", Some(secret))
            .header("content-type", "application/json")
            .body(r#"{"ticket_id": 101}"#)
            .send()
    };
    let answer: Value = post("/freshdesk/ticket-created", sandbox::SECRET)
        .await
        .expect("answered")
        .json()
        .await
        .expect("JSON");
    assert_eq!(answer["status"], "processed", "{answer}");
    assert_eq!(
        post("/freshdesk/ticket-created", "wrong")
            .await
            .expect("answered")
            .status(),
        401
    );
    assert_eq!(
        post("/freshdesk/nothing-here", sandbox::SECRET)
            .await
            .expect("answered")
            .status(),
        404
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_shadow_runs_the_bridge_in_shadow_mode() {
    let (_server, banner, base) = serve(&["--shadow"], 9);
    assert!(banner.iter().any(|l| l.trim() == "mode       shadow"), "{banner:?}");
    let answer: Value = reqwest::Client::new()
        .post(format!("{base}/freshdesk/ticket-created"))
        .basic_auth("freshdesk", Some(sandbox::SECRET))
        .header("content-type", "application/json")
        .body(r#"{"ticket_id": 101}"#)
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("JSON");
    assert_eq!(answer["status"], "processed", "{answer}");
    assert_eq!(answer["result"]["mode"], "shadow", "{answer}");
    assert_eq!(
        answer["result"]["held_back"],
        serde_json::json!(["ticket", "contact"]),
        "{answer}"
    );
}
