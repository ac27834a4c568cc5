//! The shared crate of the simpli-freshdesk functions. Each function binary supplies only its
//! event's logic (a [`Job`]); everything else lives here, grouped by role:
//!
//! | group | what it holds |
//! |---|---|
//! | [`runtime`] | the Lambda side: dispatch, cold start, webhook and queue entries, HTTP answers, deadline |
//! | [`job`] | one job: the `Job` trait, claim and steps, outcomes, retry policy, lease, note HTML |
//! | [`clients`] | Freshdesk, Simpli, the HTTP client, the AWS SDK's configuration |
//! | [`store`] | the dedup store (DynamoDB and in-memory) and the marker store |
//! | [`setup`] | configuration, secrets, the clock, the per-container `App` |
//! | [`obs`] | logs and metrics |
//! | [`recover`] | the sweep of reconcile and `ops backfill`: jobs no webhook brought |
//!
//! Where each behaviour is:
//!
//! | behaviour | file |
//! |---|---|
//! | invocation dispatch (HTTP / SQS / schedule) | `runtime/dispatch.rs` |
//! | cold start and its init-error report | `runtime/init.rs` |
//! | webhook auth (shared secret) and body parsing | `runtime/webhook.rs` |
//! | every HTTP status and response shape | `runtime/answer.rs` |
//! | queue answers (batch item failures, retry delay, DLQ) | `runtime/entry.rs` |
//! | job messages, SQS visibility and dead-lettering | `runtime/queue.rs` |
//! | deadline reading and the bookkeeping reserve | `runtime/deadline.rs` |
//! | the job pipeline: claim, steps, adoption, settlement | `job/pipeline.rs` |
//! | outcomes and retryable vs fatal errors | `job/outcome.rs` |
//! | retry policy (backoff, jitter, deadline) | `job/retry.rs` |
//! | the lease and record lifetimes | `job/lease.rs` |
//! | note HTML and escaping | `job/notes.rs` |
//! | text clean-up (HTML to text, quoted replies) | `job/text.rs` |
//! | Freshdesk calls, pagination, outcome-unknown writes | `clients/freshdesk/client.rs` |
//! | Freshdesk rate-limit pacing and the reserve | `clients/freshdesk/pacing.rs` |
//! | field discovery | `clients/freshdesk/discovery.rs` |
//! | field values by the field's type | `clients/freshdesk/field_values.rs` |
//! | Simpli calls and error texts | `clients/simpli/mod.rs` |
//! | AWS SDK timeouts and error descriptions | `clients/aws.rs` |
//! | dedup claim, conditional writes | `store/dynamo.rs` (`store/memory.rs` for dev) |
//! | markers (kb-sync's cursor and articles) | `store/markers.rs` |
//! | configuration, one variable at a time | `setup/config.rs` |
//! | secrets (plain or Secrets Manager) | `setup/secrets.rs` |
//! | rollout mode (`BRIDGE_MODE`: live or shadow) | `setup/mode.rs` |
//! | the shadow note's "would set" block and the shadow metric | `job/shadow.rs` |
//! | the outcome log line and its metric | `obs/outcome.rs` |
//! | every metric (EMF) and its dimensions | `obs/metrics.rs` |
//! | ticket list by `updated_since` with stats (3 credits a page) | `clients/freshdesk/listing.rs` |
//! | which ticket misses which job; the customer-replied marker | `recover/needs.rs` |
//! | sending recovered jobs (queue or inline) under a guard | `recover/send.rs` |
//! | the sweep: windows, pages, deadline, cursor | `recover/sweep.rs` |
//! | reconcile's settings (`RECONCILE_*`, the queue URLs) | `recover/settings.rs` |

pub mod clients;
pub mod job;
pub mod obs;
pub mod recover;
pub mod runtime;
pub mod setup;
pub mod store;

pub use job::{Failures, Job, JobCtx, JobError, Outcome};
pub use setup::app::App;
pub use setup::config::Config;
pub use setup::secrets::Secrets;
