//! CPU time per warm ticket-created job with near-zero-latency dependencies. Budget (docs/architecture.md):
//! ≤ 2 ms per job.
//!
//! `cargo build --release -p ticket-created && cargo bench -p bench --bench job_cpu` (moto up,
//! `AWS_ENDPOINT_URL` set, for the DynamoDB/SQS rows). `JOB_CPU_N` overrides the 500 jobs.
//!
//! The release binary runs as a child process under the Lambda Runtime API stand-in, so the
//! simulators (in this process) do not count: the figure is the function process's own CPU
//! time (sum of its threads' `schedstat` run time, cross-checked with `utime + stime`) over N
//! jobs after a warm-up (account discovery, connection pools), divided by N. Every job is a new
//! ticket (a real claim, three Simpli calls, four Freshdesk calls, steps, completion), logging
//! at the deployed default level (`info`, JSON lines) into a file. Rows: in-memory dedup via
//! the inline webhook; in-memory and DynamoDB (moto) dedup via the SQS job entry, batch 1 and
//! the template's batch size 5. moto answers every request with `Connection: close`, so the
//! function opens a TCP connection per DynamoDB call; the keep-alive rows put a pass-through
//! proxy (in this process) in front of moto, so the function keeps its connection as it does
//! with DynamoDB itself (which the emulator cannot show).

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use bench::{cpu_of, fail, launch, ms, note_anomalies, verdict, Dedup, Variant};

const BUDGET: Duration = Duration::from_millis(2);

const VARIANTS: [Variant; 5] = [
    Variant {
        label: "in-memory dedup, webhook inline",
        dedup: Dedup::Memory,
        batch: None,
    },
    Variant {
        label: "in-memory dedup, SQS batch 1",
        dedup: Dedup::Memory,
        batch: Some(1),
    },
    Variant {
        label: "DynamoDB (moto), SQS batch 1",
        dedup: Dedup::Dynamo,
        batch: Some(1),
    },
    Variant {
        label: "DynamoDB (moto, keep-alive), SQS batch 1",
        dedup: Dedup::DynamoKeepAlive,
        batch: Some(1),
    },
    Variant {
        label: "DynamoDB (moto, keep-alive), SQS batch 5",
        dedup: Dedup::DynamoKeepAlive,
        batch: Some(5),
    },
];

fn main() {
    let n = bench::count("JOB_CPU_N", 500, 3);
    let warm_up = if bench::full_run() { 20 } else { 2 };
    let Some(binary) = bench::function_binary("job_cpu", "ticket-created") else {
        return;
    };
    let aws = bench::have_aws("job_cpu");
    let rt = bench::runtime();
    rt.block_on(async {
        let per_variant = n + warm_up;
        let (fd, _simpli, fd_addr, simpli_addr, ids) = bench::start_sims(VARIANTS.len() * per_variant).await;
        print_header(&binary, n, warm_up);
        let mut memory_sqs = None;
        for (i, v) in VARIANTS.iter().enumerate() {
            if !aws && v.needs_aws() {
                continue;
            }
            let ids = &ids[i * per_variant..(i + 1) * per_variant];
            let row = measure(&binary, fd_addr, simpli_addr, v, ids, warm_up).await;
            let (lost, dup) = note_anomalies(&fd, ids);
            print_row(v, &row, lost, dup);
            if v.dedup == Dedup::Memory && v.batch == Some(1) {
                memory_sqs = Some(row.per_job);
            }
            if let (Some(calls), Some(floor)) = (row.dynamo_calls, memory_sqs) {
                let extra = row.per_job.saturating_sub(floor);
                println!(
                    "{:<42} {calls:.1} DynamoDB requests per job; CPU above the in-memory SQS row: {} = {} per request",
                    "",
                    ms(extra),
                    ms(extra.div_f64(calls.max(1.0)))
                );
            }
        }
        println!("CPU/job = Δ(sum of /proc/<pid>/task/*/schedstat run time) ÷ jobs; (utime+stime) = the same from /proc/<pid>/stat at 10 ms resolution");
        println!("1st job = CPU of the container's first job (discovery, first connections); wall/job includes the dependencies' latency (moto ≈ ms per call)");
        println!("moto closes the connection after every answer (a new TCP connection per DynamoDB call); keep-alive rows go through a pass-through proxy that keeps it open");
    });
}

/// The figures of one row.
struct Row {
    per_job: Duration,
    per_job_ticks: Duration,
    first_cpu: Duration,
    wall_per_job: Duration,
    /// DynamoDB requests per measured job (keep-alive rows only).
    dynamo_calls: Option<f64>,
}

fn print_header(binary: &Path, n: usize, warm_up: usize) {
    println!(
        "CPU per warm ticket-created job: {}, {n} jobs per row after {warm_up} warm-up jobs, each a new ticket",
        binary.display()
    );
    println!(
        "{:<42} {:>12} {:>14} {:>11} {:>11} {:>10}  budget ≤ {}",
        "configuration",
        "CPU/job",
        "(utime+stime)",
        "1st job",
        "wall/job",
        "lost/dup",
        ms(BUDGET)
    );
}

fn print_row(v: &Variant, row: &Row, lost: usize, dup: usize) {
    println!(
        "{:<42} {:>12} {:>14} {:>11} {:>11} {:>10}  {}",
        v.label,
        ms(row.per_job),
        ms(row.per_job_ticks),
        ms(row.first_cpu),
        ms(row.wall_per_job),
        format!("{lost}/{dup}"),
        verdict(row.per_job <= BUDGET)
    );
}

/// Launches a fresh function for `v`, runs its first job, then `warm_up - 1` more, then
/// measures the rest of `ids`.
async fn measure(
    binary: &Path,
    fd_addr: SocketAddr,
    simpli_addr: SocketAddr,
    v: &Variant,
    ids: &[u64],
    warm_up: usize,
) -> Row {
    let (first, rest) = ids.split_at(1);
    let (warm, measured) = rest.split_at(warm_up - 1);
    let mut f = match launch(binary, fd_addr, simpli_addr, v.dedup, v.batch).await {
        Ok(f) => f,
        Err(e) => fail("job_cpu", v.label, &e),
    };
    let pid = f.proc.pid();
    let c0 = cpu_of(pid).unwrap_or_default();
    f.run_or_fail("job_cpu", v.label, first).await;
    let first_cpu = cpu_of(pid).unwrap_or_default().since(c0);
    f.run_or_fail("job_cpu", v.label, warm).await;
    let before = cpu_of(pid).unwrap_or_default();
    let dynamo_before = f.dynamo_requests.as_ref().map(|c| c.load(Ordering::SeqCst));
    let started = Instant::now();
    f.run_or_fail("job_cpu", v.label, measured).await;
    let wall = started.elapsed();
    let used = cpu_of(pid).unwrap_or_default().since(before);
    let dynamo_calls = f
        .dynamo_requests
        .as_ref()
        .zip(dynamo_before)
        .map(|(c, b)| (c.load(Ordering::SeqCst) - b) as f64 / measured.len() as f64);
    f.proc.kill();
    Row {
        per_job: Duration::from_nanos(used.sched_ns / measured.len() as u64),
        per_job_ticks: Duration::from_nanos(used.ticks_ns / measured.len() as u64),
        first_cpu: Duration::from_nanos(first_cpu.sched_ns),
        wall_per_job: wall / measured.len() as u32,
        dynamo_calls,
    }
}
