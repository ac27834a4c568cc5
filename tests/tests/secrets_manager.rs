//! Cold start with secrets held in Secrets Manager (moto): a plain string and a JSON object with
//! one string value both work, and the app reaches the Freshdesk simulator with the fetched key.
//! One test in this binary: it sets process environment variables.

use e2e::{event, invoke, API_KEY, SECRET};
use sim::{FreshdeskSim, SimpliSim};
use ticket_created::TicketCreated;

#[tokio::test]
async fn secrets_are_read_from_secrets_manager_once_at_cold_start() {
    let endpoint = std::env::var("AWS_ENDPOINT_URL").expect("run with scripts/test.sh (AWS_ENDPOINT_URL → moto)");
    let sm = aws_sdk_secretsmanager::Client::from_conf(
        aws_sdk_secretsmanager::Config::builder()
            .behavior_version(aws_sdk_secretsmanager::config::BehaviorVersion::latest())
            .region(aws_sdk_secretsmanager::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_secretsmanager::config::Credentials::new(
                "test", "test", None, None, "tests",
            ))
            .endpoint_url(&endpoint)
            .build(),
    );
    let suffix = fastrand::u64(..);
    let key_arn = sm
        .create_secret()
        .name(format!("freshdesk-key-{suffix}"))
        .secret_string(format!(r#"{{"api_key": "{API_KEY}"}}"#))
        .send()
        .await
        .unwrap()
        .arn
        .unwrap();
    let webhook_arn = sm
        .create_secret()
        .name(format!("webhook-{suffix}"))
        .secret_string(SECRET)
        .send()
        .await
        .unwrap()
        .arn
        .unwrap();

    let fd = FreshdeskSim::seeded_demo(API_KEY);
    let fd_addr = fd.start(0).await.unwrap();
    let simpli = SimpliSim::new();
    let simpli_addr = simpli.start(0).await.unwrap();
    let simpli_url = format!("http://{simpli_addr}");
    std::env::set_var("FRESHDESK_BASE_URL", FreshdeskSim::base_url(fd_addr));
    std::env::set_var("FRESHDESK_API_KEY_SECRET_ID", &key_arn);
    std::env::set_var("WEBHOOK_SECRET_SECRET_ID", &webhook_arn);
    for var in ["TRIAGE_URL", "REPLY_URL", "SENTIMENT_URL", "QA_URL", "KB_URL"] {
        std::env::set_var(var, &simpli_url);
    }

    let app = shared::App::from_env().await.expect("cold start");
    let (status, body) = invoke(&app, &TicketCreated, event("ticket-created.json")).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("processed")), "{body}");
    assert!(
        fd.requests().iter().all(|r| r.status != 401),
        "the fetched key authenticates"
    );
}
