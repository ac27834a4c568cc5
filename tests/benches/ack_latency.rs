//! Ack latency of the webhook's HTTP entry in queue mode: auth + parse + `SendMessage` (moto on
//! loopback), through the real Lambda handler (`shared::runtime::handle`) of ticket-created
//! with an `App` built with a `JobQueue`. Budget (docs/architecture.md): ≤ 5 ms median on loopback.
//!
//! `cargo bench -p e2e --bench ack_latency` (moto must be up: `AWS_ENDPOINT_URL`, as
//! `scripts/test.sh` sets it). `ACK_BENCH_N` overrides the 500 requests. Under `cargo test
//! --benches` it makes a short smoke pass (and skips without an endpoint).
//!
//! It also times a bare `SendMessage` with the same SDK client settings, so the bridge's own
//! share (auth, parse, serialisation, logging) can be told apart from the emulator's latency.

use std::sync::Arc;
use std::time::{Duration, Instant};

use e2e::runtime_api::{aws_config, create_queue_pair, sqs_client, QueuePair};
use serde_json::Value;
use shared::runtime::queue::JobQueue;
use shared::store::MemoryDedupStore;
use shared::{App, Secrets};
use sim::{FreshdeskSim, SimpliSim};

const WARM_UP: usize = 20;
/// moto's `SendMessage` slows down linearly with the queue's depth (about +4 ms per 100
/// messages), so the queues are emptied every few requests, outside the timed sections.
const DRAIN_EVERY: usize = 20;

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let n = std::env::var("ACK_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if full { 500 } else { 20 });
    let has_endpoint =
        std::env::var_os("AWS_ENDPOINT_URL_SQS").is_some() || std::env::var_os("AWS_ENDPOINT_URL").is_some();
    if !has_endpoint {
        if full {
            eprintln!("ack_latency: no SQS endpoint; start moto and set AWS_ENDPOINT_URL (scripts/test.sh does)");
            std::process::exit(1);
        }
        println!("ack_latency: skipped (no AWS_ENDPOINT_URL)");
        return;
    }
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ack_latency: tokio runtime: {e}");
            std::process::exit(1);
        }
    };
    rt.block_on(run(n));
}

struct Summary {
    median: Duration,
    p90: Duration,
    p99: Duration,
    mean: Duration,
    max: Duration,
}

fn summarize(mut samples: Vec<Duration>) -> Summary {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 * q).ceil() as usize).clamp(1, samples.len()) - 1];
    let total: Duration = samples.iter().sum();
    Summary {
        median: at(0.5),
        p90: at(0.9),
        p99: at(0.99),
        mean: total / samples.len() as u32,
        max: samples[samples.len() - 1],
    }
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

fn print(label: &str, n: usize, s: &Summary) {
    println!(
        "{label:<44} n={n:<4} median {}  p90 {}  p99 {}  mean {}  max {}",
        ms(s.median),
        ms(s.p90),
        ms(s.p99),
        ms(s.mean),
        ms(s.max)
    );
}

/// What the three series run against: the simulators (to count any call), one queue pair per
/// series, the `App` with its `JobQueue`, and the events.
struct Bed {
    fd: FreshdeskSim,
    simpli: SimpliSim,
    sqs: aws_sdk_sqs::Client,
    queues: QueuePair,
    raw_queues: QueuePair,
    app: App,
    event: Value,
    malformed: Value,
}

async fn bed() -> Bed {
    let fd = FreshdeskSim::seeded_demo(e2e::API_KEY);
    let simpli = SimpliSim::new();
    let fd_addr = fd.start(0).await.expect("freshdesk sim");
    let simpli_addr = simpli.start(0).await.expect("simpli sim");
    let sqs = sqs_client().await;
    // One queue per series, so both grow alike (the emulator slows down as a queue fills).
    let queues = create_queue_pair(&sqs, "ack-bench", Duration::from_secs(30), 10).await;
    let raw_queues = create_queue_pair(&sqs, "ack-bench-raw", Duration::from_secs(30), 10).await;
    let aws = aws_config().await;
    let queue = JobQueue::new(&aws, queues.url.clone(), Some(queues.dlq_url.clone()));
    let config = e2e::config_for(fd_addr, simpli_addr, &[("JOB_QUEUE_URL", &queues.url)]);
    let secrets = Secrets {
        freshdesk_api_key: e2e::API_KEY.to_string().into(),
        webhook_secret: Some(e2e::SECRET.to_string().into()),
        simpli_api_key: None,
    };
    let app = App::with_parts(config, secrets, Arc::new(MemoryDedupStore::new()), Some(queue)).expect("app");
    let event = e2e::event("ticket-created.json");
    let malformed = e2e::with_body(event.clone(), r#"{"ticket": 101}"#);
    Bed {
        fd,
        simpli,
        sqs,
        queues,
        raw_queues,
        app,
        event,
        malformed,
    }
}

async fn run(n: usize) {
    let b = bed().await;
    let client = sqs_client().await;
    // The three series are interleaved, so a load change on the machine hits them alike.
    let (mut entry, mut raw, mut floor) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    let mut queued = 0;
    for i in 0..WARM_UP + n {
        if i % DRAIN_EVERY == 0 {
            queued += drain(&b.sqs, &b.queues.url).await;
            drain(&b.sqs, &b.raw_queues.url).await;
        }
        let took = time_handler(&b.app, &b.event, 202).await;
        let took_raw = time_send(&client, &b.raw_queues.url).await;
        let took_floor = time_handler(&b.app, &b.malformed, 400).await;
        if i >= WARM_UP {
            entry.push(took);
            raw.push(took_raw);
            floor.push(took_floor);
        }
    }
    let (entry, raw, floor) = (summarize(entry), summarize(raw), summarize(floor));

    let outbound = b.fd.requests().len() + b.simpli.requests().len();
    queued += drain(&b.sqs, &b.queues.url).await;
    println!(
        "ack latency, queue mode, SQS = moto at {}",
        e2e::runtime_api::sqs_endpoint()
    );
    print("HTTP entry (auth + parse + SendMessage)", n, &entry);
    print("bare SendMessage (same SDK, own queue)", n, &raw);
    print("HTTP entry without SendMessage (400 path)", n, &floor);
    println!(
        "entry median minus bare SendMessage median: {}; Freshdesk/Simpli calls: {outbound}; messages the entry queued: {queued}",
        signed_ms(entry.median, raw.median)
    );
    assert_eq!(
        outbound, 0,
        "the queue-mode HTTP entry must not call Freshdesk or Simpli"
    );
    assert_eq!(queued, (WARM_UP + n) as u64, "one message per accepted webhook");
    for url in [
        &b.queues.url,
        &b.queues.dlq_url,
        &b.raw_queues.url,
        &b.raw_queues.dlq_url,
    ] {
        let _ = b.sqs.delete_queue().queue_url(url).send().await;
    }
}

/// One pass of `event` through the ticket-created handler, which must answer `status`.
async fn time_handler(app: &App, event: &Value, status: u16) -> Duration {
    let (payload, ctx) = (event.clone(), e2e::context(30));
    let started = Instant::now();
    let out = shared::runtime::handle(app, &ticket_created::TicketCreated, payload, ctx)
        .await
        .expect("handler");
    let took = started.elapsed();
    assert_eq!(out["statusCode"], status, "{out}");
    took
}

/// One bare `SendMessage` of a job message to `url`.
async fn time_send(client: &aws_sdk_sqs::Client, url: &str) -> Duration {
    let body = r#"{"event":"ticket-created","ticket_id":101,"received_at":1,"request_id":"bench"}"#;
    let started = Instant::now();
    client
        .send_message()
        .queue_url(url)
        .message_body(body)
        .send()
        .await
        .expect("SendMessage");
    started.elapsed()
}

/// Empties a queue (outside the timed sections); returns how many messages it held.
/// (Receive and delete: moto, like SQS, allows one PurgeQueue a minute.)
async fn drain(sqs: &aws_sdk_sqs::Client, url: &str) -> u64 {
    let mut drained = 0;
    loop {
        let out = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .visibility_timeout(60)
            .send()
            .await
            .expect("ReceiveMessage");
        let messages = out.messages.unwrap_or_default();
        if messages.is_empty() {
            return drained;
        }
        let mut delete = sqs.delete_message_batch().queue_url(url);
        for (i, m) in messages.iter().enumerate() {
            let entry = aws_sdk_sqs::types::DeleteMessageBatchRequestEntry::builder()
                .id(i.to_string())
                .receipt_handle(m.receipt_handle().unwrap_or_default())
                .build()
                .expect("entry");
            delete = delete.entries(entry);
        }
        delete.send().await.expect("DeleteMessageBatch");
        drained += messages.len() as u64;
    }
}

fn signed_ms(a: Duration, b: Duration) -> String {
    format!("{:+.3} ms", (a.as_secs_f64() - b.as_secs_f64()) * 1000.0)
}
