//! One job, from claim to settlement: the [`Job`] trait each function implements, the context
//! it runs in (claim, steps, deadline), how it ends ([`Outcome`], [`JobError`]), the retry
//! policy, the lease, and what it writes (note HTML, text clean-up).

pub mod lease;
pub mod notes;
mod outcome;
mod pipeline;
pub mod retry;
pub mod shadow;
pub mod text;

pub use outcome::{Failures, JobError, JobReport, Outcome};
pub use pipeline::{run_job, Job, JobCtx};
