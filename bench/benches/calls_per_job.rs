//! Freshdesk calls per job, from the simulator's request log. Budget (docs/architecture.md): ticket-created
//! ≤ 4 (GET ticket, PUT ticket, POST note, PUT contact) plus discovery once per container;
//! customer-replied ≤ 4; ticket-resolved = 2 + conversation pages.
//!
//! `cargo bench -p bench --bench calls_per_job`. `CALLS_N` overrides the 20 jobs per event.
//!
//! In process: each event's real Lambda handler (inline webhook) in one container (`App`,
//! in-memory dedup: the store does not change the Freshdesk calls) against the Freshdesk
//! simulator, one job at a time, each on a new ticket. The first job of a container also reads
//! `GET /ticket_fields` and `GET /contact_fields` (discovery, once per container), so it is
//! reported apart from the warm jobs. customer-replied runs on alternating angry replies (the
//! escalation tag makes a ticket PUT) and calm ones; ticket-resolved on threads of 4, 100,
//! 101 and 250 conversations (1, 1, 2 and 3 pages of 100).

use std::collections::BTreeMap;

use bench::verdict;
use customer_replied::CustomerReplied;
use e2e::{Harness, Store};
use serde_json::json;
use shared::Job;
use sim::{FreshdeskSim, RequestRecord, SimpliSim};
use ticket_created::TicketCreated;
use ticket_resolved::TicketResolved;

fn main() {
    let n = bench::count("CALLS_N", 20, 3).max(2);
    let rt = bench::runtime();
    rt.block_on(async {
        println!("Freshdesk calls per job (simulator request log), one container per event, {n} jobs per event");
        println!(
            "{:<44} {:>6} {:>9} {:>9}  {:<10} calls of one job",
            "event / case", "jobs", "calls", "budget", "verdict"
        );
        ticket_created(n).await;
        customer_replied(n).await;
        ticket_resolved().await;
    });
}

/// `GET /tickets/{id}` style key of a logged request.
fn shape(r: &RequestRecord) -> String {
    let path = r.path.strip_prefix("/api/v2").unwrap_or(&r.path);
    let path: Vec<String> = path
        .split('/')
        .map(|s| {
            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                "{id}".to_string()
            } else {
                s.to_string()
            }
        })
        .collect();
    format!("{} {}", r.method, path.join("/"))
}

fn breakdown(calls: &[RequestRecord]) -> String {
    let mut by: BTreeMap<String, usize> = BTreeMap::new();
    for r in calls {
        *by.entry(shape(r)).or_default() += 1;
    }
    by.iter()
        .map(|(k, v)| if *v == 1 { k.clone() } else { format!("{k} ×{v}") })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs the jobs one at a time; returns the Freshdesk requests each one made.
async fn calls_of<J: Job>(h: &Harness, job: &J, event: &str, ids: &[u64]) -> Vec<Vec<RequestRecord>> {
    let mut out = Vec::new();
    for id in ids {
        let before = h.fd.requests().len();
        let (status, body) = e2e::invoke(&h.app, job, bench::http_event(event, *id)).await;
        if status != 200 || body["status"] != "processed" {
            eprintln!("calls_per_job: {event} ticket {id}: {status} {body}");
            std::process::exit(1);
        }
        out.push(h.fd.requests().split_off(before));
    }
    out
}

fn row(label: &str, jobs: &[Vec<RequestRecord>], budget: &str, within: impl Fn(usize) -> bool) {
    let counts: Vec<usize> = jobs.iter().map(Vec::len).collect();
    let (min, max) = (
        counts.iter().min().copied().unwrap_or(0),
        counts.iter().max().copied().unwrap_or(0),
    );
    let calls = if min == max {
        min.to_string()
    } else {
        format!("{min}–{max}")
    };
    let example = jobs
        .iter()
        .max_by_key(|j| j.len())
        .map(|j| breakdown(j))
        .unwrap_or_default();
    println!(
        "{label:<44} {:>6} {calls:>9} {budget:>9}  {:<10} {example}",
        jobs.len(),
        verdict(counts.iter().all(|c| within(*c)))
    );
}

async fn ticket_created(n: usize) {
    let fd = FreshdeskSim::seeded_demo(e2e::API_KEY);
    let ids = bench::seed_tickets(&fd, 60_001, n);
    let h = Harness::with(fd, SimpliSim::new(), Store::Memory, &[]).await;
    let jobs = calls_of(&h, &TicketCreated, "ticket-created", &ids).await;
    row(
        "ticket-created, 1st job of the container",
        &jobs[..1],
        "≤ 4 + 2",
        |c| c <= 6,
    );
    row("ticket-created, warm jobs", &jobs[1..], "≤ 4", |c| c <= 4);
}

async fn customer_replied(n: usize) {
    let fd = FreshdeskSim::seeded_demo(e2e::API_KEY);
    let ids: Vec<u64> = (0..n as u64)
        .map(|i| {
            let id = 70_001 + i;
            let requester = 5001 + i % 4;
            fd.add_ticket(json!({
                "id": id, "subject": format!("Order question ({id})"), "status": 2, "priority": 2,
                "source": 1, "requester_id": requester, "tags": ["bench"],
                "description": "<div>Where is my order #7731?</div>",
            }));
            fd.add_conversation(
                id,
                json!({"body": "<div>Hi, we are looking into it.</div>", "incoming": false, "private": false, "source": 0, "user_id": 9101}),
            );
            let text = if i % 2 == 0 {
                "This is the third time I am writing. This is unacceptable, I will cancel and ask for a refund."
            } else {
                "Thanks, that sounds good. I will wait for the parcel."
            };
            fd.add_conversation(
                id,
                json!({"body": format!("<div>{text}</div>"), "body_text": text, "incoming": true, "private": false, "source": 0, "user_id": requester}),
            );
            id
        })
        .collect();
    let h = Harness::with(fd, SimpliSim::new(), Store::Memory, &[]).await;
    let jobs = calls_of(&h, &CustomerReplied, "customer-replied", &ids).await;
    row("customer-replied, 1st job (angry)", &jobs[..1], "≤ 4 + 2", |c| c <= 6);
    let warm: Vec<(usize, Vec<RequestRecord>)> = jobs.into_iter().enumerate().skip(1).collect();
    let angry: Vec<Vec<RequestRecord>> = warm
        .iter()
        .filter(|(i, _)| i % 2 == 0)
        .map(|(_, j)| j.clone())
        .collect();
    let calm: Vec<Vec<RequestRecord>> = warm
        .iter()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, j)| j.clone())
        .collect();
    if !angry.is_empty() {
        row("customer-replied, warm, angry (tag PUT)", &angry, "≤ 4", |c| c <= 4);
    }
    row("customer-replied, warm, calm", &calm, "≤ 4", |c| c <= 4);
}

async fn ticket_resolved() {
    let fd = FreshdeskSim::seeded_demo(e2e::API_KEY);
    let sizes = [4usize, 100, 101, 250];
    let ids: Vec<u64> = sizes
        .iter()
        .enumerate()
        .map(|(k, size)| {
            let id = 80_001 + k as u64;
            fd.add_ticket(json!({
                "id": id, "subject": format!("Cannot download my invoice ({id})"), "status": 4, "priority": 2,
                "source": 7, "requester_id": 5004, "responder_id": 9102, "group_id": 42, "tags": ["bench"],
                "description": "<div>The invoice download button does nothing.</div>",
                "stats": {"resolved_at": "2024-05-07T09:30:00Z", "closed_at": null},
            }));
            for i in 0..*size {
                let incoming = i % 2 == 0;
                fd.add_conversation(
                    id,
                    json!({
                        "body": format!("<div>Message {i}</div>"), "incoming": incoming, "private": false,
                        "source": 0, "user_id": if incoming { 5004 } else { 9102 },
                    }),
                );
            }
            id
        })
        .collect();
    let h = Harness::with(fd, SimpliSim::new(), Store::Memory, &[]).await;
    let jobs = calls_of(&h, &TicketResolved, "ticket-resolved", &ids).await;
    for (size, calls) in sizes.iter().zip(jobs) {
        let pages = size.div_ceil(100).max(1);
        let expected = 2 + pages;
        row(
            &format!("ticket-resolved, {size} conversations ({pages} p.)"),
            std::slice::from_ref(&calls),
            &format!("= {expected}"),
            |c| c == expected,
        );
    }
}
