//! Lambda entry of ticket-created (wiring only).

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::run(ticket_created::TicketCreated).await
}
