//! The Lambda Runtime API of one function, served on 127.0.0.1: the `next` long-poll, the
//! `response` and `error` posts and `/runtime/init/error`. It exists so a test can invoke a real
//! function binary the way Lambda does and tell an answer from an error, a crash or a hang.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};
use shared::setup::clock::now_ms;
use tokio::sync::{mpsc, oneshot};

use super::{lock, ACCOUNT, REGION};

/// Extra time an invoker waits past the deadline for a late answer.
const INVOKE_GRACE: Duration = Duration::from_millis(1500);
/// How long an invocation may wait for a free function instance before it counts as throttled.
const MAX_QUEUE_WAIT: Duration = Duration::from_secs(60);

/// Why an invocation has no answer.
#[derive(Debug, Clone, PartialEq)]
pub enum InvokeError {
    /// The function reported an error (`POST /invocation/{id}/error`).
    Function { error_type: String, body: Value },
    /// No answer by the deadline (plus a little grace): a crash, a hang or a timeout.
    TimedOut,
    /// No function instance took the invocation in time (none running).
    NotStarted,
}

struct Pending {
    id: String,
    event: Value,
    timeout: Duration,
}

struct Waiter {
    started: Option<oneshot::Sender<()>>,
    done: oneshot::Sender<Result<Value, InvokeError>>,
}

struct Inner {
    tx: mpsc::UnboundedSender<Pending>,
    rx: tokio::sync::Mutex<mpsc::UnboundedReceiver<Pending>>,
    waiting: Mutex<HashMap<String, Waiter>>,
    init_errors: Mutex<Vec<Value>>,
    function_arn: String,
    polls: AtomicUsize,
    next_id: AtomicU64,
}

/// The Lambda Runtime API of one function (any number of instances may poll it).
#[derive(Clone)]
pub struct RuntimeApi {
    addr: SocketAddr,
    inner: Arc<Inner>,
}

impl RuntimeApi {
    /// Serves on 127.0.0.1 (ephemeral port) for the rest of the tokio runtime's life.
    pub async fn start(function_name: &str) -> io::Result<Self> {
        let (tx, rx) = mpsc::unbounded_channel();
        let inner = Arc::new(Inner {
            tx,
            rx: tokio::sync::Mutex::new(rx),
            waiting: Mutex::new(HashMap::new()),
            init_errors: Mutex::new(Vec::new()),
            function_arn: format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}"),
            polls: AtomicUsize::new(0),
            next_id: AtomicU64::new(1),
        });
        let router = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route("/2018-06-01/runtime/invocation/{id}/response", post(respond))
            .route("/2018-06-01/runtime/invocation/{id}/error", post(fail))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, router).await {
                eprintln!("runtime API stand-in stopped: {e}");
            }
        });
        Ok(Self { addr, inner })
    }

    /// `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn endpoint(&self) -> String {
        self.addr.to_string()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `GET /next` requests received so far (each running instance keeps one open while idle).
    pub fn polls(&self) -> usize {
        self.inner.polls.load(Ordering::SeqCst)
    }

    /// What functions reported through `/runtime/init/error`.
    pub fn init_errors(&self) -> Vec<Value> {
        lock(&self.inner.init_errors).clone()
    }

    /// Invokes the function with `event`; the deadline is `timeout` after an instance takes it.
    pub async fn invoke(&self, event: Value, timeout: Duration) -> Result<Value, InvokeError> {
        let n = self.inner.next_id.fetch_add(1, Ordering::SeqCst);
        let id = format!(
            "{:08x}-{:04x}-4000-8000-{:012x}",
            fastrand::u32(..),
            n & 0xffff,
            fastrand::u64(..) & 0xffff_ffff_ffff
        );
        let (started_tx, started_rx) = oneshot::channel();
        let (done_tx, done_rx) = oneshot::channel();
        lock(&self.inner.waiting).insert(
            id.clone(),
            Waiter {
                started: Some(started_tx),
                done: done_tx,
            },
        );
        let _ = self.inner.tx.send(Pending {
            id: id.clone(),
            event,
            timeout,
        });
        let result = async {
            if tokio::time::timeout(MAX_QUEUE_WAIT, started_rx).await.is_err() {
                return Err(InvokeError::NotStarted);
            }
            match tokio::time::timeout(timeout + INVOKE_GRACE, done_rx).await {
                Ok(Ok(answer)) => answer,
                _ => Err(InvokeError::TimedOut),
            }
        }
        .await;
        lock(&self.inner.waiting).remove(&id);
        result
    }
}

async fn next(State(inner): State<Arc<Inner>>) -> Response {
    inner.polls.fetch_add(1, Ordering::SeqCst);
    loop {
        let pending = inner.rx.lock().await.recv().await;
        let Some(p) = pending else {
            return (StatusCode::INTERNAL_SERVER_ERROR, "runtime API closed").into_response();
        };
        // An invocation whose caller gave up is not handed out any more.
        let started = match lock(&inner.waiting).get_mut(&p.id) {
            Some(w) => w.started.take(),
            None => continue,
        };
        if let Some(s) = started {
            let _ = s.send(());
        }
        let deadline = now_ms() + p.timeout.as_millis() as u64;
        let trace = format!(
            "Root=1-{:08x}-{:024x};Parent={:016x};Sampled=0",
            now_ms() / 1000,
            fastrand::u128(..) >> 32,
            fastrand::u64(..)
        );
        let mut response = (StatusCode::OK, p.event.to_string()).into_response();
        let headers = response.headers_mut();
        for (name, value) in [
            ("content-type", "application/json".to_string()),
            ("lambda-runtime-aws-request-id", p.id.clone()),
            ("lambda-runtime-deadline-ms", deadline.to_string()),
            ("lambda-runtime-invoked-function-arn", inner.function_arn.clone()),
            ("lambda-runtime-trace-id", trace),
        ] {
            if let Ok(v) = value.parse() {
                headers.insert(name, v);
            }
        }
        return response;
    }
}

fn json_or_text(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
}

fn settle(inner: &Inner, id: &str, result: Result<Value, InvokeError>) -> Response {
    match lock(&inner.waiting).remove(id) {
        Some(w) => {
            let _ = w.done.send(result);
            (StatusCode::ACCEPTED, axum::Json(json!({"status": "OK"}))).into_response()
        }
        None => (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"errorType": "InvalidRequestID", "errorMessage": "unknown or expired request id"})),
        )
            .into_response(),
    }
}

async fn respond(State(inner): State<Arc<Inner>>, UrlPath(id): UrlPath<String>, body: Bytes) -> Response {
    settle(&inner, &id, Ok(json_or_text(&body)))
}

async fn fail(
    State(inner): State<Arc<Inner>>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = json_or_text(&body);
    let error_type = headers
        .get("lambda-runtime-function-error-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| body.get("errorType").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| "Unhandled".into());
    settle(&inner, &id, Err(InvokeError::Function { error_type, body }))
}

async fn init_error(State(inner): State<Arc<Inner>>, body: Bytes) -> Response {
    lock(&inner.init_errors).push(json_or_text(&body));
    (StatusCode::ACCEPTED, axum::Json(json!({"status": "OK"}))).into_response()
}
