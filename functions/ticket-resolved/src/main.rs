//! Lambda entry of ticket-resolved (wiring only).

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), shared::runtime::Error> {
    shared::runtime::run(ticket_resolved::TicketResolved).await
}
