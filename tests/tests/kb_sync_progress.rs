//! kb-sync makes progress whatever its time: the stop margin is the smaller of 10 s and a fifth
//! of the run, the clock is checked before every article, and a run that runs out of time ends
//! `partial`, never as an error.

use std::sync::Arc;
use std::time::Duration;

use e2e::hooked_store::HookedStore;
use e2e::{build_app, context, Harness, Store};
use kb_sync::{stop_margin, KbSync};
use serde_json::Value;
use shared::store::{DedupStore, MemoryDedupStore};

async fn run(h: &Harness, secs: u64) -> Value {
    shared::runtime::handle_scheduled(&h.app, &KbSync::default(), context(secs))
        .await
        .expect("a kb-sync run ends partial or complete, never as an error")
}

#[test]
fn the_margin_is_the_smaller_of_the_cap_and_a_fifth_of_the_run() {
    let cap = Duration::from_secs(10);
    assert_eq!(stop_margin(cap, Duration::from_secs(900)), cap);
    assert_eq!(stop_margin(cap, Duration::from_secs(5)), Duration::from_secs(1));
}

#[tokio::test]
async fn a_run_of_three_seconds_still_pushes_articles() {
    let h = Harness::start(Store::Memory).await;
    let summary = run(&h, 3).await;
    assert!(summary["pushed"].as_u64().unwrap_or(0) >= 1, "{summary}");
}

#[tokio::test]
async fn a_run_whose_time_runs_out_mid_article_ends_partial_not_as_an_error() {
    let h = Harness::start(Store::Memory).await;
    // Each article takes half the run: the second is cut short by the stop margin.
    h.simpli.set_delay("/articles", Duration::from_millis(1500));
    let summary = run(&h, 3).await;
    assert_eq!(summary["status"], "partial", "{summary}");
    assert!(summary["pushed"].as_u64().unwrap_or(0) >= 1, "{summary}");
}

#[tokio::test]
async fn short_runs_each_make_progress_until_every_article_is_pushed_once() {
    let h = Harness::start(Store::Memory).await;
    h.simpli.set_delay("/articles", Duration::from_millis(700));
    let mut pushed = 0;
    for attempt in 1..=8 {
        let summary = run(&h, 3).await;
        pushed += summary["pushed"].as_u64().unwrap_or(0);
        if summary["status"] == "complete" {
            break;
        }
        assert!(
            summary["pushed"].as_u64().unwrap_or(0) >= 1,
            "run {attempt} made no progress: {summary}"
        );
    }
    assert_eq!(pushed, 5, "every published article, each once");
    let titles: std::collections::BTreeSet<String> =
        h.simpli.articles().iter().map(|a| a["title"].to_string()).collect();
    assert_eq!(titles.len(), 5);
}

#[tokio::test]
async fn the_clock_is_checked_before_every_article_not_only_every_folder() {
    let h = Harness::start(Store::Memory).await;
    // A last folder with many articles, so only a check inside the folder can stop in time.
    let category = h.fd.add_category("Bulk");
    let folder = h.fd.add_folder(category, None, "Bulk").expect("folder");
    for i in 0..20 {
        h.fd.add_article(
            folder,
            serde_json::json!({"title": format!("Bulk {i}"), "description": "<p>text</p>", "status": 2}),
        );
    }
    let inner: Arc<dyn DedupStore> = Arc::new(MemoryDedupStore::new());
    let fast = build_app(h.fd_addr, h.simpli_addr, inner.clone(), &[]);
    let first = shared::runtime::handle_scheduled(&fast, &KbSync::default(), context(60))
        .await
        .unwrap();
    assert_eq!(
        (first["status"].as_str(), first["pushed"].as_u64()),
        (Some("complete"), Some(25)),
        "{first}"
    );

    // Nothing changed, but each article's marker read is slow: 25 reads need 5 s of a 3 s run.
    let slow_table = Arc::new(HookedStore::wrapping(inner).slow_marker_reads(Duration::from_millis(200)));
    let slow = build_app(h.fd_addr, h.simpli_addr, slow_table, &[]);
    let second = shared::runtime::handle_scheduled(&slow, &KbSync::default(), context(3))
        .await
        .unwrap();
    assert_eq!(second["status"], "partial", "{second}");
    assert_eq!(second["resume_folder"], folder, "{second}");
}

#[tokio::test]
async fn a_folder_deleted_during_the_run_is_skipped_not_an_error() {
    let h = Harness::start(Store::Memory).await;
    h.fd.inject(sim::Fault::status("GET", "/solutions/folders/2001/articles", 404));
    let summary = run(&h, 60).await;
    assert_eq!(summary["status"], "complete", "{summary}");
    assert!(summary["pushed"].as_u64().unwrap_or(0) >= 1, "{summary}");
}
