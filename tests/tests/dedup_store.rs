//! The dedup contract on both adapters.

use e2e::dedup_suite::run_all;
use shared::store::MemoryDedupStore;

#[tokio::test]
async fn memory_adapter_meets_the_dedup_contract() {
    run_all(&MemoryDedupStore::new()).await;
}

#[tokio::test]
async fn dynamodb_adapter_meets_the_dedup_contract() {
    run_all(&e2e::dynamo_store().await).await;
}
