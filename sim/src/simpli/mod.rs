//! `SimpliSim`: stand-ins for the five Simpli services (Triage, Reply,
//! Sentiment, QA, KB) on one axum server. Bodies are validated as strictly as
//! the real FastAPI services (422 with `errors:[{field,message}]`), answers are
//! deterministic keyword heuristics, and the handle lets tests override
//! answers, inject failures and latency, and read the request log.

mod answers;
mod barrier;
mod server;
mod validate;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::Value;
use tokio::net::TcpListener;

/// Words the Sentiment stand-in counts as negative (matched as substrings of
/// the lower-cased text); each one lowers the score and raises the risk.
pub use answers::NEGATIVE as NEGATIVE_WORDS;

/// One request the services received.
#[derive(Clone, Debug)]
pub struct SimpliRequest {
    pub method: String,
    /// Path without query, e.g. `/classify`.
    pub path: String,
    /// JSON body; `Value::Null` when empty, `Value::String` when not JSON.
    pub body: Value,
    /// The `X-Request-ID` the caller sent.
    pub request_id: Option<String>,
    /// The `X-API-Key` the caller sent.
    pub api_key: Option<String>,
    pub status: u16,
}

#[derive(Debug, Default)]
pub(crate) struct SimpliState {
    pub api_key: Option<String>,
    pub log: Vec<SimpliRequest>,
    pub overrides: HashMap<String, Value>,
    /// (path, status, remaining uses), consumed in order.
    pub faults: Vec<(String, u16, usize)>,
    pub delays: HashMap<String, Duration>,
    pub articles: Vec<Value>,
    pub route_groups: HashMap<String, u64>,
    pub barrier: Option<barrier::Barrier>,
    pub next_draft: u64,
    pub next_article: u64,
    pub next_request: u64,
}

/// Handle to the Simpli stand-ins (clone freely; clones share state).
#[derive(Clone, Debug, Default)]
pub struct SimpliSim {
    inner: Arc<Mutex<SimpliState>>,
}

fn norm(path: &str) -> String {
    if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    }
}

impl SimpliSim {
    /// Services that accept any caller (no API key configured).
    pub fn new() -> Self {
        Self::default()
    }

    /// Services that require `X-API-Key: key` (except `/health`).
    pub fn with_api_key(key: &str) -> Self {
        let sim = Self::new();
        sim.state().api_key = Some(key.to_string());
        sim
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, SimpliState> {
        crate::util::lock(&self.inner)
    }

    /// Bind `127.0.0.1:port` (0 = ephemeral), serve in a spawned task, return
    /// the address. Use `http://{addr}` as every `*_URL` of the bridge.
    pub async fn start(&self, port: u16) -> std::io::Result<SocketAddr> {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let app = self.router();
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "simpli simulator stopped");
            }
        });
        Ok(addr)
    }

    /// Serve on an existing listener until the future is dropped.
    pub async fn serve(&self, listener: TcpListener) -> std::io::Result<()> {
        axum::serve(listener, self.router()).await
    }

    /// The axum router, for embedding in another server.
    pub fn router(&self) -> axum::Router {
        server::router(self.clone())
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<SimpliRequest> {
        self.state().log.clone()
    }

    /// Requests to this path (any method, any status).
    pub fn count(&self, path: &str) -> usize {
        let path = norm(path);
        self.state().log.iter().filter(|r| r.path == path).count()
    }

    /// Forget the request log.
    pub fn reset_log(&self) {
        self.state().log.clear();
    }

    /// Answer valid requests to `path` with this body instead of the computed
    /// one (e.g. a draft containing `<script>`).
    pub fn set_response(&self, path: &str, body: Value) {
        self.state().overrides.insert(norm(path), body);
    }

    /// Back to computed answers for `path`.
    pub fn clear_response(&self, path: &str) {
        self.state().overrides.remove(&norm(path));
    }

    /// The next `times` requests to `path` get `status` with the standard
    /// error body (429 also carries `Retry-After: 1`), then normal service.
    pub fn inject(&self, path: &str, status: u16, times: usize) {
        self.state().faults.push((norm(path), status, times));
    }

    /// Delay every request to `path` (zero removes the delay).
    pub fn set_delay(&self, path: &str, delay: Duration) {
        let mut st = self.state();
        if delay.is_zero() {
            st.delays.remove(&norm(path));
        } else {
            st.delays.insert(norm(path), delay);
        }
    }

    /// Make `/route` return `group_id` for this category (besides `team`).
    pub fn set_route_group(&self, category: &str, group_id: u64) {
        self.state().route_groups.insert(category.to_string(), group_id);
    }

    /// Articles stored through `POST /articles`, in order.
    pub fn articles(&self) -> Vec<Value> {
        self.state().articles.clone()
    }
}
