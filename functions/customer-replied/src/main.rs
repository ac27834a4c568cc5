//! Lambda entry of customer-replied (wiring only).

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), shared::lambda::Error> {
    shared::lambda::run(customer_replied::CustomerReplied).await
}
