//! Support code of the end-to-end tests: a harness that starts the Freshdesk simulator and
//! the Simpli stand-ins on 127.0.0.1, builds the functions' `App` against them (with the
//! in-memory or the DynamoDB dedup store), and invokes the real Lambda handlers with the
//! sample events of `events/`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, TimeToLiveSpecification,
};
use serde_json::{json, Value};
use shared::store::{DedupStore, DynamoDedupStore, MemoryDedupStore};
use shared::{App, Config, Job, Secrets};
use sim::{FreshdeskSim, SimpliSim};

/// The webhook secret of the sample events (a dev value, not a credential).
pub const SECRET: &str = "local-dev-secret";
pub const API_KEY: &str = "sim-api-key";

/// Which dedup adapter a harness uses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Store {
    Memory,
    Dynamo,
}

pub struct Harness {
    pub fd: FreshdeskSim,
    pub simpli: SimpliSim,
    pub fd_addr: SocketAddr,
    pub simpli_addr: SocketAddr,
    pub store: Arc<dyn DedupStore>,
    pub app: Arc<App>,
}

impl Harness {
    /// The demo account, Simpli stand-ins, default configuration.
    pub async fn start(store: Store) -> Harness {
        Self::with(FreshdeskSim::seeded_demo(API_KEY), SimpliSim::new(), store, &[]).await
    }

    pub async fn with(fd: FreshdeskSim, simpli: SimpliSim, store: Store, env: &[(&str, &str)]) -> Harness {
        log_scan::capture_logs();
        let fd_addr = fd.start(0).await.expect("start freshdesk sim");
        let simpli_addr = simpli.start(0).await.expect("start simpli sim");
        let store: Arc<dyn DedupStore> = match store {
            Store::Memory => Arc::new(MemoryDedupStore::new()),
            Store::Dynamo => Arc::new(dynamo_store().await),
        };
        let app = Arc::new(build_app(fd_addr, simpli_addr, store.clone(), env));
        Harness {
            fd,
            simpli,
            fd_addr,
            simpli_addr,
            store,
            app,
        }
    }

    /// Another container of the same deployment: its own clients and caches, the same store.
    pub fn container(&self, env: &[(&str, &str)]) -> Arc<App> {
        Arc::new(build_app(self.fd_addr, self.simpli_addr, self.store.clone(), env))
    }

    /// Every Freshdesk and Simpli request so far (for "zero outbound calls" checks).
    pub fn outbound_calls(&self) -> usize {
        self.fd.requests().len() + self.simpli.requests().len()
    }
}

impl Drop for Harness {
    /// What the functions logged in this test binary so far must hold no secret and no ticket body.
    fn drop(&mut self) {
        log_scan::assert_no_leaks("an in-process function", &log_scan::captured());
    }
}

/// The variables that point a function at the simulators, with the sample events' secret.
pub fn sim_env(fd_addr: SocketAddr, simpli_addr: SocketAddr) -> Vec<(String, String)> {
    let mut pairs = sim::bridge_env_one_simpli(fd_addr, API_KEY, simpli_addr);
    pairs.push(("WEBHOOK_SECRET".into(), SECRET.into()));
    pairs
}

/// The configuration a deployed function would get, pointed at the local servers.
pub fn config_for(fd_addr: SocketAddr, simpli_addr: SocketAddr, env: &[(&str, &str)]) -> Config {
    let mut pairs = sim_env(fd_addr, simpli_addr);
    pairs.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    Config::from_lookup(|name| pairs.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
        .expect("test config")
}

pub fn build_app(
    fd_addr: SocketAddr,
    simpli_addr: SocketAddr,
    store: Arc<dyn DedupStore>,
    env: &[(&str, &str)],
) -> App {
    let config = config_for(fd_addr, simpli_addr, env);
    let secrets = Secrets {
        freshdesk_api_key: API_KEY.to_string().into(),
        webhook_secret: Some(SECRET.to_string().into()),
        simpli_api_key: None,
    };
    App::with_parts(config, secrets, store, None).expect("app")
}

/// `events/<name>` from the workspace root.
pub fn event(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("events")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A sample event with another body (plain text, as API Gateway v2 delivers it).
pub fn with_body(mut event: Value, body: &str) -> Value {
    event["body"] = Value::String(body.to_string());
    event["isBase64Encoded"] = Value::Bool(false);
    event
}

/// A sample event with one header replaced (`None` removes it).
pub fn with_header(mut event: Value, name: &str, value: Option<&str>) -> Value {
    for key in ["headers", "multiValueHeaders"] {
        if let Some(map) = event.get_mut(key).and_then(Value::as_object_mut) {
            let existing: Vec<String> = map.keys().filter(|k| k.eq_ignore_ascii_case(name)).cloned().collect();
            for k in existing {
                map.remove(&k);
            }
            if let Some(v) = value {
                let v = if key == "multiValueHeaders" {
                    Value::from(vec![v])
                } else {
                    Value::from(v)
                };
                map.insert(name.to_string(), v);
            }
        }
    }
    event
}

/// A Lambda context with `secs` left before the deadline.
pub fn context(secs: u64) -> lambda_runtime::Context {
    let mut ctx = lambda_runtime::Context::default();
    ctx.deadline = shared::setup::clock::now_ms() + secs * 1000;
    ctx.request_id = format!("test-{}", fastrand::u64(..));
    ctx
}

/// Runs the function's real Lambda handler on `event`; returns (status, parsed body).
pub async fn invoke<J: Job>(app: &App, job: &J, event: Value) -> (u16, Value) {
    let out = shared::runtime::handle(app, job, event, context(60))
        .await
        .expect("handler result");
    let status = out["statusCode"].as_u64().expect("statusCode") as u16;
    let body = out["body"]
        .as_str()
        .map(|b| serde_json::from_str(b).expect("JSON body"))
        .unwrap_or(Value::Null);
    (status, body)
}

/// The DynamoDB-compatible server the tests use (moto, started by `scripts/test.sh`).
pub fn dynamo_endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL_DYNAMODB")
        .or_else(|_| std::env::var("AWS_ENDPOINT_URL"))
        .expect("no DynamoDB endpoint: run the tests with scripts/test.sh (it starts moto) or set AWS_ENDPOINT_URL_DYNAMODB")
}

pub fn dynamo_client() -> aws_sdk_dynamodb::Client {
    let creds = aws_sdk_dynamodb::config::Credentials::new("test", "test", None, None, "tests");
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
        .credentials_provider(creds)
        .endpoint_url(dynamo_endpoint())
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

/// A fresh table shaped like the template's (pk, TTL on `expires_at`).
pub async fn create_table(client: &aws_sdk_dynamodb::Client) -> String {
    let name = create_table_without_ttl(client, "dedup").await;
    client
        .update_time_to_live()
        .table_name(&name)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .enabled(true)
                .attribute_name("expires_at")
                .build()
                .expect("ttl"),
        )
        .send()
        .await
        .expect("ttl");
    name
}

/// A fresh table with the template's key (pk) but no TTL: its items would never expire.
pub async fn create_table_without_ttl(client: &aws_sdk_dynamodb::Client, prefix: &str) -> String {
    let name = format!("{prefix}-{}", fastrand::u64(..));
    client
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("pk")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .expect("attr"),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("pk")
                .key_type(KeyType::Hash)
                .build()
                .expect("key"),
        )
        .send()
        .await
        .expect("create table");
    name
}

pub async fn dynamo_store() -> DynamoDedupStore {
    let client = dynamo_client();
    let table = create_table(&client).await;
    DynamoDedupStore::new(client, table)
}
pub mod dedup_suite;
pub mod hooked_store;
pub mod log_scan;
pub mod ops_cli;
pub mod runtime_api;

/// Adds `n` new tickets (ids from `first_id`), in the shapes of the demo account's four
/// tickets (refund, app crash, angry late order, invoice), with the demo contacts as
/// requesters. Returns their ids.
pub fn seed_tickets(fd: &FreshdeskSim, first_id: u64, n: usize) -> Vec<u64> {
    let shapes = [
        (
            "Refund not received",
            "<div>I returned order #5512 two weeks ago and the courier confirmed delivery. I still have not received my refund of $84.90.</div><div>Could you check when the money will be back on my card?</div>",
            1,
            5001,
        ),
        (
            "App crashes on login",
            "<div>Every time I try to log in on the Android app (v4.2.1) it crashes right after I tap \"Sign in\". I already reinstalled it twice.</div>",
            2,
            5002,
        ),
        (
            "Where is my order?!",
            "<div>My order #7731 was supposed to arrive last Monday. Tracking has not moved for 6 days. Worst delivery experience ever, I am furious.</div>",
            1,
            5003,
        ),
        (
            "Cannot download my invoice",
            "<div>Hello, the invoice download button in my account does nothing. I need the April invoice for my accountant.</div>",
            7,
            5004,
        ),
    ];
    (0..n)
        .map(|i| {
            let (subject, description, source, requester) = shapes[i % shapes.len()];
            let id = first_id + i as u64;
            fd.add_ticket(json!({
                "id": id, "subject": format!("{subject} ({id})"), "description": description,
                "status": 2, "priority": 1, "source": source, "requester_id": requester,
                "tags": ["bench"], "created_at": "2024-05-02T09:14:07Z", "updated_at": "2024-05-02T09:14:07Z",
            }))
        })
        .collect()
}
