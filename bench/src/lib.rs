//! Support code of the budget benches (`benches/*.rs`, one binary per budget of docs/architecture.md):
//! run mode, summaries, the release function binary run as a child process under the Lambda
//! Runtime API stand-in of `e2e`, `/proc` readings (CPU time, peak RSS), ticket seeding and
//! the events a function receives.
//!
//! Every bench runs in two modes: `cargo bench -p bench --bench <name>` (cargo passes
//! `--bench`) measures and prints the figures; `cargo test --workspace --all-targets` runs the
//! same code as a short smoke pass (a few iterations). No bench asserts a timing: the figures
//! are reported and compared with the budget in the printed table only.

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use e2e::runtime_api::RuntimeApi;
use serde_json::{json, Value};
use sim::{FreshdeskSim, SimpliSim};

mod rows;
pub use rows::{fail, function_binary, Variant};

// ---------------------------------------------------------------- run mode

/// `cargo bench` passes `--bench`; without it (cargo test) the bench makes a short smoke pass.
pub fn full_run() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// A count from the environment (`BENCH_N` style overrides), else `full` or `smoke`.
pub fn count(var: &str, full: usize, smoke: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if full_run() { full } else { smoke })
}

/// A tokio runtime for a bench's `main`.
pub fn runtime() -> tokio::runtime::Runtime {
    match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tokio runtime: {e}");
            std::process::exit(1);
        }
    }
}

/// The DynamoDB/SQS emulator (moto) endpoint, if the environment names one.
pub fn aws_endpoint() -> Option<String> {
    ["AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
}

/// Whether the AWS emulator is configured; when it is not, a full run fails (the figure would
/// be missing) and a smoke pass says so and goes on without it.
pub fn have_aws(bench: &str) -> bool {
    if aws_endpoint().is_some() {
        return true;
    }
    if full_run() {
        eprintln!("{bench}: no AWS endpoint; start moto and set AWS_ENDPOINT_URL (scripts/test.sh does)");
        std::process::exit(1);
    }
    println!("{bench}: DynamoDB/SQS parts skipped (no AWS_ENDPOINT_URL)");
    false
}

// ---------------------------------------------------------------- summaries

#[derive(Debug, Clone, Copy)]
pub struct Summary {
    pub n: usize,
    pub min: Duration,
    pub median: Duration,
    pub p95: Duration,
    pub max: Duration,
    pub mean: Duration,
}

/// Nearest-rank quantiles of the samples (at least one).
pub fn summarize(mut samples: Vec<Duration>) -> Summary {
    assert!(!samples.is_empty(), "no samples");
    samples.sort();
    let n = samples.len();
    let at = |q: f64| samples[((n as f64 * q).ceil() as usize).clamp(1, n) - 1];
    Summary {
        n,
        min: samples[0],
        median: at(0.5),
        p95: at(0.95),
        max: samples[n - 1],
        mean: samples.iter().sum::<Duration>() / n as u32,
    }
}

pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

pub fn mib(kib: u64) -> String {
    format!("{:.2} MiB", kib as f64 / 1024.0)
}

/// `ok` / `MISSED` against a budget (reported, never asserted).
pub fn verdict(within: bool) -> &'static str {
    if within {
        "ok"
    } else {
        "MISSED"
    }
}

// ---------------------------------------------------------------- the release binary

/// The workspace root (where `Cargo.toml`, `events/` and `target/` are).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The target directory this bench was built in (`<target>/<profile>/deps/<bench>-<hash>`).
pub fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.ancestors().nth(3).map(Path::to_path_buf))
        .filter(|dir| dir.join("CACHEDIR.TAG").exists() || dir.join("release").is_dir())
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// `target/release/<package>`, built beforehand with `cargo build --release -p <package>`
/// (`BENCH_FUNCTION_BINARY` names another build, e.g. an unstripped one for `perf`).
/// `Err` explains how to build it. `Ok((path, Some(warning)))` when sources are newer.
pub fn release_binary(package: &str) -> Result<(PathBuf, Option<String>), String> {
    let path = std::env::var_os("BENCH_FUNCTION_BINARY")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("release").join(package));
    if !path.is_file() {
        return Err(format!(
            "{} is missing; build it first: cargo build --release -p {package}",
            path.display()
        ));
    }
    let built = modified(&path).unwrap_or(SystemTime::UNIX_EPOCH);
    let root = workspace_root();
    let sources = [
        root.join("shared").join("src"),
        root.join("functions").join(package).join("src"),
        root.join("Cargo.lock"),
    ];
    let newest = sources.iter().filter_map(|p| newest_mtime(p)).max();
    let warning = newest.filter(|t| *t > built).map(|_| {
        format!(
            "warning: {} is older than its sources; rebuild: cargo build --release -p {package}",
            path.display()
        )
    });
    Ok((path, warning))
}

fn modified(p: &Path) -> Option<SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

fn newest_mtime(p: &Path) -> Option<SystemTime> {
    let meta = std::fs::metadata(p).ok()?;
    if !meta.is_dir() {
        return meta.modified().ok();
    }
    std::fs::read_dir(p)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| newest_mtime(&e.path()))
        .max()
}

// ---------------------------------------------------------------- function processes

/// The environment of a deployed function, pointed at the local simulators (no Secrets
/// Manager: the key and the webhook secret are plain values), plus `extra`.
pub fn function_env(fd_addr: SocketAddr, simpli_addr: SocketAddr, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let simpli = format!("http://{simpli_addr}");
    let mut env: Vec<(String, String)> = vec![
        ("FRESHDESK_BASE_URL".into(), FreshdeskSim::base_url(fd_addr)),
        ("FRESHDESK_API_KEY".into(), e2e::API_KEY.into()),
        ("WEBHOOK_SECRET".into(), e2e::SECRET.into()),
        ("AWS_REGION".into(), "us-east-1".into()),
        ("AWS_DEFAULT_REGION".into(), "us-east-1".into()),
        ("AWS_ACCESS_KEY_ID".into(), "test".into()),
        ("AWS_SECRET_ACCESS_KEY".into(), "test".into()),
        ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
    ];
    if let Some(endpoint) = aws_endpoint() {
        for var in ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SQS"] {
            env.push((var.into(), std::env::var(var).unwrap_or_else(|_| endpoint.clone())));
        }
    }
    for var in ["TRIAGE_URL", "REPLY_URL", "SENTIMENT_URL", "QA_URL", "KB_URL"] {
        env.push((var.into(), simpli.clone()));
    }
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    env
}

pub use e2e::runtime_api::FunctionProcess;

/// Waits until the process polls the runtime API (`GET /next`), i.e. its cold start is over.
pub async fn wait_ready(
    proc: &mut FunctionProcess,
    runtime: &RuntimeApi,
    timeout: Duration,
) -> Result<Duration, String> {
    let started = Instant::now();
    while runtime.polls() == 0 {
        if let Some(status) = proc.exited() {
            return Err(format!("function exited ({status}):\n{}", proc.log_tail(20)));
        }
        if started.elapsed() > timeout {
            return Err(format!("no GET /next within {timeout:?}:\n{}", proc.log_tail(20)));
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    Ok(started.elapsed())
}

// ---------------------------------------------------------------- /proc readings

/// CPU time a process has used so far.
#[derive(Debug, Clone, Copy, Default)]
pub struct Cpu {
    /// Sum of `/proc/<pid>/task/*/schedstat` run time (ns, precise; live threads only).
    pub sched_ns: u64,
    /// `utime + stime` of `/proc/<pid>/stat` (whole process incl. exited threads), in ns
    /// (clock ticks of 10 ms: USER_HZ = 100 on Linux).
    pub ticks_ns: u64,
}

impl Cpu {
    pub fn since(self, earlier: Cpu) -> Cpu {
        Cpu {
            sched_ns: self.sched_ns.saturating_sub(earlier.sched_ns),
            ticks_ns: self.ticks_ns.saturating_sub(earlier.ticks_ns),
        }
    }
}

pub fn cpu_of(pid: u32) -> io::Result<Cpu> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // fields after the `(comm)`: state is field 3, utime 14, stime 15
    let rest = stat
        .rsplit_once(')')
        .map(|(_, r)| r)
        .ok_or_else(|| io::Error::other("bad /proc stat"))?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    let ticks = tick(11) + tick(12);
    let mut sched_ns = 0;
    for entry in std::fs::read_dir(format!("/proc/{pid}/task"))? {
        let path = entry?.path().join("schedstat");
        if let Ok(s) = std::fs::read_to_string(path) {
            sched_ns += s
                .split_whitespace()
                .next()
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0);
        }
    }
    Ok(Cpu {
        sched_ns,
        ticks_ns: ticks * 10_000_000,
    })
}

/// Resident memory of a process, KiB: (peak `VmHWM`, current `VmRSS`).
pub fn memory_of(pid: u32) -> io::Result<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Ok((field("VmHWM:"), field("VmRSS:")))
}

// ---------------------------------------------------------------- accounts and events

pub use e2e::seed_tickets;

/// The sample webhook of `event` (`events/<event>.json`) for `ticket_id` (HTTP entry).
pub fn http_event(event: &str, ticket_id: u64) -> Value {
    e2e::with_body(
        e2e::event(&format!("{event}.json")),
        &format!("{{\"ticket_id\": {ticket_id}}}"),
    )
}

/// An SQS batch as Lambda's poller delivers it: one job message per ticket (job entry).
pub fn sqs_event(event: &str, ticket_ids: &[u64], queue_arn: &str) -> Value {
    let records: Vec<Value> = ticket_ids
        .iter()
        .map(|id| {
            let body = json!({"event": event, "ticket_id": id, "received_at": shared::setup::clock::now_ms(), "request_id": format!("bench-{id}")});
            json!({
                "messageId": format!("00000000-0000-4000-8000-{id:012}"),
                "receiptHandle": format!("bench-receipt-{id}"),
                "body": body.to_string(),
                "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": shared::setup::clock::now_ms().to_string()},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": "us-east-1",
            })
        })
        .collect();
    json!({"Records": records})
}

/// How jobs reach the function.
#[derive(Debug, Clone)]
pub enum Entry {
    /// The webhook in inline mode (`JOB_QUEUE_URL` unset): one job per invocation.
    Inline,
    /// The job entry: SQS batches of `batch` records (`JOB_QUEUE_URL` set).
    Sqs { queue_arn: String, batch: usize },
}

impl Entry {
    pub fn label(&self) -> String {
        match self {
            Entry::Inline => "webhook, inline".into(),
            Entry::Sqs { batch, .. } => format!("SQS job entry, batch {batch}"),
        }
    }
}

/// Runs a ticket-created job for each id through the function (one invocation at a time);
/// every job must end `processed`. Returns the invocations made.
pub async fn run_jobs(runtime: &RuntimeApi, entry: &Entry, ids: &[u64]) -> Result<usize, String> {
    let timeout = Duration::from_secs(60);
    let mut invocations = 0;
    match entry {
        Entry::Inline => {
            for id in ids {
                let out = runtime
                    .invoke(http_event("ticket-created", *id), timeout)
                    .await
                    .map_err(|e| format!("ticket {id}: {e:?}"))?;
                invocations += 1;
                let body: Value = out["body"]
                    .as_str()
                    .and_then(|b| serde_json::from_str(b).ok())
                    .unwrap_or(Value::Null);
                if out["statusCode"] != 200 || body["status"] != "processed" {
                    return Err(format!("ticket {id}: {out}"));
                }
            }
        }
        Entry::Sqs { queue_arn, batch } => {
            for chunk in ids.chunks((*batch).max(1)) {
                let out = runtime
                    .invoke(sqs_event("ticket-created", chunk, queue_arn), timeout)
                    .await
                    .map_err(|e| format!("tickets {chunk:?}: {e:?}"))?;
                invocations += 1;
                let failed = out["batchItemFailures"].as_array().map_or(0, Vec::len);
                if failed > 0 {
                    return Err(format!("tickets {chunk:?}: {out}"));
                }
            }
        }
    }
    Ok(invocations)
}

/// Simulators for a bench: the demo account plus `extra_tickets` seeded tickets from id 10001.
pub async fn start_sims(extra_tickets: usize) -> (FreshdeskSim, SimpliSim, SocketAddr, SocketAddr, Vec<u64>) {
    let fd = FreshdeskSim::seeded_demo(e2e::API_KEY);
    let ids = seed_tickets(&fd, 10_001, extra_tickets);
    let simpli = SimpliSim::new();
    let fd_addr = fd.start(0).await.expect("start the Freshdesk simulator");
    let simpli_addr = simpli.start(0).await.expect("start the Simpli stand-ins");
    (fd, simpli, fd_addr, simpli_addr, ids)
}

/// Tickets among `ids` that do not have exactly one note (lost or duplicated work).
pub fn note_anomalies(fd: &FreshdeskSim, ids: &[u64]) -> (usize, usize) {
    let mut lost = 0;
    let mut duplicated = 0;
    for id in ids {
        match fd.notes(*id).len() {
            0 => lost += 1,
            1 => {}
            _ => duplicated += 1,
        }
    }
    (lost, duplicated)
}

// ---------------------------------------------------------------- a function under test

/// Which dedup store the function process gets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dedup {
    /// `IDEMPOTENCY_TABLE` unset.
    Memory,
    /// A fresh table in the emulator, reached directly (moto answers `Connection: close`, so
    /// every DynamoDB request opens a new TCP connection).
    Dynamo,
    /// The same through [`keep_alive_proxy`] (in this process): the function keeps its
    /// connection alive, as it does with DynamoDB itself.
    DynamoKeepAlive,
}

/// A pass-through HTTP/1.1 proxy to `upstream` on 127.0.0.1 that keeps client connections
/// alive (the emulator closes every connection after one answer; real DynamoDB does not).
/// Its own work runs in this process, so it does not count in the function's CPU time.
/// Returns its URL and a count of the requests it forwarded.
pub async fn keep_alive_proxy(upstream: &str) -> io::Result<(String, Arc<AtomicUsize>)> {
    use axum::http::header;
    let client = reqwest::Client::new();
    let forwarded = Arc::new(AtomicUsize::new(0));
    let counter = forwarded.clone();
    let upstream = upstream.trim_end_matches('/').to_string();
    let hop = |name: &header::HeaderName| {
        [
            header::HOST,
            header::CONNECTION,
            header::CONTENT_LENGTH,
            header::TRANSFER_ENCODING,
        ]
        .contains(name)
    };
    let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
        let (client, upstream) = (client.clone(), upstream.clone());
        counter.fetch_add(1, Ordering::SeqCst);
        async move {
            let (parts, body) = req.into_parts();
            let bytes = axum::body::to_bytes(body, 16 << 20).await.unwrap_or_default();
            let url = format!("{upstream}{}", parts.uri.path_and_query().map_or("/", |p| p.as_str()));
            let mut forward = client.request(parts.method, url).body(bytes);
            for (name, value) in parts.headers.iter().filter(|(n, _)| !hop(n)) {
                forward = forward.header(name, value);
            }
            let mut out = axum::http::Response::builder();
            match forward.send().await {
                Ok(resp) => {
                    out = out.status(resp.status());
                    for (name, value) in resp.headers().iter().filter(|(n, _)| !hop(n)) {
                        out = out.header(name, value);
                    }
                    let body = resp.bytes().await.unwrap_or_default();
                    out.body(axum::body::Body::from(body))
                }
                Err(e) => out.status(502).body(axum::body::Body::from(e.to_string())),
            }
            .unwrap_or_default()
        }
    });
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            eprintln!("keep-alive proxy stopped: {e}");
        }
    });
    Ok((format!("http://{addr}"), forwarded))
}

/// A running release function binary and the runtime API it polls.
pub struct Launched {
    pub proc: FunctionProcess,
    pub runtime: RuntimeApi,
    pub entry: Entry,
    /// DynamoDB requests the function made so far ([`Dedup::DynamoKeepAlive`] only).
    pub dynamo_requests: Option<Arc<AtomicUsize>>,
}

/// Starts `binary` against the simulators with `dedup`, reached inline (`sqs_batch` = None)
/// or through the SQS job entry (a fresh queue and DLQ in the emulator), and waits for its
/// first `GET /next`.
pub async fn launch(
    binary: &Path,
    fd_addr: SocketAddr,
    simpli_addr: SocketAddr,
    dedup: Dedup,
    sqs_batch: Option<usize>,
) -> Result<Launched, String> {
    let mut extra: Vec<(String, String)> = Vec::new();
    if dedup != Dedup::Memory {
        let table = e2e::create_table(&e2e::dynamo_client()).await;
        extra.push(("IDEMPOTENCY_TABLE".into(), table));
    }
    let mut dynamo_requests = None;
    if dedup == Dedup::DynamoKeepAlive {
        let (proxy, forwarded) = keep_alive_proxy(&e2e::dynamo_endpoint())
            .await
            .map_err(|e| format!("keep-alive proxy: {e}"))?;
        extra.push(("AWS_ENDPOINT_URL_DYNAMODB".into(), proxy));
        dynamo_requests = Some(forwarded);
    }
    let entry = match sqs_batch {
        None => Entry::Inline,
        Some(batch) => {
            let sqs = e2e::runtime_api::sqs_client().await;
            let queues = e2e::runtime_api::create_queue_pair(&sqs, "bench", Duration::from_secs(60), 10).await;
            extra.push(("JOB_QUEUE_URL".into(), queues.url.clone()));
            extra.push(("JOB_DLQ_URL".into(), queues.dlq_url.clone()));
            Entry::Sqs {
                queue_arn: queues.arn,
                batch,
            }
        }
    };
    let extra: Vec<(&str, &str)> = extra.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let env = function_env(fd_addr, simpli_addr, &extra);
    let runtime = RuntimeApi::start("ticket-created")
        .await
        .map_err(|e| format!("runtime API: {e}"))?;
    let mut proc =
        FunctionProcess::spawn_binary(binary, &runtime.endpoint(), &env).map_err(|e| format!("spawn: {e}"))?;
    wait_ready(&mut proc, &runtime, Duration::from_secs(10)).await?;
    Ok(Launched {
        proc,
        runtime,
        entry,
        dynamo_requests,
    })
}
