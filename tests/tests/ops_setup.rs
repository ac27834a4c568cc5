//! `ops setup` against the Freshdesk simulator, through the real binary.

use e2e::ops_cli::{OpsBed, API_KEY, WEBHOOK_BASE, WEBHOOK_SECRET};
use serde_json::Value;
use sim::{FreshdeskSim, AI_FIELD_LABELS};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_on_an_empty_account_creates_the_five_fields_and_the_three_rules_then_nothing() {
    let bed = OpsBed::start(FreshdeskSim::without_ai_fields(API_KEY)).await;

    let dry = bed.ops(&["setup", "--dry-run", "--rules", "--webhook-base", WEBHOOK_BASE]);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert!(
        dry.stdout.contains("Would create 5 field(s) and 3 rule(s)."),
        "{}",
        dry.stdout
    );
    assert!(bed.writes().is_empty(), "a dry run writes nothing: {:?}", bed.writes());

    let first = bed.ops(&["setup", "--rules", "--webhook-base", WEBHOOK_BASE]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(
        first.stdout.contains("Created 5 field(s) and 3 rule(s)."),
        "{}",
        first.stdout
    );
    let mut writes = bed.writes();
    writes.sort();
    assert_eq!(
        writes,
        [
            "POST /api/v2/admin/ticket_fields",
            "POST /api/v2/admin/ticket_fields",
            "POST /api/v2/admin/ticket_fields",
            "POST /api/v2/automations/1/rules",
            "POST /api/v2/automations/4/rules",
            "POST /api/v2/automations/4/rules",
            "POST /api/v2/contact_fields",
            "POST /api/v2/contact_fields",
        ]
    );
    for label in AI_FIELD_LABELS {
        assert!(
            bed.fd
                .ticket_fields()
                .iter()
                .chain(&bed.fd.contact_fields())
                .any(|f| f["label"] == label),
            "{label} created"
        );
    }
    assert_eq!(
        bed.fd.field_choices("Sentiment Score"),
        ["positive", "neutral", "negative"]
    );
    assert_eq!(
        bed.fd.field_choices("AI Urgency"),
        ["low", "medium", "high", "critical"]
    );

    let created = &bed.fd.rules(1)[0];
    let action = &created["actions"][0];
    assert_eq!(action["url"], format!("{WEBHOOK_BASE}/freshdesk/ticket-created"));
    assert_eq!(action["content"], "{\"ticket_id\": {{ticket.id}}}");
    assert_eq!(
        action["custom_headers"]["X-Webhook-Secret"], WEBHOOK_SECRET,
        "the secret the functions read"
    );
    let updates: Vec<Value> = bed.fd.rules(4);
    let replied = updates
        .iter()
        .find(|r| r["name"] == "Simpli bridge: customer replied")
        .expect("rule");
    assert_eq!(
        replied["performer"]["type"], 2,
        "only the requester's replies: the bridge's own writes are agent events"
    );

    let before = bed.writes().len();
    let second = bed.ops(&["setup", "--rules", "--webhook-base", WEBHOOK_BASE]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert!(second.stdout.contains("Nothing to change"), "{}", second.stdout);
    assert_eq!(bed.writes().len(), before, "a second run writes nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_rules_it_prints_them_with_the_secret_left_out() {
    let bed = OpsBed::start(FreshdeskSim::new(API_KEY)).await;
    let run = bed.ops(&["setup", "--webhook-base", WEBHOOK_BASE]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("Nothing to change"), "{}", run.stdout);
    assert!(run.stdout.contains("<the webhook secret>"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains(&format!("{WEBHOOK_BASE}/freshdesk/ticket-resolved")),
        "{}",
        run.stdout
    );
    assert!(bed.writes().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_number_typed_sentiment_score_is_reported_and_left_unchanged() {
    let fd = FreshdeskSim::new(API_KEY);
    assert!(fd.set_field_type("Sentiment Score", "custom_number"));
    let bed = OpsBed::start(fd).await;
    let run = bed.ops(&["setup"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("Sentiment Score"))
        .expect("a line for the field");
    assert!(line.contains("(number)") && line.contains("left unchanged"), "{line}");
    assert!(line.contains("the score × 100"), "says what the bridge writes: {line}");
    assert!(run.stdout.contains("Nothing to change"), "{}", run.stdout);
    assert!(bed.writes().is_empty(), "{:?}", bed.writes());
    let field = bed
        .fd
        .contact_fields()
        .into_iter()
        .find(|f| f["label"] == "Sentiment Score")
        .expect("field");
    assert_eq!(field["type"], "custom_number");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_need_a_webhook_base_and_a_bad_key_is_an_error() {
    let mut bed = OpsBed::start(FreshdeskSim::without_ai_fields(API_KEY)).await;
    let run = bed.ops(&["setup", "--rules"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("--webhook-base"), "{}", run.stderr);
    bed.set("FRESHDESK_API_KEY", "wrong-key");
    let run = bed.ops(&["setup"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("401"), "{}", run.stderr);
    assert!(bed.writes().is_empty());
}

/// The Automations API is not documented for every account: whether the account refuses to list
/// the rules or to create one, the fields are still created and reported, the rules left to
/// create are printed to paste (without the secret), and `ops` exits 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_the_api_refuses_are_printed_to_create_by_hand() {
    // (the refusal, rules created, rule POSTs sent: the refused one included)
    for (refusal, created_rules, posted) in [
        (sim::Fault::status("GET", "/automations/4/rules", 404), 0, 0),
        (sim::Fault::status("POST", "/automations/4/rules", 400), 1, 2),
    ] {
        let bed = OpsBed::start(FreshdeskSim::without_ai_fields(API_KEY)).await;
        bed.fd.inject(refusal);
        let run = bed.ops(&["setup", "--rules", "--webhook-base", WEBHOOK_BASE]);
        assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
        assert!(run.stdout.contains("✘ automation rules: "), "{}", run.stdout);
        assert!(
            run.stdout.contains(&format!(
                "Created 5 field(s) and {created_rules} rule(s); the other rules could not be created"
            )),
            "{}",
            run.stdout
        );
        assert!(
            run.stdout.contains("\"name\": \"Simpli bridge: customer replied\""),
            "{}",
            run.stdout
        );
        assert!(run.stdout.contains("<the webhook secret>"), "{}", run.stdout);
        assert!(!run.stdout.contains(WEBHOOK_SECRET) && !run.stderr.contains(WEBHOOK_SECRET));
        let rule_posts = bed.writes().iter().filter(|w| w.contains("/automations/")).count();
        assert_eq!(rule_posts, posted, "{:?}", bed.writes());
    }
}
