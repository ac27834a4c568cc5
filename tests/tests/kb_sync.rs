//! kb-sync end to end: the scheduled handler on the sample schedule event.

use std::time::Duration;

use e2e::{context, event, Harness, Store};
use kb_sync::KbSync;
use serde_json::{json, Value};
use sim::Fault;

async fn run(h: &Harness, secs: u64) -> Value {
    let _ = event("kb-sync.schedule.json");
    shared::runtime::handle_scheduled(&h.app, &KbSync::default(), context(secs))
        .await
        .expect("kb-sync run")
}

#[tokio::test]
async fn published_articles_are_pushed_once_and_edits_are_pushed_again() {
    let h = Harness::start(Store::Dynamo).await;
    let first = run(&h, 60).await;
    assert_eq!(first["status"], "complete", "{first}");
    assert_eq!(first["pushed"], 5, "3006 is a draft: {first}");
    assert_eq!(first["drafts"], 1);
    assert!(first["gaps"]["count"].as_u64().unwrap() > 0, "{first}");
    let titles: Vec<String> = h
        .simpli
        .articles()
        .iter()
        .map(|a| a["title"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(titles.len(), 5);
    assert!(h
        .simpli
        .articles()
        .iter()
        .all(|a| a["source"] == "freshdesk-solutions" && !a["content"].as_str().unwrap().contains('<')));

    let second = run(&h, 60).await;
    assert_eq!(
        (second["pushed"].clone(), second["unchanged"].clone()),
        (json!(0), json!(5)),
        "{second}"
    );

    assert!(h.fd.update_article(3001, json!({"title": "How refunds work (2026)"})));
    let third = run(&h, 60).await;
    assert_eq!(third["pushed"], 1, "{third}");
    assert_eq!(h.simpli.articles().len(), 6);
}

#[tokio::test]
async fn a_run_stops_before_its_deadline_and_the_next_resumes_without_double_posts() {
    let h = Harness::start(Store::Memory).await;
    for folder in [2001, 2002, 2003, 2004] {
        h.fd.inject(Fault::delay(
            "GET",
            &format!("/solutions/folders/{folder}/articles"),
            Duration::from_secs(2),
        ));
    }
    let task = KbSync {
        stop_margin: Duration::from_millis(1500),
    };
    // 6 s: the job keeps 1 s back for bookkeeping, so it works to 5 s: two 2-s folder reads fit.
    let partial = shared::runtime::handle_scheduled(&h.app, &task, context(6))
        .await
        .unwrap();
    assert_eq!(partial["status"], "partial", "{partial}");
    let pushed_first = partial["pushed"].as_u64().unwrap();
    assert!(pushed_first < 5, "{partial}");

    let rest = shared::runtime::handle_scheduled(&h.app, &task, context(60))
        .await
        .unwrap();
    assert_eq!(rest["status"], "complete", "{rest}");
    assert_eq!(
        pushed_first + rest["pushed"].as_u64().unwrap(),
        5,
        "{partial} then {rest}"
    );
    assert_eq!(h.simpli.articles().len(), 5, "no article posted twice");
}
