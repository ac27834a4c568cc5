//! The job pipeline's guarantees that no event logic can break.

use std::time::{Duration, Instant};

use e2e::{Harness, Store};
use shared::job::{run_job, Job, JobCtx, JobError, Outcome};
use shared::store::IN_PROGRESS;

struct PanicsAfterClaim;

impl Job for PanicsAfterClaim {
    const EVENT: &'static str = "test-panic";

    async fn run<'a>(&'a self, ctx: &'a JobCtx<'a>) -> Result<Outcome, JobError> {
        if let Some(early) = ctx.claim(format!("test-panic#{}", ctx.ticket_id)).await? {
            return Ok(early);
        }
        ctx.step("note").await?;
        panic!("bug in event logic");
    }
}

#[tokio::test]
async fn a_panic_is_a_retryable_failure_that_releases_the_lease_and_keeps_steps() {
    let h = Harness::start(Store::Dynamo).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let report = run_job(&h.app, &PanicsAfterClaim, 7, deadline, "r1".into()).await;
    assert_eq!(report.label(), "retried");
    assert_eq!(shared::runtime::answer::HttpAnswer::inline(&report).status, 503);
    assert!(report.result.unwrap_err().to_string().contains("bug in event logic"));
    let record = h.store.get("test-panic#7").await.unwrap().unwrap();
    assert_eq!(
        (record.status.as_str(), record.lease_until_ms),
        (IN_PROGRESS, 0),
        "never a live lease forever"
    );
    assert!(record.steps.contains("note"));
}
