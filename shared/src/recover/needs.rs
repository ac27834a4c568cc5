//! Which job a listed ticket misses, judged against what the bridge recorded:
//! - ticket-created: no `ticket-created#<id>` item;
//! - ticket-resolved: `stats.resolved_at` (else `closed_at`) set and no
//!   `ticket-resolved#<id>#<resolved_at>` item;
//! - customer-replied: `stats.requester_responded_at` later than the ticket's creation and
//!   than the newest reply the customer-replied job scored (its marker, [`reply_marker_key`]).
//!
//! A job a sweep already sent is remembered by a guard item (`reconcile#<job>`, with the
//! table's TTL), so a second sweep, an overlapping window or a resumed run never sends it
//! again while it waits in its queue, and a job that ends without a record of its own (a
//! skipped ticket) is not sent on every run.

use std::cmp::Ordering;

use super::time;
use crate::clients::freshdesk::Ticket;
use crate::setup::app::App;
use crate::store::DedupError;

/// What a ticket needs for one event.
#[derive(Debug, Clone, PartialEq)]
pub enum Need {
    /// A job must be sent; the key of its guard.
    Send { guard: String },
    /// The bridge has done it, or a sweep already sent it.
    Done,
    /// The event does not apply (not resolved, no reply from the customer).
    None,
}

/// The customer-replied job's marker: `requester_responded_at`-comparable time of the newest
/// reply it scored on the ticket.
pub fn reply_marker_key(ticket_id: u64) -> String {
    format!("customer-replied#scored#{ticket_id}")
}

/// The guard item of a job a sweep sent (`job_key` is the job's own dedup key or, for a
/// reply, `customer-replied#<ticket>#<requester_responded_at>`).
pub fn guard_key(job_key: &str) -> String {
    format!("reconcile#{job_key}")
}

/// Records that the reply written at `at` on `ticket_id` was scored (or seen), unless a later
/// one already was.
pub async fn mark_reply_scored(app: &App, ticket_id: u64, at: &str) -> Result<(), DedupError> {
    let key = reply_marker_key(ticket_id);
    match app.markers.get_marker(&key).await? {
        Some(old) if time::cmp(&old, at) != Ordering::Less => Ok(()),
        _ => app.markers.put_marker(&key, at).await,
    }
}

/// What `ticket` needs for `event`.
pub async fn need(app: &App, ticket: &Ticket, event: &str) -> Result<Need, DedupError> {
    let stats = ticket.stats.clone().unwrap_or_default();
    let job_key = match event {
        "ticket-created" => format!("ticket-created#{}", ticket.id),
        "ticket-resolved" => match stats.resolved_at.or(stats.closed_at) {
            Some(at) => format!("ticket-resolved#{}#{at}", ticket.id),
            None => return Ok(Need::None),
        },
        "customer-replied" => {
            let Some(responded) = stats.requester_responded_at else {
                return Ok(Need::None);
            };
            let created = ticket.created_at.as_deref().unwrap_or("");
            if !created.is_empty() && time::cmp(&responded, created) != Ordering::Greater {
                return Ok(Need::None);
            }
            let scored = app.markers.get_marker(&reply_marker_key(ticket.id)).await?;
            if scored.is_some_and(|s| time::cmp(&s, &responded) != Ordering::Less) {
                return Ok(Need::Done);
            }
            let guard = guard_key(&format!("customer-replied#{}#{responded}", ticket.id));
            return guarded(app, guard).await;
        }
        _ => return Ok(Need::None),
    };
    if app.dedup.get(&job_key).await?.is_some() {
        return Ok(Need::Done);
    }
    guarded(app, guard_key(&job_key)).await
}

async fn guarded(app: &App, guard: String) -> Result<Need, DedupError> {
    // A guard is only taken for good once its job was sent (a failed send releases it).
    Ok(match app.dedup.get(&guard).await? {
        Some(r) if r.status == crate::store::COMPLETED => Need::Done,
        _ => Need::Send { guard },
    })
}
