//! What one reconcile run costs: Freshdesk credits and wall time per 1 000 updated tickets, so
//! an admin can choose the schedule (`ReconcileRate`).
//!
//! `cargo bench -p bench --bench reconcile_cost` (`RECONCILE_N` overrides the 1 000 tickets;
//! without `--bench`, a smoke pass of 120). In process: the real scheduled handler against the
//! Freshdesk simulator (which charges 3 credits per page of `GET /tickets?include=stats`, as
//! Freshdesk does), with three cases:
//! - steady state, in-memory store: every ticket already handled by its webhooks (the
//!   Freshdesk cost and the bridge's own CPU, nothing else);
//! - steady state, DynamoDB (moto on loopback): the same with the table's reads;
//! - every webhook dropped, DynamoDB + SQS (moto): each ticket's job is sent to its queue.
//!
//! Credits come from the simulator's request log; the run's duration is wall time. moto is far
//! slower than DynamoDB (milliseconds per call on these 2-core machines), so the DynamoDB rows
//! are an upper bound.

use std::sync::Arc;
use std::time::{Duration, Instant};

use e2e::runtime_api::{create_queue_pair, sqs_client};
use e2e::{context, Harness, Store};
use reconcile::Reconcile;
use serde_json::{json, Value};
use shared::recover::{time, ReconcileSettings};
use shared::store::{ClaimOutcome, DedupStore};
use sim::{FreshdeskSim, SimpliSim};

fn main() {
    let n = bench::count("RECONCILE_N", 1000, 120);
    let rt = bench::runtime();
    rt.block_on(async {
        println!(
            "reconcile: one run over {n} updated tickets (Freshdesk simulator; credits as Freshdesk charges them)"
        );
        println!(
            "{:<48} {:>7} {:>7} {:>9} {:>10} {:>14} {:>14}",
            "case", "tickets", "pages", "credits", "run", "credits/1000", "run/1000"
        );
        case("steady state (all handled), in-memory store", n, Store::Memory, false).await;
        if bench::have_aws("reconcile_cost") {
            case("steady state (all handled), DynamoDB (moto)", n, Store::Dynamo, false).await;
            case("every webhook dropped, DynamoDB + SQS (moto)", n, Store::Dynamo, true).await;
        }
    });
}

async fn case(label: &str, n: usize, store: Store, dropped: bool) {
    let h = Harness::with(FreshdeskSim::seeded_demo(e2e::API_KEY), SimpliSim::new(), store, &[]).await;
    let since = time::minus(&time::now(), Duration::from_secs(60));
    let ids: Vec<u64> = (0..n)
        .map(|i| {
            h.fd.add_ticket(json!({"subject": format!("Ticket {i}"), "requester_id": 5001, "source": 1}))
        })
        .collect();
    if !dropped {
        mark_handled(&h.store, &ids).await;
    }
    let mut settings = ReconcileSettings {
        since: Some(since),
        ..Default::default()
    };
    if dropped {
        let url = create_queue_pair(&sqs_client().await, "bench-reconcile", Duration::from_secs(60), 10)
            .await
            .url;
        settings.queues = vec![("ticket-created", url)];
    }
    let task = Reconcile::new(settings);
    h.fd.reset_log();
    let started = Instant::now();
    let summary: Value = match shared::runtime::handle_scheduled(&h.app, &task, context(900)).await {
        Ok(v) => v,
        Err(e) => bench::fail("reconcile_cost", label, &e.error_message),
    };
    let took = started.elapsed();
    let credits: usize =
        h.fd.requests()
            .iter()
            .map(|r| if r.path == "/api/v2/tickets" { 3 } else { 1 })
            .sum();
    let pages = summary["pages"].as_u64().unwrap_or(0);
    let tickets = summary["tickets"].as_u64().unwrap_or(0) as usize;
    if summary["status"] != "complete" || tickets < n {
        bench::fail("reconcile_cost", label, &format!("incomplete run {summary}"));
    }
    let recovered = summary["reconciled"]["ticket-created"].as_u64().unwrap_or(0) as usize;
    if dropped != (recovered == n) {
        bench::fail(
            "reconcile_cost",
            label,
            &format!("recovered {recovered} of {n}: {summary}"),
        );
    }
    let per = 1000.0 / n as f64;
    println!(
        "{label:<48} {tickets:>7} {pages:>7} {credits:>9} {:>10} {:>14.1} {:>14}",
        bench::ms(took),
        credits as f64 * per,
        bench::ms(took.mul_f64(per)),
    );
}

/// Records each ticket's ticket-created job as done, as its webhook would have.
async fn mark_handled(store: &Arc<dyn DedupStore>, ids: &[u64]) {
    let now = shared::setup::clock::now_ms();
    let day = Duration::from_secs(86_400);
    for id in ids {
        match store.claim(&format!("ticket-created#{id}"), now, day, day).await {
            Ok(ClaimOutcome::Claimed(c)) => {
                if let Err(e) = store.complete(&c, "processed").await {
                    bench::fail("reconcile_cost", "setup", &format!("complete: {e}"));
                }
            }
            other => bench::fail("reconcile_cost", "setup", &format!("claim: {other:?}")),
        }
    }
}
