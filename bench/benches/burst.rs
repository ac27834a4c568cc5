//! A burst of ticket-created jobs against a 600-credit/min Freshdesk account, two workers, in
//! the simulator's refill and fixed-window modes.
//! Budget (docs/architecture.md): drain ≤ 1.1 × (credits used ÷ rate); 429 answers ≤ 10 % of calls; 0 lost
//! jobs, 0 duplicate notes.
//!
//! `cargo bench -p bench --bench burst` (moto up: the workers share a DynamoDB dedup table).
//! `BURST_N` overrides the 100 jobs. Without `--bench` (cargo test) only the quiet rows run.
//!
//! In process: two `App`s ("containers": own HTTP clients, own pacers, own discovery cache)
//! built like the deployed function share one DynamoDB table and one queue of ticket ids; each
//! takes the next id and runs the job through the pipeline (`shared::job::run_job`, 120 s
//! deadline as the template's timeout), one job at a time, as an SQS batch of 1 would. A job
//! that ends retryable goes back to the queue after the delay the job entry itself decides
//! (`shared::runtime::entry::record_verdict`).
//!
//! Rows, each in both window modes:
//! * quiet — a full budget, `RATE_LIMIT_RESERVE=0.2`: no pacing needed;
//! * busy — other clients left exactly the reserve (120 credits), reserve 0.2: the first
//!   answer is below the reserve, so the bridge must stay quiet for a minute;
//! * spent — other clients spent everything, `RATE_LIMIT_RESERVE=0`: the first calls meet 429s
//!   and the pacing must keep the two workers from stampeding.
//!
//! Drain = first job taken → last job done. Credits = the bridge's requests not answered 429.
//! Minimum = what the account and the rules allow: the credits beyond those above the reserve
//! at the start, at the account's rate, or the quiet minute a start below the reserve forces,
//! whichever is longer (`—` when neither applies).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bench::{ms, verdict};
use e2e::{Harness, Store};
use shared::job::run_job;
use shared::runtime::entry::{record_verdict, RecordVerdict};
use shared::App;
use sim::{FreshdeskSim, RateWindow, SimpliSim};
use ticket_created::TicketCreated;

const LIMIT: u32 = 600;
const WORKERS: usize = 2;
const FUNCTION_TIMEOUT: Duration = Duration::from_secs(120);
const QUIET: Duration = Duration::from_secs(60);

#[derive(Clone, Copy)]
enum Start {
    Full,
    AtReserve,
    Spent,
}

#[derive(Clone, Copy)]
struct Case {
    label: &'static str,
    mode: RateWindow,
    start: Start,
    reserve: f64,
}

fn cases(full: bool) -> Vec<Case> {
    let mut out = Vec::new();
    for mode in [RateWindow::Refill, RateWindow::Fixed] {
        let case = |label, start, reserve| Case {
            label,
            mode,
            start,
            reserve,
        };
        out.push(case(quiet_label(mode), Start::Full, 0.2));
        if full {
            out.push(case(busy_label(mode), Start::AtReserve, 0.2));
            out.push(case(spent_label(mode), Start::Spent, 0.0));
        }
    }
    out
}

fn quiet_label(mode: RateWindow) -> &'static str {
    pick(
        mode,
        "refill: quiet (full), reserve 0.2",
        "fixed: quiet (full), reserve 0.2",
    )
}
fn busy_label(mode: RateWindow) -> &'static str {
    pick(mode, "refill: busy (at reserve), 0.2", "fixed: busy (at reserve), 0.2")
}
fn spent_label(mode: RateWindow) -> &'static str {
    pick(
        mode,
        "refill: spent (empty), reserve 0",
        "fixed: spent (empty), reserve 0",
    )
}
fn pick(mode: RateWindow, refill: &'static str, fixed: &'static str) -> &'static str {
    if mode == RateWindow::Refill {
        refill
    } else {
        fixed
    }
}

fn main() {
    let n = bench::count("BURST_N", 100, 4);
    if !bench::have_aws("burst") {
        return;
    }
    let rt = bench::runtime();
    rt.block_on(async {
        println!("burst of {n} ticket-created jobs, {WORKERS} workers (containers) sharing a DynamoDB table, account {LIMIT} credits/min");
        println!(
            "{:<36} {:>9} {:>8} {:>9} {:>7} {:>9} {:>7} {:>6} {:>7} {:>8} {:>7} {:>5} {:>4}",
            "case", "drain", "credits", "cred÷rate", "×c÷r", "minimum", "×min", "calls", "429s", "429 %", "retries", "lost", "dup"
        );
        for (i, case) in cases(bench::full_run()).into_iter().enumerate() {
            run_case(case, n, 40_001 + 1_000 * i as u64).await;
        }
        println!("budget: drain ≤ 1.1 × cred÷rate, 429 ≤ 10 %, 0 lost, 0 dup; ×min = drain ÷ the minimum the account and the reserve rules allow");
    });
}

/// The shared state of one burst: the queue of ticket ids and the counters.
#[derive(Default)]
struct Burst {
    queue: Mutex<VecDeque<u64>>,
    attempts: Mutex<HashMap<u64, u32>>,
    outstanding: AtomicUsize,
    retries: AtomicUsize,
    failed: AtomicUsize,
}

impl Burst {
    fn new(ids: &[u64]) -> Arc<Self> {
        let b = Self::default();
        b.queue.lock().unwrap_or_else(|e| e.into_inner()).extend(ids);
        b.outstanding.store(ids.len(), Ordering::SeqCst);
        Arc::new(b)
    }

    fn take(&self) -> Option<(u64, u32)> {
        let id = self.queue.lock().unwrap_or_else(|e| e.into_inner()).pop_front()?;
        let mut a = self.attempts.lock().unwrap_or_else(|e| e.into_inner());
        let count = a.entry(id).or_insert(0);
        *count += 1;
        Some((id, *count))
    }

    /// Back to the queue after `delay`, as SQS makes a message visible again.
    fn give_back(self: &Arc<Self>, id: u64, delay: Duration) {
        self.retries.fetch_add(1, Ordering::SeqCst);
        let me = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            me.queue.lock().unwrap_or_else(|e| e.into_inner()).push_back(id);
        });
    }
}

async fn run_case(case: Case, n: usize, first_id: u64) {
    let fd = FreshdeskSim::seeded_demo(e2e::API_KEY);
    let ids = bench::seed_tickets(&fd, first_id, n);
    fd.set_rate_window(case.mode);
    fd.set_rate_limit(LIMIT);
    let reserve = case.reserve.to_string();
    let env = [("RATE_LIMIT_RESERVE", reserve.as_str())];
    let h = Harness::with(fd, SimpliSim::new(), Store::Dynamo, &env).await;
    let apps: Vec<Arc<App>> = (0..WORKERS)
        .map(|i| if i == 0 { h.app.clone() } else { h.container(&env) })
        .collect();
    match case.start {
        Start::Full => {}
        Start::AtReserve => h.fd.others_spend_down_to((f64::from(LIMIT) * case.reserve) as u32),
        Start::Spent => h.fd.others_spend_down_to(0),
    }
    h.fd.reset_log();
    let burst = Burst::new(&ids);
    let started = Instant::now();
    let workers: Vec<_> = apps
        .into_iter()
        .enumerate()
        .map(|(w, app)| tokio::spawn(worker(w, app, burst.clone(), started)))
        .collect();
    let mut finished = started;
    for w in workers {
        if let Ok(t) = w.await {
            finished = finished.max(t);
        }
    }
    report(case, &h, &ids, &burst, finished.duration_since(started)).await;
}

/// Takes jobs until none is outstanding; returns when it finished its last one.
async fn worker(w: usize, app: Arc<App>, burst: Arc<Burst>, started: Instant) -> Instant {
    let mut last_done = started;
    while burst.outstanding.load(Ordering::SeqCst) > 0 {
        let Some((id, attempt)) = burst.take() else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let deadline = Instant::now() + FUNCTION_TIMEOUT;
        let report = run_job(&app, &TicketCreated, id, deadline, format!("burst-w{w}-{id}-{attempt}")).await;
        match record_verdict(&report.result, app.config.retry_base, attempt, fastrand::f64()) {
            RecordVerdict::RetryIn(delay) => {
                burst.give_back(id, delay);
                continue;
            }
            RecordVerdict::Park(cause) => {
                eprintln!("burst: ticket {id} failed for good: {cause}");
                burst.failed.fetch_add(1, Ordering::SeqCst);
            }
            RecordVerdict::Done => {}
        }
        burst.outstanding.fetch_sub(1, Ordering::SeqCst);
        last_done = Instant::now();
    }
    last_done
}

/// The shortest drain the account and the reserve rules allow for `credits`.
fn minimum(case: Case, credits: usize) -> Duration {
    let rate = f64::from(LIMIT) / 60.0;
    // what the bridge may spend at once: a full budget down to the reserve (a start below the
    // reserve gets there after its quiet minute)
    let above_floor = f64::from(LIMIT) * (1.0 - case.reserve);
    let refill = Duration::from_secs_f64((credits as f64 - above_floor).max(0.0) / rate);
    match case.start {
        Start::Full => refill,
        Start::AtReserve | Start::Spent => QUIET + refill,
    }
}

async fn lost_jobs(h: &Harness, ids: &[u64]) -> usize {
    let mut lost = 0;
    for id in ids {
        let done = h
            .store
            .get(&format!("ticket-created#{id}"))
            .await
            .ok()
            .flatten()
            .is_some_and(|r| r.status == shared::store::COMPLETED);
        lost += usize::from(!done || h.fd.notes(*id).is_empty());
    }
    lost
}

async fn report(case: Case, h: &Harness, ids: &[u64], burst: &Burst, drain: Duration) {
    let log = h.fd.requests();
    let limited = log.iter().filter(|r| r.status == 429).count();
    let credits = log.len() - limited;
    let by_rate = Duration::from_secs_f64(credits as f64 / (f64::from(LIMIT) / 60.0));
    let min = minimum(case, credits);
    let share = limited as f64 / log.len().max(1) as f64;
    let lost = burst.failed.load(Ordering::SeqCst) + lost_jobs(h, ids).await;
    let dup = ids.iter().filter(|id| h.fd.notes(**id).len() > 1).count();
    let ratio = drain.as_secs_f64() / by_rate.as_secs_f64();
    let (min_s, min_ratio) = if min.is_zero() {
        ("—".to_string(), "—".to_string())
    } else {
        (
            format!("{:.1} s", min.as_secs_f64()),
            format!("{:.3}", drain.as_secs_f64() / min.as_secs_f64()),
        )
    };
    println!(
        "{:<36} {:>9} {:>8} {:>9} {:>7} {:>9} {:>7} {:>6} {:>7} {:>8} {:>7} {:>5} {:>4}  {}",
        case.label,
        format!("{:.2} s", drain.as_secs_f64()),
        credits,
        format!("{:.1} s", by_rate.as_secs_f64()),
        format!("{ratio:.3}"),
        min_s,
        min_ratio,
        log.len(),
        limited,
        format!("{:.1} %", share * 100.0),
        burst.retries.load(Ordering::SeqCst),
        lost,
        dup,
        verdict(share <= 0.10 && lost == 0 && dup == 0 && (ratio <= 1.1 || matches!(case.start, Start::Full)))
    );
    let note = match case.start {
        Start::Full => format!("{} per job", ms(drain / ids.len().max(1) as u32)),
        Start::AtReserve | Start::Spent => {
            "starts below the reserve or at a 429: the rule's quiet minute alone exceeds 1.1 × cred÷rate; judge by ×min"
                .to_string()
        }
    };
    println!("{:<36} ({note})", "");
}
