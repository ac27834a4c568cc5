//! Freshdesk API v2: client, models, errors, rate-limit pacing and account discovery.

mod client;
pub mod discovery;
mod error;
pub mod field_values;
mod listing;
pub mod models;
pub mod pacing;

pub use client::{next_link, FreshdeskClient};
pub use discovery::AccountInfo;
pub use error::{FieldError, FreshdeskError};
pub use listing::{TicketPage, UpdatedTickets, LIST_PER_PAGE, LIST_STATS_CREDITS};
pub use models::*;
pub use pacing::{Pacer, Sent};
