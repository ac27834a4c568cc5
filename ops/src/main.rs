//! `ops`: operator tasks of the simpli-freshdesk bridge.
//!
//! ```text
//! ops replay --event ticket-created [--ticket-id 101] [--queue-url URL] [--dlq-url URL] [--dry-run]
//! ops setup [--dry-run] [--rules --webhook-base URL]
//! ops doctor [--json] [--webhook-base URL]
//! ops show --ticket 101
//! ops backfill --event ticket-created --since 2026-01-01 [--until DATE] [--rate N/min] [--dry-run]
//! ```
//! `setup` and `doctor` read the bridge's own variables (`FRESHDESK_*`, `WEBHOOK_SECRET*`,
//! the Simpli URLs, `IDEMPOTENCY_TABLE`, the queue URLs) exactly as the functions do.
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
    /// Create the AI custom fields (and with --rules the automation rules) the account lacks.
    Setup(SetupArgs),
    /// Check everything the bridge depends on; exit 1 if any check fails.
    Doctor(DoctorArgs),
    /// What the bridge knows of one ticket: dedup items, the AI's answers, DLQ messages.
    Show(ShowArgs),
    /// Send existing tickets through the bridge: the jobs they miss, over a date range.
    Backfill(ops::backfill::BackfillArgs),
}

#[derive(Args, Debug)]
struct ShowArgs {
    /// The Freshdesk ticket id.
    #[arg(long)]
    ticket: u64,
}

#[derive(Args, Debug)]
struct SetupArgs {
    /// Report what would be created, and create nothing.
    #[arg(long)]
    dry_run: bool,
    /// Also create the three automation rules (else they are printed).
    #[arg(long)]
    rules: bool,
    /// The bridge's API base URL (the stack's WebhookBaseUrl output) [default: $WEBHOOK_BASE_URL].
    #[arg(long)]
    webhook_base: Option<String>,
}

#[derive(Args, Debug)]
struct DoctorArgs {
    /// One JSON object instead of lines.
    #[arg(long)]
    json: bool,
    /// The bridge's API base URL, to check where the rules point [default: $WEBHOOK_BASE_URL].
    #[arg(long)]
    webhook_base: Option<String>,
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

async fn setup(args: SetupArgs) -> ExitCode {
    let report = async {
        let ctx = ops::context::load().await?;
        let opts = ops::setup::SetupOptions {
            dry_run: args.dry_run,
            rules: args.rules,
            webhook_base: ops::context::webhook_base(args.webhook_base),
        };
        let secret = ctx.secrets.webhook_secret.as_ref();
        ops::setup::run(&ctx.freshdesk, &ctx.config.fields, secret, &opts).await
    };
    match report.await {
        Ok(report) => {
            print!("{}", report.render());
            if report.rules_failed.is_some() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("ops: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn show(args: ShowArgs) -> Result<String, ops::OpsError> {
    let config = ops::context::config()?;
    let table = config
        .idempotency_table
        .as_deref()
        .ok_or_else(|| ops::OpsError::Usage("IDEMPOTENCY_TABLE is not set".into()))?;
    let aws = shared::clients::aws::sdk_config().await;
    let dynamo = aws_sdk_dynamodb::Client::new(&aws);
    let mut report = ops::show::ShowReport {
        ticket: args.ticket,
        items: ops::show::items(&dynamo, table, args.ticket).await?,
        ..Default::default()
    };
    let queues = ops::show::event_queues(config.job_queue_url.as_deref());
    ops::show::parked(&aws, &queues, config.job_dlq_url.clone(), args.ticket, &mut report).await;
    Ok(report.render())
}

async fn doctor(args: DoctorArgs) -> ExitCode {
    let report = ops::doctor::run(ops::context::webhook_base(args.webhook_base)).await;
    print!("{}", if args.json { report.json() } else { report.render() });
    if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Replay(args) => replay(args).await,
        Command::Setup(args) => return setup(args).await,
        Command::Show(args) => show(args).await,
        Command::Doctor(args) => return doctor(args).await,
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
