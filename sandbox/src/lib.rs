//! The local sandbox: the whole bridge on one machine, with no AWS, Freshdesk or Simpli.
//!
//! * [`run_scenario`] starts the Freshdesk simulator (the seeded demo account), the Simpli
//!   stand-ins and the four functions' real handlers behind a local HTTP server
//!   ([`bridge::router`]), replays the sample events of `events/` through real HTTP requests,
//!   prints a before/after report and checks that everything behaved as expected.
//! * [`serve::serve`] offers the same webhook routes on a local port, configured from the
//!   environment exactly like the Lambdas (or pointed at the simulators), for a tunnel from a
//!   real Freshdesk account.
//!
//! How it maps to the deployed architecture: the local axum server stands in for API Gateway's
//! HTTP API, each route calls the same [`shared::runtime::entry::webhook`] the Lambda's HTTP entry calls,
//! the in-memory dedup store stands in for the DynamoDB table, and the jobs run inline (as with
//! no `JOB_QUEUE_URL`).

#![forbid(unsafe_code)]

pub mod bridge;
mod checks;
pub mod cli;
mod report;
pub mod samples;
pub mod scenario;
pub mod serve;
pub mod setup;

pub use scenario::{run_scenario, Check, ScenarioReport, StepOutcome};
pub use setup::Simulators;

/// The webhook secret of the sample events (a dev value, not a credential).
pub const SECRET: &str = "local-dev-secret";
/// The API key of the simulated Freshdesk account.
pub const API_KEY: &str = "sandbox-api-key";

/// What can stop the sandbox itself (as opposed to a failed expectation, which is a [`Check`]).
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("writing the report: {0}")]
    Io(#[from] std::io::Error),
    #[error("starting {what}: {source}")]
    Start { what: &'static str, source: std::io::Error },
    #[error(transparent)]
    Startup(#[from] shared::setup::secrets::StartupError),
    #[error("sample event {name}: {problem}")]
    Sample { name: &'static str, problem: String },
    #[error("{label}: request failed: {source}")]
    Http { label: String, source: reqwest::Error },
}

/// Logs of the handlers go to stderr at WARN (`RUST_LOG` overrides), so the report stays readable.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .compact()
        .try_init();
}
