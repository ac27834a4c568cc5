//! The HTTP client for Freshdesk and Simpli, built on first use rather than at cold start.
//!
//! Building it loads the platform's root certificates (~150 files, several ms of CPU). A
//! container that only answers webhooks in queue mode never calls Freshdesk or Simpli, and a
//! job container needs it only once its first job starts — so the cold start stays short.
//! It follows no redirects.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

#[derive(Clone, Debug, Default)]
pub struct LazyHttp(Arc<OnceLock<Result<reqwest::Client, String>>>);

impl LazyHttp {
    pub fn new() -> Self {
        Self::default()
    }

    /// The shared client (connection pool included), built once.
    pub fn client(&self) -> Result<&reqwest::Client, String> {
        self.0
            .get_or_init(|| {
                reqwest::Client::builder()
                    .connect_timeout(Duration::from_secs(5))
                    // A redirect would re-send the request (and its API key) somewhere we did
                    // not configure; a 3xx is an error to fix, not a hop to take.
                    .redirect(reqwest::redirect::Policy::none())
                    .pool_idle_timeout(Duration::from_secs(50))
                    .user_agent(concat!("simpli-freshdesk/", env!("CARGO_PKG_VERSION")))
                    .build()
                    .map_err(|e| format!("http client: {e}"))
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// The innermost cause of a failed request (connection refused, DNS, TLS), which says what
/// went wrong without the URL reqwest's own message carries.
pub fn root_cause(e: &reqwest::Error) -> String {
    let mut cause = if e.is_connect() {
        "connection failed"
    } else {
        "request failed"
    }
    .to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        cause = s.to_string();
        source = s.source();
    }
    cause
}
