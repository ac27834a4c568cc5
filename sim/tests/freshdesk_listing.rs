//! Black-box tests of the simulator's ticket list (`GET /tickets`): `updated_since`, order,
//! pages with a `Link` that keeps the query, the page cap, `include=stats` and its credits,
//! spam and deleted tickets, and the changes made without a webhook.

use reqwest::Response;
use serde_json::{json, Value};
use sim::FreshdeskSim;

mod common;

use common::{get, json_of, KEY};

async fn empty() -> (FreshdeskSim, String) {
    let sim = FreshdeskSim::new(KEY);
    let addr = sim.start(0).await.expect("bind");
    (sim, FreshdeskSim::base_url(addr))
}

fn header(r: &Response, name: &str) -> Option<String> {
    r.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
}

fn ids(v: &Value) -> Vec<u64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn updated_since_in_updated_order_with_stats_costs_three_credits() {
    let (sim, base) = empty().await;
    sim.add_ticket(json!({"id": 1, "updated_at": "2026-01-01T00:00:03Z"}));
    sim.add_ticket(json!({"id": 2, "updated_at": "2026-01-01T00:00:01Z"}));
    sim.add_ticket(json!({"id": 3, "updated_at": "2025-12-31T23:59:59Z"}));
    let r = get(
        &base,
        "/tickets?updated_since=2026-01-01T00:00:00Z&order_by=updated_at&order_type=asc&include=stats",
    )
    .await;
    assert_eq!(header(&r, "x-ratelimit-used-currentrequest").as_deref(), Some("3"));
    assert_eq!(header(&r, "x-ratelimit-remaining").as_deref(), Some("9997"));
    let body = json_of(r).await;
    assert_eq!(ids(&body), vec![2, 1]);
    assert!(body[0]["stats"].is_object(), "stats embedded");
    assert!(
        body[0].get("description").is_none(),
        "no description without include=description"
    );
    let desc = json_of(get(&base, "/tickets?updated_since=2026-01-01&order_by=updated_at").await).await;
    assert_eq!(ids(&desc), vec![1, 2], "desc is the default order");
    let bad = get(&base, "/tickets?updated_since=yesterday").await;
    assert_eq!(bad.status(), 400);
    assert_eq!(get(&base, "/tickets?per_page=101").await.status(), 400);
}

#[tokio::test]
async fn pages_follow_a_link_that_keeps_the_query_up_to_the_cap() {
    let (sim, base) = empty().await;
    for i in 0..5 {
        sim.add_ticket(json!({"updated_at": format!("2026-01-01T00:00:0{i}Z")}));
    }
    let first = get(
        &base,
        "/tickets?updated_since=2026-01-01&order_by=updated_at&order_type=asc&per_page=2",
    )
    .await;
    let link = header(&first, "link").expect("a next page");
    assert!(link.contains("updated_since=2026-01-01") && link.contains("page=2") && link.ends_with("rel=\"next\""));
    let next = link.trim_start_matches('<').split('>').next().unwrap().to_string();
    let second = reqwest::Client::new()
        .get(next)
        .basic_auth(KEY, Some("X"))
        .send()
        .await
        .unwrap();
    assert_eq!(ids(&json_of(second).await), vec![3, 4]);
    let last = get(
        &base,
        "/tickets?updated_since=2026-01-01&order_by=updated_at&order_type=asc&per_page=2&page=3",
    )
    .await;
    assert!(header(&last, "link").is_none());
    sim.set_list_page_cap(2);
    let capped = get(
        &base,
        "/tickets?updated_since=2026-01-01&order_by=updated_at&order_type=asc&per_page=2&page=2",
    )
    .await;
    assert!(header(&capped, "link").is_none(), "no link past the cap");
    assert_eq!(
        get(&base, "/tickets?updated_since=2026-01-01&per_page=2&page=3")
            .await
            .status(),
        400
    );
}

#[tokio::test]
async fn spam_and_deleted_tickets_leave_the_default_list() {
    let (sim, base) = empty().await;
    let a = sim.add_ticket(json!({}));
    let b = sim.add_ticket(json!({}));
    let c = sim.add_ticket(json!({}));
    assert!(sim.flag_ticket(b, "spam"));
    assert!(sim.flag_ticket(c, "deleted"));
    assert_eq!(
        ids(&json_of(get(&base, "/tickets?updated_since=2000-01-01").await).await),
        vec![a]
    );
    assert_eq!(ids(&json_of(get(&base, "/tickets?filter=spam").await).await), vec![b]);
    assert_eq!(
        ids(&json_of(get(&base, "/tickets?filter=deleted").await).await),
        vec![c]
    );
}

#[tokio::test]
async fn replies_and_resolutions_without_a_webhook_move_the_stats() {
    let (sim, base) = empty().await;
    let id = sim.add_ticket(json!({"updated_at": "2026-01-01T00:00:00Z"}));
    let conv = sim.customer_reply(id, "<p>still broken</p>").expect("ticket exists");
    let stats = sim.stats(id).unwrap();
    let convs = sim.conversations(id);
    assert_eq!(convs[0]["id"], conv);
    assert_eq!(convs[0]["incoming"], true);
    assert_eq!(stats["requester_responded_at"], convs[0]["created_at"]);
    assert_eq!(sim.ticket(id).unwrap()["updated_at"], convs[0]["created_at"]);
    assert!(sim.resolve_ticket(id));
    let listed = json_of(get(&base, "/tickets?updated_since=2026-01-01&include=stats").await).await;
    assert_eq!(listed[0]["status"], 4);
    assert!(listed[0]["stats"]["resolved_at"].is_string());
    assert!(sim.customer_reply(999, "x").is_none());
}
