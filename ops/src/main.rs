//! `ops`: operator tasks of the simpli-freshdesk bridge.
//!
//! ```text
//! ops replay --event ticket-created [--ticket-id 101] [--queue-url URL] [--dlq-url URL] [--dry-run]
//! ops backfill --event ticket-created --since 2026-01-01 [--until DATE] [--rate N/min] [--dry-run]
//! ```
//! Queue URLs come from the flags, else `JOB_QUEUE_URL` / `JOB_DLQ_URL`, else (DLQ only) the
//! queue's `RedrivePolicy`. AWS credentials, region and endpoint come from the standard
//! environment (`AWS_PROFILE`, `AWS_REGION`, `AWS_ENDPOINT_URL`, ...).

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(name = "ops", version, about = "Operator tasks of the simpli-freshdesk bridge")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Move dead-lettered jobs back to their event's queue (once their cause is fixed).
    Replay(ReplayArgs),
    /// Send existing tickets through the bridge: the jobs they miss, over a date range.
    Backfill(ops::backfill::BackfillArgs),
}

#[derive(Args, Debug)]
struct ReplayArgs {
    /// The event whose jobs are replayed; messages of other events stay in the DLQ.
    #[arg(long, value_enum)]
    event: Event,
    /// Only the jobs of this ticket; the others stay in the DLQ.
    #[arg(long)]
    ticket_id: Option<u64>,
    /// The event's job queue [default: $JOB_QUEUE_URL].
    #[arg(long)]
    queue_url: Option<String>,
    /// Its dead-letter queue [default: $JOB_DLQ_URL, else the queue's RedrivePolicy].
    #[arg(long)]
    dlq_url: Option<String>,
    /// List what would move, and move nothing.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Event {
    TicketCreated,
    CustomerReplied,
    TicketResolved,
}

impl Event {
    fn name(self) -> &'static str {
        match self {
            Event::TicketCreated => "ticket-created",
            Event::CustomerReplied => "customer-replied",
            Event::TicketResolved => "ticket-resolved",
        }
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

async fn replay(args: ReplayArgs) -> Result<String, ops::OpsError> {
    let queue_url = args
        .queue_url
        .or_else(|| env("JOB_QUEUE_URL"))
        .ok_or_else(|| ops::OpsError::Usage("no queue: pass --queue-url or set JOB_QUEUE_URL".into()))?;
    let aws = aws_config::load_from_env().await;
    let dlq_url = ops::resolve_dlq_url(&aws, &queue_url, args.dlq_url.or_else(|| env("JOB_DLQ_URL"))).await?;
    let client = aws_sdk_sqs::Client::new(&aws);
    let opts = ops::ReplayOptions::new(args.event.name(), queue_url, dlq_url)
        .ticket(args.ticket_id)
        .dry_run(args.dry_run);
    let report = ops::replay(&client, &opts).await?;
    Ok(report.render())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Replay(args) => replay(args).await,
        Command::Backfill(args) => ops::backfill::run(args).await,
    };
    match result {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("ops: {e}");
            ExitCode::FAILURE
        }
    }
}
