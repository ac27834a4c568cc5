//! ticket-created end to end with slow dependencies, against its critical path. Budget (docs/architecture.md):
//! ≤ 1.05 × the critical path (independent calls concurrent).
//!
//! `cargo bench -p bench --bench critical_path` (moto up for the DynamoDB row).
//! `CRITICAL_PATH_N` overrides the 20 jobs per row.
//!
//! In process: the real Lambda handler (`shared::runtime::handle`, inline webhook) of
//! ticket-created against the Freshdesk simulator and the Simpli stand-ins, with latency
//! injected: Simpli `/classify` 300 ms, `/route` 200 ms, `/api/v1/draft` 600 ms, `/analyze`
//! 250 ms; every Freshdesk request `F` ms. One warm-up job (account discovery) per row, then
//! N jobs on new tickets, one at a time. Two critical paths are reported:
//! * graph — the job's data dependencies only: GET ticket → { draft → POST note;
//!   max(classify → route, analyze) → PUT ticket; analyze → PUT contact } (the three writes
//!   depend on different calls, so they may overlap);
//! * stepwise — GET ticket → max(classify → route, draft, analyze) → the three writes one after
//!   another (the shape the code has today).
//!
//! The ratio against the graph path is the budget's figure; the stepwise one shows how much of
//! the gap is the sequential writes. The DynamoDB row adds a line with the graph path plus the
//! three dedup writes that lie on it (claim, the longest branch's step, completion), each timed
//! as the median of 20 conditional writes to the same emulator.

use std::time::{Duration, Instant};

use bench::{ms, summarize, verdict};
use e2e::{Harness, Store};
use sim::{Fault, FreshdeskSim, SimpliSim};
use ticket_created::TicketCreated;

const CLASSIFY: u64 = 300;
const ROUTE: u64 = 200;
const DRAFT: u64 = 600;
const ANALYZE: u64 = 250;
const BUDGET: f64 = 1.05;

struct Row {
    label: &'static str,
    freshdesk_ms: u64,
    store: Store,
    full_only: bool,
}

const ROWS: [Row; 4] = [
    Row {
        label: "Freshdesk 20 ms, in-memory dedup",
        freshdesk_ms: 20,
        store: Store::Memory,
        full_only: false,
    },
    Row {
        label: "Freshdesk 20 ms, DynamoDB dedup (moto)",
        freshdesk_ms: 20,
        store: Store::Dynamo,
        full_only: true,
    },
    Row {
        label: "Freshdesk 5 ms, in-memory dedup",
        freshdesk_ms: 5,
        store: Store::Memory,
        full_only: true,
    },
    Row {
        label: "Freshdesk 150 ms, in-memory dedup",
        freshdesk_ms: 150,
        store: Store::Memory,
        full_only: true,
    },
];

fn main() {
    let n = bench::count("CRITICAL_PATH_N", 20, 1);
    let aws = bench::aws_endpoint().is_some();
    let rt = bench::runtime();
    rt.block_on(async {
        println!(
            "ticket-created end to end, Simpli classify {CLASSIFY} + route {ROUTE} ms, draft {DRAFT} ms, analyze {ANALYZE} ms; {n} jobs per row after 1 warm-up"
        );
        println!(
            "{:<40} {:>10} {:>10} {:>10} {:>11} {:>11} {:>8} {:>8} {:>10}  budget ≤ {BUDGET:.2} × graph",
            "row", "median", "p95", "max", "graph path", "stepwise", "×graph", "×step", "overhead"
        );
        for row in &ROWS {
            if row.full_only && !bench::full_run() {
                continue;
            }
            if row.store == Store::Dynamo && !aws {
                println!("{:<40} skipped (no AWS_ENDPOINT_URL)", row.label);
                continue;
            }
            run_row(row, n).await;
        }
        println!("graph path = F + max(draft + F, max(classify + route, analyze) + F, analyze + F); stepwise = F + max(classify + route, draft, analyze) + 3F");
        println!("overhead = median − graph path; ×graph and ×step use the median, the p95 ratio against the graph path is in parentheses");
    });
}

async fn run_row(row: &Row, n: usize) {
    let (h, ids) = slow_harness(row, n).await;
    let samples = time_jobs(&h, row, &ids).await;
    let (lost, dup) = bench::note_anomalies(&h.fd, &ids);
    if lost + dup > 0 {
        eprintln!(
            "critical_path: {}: {lost} tickets without a note, {dup} with several",
            row.label
        );
    }
    let (graph, stepwise) = critical_paths(row.freshdesk_ms);
    let s = summarize(samples);
    let ratio = s.median.as_secs_f64() / graph.as_secs_f64();
    let ratio_step = s.median.as_secs_f64() / stepwise.as_secs_f64();
    let line = format!(
        "{:<40} {:>10} {:>10} {:>10} {:>11} {:>11} {:>8} {:>8} {:>10}  {} (p95 {:.3}×)",
        row.label,
        ms(s.median),
        ms(s.p95),
        ms(s.max),
        ms(graph),
        ms(stepwise),
        format!("{ratio:.3}"),
        format!("{ratio_step:.3}"),
        ms(s.median.saturating_sub(graph)),
        verdict(ratio <= BUDGET),
        s.p95.as_secs_f64() / graph.as_secs_f64()
    );
    println!("{line}");
    if row.store == Store::Dynamo {
        let d = dedup_write_median(&h).await;
        let with_store = graph + d * 3;
        let ratio = s.median.as_secs_f64() / with_store.as_secs_f64();
        println!(
            "{:<40} dedup write (moto UpdateItem) median {}; graph path + claim + step + complete = {} → {ratio:.3}× {}",
            "",
            ms(d),
            ms(with_store),
            verdict(ratio <= BUDGET)
        );
    }
}

/// The simulators with the row's latency injected (every Freshdesk request, the four Simpli
/// calls), `n + 1` seeded tickets, and the handler over them with the row's dedup store.
async fn slow_harness(row: &Row, n: usize) -> (Harness, Vec<u64>) {
    let fd = FreshdeskSim::seeded_demo(e2e::API_KEY);
    let ids = bench::seed_tickets(&fd, 20_001, n + 1);
    let f = Duration::from_millis(row.freshdesk_ms);
    fd.inject(Fault::delay("*", "/api/v2/", f).as_prefix().times(1_000_000));
    let simpli = SimpliSim::new();
    for (path, d) in [
        ("/classify", CLASSIFY),
        ("/route", ROUTE),
        ("/api/v1/draft", DRAFT),
        ("/analyze", ANALYZE),
    ] {
        simpli.set_delay(path, Duration::from_millis(d));
    }
    (Harness::with(fd, simpli, row.store, &[]).await, ids)
}

/// One job per ticket, one at a time; the first is the warm-up and is not kept.
async fn time_jobs(h: &Harness, row: &Row, ids: &[u64]) -> Vec<Duration> {
    let mut samples = Vec::with_capacity(ids.len().saturating_sub(1));
    for (i, id) in ids.iter().enumerate() {
        let started = Instant::now();
        let (status, body) = e2e::invoke(&h.app, &TicketCreated, bench::http_event("ticket-created", *id)).await;
        let took = started.elapsed();
        if status != 200 || body["status"] != "processed" {
            eprintln!("critical_path: {}: ticket {id}: {status} {body}", row.label);
            std::process::exit(1);
        }
        if i > 0 {
            samples.push(took);
        }
    }
    samples
}

/// (graph, stepwise) critical paths for Freshdesk latency `fms` (see the module doc).
fn critical_paths(fms: u64) -> (Duration, Duration) {
    let graph = fms
        + (DRAFT + fms)
            .max((CLASSIFY + ROUTE).max(ANALYZE) + fms)
            .max(ANALYZE + fms);
    let stepwise = fms + (CLASSIFY + ROUTE).max(DRAFT).max(ANALYZE) + 3 * fms;
    (Duration::from_millis(graph), Duration::from_millis(stepwise))
}

/// The dedup writes on the path: the claim (before the Simpli calls), the step after the
/// last write of the longest branch, the completion. Times the same conditional write 20
/// times and returns the median.
async fn dedup_write_median(h: &Harness) -> Duration {
    let mut rtt = Vec::new();
    for i in 0..20 {
        let key = format!("bench-rtt#{i}-{}", fastrand::u64(..));
        let started = Instant::now();
        let _ = h
            .store
            .claim(
                &key,
                shared::setup::clock::now_ms(),
                Duration::from_secs(60),
                Duration::from_secs(600),
            )
            .await;
        rtt.push(started.elapsed());
    }
    summarize(rtt).median
}
