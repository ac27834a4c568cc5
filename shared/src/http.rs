//! The HTTP client for Freshdesk and Simpli, built on first use rather than at cold start.
//!
//! Building it loads the platform's root certificates (~150 files, several ms of CPU). A
//! container that only answers webhooks in queue mode never calls Freshdesk or Simpli, and a
//! job container needs it only once its first job starts — so the cold start stays short.

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
                    .pool_idle_timeout(Duration::from_secs(50))
                    .user_agent(concat!("simpli-freshdesk/", env!("CARGO_PKG_VERSION")))
                    .build()
                    .map_err(|e| format!("http client: {e}"))
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}
