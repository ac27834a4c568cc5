//! The shared crate of the simpli-freshdesk functions: configuration, the Freshdesk and Simpli
//! clients, the dedup store, the webhook and queue entries, note rendering, and the job
//! pipeline. Each function binary supplies only its event's logic (a [`pipeline::Job`]).

pub mod app;
pub mod aws;
pub mod config;
pub mod deadline;
pub mod dedup;
pub mod entry;
pub mod freshdesk;
pub mod http;
pub mod lambda;
pub mod metrics;
pub mod notes;
pub mod pipeline;
pub mod queue;
pub mod retry;
pub mod secrets;
pub mod simpli;
pub mod telemetry;
pub mod text;
pub mod webhook;

pub use app::{App, Secrets};
pub use config::Config;
pub use pipeline::{Failures, Job, JobCtx, JobError, Outcome};
