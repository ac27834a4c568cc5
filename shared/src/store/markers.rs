//! Markers: plain values without expiry, kept beside the dedup records in the same table
//! (kb-sync's per-article `updated_at` last pushed, and its cursor). A port of its own, so a
//! job that only needs markers does not see claims, and a claim never touches a marker.

use super::DedupError;

#[async_trait::async_trait]
pub trait MarkerStore: Send + Sync + std::fmt::Debug {
    async fn get_marker(&self, key: &str) -> Result<Option<String>, DedupError>;
    async fn put_marker(&self, key: &str, value: &str) -> Result<(), DedupError>;
}
