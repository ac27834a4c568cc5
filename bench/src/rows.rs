//! What the benches that run the release function as a child process share: finding the
//! binary (or saying why the bench is skipped), the table rows they measure (a dedup store
//! and a job entry), and stopping with the row's label when a run goes wrong, so every
//! bench reports the same way.

use std::path::PathBuf;

use crate::{run_jobs, Dedup, Launched};

/// One row of a per-job table: the dedup store and the job entry (`batch` = None: the
/// inline webhook; `Some(n)`: the SQS job entry with `n` records per invocation).
pub struct Variant {
    pub label: &'static str,
    pub dedup: Dedup,
    pub batch: Option<usize>,
}

impl Variant {
    /// Whether the row needs the emulator (a DynamoDB table or an SQS queue).
    pub fn needs_aws(&self) -> bool {
        self.dedup != Dedup::Memory || self.batch.is_some()
    }
}

/// The release `package` binary, with a warning printed when its sources are newer; `None`
/// (after printing `<bench>: skipped: <why>`) when it has not been built.
pub fn function_binary(bench: &str, package: &str) -> Option<PathBuf> {
    match crate::release_binary(package) {
        Ok((binary, warning)) => {
            if let Some(w) = warning {
                println!("{w}");
            }
            Some(binary)
        }
        Err(msg) => {
            println!("{bench}: skipped: {msg}");
            None
        }
    }
}

/// Stops the bench: `<bench>: <label>: <e>` on stderr, exit status 1.
pub fn fail(bench: &str, label: &str, e: &str) -> ! {
    eprintln!("{bench}: {label}: {e}");
    std::process::exit(1);
}

impl Launched {
    /// Runs the jobs of `ids`; on an error, stops the bench with the function's last log lines.
    pub async fn run_or_fail(&self, bench: &str, label: &str, ids: &[u64]) {
        if let Err(e) = run_jobs(&self.runtime, &self.entry, ids).await {
            fail(bench, label, &format!("{e}\n{}", self.proc.log_tail(20)));
        }
    }
}
