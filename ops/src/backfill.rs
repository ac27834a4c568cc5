//! `ops backfill`: sends existing tickets through the bridge, as reconcile does but over a date
//! range and for one event: every ticket updated in the range that misses the event's job gets
//! it, on the event's queue (`--queue-url`, else `TICKET_CREATED_QUEUE_URL` /
//! `CUSTOMER_REPLIED_QUEUE_URL` / `TICKET_RESOLVED_QUEUE_URL`) or run here, inline, when the
//! event has no queue. Freshdesk calls keep the rate-limit reserve; jobs go out at `--rate` a
//! minute (default: half the bridge's share of the account's budget, at 4 credits a job). The
//! dedup records and the sweep's guards make a second run send nothing again.

use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use shared::recover::{self, time, Jobs, Plan, ReconcileSettings, Sender, Tally};
use shared::App;

use crate::OpsError;

/// Freshdesk credits one job spends (GET ticket, PUT ticket, POST note, PUT contact).
pub const CREDITS_PER_JOB: f64 = 4.0;

#[derive(Args, Debug)]
pub struct BackfillArgs {
    /// The event whose jobs are sent.
    #[arg(long, value_enum)]
    pub event: Event,
    /// Tickets updated at or after this time (2026-01-31 or 2026-01-31T08:00:00Z).
    #[arg(long)]
    pub since: String,
    /// ... and at or before this one [default: now].
    #[arg(long)]
    pub until: Option<String>,
    /// Jobs sent per minute [default: half the bridge's share of the account's budget].
    #[arg(long, value_name = "N/min")]
    pub rate: Option<String>,
    /// The event's queue [default: its *_QUEUE_URL; none: jobs run here, inline].
    #[arg(long)]
    pub queue_url: Option<String>,
    /// Count what would be sent, and send nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq)]
pub enum Event {
    TicketCreated,
    CustomerReplied,
    TicketResolved,
}

impl Event {
    pub fn name(self) -> &'static str {
        match self {
            Event::TicketCreated => "ticket-created",
            Event::CustomerReplied => "customer-replied",
            Event::TicketResolved => "ticket-resolved",
        }
    }
}

/// What a backfill covers.
#[derive(Debug, Clone)]
pub struct BackfillOptions {
    pub event: &'static str,
    pub since: String,
    pub until: Option<String>,
    /// Jobs a minute; `None`: derived from the account's budget.
    pub rate: Option<f64>,
    pub dry_run: bool,
    /// The event's queue; `None`: inline.
    pub queue_url: Option<String>,
}

impl BackfillOptions {
    /// Checks and normalises the command line: times, their order, the rate.
    pub fn from_args(args: BackfillArgs, env_queue: Option<String>) -> Result<Self, OpsError> {
        let since = parse_time("--since", &args.since)?;
        let until = args.until.as_deref().map(|u| parse_time("--until", u)).transpose()?;
        if until.as_deref().is_some_and(|u| time::cmp(u, &since).is_lt()) {
            return Err(OpsError::Usage("--until is before --since".into()));
        }
        let rate = args.rate.as_deref().map(parse_rate).transpose()?;
        Ok(Self {
            event: args.event.name(),
            since,
            until,
            rate,
            dry_run: args.dry_run,
            queue_url: args.queue_url.or(env_queue),
        })
    }
}

fn parse_time(flag: &str, raw: &str) -> Result<String, OpsError> {
    time::parse(raw)
        .map(time::format)
        .ok_or_else(|| OpsError::Usage(format!("{flag} {raw:?}: expected 2026-01-31 or 2026-01-31T08:00:00Z")))
}

/// `120`, `120/min` → 120 jobs a minute.
pub fn parse_rate(raw: &str) -> Result<f64, OpsError> {
    let number = raw.trim().trim_end_matches("/min").trim();
    match number.parse::<f64>() {
        Ok(n) if n > 0.0 && n.is_finite() => Ok(n),
        _ => Err(OpsError::Usage(format!(
            "--rate {raw:?}: expected a positive number of jobs per minute, e.g. 60/min"
        ))),
    }
}

/// What a backfill did.
#[derive(Debug, Clone)]
pub struct BackfillReport {
    pub event: &'static str,
    pub tally: Tally,
    pub dry_run: bool,
    pub queued: bool,
    pub rate: Option<f64>,
}

impl BackfillReport {
    pub fn sent(&self) -> u32 {
        self.tally.sent.get(self.event).copied().unwrap_or(0)
    }

    pub fn render(&self) -> String {
        let verb = match (self.dry_run, self.queued) {
            (true, _) => "would send",
            (false, true) => "enqueued",
            (false, false) => "ran",
        };
        let rate = self.rate.map(|r| format!(" at {r:.0} jobs/min")).unwrap_or_default();
        format!(
            "backfill {}: {} {verb}{rate}, {} already done, {} skipped (spam, deleted); {} tickets on {} pages\n",
            self.event,
            self.sent(),
            self.tally.already_done,
            self.tally.skipped,
            self.tally.tickets,
            self.tally.pages
        )
    }
}

/// Runs a backfill with `app`; `progress` draws a bar on stderr.
pub async fn backfill(app: &App, opts: &BackfillOptions, progress: bool) -> Result<BackfillReport, OpsError> {
    let jobs = Jobs {
        created: ticket_created::TicketCreated,
        replied: customer_replied::CustomerReplied,
        resolved: ticket_resolved::TicketResolved,
    };
    let queues: Vec<(&'static str, String)> = opts.queue_url.iter().map(|u| (opts.event, u.clone())).collect();
    let far = Instant::now() + Duration::from_secs(24 * 3600);
    let rate = match (opts.dry_run, opts.rate) {
        (true, _) => None,
        (false, Some(r)) => Some(r),
        (false, None) => Some(default_rate(app, far).await?),
    };
    let plan = Plan {
        since: opts.since.clone(),
        until: Some(opts.until.clone().unwrap_or_else(time::now)),
        events: vec![opts.event],
        tag: None,
        dry_run: opts.dry_run,
        work_until: far,
        spacing: rate.map(|r| Duration::from_secs_f64(60.0 / r)),
        cursor_key: None,
    };
    let run_id = format!("backfill#{}", shared::setup::clock::now_ms());
    let sender = Sender::new(&queues, &jobs, &run_id).await;
    let bar = progress_bar(progress);
    let tally = recover::sweep(app, &plan, &sender, &|t: &Tally| {
        bar.set_message(format!(
            "{} tickets, {} sent, {} already done, {} skipped",
            t.tickets,
            t.sent_total(),
            t.already_done,
            t.skipped
        ));
        bar.tick();
    })
    .await
    .map_err(|e| {
        OpsError::Usage(format!(
            "backfill stopped: {e} (run it again to go on; nothing is sent twice)"
        ))
    })?;
    bar.finish_and_clear();
    Ok(BackfillReport {
        event: opts.event,
        tally,
        dry_run: opts.dry_run,
        queued: !queues.is_empty(),
        rate,
    })
}

/// Half of the bridge's share of the account's budget, in jobs a minute: read from the
/// account's `X-RateLimit-Total` with one call.
async fn default_rate(app: &App, deadline: Instant) -> Result<f64, OpsError> {
    app.freshdesk
        .ticket_fields(deadline)
        .await
        .map_err(|e| OpsError::Usage(format!("reading the account's rate limit: {e}")))?;
    let total = app.freshdesk.rate_limit_total().unwrap_or(50);
    let share = (1.0 - app.config.rate_limit_reserve) * f64::from(total);
    Ok((share / 2.0 / CREDITS_PER_JOB).max(1.0))
}

fn progress_bar(visible: bool) -> ProgressBar {
    if !visible {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} {elapsed} backfill: {msg}") {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// `ops backfill`: configuration from the environment (as the functions read it), then the run.
pub async fn run(args: BackfillArgs) -> Result<String, OpsError> {
    let settings = ReconcileSettings::from_env().map_err(|e| OpsError::Usage(e.to_string()))?;
    let env_queue = settings
        .queues
        .iter()
        .find(|(e, _)| *e == args.event.name())
        .map(|(_, u)| u.clone());
    let opts = BackfillOptions::from_args(args, env_queue)?;
    let app = App::from_env_scheduled()
        .await
        .map_err(|e| OpsError::Usage(e.to_string()))?;
    let report = backfill(&app, &opts, true).await?;
    Ok(report.render())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(since: &str, until: Option<&str>, rate: Option<&str>) -> BackfillArgs {
        BackfillArgs {
            event: Event::TicketResolved,
            since: since.into(),
            until: until.map(Into::into),
            rate: rate.map(Into::into),
            queue_url: None,
            dry_run: false,
        }
    }

    #[test]
    fn the_command_line_is_checked() {
        let o =
            BackfillOptions::from_args(args("2026-01-01", Some("2026-01-02T08:00:00Z"), Some("60/min")), None).unwrap();
        assert_eq!(
            (o.since.as_str(), o.until.as_deref()),
            ("2026-01-01T00:00:00Z", Some("2026-01-02T08:00:00Z"))
        );
        assert_eq!((o.event, o.rate), ("ticket-resolved", Some(60.0)));
        assert!(BackfillOptions::from_args(args("last week", None, None), None).is_err());
        assert!(BackfillOptions::from_args(args("2026-01-02", Some("2026-01-01"), None), None).is_err());
        assert!(BackfillOptions::from_args(args("2026-01-01", None, Some("0")), None).is_err());
        assert!(BackfillOptions::from_args(args("2026-01-01", None, Some("fast")), None).is_err());
        assert_eq!(parse_rate(" 30 ").unwrap(), 30.0);
    }
}
