//! Peak resident memory of the release ticket-created function under a stream of jobs.
//! Budget (docs/architecture.md): ≤ 15 MiB.
//!
//! `cargo build --release -p ticket-created && cargo bench -p bench --bench rss` (moto up for
//! the DynamoDB/SQS rows). `RSS_N` overrides the 500 jobs.
//!
//! The binary runs as a child process under the Lambda Runtime API stand-in; it gets a stream
//! of N ticket-created jobs, each for a different ticket (seeded in the simulator), one
//! invocation at a time. Reported: `VmHWM` (peak RSS) of `/proc/<pid>/status` at the first
//! `GET /next`, after the first job and after all N, and `VmRSS` after 100 jobs and at the
//! end (growth between them would be a leak). Rows: the deployed shape (DynamoDB dedup, SQS
//! job entry, batch 5 as in the template: five jobs run concurrently per invocation), batch 1,
//! and in-memory dedup through the inline webhook.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use bench::{fail, launch, memory_of, mib, note_anomalies, verdict, Dedup, Variant};

const BUDGET_KIB: u64 = 15 * 1024;

const VARIANTS: [Variant; 3] = [
    Variant {
        label: "DynamoDB (moto), SQS batch 5 (template)",
        dedup: Dedup::Dynamo,
        batch: Some(5),
    },
    Variant {
        label: "DynamoDB (moto), SQS batch 1",
        dedup: Dedup::Dynamo,
        batch: Some(1),
    },
    Variant {
        label: "in-memory dedup, webhook inline",
        dedup: Dedup::Memory,
        batch: None,
    },
];

fn main() {
    let n = bench::count("RSS_N", 500, 3);
    let Some(binary) = bench::function_binary("rss", "ticket-created") else {
        return;
    };
    let aws = bench::have_aws("rss");
    let rt = bench::runtime();
    rt.block_on(async {
        let (fd, _simpli, fd_addr, simpli_addr, ids) = bench::start_sims(VARIANTS.len() * n).await;
        print_header(&binary, n);
        for (i, v) in VARIANTS.iter().enumerate() {
            if !aws && v.needs_aws() {
                continue;
            }
            let ids = &ids[i * n..(i + 1) * n];
            let row = measure(&binary, fd_addr, simpli_addr, v, ids).await;
            let (lost, dup) = note_anomalies(&fd, ids);
            print_row(v, &row, lost, dup);
        }
        println!("HWM = VmHWM (peak resident set), RSS = VmRSS, from /proc/<pid>/status of the function process");
    });
}

/// The memory readings of one row, in KiB.
struct Row {
    hwm_init: u64,
    hwm_first: u64,
    hwm_end: u64,
    rss_at_100: Option<u64>,
    rss_end: u64,
}

fn print_header(binary: &Path, n: usize) {
    println!(
        "peak RSS of {} under a stream of {n} ticket-created jobs (distinct tickets), one invocation at a time",
        binary.display()
    );
    println!(
        "{:<42} {:>11} {:>11} {:>11} {:>13} {:>11} {:>9}  budget ≤ {}",
        "configuration",
        "HWM init",
        "HWM 1 job",
        "HWM end",
        "RSS @100 job",
        "RSS end",
        "lost/dup",
        mib(BUDGET_KIB)
    );
}

fn print_row(v: &Variant, row: &Row, lost: usize, dup: usize) {
    println!(
        "{:<42} {:>11} {:>11} {:>11} {:>13} {:>11} {:>9}  {}",
        v.label,
        mib(row.hwm_init),
        mib(row.hwm_first),
        mib(row.hwm_end),
        row.rss_at_100.map_or_else(|| "-".to_string(), mib),
        mib(row.rss_end),
        format!("{lost}/{dup}"),
        verdict(row.hwm_end <= BUDGET_KIB)
    );
}

/// Launches a fresh function for `v` and runs the jobs of `ids` through it: the first
/// invocation, then chunks of at least 100 jobs, reading its memory along the way.
async fn measure(binary: &Path, fd_addr: SocketAddr, simpli_addr: SocketAddr, v: &Variant, ids: &[u64]) -> Row {
    let mut f = match launch(binary, fd_addr, simpli_addr, v.dedup, v.batch).await {
        Ok(f) => f,
        Err(e) => fail("rss", v.label, &e),
    };
    let pid = f.proc.pid();
    let (hwm_init, _) = memory_of(pid).unwrap_or_default();
    let batch = v.batch.unwrap_or(1);
    let (first, rest) = ids.split_at(batch.min(ids.len()));
    f.run_or_fail("rss", v.label, first).await;
    let (hwm_first, _) = memory_of(pid).unwrap_or_default();
    let mut rss_at_100 = None;
    let mut done = first.len();
    for chunk in rest.chunks(100.max(batch)) {
        f.run_or_fail("rss", v.label, chunk).await;
        done += chunk.len();
        if rss_at_100.is_none() && done >= 100 {
            rss_at_100 = Some(memory_of(pid).unwrap_or_default().1);
        }
    }
    // let the runtime settle into its idle GET /next
    tokio::time::sleep(Duration::from_millis(50)).await;
    let (hwm_end, rss_end) = memory_of(pid).unwrap_or_default();
    f.proc.kill();
    Row {
        hwm_init,
        hwm_first,
        hwm_end,
        rss_at_100,
        rss_end,
    }
}
