//! Lambda entry of ticket-created (wiring only).

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), shared::lambda::Error> {
    shared::lambda::run(ticket_created::TicketCreated).await
}
