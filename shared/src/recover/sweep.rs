//! The sweep: list the tickets updated since a time (oldest change first, with stats), and send
//! each job a ticket misses ([`super::need`]). Each page is asked for anew from the newest
//! `updated_at` read so far, rather than by page number: a ticket changed during the walk (by
//! anyone, the bridge's own recovered jobs included) moves to the end of the order, which
//! would shift later pages and hide a ticket; and Freshdesk serves at most 300 pages of one
//! query. Only when a whole page shares one `updated_at` is the next page number asked for.
//!
//! Tickets are handled a few at a time; the newest `updated_at` of those fully handled is the
//! cursor, written after each group when the plan names a cursor marker, so a run cut by its
//! deadline (or by a failure) resumes there, and the guards keep any job from being sent twice.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::Mutex;

use super::needs::{need, Need};
use super::send::Sender;
use super::time;
use crate::clients::freshdesk::{Ticket, UpdatedTickets, LIST_PER_PAGE};
use crate::job::JobError;
use crate::setup::app::App;

/// Tickets handled at once.
const GROUP: usize = 8;
/// Freshdesk serves at most this many pages of one query.
const PAGE_CAP: u32 = 300;

/// What a sweep covers and how it sends.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Tickets updated at or after this time.
    pub since: String,
    /// ... and at or before this one (backfill's `--until`).
    pub until: Option<String>,
    /// The events to recover.
    pub events: Vec<&'static str>,
    /// Only tickets with this tag.
    pub tag: Option<String>,
    /// Count what would be sent; send nothing, take no guard, move no cursor.
    pub dry_run: bool,
    /// The sweep starts nothing after this.
    pub work_until: Instant,
    /// The least time between two jobs sent (a rate limit of its own, on top of the reserve).
    pub spacing: Option<Duration>,
    /// The marker that keeps the cursor (reconcile); `None` for a range (backfill).
    pub cursor_key: Option<String>,
}

/// What a sweep did.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Tally {
    pub pages: u32,
    pub tickets: u32,
    /// Jobs sent (enqueued or run inline; with `dry_run`, that would be sent), by event.
    pub sent: BTreeMap<String, u32>,
    /// Jobs the bridge has already done (or a sweep already sent).
    pub already_done: u32,
    /// Tickets left alone: spam, deleted, or without the tag.
    pub skipped: u32,
    /// The newest `updated_at` of the tickets fully handled.
    pub newest: Option<String>,
    /// The listing was read to its end (else the deadline or a failure stopped it).
    pub complete: bool,
}

impl Tally {
    pub fn sent_total(&self) -> u32 {
        self.sent.values().sum()
    }
}

/// What one ticket came to.
#[derive(Default)]
struct Handled {
    skipped: bool,
    sent: Vec<&'static str>,
    done: u32,
}

/// Runs a sweep. `progress` sees the tally after each group of tickets. A failure ends the
/// sweep with the cursor at the last ticket fully handled before it.
pub async fn sweep(
    app: &App,
    plan: &Plan,
    sender: &Sender<'_>,
    progress: &(dyn Fn(&Tally) + Sync),
) -> Result<Tally, JobError> {
    let mut tally = Tally::default();
    let mut query = UpdatedTickets {
        since: plan.since.clone(),
        page: 1,
    };
    let mut seen: HashMap<u64, String> = HashMap::new();
    let pacer = Mutex::new(None::<Instant>);
    loop {
        if Instant::now() >= plan.work_until {
            return Ok(tally);
        }
        let page = match app.freshdesk.updated_tickets(&query, plan.work_until).await {
            Ok(page) => page,
            Err(e) if Instant::now() >= plan.work_until => {
                tracing::info!(error = %e, "sweep out of time while listing; will resume");
                return Ok(tally);
            }
            Err(e) => return Err(e.into()),
        };
        tally.pages += 1;
        let last = page.tickets.last().and_then(|t| t.updated_at.clone());
        // A full page may be the last one Freshdesk serves of this query (its 300-page cap),
        // with or without a `Link`: only a short page ends the listing.
        let more = page.has_next || page.tickets.len() >= LIST_PER_PAGE as usize;
        let fresh: Vec<Ticket> = page
            .tickets
            .into_iter()
            .filter(|t| seen.get(&t.id) != t.updated_at.as_ref())
            .collect();
        let (in_range, past_until) = split_at_until(fresh, plan.until.as_deref());
        for group in in_range.chunks(GROUP) {
            if Instant::now() >= plan.work_until {
                return Ok(tally);
            }
            let results = futures::future::join_all(group.iter().map(|t| handle(app, plan, sender, &pacer, t))).await;
            for (ticket, result) in group.iter().zip(results) {
                let handled = match result {
                    Ok(h) => h,
                    Err(e) => {
                        save_cursor(app, plan, &tally).await?;
                        return Err(e);
                    }
                };
                count(&mut tally, ticket, handled);
                seen.insert(ticket.id, ticket.updated_at.clone().unwrap_or_default());
            }
            save_cursor(app, plan, &tally).await?;
            progress(&tally);
        }
        if past_until || !more {
            tally.complete = true;
            return Ok(tally);
        }
        query = next_query(query, last)?;
    }
}

/// The next query: from the page's newest `updated_at`, or the next page of the same one.
fn next_query(query: UpdatedTickets, last: Option<String>) -> Result<UpdatedTickets, JobError> {
    match last {
        Some(last) if time::cmp(&last, &query.since).is_gt() => Ok(UpdatedTickets { since: last, page: 1 }),
        _ if query.page < PAGE_CAP => Ok(UpdatedTickets {
            page: query.page + 1,
            ..query
        }),
        _ => Err(JobError::Fatal {
            cause: format!("more than {PAGE_CAP} pages of tickets share updated_at {}", query.since),
        }),
    }
}

/// The tickets up to `until`, and whether any lay past it (the ascending order means the
/// range is over).
fn split_at_until(tickets: Vec<Ticket>, until: Option<&str>) -> (Vec<Ticket>, bool) {
    let Some(until) = until else { return (tickets, false) };
    let before = tickets.len();
    let kept: Vec<Ticket> = tickets
        .into_iter()
        .take_while(|t| t.updated_at.as_deref().is_none_or(|u| time::cmp(u, until).is_le()))
        .collect();
    let past = kept.len() < before;
    (kept, past)
}

fn count(tally: &mut Tally, ticket: &Ticket, handled: Handled) {
    tally.tickets += 1;
    tally.skipped += u32::from(handled.skipped);
    tally.already_done += handled.done;
    for event in handled.sent {
        *tally.sent.entry(event.to_string()).or_default() += 1;
    }
    if let Some(at) = &ticket.updated_at {
        if tally.newest.as_deref().is_none_or(|n| time::cmp(at, n).is_gt()) {
            tally.newest = Some(at.clone());
        }
    }
}

async fn save_cursor(app: &App, plan: &Plan, tally: &Tally) -> Result<(), JobError> {
    if let (Some(key), Some(newest), false) = (&plan.cursor_key, &tally.newest, plan.dry_run) {
        app.markers.put_marker(key, newest).await?;
    }
    Ok(())
}

/// Whether a sweep leaves a ticket alone: spam, deleted, or (with a tag) untagged.
pub fn left_alone(ticket: &Ticket, tag: Option<&str>) -> bool {
    ticket.spam || ticket.deleted || tag.is_some_and(|tag| !ticket.tags.iter().any(|t| t.eq_ignore_ascii_case(tag)))
}

async fn handle(
    app: &App,
    plan: &Plan,
    sender: &Sender<'_>,
    pacer: &Mutex<Option<Instant>>,
    ticket: &Ticket,
) -> Result<Handled, JobError> {
    let mut handled = Handled::default();
    if left_alone(ticket, plan.tag.as_deref()) {
        handled.skipped = true;
        return Ok(handled);
    }
    for event in &plan.events {
        let guard = match need(app, ticket, event).await? {
            Need::Send { guard } => guard,
            Need::Done => {
                handled.done += 1;
                continue;
            }
            Need::None => continue,
        };
        if plan.dry_run {
            handled.sent.push(event);
            continue;
        }
        wait_turn(pacer, plan.spacing).await;
        if sender.send(app, event, ticket.id, &guard, plan.work_until).await? {
            tracing::info!(event, ticket_id = ticket.id, "recovered a job no webhook brought");
            handled.sent.push(event);
        } else {
            handled.done += 1;
        }
    }
    Ok(handled)
}

/// Waits until the next send may go under `spacing`, and books the slot after it.
async fn wait_turn(pacer: &Mutex<Option<Instant>>, spacing: Option<Duration>) {
    let Some(spacing) = spacing else { return };
    let slot = {
        let mut next = pacer.lock().await;
        let now = Instant::now();
        let slot = next.map_or(now, |n| n.max(now));
        *next = Some(slot + spacing);
        slot
    };
    tokio::time::sleep_until(slot.into()).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket(id: u64, updated: &str) -> Ticket {
        Ticket {
            id,
            updated_at: Some(updated.into()),
            ..Default::default()
        }
    }

    #[test]
    fn spam_deleted_and_untagged_tickets_are_left_alone() {
        let mut t = ticket(1, "2026-01-01T00:00:00Z");
        assert!(!left_alone(&t, None));
        assert!(left_alone(&t, Some("bridge")));
        t.tags = vec!["Bridge".into()];
        assert!(!left_alone(&t, Some("bridge")));
        t.spam = true;
        assert!(left_alone(&t, None));
        t.spam = false;
        t.deleted = true;
        assert!(left_alone(&t, None));
    }

    #[test]
    fn pages_move_on_by_time_and_by_number_only_within_one_second() {
        let q = UpdatedTickets {
            since: "2026-01-01T00:00:00Z".into(),
            page: 1,
        };
        let next = next_query(q.clone(), Some("2026-01-01T00:05:00Z".into())).unwrap();
        assert_eq!((next.since.as_str(), next.page), ("2026-01-01T00:05:00Z", 1));
        let same = next_query(q.clone(), Some("2026-01-01T00:00:00Z".into())).unwrap();
        assert_eq!(same.page, 2);
        let capped = UpdatedTickets { page: PAGE_CAP, ..q };
        assert!(next_query(capped, Some("2026-01-01T00:00:00Z".into())).is_err());
    }

    #[test]
    fn a_range_ends_at_until() {
        let ts = vec![ticket(1, "2026-01-01T00:00:00Z"), ticket(2, "2026-01-03T00:00:00Z")];
        let (kept, past) = split_at_until(ts.clone(), Some("2026-01-02T00:00:00Z"));
        assert_eq!((kept.len(), past), (1, true));
        let (kept, past) = split_at_until(ts, None);
        assert_eq!((kept.len(), past), (2, false));
    }
}
