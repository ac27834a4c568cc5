//! A Lambda function URL (auth type NONE, the shared secret is the auth) delivers the HTTP API
//! v2 payload with `$default` route and stage and a `*.lambda-url.<region>.on.aws` domain; the
//! function serves it like an API Gateway request, and refuses it the same way.

use e2e::runtime_api::{BedOptions, QueueBed};
use e2e::{event, invoke, with_header, Harness, Store};
use ticket_created::TicketCreated;

const EVENT: &str = "ticket-created.function-url.json";

#[test]
fn the_sample_is_a_function_url_request() {
    let ev = event(EVENT);
    let domain = ev["requestContext"]["domainName"].as_str().unwrap_or_default();
    assert!(domain.ends_with(".lambda-url.us-east-1.on.aws"), "{domain}");
    assert_eq!(ev["requestContext"]["routeKey"], "$default");
    assert_eq!(ev["requestContext"]["accountId"], "anonymous", "auth type NONE");
}

#[tokio::test]
async fn a_function_url_request_is_processed_like_an_api_gateway_one() {
    let h = Harness::start(Store::Memory).await;
    let (status, body) = invoke(&h.app, &TicketCreated, event(EVENT)).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("processed")), "{body}");
    assert_eq!(body["ticket_id"], 101);
    assert_eq!(h.fd.notes(101).len(), 1);
}

#[tokio::test]
async fn a_function_url_request_without_the_secret_is_401_with_zero_outbound_calls() {
    let h = Harness::start(Store::Memory).await;
    let (status, body) = invoke(&h.app, &TicketCreated, with_header(event(EVENT), "authorization", None)).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(h.outbound_calls(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_binary_answers_a_function_url_request_with_202_in_queue_mode() {
    let bed = QueueBed::start(BedOptions::new("ticket-created")).await;
    let worker = bed.spawn_worker();
    let out = bed
        .runtime
        .invoke(event(EVENT), bed.opts.function_timeout)
        .await
        .unwrap_or_else(|e| panic!("{e:?}\n{}", worker.log_tail(40)));
    assert_eq!(out["statusCode"], 202, "{out}");
    assert_eq!(e2e::runtime_api::queue_total(&bed.sqs, &bed.queues.url).await, 1);
}
