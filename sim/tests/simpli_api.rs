//! Black-box tests of the Simpli stand-ins: strict validation, API-key auth,
//! deterministic answers, overrides, fault injection and the request log.

use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};
use sim::SimpliSim;

async fn start(sim: &SimpliSim) -> String {
    format!("http://{}", sim.start(0).await.expect("bind"))
}

async fn post(base: &str, path: &str, body: Value) -> Response {
    Client::new()
        .post(format!("{base}{path}"))
        .header("x-request-id", "req-1")
        .json(&body)
        .send()
        .await
        .expect("request")
}

async fn json_of(r: Response) -> Value {
    r.json().await.expect("json body")
}

#[tokio::test]
async fn analyze_rejects_bad_customer_id_and_text_length() {
    let sim = SimpliSim::new();
    let base = start(&sim).await;
    let email = post(
        &base,
        "/analyze",
        json!({"customer_id": "dana@example.com", "text": "hi"}),
    )
    .await;
    assert_eq!(email.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = json_of(email).await;
    assert_eq!(body["error_code"], "VALIDATION_ERROR");
    assert_eq!(body["errors"][0]["field"], "customer_id");
    let empty = post(&base, "/analyze", json!({"customer_id": "5001", "text": ""})).await;
    assert_eq!(json_of(empty).await["errors"][0]["field"], "text");
    let long_ok = post(
        &base,
        "/analyze",
        json!({"customer_id": "5001", "text": "é".repeat(10_000)}),
    )
    .await;
    assert_eq!(long_ok.status(), StatusCode::OK, "length counts characters, not bytes");
    let too_long = post(
        &base,
        "/analyze",
        json!({"customer_id": "5001", "text": "a".repeat(10_001)}),
    )
    .await;
    assert_eq!(too_long.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let channel = post(
        &base,
        "/analyze",
        json!({"customer_id": "5001", "text": "x", "channel": "portal"}),
    )
    .await;
    assert_eq!(json_of(channel).await["errors"][0]["field"], "channel");
    let numeric = post(&base, "/analyze", json!({"customer_id": 5001, "text": "x"})).await;
    assert_eq!(
        numeric.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "no int-to-string coercion"
    );
}

#[tokio::test]
async fn other_endpoints_validate_their_bodies() {
    let sim = SimpliSim::new();
    let base = start(&sim).await;
    let cases = [
        ("/classify", json!({"subject": "", "body": "  "})),
        ("/classify", json!({"subject": 5})),
        ("/route", json!({"ticket_id": 101, "category": "billing"})),
        ("/api/v1/draft", json!({"ticket_id": "101", "conversation": []})),
        (
            "/api/v1/draft",
            json!({"ticket_id": "101", "conversation": [{"role": "bot", "content": "x"}]}),
        ),
        (
            "/evaluate",
            json!({"conversation_id": "1", "agent_id": "2", "messages": [{"role": "agent"}]}),
        ),
        ("/articles", json!({"title": "", "content": "x"})),
        ("/articles", json!({"title": "t", "content": "x", "tags": "a,b"})),
    ];
    for (path, body) in cases {
        let r = post(&base, path, body.clone()).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{path} {body}");
    }
    let not_json = Client::new()
        .post(format!("{base}/classify"))
        .header("content-type", "application/json")
        .body("{oops")
        .send()
        .await
        .expect("send");
    assert_eq!(not_json.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let extra = post(&base, "/classify", json!({"subject": "Refund", "unknown": true})).await;
    assert_eq!(extra.status(), StatusCode::OK, "unknown fields are ignored");
}

#[tokio::test]
async fn api_key_is_required_except_for_health() {
    let sim = SimpliSim::with_api_key("s3cret");
    let base = start(&sim).await;
    let denied = post(&base, "/classify", json!({"subject": "hi"})).await;
    assert_eq!(denied.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(json_of(denied).await["error_code"], "AUTHENTICATION_ERROR");
    let health = Client::new().get(format!("{base}/health")).send().await.expect("send");
    assert_eq!(json_of(health).await, json!({"status": "ok"}));
    let allowed = Client::new()
        .post(format!("{base}/classify"))
        .header("x-api-key", "s3cret")
        .json(&json!({"subject": "hi"}))
        .send()
        .await
        .expect("send");
    assert_eq!(allowed.status(), StatusCode::OK);
}

#[tokio::test]
async fn answers_are_deterministic_keyword_heuristics() {
    let sim = SimpliSim::new();
    sim.set_route_group("billing", 42);
    let base = start(&sim).await;
    let c = json_of(
        post(
            &base,
            "/classify",
            json!({"subject": "Refund not received", "body": "where is my money"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        c,
        json!({"category": "billing", "urgency": "medium", "sentiment": "negative", "confidence": 0.87})
    );
    let r = json_of(post(&base, "/route", json!({"ticket_id": "101", "category": "billing"})).await).await;
    assert_eq!(
        (r["team"].clone(), r["group_id"].clone()),
        (json!("billing-team"), json!(42))
    );
    let other = json_of(
        post(
            &base,
            "/route",
            json!({"ticket_id": "1", "category": "general_inquiry"}),
        )
        .await,
    )
    .await;
    assert!(other.get("group_id").is_none());
    let d = json_of(
        post(
            &base,
            "/api/v1/draft",
            json!({"ticket_id": "101",
        "conversation": [{"role": "customer", "content": "My refund <b>is late</b>"}]}),
        )
        .await,
    )
    .await;
    assert_eq!(d["draft_id"], "d_1");
    assert!(d["draft"]
        .as_str()
        .is_some_and(|t| t.contains("<b>is late</b>") && t.starts_with("Hi there,\n")));
    let a = json_of(
        post(
            &base,
            "/analyze",
            json!({"customer_id": "5003", "text": "Third time! Unacceptable.", "channel": "email"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (a["label"].clone(), a["escalation_risk"].clone()),
        (json!("negative"), json!(0.8))
    );
    let q = json_of(
        post(
            &base,
            "/evaluate",
            json!({"conversation_id": "104", "agent_id": "9102",
        "messages": [{"role": "customer", "content": "hi"}, {"role": "agent", "content": "hello"}]}),
        )
        .await,
    )
    .await;
    assert_eq!(q["overall_score"], 0.82);
    let created = post(
        &base,
        "/articles",
        json!({"title": "How refunds work", "content": "x", "tags": ["billing"], "source": "freshdesk-solutions"}),
    )
    .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(json_of(created).await["id"], "kb_1");
    assert_eq!(sim.articles().len(), 1);
    let gaps = Client::new().get(format!("{base}/gaps")).send().await.expect("send");
    assert_eq!(
        json_of(gaps).await,
        json!({"gaps": []}),
        "billing is covered by the stored article"
    );
}

#[tokio::test]
async fn overrides_faults_and_request_ids() {
    let sim = SimpliSim::new();
    let base = start(&sim).await;
    sim.set_response(
        "/api/v1/draft",
        json!({"draft_id": "d_x", "draft": "<script>alert(1)</script>", "confidence": 0.9}),
    );
    sim.inject("/classify", 503, 2);
    let draft_body = json!({"ticket_id": "1", "conversation": [{"role": "customer", "content": "hi"}]});
    let d = post(&base, "/api/v1/draft", draft_body).await;
    assert_eq!(
        d.headers().get("x-request-id").and_then(|v| v.to_str().ok()),
        Some("req-1")
    );
    assert_eq!(json_of(d).await["draft"], "<script>alert(1)</script>");
    for _ in 0..2 {
        let r = post(&base, "/classify", json!({"subject": "hi"})).await;
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        let body = json_of(r).await;
        assert_eq!(body["error_code"], "SERVICE_UNAVAILABLE");
        assert_eq!(body["request_id"], "req-1");
    }
    assert_eq!(
        post(&base, "/classify", json!({"subject": "hi"})).await.status(),
        StatusCode::OK
    );
    assert_eq!(sim.count("/classify"), 3);
    let log = sim.requests();
    assert_eq!(log[0].request_id.as_deref(), Some("req-1"));
    assert_eq!(
        log.iter().map(|r| r.status).collect::<Vec<_>>(),
        vec![200, 503, 503, 200]
    );
    assert_eq!(log[1].body, json!({"subject": "hi"}));
}

#[tokio::test]
async fn delay_slows_one_path_only() {
    let sim = SimpliSim::new();
    let base = start(&sim).await;
    sim.set_delay("/analyze", std::time::Duration::from_millis(250));
    let other = post(&base, "/classify", json!({"subject": "hi"})).await;
    assert_eq!(other.headers().get(sim::DELAY_HEADER), None, "no delay on another path");
    let delayed = post(&base, "/analyze", json!({"customer_id": "1", "text": "hi"})).await;
    assert_eq!(
        delayed.headers().get(sim::DELAY_HEADER).and_then(|v| v.to_str().ok()),
        Some("250"),
        "the delay was applied"
    );
}
