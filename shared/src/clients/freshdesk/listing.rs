//! `GET /tickets?updated_since=…&order_by=updated_at&order_type=asc&per_page=100&include=stats`:
//! one page of the tickets updated since a time, oldest change first, with their stats. The
//! embed makes each page cost three credits, which the pacer is told, so the reserve holds.

use std::time::Instant;

use reqwest::Method;

use super::client::{decode, next_link, FreshdeskClient};
use super::error::FreshdeskError;
use super::models::Ticket;

/// What Freshdesk charges for one page of the ticket list with `include=stats` (1 + 2).
pub const LIST_STATS_CREDITS: u32 = 3;

/// Tickets per page: Freshdesk's maximum.
pub const LIST_PER_PAGE: u32 = 100;

/// A query over the tickets updated since `since` (ISO time, inclusive).
#[derive(Debug, Clone, PartialEq)]
pub struct UpdatedTickets {
    pub since: String,
    pub page: u32,
}

/// One page and whether Freshdesk announced another (`Link: <…>; rel="next"`).
#[derive(Debug, Default)]
pub struct TicketPage {
    pub tickets: Vec<Ticket>,
    pub has_next: bool,
}

impl FreshdeskClient {
    /// The account's per-minute budget, as the last answer told it (`None` before any call).
    pub fn rate_limit_total(&self) -> Option<u32> {
        self.pacer().total()
    }

    /// One page of the tickets updated since `query.since`, oldest change first, with stats.
    pub async fn updated_tickets(
        &self,
        query: &UpdatedTickets,
        deadline: Instant,
    ) -> Result<TicketPage, FreshdeskError> {
        let mut url = self.url("tickets")?;
        url.query_pairs_mut()
            .append_pair("updated_since", &query.since)
            .append_pair("order_by", "updated_at")
            .append_pair("order_type", "asc")
            .append_pair("per_page", &LIST_PER_PAGE.to_string())
            .append_pair("page", &query.page.max(1).to_string())
            .append_pair("include", "stats");
        let (value, headers) = self
            .call_costing(Method::GET, url, None::<&()>, deadline, LIST_STATS_CREDITS)
            .await?;
        let has_next = match next_link(&headers) {
            // A next page off the API's host is refused like any other link.
            Some(link) => self.same_origin(&link).map(|_| true)?,
            None => false,
        };
        Ok(TicketPage {
            tickets: decode(value)?,
            has_next,
        })
    }
}
