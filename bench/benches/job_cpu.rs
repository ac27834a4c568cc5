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

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use bench::{cpu_of, launch, ms, note_anomalies, run_jobs, verdict, Dedup};

const BUDGET: Duration = Duration::from_millis(2);

struct Variant {
    label: &'static str,
    dedup: Dedup,
    batch: Option<usize>,
}

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
    let (binary, warning) = match bench::release_binary("ticket-created") {
        Ok(found) => found,
        Err(msg) => {
            println!("job_cpu: skipped: {msg}");
            return;
        }
    };
    if let Some(w) = warning {
        println!("{w}");
    }
    let aws = bench::have_aws("job_cpu");
    let rt = bench::runtime();
    rt.block_on(async {
        let per_variant = n + warm_up;
        let (fd, _simpli, fd_addr, simpli_addr, ids) = bench::start_sims(VARIANTS.len() * per_variant).await;
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
        let mut memory_sqs = None;
        for (i, v) in VARIANTS.iter().enumerate() {
            if !aws && (v.dedup != Dedup::Memory || v.batch.is_some()) {
                continue;
            }
            let ids = &ids[i * per_variant..(i + 1) * per_variant];
            let (first, rest) = ids.split_at(1);
            let (warm, measured) = rest.split_at(warm_up - 1);
            let mut f = match launch(&binary, fd_addr, simpli_addr, v.dedup, v.batch).await {
                Ok(f) => f,
                Err(e) => fail(v.label, &e),
            };
            let pid = f.proc.pid();
            let c0 = cpu_of(pid).unwrap_or_default();
            if let Err(e) = run_jobs(&f.runtime, &f.entry, first).await {
                fail(v.label, &format!("{e}\n{}", f.proc.log_tail(20)));
            }
            let first_cpu = cpu_of(pid).unwrap_or_default().since(c0);
            if let Err(e) = run_jobs(&f.runtime, &f.entry, warm).await {
                fail(v.label, &format!("{e}\n{}", f.proc.log_tail(20)));
            }
            let before = cpu_of(pid).unwrap_or_default();
            let dynamo_before = f.dynamo_requests.as_ref().map(|c| c.load(Ordering::SeqCst));
            let started = Instant::now();
            if let Err(e) = run_jobs(&f.runtime, &f.entry, measured).await {
                fail(v.label, &format!("{e}\n{}", f.proc.log_tail(20)));
            }
            let wall = started.elapsed();
            let used = cpu_of(pid).unwrap_or_default().since(before);
            let dynamo_calls = f
                .dynamo_requests
                .as_ref()
                .zip(dynamo_before)
                .map(|(c, b)| (c.load(Ordering::SeqCst) - b) as f64 / measured.len() as f64);
            f.proc.kill();
            let per_job = Duration::from_nanos(used.sched_ns / measured.len() as u64);
            let per_job_ticks = Duration::from_nanos(used.ticks_ns / measured.len() as u64);
            let (lost, dup) = note_anomalies(&fd, ids);
            println!(
                "{:<42} {:>12} {:>14} {:>11} {:>11} {:>10}  {}",
                v.label,
                ms(per_job),
                ms(per_job_ticks),
                ms(Duration::from_nanos(first_cpu.sched_ns)),
                ms(wall / measured.len() as u32),
                format!("{lost}/{dup}"),
                verdict(per_job <= BUDGET)
            );
            if v.dedup == Dedup::Memory && v.batch == Some(1) {
                memory_sqs = Some(per_job);
            }
            if let (Some(calls), Some(floor)) = (dynamo_calls, memory_sqs) {
                let extra = per_job.saturating_sub(floor);
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

fn fail(label: &str, e: &str) -> ! {
    eprintln!("job_cpu: {label}: {e}");
    std::process::exit(1);
}
