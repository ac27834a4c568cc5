//! Lambda entry of reconcile (wiring only).

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::run_scheduled_with(reconcile::Reconcile::from_env).await
}
