//! The local stand-in for API Gateway: an axum server that routes by path to the functions'
//! real handlers. Each webhook route calls [`shared::runtime::entry::webhook`], the same entry the
//! Lambda's HTTP side calls, so auth, parsing, dedup and the answers are the deployed ones.
//!
//! | route | handler |
//! |---|---|
//! | `POST /freshdesk/ticket-created` | `ticket_created::TicketCreated` |
//! | `POST /freshdesk/customer-replied` | `customer_replied::CustomerReplied` |
//! | `POST /freshdesk/ticket-resolved` | `ticket_resolved::TicketResolved` |
//! | `POST /kb-sync` | `kb_sync::KbSync` (EventBridge schedule when deployed; same secret here) |
//! | `POST /reconcile` | `reconcile::Reconcile`, jobs inline, tag [`RECONCILE_TAG`] (schedule when deployed) |
//! | `GET /health` | `{"status":"ok"}` |

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use http::{HeaderMap, Method, StatusCode};
use serde_json::{json, Value};
use shared::runtime::Scheduled;
use shared::{App, Job};
use tokio::net::TcpListener;

/// What API Gateway allows a request (the entry caps inline jobs below it).
pub const REQUEST_BUDGET: Duration = Duration::from_secs(30);
/// The kb-sync function's timeout in the SAM template.
pub const KB_SYNC_BUDGET: Duration = Duration::from_secs(120);

/// The sandbox's `RECONCILE_TAG`: the tag its creation rule would add beside the webhook.
pub const RECONCILE_TAG: &str = "simpli-bridge";

/// The webhook paths and the event each one serves.
pub const WEBHOOK_ROUTES: [(&str, &str); 3] = [
    ("/freshdesk/ticket-created", "ticket-created"),
    ("/freshdesk/customer-replied", "customer-replied"),
    ("/freshdesk/ticket-resolved", "ticket-resolved"),
];

struct Bridge {
    app: Arc<App>,
    kb_sync: kb_sync::KbSync,
    reconcile: reconcile::Reconcile,
    requests: AtomicU64,
}

impl Bridge {
    /// API Gateway's request id: taken from `X-Request-ID` when the caller sent one.
    fn request_id(&self, headers: &HeaderMap) -> String {
        match headers.get("x-request-id").and_then(|v| v.to_str().ok()) {
            Some(id) if !id.trim().is_empty() => id.trim().to_string(),
            _ => format!("local-{}", self.requests.fetch_add(1, Ordering::Relaxed) + 1),
        }
    }
}

/// The routes above, over one app (one "container" serving every function).
pub fn router(app: Arc<App>) -> Router {
    let state = Arc::new(Bridge {
        app,
        kb_sync: kb_sync::KbSync::default(),
        reconcile: reconcile::Reconcile::new(shared::recover::ReconcileSettings {
            tag: Some(RECONCILE_TAG.into()),
            ..Default::default()
        }),
        requests: AtomicU64::new(0),
    });
    Router::new()
        .route(
            WEBHOOK_ROUTES[0].0,
            any(|s: State<Arc<Bridge>>, m: Method, h: HeaderMap, b: Bytes| {
                webhook(s, m, h, b, ticket_created::TicketCreated)
            }),
        )
        .route(
            WEBHOOK_ROUTES[1].0,
            any(|s: State<Arc<Bridge>>, m: Method, h: HeaderMap, b: Bytes| {
                webhook(s, m, h, b, customer_replied::CustomerReplied)
            }),
        )
        .route(
            WEBHOOK_ROUTES[2].0,
            any(|s: State<Arc<Bridge>>, m: Method, h: HeaderMap, b: Bytes| {
                webhook(s, m, h, b, ticket_resolved::TicketResolved)
            }),
        )
        .route("/kb-sync", post(run_kb_sync))
        .route("/reconcile", post(run_reconcile))
        .route("/health", get(|| async { Json(json!({"status": "ok"})) }))
        .fallback(|| async {
            answer(
                404,
                json!({"error": "no such route: use POST /freshdesk/<event> or POST /kb-sync"}),
            )
        })
        .with_state(state)
}

/// Binds `127.0.0.1:port` (0 = ephemeral) and serves the bridge in a spawned task.
pub async fn start(app: Arc<App>, port: u16) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    let routes = router(app);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, routes).await {
            tracing::error!(error = %e, "sandbox bridge stopped");
        }
    });
    Ok(addr)
}

async fn webhook<J: Job>(
    State(bridge): State<Arc<Bridge>>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
    job: J,
) -> Response {
    let deadline = Instant::now() + REQUEST_BUDGET;
    let request_id = bridge.request_id(&headers);
    let reply =
        shared::runtime::entry::webhook(&bridge.app, &job, &method, &headers, &body, deadline, &request_id).await;
    answer(reply.status, reply.body)
}

/// Runs kb-sync now. Deployed, only EventBridge can start it; here the route wants the webhook
/// secret, so a tunnelled sandbox does not let anyone spend the account's API credits.
async fn run_kb_sync(State(bridge): State<Arc<Bridge>>, headers: HeaderMap) -> Response {
    if let Err(refusal) = shared::runtime::webhook::authorize(&headers, bridge.app.webhook_secret()) {
        tracing::warn!(event = kb_sync::KbSync::NAME, "request refused: {refusal}");
        let refused = shared::runtime::answer::HttpAnswer::refused(&refusal);
        return answer(refused.status, refused.body);
    }
    match bridge.kb_sync.run(&bridge.app, Instant::now() + KB_SYNC_BUDGET).await {
        Ok(summary) => answer(200, summary),
        Err(e) if e.is_retryable() => answer(503, json!({"status": "retry", "error": e.to_string()})),
        Err(e) => answer(500, json!({"status": "failed", "error": e.to_string()})),
    }
}

/// Runs a reconcile sweep now (the same secret as `/kb-sync`).
async fn run_reconcile(State(bridge): State<Arc<Bridge>>, headers: HeaderMap) -> Response {
    if let Err(refusal) = shared::runtime::webhook::authorize(&headers, bridge.app.webhook_secret()) {
        let refused = shared::runtime::answer::HttpAnswer::refused(&refusal);
        return answer(refused.status, refused.body);
    }
    match bridge.reconcile.run(&bridge.app, Instant::now() + KB_SYNC_BUDGET).await {
        Ok(summary) => answer(200, summary),
        Err(e) if e.is_retryable() => answer(503, json!({"status": "retry", "error": e.to_string()})),
        Err(e) => answer(500, json!({"status": "failed", "error": e.to_string()})),
    }
}

fn answer(status: u16, body: Value) -> Response {
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        Json(body),
    )
        .into_response()
}
