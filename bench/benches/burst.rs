//! A burst of ticket-created jobs against a 600-credit/min Freshdesk account, two workers.
//! DESIGN budget: drain ≤ 1.1 × (credits used ÷ rate); 429 answers ≤ 10 % of calls; 0 lost
//! jobs, 0 duplicate notes.
//!
//! `cargo bench -p bench --bench burst` (moto up: the workers share a DynamoDB dedup table).
//! `BURST_N` overrides the 100 jobs.
//!
//! In process: two `App`s ("containers": own HTTP clients, own pacers, own discovery cache)
//! built like the deployed function (`RATE_LIMIT_RESERVE=0.2`) share one DynamoDB table and
//! one queue of ticket ids; each takes the next id and runs the job through the pipeline
//! (`shared::pipeline::run_job`, 120 s deadline as the template's timeout), one job at a time,
//! as an SQS batch of 1 would. A job that ends retryable goes back to the queue after the
//! delay the job entry would set (its `Retry-After`, else the `RETRY_BASE_SECONDS` backoff).
//! The simulated account refills continuously (`RateWindow::Refill`, 600/min = 10 credits/s).
//!
//! Rows:
//! * busy account — before the burst, other clients have spent the bucket down to the
//!   bridge's reserve floor (0.2 × 600 = 120 credits left), so every credit of the burst must
//!   come from the refill: the drain can be no shorter than credits ÷ rate, and the budget
//!   says it must be no longer than 1.1 × that;
//! * quiet account — a full bucket (480 credits above the floor): the burst needs no pacing.
//!
//! Drain = first job taken → last job done. Credits used = the bridge's Freshdesk requests not
//! answered 429 (the simulator charges one per allowed request).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bench::{ms, verdict};
use e2e::{Harness, Store};
use shared::pipeline::{run_job, JobError, Outcome};
use shared::App;
use sim::{FreshdeskSim, RateWindow, SimpliSim};
use ticket_created::TicketCreated;

const LIMIT: u32 = 600;
const RESERVE: f64 = 0.2;
const WORKERS: usize = 2;
const FUNCTION_TIMEOUT: Duration = Duration::from_secs(120);

fn main() {
    let n = bench::count("BURST_N", 100, 4);
    if !bench::have_aws("burst") {
        return;
    }
    let rt = bench::runtime();
    rt.block_on(async {
        println!(
            "burst of {n} ticket-created jobs, {WORKERS} workers (containers) sharing a DynamoDB table, account {LIMIT} credits/min refilling at {:.0}/s, RATE_LIMIT_RESERVE={RESERVE}",
            f64::from(LIMIT) / 60.0
        );
        println!(
            "{:<34} {:>9} {:>8} {:>10} {:>9} {:>7} {:>6} {:>8} {:>8} {:>9} {:>6} {:>5}  budget drain ≤ 1.1×, 429 ≤ 10 %, 0 lost, 0 dup",
            "row", "drain", "credits", "cred÷rate", "×ideal", "calls", "429s", "429 %", "min left", "retries", "lost", "dup"
        );
        if bench::full_run() {
            run_row("busy account (bucket at floor)", n, true, 40_001).await;
        }
        run_row("quiet account (full bucket)", n, false, 50_001).await;
        println!("credits = Freshdesk requests answered other than 429; cred÷rate = credits ÷ (limit/60 per s); ×ideal = drain ÷ cred÷rate");
        println!("min left = lowest balance of the account seen during the burst (sampled every 5 ms; the bridge's floor is 0.2 × {LIMIT} = 120)");
    });
}

async fn run_row(label: &str, n: usize, at_floor: bool, first_id: u64) {
    let fd = FreshdeskSim::seeded_demo(e2e::API_KEY);
    let ids = bench::seed_tickets(&fd, first_id, n);
    fd.set_rate_window(RateWindow::Refill);
    fd.set_rate_limit(LIMIT);
    let env = [("RATE_LIMIT_RESERVE", "0.2")];
    let h = Harness::with(fd, SimpliSim::new(), Store::Dynamo, &env).await;
    let apps: Vec<Arc<App>> = (0..WORKERS)
        .map(|i| if i == 0 { h.app.clone() } else { h.container(&env) })
        .collect();
    if at_floor {
        let floor = (f64::from(LIMIT) * RESERVE) as u32;
        if let Err(e) = spend_down_to(h.fd_addr, floor).await {
            eprintln!("burst: spending the bucket down: {e}");
            std::process::exit(1);
        }
    }
    h.fd.reset_log();

    let queue: Arc<Mutex<VecDeque<u64>>> = Arc::new(Mutex::new(ids.iter().copied().collect()));
    let outstanding = Arc::new(AtomicUsize::new(ids.len()));
    let retries = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let attempts: Arc<Mutex<HashMap<u64, u32>>> = Arc::new(Mutex::new(HashMap::new()));
    let started = Instant::now();
    // the lowest balance of the account during the burst (the reserve floor is 120)
    let lowest = Arc::new(AtomicUsize::new(usize::MAX));
    let monitor = {
        let (fd, lowest, outstanding) = (h.fd.clone(), lowest.clone(), outstanding.clone());
        tokio::spawn(async move {
            while outstanding.load(Ordering::SeqCst) > 0 {
                lowest.fetch_min(fd.rate_limit_remaining() as usize, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    let workers: Vec<_> = apps
        .into_iter()
        .enumerate()
        .map(|(w, app)| {
            let (queue, outstanding, retries, failed, attempts) = (
                queue.clone(),
                outstanding.clone(),
                retries.clone(),
                failed.clone(),
                attempts.clone(),
            );
            tokio::spawn(async move {
                let mut last_done = started;
                while outstanding.load(Ordering::SeqCst) > 0 {
                    let next = queue.lock().unwrap_or_else(|e| e.into_inner()).pop_front();
                    let Some(id) = next else {
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    };
                    let attempt = {
                        let mut a = attempts.lock().unwrap_or_else(|e| e.into_inner());
                        let c = a.entry(id).or_insert(0);
                        *c += 1;
                        *c
                    };
                    let deadline = Instant::now() + FUNCTION_TIMEOUT;
                    let report =
                        run_job(&app, &TicketCreated, id, deadline, format!("burst-w{w}-{id}-{attempt}")).await;
                    let delay = match &report.result {
                        Ok(Outcome::Processed(_) | Outcome::Duplicate | Outcome::Skipped(_))
                        | Err(JobError::Gone { .. }) => None,
                        Ok(Outcome::InProgress { retry_after }) => Some(*retry_after),
                        Err(JobError::Retryable {
                            retry_after: Some(after),
                            ..
                        }) => Some(*after),
                        Err(JobError::Retryable { .. }) => Some(shared::retry::job_backoff(
                            app.config.retry_base,
                            attempt,
                            fastrand::f64(),
                        )),
                        Err(JobError::Fatal { cause }) => {
                            eprintln!("burst: ticket {id} failed for good: {cause}");
                            failed.fetch_add(1, Ordering::SeqCst);
                            None
                        }
                    };
                    match delay {
                        None => {
                            outstanding.fetch_sub(1, Ordering::SeqCst);
                            last_done = Instant::now();
                        }
                        Some(d) => {
                            retries.fetch_add(1, Ordering::SeqCst);
                            let queue = queue.clone();
                            tokio::spawn(async move {
                                tokio::time::sleep(d).await;
                                queue.lock().unwrap_or_else(|e| e.into_inner()).push_back(id);
                            });
                        }
                    }
                }
                last_done
            })
        })
        .collect();
    let mut finished = started;
    for w in workers {
        if let Ok(t) = w.await {
            finished = finished.max(t);
        }
    }
    let drain = finished.duration_since(started);
    monitor.abort();

    let log = h.fd.requests();
    let calls = log.len();
    let limited = log.iter().filter(|r| r.status == 429).count();
    let credits = calls - limited;
    let ideal = Duration::from_secs_f64(credits as f64 / (f64::from(LIMIT) / 60.0));
    let ratio = drain.as_secs_f64() / ideal.as_secs_f64();
    let share = limited as f64 / calls.max(1) as f64;
    let mut lost = failed.load(Ordering::SeqCst);
    for id in &ids {
        let done = h
            .store
            .get(&format!("ticket-created#{id}"))
            .await
            .ok()
            .flatten()
            .is_some_and(|r| r.status == shared::dedup::COMPLETED);
        if !done || h.fd.notes(*id).is_empty() {
            lost += 1;
        }
    }
    let dup = ids.iter().filter(|id| h.fd.notes(**id).len() > 1).count();
    let within = ratio <= 1.1 && share <= 0.10 && lost == 0 && dup == 0;
    println!(
        "{:<34} {:>9} {:>8} {:>10} {:>9} {:>7} {:>6} {:>8} {:>8} {:>9} {:>6} {:>5}  {}",
        label,
        format!("{:.2} s", drain.as_secs_f64()),
        credits,
        format!("{:.2} s", ideal.as_secs_f64()),
        format!("{ratio:.3}"),
        calls,
        limited,
        format!("{:.1} %", share * 100.0),
        lowest.load(Ordering::SeqCst),
        retries.load(Ordering::SeqCst),
        lost,
        dup,
        verdict(within)
    );
    if !at_floor {
        println!(
            "{:<34} (the full bucket holds {} credits above the floor: no pacing is needed, so drain ≪ credits ÷ rate; {})",
            "",
            LIMIT - (f64::from(LIMIT) * RESERVE) as u32,
            ms(drain / n.max(1) as u32) + " per job"
        );
    }
}

/// Spends the account's credits (as other API clients would) until `floor` are left.
async fn spend_down_to(fd_addr: std::net::SocketAddr, floor: u32) -> Result<(), String> {
    let client = reqwest::Client::new();
    let url = format!("{}/ticket_fields", FreshdeskSim::base_url(fd_addr));
    for _ in 0..10_000 {
        let resp = client
            .get(&url)
            .basic_auth(e2e::API_KEY, Some("X"))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let remaining: u32 = resp
            .headers()
            .get("x-ratelimit-remaining")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .ok_or("no X-RateLimit-Remaining")?;
        if remaining <= floor {
            return Ok(());
        }
    }
    Err("the bucket never reached the floor".into())
}
