//! A dedup store that wraps a real one and lets a test put something between the steps of a
//! run: an action just before each claim (what another attempt did meanwhile), or a pause on
//! each marker read (a slow table). It also counts the writes a run makes to the table.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use shared::store::{Claim, ClaimOutcome, DedupError, DedupRecord, DedupStore, MarkerStore, MemoryDedupStore};

type Hook = Box<dyn Fn() + Send + Sync>;

pub struct HookedStore {
    inner: Arc<dyn DedupStore>,
    before_claim: Option<Hook>,
    marker_read_delay: Duration,
    writes: AtomicUsize,
}

impl HookedStore {
    /// Wraps an in-memory store that behaves as usual until hooks are added.
    pub fn new() -> Self {
        Self::wrapping(Arc::new(MemoryDedupStore::new()))
    }

    pub fn wrapping(inner: Arc<dyn DedupStore>) -> Self {
        Self {
            inner,
            before_claim: None,
            marker_read_delay: Duration::ZERO,
            writes: AtomicUsize::new(0),
        }
    }

    /// Runs `hook` just before each claim reaches the store.
    pub fn before_claim(mut self, hook: impl Fn() + Send + Sync + 'static) -> Self {
        self.before_claim = Some(Box::new(hook));
        self
    }

    /// Claims, steps, releases, completions and failures written so far.
    pub fn writes(&self) -> usize {
        self.writes.load(Ordering::SeqCst)
    }

    fn wrote(&self) {
        self.writes.fetch_add(1, Ordering::SeqCst);
    }

    /// Pauses each marker read for `delay`.
    pub fn slow_marker_reads(mut self, delay: Duration) -> Self {
        self.marker_read_delay = delay;
        self
    }
}

impl Default for HookedStore {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for HookedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HookedStore")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl DedupStore for HookedStore {
    async fn claim(&self, key: &str, now_ms: u64, lease: Duration, ttl: Duration) -> Result<ClaimOutcome, DedupError> {
        if let Some(hook) = &self.before_claim {
            hook();
        }
        self.wrote();
        self.inner.claim(key, now_ms, lease, ttl).await
    }
    async fn record_step(&self, claim: &Claim, step: &str) -> Result<(), DedupError> {
        self.wrote();
        self.inner.record_step(claim, step).await
    }
    async fn release_recording(&self, claim: &Claim, steps: &BTreeSet<String>) -> Result<(), DedupError> {
        self.wrote();
        self.inner.release_recording(claim, steps).await
    }
    async fn complete(&self, claim: &Claim, outcome: &str) -> Result<(), DedupError> {
        self.wrote();
        self.inner.complete(claim, outcome).await
    }
    async fn fail_recording(&self, claim: &Claim, error: &str, steps: &BTreeSet<String>) -> Result<(), DedupError> {
        self.wrote();
        self.inner.fail_recording(claim, error, steps).await
    }
    async fn get(&self, key: &str) -> Result<Option<DedupRecord>, DedupError> {
        self.inner.get(key).await
    }
}

#[async_trait::async_trait]
impl MarkerStore for HookedStore {
    async fn get_marker(&self, key: &str) -> Result<Option<String>, DedupError> {
        tokio::time::sleep(self.marker_read_delay).await;
        self.inner.get_marker(key).await
    }
    async fn put_marker(&self, key: &str, value: &str) -> Result<(), DedupError> {
        self.inner.put_marker(key, value).await
    }
}
