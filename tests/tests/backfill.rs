//! `ops backfill` end to end, against the Freshdesk simulator, the Simpli stand-ins and moto:
//! a date range of existing tickets goes through the bridge (to the event's queue, or inline),
//! `--dry-run` sends nothing, and a second run is harmless.

use std::time::Duration;

use e2e::runtime_api::{create_queue_pair, queue_total, sqs_client};
use e2e::{Harness, Store};
use ops::backfill::{backfill, BackfillOptions};
use serde_json::json;
use shared::runtime::queue::JobMessage;

/// Tickets of January 2026 (in range), one of December 2025 and one of March 2026 (out).
fn seed(h: &Harness, status: u64) -> Vec<u64> {
    let mut in_range = Vec::new();
    for (day, inside) in [
        ("2025-12-20", false),
        ("2026-01-05", true),
        ("2026-01-18", true),
        ("2026-01-30", true),
        ("2026-03-02", false),
    ] {
        let at = format!("{day}T10:00:00Z");
        let id = h.fd.add_ticket(json!({
            "subject": format!("Old ticket of {day}"), "description": "<p>The invoice total is wrong.</p>",
            "status": status, "requester_id": 5002, "source": 2, "responder_id": null,
            "created_at": at, "updated_at": at,
        }));
        if inside {
            in_range.push(id);
        }
    }
    in_range
}

fn options(event: &'static str, dry_run: bool, queue_url: Option<String>) -> BackfillOptions {
    BackfillOptions {
        event,
        since: "2026-01-01T00:00:00Z".into(),
        until: Some("2026-01-31T23:59:59Z".into()),
        rate: Some(6000.0),
        dry_run,
        queue_url,
    }
}

#[tokio::test]
async fn a_date_range_is_enqueued_once_and_a_dry_run_sends_nothing() {
    let h = Harness::start(Store::Dynamo).await;
    let ids = seed(&h, 2);
    let client = sqs_client().await;
    let url = create_queue_pair(&client, "backfill-created", Duration::from_secs(60), 10)
        .await
        .url;

    let dry = backfill(&h.app, &options("ticket-created", true, Some(url.clone())), false)
        .await
        .unwrap();
    assert_eq!(dry.sent(), 3, "{}", dry.render());
    assert!(dry.render().contains("3 would send"), "{}", dry.render());
    assert_eq!(queue_total(&client, &url).await, 0, "a dry run sends nothing");
    assert!(h
        .store
        .get(&format!("reconcile#ticket-created#{}", ids[0]))
        .await
        .unwrap()
        .is_none());

    let real = backfill(&h.app, &options("ticket-created", false, Some(url.clone())), false)
        .await
        .unwrap();
    assert_eq!(real.sent(), 3, "{}", real.render());
    assert!(real.render().contains("3 enqueued"), "{}", real.render());
    let msgs = e2e::runtime_api::peek(&client, &url, 10, Duration::from_secs(30)).await;
    let mut got: Vec<u64> = msgs
        .iter()
        .map(|m| serde_json::from_str::<JobMessage>(m.body().unwrap()).unwrap().ticket_id)
        .collect();
    got.sort_unstable();
    assert_eq!(got, ids, "only the tickets of the range");

    let again = backfill(&h.app, &options("ticket-created", false, Some(url.clone())), false)
        .await
        .unwrap();
    assert_eq!(again.sent(), 0, "{}", again.render());
    assert_eq!(again.tally.already_done, 3);
    assert_eq!(queue_total(&client, &url).await, 3, "running it twice is harmless");
}

#[tokio::test]
async fn without_a_queue_the_jobs_run_inline_at_the_default_rate() {
    let h = Harness::start(Store::Dynamo).await;
    let ids = seed(&h, 4);
    let mut opts = options("ticket-resolved", false, None);
    opts.rate = None;
    let report = backfill(&h.app, &opts, false).await.unwrap();
    assert_eq!(report.sent(), 3, "{}", report.render());
    assert!(
        report.render().contains("3 ran at 1000 jobs/min"),
        "{}",
        report.render()
    );
    for id in &ids {
        let notes = h.fd.notes(*id);
        assert_eq!(notes.len(), 1, "one QA note on {id}");
        assert!(notes[0]["body"].as_str().unwrap().contains("QA Score"));
    }
    let again = backfill(&h.app, &opts, false).await.unwrap();
    assert_eq!(again.sent(), 0, "{}", again.render());
    assert!(ids.iter().all(|id| h.fd.notes(*id).len() == 1), "no second note");
}
