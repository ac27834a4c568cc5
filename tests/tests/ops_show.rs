//! `ops show --ticket N` through the real binary, after jobs run by the real handlers against
//! the simulators and a DynamoDB table on moto: a processed job, a failed job, a parked job.

use e2e::ops_cli::OpsBed;
use e2e::{event, invoke};
use shared::runtime::queue::{JobMessage, JobQueue};
use sim::FreshdeskSim;

async fn bed() -> OpsBed {
    OpsBed::start(FreshdeskSim::seeded_demo(e2e::API_KEY)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_lists_a_processed_job_with_the_ai_answers() {
    let bed = bed().await;
    let app = bed.app(&[("TYPE_MAP", r#"{"billing": "Refund"}"#)]);
    let (_, body) = invoke(&app, &ticket_created::TicketCreated, event("ticket-created.json")).await;
    assert_eq!(body["status"], "processed", "{body}");

    let run = bed.ops(&["show", "--ticket", "101"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = &run.stdout;
    assert!(
        out.starts_with("ticket 101: 1 dedup item(s)\nticket-created#101\n"),
        "{out}"
    );
    assert!(out.contains("status COMPLETED, attempt 1, steps [note]"), "{out}");
    assert!(
        out.contains("AI: mode live, category billing, urgency medium, confidence 0.87, sentiment "),
        "{out}"
    );
    assert!(out.contains("escalation risk "), "{out}");
    assert!(out.contains("expires 20"), "times in UTC: {out}");
    assert!(out.contains("DLQ: 0 message(s) of this ticket"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn show_lists_a_failed_job_and_its_parked_message() {
    let bed = bed().await;
    let app = bed.app(&[]);
    bed.simpli.inject("/evaluate", 422, 1);
    let (_, body) = invoke(&app, &ticket_resolved::TicketResolved, event("ticket-resolved.json")).await;
    assert_eq!(body["status"], "failed", "{body}");

    let failed = bed.ops(&["show", "--ticket", "104"]);
    assert_eq!(failed.code, 0, "{}", failed.stderr);
    assert!(
        failed.stdout.contains("ticket-resolved#104#2024-05-07T09:30:00Z"),
        "{}",
        failed.stdout
    );
    assert!(
        failed.stdout.contains("status FAILED, attempt 1, steps []"),
        "{}",
        failed.stdout
    );
    assert!(failed.stdout.contains("  error: "), "{}", failed.stdout);
    assert!(failed.stdout.contains("422"), "{}", failed.stdout);

    // Parked as the queue entry parks a non-retryable job; another ticket's message beside it.
    let aws = e2e::runtime_api::aws_config().await;
    let queue = JobQueue::new(&aws, bed.queue.url.clone(), None);
    for ticket in [104, 102] {
        let msg = JobMessage {
            event: "ticket-created".into(),
            ticket_id: ticket,
            received_at: 1,
            request_id: format!("r-{ticket}"),
        };
        let body = serde_json::to_string(&msg).expect("json");
        queue
            .dead_letter(&body, "Simpli 422 VALIDATION_ERROR on /evaluate")
            .await
            .expect("park");
    }
    let parked = bed.ops(&["show", "--ticket", "104"]);
    assert_eq!(parked.code, 0, "{}", parked.stderr);
    assert!(
        parked.stdout.contains("DLQ: 1 message(s) of this ticket"),
        "{}",
        parked.stdout
    );
    assert!(
        parked.stdout.contains("ticket-created ")
            && parked.stdout.contains(": Simpli 422 VALIDATION_ERROR on /evaluate"),
        "{}",
        parked.stdout
    );
    let sqs = e2e::runtime_api::sqs_client().await;
    e2e::runtime_api::eventually(
        "both messages visible again in the DLQ",
        std::time::Duration::from_secs(10),
        || {
            let (sqs, dlq) = (sqs.clone(), bed.queue.dlq_url.clone());
            async move { e2e::runtime_api::queue_depth(&sqs, &dlq).await.0 == 2 }
        },
    )
    .await;
}
