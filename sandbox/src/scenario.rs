//! The scenario of `cargo run -p sandbox`: start everything, replay the sample events through
//! the bridge's HTTP entry one request at a time (a progress line each), then print the
//! before/after report and check the outcome.

use std::io::Write;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::report::{self, Snapshot};
use crate::samples::{self, SampleRequest};
use crate::setup::{self, Simulators};
use crate::{bridge, checks, SandboxError, SECRET};

/// The demo tickets the scenario drives, with the requests that touch them.
pub const TICKETS: [(u64, &str); 5] = [
    (101, "ticket-created, then the same delivery again"),
    (102, "ticket-created from the REST API (v1) sample, base64 body"),
    (103, "customer-replied"),
    (104, "ticket-resolved"),
    (
        DROPPED_TICKET,
        "created while Freshdesk dropped its webhook; recovered by reconcile",
    ),
];

/// The ticket whose webhook Freshdesk "dropped": created in the simulator, no request sent.
pub const DROPPED_TICKET: u64 = 105;

/// One request of the scenario and the answer it should get.
pub struct Step {
    pub id: &'static str,
    pub label: &'static str,
    pub request: SampleRequest,
    pub expect_status: u16,
    /// The answer's `status` field (`None`: not checked).
    pub expect_outcome: Option<&'static str>,
}

/// What one request got, and the calls it caused.
#[derive(Debug, Clone)]
pub struct StepOutcome {
    pub id: &'static str,
    pub label: &'static str,
    pub source: &'static str,
    pub path: String,
    pub auth: &'static str,
    pub status: u16,
    pub body: Value,
    pub expect_status: u16,
    pub expect_outcome: Option<&'static str>,
    pub elapsed: Duration,
    /// `METHOD /path` of every Freshdesk request it caused.
    pub freshdesk_calls: Vec<String>,
    /// Path of every Simpli request it caused.
    pub simpli_calls: Vec<String>,
}

impl StepOutcome {
    /// The answer's `status` field, if any.
    pub fn outcome(&self) -> Option<&str> {
        self.body.get("status").and_then(Value::as_str)
    }

    /// Whether the answer is the expected one.
    pub fn as_expected(&self) -> bool {
        self.status == self.expect_status && self.expect_outcome.is_none_or(|o| self.outcome() == Some(o))
    }

    /// A number from the answer (`pushed`, `unchanged`, ... of kb-sync).
    pub fn number(&self, key: &str) -> Option<u64> {
        self.body.get(key).and_then(Value::as_u64)
    }
}

/// One expectation and whether it held.
#[derive(Debug, Clone)]
pub struct Check {
    pub name: String,
    pub passed: bool,
    /// What was seen (shown when the check failed).
    pub detail: String,
}

/// Everything the scenario did: the simulators (to inspect their state), each request, each check.
#[derive(Debug)]
pub struct ScenarioReport {
    pub sims: Simulators,
    pub bridge_url: String,
    pub steps: Vec<StepOutcome>,
    pub checks: Vec<Check>,
}

impl ScenarioReport {
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.passed)
    }

    pub fn failures(&self) -> Vec<&Check> {
        self.checks.iter().filter(|c| !c.passed).collect()
    }

    pub fn step(&self, id: &str) -> Option<&StepOutcome> {
        self.steps.iter().find(|s| s.id == id)
    }
}

/// The requests, in order.
pub fn plan() -> Result<Vec<Step>, SandboxError> {
    let step = |id, label, request, expect_status, expect_outcome| Step {
        id,
        label,
        request,
        expect_status,
        expect_outcome,
    };
    Ok(vec![
        step(
            "created-101",
            "ticket-created #101",
            SampleRequest::from_event(samples::TICKET_CREATED)?,
            200,
            Some("processed"),
        ),
        step(
            "created-102",
            "ticket-created #102",
            SampleRequest::from_event(samples::TICKET_CREATED_REST_V1)?,
            200,
            Some("processed"),
        ),
        step(
            "replied-103",
            "customer-replied #103",
            SampleRequest::from_event(samples::CUSTOMER_REPLIED)?,
            200,
            Some("processed"),
        ),
        step(
            "resolved-104",
            "ticket-resolved #104",
            SampleRequest::from_event(samples::TICKET_RESOLVED)?,
            200,
            Some("processed"),
        ),
        step(
            "kb-sync-1",
            "kb-sync",
            SampleRequest::kb_sync(SECRET),
            200,
            Some("complete"),
        ),
        step(
            "kb-sync-2",
            "kb-sync again",
            SampleRequest::kb_sync(SECRET),
            200,
            Some("complete"),
        ),
        step(
            "reconcile",
            "reconcile (dropped webhook)",
            SampleRequest::reconcile(SECRET),
            200,
            Some("complete"),
        ),
        step(
            "duplicate-101",
            "ticket-created #101 redelivered",
            SampleRequest::from_event(samples::TICKET_CREATED)?,
            200,
            Some("duplicate"),
        ),
        step(
            "wrong-secret",
            "customer-replied #103, wrong secret",
            SampleRequest::from_event(samples::CUSTOMER_REPLIED)?.with_header("x-webhook-secret", "not-the-secret"),
            401,
            None,
        ),
    ])
}

/// Runs the whole scenario, writing progress and the report to `out`. `Err` only when the
/// sandbox itself could not run; failed expectations are in [`ScenarioReport::checks`].
pub async fn run_scenario(out: &mut impl Write) -> Result<ScenarioReport, SandboxError> {
    let sims = Simulators::start().await?;
    let app = setup::demo_app(&sims)?;
    let addr = bridge::start(app, 0).await.map_err(|source| SandboxError::Start {
        what: "the bridge's HTTP server",
        source,
    })?;
    let bridge_url = format!("http://{addr}");
    writeln!(
        out,
        "simpli-freshdesk sandbox: the real handlers behind a local HTTP server, against simulators"
    )?;
    writeln!(
        out,
        "  Freshdesk simulator  {}  (demo account: tickets 101-104, contacts 5001-5004)",
        sim::FreshdeskSim::base_url(sims.freshdesk_addr)
    )?;
    writeln!(
        out,
        "  Simpli stand-ins     http://{}  (Triage, Reply, Sentiment, QA, KB)",
        sims.simpli_addr().map(|a| a.to_string()).unwrap_or_default()
    )?;
    writeln!(
        out,
        "  bridge               {bridge_url}  (in-memory dedup, jobs inline)"
    )?;
    writeln!(out)?;

    drop_webhook(&sims.freshdesk);
    writeln!(
        out,
        "Ticket #{DROPPED_TICKET} is created in Freshdesk, tagged {}, and its webhook is dropped (no request).",
        bridge::RECONCILE_TAG
    )?;
    let before = Snapshot::take(&sims.freshdesk, &TICKETS.map(|(id, _)| id));
    let client = reqwest::Client::builder()
        .timeout(bridge::KB_SYNC_BUDGET + Duration::from_secs(10))
        .build()
        .map_err(|source| SandboxError::Http {
            label: "HTTP client".into(),
            source,
        })?;
    let plan = plan()?;
    let total = plan.len();
    writeln!(out, "Replaying events/ through the bridge's HTTP entry:")?;
    let mut steps = Vec::with_capacity(plan.len());
    for (n, step) in plan.into_iter().enumerate() {
        let outcome = send(&sims, &client, &bridge_url, step).await?;
        writeln!(out, "{}", report::progress_line(n + 1, total, &outcome))?;
        out.flush()?;
        steps.push(outcome);
    }
    let after = Snapshot::take(&sims.freshdesk, &TICKETS.map(|(id, _)| id));

    report::write_tickets(out, &before, &after, &sims.freshdesk)?;
    report::write_kb(out, &steps, &sims)?;
    report::write_reconcile(out, &steps, &sims)?;
    report::write_refusals(out, &steps)?;
    let checks = checks::evaluate(&steps, &before, &after, &sims);
    let report = ScenarioReport {
        sims,
        bridge_url,
        steps,
        checks,
    };
    report::write_checks(out, &report)?;
    Ok(report)
}

/// A ticket the customer opened whose creation webhook never reached the bridge.
fn drop_webhook(fd: &sim::FreshdeskSim) {
    fd.add_ticket(serde_json::json!({
        "id": DROPPED_TICKET, "subject": "Charged twice for one order",
        "description": "<div>My card was charged twice for order #8120. Please refund one of the payments.</div>",
        "source": 1, "requester_id": 5004, "tags": [bridge::RECONCILE_TAG],
    }));
}

async fn send(
    sims: &Simulators,
    client: &reqwest::Client,
    base: &str,
    step: Step,
) -> Result<StepOutcome, SandboxError> {
    let (fd_before, simpli_before) = sims.calls();
    let started = Instant::now();
    let (status, body) = step.request.send(client, base, step.label).await?;
    let elapsed = started.elapsed();
    let freshdesk_calls = sims
        .freshdesk
        .requests()
        .iter()
        .skip(fd_before)
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    let simpli_calls = sims
        .simpli
        .requests()
        .iter()
        .skip(simpli_before)
        .map(|r| r.path.clone())
        .collect();
    Ok(StepOutcome {
        id: step.id,
        label: step.label,
        source: step.request.source,
        path: step.request.path.clone(),
        auth: step.request.auth_kind(),
        status,
        body,
        expect_status: step.expect_status,
        expect_outcome: step.expect_outcome,
        elapsed,
        freshdesk_calls,
        simpli_calls,
    })
}
