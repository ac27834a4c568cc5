//! Cold start of the release `ticket-created` binary: process start (just before `spawn`) →
//! the first `GET /2018-06-01/runtime/invocation/next` the Lambda runtime sends. Budget (docs/architecture.md):
//! ≤ 10 ms without Secrets Manager (no network at init; discovery happens on the first job).
//!
//! `cargo build --release -p ticket-created && cargo bench -p bench --bench cold_start`.
//! `COLD_START_N` overrides the 30 spawns per configuration. The runtime API here is a bare
//! TCP listener that notes when the first request line arrives (the function is killed right
//! after). Configurations: in-memory dedup (`IDEMPOTENCY_TABLE` unset), DynamoDB dedup
//! (`IDEMPOTENCY_TABLE` set: the AWS SDK config is loaded), and the deployed queue mode
//! (table + `JOB_QUEUE_URL` + `JOB_DLQ_URL`). Secrets are plain environment values. It also
//! reports the CPU time and resident memory of the process at that moment, and checks that no
//! request reached the Freshdesk and Simpli simulators during init.

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use bench::{function_env, memory_of, mib, ms, summarize, verdict, Cpu, FunctionProcess};

const BUDGET: Duration = Duration::from_millis(10);
const NEXT: &str = "GET /2018-06-01/runtime/invocation/next";

fn main() {
    let n = bench::count("COLD_START_N", 30, 3);
    let warm_up = if bench::full_run() { 2 } else { 1 };
    let Some(binary) = bench::function_binary("cold_start", "ticket-created") else {
        return;
    };
    let rt = bench::runtime();
    let (fd, simpli, fd_addr, simpli_addr, _) = rt.block_on(bench::start_sims(0));
    // Nothing is called at init, so a placeholder endpoint is enough without moto.
    let endpoint = bench::aws_endpoint().unwrap_or_else(|| "http://127.0.0.1:9".into());
    let queue_url = format!("{endpoint}/123456789012/bench-cold-start");
    let dlq_url = format!("{queue_url}-dlq");
    print_header(&binary, n, warm_up, &endpoint);
    for (label, extra) in &configs(&queue_url, &dlq_url) {
        let mut env = function_env(fd_addr, simpli_addr, extra);
        if bench::aws_endpoint().is_none() {
            for var in ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SQS"] {
                env.push((var.into(), endpoint.clone()));
            }
        }
        let (times, cpu, mut rss) = spawn_many(&binary, &env, label, warm_up, n);
        let s = summarize(times);
        let c = summarize(cpu);
        rss.sort_unstable();
        println!(
            "{label:<46} {:>9} {:>9} {:>9} {:>9} {:>12} {:>11}  {}",
            ms(s.median),
            ms(s.p95),
            ms(s.min),
            ms(s.max),
            ms(c.median),
            rss.get(rss.len() / 2).map_or_else(|| "-".to_string(), |r| mib(*r)),
            verdict(s.median <= BUDGET)
        );
    }
    let outbound = fd.requests().len() + simpli.requests().len();
    println!("Freshdesk/Simpli requests during all cold starts: {outbound} (expected 0: discovery is lazy)");
    println!("init CPU = run time of the process's threads (schedstat) at its first GET /next; RSS = VmRSS then");
}

/// The rows: in-memory dedup, DynamoDB dedup, and the deployed queue mode.
fn configs<'a>(queue_url: &'a str, dlq_url: &'a str) -> [(&'static str, Vec<(&'static str, &'a str)>); 3] {
    [
        ("in-memory dedup (IDEMPOTENCY_TABLE unset)", vec![]),
        (
            "DynamoDB dedup (IDEMPOTENCY_TABLE set)",
            vec![("IDEMPOTENCY_TABLE", "bench-cold-start")],
        ),
        (
            "queue mode as deployed (table + queue + DLQ)",
            vec![
                ("IDEMPOTENCY_TABLE", "bench-cold-start"),
                ("JOB_QUEUE_URL", queue_url),
                ("JOB_DLQ_URL", dlq_url),
            ],
        ),
    ]
}

fn print_header(binary: &Path, n: usize, warm_up: usize, endpoint: &str) {
    let size = std::fs::metadata(binary).map(|m| m.len()).unwrap_or(0);
    println!(
        "cold start: {} ({:.2} MB), process start → first `{NEXT}`; {n} spawns per row after {warm_up} warm-up; AWS endpoint {endpoint}",
        binary.display(),
        size as f64 / 1e6
    );
    println!(
        "{:<46} {:>9} {:>9} {:>9} {:>9} {:>12} {:>11}  budget ≤ {} median",
        "configuration",
        "median",
        "p95",
        "min",
        "max",
        "init CPU",
        "RSS",
        ms(BUDGET)
    );
}

/// `warm_up + n` spawns with `env`; the last `n` give (times to the first `GET /next`, init
/// CPU, non-zero VmRSS KiB). A failed spawn stops the bench.
fn spawn_many(
    binary: &Path,
    env: &[(String, String)],
    label: &str,
    warm_up: usize,
    n: usize,
) -> (Vec<Duration>, Vec<Duration>, Vec<u64>) {
    let mut times = Vec::with_capacity(n);
    let mut cpu = Vec::with_capacity(n);
    let mut rss = Vec::with_capacity(n);
    for i in 0..warm_up + n {
        match spawn_once(binary, env) {
            Ok((took, c, r)) if i >= warm_up => {
                times.push(took);
                cpu.push(Duration::from_nanos(c.sched_ns));
                if r > 0 {
                    rss.push(r);
                }
            }
            Ok(_) => {}
            Err(e) => bench::fail("cold_start", label, &e),
        }
    }
    (times, cpu, rss)
}

/// One spawn: (time to the first `GET /next`, CPU used by then, VmRSS KiB then).
fn spawn_once(binary: &Path, env: &[(String, String)]) -> Result<(Duration, Cpu, u64), String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let (tx, rx) = mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let _ = tx.send(first_request(&listener));
    });
    let started = Instant::now();
    let mut proc = FunctionProcess::spawn_binary(binary, &addr.to_string(), env).map_err(|e| format!("spawn: {e}"))?;
    let outcome = rx.recv_timeout(Duration::from_secs(10));
    let result = match outcome {
        Ok(Ok((at, line, stream))) if line.starts_with(NEXT) => {
            // read /proc while the request is still open (the process waits for its answer)
            let took = at.duration_since(started);
            let cpu = bench::cpu_of(proc.pid()).unwrap_or_default();
            let (_, rss) = memory_of(proc.pid()).unwrap_or((0, 0));
            drop(stream);
            Ok((took, cpu, rss))
        }
        Ok(Ok((_, line, _))) => Err(format!("first request was `{line}`:\n{}", proc.log_tail(10))),
        Ok(Err(e)) => Err(format!("runtime API listener: {e}")),
        Err(_) => {
            // unblock the listener thread
            let _ = TcpStream::connect(addr);
            Err(format!("no GET /next within 10 s:\n{}", proc.log_tail(10)))
        }
    };
    proc.kill();
    let _ = waiter.join();
    result
}

/// Accepts one connection and returns when its request line has arrived (with the open
/// connection, so the function keeps waiting for its answer).
fn first_request(listener: &TcpListener) -> std::io::Result<(Instant, String, TcpStream)> {
    let (mut stream, _) = listener.accept()?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let read = stream.read(&mut chunk)?;
        if read == 0 {
            return Err(std::io::Error::other("connection closed before a request line"));
        }
        buf.extend_from_slice(&chunk[..read]);
        if let Some(end) = buf.windows(2).position(|w| w == b"\r\n") {
            let at = Instant::now();
            return Ok((at, String::from_utf8_lossy(&buf[..end]).into_owned(), stream));
        }
    }
}
