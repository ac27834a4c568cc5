//! Lambda entry of kb-sync (wiring only).

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::run_scheduled(kb_sync::KbSync::default()).await
}
