//! What the bridge tells its operators: structured logs (tracing, JSON in Lambda) and
//! CloudWatch metrics in the embedded metric format.

pub mod metrics;
mod outcome;
pub mod telemetry;

pub use outcome::{record_outcome, Detail, JobLine};
