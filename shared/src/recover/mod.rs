//! Recovering work no webhook brought: the sweep that reconcile (on a schedule, from a cursor)
//! and `ops backfill` (over a date range) share.
//!
//! | piece | file |
//! |---|---|
//! | reconcile's settings (`RECONCILE_SINCE`, `RECONCILE_TAG`, the three queue URLs) | `settings.rs` |
//! | Freshdesk times (parse, compare, step back) | `time.rs` |
//! | which ticket misses which job, judged against the dedup table and markers | `needs.rs` |
//! | sending a recovered job: to its event's queue, or inline | `send.rs` |
//! | the listing walk: pages, windows past the 300-page cap, deadline, cursor | `sweep.rs` |

mod needs;
mod send;
mod settings;
mod sweep;
pub mod time;

pub use needs::{guard_key, mark_reply_scored, need, reply_marker_key, Need};
pub use send::{Jobs, Runner, Sender};
pub use settings::ReconcileSettings;
pub use sweep::{sweep, Plan, Tally};

/// The three webhook events a sweep can recover, in the order it checks them.
pub const EVENTS: [&str; 3] = ["ticket-created", "ticket-resolved", "customer-replied"];
