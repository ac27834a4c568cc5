//! Running the built function binaries as real Lambdas, against real queues.
//!
//! * [`RuntimeApi`] — a stand-in for the Lambda Runtime API (`GET /2018-06-01/runtime/invocation/next`
//!   long-poll, `POST .../invocation/{id}/response`, `.../{id}/error`, `/runtime/init/error`)
//!   on 127.0.0.1. [`RuntimeApi::invoke`] queues an event and awaits the function's answer, its
//!   error, or its deadline (a crashed or hung function ends as [`InvokeError::TimedOut`]).
//! * [`FunctionProcess`] — a function binary (`cargo build --workspace --bin <name>` on first use, in the
//!   target directory the tests were built in) running as a child process with
//!   `AWS_LAMBDA_RUNTIME_API` pointing at the stand-in, so a crash is a real `kill -9`.
//! * [`EventSourceMapping`] — what Lambda's SQS poller does: receive a batch (with
//!   `ApproximateReceiveCount`), invoke the function with an SQS event, delete the records
//!   not listed in `batchItemFailures` (none when the invocation failed or timed out).
//! * [`QueueBed`] — the whole set-up of one test: simulators, a DynamoDB dedup table, a queue
//!   with its DLQ and redrive policy (moto), a runtime stand-in and the function's environment.
//! * [`QueuePair`] and friends — the tests' SQS on moto.
//!
//! One file per part: `api.rs`, `process.rs`, `queues.rs`, `mapping.rs`, `bed.rs`; this file
//! re-exports them, so tests name everything as `e2e::runtime_api::...`.

use std::future::Future;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

mod api;
mod bed;
mod mapping;
mod process;
mod queues;

pub use api::{InvokeError, RuntimeApi};
pub use bed::{BedOptions, QueueBed, LONG_VISIBILITY};
pub use mapping::{batch_failures, sqs_event, EventSourceMapping, MappingCounts, MappingHandle, MappingStats};
pub use process::{function_binary, workspace_root, FunctionProcess};
pub use queues::{aws_config, create_queue_pair, peek, queue_depth, queue_total, sqs_client, sqs_endpoint, QueuePair};

const REGION: &str = "us-east-1";
const ACCOUNT: &str = "123456789012";

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Polls `check` every 100 ms until it holds; panics with `what` (and `context()`) after `timeout`.
pub async fn eventually<F, Fut>(what: &str, timeout: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    if !wait_until(timeout, &mut check).await {
        panic!("timed out after {timeout:?} waiting until {what}");
    }
}

/// Like [`eventually`], but returns whether it held instead of panicking.
pub async fn wait_until<F, Fut>(timeout: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    loop {
        if check().await {
            return true;
        }
        if start.elapsed() > timeout {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
