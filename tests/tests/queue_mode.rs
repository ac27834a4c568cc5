//! Queue mode end to end: the real ticket-created binary runs as a Lambda (a child process
//! polling a Runtime API stand-in), its HTTP entry enqueues to a real SQS queue (moto), an
//! event source mapping feeds the queue back to it in SQS batches, and the dedup table is
//! real DynamoDB (moto). Crashes are `kill -9`; outages and poison come from the simulators'
//! fault injection. Every wait polls state with a timeout; nothing asserts on timing.
//!
//! Needs moto (`scripts/test.sh` starts it and sets `AWS_ENDPOINT_URL`).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use e2e::runtime_api::{aws_config, eventually, peek, queue_total, BedOptions, FunctionProcess, QueueBed};
use serde_json::{json, Value};
use shared::runtime::queue::{JobMessage, JobQueue};
use shared::store::{MemoryDedupStore, COMPLETED, FAILED, IN_PROGRESS};
use shared::{App, Secrets};
use sim::{Fault, FreshdeskSim, SimpliSim};

const EVENT: &str = "ticket-created";

fn key(ticket: u64) -> String {
    format!("{EVENT}#{ticket}")
}

/// Long enough for any wait here; a healthy run needs a fraction of it.
const PATIENCE: Duration = Duration::from_secs(45);

async fn status_of(bed: &QueueBed, ticket: u64) -> Option<String> {
    bed.record(&key(ticket)).await.map(|r| r.status)
}

async fn steps_of(bed: &QueueBed, ticket: u64) -> BTreeSet<String> {
    bed.record(&key(ticket)).await.map(|r| r.steps).unwrap_or_default()
}

/// Waits until the job of `ticket` is COMPLETED and both queues are empty; on timeout the
/// panic message carries the workers' logs.
async fn until_done(bed: &QueueBed, tickets: &[u64], workers: &[&FunctionProcess]) {
    let start = std::time::Instant::now();
    loop {
        let mut done = true;
        for t in tickets {
            done &= status_of(bed, *t).await.as_deref() == Some(COMPLETED);
        }
        if done && bed.depths().await == (0, 0) {
            return;
        }
        if start.elapsed() > PATIENCE {
            let mut states = Vec::new();
            for t in tickets {
                states.push(format!("{t}: {:?}", bed.record(&key(*t)).await));
            }
            let logs: Vec<String> = workers.iter().map(|w| w.log_tail(40)).collect();
            panic!(
                "jobs not done after {PATIENCE:?}: {states:?}; queue/DLQ {:?}\n{}",
                bed.depths().await,
                logs.join("\n")
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn webhook_202(bed: &QueueBed, ticket: u64) {
    let (status, body) = bed.webhook(ticket).await.expect("the HTTP entry answers");
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["status"], "queued", "{body}");
    assert_eq!(body["ticket_id"], ticket, "{body}");
}

/// A crashed worker answers nothing, so only the queue's own visibility timeout brings its
/// message back (as in Lambda): these beds keep it short (6 × the function timeout would
/// make the tests needlessly slow; a short one is enough to show the recovery).
fn crash_bed() -> BedOptions {
    let mut opts = BedOptions::new(EVENT);
    opts.visibility = Duration::from_secs(6);
    opts
}

fn has_sentiment(fd: &FreshdeskSim, contact: u64) -> bool {
    fd.contact(contact)
        .is_some_and(|c| !c["custom_fields"]["sentiment_score"].is_null())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_mode_http_entry_answers_202_and_enqueues_one_message_without_any_freshdesk_or_simpli_call() {
    let fd = FreshdeskSim::seeded_demo(e2e::API_KEY);
    let simpli = SimpliSim::new();
    let fd_addr = fd.start(0).await.unwrap();
    let simpli_addr = simpli.start(0).await.unwrap();
    let sqs = e2e::runtime_api::sqs_client().await;
    let queues = e2e::runtime_api::create_queue_pair(&sqs, "http-entry", Duration::from_secs(30), 10).await;
    let queue = JobQueue::new(&aws_config().await, queues.url.clone(), None);
    let config = e2e::config_for(fd_addr, simpli_addr, &[("JOB_QUEUE_URL", &queues.url)]);
    let secrets = Secrets {
        freshdesk_api_key: e2e::API_KEY.to_string().into(),
        webhook_secret: Some(e2e::SECRET.to_string().into()),
        simpli_api_key: None,
    };
    let app = App::with_parts(config, secrets, Arc::new(MemoryDedupStore::new()), Some(queue)).unwrap();
    let job = ticket_created::TicketCreated;

    // HTTP API v2 (Basic auth, ticket 101) and REST v1 (base64 body, ticket "102").
    let (status, body) = e2e::invoke(&app, &job, e2e::event("ticket-created.json")).await;
    assert_eq!(
        (status, body["status"].as_str(), body["ticket_id"].as_u64()),
        (202, Some("queued"), Some(101)),
        "{body}"
    );
    let (status, body) = e2e::invoke(&app, &job, e2e::event("ticket-created.rest-v1.json")).await;
    assert_eq!(
        (status, body["status"].as_str(), body["ticket_id"].as_u64()),
        (202, Some("queued"), Some(102)),
        "{body}"
    );
    // Refusals enqueue nothing.
    let (status, _) = e2e::invoke(
        &app,
        &job,
        e2e::with_body(e2e::event("ticket-created.json"), r#"{"subject": "no id"}"#),
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = e2e::invoke(
        &app,
        &job,
        e2e::with_header(
            e2e::event("ticket-created.json"),
            "authorization",
            Some("Basic Zm9vOmJhcg=="),
        ),
    )
    .await;
    assert_eq!(status, 401);

    let messages = peek(&sqs, &queues.url, 10, Duration::from_secs(30)).await;
    let jobs: Vec<JobMessage> = messages
        .iter()
        .map(|m| serde_json::from_str(m.body().unwrap_or_default()).expect("a JobMessage body"))
        .collect();
    let mut tickets: Vec<u64> = jobs.iter().map(|j| j.ticket_id).collect();
    tickets.sort();
    assert_eq!(tickets, vec![101, 102], "one message per accepted webhook: {jobs:?}");
    assert!(
        jobs.iter()
            .all(|j| j.event == EVENT && !j.request_id.is_empty() && j.received_at > 0),
        "{jobs:?}"
    );
    assert_eq!(
        fd.requests().len() + simpli.requests().len(),
        0,
        "the queue-mode HTTP entry calls neither Freshdesk nor Simpli"
    );
    assert_eq!(queue_total(&sqs, &queues.dlq_url).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_right_after_the_note_post_leaves_exactly_one_note_and_one_ticket_update() {
    let bed = QueueBed::start(crash_bed()).await;
    let mut first = bed.spawn_worker();
    // Hold the ticket PUT (the write after the note) in flight, long enough to kill the worker.
    bed.fd
        .inject(Fault::delay("PUT", "/tickets/101", Duration::from_secs(8)));
    webhook_202(&bed, 101).await;
    let _mapping = bed.mapping().start(1);

    eventually(
        "the note is posted and recorded and the ticket PUT is in flight",
        PATIENCE,
        || async {
            bed.fd.notes(101).len() == 1
                && bed.fd.pending_faults().is_empty()
                && steps_of(&bed, 101).await.contains("note")
        },
    )
    .await;
    first.kill();
    assert_eq!(bed.fd.applied_puts(101), 0, "killed before the ticket PUT was applied");
    assert_eq!(
        status_of(&bed, 101).await.as_deref(),
        Some(IN_PROGRESS),
        "the dead worker's lease is still on the record"
    );

    // A new instance; the message comes back after its visibility timeout, meets the dead
    // worker's live lease (in_progress → back to the queue), then claims it once it expires.
    let second = bed.spawn_worker();
    until_done(&bed, &[101], &[&second]).await;

    assert_eq!(bed.fd.notes(101).len(), 1, "the retry skipped the note (step recorded)");
    assert_eq!(
        bed.fd.applied_puts(101),
        1,
        "the ticket PUT was applied once, by the retry"
    );
    assert_eq!(bed.simpli.count("/api/v1/draft"), 1, "no second draft was asked for");
    assert!(has_sentiment(&bed.fd, 5001), "the contact PUT was made by the retry");
    let record = bed.record(&key(101)).await.unwrap();
    assert!(record.attempt >= 2, "{record:?}");
    // The note was recorded at once; the idempotent PUTs need no record once the job completes.
    assert_eq!(
        record.steps,
        ["note"].map(String::from).into_iter().collect::<BTreeSet<_>>()
    );
    let ticket = bed.fd.ticket(101).unwrap();
    assert!(
        ticket["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t.as_str().is_some_and(|t| t.starts_with("ai-category:"))),
        "{ticket}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_right_after_the_ticket_put_redoes_only_that_idempotent_branch_and_leaves_one_note() {
    let bed = QueueBed::start(crash_bed()).await;
    let mut first = bed.spawn_worker();
    // Hold the contact PUT (the write after the ticket PUT) in flight.
    bed.fd
        .inject(Fault::delay("PUT", "/contacts/5001", Duration::from_secs(8)));
    webhook_202(&bed, 101).await;
    let _mapping = bed.mapping().start(1);

    eventually(
        "the note is recorded, the ticket PUT applied and the contact PUT in flight",
        PATIENCE,
        || async {
            bed.fd.applied_puts(101) == 1
                && bed.fd.pending_faults().is_empty()
                && steps_of(&bed, 101).await.contains("note")
        },
    )
    .await;
    let after_first = bed.fd.ticket(101).unwrap();
    first.kill();
    assert!(
        !has_sentiment(&bed.fd, 5001),
        "killed before the contact PUT was applied"
    );
    assert!(
        !steps_of(&bed, 101).await.contains("ticket"),
        "an idempotent PUT costs no write of its own"
    );

    let second = bed.spawn_worker();
    until_done(&bed, &[101], &[&second]).await;

    assert_eq!(bed.fd.notes(101).len(), 1, "the note step was recorded: no second note");
    assert_eq!(bed.simpli.count("/api/v1/draft"), 1, "no second draft was asked for");
    assert_eq!(
        bed.simpli.count("/classify"),
        2,
        "the unrecorded ticket branch ran again on the retry"
    );
    assert_eq!(
        bed.fd.applied_puts(101),
        1,
        "the retry found the ticket already holding every value and sent no second PUT"
    );
    let after_retry = bed.fd.ticket(101).unwrap();
    for field in ["priority", "type", "group_id", "tags", "custom_fields"] {
        assert_eq!(
            after_retry[field], after_first[field],
            "{field}: the repeat set the same value"
        );
    }
    assert!(has_sentiment(&bed.fd, 5001), "the retry made the contact PUT");
    assert_eq!(
        bed.fd.count("PUT", "/contacts/5001"),
        1,
        "the killed worker's contact PUT was never served"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_simpli_outage_ends_with_every_ticket_done_once_and_nothing_lost() {
    let mut opts = BedOptions::new(EVENT);
    opts.max_receive_count = 30; // an outage must not dead-letter real work
    let bed = QueueBed::start(opts).await;
    let tickets = [101, 102, 103, 104];
    const FAILURES: usize = 10;
    bed.simpli.inject("/classify", 503, FAILURES);
    let workers = [bed.spawn_worker(), bed.spawn_worker()];
    for t in tickets {
        webhook_202(&bed, t).await;
    }
    let mapping = bed.mapping().batch_size(2);
    let handle = mapping.start(2);

    until_done(&bed, &tickets, &workers.iter().collect::<Vec<_>>()).await;

    assert_eq!(
        bed.simpli.count("/classify"),
        FAILURES + tickets.len(),
        "each failed attempt called /classify once, each success once"
    );
    for t in tickets {
        assert_eq!(
            bed.fd.notes(t).len(),
            1,
            "ticket {t}: one note (the draft step survived the retries)"
        );
        assert_eq!(
            bed.fd.applied_puts(t),
            1,
            "ticket {t}: one ticket update, after the outage"
        );
    }
    assert_eq!(bed.simpli.count("/api/v1/draft"), tickets.len(), "one draft per ticket");
    let stats = handle.stats();
    assert_eq!(
        stats.deleted,
        tickets.len(),
        "every message acknowledged once: {stats:?}"
    );
    assert!(
        stats.item_failures >= 1,
        "the failed attempts went back to the queue: {stats:?}"
    );
    assert_eq!(stats.timeouts + stats.function_errors, 0, "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_concurrent_deliveries_of_one_webhook_make_one_note() {
    let bed = QueueBed::start(BedOptions::new(EVENT)).await;
    let workers = [bed.spawn_worker(), bed.spawn_worker(), bed.spawn_worker()];
    let answers = futures::future::join_all((0..10).map(|_| bed.webhook(101))).await;
    for a in &answers {
        assert_eq!(a.as_ref().map(|(s, _)| *s), Ok(202), "{a:?}");
    }
    assert_eq!(
        queue_total(&bed.sqs, &bed.queues.url).await,
        10,
        "ten deliveries, ten messages"
    );
    // Three pollers, batches of up to four: concurrent batches on three instances, and
    // concurrent records inside each batch.
    let handle = bed.mapping().batch_size(4).start(3);

    until_done(&bed, &[101], &workers.iter().collect::<Vec<_>>()).await;

    assert_eq!(bed.fd.notes(101).len(), 1);
    assert_eq!(bed.fd.applied_puts(101), 1);
    assert_eq!(bed.simpli.count("/classify"), 1);
    assert_eq!(bed.simpli.count("/api/v1/draft"), 1);
    let stats = handle.stats();
    assert_eq!(
        stats.deleted, 10,
        "every delivery acknowledged (one processed, nine duplicates): {stats:?}"
    );
    assert_eq!(bed.record(&key(101)).await.unwrap().attempt, 1, "claimed once");
}

fn field_error(field: &str) -> Value {
    json!({"description": "Validation failed", "errors": [{"field": field, "message": "It should be one of these values: '1,2,3,4'", "code": "invalid_value"}]})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poison_job_is_parked_in_the_dlq_and_ops_replay_brings_it_back_after_the_fix() {
    let mut opts = BedOptions::new(EVENT);
    opts.max_receive_count = 3;
    opts.dlq_url_in_env = false; // the function finds its DLQ through the queue's RedrivePolicy
    let bed = QueueBed::start(opts).await;
    for t in [101, 102] {
        bed.fd.inject(
            Fault::status("PUT", &format!("/tickets/{t}"), 400)
                .with_body(field_error("priority"))
                .times(1000),
        );
    }
    let worker = bed.spawn_worker();
    webhook_202(&bed, 101).await;
    webhook_202(&bed, 102).await;
    let _mapping = bed.mapping().start(1);

    eventually("both jobs are parked in the DLQ", PATIENCE, || async {
        bed.depths().await == (0, 2)
    })
    .await;
    for t in [101, 102] {
        let record = bed.record(&key(t)).await.unwrap();
        assert_eq!(record.status, FAILED, "{record:?}");
        assert!(
            record.error.as_deref().unwrap_or_default().contains("priority"),
            "the error names the field: {record:?}"
        );
        assert_eq!(
            bed.fd.notes(t).len(),
            1,
            "the writes that did not depend on the PUT were made"
        );
    }
    assert_eq!(bed.fd.applied_puts(101), 0);

    // A dry run shows why each was parked and moves nothing.
    let client = bed.sqs.clone();
    let dry = ops::replay(
        &client,
        &ops::ReplayOptions::new(EVENT, &bed.queues.url, &bed.queues.dlq_url).dry_run(true),
    )
    .await
    .unwrap();
    assert_eq!(dry.moved.len(), 2, "{}", dry.render());
    assert!(
        dry.moved
            .iter()
            .all(|m| m.failure.as_deref().unwrap_or_default().contains("priority")),
        "{}",
        dry.render()
    );
    eventually("the dry run left both visible in the DLQ", PATIENCE, || async {
        e2e::runtime_api::queue_depth(&bed.sqs, &bed.queues.dlq_url).await.0 == 2
    })
    .await;

    // The fix (the field is valid again), then a replay of ticket 101 only.
    bed.fd.clear_faults();
    let report = ops::replay(
        &client,
        &ops::ReplayOptions::new(EVENT, &bed.queues.url, &bed.queues.dlq_url).ticket(Some(101)),
    )
    .await
    .unwrap();
    println!("{}", report.render());
    assert_eq!(report.moved_tickets(), vec![101], "{}", report.render());
    assert_eq!(
        report.left.iter().map(|l| l.ticket_id).collect::<Vec<_>>(),
        vec![Some(102)],
        "{}",
        report.render()
    );
    until_done_except_dlq(&bed, 101, 1, &worker).await;
    assert_eq!(bed.fd.notes(101).len(), 1, "the replay did not post the note again");
    assert_eq!(bed.fd.applied_puts(101), 1);
    assert_eq!(
        e2e::runtime_api::queue_depth(&bed.sqs, &bed.queues.dlq_url).await.0,
        1,
        "ticket 102 is still in the DLQ, visible"
    );

    // The rest through the CLI, which finds the DLQ from the queue's RedrivePolicy.
    let ops_bin = e2e::runtime_api::function_binary("ops").expect("build ops");
    let out = std::process::Command::new(ops_bin)
        .args(["replay", "--event", EVENT])
        .env_clear()
        .envs(
            bed.env
                .iter()
                .filter(|(k, _)| k.starts_with("AWS_") || k == "JOB_QUEUE_URL")
                .map(|(k, v)| (k, v)),
        )
        .output()
        .expect("run ops");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "ops failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{stdout}");
    assert!(
        stdout.contains("ticket 102") && stdout.contains("moved 1 message(s)"),
        "{stdout}"
    );
    until_done(&bed, &[101, 102], &[&worker]).await;
    assert_eq!(bed.fd.notes(102).len(), 1);
    assert_eq!(bed.fd.applied_puts(102), 1);
}

/// Waits until the job is COMPLETED, the queue is empty and the DLQ holds `dlq` messages.
async fn until_done_except_dlq(bed: &QueueBed, ticket: u64, dlq: u64, worker: &FunctionProcess) {
    let ok = e2e::runtime_api::wait_until(PATIENCE, || async {
        status_of(bed, ticket).await.as_deref() == Some(COMPLETED) && bed.depths().await == (0, dlq)
    })
    .await;
    assert!(
        ok,
        "ticket {ticket}: {:?}, queue/DLQ {:?}\n{}",
        bed.record(&key(ticket)).await,
        bed.depths().await,
        worker.log_tail(40)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_that_keeps_failing_is_dead_lettered_after_max_receive_count_and_replays_after_recovery() {
    let mut opts = BedOptions::new(EVENT);
    opts.max_receive_count = 3;
    let bed = QueueBed::start(opts).await;
    // Exactly the attempts the redrive policy allows: the outage outlasts the queue's patience.
    bed.simpli.inject("/classify", 503, 3);
    let worker = bed.spawn_worker();
    webhook_202(&bed, 101).await;
    let _mapping = bed.mapping().start(1);

    eventually("the redrive policy moved the job to the DLQ", PATIENCE, || async {
        bed.depths().await == (0, 1)
    })
    .await;
    let record = bed.record(&key(101)).await.unwrap();
    assert_eq!(
        (record.status.as_str(), record.lease_until_ms),
        (IN_PROGRESS, 0),
        "released, not failed: {record:?}"
    );
    assert!(record.steps.contains("note"), "{record:?}");
    assert_eq!(bed.simpli.count("/classify"), 3);

    let report = ops::replay(
        &bed.sqs,
        &ops::ReplayOptions::new(EVENT, &bed.queues.url, &bed.queues.dlq_url),
    )
    .await
    .unwrap();
    println!("{}", report.render());
    assert_eq!(report.moved_tickets(), vec![101]);
    assert_eq!(
        report.moved[0].failure, None,
        "moved by the redrive policy, not parked by the function"
    );
    until_done(&bed, &[101], &[&worker]).await;
    assert_eq!(bed.fd.notes(101).len(), 1);
    assert_eq!(bed.fd.applied_puts(101), 1);
    assert_eq!(bed.simpli.count("/classify"), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_message_is_parked_in_the_dlq_and_replay_leaves_it_there() {
    let bed = QueueBed::start(BedOptions::new(EVENT)).await;
    let _worker = bed.spawn_worker();
    let other_event = serde_json::to_string(&JobMessage {
        event: "customer-replied".into(),
        ticket_id: 103,
        received_at: 1,
        request_id: "r".into(),
    })
    .unwrap();
    for body in ["not json at all", r#"{"ticket_id": 101}"#, other_event.as_str()] {
        bed.sqs
            .send_message()
            .queue_url(&bed.queues.url)
            .message_body(body)
            .send()
            .await
            .unwrap();
    }
    let _mapping = bed.mapping().start(1);

    eventually("the three messages are parked", PATIENCE, || async {
        bed.depths().await == (0, 3)
    })
    .await;
    assert_eq!(
        bed.fd.requests().len() + bed.simpli.requests().len(),
        0,
        "nothing was attempted"
    );

    let report = ops::replay(
        &bed.sqs,
        &ops::ReplayOptions::new(EVENT, &bed.queues.url, &bed.queues.dlq_url),
    )
    .await
    .unwrap();
    println!("{}", report.render());
    assert!(report.moved.is_empty(), "{}", report.render());
    assert_eq!(report.left.len(), 3, "{}", report.render());
    assert_eq!(
        report
            .left
            .iter()
            .filter(|l| l.reason.starts_with("not a job message"))
            .count(),
        2,
        "{}",
        report.render()
    );
    assert!(
        report
            .left
            .iter()
            .any(|l| l.ticket_id == Some(103) && l.reason.contains("customer-replied")),
        "{}",
        report.render()
    );
    eventually("all three are visible again in the DLQ", PATIENCE, || async {
        e2e::runtime_api::queue_depth(&bed.sqs, &bed.queues.dlq_url).await.0 == 3
    })
    .await;
}
