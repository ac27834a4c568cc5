//! Lambda entry of ticket-resolved (wiring only).

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), shared::lambda::Error> {
    shared::lambda::run(ticket_resolved::TicketResolved).await
}
