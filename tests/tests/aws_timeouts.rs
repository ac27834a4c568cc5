//! Every AWS call is bounded: a DynamoDB endpoint that accepts connections and never answers
//! cannot hold a job past its deadline. The real ticket-created binary under the Runtime API
//! stand-in, inline mode, its dedup table behind a silent TCP listener on loopback.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use e2e::runtime_api::{FunctionProcess, RuntimeApi};
use sim::{FreshdeskSim, SimpliSim};

/// Accepts connections and keeps them open without a byte of answer.
async fn silent_endpoint() -> (std::net::SocketAddr, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            held.push(socket);
        }
    });
    (addr, accepted)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dynamodb_call_that_never_answers_is_cut_and_the_job_is_given_back() {
    let fd = FreshdeskSim::seeded_demo(e2e::API_KEY);
    let simpli = SimpliSim::new();
    let fd_addr = fd.start(0).await.unwrap();
    let simpli_addr = simpli.start(0).await.unwrap();
    let (silent, accepted) = silent_endpoint().await;
    let mut env = e2e::sim_env(fd_addr, simpli_addr);
    env.extend(
        [
            ("IDEMPOTENCY_TABLE", "dedup".to_string()),
            ("AWS_ENDPOINT_URL_DYNAMODB", format!("http://{silent}")),
            ("AWS_REGION", "us-east-1".to_string()),
            ("AWS_ACCESS_KEY_ID", "test".to_string()),
            ("AWS_SECRET_ACCESS_KEY", "test".to_string()),
            ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
        ]
        .map(|(k, v)| (k.to_string(), v)),
    );
    let runtime = RuntimeApi::start("ticket-created").await.unwrap();
    let worker = FunctionProcess::spawn("ticket-created", &runtime, &env).unwrap();

    // A function timeout far longer than the SDK's operation timeout: only that can end the call.
    let out = runtime
        .invoke(e2e::event("ticket-created.json"), Duration::from_secs(60))
        .await
        .unwrap_or_else(|e| panic!("no answer: {e:?}\n{}", worker.log_tail(20)));
    assert_eq!(out["statusCode"], 503, "{out}");
    let body: serde_json::Value = serde_json::from_str(out["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["status"], "retry", "{body}");
    assert!(body["error"].as_str().unwrap().contains("dedup"), "{body}");
    assert!(accepted.load(Ordering::SeqCst) >= 1, "the claim reached the endpoint");
    assert!(fd.notes(101).is_empty(), "nothing was written without a claim");
}
