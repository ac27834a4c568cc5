//! The Lambda side of a function: dispatch of an invocation (API Gateway / function URL
//! request, SQS batch, schedule), the cold start, the webhook and queue entries, every HTTP
//! answer, the job queue, and the invocation's deadline.

pub mod answer;
pub mod deadline;
mod dispatch;
pub mod entry;
mod init;
pub mod queue;
pub mod webhook;

pub use dispatch::{
    classify, deadline_of, handle, handle_scheduled, run, run_scheduled, run_scheduled_with, EventKind, Scheduled,
};
pub use lambda_runtime::Error;
