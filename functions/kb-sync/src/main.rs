//! Lambda entry of kb-sync (wiring only).

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), shared::lambda::Error> {
    shared::lambda::run_scheduled(kb_sync::KbSync::default()).await
}
