//! Lambda entry of customer-replied (wiring only).

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::run(customer_replied::CustomerReplied).await
}
